//! Splitting a content file into TOML front matter and Markdown body.

use std::path::Path;

use content_model::ContentError;
pub(crate) use content_model::FrontMatter;

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
