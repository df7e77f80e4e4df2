//! Telling each applicant of the frozen final list her outcome (`selection notify`): who can
//! be reached by e-mail, who must be told by phone or post, and which messages went before;
//! then one outbox entry per applicant with an address, drained through the mailer given.
//! The outbox makes it safe to run again: an entry is owed once and sent once, so a second
//! run sends nothing, and a run cut short is finished by the next.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use store::{CommissionStore, Delivery, FinalList, MessageKind, Outbox, Outcome, StoreError, EMAIL_FIELD};

/// How an applicant hears of her outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// By e-mail, to the address she gave.
    Email,
    /// She gave no address, or it was erased: the secretariat phones or writes.
    NoAddress,
    /// Withdrawn since the list was frozen: nothing is sent.
    Withdrawn,
}

/// One applicant of the final list, as `notify` treats her.
#[derive(Debug, Clone)]
pub struct Told {
    pub code: String,
    /// The language she applied in; empty once withdrawn.
    pub lang: String,
    pub outcome: Outcome,
    pub reach: Reach,
    /// When her outcome was sent, if it was.
    pub sent_at: Option<DateTime<Utc>>,
    /// Her name and address, for `--dry-run --personal` only.
    pub name: Option<String>,
    pub address: Option<String>,
}

/// The outcome entries of the outbox, by code.
async fn outcome_entries(store: &impl Outbox) -> Result<HashMap<String, Delivery>, StoreError> {
    Ok(store
        .outbox()
        .await?
        .into_iter()
        .filter(|entry| entry.kind == MessageKind::Outcome)
        .map(|entry| (entry.code, entry.delivery))
        .collect())
}

/// Who gets which message, in the list's order.
pub async fn plan(
    store: &impl CommissionStore,
    letters: &mail::Letters,
    list: &FinalList,
) -> Result<Vec<Told>, StoreError> {
    let entries = outcome_entries(store).await?;
    let mut told = Vec::with_capacity(list.placed.len());
    for placed in &list.placed {
        let sent_at = match entries.get(&placed.code) {
            Some(Delivery::Sent { at, .. }) => Some(*at),
            _ => None,
        };
        let (lang, reach, name, address) = match store.addressee(&placed.code).await? {
            None => (String::new(), Reach::Withdrawn, None, None),
            Some(addressee) => {
                let field = |name: &str| addressee.personal.as_ref().and_then(|fields| fields.get(name)).cloned();
                let reach = if mail::compose_outcome(letters, &addressee, placed.outcome).is_some() {
                    Reach::Email
                } else {
                    Reach::NoAddress
                };
                (addressee.answers.lang.clone(), reach, field("full_name"), field(EMAIL_FIELD))
            }
        };
        told.push(Told { code: placed.code.clone(), lang, outcome: placed.outcome, reach, sent_at, name, address });
    }
    Ok(told)
}

/// What one run of `notify` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notified {
    /// Sent by this run.
    pub sent_now: usize,
    /// Sent by an earlier run.
    pub sent_before: usize,
    /// Not sent yet: a failure that may pass (retried later), or another sender has it.
    pub pending: usize,
    /// Given up, with the mail service's reason, by code.
    pub failed: Vec<(String, String)>,
    pub no_address: usize,
}

/// Enqueues an outcome for everyone in `told` with an address (once: an entry already there
/// is left as it is), drains the outcomes through `mailer`, and says what happened to each.
pub async fn send(
    store: &impl CommissionStore,
    mailer: &impl mail::Mailer,
    letters: &mail::Letters,
    settings: &mail::Settings,
    told: &[Told],
    now: DateTime<Utc>,
) -> Result<Notified, StoreError> {
    for one in told.iter().filter(|one| one.reach == Reach::Email) {
        store.enqueue(MessageKind::Outcome, &one.code, &one.lang, now).await?;
    }
    mail::drain(store, mailer, letters, settings, now).await?;
    let entries = outcome_entries(store).await?;
    let mut notified =
        Notified { no_address: told.iter().filter(|one| one.reach == Reach::NoAddress).count(), ..Notified::default() };
    for one in told.iter().filter(|one| one.reach == Reach::Email) {
        match entries.get(&one.code) {
            Some(Delivery::Sent { .. }) if one.sent_at.is_some() => notified.sent_before += 1,
            Some(Delivery::Sent { .. }) => notified.sent_now += 1,
            Some(Delivery::Failed { reason, .. }) => notified.failed.push((one.code.clone(), reason.clone())),
            // Withdrawn or erased between planning and sending: nothing was owed after all.
            None => notified.no_address += 1,
            Some(Delivery::Pending { .. } | Delivery::Sending { .. }) => notified.pending += 1,
        }
    }
    Ok(notified)
}
