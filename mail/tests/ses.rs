//! SES through moto's real server (`tests/.tools/venv/bin/moto_server`, installed by
//! `bash tests/setup.sh`): what a receipt looks like once SES has it, a sender not verified
//! yet, and the fault test, with a proxy in front of moto failing 30 % of sends.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use common::{application, at, letters, Logs};
use mail::{drain, SesMailer, Settings};
use mail_parser::MessageParser;
use serde_json::Value;
use store::{Delivery, MessageKind, Outbox, Store};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const FROM: &str = "mektep@vap.kg";
const SECRETARIAT: &str = "secretariat@example.kg";

/// moto's server on a free loopback port, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    fn start() -> Self {
        let server = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/.tools/venv/bin/moto_server");
        assert!(server.exists(), "{} is missing: run `bash tests/setup.sh`", server.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moto = Moto { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "moto did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every raw message moto's SES accepted, as sent.
    fn raw_messages(&self) -> Vec<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(stream, "GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (_, body) = response.split_once("\r\n\r\n").unwrap();
        let data: Value = serde_json::from_str(body).unwrap();
        data["ses"]["RawMessage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|message| message["raw_data"].as_str().unwrap().to_string())
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SES client for `endpoint`, with moto's test credentials; `retries: false` hands every
/// failure to the drain instead of the SDK's own retries.
fn client(endpoint: &str, retries: bool) -> aws_sdk_sesv2::Client {
    let retry = match retries {
        true => aws_sdk_sesv2::config::retry::RetryConfig::standard(),
        false => aws_sdk_sesv2::config::retry::RetryConfig::disabled(),
    };
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version_latest()
        .region(aws_sdk_sesv2::config::Region::new("eu-central-1"))
        .credentials_provider(aws_sdk_sesv2::config::Credentials::new("testing", "testing", None, None, "test"))
        .endpoint_url(endpoint)
        .retry_config(retry)
        .build();
    aws_sdk_sesv2::Client::from_conf(config)
}

/// What the operator does once: verify the sender identity.
async fn verify_sender(client: &aws_sdk_sesv2::Client) {
    client.create_email_identity().email_identity(FROM).send().await.unwrap();
}

/// Subject, To, Reply-To, text and HTML of a raw message.
fn read(raw: &str) -> (String, String, String, String, String) {
    let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
    let address = |list: Option<&mail_parser::Address>| {
        list.and_then(|list| list.first()).and_then(|addr| addr.address()).unwrap_or_default().to_string()
    };
    (
        message.subject().unwrap_or_default().to_string(),
        address(message.to()),
        address(message.reply_to()),
        message.body_text(0).unwrap_or_default().to_string(),
        message.body_html(0).unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn a_receipt_reaches_ses_as_text_and_html_with_her_code_and_the_secretariat_to_reply_to() {
    let moto = Moto::start();
    // The notifier's way: the standard AWS environment, AWS_ENDPOINT_URL_SES pointing at moto.
    std::env::set_var("AWS_ENDPOINT_URL_SES", moto.url());
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_REGION", "eu-central-1");
    let client = mail::ses_client().await;
    verify_sender(&client).await;
    let (_dir, store) = test_support::temp_store();
    let code = store.save(&application("s1", "ru", "asel@example.kg")).await.unwrap().code;
    let mailer = SesMailer::new(client, FROM.into(), "ABuzurmankulova@dpi.kg".into(), None);
    let drained = drain(&store, &mailer, &letters(), &Settings::new(SECRETARIAT), at(0)).await.unwrap();
    assert_eq!((drained.receipts.sent, drained.digests), (1, 1), "{drained:?}");

    let sent = moto.raw_messages();
    assert_eq!(sent.len(), 2);
    let receipts: Vec<_> = sent.iter().map(|raw| read(raw)).filter(|(_, to, ..)| to == "asel@example.kg").collect();
    assert_eq!(receipts.len(), 1);
    let (subject, _, reply_to, text, html) = &receipts[0];
    assert_eq!(subject, &format!("Ваша заявка принята: {code}"));
    assert_eq!(reply_to, "ABuzurmankulova@dpi.kg");
    assert!(text.contains(&format!("Код вашей заявки: {code}")), "{text}");
    assert!(text.contains("1 декабря 2020 г., 12:00 (время Бишкека, UTC+6)"), "{text}");
    assert!(html.contains(&format!("Код вашей заявки: {code}")), "{html}");
    assert!(matches!(
        store.outbox().await.unwrap().iter().find(|entry| entry.kind == MessageKind::Receipt).unwrap().delivery,
        Delivery::Sent { ref message_id, .. } if !message_id.is_empty()
    ));
}

/// An operator's sender not verified yet (or misspelt) refuses every message alike: each
/// is tried again later, not given up, the operator's alarm line says so without an
/// address, and once the identity is verified the next try sends it.
#[tokio::test]
async fn an_unverified_sender_is_retried_and_the_receipt_goes_once_the_identity_is_verified() {
    let logs = Logs::capture();
    let moto = Moto::start();
    let client = client(&moto.url(), true);
    let (_dir, store) = test_support::temp_store();
    let code = store.save(&application("s1", "ky", "asel@example.kg")).await.unwrap().code;
    let mailer = SesMailer::new(client.clone(), FROM.into(), SECRETARIAT.into(), None);
    let mut settings = Settings::new(SECRETARIAT);
    settings.kinds = vec![MessageKind::Receipt];
    let receipt = |entries: Vec<store::OutboxEntry>| {
        entries.into_iter().find(|entry| entry.kind == MessageKind::Receipt).unwrap().delivery
    };

    let drained = drain(&store, &mailer, &letters(), &settings, at(0)).await.unwrap();
    assert_eq!((drained.receipts.retry_later, drained.receipts.failed), (1, 0), "{drained:?}");
    assert_eq!(receipt(store.outbox().await.unwrap()), Delivery::Pending { attempts: 1, due: at(30) });
    assert!(moto.raw_messages().is_empty());
    let alarm = logs.saying("mail_sender_not_verified");
    assert_eq!(alarm.len(), 1, "{:?}", logs.lines());
    assert!(alarm[0].contains("ERROR") && alarm[0].contains("authority"), "{}", alarm[0]);
    assert!(logs.saying("mail_send_failed").is_empty());
    for line in logs.lines() {
        assert!(!line.contains("vap.kg") && !line.contains("asel"), "an address in the log: {line}");
    }

    verify_sender(&client).await;
    let drained = drain(&store, &mailer, &letters(), &settings, at(30)).await.unwrap();
    assert_eq!(drained.receipts.sent, 1, "{drained:?}");
    assert!(matches!(receipt(store.outbox().await.unwrap()), Delivery::Sent { attempts: 2, .. }));
    let sent: Vec<_> = moto.raw_messages().iter().map(|raw| read(raw)).collect();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].0.ends_with(&code), "{}", sent[0].0);
}

/// A proxy in front of moto that answers some `SendEmail` requests itself with a server
/// error or throttling, before moto sees them; everything else is passed on. One request per
/// connection (`Connection: close`), so no answer is ever read from the wrong request.
struct FaultProxy {
    port: u16,
    failed: Arc<AtomicUsize>,
    /// The JSON bodies of the `SendEmail` requests passed on to moto.
    forwarded: Arc<Mutex<Vec<Value>>>,
}

impl FaultProxy {
    async fn start(upstream: u16, fail_percent: u64) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let failed = Arc::new(AtomicUsize::new(0));
        let forwarded = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(AtomicU64::new(0));
        let (failed_count, forwarded_bodies) = (failed.clone(), forwarded.clone());
        tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                let (failed, forwarded, state) = (failed_count.clone(), forwarded_bodies.clone(), state.clone());
                tokio::spawn(async move {
                    relay(socket, upstream, fail_percent, &state, &failed, &forwarded).await;
                });
            }
        });
        Self { port, failed, forwarded }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// SplitMix64 of the request's number: the same 30 % every run, spread like chance.
fn next_random(counter: &AtomicU64) -> u64 {
    let mut z = (counter.fetch_add(1, Ordering::SeqCst) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

async fn relay(
    mut client: tokio::net::TcpStream,
    upstream: u16,
    fail_percent: u64,
    state: &AtomicU64,
    failed: &AtomicUsize,
    forwarded: &Mutex<Vec<Value>>,
) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut buffer).await.unwrap();
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..n]);
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|line| line.split_once(':').filter(|(name, _)| name.eq_ignore_ascii_case("content-length")))
        .map_or(0, |(_, value)| value.trim().parse().unwrap());
    while request.len() < head_end + length {
        let n = client.read(&mut buffer).await.unwrap();
        assert!(n > 0, "the client hung up mid-request");
        request.extend_from_slice(&buffer[..n]);
    }
    let body = request[head_end..head_end + length].to_vec();
    let is_send = head.starts_with("POST /v2/email/outbound-emails");
    if is_send && next_random(state) % 100 < fail_percent {
        let n = failed.fetch_add(1, Ordering::SeqCst);
        let (status, error) = match n % 2 {
            0 => ("500 Internal Server Error", "InternalFailure"),
            _ => ("429 Too Many Requests", "TooManyRequestsException"),
        };
        let json = format!("{{\"message\":\"{error} (fault test)\"}}");
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nx-amzn-ErrorType: {error}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
            json.len()
        );
        client.write_all(answer.as_bytes()).await.unwrap();
        return;
    }
    if is_send {
        forwarded.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
    }
    // Passed on as it came, but for one connection only.
    let mut head_lines: Vec<&str> =
        head.trim_end().lines().filter(|line| !line.to_ascii_lowercase().starts_with("connection:")).collect();
    head_lines.push("Connection: close");
    let mut upstream = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await.unwrap();
    upstream.write_all(format!("{}\r\n\r\n", head_lines.join("\r\n")).as_bytes()).await.unwrap();
    upstream.write_all(&body).await.unwrap();
    let mut response = Vec::new();
    upstream.read_to_end(&mut response).await.unwrap();
    client.write_all(&response).await.unwrap();
}

/// The fault test: SES failing 30 % of sends, 50 applications with addresses, the
/// drain run on (time moved on to the next due try) until nothing is owed: every receipt
/// reached SES exactly once, none is missing, and every notice was in exactly one digest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_ses_failing_thirty_percent_of_sends_every_receipt_is_sent_exactly_once() {
    let moto = Moto::start();
    verify_sender(&client(&moto.url(), true)).await;
    let proxy = FaultProxy::start(moto.port, 30).await;
    let mailer = SesMailer::new(client(&proxy.url(), false), FROM.into(), SECRETARIAT.into(), None);
    let (_dir, store) = test_support::temp_store();
    let mut codes = Vec::new();
    for i in 0..50 {
        let lang = if i % 2 == 0 { "ky" } else { "ru" };
        let mut application = application(&format!("sub-{i:03}"), lang, &format!("applicant{i}@example.kg"));
        application.received_at = at(i);
        codes.push(store.save(&application).await.unwrap().code);
    }
    let mut settings = Settings::new(SECRETARIAT);
    settings.digest_interval = Duration::from_secs(60);
    let mut now = at(50);
    let mut drains = 0;
    loop {
        drain(&store, &mailer, &letters(), &settings, now).await.unwrap();
        drains += 1;
        assert!(drains < 200, "still draining after {drains} runs");
        let entries = store.outbox().await.unwrap();
        let next = entries
            .iter()
            .filter_map(|entry| match entry.delivery {
                Delivery::Pending { due, .. } => Some(due),
                Delivery::Sending { lease_until, .. } => Some(lease_until),
                _ => None,
            })
            .min();
        match next {
            Some(next) => now = next.max(now + TimeDelta::seconds(1)),
            None => break,
        }
    }
    let entries = store.outbox().await.unwrap();
    assert_eq!(entries.len(), 100);
    let failed: Vec<_> = entries.iter().filter(|entry| !matches!(entry.delivery, Delivery::Sent { .. })).collect();
    assert!(failed.is_empty(), "not sent: {failed:?}");
    let retried =
        entries.iter().filter(|entry| matches!(entry.delivery, Delivery::Sent { attempts, .. } if attempts > 1));
    let retried = retried.count();
    assert!(retried > 5, "the proxy failed {} sends, few retries seen", proxy.failed.load(Ordering::SeqCst));
    assert!(proxy.failed.load(Ordering::SeqCst) >= 15, "{} sends failed", proxy.failed.load(Ordering::SeqCst));

    let sent: Vec<_> = moto.raw_messages().iter().map(|raw| read(raw)).collect();
    for code in &codes {
        let receipts = sent.iter().filter(|(subject, ..)| subject.ends_with(&format!(": {code}"))).count();
        assert_eq!(receipts, 1, "receipt of {code} sent {receipts} times");
        let in_digests = sent
            .iter()
            .filter(|(_, to, ..)| to == SECRETARIAT)
            .map(|(_, _, _, text, _)| text.matches(code.as_str()).count())
            .sum::<usize>();
        assert_eq!(in_digests, 1, "notice of {code} in {in_digests} digests");
    }
    let receipts = sent.iter().filter(|(_, to, ..)| to != SECRETARIAT).count();
    assert_eq!(receipts, 50);
    // Every send that reached SES carried the tags a bounce is traced by.
    for body in proxy.forwarded.lock().unwrap().iter() {
        let tags = body["EmailTags"].as_array().unwrap();
        let tag = |name: &str| tags.iter().find(|tag| tag["Name"] == name).and_then(|tag| tag["Value"].as_str());
        assert!(matches!(tag("kind"), Some("receipt" | "notice")), "{body}");
        assert!(tag("code").is_some_and(|code| code == "digest" || codes.iter().any(|c| c == code)), "{body}");
    }
}
