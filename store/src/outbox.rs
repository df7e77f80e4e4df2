//! The outbox: every message the system owes someone, written in the same step as what makes
//! it owed, and sent later by whoever drains it (the scheduled notifier in production, the
//! preview's mail folder on a laptop, `selection notify` for outcomes). Sending never happens
//! inside the intake's answer: a saved application has its receipt and the secretariat's
//! notice waiting in the outbox the moment it is stored, or it is not stored at all.
//!
//! An entry is keyed by its kind and the application's code, so each is owed at most once: a
//! retried save writes nothing new (the submission id guards it), and enqueuing an outcome
//! twice adds nothing. An entry holds no personal data: the sender reads the address and the
//! answers at sending time ([`Outbox::addressee`]), so a withdrawn or erased application has
//! nothing left to send.
//!
//! An entry's life: [`Delivery::Pending`] → claimed for a while ([`Delivery::Sending`]) →
//! [`Delivery::Sent`], or back to `Pending` with a later `due` after a failure that may pass,
//! or [`Delivery::Failed`] when retrying cannot help. A claim whose lease ran out (a sender
//! that stopped between claiming and settling) can be claimed again: the one way a message
//! can go twice, since SES takes no idempotency key.

use std::fmt;
use std::future::Future;

use chrono::{DateTime, Utc};

use crate::{Fields, StoreError, StoredAnswers};

/// The personal field a receipt and an outcome are addressed to: the form's question of kind
/// `email` is named so in `content/form.toml` (the intake's tests keep the two the same). An
/// application saved with a non-blank value here is owed a [`MessageKind::Receipt`].
pub const EMAIL_FIELD: &str = "email";

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageKind {
    /// To the applicant: her code, when it was received, what comes next, a copy of her answers.
    Receipt,
    /// To the secretariat: a new application (code, age group, language, channel, time; no
    /// personal data). Notices are sent grouped into a digest.
    Notice,
    /// To the applicant: the frozen final list's outcome for her.
    Outcome,
}

impl MessageKind {
    pub const ALL: [MessageKind; 3] = [MessageKind::Receipt, MessageKind::Notice, MessageKind::Outcome];

    pub fn key(self) -> &'static str {
        match self {
            MessageKind::Receipt => "receipt",
            MessageKind::Notice => "notice",
            MessageKind::Outcome => "outcome",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Where an entry is on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Not sent yet: tried `attempts` times so far; the next try not before `due`.
    Pending { attempts: u32, due: DateTime<Utc> },
    /// A sender has it until `lease_until` (this is its `attempts`-th try). A lease that ran
    /// out means that sender stopped before recording how the try ended.
    Sending { attempts: u32, lease_until: DateTime<Utc> },
    /// Accepted by the mail service (`message_id` is its id; the preview's is the file name).
    Sent { attempts: u32, at: DateTime<Utc>, message_id: String },
    /// Given up: the mail service refused it for good, or it failed too many times. The
    /// reason is the service's words, never the address or anything of the application.
    Failed { attempts: u32, at: DateTime<Utc>, reason: String },
}

/// One message owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub kind: MessageKind,
    pub code: String,
    /// The language to write in: the one she applied in (for a notice, the application's).
    pub lang: String,
    pub created_at: DateTime<Utc>,
    pub delivery: Delivery,
}

/// What a message about one application may use, read when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    pub answers: StoredAnswers,
    /// `None` once the personal data was erased: nothing can be addressed to her.
    pub personal: Option<Fields>,
}

/// The outbox's operations. Both stores implement it; [`crate::Store::save`] enqueues an
/// application's [`MessageKind::Notice`], and its [`MessageKind::Receipt`] when it has an
/// address, in the same atomic step as the application; a honeypot catch is owed nothing.
/// [`crate::CommissionStore::withdraw`] removes the code's entries with the rest.
pub trait Outbox: Send + Sync {
    /// Every entry, by kind then code.
    fn outbox(&self) -> impl Future<Output = Result<Vec<OutboxEntry>, StoreError>> + Send;

    /// Adds a pending entry, due at `now`, unless one of this kind and code exists (in any
    /// state): true when added; false too for a code that has no application.
    fn enqueue(
        &self,
        kind: MessageKind,
        code: &str,
        lang: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Takes the entry for one try until `lease_until`, in one conditional write: only a
    /// `Pending` entry whose `due` is at or before `now`, or a `Sending` one whose lease ran
    /// out by `now`. Returns the entry as claimed (`Sending`, `attempts` one more), or `None`
    /// when it was not there to take (another sender has it, it is sent, failed, not due, or
    /// gone).
    fn claim(
        &self,
        kind: MessageKind,
        code: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<OutboxEntry>, StoreError>> + Send;

    /// Records how a claimed try ended (`Sent`, `Pending` for a later try, or `Failed`). Only
    /// an entry still `Sending` with the claim's `attempts` is changed; false otherwise (its
    /// lease ran out and another sender claimed it meanwhile, or it is gone).
    fn settle(
        &self,
        kind: MessageKind,
        code: &str,
        claimed_attempts: u32,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The application's answers and personal data as they are now; `None` when no
    /// application (or only a tombstone) has this code.
    fn addressee(&self, code: &str) -> impl Future<Output = Result<Option<Addressee>, StoreError>> + Send;
}
