//! The messages editors read, in Kyrgyz and Russian, from `content/i18n/messages.toml`.
//!
//! The catalogues (the real one and the frozen copy) must have every message of
//! `content-model/src/message.rs` in both languages, with its placeholders.

mod common;

use std::path::Path;

use generator::{Catalogue, Message, CATALOGUE};

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
