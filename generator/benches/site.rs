//! Prints how fast the real site builds and how heavy each page is for a reader on mobile
//! data (HTML + the stylesheet, gzipped). Run: `cargo bench -p generator --bench site`.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::DateTime;
use generator::{build, BuildOptions};
use walkdir::WalkDir;

const RUNS: usize = 20;
const BUDGET: usize = 30 * 1024;

fn gzip(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap().len()
}

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let root = tempfile::tempdir().unwrap();
    let options = BuildOptions {
        content_dir: repo.join("content"),
        templates_dir: repo.join("templates"),
        output_dir: root.path().join("public"),
        now: DateTime::parse_from_rfc3339("2020-12-01T12:00:00+06:00").unwrap(),
        pinned: true,
        drafts: false,
        cache_dir: None,
    };

    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut pages = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        pages = build(&options).unwrap_or_else(|err| panic!("{err}")).pages;
        times.push(start.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("build of the real site ({pages} pages), {RUNS} runs, including writing to disk:");
    println!("  min {:.1} ms   median {:.1} ms   max {:.1} ms", ms(times[0]), ms(times[RUNS / 2]), ms(times[RUNS - 1]));

    // The stylesheet carries its content hash in its name: `style.3f2a9c1b.css`.
    let stylesheet = std::fs::read_dir(&options.output_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            path.file_name().unwrap().to_string_lossy().starts_with("style.")
                && path.extension().is_some_and(|ext| ext == "css")
        })
        .expect("the stylesheet");
    let css = gzip(&std::fs::read(stylesheet).unwrap());
    let mut weights: Vec<(usize, usize, String)> = WalkDir::new(&options.output_dir)
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "html"))
        .map(|entry| {
            let bytes = std::fs::read(entry.path()).unwrap();
            let name = entry.path().strip_prefix(&options.output_dir).unwrap().display().to_string();
            (gzip(&bytes) + css, bytes.len(), name)
        })
        .collect();
    weights.sort_by(|a, b| b.cmp(a));
    println!("page weight, HTML + stylesheet ({css} B) gzipped, budget {BUDGET} B:");
    for (gzipped, raw, name) in &weights {
        println!("  {gzipped:>6} B  ({raw:>6} B raw HTML)  {name}");
    }
    let over = weights.iter().filter(|(gzipped, _, _)| *gzipped >= BUDGET).count();
    println!("heaviest {} B, {} of {} pages over budget", weights[0].0, over, weights.len());
}
