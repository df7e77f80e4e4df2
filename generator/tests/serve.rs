//! `generator serve` as an editor uses it: the site answers on loopback and a saved edit
//! shows up without restarting.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (status code, body) of a GET on 127.0.0.1:port.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let response = String::from_utf8_lossy(&response).to_string();
    let status = response.split(' ').nth(1)?.parse().ok()?;
    Some((status, response))
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts `generator serve` on a copy of the frozen content; returns its folder and port.
fn start() -> (tempfile::TempDir, std::path::PathBuf, u16, Server) {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Server(
        common::serve_command(&content, root.path(), port, "2020-12-01T12:00:00+06:00")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("the server", || get(port, "/ky/").is_some_and(|(status, _)| status == 200));
    (root, content, port, server)
}

/// What a raw request gets back, whatever it is: the whole response as text.
fn raw(port: u16, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).to_string()
}

#[test]
fn serve_answers_and_rebuilds_when_content_changes() {
    let (_root, content, port, _server) = start();
    let (_, home) = get(port, "/").unwrap();
    assert!(home.contains("<html lang=\"ky\">") && home.contains("text/html; charset=utf-8"));
    assert_eq!(get(port, "/ru/etapy").unwrap().0, 301, "a folder without its slash is redirected");
    let (status, missing) = get(port, "/ru/no-such-page/").unwrap();
    assert_eq!(status, 404);
    assert!(missing.contains("Страница не найдена"), "the Russian 404 page");
    assert!(get(port, "/ky/calendar.ics").unwrap().1.contains("text/calendar"));

    // The intake's thanks page loads the stylesheet and the icon it names from the site.
    let (status, thanks) = get(port, "/api/applications/thanks?lang=ru&code=482-913-5074").unwrap();
    assert_eq!(status, 200, "{thanks}");
    for rel in ["stylesheet", "icon"] {
        let href = thanks.split(&format!("<link rel=\"{rel}\" href=\"")).nth(1).unwrap_or_else(|| panic!("{thanks}"));
        let href = href.split('"').next().unwrap();
        assert_eq!(get(port, href).map(|(status, _)| status), Some(200), "the thanks page's {rel} {href}");
    }

    let build_number = || {
        let (_, response) = get(port, "/_mektep/status").unwrap();
        let body = response.split("\r\n\r\n").nth(1).unwrap().to_string();
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    let first = build_number()["build"].as_u64().unwrap();
    assert!(get(port, "/ky/").unwrap().1.contains("/_mektep/status"), "pages reload themselves after a rebuild");

    let file = content.join("results.ru.md");
    let text = std::fs::read_to_string(&file).unwrap().replace("По завершении Школы", "После окончания Школы");
    std::fs::write(&file, text).unwrap();
    wait_for("the rebuild", || {
        get(port, "/ru/rezultaty/").is_some_and(|(_, body)| body.contains("После окончания Школы"))
    });
    wait_for("the open page to learn of the rebuild", || build_number()["build"].as_u64().unwrap() > first);

    // A broken edit keeps the last good site online and says why on the page.
    std::fs::write(&file, "no front matter").unwrap();
    wait_for("the error", || build_number()["errors"].as_array().is_some_and(|errors| !errors.is_empty()));
    let errors = build_number()["errors"].to_string();
    // In the site's default language, Kyrgyz.
    assert!(errors.contains("results.ru.md:1: файл эки `+++` сабынын ортосундагы баш бөлүк"), "{errors}");
    assert!(get(port, "/ru/rezultaty/").unwrap().1.contains("После окончания Школы"));

    // A new report, a draft, shows in the preview at once.
    let run = Command::new(env!("CARGO_BIN_EXE_generator"))
        .args([
            "new",
            "report",
            "--stage",
            "III",
            "--title",
            "Мектептин биринчи күнү",
            "--date",
            "2021-01-25",
            "--content",
        ])
        .arg(&content)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    std::fs::write(&file, std::fs::read_to_string(common::frozen_content().join("results.ru.md")).unwrap()).unwrap();
    wait_for("the draft", || {
        get(port, "/ky/otchettor/mekteptin-birinchi-kunu/").is_some_and(|(status, _)| status == 200)
    });
    wait_for("the errors to clear", || build_number()["errors"].as_array().is_some_and(Vec::is_empty));
}

#[test]
fn serve_keeps_answering_through_idle_slow_and_hostile_connections() {
    let (_root, _content, port, mut server) = start();
    // Browsers keep idle connections open; slow clients send their head a byte at a time.
    let idle: Vec<TcpStream> = (0..32).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    let slow: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream.write_all(b"GET /ky/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").unwrap();
            stream
        })
        .collect();
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(get(port, "/ru/").map(|(status, _)| status), Some(200));
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "readers wait behind idle connections: {:?}",
        started.elapsed()
    );

    // The production security headers, on pages and on the intake's answers.
    let (_, page) = get(port, "/ky/").unwrap();
    let lower = page.to_lowercase();
    assert!(
        lower.contains("content-security-policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "{page}"
    );
    assert!(lower.contains("x-content-type-options: nosniff") && lower.contains("referrer-policy: "), "{page}");

    // Hostile requests get an error, never a file outside the site and never a crash.
    for path in ["/../Cargo.toml", "/%2e%2e/%2e%2e/Cargo.toml", "/ky/..%2f..%2fCargo.toml", "/%00", "/ky/%ff%fe/"] {
        let response =
            raw(port, format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes());
        assert!(!response.contains("[workspace]"), "{path} leaked a file: {response}");
        assert!(response.starts_with("HTTP/1.1 4"), "{path}: {response}");
    }
    let injected =
        raw(port, b"GET /ru/etapy%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assert!(!injected.to_lowercase().contains("set-cookie"), "{injected}");
    let bad_header =
        raw(port, b"GET /ky/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bytes: \xff\xfe\x01\r\nConnection: close\r\n\r\n");
    assert!(bad_header.starts_with("HTTP/1.1 "), "{bad_header}");
    let post = raw(port, b"POST /ky/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab");
    assert!(post.starts_with("HTTP/1.1 405"), "{post}");
    let mut huge = b"POST /api/applications HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 400000\r\nConnection: close\r\n\r\n".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 400_000));
    assert!(raw(port, &huge).starts_with("HTTP/1.1 413"), "an oversized body is refused");
    let garbage = raw(port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n");
    assert!(garbage.is_empty() || garbage.starts_with("HTTP/1.1 400"), "{garbage}");

    assert_eq!(get(port, "/ky/").map(|(status, _)| status), Some(200), "still serving");
    assert!(server.0.try_wait().unwrap().is_none(), "the server is still running");
    drop((idle, slow));
}

#[test]
fn serve_answers_only_loopback_host_names() {
    let (_root, _content, port, _server) = start();
    // A page of another site whose name was pointed at 127.0.0.1 (DNS rebinding) sends its
    // own name: no page, no draft, no live status, no intake, and nothing said about them.
    for host in ["evil.example", &format!("evil.example:{port}"), &format!("127.0.0.1.nip.io:{port}")] {
        for (method, path) in [("GET", "/ky/"), ("GET", "/_mektep/status"), ("POST", "/api/applications")] {
            let response = raw(
                port,
                format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
            assert!(response.starts_with("HTTP/1.1 421 "), "{method} {path} for {host}: {response}");
            let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
            assert!(body.is_empty(), "{method} {path} for {host} said: {body}");
        }
    }
    let named =
        |host: &str| raw(port, format!("GET /ky/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes());
    let proxied = raw(port, b"GET http://evil.example/ky/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assert!(proxied.starts_with("HTTP/1.1 421 "), "a target naming another host: {proxied}");
    for host in
        [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}"), format!("127.0.0.2:{port}")]
    {
        assert!(named(&host).starts_with("HTTP/1.1 200 "), "{host}");
    }
}

#[test]
fn serve_never_redirects_to_another_host() {
    let (_root, _content, port, _server) = start();
    // `//ky` is no path of the site, and its folder's redirect would be `//ky/`: a link to
    // the host `ky`. Folders of the site still get their slash.
    for path in ["//ky", "//ru/etapy", "//evil.example/ky"] {
        let response =
            raw(port, format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes());
        assert!(response.starts_with("HTTP/1.1 404 "), "{path}: {response}");
        assert!(!response.to_lowercase().contains("\r\nlocation:"), "{path}: {response}");
    }
    let folder = raw(port, b"GET /ru/etapy HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assert!(
        folder.starts_with("HTTP/1.1 301 ") && folder.to_lowercase().contains("\r\nlocation: /ru/etapy/\r\n"),
        "{folder}"
    );
}

#[test]
fn serve_answers_names_too_long_for_a_file_as_not_found() {
    let (_root, _content, port, _server) = start();
    // Names longer than a file's may be are not found, like any other missing page.
    let long = "a".repeat(300);
    let deep = vec!["b".repeat(200); 30].join("/");
    for path in
        [format!("/ky/{long}"), format!("/ky/{long}/"), format!("/{deep}"), format!("/ru/{}", "%D0%B0".repeat(130))]
    {
        let (status, page) = get(port, &path).unwrap();
        assert_eq!(status, 404, "{path}: {page}");
    }
}

#[test]
fn serve_closes_connections_that_send_no_request_in_time() {
    let (_root, _content, port, _server) = start();
    // One that never sends a byte, one that stops halfway through its head, and one kept
    // alive after a request, idle since.
    let silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow.write_all(b"GET /ky/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").unwrap();
    let mut idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    idle.write_all(b"GET /ky/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let started = Instant::now();
    let closed = |mut stream: TcpStream| {
        std::thread::spawn(move || {
            stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let mut received = Vec::new();
            // The end of the stream, not the read timeout: the server closed it.
            let ended = stream.read_to_end(&mut received).is_ok();
            (ended, started.elapsed(), String::from_utf8_lossy(&received).to_string())
        })
    };
    let waiting = [("silent", closed(silent)), ("slow", closed(slow)), ("idle", closed(idle))];
    for (name, waiting) in waiting {
        let (ended, after, received) = waiting.join().unwrap();
        assert!(ended, "the {name} connection was still open after {after:?}");
        assert!(after < Duration::from_secs(15), "the {name} connection was closed only after {after:?}");
        if name == "idle" {
            assert!(received.starts_with("HTTP/1.1 200 "), "the idle connection's request was answered: {received}");
        }
    }
    assert_eq!(get(port, "/ky/").map(|(status, _)| status), Some(200), "still serving");
}

/// The preview's scratch folders for the search index: `mektep-search-documents-<pid>-…` in
/// /dev/shm or the temporary folder.
fn scratch_of(pid: u32) -> Vec<std::path::PathBuf> {
    let prefix = format!("mektep-search-documents-{pid}-");
    [std::path::PathBuf::from("/dev/shm"), std::env::temp_dir()]
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flat_map(|entries| entries.flatten())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect()
}

#[test]
fn a_stopped_or_killed_preview_leaves_no_search_documents_behind() {
    // `kill` stops it as a closed terminal or a service manager would: its own are removed.
    let (_root, _content, _port, mut server) = start();
    let pid = server.0.id();
    assert_eq!(scratch_of(pid).len(), 1, "the running preview keeps its documents");
    assert!(Command::new("kill").arg(pid.to_string()).status().unwrap().success());
    let started = Instant::now();
    while server.0.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(10), "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(scratch_of(pid).is_empty(), "SIGTERM left {:?}", scratch_of(pid));

    // Killed outright, it cannot: the next build removes what it left.
    let (_root, _content, _port, mut server) = start();
    let pid = server.0.id();
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    assert_eq!(scratch_of(pid).len(), 1);
    common::build_frozen_site("2020-12-01T12:00:00+06:00");
    assert!(scratch_of(pid).is_empty(), "a build left {:?} of a process that is gone", scratch_of(pid));
}
