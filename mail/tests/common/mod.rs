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
