//! The router the Lambda and the preview both run: a body longer than the intake takes is
//! refused in the page's language without being read to its end, and nothing is stored.

use std::sync::Arc;

use axum::body::Body;
use http::{Request, StatusCode};
use store::CommissionStore;
use test_support::*;
use tower::ServiceExt as _;

#[tokio::test]
async fn a_body_over_the_limit_is_refused_in_the_page_language_and_nothing_is_stored() {
    let (_dir, store) = temp_store();
    let store = Arc::new(store);
    let router = intake::router(Arc::clone(&store), Arc::new(intake_at(DURING_INTAKE)));
    let essay = "слово ".repeat(intake::MAX_BODY / 6);
    let body = form_body(&with(valid_fields(), "essay", Some(&essay)));
    assert!(body.len() > intake::MAX_BODY);
    let request = Request::post("/api/applications?lang=ru")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let reply: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(reply["error"], "too_large");
    assert_eq!(reply["message"], form_text("too_large", "ru"));
    assert!(store.answers().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_valid_post_through_the_router_is_stored_once() {
    let (_dir, store) = temp_store();
    let store = Arc::new(store);
    let router = intake::router(Arc::clone(&store), Arc::new(intake_at(DURING_INTAKE)));
    for _ in 0..2 {
        let request = Request::post("/api/applications")
            .header("content-type", "application/json")
            .body(Body::from(json_body(&with(valid_fields(), "submission_id", Some("router-0000-0000-0001")))))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }
    assert_eq!(store.answers().await.unwrap().len(), 1, "the same submission id twice");
}
