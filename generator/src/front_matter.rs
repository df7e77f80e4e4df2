//! Splitting a content file into TOML front matter and Markdown body.

use std::path::Path;

use content_model::ContentError;
use serde::Deserialize;

/// What an editor may write between the `+++` lines. Unknown keys are errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FrontMatter {
    pub(crate) title: String,
    /// One sentence for search engines and link previews.
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// The last part of the URL; made from the title when absent.
    #[serde(default)]
    pub(crate) slug: Option<String>,
    /// Template under `templates/`; pages default to `page.html`, sections to `section.html`.
    #[serde(default)]
    pub(crate) template: Option<String>,
    /// Order among siblings and in the menu (smaller first).
    #[serde(default)]
    pub(crate) weight: i64,
    /// Shown in the main menu when true.
    #[serde(default)]
    pub(crate) menu: bool,
    /// The schedule stage this page describes (`III`).
    #[serde(default)]
    pub(crate) stage: Option<String>,
    /// Blocks from `templates/includes/` shown after the text: `schedule`, `criteria`, …
    #[serde(default)]
    pub(crate) includes: Vec<String>,
    /// The day a report is published: `date = 2020-11-09`. Reports need one.
    #[serde(default)]
    pub(crate) date: Option<toml::value::Datetime>,
    /// A sentence for listings and the feed.
    #[serde(default)]
    pub(crate) summary: Option<String>,
    #[serde(default)]
    pub(crate) tags: Vec<String>,
    /// Shown by `serve`, left out of `build`.
    #[serde(default)]
    pub(crate) draft: bool,
    /// The languages this page is written in, when not all of the site's: `["ky"]`.
    #[serde(default)]
    pub(crate) languages: Option<Vec<String>>,
    /// On a section's own page: list its pages newest first, this many per listing page,
    /// with tag pages and a feed. The section's pages are then reports and need a `date`.
    #[serde(default)]
    pub(crate) paginate_by: Option<usize>,
    /// On a section's own page: the template of its pages.
    #[serde(default)]
    pub(crate) page_template: Option<String>,
}

/// A content file split and parsed; `body_line` is the file line on which the body starts.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    pub(crate) front: FrontMatter,
    /// The TOML between the `+++` lines, for locating keys in later errors.
    pub(crate) front_text: &'a str,
    pub(crate) body: &'a str,
    pub(crate) body_line: usize,
}

pub(crate) fn parse_document<'a>(path: &Path, text: &'a str) -> Result<Document<'a>, ContentError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) =
        text.strip_prefix("+++").and_then(|rest| rest.strip_prefix('\n').or_else(|| rest.strip_prefix("\r\n")))
    else {
        return Err(ContentError::at_line(path, 1, "the file must start with front matter between two `+++` lines"));
    };
    let close = rest
        .match_indices("+++")
        .find(|(at, _)| {
            (*at == 0 || rest[..*at].ends_with('\n'))
                && rest[at + 3..].lines().next().is_some_and(|l| l.trim().is_empty())
        })
        .map(|(at, _)| at);
    let Some(close) = close else {
        return Err(ContentError::at_line(
            path,
            1,
            "the front matter opened with `+++` is never closed by another `+++` line",
        ));
    };
    let toml_text = &rest[..close];
    let front: FrontMatter =
        toml::from_str(toml_text).map_err(|err| ContentError::from_toml(path, toml_text, 2, &err))?;
    if front.title.trim().is_empty() {
        let line = content_model::line_of_key(toml_text, "title").map_or(2, |l| l + 1);
        return Err(ContentError::at_line(path, line, "`title` must not be empty"));
    }
    let after = &rest[close + 3..];
    let body = after.split_once('\n').map_or("", |(_, body)| body);
    let body_line = 2 + toml_text.matches('\n').count() + 1;
    Ok(Document { front, front_text: toml_text, body, body_line })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let doc = parse_document(Path::new("a.ky.md"), "+++\ntitle = \"Мектеп\"\nweight = 2\n+++\n\nТекст\n").unwrap();
        assert_eq!(doc.front.title, "Мектеп");
        assert_eq!(doc.front.weight, 2);
        assert_eq!(doc.body, "\nТекст\n");
        assert_eq!(doc.body_line, 5);
    }

    #[test]
    fn missing_front_matter_is_explained() {
        let err = parse_document(Path::new("content/a.ky.md"), "# Мектеп\n").unwrap_err();
        assert_eq!(err.to_string(), "content/a.ky.md:1: the file must start with front matter between two `+++` lines");
    }

    #[test]
    fn unknown_key_names_the_line() {
        let err = parse_document(Path::new("a.ky.md"), "+++\ntitle = \"A\"\ntitel = \"B\"\n+++\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("titel"), "{err}");
    }

    #[test]
    fn unclosed_front_matter_is_explained() {
        let err = parse_document(Path::new("a.ky.md"), "+++\ntitle = \"A\"\n\nText\n").unwrap_err();
        assert!(err.message.contains("never closed"), "{err}");
    }
}
