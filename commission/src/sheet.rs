//! A member's scoring sheet: every application's code, age group, answers and essay, and an
//! empty score per criterion with where its evidence is. Never a name, a birth date, a
//! place or a contact: the sheet is made from the answers side of the store only.

use content_model::{escape_html, FieldKind, Form, Selection};

use store::StoredAnswers;

use crate::{criterion_column, write_csv};

fn answer(selection: &Selection, kind: FieldKind, value: &str, lang: &str) -> String {
    match (kind, value) {
        (FieldKind::YesNo, "yes") | (FieldKind::Confirm, "yes") => selection.text("yes", lang, &[]),
        (FieldKind::YesNo, "no") => selection.text("no", lang, &[]),
        _ => value.to_string(),
    }
}

fn category_label(selection: &Selection, application: &StoredAnswers, lang: &str) -> String {
    selection.text(&format!("category_{}", application.category.key()), lang, &[])
}

/// The questions a sheet shows: every answered, non-personal one.
fn questions(form: &Form) -> impl Iterator<Item = &content_model::Field> {
    form.fields().filter(|field| field.kind.is_answered() && !field.personal && field.kind != FieldKind::Confirm)
}

/// The sheet as CSV, in `lang`.
pub fn sheet_csv(form: &Form, selection: &Selection, applications: &[StoredAnswers], lang: &str) -> Vec<u8> {
    let mut header = vec![selection.text("code", lang, &[]), selection.text("category", lang, &[])];
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
    for application in applications {
        let mut row = vec![application.code.clone(), category_label(selection, application, lang)];
        row.extend(questions(form).map(|field| {
            let value =
                field.name.as_deref().and_then(|name| application.answers.get(name)).map(String::as_str).unwrap_or("");
            answer(selection, field.kind, value, lang)
        }));
        row.extend(selection.criteria.iter().map(|_| String::new()));
        rows.push(row);
    }
    write_csv(&rows)
}

/// The sheet as a printable page, in `lang`: one application after another, each with its
/// answers, its essay and a box per criterion.
pub fn sheet_html(
    form: &Form,
    selection: &Selection,
    applications: &[StoredAnswers],
    lang: &str,
    member: &str,
) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} · {}</title>\n<style>body{{font:11pt/1.4 system-ui,\"Noto Sans\",\"DejaVu Sans\",sans-serif;max-width:48rem;margin:auto}}section{{break-after:page;border-bottom:1px solid #999;padding:1rem 0}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #999;padding:.25rem;text-align:left;vertical-align:top}}.box{{width:4rem}}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape_html(&selection.text("sheet_title", lang, &[])),
        escape_html(member),
        escape_html(&selection.text("sheet_title", lang, &[]))
    );
    html.push_str(&format!(
        "<p>{} {}</p>\n",
        escape_html(&selection.text("sheet_member", lang, &[])),
        escape_html(member)
    ));
    for application in applications {
        html.push_str(&format!(
            "<section>\n<h2>{}</h2>\n<p>{}</p>\n<table>\n",
            escape_html(&application.code),
            escape_html(&category_label(selection, application, lang))
        ));
        for field in questions(form) {
            let value =
                field.name.as_deref().and_then(|name| application.answers.get(name)).map(String::as_str).unwrap_or("");
            html.push_str(&format!(
                "<tr><th scope=\"row\">{} {}</th><td>{}</td></tr>\n",
                escape_html(&field.id),
                escape_html(field.label.get(lang)),
                escape_html(&answer(selection, field.kind, value, lang)).replace('\n', "<br>")
            ));
        }
        html.push_str("</table>\n<table>\n");
        for (index, criterion) in selection.criteria.iter().enumerate() {
            html.push_str(&format!(
                "<tr><th scope=\"row\">{}. {} ({}%)</th><td>{}</td><td class=\"box\">1 2 3 4 5</td></tr>\n",
                index + 1,
                escape_html(criterion.title.get(lang)),
                criterion.weight,
                escape_html(criterion.evidence.get(lang))
            ));
        }
        html.push_str("</table>\n</section>\n");
    }
    html.push_str("</body>\n</html>\n");
    html
}
