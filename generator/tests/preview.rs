//! `generator serve` applies an edit of a report to the site it serves instead of building it
//! all again, and what it serves after any edit is byte for byte what a whole build of the
//! same sources makes, search index included.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use generator::BuildOptions;
use walkdir::WalkDir;

const AT: &str = "2020-12-01T12:00:00+06:00";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The preview's live status: (build, errors, indexing).
fn status(port: u16) -> Option<(u64, Vec<String>, bool)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET /_mektep/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let body = response.split("\r\n\r\n").nth(1)?;
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let errors = json["errors"].as_array()?.iter().filter_map(|e| e.as_str().map(str::to_string)).collect();
    Some((json["build"].as_u64()?, errors, json["indexing"].as_bool()?))
}

/// Waits until the preview has taken in an edit: a build after `after` with its search
/// index, or (when `mistakes` are expected) errors.
fn settled(port: u16, after: u64, mistakes: bool) -> (u64, Vec<String>) {
    let start = Instant::now();
    loop {
        if let Some((build, errors, indexing)) = status(port) {
            if !indexing && (build > after || (mistakes && !errors.is_empty())) {
                return (build, errors);
            }
        }
        assert!(start.elapsed() < Duration::from_secs(120), "the preview did not take in the edit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every file below `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let relative = entry.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            (relative, std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// The folder the preview serves: its newest build.
fn served(public: &Path) -> PathBuf {
    std::fs::read_dir(public)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap().to_string_lossy().starts_with("build-"))
        .max_by_key(|path| path.file_name().unwrap().to_string_lossy()[6..].parse::<u64>().unwrap())
        .unwrap()
}

/// Asserts that the served site is what a whole build of `content` makes now.
fn same_as_whole_build(step: &str, root: &Path, content: &Path) {
    let fresh = root.join(format!("fresh-{}", step.split(':').next().unwrap()));
    generator::build(&BuildOptions {
        content_dir: content.to_path_buf(),
        templates_dir: common::repo().join("templates"),
        output_dir: fresh.clone(),
        now: common::at(AT),
        pinned: true,
        drafts: true,
        cache_dir: None,
    })
    .unwrap();
    let (served, built) = (files(&served(&root.join("public"))), files(&fresh));
    let only_served: Vec<&String> = served.keys().filter(|path| !built.contains_key(*path)).collect();
    let only_built: Vec<&String> = built.keys().filter(|path| !served.contains_key(*path)).collect();
    assert!(
        only_served.is_empty() && only_built.is_empty(),
        "{step}: only served: {only_served:?}; only in the whole build: {only_built:?}"
    );
    let differ: Vec<&String> =
        served.iter().filter(|(path, bytes)| built.get(*path) != Some(bytes)).map(|(p, _)| p).collect();
    assert!(
        differ.is_empty(),
        "{step}: {} files differ from a whole build, first {:?}",
        differ.len(),
        &differ[..differ.len().min(8)]
    );
    std::fs::remove_dir_all(&fresh).unwrap();
}

/// 24 reports per language besides the frozen content's, older than them (so that the home
/// page's newest three stay the same), on three tags and two stages; the search index in
/// parts of 20 pages, so that an edit remakes its own part and the others must stay as they
/// were.
fn add_reports(content: &Path) {
    edit(&content.join("config.toml"), |text| {
        text.replacen("\ntimezone = ", "\nsearch_index_pages = 20\ntimezone = ", 1)
    });
    let tags = [("ky", ["Тег А", "Тег Б", "Тег В"]), ("ru", ["Тег А", "Тег Б", "Тег В"])];
    for (lang, names) in tags {
        for i in 1..=24 {
            let mut on = vec![names[i % 2]];
            if i % 3 == 0 {
                on.push(names[2]);
            }
            let tags = on.iter().map(|tag| format!("\"{tag}\"")).collect::<Vec<_>>().join(", ");
            let text = format!(
                "+++\ntitle = \"Отчёт {i:02}\"\nslug = \"otchet-{i:02}\"\ndate = 2020-11-0{day}\nstage = \"{stage}\"\n\
                 tags = [{tags}]\nsummary = \"Кыскача {i}.\"\n+++\n\nТекст {i}: [этаптар](@/stages/_index.md).\n\n## Бөлүм {i}\n",
                day = 1 + (i - 1) / 3,
                stage = if i % 2 == 0 { "IV" } else { "V" },
            );
            std::fs::write(content.join(format!("reports/otchet-{i:02}.{lang}.md")), text).unwrap();
        }
    }
}

fn edit(file: &Path, change: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(file).unwrap();
    let changed = change(text);
    std::fs::write(file, changed).unwrap();
}

#[test]
fn edits_of_reports_are_applied_in_place_and_match_a_whole_build() {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    add_reports(&content);
    let log = root.path().join("serve.log");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _server = Server(
        common::serve_command(&content, root.path(), port, AT)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let (mut build, errors) = settled(port, 0, false);
    assert!(errors.is_empty(), "{errors:?}");
    same_as_whole_build("0: the first build", root.path(), &content);
    let site = served(&root.path().join("public"));
    assert!(site.join("ky/pagefind-3/pagefind-entry.json").exists(), "the Kyrgyz index is in parts");

    let reports = content.join("reports");
    let ky = |i: u32| reports.join(format!("otchet-{i:02}.ky.md"));
    let ru = |i: u32| reports.join(format!("otchet-{i:02}.ru.md"));
    // Each step: what it does, and whether the preview may apply it in place.
    type Step<'a> = (&'a str, Box<dyn Fn() + 'a>, bool);
    let steps: Vec<Step> = vec![
        (
            "1: a report's text",
            Box::new(|| edit(&ky(12), |t| format!("{t}\nЖаңы абзац, издөөгө: кызылгүлдүү.\n"))),
            true,
        ),
        (
            "1b: a heading, which changes the page's ids",
            Box::new(|| edit(&ky(12), |t| t.replace("## Бөлүм 12", "## Бөлүм он эки"))),
            true,
        ),
        ("2: its title", Box::new(|| edit(&ky(12), |t| t.replace("Отчёт 12", "Отчёт он эки"))), true),
        (
            "3: a date that moves it across pages",
            Box::new(|| edit(&ky(1), |t| t.replace("2020-11-01", "2020-11-08"))),
            true,
        ),
        (
            "4: its tags, among those there are",
            Box::new(|| edit(&ky(13), |t| t.replace("tags = [\"Тег Б\"]", "tags = [\"Тег Б\", \"Тег А\"]"))),
            true,
        ),
        ("5: its stage", Box::new(|| edit(&ky(12), |t| t.replace("stage = \"IV\"", "stage = \"V\""))), true),
        (
            "6: a Russian report",
            Box::new(|| edit(&ru(3), |t| t.replace("Текст 3", "Изменённый текст 3, с поиском: васильковый"))),
            true,
        ),
        (
            "7: the newest report, on the home page",
            Box::new(|| {
                edit(&reports.join("mentoring-calendar.ky.md"), |t| {
                    t.replace("Насаатчылыктын календары", "Насаатчылыктын жаңы календары")
                })
            }),
            true,
        ),
        (
            "7b: a tag no report had",
            Box::new(|| edit(&ky(14), |t| t.replace("tags = [\"Тег А\"]", "tags = [\"Тег А\", \"Жаңы тег\"]"))),
            false,
        ),
        (
            "8: two reports at once",
            Box::new(|| {
                edit(&ky(20), |t| t.replace("Кыскача 20.", "Кыскача жыйырма."));
                edit(&ru(21), |t| t.replace("Кыскача 21.", "Кратко двадцать один."));
            }),
            true,
        ),
    ];
    for (step, change, in_place) in steps {
        let lines_before = std::fs::read_to_string(&log).unwrap().lines().count();
        change();
        let (now, errors) = settled(port, build, false);
        assert!(errors.is_empty(), "{step}: {errors:?}");
        build = now;
        // Let a second burst of events, if the save made one, settle too.
        std::thread::sleep(Duration::from_millis(300));
        let (now, _) = settled(port, build - 1, false);
        build = now;
        let log_text = std::fs::read_to_string(&log).unwrap();
        let new_lines: Vec<&str> = log_text.lines().skip(lines_before).collect();
        let whole =
            new_lines.iter().any(|line| line.starts_with("building the whole site") || line.starts_with("built "));
        let applied = new_lines.iter().any(|line| line.starts_with("updated "));
        if in_place {
            assert!(applied && !whole, "{step}: expected the edit applied in place, the preview said {new_lines:?}");
        } else {
            assert!(whole, "{step}: expected a whole build, the preview said {new_lines:?}");
        }
        same_as_whole_build(step, root.path(), &content);
    }

    // A mistake is shown and changes nothing; fixing it applies in place.
    let before = files(&served(&root.path().join("public")));
    let good = std::fs::read_to_string(ky(12)).unwrap();
    edit(&ky(12), |t| format!("{t}\n[бул шилтеме](@/nowhere.md)\n"));
    let (_, errors) = settled(port, build, true);
    assert!(errors.iter().any(|e| e.contains("otchet-12.ky.md") && e.contains("nowhere")), "{errors:?}");
    assert!(before == files(&served(&root.path().join("public"))), "a failed edit changed the served site");
    // Back as it was when last applied: nothing to make again, and the mistake is no longer shown.
    std::fs::write(ky(12), good).unwrap();
    let start = Instant::now();
    while status(port).is_none_or(|(_, errors, indexing)| !errors.is_empty() || indexing) {
        assert!(start.elapsed() < Duration::from_secs(60), "the fixed mistake is still shown");
        std::thread::sleep(Duration::from_millis(20));
    }
    same_as_whole_build("9: the mistake fixed", root.path(), &content);
}
