//! Draining the outbox: every due entry of the kinds asked for is claimed, composed, sent and
//! settled, once. One call is one pass: the scheduled notifier calls it every minute, the
//! preview after each save, `selection notify` once for outcomes.
//!
//! An entry is claimed (one conditional write) before it is sent and settled after, so two
//! drains never send the same entry, and a drain that stopped between claiming and settling
//! leaves a lease that runs out: the next drain sends it again and logs
//! `mail_resent_after_interrupted_try`. That is the one way a message can go twice (SES
//! takes no idempotency key): SES accepted it, and the record of it was not written.
//!
//! A pass chooses what is due by the `now` it is given, but each claim's lease runs from the
//! moment of that claim: a long pass (hundreds of outcomes, a slow SES) never hands out a
//! lease that has already run out, which a drain running meanwhile would take for an
//! interrupted try. And a pass stops claiming once it has run for [`Settings::budget`], so
//! that a backlog is sent over several runs instead of killing every run mid-send.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use store::{CommissionStore, Delivery, MessageKind, OutboxEntry, Outcome, StoreError, StoredAnswers};

use crate::compose::{address_of, compose_digest, compose_outcome, compose_receipt};
use crate::{Composed, Letters, Mailer, SendError};

/// Where a pass reads the time as it goes: the wall clock, or a test's own.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    /// The wall clock.
    pub fn system() -> Self {
        Self(Arc::new(Utc::now))
    }

    /// A clock that reads `read`.
    pub fn new(read: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self(Arc::new(read))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// How a drain behaves.
#[derive(Debug, Clone)]
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
    /// How long a pass may go on claiming entries; what is still due then waits for the next
    /// run. Well under the notifier's 50 s: the last message claimed may still take SES's
    /// 30 s of tries. And well under the lease, which must outlast one send.
    pub budget: Duration,
    /// Where a pass reads how long it has been running, for its leases and its budget.
    pub clock: Clock,
}

impl Settings {
    /// The defaults (a digest at most every 10 minutes, a 2-minute lease, 8 tries, every
    /// kind, 15 s of claiming per pass, the wall clock) with notices going to `secretariat`.
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
            budget: Duration::from_secs(15),
            clock: Clock::system(),
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
    /// Entries due but not claimed: the pass had run for its budget. The next run sends them.
    pub left_for_next_run: usize,
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
    let started = settings.clock.now();
    let drain = Drain { store, mailer, letters, settings, now, started, drained: Drained::default() };
    drain.run().await
}

/// How long to wait before each new try of a settle that failed. A settle that fails after
/// SES accepted the message leaves it to be sent again once its lease runs out; a few
/// seconds of patience with the store are cheaper than a duplicate.
const SETTLE_WAITS: [Duration; 3] = [Duration::from_millis(100), Duration::from_millis(500), Duration::from_secs(2)];

struct Drain<'a, S, M> {
    store: &'a S,
    mailer: &'a M,
    letters: &'a Letters,
    settings: &'a Settings,
    /// What is due is due by this time.
    now: DateTime<Utc>,
    /// The clock's reading when the pass began.
    started: DateTime<Utc>,
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
        // Oldest owed first: on a busy day no one's receipt waits behind later ones.
        let due = |kind: MessageKind| -> Vec<OutboxEntry> {
            let mut due: Vec<OutboxEntry> =
                entries.iter().filter(|entry| entry.kind == kind && is_due(entry, now)).cloned().collect();
            due.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.code.cmp(&b.code)));
            due
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
        if self.drained.left_for_next_run > 0 {
            tracing::info!(left = self.drained.left_for_next_run, "mail_left_for_next_run");
        }
        Ok(self.drained)
    }

    /// How long the pass has been running, by its clock (never less than nothing, should
    /// the wall clock be set back meanwhile).
    fn elapsed(&self) -> TimeDelta {
        (self.settings.clock.now() - self.started).max(TimeDelta::zero())
    }

    /// Until when a claim made now is this pass's: from the moment of the claim, not the
    /// pass's start, so that a claim late in a long pass is not already out of its lease.
    fn lease_until(&self) -> DateTime<Utc> {
        let lease = TimeDelta::from_std(self.settings.lease).unwrap_or(TimeDelta::minutes(2));
        self.now + self.elapsed() + lease
    }

    /// Claims the entry; `None` when another drain has it, it is no longer due, or this pass
    /// has run for its budget (then it is counted as left for the next run).
    async fn claim(&mut self, entry: &OutboxEntry) -> Result<Option<OutboxEntry>, StoreError> {
        if self.elapsed() >= TimeDelta::from_std(self.settings.budget).unwrap_or(TimeDelta::MAX) {
            self.drained.left_for_next_run += 1;
            return Ok(None);
        }
        let claimed = self.store.claim(entry.kind, &entry.code, self.now, self.lease_until()).await?;
        if claimed.is_some() && matches!(entry.delivery, Delivery::Sending { .. }) {
            // The last drain claimed it and never said how the try ended: SES may have sent
            // it. Sending again is the one duplicate window; the operator sees this line.
            tracing::warn!(kind = %entry.kind, code = %entry.code, "mail_resent_after_interrupted_try");
        }
        Ok(claimed)
    }

    /// Records how a claimed try ended, trying the store again a few times before giving
    /// up. A message SES accepted and the store did not record is the duplicate window: the
    /// operator sees `mail_sent_not_recorded` before it is sent again.
    async fn settle(
        &self,
        kind: MessageKind,
        code: &str,
        claimed_attempts: u32,
        delivery: &Delivery,
    ) -> Result<(), StoreError> {
        let mut waits = SETTLE_WAITS.iter();
        loop {
            let err = match self.store.settle(kind, code, claimed_attempts, delivery).await {
                Ok(_) => return Ok(()),
                Err(err) => err,
            };
            match waits.next() {
                Some(wait) => {
                    tracing::warn!(kind = %kind, code, error = %err, "mail_settle_retry");
                    tokio::time::sleep(*wait).await;
                }
                None => {
                    if let Delivery::Sent { message_id, .. } = delivery {
                        tracing::error!(
                            kind = %kind,
                            code,
                            message_id = %message_id,
                            error = %err,
                            what = "SES accepted it, the store did not record it: it goes again once its lease runs out",
                            "mail_sent_not_recorded"
                        );
                    }
                    return Err(err);
                }
            }
        }
    }

    /// Gives claimed entries back, due at once with the tries they had, when something other
    /// than the send stopped the pass: nothing was sent, so nothing may look interrupted.
    async fn release(&self, claimed: &[(MessageKind, &str, u32)]) {
        for &(kind, code, attempts) in claimed {
            let pending = Delivery::Pending { attempts: attempts.saturating_sub(1), due: self.now };
            if let Err(err) = self.settle(kind, code, attempts, &pending).await {
                tracing::warn!(kind = %kind, code, error = %err, "mail_release_failed");
            }
        }
    }

    /// A receipt or an outcome (`outcome`: the frozen list's line for it, `None` when the
    /// code is not in the list).
    async fn one(&mut self, entry: &OutboxEntry, outcome: Option<Option<Outcome>>) -> Result<(), StoreError> {
        let Some(claimed) = self.claim(entry).await? else {
            return Ok(());
        };
        let attempts = attempts_of(&claimed.delivery);
        let addressee = match self.store.addressee(&entry.code).await {
            Ok(addressee) => addressee,
            Err(err) => {
                self.release(&[(entry.kind, &entry.code, attempts)]).await;
                return Err(err);
            }
        };
        let plan = match addressee {
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
        self.settle(entry.kind, &entry.code, attempts, &delivery).await
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
        let mut claimed: Vec<(&str, u32)> = Vec::new();
        let mut rows: Vec<StoredAnswers> = Vec::new();
        for entry in notices {
            let Some(taken) = self.claim(entry).await? else { continue };
            let attempts = attempts_of(&taken.delivery);
            let found = match self.store.addressee(&entry.code).await {
                Ok(found) => found,
                Err(err) => {
                    claimed.push((&entry.code, attempts));
                    self.release(&notices_of(&claimed)).await;
                    return Err(err);
                }
            };
            match found {
                Some(addressee) => {
                    rows.push(addressee.answers);
                    claimed.push((&entry.code, attempts));
                }
                None => {
                    self.drained.notices.failed += 1;
                    let failed = Delivery::Failed { attempts, at: self.now, reason: "withdrawn".into() };
                    if let Err(err) = self.settle(entry.kind, &entry.code, attempts, &failed).await {
                        self.release(&notices_of(&claimed)).await;
                        return Err(err);
                    }
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
        // Every notice of the digest is settled, even after one fails: the others went.
        let mut first_error = None;
        for (code, attempts) in claimed {
            let delivery = self.outcome_of_send(MessageKind::Notice, code, attempts, result.clone());
            if let Err(err) = self.settle(MessageKind::Notice, code, attempts, &delivery).await {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Claimed notices as [`Drain::release`] takes them.
fn notices_of<'a>(claimed: &[(&'a str, u32)]) -> Vec<(MessageKind, &'a str, u32)> {
    claimed.iter().map(|&(code, attempts)| (MessageKind::Notice, code, attempts)).collect()
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
