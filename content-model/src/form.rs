use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::{ContentError, Localized, Message};

/// `content/form.toml`: the application form of the source, section by section, with the
/// rules every answer must follow and the messages applicants read, in every language.
/// The generator renders the form page from it and the function validates with it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// What the form is called and who fills it in, per language.
    pub title: Localized,
    pub intro: Localized,
    pub section: Vec<Section>,
    pub age: AgeRule,
    /// Errors shown next to a field, by key; `{max}`, `{count}` and `{date}` are filled in.
    pub messages: BTreeMap<String, Localized>,
    /// Other words of the form page and of the function's answers, by key.
    pub text: BTreeMap<String, Localized>,
}

/// Who may apply by age, and the two age groups the selection fills, both counted on the
/// deadline day.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeRule {
    /// The name of the date-of-birth question.
    pub field: String,
    /// Applicants younger than this on the deadline day cannot apply.
    pub minimum: u32,
    /// From this age on the deadline day an applicant is in the older group.
    pub older_from: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: Localized,
    pub field: Vec<Field>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The source's numbering: `1.1`, `7.4.2`.
    pub id: String,
    /// The name the answer is posted and stored under: `full_name`. Groups and fixed
    /// answers have none.
    #[serde(default)]
    pub name: Option<String>,
    pub kind: FieldKind,
    pub label: Localized,
    #[serde(default)]
    pub help: Option<Localized>,
    #[serde(default)]
    pub required: bool,
    /// Required only when the yes/no question of this name is answered yes.
    #[serde(default)]
    pub required_when: Option<String>,
    /// Limit in characters; every text has one (see [`Field::max_length`]).
    #[serde(default, rename = "max_length")]
    pub max_length_override: Option<usize>,
    /// Word limit for long texts (the essay: 1,000).
    #[serde(default)]
    pub max_words: Option<usize>,
    /// Personal data (name, birth date, contacts, place, work) is stored apart from the
    /// answers, so that scoring never touches it.
    #[serde(default)]
    pub personal: bool,
    /// The HTML `autocomplete` token, so phones can fill in what they know.
    #[serde(default)]
    pub autocomplete: Option<String>,
}

/// What sort of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    Text,
    LongText,
    Date,
    Phone,
    Email,
    YesNo,
    /// A box that must be ticked: eligibility rules and consent.
    Confirm,
    /// An answer the form gives itself (1.2: the applicant is a woman).
    Fixed,
    /// A heading for the answers that follow (7.4 has two online meetings).
    Group,
}

impl FieldKind {
    pub fn key(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::LongText => "long-text",
            FieldKind::Date => "date",
            FieldKind::Phone => "phone",
            FieldKind::Email => "email",
            FieldKind::YesNo => "yes-no",
            FieldKind::Confirm => "confirm",
            FieldKind::Fixed => "fixed",
            FieldKind::Group => "group",
        }
    }

    /// Whether the applicant answers this kind at all.
    pub fn is_answered(self) -> bool {
        !matches!(self, FieldKind::Fixed | FieldKind::Group)
    }
}

impl Field {
    /// The character limit: the field's own, or a sane one for its kind.
    pub fn max_length(&self) -> usize {
        self.max_length_override.unwrap_or(match self.kind {
            FieldKind::LongText => 5_000,
            FieldKind::Email => 254,
            FieldKind::Phone => 32,
            FieldKind::Date => 10,
            FieldKind::YesNo | FieldKind::Confirm => 3,
            _ => 200,
        })
    }
}

/// Keys of `[text]` the intake's answers use (its refusals, thanks and error pages): a
/// missing one would show its key to an applicant, so it is refused at load.
pub(crate) const INTAKE_TEXT_KEYS: &[&str] = &[
    "bad_request",
    "changed_text",
    "changed_title",
    "closed_text",
    "closed_title",
    "cross_site",
    "errors_back",
    "errors_summary",
    "errors_title",
    "home",
    "not_text",
    "store_broken",
    "store_failed",
    "thanks_code",
    "thanks_keep",
    "thanks_title",
    "too_large",
    "too_many_requests",
];

/// Keys of `[text]` the printed form uses (how and where to hand it in, the birth date's
/// boxes, the secretariat's box): it is printed by whoever applies on paper, where a missing
/// one would print its key, so it is refused at load too.
pub(crate) const PAPER_TEXT_KEYS: &[&str] = &[
    "office_by",
    "office_channel",
    "office_code",
    "office_email",
    "office_paper",
    "office_received",
    "office_title",
    "paper_day",
    "paper_deadline",
    "paper_how",
    "paper_month",
    "paper_more_sheets",
    "paper_signature",
    "paper_signed_on",
    "paper_where",
    "paper_year",
];

/// Message keys every form must translate, because the validator uses them.
pub(crate) const MESSAGE_KEYS: &[&str] = &[
    "required",
    "required_choice",
    "must_confirm",
    "too_long",
    "too_many_words",
    "invalid_email",
    "invalid_phone",
    "invalid_date",
    "date_in_future",
    "under_18",
    "invalid_choice",
    "control_characters",
    "invisible_characters",
];

impl Form {
    pub fn parse(file: &Path, text: &str, languages: &[String]) -> Result<Self, Vec<ContentError>> {
        let form: Form = toml::from_str(text).map_err(|err| vec![ContentError::from_toml(file, text, 1, &err)])?;
        let mut errors = Vec::new();
        let mut error_near =
            |needle: &str, message: Message| errors.push(ContentError::near(file, text, needle, message));
        for lang in form.title.missing(languages).into_iter().chain(form.intro.missing(languages)) {
            error_near("title", Message::FormTitle { lang: lang.to_string() });
        }
        for key in MESSAGE_KEYS.iter().filter(|key| !form.messages.contains_key(**key)) {
            error_near("[messages", Message::FormMissingMessage { key: key.to_string() });
        }
        for key in INTAKE_TEXT_KEYS.iter().filter(|key| !form.text.contains_key(**key)) {
            error_near("[text", Message::FormMissingText { key: key.to_string() });
        }
        for key in PAPER_TEXT_KEYS.iter().filter(|key| !form.text.contains_key(**key)) {
            error_near("[text", Message::FormMissingPaperText { key: key.to_string() });
        }
        for (table, texts) in [("messages", &form.messages), ("text", &form.text)] {
            for (key, text) in texts {
                for lang in text.missing(languages) {
                    error_near(
                        &format!("{key}."),
                        Message::FormTextLanguage {
                            table: table.to_string(),
                            key: key.clone(),
                            lang: lang.to_string(),
                        },
                    );
                }
            }
        }
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        let mut yes_no = HashSet::new();
        for field in form.fields() {
            if field.kind == FieldKind::YesNo {
                yes_no.extend(field.name.as_deref());
            }
        }
        for section in &form.section {
            for lang in section.title.missing(languages) {
                error_near(
                    &format!("\"{}\"", section.id),
                    Message::SectionTitle { id: section.id.clone(), lang: lang.to_string() },
                );
            }
            for field in &section.field {
                let needle = format!("\"{}\"", field.id);
                if !ids.insert(field.id.as_str()) {
                    error_near(&needle, Message::QuestionTwice { id: field.id.clone() });
                }
                let help_missing = field.help.as_ref().map(|help| help.missing(languages)).unwrap_or_default();
                for lang in field.label.missing(languages).into_iter().chain(help_missing) {
                    error_near(&needle, Message::QuestionLabel { id: field.id.clone(), lang: lang.to_string() });
                }
                match (&field.name, field.kind.is_answered()) {
                    (None, true) => error_near(&needle, Message::QuestionNeedsName { id: field.id.clone() }),
                    (Some(name), true) => {
                        let valid = !name.is_empty()
                            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                        if !valid || RESERVED_NAMES.contains(&name.as_str()) {
                            error_near(
                                &needle,
                                Message::QuestionName {
                                    id: field.id.clone(),
                                    name: name.clone(),
                                    reserved: format!("{RESERVED_NAMES:?}"),
                                },
                            );
                        } else if !names.insert(name.as_str()) {
                            error_near(
                                &needle,
                                Message::QuestionNameTwice { id: field.id.clone(), name: name.clone() },
                            );
                        }
                    }
                    (Some(_), false) => error_near(
                        &needle,
                        Message::QuestionTakesNoName { id: field.id.clone(), kind: field.kind.key().to_string() },
                    ),
                    (None, false) => {}
                }
                if let Some(when) = &field.required_when {
                    if !yes_no.contains(when.as_str()) {
                        error_near(&needle, Message::RequiredWhen { id: field.id.clone(), when: when.clone() });
                    }
                }
            }
        }
        match form.fields().find(|field| field.name.as_deref() == Some(form.age.field.as_str())) {
            Some(field) if field.kind != FieldKind::Date => {
                error_near("[age]", Message::AgeField { field: form.age.field.clone() })
            }
            // Every application falls in an age group, so the age question cannot be skipped.
            Some(field) if !field.required || field.required_when.is_some() => {
                error_near("[age]", Message::AgeRequired { field: form.age.field.clone() })
            }
            Some(_) => {}
            None => error_near("[age]", Message::AgeField { field: form.age.field.clone() }),
        }
        if errors.is_empty() {
            Ok(form)
        } else {
            Err(errors)
        }
    }

    /// Every question in order, answered or not.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.section.iter().flat_map(|section| section.field.iter())
    }

    /// The text of message `key` in `lang`, with its placeholders filled in.
    pub fn message(&self, key: &str, lang: &str, values: &[(&str, &str)]) -> String {
        let text = self.messages.get(key).or_else(|| self.text.get(key)).map(|text| text.get(lang)).unwrap_or(key);
        values.iter().fold(text.to_string(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
    }
}

/// Names the form posts itself, which no question may take.
pub(crate) const RESERVED_NAMES: &[&str] = &["lang", "submission_id", "website"];

#[cfg(test)]
mod tests {
    use super::*;

    /// The form of the frozen copy of the content, which editors never change: what these
    /// tests assert cannot break when the real form.toml is reworded.
    fn frozen_form_file() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/site/content/form.toml")
    }

    fn frozen_form() -> Form {
        let file = frozen_form_file();
        Form::parse(&file, &std::fs::read_to_string(&file).unwrap(), &["ky".into(), "ru".into()]).unwrap()
    }

    #[test]
    fn the_form_has_every_question_of_the_source() {
        let form = frozen_form();
        let ids: Vec<&str> = form.fields().map(|f| f.id.as_str()).collect();
        for id in ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2"] {
            assert!(ids.contains(&id), "{id}");
        }
        for id in ["6.1", "6.4", "7.1", "7.3", "7.4", "7.4.1", "7.4.2", "7.9", "8.1"] {
            assert!(ids.contains(&id), "{id}");
        }
        let essay = form.fields().find(|f| f.id == "8.1").unwrap();
        assert_eq!(essay.max_words, Some(1000));
        let personal: Vec<&str> = form.fields().filter(|f| f.personal).filter_map(|f| f.name.as_deref()).collect();
        assert_eq!(personal, ["full_name", "birth_date", "residence", "workplace", "phone", "whatsapp", "email"]);
        assert_eq!(form.fields().filter(|f| f.kind == FieldKind::Confirm).count(), 5, "eligibility and consent");
    }

    #[test]
    fn messages_fill_their_placeholders() {
        let form = frozen_form();
        assert_eq!(
            form.message("too_many_words", "ru", &[("max", "1000"), ("count", "1002")]),
            "Слишком длинно: не более 1000 слов (сейчас 1002)."
        );
    }

    #[test]
    fn required_when_must_name_a_yes_no_question() {
        let file = frozen_form_file();
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace("required_when = \"lsg_experience\"", "required_when = \"lsg\"");
        let errors = Form::parse(Path::new("content/form.toml"), &text, &["ky".into(), "ru".into()]).unwrap_err();
        assert!(
            errors[0].to_string().contains("question 3.2: `required_when = \"lsg\"` names no yes/no question"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn an_optional_age_question_is_refused_at_load() {
        let file = frozen_form_file();
        let text = std::fs::read_to_string(&file).unwrap();
        let birth = text.find("name = \"birth_date\"").unwrap();
        let required = birth + text[birth..].find("required = true").unwrap();
        let text = format!("{}required = false{}", &text[..required], &text[required + "required = true".len()..]);
        let errors = Form::parse(Path::new("content/form.toml"), &text, &["ky".into(), "ru".into()]).unwrap_err();
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(said.iter().any(|e| e.contains("[age] field `birth_date` must be `required = true`")), "{said:?}");
    }

    #[test]
    fn a_missing_text_of_the_printed_form_is_refused_at_load() {
        let file = frozen_form_file();
        let text: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with("office_code."))
            .map(|line| format!("{line}\n"))
            .collect();
        let errors = Form::parse(Path::new("content/form.toml"), &text, &["ky".into(), "ru".into()]).unwrap_err();
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            said.iter().any(|e| e.contains("[text] has no `office_code`, which the printed form needs")),
            "{said:?}"
        );
    }

    #[test]
    fn a_missing_intake_text_is_refused_at_load() {
        let file = frozen_form_file();
        let text: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with("store_broken."))
            .map(|line| format!("{line}\n"))
            .collect();
        let errors = Form::parse(Path::new("content/form.toml"), &text, &["ky".into(), "ru".into()]).unwrap_err();
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(said.iter().any(|e| e.contains("[text] has no `store_broken`")), "{said:?}");
    }
}
