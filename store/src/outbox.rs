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

use chrono::{DateTime, SecondsFormat, Utc};

use crate::checking::stored_time;
use crate::{Application, Fields, StoreError, StoredAnswers};

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

/// What a newly stored application is owed: the secretariat's notice always, the applicant's
/// receipt when she gave an address (blank after trimming is none).
pub(crate) fn owed(application: &Application) -> Vec<MessageKind> {
    let has_address = application.personal.get(EMAIL_FIELD).is_some_and(|address| !address.trim().is_empty());
    let mut kinds = vec![MessageKind::Notice];
    if has_address {
        kinds.push(MessageKind::Receipt);
    }
    kinds.sort();
    kinds
}

/// A time of the outbox as both stores keep it: UTC to the nanosecond, always as long, so that
/// comparing the texts compares the times (a claim's condition compares them in the store).
pub(crate) fn outbox_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// A [`Delivery`] as both stores keep it: its state's name, the attempts, and the one time
/// and detail its state has (the others are `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredDelivery {
    /// `pending`, `sending`, `sent` or `failed`.
    pub(crate) state: String,
    pub(crate) attempts: u32,
    pub(crate) due: Option<String>,
    pub(crate) lease_until: Option<String>,
    /// When a `sent` or `failed` one was settled.
    pub(crate) settled_at: Option<String>,
    pub(crate) message_id: Option<String>,
    pub(crate) reason: Option<String>,
}

pub(crate) const PENDING: &str = "pending";
pub(crate) const SENDING: &str = "sending";
pub(crate) const SENT: &str = "sent";
pub(crate) const FAILED: &str = "failed";

impl StoredDelivery {
    pub(crate) fn of(delivery: &Delivery) -> Self {
        let stored = |state: &str, attempts: u32| StoredDelivery {
            state: state.to_string(),
            attempts,
            due: None,
            lease_until: None,
            settled_at: None,
            message_id: None,
            reason: None,
        };
        match delivery {
            Delivery::Pending { attempts, due } => {
                StoredDelivery { due: Some(outbox_time(*due)), ..stored(PENDING, *attempts) }
            }
            Delivery::Sending { attempts, lease_until } => {
                StoredDelivery { lease_until: Some(outbox_time(*lease_until)), ..stored(SENDING, *attempts) }
            }
            Delivery::Sent { attempts, at, message_id } => StoredDelivery {
                settled_at: Some(outbox_time(*at)),
                message_id: Some(message_id.clone()),
                ..stored(SENT, *attempts)
            },
            Delivery::Failed { attempts, at, reason } => StoredDelivery {
                settled_at: Some(outbox_time(*at)),
                reason: Some(reason.clone()),
                ..stored(FAILED, *attempts)
            },
        }
    }

    /// The delivery back; `kind` and `code` name the entry in the error when the parts do
    /// not make one (none of them is personal).
    pub(crate) fn delivery(self, kind: MessageKind, code: &str) -> Result<Delivery, StoreError> {
        let whose = format!("the {kind} of {code}");
        let time = |text: Option<String>, what: &str| -> Result<DateTime<Utc>, StoreError> {
            let text = text.ok_or_else(|| StoreError::corrupt(format!("{what} of {whose} is missing")))?;
            stored_time(&text, what, &whose)
        };
        let attempts = self.attempts;
        Ok(match self.state.as_str() {
            PENDING => Delivery::Pending { attempts, due: time(self.due, "the time due")? },
            SENDING => Delivery::Sending { attempts, lease_until: time(self.lease_until, "the end of the lease")? },
            SENT => Delivery::Sent {
                attempts,
                at: time(self.settled_at, "the time sent")?,
                message_id: self.message_id.unwrap_or_default(),
            },
            FAILED => Delivery::Failed {
                attempts,
                at: time(self.settled_at, "the time given up")?,
                reason: self.reason.unwrap_or_default(),
            },
            other => return Err(StoreError::corrupt(format!("{whose} is in an unknown state {other}"))),
        })
    }
}

/// An entry read back from either store; `kind` and `code` name it in the errors.
pub(crate) fn entry(
    kind: &str,
    code: String,
    lang: String,
    created_at: &str,
    delivery: StoredDelivery,
) -> Result<OutboxEntry, StoreError> {
    let kind = MessageKind::from_key(kind)
        .ok_or_else(|| StoreError::corrupt(format!("an outbox entry of {code} has an unknown kind {kind}")))?;
    let created_at = stored_time(created_at, &format!("the time the {kind} was owed"), &code)?;
    let delivery = delivery.delivery(kind, &code)?;
    Ok(OutboxEntry { kind, code, lang, created_at, delivery })
}
