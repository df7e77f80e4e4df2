//! `generator serve`: the whole product on 127.0.0.1. It builds the site, serves it, rebuilds
//! when content or templates change, and answers the application form with the function's
//! own handler on the embedded store, at the same path the form posts to in production.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, FixedOffset, Local};
use function::{Clock, Intake, SqliteStore};
use notify::{RecursiveMode, Watcher};
use tiny_http::{Header, Response, Server};

use crate::{build, BuildOptions};

/// What `serve` needs besides the build's options.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    pub port: u16,
    /// Keep the site (and the intake) at `build.now`; otherwise each rebuild uses the clock.
    pub fixed_clock: bool,
    /// The embedded store applications are kept in.
    pub store: PathBuf,
}

type Reply = Response<std::io::Cursor<Vec<u8>>>;

/// Serves until the process ends.
pub fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let ServeOptions { build: mut build_options, port, fixed_clock, store } = options;
    // The preview shows drafts, so that editors see them before they are published.
    build_options.drafts = true;
    let clock = |options: &BuildOptions| {
        if fixed_clock {
            Clock::Fixed(options.now)
        } else {
            Clock::System
        }
    };
    let store = Arc::new(SqliteStore::open(&store).map_err(|err| anyhow::anyhow!("{err}"))?);
    let intake: Arc<RwLock<Option<Arc<Intake>>>> = Arc::new(RwLock::new(None));
    let swap = Arc::new(RwLock::new(()));
    let live = Arc::new(RwLock::new(Live::default()));

    let rebuild = |options: &mut BuildOptions| {
        if !fixed_clock {
            options.now = now();
        }
        let _writing = swap.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        match build(options) {
            Ok(report) => {
                eprintln!("built {} pages in {} ms", report.pages, report.elapsed.as_millis());
                let mut live = live.write().unwrap_or_else(|p| p.into_inner());
                live.build += 1;
                live.errors.clear();
                match Intake::load(&options.content_dir, clock(options)) {
                    Ok(loaded) => *intake.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(loaded)),
                    Err(errors) => errors.iter().for_each(|error| eprintln!("error: {error}")),
                }
            }
            // The server keeps serving the last good site; the editor reads why here and
            // on the open page.
            Err(err) => {
                eprintln!("{err}");
                live.write().unwrap_or_else(|p| p.into_inner()).errors =
                    err.to_string().lines().map(str::to_string).collect();
            }
        }
    };
    rebuild(&mut build_options);

    let server =
        Server::http(("127.0.0.1", port)).map_err(|err| anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {err}"))?;
    eprintln!("serving http://127.0.0.1:{port}/ (Ctrl+C to stop); applications go to the embedded store");
    let root = build_options.output_dir.clone();
    let reading = Arc::clone(&swap);
    let serving_intake = Arc::clone(&intake);
    let serving_live = Arc::clone(&live);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a Tokio runtime");
        for mut request in server.incoming_requests() {
            let current = serving_intake.read().unwrap_or_else(|p| p.into_inner()).clone();
            let response = match current {
                _ if request.url().starts_with(LIVE_PATH) => {
                    let live = serving_live.read().unwrap_or_else(|p| p.into_inner());
                    let status = serde_json::json!({ "build": live.build, "errors": live.errors });
                    Response::from_data(status.to_string().into_bytes())
                        .with_header(Header::from_bytes("Content-Type", "application/json").expect("valid header"))
                        .with_header(Header::from_bytes("Cache-Control", "no-store").expect("valid header"))
                }
                Some(intake) if request.url().starts_with(intake.path()) => {
                    runtime.block_on(answer_intake(&store, &intake, &mut request))
                }
                _ => {
                    let _reading = reading.read().unwrap_or_else(|poisoned| poisoned.into_inner());
                    respond(&root, request.url())
                }
            };
            let _ = request.respond(response);
        }
    });

    let (sender, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = sender.send(event);
    })
    .context("starting the file watcher")?;
    for dir in [&build_options.content_dir, &build_options.templates_dir] {
        watcher.watch(dir, RecursiveMode::Recursive).with_context(|| format!("watching {}", dir.display()))?;
    }
    while let Ok(first) = events.recv() {
        // Reading sources during a build raises access events; only changes count.
        if !first.is_ok_and(|event: notify::Event| {
            event.kind.is_create() || event.kind.is_modify() || event.kind.is_remove()
        }) {
            continue;
        }
        // Editors save several files at once; wait for the burst to end.
        while events.recv_timeout(Duration::from_millis(150)).is_ok() {}
        rebuild(&mut build_options);
    }
    Ok(())
}

/// Where pages ask whether the site was rebuilt, and whether the last build failed.
const LIVE_PATH: &str = "/_mektep/status";

#[derive(Default)]
struct Live {
    /// Successful builds so far: a page reloads itself when this changes.
    build: u64,
    /// Why the last build failed, shown on the open page; empty when it did not.
    errors: Vec<String>,
}

/// Added to every page `serve` answers with (never to built files): it reloads the page after
/// each successful rebuild and shows build errors over the page.
const LIVE_SCRIPT: &str = r#"<script>
(function () {
  var seen = null, box = null;
  function show(errors) {
    if (!errors.length) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "mektep-build-errors";
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50%;overflow:auto;margin:0;padding:1rem;background:#b00020;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;z-index:9999";
      document.body.appendChild(box);
    }
    box.textContent = errors.join("
");
  }
  function poll() {
    fetch("/_mektep/status", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (status) {
      if (seen !== null && status.build !== seen) { location.reload(); return; }
      seen = status.build;
      show(status.errors);
      setTimeout(poll, 500);
    }, function () { setTimeout(poll, 2000); });
  }
  poll();
})();
</script>
"#;

/// Hands a request for the intake's path to the function's handler, as API Gateway would.
async fn answer_intake(store: &SqliteStore, intake: &Intake, request: &mut tiny_http::Request) -> Reply {
    let mut body = Vec::new();
    let limit = function::MAX_BODY as u64 + 1;
    if request.as_reader().take(limit).read_to_end(&mut body).is_err() {
        return Response::from_data(Vec::new()).with_status_code(400);
    }
    let mut builder = http::Request::builder().method(request.method().as_str()).uri(request.url());
    for header in request.headers() {
        builder = builder.header(header.field.as_str().as_str(), header.value.as_str());
    }
    let Ok(http_request) = builder.body(body) else {
        return Response::from_data(Vec::new()).with_status_code(400);
    };
    let response = function::handle(store, intake, http_request).await;
    let mut reply = Response::from_data(response.body().clone()).with_status_code(response.status().as_u16());
    for (name, value) in response.headers() {
        if let Ok(header) = Header::from_bytes(name.as_str().as_bytes(), value.as_bytes()) {
            reply.add_header(header);
        }
    }
    reply
}

pub(crate) fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

fn respond(root: &Path, url: &str) -> Reply {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let Some(file) = file_for(root, path) else {
        return not_found(root, path);
    };
    if file.is_dir() {
        let location = Header::from_bytes("Location", format!("{path}/")).expect("valid header");
        return Response::from_data(Vec::new()).with_status_code(301).with_header(location);
    }
    match std::fs::read(&file) {
        Ok(bytes) if file.extension().is_some_and(|ext| ext == "html") => {
            let html = String::from_utf8_lossy(&bytes);
            let html = match html.rfind("</body>") {
                Some(end) => format!("{}{LIVE_SCRIPT}{}", &html[..end], &html[end..]),
                None => html.into_owned(),
            };
            Response::from_data(html.into_bytes()).with_header(content_type(&file))
        }
        Ok(bytes) => Response::from_data(bytes).with_header(content_type(&file)),
        Err(_) => not_found(root, path),
    }
}

/// Maps a URL path to a file below `root`, refusing anything that would leave it.
fn file_for(root: &Path, path: &str) -> Option<PathBuf> {
    let mut file = root.to_path_buf();
    for part in path.split('/').filter(|part| !part.is_empty()) {
        if part == ".." || part.contains('\\') {
            return None;
        }
        file.push(part);
    }
    if path.ends_with('/') {
        file.push("index.html");
    }
    file.exists().then_some(file)
}

fn not_found(root: &Path, path: &str) -> Reply {
    let lang = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let page =
        [root.join(lang).join("404.html"), root.join("404.html")].into_iter().find_map(|file| std::fs::read(file).ok());
    Response::from_data(page.unwrap_or_else(|| b"404".to_vec()))
        .with_status_code(404)
        .with_header(Header::from_bytes("Content-Type", "text/html; charset=utf-8").expect("valid header"))
}

fn content_type(file: &Path) -> Header {
    let kind = match file.extension().and_then(|ext| ext.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "xml" => "application/xml; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        _ => "application/octet-stream",
    };
    Header::from_bytes("Content-Type", kind).expect("valid header")
}
