//! Content hashes in the names of stylesheets, scripts and images (`style.3f2a9c1b.css`), so
//! that browsers and the CDN may keep them for a year: a changed file gets a new name, and the
//! pages that point at it change with it.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::output::Output;

/// How many hex digits of the SHA-256 go into a name.
const HASH_LEN: usize = 8;

/// Kinds of file that are fingerprinted: what pages load as they render.
const FINGERPRINTED: &[&str] = &["css", "js", "mjs", "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico"];

/// Files that clients ask for by a name they know without reading a page: browsers fetch
/// `/favicon.ico` and iPhones `/apple-touch-icon.png` on their own, so those keep their names.
const FIXED_NAMES: &[&str] = &["favicon.ico", "apple-touch-icon.png", "apple-touch-icon-precomposed.png"];

/// Files also published under their plain name, for pages the generator does not make: the
/// intake's own pages (thanks, errors; `intake/src/pages.rs`) link `/style.css` and
/// `/favicon.svg` as they are (a page that names no icon makes the browser ask for
/// `/favicon.ico`, which the site has not). The function is deployed apart from the site, so
/// it cannot know the hashed names of the site it answers beside. That copy revalidates like
/// a page; the site's own pages load the fingerprinted one.
const ALSO_PLAIN: &[&str] = &["style.css", "favicon.svg"];

/// The site URLs of renamed files: `/style.css` → `/style.3f2a9c1b.css`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fingerprints {
    urls: HashMap<String, String>,
}

impl Fingerprints {
    /// Renames every output that is fingerprinted and remembers both names.
    pub(crate) fn apply(outputs: &mut Vec<Output>) -> Self {
        let mut urls = HashMap::new();
        let plain: Vec<Output> = outputs
            .iter()
            .filter(|output| ALSO_PLAIN.contains(&output.path.as_str()))
            .map(|output| Output::file(&output.path, output.bytes.clone()))
            .collect();
        for output in outputs.iter_mut() {
            if let Some(name) = fingerprinted_path(&output.path, &output.bytes) {
                urls.insert(format!("/{}", output.path), format!("/{name}"));
                output.path = name;
            }
        }
        outputs.extend(plain);
        Self { urls }
    }

    /// The URL a file is published at, for a URL written with its plain name (`/style.css`);
    /// `None` when that file is not renamed.
    pub(crate) fn url(&self, plain: &str) -> Option<&str> {
        self.urls.get(plain).map(String::as_str)
    }
}

/// The name `path` is published under when it is fingerprinted: the first digits of the
/// SHA-256 of `bytes` before its extension (`images/a.jpg` → `images/a.5e0c81d2.jpg`).
pub(crate) fn fingerprinted_path(path: &str, bytes: &[u8]) -> Option<String> {
    let (stem, extension) = path.rsplit_once('.')?;
    let fingerprinted = FINGERPRINTED.contains(&extension.to_ascii_lowercase().as_str());
    if !fingerprinted || FIXED_NAMES.contains(&path) || stem.ends_with('/') {
        return None;
    }
    let digest = hex(&Sha256::digest(bytes));
    Some(format!("{stem}.{}.{extension}", &digest[..HASH_LEN]))
}

/// Whether the name of `path` carries the start of `sha256_hex`, the digest of its own
/// bytes, so that it can be cached for good: a different file would have a different name.
/// Only the upload sets how long files are cached.
#[cfg(feature = "deploy")]
pub(crate) fn carries_digest(path: &str, sha256_hex: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts = name.rsplitn(3, '.');
    let (_extension, hash, stem) = (parts.next(), parts.next(), parts.next());
    match (hash, stem) {
        (Some(hash), Some(stem)) if !stem.is_empty() => {
            hash.len() == HASH_LEN && sha256_hex.len() >= HASH_LEN && hash == &sha256_hex[..HASH_LEN]
        }
        _ => false,
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_go_before_the_extension_of_assets_only() {
        let css = fingerprinted_path("style.css", b"body{}").unwrap();
        assert!(css.starts_with("style.") && css.ends_with(".css") && css.len() == "style..css".len() + HASH_LEN);
        assert_ne!(fingerprinted_path("style.css", b"body{ }").unwrap(), css);
        assert!(fingerprinted_path("images/a.JPG", b"x").unwrap().starts_with("images/a."));
        for kept in ["robots.txt", "sitemap.xml", "ky/index.html", "favicon.ico", "ky/calendar.ics", "files/a.pdf"] {
            assert_eq!(fingerprinted_path(kept, b"x"), None, "{kept}");
        }
    }

    #[test]
    #[cfg(feature = "deploy")]
    fn a_name_carries_its_own_digest_only() {
        let digest = hex(&Sha256::digest(b"body{}"));
        let name = fingerprinted_path("css/style.css", b"body{}").unwrap();
        assert!(carries_digest(&name, &digest));
        assert!(!carries_digest("css/style.css", &digest));
        assert!(!carries_digest(&name, &hex(&Sha256::digest(b"other"))));
        assert!(!carries_digest("report.20210101.pdf", &digest));
    }

    #[test]
    fn renamed_outputs_are_remembered_by_their_plain_url() {
        let mut outputs = vec![Output::file("style.css", b"a{}".to_vec()), Output::file("robots.txt", b"x".to_vec())];
        let fingerprints = Fingerprints::apply(&mut outputs);
        assert_eq!(fingerprints.url("/style.css"), Some(format!("/{}", outputs[0].path).as_str()));
        assert_eq!(outputs[1].path, "robots.txt");
        assert_eq!(fingerprints.url("/robots.txt"), None);
    }
}
