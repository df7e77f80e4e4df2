//! The texts keep to `content/i18n/glossary.toml`: no forbidden variant of a term stands in
//! any content or template file, in text of the language it is forbidden in.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use walkdir::WalkDir;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Glossary {
    term: Vec<Term>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Term {
    meaning: String,
    /// The word or phrase to write, per language.
    #[serde(rename = "use")]
    usage: BTreeMap<String, String>,
    /// What not to write instead, per language.
    #[serde(default)]
    forbidden: BTreeMap<String, Vec<String>>,
}

/// One forbidden variant, with `{stage}` already replaced by a stage number.
struct Variant {
    lang: String,
    text: String,
    /// Ends in a stage number: `этап I` must not match the start of `этап IV`.
    whole_word_end: bool,
    meaning: String,
    usage: String,
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn languages(content: &Path) -> Vec<String> {
    let config: toml::Table = toml::from_str(&read(&content.join("config.toml"))).unwrap();
    config["languages"].as_array().unwrap().iter().map(|lang| lang.as_str().unwrap().to_string()).collect()
}

fn stage_ids(content: &Path) -> Vec<String> {
    let schedule: toml::Table = toml::from_str(&read(&content.join("schedule.toml"))).unwrap();
    schedule["stage"].as_array().unwrap().iter().map(|stage| stage["id"].as_str().unwrap().to_string()).collect()
}

fn variants(glossary: &Glossary, stages: &[String]) -> Vec<Variant> {
    let mut out = Vec::new();
    for term in &glossary.term {
        for (lang, forbidden) in &term.forbidden {
            let usage = term.usage.get(lang).cloned().unwrap_or_default();
            for text in forbidden {
                let expanded: Vec<String> = if text.contains("{stage}") {
                    stages.iter().map(|id| text.replace("{stage}", id)).collect()
                } else {
                    vec![text.clone()]
                };
                for expanded in expanded {
                    out.push(Variant {
                        lang: lang.clone(),
                        text: expanded,
                        whole_word_end: text.ends_with("{stage}"),
                        meaning: term.meaning.clone(),
                        usage: usage.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The language of a file from its name (`iv.ru.md`, `i18n/ru.toml`), if it has one.
fn language_of_file(relative: &str, languages: &[String]) -> Option<String> {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let lang = if let Some(stem) = name.strip_suffix(".md") {
        stem.rsplit_once('.').map(|(_, lang)| lang)
    } else if relative.starts_with("i18n/") {
        name.strip_suffix(".toml")
    } else {
        None
    };
    lang.filter(|lang| languages.iter().any(|known| known == lang)).map(str::to_string)
}

/// The language of a data-file line such as `title.ru = "…"`, if it has one.
fn language_of_line(line: &str, languages: &[String]) -> Option<String> {
    let (key, _) = line.split_once('=')?;
    let last = key.trim().rsplit('.').next()?;
    languages.iter().find(|lang| *lang == last).cloned()
}

fn found_at(line: &str, variant: &Variant) -> bool {
    line.match_indices(&variant.text).any(|(at, found)| {
        !variant.whole_word_end || !line[at + found.len()..].starts_with(|c: char| c.is_alphanumeric())
    })
}

/// Every place in `text` (a file at `shown`) where a variant forbidden in its language stands.
fn problems_in(
    shown: &str,
    text: &str,
    file_lang: Option<&str>,
    languages: &[String],
    variants: &[Variant],
) -> Vec<String> {
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_lang = file_lang.map(str::to_string).or_else(|| language_of_line(line, languages));
        for variant in variants {
            if line_lang.as_ref().is_some_and(|lang| *lang != variant.lang) {
                continue;
            }
            if found_at(line, variant) {
                problems.push(format!(
                    "{shown}:{}: «{}» is not the {} glossary's word for {}: write «{}» (content/i18n/glossary.toml)",
                    index + 1,
                    variant.text,
                    variant.lang,
                    variant.meaning,
                    variant.usage
                ));
            }
        }
    }
    problems
}

fn glossary(content: &Path) -> Glossary {
    let path = content.join("i18n/glossary.toml");
    toml::from_str(&read(&path)).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn the_glossary_names_only_the_sites_languages_and_its_words_are_not_forbidden() {
    let content = common::repo().join("content");
    let languages = languages(&content);
    let glossary = glossary(&content);
    assert!(!glossary.term.is_empty());
    for term in &glossary.term {
        for lang in term.usage.keys().chain(term.forbidden.keys()) {
            assert!(languages.contains(lang), "glossary: `{lang}` in «{}» is not a language of the site", term.meaning);
        }
        for (lang, forbidden) in &term.forbidden {
            let usage = term
                .usage
                .get(lang)
                .unwrap_or_else(|| panic!("glossary: «{}» forbids {lang} words but says none to use", term.meaning));
            for variant in forbidden {
                assert!(
                    !usage.contains(variant.as_str()),
                    "glossary: «{}» forbids its own word «{variant}»",
                    term.meaning
                );
            }
        }
    }
}

#[test]
fn no_content_or_template_file_uses_a_forbidden_variant() {
    let repo = common::repo();
    let content = repo.join("content");
    let languages = languages(&content);
    let variants = variants(&glossary(&content), &stage_ids(&content));
    let mut problems = Vec::new();
    let mut checked = 0;
    for root in ["content", "templates"] {
        for entry in WalkDir::new(repo.join(root)).sort_by_file_name() {
            let entry = entry.unwrap();
            let relative = entry.path().strip_prefix(repo.join(root)).unwrap().to_string_lossy().replace('\\', "/");
            if !entry.file_type().is_file() || relative == "i18n/glossary.toml" {
                continue;
            }
            // Images and other binary files have no words.
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let file_lang = if root == "content" { language_of_file(&relative, &languages) } else { None };
            checked += 1;
            problems.extend(problems_in(
                &format!("{root}/{relative}"),
                &text,
                file_lang.as_deref(),
                &languages,
                &variants,
            ));
        }
    }
    assert!(checked > 40, "only {checked} files read");
    assert!(problems.is_empty(), "{} forbidden variants:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn a_forbidden_variant_is_reported_with_its_file_and_line_in_its_language_only() {
    let languages = vec!["ky".to_string(), "ru".to_string()];
    let glossary: Glossary = toml::from_str(
        r#"
        [[term]]
        meaning = "a stage's label"
        use.ru = "{stage} этап"
        forbidden.ru = ["Этап {stage}"]
        "#,
    )
    .unwrap();
    let variants = variants(&glossary, &["I".to_string(), "IV".to_string()]);
    let ru = problems_in(
        "content/stages/iv.ru.md",
        "+++\ntitle = \"Этап IV. Наставничество\"\n+++\n",
        Some("ru"),
        &languages,
        &variants,
    );
    assert_eq!(
        ru,
        ["content/stages/iv.ru.md:2: «Этап IV» is not the ru glossary's word for a stage's label: write «{stage} этап» (content/i18n/glossary.toml)"]
    );
    let data = "title.ky = \"Этап IV\"\ntitle.ru = \"Этап IV\"\n# Этап I\n";
    let found = problems_in("content/schedule.toml", data, None, &languages, &variants);
    assert_eq!(found.len(), 2, "the ru line and the comment, not the ky line: {found:?}");
    assert!(
        found[0].starts_with("content/schedule.toml:2: «Этап IV»")
            && found[1].starts_with("content/schedule.toml:3: «Этап I»")
    );
    assert!(problems_in("content/a.ky.md", "Этап IV", Some("ky"), &languages, &variants).is_empty());
}
