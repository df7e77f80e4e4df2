//! The messages editors read, in Kyrgyz and Russian, from `content/i18n/messages.toml`.
//!
//! Each folder of `fixtures/editor-mistakes/` is one mistake: its `content/` is laid over a
//! copy of the frozen content, and `expected.ky.txt` and `expected.ru.txt` hold exactly what
//! `generator check` prints about it in each language. Run with `MEKTEP_BLESS=1` to write
//! what it prints now (then read it before committing).
//!
//! The catalogues (the real one and the frozen copy) must have every message of
//! `content-model/src/message.rs` in both languages, with its placeholders.

mod common;

use std::path::{Path, PathBuf};

use generator::{BuildError, Catalogue, Message, CATALOGUE};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Every problem of the catalogue `text` in `lang`, as `file:line: message`.
fn catalogue_problems(text: &str, lang: &str) -> Vec<String> {
    match Catalogue::parse(Path::new("content/i18n/messages.toml"), text, lang) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn both_catalogues_say_every_message_in_kyrgyz_and_russian_with_its_values() {
    for content in [common::real_content(), common::frozen_content()] {
        let text = read(&content.join(CATALOGUE));
        for lang in ["ky", "ru"] {
            let problems = catalogue_problems(&text, lang);
            assert!(problems.is_empty(), "{} in {lang}:\n{}", content.display(), problems.join("\n"));
        }
    }
}

#[test]
fn a_catalogue_without_a_message_or_with_other_placeholders_is_refused_in_english_on_its_line() {
    let text = read(&common::frozen_content().join(CATALOGUE));
    let entry = |key: &str| {
        let at = text.find(&format!("\n[{key}]\n")).unwrap() + 1;
        let line = text[..at].lines().count() + 1;
        let end = text[at..].find("\n\n").map_or(text.len(), |end| at + end + 1);
        (line, text[at..end].to_string())
    };

    let (line, alt) = entry("image_without_alt");
    let without_ru: String = alt.lines().filter(|l| !l.starts_with("ru = ")).map(|l| format!("{l}\n")).collect();
    assert_eq!(
        catalogue_problems(&text.replace(&alt, &without_ru), "ru"),
        [format!(
            "content/i18n/messages.toml:{line}: `[image_without_alt]` has no `ru` text (its English: \"{}\")",
            Message::ALL.iter().find(|entry| entry.key == "image_without_alt").unwrap().english
        )]
    );
    // The Kyrgyz build does not need the Russian text.
    assert!(catalogue_problems(&text.replace(&alt, &without_ru), "ky").is_empty());

    let renamed = alt.replacen("{url}", "{src}", 1);
    let problems = catalogue_problems(&text.replace(&alt, &renamed), "ru");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(&format!(
            "content/i18n/messages.toml:{}: the `ky` text of `image_without_alt` has the placeholders {{src}}, {{url}}, \
             but the message gives {{url}}",
            line + 1
        )),
        "{problems:?}"
    );

    let misspelt = text.replace("[image_without_alt]", "[image_without_alt_text]");
    let problems = catalogue_problems(&misspelt, "ky");
    assert!(
        problems.iter().any(|p| p.starts_with(&format!(
            "content/i18n/messages.toml:{line}: `[image_without_alt_text]` is not a message of the generator"
        ))),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("`[image_without_alt]` has no `ky` text")), "{problems:?}");

    assert_eq!(
        catalogue_problems(&text, "en"),
        ["content/i18n/messages.toml: has no `en` texts: choose one of its languages with --lang (ky, ru)"]
    );
}

#[test]
fn a_catalogue_that_does_not_parse_is_reported_in_english_with_its_line() {
    let text = read(&common::frozen_content().join(CATALOGUE));
    let broken = text.replacen("\nky = \"", "\nky = «", 1);
    let line = broken.lines().position(|l| l.starts_with("ky = «")).unwrap() + 1;
    let problems = catalogue_problems(&broken, "ky");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(&format!("content/i18n/messages.toml:{line}: put the text between straight quotes")),
        "{problems:?}"
    );
}

const MOMENT: &str = "2020-12-01T12:00:00+06:00";

fn cases() -> Vec<PathBuf> {
    let dir = common::fixtures().join("editor-mistakes");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
    let mut cases: Vec<PathBuf> =
        entries.map(|entry| entry.unwrap_or_else(|err| panic!("{}: {err}", dir.display())).path()).collect();
    cases.sort();
    cases
}

/// The frozen content with the mistake of `case` in it, in a temporary folder.
fn content_with(case: &Path) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap_or_else(|err| panic!("a temporary folder: {err}"));
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    common::copy_tree(&case.join("content"), &content);
    (root, content)
}

/// What `check` says about the content with `case`'s mistake in `lang`, as the terminal
/// shows it, and the keys of the messages that are not in the catalogue (English).
fn said(case: &Path, lang: &str) -> (String, Vec<String>) {
    let (root, content) = content_with(case);
    let messages = generator::load_catalogue(&content, Some(lang)).unwrap_or_else(|errors| panic!("{errors:?}"));
    let options = common::options(&content, &root.path().join("public"), MOMENT);
    let (text, untranslated) = match generator::check(&options) {
        Ok(report) if report.warnings.is_empty() => ("(no problems reported)".to_string(), Vec::new()),
        Ok(report) => (
            report.warnings.iter().map(|warning| messages.warning(warning)).collect::<Vec<_>>().join("\n"),
            untranslated(&report.warnings),
        ),
        Err(err) => {
            let untranslated = match &err {
                BuildError::Content(errors) => untranslated(errors),
                BuildError::Write(_) => Vec::new(),
            };
            (err.in_language(&messages), untranslated)
        }
    };
    (text.replace(&format!("{}/", content.display()), "content/"), untranslated)
}

fn untranslated(errors: &[generator::ContentError]) -> Vec<String> {
    errors.iter().filter(|error| error.message.key().is_none()).map(ToString::to_string).collect()
}

#[test]
fn every_editor_mistake_is_said_in_kyrgyz_and_in_russian() {
    let cases = cases();
    assert!(cases.len() >= 20, "expected the full set of editor-mistakes fixtures");
    let bless = std::env::var_os("MEKTEP_BLESS").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy();
        for lang in ["ky", "ru"] {
            let (text, untranslated) = said(case, lang);
            if !untranslated.is_empty() {
                failures.push(format!("{name}: in English only:\n  {}", untranslated.join("\n  ")));
            }
            let expected_file = case.join(format!("expected.{lang}.txt"));
            if bless {
                std::fs::write(&expected_file, text + "\n").unwrap();
                continue;
            }
            let expected = read(&expected_file);
            if text != expected.trim_end() {
                failures.push(format!("{name} ({lang}):\n  expected:\n{expected}\n  said:\n{text}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `generator check` on `content`, with `args` after it: its exit status and what it printed
/// on stderr, with the content folder named `content/`.
fn check_command(content: &Path, args: &[&str]) -> (bool, String) {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_generator"))
        .args(["check", "--at", MOMENT, "--content"])
        .arg(content)
        .arg("--templates")
        .arg(common::repo().join("templates"))
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("generator check: {err}"));
    let stderr = String::from_utf8_lossy(&run.stderr);
    (run.status.success(), stderr.replace(&format!("{}/", content.display()), "content/"))
}

#[test]
fn the_generator_speaks_the_sites_language_unless_told_otherwise() {
    let case = common::fixtures().join("editor-mistakes/image-without-alt");
    let (_root, content) = content_with(&case);
    // Kyrgyz, the first language in content/config.toml.
    let (ok, stderr) = check_command(&content, &[]);
    assert!(!ok);
    assert_eq!(stderr.trim_end(), read(&case.join("expected.ky.txt")).trim_end());
    let (ok, stderr) = check_command(&content, &["--lang", "ru"]);
    assert!(!ok);
    assert_eq!(stderr.trim_end(), read(&case.join("expected.ru.txt")).trim_end());
}

#[test]
fn a_broken_catalogue_stops_the_command_in_english() {
    let case = common::fixtures().join("editor-mistakes/image-without-alt");
    let (_root, content) = content_with(&case);
    let catalogue = content.join(CATALOGUE);
    let text = read(&catalogue).replace("[image_without_alt]", "[image_without_alt_text]");
    std::fs::write(&catalogue, text).unwrap();
    let (ok, stderr) = check_command(&content, &[]);
    assert!(!ok);
    assert!(
        stderr.starts_with("error: content/i18n/messages.toml:")
            && stderr.contains("`[image_without_alt_text]` is not a message of the generator")
            && stderr.contains("`[image_without_alt]` has no `ky` text"),
        "{stderr}"
    );
    let (_, stderr) = check_command(&content, &["--lang", "en"]);
    assert_eq!(
        stderr.trim_end(),
        "error: content/i18n/messages.toml: has no `en` texts: choose one of its languages with --lang (ky, ru)"
    );
}
