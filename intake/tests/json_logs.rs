//! The Lambda's log lines are JSON objects, each with the request id of its invocation (the
//! span the Lambda runtime opens, `requestId`), and still without an applicant's data.

use intake::{handle, json_logs};
use lambda_http::lambda_runtime::layers::trace::request_span;
use lambda_http::tracing::subscriber::filter::LevelFilter;
use lambda_http::Context;
use test_support::*;
use tracing::Instrument as _;

#[tokio::test]
async fn every_log_line_is_json_with_the_request_id_and_no_applicant_data() {
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    let _guard = tracing::subscriber::set_default(json_logs(move || writer.clone(), LevelFilter::INFO));

    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let valid = valid_fields();
    for (request_id, request) in [
        ("8f5c1a52-0000-4000-8000-000000000001", post_json(&valid)),
        ("8f5c1a52-0000-4000-8000-000000000002", post_form(&with(valid.clone(), "website", Some("spam")))),
    ] {
        // The span the runtime's own tracing layer opens around each invocation.
        let mut context = Context::default();
        context.request_id = request_id.to_string();
        handle(&store, &intake, request).instrument(request_span(&context)).await;
    }

    let logs = captured.text();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}")))
        .collect();
    assert_eq!(lines.len(), 3, "{logs}");
    let stored = &lines[0];
    assert_eq!(stored["level"], "INFO");
    assert_eq!(stored["message"], "application stored");
    assert!(stored["code"].is_string() && stored["timestamp"].is_string(), "{stored}");
    assert_eq!(stored["span"]["requestId"], "8f5c1a52-0000-4000-8000-000000000001");
    let honeypot = lines.iter().find(|line| line["level"] == "WARN").unwrap();
    assert_eq!(honeypot["span"]["requestId"], "8f5c1a52-0000-4000-8000-000000000002");
    assert!(lines.iter().all(|line| line["span"]["requestId"].is_string()), "{logs}");
    for (name, value) in valid.iter().filter(|(_, value)| value.len() > 3) {
        assert!(!logs.contains(value.as_str()), "the logs hold {name}: {logs}");
    }
}
