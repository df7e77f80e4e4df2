//! One request in, one response out, independent of the Lambda runtime: the intake's router
//! (`router.rs`), which the Lambda and the generator's preview both run, calls [`answer`].

use http::header::{ALLOW, CONTENT_TYPE, LOCATION};
use http::request::Parts;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use serde_json::json;

use crate::intake::Intake;
use crate::origin::{came_through_the_distribution, is_cross_site};
use crate::pages;
use crate::submission::{BodyError, BodyFormat, RawSubmission};
use crate::validate::{validate, FieldError};
use store::{Store, Suspect};

/// The largest body accepted. A 1,000-word Cyrillic essay is about 16 KB of UTF-8 and three
/// times that once URL-encoded; the rest of the form is small.
pub const MAX_BODY: usize = 256 * 1024;

/// How the answer is written: an HTML page for form posts, JSON for scripts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reply {
    Html,
    Json,
}

/// A request's body as the router read it: whole, or longer than [`MAX_BODY`] (the rest is
/// not read; the answer says so from the length alone).
pub(crate) enum Body {
    Read(Vec<u8>),
    TooLarge,
}

/// Answers one request whose body was read whole: what the router does after reading it,
/// for tests and benchmarks that hold the store by reference.
pub async fn handle<S: Store>(store: &S, intake: &Intake, request: Request<Vec<u8>>) -> Response<Vec<u8>> {
    let (parts, body) = request.into_parts();
    let body = if body.len() > MAX_BODY { Body::TooLarge } else { Body::Read(body) };
    answer(store, intake, &parts, body).await
}

pub(crate) async fn answer<S: Store>(store: &S, intake: &Intake, request: &Parts, body: Body) -> Response<Vec<u8>> {
    if let Some(refused) = refuse_unless_through_the_distribution(intake, request) {
        return refused;
    }
    let path = request.uri.path().trim_end_matches('/');
    let thanks_path = format!("{}/thanks", intake.path());
    let mut response = if path == intake.path() {
        match request.method {
            Method::POST => submit(store, intake, request, body).await,
            Method::OPTIONS => empty(StatusCode::NO_CONTENT),
            _ => not_allowed("POST, OPTIONS"),
        }
    } else if path == thanks_path {
        match request.method {
            Method::GET | Method::HEAD => thanks(intake, request),
            _ => not_allowed("GET"),
        }
    } else {
        json_reply(StatusCode::NOT_FOUND, json!({ "error": "not_found" }))
    };
    allow_site_origin(intake, request, &mut response);
    response
}

/// A 403 for a request that did not come through CloudFront, when the intake requires it:
/// the same few bytes whatever was asked, so that the function's own address tells nothing.
pub(crate) fn refuse_unless_through_the_distribution(intake: &Intake, request: &Parts) -> Option<Response<Vec<u8>>> {
    (!came_through_the_distribution(intake, request))
        .then(|| json_reply(StatusCode::FORBIDDEN, json!({ "error": "forbidden" })))
}

async fn submit<S: Store>(store: &S, intake: &Intake, request: &Parts, body: Body) -> Response<Vec<u8>> {
    let query_lang = query_value(request, "lang");
    let format =
        request.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(BodyFormat::from_content_type);
    let wants_html = request
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let reply = match format {
        Some(BodyFormat::Json) => Reply::Json,
        Some(BodyFormat::Form) => Reply::Html,
        None if wants_html => Reply::Html,
        None => Reply::Json,
    };
    let lang = intake.language(query_lang.as_deref()).to_string();
    // Until the body is read, refusals are in the language the page asked for in its URL.
    let fail = |status: StatusCode, error: &str, text_key: &str, title_key: &str| {
        refuse(intake, &lang, reply, status, error, text_key, title_key)
    };

    if is_cross_site(intake, request) {
        // Nothing of the body is used but its language, which the form posts.
        let body_lang = match (&body, format) {
            (Body::Read(bytes), Some(format)) => RawSubmission::parse(format, bytes).ok().and_then(|raw| raw.lang),
            _ => None,
        };
        let lang = intake.language(intake.known_language(body_lang.as_deref()).or(query_lang.as_deref()));
        tracing::warn!("a post from another site's page was refused");
        return refuse(intake, lang, reply, StatusCode::FORBIDDEN, "cross_site", "cross_site", "errors_title");
    }

    let Body::Read(body) = body else {
        return fail(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "too_large", "errors_title");
    };
    let Some(format) = format else {
        return fail(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "bad_request", "errors_title");
    };
    let raw = match RawSubmission::parse(format, &body) {
        Ok(raw) => raw,
        Err(BodyError::Unreadable) => {
            return fail(StatusCode::BAD_REQUEST, "unreadable", "bad_request", "errors_title")
        }
        Err(BodyError::NotText { lang: body_lang }) => {
            // The body's own `lang` when it could be read, else the URL's; when neither
            // names a language of the site, every language says it.
            let known = intake.known_language(body_lang.as_deref()).or(intake.known_language(query_lang.as_deref()));
            return match known {
                Some(lang) => {
                    refuse(intake, lang, reply, StatusCode::BAD_REQUEST, "not_text", "not_text", "errors_title")
                }
                None => refuse_in_every_language(intake, reply, StatusCode::BAD_REQUEST, "not_text", "not_text"),
            };
        }
    };
    let lang = intake.language(raw.lang.as_deref().or(query_lang.as_deref())).to_string();
    let fail = |status: StatusCode, error: &str, text_key: &str, title_key: &str| {
        refuse(intake, &lang, reply, status, error, text_key, title_key)
    };

    if !intake.is_open() {
        let text = intake.form().message("closed_text", &lang, &[("date", &intake.deadline_text(&lang))]);
        return match reply {
            Reply::Json => json_reply(StatusCode::FORBIDDEN, json!({ "error": "closed", "message": text })),
            Reply::Html => html_reply(StatusCode::FORBIDDEN, pages::message(intake, &lang, "closed_title", &text)),
        };
    }

    // A post with the hidden field filled in is checked as every other is, and answered the
    // same way: what a bot learns is what any applicant reads. Only what is kept differs.
    let application = match validate(intake, &raw, &lang) {
        Ok(application) => application,
        Err(errors) => return invalid(intake, &lang, reply, &errors),
    };
    let saved = if raw.honeypot.trim().is_empty() {
        store.save(&application).await
    } else {
        let suspect = Suspect {
            submission_id: application.submission_id,
            lang: application.lang,
            received_at: application.received_at,
            fields: application.answers.into_iter().chain(application.personal).collect(),
        };
        let saved = store.save_suspect(&suspect).await;
        if saved.is_ok() {
            tracing::warn!(submission = %raw.submission_id, "honeypot filled; kept apart as a suspect");
        }
        saved
    };
    match saved {
        Ok(saved) if !saved.same_content => {
            tracing::info!(code = %saved.code, lang = %lang, "a retry with changed answers; the first version stays");
            let text = intake.form().message("changed_text", &lang, &[("code", &saved.code)]);
            match reply {
                Reply::Json => {
                    json_reply(StatusCode::CONFLICT, json!({ "error": "changed", "code": saved.code, "message": text }))
                }
                Reply::Html => html_reply(StatusCode::CONFLICT, pages::changed(intake, &lang, &saved.code, &text)),
            }
        }
        Ok(saved) => {
            tracing::info!(code = %saved.code, created = saved.created, lang = %lang, "application stored");
            match reply {
                Reply::Json => {
                    let status = if saved.created { StatusCode::CREATED } else { StatusCode::OK };
                    json_reply(
                        status,
                        json!({ "code": saved.code, "created": saved.created, "thanks": thanks_url(intake, &lang, &saved.code) }),
                    )
                }
                Reply::Html => redirect(&thanks_url(intake, &lang, &saved.code)),
            }
        }
        // Only the store's own words, never the application: one line an operator can act on.
        Err(err) if err.is_retryable() => {
            tracing::warn!(submission = %raw.submission_id, error = %err, "could not store an application; the applicant is asked to retry");
            let mut response = fail(StatusCode::SERVICE_UNAVAILABLE, "store_failed", "store_failed", "errors_title");
            response.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from_static("2"));
            response
        }
        Err(err) => {
            tracing::error!(submission = %raw.submission_id, error = %err, kind = ?err.kind(), "could not store an application: the store needs an operator");
            fail(StatusCode::INTERNAL_SERVER_ERROR, "store_broken", "store_broken", "errors_title")
        }
    }
}

/// A refusal made outside the intake (the preview's per-client limit), worded and laid out as
/// the intake's own: `text_key` of `content/form.toml` in `lang` when the site has it, else
/// in every language; JSON or a page, as `json` says.
pub fn refusal(
    intake: &Intake,
    lang: Option<&str>,
    json: bool,
    status: StatusCode,
    error: &str,
    text_key: &str,
) -> Response<Vec<u8>> {
    let reply = if json { Reply::Json } else { Reply::Html };
    match intake.known_language(lang) {
        Some(lang) => refuse(intake, lang, reply, status, error, text_key, "errors_title"),
        None => refuse_in_every_language(intake, reply, status, error, text_key),
    }
}

/// A refusal in `lang`: JSON for scripts, a page for form posts.
fn refuse(
    intake: &Intake,
    lang: &str,
    reply: Reply,
    status: StatusCode,
    error: &str,
    text_key: &str,
    title_key: &str,
) -> Response<Vec<u8>> {
    let text = intake.text(text_key, lang);
    match reply {
        Reply::Json => json_reply(status, json!({ "error": error, "message": text })),
        Reply::Html => html_reply(status, pages::message(intake, lang, title_key, &text)),
    }
}

/// A refusal when the request did not say which language its page was in: every
/// language's words, the site's default language first.
fn refuse_in_every_language(
    intake: &Intake,
    reply: Reply,
    status: StatusCode,
    error: &str,
    text_key: &str,
) -> Response<Vec<u8>> {
    match reply {
        Reply::Json => {
            let texts: Vec<String> = intake.languages.iter().map(|lang| intake.text(text_key, lang)).collect();
            json_reply(status, json!({ "error": error, "message": texts.join("\n") }))
        }
        Reply::Html => html_reply(status, pages::message_in_every_language(intake, "errors_title", text_key)),
    }
}

fn invalid(intake: &Intake, lang: &str, reply: Reply, errors: &[FieldError]) -> Response<Vec<u8>> {
    match reply {
        Reply::Json => json_reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "error": "invalid", "message": intake.text("errors_summary", lang), "errors": errors }),
        ),
        Reply::Html => html_reply(StatusCode::UNPROCESSABLE_ENTITY, pages::errors(intake, lang, errors)),
    }
}

fn thanks(intake: &Intake, request: &Parts) -> Response<Vec<u8>> {
    let lang = intake.language(query_value(request, "lang").as_deref()).to_string();
    match query_value(request, "code").filter(|code| is_code(code)) {
        Some(code) => html_reply(StatusCode::OK, pages::thanks(intake, &lang, &code)),
        None => html_reply(
            StatusCode::NOT_FOUND,
            pages::message(intake, &lang, "errors_title", &intake.text("bad_request", &lang)),
        ),
    }
}

fn thanks_url(intake: &Intake, lang: &str, code: &str) -> String {
    format!("{}/thanks?lang={lang}&code={code}", intake.path())
}

fn is_code(code: &str) -> bool {
    code.len() == 12 && code.char_indices().all(|(i, c)| if i == 3 || i == 7 { c == '-' } else { c.is_ascii_digit() })
}

fn query_value(request: &Parts, name: &str) -> Option<String> {
    let query = request.uri.query()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    pairs.into_iter().find(|(key, _)| key == name).map(|(_, value)| value)
}

/// Only the site's own origin may post from a page; everything else gets no CORS headers.
fn allow_site_origin(intake: &Intake, request: &Parts, response: &mut Response<Vec<u8>>) {
    let Some(origin) = request.headers.get(http::header::ORIGIN) else {
        return;
    };
    if origin.as_bytes() != intake.site_origin.as_bytes() {
        return;
    }
    let headers = response.headers_mut();
    headers.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.insert(http::header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
    headers.insert(http::header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
    headers.insert(http::header::VARY, HeaderValue::from_static("Origin"));
}

fn json_reply(status: StatusCode, value: serde_json::Value) -> Response<Vec<u8>> {
    // A serde_json::Value always serializes; the fallback keeps even that path panic-free.
    let body = serde_json::to_vec(&value).unwrap_or_else(|_| b"{}".to_vec());
    reply(status, "application/json; charset=utf-8", body)
}

fn html_reply(status: StatusCode, html: String) -> Response<Vec<u8>> {
    reply(status, "text/html; charset=utf-8", html.into_bytes())
}

/// Answers are about one applicant's submission: never cached.
fn reply(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.headers_mut().insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn redirect(location: &str) -> Response<Vec<u8>> {
    let mut response = empty(StatusCode::SEE_OTHER);
    // The location is built from the intake's path, a known language and a checked code; a
    // value that is not a valid header still gets an answer rather than a panic.
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

fn empty(status: StatusCode) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = status;
    response
}

fn not_allowed(allow: &'static str) -> Response<Vec<u8>> {
    let mut response = json_reply(StatusCode::METHOD_NOT_ALLOWED, json!({ "error": "method_not_allowed" }));
    response.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    response
}
