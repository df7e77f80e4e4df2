use std::collections::BTreeMap;

use serde::Deserialize;

/// A text given once per language, keyed by language code: `title.ky = "…"`, `title.ru = "…"`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Localized(BTreeMap<String, String>);

impl Localized {
    /// The text in `lang`; completeness is checked when content is loaded, so a
    /// missing language here is a programming error upstream and yields "".
    pub fn get(&self, lang: &str) -> &str {
        self.0.get(lang).map(String::as_str).unwrap_or("")
    }

    /// The text in every language it is written in.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.0.values().map(String::as_str)
    }

    /// Languages of `languages` that this text lacks (empty texts count as missing).
    pub fn missing<'a>(&self, languages: &'a [String]) -> Vec<&'a str> {
        languages
            .iter()
            .filter(|lang| self.0.get(lang.as_str()).is_none_or(|text| text.trim().is_empty()))
            .map(String::as_str)
            .collect()
    }

    /// Languages this text has that the site does not know (likely typos such as `title.kg`).
    pub fn unknown<'a>(&'a self, languages: &[String]) -> Vec<&'a str> {
        self.0.keys().filter(|lang| !languages.contains(lang)).map(String::as_str).collect()
    }
}

#[cfg(test)]
impl<const N: usize> From<[(&str, &str); N]> for Localized {
    fn from(pairs: [(&str, &str); N]) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }
}
