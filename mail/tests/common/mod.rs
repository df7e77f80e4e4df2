//! What the mail crate's tests share: the frozen content's letters, applications as the
//! intake stores them, and a mailer that keeps what it is given and fails when told to.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};
use mail::{Composed, Letters, Mailer, SendError};
use store::{Application, Category, Channel};

/// The letters of the frozen content (`tests/fixtures/site/content`).
pub(crate) fn letters() -> Letters {
    Letters::load(&test_support::frozen_content())
        .unwrap_or_else(|errors| panic!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))
}

/// 1 December 2020, 06:00 UTC (12:00 in Bishkek), plus `seconds`.
pub(crate) fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, 1, 6, 0, 0).unwrap() + chrono::TimeDelta::seconds(seconds)
}

/// A complete application as the intake stores it: the test-support's valid answers, split
/// into answers and personal data by the frozen form, in `lang`, from `email` (blank: none).
pub(crate) fn application(submission_id: &str, lang: &str, email: &str) -> Application {
    let form = content_model::Form::parse(
        &test_support::frozen_content().join("form.toml"),
        &std::fs::read_to_string(test_support::frozen_content().join("form.toml")).unwrap(),
        &["ky".into(), "ru".into()],
    )
    .unwrap();
    let personal_names: Vec<String> =
        form.fields().filter(|field| field.personal).filter_map(|field| field.name.clone()).collect();
    let mut answers = BTreeMap::new();
    let mut personal = BTreeMap::new();
    for (name, value) in test_support::valid_fields() {
        if personal_names.contains(&name) {
            personal.insert(name, value);
        } else {
            answers.insert(name, value);
        }
    }
    personal.insert("email".into(), email.into());
    Application {
        submission_id: submission_id.into(),
        lang: lang.into(),
        received_at: at(0),
        category: Category::AgedTwentyEightAndOver,
        answers,
        personal,
        channel: Channel::Online,
        entered_by: None,
    }
}

/// Keeps every message it sends; fails the sends it is told to, in order.
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) sent: Mutex<Vec<Composed>>,
    pub(crate) failures: Mutex<VecDeque<SendError>>,
}

impl Recorder {
    pub(crate) fn failing(failures: impl IntoIterator<Item = SendError>) -> Self {
        Self { failures: Mutex::new(failures.into_iter().collect()), ..Self::default() }
    }

    pub(crate) fn sent(&self) -> Vec<Composed> {
        self.sent.lock().unwrap().clone()
    }

    pub(crate) fn take(&self) -> Vec<Composed> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}

impl Mailer for Recorder {
    async fn send(&self, message: &Composed) -> Result<String, SendError> {
        if let Some(failure) = self.failures.lock().unwrap().pop_front() {
            return Err(failure);
        }
        let mut sent = self.sent.lock().unwrap();
        sent.push(message.clone());
        Ok(format!("message-{}", sent.len()))
    }
}

/// The log lines written on this thread while the guard lives (tracing's plain format).
pub(crate) struct Logs {
    buffer: std::sync::Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

struct LogWriter(std::sync::Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    pub(crate) fn capture() -> Self {
        let buffer = std::sync::Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || LogWriter(writer.clone()))
            .finish();
        Self { buffer, _guard: tracing::subscriber::set_default(subscriber) }
    }

    pub(crate) fn lines(&self) -> Vec<String> {
        String::from_utf8(self.buffer.lock().unwrap().clone()).unwrap().lines().map(str::to_string).collect()
    }

    /// The lines that say `message`.
    pub(crate) fn saying(&self, message: &str) -> Vec<String> {
        self.lines().into_iter().filter(|line| line.contains(message)).collect()
    }
}

/// A clock a test moves by hand, for [`mail::Settings::clock`].
#[derive(Clone)]
pub(crate) struct HandClock(std::sync::Arc<Mutex<DateTime<Utc>>>);

impl HandClock {
    pub(crate) fn at(time: DateTime<Utc>) -> Self {
        Self(std::sync::Arc::new(Mutex::new(time)))
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }

    pub(crate) fn advance(&self, by: chrono::TimeDelta) {
        *self.0.lock().unwrap() += by;
    }

    pub(crate) fn clock(&self) -> mail::Clock {
        let hand = self.clone();
        mail::Clock::new(move || hand.now())
    }
}

/// The embedded store, with the settles and addressee reads a test tells to fail (in call
/// order: `true` fails that call; calls past the list go through).
pub(crate) struct Flaky {
    pub(crate) store: store::SqliteStore,
    pub(crate) settles: Mutex<VecDeque<bool>>,
    pub(crate) addressees: Mutex<VecDeque<bool>>,
}

impl Flaky {
    pub(crate) fn new(store: store::SqliteStore) -> Self {
        Self { store, settles: Mutex::default(), addressees: Mutex::default() }
    }

    pub(crate) fn failing_settles(self, calls: impl IntoIterator<Item = bool>) -> Self {
        *self.settles.lock().unwrap() = calls.into_iter().collect();
        self
    }

    pub(crate) fn failing_addressees(self, calls: impl IntoIterator<Item = bool>) -> Self {
        *self.addressees.lock().unwrap() = calls.into_iter().collect();
        self
    }
}

fn fails(calls: &Mutex<VecDeque<bool>>, operation: &str) -> Result<(), store::StoreError> {
    match calls.lock().unwrap().pop_front() {
        Some(true) => Err(store::StoreError::unavailable(format!("{operation}: the test's outage"))),
        _ => Ok(()),
    }
}

impl store::Store for Flaky {
    async fn save(&self, application: &Application) -> Result<store::Saved, store::StoreError> {
        self.store.save(application).await
    }

    async fn save_suspect(&self, suspect: &store::Suspect) -> Result<store::Saved, store::StoreError> {
        self.store.save_suspect(suspect).await
    }
}

impl store::Outbox for Flaky {
    async fn outbox(&self) -> Result<Vec<store::OutboxEntry>, store::StoreError> {
        self.store.outbox().await
    }

    async fn enqueue(
        &self,
        kind: store::MessageKind,
        code: &str,
        lang: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, store::StoreError> {
        self.store.enqueue(kind, code, lang, now).await
    }

    async fn claim(
        &self,
        kind: store::MessageKind,
        code: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<store::OutboxEntry>, store::StoreError> {
        self.store.claim(kind, code, now, lease_until).await
    }

    async fn settle(
        &self,
        kind: store::MessageKind,
        code: &str,
        claimed_attempts: u32,
        delivery: &store::Delivery,
    ) -> Result<bool, store::StoreError> {
        fails(&self.settles, "settle")?;
        self.store.settle(kind, code, claimed_attempts, delivery).await
    }

    async fn addressee(&self, code: &str) -> Result<Option<store::Addressee>, store::StoreError> {
        fails(&self.addressees, "addressee")?;
        self.store.addressee(code).await
    }
}

impl store::CommissionStore for Flaky {
    async fn record_final(&self, list: &store::FinalList) -> Result<(), store::RecordError> {
        self.store.record_final(list).await
    }

    async fn freeze_final(
        &self,
        recorded_at: DateTime<Utc>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<store::FinalList, store::RecordError> {
        self.store.freeze_final(recorded_at, by, at).await
    }

    async fn final_list(&self) -> Result<Option<store::FinalList>, store::StoreError> {
        self.store.final_list().await
    }

    async fn answers(&self) -> Result<Vec<store::StoredAnswers>, store::StoreError> {
        self.store.answers().await
    }

    async fn personal(&self, code: &str) -> Result<Option<BTreeMap<String, String>>, store::StoreError> {
        self.store.personal(code).await
    }

    async fn save_scores(
        &self,
        member: &str,
        sheet: &[store::Scores],
        overwrite: bool,
    ) -> Result<(), store::ScoresError> {
        self.store.save_scores(member, sheet, overwrite).await
    }

    async fn scores(&self) -> Result<Vec<store::Scores>, store::StoreError> {
        self.store.scores().await
    }

    async fn suspects(&self) -> Result<Vec<(String, store::Fields)>, store::StoreError> {
        self.store.suspects().await
    }

    async fn decide(&self, decision: &store::Decision) -> Result<(), store::RecordError> {
        self.store.decide(decision).await
    }

    async fn decisions(&self) -> Result<Vec<store::Decision>, store::StoreError> {
        self.store.decisions().await
    }

    async fn withdraw(&self, code: &str, at: DateTime<Utc>, by: &str) -> Result<store::Tombstone, store::RecordError> {
        self.store.withdraw(code, at, by).await
    }

    async fn withdrawn(&self) -> Result<Vec<store::Tombstone>, store::StoreError> {
        self.store.withdrawn().await
    }

    async fn erase_personal(&self, before: DateTime<Utc>) -> Result<store::Erased, store::StoreError> {
        self.store.erase_personal(before).await
    }

    async fn recuse(&self, recusal: &store::Recusal) -> Result<(), store::RecordError> {
        self.store.recuse(recusal).await
    }

    async fn recusals(&self) -> Result<Vec<store::Recusal>, store::StoreError> {
        self.store.recusals().await
    }
}
