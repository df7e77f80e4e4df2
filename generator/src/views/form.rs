//! The application form as its page sees it: every question with what its input needs, and
//! the rules and messages the page's script checks answers with before posting, all from
//! `content/form.toml` (the function validates with the same file).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use content_model::{FieldKind, Form};
use serde::Serialize;
use serde_json::json;

use crate::load::Site;

#[derive(Serialize)]
pub(crate) struct FormView<'a> {
    pub(crate) title: &'a str,
    pub(crate) intro: &'a str,
    pub(crate) sections: Vec<FormSectionView<'a>>,
    /// Where the form posts, with the page's language: `/api/applications?lang=ky`.
    pub(crate) action: String,
    /// Whether applications were still accepted when the site was built.
    pub(crate) open: bool,
    /// The form page's words in this language (`submit`, `required_mark`, …).
    pub(crate) text: BTreeMap<&'a str, &'a str>,
    /// `closed_text` with the deadline filled in.
    pub(crate) closed_text: String,
    /// Rules and messages for the page's script, as JSON safe inside `<script>`.
    pub(crate) rules_json: String,
}

#[derive(Serialize)]
pub(crate) struct FormSectionView<'a> {
    pub(crate) id: &'a str,
    pub(crate) title: &'a str,
    pub(crate) fields: Vec<FieldView<'a>>,
}

#[derive(Serialize)]
pub(crate) struct FieldView<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: Option<&'a str>,
    pub(crate) kind: &'static str,
    pub(crate) label: &'a str,
    pub(crate) help: Option<&'a str>,
    pub(crate) required: bool,
    pub(crate) max_length: usize,
    pub(crate) max_words: Option<usize>,
    pub(crate) autocomplete: Option<&'a str>,
    /// The `<input type>` of one-line answers.
    pub(crate) input_type: &'static str,
    pub(crate) inputmode: Option<&'static str>,
}

pub(crate) fn form_view<'a>(
    form: &'a Form,
    site: &'a Site,
    lang: &str,
    now: DateTime<FixedOffset>,
    pinned: bool,
) -> FormView<'a> {
    let dates = &site.translation(lang).dates;
    let deadline = site.schedule.deadline.as_ref().map(|deadline| deadline.at);
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
        action: format!("{}?lang={lang}", site.config.intake_path()),
        open: deadline.is_none_or(|at| now < at),
        text: form.text.iter().map(|(key, text)| (key.as_str(), text.get(lang))).collect(),
        closed_text: form.message("closed_text", lang, &[("date", &deadline_text)]),
        // `</` would end the script element early.
        rules_json: rules.to_string().replace("</", "<\\/"),
    }
}
