//! Where a request comes from. A browser's post made by another site's page (its `Origin`
//! or `Sec-Fetch-Site` says so) is refused in the applicant's language and nothing is
//! stored; posts without either header and the site's own form still go through, on the
//! site's address and on the preview's. With an origin secret (the Lambda behind
//! CloudFront), a request without CloudFront's header is refused before anything else.

use std::sync::Arc;

use axum::body::Body;
use http::{Request, StatusCode};
use intake::handle;
use store::{CommissionStore, SqliteStore};
use test_support::*;
use tower::ServiceExt as _;

const FORM: &str = "application/x-www-form-urlencoded";

/// A form post of a valid application in `lang` with `headers`.
fn post_with(headers: &[(&str, &str)], lang: &str) -> Request<Vec<u8>> {
    let mut request = Request::post("/api/applications").header("content-type", FORM);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(form_body(&with(valid_fields(), "lang", Some(lang)))).unwrap()
}

async fn stored(store: &SqliteStore) -> usize {
    store.answers().await.unwrap().len() + store.suspects().await.unwrap().len()
}

#[tokio::test]
async fn a_post_from_another_sites_page_is_a_403_in_the_applicants_language_and_nothing_is_stored() {
    let intake = intake_at(DURING_INTAKE);
    let cases: [(&str, &[(&str, &str)]); 8] = [
        ("another site's origin", &[("origin", "https://evil.example"), ("host", "mektep.vap.kg")]),
        (
            "the site's name over plain http on another port",
            &[("origin", "http://mektep.vap.kg:8080"), ("host", "mektep.vap.kg")],
        ),
        ("a browser that says cross-site", &[("sec-fetch-site", "cross-site")]),
        (
            "cross-site with the site's own origin claimed",
            &[("origin", "https://mektep.vap.kg"), ("sec-fetch-site", "cross-site")],
        ),
        ("Origin: null from a sandboxed frame", &[("origin", "null"), ("sec-fetch-site", "cross-site")]),
        ("Origin: null with nothing else", &[("origin", "null")]),
        ("Origin: null from a sibling site", &[("origin", "null"), ("sec-fetch-site", "same-site")]),
        (
            "a viewer host claimed without the distribution",
            &[("origin", "https://evil.example"), ("x-viewer-host", "evil.example")],
        ),
    ];
    for (case, headers) in cases {
        for lang in ["ky", "ru"] {
            let (_dir, store) = temp_store();
            let response = handle(&store, &intake, post_with(headers, lang)).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{case}");
            let page = body_text(&response);
            assert!(page.contains(&format!("<html lang=\"{lang}\">")), "{case}: {page}");
            assert!(page.contains(&content_model::escape_html(&form_text("cross_site", lang))), "{case}: {page}");
            assert_eq!(stored(&store).await, 0, "{case}");
        }
    }
    // A script's post gets JSON, in the language its URL or body names.
    let (_dir, store) = temp_store();
    let request = Request::post("/api/applications?lang=ru")
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .body(json_body(&valid_fields()))
        .unwrap();
    let response = handle(&store, &intake, request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let reply = body_json(&response);
    assert_eq!(
        (reply["error"].as_str(), reply["message"].as_str()),
        (Some("cross_site"), Some(&*form_text("cross_site", "ru")))
    );
    assert_eq!(stored(&store).await, 0);
}

#[tokio::test]
async fn the_sites_own_form_and_posts_without_either_header_go_through() {
    let intake = intake_at(DURING_INTAKE);
    let cases: [(&str, &[(&str, &str)]); 7] = [
        ("an old phone browser: neither header", &[]),
        (
            "the site's form without JavaScript",
            &[("origin", "https://mektep.vap.kg"), ("sec-fetch-site", "same-origin")],
        ),
        (
            "the site's origin, Host the API's own (behind CloudFront)",
            &[("origin", "https://mektep.vap.kg"), ("host", "abc123.execute-api.eu-central-1.amazonaws.com")],
        ),
        (
            "the preview's own page",
            &[("origin", "http://127.0.0.1:8123"), ("host", "127.0.0.1:8123"), ("sec-fetch-site", "same-origin")],
        ),
        (
            "a browser that hides the origin but says same-origin",
            &[("origin", "null"), ("sec-fetch-site", "same-origin")],
        ),
        ("a post the person started herself (Sec-Fetch-Site: none)", &[("sec-fetch-site", "none")]),
        (
            "the distribution's own name (no domain yet), Host the API's",
            &[
                ("origin", "https://d111abcdef8.cloudfront.net"),
                ("host", "abc123.execute-api.eu-central-1.amazonaws.com"),
                ("sec-fetch-site", "same-origin"),
            ],
        ),
    ];
    for (case, headers) in cases {
        let (_dir, store) = temp_store();
        let response = handle(&store, &intake, post_with(headers, "ky")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{case}: {}", body_text(&response));
        assert_eq!(stored(&store).await, 1, "{case}");
    }
}

/// Behind CloudFront the function sees the API's own name as `Host`. A browser that sends
/// `Origin` but not `Sec-Fetch-Site` (Safari before 16.4), on a site served under a name
/// other than `base_url` (the distribution's default name before a domain is set), is told
/// apart from another site by the viewer's host, which the distribution's function adds and
/// the origin secret vouches for.
#[tokio::test]
async fn behind_the_distribution_the_viewers_host_tells_the_sites_own_origin() {
    let intake = intake_at(DURING_INTAKE).with_origin_secret(Some(SECRET));
    let through = |origin: &str, viewer_host: Option<&str>| {
        let mut headers = vec![
            ("origin", origin.to_string()),
            ("host", "abc123.execute-api.eu-central-1.amazonaws.com".to_string()),
            ("x-origin-verify", SECRET.to_string()),
        ];
        if let Some(host) = viewer_host {
            headers.push(("x-viewer-host", host.to_string()));
        }
        headers
    };
    let cases = [
        (
            "the distribution's name",
            through("https://d111abcdef8.cloudfront.net", Some("d111abcdef8.cloudfront.net")),
            303,
        ),
        ("a second alias", through("https://www.mektep.vap.kg", Some("www.mektep.vap.kg")), 303),
        ("base_url's name", through("https://mektep.vap.kg", Some("mektep.vap.kg")), 303),
        ("another site's page", through("https://evil.example", Some("d111abcdef8.cloudfront.net")), 403),
        ("no viewer host", through("https://d111abcdef8.cloudfront.net", None), 403),
    ];
    for (case, headers, status) in cases {
        let (_dir, store) = temp_store();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let response = handle(&store, &intake, post_with(&headers, "ru")).await;
        assert_eq!(response.status().as_u16(), status, "{case}: {}", body_text(&response));
        assert_eq!(stored(&store).await, usize::from(status == 303), "{case}");
    }
}

/// The preview serves the router on loopback: its own form posts through it.
#[tokio::test]
async fn the_previews_own_form_posts_through_the_router() {
    let (_dir, store) = temp_store();
    let store = Arc::new(store);
    let router = intake::router(Arc::clone(&store), Arc::new(intake_at(DURING_INTAKE)));
    let request = Request::post("/api/applications")
        .header("content-type", FORM)
        .header("host", "127.0.0.1:4321")
        .header("origin", "http://127.0.0.1:4321")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(form_body(&valid_fields())))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let request = Request::post("/api/applications")
        .header("content-type", FORM)
        .header("host", "127.0.0.1:4321")
        .header("origin", "http://rebound.example:4321")
        .body(Body::from(form_body(&valid_fields())))
        .unwrap();
    assert_eq!(router.oneshot(request).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(store.answers().await.unwrap().len(), 1);
}

const SECRET: &str = "s3cr3t-from-cloudfront-0123456789";

#[tokio::test]
async fn with_an_origin_secret_every_request_without_cloudfronts_header_is_a_403_before_anything_else() {
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_writer(move || writer.clone()).with_max_level(tracing::Level::TRACE).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE).with_origin_secret(Some(SECRET));
    let requests = || {
        vec![
            post_json(&valid_fields()),
            post("application/json", b"not json".to_vec()),
            Request::get("/api/applications/thanks?lang=ru&code=123-456-7890").body(Vec::new()).unwrap(),
            Request::options("/api/applications").body(Vec::new()).unwrap(),
            Request::get("/anything/else").body(Vec::new()).unwrap(),
        ]
    };
    for header in [
        None,
        Some(""),
        Some("wrong"),
        Some("s3cr3t-from-cloudfront-012345678"),
        Some("S3CR3T-FROM-CLOUDFRONT-0123456789"),
    ] {
        for mut request in requests() {
            if let Some(value) = header {
                request.headers_mut().insert("x-origin-verify", value.parse().unwrap());
            }
            let response = handle(&store, &intake, request).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{header:?}");
            assert_eq!(body_json(&response), serde_json::json!({ "error": "forbidden" }));
            assert!(response.headers().get("access-control-allow-origin").is_none());
        }
    }
    assert_eq!(stored(&store).await, 0);

    // Through the router, as the Lambda runs it: refused without the body being read.
    let router =
        intake::router(Arc::new(store.clone()), Arc::new(intake_at(DURING_INTAKE).with_origin_secret(Some(SECRET))));
    let request = Request::post("/api/applications")
        .header("content-type", "application/json")
        .body(Body::from(json_body(&valid_fields())))
        .unwrap();
    assert_eq!(router.clone().oneshot(request).await.unwrap().status(), StatusCode::FORBIDDEN);

    let mut with_secret = post_json(&valid_fields());
    with_secret.headers_mut().insert("x-origin-verify", SECRET.parse().unwrap());
    let response = handle(&store, &intake, with_secret).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", body_text(&response));
    let (parts, body) = post_json(&with(valid_fields(), "submission_id", Some("router-secret-0001"))).into_parts();
    let mut request = Request::from_parts(parts, Body::from(body));
    request.headers_mut().insert("x-origin-verify", SECRET.parse().unwrap());
    assert_eq!(router.oneshot(request).await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(store.answers().await.unwrap().len(), 2);

    let logs = captured.text();
    assert!(!logs.contains(SECRET) && !logs.contains("s3cr3t"), "the secret is never logged: {logs}");
}

#[tokio::test]
async fn without_an_origin_secret_nothing_is_checked() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE).with_origin_secret(None);
    let response = handle(&store, &intake, post_json(&valid_fields())).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}
