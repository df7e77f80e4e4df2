//! Whatever a client sends, the answer is never a 5xx and no line is logged at ERROR: those
//! are for an operator (a missing table, denied access), and a flood of them from one script
//! would page her at night for nothing. Played on both stores, for DynamoDB refuses items
//! that SQLite takes (an empty or a 64 KB map key, an item over 400 KB).

use http::{Request, StatusCode};
use intake::handle;
use store::Store;
use test_support::*;

fn honeypot(fields: Vec<(String, String)>) -> Vec<(String, String)> {
    with(fields, "website", Some("http://spam.example"))
}

/// Every field of the form filled to its length limit with four-byte characters: the largest
/// application the rules let through, and the largest item a store is asked to write.
fn at_every_limit() -> Vec<(String, String)> {
    let intake = intake_at(DURING_INTAKE);
    let mut fields = valid_fields();
    for field in intake.form().fields() {
        let Some(name) = field.name.as_deref() else { continue };
        if matches!(field.kind, content_model::FieldKind::Text | content_model::FieldKind::LongText) {
            let words = field.max_words.unwrap_or(usize::MAX);
            let value = if words < usize::MAX {
                vec!["😀😀😀😀😀😀"; words].join(" ")
            } else {
                "😀".repeat(field.max_length())
            };
            let value: String = value.chars().take(field.max_length()).collect();
            fields = with(fields, name, Some(&value));
        }
    }
    fields
}

/// Requests as a script or a broken client may send them, each with a name.
fn hostile_requests() -> Vec<(String, Request<Vec<u8>>)> {
    let long_name = "n".repeat(70 * 1024);
    let value_250_kb = "x".repeat(250 * 1024);
    let shapes: Vec<(&str, Vec<(String, String)>)> = vec![
        ("an empty field name", with(valid_fields(), "", Some("x"))),
        ("a 70 KB field name", with(valid_fields(), &long_name, Some("x"))),
        ("a 64 KB field name", with(valid_fields(), &"k".repeat(64 * 1024), Some("x"))),
        ("a 250 KB value", with(valid_fields(), "essay", Some(&value_250_kb))),
        ("a 250 KB honeypot", with(valid_fields(), "website", Some(&value_250_kb))),
        ("a name with a NUL", with(valid_fields(), "a\u{0}b", Some("x"))),
        ("a name with an override", with(valid_fields(), "\u{202E}eman_lluf", Some("x"))),
        ("a value with an override", with(valid_fields(), "full_name", Some("\u{202E}x"))),
        ("every field at its limit", at_every_limit()),
        ("a 64-letter submission id", with(valid_fields(), "submission_id", Some(&"a".repeat(64)))),
        ("a 65-letter submission id", with(valid_fields(), "submission_id", Some(&"a".repeat(65)))),
        ("a huge language", with(valid_fields(), "lang", Some(&"ky".repeat(10_000)))),
        ("nothing at all", Vec::new()),
    ];
    let mut requests = Vec::new();
    for (name, fields) in shapes {
        for (how, post) in [("JSON", post_json as fn(&[(String, String)]) -> Request<Vec<u8>>), ("form", post_form)] {
            requests.push((format!("{name} ({how})"), post(&fields)));
            requests.push((format!("{name} ({how}, honeypot)"), post(&honeypot(fields.clone()))));
        }
    }
    let raw: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "deeply nested JSON",
            "application/json",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        ),
        ("a JSON object in a value", "application/json", br#"{"full_name": {"a": "b"}}"#.to_vec()),
        ("a JSON number", "application/json", br#"{"phone": 1e999}"#.to_vec()),
        ("repeated names", "application/json", br#"{"full_name": "a", "full_name": "b"}"#.to_vec()),
        ("a lone surrogate", "application/json", br#"{"full_name": "\ud800"}"#.to_vec()),
        ("a form of separators", "application/x-www-form-urlencoded", b"&&&===&=&%&%%%%".to_vec()),
        ("multipart", "multipart/form-data; boundary=x", b"--x--".to_vec()),
        ("over the limit", "application/json", vec![b' '; intake::MAX_BODY + 1]),
    ];
    for (name, content_type, body) in raw {
        requests.push((name.to_string(), post(content_type, body)));
    }
    requests.push((
        "a cross-site post".into(),
        Request::post("/api/applications")
            .header("content-type", "application/json")
            .header("origin", "https://evil.example")
            .body(json_body(&valid_fields()))
            .unwrap(),
    ));
    for uri in [
        "/api/applications/thanks?code=%FF%FE",
        "/api/applications/thanks?code=123-456-7890&lang=xx",
        "/api//applications/..//",
        "/api/applications?lang=%00",
    ] {
        requests.push((format!("GET {uri}"), Request::get(uri).body(Vec::new()).unwrap()));
    }
    requests.push(("DELETE".into(), Request::delete("/api/applications").body(Vec::new()).unwrap()));
    requests
}

async fn probe(store: &impl Store) {
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_writer(move || writer.clone()).with_max_level(tracing::Level::WARN).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let intake = intake_at(DURING_INTAKE);
    let mut answered = Vec::new();
    for (name, request) in hostile_requests() {
        let response = handle(store, &intake, request).await;
        assert!(!response.status().is_server_error(), "{name}: {} {}", response.status(), body_text(&response));
        answered.push((name, response.status()));
    }
    // A changed retry, for the form and for a honeypot catch.
    for fields in [valid_fields(), honeypot(valid_fields())] {
        let fields = with(fields, "submission_id", Some("changed-retry-0001"));
        let first = handle(store, &intake, post_json(&fields)).await;
        assert_eq!(first.status(), StatusCode::CREATED, "{}", body_text(&first));
        let again = handle(store, &intake, post_json(&with(fields, "essay", Some("Башка эссе.")))).await;
        assert_eq!(again.status(), StatusCode::CONFLICT, "a changed retry: {}", body_text(&again));
        assert_eq!(body_json(&again)["code"], body_json(&first)["code"], "the first version's code");
    }
    let logs = captured.text();
    assert!(!logs.contains("ERROR"), "a client made an operator's log line:\n{logs}");
    let largest = answered.iter().find(|(name, _)| name == "every field at its limit (JSON)").unwrap();
    assert_eq!(largest.1, StatusCode::CREATED, "the largest valid application is stored");
}

#[tokio::test]
async fn no_client_input_gets_a_5xx_or_an_error_line_on_the_sqlite_store() {
    let (_dir, store) = temp_store();
    probe(&store).await;
}

#[tokio::test]
async fn no_client_input_gets_a_5xx_or_an_error_line_on_dynamodb() {
    probe(&dynamo_store().await).await;
}
