//! The entry page: the site's application form, made from the same view of
//! `content/form.toml` ([`content_model::form_view`]), with the answers typed so far and each
//! field's message beside it, the secretariat's own questions (how it came, when, who keyed it
//! in), and the page that shows the code to write on the paper.

use std::collections::BTreeMap;

use content_model::{form_view, FieldView};
use serde::Serialize;
use tera::{Context, Tera};

use super::EntryContent;

/// The page's template, part of the binary so the tool needs no files besides `content/`.
/// Tera escapes every value in it, since its name ends in `.html`.
const TEMPLATE: (&str, &str) = ("entry.html", include_str!("../templates/entry.html"));

/// The page's stylesheet, served at [`STYLESHEET_PATH`] (the page's policy allows no inline style).
pub(crate) const STYLESHEET: &str = "body{font:16px/1.45 system-ui,\"Noto Sans\",\"DejaVu Sans\",sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}\
h1{font-size:1.5rem}fieldset{border:1px solid #bbb;margin:1rem 0;padding:.5rem 1rem}legend{font-weight:600}\
.field{margin:.75rem 0}.field label,.field>legend{display:block}input[type=text],input[type=tel],input[type=email],input[type=date],input[type=datetime-local],textarea{width:100%;box-sizing:border-box;font:inherit;padding:.3rem}\
.confirm{display:flex;gap:.5rem;align-items:flex-start}.confirm input{margin-top:.3rem}.yes-no label{display:inline-block;margin-right:1.5rem}\
.qid{color:#555}.req{color:#a00}.help{color:#444;font-size:.9rem;margin:.2rem 0}.error{color:#a00;font-weight:600;margin:.2rem 0}\
.invalid input,.invalid textarea{border:2px solid #a00}.summary{border:2px solid #a00;padding:.5rem 1rem}\
.receipt{background:#f3f6fa}.languages{float:right}.languages a,.languages strong{margin-left:.75rem}\
.code{font:700 3rem/1.2 ui-monospace,\"DejaVu Sans Mono\",monospace;letter-spacing:.1em;border:3px solid #1a1a1a;display:inline-block;padding:.5rem 1rem;margin:.5rem 0}\
.note{background:#fff6d5;padding:.5rem 1rem}button{font:inherit;padding:.5rem 1.5rem}";

pub(crate) const STYLESHEET_PATH: &str = "/entry.css";

/// What a post left to show again: the answers as typed, and the messages by field name.
#[derive(Debug, Default)]
pub(crate) struct Typed {
    pub(crate) values: BTreeMap<String, String>,
    pub(crate) errors: BTreeMap<String, String>,
    /// Every message with its question, in the order of the page, for the summary above it.
    pub(crate) summary: Vec<(String, String, String)>,
}

/// A stored application, as the page after saving shows it.
pub(crate) struct Stored<'a> {
    pub(crate) code: &'a str,
    /// False when this page's submission id had been stored before (a reload, a second click).
    pub(crate) created: bool,
    /// False when it had been stored with other answers: the first version stays.
    pub(crate) same_content: bool,
}

#[derive(Serialize)]
struct Page<'a> {
    lang: &'a str,
    languages: Vec<LanguageLink<'a>>,
    title: String,
    /// The commission's words for this page, by key without `entry_`.
    t: BTreeMap<&'static str, String>,
    form_title: &'a str,
    intro: String,
    required_mark: &'a str,
    yes: String,
    no: String,
    errors_summary: &'a str,
    stylesheet: &'static str,
    form: Option<FormPage<'a>>,
    stored: Option<StoredPage>,
    /// A page that only says something: a refused post.
    message: Option<String>,
}

#[derive(Serialize)]
struct LanguageLink<'a> {
    lang: &'a str,
    name: &'a str,
    current: bool,
}

#[derive(Serialize)]
struct FormPage<'a> {
    submission_id: &'a str,
    sections: Vec<SectionPage<'a>>,
    receipt: Vec<FieldPage<'a>>,
    summary: Vec<SummaryLine>,
}

#[derive(Serialize)]
struct SectionPage<'a> {
    id: &'a str,
    title: &'a str,
    fields: Vec<FieldPage<'a>>,
}

/// A question with what was typed and its message.
#[derive(Serialize)]
struct FieldPage<'a> {
    #[serde(flatten)]
    field: FieldView<'a>,
    value: String,
    error: Option<String>,
    /// For the secretariat's choice of how it came: `(value, label)`.
    choices: Vec<(&'static str, String)>,
}

#[derive(Serialize)]
struct SummaryLine {
    field: String,
    label: String,
    message: String,
}

#[derive(Serialize)]
struct StoredPage {
    code: String,
    note: Option<String>,
    /// The answers were not stored: this page had been stored before with others.
    changed: bool,
}

/// The keys of `content/selection.toml`'s `[text]` this page shows, without `entry_`.
const WORDS: &[&str] = &[
    "title",
    "receipt",
    "channel",
    "channel_paper",
    "channel_email",
    "received_at",
    "received_at_help",
    "entered_by",
    "submit",
    "saved_title",
    "saved_code",
    "write_code",
    "next",
];

/// A question with what was typed into it and its message.
fn field_page<'a>(view: FieldView<'a>, typed: &Typed) -> FieldPage<'a> {
    let name = view.name.unwrap_or_default();
    let value = typed.values.get(name).cloned().unwrap_or_default();
    let error = typed.errors.get(name).cloned();
    FieldPage { field: view, value, error, choices: Vec::new() }
}

pub(crate) struct Pages {
    tera: Tera,
}

impl Pages {
    pub(crate) fn new() -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates([TEMPLATE])?;
        Ok(Self { tera })
    }

    /// The form, empty (with `entered_by` filled in) or as it was posted.
    pub(crate) fn form(&self, content: &EntryContent, lang: &str, submission_id: &str, typed: &Typed) -> String {
        let intake = &content.intake;
        let view = form_view(intake.form(), lang, content.dates(lang), intake.deadline(), "/", intake.now(), true);
        let sections = view
            .sections
            .into_iter()
            .map(|section| SectionPage {
                id: section.id,
                title: section.title,
                fields: section.fields.into_iter().map(|view| field_page(view, typed)).collect(),
            })
            .collect();
        let receipt = content
            .receipt_fields(lang)
            .into_iter()
            .map(|(view, choices)| FieldPage { choices, ..field_page(view, typed) })
            .collect();
        let form = FormPage {
            submission_id,
            sections,
            receipt,
            summary: typed
                .summary
                .iter()
                .map(|(field, label, message)| SummaryLine {
                    field: field.clone(),
                    label: label.clone(),
                    message: message.clone(),
                })
                .collect(),
        };
        self.render(content, lang, Some(form), None, None)
    }

    /// The code, large, and the way to the next application.
    pub(crate) fn stored(&self, content: &EntryContent, lang: &str, stored: &Stored<'_>) -> String {
        let words = &content.selection;
        let note = match (stored.created, stored.same_content) {
            (_, false) => Some(words.text("entry_changed", lang, &[("code", stored.code)])),
            (false, true) => Some(words.text("entry_stored_before", lang, &[])),
            (true, true) => None,
        };
        let page = StoredPage { code: stored.code.to_string(), note, changed: !stored.same_content };
        self.render(content, lang, None, Some(page), None)
    }

    /// A page that only says `message`, with the way back to an empty form.
    pub(crate) fn message(&self, content: &EntryContent, lang: &str, message: String) -> String {
        self.render(content, lang, None, None, Some(message))
    }

    fn render(
        &self,
        content: &EntryContent,
        lang: &str,
        form: Option<FormPage<'_>>,
        stored: Option<StoredPage>,
        message: Option<String>,
    ) -> String {
        let intake = &content.intake;
        let words = &content.selection;
        let form_texts = &intake.form().text;
        let form_text = |key: &str| form_texts.get(key).map_or("", |text| text.get(lang));
        let deadline = intake.deadline().map(|at| content.dates(lang).date_time(at)).unwrap_or_default();
        let page = Page {
            lang,
            languages: intake
                .languages()
                .iter()
                .map(|code| LanguageLink {
                    lang: code,
                    name: intake.language_name(code).unwrap_or(code),
                    current: code == lang,
                })
                .collect(),
            title: if stored.is_some() {
                words.text("entry_saved_title", lang, &[])
            } else {
                words.text("entry_title", lang, &[])
            },
            t: WORDS.iter().map(|key| (*key, words.text(&format!("entry_{key}"), lang, &[]))).collect(),
            form_title: intake.form().title.get(lang),
            intro: words.text("entry_intro", lang, &[("deadline", &deadline)]),
            required_mark: form_text("required_mark"),
            yes: words.text("yes", lang, &[]),
            no: words.text("no", lang, &[]),
            errors_summary: form_text("errors_summary"),
            stylesheet: STYLESHEET_PATH,
            form,
            stored,
            message,
        };
        match Context::from_serialize(&page).and_then(|context| self.tera.render(TEMPLATE.0, &context)) {
            Ok(html) => html,
            // The template is part of the binary and its tests render every kind of page:
            // should it still fail, the secretariat reads why, never a blank page.
            Err(err) => format!(
                "<!DOCTYPE html><meta charset=\"utf-8\"><title>error</title><p>{}</p>",
                content_model::escape_html(&content_model::with_causes(&err))
            ),
        }
    }
}
