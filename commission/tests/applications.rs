//! The secretariat's `applications` command as a user runs it: the built binary on a fresh
//! embedded store, what it lists with and without personal data, and what a mistyped
//! command line says.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use chrono::{TimeZone, Utc};
use store::{Application, Category, Store, Suspect};

fn applications(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_applications")).args(args).output().unwrap()
}

fn list(store: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["list", "--store", store.to_str().unwrap()];
    args.extend(extra);
    applications(&args)
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn a_mistyped_flag_is_refused_with_a_usage_and_exit_code_2() {
    let out = applications(&["list", "--personnal"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let said = stderr(&out);
    assert!(said.starts_with("error: unexpected argument '--personnal' found"), "{said}");
    assert!(said.contains("tip: a similar argument exists: '--personal'"), "{said}");
    assert!(said.contains("Usage: applications list"), "{said}");

    for (wrong, says) in [
        (&[][..], "Usage: applications [OPTIONS] <COMMAND>"),
        (&["lsit"], "error: unrecognized subcommand 'lsit'"),
        (&["list", "--store"], "error: a value is required for '--store <FILE>' but none was supplied"),
        (&["list", "extra"], "error: unexpected argument 'extra' found"),
        (&["decide", "123-456-7890", "maybe"], "error: invalid value 'maybe' for '<VERDICT>'"),
        (&["decide", "123-456-7890"], "error: the following required arguments were not provided:\n  <VERDICT>"),
        (&["erase-personal"], "error: the following required arguments were not provided:\n  --before <DATE>"),
        (&["show"], "error: the following required arguments were not provided:\n  <CODE>"),
    ] {
        let out = applications(wrong);
        assert_eq!(out.status.code(), Some(2), "{wrong:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{wrong:?}: {}", stderr(&out));
    }
}

#[test]
fn help_describes_every_flag() {
    let out = applications(&["list", "--help"]);
    let help = stdout(&out);
    for (flag, says) in [
        ("--personal", "names and contacts"),
        ("--suspects", "honeypot"),
        ("--store <FILE>", "generator serve"),
        ("--dynamodb", "APPLICATIONS_TABLE"),
    ] {
        let line = help.lines().find(|line| line.trim_start().starts_with(flag)).unwrap_or_else(|| panic!("{help}"));
        assert!(line.contains(says), "{flag} is described as {says:?}: {help}");
    }
}

#[test]
fn help_of_the_checking_commands_says_what_each_flag_is_for() {
    for (command, flag, says) in [
        ("check", "--lang <LANG>", "language of the report"),
        ("decide", "--reason <TEXT>", "ineligible"),
        ("decide", "--of <CODE>", "application kept"),
        ("decide", "--by <NAME>", "MEKTEP_SECRETARY"),
        ("withdraw", "--by <NAME>", "MEKTEP_SECRETARY"),
        ("withdraw", "--yes", "type the code again"),
        ("erase-personal", "--before <DATE>", "Bishkek time"),
        ("erase-personal", "--yes", "confirm"),
        ("show", "--personal", "readable by you only"),
        ("show", "--out <FILE>", "application-CODE.html"),
        ("show", "--content <DIR>", "commission's words"),
    ] {
        let help = stdout(&applications(&[command, "-h"]));
        let line = help
            .lines()
            .find(|line| line.trim_start().starts_with(flag))
            .unwrap_or_else(|| panic!("{command} {flag}: {help}"));
        assert!(line.contains(says), "{command} {flag} is described as {says:?}: {help}");
    }
}

#[tokio::test]
async fn list_shows_what_the_store_holds_and_names_only_when_asked() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    assert_eq!(stdout(&list(&file, &[])), "0 applications: 0 aged 28 and over, 0 under 28; 0 withdrawn\n");
    assert_eq!(
        stdout(&list(&file, &["--suspects"])),
        "0 submissions caught by the honeypot (kept apart, not applications)\n"
    );

    let application = Application {
        submission_id: "applications-list".into(),
        lang: "ru".into(),
        received_at: Utc.with_ymd_and_hms(2020, 12, 1, 8, 30, 0).unwrap(),
        category: Category::UnderTwentyEight,
        answers: BTreeMap::from([("essay".to_string(), "Эссе".to_string())]),
        personal: BTreeMap::from([
            ("full_name".to_string(), "Айгерим Секретова".to_string()),
            ("phone".to_string(), "0555 987654".to_string()),
        ]),
        channel: Default::default(),
        entered_by: None,
    };
    let code = store.save(&application).await.unwrap().code;
    let suspect = Suspect {
        submission_id: "applications-suspect".into(),
        lang: "ky".into(),
        received_at: Utc.with_ymd_and_hms(2020, 12, 1, 9, 0, 0).unwrap(),
        fields: BTreeMap::from([("website".to_string(), "http://spam".to_string())]),
    };
    let caught = store.save_suspect(&suspect).await.unwrap().code;

    let line = format!("{code}  under_28          ru  2020-12-01 14:30  online  unchecked");
    assert_eq!(
        stdout(&list(&file, &[])),
        format!("1 applications: 0 aged 28 and over, 1 under 28; 0 withdrawn\n{line}\n")
    );
    // The flags may come before the subcommand's own, as in `selection`.
    let personal = stdout(&applications(&["--store", file.to_str().unwrap(), "list", "--personal"]));
    assert_eq!(
        personal,
        format!(
            "1 applications: 0 aged 28 and over, 1 under 28; 0 withdrawn\n{line}  full_name=Айгерим Секретова; phone=0555 987654\n"
        )
    );
    let suspects = stdout(&list(&file, &["--suspects"]));
    assert_eq!(
        suspects,
        format!("1 submissions caught by the honeypot (kept apart, not applications)\n{caught}  fields: website\n")
    );
}

#[test]
fn a_store_that_is_not_there_is_named_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("missing.sqlite");
    let out = list(&file, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: store misconfigured: no store at {}: apply through `generator serve` first, or pass --store\n",
            file.display()
        )
    );
    assert!(!file.exists());
}

#[tokio::test]
async fn invisible_characters_and_line_breaks_in_stored_text_are_written_out_one_row_a_line() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    // Stored before the intake refused such characters, or straight through the store.
    let application = Application {
        submission_id: "applications-invisible".into(),
        lang: "ky".into(),
        received_at: Utc.with_ymd_and_hms(2020, 12, 1, 8, 30, 0).unwrap(),
        category: Category::AgedTwentyEightAndOver,
        answers: BTreeMap::from([("essay".to_string(), "Эссе".to_string())]),
        personal: BTreeMap::from([
            ("full_name".to_string(), "Айгуль \u{202E}gnp.exe\u{202C}".to_string()),
            ("phone".to_string(), "0555\u{200B}987654\u{E0041}".to_string()),
            ("residence".to_string(), "Нарын\n999-999-9999  aged_28_and_over\tky".to_string()),
            ("workplace".to_string(), "\u{1b}[2J".to_string()),
        ]),
        channel: Default::default(),
        entered_by: None,
    };
    let code = store.save(&application).await.unwrap().code;
    let suspect = Suspect {
        submission_id: "applications-invisible-suspect".into(),
        lang: "ky".into(),
        received_at: Utc.with_ymd_and_hms(2020, 12, 1, 9, 0, 0).unwrap(),
        fields: BTreeMap::from([("web\u{202E}site\nforged".to_string(), "x".to_string())]),
    };
    let caught = store.save_suspect(&suspect).await.unwrap().code;

    let personal = stdout(&list(&file, &["--personal"]));
    assert_eq!(
        personal,
        format!(
            "1 applications: 1 aged 28 and over, 0 under 28; 0 withdrawn\n{code}  aged_28_and_over  ky  2020-12-01 14:30  online  unchecked  \
             full_name=Айгуль <U+202E>gnp.exe<U+202C>; phone=0555<U+200B>987654<U+E0041>; \
             residence=Нарын<U+000A>999-999-9999  aged_28_and_over<U+0009>ky; workplace=<U+001B>[2J\n"
        )
    );
    let suspects = stdout(&list(&file, &["--suspects"]));
    assert_eq!(
        suspects,
        format!(
            "1 submissions caught by the honeypot (kept apart, not applications)\n{caught}  fields: web<U+202E>site<U+000A>forged\n"
        )
    );
    for printed in [&personal, &suspects] {
        assert!(!printed.chars().any(|c| store::is_invisible(c) || c == '\t' || c == '\u{1b}'), "{printed:?}");
    }
}

#[test]
fn enter_refuses_a_store_that_is_not_there_unless_told_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("aplications.sqlite");
    let output = applications(&[
        "enter",
        "--store",
        missing.to_str().unwrap(),
        "--by",
        "Айнура",
        "--port",
        "0",
        "--content",
        test_support::frozen_content().to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let said = stderr(&output);
    assert!(said.starts_with(&format!("error: no store at {}: ", missing.display())), "{said}");
    assert!(said.contains("--new-store"), "{said}");
    assert!(!missing.exists(), "no new file for a mistyped path");
}
