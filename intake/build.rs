//! Carries the content files the intake reads (site configuration, schedule, form and the
//! translation of every language) inside the Lambda binary, so that a deployment is one
//! file and the function can never disagree with the site it was built with. Only the
//! translations of the languages `config.toml` names are carried: other files may live in
//! `content/i18n/` (the glossary of terms does).

// A build script's panic is the build's error message: unwraps here stop the build and say why.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let content = content.canonicalize().unwrap_or(content);
    println!("cargo:rerun-if-changed={}", content.join("config.toml").display());
    println!("cargo:rerun-if-changed={}", content.join("schedule.toml").display());
    println!("cargo:rerun-if-changed={}", content.join("form.toml").display());
    println!("cargo:rerun-if-changed={}", content.join("i18n").display());

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
    let code = format!(
        "/// The content files this binary was built with.\npub fn embedded_texts() -> intake::IntakeTexts {{\n    intake::IntakeTexts {{\n        config: include_str!({:?}).to_string(),\n        schedule: include_str!({:?}).to_string(),\n        form: include_str!({:?}).to_string(),\n        translations: vec![\n{translations}        ],\n    }}\n}}\n",
        content.join("config.toml").display().to_string(),
        content.join("schedule.toml").display().to_string(),
        content.join("form.toml").display().to_string(),
    );
    std::fs::write(Path::new(&std::env::var("OUT_DIR").unwrap()).join("content.rs"), code).unwrap();
}
