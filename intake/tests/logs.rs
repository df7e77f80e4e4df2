//! What the function writes to its logs (CloudWatch, in production) never holds an
//! applicant's personal data or answers: only codes, submission ids and outcomes.

use intake::handle;
use store::StoreErrorKind;
use test_support::*;

/// Everything logged at any level until the guard is dropped.
fn capture_logs() -> (CapturedLogs, tracing::subscriber::DefaultGuard) {
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_writer(move || writer.clone()).with_max_level(tracing::Level::TRACE).finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn logs_name_codes_and_outcomes_never_personal_data() {
    let (captured, _guard) = capture_logs();

    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let valid = valid_fields();
    handle(&store, &intake, post_json(&valid)).await;
    handle(&store, &intake, post_json(&valid)).await;
    handle(&store, &intake, post_form(&with(valid.clone(), "website", Some("spam")))).await;
    handle(&store, &intake, post_json(&with(valid.clone(), "email", Some("broken-address")))).await;

    let logs = captured.text();
    assert!(logs.contains("application stored"), "{logs}");
    assert!(logs.contains("honeypot"), "{logs}");
    for (name, value) in valid.iter().filter(|(_, value)| value.len() > 3) {
        assert!(!logs.contains(value.as_str()), "the logs hold {name}: {logs}");
    }
    assert!(!logs.contains("broken-address"));
}

/// What DynamoDB says when the table is missing: an operator's problem, not the applicant's.
const MISSING_TABLE: &str = "PutItem: ResourceNotFoundException: Requested resource not found";

#[tokio::test]
async fn a_failing_store_is_one_line_an_operator_can_act_on_and_no_applicant_data() {
    let (captured, _guard) = capture_logs();

    let intake = intake_at(DURING_INTAKE);
    let valid = valid_fields();
    handle(&FailingStore(StoreErrorKind::Unavailable, MISSING_TABLE), &intake, post_json(&valid)).await;
    let retryable = captured.take();
    handle(&FailingStore(StoreErrorKind::Misconfigured, MISSING_TABLE), &intake, post_form(&valid)).await;
    let misconfigured = captured.text();

    assert_eq!(retryable.lines().count(), 1, "{retryable}");
    assert!(retryable.contains("WARN") && retryable.contains("store unavailable"), "{retryable}");
    assert_eq!(misconfigured.lines().count(), 1, "{misconfigured}");
    assert!(
        misconfigured.contains("ERROR")
            && misconfigured.contains("store misconfigured")
            && misconfigured.contains("ResourceNotFoundException"),
        "{misconfigured}"
    );
    for (name, value) in valid.iter().filter(|(_, value)| value.len() > 3) {
        assert!(!retryable.contains(value.as_str()) && !misconfigured.contains(value.as_str()), "the logs hold {name}");
    }
}
