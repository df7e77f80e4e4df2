//! A member's scoring sheet: every application in the pool (not set aside, not withdrawn,
//! not one she recused from) with its code, age group, whether the secretariat has checked
//! it yet, answers and essay, and an empty score per criterion with where its evidence is.
//! Never a name, a birth date, a place or a contact: the sheet is made from the answers
//! side of the store only.

use std::borrow::Cow;
use std::fmt;

use content_model::{Field, FieldKind, Form, Selection};
use serde::Serialize;
use store::StoredAnswers;

use crate::pool::{Candidate, Pool};
use crate::{criterion_column, write_csv};

/// An application's answer to `field` as a member reads it: yes and no in `lang`, nothing
/// for a question left unanswered.
fn answer(selection: &Selection, field: &Field, application: &StoredAnswers, lang: &str) -> String {
    let value = field.name.as_deref().and_then(|name| application.answers.get(name)).map(String::as_str).unwrap_or("");
    match (field.kind, value) {
        (FieldKind::YesNo, "yes") | (FieldKind::Confirm, "yes") => selection.text("yes", lang, &[]),
        (FieldKind::YesNo, "no") => selection.text("no", lang, &[]),
        _ => value.to_string(),
    }
}

fn category_label(selection: &Selection, application: &StoredAnswers, lang: &str) -> String {
    selection.text(&format!("category_{}", application.category.key()), lang, &[])
}

/// Whether the secretariat found the application eligible or has not checked it yet, in `lang`.
fn checking(selection: &Selection, candidate: &Candidate, lang: &str) -> String {
    selection.text(if candidate.checked { "checked_eligible" } else { "not_checked" }, lang, &[])
}

/// The questions a sheet shows: every answered, non-personal one.
fn questions(form: &Form) -> impl Iterator<Item = &Field> {
    form.fields().filter(|field| field.kind.is_answered() && !field.personal && field.kind != FieldKind::Confirm)
}

/// `member`'s sheet as CSV, in `lang`.
pub fn sheet_csv(form: &Form, selection: &Selection, pool: &Pool, member: &str, lang: &str) -> Vec<u8> {
    let mut header = vec![
        selection.text("code", lang, &[]),
        selection.text("category", lang, &[]),
        selection.text("sheet_checking", lang, &[]),
    ];
    header.extend(questions(form).map(|field| format!("{} {}", field.id, field.label.get(lang))));
    header.extend(selection.criteria.iter().enumerate().map(|(index, criterion)| {
        format!(
            "{} · {} ({}, {}%) · 1–5",
            criterion_column(index + 1),
            criterion.title.get(lang),
            criterion.evidence.get(lang),
            criterion.weight
        )
    }));
    let mut rows = vec![header];
    for candidate in pool.sheet_of(member) {
        let application = &candidate.answers;
        let mut row = vec![
            application.code.clone(),
            category_label(selection, application, lang),
            checking(selection, candidate, lang),
        ];
        row.extend(questions(form).map(|field| answer(selection, field, application, lang)));
        row.extend(selection.criteria.iter().map(|_| String::new()));
        rows.push(row);
    }
    write_csv(&rows)
}

/// The printable sheet's template. It is part of the binary, so the tools need no files
/// besides `content/`; Tera escapes every value in it, since its name ends in `.html`.
const SHEET_TEMPLATE: (&str, &str) = ("sheet.html", include_str!("templates/sheet.html"));

/// What the printable sheet's template sees.
#[derive(Serialize)]
struct SheetPage<'a> {
    lang: &'a str,
    title: String,
    member_label: String,
    member: &'a str,
    applications: Vec<SheetApplication<'a>>,
    criteria: Vec<SheetCriterion<'a>>,
}

#[derive(Serialize)]
struct SheetApplication<'a> {
    code: Cow<'a, str>,
    category: String,
    checking: String,
    /// Not checked yet: the page marks it so.
    unchecked: bool,
    answers: Vec<SheetAnswer<'a>>,
}

/// A question and its answer, split into lines: the template puts a `<br>` between them,
/// so that no value has to be marked safe.
#[derive(Serialize)]
struct SheetAnswer<'a> {
    id: &'a str,
    label: &'a str,
    lines: Vec<String>,
}

#[derive(Serialize)]
struct SheetCriterion<'a> {
    number: usize,
    title: &'a str,
    weight: u32,
    evidence: &'a str,
}

/// A printable sheet that could not be made: whose, in which language, and Tera's reasons.
#[derive(Debug)]
pub struct SheetError {
    template: String,
    member: String,
    lang: String,
    reason: String,
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot render the printable sheet {} for {} in `{}`: {}",
            self.template, self.member, self.lang, self.reason
        )
    }
}

impl std::error::Error for SheetError {}

/// `member`'s sheet as a printable page, in `lang`: one application after another, each
/// with its answers, its essay and a box per criterion.
pub fn sheet_html(
    form: &Form,
    selection: &Selection,
    pool: &Pool,
    member: &str,
    lang: &str,
) -> Result<String, SheetError> {
    let name = selection.members.iter().find(|known| known.id == member).map_or(member, |known| known.name.get(lang));
    let page = SheetPage {
        lang,
        title: selection.text("sheet_title", lang, &[]),
        member_label: selection.text("sheet_member", lang, &[]),
        member: name,
        applications: pool
            .sheet_of(member)
            .map(|candidate| (candidate, &candidate.answers))
            .map(|(candidate, application)| SheetApplication {
                code: store::printable(&application.code),
                category: category_label(selection, application, lang),
                checking: checking(selection, candidate, lang),
                unchecked: !candidate.checked,
                answers: questions(form)
                    .map(|field| SheetAnswer {
                        id: &field.id,
                        label: field.label.get(lang),
                        // Invisible characters written out, as everywhere stored text is shown.
                        lines: store::printable(&answer(selection, field, application, lang))
                            .split('\n')
                            .map(str::to_string)
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        criteria: selection
            .criteria
            .iter()
            .enumerate()
            .map(|(index, criterion)| SheetCriterion {
                number: index + 1,
                title: criterion.title.get(lang),
                weight: criterion.weight,
                evidence: criterion.evidence.get(lang),
            })
            .collect(),
    };
    render(SHEET_TEMPLATE, &page)
}

/// `page` through the template `(name, text)`; any failure names the template and the sheet.
fn render((name, text): (&str, &str), page: &SheetPage<'_>) -> Result<String, SheetError> {
    let failed = |err: tera::Error| SheetError {
        template: name.to_string(),
        member: page.member.to_string(),
        lang: page.lang.to_string(),
        reason: content_model::with_causes(&err),
    };
    crate::render_html((name, text), page).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::{render, SheetPage};

    #[test]
    fn a_failed_render_names_the_template_the_member_and_the_language() {
        let page = SheetPage {
            lang: "ru",
            title: "Лист".into(),
            member_label: "Член комиссии:".into(),
            member: "Айнура",
            applications: Vec::new(),
            criteria: Vec::new(),
        };
        let err = render(("broken.html", "<p>{{ score }}</p>"), &page).unwrap_err().to_string();
        assert!(err.starts_with("cannot render the printable sheet broken.html for Айнура in `ru`: "), "{err}");
        assert!(err.contains("Variable `score` not found"), "Tera's reason is kept: {err}");
        let err = render(("unclosed.html", "{% for x in criteria %}"), &page).unwrap_err().to_string();
        assert!(err.starts_with("cannot render the printable sheet unclosed.html for Айнура in `ru`: "), "{err}");
    }
}
