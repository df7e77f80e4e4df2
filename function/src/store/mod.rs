//! Where applications are kept. Two stores pass one contract (see `tests/store_contract.rs`):
//! DynamoDB in production and a single SQLite file for previews on a laptop.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;

use crate::application::{Application, Fields, Scores, StoredAnswers, Suspect};

#[cfg(feature = "dynamodb")]
mod dynamodb;
#[cfg(feature = "embedded")]
mod sqlite;

#[cfg(feature = "dynamodb")]
pub use dynamodb::{DynamoStore, Tables};
#[cfg(feature = "embedded")]
pub use sqlite::SqliteStore;

/// The outcome of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub code: String,
    /// False when the submission id was stored before: nothing new was written and
    /// `code` is the one given the first time.
    pub created: bool,
}

/// The store could not answer; the application must be posted again.
#[derive(Debug)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Why a sheet of scores was not stored; nothing of it was.
#[derive(Debug)]
pub enum ScoresError {
    /// These applications already have this member's scores, and overwriting was not asked for.
    WouldOverwrite(Vec<String>),
    /// No application has this code.
    UnknownCode(String),
    Store(StoreError),
}

impl From<StoreError> for ScoresError {
    fn from(err: StoreError) -> Self {
        ScoresError::Store(err)
    }
}

/// Answers and personal data are written apart, in one atomic step, and each submission id
/// at most once: a second save of the same id writes nothing and returns the first code.
pub trait Store: Send + Sync {
    fn save(&self, application: &Application) -> impl Future<Output = Result<Saved, StoreError>> + Send;

    /// Keeps what a honeypot caught, apart from real applications.
    fn save_suspect(&self, suspect: &Suspect) -> impl Future<Output = Result<Saved, StoreError>> + Send;

    /// Every application's answers, oldest first, without personal data.
    fn answers(&self) -> impl Future<Output = Result<Vec<StoredAnswers>, StoreError>> + Send;

    /// The personal data of one application, for the secretariat only.
    fn personal(&self, code: &str)
        -> impl Future<Output = Result<Option<BTreeMap<String, String>>, StoreError>> + Send;

    /// Stores one member's sheet all at once or not at all. Without `overwrite`, a sheet
    /// that would replace scores already stored for this member changes nothing.
    fn save_scores(
        &self,
        member: &str,
        sheet: &[Scores],
        overwrite: bool,
    ) -> impl Future<Output = Result<(), ScoresError>> + Send;

    /// Every member's scores for every application.
    fn scores(&self) -> impl Future<Output = Result<Vec<Scores>, StoreError>> + Send;

    /// Codes and fields of what the honeypot caught.
    fn suspects(&self) -> impl Future<Output = Result<Vec<(String, Fields)>, StoreError>> + Send;
}
