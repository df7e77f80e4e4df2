//! A post with the hidden field (`website`) filled in: checked by every rule of the form and
//! answered as the same post without it would be, so that a bot learns nothing from it; only
//! a post that passes is kept, apart, and only the form's own fields of it.

use http::StatusCode;
use intake::handle;
use store::CommissionStore;
use test_support::*;

fn caught(fields: Vec<(String, String)>) -> Vec<(String, String)> {
    with(fields, "website", Some("http://spam.example"))
}

/// The shapes that were stored unchecked before: each is refused as it is without the
/// honeypot, with the same status and the same words, and nothing is kept.
#[tokio::test]
async fn a_honeypot_post_is_refused_exactly_as_the_same_post_without_it() {
    let intake = intake_at(DURING_INTAKE);
    let long_name = "n".repeat(70 * 1024);
    let long_value = "x".repeat(250 * 1024);
    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        ("an empty field name", with(valid_fields(), "", Some("x"))),
        ("a 70 KB field name", with(valid_fields(), &long_name, Some("x"))),
        ("a 250 KB value", with(valid_fields(), "workplace", Some(&long_value))),
        ("an essay over its limit", with(valid_fields(), "essay", Some(&"сөз ".repeat(1200)))),
        ("a name no form has", with(valid_fields(), "bot_field", Some("x"))),
        ("a direction override in a name", with(valid_fields(), "full_name", Some("Айгуль \u{202E}gnp.exe"))),
        ("a required answer missing", with(valid_fields(), "full_name", None)),
    ];
    for (case, fields) in cases {
        for post in [post_json, post_form] {
            let (_dir, store) = temp_store();
            let honest = handle(&store, &intake, post(&fields)).await;
            let bot = handle(&store, &intake, post(&caught(fields.clone()))).await;
            assert_eq!(bot.status(), StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            assert_eq!(bot.status(), honest.status(), "{case}");
            assert_eq!(bot.body(), honest.body(), "{case}: the honeypot shows in the answer");
            assert!(store.suspects().await.unwrap().is_empty(), "{case}: a refused post was kept as a suspect");
            assert!(store.answers().await.unwrap().is_empty(), "{case}");
        }
    }
}

#[tokio::test]
async fn a_honeypot_post_that_passes_is_answered_as_stored_and_kept_apart_with_the_forms_fields_only() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let fields = with(caught(valid_fields()), "submission_id", Some("bot-0000-0000-0001"));
    let response = handle(&store, &intake, post_json(&fields)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(body_json(&response)["created"], true);
    let form: Vec<String> = intake.form().fields().filter_map(|field| field.name.clone()).collect();
    let suspects = store.suspects().await.unwrap();
    assert_eq!(suspects.len(), 1);
    assert_eq!(suspects[0].0, body_json(&response)["code"].as_str().unwrap());
    assert!(suspects[0].1.keys().all(|name| form.contains(name)), "{:?}", suspects[0].1.keys());
    assert_eq!(suspects[0].1["full_name"], "Асель Токтогулова", "personal data and answers are kept together");
    assert!(!suspects[0].1.contains_key("website") && !suspects[0].1.contains_key("submission_id"));
    assert!(store.answers().await.unwrap().is_empty(), "a catch is not an application");

    let form_post = handle(&store, &intake, post_form(&caught(valid_fields()))).await;
    assert_eq!(form_post.status(), StatusCode::SEE_OTHER, "a form post is sent to a thank-you page");
}

/// A bot that posts its catch again with other answers is answered as an applicant who did
/// would be: a 409 with the code, so that the honeypot does not show in the answer.
#[tokio::test]
async fn a_changed_retry_of_a_catch_is_answered_as_an_applicants_would_be() {
    let intake = intake_at(DURING_INTAKE);
    let mut answers = Vec::new();
    for website in [None, Some("http://spam.example")] {
        let (_dir, store) = temp_store();
        let fields = with(with(valid_fields(), "submission_id", Some("changed-0000-0002")), "website", website);
        handle(&store, &intake, post_json(&fields)).await;
        let again = handle(&store, &intake, post_json(&with(fields, "essay", Some("Башка эссе.")))).await;
        let mut reply = body_json(&again);
        reply["code"] = serde_json::Value::Null;
        reply["message"] = serde_json::Value::Null;
        answers.push((again.status(), reply));
    }
    assert_eq!(answers[0].0, StatusCode::CONFLICT);
    assert_eq!(answers[0], answers[1]);
}
