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
        let line = span.as_ref().map(|span| first_line + text.get(..span.start).unwrap_or(text).matches('\n').count());
        // toml's own message repeats the source excerpt; the first line is the reason.
        let reason = err.message().lines().next().unwrap_or("invalid TOML").trim();
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
    let before = text.get(line_start..span.start).unwrap_or("");
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
            "a string" if before.contains('[') => Message::ExpectedTextItem { key, value },
            "a string" => Message::ExpectedText { key, value },
            "a sequence" => Message::ExpectedList { key, value },
            "a TOML datetime" => Message::ExpectedDate { key, value },
            _ => Message::InvalidValue { key, detail: reason.to_string() },
        };
    }

    match reason_kind {
        "unexpected key or value" | "string values must be quoted" if typographic => Message::TomlTypographicQuotes {},
        "unexpected key or value" | "unexpected content" | "unexpected content between comment and newline" => {
            Message::TomlTextAfterValue {}
        }
        "string values must be quoted" if at.is_empty() => Message::TomlMissingValue {},
        "string values must be quoted" => Message::TomlUnquotedText {},
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
