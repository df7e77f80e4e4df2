//! One application as a printable page, what the secretariat files and a commission member
//! reads in full: every question of the form with its answer in the chosen language, how and
//! when it came, who keyed it in, the checking decision, and the personal data only when asked.

use std::fmt;

use chrono::{DateTime, FixedOffset, Utc};
use content_model::{Field, FieldKind, Form, Selection};
use serde::Serialize;
use store::{Channel, Decision, Fields, StoredAnswers, Verdict};

/// Bishkek's time, UTC+6 all year round (Kyrgyzstan keeps no summer time since 2005).
pub fn bishkek() -> FixedOffset {
    // 6 hours is well inside the ±24 hours an offset may be.
    #[allow(clippy::expect_used)]
    FixedOffset::east_opt(6 * 3600).expect("UTC+6 is an offset")
}

/// A stored moment (RFC 3339) as Bishkek's wall clock, `2020-12-01 14:30`; a value that is
/// not a moment is shown as it is, its invisible characters written out.
pub fn bishkek_time(stored: &str) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(moment) => moment.with_timezone(&bishkek()).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => store::printable(stored).into_owned(),
    }
}

/// `at` as Bishkek's wall clock, as [`bishkek_time`] writes it.
pub fn bishkek_moment(at: DateTime<Utc>) -> String {
    at.with_timezone(&bishkek()).format("%Y-%m-%d %H:%M").to_string()
}

/// The channel in `lang`.
pub fn channel_text(selection: &Selection, channel: Channel, lang: &str) -> String {
    selection.text(&format!("channel_{}", channel.key()), lang, &[])
}

/// A verdict in `lang`, the reason or the kept code written out as stored text is everywhere.
pub fn verdict_text(selection: &Selection, verdict: &Verdict, lang: &str) -> String {
    match verdict {
        Verdict::Eligible => selection.text("verdict_eligible", lang, &[]),
        Verdict::Ineligible { reason } => {
            selection.text("verdict_ineligible", lang, &[("reason", &crate::one_line(reason))])
        }
        Verdict::Duplicate { of } => selection.text("verdict_duplicate", lang, &[("of", &crate::one_line(of))]),
    }
}

/// The current decision in `lang`, with who made it and when, or that there is none yet.
pub fn decision_text(selection: &Selection, decision: Option<&Decision>, lang: &str) -> String {
    match decision {
        None => selection.text("unchecked", lang, &[]),
        Some(decision) => selection.text(
            "dossier_decided",
            lang,
            &[
                ("verdict", &verdict_text(selection, &decision.verdict, lang)),
                ("by", &crate::one_line(&decision.by)),
                ("at", &bishkek_moment(decision.at)),
            ],
        ),
    }
}

/// What the dossier of one application is made of.
pub struct Dossier<'a> {
    pub application: &'a StoredAnswers,
    /// `Some` only when the personal data was asked for; its inner `None` when it was erased.
    pub personal: Option<Option<&'a Fields>>,
    pub decision: Option<&'a Decision>,
    /// When the page is made, printed at its foot.
    pub printed_at: DateTime<Utc>,
}

const DOSSIER_TEMPLATE: (&str, &str) = ("dossier.html", include_str!("templates/dossier.html"));

/// What the dossier's template sees: every value already in words of `lang`.
#[derive(Serialize)]
struct DossierPage {
    lang: String,
    title: String,
    facts: Vec<Row>,
    /// `None` without `--personal`; an empty list with `erased` once erased.
    personal: Option<PersonalBlock>,
    sections: Vec<SectionBlock>,
    printed: String,
}

#[derive(Serialize)]
struct PersonalBlock {
    title: String,
    erased: Option<String>,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct SectionBlock {
    id: String,
    title: String,
    rows: Vec<Row>,
}

/// A label and its value, split into lines: the template puts a `<br>` between them, so that
/// no value has to be marked safe.
#[derive(Serialize)]
struct Row {
    id: String,
    label: String,
    lines: Vec<String>,
    /// A heading (7.4) or a fixed answer (1.2): the label says it all.
    heading: bool,
}

impl Row {
    fn new(id: &str, label: &str, value: &str) -> Self {
        Row {
            id: id.to_string(),
            label: label.to_string(),
            lines: store::printable(value).split('\n').map(str::to_string).collect(),
            heading: false,
        }
    }
}

/// The answer to `field` as the dossier shows it: yes and no in `lang`, "no answer" for a
/// question left unanswered.
fn answer(selection: &Selection, field: &Field, value: Option<&str>, lang: &str) -> String {
    match (field.kind, value.map(str::trim).filter(|value| !value.is_empty())) {
        (_, None) => selection.text("dossier_no_answer", lang, &[]),
        (FieldKind::YesNo | FieldKind::Confirm, Some("yes")) => selection.text("yes", lang, &[]),
        (FieldKind::YesNo, Some("no")) => selection.text("no", lang, &[]),
        (_, Some(value)) => value.to_string(),
    }
}

/// A dossier that could not be made: whose, in which language, and Tera's reasons.
#[derive(Debug)]
pub struct DossierError {
    template: String,
    code: String,
    lang: String,
    reason: String,
}

impl fmt::Display for DossierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot render the dossier {} of {} in `{}`: {}", self.template, self.code, self.lang, self.reason)
    }
}

impl std::error::Error for DossierError {}

/// The dossier as a printable page (A4) in `lang`, with nothing from outside the page.
pub fn dossier_html(
    form: &Form,
    selection: &Selection,
    dossier: &Dossier<'_>,
    lang: &str,
) -> Result<String, DossierError> {
    let application = dossier.application;
    let text = |key: &str| selection.text(key, lang, &[]);
    let entered_by = match &application.entered_by {
        Some(by) => by.clone(),
        None => text("dossier_entered_online"),
    };
    let facts = vec![
        Row::new("", &text("code"), &application.code),
        Row::new("", &text("category"), &text(&format!("category_{}", application.category.key()))),
        Row::new("", &text("dossier_lang"), &application.lang),
        Row::new("", &text("dossier_channel"), &channel_text(selection, application.channel, lang)),
        Row::new("", &text("dossier_received"), &bishkek_time(&application.received_at)),
        Row::new("", &text("dossier_entered_by"), &entered_by),
        Row::new("", &text("dossier_decision"), &decision_text(selection, dossier.decision, lang)),
    ];
    let personal = dossier.personal.map(|personal| PersonalBlock {
        title: text("dossier_personal"),
        erased: personal.is_none().then(|| text("dossier_personal_erased")),
        rows: personal
            .map(|fields| {
                form.fields()
                    .filter(|field| field.personal && field.kind.is_answered())
                    .map(|field| {
                        let value = field.name.as_deref().and_then(|name| fields.get(name)).map(String::as_str);
                        Row::new(&field.id, field.label.get(lang), &answer(selection, field, value, lang))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    });
    let sections = form
        .section
        .iter()
        .map(|section| SectionBlock {
            id: section.id.clone(),
            title: section.title.get(lang).to_string(),
            rows: section
                .field
                .iter()
                .filter(|field| !field.personal)
                .map(|field| {
                    if field.kind.is_answered() {
                        let value =
                            field.name.as_deref().and_then(|name| application.answers.get(name)).map(String::as_str);
                        Row::new(&field.id, field.label.get(lang), &answer(selection, field, value, lang))
                    } else {
                        Row { heading: true, ..Row::new(&field.id, field.label.get(lang), "") }
                    }
                })
                .collect(),
        })
        .filter(|section| !section.rows.is_empty())
        .collect();
    let page = DossierPage {
        lang: lang.to_string(),
        title: selection.text("dossier_title", lang, &[("code", &store::printable(&application.code))]),
        facts,
        personal,
        sections,
        printed: selection.text("dossier_printed", lang, &[("at", &bishkek_moment(dossier.printed_at))]),
    };
    render(DOSSIER_TEMPLATE, &page, &application.code)
}

/// `page` through the template `(name, text)`; any failure names the template and the code.
fn render((name, text): (&str, &str), page: &DossierPage, code: &str) -> Result<String, DossierError> {
    let failed = |err: tera::Error| DossierError {
        template: name.to_string(),
        code: store::printable(code).into_owned(),
        lang: page.lang.clone(),
        reason: content_model::with_causes(&err),
    };
    crate::render_html((name, text), page).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_on_bishkek_clocks() {
        assert_eq!(bishkek_time("2020-12-11T10:59:00+00:00"), "2020-12-11 16:59");
        assert_eq!(bishkek_time("2020-12-11T17:00:00+06:00"), "2020-12-11 17:00");
        assert_eq!(bishkek_time("not a \u{202E}time"), "not a <U+202E>time");
    }

    #[test]
    fn a_failed_render_names_the_template_the_code_and_the_language() {
        let page = DossierPage {
            lang: "ru".into(),
            title: "Заявка".into(),
            facts: Vec::new(),
            personal: None,
            sections: Vec::new(),
            printed: String::new(),
        };
        let err = render(("broken.html", "<p>{{ score }}</p>"), &page, "123-456-7890").unwrap_err().to_string();
        assert!(err.starts_with("cannot render the dossier broken.html of 123-456-7890 in `ru`: "), "{err}");
        assert!(err.contains("Variable `score` not found"), "{err}");
    }
}
