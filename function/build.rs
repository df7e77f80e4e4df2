//! Carries the content files the intake reads (site configuration, schedule, form and the
//! translation of every language) inside the Lambda binary, so that a deployment is one
//! file and the function can never disagree with the site it was built with.

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

    let mut translations = String::new();
    let mut files: Vec<_> = std::fs::read_dir(content.join("i18n"))
        .map(|dir| dir.filter_map(Result::ok).map(|entry| entry.path()).collect())
        .unwrap_or_default();
    files.sort();
    for file in files.iter().filter(|file| file.extension().is_some_and(|ext| ext == "toml")) {
        let lang = file.file_stem().unwrap().to_string_lossy();
        println!("cargo:rerun-if-changed={}", file.display());
        writeln!(
            translations,
            "        ({lang:?}.to_string(), include_str!({:?}).to_string()),",
            file.display().to_string()
        )
        .unwrap();
    }
    let code = format!(
        "/// The content files this binary was built with.\npub fn embedded_texts() -> function::IntakeTexts {{\n    function::IntakeTexts {{\n        config: include_str!({:?}).to_string(),\n        schedule: include_str!({:?}).to_string(),\n        form: include_str!({:?}).to_string(),\n        translations: vec![\n{translations}        ],\n    }}\n}}\n",
        content.join("config.toml").display().to_string(),
        content.join("schedule.toml").display().to_string(),
        content.join("form.toml").display().to_string(),
    );
    std::fs::write(Path::new(&std::env::var("OUT_DIR").unwrap()).join("content.rs"), code).unwrap();
}
