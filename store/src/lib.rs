//! Where applications are kept. Two stores pass one contract (see `tests/store_contract.rs`):
//! DynamoDB in production and a single SQLite file for previews on a laptop. The intake
//! (the Lambda and the preview) and the secretariat's and commission's tools all work on them.
//!
//! Three traits, as narrow as their users: the intake only ever saves ([`Store`]); whatever
//! sends mail drains the [`Outbox`] that saving fills; the secretariat and the commission
//! read, check, score, rank and decide ([`CommissionStore`]).

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;

mod application;
mod checking;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod final_list;
mod outbox;
#[cfg(feature = "embedded")]
mod sqlite;
mod text;

#[cfg(feature = "dynamodb")]
pub use dynamodb::{dynamodb_client, dynamodb_config, DynamoStore, Tables};
#[cfg(feature = "embedded")]
pub use sqlite::SqliteStore;

pub use application::{new_code, Application, Category, Fields, Scores, StoredAnswers, Suspect};
pub use checking::{Channel, Decision, Erased, RecordError, Recusal, Tombstone, Verdict};
pub use final_list::{FinalList, Outcome, Placed};
pub use outbox::{Addressee, Delivery, MessageKind, Outbox, OutboxEntry, EMAIL_FIELD};
pub use text::{is_invisible, printable};

/// The outcome of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub code: String,
    /// False when the submission id was stored before: nothing new was written and
    /// `code` is the one given the first time.
    pub created: bool,
    /// Whether what is stored under this submission id is what this save held: always
    /// true when `created`; false for a retry whose answers changed (the first version is
    /// kept, the change is not stored). Applications and suspects stored before the stores
    /// kept a digest count as the same.
    pub same_content: bool,
}

/// What kind of failure a store met, which decides what the caller may do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// Throttling, a timeout, a dropped connection, a locked file: the same request may
    /// well succeed in a moment. The only kind answered with 503 and `Retry-After`.
    Unavailable,
    /// A missing table, denied access, a read-only file, a bad endpoint: nothing succeeds
    /// until an operator changes the set-up.
    Misconfigured,
    /// Another writer changed what this write depended on.
    Conflict,
    /// Stored data does not have the shape this code wrote.
    Corrupt,
}

/// Why a store could not answer. The message never holds an applicant's data: only what
/// the store itself said and which operation it was.
#[derive(Debug)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl StoreError {
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), source: None }
    }

    /// Keeps `source` for callers that walk the chain; `message` should already say what
    /// it means (SDK errors are written out with their context where they are caught).
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::Unavailable, message)
    }

    pub fn misconfigured(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::Misconfigured, message)
    }

    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::Corrupt, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::Conflict, message)
    }

    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// Whether posting the same request again later can help.
    pub fn is_retryable(&self) -> bool {
        self.kind == StoreErrorKind::Unavailable
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            StoreErrorKind::Unavailable => "store unavailable",
            StoreErrorKind::Misconfigured => "store misconfigured",
            StoreErrorKind::Conflict => "store conflict",
            StoreErrorKind::Corrupt => "store data corrupt",
        };
        write!(f, "{kind}: {}", self.message)
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|source| source as &(dyn StdError + 'static))
    }
}

/// Why a sheet of scores was not stored; nothing of it was.
#[derive(Debug)]
pub enum ScoresError {
    /// These applications already have this member's scores, and overwriting was not asked for.
    WouldOverwrite(Vec<String>),
    /// No application has this code.
    UnknownCode(String),
    /// The application was withdrawn after the sheet was made: it is no longer scored.
    Withdrawn(String),
    /// The member recused herself from this application: her sheet does not score it.
    Recused(String),
    Store(StoreError),
}

impl From<StoreError> for ScoresError {
    fn from(err: StoreError) -> Self {
        ScoresError::Store(err)
    }
}

/// What the intake needs: answers and personal data are written apart, in one atomic step,
/// and each submission id at most once: a second save of the same id writes nothing and
/// returns the first code, saying whether its content was the same.
pub trait Store: Send + Sync {
    fn save(&self, application: &Application) -> impl Future<Output = Result<Saved, StoreError>> + Send;

    /// Keeps what a honeypot caught, apart from real applications, until
    /// [`Suspect::expires_at`].
    fn save_suspect(&self, suspect: &Suspect) -> impl Future<Output = Result<Saved, StoreError>> + Send;
}

/// What the secretariat and the commission need besides saving.
pub trait CommissionStore: Store + Outbox {
    /// Every application's answers, oldest first, without personal data.
    fn answers(&self) -> impl Future<Output = Result<Vec<StoredAnswers>, StoreError>> + Send;

    /// The personal data of one application, for the secretariat only.
    fn personal(&self, code: &str)
        -> impl Future<Output = Result<Option<BTreeMap<String, String>>, StoreError>> + Send;

    /// Stores one member's sheet all at once or not at all, whatever its length. Without
    /// `overwrite`, a sheet that would replace scores already stored for this member changes
    /// nothing. A sheet that fails part-way leaves the member's previous scores current. A
    /// sheet is refused whole for its first row (in its order) that names an unknown or
    /// withdrawn application or one the member recused from.
    fn save_scores(
        &self,
        member: &str,
        sheet: &[Scores],
        overwrite: bool,
    ) -> impl Future<Output = Result<(), ScoresError>> + Send;

    /// Every member's current scores for every application, by code then member; never of a
    /// withdrawn application, nor of a member for an application she recused from.
    fn scores(&self) -> impl Future<Output = Result<Vec<Scores>, StoreError>> + Send;

    /// Codes and fields of what the honeypot caught.
    fn suspects(&self) -> impl Future<Output = Result<Vec<(String, Fields)>, StoreError>> + Send;

    /// Records the secretariat's decision about `decision.code`, replacing any earlier one.
    /// A duplicate must name another stored application that is not itself a duplicate, and
    /// an application others are duplicates of cannot become one (point them at the one kept
    /// first): one step always leads from a duplicate to the application kept.
    fn decide(&self, decision: &Decision) -> impl Future<Output = Result<(), RecordError>> + Send;

    /// The current decision of every application that has one, by code.
    fn decisions(&self) -> impl Future<Output = Result<Vec<Decision>, StoreError>> + Send;

    /// Removes the application's answers, personal data, scores, decision, recusals and the
    /// messages owed about it (every kind, sent or not), in every table and from the file's
    /// free space, and keeps only a [`Tombstone`]. Her line in the final list, if she has one,
    /// stays (a frozen list says what was decided and told) but loses its reason, the
    /// secretariat's free text that may describe her; a list not frozen yet then no longer
    /// fits the pool, so it is recorded again before it can be frozen. Racing an
    /// import of scores, it ends withdrawn with no scores. Asked again, it answers
    /// [`RecordError::Withdrawn`], after finishing a withdrawal that failed part-way. Other
    /// applications' decisions that name it as the one kept stay as they are.
    fn withdraw(
        &self,
        code: &str,
        at: chrono::DateTime<chrono::Utc>,
        by: &str,
    ) -> impl Future<Output = Result<Tombstone, RecordError>> + Send;

    /// Every withdrawn application, oldest received first.
    fn withdrawn(&self) -> impl Future<Output = Result<Vec<Tombstone>, StoreError>> + Send;

    /// Removes the personal data of every application received before `before`, and every
    /// honeypot catch received before it, from the store's files too; answers, decisions and
    /// scores stay. The receipts and outcomes owed to those applicants that are not sent yet
    /// go (nothing can address them); sent ones and notices stay, holding nothing of her, so
    /// that nothing is sent twice.
    fn erase_personal(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> impl Future<Output = Result<Erased, StoreError>> + Send;

    /// Records that `recusal.member` will not score `recusal.code`; her scores for it, if any,
    /// are removed.
    fn recuse(&self, recusal: &Recusal) -> impl Future<Output = Result<(), RecordError>> + Send;

    /// Every recusal, by code then member.
    fn recusals(&self) -> impl Future<Output = Result<Vec<Recusal>, StoreError>> + Send;

    /// Records the final list, replacing an earlier one that is not frozen. Refused with
    /// [`RecordError::Frozen`] once frozen, and with [`RecordError::UnknownCode`] or
    /// [`RecordError::Withdrawn`] for a line whose code is not a stored application.
    fn record_final(&self, list: &FinalList) -> impl Future<Output = Result<(), RecordError>> + Send;

    /// Freezes the recorded list for good and returns it, if it is still the one recorded at
    /// `recorded_at` (the list the user was shown and confirmed), checked in the same atomic
    /// step as the freezing. [`RecordError::NoFinalList`] when none is recorded;
    /// [`RecordError::Frozen`] when it already is; [`RecordError::ListChanged`] when it was
    /// recorded again since (nothing changes).
    fn freeze_final(
        &self,
        recorded_at: chrono::DateTime<chrono::Utc>,
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> impl Future<Output = Result<FinalList, RecordError>> + Send;

    /// The final list as recorded, frozen or not; `None` before any is recorded.
    fn final_list(&self) -> impl Future<Output = Result<Option<FinalList>, StoreError>> + Send;
}
