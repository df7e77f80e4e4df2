//! Phone photos in a report, as a reader gets them: upright, in sRGB, in a few widths as WebP
//! with a JPEG beside it, and with nothing of the phone's metadata — no GPS position, no
//! make, no colour profile — in any published file.

mod common;

use std::path::Path;

use common::{copy_tree, frozen_content, options};
use photos::phone_photo::{display_p3_profile, phone_photo, MARK_P3, MARK_SIDE};
use walkdir::WalkDir;

const MOMENT: &str = "2021-02-01T12:00:00+06:00";

/// The frozen site with one report showing two phone photos (stored landscape 2000×1500,
/// taken upright), in a temporary folder.
fn site_with_photos(root: &Path) -> std::path::PathBuf {
    let content = root.join("content");
    copy_tree(&frozen_content(), &content);
    std::fs::create_dir_all(content.join("images")).unwrap();
    for (name, seed) in [("sabak", 1), ("talkuu", 2)] {
        std::fs::write(content.join(format!("images/{name}.jpg")), phone_photo(2000, 1500, seed)).unwrap();
    }
    let front = |title: &str, slug: &str| {
        format!("+++\ntitle = \"{title}\"\nslug = \"{slug}\"\ndate = 2021-01-27\nstage = \"VI\"\n+++\n\n")
    };
    std::fs::write(
        content.join("reports/photos.ky.md"),
        front("Мектептеги сабак", "mektepte-sabak")
            + "Сабак.\n\n![Катышуучулар сабакта](/images/sabak.jpg)\n\nТалкуу.\n\n![Топтук талкуу](/images/talkuu.jpg \"Талкуу\")\n",
    )
    .unwrap();
    std::fs::write(
        content.join("reports/photos.ru.md"),
        front("Занятие в Школе", "zanyatie-v-shkole") + "![Участницы на занятии](/images/sabak.jpg)\n",
    )
    .unwrap();
    content
}

/// Every `attribute="…"` value in `html` of the first tag that starts with `tag`.
fn attribute(html: &str, tag: &str, attribute: &str) -> String {
    let start = html.find(tag).unwrap_or_else(|| panic!("no {tag} in {html}"));
    let element = &html[start..start + html[start..].find('>').unwrap()];
    let value =
        element.split(&format!(" {attribute}=\"")).nth(1).unwrap_or_else(|| panic!("no {attribute} in {element}"));
    value.split('"').next().unwrap().to_string()
}

/// (URL, width descriptor) of each candidate of a `srcset`.
fn candidates(srcset: &str) -> Vec<(String, u32)> {
    srcset
        .split(", ")
        .map(|candidate| {
            let (url, width) = candidate.split_once(' ').unwrap();
            (url.to_string(), width.trim_end_matches('w').parse().unwrap())
        })
        .collect()
}

#[test]
fn a_report_shows_phone_photos_upright_in_widths_and_formats_with_no_metadata_left() {
    let root = tempfile::tempdir().unwrap();
    let content = site_with_photos(root.path());
    let output = root.path().join("public");
    generator::build(&options(&content, &output, MOMENT)).unwrap_or_else(|err| panic!("{err}"));
    let page = std::fs::read_to_string(output.join("ky/otchettor/mektepte-sabak/index.html")).unwrap();

    // One <picture> per photo: WebP first, then the JPEG; the size is the upright one.
    assert_eq!(page.matches("<picture>").count(), 2, "{page}");
    let picture = &page[page.find("<picture>").unwrap()..page.find("</picture>").unwrap()];
    assert!(picture.starts_with("<picture><source type=\"image/webp\""), "{picture}");
    assert_eq!(attribute(picture, "<img", "width"), "1500");
    assert_eq!(attribute(picture, "<img", "height"), "2000");
    assert_eq!(attribute(picture, "<img", "alt"), "Катышуучулар сабакта");
    assert_eq!(attribute(picture, "<img", "loading"), "lazy");
    let sizes = attribute(picture, "<img", "sizes");
    assert_eq!(sizes, attribute(picture, "<source", "sizes"));

    // Widths 360, 720, 1080 and the photo's own 1500 (upright), never enlarged; each file is what
    // its descriptor says, in its format.
    let webp = candidates(&attribute(picture, "<source", "srcset"));
    let jpeg = candidates(&attribute(picture, "<img", "srcset"));
    for (set, format) in [(&webp, image::ImageFormat::WebP), (&jpeg, image::ImageFormat::Jpeg)] {
        assert_eq!(set.iter().map(|(_, width)| *width).collect::<Vec<_>>(), [360, 720, 1080, 1500], "{set:?}");
        for (url, width) in set {
            let bytes =
                std::fs::read(output.join(url.trim_start_matches('/'))).unwrap_or_else(|err| panic!("{url}: {err}"));
            assert_eq!(image::guess_format(&bytes).unwrap(), format, "{url}");
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (*width, width * 4 / 3), "{url}");
        }
    }
    let src = attribute(picture, "<img", "src");
    assert_eq!(src, jpeg.last().unwrap().0, "the fallback src is the widest JPEG");
    assert!(src.starts_with("/images/sabak.") && src.ends_with(".jpg"), "{src}");
    // The title survives on the second photo.
    assert!(page.contains("title=\"Талкуу\""), "{page}");

    // Upright: the stored top-left mark is now the top-right corner, in sRGB colours.
    let widest = image::open(output.join(src.trim_start_matches('/'))).unwrap().into_rgb8();
    let mark_side = MARK_SIDE * 1500 / 2000;
    let corner = widest.get_pixel(1500 - mark_side / 2, mark_side / 2).0;
    let elsewhere = widest.get_pixel(mark_side / 2, mark_side / 2).0;
    let expected = p3_to_srgb(MARK_P3);
    assert_ne!(expected, MARK_P3, "the mark must change colour when converted");
    for channel in 0..3 {
        assert!(corner[channel].abs_diff(expected[channel]) <= 6, "corner {corner:?}, sRGB of the mark {expected:?}");
    }
    assert!(elsewhere[2] < 170, "the top-left corner is scene, not the mark: {elsewhere:?}");

    // No published picture carries EXIF, XMP, a colour profile or the GPS position.
    let mut pictures = 0;
    for entry in WalkDir::new(output.join("images")) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        pictures += 1;
        let bytes = std::fs::read(entry.path()).unwrap();
        let name = entry.path().display();
        for needle in
            [&b"Exif"[..], b"EXIF", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"ICCP", b"iCCP", b"Redmi", b"acsp"]
        {
            assert!(
                !bytes.windows(needle.len()).any(|window| window == needle),
                "{name} carries {:?}",
                String::from_utf8_lossy(needle)
            );
        }
        assert!(image::load_from_memory(&bytes).is_ok(), "{name} is a picture");
    }
    // Two photos × (WebP and JPEG at 360, 720, 1080) + WebP at 1500 + the widest JPEG under
    // the source's name.
    assert_eq!(pictures, 2 * 8);

    // The Russian page shows the same files.
    let russian = std::fs::read_to_string(output.join("ru/otchety/zanyatie-v-shkole/index.html")).unwrap();
    assert!(russian.contains(&format!("<img src=\"{src}\"")), "{russian}");
}

/// The mark's colour as sRGB, converted by the profile the photo carries (what a browser
/// showing the original photo would do).
fn p3_to_srgb(colour: [u8; 3]) -> [u8; 3] {
    let input = qcms::Profile::new_from_slice(&display_p3_profile(), false).expect("the test profile parses");
    let mut output = qcms::Profile::new_sRGB();
    output.precache_output_transform();
    let transform = qcms::Transform::new(&input, &output, qcms::DataType::RGB8, qcms::Intent::Perceptual).unwrap();
    let mut pixel = colour;
    transform.apply(&mut pixel);
    pixel
}

#[test]
fn photos_are_encoded_once_and_a_bomb_or_a_broken_file_is_refused_at_its_line() {
    let root = tempfile::tempdir().unwrap();
    let content = site_with_photos(root.path());
    let cache = root.path().join("cache");
    let output = root.path().join("public");
    let with_cache = generator::BuildOptions { cache_dir: Some(cache.clone()), ..options(&content, &output, MOMENT) };
    let first = std::time::Instant::now();
    generator::build(&with_cache).unwrap_or_else(|err| panic!("{err}"));
    let first = first.elapsed();
    let entries = std::fs::read_dir(cache.join("images")).unwrap().count();
    assert_eq!(entries, 2, "one cache entry per photo");
    let page = std::fs::read_to_string(output.join("ky/otchettor/mektepte-sabak/index.html")).unwrap();
    // The cache is what the second build uses: mark each entry's files and see the mark
    // published. (Timing alone would not show it on a busy machine.)
    for entry in std::fs::read_dir(cache.join("images")).unwrap() {
        let path = entry.unwrap().path().join("360.webp");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(b"from-the-cache");
        std::fs::write(&path, bytes).unwrap();
    }
    let second = std::time::Instant::now();
    generator::build(&with_cache).unwrap_or_else(|err| panic!("{err}"));
    eprintln!("first build {first:?}, second {:?}", second.elapsed());
    let again = std::fs::read_to_string(output.join("ky/otchettor/mektepte-sabak/index.html")).unwrap();
    let small = candidates(&attribute(&again, "<source", "srcset")).remove(0).0;
    let bytes = std::fs::read(output.join(small.trim_start_matches('/'))).unwrap();
    assert!(bytes.ends_with(b"from-the-cache"), "the second build encoded again");
    assert_ne!(page, again, "the cached files carry their own fingerprints");

    // A picture claiming 20000×20000 pixels is refused before it is decoded, at the line
    // that shows it; a file that is no picture likewise.
    let mut png = Vec::new();
    image::RgbImage::new(1, 1).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let ihdr = png.windows(4).position(|window| window == b"IHDR").unwrap();
    png[ihdr + 4..ihdr + 8].copy_from_slice(&20_000u32.to_be_bytes());
    png[ihdr + 8..ihdr + 12].copy_from_slice(&20_000u32.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&png[ihdr..ihdr + 17]);
    png[ihdr + 17..ihdr + 21].copy_from_slice(&crc.sum().to_be_bytes());
    std::fs::write(content.join("images/bomb.png"), png).unwrap();
    std::fs::write(content.join("images/notes.jpg"), "these are notes, not a photo").unwrap();
    let report = content.join("reports/photos.ky.md");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&report, text + "\n![Схема](/images/bomb.png)\n\n![Эскертүүлөр](/images/notes.jpg)\n").unwrap();
    let before = std::fs::read_dir(output.join("images")).unwrap().count();
    let err = generator::build(&with_cache).unwrap_err().to_string();
    let shown = report.display().to_string();
    assert!(
        err.contains(&format!(
            "{shown}:16: the image `/images/bomb.png` is 20000×20000 pixels (400 megapixels), more than the 120"
        )),
        "{err}"
    );
    assert!(err.contains(&format!("{shown}:18: the image `/images/notes.jpg` cannot be read as an image")), "{err}");
    assert_eq!(std::fs::read_dir(output.join("images")).unwrap().count(), before, "nothing was written");

    // Not shown by any page, the broken file is still named.
    std::fs::write(&report, std::fs::read_to_string(&report).unwrap().replace("![Эскертүүлөр](/images/notes.jpg)", ""))
        .unwrap();
    std::fs::remove_file(content.join("images/bomb.png")).unwrap();
    std::fs::write(&report, std::fs::read_to_string(&report).unwrap().replace("![Схема](/images/bomb.png)", ""))
        .unwrap();
    let err = generator::build(&with_cache).unwrap_err().to_string();
    assert!(
        err.contains(&format!("{}: this picture cannot be read", content.join("images/notes.jpg").display())),
        "{err}"
    );
}
