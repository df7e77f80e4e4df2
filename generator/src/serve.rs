//! `generator serve`: build, serve the output on 127.0.0.1, rebuild when sources change.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, FixedOffset, Local};
use notify::{RecursiveMode, Watcher};
use tiny_http::{Header, Response, Server};

use crate::{build, BuildOptions};

/// Serves the site on `127.0.0.1:port` until the process ends. With `fixed_clock` the
/// site stays as of `options.now`; otherwise each rebuild uses the current time.
pub fn serve(mut options: BuildOptions, port: u16, fixed_clock: bool) -> anyhow::Result<()> {
    let swap = Arc::new(RwLock::new(()));
    let rebuild = |options: &mut BuildOptions| {
        if !fixed_clock {
            options.now = now();
        }
        let _writing = swap
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match build(options) {
            Ok(report) => eprintln!(
                "built {} pages in {} ms",
                report.pages,
                report.elapsed.as_millis()
            ),
            // The server keeps serving the last good site; the editor reads why here.
            Err(err) => eprintln!("{err}"),
        }
    };
    rebuild(&mut options);

    let server = Server::http(("127.0.0.1", port))
        .map_err(|err| anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {err}"))?;
    eprintln!("serving http://127.0.0.1:{port}/ (Ctrl+C to stop)");
    let root = options.output_dir.clone();
    let reading = Arc::clone(&swap);
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let _reading = reading
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let response = respond(&root, request.url());
            let _ = request.respond(response);
        }
    });

    let (sender, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = sender.send(event);
    })
    .context("starting the file watcher")?;
    for dir in [&options.content_dir, &options.templates_dir] {
        watcher
            .watch(dir, RecursiveMode::Recursive)
            .with_context(|| format!("watching {}", dir.display()))?;
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
        rebuild(&mut options);
    }
    Ok(())
}

pub(crate) fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

fn respond(root: &Path, url: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let Some(file) = file_for(root, path) else {
        return not_found(root, path);
    };
    if file.is_dir() {
        let location = Header::from_bytes("Location", format!("{path}/")).expect("valid header");
        return Response::from_data(Vec::new())
            .with_status_code(301)
            .with_header(location);
    }
    match std::fs::read(&file) {
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

fn not_found(root: &Path, path: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let lang = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let page = [root.join(lang).join("404.html"), root.join("404.html")]
        .into_iter()
        .find_map(|file| std::fs::read(file).ok());
    Response::from_data(page.unwrap_or_else(|| b"404".to_vec()))
        .with_status_code(404)
        .with_header(
            Header::from_bytes("Content-Type", "text/html; charset=utf-8").expect("valid header"),
        )
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
