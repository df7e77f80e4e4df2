//! The application form as its page sees it: every question with what its input needs, and
//! the rules and messages the page's script checks answers with before posting, all from
//! `content/form.toml` (the function validates with the same file). Here rather than in the
//! generator so that any program can serve the form's page: the generator's site, or a tool
//! of the secretariat's.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::json;

use crate::{DatePatterns, FieldKind, Form};

/// The application form as its page shows it, in one language.
#[derive(Serialize)]
pub struct FormView<'a> {
    pub title: &'a str,
    pub intro: &'a str,
    pub sections: Vec<FormSectionView<'a>>,
    /// Where the form posts, with the page's language: `/api/applications?lang=ky`.
    pub action: String,
    /// Whether applications are still accepted as of `now`.
    pub open: bool,
    /// The form page's words in this language (`submit`, `required_mark`, …).
    pub text: BTreeMap<&'a str, &'a str>,
    /// `closed_text` with the deadline filled in.
    pub closed_text: String,
    /// Rules and messages for the page's script, as JSON safe inside `<script>`.
    pub rules_json: String,
}

/// A section of the form: its questions under one heading.
#[derive(Serialize)]
pub struct FormSectionView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub fields: Vec<FieldView<'a>>,
}

/// One question, with what its input needs.
#[derive(Serialize)]
pub struct FieldView<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub kind: &'static str,
    pub label: &'a str,
    pub help: Option<&'a str>,
    pub required: bool,
    pub max_length: usize,
    pub max_words: Option<usize>,
    pub autocomplete: Option<&'a str>,
    /// The `<input type>` of one-line answers.
    pub input_type: &'static str,
    pub inputmode: Option<&'static str>,
}

/// The form's page in `lang`: `dates` are that language's ([`crate::Translation::dates`]),
/// `deadline` the schedule's ([`crate::Deadline::at`]), `intake_path` where the intake
/// answers ([`crate::SiteConfig::intake_path`]). The page is built as of `now`; `pinned` when
/// that is a chosen moment rather than the clock, so that the page keeps to it in the browser.
pub fn form_view<'a>(
    form: &'a Form,
    lang: &str,
    dates: &DatePatterns,
    deadline: Option<DateTime<FixedOffset>>,
    intake_path: &str,
    now: DateTime<FixedOffset>,
    pinned: bool,
) -> FormView<'a> {
    let deadline_text = deadline.map(|at| dates.date_time(at)).unwrap_or_default();
    let deadline_day = deadline.map(|at| dates.date(at.date_naive())).unwrap_or_default();
    let fields: Vec<_> = form.fields().filter(|field| field.kind.is_answered()).collect();
    let rules = json!({
        "lang": lang,
        // A page built as of now closes itself at the deadline by the reader's clock; a preview
        // pinned to a moment (`--at`) stays at that moment.
        "closesAt": deadline.filter(|_| !pinned).map(|at| at.to_rfc3339()),
        "deadlineDay": deadline.map(|at| at.date_naive().to_string()),
        "age": { "field": form.age.field, "minimum": form.age.minimum },
        "fields": fields.iter().map(|field| json!({
            "name": field.name,
            "kind": field.kind.key(),
            "required": field.required,
            "requiredWhen": field.required_when,
            "maxLength": field.max_length(),
            "maxWords": field.max_words,
        })).collect::<Vec<_>>(),
        "messages": form.messages.iter().map(|(key, text)| (key.clone(), text.get(lang).replace("{date}", &deadline_day))).collect::<BTreeMap<_, _>>(),
        "text": form.text.iter().map(|(key, text)| (key.clone(), text.get(lang).to_string())).collect::<BTreeMap<_, _>>(),
    });
    FormView {
        title: form.title.get(lang),
        intro: form.intro.get(lang),
        sections: form
            .section
            .iter()
            .map(|section| FormSectionView {
                id: &section.id,
                title: section.title.get(lang),
                fields: section
                    .field
                    .iter()
                    .map(|field| {
                        let (input_type, inputmode) = match field.kind {
                            FieldKind::Date => ("date", None),
                            FieldKind::Phone => ("tel", Some("tel")),
                            FieldKind::Email => ("email", Some("email")),
                            _ => ("text", None),
                        };
                        FieldView {
                            id: &field.id,
                            name: field.name.as_deref(),
                            kind: field.kind.key(),
                            label: field.label.get(lang),
                            help: field.help.as_ref().map(|help| help.get(lang)),
                            required: field.required,
                            max_length: field.max_length(),
                            max_words: field.max_words,
                            autocomplete: field.autocomplete.as_deref(),
                            input_type,
                            inputmode,
                        }
                    })
                    .collect(),
            })
            .collect(),
        action: format!("{intake_path}?lang={lang}"),
        open: deadline.is_none_or(|at| now < at),
        text: form.text.iter().map(|(key, text)| (key.as_str(), text.get(lang))).collect(),
        closed_text: form.message("closed_text", lang, &[("date", &deadline_text)]),
        // `</` would end the script element early.
        rules_json: rules.to_string().replace("</", "<\\/"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::Translation;

    fn real(name: &str) -> (std::path::PathBuf, String) {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content").join(name);
        let text = std::fs::read_to_string(&file).unwrap();
        (file, text)
    }

    fn moment(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    #[test]
    fn the_form_closes_at_the_deadline_and_a_pinned_page_keeps_to_its_moment() {
        let (file, text) = real("form.toml");
        let form = Form::parse(&file, &text, &["ky".into(), "ru".into()]).unwrap();
        let (file, text) = real("i18n/ru.toml");
        let dates = Translation::parse(&file, &text).unwrap().dates;
        let deadline = Some(moment("2020-12-11T17:00:00+06:00"));
        let view = |now, pinned| form_view(&form, "ru", &dates, deadline, "/api/applications", moment(now), pinned);

        let before = view("2020-12-01T12:00:00+06:00", false);
        assert!(before.open);
        assert_eq!(before.action, "/api/applications?lang=ru");
        assert!(before.rules_json.contains(r#""closesAt":"2020-12-11T17:00:00+06:00""#), "{}", before.rules_json);
        assert!(!before.rules_json.contains("</"), "a `</` would end the page's script");
        assert!(before.closed_text.contains("11 декабря 2020"), "{}", before.closed_text);

        assert!(!view("2020-12-11T17:00:00+06:00", false).open);
        let pinned = view("2020-12-01T12:00:00+06:00", true);
        assert!(pinned.rules_json.contains(r#""closesAt":null"#), "{}", pinned.rules_json);
    }
}
