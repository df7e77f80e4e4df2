//! Faults a real store meets, injected into real stores, with clients that retry as the
//! form's page does: a 503 is retried with the same submission id until it succeeds.
//!
//! - One write in five fails, half of them before the store wrote anything and half after
//!   it committed (the hard case: the client saw a failure, yet the application is stored).
//!   Every application must end up stored exactly once, and every success for an id must
//!   carry the same code. The counts are printed: `cargo test -p intake --all-features
//!   --test faults -- --nocapture` (the DynamoDB run needs `DYNAMODB_ENDPOINT`, which
//!   `tests/run` sets).
//! - The SQLite file locked by another process for longer than the store waits: the request
//!   is a 503 with `Retry-After` after a bounded wait, never a success without a write, and
//!   the retry after the lock is gone stores it once.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::StatusCode;
use intake::{handle, Intake};
use store::{Application, CommissionStore, Saved, Store, StoreError, Suspect};
use test_support::*;

/// Which share of writes fail, in percent: half before the write, half after its commit.
const FAULT_PERCENT: u64 = 20;
/// Seeds the choice of which writes fail, so that a failing run can be repeated exactly.
const SEED: u64 = 0x6d65_6b74_6570_2031;

/// A store that fails a set share of `save` calls with a retryable error, before calling
/// the store it wraps or after that store committed. Which calls fail follows from the
/// seed, the submission id and the attempt's number only, so concurrent clients see the
/// same faults in every run.
struct Faulty<S> {
    inner: S,
    /// What each attempt to save an id met, in order.
    faults_by_id: Mutex<HashMap<String, Vec<Fault>>>,
    attempts: AtomicUsize,
    before: AtomicUsize,
    after: AtomicUsize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Before,
    After,
}

impl<S> Faulty<S> {
    fn new(inner: S) -> Self {
        Self {
            inner,
            faults_by_id: Mutex::default(),
            attempts: AtomicUsize::new(0),
            before: AtomicUsize::new(0),
            after: AtomicUsize::new(0),
        }
    }

    /// 0..100, drawn for this id's `attempt`: FNV-1a over both, then a few xorshift rounds.
    fn roll(id: &str, attempt: u64) -> u64 {
        let mut x = SEED ^ 0xcbf2_9ce4_8422_2325;
        for byte in id.bytes().chain(attempt.to_le_bytes()) {
            x = (x ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        for _ in 0..3 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        x % 100
    }
}

impl<S: Store> Store for Faulty<S> {
    async fn save(&self, application: &Application) -> Result<Saved, StoreError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let id = &application.submission_id;
        let attempt = self.faults_by_id.lock().unwrap().get(id).map_or(0, Vec::len) as u64 + 1;
        let roll = Self::roll(id, attempt);
        let fault = match roll {
            roll if roll < FAULT_PERCENT / 2 => Fault::Before,
            roll if roll < FAULT_PERCENT => Fault::After,
            _ => Fault::None,
        };
        self.faults_by_id.lock().unwrap().entry(id.clone()).or_default().push(fault);
        if fault == Fault::Before {
            self.before.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::unavailable("injected: the connection dropped before the write"));
        }
        let saved = self.inner.save(application).await?;
        if fault == Fault::After {
            self.after.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::unavailable("injected: the connection dropped after the write committed"));
        }
        Ok(saved)
    }

    async fn save_suspect(&self, suspect: &Suspect) -> Result<Saved, StoreError> {
        self.inner.save_suspect(suspect).await
    }
}

const APPLICATIONS: usize = 200;
const CLIENTS: usize = 8;
/// A client gives up after this many 503s for one application; at 20 % faults, reaching it
/// means retries cannot succeed.
const MAX_TRIES: usize = 30;

/// What one client saw for one application: every code a 2xx answer carried.
struct Seen {
    id: String,
    codes: Vec<String>,
    unavailable: usize,
    /// Tries up to and including the first success.
    tries_to_succeed: usize,
    /// Whether the first success said it created the application (JSON answers say).
    first_created: Option<bool>,
}

/// Posts application `n` (JSON for even `n`, a form post for odd) until a 2xx, then once
/// more, as a double click or a retry whose answer was lost would.
async fn apply<S: Store>(store: &S, intake: &Intake, n: usize) -> Seen {
    let id = format!("fault-{n:06}");
    let fields = with(with(valid_fields(), "submission_id", Some(&id)), "essay", Some(&format!("Эссе {id}")));
    let request = || if n.is_multiple_of(2) { post_json(&fields) } else { post_form(&fields) };
    let mut seen = Seen { id: id.clone(), codes: Vec::new(), unavailable: 0, tries_to_succeed: 0, first_created: None };
    let mut successes = 0;
    while successes < 2 {
        let response = handle(store, intake, request()).await;
        match response.status() {
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(response.headers()["retry-after"], "2", "{id}");
                seen.unavailable += 1;
                assert!(seen.unavailable < MAX_TRIES, "{id}: still unavailable after {MAX_TRIES} tries");
            }
            StatusCode::CREATED | StatusCode::OK => {
                let reply = body_json(&response);
                seen.codes.push(reply["code"].as_str().unwrap().to_string());
                if seen.codes.len() == 1 {
                    seen.first_created = reply["created"].as_bool();
                }
                successes += 1;
            }
            StatusCode::SEE_OTHER => {
                let location = response.headers()["location"].to_str().unwrap();
                seen.codes.push(location.rsplit("code=").next().unwrap().to_string());
                successes += 1;
            }
            status => panic!("{id}: {status} {}", body_text(&response)),
        }
        if successes == 1 && seen.tries_to_succeed == 0 {
            seen.tries_to_succeed = seen.unavailable + 1;
        }
    }
    seen
}

async fn every_application_is_stored_once<S: CommissionStore + 'static>(name: &str, store: S) {
    let store = Arc::new(Faulty::new(store));
    let intake = Arc::new(intake_at(DURING_INTAKE));
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (store, intake) = (Arc::clone(&store), Arc::clone(&intake));
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for n in (client..APPLICATIONS).step_by(CLIENTS) {
                seen.push(apply(&*store, &intake, n).await);
            }
            seen
        }));
    }
    let mut seen = Vec::new();
    for client in clients {
        seen.extend(client.await.unwrap());
    }

    let stored = store.inner.answers().await.unwrap();
    let mut stored_by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for answers in &stored {
        let id = answers.answers["essay"].trim_start_matches("Эссе ").to_string();
        stored_by_id.entry(id).or_default().push(answers.code.clone());
    }
    for client in &seen {
        let codes = &stored_by_id.get(&client.id).unwrap_or_else(|| panic!("{} was never stored", client.id));
        assert_eq!(codes.len(), 1, "{} stored {} times", client.id, codes.len());
        assert!(
            client.codes.iter().all(|code| *code == codes[0]),
            "{}: the client was told {:?}, the store holds {}",
            client.id,
            client.codes,
            codes[0]
        );
    }
    assert_eq!(stored.len(), APPLICATIONS, "stored applications");

    // The hard case seen from the client: when a write committed but its answer was a 503,
    // the retry is told the first code and that nothing new was created.
    let faults = store.faults_by_id.lock().unwrap().clone();
    let mut retried_after_commit = 0;
    for client in &seen {
        let Some(created) = client.first_created else { continue };
        let committed_before = faults[&client.id][..client.tries_to_succeed - 1].contains(&Fault::After);
        assert_eq!(created, !committed_before, "{}: {:?}", client.id, faults[&client.id]);
        retried_after_commit += usize::from(committed_before);
    }
    assert!(retried_after_commit > 0, "no retry followed a fault after the commit");

    let (attempts, before, after) = (
        store.attempts.load(Ordering::SeqCst),
        store.before.load(Ordering::SeqCst),
        store.after.load(Ordering::SeqCst),
    );
    let unavailable: usize = seen.iter().map(|client| client.unavailable).sum();
    println!(
        "faults ({name}): {APPLICATIONS} applications from {CLIENTS} clients, {attempts} save attempts, \
         {before} failed before the write, {after} failed after it committed, {unavailable} answered 503 \
         and retried ({retried_after_commit} JSON retries after a commit told `created: false`), {} stored, \
         each once with the code its client was given",
        stored.len()
    );
    assert_eq!(unavailable, before + after, "every injected fault is a 503, nothing else is");
    assert!(before > 0 && after > 0, "both kinds of fault were injected");
    // Each application is saved twice when nothing fails (the success and the repeat).
    let share = (before + after) * 100 / attempts;
    assert!((10..=30).contains(&share), "{share} % of writes failed, {FAULT_PERCENT} % were meant to");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_20_percent_faults_every_application_on_sqlite_is_stored_exactly_once() {
    let (_dir, store) = temp_store();
    every_application_is_stored_once("SQLite", store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_20_percent_faults_every_application_on_dynamodb_is_stored_exactly_once() {
    every_application_is_stored_once("DynamoDB", dynamo_store().await).await;
}

/// Set for the child process that holds the lock: the store file to lock.
const LOCK_FILE: &str = "MEKTEP_TEST_LOCK_FILE";
/// How long the other process holds the file: longer than the store's 5 s busy timeout.
const LOCK_HELD: Duration = Duration::from_secs(7);

/// Not a test of its own: the other process of the test below, which runs this test
/// binary again with `LOCK_FILE` set. It takes SQLite's write lock on the file, says so,
/// holds it for `LOCK_HELD` and lets go. Without `LOCK_FILE` it does nothing.
#[test]
fn other_process_holding_the_store_locked() {
    let Some(file) = std::env::var_os(LOCK_FILE) else {
        return;
    };
    let connection = rusqlite::Connection::open(file).unwrap();
    connection.execute_batch("BEGIN EXCLUSIVE").unwrap();
    println!("LOCK-TAKEN");
    std::thread::sleep(LOCK_HELD);
    connection.execute_batch("ROLLBACK").unwrap();
}

#[tokio::test]
async fn a_store_file_locked_by_another_process_is_a_503_after_a_bounded_wait_and_the_retry_lands_once() {
    let (dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let mut other = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "other_process_holding_the_store_locked", "--nocapture", "--test-threads=1"])
        .env(LOCK_FILE, dir.path().join("applications.sqlite"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(other.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|line| line.unwrap().ends_with("LOCK-TAKEN")),
        "the other process never took the lock: {:?}",
        other.wait()
    );
    let locked_at = Instant::now();

    let fields = with(valid_fields(), "submission_id", Some("locked-00000001"));
    let response = handle(&store, &intake, post_json(&fields)).await;
    let waited = locked_at.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{}", body_text(&response));
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(body_json(&response)["error"], "store_failed");
    assert!(
        waited >= Duration::from_secs(4) && waited < LOCK_HELD - Duration::from_millis(500),
        "the request waited {waited:?}: about the store's 5 s busy timeout, and less than the lock was held"
    );
    // Readers are not blocked in WAL mode: nothing was written.
    assert!(store.answers().await.unwrap().is_empty(), "a 503 must have written nothing");

    let status = other.wait().unwrap();
    assert!(status.success(), "the other process failed: {status}");
    let retry = handle(&store, &intake, post_json(&fields)).await;
    assert_eq!(retry.status(), StatusCode::CREATED, "{}", body_text(&retry));
    let code = body_json(&retry)["code"].as_str().unwrap().to_string();
    let again = handle(&store, &intake, post_json(&fields)).await;
    assert_eq!((again.status(), body_json(&again)["code"].as_str()), (StatusCode::OK, Some(code.as_str())));
    let stored = store.answers().await.unwrap();
    assert_eq!(stored.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(), [code.as_str()]);
    println!(
        "locked file: 503 with Retry-After after {:.1} s (lock held {} s), the retry stored {code} once",
        waited.as_secs_f64(),
        LOCK_HELD.as_secs()
    );
}
