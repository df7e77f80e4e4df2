//! Carries the content files the messages are made from (site configuration, schedule, form,
//! `mail.toml` and each language's translation file, for its dates) inside the notifier's
//! binary, as `intake/build.rs` does for the intake: a deployment is one file, and the mail
//! it sends says what the site it was built with says.

// A build script's panic is the build's error message: unwraps here stop the build and say why.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let content = content.canonicalize().unwrap_or(content);
    for name in ["config.toml", "schedule.toml", "form.toml", "mail.toml", "i18n"] {
        println!("cargo:rerun-if-changed={}", content.join(name).display());
    }
    let config: toml::Table = std::fs::read_to_string(content.join("config.toml")).unwrap().parse().unwrap();
    let languages: Vec<String> = config
        .get("languages")
        .and_then(toml::Value::as_array)
        .map(|languages| languages.iter().filter_map(|lang| lang.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut translations = String::new();
    for lang in &languages {
        let file = content.join("i18n").join(format!("{lang}.toml"));
        println!("cargo:rerun-if-changed={}", file.display());
        writeln!(
            translations,
            "        ({lang:?}.to_string(), include_str!({:?}).to_string()),",
            file.display().to_string()
        )
        .unwrap();
    }
    let file = |name: &str| content.join(name).display().to_string();
    let code = format!(
        "/// The content files this binary was built with.\n#[allow(dead_code)]\npub fn embedded_texts() -> mail::LetterTexts {{\n    mail::LetterTexts {{\n        config: include_str!({:?}).to_string(),\n        schedule: include_str!({:?}).to_string(),\n        form: include_str!({:?}).to_string(),\n        mail: include_str!({:?}).to_string(),\n        translations: vec![\n{translations}        ],\n    }}\n}}\n",
        file("config.toml"),
        file("schedule.toml"),
        file("form.toml"),
        file("mail.toml"),
    );
    std::fs::write(Path::new(&std::env::var("OUT_DIR").unwrap()).join("content.rs"), code).unwrap();
}
