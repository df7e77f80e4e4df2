//! The notifier Lambda: drains the outbox on EventBridge's schedule (receipts, the
//! secretariat's digest, outcomes of a frozen final list) and logs SES's bounces and
//! complaints that arrive through SNS. It reads its content at build time and builds the
//! DynamoDB and SES clients once.
//!
//! Environment: `APPLICATIONS_TABLE`, `APPLICANTS_TABLE`, optional `DYNAMODB_ENDPOINT`;
//! `MAIL_FROM` (the verified sender address); `SECRETARIAT_ADDRESS` (where digests go and
//! the Reply-To of every message; `content/config.toml`'s contact e-mail if unset); optional
//! `DIGEST_INTERVAL_SECONDS` (600), `SES_CONFIGURATION_SET`, `AWS_ENDPOINT_URL_SES` (moto in
//! the rehearsal); the log level in `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, `INFO` by default.
//! Only this file reads the environment.

// The drain's future (the DynamoDB store's futures inside the SDK's) nests deeper than the
// compiler's default limit when laid out inside `main`.
#![recursion_limit = "256"]

use std::time::Duration;

use intake::json_logs;
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use lambda_http::tracing::subscriber::filter::LevelFilter;
use lambda_http::Error;
use mail::{drain, read_event, ses_client, Event, Letters, SesMailer, Settings};
use serde_json::Value;
use store::{dynamodb_client, DynamoStore, Tables};

include!(concat!(env!("OUT_DIR"), "/content.rs"));

/// What every invocation shares.
struct Notifier {
    store: DynamoStore,
    mailer: SesMailer,
    letters: Letters,
    settings: Settings,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| level.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    lambda_http::tracing::subscriber::util::SubscriberInitExt::init(json_logs(std::io::stdout, level));
    let letters = Letters::from_texts(&embedded_texts())
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))?;
    let from = std::env::var("MAIL_FROM").map_err(|_| "MAIL_FROM is not set: the verified sender address")?;
    let secretariat = std::env::var("SECRETARIAT_ADDRESS")
        .ok()
        .filter(|address| !address.trim().is_empty())
        .unwrap_or_else(|| letters.contact_email().to_string());
    let mut settings = Settings::new(secretariat.clone());
    if let Ok(seconds) = std::env::var("DIGEST_INTERVAL_SECONDS") {
        let seconds: u64 = seconds
            .trim()
            .parse()
            .map_err(|_| format!("DIGEST_INTERVAL_SECONDS is not a number of seconds: {seconds:?}"))?;
        settings.digest_interval = Duration::from_secs(seconds);
    }
    let configuration_set = std::env::var("SES_CONFIGURATION_SET").ok().filter(|name| !name.is_empty());
    let notifier = Notifier {
        store: DynamoStore::new(dynamodb_client().await, Tables::from_env()?),
        mailer: SesMailer::new(ses_client().await, from, secretariat, configuration_set),
        letters,
        settings,
    };
    let notifier = &notifier;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Value>| async move { handle(notifier, &event.payload).await },
    ))
    .await
}

/// One invocation. A drain that meets a store error fails the invocation (the next one, a
/// minute later, carries on); SES's notifications and unknown events never fail it.
async fn handle(notifier: &Notifier, event: &Value) -> Result<Value, Error> {
    match read_event(event) {
        Event::Scheduled => {
            let drained =
                drain(&notifier.store, &notifier.mailer, &notifier.letters, &notifier.settings, chrono::Utc::now())
                    .await
                    .map_err(|err| {
                        tracing::error!(error = %err, "mail_drain_failed");
                        err
                    })?;
            tracing::info!(
                receipts_sent = drained.receipts.sent,
                outcomes_sent = drained.outcomes.sent,
                notices_sent = drained.notices.sent,
                digests = drained.digests,
                retry_later = drained.receipts.retry_later + drained.notices.retry_later + drained.outcomes.retry_later,
                failed = drained.receipts.failed + drained.notices.failed + drained.outcomes.failed,
                "mail_drained"
            );
            Ok(serde_json::json!({"sent": drained.messages_sent()}))
        }
        Event::Ses(reports) => {
            for report in &reports {
                report.log();
            }
            Ok(serde_json::json!({"reports": reports.len()}))
        }
        Event::Other(what) => {
            tracing::warn!(event = %what, "notifier_event_ignored");
            Ok(serde_json::json!({"ignored": true}))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the binary carries is what it loads at every cold start.
    #[test]
    fn the_content_carried_in_the_binary_loads() {
        if let Err(errors) = Letters::from_texts(&embedded_texts()) {
            panic!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
        }
    }
}
