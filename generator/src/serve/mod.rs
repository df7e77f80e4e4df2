//! `generator serve`: the whole product on 127.0.0.1. It builds the site, serves it, rebuilds
//! when content or templates change, and answers the application form with the function's
//! own handler on the embedded store, at the same path the form posts to in production.
//!
//! The server is axum on Tokio, so idle keep-alive connections (browsers hold several) and
//! slow clients never stop it answering others. Each successful build is written to a
//! folder of its own and swapped in whole: while a rebuild runs, the previous build is
//! served, and a failed build leaves it in place. Responses carry the production security
//! headers, with the live-reload script's hash added to the policy.
//!
//! What reaches it is held to what production would let through: only loopback names in
//! `Host` ([`host`]), a per-client limit on the intake ([`limit`]), a deadline for a request's
//! head and for idle connections ([`connections`]), and no path that the CDN would not have.
//!
//! What production would e-mail, the preview writes into the store's mail folder
//! ([`mail_folder`]): receipts, the secretariat's digests of notices, outcomes.

mod connections;
mod host;
mod limit;
mod mail_folder;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{DateTime, FixedOffset, Local};
use intake::{Clock, Intake, IntakeTexts};
use notify::{RecursiveMode, Watcher};
use sha2::{Digest, Sha256};
use store::SqliteStore;
use tower::ServiceExt as _;
use tower_http::services::ServeDir;

use crate::preview::{Preview, Update};
use crate::{load_catalogue, BuildOptions, Catalogue};
pub use limit::IntakeLimit;
use limit::{Limiter, Refusal};

/// What `serve` needs besides the build's options.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    pub port: u16,
    /// Keep the site (and the intake) at `build.now`; otherwise each rebuild uses the clock.
    pub fixed_clock: bool,
    /// The embedded store applications are kept in.
    pub store: PathBuf,
    /// The language of the messages (`--lang`); `None` for the site's default language.
    pub lang: Option<String>,
    /// How often one client may call the intake (`--intake-limit`).
    pub intake_limit: IntakeLimit,
}

/// Where pages ask whether the site was rebuilt, and whether the last build failed.
const LIVE_PATH: &str = "/_mektep/status";

/// A request that has not sent its whole head and body by then is dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What one successful build left to serve.
struct Generation {
    /// The folder it was written to.
    root: PathBuf,
    intake: Option<IntakeService>,
    /// The policy the site's pages need, plus the live-reload script's hash.
    content_security_policy: HeaderValue,
    /// The words of the messages and the secretariat's address, as this build's content has them.
    mail: Option<Arc<mail::Letters>>,
}

/// The intake as this build has it.
struct IntakeService {
    /// Where the form posts, e.g. `/api/applications`: every path below it is the intake's.
    path: String,
    /// The router the Lambda runs, on the embedded store.
    router: axum::Router,
    /// The intake whose words and pages tell a client past the limit to wait.
    too_many: Arc<Intake>,
}

#[derive(Default, Clone, PartialEq)]
struct Live {
    /// Successful builds and edits so far: a page reloads itself when this changes.
    build: u64,
    /// Why the last build failed, shown on the open page; empty when it did not.
    errors: Vec<String>,
    /// Whether a search bundle is being made again after an edit.
    indexing: bool,
}

struct Shared {
    current: RwLock<Option<Arc<Generation>>>,
    /// Sent to every page waiting on [`LIVE_PATH`] when it changes.
    live: tokio::sync::watch::Sender<Live>,
    store: Arc<SqliteStore>,
    /// `None` with `--intake-limit off`.
    limiter: Option<Limiter>,
}

impl Shared {
    fn generation(&self) -> Option<Arc<Generation>> {
        self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    fn set_live(&self, change: impl FnOnce(&mut Live)) {
        self.live.send_modify(change);
    }
}

/// Serves until the process ends.
pub fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    runtime.block_on(run(options))
}

async fn run(options: ServeOptions) -> anyhow::Result<()> {
    let ServeOptions { build: mut build_options, port, fixed_clock, store, lang, intake_limit } = options;
    // The preview shows drafts, so that editors see them before they are published.
    build_options.drafts = true;
    let digest_interval = mail_folder::digest_interval()?;
    let mail_dir = mail::mail_folder(&store);
    let store = Arc::new(SqliteStore::open(&store).map_err(|err| anyhow::anyhow!("{err}"))?);
    let shared = Arc::new(Shared {
        current: RwLock::new(None),
        live: tokio::sync::watch::Sender::new(Live::default()),
        store,
        limiter: Limiter::new(intake_limit),
    });
    // The watcher names files by their absolute paths: so must the build.
    for dir in [&mut build_options.content_dir, &mut build_options.templates_dir] {
        if let Ok(absolute) = std::fs::canonicalize(&dir) {
            *dir = absolute;
        }
    }
    let builds =
        Builds { options: build_options.clone(), fixed_clock, lang, messages: None, generation: 0, preview: None };
    let mut builds = tokio::task::spawn_blocking({
        let shared = Arc::clone(&shared);
        move || {
            let mut builds = builds;
            builds.rebuild(&shared, None);
            builds
        }
    })
    .await
    .context("the first build stopped")?;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    eprintln!("serving http://127.0.0.1:{port}/ (Ctrl+C to stop); applications go to the embedded store");
    eprintln!("the intake {}", describe(intake_limit));
    eprintln!(
        "mail goes to {} (notices grouped into a digest at most every {} s: MEKTEP_DIGEST_INTERVAL)",
        mail_dir.display(),
        digest_interval.as_secs()
    );
    tokio::spawn(mail_folder::drain_every(Arc::clone(&shared), mail_dir, digest_interval));

    // Rebuilds run on their own thread, fed by the file watcher; requests never wait for them.
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = sender.send(event);
    })
    .context("starting the file watcher")?;
    for dir in [&build_options.content_dir, &build_options.templates_dir] {
        watcher.watch(dir, RecursiveMode::Recursive).with_context(|| format!("watching {}", dir.display()))?;
    }
    let rebuilding = Arc::clone(&shared);
    std::thread::spawn(move || {
        while let Ok(first) = events.recv() {
            let mut changed = Some(Vec::new());
            if !note_change(first, &mut changed) {
                continue;
            }
            // Editors save several files at once; wait for the burst to end.
            while let Ok(event) = events.recv_timeout(Duration::from_millis(30)) {
                note_change(event, &mut changed);
            }
            builds.rebuild(&rebuilding, changed);
        }
    });

    if shared.limiter.is_some() {
        let forgetting = Arc::clone(&shared);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                if let Some(limiter) = &forgetting.limiter {
                    limiter.forget_quiet_clients();
                }
            }
        });
    }

    let app = axum::Router::new()
        .fallback(answer)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .with_state(shared);
    connections::serve(listener, app, stopped()).await;
    drop(watcher);
    // The rebuilding thread still holds the preview's search documents; they go with it.
    crate::search::sweep_scratch(crate::search::Sweep::Own);
    Ok(())
}

/// `--intake-limit` as the terminal says it.
fn describe(limit: IntakeLimit) -> String {
    match limit {
        IntakeLimit::Off => "takes any number of requests from one client address (--intake-limit off)".to_string(),
        IntakeLimit::PerClient { requests, per } => format!(
            "takes at most {requests} requests per {} s from one client address (--intake-limit), then answers 429",
            per.as_secs()
        ),
    }
}

/// Resolves when the preview is asked to stop: Ctrl+C, `kill`, or its terminal closed.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut hangup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            _ = hangup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Adds the files a watcher event names to `changed`; `None` there means "anything may have
/// changed". Returns whether the event is a change: reading sources during a build raises
/// access events, which are not.
fn note_change(event: notify::Result<notify::Event>, changed: &mut Option<Vec<PathBuf>>) -> bool {
    match event {
        Ok(event) if event.kind.is_create() || event.kind.is_modify() || event.kind.is_remove() => {
            match changed {
                Some(paths) if !event.paths.is_empty() && !event.need_rescan() => paths.extend(event.paths),
                _ => *changed = None,
            }
            true
        }
        Ok(_) => false,
        Err(_) => {
            *changed = None;
            true
        }
    }
}

/// The rebuild loop's own state: where builds go, which one is next, and what the last one
/// kept for applying edits.
struct Builds {
    options: BuildOptions,
    fixed_clock: bool,
    /// `--lang`, and the catalogue of messages the last whole build loaded in it.
    lang: Option<String>,
    messages: Option<Catalogue>,
    generation: u64,
    preview: Option<Preview>,
}

impl Builds {
    /// Applies an edit of `changed` files to the site being served when only reports changed;
    /// otherwise (and with `changed` unknown) builds the whole site again.
    fn rebuild(&mut self, shared: &Shared, changed: Option<Vec<PathBuf>>) {
        if let (Some(preview), Some(messages), Some(changed)) = (self.preview.as_mut(), self.messages.as_ref(), changed)
        {
            match preview.update(&changed) {
                Update::Applied { files, elapsed, search, warnings } => {
                    if files > 0 {
                        eprintln!("updated {files} files in {} ms", elapsed.as_millis());
                    }
                    warnings.iter().for_each(|warning| eprintln!("{}", messages.warning(warning)));
                    shared.set_live(|live| {
                        live.build += u64::from(files > 0);
                        live.errors.clear();
                        live.indexing = !search.is_empty();
                    });
                    if !search.is_empty() {
                        let started = std::time::Instant::now();
                        let named: Vec<String> =
                            search.iter().map(|(lang, part)| crate::search::bundle_dir(lang, *part)).collect();
                        match preview.reindex(&search) {
                            Ok(written) => eprintln!(
                                "search of {} updated in {} ms ({written} files)",
                                named.join(", "),
                                started.elapsed().as_millis()
                            ),
                            Err(errors) => {
                                errors.iter().for_each(|error| eprintln!("{}", messages.error(error)));
                                // What is served is no longer what was kept: start again.
                                self.preview = None;
                                shared.set_live(|live| live.indexing = false);
                                return self.rebuild(shared, None);
                            }
                        }
                        shared.set_live(|live| live.indexing = false);
                    }
                    return;
                }
                Update::Failed(errors) => {
                    let message = crate::BuildError::Content(errors).in_language(messages);
                    eprintln!("{message}");
                    shared.set_live(|live| live.errors = message.lines().map(str::to_string).collect());
                    return;
                }
                Update::NeedsWholeBuild(why) => eprintln!("building the whole site: {why}"),
            }
        }
        self.build_whole(shared);
    }

    /// Builds into a fresh folder; on success it becomes what is served, and the folder
    /// before the previous one is removed (the previous may still be answering a request).
    fn build_whole(&mut self, shared: &Shared) {
        if !self.fixed_clock {
            self.options.now = now();
        }
        // The catalogue is content too: an edit of it shows in the next build's messages.
        let messages = match load_catalogue(&self.options.content_dir, self.lang.as_deref()) {
            Ok(messages) => self.messages.insert(messages),
            Err(errors) => {
                // In English: the catalogue cannot say what is wrong with itself.
                let lines: Vec<String> = errors.iter().map(|error| format!("error: {error}")).collect();
                lines.iter().for_each(|line| eprintln!("{line}"));
                self.preview = None;
                shared.set_live(|live| live.errors = lines);
                return;
            }
        };
        self.generation += 1;
        let root = self.options.output_dir.join(format!("build-{}", self.generation));
        let options = BuildOptions { output_dir: root.clone(), ..self.options.clone() };
        // A failed build leaves nothing to apply the next edit to.
        self.preview = None;
        match Preview::build(&options) {
            Ok((preview, report)) => {
                self.preview = Some(preview);
                eprintln!("built {} pages in {} ms", report.pages, report.elapsed.as_millis());
                report.warnings.iter().for_each(|warning| eprintln!("{}", messages.warning(warning)));
                let clock = if self.fixed_clock { Clock::Fixed(options.now) } else { Clock::System };
                let intake = match load_intake(&options.content_dir, clock, &shared.store) {
                    Ok(intake) => Some(intake),
                    Err(errors) => {
                        errors.iter().for_each(|error| eprintln!("{}", messages.error(error)));
                        None
                    }
                };
                let mail = match mail::Letters::load(&options.content_dir) {
                    Ok(letters) => Some(Arc::new(letters)),
                    Err(errors) => {
                        errors.iter().for_each(|error| eprintln!("{}", messages.error(error)));
                        None
                    }
                };
                let policy = with_live_script(&report.content_security_policy);
                let content_security_policy = HeaderValue::from_str(&policy)
                    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; script-src 'self'"));
                *shared.current.write().unwrap_or_else(|p| p.into_inner()) =
                    Some(Arc::new(Generation { root, intake, content_security_policy, mail }));
                shared.set_live(|live| {
                    live.build += 1;
                    live.errors.clear();
                });
                if let Some(old) = self.generation.checked_sub(2) {
                    let _ = std::fs::remove_dir_all(self.options.output_dir.join(format!("build-{old}")));
                }
            }
            // The server keeps serving the last good site; the editor reads why here and
            // on the open page.
            Err(err) => {
                let message = err.in_language(messages);
                eprintln!("{message}");
                shared.set_live(|live| live.errors = message.lines().map(str::to_string).collect());
            }
        }
    }
}

/// The intake of the content in `content_dir`, as the Lambda loads it, on `store`.
fn load_intake(
    content_dir: &Path,
    clock: Clock,
    store: &Arc<SqliteStore>,
) -> Result<IntakeService, Vec<content_model::ContentError>> {
    let texts = IntakeTexts::read(content_dir)?;
    let intake = Intake::from_texts(&texts, clock)?;
    let path = intake.path().to_string();
    let intake = Arc::new(intake);
    Ok(IntakeService { path, router: intake::router(Arc::clone(store), Arc::clone(&intake)), too_many: intake })
}

/// Every request: refused when it names another host; otherwise the live status, the
/// intake (within the client's limit), or a file of the current build.
async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let generation = shared.generation();
    let policy = generation
        .as_ref()
        .map_or_else(|| HeaderValue::from_static("default-src 'self'"), |g| g.content_security_policy.clone());
    let mut response = if !host::names_loopback(&request) {
        // 421 Misdirected Request: this server does not answer for that name. Nothing else
        // is said, so a rebinding page learns nothing about the preview.
        StatusCode::MISDIRECTED_REQUEST.into_response()
    } else if path == LIVE_PATH {
        live_status(&shared, request.uri().query().unwrap_or("")).await
    } else if let Some(intake) =
        generation.as_ref().and_then(|g| g.intake.as_ref()).filter(|intake| path.starts_with(intake.path.as_str()))
    {
        match &shared.limiter {
            Some(limiter) => {
                let refusal = Refusal::for_request(Arc::clone(&intake.too_many), &request);
                limiter.call(intake.router.clone(), refusal, request).await
            }
            None => match intake.router.clone().oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            },
        }
    } else if let Some(generation) = generation {
        let build = shared.live.borrow().build;
        serve_file(&generation.root, build, request).await
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "the site has not been built yet: see the terminal").into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    response
}

/// The live status, as JSON. With `?seen=N` (the `build` a page last saw), the answer waits
/// until something changes, or 25 s pass, so an edit reaches the open page at once.
async fn live_status(shared: &Shared, query: &str) -> Response {
    let seen = query.split('&').find_map(|pair| pair.strip_prefix("seen=")).and_then(|n| n.parse::<u64>().ok());
    let mut changes = shared.live.subscribe();
    let first = changes.borrow_and_update().clone();
    let live = match seen {
        Some(seen) if seen == first.build && first.errors.is_empty() && !first.indexing => {
            // A stop ends the wait too: the server stops once its requests are answered.
            tokio::select! {
                _ = tokio::time::timeout(Duration::from_secs(25), changes.changed()) => {}
                _ = stopped() => {}
            }
            changes.borrow().clone()
        }
        _ => first,
    };
    let status = serde_json::json!({ "build": live.build, "errors": live.errors, "indexing": live.indexing });
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], status.to_string())
        .into_response()
}

/// A file of the build, as the CDN would serve it: `index.html` for folders, a redirect to
/// the folder's URL with a slash, the language's 404 page for anything else. HTML pages get
/// the live-reload script.
async fn serve_file(root: &Path, build: u64, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    if !could_be_a_file(&path) {
        return not_found(root, build, &path).await;
    }
    // File times have whole seconds: two edits within one would be "not modified" to a
    // browser revalidating its copy. The preview always answers with the file.
    let mut request = request;
    request.headers_mut().remove(header::IF_MODIFIED_SINCE);
    request.headers_mut().remove(header::IF_NONE_MATCH);
    let response = match ServeDir::new(root).append_index_html_on_directories(true).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    if response.status() == StatusCode::NOT_FOUND {
        return not_found(root, build, &path).await;
    }
    let mut response = response;
    // A folder's URL without its slash: the CDN's URL rules answer 301, and so does the preview.
    if response.status() == StatusCode::TEMPORARY_REDIRECT {
        // To a path of this site only: a location that a browser reads as another host's
        // (`//host/`, `/\host/`) is not answered at all.
        let on_this_site =
            response.headers().get(header::LOCATION).and_then(|location| location.to_str().ok()).is_some_and(
                |location| location.starts_with('/') && !location.starts_with("//") && !location.starts_with("/\\"),
            );
        if !on_this_site {
            return not_found(root, build, &path).await;
        }
        *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
    }
    if response.status().is_success() {
        // The same types production serves, charset and all.
        let file = if path.ends_with('/') { format!("{path}index.html") } else { path.clone() };
        if let Ok(kind) = HeaderValue::from_str(&crate::content_type::content_type(&file)) {
            response.headers_mut().insert(header::CONTENT_TYPE, kind);
        }
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("text/html"));
    if !is_html || method == Method::HEAD || response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let html = with_live_reload(&String::from_utf8_lossy(&bytes), build);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    parts.headers.remove(header::LAST_MODIFIED);
    Response::from_parts(parts, Body::from(html))
}

/// The longest name a file may have (`NAME_MAX` on Linux and macOS), in bytes.
const LONGEST_NAME: usize = 255;

/// A bound on a whole path, in bytes: far above any of the site's, and far enough below
/// `PATH_MAX` (4096) to leave room for the build's folder in front of it.
const LONGEST_PATH: usize = 1024;

/// Whether `path` (as requested, percent-encoded) could name a file of the build. Not when
/// it starts with `//`: the site has no such path, and the folder's redirect would add a
/// slash to make `//ky/`, which a browser reads as the host `ky`. Nor when a name is longer
/// than a file's may be: the file system answers that with an error, not "not found".
fn could_be_a_file(path: &str) -> bool {
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(path).collect();
    !path.starts_with("//")
        && decoded.len() <= LONGEST_PATH
        && decoded.split(|byte| *byte == b'/').all(|name| name.len() <= LONGEST_NAME)
}

async fn not_found(root: &Path, build: u64, path: &str) -> Response {
    let lang = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let lang_page = (!lang.is_empty() && !lang.contains("..")).then(|| root.join(lang).join("404.html"));
    let mut page = None;
    for file in lang_page.into_iter().chain([root.join("404.html")]) {
        if let Ok(bytes) = tokio::fs::read(&file).await {
            page = Some(bytes);
            break;
        }
    }
    let body =
        page.map_or_else(|| "404".to_string(), |bytes| with_live_reload(&String::from_utf8_lossy(&bytes), build));
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// The page with the live-reload script, which is told the build the page is of: an edit
/// saved before the script first asks still reloads the page.
fn with_live_reload(html: &str, build: u64) -> String {
    match html.rfind("</body>") {
        Some(end) => {
            format!("{}<script data-build=\"{build}\">{LIVE_SCRIPT}</script>\n{}", &html[..end], &html[end..])
        }
        None => html.to_string(),
    }
}

/// The site's policy with the live-reload script allowed by its hash, as the site's own
/// inline scripts are.
fn with_live_script(policy: &str) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(LIVE_SCRIPT.as_bytes()));
    let source = format!("'sha256-{hash}'");
    if policy.contains("script-src") {
        policy
            .split(';')
            .map(|directive| {
                let directive = directive.trim();
                if directive.starts_with("script-src") {
                    format!("{directive} {source}")
                } else {
                    directive.to_string()
                }
            })
            .filter(|directive| !directive.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        format!("{policy}; script-src 'self' {source}")
    }
}

/// Added to every page `serve` answers with (never to built files): it reloads the page after
/// each successful rebuild and shows build errors over the page.
const LIVE_SCRIPT: &str = r#"
(function () {
  var seen = Number(document.currentScript.dataset.build), box = null;
  function show(errors) {
    if (!errors.length) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "mektep-build-errors";
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50%;overflow:auto;margin:0;padding:1rem;background:#b00020;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;z-index:9999";
      document.body.appendChild(box);
    }
    box.textContent = errors.join("\n");
  }
  function poll() {
    fetch("/_mektep/status?seen=" + seen, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (status) {
      if (status.build !== seen) { location.reload(); return; }
      show(status.errors);
      setTimeout(poll, status.errors.length || status.indexing ? 500 : 0);
    }, function () { setTimeout(poll, 2000); });
  }
  poll();
})();
"#;

pub(crate) fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}
