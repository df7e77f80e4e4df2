//! Stylesheets, icons and images are published under names that carry their content hash
//! (`style.3f2a9c1b.css`), so that caches may keep them for a year, and every page points
//! at those names; files that clients ask for by a fixed name keep it.

mod common;

use std::path::Path;

use common::{build_with_templates, copy_tree, frozen_content, repo, Built};

const MOMENT: &str = "2021-03-10T12:00:00+06:00";

const REPORT: &str = "ky/otchettor/suroottor/index.html";

/// The frozen copy of the content and the real templates in a temporary folder, plus a
/// report with a picture and a link to it.
fn sources() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let (content, templates) = (root.path().join("content"), root.path().join("templates"));
    copy_tree(&frozen_content(), &content);
    copy_tree(&repo().join("templates"), &templates);
    std::fs::create_dir_all(content.join("images")).unwrap();
    std::fs::write(content.join("images/group.png"), common::png([200, 120, 40])).unwrap();
    for (lang, title, slug) in [("ky", "Сүрөттөр", "suroottor"), ("ru", "Фотографии", "fotografii")] {
        std::fs::write(
            content.join(format!("reports/photos.{lang}.md")),
            format!(
                "+++\ntitle = \"{title}\"\nslug = \"{slug}\"\ndate = 2021-03-05\nstage = \"IV\"\n+++\n\n\
                 ![Катышуучулар](/images/group.png)\n\n[Чоң сүрөт](/images/group.png)\n"
            ),
        )
        .unwrap();
    }
    root
}

fn build(root: &Path) -> Built {
    build_with_templates(&root.join("content"), &root.join("templates"), MOMENT)
}

/// The site path a page's `<img>` shows.
fn image(site: &Built, page: &str) -> String {
    let html = site.read(page);
    html.split("<img src=\"/")
        .nth(1)
        .unwrap_or_else(|| panic!("{page} shows no image"))
        .split('"')
        .next()
        .unwrap()
        .into()
}

/// Whether `path` is `<stem>.<8 hex digits>.<extension>`.
fn is_fingerprinted(path: &str, stem: &str, extension: &str) -> bool {
    path.strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_suffix(extension))
        .and_then(|rest| rest.strip_suffix('.'))
        .is_some_and(|hash| hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()))
}

#[test]
fn assets_are_published_under_their_content_hash_and_every_page_points_there() {
    let root = sources();
    let site = build(root.path());
    let css = site.linked("ky/index.html", "stylesheet");
    let icon = site.linked("ky/index.html", "icon");
    assert!(is_fingerprinted(&css, "style", "css"), "{css}");
    assert!(is_fingerprinted(&icon, "favicon", "svg"), "{icon}");
    assert!(site.exists(&css) && site.exists(&icon));
    assert_eq!(
        site.read("style.css"),
        site.read(&css),
        "the stylesheet is also at its plain name, for the intake's own pages"
    );
    assert_eq!(site.read("favicon.svg"), site.read(&icon), "and so is the icon");
    for page in site.html_files() {
        let html = site.read(&page);
        assert!(html.contains(&format!("<link rel=\"stylesheet\" href=\"/{css}\">")), "{page}");
        assert!(html.contains(&format!("href=\"/{icon}\"")), "{page}");
    }

    let img = image(&site, REPORT);
    assert!(is_fingerprinted(&img, "images/group", "png"), "{img}");
    assert!(site.exists(&img) && !site.exists("images/group.png"));
    let html = site.read(REPORT);
    // A picture narrower than the narrowest width: one file per format, the PNG under the
    // source's name.
    assert!(html.contains(&format!("<img src=\"/{img}\" srcset=\"/{img} 2w\"")), "{html}");
    assert!(html.contains("alt=\"Катышуучулар\" width=\"2\" height=\"1\""), "{html}");
    assert!(html.contains(&format!("<a href=\"/{img}\">Чоң сүрөт</a>")), "a link to the picture follows it too");
    // The feed carries the HTML as escaped text.
    let feed = site.read("ky/otchettor/atom.xml").replace("&quot;", "\"");
    assert!(
        feed.contains(&format!("src=\"https://mektep.vap.kg/{img}\" srcset=\"https://mektep.vap.kg/{img} 2w\"")),
        "{feed}"
    );
    let webp = html.split("<source type=\"image/webp\" srcset=\"/").nth(1).unwrap().split(' ').next().unwrap();
    assert!(is_fingerprinted(webp, "images/group.png.2", "webp") && site.exists(webp), "{webp}");
    assert!(feed.contains(&format!("srcset=\"https://mektep.vap.kg/{webp} 2w\"")), "{feed}");

    for fixed in
        ["robots.txt", "sitemap.xml", "404.html", "ky/calendar.ics", "ky/pagefind/pagefind.js", "ky/otchettor/atom.xml"]
    {
        assert!(site.exists(fixed), "{fixed} keeps its name");
    }
}

#[test]
fn a_changed_file_gets_a_new_name_and_the_pages_follow_it() {
    let root = sources();
    let before = build(root.path());
    let stylesheet = root.path().join("templates/static/style.css");
    let css = std::fs::read_to_string(&stylesheet).unwrap();
    std::fs::write(&stylesheet, format!("{css}\n.new-rule {{ color: inherit; }}\n")).unwrap();
    // Another colour: another picture, so other files.
    std::fs::write(root.path().join("content/images/group.png"), common::png([40, 120, 200])).unwrap();
    let after = build(root.path());

    let (css_before, css_after) =
        (before.linked("ky/index.html", "stylesheet"), after.linked("ky/index.html", "stylesheet"));
    assert_ne!(css_before, css_after);
    assert!(is_fingerprinted(&css_after, "style", "css") && after.exists(&css_after) && !after.exists(&css_before));
    assert!(after.read(&css_after).contains(".new-rule"));
    assert!(after.read("ru/index.html").contains(&format!("href=\"/{css_after}\"")));

    let (img_before, img_after) = (image(&before, REPORT), image(&after, REPORT));
    assert_ne!(img_before, img_after);
    assert!(after.exists(&img_after) && !after.exists(&img_before));

    assert_eq!(before.linked("ky/index.html", "icon"), after.linked("ky/index.html", "icon"), "same bytes, same name");
}
