//! [`Letters`]: every word and fact the messages need, read from the content folder (or from
//! the same files carried in the notifier's binary) and checked once, when loaded, so that a
//! missing word is an editor's error naming the file and key, never a key in someone's mail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};
use content_model::{
    Contact, ContentError, DatePatterns, Form, Localized, Message, Schedule, SiteConfig, Stage, Translation,
};
use serde::Deserialize;

/// The texts of the content files the messages are made from, as read from disk or as
/// embedded in the notifier at build time.
#[derive(Debug, Clone)]
pub struct LetterTexts {
    pub config: String,
    pub schedule: String,
    pub form: String,
    pub mail: String,
    /// `(language, text of content/i18n/<language>.toml)`, for how dates are written.
    pub translations: Vec<(String, String)>,
}

impl LetterTexts {
    /// Reads the files below a `content/` folder.
    pub fn read(content_dir: &Path) -> Result<Self, Vec<ContentError>> {
        let read = |name: &str| content_model::read_content_file(content_dir, name);
        let config = read("config.toml")?;
        let translations = content_model::read_translations(content_dir, &config)?;
        Ok(Self {
            config,
            schedule: read("schedule.toml")?,
            form: read("form.toml")?,
            mail: read("mail.toml")?,
            translations,
        })
    }
}

/// Every key of `[text]` in `content/mail.toml` the messages use: a missing one is refused
/// at load, in every language.
pub(crate) const TEXT_KEYS: &[&str] = &[
    "greeting",
    "code_line",
    "stage_line",
    "contacts_heading",
    "contact_person",
    "contact_email",
    "contact_phones",
    "contact_address",
    "signature",
    "automatic",
    "receipt_subject",
    "receipt_intro",
    "receipt_received",
    "receipt_keep",
    "receipt_next_heading",
    "receipt_next",
    "receipt_results",
    "receipt_answers_heading",
    "receipt_answers_note",
    "answer_yes",
    "answer_no",
    "answer_empty",
    "digest_subject",
    "digest_intro",
    "digest_code",
    "digest_group",
    "digest_lang",
    "digest_channel",
    "digest_time",
    "group_aged_28_and_over",
    "group_under_28",
    "channel_online",
    "channel_paper",
    "channel_email",
    "outcome_subject",
    "outcome_selected",
    "outcome_selected_next",
    "outcome_selected_contact",
    "outcome_reserve",
    "outcome_not_selected",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMail {
    receipt_stage: String,
    selected_stage: String,
    digest_lang: String,
    text: BTreeMap<String, Localized>,
}

/// Every word and fact of the messages, checked.
#[derive(Debug, Clone)]
pub struct Letters {
    pub(crate) languages: Vec<String>,
    pub(crate) offset: FixedOffset,
    pub(crate) contact: Contact,
    pub(crate) form: Form,
    pub(crate) dates: BTreeMap<String, DatePatterns>,
    /// The language names as each language writes itself (`Кыргызча`, `Русский`).
    pub(crate) language_names: BTreeMap<String, String>,
    pub(crate) receipt_stage: Stage,
    pub(crate) selected_stage: Stage,
    pub(crate) digest_lang: String,
    pub(crate) text: BTreeMap<String, Localized>,
}

impl Letters {
    /// Reads and checks the content folder's files.
    pub fn load(content_dir: &Path) -> Result<Self, Vec<ContentError>> {
        Self::parse(&LetterTexts::read(content_dir)?, content_dir)
    }

    /// Checks texts carried in a binary; errors name the files as `content/…`.
    pub fn from_texts(texts: &LetterTexts) -> Result<Self, Vec<ContentError>> {
        Self::parse(texts, Path::new("content"))
    }

    fn parse(texts: &LetterTexts, dir: &Path) -> Result<Self, Vec<ContentError>> {
        let config = SiteConfig::parse(&dir.join("config.toml"), &texts.config)?;
        let languages = config.languages.clone();
        let mut errors = Vec::new();
        let schedule = Schedule::parse(&dir.join("schedule.toml"), &texts.schedule, &languages)
            .map_err(|more| errors.extend(more))
            .ok();
        let form =
            Form::parse(&dir.join("form.toml"), &texts.form, &languages).map_err(|more| errors.extend(more)).ok();
        let mut dates = BTreeMap::new();
        let mut language_names = BTreeMap::new();
        for lang in &languages {
            let file = dir.join("i18n").join(format!("{lang}.toml"));
            match texts.translations.iter().find(|(known, _)| known == lang) {
                Some((_, text)) => match Translation::parse(&file, text) {
                    Ok(translation) => {
                        dates.insert(lang.clone(), translation.dates);
                        language_names.insert(lang.clone(), translation.name);
                    }
                    Err(err) => errors.push(err),
                },
                None => errors.push(ContentError::new(&file, Message::CannotRead { error: "not carried".into() })),
            }
        }
        let mail = parse_mail(&dir.join("mail.toml"), &texts.mail, &languages, schedule.as_ref())
            .map_err(|more| errors.extend(more))
            .ok();
        match (form, mail) {
            (Some(form), Some((raw, receipt_stage, selected_stage))) if errors.is_empty() => Ok(Letters {
                offset: config.offset(),
                contact: config.contact,
                languages,
                form,
                dates,
                language_names,
                receipt_stage,
                selected_stage,
                digest_lang: raw.digest_lang,
                text: raw.text,
            }),
            _ => Err(errors),
        }
    }

    /// The secretariat's address in `content/config.toml`: the notices' default recipient
    /// and Reply-To.
    pub fn contact_email(&self) -> &str {
        &self.contact.email
    }

    /// The site's languages, the default first.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// `key` of `[text]` in `lang`, its placeholders filled in. Keys are checked at load; a
    /// language the site does not have falls back to the default one.
    pub(crate) fn say(&self, key: &str, lang: &str, values: &[(&str, &str)]) -> String {
        let lang = self.lang(lang);
        let text = self.text.get(key).map_or(key, |text| text.get(lang));
        values.iter().fold(text.to_string(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
    }

    /// `lang` when it is the site's, else the default language: an entry written in a
    /// language since removed still gets a message.
    pub(crate) fn lang<'a>(&'a self, lang: &'a str) -> &'a str {
        if self.languages.iter().any(|known| known == lang) {
            lang
        } else {
            self.languages.first().map_or(lang, String::as_str)
        }
    }

    /// A moment in Bishkek time, as `lang` writes it.
    pub(crate) fn moment(&self, at: DateTime<Utc>, lang: &str) -> String {
        let at = at.with_timezone(&self.offset);
        self.dates.get(self.lang(lang)).map_or_else(|| at.to_rfc3339(), |dates| dates.date_time(at))
    }

    /// A stored moment (RFC 3339 text) in Bishkek time; the text itself if it does not parse.
    pub(crate) fn stored_moment(&self, at: &str, lang: &str) -> String {
        match DateTime::parse_from_rfc3339(at) {
            Ok(at) => self.moment(at.with_timezone(&Utc), lang),
            Err(_) => at.to_string(),
        }
    }

    /// `{stage} этап. {title}: {dates}` for a stage of the schedule.
    pub(crate) fn stage_line(&self, stage: &Stage, lang: &str) -> String {
        let dates = self.dates.get(self.lang(lang)).map(|dates| dates.period(&stage.period)).unwrap_or_default();
        self.say(
            "stage_line",
            lang,
            &[("stage", &stage.id), ("title", stage.title.get(self.lang(lang))), ("dates", &dates)],
        )
    }
}

/// Reads `content/mail.toml`: every key of [`TEXT_KEYS`] in every language, nothing else, and
/// stages that the schedule has.
fn parse_mail(
    file: &PathBuf,
    text: &str,
    languages: &[String],
    schedule: Option<&Schedule>,
) -> Result<(RawMail, Stage, Stage), Vec<ContentError>> {
    let raw: RawMail = toml::from_str(text).map_err(|err| vec![ContentError::from_toml(file, text, 1, &err)])?;
    let mut errors = Vec::new();
    let mut complain = |needle: &str, said: String| {
        errors.push(ContentError::near(file, text, needle, Message::Untranslated(said)));
    };
    for key in TEXT_KEYS.iter().filter(|key| !raw.text.contains_key(**key)) {
        complain("[text]", format!("[text] has no `{key}`, which the e-mails need"));
    }
    for (key, localized) in &raw.text {
        if !TEXT_KEYS.contains(&key.as_str()) {
            complain(&format!("{key}."), format!("[text] `{key}` is used by no e-mail: a typo?"));
        }
        for lang in localized.missing(languages) {
            complain(&format!("{key}."), format!("[text] `{key}` has no `{lang}` text"));
        }
        for lang in localized.unknown(languages) {
            complain(
                &format!("{key}.{lang}"),
                format!("[text] `{key}.{lang}`: `{lang}` is not a language of the site"),
            );
        }
    }
    if !languages.contains(&raw.digest_lang) {
        complain("digest_lang", format!("digest_lang `{}` is not a language of the site", raw.digest_lang));
    }
    let mut stage = |key: &str, id: &str| {
        let found = schedule.and_then(|schedule| schedule.stage(id)).cloned();
        if found.is_none() && schedule.is_some() {
            complain(key, format!("{key} `{id}` is not a stage of schedule.toml"));
        }
        found
    };
    let receipt_stage = stage("receipt_stage", &raw.receipt_stage);
    let selected_stage = stage("selected_stage", &raw.selected_stage);
    match (receipt_stage, selected_stage) {
        (Some(receipt), Some(selected)) if errors.is_empty() => Ok((raw, receipt, selected)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn the_content_and_its_frozen_copy_load() {
        for dir in ["content", "tests/fixtures/site/content"] {
            if let Err(errors) = Letters::load(&repo().join(dir)) {
                panic!("{dir}: {}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
            }
        }
    }

    /// The frozen content with `mail.toml` changed by `edit`, as the notifier would load it.
    fn load_with(edit: impl Fn(&str) -> String) -> Result<Letters, Vec<String>> {
        let mut texts = LetterTexts::read(&repo().join("tests/fixtures/site/content")).unwrap();
        texts.mail = edit(&texts.mail);
        Letters::from_texts(&texts).map_err(|errors| errors.iter().map(ToString::to_string).collect())
    }

    fn without_lines(text: &str, start: &str) -> String {
        text.lines().filter(|line| !line.starts_with(start)).map(|line| format!("{line}\n")).collect()
    }

    #[test]
    fn a_missing_word_names_the_file_the_key_and_the_language() {
        let errors = load_with(|text| without_lines(text, "receipt_keep.ru")).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("content/mail.toml:"), "{}", errors[0]);
        assert!(errors[0].ends_with("[text] `receipt_keep` has no `ru` text"), "{}", errors[0]);

        let errors = load_with(|text| without_lines(text, "receipt_keep.")).unwrap_err();
        assert!(
            errors.iter().any(|e| e.contains("[text] has no `receipt_keep`, which the e-mails need")),
            "{errors:?}"
        );
    }

    #[test]
    fn a_mistyped_key_language_or_stage_is_refused() {
        let errors = load_with(|text| text.replace("greeting.ky", "greting.ky")).unwrap_err();
        assert!(errors.iter().any(|e| e.contains("`greting` is used by no e-mail")), "{errors:?}");
        let errors = load_with(|text| text.replace("greeting.ru", "greeting.kg")).unwrap_err();
        assert!(errors.iter().any(|e| e.contains("`kg` is not a language of the site")), "{errors:?}");
        let errors = load_with(|text| text.replace("selected_stage = \"III\"", "selected_stage = \"3\"")).unwrap_err();
        assert!(errors.iter().any(|e| e.contains("selected_stage `3` is not a stage of schedule.toml")), "{errors:?}");
    }
}
