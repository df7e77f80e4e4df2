//! A validated application, split the way it is stored: answers for scoring, personal data apart.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Answers or personal data by field name.
pub type Fields = BTreeMap<String, String>;

/// The age group the selection fills separately: about 20 women aged 28 and over, and
/// 10–20 young women under 28, by age on the deadline day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    AgedTwentyEightAndOver,
    UnderTwentyEight,
}

impl Category {
    pub fn key(self) -> &'static str {
        match self {
            Category::AgedTwentyEightAndOver => "aged_28_and_over",
            Category::UnderTwentyEight => "under_28",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "aged_28_and_over" => Some(Category::AgedTwentyEightAndOver),
            "under_28" => Some(Category::UnderTwentyEight),
            _ => None,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// An application that passed every rule of the form.
#[derive(Debug, Clone)]
pub struct Application {
    pub submission_id: String,
    pub lang: String,
    pub received_at: DateTime<Utc>,
    pub category: Category,
    /// What the commission reads: every answer that is not personal, the essay included.
    pub answers: BTreeMap<String, String>,
    /// Name, birth date, place, work and contacts; never shown to scorers.
    pub personal: BTreeMap<String, String>,
    /// How it came: online, or on paper or by e-mail and keyed in by the secretariat.
    pub channel: crate::Channel,
    /// Who of the secretariat keyed it in; `None` for online applications.
    pub entered_by: Option<String>,
}

impl Application {
    /// What the applicant wrote (answers and personal data, not the submission id, the
    /// language or the time), as a SHA-256 in hex: kept with the submission id, so that a
    /// retry of the same id with other answers is told apart from a plain retry.
    pub fn digest(&self) -> String {
        digest(&[("answers", &self.answers), ("personal", &self.personal)])
    }
}

/// SHA-256 in hex of named maps of fields. Each map's entries are sorted; every name and
/// value is written with its length, so that no two different contents write the same bytes.
fn digest(parts: &[(&str, &BTreeMap<String, String>)]) -> String {
    let mut hasher = Sha256::new();
    for (part, fields) in parts {
        hasher.update(part.as_bytes());
        hasher.update((fields.len() as u64).to_le_bytes());
        for (name, value) in *fields {
            for text in [name, value] {
                hasher.update((text.len() as u64).to_le_bytes());
                hasher.update(text.as_bytes());
            }
        }
    }
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What a honeypot catch keeps: a post that passed every rule of the form with the hidden
/// field filled in, apart from real applications and only for [`Suspect::KEPT_FOR_DAYS`].
#[derive(Debug, Clone)]
pub struct Suspect {
    pub submission_id: String,
    pub lang: String,
    pub received_at: DateTime<Utc>,
    pub fields: BTreeMap<String, String>,
}

impl Suspect {
    /// Long enough for the secretariat to look at a catch (an applicant whose browser filled
    /// in the hidden field), short enough that a bot's posts do not pile up.
    pub const KEPT_FOR_DAYS: i64 = 30;

    /// When the catch may be deleted, in seconds since 1970: DynamoDB's TTL reads this
    /// number, and the SQLite store deletes what is past it.
    pub fn expires_at(&self) -> i64 {
        (self.received_at + chrono::Duration::days(Self::KEPT_FOR_DAYS)).timestamp()
    }

    /// What was posted, as [`Application::digest`] does for an application: a retry of a
    /// catch with other answers is told apart too, so that a bot that changes its answers
    /// is answered as an applicant would be, and learns nothing from it.
    pub fn digest(&self) -> String {
        digest(&[("fields", &self.fields)])
    }
}

/// An application as the commission's side of the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswers {
    pub code: String,
    pub lang: String,
    pub category: Category,
    pub received_at: String,
    pub answers: BTreeMap<String, String>,
    pub channel: crate::Channel,
    pub entered_by: Option<String>,
}

/// A short code for an application: ten digits in three groups (`482-913-5074`), easy
/// to read aloud over the phone, drawn at random so it says nothing about the applicant.
pub fn new_code() -> String {
    let mut bytes = [0u8; 8];
    // Without the operating system's random source no code can be drawn fairly, and the
    // process cannot do its one job: stopping is the honest answer.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    let number = u64::from_le_bytes(bytes) % 10_000_000_000;
    format!("{:03}-{:03}-{:04}", number / 10_000_000, number / 10_000 % 1_000, number % 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_ten_digits_in_groups_and_differ() {
        let code = new_code();
        assert_eq!(code.len(), 12);
        assert!(
            code.chars().enumerate().all(|(i, c)| if i == 3 || i == 7 { c == '-' } else { c.is_ascii_digit() }),
            "{code}"
        );
        let codes: std::collections::HashSet<String> = (0..1000).map(|_| new_code()).collect();
        assert_eq!(codes.len(), 1000);
    }
}

/// One commission member's scores for one application, criterion by criterion, in the
/// order of `content/selection.toml`, each from 1 to 5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scores {
    pub code: String,
    pub member: String,
    pub scores: Vec<u8>,
}
