//! Photos and other raster pictures in `content/` (JPEG, PNG, WebP), as readers on slow data
//! should get them: never the 5 MB a phone wrote, but a few widths in WebP with a JPEG or PNG
//! beside it, the browser choosing by the screen (`srcset`/`sizes` in a `<picture>`), and no
//! metadata in any of them (see the `photos` crate). Encoded files are kept in a cache between builds
//! (see `cache`); photos are encoded in parallel.
//!
//! [`prepare`] replaces each picture among the content's files by its encoded files, before
//! the fingerprinting names them; [`Prepared::published`] then gives the Markdown the URLs.
//! A source `images/a.jpg` becomes `images/a.jpg.360.webp`, `images/a.jpg.360.jpg`, … and
//! `images/a.jpg` itself (the widest, for links to the file), each fingerprinted.

mod cache;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use content_model::escape_html;
use rayon::prelude::*;

use crate::fingerprint::Fingerprints;
use crate::output::Output;
pub(crate) use photos::Refusal;
use photos::{Encoded, Fallback};

/// The pictures that are encoded; other files (SVG, GIF, PDF, …) are published as they are.
const ENCODED: &[&str] = &["jpg", "jpeg", "png", "webp"];

/// How wide a picture is shown, for the browser to choose a width before it knows the
/// layout: the page's column (`.wrap` in style.css: 46rem less 1rem each side), or the
/// screen less those margins on a phone.
const SIZES: &str = "(max-width: 46rem) calc(100vw - 2rem), 44rem";

/// What `prepare` made of each picture, by source path, before fingerprinting.
pub(crate) struct Prepared {
    pictures: Vec<(String, Result<Layout, Refusal>)>,
}

/// Where one picture's files are written, before fingerprinting, smallest first.
struct Layout {
    width: u32,
    height: u32,
    webp: Vec<(u32, String)>,
    fallback: Vec<(u32, String)>,
}

/// A picture as a page shows it: every URL fingerprinted.
#[derive(Debug, Clone)]
pub(crate) struct Picture {
    pub(crate) width: u32,
    pub(crate) height: u32,
    webp: Vec<(u32, String)>,
    fallback: Vec<(u32, String)>,
}

/// The pictures of the site by the URL pages write them with (`/images/a.jpg`), or why one
/// could not be made.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pictures {
    by_url: HashMap<String, Result<Picture, Refusal>>,
}

fn is_encoded(path: &str) -> bool {
    path.rsplit_once('.').is_some_and(|(_, extension)| ENCODED.contains(&extension.to_ascii_lowercase().as_str()))
}

/// Replaces every picture in `files` by its encoded files, taken from `cache_dir` when they
/// were encoded before and kept there when not. Pictures that cannot be encoded publish
/// nothing: their refusal is reported where a page uses them (see [`Pictures::unused_refusals`]).
pub(crate) fn prepare(files: Vec<Output>, cache_dir: Option<&Path>) -> (Vec<Output>, Prepared) {
    let (pictures, mut outputs): (Vec<Output>, Vec<Output>) =
        files.into_iter().partition(|file| is_encoded(&file.path));
    let cache = cache_dir.map(cache::Cache::new);
    let settings = photos::settings();
    let encoded: Vec<(String, String, Result<Encoded, Refusal>)> = pictures
        .into_par_iter()
        .map(|file| {
            let key = cache::Cache::key(&file.bytes, &settings);
            let cached = cache.as_ref().and_then(|cache| cache.get(&key));
            let encoded = match cached {
                Some(encoded) => Ok(encoded),
                None => photos::encode(&file.bytes).inspect(|encoded| {
                    if let Some(cache) = &cache {
                        cache.put(&key, encoded);
                    }
                }),
            };
            (file.path, key, encoded)
        })
        .collect();
    if let Some(cache) = &cache {
        cache.mark_used_and_prune(&encoded.iter().map(|(_, key, _)| key.clone()).collect::<HashSet<_>>());
    }
    let mut prepared = Vec::new();
    for (path, _, encoded) in encoded {
        let layout = encoded.map(|encoded| {
            let (layout, files) = lay_out(&path, encoded);
            outputs.extend(files);
            layout
        });
        prepared.push((path, layout));
    }
    (outputs, Prepared { pictures: prepared })
}

/// The files of one encoded picture and where they go. The widest file in the source's own
/// format takes the source's name, so that links to the file keep working.
fn lay_out(source: &str, encoded: Encoded) -> (Layout, Vec<Output>) {
    let own = source.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase()).unwrap_or_default();
    let widest = encoded.variants.last().map(|variant| variant.width);
    let source_is_fallback =
        matches!((own.as_str(), encoded.fallback), ("jpg" | "jpeg", Fallback::Jpeg) | ("png", Fallback::Png));
    let mut files = Vec::new();
    let mut layout = Layout { width: encoded.width, height: encoded.height, webp: Vec::new(), fallback: Vec::new() };
    for variant in encoded.variants {
        let is_widest = Some(variant.width) == widest;
        let webp_path =
            if is_widest && own == "webp" { source.to_string() } else { format!("{source}.{}.webp", variant.width) };
        let fallback_path = if is_widest && source_is_fallback {
            source.to_string()
        } else {
            format!("{source}.{}.{}", variant.width, encoded.fallback.extension())
        };
        layout.webp.push((variant.width, webp_path.clone()));
        layout.fallback.push((variant.width, fallback_path.clone()));
        files.push(Output::file(&webp_path, variant.webp));
        files.push(Output::file(&fallback_path, variant.fallback));
    }
    // A WebP source whose fallback is JPEG or PNG: its name holds the widest WebP, above.
    (layout, files)
}

impl Prepared {
    /// The pictures with the names their files are published under.
    pub(crate) fn published(self, fingerprints: &Fingerprints) -> Pictures {
        let url = |path: &str| {
            let plain = format!("/{path}");
            fingerprints.url(&plain).map(str::to_string).unwrap_or(plain)
        };
        let by_url = self
            .pictures
            .into_iter()
            .map(|(path, layout)| {
                let picture = layout.map(|layout| Picture {
                    width: layout.width,
                    height: layout.height,
                    webp: layout.webp.iter().map(|(width, path)| (*width, url(path))).collect(),
                    fallback: layout.fallback.iter().map(|(width, path)| (*width, url(path))).collect(),
                });
                (format!("/{path}"), picture)
            })
            .collect();
        Pictures { by_url }
    }
}

impl Pictures {
    /// The picture pages write as `url` (`/images/a.jpg`): `None` when it is not a picture
    /// of the content (an SVG, a missing file).
    pub(crate) fn get(&self, url: &str) -> Option<&Result<Picture, Refusal>> {
        self.by_url.get(url)
    }

    /// Pictures that could not be encoded, with their source path (`images/a.jpg`), for
    /// those that no page shows (a page that shows one reports it at its line).
    pub(crate) fn refusals(&self) -> impl Iterator<Item = (&str, &Refusal)> {
        self.by_url.iter().filter_map(|(url, picture)| Some((url.trim_start_matches('/'), picture.as_ref().err()?)))
    }
}

impl Picture {
    /// The `<picture>` element: WebP for the browsers that take it, the fallback for the
    /// others, both by width; the `<img>` keeps the size (upright) so the page does not jump
    /// as it loads, and loads only when the reader comes near it.
    pub(crate) fn html(&self, alt: &str, title: &str) -> String {
        let srcset = |files: &[(u32, String)]| {
            files.iter().map(|(width, url)| format!("{} {width}w", escape_html(url))).collect::<Vec<_>>().join(", ")
        };
        let src = self.fallback.last().map(|(_, url)| escape_html(url)).unwrap_or_default();
        let mut html = format!(
            "<picture><source type=\"image/webp\" srcset=\"{}\" sizes=\"{SIZES}\"><img src=\"{src}\" srcset=\"{}\" \
             sizes=\"{SIZES}\" alt=\"{}\" width=\"{}\" height=\"{}\"",
            srcset(&self.webp),
            srcset(&self.fallback),
            escape_html(alt),
            self.width,
            self.height
        );
        if !title.is_empty() {
            html.push_str(&format!(" title=\"{}\"", escape_html(title)));
        }
        html.push_str(" loading=\"lazy\" decoding=\"async\"></picture>");
        html
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut bytes).encode_image(&image).unwrap();
        bytes
    }

    #[test]
    fn a_photo_becomes_its_widths_in_two_formats_and_keeps_its_name_for_the_widest() {
        let files =
            vec![Output::file("images/a.jpg", photo(1200, 900)), Output::file("images/logo.svg", b"<svg/>".to_vec())];
        let (mut outputs, prepared) = prepare(files, None);
        let mut paths: Vec<&str> = outputs.iter().map(|output| output.path.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            [
                "images/a.jpg",
                "images/a.jpg.1080.jpg",
                "images/a.jpg.1080.webp",
                "images/a.jpg.1200.webp",
                "images/a.jpg.360.jpg",
                "images/a.jpg.360.webp",
                "images/a.jpg.720.jpg",
                "images/a.jpg.720.webp",
                "images/logo.svg"
            ]
        );
        let fingerprints = Fingerprints::apply(&mut outputs);
        let pictures = prepared.published(&fingerprints);
        let Some(Ok(picture)) = pictures.get("/images/a.jpg") else { panic!("no picture") };
        assert_eq!((picture.width, picture.height), (1200, 900));
        let html = picture.html("Сабак", "");
        let published = fingerprints.url("/images/a.jpg").unwrap();
        assert!(html.contains(&format!("<img src=\"{published}\"")), "{html}");
        assert!(html.contains(&format!("{published} 1200w\" sizes")), "{html}");
        assert!(html.contains(" 360w, "), "{html}");
        assert!(html.contains("width=\"1200\" height=\"900\""), "{html}");
        let widest = outputs.iter().find(|output| output.path == published.trim_start_matches('/')).unwrap();
        assert_eq!(image::load_from_memory(&widest.bytes).unwrap().width(), 1200);
        assert!(pictures.get("/images/logo.svg").is_none());
    }

    #[test]
    fn a_broken_picture_publishes_nothing_and_says_why() {
        let (outputs, prepared) = prepare(vec![Output::file("images/b.png", b"PNG? no".to_vec())], None);
        assert!(outputs.is_empty());
        let pictures = prepared.published(&Fingerprints::default());
        let refusals: Vec<_> = pictures.refusals().collect();
        assert_eq!(refusals.len(), 1);
        assert_eq!(refusals[0].0, "images/b.png");
    }
}
