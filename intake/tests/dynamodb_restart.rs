//! DynamoDB goes away in the middle of a run and comes back: applicants posting at that
//! moment get 503 with `Retry-After`, never a success without a record, and every retry
//! lands once the server is back. A real DynamoDB Local of the test's own (the jar that
//! `tests/setup.sh` installs), on a data folder so that a restart keeps what was written.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::StatusCode;
use intake::handle;
use store::{CommissionStore, DynamoStore};
use test_support::*;

const CLIENTS: usize = 6;
/// Each client keeps applying this long; DynamoDB is down for part of it.
const RUN: Duration = Duration::from_secs(12);
/// A client gives up on one application after this long of 503s.
const PATIENCE: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
}

impl Server {
    /// Stops DynamoDB Local as a service is stopped, with SIGTERM, and waits for it to exit.
    /// (SIGKILL can lose a transaction DynamoDB Local had already acknowledged: it once came
    /// back without one, which real DynamoDB never does, so an outage is played with a stop.)
    fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulator() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/node_modules/amplify-dynamodb-simulator/emulator")
}

/// DynamoDB Local on `port`, keeping its data in `data`; returns once it answers.
fn start(port: u16, data: &std::path::Path) -> Server {
    let emulator = emulator();
    let child = Command::new("java")
        .arg(format!("-Djava.library.path={}", emulator.join("DynamoDBLocal_lib").display()))
        .arg("-jar")
        .arg(emulator.join("DynamoDBLocal.jar"))
        .args(["-port", &port.to_string(), "-dbPath"])
        .arg(data)
        .current_dir(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("java runs DynamoDB Local: run bash tests/setup.sh");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "DynamoDB Local did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Server { child }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_stopped_mid_run_then_started_again_loses_nothing_and_invents_nothing() {
    assert!(emulator().join("DynamoDBLocal.jar").exists(), "DynamoDB Local is not installed: run bash tests/setup.sh");
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Some(start(port, data.path()));
    let config = store::dynamodb_config().await.endpoint_url(format!("http://127.0.0.1:{port}")).build();
    let store = Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), fresh_tables()));
    store.create_tables().await.unwrap();
    let intake = Arc::new(intake_at(DURING_INTAKE));

    let stop = Arc::new(AtomicBool::new(false));
    let unavailable = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (store, intake, stop, unavailable) =
            (Arc::clone(&store), Arc::clone(&intake), Arc::clone(&stop), Arc::clone(&unavailable));
        clients.push(tokio::spawn(async move {
            // (submission id, every code a success carried)
            let mut told: Vec<(String, Vec<String>)> = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let id = format!("restart-{client}-{n:05}");
                let fields =
                    with(with(valid_fields(), "submission_id", Some(&id)), "essay", Some(&format!("Эссе {id}")));
                let mut codes = Vec::new();
                let first_try = Instant::now();
                // Post until a success, then once more, as a retry whose answer was lost.
                while codes.len() < 2 {
                    let response = handle(&*store, &intake, post_json(&fields)).await;
                    match response.status() {
                        StatusCode::CREATED | StatusCode::OK => {
                            codes.push(body_json(&response)["code"].as_str().unwrap().to_string())
                        }
                        StatusCode::SERVICE_UNAVAILABLE => {
                            assert_eq!(response.headers()["retry-after"], "2");
                            unavailable.fetch_add(1, Ordering::SeqCst);
                            assert!(first_try.elapsed() < PATIENCE, "{id}: still unavailable after {PATIENCE:?}");
                            tokio::time::sleep(Duration::from_millis(250)).await;
                        }
                        status => panic!("{id}: {status} {}", body_text(&response)),
                    }
                }
                told.push((id, codes));
                n += 1;
            }
            told
        }));
    }

    // Down for a few seconds in the middle of the run, then back on the same data.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let running = server.take();
    tokio::task::spawn_blocking(move || running.map(Server::stop)).await.unwrap();
    let down = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let data_dir = data.path().to_path_buf();
    server = Some(tokio::task::spawn_blocking(move || start(port, &data_dir)).await.unwrap());
    let outage = down.elapsed();
    tokio::time::sleep(RUN.saturating_sub(Duration::from_secs(6))).await;
    stop.store(true, Ordering::SeqCst);

    let mut told = Vec::new();
    for client in clients {
        told.extend(client.await.unwrap());
    }
    let stored = store.answers().await.unwrap();
    let mut stored_by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for answers in &stored {
        let id = answers.answers["essay"].trim_start_matches("Эссе ").to_string();
        stored_by_id.entry(id).or_default().push(answers.code.clone());
    }
    for (id, codes) in &told {
        let stored =
            stored_by_id.get(id).unwrap_or_else(|| panic!("{id} was answered with a success but never stored"));
        assert_eq!(stored.len(), 1, "{id} is stored {} times", stored.len());
        assert!(codes.iter().all(|code| *code == stored[0]), "{id}: told {codes:?}, stored {}", stored[0]);
    }
    assert_eq!(stored.len(), told.len(), "nothing is stored that no client was told about");
    let unavailable = unavailable.load(Ordering::SeqCst);
    println!(
        "dynamodb restart: {} applications from {CLIENTS} clients, each posted until a success and once more; \
         DynamoDB Local down for {:.1} s; {unavailable} answers were 503 and retried; {} stored, each once",
        told.len(),
        outage.as_secs_f64(),
        stored.len()
    );
    assert!(unavailable > 0, "the outage was seen by the clients");
    drop(server);
}
