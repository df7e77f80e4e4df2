use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::Message;

/// A problem in a content or template file, located as precisely as we can.
///
/// Editors read these: the message names the file, and the line where there is one. Its
/// `Display` is English; a [`crate::Catalogue`] says it in the editor's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub file: PathBuf,
    pub line: Option<usize>,
    /// Boxed: errors travel in `Result`s, and a message holds up to four values.
    pub message: Box<Message>,
}

impl ContentError {
    pub fn new(file: impl AsRef<Path>, message: Message) -> Self {
        Self { file: file.as_ref().to_path_buf(), line: None, message: Box::new(message) }
    }

    pub fn at_line(file: impl AsRef<Path>, line: usize, message: Message) -> Self {
        Self { file: file.as_ref().to_path_buf(), line: Some(line), message: Box::new(message) }
    }

    /// An error on the first line of `text` that contains `needle` (a key or an id), for
    /// problems found after parsing, when the parser's positions are gone.
    pub fn near(file: &Path, text: &str, needle: &str, message: Message) -> Self {
        let line = text.lines().position(|line| line.contains(needle)).map(|i| i + 1);
        Self { file: file.to_path_buf(), line, message: Box::new(message) }
    }

    /// Turns a TOML parse error into a located error. `first_line` is the line of the
    /// file on which the TOML text starts (1 for a whole file, 2 for front matter after `+++`).
    pub fn from_toml(file: impl AsRef<Path>, text: &str, first_line: usize, err: &toml::de::Error) -> Self {
        let span = err.span().map(|span| span.start.min(text.len())..span.end.min(text.len()));
        // toml's own message repeats the source excerpt; the first line is the reason.
        let reason = err.message().lines().next().unwrap_or("invalid TOML").trim();
        // A text of several lines left open runs to the end of the file, where toml points:
        // the editor's mistake is where it opens.
        let at = span.as_ref().map(|span| {
            let before = text.get(..span.start).unwrap_or("");
            let opened = match reason.starts_with("invalid multi-line") {
                true => before.rfind("\"\"\"").or_else(|| before.rfind("'''")),
                false => None,
            };
            opened.unwrap_or(span.start)
        });
        let line = at.map(|at| first_line + text.get(..at).unwrap_or(text).matches('\n').count());
        Self { file: file.as_ref().to_path_buf(), line, message: Box::new(toml_message(text, span, reason)) }
    }
}

/// What toml (its parser, or serde reading the parsed values) said, as a message that says
/// what is wrong on that line in the editor's words. The cases are what toml 0.9 says for
/// each mistake (tried one by one); anything else keeps toml's reason as a value.
fn toml_message(text: &str, span: Option<Range<usize>>, reason: &str) -> Message {
    let span = span.unwrap_or(0..0);
    let at = text.get(span.clone()).unwrap_or("").trim();
    let line_start = text.get(..span.start).and_then(|before| before.rfind('\n')).map_or(0, |at| at + 1);
    // Whether the span is an item of a list: a `[` after the last `=` before it.
    let in_list = text
        .get(..span.start)
        .and_then(|before| before.rsplit_once('='))
        .is_some_and(|(_, after_key)| after_key.contains('['));
    // A value that opens with typographic quotes: toml stops at the first word after it, or
    // at a straight quote that closes it.
    let typographic = text
        .get(line_start..)
        .unwrap_or("")
        .lines()
        .next()
        .and_then(|line| line.split_once('='))
        .is_some_and(|(_, value)| value.trim_start().starts_with(['«', '“', '„', '”']));
    // The key whose value is at the span: on its line, or the nearest line above with `=`
    // (a list written over several lines).
    let key = || {
        text.get(..span.start)
            .unwrap_or("")
            .lines()
            .rev()
            .find_map(|line| line.split_once('=').map(|(key, _)| key.trim().to_string()))
            .filter(|key| !key.is_empty())
            .unwrap_or_else(|| "?".to_string())
    };
    let value = || at.to_string();
    let (reason_kind, expected) = match reason.rsplit_once(", expected ") {
        Some((kind, expected)) => (kind, expected),
        None => (reason, ""),
    };

    if let Some(field) = reason.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next()) {
        let known = quoted_names(expected);
        return match did_you_mean(field, &known) {
            Some(suggestion) => Message::UnknownFieldDidYouMean { field: field.to_string(), suggestion },
            None => Message::UnknownField { field: field.to_string(), known: backticked(&known) },
        };
    }
    if let Some(field) = reason.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
        return Message::MissingField { field: field.to_string() };
    }
    if let Some(found) = reason.strip_prefix("unknown variant `").and_then(|rest| rest.split('`').next()) {
        return Message::UnknownValue { value: found.to_string(), known: backticked(&quoted_names(expected)) };
    }
    if reason.starts_with("invalid type: ") || reason.starts_with("invalid value: ") {
        let (key, value) = (key(), value());
        return match expected {
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => {
                Message::ExpectedWholeNumber { key, value }
            }
            "a boolean" => Message::ExpectedTrueFalse { key, value },
            "a string" if in_list => Message::ExpectedTextItem { key, value },
            "a string" => Message::ExpectedText { key, value },
            "a sequence" => Message::ExpectedList { key, value },
            "a TOML datetime" => Message::ExpectedDate { key, value },
            _ => Message::InvalidValue { key, detail: reason.to_string() },
        };
    }

    match reason_kind {
        "unexpected key or value" | "string values must be quoted" | "missing opening quote" if typographic => {
            Message::TomlTypographicQuotes {}
        }
        "unexpected key or value" | "unexpected content" | "unexpected content between comment and newline" => {
            Message::TomlTextAfterValue {}
        }
        "string values must be quoted" if at.is_empty() => Message::TomlMissingValue {},
        "string values must be quoted" | "missing opening quote" => Message::TomlUnquotedText {},
        "missing value" | "missing value for key" => Message::TomlMissingValue {},
        "key with no value" | "missing assignment between key-value pairs" => Message::TomlMissingEquals {},
        "invalid basic string" | "invalid literal string" if expected.contains("visible characters") => {
            Message::TomlInvisibleCharacter {}
        }
        "invalid basic string"
        | "invalid literal string"
        | "invalid multi-line basic string"
        | "invalid multi-line literal string"
        | "invalid string" => Message::TomlUnclosedText {},
        "missing escaped value" | "invalid unicode hexadecimal value" | "too few unicode value digits" => {
            Message::TomlBackslash {}
        }
        "duplicate key" => Message::TomlDuplicateKey { key: at.trim_matches(|c| c == '"' || c == '\'').to_string() },
        "unclosed table" | "unclosed array table" | "invalid table" => Message::TomlUnclosedTableName {},
        "unclosed inline table" | "missing key for inline table element" | "invalid inline table element" => {
            Message::TomlUnclosedInlineTable {}
        }
        "missing comma between array elements" | "unclosed array" => Message::TomlListComma {},
        "invalid boolean" => Message::TomlTrueFalse { value: value() },
        "unquoted keys cannot be empty" => Message::TomlMissingKey {},
        kind if kind.starts_with("invalid date")
            || kind.starts_with("invalid time")
            || kind.starts_with("invalid offset") =>
        {
            Message::TomlInvalidDate { value: value() }
        }
        kind if kind.starts_with("cannot extend") || kind.starts_with("duplicate table") => Message::TomlKeyConflict {},
        "unexpected leading zero"
        | "invalid integer number"
        | "invalid float"
        | "invalid fraction"
        | "invalid exponent"
        | "invalid mantissa"
        | "redundant numeric sign"
        | "unexpected sign" => Message::TomlNumber { value: value() },
        _ => Message::TomlOther { detail: reason.to_string() },
    }
}

/// The names between backticks in serde's list of what it expected: `a`, `b` or `c`.
fn quoted_names(expected: &str) -> Vec<&str> {
    expected.split('`').skip(1).step_by(2).collect()
}

fn backticked(names: &[&str]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

/// The known name `field` is most likely a typo of: one or two letters off (`tilte`,
/// `titel`, `dat`), and not most of a short word.
fn did_you_mean(field: &str, known: &[&str]) -> Option<String> {
    known
        .iter()
        .map(|name| (strsim::damerau_levenshtein(field, name), *name))
        .filter(|(distance, name)| *distance <= 2 && *distance * 2 < name.chars().count().max(field.chars().count()))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.to_string())
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ContentError {}

/// Finds the line of `key = ` (or `[key]`) in a TOML text, for errors found after parsing.
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix(key).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.starts_with('=') || rest.starts_with('.')
            })
        })
        .map(|i| i + 1)
}

/// An error with its chain of causes, `outer: cause: cause`: template engines (Tera) put the
/// useful part, such as the line and the variable, in the causes.
pub fn with_causes(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` (a whole TOML file) read into a table: the message and line of its error.
    fn said(text: &str) -> (Message, Option<usize>) {
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        let error = ContentError::from_toml("a.toml", text, 1, &err);
        (*error.message, error.line)
    }

    /// Each mistake with what toml 0.9.12 says about it, and what the editor reads instead.
    #[test]
    fn each_toml_mistake_is_said_in_plain_words_on_its_line() {
        let cases: &[(&str, &str, Message, usize)] = &[
            (
                "unexpected key or value, expected newline, `#`",
                "a = 1\nslug = \"a\" b\n",
                Message::TomlTextAfterValue {},
                2,
            ),
            ("unexpected key or value, expected newline, `#`", "title = \"a\",\n", Message::TomlTextAfterValue {}, 1),
            (
                "string values must be quoted, expected literal string",
                "title = Итоги\n",
                Message::TomlUnquotedText {},
                1,
            ),
            (
                "string values must be quoted, expected literal string",
                "title = «Итоги»\n",
                Message::TomlTypographicQuotes {},
                1,
            ),
            (
                "unexpected key or value, expected newline, `#`",
                "title = “Итоги жана\"\n",
                Message::TomlTypographicQuotes {},
                1,
            ),
            ("missing opening quote, expected `\"`", "title = “Итоги\"\n", Message::TomlTypographicQuotes {}, 1),
            ("missing opening quote, expected `\"`", "title = Итоги\"\n", Message::TomlUnquotedText {}, 1),
            ("string values must be quoted, expected literal string", "title =\n", Message::TomlMissingValue {}, 1),
            ("key with no value, expected `=`", "title \"Итоги\"\n", Message::TomlMissingEquals {}, 1),
            ("key with no value, expected `=`", "title: \"Итоги\"\n", Message::TomlMissingEquals {}, 1),
            (
                "invalid basic string, expected `\"`",
                "title = \"Итоги\ndate = 2020-11-09\n",
                Message::TomlUnclosedText {},
                1,
            ),
            ("invalid literal string, expected `'`", "title = 'Итоги\n", Message::TomlUnclosedText {}, 1),
            ("invalid multi-line basic string, expected `\"`", "title = \"\"\"abc\n", Message::TomlUnclosedText {}, 1),
            (
                "invalid basic string, expected non-double-quote visible characters",
                "title = \"a\u{7}b\"\n",
                Message::TomlInvisibleCharacter {},
                1,
            ),
            ("missing escaped value, expected `b`, `e`, …", "title = \"a\\q\"\n", Message::TomlBackslash {}, 1),
            ("duplicate key", "title = \"a\"\ntitle = \"b\"\n", Message::TomlDuplicateKey { key: "title".into() }, 2),
            ("duplicate key", "[contact]\na = 1\n[contact]\n", Message::TomlDuplicateKey { key: "contact".into() }, 3),
            ("unclosed table, expected `]`", "[contact\nemail = \"a\"\n", Message::TomlUnclosedTableName {}, 1),
            ("unclosed array table, expected `]`", "[[stage]\nid = \"I\"\n", Message::TomlUnclosedTableName {}, 1),
            ("unclosed inline table, expected `}`", "a = { b = 1\n", Message::TomlUnclosedInlineTable {}, 1),
            (
                "missing comma between array elements, expected `,`",
                "tags = [\"a\" \"b\"]\n",
                Message::TomlListComma {},
                1,
            ),
            (
                "missing comma between array elements, expected `,`",
                "tags = [\"a\"\ndate = 1\n",
                Message::TomlListComma {},
                2,
            ),
            (
                "invalid date, expected month between 01 and 12",
                "date = 2020-13-09\n",
                Message::TomlInvalidDate { value: "2020-13-09".into() },
                1,
            ),
            ("invalid boolean, expected `true`", "draft = True\n", Message::TomlTrueFalse { value: "True".into() }, 1),
            (
                "unexpected leading zero, expected nothing",
                "weight = 01\n",
                Message::TomlNumber { value: "0".into() },
                1,
            ),
            ("unquoted keys cannot be empty, expected letters, …", "= \"a\"\n", Message::TomlMissingKey {}, 1),
            (
                "cannot extend value of type integer with a dotted key",
                "a = 1\na.b = 2\n",
                Message::TomlKeyConflict {},
                2,
            ),
        ];
        for (toml_says, text, message, line) in cases {
            assert_eq!(said(text), (message.clone(), Some(*line)), "{text:?}, where toml says {toml_says}");
        }
    }

    #[test]
    fn a_value_of_the_wrong_kind_names_its_key_and_the_value_as_written() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Page {
            title: String,
            #[serde(default)]
            weight: i64,
            #[serde(default)]
            tags: Vec<String>,
        }
        let said = |text: &str| {
            let err = toml::from_str::<Page>(text).unwrap_err();
            let error = ContentError::from_toml("a.toml", text, 1, &err);
            (*error.message, error.line)
        };
        let value = |key: &str, value: &str| (key.to_string(), value.to_string());
        let (key, found) = value("weight", "\"four\"");
        assert_eq!(
            said("title = \"a\"\nweight = \"four\"\n"),
            (Message::ExpectedWholeNumber { key, value: found }, Some(2))
        );
        let (key, found) = value("tags", "2");
        assert_eq!(
            said("title = \"a\"\ntags = [\n  \"a\",\n  2,\n]\n"),
            (Message::ExpectedTextItem { key, value: found }, Some(4))
        );
        assert_eq!(
            said("title = \"a\"\ntitel = \"b\"\n"),
            (Message::UnknownFieldDidYouMean { field: "titel".into(), suggestion: "title".into() }, Some(2))
        );
        assert_eq!(
            said("title = \"a\"\ncolour = \"b\"\n"),
            (Message::UnknownField { field: "colour".into(), known: "`title`, `weight`, `tags`".into() }, Some(2))
        );
        assert_eq!(said("weight = 1\n"), (Message::MissingField { field: "title".into() }, Some(1)));
    }
}
