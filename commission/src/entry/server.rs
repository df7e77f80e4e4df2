//! The entry page's HTTP side: `GET /` an empty form, `POST /` an application, each refused
//! unless it names this machine and, for a post, comes from the page itself ([`super::guard`]).
//! Nothing personal is printed: a stored application's code and channel only.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use intake::{validate, validate_entry, BodyError, BodyFormat, RawSubmission, Receipt, ReceivedError, MAX_BODY};
use store::{is_invisible, Channel, Store};

use super::guard::{is_cross_site, loopback_host};
use super::page::{Pages, Stored, Typed, STYLESHEET, STYLESHEET_PATH};
use super::{EntryContent, CHANNEL, ENTERED_BY, ENTERED_BY_MAX, RECEIVED_AT};

pub(crate) struct EntryApp<S> {
    pub(crate) store: S,
    pub(crate) content: EntryContent,
    pub(crate) pages: Pages,
}

/// No page may frame this one, load anything from elsewhere or post anywhere else; pages
/// hold names and contacts, so no browser keeps a copy.
const POLICY: &str =
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn router<S: Store + 'static>(app: Arc<EntryApp<S>>) -> Router {
    Router::new()
        .route("/", get(form::<S>).post(submit::<S>))
        .route(STYLESHEET_PATH, get(stylesheet))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(app.clone(), only_loopback::<S>))
        .with_state(app)
}

/// 421 for a request that does not name this machine; the production headers on the rest.
async fn only_loopback<S: Store + 'static>(
    State(app): State<Arc<EntryApp<S>>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = if loopback_host(request.headers(), request.uri()).is_some() {
        next.run(request).await
    } else {
        let words = &app.content.selection;
        let text: Vec<String> =
            app.content.intake.languages().iter().map(|lang| words.text("entry_wrong_host", lang, &[])).collect();
        (StatusCode::MISDIRECTED_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text.join("\n"))
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Not `no-referrer`: with it a browser posts the form with `Origin: null`, which the
    // cross-site check must refuse.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLESHEET).into_response()
}

fn html(status: StatusCode, page: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

fn query_lang(uri: &Uri) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or_default()).ok()?;
    pairs.into_iter().find(|(name, _)| name == "lang").map(|(_, value)| value)
}

/// A fresh id for every page load: a reload or a second click of that page stores nothing new.
fn submission_id() -> String {
    let mut bytes = [0u8; 16];
    // Without the system's random source the ids could repeat and two applications would be
    // taken for one: refusing to serve the page is the honest answer, with a clear error.
    match getrandom::fill(&mut bytes) {
        Ok(()) => format!("entry-{}", bytes.iter().map(|byte| format!("{byte:02x}")).collect::<String>()),
        Err(_) => String::new(),
    }
}

async fn form<S: Store + 'static>(State(app): State<Arc<EntryApp<S>>>, uri: Uri) -> Response {
    let content = &app.content;
    let lang = content.language(query_lang(&uri).as_deref());
    let id = submission_id();
    if id.is_empty() {
        return html(
            StatusCode::INTERNAL_SERVER_ERROR,
            app.pages.message(content, &lang, content.selection.text("entry_no_random", &lang, &[])),
        );
    }
    let typed =
        Typed { values: BTreeMap::from([(ENTERED_BY.to_string(), content.entered_by.clone())]), ..Typed::default() };
    html(StatusCode::OK, app.pages.form(content, &lang, &id, &typed))
}

async fn submit<S: Store + 'static>(
    State(app): State<Arc<EntryApp<S>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content = &app.content;
    let form_message = |key: &str, lang: &str| content.intake.form().message(key, lang, &[]);
    let mut lang = content.language(query_lang(&uri).as_deref());
    let host = loopback_host(&headers, &uri).unwrap_or_default();
    if is_cross_site(&headers, host) {
        // Nothing of the body is used but its language, which the page posts.
        let body_lang = RawSubmission::parse(BodyFormat::Form, &body).ok().and_then(|raw| raw.lang);
        let lang = content.language(body_lang.as_deref().or(Some(&lang)));
        eprintln!("refused a post made by another page");
        let text = content.selection.text("entry_cross_site", &lang, &[]);
        return html(StatusCode::FORBIDDEN, app.pages.message(content, &lang, text));
    }
    let format =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(BodyFormat::from_content_type);
    if format != Some(BodyFormat::Form) {
        return html(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            app.pages.message(content, &lang, form_message("bad_request", &lang)),
        );
    }
    let mut raw = match RawSubmission::parse(BodyFormat::Form, &body) {
        Ok(raw) => raw,
        Err(BodyError::NotText { lang: body_lang }) => {
            let lang = content.language(body_lang.as_deref().or(Some(&lang)));
            return html(StatusCode::BAD_REQUEST, app.pages.message(content, &lang, form_message("not_text", &lang)));
        }
        Err(BodyError::Unreadable) => {
            return html(StatusCode::BAD_REQUEST, app.pages.message(content, &lang, form_message("bad_request", &lang)))
        }
    };
    lang = content.language(raw.lang.as_deref().or(Some(&lang)));
    let lang = lang.as_str();

    // The secretariat's questions, then the form's.
    let channel_typed = raw.fields.remove(CHANNEL).unwrap_or_default();
    let received_typed = raw.fields.remove(RECEIVED_AT).unwrap_or_default();
    let by_typed = raw.fields.remove(ENTERED_BY).unwrap_or_default();
    let words = &content.selection;
    let mut receipt_errors: Vec<(&str, String)> = Vec::new();
    let channel = match Channel::from_key(channel_typed.trim()) {
        Some(channel @ (Channel::Paper | Channel::Email)) => Some(channel),
        _ if channel_typed.trim().is_empty() => {
            receipt_errors.push((CHANNEL, words.text("entry_choose_channel", lang, &[])));
            None
        }
        _ => {
            receipt_errors.push((CHANNEL, form_message("invalid_choice", lang)));
            None
        }
    };
    let received_at = match content.received_at(received_typed.trim()) {
        Some(at) => Some(at),
        None if received_typed.trim().is_empty() => {
            receipt_errors.push((RECEIVED_AT, form_message("required", lang)));
            None
        }
        None => {
            receipt_errors.push((RECEIVED_AT, words.text("entry_invalid_received_at", lang, &[])));
            None
        }
    };
    let by = by_typed.trim();
    let entered_by = if by.is_empty() {
        receipt_errors.push((ENTERED_BY, form_message("required", lang)));
        None
    } else if by.chars().any(char::is_control) {
        receipt_errors.push((ENTERED_BY, form_message("control_characters", lang)));
        None
    } else if by.chars().any(is_invisible) {
        receipt_errors.push((ENTERED_BY, form_message("invisible_characters", lang)));
        None
    } else if by.chars().count() > ENTERED_BY_MAX {
        receipt_errors.push((
            ENTERED_BY,
            content.intake.form().message("too_long", lang, &[("max", &ENTERED_BY_MAX.to_string())]),
        ));
        None
    } else {
        Some(by.to_string())
    };

    let outcome = match (channel, received_at, entered_by) {
        (Some(channel), Some(received_at), Some(entered_by)) if receipt_errors.is_empty() => {
            let receipt = Receipt { channel, received_at, entered_by };
            validate_entry(&content.intake, &raw, lang, &receipt).map_err(|errors| {
                if let Some(problem) = errors.received_at {
                    let deadline =
                        content.intake.deadline().map(|at| content.dates(lang).date_time(at)).unwrap_or_default();
                    let opened =
                        content.intake.opened().map(|at| content.dates(lang).date(at.date_naive())).unwrap_or_default();
                    let key = match problem {
                        ReceivedError::AfterDeadline => "entry_received_after_deadline",
                        ReceivedError::InFuture => "entry_received_in_future",
                        ReceivedError::BeforeCall => "entry_received_before_call",
                    };
                    let values = [("deadline", deadline.as_str()), ("opened", opened.as_str())];
                    receipt_errors.push((RECEIVED_AT, words.text(key, lang, &values)));
                }
                errors.fields
            })
        }
        // The form's questions are checked all the same, so every message shows at once.
        _ => Err(validate(&content.intake, &raw, lang).err().unwrap_or_default()),
    };

    let application = match outcome {
        Ok(application) => application,
        Err(field_errors) => {
            let mut typed = Typed { values: raw.fields.clone(), ..Typed::default() };
            typed.values.insert(CHANNEL.into(), channel_typed);
            typed.values.insert(RECEIVED_AT.into(), received_typed);
            typed.values.insert(ENTERED_BY.into(), by_typed);
            let receipt_label = |name: &str| words.text(&format!("entry_{name}"), lang, &[]);
            for (field, message) in receipt_errors {
                typed.summary.push((field.to_string(), receipt_label(field), message.clone()));
                typed.errors.insert(field.to_string(), message);
            }
            for error in field_errors {
                typed.summary.push((error.field.clone(), error.label, error.message.clone()));
                typed.errors.entry(error.field).or_insert(error.message);
            }
            return html(StatusCode::UNPROCESSABLE_ENTITY, app.pages.form(content, lang, &raw.submission_id, &typed));
        }
    };
    match app.store.save(&application).await {
        Ok(saved) => {
            println!(
                "{} {} ({})",
                if saved.created { "stored" } else { "already stored" },
                crate::one_line(&saved.code),
                application.channel
            );
            let stored = Stored { code: &saved.code, created: saved.created, same_content: saved.same_content };
            let status = if saved.same_content { StatusCode::OK } else { StatusCode::CONFLICT };
            html(status, app.pages.stored(content, lang, &stored))
        }
        Err(err) => {
            // The store's own words only: they never hold the application.
            eprintln!("could not store an application: {err}");
            let text = words.text("entry_store_failed", lang, &[("error", &err.to_string())]);
            let mut typed = Typed { values: raw.fields.clone(), ..Typed::default() };
            typed.values.insert(CHANNEL.into(), application.channel.key().into());
            typed.values.insert(RECEIVED_AT.into(), received_typed);
            typed.values.insert(ENTERED_BY.into(), by_typed);
            typed.summary.push((String::new(), String::new(), text));
            html(StatusCode::SERVICE_UNAVAILABLE, app.pages.form(content, lang, &raw.submission_id, &typed))
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use chrono::DateTime;
    use intake::Clock;
    use store::{CommissionStore, SqliteStore};
    use test_support::{form_body, frozen_content, valid_fields, with};
    use tower::ServiceExt as _;

    use super::*;

    /// The page on a fresh store and the frozen content, its clock in stage II, after the deadline.
    fn app() -> (tempfile::TempDir, Arc<EntryApp<SqliteStore>>) {
        app_at("2020-12-20T10:00:00+06:00")
    }

    fn app_at(now: &str) -> (tempfile::TempDir, Arc<EntryApp<SqliteStore>>) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("applications.sqlite")).unwrap();
        let clock = Clock::Fixed(DateTime::parse_from_rfc3339(now).unwrap());
        let content = EntryContent::load(&frozen_content(), clock, "Айнура").unwrap();
        (dir, Arc::new(EntryApp { store, content, pages: Pages::new().unwrap() }))
    }

    fn entry(lang: &str, received_at: &str) -> Vec<(String, String)> {
        let mut fields = valid_fields();
        for (name, value) in [
            ("lang", lang),
            ("submission_id", "entry-0123456789abcdef"),
            ("channel", "paper"),
            ("received_at", received_at),
            ("entered_by", "Айнура"),
        ] {
            fields = with(fields, name, Some(value));
        }
        fields
    }

    fn post(fields: &[(String, String)], headers: &[(&str, &str)]) -> Request {
        let mut request = Request::post("/")
            .header(header::HOST, "127.0.0.1:8100")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::from(form_body(fields))).unwrap()
    }

    async fn answer(app: &Arc<EntryApp<SqliteStore>>, request: Request) -> (StatusCode, String) {
        let response = router(app.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    const OWN: &[(&str, &str)] = &[("origin", "http://127.0.0.1:8100"), ("sec-fetch-site", "same-origin")];

    #[tokio::test]
    async fn a_paper_application_is_stored_after_the_deadline_with_the_time_it_was_received() {
        let (_dir, app) = app();
        let (status, page) = answer(&app, post(&entry("ru", "2020-12-10T15:30"), OWN)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Заявка сохранена"), "{page}");
        let stored = app.store.answers().await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].received_at, "2020-12-10T09:30:00+00:00");
        assert!(page.contains(&format!("id=\"application-code\">{}<", stored[0].code)), "{page}");

        // The same page posted again (a reload, a second click) stores nothing new.
        let (status, again) = answer(&app, post(&entry("ru", "2020-12-10T15:30"), OWN)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(again.contains(&stored[0].code) && again.contains("новая заявка не создана"), "{again}");
        assert_eq!(app.store.answers().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn received_times_after_the_deadline_or_later_than_now_are_refused_in_the_pages_language() {
        let (_dir, app) = app();
        let (status, page) = answer(&app, post(&entry("ky", "2020-12-11T17:00"), OWN)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("Бул убакыт өтүнмө кабыл алуунун мөөнөтүнөн (2020-жылдын 11-декабры, саат 17:00"),
            "{page}"
        );
        assert!(page.contains("value=\"Асель Токтогулова\""), "typed answers are kept: {page}");
        let (_before, before_deadline) = app_at("2020-12-05T12:00:00+06:00");
        let (status, page) = answer(&before_deadline, post(&entry("ru", "2020-12-05T12:01"), OWN)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Это время ещё не наступило."), "{page}");
        assert!(before_deadline.store.answers().await.unwrap().is_empty());
        let (status, page) = answer(&app, post(&with(entry("ru", "10.12.2020"), "channel", None), OWN)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Проверьте дату и время") && page.contains("Выберите «На бумаге»"), "{page}");
        assert!(app.store.answers().await.unwrap().is_empty(), "nothing stored");
    }

    #[tokio::test]
    async fn a_foreign_host_is_refused_with_421_and_posts_of_other_pages_with_403() {
        let (_dir, app) = app();
        let get = |host: &str| Request::get("/").header(header::HOST, host).body(Body::empty()).unwrap();
        let (status, text) = answer(&app, get("evil.example:8100")).await;
        assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
        assert!(text.contains("127.0.0.1") && text.contains("только на этом компьютере"), "{text}");
        assert_eq!(answer(&app, get("localhost:8100")).await.0, StatusCode::OK);
        let mut rebound = post(&entry("ru", "2020-12-10T15:30"), OWN);
        rebound.headers_mut().insert(header::HOST, HeaderValue::from_static("evil.example"));
        assert_eq!(answer(&app, rebound).await.0, StatusCode::MISDIRECTED_REQUEST);

        for headers in [
            &[("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")][..],
            &[("origin", "http://127.0.0.1:3000"), ("sec-fetch-site", "same-site")][..],
            &[("origin", "null")][..],
        ] {
            let (status, page) = answer(&app, post(&entry("ru", "2020-12-10T15:30"), headers)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
            assert!(page.contains("Эта программа принимает заявки только со своей страницы"), "{page}");
        }
        assert!(app.store.answers().await.unwrap().is_empty(), "nothing stored");
    }

    #[tokio::test]
    async fn a_paper_application_is_stored_on_dynamodb() {
        let clock = Clock::Fixed(DateTime::parse_from_rfc3339("2020-12-20T10:00:00+06:00").unwrap());
        let content = EntryContent::load(&frozen_content(), clock, "Айнура").unwrap();
        let app =
            Arc::new(EntryApp { store: test_support::dynamo_store().await, content, pages: Pages::new().unwrap() });
        let response = router(app.clone()).oneshot(post(&entry("ky", "2020-12-09T11:00"), OWN)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let stored = app.store.answers().await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].received_at, "2020-12-09T05:00:00+00:00");
        let personal = app.store.personal(&stored[0].code).await.unwrap().unwrap();
        assert_eq!(personal["full_name"], "Асель Токтогулова");
    }

    #[tokio::test]
    async fn every_page_load_gets_a_fresh_submission_id_and_the_name_from_by() {
        let (_dir, app) = app();
        let load = || Request::get("/?lang=ru").header(header::HOST, "127.0.0.1:8100").body(Body::empty()).unwrap();
        let (_, first) = answer(&app, load()).await;
        let (_, second) = answer(&app, load()).await;
        let id = |page: &str| page.split("name=\"submission_id\" value=\"").nth(1).unwrap()[..38].to_string();
        assert_ne!(id(&first), id(&second));
        assert!(first.contains("name=\"entered_by\" value=\"Айнура\""), "{first}");
        assert!(first.contains("<html lang=\"ru\">"));
    }
}
