//! Draining the outbox: every due entry of the kinds asked for is claimed, composed, sent and
//! settled, once. One call is one pass: the scheduled notifier calls it every minute, the
//! preview after each save, `selection notify` once for outcomes.
//!
//! An entry is claimed (one conditional write) before it is sent and settled after, so two
//! drains never send the same entry, and a drain that stopped between claiming and settling
//! leaves a lease that runs out: the next drain sends it again and logs
//! `mail_resent_after_interrupted_try`. That is the one way a message can go twice (SES
//! takes no idempotency key): SES accepted it, and the record of it was not written.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use store::{CommissionStore, Delivery, MessageKind, OutboxEntry, Outcome, StoreError, StoredAnswers};

use crate::compose::{address_of, compose_digest, compose_outcome, compose_receipt};
use crate::{Composed, Letters, Mailer, SendError};

/// How a drain behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// At most one digest of notices this often: the secretariat gets one mail per interval
    /// on a busy day instead of one per application.
    pub digest_interval: Duration,
    /// How long a claimed entry is the claiming drain's: longer than one send can take.
    pub lease: Duration,
    /// Tries before an entry that keeps failing is given up.
    pub max_attempts: u32,
    /// Where notices go: the secretariat's address.
    pub secretariat: String,
    /// Which kinds this drain sends.
    pub kinds: Vec<MessageKind>,
}

impl Settings {
    /// The defaults (a digest at most every 10 minutes, a 2-minute lease, 8 tries, every
    /// kind) with notices going to `secretariat`.
    pub fn new(secretariat: impl Into<String>) -> Self {
        Self { secretariat: secretariat.into(), ..Self::default() }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            digest_interval: Duration::from_secs(600),
            lease: Duration::from_secs(120),
            max_attempts: 8,
            secretariat: String::new(),
            kinds: MessageKind::ALL.to_vec(),
        }
    }
}

/// How long to wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, …
/// doubling, at most an hour. Eight tries span about an hour and a half of SES trouble.
pub fn backoff(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(10);
    Duration::from_secs(30u64.saturating_mul(1 << doublings)).min(Duration::from_secs(3600))
}

/// What one drain did with the entries of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Sent (a notice: included in a digest that was sent).
    pub sent: usize,
    /// Not sent this time, tried again later.
    pub retry_later: usize,
    /// Given up: refused for good, too many tries, or nothing to send to (no address,
    /// withdrawn, not in the final list).
    pub failed: usize,
}

/// What one drain did, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drained {
    pub receipts: Tally,
    pub notices: Tally,
    pub outcomes: Tally,
    /// Digests sent (each carries one or more notices).
    pub digests: usize,
}

impl Drained {
    pub fn of(&self, kind: MessageKind) -> &Tally {
        match kind {
            MessageKind::Receipt => &self.receipts,
            MessageKind::Notice => &self.notices,
            MessageKind::Outcome => &self.outcomes,
        }
    }

    fn of_mut(&mut self, kind: MessageKind) -> &mut Tally {
        match kind {
            MessageKind::Receipt => &mut self.receipts,
            MessageKind::Notice => &mut self.notices,
            MessageKind::Outcome => &mut self.outcomes,
        }
    }

    /// Messages sent in all: receipts, outcomes and digests.
    pub fn messages_sent(&self) -> usize {
        self.receipts.sent + self.outcomes.sent + self.digests
    }
}

/// Sends every due entry of `settings.kinds` once; see the module's documentation. A store
/// error stops the pass (what was settled stays settled; the rest waits for the next one).
pub async fn drain<S: CommissionStore>(
    store: &S,
    mailer: &impl Mailer,
    letters: &Letters,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Drained, StoreError> {
    let drain = Drain { store, mailer, letters, settings, now, drained: Drained::default() };
    drain.run().await
}

struct Drain<'a, S, M> {
    store: &'a S,
    mailer: &'a M,
    letters: &'a Letters,
    settings: &'a Settings,
    now: DateTime<Utc>,
    drained: Drained,
}

/// What to send for one claimed entry, or why nothing can be.
enum Plan {
    Send(Composed),
    Nothing(&'static str),
}

impl<S: CommissionStore, M: Mailer> Drain<'_, S, M> {
    async fn run(mut self) -> Result<Drained, StoreError> {
        let entries = self.store.outbox().await?;
        let (now, kinds) = (self.now, self.settings.kinds.clone());
        let wanted = |kind: MessageKind| kinds.contains(&kind);
        let due = |kind: MessageKind| -> Vec<OutboxEntry> {
            entries.iter().filter(|entry| entry.kind == kind && is_due(entry, now)).cloned().collect()
        };
        if wanted(MessageKind::Receipt) {
            for entry in due(MessageKind::Receipt) {
                self.one(&entry, None).await?;
            }
        }
        if wanted(MessageKind::Outcome) {
            let outcomes = due(MessageKind::Outcome);
            if !outcomes.is_empty() {
                // Only a frozen list is told: before it is frozen, outcomes wait.
                if let Some(list) = self.store.final_list().await?.filter(|list| list.frozen.is_some()) {
                    let placed: BTreeMap<&str, Outcome> =
                        list.placed.iter().map(|line| (line.code.as_str(), line.outcome)).collect();
                    for entry in outcomes {
                        let outcome = placed.get(entry.code.as_str()).copied();
                        self.one(&entry, Some(outcome)).await?;
                    }
                }
            }
        }
        if wanted(MessageKind::Notice) {
            let notices = due(MessageKind::Notice);
            let last_digest = entries
                .iter()
                .filter_map(|entry| match (&entry.kind, &entry.delivery) {
                    (MessageKind::Notice, Delivery::Sent { at, .. }) => Some(*at),
                    _ => None,
                })
                .max();
            let interval = TimeDelta::from_std(self.settings.digest_interval).unwrap_or(TimeDelta::MAX);
            let waiting = last_digest.is_some_and(|last| self.now < last + interval);
            if !notices.is_empty() && !waiting {
                self.digest(&notices).await?;
            }
        }
        Ok(self.drained)
    }

    fn lease_until(&self) -> DateTime<Utc> {
        self.now + TimeDelta::from_std(self.settings.lease).unwrap_or(TimeDelta::minutes(2))
    }

    /// Claims the entry; `None` when another drain has it or it is no longer due.
    async fn claim(&self, entry: &OutboxEntry) -> Result<Option<OutboxEntry>, StoreError> {
        let claimed = self.store.claim(entry.kind, &entry.code, self.now, self.lease_until()).await?;
        if claimed.is_some() && matches!(entry.delivery, Delivery::Sending { .. }) {
            // The last drain claimed it and never said how the try ended: SES may have sent
            // it. Sending again is the one duplicate window; the operator sees this line.
            tracing::warn!(kind = %entry.kind, code = %entry.code, "mail_resent_after_interrupted_try");
        }
        Ok(claimed)
    }

    /// A receipt or an outcome (`outcome`: the frozen list's line for it, `None` when the
    /// code is not in the list).
    async fn one(&mut self, entry: &OutboxEntry, outcome: Option<Option<Outcome>>) -> Result<(), StoreError> {
        let Some(claimed) = self.claim(entry).await? else {
            return Ok(());
        };
        let attempts = attempts_of(&claimed.delivery);
        let plan = match self.store.addressee(&entry.code).await? {
            None => Plan::Nothing("withdrawn"),
            Some(addressee) if address_of(&addressee).is_none() => Plan::Nothing("no address"),
            Some(addressee) => match outcome {
                None => compose_receipt(self.letters, &addressee).map_or(Plan::Nothing("no address"), Plan::Send),
                Some(None) => Plan::Nothing("not in the final list"),
                Some(Some(outcome)) => {
                    compose_outcome(self.letters, &addressee, outcome).map_or(Plan::Nothing("no address"), Plan::Send)
                }
            },
        };
        let delivery = match plan {
            Plan::Nothing(reason) => {
                self.drained.of_mut(entry.kind).failed += 1;
                Delivery::Failed { attempts, at: self.now, reason: reason.to_string() }
            }
            Plan::Send(message) => {
                let result = self.mailer.send(&message).await;
                self.outcome_of_send(entry.kind, &entry.code, attempts, result)
            }
        };
        self.store.settle(entry.kind, &entry.code, attempts, &delivery).await?;
        Ok(())
    }

    /// How a try ends, counted and logged.
    fn outcome_of_send(
        &mut self,
        kind: MessageKind,
        code: &str,
        attempts: u32,
        result: Result<String, SendError>,
    ) -> Delivery {
        match result {
            Ok(message_id) => {
                self.drained.of_mut(kind).sent += 1;
                Delivery::Sent { attempts, at: self.now, message_id }
            }
            Err(SendError::Transient(reason)) if attempts < self.settings.max_attempts => {
                self.drained.of_mut(kind).retry_later += 1;
                tracing::info!(kind = %kind, code, attempts, reason = %reason, "mail_send_retry_later");
                let wait = TimeDelta::from_std(backoff(attempts)).unwrap_or(TimeDelta::hours(1));
                Delivery::Pending { attempts, due: self.now + wait }
            }
            Err(err) => {
                self.drained.of_mut(kind).failed += 1;
                let reason = match &err {
                    SendError::Transient(reason) => format!("gave up after {attempts} tries: {reason}"),
                    SendError::Permanent(reason) => reason.clone(),
                };
                tracing::error!(kind = %kind, code, attempts, reason = %reason, "mail_send_failed");
                Delivery::Failed { attempts, at: self.now, reason }
            }
        }
    }

    /// Claims every due notice and sends them as one digest to the secretariat.
    async fn digest(&mut self, notices: &[OutboxEntry]) -> Result<(), StoreError> {
        let mut claimed: Vec<(OutboxEntry, u32)> = Vec::new();
        let mut rows: Vec<StoredAnswers> = Vec::new();
        for entry in notices {
            let Some(taken) = self.claim(entry).await? else { continue };
            let attempts = attempts_of(&taken.delivery);
            match self.store.addressee(&entry.code).await? {
                Some(addressee) => {
                    rows.push(addressee.answers);
                    claimed.push((taken, attempts));
                }
                None => {
                    self.drained.notices.failed += 1;
                    let failed = Delivery::Failed { attempts, at: self.now, reason: "withdrawn".into() };
                    self.store.settle(entry.kind, &entry.code, attempts, &failed).await?;
                }
            }
        }
        if claimed.is_empty() {
            return Ok(());
        }
        let message = compose_digest(self.letters, &self.settings.secretariat, &rows);
        let result = self.mailer.send(&message).await;
        if result.is_ok() {
            self.drained.digests += 1;
        }
        for (entry, attempts) in claimed {
            let delivery = self.outcome_of_send(MessageKind::Notice, &entry.code, attempts, result.clone());
            self.store.settle(MessageKind::Notice, &entry.code, attempts, &delivery).await?;
        }
        Ok(())
    }
}

/// Whether a drain at `now` may claim the entry: pending and due, or a lease that ran out.
fn is_due(entry: &OutboxEntry, now: DateTime<Utc>) -> bool {
    match &entry.delivery {
        Delivery::Pending { due, .. } => *due <= now,
        Delivery::Sending { lease_until, .. } => *lease_until <= now,
        Delivery::Sent { .. } | Delivery::Failed { .. } => false,
    }
}

fn attempts_of(delivery: &Delivery) -> u32 {
    match delivery {
        Delivery::Pending { attempts, .. }
        | Delivery::Sending { attempts, .. }
        | Delivery::Sent { attempts, .. }
        | Delivery::Failed { attempts, .. } => *attempts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        let waits: Vec<u64> = (1..=9).map(|attempts| backoff(attempts).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(1000).as_secs(), 3600);
    }
}
