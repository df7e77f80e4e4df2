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
//! Only this file (and `intake::init_lambda_logs`, for the log level) reads the environment.

// The drain's future (the DynamoDB store's futures inside the SDK's) nests deeper than the
// compiler's default limit when laid out inside `main`.
#![recursion_limit = "256"]

use std::time::Duration;

use intake::init_lambda_logs;
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
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
    init_lambda_logs();
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
        Event::Scheduled => drain_once(notifier).await,
        other => Ok(report(&other)),
    }
}

async fn drain_once(notifier: &Notifier) -> Result<Value, Error> {
    let drained = drain(&notifier.store, &notifier.mailer, &notifier.letters, &notifier.settings, chrono::Utc::now())
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
        left_for_next_run = drained.left_for_next_run,
        "mail_drained"
    );
    Ok(serde_json::json!({"sent": drained.messages_sent()}))
}

/// Logs what is not a drain: one line per SES notification, one for anything else.
fn report(event: &Event) -> Value {
    match event {
        Event::Ses(reports) => {
            for report in reports {
                report.log();
            }
            serde_json::json!({"reports": reports.len()})
        }
        Event::Other(what) => {
            tracing::warn!(event = %what, "notifier_event_ignored");
            serde_json::json!({"ignored": true})
        }
        Event::Scheduled => serde_json::json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake::json_logs;
    use lambda_http::tracing::subscriber::filter::LevelFilter;
    use std::sync::{Arc, Mutex};

    /// The JSON log lines `run` writes, as the Lambda writes them.
    fn json_lines(run: impl FnOnce()) -> Vec<Value> {
        #[derive(Clone)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer(Arc::new(Mutex::new(Vec::new())));
        let writer = buffer.clone();
        tracing::subscriber::with_default(json_logs(move || writer.clone(), LevelFilter::INFO), run);
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    fn sns(message: Value) -> Value {
        serde_json::json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": message.to_string()}}]})
    }

    #[test]
    fn a_bounce_and_a_complaint_are_one_warning_each_without_the_address() {
        let bounce = sns(serde_json::json!({
            "eventType": "Bounce",
            "bounce": {"bounceType": "Permanent", "bounceSubType": "NoEmail",
                       "bouncedRecipients": [{"emailAddress": "asel@example.kg", "diagnosticCode": "smtp; 550 asel@example.kg unknown"}]},
            "mail": {"destination": ["asel@example.kg"], "tags": {"kind": ["receipt"], "code": ["482-913-5074"]}}
        }));
        let complaint = sns(serde_json::json!({
            "eventType": "Complaint",
            "complaint": {"complaintFeedbackType": "abuse", "complainedRecipients": [{"emailAddress": "nur@example.kg"}]},
            "mail": {"destination": ["nur@example.kg"], "tags": {"kind": ["outcome"], "code": ["111-222-3333"]}}
        }));
        let lines = json_lines(|| {
            assert_eq!(report(&read_event(&bounce)), serde_json::json!({"reports": 1}));
            assert_eq!(report(&read_event(&complaint)), serde_json::json!({"reports": 1}));
        });
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0]["level"], "WARN");
        assert_eq!(lines[0]["message"], "mail_bounce");
        assert_eq!(lines[0]["kind"], "receipt");
        assert_eq!(lines[0]["code"], "482-913-5074");
        assert_eq!(lines[0]["bounce_type"], "Permanent");
        assert_eq!(lines[0]["bounce_sub_type"], "NoEmail");
        assert_eq!(lines[1]["message"], "mail_complaint");
        assert_eq!(lines[1]["kind"], "outcome");
        assert_eq!(lines[1]["complaint_type"], "abuse");
        for line in &lines {
            assert!(!line.to_string().contains("example.kg"), "an address in the log: {line}");
        }
    }

    #[test]
    fn an_unknown_event_is_logged_by_its_shape_and_ignored() {
        let lines = json_lines(|| {
            let ignored = report(&read_event(&serde_json::json!({"email": "asel@example.kg"})));
            assert_eq!(ignored, serde_json::json!({"ignored": true}));
        });
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["message"], "notifier_event_ignored");
        assert!(!lines[0].to_string().contains("asel"), "{}", lines[0]);
    }

    #[test]
    fn the_schedule_is_a_drain() {
        let event =
            serde_json::json!({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
        assert_eq!(read_event(&event), Event::Scheduled);
    }

    /// What the binary carries is what it loads at every cold start.
    #[test]
    fn the_content_carried_in_the_binary_loads() {
        if let Err(errors) = Letters::from_texts(&embedded_texts()) {
            panic!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
        }
    }
}
