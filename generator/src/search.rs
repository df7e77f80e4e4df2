//! The search index: one JSON file per language that the search page's script reads, so
//! search works from static files, offline, with no service behind it.

use serde::Serialize;

use crate::load::Site;

#[derive(Serialize)]
struct Entry<'a> {
    /// Title.
    t: &'a str,
    /// URL.
    u: &'a str,
    /// Day, for reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    d: Option<String>,
    /// Summary or description.
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'a str>,
    /// The text, without markup.
    x: String,
}

/// Every page of `lang` with its text; `bodies` are the pages' HTML in `site.pages` order.
pub(crate) fn index(site: &Site, lang: &str, bodies: &[String]) -> String {
    let entries: Vec<Entry> = site
        .pages
        .iter()
        .zip(bodies)
        .filter(|(page, _)| page.lang == lang)
        .map(|(page, body)| Entry {
            t: &page.front.title,
            u: &page.url,
            d: page.report_date().map(|date| site.translation(lang).dates.date(date)),
            s: page.front.summary.as_deref().or(page.front.description.as_deref()),
            x: plain_text(body),
        })
        .collect();
    // An entry is strings only (no maps, no non-string keys), which JSON always holds.
    #[allow(clippy::expect_used)]
    serde_json::to_string(&entries).expect("JSON values serialize")
}

/// HTML to its words: tags dropped, the few entities Markdown writes decoded, blanks folded.
pub(crate) fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_dropped_and_words_kept() {
        assert_eq!(super::plain_text("<h2 id=\"a\">Максат</h2>\n<p>Бир &amp; <em>эки</em></p>"), "Максат Бир & эки");
    }
}
