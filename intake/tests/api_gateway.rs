//! The intake behind API Gateway: HTTP API (v2) events as Lambda receives them, read by
//! `lambda_http` itself, answered by the router the Lambda binary runs and turned into
//! Lambda's response as `lambda_http::run` does.
#![cfg(feature = "lambda")]

use std::sync::Arc;

use http::StatusCode;
use lambda_http::{Body, IntoResponse as _};
use store::{CommissionStore, SqliteStore};
use test_support::*;
use tower::ServiceExt as _;

/// The router on `store` answers `name`'s event as the Lambda would.
async fn answer(store: &Arc<SqliteStore>, name: &str) -> http::Response<Body> {
    let router = intake::router(Arc::clone(store), Arc::new(intake_at(DURING_INTAKE)));
    let response = router.oneshot(event(name)).await.unwrap();
    response.into_response().await
}

fn event(name: &str) -> lambda_http::Request {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api-gateway").join(name);
    lambda_http::request::from_str(&std::fs::read_to_string(&file).unwrap())
        .unwrap_or_else(|err| panic!("{name}: {err}"))
}

fn text(body: &Body) -> String {
    match body {
        Body::Text(text) => text.clone(),
        Body::Empty => String::new(),
        other => String::from_utf8_lossy(other).to_string(),
    }
}

#[tokio::test]
async fn a_base64_encoded_form_post_is_stored_and_redirected_in_russian() {
    let (_dir, store) = temp_store();
    let store = Arc::new(store);
    let response = answer(&store, "post-form-base64.json").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/api/applications/thanks?lang=ru&code="), "{location}");
    assert_eq!(response.headers()["access-control-allow-origin"], "https://mektep.vap.kg");
    let stored = store.answers().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].lang, "ru");
    assert_eq!(store.personal(&stored[0].code).await.unwrap().unwrap()["full_name"], "Асель Токтогулова");
}

#[tokio::test]
async fn a_json_post_gets_201_and_its_code() {
    let (_dir, store) = temp_store();
    let store = Arc::new(store);
    let response = answer(&store, "post-json.json").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let reply: serde_json::Value = serde_json::from_str(&text(response.body())).unwrap();
    assert_eq!(reply["code"].as_str().unwrap(), store.answers().await.unwrap()[0].code);
}

#[tokio::test]
async fn an_invalid_json_post_gets_every_error_in_its_language() {
    let (_dir, store) = temp_store();
    let store = Arc::new(store);
    let response = answer(&store, "post-json-invalid.json").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reply: serde_json::Value = serde_json::from_str(&text(response.body())).unwrap();
    let errors = reply["errors"].as_array().unwrap();
    assert!(errors.len() > 20, "every required question is named, got {}", errors.len());
    assert_eq!(errors[0]["field"], "full_name");
    assert_eq!(errors[0]["message"], "Заполните это поле.");
    assert!(errors.iter().any(
        |e| e["field"] == "email" && e["message"] == "Проверьте адрес электронной почты, например: imya@primer.kg."
    ));
}

#[tokio::test]
async fn the_thank_you_page_reads_its_query_string() {
    let (_dir, store) = temp_store();
    let store = Arc::new(store);
    let response = answer(&store, "get-thanks.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = text(response.body());
    assert!(
        page.contains("<html lang=\"ky\">") && page.contains("482-913-5074") && page.contains("Өтүнмөңүз кабыл алынды")
    );
}

#[tokio::test]
async fn other_methods_are_refused() {
    let (_dir, store) = temp_store();
    let store = Arc::new(store);
    let response = answer(&store, "delete.json").await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST, OPTIONS");
}
