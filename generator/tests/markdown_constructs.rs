//! Everything the enabled Markdown extensions write builds under the site's
//! Content-Security-Policy: tables with each column alignment, footnotes, heading ids and
//! classes, strikethrough and smart punctuation (`fixtures/markdown-constructs`). A construct
//! whose HTML carried a `style` attribute would stop the build; alignment must reach the
//! reader through the stylesheet instead.

mod common;

const DURING_PROGRAMME: &str = "2021-02-15T12:00:00+06:00";

/// The frozen copy of the site with the fixture's reports added.
fn site_with_every_construct() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    common::copy_tree(&common::fixtures().join("markdown-constructs/reports"), &content.join("reports"));
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
