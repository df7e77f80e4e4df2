//! Prints how fast the handler takes applications on the embedded store: submissions per
//! second and median / p99 latency, each a full valid JSON application, validated and
//! durably written (SQLite, WAL, full sync). Run: `cargo bench -p intake --bench intake`.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::DateTime;
use content_model::{FieldKind, Form};
use intake::{handle, Clock, Intake};
use store::SqliteStore;

const RUNS: usize = 2_000;

/// A valid application built from the form's own schema, with a 720-word essay.
fn application(form: &Form, n: usize) -> Vec<u8> {
    let mut fields = serde_json::Map::new();
    fields.insert("lang".into(), "ky".into());
    fields.insert("submission_id".into(), format!("bench-{n:08}").into());
    for field in form.fields().filter(|field| field.kind.is_answered()) {
        let value = match field.kind {
            FieldKind::YesNo | FieldKind::Confirm => "yes".to_string(),
            FieldKind::Date => "1990-05-17".into(),
            FieldKind::Phone => "0700 123456".into(),
            FieldKind::Email => "asel@example.kg".into(),
            FieldKind::LongText if field.max_words.is_some() => "Менин айылымда таза суу жок. ".repeat(120),
            _ => "Кара-Суу айылы".into(),
        };
        fields.insert(field.name.clone().unwrap_or_default(), value.into());
    }
    serde_json::to_vec(&fields).unwrap()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let intake =
        Intake::load(&content, Clock::Fixed(DateTime::parse_from_rfc3339("2020-12-01T12:00:00+06:00").unwrap()))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("bench.sqlite")).unwrap();
    let bodies: Vec<Vec<u8>> = (0..RUNS).map(|n| application(intake.form(), n)).collect();

    let mut latencies: Vec<Duration> = Vec::with_capacity(RUNS);
    let started = Instant::now();
    for body in bodies {
        let request =
            http::Request::post("/api/applications").header("content-type", "application/json").body(body).unwrap();
        let start = Instant::now();
        let response = handle(&store, &intake, request).await;
        latencies.push(start.elapsed());
        assert_eq!(response.status(), 201);
    }
    let total = started.elapsed();
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("{RUNS} valid applications (essay of 720 words) through the handler onto the embedded store:");
    println!("  {:.0} submissions/s", RUNS as f64 / total.as_secs_f64());
    println!(
        "  latency: median {:.2} ms   p99 {:.2} ms   max {:.2} ms (target: p99 under 5 ms)",
        ms(latencies[RUNS / 2]),
        ms(latencies[RUNS * 99 / 100]),
        ms(latencies[RUNS - 1])
    );

    let lambda = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/lambda/bootstrap");
    match std::fs::metadata(&lambda) {
        Ok(meta) => println!(
            "Lambda binary (profile `lambda`: stripped, LTO, opt-level s): {:.1} MB (target: under 10 MB)",
            meta.len() as f64 / 1e6
        ),
        Err(_) => println!("Lambda binary: not built; `bash tests/bench-intake.sh` builds it and prints its size"),
    }
}
