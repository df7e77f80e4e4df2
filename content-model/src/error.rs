use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a content or template file, located as precisely as we can.
///
/// Editors read these: the message names the file, and the line where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl ContentError {
    pub fn new(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self { file: file.as_ref().to_path_buf(), line: None, message: message.into() }
    }

    pub fn at_line(file: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Self {
        Self { file: file.as_ref().to_path_buf(), line: Some(line), message: message.into() }
    }

    /// An error on the first line of `text` that contains `needle` (a key or an id), for
    /// problems found after parsing, when the parser's positions are gone.
    pub fn near(file: &Path, text: &str, needle: &str, message: String) -> Self {
        let line = text.lines().position(|line| line.contains(needle)).map(|i| i + 1);
        Self { file: file.to_path_buf(), line, message }
    }

    /// Turns a TOML parse error into a located error. `first_line` is the line of the
    /// file on which the TOML text starts (1 for a whole file, 2 for front matter after `+++`).
    pub fn from_toml(file: impl AsRef<Path>, text: &str, first_line: usize, err: &toml::de::Error) -> Self {
        let line = err.span().map(|span| first_line + text[..span.start.min(text.len())].matches('\n').count());
        // toml's own message repeats the source excerpt; the first line is the reason.
        let message = plain_words(err.message().lines().next().unwrap_or("invalid TOML").trim());
        Self { file: file.as_ref().to_path_buf(), line, message }
    }
}

/// serde speaks of Rust types; editors need the TOML words.
fn plain_words(message: &str) -> String {
    [
        ("expected i64", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected a sequence", "expected a list, like [\"a\", \"b\"]"),
        ("expected a map", "expected a table"),
    ]
    .iter()
    .fold(message.to_string(), |text, (from, to)| text.replace(from, to))
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
