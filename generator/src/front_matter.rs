//! Splitting a content file into TOML front matter and Markdown body.

use std::path::Path;

pub(crate) use content_model::FrontMatter;
use content_model::{ContentError, Message};
use serde::de::IgnoredAny;
use serde::Deserialize;
use toml::de::{DeTable, Deserializer};
use toml::Spanned;

/// A content file split and parsed; `body_line` is the file line on which the body starts.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    pub(crate) front: FrontMatter,
    /// Where the keys are written, for problems found after parsing.
    pub(crate) lines: KeyLines,
    pub(crate) body: &'a str,
    pub(crate) body_line: usize,
}

/// The file line of each front matter key that a check after parsing points at; `None`
/// when the page does not write the key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct KeyLines {
    pub(crate) title: Option<usize>,
    pub(crate) template: Option<usize>,
    pub(crate) stage: Option<usize>,
    pub(crate) includes: Option<usize>,
    pub(crate) date: Option<usize>,
    pub(crate) slug: Option<usize>,
    pub(crate) languages: Option<usize>,
}

/// The same keys as the TOML parser found them: their values, with where they are.
#[derive(Deserialize)]
struct KeySpans {
    title: Option<Spanned<IgnoredAny>>,
    template: Option<Spanned<IgnoredAny>>,
    stage: Option<Spanned<IgnoredAny>>,
    includes: Option<Spanned<IgnoredAny>>,
    date: Option<Spanned<IgnoredAny>>,
    slug: Option<Spanned<IgnoredAny>>,
    languages: Option<Spanned<IgnoredAny>>,
}

impl KeyLines {
    /// Lines of `spans` in a file whose TOML text `toml` starts on line `first_line`.
    fn new(spans: KeySpans, toml: &str, first_line: usize) -> Self {
        let line = |span: Option<Spanned<IgnoredAny>>| {
            // A value starts on the line of its key: `date = 2020-11-09`.
            span.map(|span| first_line + toml.get(..span.span().start).unwrap_or(toml).matches('\n').count())
        };
        Self {
            title: line(spans.title),
            template: line(spans.template),
            stage: line(spans.stage),
            includes: line(spans.includes),
            date: line(spans.date),
            slug: line(spans.slug),
            languages: line(spans.languages),
        }
    }
}

pub(crate) fn parse_document<'a>(path: &Path, text: &'a str) -> Result<Document<'a>, ContentError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) =
        text.strip_prefix("+++").and_then(|rest| rest.strip_prefix('\n').or_else(|| rest.strip_prefix("\r\n")))
    else {
        return Err(ContentError::at_line(path, 1, Message::NoFrontMatter {}));
    };
    let close = rest
        .match_indices("+++")
        .find(|(at, _)| {
            (*at == 0 || rest[..*at].ends_with('\n'))
                && rest[at + 3..].lines().next().is_some_and(|l| l.trim().is_empty())
        })
        .map(|(at, _)| at);
    let Some(close) = close else {
        return Err(ContentError::at_line(path, 1, Message::UnclosedFrontMatter {}));
    };
    let toml_text = &rest[..close];
    // The TOML starts on line 2, after the opening `+++`.
    let toml_error = |err: toml::de::Error| ContentError::from_toml(path, toml_text, 2, &err);
    let table = DeTable::parse(toml_text).map_err(toml_error)?;
    let front = FrontMatter::deserialize(Deserializer::from(table.clone())).map_err(toml_error)?;
    // Every key of `KeySpans` is optional and takes any value, so this reads whatever
    // `FrontMatter` read; should it not, errors name line 1 of the file instead.
    let lines = KeySpans::deserialize(Deserializer::from(table))
        .map(|spans| KeyLines::new(spans, toml_text, 2))
        .unwrap_or_default();
    if front.title.trim().is_empty() {
        return Err(ContentError::at_line(path, lines.title.unwrap_or(2), Message::EmptyTitle {}));
    }
    let after = &rest[close + 3..];
    let body = after.split_once('\n').map_or("", |(_, body)| body);
    let body_line = 2 + toml_text.matches('\n').count() + 1;
    Ok(Document { front, lines, body, body_line })
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
        assert_eq!(
            *err.message,
            Message::UnknownFieldDidYouMean { field: "titel".into(), suggestion: "title".into() },
            "{err}"
        );
    }

    #[test]
    fn keys_are_found_on_their_lines() {
        let doc = parse_document(
            Path::new("a.ky.md"),
            "+++\ntitle = \"A\"\n# date = 2020-01-01\nsummary = \"\"\"\ndate = no\n\"\"\"\n\ndate = 2020-11-09\nincludes = [\n  \"schedule\",\n]\n+++\n",
        )
        .unwrap();
        assert_eq!(doc.lines.title, Some(2));
        assert_eq!(doc.lines.date, Some(8));
        assert_eq!(doc.lines.includes, Some(9));
        assert_eq!(doc.lines.stage, None);
    }

    #[test]
    fn unclosed_front_matter_is_explained() {
        let err = parse_document(Path::new("a.ky.md"), "+++\ntitle = \"A\"\n\nText\n").unwrap_err();
        assert!(err.to_string().contains("never closed"), "{err}");
    }
}
