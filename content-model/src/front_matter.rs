//! The front matter of a content page: what an editor may write between the `+++` lines,
//! read by the generator and written by the tools that start pages for editors
//! (`generator new report`, `selection report`), so that what one writes the other reads.

use serde::{Deserialize, Serialize};

/// What an editor may write between the `+++` lines. Unknown keys are errors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    /// One sentence for search engines and link previews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The last part of the URL; made from the title when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Template under `templates/`; pages default to `page.html`, sections to `section.html`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Order among siblings and in the menu (smaller first).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weight: i64,
    /// Shown in the main menu when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub menu: bool,
    /// The schedule stage this page describes (`III`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Blocks from `templates/includes/` shown after the text: `schedule`, `criteria`, …
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
    /// The day a report is published: `date = 2020-11-09`. Reports need one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<toml::value::Datetime>,
    /// A sentence for listings and the feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Shown by `serve`, left out of `build`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub draft: bool,
    /// The languages this page is written in, when not all of the site's: `["ky"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    /// On a section's own page: list its pages newest first, this many per listing page,
    /// with tag pages and a feed. The section's pages are then reports and need a `date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paginate_by: Option<usize>,
    /// On a section's own page: the template of its pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_template: Option<String>,
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl FrontMatter {
    /// This front matter with every line break in its texts turned into a space.
    pub fn on_one_line(&self) -> Self {
        let line = |text: &String| text.replace("\r\n", " ").replace(['\n', '\r'], " ");
        let option = |text: &Option<String>| text.as_ref().map(line);
        Self {
            title: line(&self.title),
            description: option(&self.description),
            slug: option(&self.slug),
            template: option(&self.template),
            stage: option(&self.stage),
            summary: option(&self.summary),
            page_template: option(&self.page_template),
            includes: self.includes.iter().map(line).collect(),
            tags: self.tags.iter().map(line).collect(),
            languages: self.languages.as_ref().map(|languages| languages.iter().map(line).collect()),
            ..self.clone()
        }
    }

    /// A publication day as front matter writes it: `date = 2021-01-16`.
    pub fn day(date: chrono::NaiveDate) -> toml::value::Datetime {
        use chrono::Datelike;
        toml::value::Datetime {
            // Years beyond 65535 cannot be typed on the command line that makes them.
            date: Some(toml::value::Date {
                year: u16::try_from(date.year()).unwrap_or(u16::MAX),
                month: u8::try_from(date.month()).unwrap_or(1),
                day: u8::try_from(date.day()).unwrap_or(1),
            }),
            time: None,
            offset: None,
        }
    }

    /// A whole content file: this front matter between `+++` lines, then `body`. TOML is
    /// written by the TOML serializer, so any title (quotes, backslashes, combining marks,
    /// soft hyphens, emoji) reads back exactly as given.
    ///
    /// Every value is one line: a line break typed into a title becomes a space, since the
    /// serializer would otherwise write a multi-line string, and a `+++` line inside it
    /// would close the front matter early.
    pub fn to_document(&self, body: &str) -> String {
        let front = self.on_one_line();
        // Serializing a struct of strings, numbers, lists and a date cannot fail; should a
        // future field make it fail, the message says so in the file rather than panicking.
        let toml =
            toml::to_string(&front).unwrap_or_else(|err| format!("# front matter could not be written: {err}\n"));
        format!("+++\n{toml}+++\n\n{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tricky_titles_round_trip() {
        for title in ["Уче\u{301}ба", "мек\u{ad}теп", "«Мен – депутат»", "a \"quoted\" \\ back", "Ийгилик 🎉"]
        {
            let front = FrontMatter {
                title: title.to_string(),
                tags: vec![title.to_string()],
                draft: true,
                ..Default::default()
            };
            let document = front.to_document("Текст\n");
            let toml = document.strip_prefix("+++\n").and_then(|rest| rest.split_once("+++\n")).map(|(toml, _)| toml);
            let read: FrontMatter = toml::from_str(toml.unwrap_or_default()).unwrap();
            assert_eq!(read, front, "{document}");
        }
    }

    #[test]
    fn a_line_break_in_a_title_becomes_a_space() {
        let front = FrontMatter { title: "line\r\nbreak\nhere".into(), ..Default::default() };
        assert!(front.to_document("").contains("title = \"line break here\""));
    }
}

#[cfg(test)]
mod closing_line {
    use super::*;

    #[test]
    fn a_title_with_the_closing_line_inside_stays_inside_its_string() {
        let front = FrontMatter { title: "a\n+++\nb".into(), ..Default::default() };
        let document = front.to_document("");
        let closing = document.lines().skip(1).position(|line| line.trim() == "+++");
        assert_eq!(closing, Some(document.lines().count() - 3), "{document}");
        assert!(document.contains("title = \"a +++ b\""), "{document}");
    }
}
