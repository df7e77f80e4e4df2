//! Each folder of `fixtures/broken/` is one mistake an editor can make, applied to a copy of
//! the frozen content (`tests/fixtures/site/content`, which editors never change, so the
//! lines `expected.txt` names stay where they are): files in its `content/` are added or
//! replace the frozen ones, and `edits.toml` changes text in place. `expected.txt` holds
//! exactly what `check` must say.
//! Run with `MEKTEP_BLESS=1` to write what it says now (then read it before committing).
//! It says it in English; a message that has no Kyrgyz and Russian text
//! (`Message::Untranslated`) is marked `(in English only)`: give it a key (see
//! content-model/src/message.rs) unless editors cannot act on it.

mod common;

use std::path::Path;

use generator::BuildError;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edits {
    edit: Vec<Edit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    find: String,
    replace: String,
}

fn apply_edits(case: &Path, content: &Path) {
    let Ok(text) = std::fs::read_to_string(case.join("edits.toml")) else {
        return;
    };
    let edits: Edits = toml::from_str(&text).unwrap();
    for edit in edits.edit {
        let file = content.join(&edit.file);
        let old = std::fs::read_to_string(&file).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        assert!(old.contains(&edit.find), "{}: the edit's `find` text is no longer in {}", case.display(), edit.file);
        std::fs::write(&file, old.replacen(&edit.find, &edit.replace, 1)).unwrap();
    }
}

/// `error` as `file:line: message`, in English, with the content folder named `content/`.
fn shown(error: &generator::ContentError, content: &Path) -> String {
    let marker = if error.message.key().is_none() { "(in English only) " } else { "" };
    format!("{marker}{}", error.to_string().replace(&format!("{}/", content.display()), "content/"))
}

fn problems_reported_for(case: &Path) -> Vec<String> {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    if case.join("content").exists() {
        common::copy_tree(&case.join("content"), &content);
    }
    apply_edits(case, &content);
    let options = common::options(&content, &root.path().join("public"), "2020-12-01T12:00:00+06:00");
    match generator::check(&options) {
        // A warning is a mistake worth a look that does not stop the build.
        Ok(report) if !report.warnings.is_empty() => {
            report.warnings.iter().map(|warning| format!("warning: {}", shown(warning, &content))).collect()
        }
        Ok(_) => vec!["(no problems reported)".to_string()],
        Err(BuildError::Content(errors)) => errors.iter().map(|error| shown(error, &content)).collect(),
        Err(other) => vec![format!("(unexpected failure) {other}")],
    }
}

#[test]
fn every_editor_mistake_is_reported_with_its_file_and_line() {
    let mut cases: Vec<_> =
        std::fs::read_dir(common::fixtures().join("broken")).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 10, "expected the full set of broken fixtures");
    let bless = std::env::var_os("MEKTEP_BLESS").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let reported = problems_reported_for(case);
        let expected_file = case.join("expected.txt");
        if bless {
            std::fs::write(&expected_file, reported.join("\n") + "\n").unwrap();
            continue;
        }
        let expected: Vec<String> = std::fs::read_to_string(&expected_file)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        if reported != expected {
            failures.push(format!(
                "{}:\n  expected:\n    {}\n  reported:\n    {}",
                case.file_name().unwrap().to_string_lossy(),
                expected.join("\n    "),
                reported.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_broken_build_leaves_the_previous_site_in_place() {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    let output = root.path().join("public");
    let options = common::options(&content, &output, "2020-12-01T12:00:00+06:00");
    generator::build(&options).unwrap();
    let before = std::fs::read_to_string(output.join("ky/index.html")).unwrap();

    std::fs::write(content.join("results.ru.md"), "no front matter\n").unwrap();
    let err = generator::build(&options).unwrap_err().to_string();
    assert!(err.contains("results.ru.md:1: the file must start with front matter"), "{err}");
    assert!(err.ends_with("1 problem found; nothing was written"), "{err}");
    assert_eq!(std::fs::read_to_string(output.join("ky/index.html")).unwrap(), before);
}

#[test]
fn check_on_the_command_line_exits_non_zero_and_lists_problems() {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    std::fs::write(content.join("results.ru.md"), "+++\ntitle = \"Итоги\"\ncolour = \"red\"\n+++\n").unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_generator"))
        .args(["check", "--content"])
        .arg(&content)
        .arg("--templates")
        .arg(common::repo().join("templates"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8(run.stderr).unwrap();
    // In the site's default language, Kyrgyz: tests/editor_messages.rs has every message.
    assert!(stderr.contains("results.ru.md:3: `colour` деген талаа жок"), "{stderr}");
    assert!(!root.path().join("public").exists(), "check must not write a site");
}
