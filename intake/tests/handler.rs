//! The handler as browsers and scripts meet it: every answer it can give, with the words
//! the applicant reads.

use http::{Request, StatusCode};
use intake::handle;
use store::{CommissionStore, StoreErrorKind};
use test_support::*;

/// Message `key` of the frozen content's form.toml in `lang` with its placeholders filled in:
/// what the applicant reads, from the file the intake under test was loaded from.
fn message(key: &str, lang: &str, values: &[(&str, &str)]) -> String {
    intake_at(DURING_INTAKE).form().message(key, lang, values)
}

#[tokio::test]
async fn a_valid_json_application_is_stored_with_personal_data_apart() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let fields = with(valid_fields(), "submission_id", Some("c0ffee00-1111-4222-8333-444455556666"));
    let response = handle(&store, &intake, post_json(&fields)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let reply = body_json(&response);
    let code = reply["code"].as_str().unwrap().to_string();
    assert_eq!(reply["created"], true);
    assert_eq!(reply["thanks"], format!("/api/applications/thanks?lang=ky&code={code}"));

    let stored = store.answers().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].code, code);
    assert_eq!(stored[0].category.key(), "aged_28_and_over", "born 17 May 1990: 30 on the deadline day");
    assert!(stored[0].answers.contains_key("essay") && stored[0].answers.contains_key("lsg_experience_text"));
    for personal in ["full_name", "birth_date", "residence", "workplace", "phone", "whatsapp", "email"] {
        assert!(!stored[0].answers.contains_key(personal), "{personal} must not be stored with the answers");
    }
    let personal = store.personal(&code).await.unwrap().unwrap();
    assert_eq!(personal["full_name"], "Асель Токтогулова");
    assert_eq!(personal.len(), 7);
}

#[tokio::test]
async fn a_form_post_is_redirected_to_a_thank_you_page_in_its_language() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let fields = with(with(valid_fields(), "lang", Some("ru")), "birth_date", Some("2000-01-02"));
    let response = handle(&store, &intake, post_form(&fields)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/api/applications/thanks?lang=ru&code="), "{location}");
    let code = location.rsplit('=').next().unwrap().to_string();
    assert_eq!(store.answers().await.unwrap()[0].category.key(), "under_28");

    let thanks = handle(&store, &intake, Request::get(&location).body(Vec::new()).unwrap()).await;
    assert_eq!(thanks.status(), StatusCode::OK);
    let page = body_text(&thanks);
    assert!(
        page.contains("<html lang=\"ru\">")
            && page.contains(&message("thanks_title", "ru", &[]))
            && page.contains(&code),
        "{page}"
    );
    // The site's icon, or the browser asks for /favicon.ico, which the site has not.
    assert!(page.contains("<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">"), "{page}");
}

#[tokio::test]
async fn a_retry_with_the_same_submission_id_returns_the_same_code_and_stores_nothing_new() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let fields = with(valid_fields(), "submission_id", Some("retry-0000-0000-0001"));
    let first = body_json(&handle(&store, &intake, post_json(&fields)).await);
    let again = handle(&store, &intake, post_json(&fields)).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(body_json(&again)["code"], first["code"]);
    assert_eq!(body_json(&again)["created"], false);
    assert_eq!(store.answers().await.unwrap().len(), 1);
}

/// The same submission id with other answers: the first version stays, and the applicant
/// is told so, in her language, with its code, and that changes go through the secretariat.
#[tokio::test]
async fn a_retry_with_changed_answers_is_a_409_with_the_first_code_and_the_way_to_change_it() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let fields = with(with(valid_fields(), "submission_id", Some("changed-0000-0001")), "lang", Some("ru"));
    let first = body_json(&handle(&store, &intake, post_json(&fields)).await);
    let code = first["code"].as_str().unwrap().to_string();

    let changed = with(fields.clone(), "essay", Some("Совсем другое эссе."));
    let response = handle(&store, &intake, post_json(&changed)).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let reply = body_json(&response);
    assert_eq!(reply["error"], "changed");
    assert_eq!(reply["code"], code.as_str());
    assert_eq!(reply["message"], message("changed_text", "ru", &[("code", &code)]));
    assert!(reply["message"].as_str().unwrap().contains(&code), "the message names the code");

    let page = handle(&store, &intake, post_form(&with(changed, "phone", Some("0555 654321")))).await;
    assert_eq!(page.status(), StatusCode::CONFLICT);
    let page = body_text(&page);
    assert!(page.contains("<html lang=\"ru\">") && page.contains(&message("changed_title", "ru", &[])), "{page}");
    assert!(page.contains(&format!("id=\"application-code\">{code}</p>")), "{page}");
    assert!(page.contains(&content_model::escape_html(&message("changed_text", "ru", &[("code", &code)]))), "{page}");

    let stored = store.answers().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].answers["essay"], valid_fields().iter().find(|(k, _)| k == "essay").unwrap().1);
    assert_eq!(store.personal(&code).await.unwrap().unwrap()["phone"], "0700 123456", "the first version stays");

    let same = handle(&store, &intake, post_json(&fields)).await;
    assert_eq!(same.status(), StatusCode::OK, "a plain retry is still a success");
}

#[tokio::test]
async fn a_double_click_without_javascript_is_stored_once() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let first = handle(&store, &intake, post_form(&valid_fields())).await;
    let second = handle(&store, &intake, post_form(&valid_fields())).await;
    assert_eq!(first.headers()["location"], second.headers()["location"]);
    assert_eq!(store.answers().await.unwrap().len(), 1);
}

#[tokio::test]
async fn every_field_error_is_answered_in_the_submissions_language_and_nothing_is_stored() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let essay = vec!["сөз"; 1001].join(" ");
    let mut fields = with(valid_fields(), "lang", Some("ru"));
    fields = with(fields, "full_name", None);
    fields = with(fields, "email", Some("asel-at-example"));
    fields = with(fields, "phone", Some("12"));
    fields = with(fields, "lsg_experience_text", Some(""));
    fields = with(fields, "support_groups", Some("maybe"));
    fields = with(fields, "consent_personal_data", None);
    fields = with(fields, "essay", Some(&essay));
    let response = handle(&store, &intake, post_json(&fields)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reply = body_json(&response);
    let errors: Vec<(String, String)> = reply["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string()))
        .collect();
    let expected = [
        ("full_name", message("required", "ru", &[])),
        ("phone", message("invalid_phone", "ru", &[])),
        ("email", message("invalid_email", "ru", &[])),
        ("lsg_experience_text", message("required", "ru", &[])),
        ("support_groups", message("invalid_choice", "ru", &[])),
        ("essay", message("too_many_words", "ru", &[("max", "1000"), ("count", "1001")])),
        ("consent_personal_data", message("must_confirm", "ru", &[])),
    ];
    assert_eq!(errors, expected.map(|(f, m)| (f.to_string(), m)).to_vec());
    assert_eq!(reply["message"], message("errors_summary", "ru", &[]));
    assert!(store.answers().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_form_post_with_errors_gets_a_page_naming_each_question() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let fields = with(valid_fields(), "community_experience", None);
    let response = handle(&store, &intake, post_form(&fields)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(&response);
    assert!(page.contains("<html lang=\"ky\">") && page.contains(&message("errors_title", "ky", &[])));
    let intake = intake_at(DURING_INTAKE);
    let question = intake.form().fields().find(|field| field.name.as_deref() == Some("community_experience")).unwrap();
    assert!(page.contains(question.label.get("ky")), "the question, in the applicant's words");
    assert!(page.contains(&message("required_choice", "ky", &[])));
}

#[tokio::test]
async fn applicants_under_18_are_told_the_rule() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let response = handle(&store, &intake, post_json(&with(valid_fields(), "birth_date", Some("2002-12-12")))).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reply = body_json(&response);
    assert_eq!(reply["errors"][0]["field"], "birth_date");
    assert_eq!(reply["errors"][0]["message"], message("under_18", "ky", &[("date", "2020-жылдын 11-декабры")]));
    let eighteen = handle(&store, &intake, post_json(&with(valid_fields(), "birth_date", Some("2002-12-11")))).await;
    assert_eq!(eighteen.status(), StatusCode::CREATED, "18 on the deadline day may apply");
}

#[tokio::test]
async fn after_the_deadline_the_intake_is_closed() {
    let (_dir, store) = temp_store();
    let intake = intake_at(AFTER_DEADLINE);
    let response = handle(&store, &intake, post_json(&with(valid_fields(), "lang", Some("ru")))).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        body_json(&response)["message"],
        message("closed_text", "ru", &[("date", "11 декабря 2020 г., 17:00 (время Бишкека, UTC+6)")])
    );
    let page = handle(&store, &intake, post_form(&valid_fields())).await;
    assert!(body_text(&page).contains(&message("closed_title", "ky", &[])));
    assert!(store.answers().await.unwrap().is_empty());
}

#[tokio::test]
async fn oversized_unknown_and_unreadable_bodies_and_other_methods_are_refused() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let huge = post("application/x-www-form-urlencoded", vec![b'a'; intake::MAX_BODY + 1]);
    let response = handle(&store, &intake, huge).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body_text(&response).contains(&message("too_large", "ky", &[])));

    let text = handle(&store, &intake, post("text/plain", b"hello".to_vec())).await;
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body_json(&text)["error"], "unsupported_media_type");

    let broken = handle(&store, &intake, post("application/json", b"{not json".to_vec())).await;
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);

    let get = handle(&store, &intake, Request::get("/api/applications").body(Vec::new()).unwrap()).await;
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(get.headers()["allow"], "POST, OPTIONS");
    let put = handle(&store, &intake, Request::put("/api/applications").body(Vec::new()).unwrap()).await;
    assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
    let elsewhere = handle(&store, &intake, Request::get("/api/other").body(Vec::new()).unwrap()).await;
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    assert!(store.answers().await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_fields_are_refused_by_name() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let response = handle(&store, &intake, post_json(&with(valid_fields(), "favourite_colour", Some("red")))).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body_json(&response)["errors"][0]["field"], "favourite_colour");
}

#[tokio::test]
async fn what_the_honeypot_catches_is_kept_apart_not_thrown_away() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let response =
        handle(&store, &intake, post_form(&with(valid_fields(), "website", Some("http://spam.example")))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a bot learns nothing");
    assert!(store.answers().await.unwrap().is_empty());
    let suspects = store.suspects().await.unwrap();
    assert_eq!(suspects.len(), 1);
    assert_eq!(suspects[0].1["full_name"], "Асель Токтогулова");
}

#[tokio::test]
async fn only_the_sites_own_origin_gets_cors_headers() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let preflight =
        |origin: &str| Request::options("/api/applications").header("origin", origin).body(Vec::new()).unwrap();
    let own = handle(&store, &intake, preflight("https://mektep.vap.kg")).await;
    assert_eq!(own.status(), StatusCode::NO_CONTENT);
    assert_eq!(own.headers()["access-control-allow-origin"], "https://mektep.vap.kg");
    let other = handle(&store, &intake, preflight("https://evil.example")).await;
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_store_that_may_recover_is_a_503_so_the_page_retries_never_a_success() {
    let intake = intake_at(DURING_INTAKE);
    let store = FailingStore(StoreErrorKind::Unavailable, "disk I/O error");
    let response = handle(&store, &intake, post_json(&valid_fields())).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "2");
    let reply = body_json(&response);
    assert_eq!(reply["error"], "store_failed");
    assert!(!reply.to_string().contains("Асель"), "no personal data in answers about failures");
    let page = handle(&store, &intake, post_form(&valid_fields())).await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(body_text(&page).contains(&form_text("store_failed", "ky")));
}

#[tokio::test]
async fn a_misconfigured_store_is_a_500_without_retry_after() {
    let intake = intake_at(DURING_INTAKE);
    for kind in [StoreErrorKind::Misconfigured, StoreErrorKind::Corrupt, StoreErrorKind::Conflict] {
        let response = handle(&FailingStore(kind, "disk I/O error"), &intake, post_json(&valid_fields())).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{kind:?}");
        assert!(response.headers().get("retry-after").is_none(), "retrying cannot help: {kind:?}");
        assert_eq!(body_json(&response)["error"], "store_broken");
        let page = handle(
            &FailingStore(kind, "disk I/O error"),
            &intake,
            post_form(&with(valid_fields(), "lang", Some("ru"))),
        )
        .await;
        assert!(body_text(&page).contains(&form_text("store_broken", "ru")), "{}", body_text(&page));
    }
}
