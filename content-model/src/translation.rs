//! Per-language translation files `content/i18n/<lang>.toml`: the language's own name,
//! every string the templates show, and how dates are written.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{ContentError, Message};
use serde::Deserialize;

use crate::DatePatterns;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// The language's name in itself: `Кыргызча`, `Русский`.
    pub name: String,
    /// Labels, menus and sentences used by templates, by key.
    pub strings: BTreeMap<String, String>,
    pub dates: DatePatterns,
}

impl Translation {
    pub fn parse(file: &Path, text: &str) -> Result<Self, ContentError> {
        let translation: Translation =
            toml::from_str(text).map_err(|err| ContentError::from_toml(file, text, 1, &err))?;
        translation.dates.check().map_err(|message| ContentError::new(file, message))?;
        Ok(translation)
    }

    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map(String::as_str).unwrap_or(key)
    }
}

/// Every language must translate exactly the keys of the default language.
pub fn check_complete(default: (&Path, &Translation), other: (&Path, &Translation)) -> Vec<ContentError> {
    let (default_file, default) = default;
    let (file, translation) = other;
    let mut errors = Vec::new();
    for key in default.strings.keys().filter(|key| !translation.strings.contains_key(*key)) {
        errors.push(ContentError::new(
            file,
            Message::MissingTranslationKey { key: key.to_string(), default_file: default_file.display().to_string() },
        ));
    }
    for key in translation.strings.keys().filter(|key| !default.strings.contains_key(*key)) {
        errors.push(ContentError::new(
            file,
            Message::UnknownTranslationKey { key: key.to_string(), default_file: default_file.display().to_string() },
        ));
    }
    errors
}
