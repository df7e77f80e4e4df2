//! What the secretariat records about an application after it is stored: how it came, the
//! checking decision (eligible, set aside as ineligible or as a duplicate), a withdrawal,
//! and commission members' recusals. None of it holds personal data but a decision's reason,
//! which the secretariat writes.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How an application reached the secretariat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Through the site's form, by the applicant herself.
    #[default]
    Online,
    /// On paper, to the secretariat's address, keyed in by the secretariat.
    Paper,
    /// By e-mail to the project's specialist, keyed in by the secretariat.
    Email,
}

impl Channel {
    pub fn key(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::Paper => "paper",
            Channel::Email => "email",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "online" => Some(Channel::Online),
            "paper" => Some(Channel::Paper),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What the secretariat decided about one application after checking it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Complete, 18 or over on the deadline, rural, no similar school before: it is scored.
    Eligible,
    /// Set aside, with the secretariat's reason.
    Ineligible { reason: String },
    /// Set aside: the same applicant's application `of` is the one kept.
    Duplicate { of: String },
}

impl Verdict {
    /// Whether the application stays out of sheets and the ranking.
    pub fn sets_aside(&self) -> bool {
        !matches!(self, Verdict::Eligible)
    }

    pub fn key(&self) -> &'static str {
        match self {
            Verdict::Eligible => "eligible",
            Verdict::Ineligible { .. } => "ineligible",
            Verdict::Duplicate { .. } => "duplicate",
        }
    }
}

/// The current decision about one application: a later decision replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub code: String,
    pub verdict: Verdict,
    /// Who decided: the name given to the secretariat's tool.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// What stays of a withdrawn application: enough to count it, nothing about her.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    pub code: String,
    /// As [`crate::StoredAnswers::received_at`].
    pub received_at: String,
    pub withdrawn_at: DateTime<Utc>,
    /// Who of the secretariat recorded it.
    pub by: String,
}

/// A commission member who will not score an application, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recusal {
    pub member: String,
    pub code: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// What an erasure of personal data removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Erased {
    /// Applications whose personal data was removed.
    pub applicants: usize,
    /// Honeypot catches removed (they hold whatever was posted, names included).
    pub suspects: usize,
}

/// Why a decision, a withdrawal or a recusal was not recorded; nothing was changed.
#[derive(Debug)]
pub enum RecordError {
    /// No application has this code.
    UnknownCode(String),
    /// The application was withdrawn: nothing more is recorded about it.
    Withdrawn(String),
    /// A duplicate must name another application, which is not itself set aside as a duplicate.
    BadDuplicate {
        code: String,
        of: String,
        why: &'static str,
    },
    /// The final list is frozen: who froze it and when.
    Frozen {
        by: String,
        at: chrono::DateTime<chrono::Utc>,
    },
    /// No final list has been recorded yet.
    NoFinalList,
    /// The final list stored is not the one the user saw and confirmed: it was recorded
    /// again since, by `by` at `at`. Nothing changed; show it again and ask again.
    ListChanged {
        by: String,
        at: chrono::DateTime<chrono::Utc>,
    },
    Store(crate::StoreError),
}

impl From<crate::StoreError> for RecordError {
    fn from(err: crate::StoreError) -> Self {
        RecordError::Store(err)
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::UnknownCode(code) => write!(f, "no application has the code {code}"),
            RecordError::Withdrawn(code) => write!(f, "the application {code} was withdrawn"),
            RecordError::BadDuplicate { code, of, why } => write!(f, "{code} cannot be a duplicate of {of}: {why}"),
            RecordError::Frozen { by, at } => write!(f, "the final list was frozen by {by} at {at}"),
            RecordError::NoFinalList => write!(f, "no final list has been recorded"),
            RecordError::ListChanged { by, at } => {
                write!(f, "the final list was recorded again by {by} at {at} since it was shown; nothing was frozen")
            }
            RecordError::Store(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for RecordError {}

impl Verdict {
    /// The verdict as both stores keep it: its key, an ineligible one's reason, a duplicate's
    /// other code.
    pub(crate) fn parts(&self) -> (&'static str, Option<&str>, Option<&str>) {
        match self {
            Verdict::Eligible => ("eligible", None, None),
            Verdict::Ineligible { reason } => ("ineligible", Some(reason), None),
            Verdict::Duplicate { of } => ("duplicate", None, Some(of)),
        }
    }

    /// The verdict back from [`Verdict::parts`]; `None` when they do not make one.
    pub(crate) fn from_parts(key: &str, reason: Option<String>, of: Option<String>) -> Option<Self> {
        match (key, reason, of) {
            ("eligible", None, None) => Some(Verdict::Eligible),
            ("ineligible", Some(reason), None) => Some(Verdict::Ineligible { reason }),
            ("duplicate", None, Some(of)) => Some(Verdict::Duplicate { of }),
            _ => None,
        }
    }
}

/// What a store knows about the application a duplicate names as the one kept.
pub(crate) enum Kept {
    Stored { is_duplicate: bool },
    Withdrawn,
    Unknown,
}

/// The rule for a duplicate, the same in both stores: `code` may be set aside as a duplicate
/// of `of` when `of` is another stored application that is not itself a duplicate, and no
/// application is set aside as a duplicate of `code` (each set of duplicates keeps one, and
/// one step leads to it).
pub(crate) fn check_duplicate(code: &str, of: &str, kept: Kept, has_duplicates: bool) -> Result<(), RecordError> {
    let why = if of == code {
        "an application cannot be a duplicate of itself"
    } else {
        match kept {
            Kept::Unknown => "no application has the other code",
            Kept::Withdrawn => "the other application was withdrawn",
            Kept::Stored { is_duplicate: true } => {
                "the other application is itself set aside as a duplicate: name the one kept"
            }
            Kept::Stored { is_duplicate: false } if has_duplicates => {
                "other applications are set aside as duplicates of this one: make them duplicates of the one kept first"
            }
            Kept::Stored { is_duplicate: false } => return Ok(()),
        }
    };
    Err(RecordError::BadDuplicate { code: code.to_string(), of: of.to_string(), why })
}

/// A time as both stores write it (RFC 3339); `what` and `code` say whose, never its value.
pub(crate) fn stored_time(text: &str, what: &str, code: &str) -> Result<DateTime<Utc>, crate::StoreError> {
    DateTime::parse_from_rfc3339(text).map(|time| time.with_timezone(&Utc)).map_err(|err| {
        crate::StoreError::corrupt(format!("{what} of {code} is not a time this store writes")).with_source(err)
    })
}
