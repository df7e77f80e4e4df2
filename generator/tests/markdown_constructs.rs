//! Everything the enabled Markdown extensions write builds under the site's
//! Content-Security-Policy: tables with each column alignment, footnotes, heading ids and
//! classes, strikethrough and smart punctuation (`fixtures/markdown-constructs`). A construct
//! whose HTML carried a `style` attribute would stop the build; alignment must reach the
//! reader through the stylesheet instead. The HTML editors write by hand (`<details>`,
//! `<abbr>`, `<sub>`, `<kbd>`, `<br>`), images and links with titles pass the sanitiser
//! untouched, and the feeds carry the very HTML the pages show.

mod common;

const DURING_PROGRAMME: &str = "2021-02-15T12:00:00+06:00";

/// The frozen copy of the site with the fixture's reports added.
fn site_with_every_construct() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    common::copy_tree(&common::fixtures().join("markdown-constructs/reports"), &content.join("reports"));
    common::copy_tree(&common::fixtures().join("markdown-constructs/images"), &content.join("images"));
    (root, content)
}

/// The cells of the first table after `marker` on `html`, each as its opening tag and text.
fn cells_after<'a>(html: &'a str, marker: &str) -> Vec<(&'a str, &'a str)> {
    let from = html.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let table = &html[from..];
    let table = &table[table.find("<table>").unwrap()..table.find("</table>").unwrap()];
    table
        .split(['<'])
        .filter(|piece| piece.starts_with("td") || piece.starts_with("th"))
        .filter(|piece| !piece.starts_with("thead") && !piece.starts_with("tbody"))
        .map(|piece| piece.split_once('>').unwrap())
        .collect()
}

#[test]
fn every_markdown_construct_builds_and_keeps_to_the_policy() {
    let (_root, content) = site_with_every_construct();
    let site = common::build(&content, DURING_PROGRAMME);
    for (page, heading) in [
        ("ky/otchettor/ar-bir-tuzulush/index.html", "Бюджет"),
        ("ru/otchety/kazhdaya-konstruktsiya/index.html", "Таблица"),
    ] {
        let html = site.read(page);
        assert!(!html.contains(" style=") && !html.contains("<style"), "{page}: inline style");
        // Left, right, centre and none, in the column order of the Markdown.
        let cells = cells_after(&html, heading);
        let tags: Vec<&str> = cells.iter().map(|(tag, _)| *tag).collect();
        let row = ["class=\"align-left\"", "class=\"align-right\"", "class=\"align-center\"", ""];
        let expect: Vec<String> = ["th", "td", "td"]
            .iter()
            .flat_map(|cell| {
                row.iter().map(move |class| if class.is_empty() { cell.to_string() } else { format!("{cell} {class}") })
            })
            .collect();
        assert_eq!(tags, expect, "{page}");
        assert_eq!(cells.get(5).map(|(_, text)| text.trim()), Some("12"), "{page}: the numbers stay in their cells");
        // A table without alignment has plain cells.
        assert!(cells_after(&html, "<h3").iter().all(|(tag, _)| *tag == "th" || *tag == "td"), "{page}");
        // Footnotes, heading attributes, strikethrough, smart punctuation.
        assert!(
            html.contains("class=\"footnote-reference\"") && html.contains("class=\"footnote-definition\""),
            "{page}"
        );
        assert!(html.contains("<h2 id=\"budget\" class=\"wide\">"), "{page}");
        assert!(html.contains("<del>"), "{page}");
        assert!(html.contains('–') && html.contains('“'), "{page}: dashes and quotes made typographic");
    }
    // The classes reach the reader through the site's stylesheet.
    let css = site.read(&site.linked("ky/index.html", "stylesheet"));
    for (class, rule) in [("align-left", "left"), ("align-center", "center"), ("align-right", "right")] {
        assert!(css.contains(&format!(".{class} {{ text-align: {rule}; }}")), "style.css styles .{class}");
    }
}

#[test]
fn html_editors_write_by_hand_passes_the_sanitiser_untouched() {
    let (_root, content) = site_with_every_construct();
    let site = common::build(&content, DURING_PROGRAMME);
    for (page, summary, abbr, image, title) in [
        (
            "ky/otchettor/ar-bir-tuzulush/index.html",
            "<summary>Жолугушуунун программасы</summary>",
            "<abbr title=\"Жергиликтүү өз алдынча башкаруу\">ЖӨБ</abbr>",
            "alt=\"Катышуучулар жолугушууда\"",
            "Жолугушуу",
        ),
        (
            "ru/otchety/kazhdaya-konstruktsiya/index.html",
            "<summary>Программа встречи</summary>",
            "<abbr title=\"Местное самоуправление\">МСУ</abbr>",
            "alt=\"Участницы на встрече\"",
            "Встреча",
        ),
    ] {
        let html = site.read(page);
        assert!(html.contains("<details>\n") && html.contains(summary) && html.contains("</details>"), "{page}");
        // Markdown inside `<details>` is still Markdown, its internal link resolved.
        assert!(html.contains("<strong>") && html.contains("/iii/\">"), "{page}");
        assert!(html.contains(abbr), "{page}");
        assert!(html.contains("H<sub>2</sub>O, 10<sup>3</sup>"), "{page}");
        assert!(html.contains("<kbd>Ctrl</kbd>+<kbd>P</kbd>.<br>\n"), "{page}: a `<br>` by hand");
        assert!(html.contains("<br>\n"), "{page}: a line break by two spaces");
        // The site's image, with its size, lazily, its title kept.
        let img = html.split("<img ").nth(1).and_then(|tag| tag.split('>').next()).unwrap_or_else(|| panic!("{page}"));
        for part in ["src=\"/images/meeting.", image, "width=\"2\"", "height=\"1\"", "loading=\"lazy\""] {
            assert!(img.contains(part), "{page}: {part} in <img {img}>");
        }
        assert!(img.contains(&format!("title=\"{title}\"")), "{page}: <img {img}>");
        // Links keep their title and get no `rel`; footnotes still link to their note.
        assert!(html.contains("<a href=\"https://www.undp.org/\" title=\"ПРООН\">"), "{page}");
        assert!(html.contains("<a href=\"mailto:mektep@example.org\">"), "{page}");
        assert!(html.contains("<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup>"), "{page}");
        assert!(html.contains("<div class=\"footnote-definition\" id=\"1\">"), "{page}");
        assert!(!html.contains("rel=\"noopener"), "{page}");
    }
}

#[test]
fn the_feeds_carry_the_html_the_pages_show() {
    let (_root, content) = site_with_every_construct();
    let site = common::build(&content, DURING_PROGRAMME);
    for (feed, page, title) in [
        ("ky/otchettor/atom.xml", "ky/otchettor/ar-bir-tuzulush/index.html", "Ар бир Markdown түзүлүшү"),
        ("ru/otchety/atom.xml", "ru/otchety/kazhdaya-konstruktsiya/index.html", "Каждая конструкция Markdown"),
    ] {
        let feed = atom_syndication::Feed::read_from(site.read(feed).as_bytes()).unwrap();
        let entry = feed.entries().iter().find(|entry| entry.title().as_str() == title).unwrap();
        let body = entry.content().and_then(|content| content.value()).unwrap();
        // The feed makes the site's own addresses whole; put them back to compare.
        let body = body.replace("=\"https://mektep.vap.kg/", "=\"/");
        assert!(body.contains("<details>") && body.contains("<img "), "{body}");
        assert!(site.read(page).contains(&body), "{page}: the feed's HTML is not the page's");
    }
}
