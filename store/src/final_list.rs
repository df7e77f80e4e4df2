//! The final list: the decision that follows the commission's proposal. The ranking proposes;
//! the secretariat records the list agreed with SDC (selected, reserve, not selected), from
//! the ranking, with changes where the decision differs and why, and freezes it. Only a frozen
//! list is told to applicants (`selection notify`), and a frozen list is never changed.

use std::fmt;

use chrono::{DateTime, Utc};

/// One application's place in the final list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Selected,
    Reserve,
    NotSelected,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Selected, Outcome::Reserve, Outcome::NotSelected];

    pub fn key(self) -> &'static str {
        match self {
            Outcome::Selected => "selected",
            Outcome::Reserve => "reserve",
            Outcome::NotSelected => "not_selected",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|outcome| outcome.key() == key)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One application's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub code: String,
    pub outcome: Outcome,
    /// What the ranking proposed; differs from `outcome` only with a `reason`.
    pub proposed: Outcome,
    /// Why the decision differs from the proposal.
    pub reason: Option<String>,
}

/// The whole list as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalList {
    /// Every application of the pool, by code.
    pub placed: Vec<Placed>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    /// Who froze it and when; `None` while it may still be recorded again.
    pub frozen: Option<(String, DateTime<Utc>)>,
}

/// A list that names a code twice cannot say which line holds: refused before anything is
/// read or written, the same in both stores.
pub(crate) fn check_lines(list: &FinalList) -> Result<(), crate::RecordError> {
    let mut seen = std::collections::HashSet::new();
    match list.placed.iter().find(|line| !seen.insert(line.code.as_str())) {
        Some(line) => Err(crate::StoreError::conflict(format!("the final list names {} twice", line.code)).into()),
        None => Ok(()),
    }
}
