use std::path::Path;

use chrono::FixedOffset;
use chrono::Offset as _;
use serde::Deserialize;

use crate::{ContentError, Localized, Message};

/// `content/config.toml`: what the whole site shares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Absolute URL the site is published under, without a trailing slash.
    pub base_url: String,
    /// Language codes in menu order; the first is the default (served at `/`).
    pub languages: Vec<String>,
    /// The programme's time zone as a UTC offset, e.g. `+06:00` for Bishkek.
    pub timezone: String,
    /// Where the application form posts, on the site's own origin; `/api/applications` if unset.
    #[serde(default)]
    pub intake_path: Option<String>,
    /// The days reports may be dated in, `2020-11-01/2021-12-31`; the schedule's first to
    /// last day if unset.
    #[serde(default)]
    pub programme: Option<String>,
    /// At most how many pages of one language a search index holds (5,000 if unset). A
    /// language with more is indexed in parts that its search page loads together: making
    /// an index takes about 65 KB of memory per page, and each further part adds about
    /// 60 KB to what a search downloads.
    #[serde(default)]
    pub search_index_pages: Option<usize>,
    pub contact: Contact,
}

/// Where and how applications are handed in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub address: Localized,
    pub person: Localized,
    pub email: String,
    pub phones: Vec<String>,
}

impl SiteConfig {
    /// Parses and checks `content/config.toml`; `file` is only used in errors.
    pub fn parse(file: &Path, text: &str) -> Result<Self, Vec<ContentError>> {
        let config: SiteConfig =
            toml::from_str(text).map_err(|err| vec![ContentError::from_toml(file, text, 1, &err)])?;
        let mut errors = Vec::new();
        let at = |key: &str| crate::line_of_key(text, key);
        let mut complain = |key: &str, message: Message| {
            errors.push(ContentError { file: file.to_path_buf(), line: at(key), message: Box::new(message) });
        };
        if config.languages.is_empty() {
            complain("languages", Message::NoLanguages {});
        }
        for lang in &config.languages {
            if lang.is_empty() || !lang.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
                complain("languages", Message::LanguageCode { lang: lang.clone() });
            }
        }
        if !(config.base_url.starts_with("https://") || config.base_url.starts_with("http://"))
            || config.base_url.ends_with('/')
        {
            complain("base_url", Message::BaseUrl { url: config.base_url.clone() });
        }
        if config.intake_path.as_ref().is_some_and(|path| !path.starts_with('/') || path.ends_with('/')) {
            complain("intake_path", Message::IntakePath {});
        }
        if let Some(programme) = &config.programme {
            if !matches!(programme.parse::<crate::Period>(), Ok(crate::Period::Days(..))) {
                complain("programme", Message::Programme { programme: programme.clone() });
            }
        }
        if config.search_index_pages == Some(0) {
            complain("search_index_pages", Message::SearchIndexPages {});
        }
        if parse_offset(&config.timezone).is_none() {
            complain("timezone", Message::Timezone { timezone: config.timezone.clone() });
        }
        for (key, text) in [("address", &config.contact.address), ("person", &config.contact.person)] {
            for lang in text.missing(&config.languages) {
                complain(key, Message::ContactText { key: key.to_string(), lang: lang.to_string() });
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    pub fn intake_path(&self) -> &str {
        self.intake_path.as_deref().unwrap_or("/api/applications")
    }

    /// The first and last day reports may carry.
    pub fn programme_days(&self) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
        match self.programme.as_deref()?.parse().ok()? {
            crate::Period::Days(first, last) => Some((first, last)),
            _ => None,
        }
    }

    /// The first of `languages` (parsing refuses a site without one).
    pub fn default_language(&self) -> &str {
        self.languages.first().map_or("", String::as_str)
    }

    /// The programme's clock offset; validated in [`SiteConfig::parse`].
    pub fn offset(&self) -> FixedOffset {
        parse_offset(&self.timezone).unwrap_or_else(|| chrono::Utc.fix())
    }
}

fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let seconds = hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"
base_url = "https://example.org"
languages = ["ky", "ru"]
timezone = "+06:00"
[contact]
address.ky = "Бишкек"
address.ru = "Бишкек"
person.ky = "А"
person.ru = "А"
email = "a@example.org"
phones = ["0312 000000"]
"#;

    #[test]
    fn reads_languages_and_offset() {
        let config = SiteConfig::parse(Path::new("config.toml"), VALID).unwrap();
        assert_eq!(config.default_language(), "ky");
        assert_eq!(config.offset().local_minus_utc(), 6 * 3600);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = VALID.replace("timezone", "time_zone");
        let errors = SiteConfig::parse(Path::new("content/config.toml"), &text).unwrap_err();
        let shown = errors[0].to_string();
        assert!(shown.starts_with("content/config.toml:"), "{shown}");
        assert!(shown.contains("time_zone"), "{shown}");
    }

    #[test]
    fn missing_contact_translation_is_reported() {
        let text = VALID.replace("person.ru = \"А\"\n", "");
        let errors = SiteConfig::parse(Path::new("config.toml"), &text).unwrap_err();
        assert_eq!(errors[0].message.to_string(), "contact.person has no `ru` text");
        assert_eq!(errors[0].line, Some(8));
    }

    #[test]
    fn a_search_index_of_no_pages_is_refused_on_its_line() {
        let text = VALID.replace("timezone = \"+06:00\"\n", "timezone = \"+06:00\"\nsearch_index_pages = 0\n");
        let errors = SiteConfig::parse(Path::new("config.toml"), &text).unwrap_err();
        assert_eq!(*errors[0].message, Message::SearchIndexPages {});
        assert_eq!(errors[0].line, Some(5));
        let text = text.replace("search_index_pages = 0", "search_index_pages = 500");
        assert_eq!(SiteConfig::parse(Path::new("config.toml"), &text).unwrap().search_index_pages, Some(500));
    }
}
