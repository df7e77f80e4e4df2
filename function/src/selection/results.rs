//! The results: a CSV for the secretariat (names and contacts only when asked for) and a
//! Markdown report per language, codes and totals only, that the site publishes as a
//! stage II report.

use std::collections::BTreeMap;

use content_model::{Form, Selection};

use super::ranking::Ranking;
use super::write_csv;
use crate::application::Fields;

fn flags(form: &Form, ranked: &super::Ranked, lang: &str) -> String {
    let mut flags = Vec::new();
    if ranked.disagreement {
        flags.push(form.message("flag_disagreement", lang, &[]));
    }
    if ranked.tie_at_cut {
        flags.push(form.message("flag_tie", lang, &[]));
    }
    flags.join("; ")
}

/// The secretariat's CSV, in `lang`. `personal` adds each application's personal data.
pub fn results_csv(
    form: &Form,
    selection: &Selection,
    ranking: &Ranking,
    personal: Option<&BTreeMap<String, Fields>>,
    lang: &str,
) -> Vec<u8> {
    let personal_fields: Vec<&content_model::Field> = form.fields().filter(|field| field.personal).collect();
    let mut header = vec![form.message("category", lang, &[]), form.message("place", lang, &[]), "code".into()];
    header.extend(selection.members.iter().map(|member| member.name.get(lang).to_string()));
    header.extend([
        form.message("mean", lang, &[]),
        form.message("proposed", lang, &[]),
        form.message("flags", lang, &[]),
    ]);
    if personal.is_some() {
        header.extend(personal_fields.iter().map(|field| field.label.get(lang).to_string()));
    }
    let mut rows = vec![header];
    for (category, list) in &ranking.groups {
        for ranked in list {
            let mut row = vec![
                form.message(&format!("category_{}", category.key()), lang, &[]),
                ranked.place.to_string(),
                ranked.code.clone(),
            ];
            row.extend(ranked.totals.iter().map(|total| format!("{total:.1}")));
            row.push(format!("{:.1}", ranked.mean));
            row.push(if ranked.proposed { form.message("yes", lang, &[]) } else { String::new() });
            row.push(flags(form, ranked, lang));
            if let Some(personal) = personal {
                let data = personal.get(&ranked.code);
                row.extend(personal_fields.iter().map(|field| {
                    field
                        .name
                        .as_deref()
                        .and_then(|name| data.and_then(|data| data.get(name)))
                        .cloned()
                        .unwrap_or_default()
                }));
            }
            rows.push(row);
        }
    }
    write_csv(&rows)
}

/// A report for `content/reports/`, in `lang`: per age group, the places, codes and totals,
/// which applications are proposed, the rules used, and what is not yet scored.
pub fn results_markdown(
    form: &Form,
    selection: &Selection,
    ranking: &Ranking,
    lang: &str,
    date: chrono::NaiveDate,
) -> String {
    let text = |key: &str| form.message(key, lang, &[]);
    let mut md = format!(
        "+++\ntitle = {:?}\ndate = {date}\nstage = \"II\"\ntags = [{:?}]\nsummary = {:?}\ndraft = true\n+++\n\n{}\n\n",
        text("results_title"),
        text("results_tag"),
        text("results_summary"),
        text("results_intro")
    );
    for (category, list) in &ranking.groups {
        md.push_str(&format!("## {}\n\n", text(&format!("category_{}", category.key()))));
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n|---|---|---|---|---|\n",
            text("place"),
            text("code"),
            text("mean"),
            text("proposed"),
            text("flags")
        ));
        for ranked in list {
            md.push_str(&format!(
                "| {} | {} | {:.1} | {} | {} |\n",
                ranked.place,
                ranked.code,
                ranked.mean,
                if ranked.proposed { text("yes") } else { String::new() },
                flags(form, ranked, lang)
            ));
        }
        md.push('\n');
    }
    md.push_str(&format!(
        "{}\n",
        form.message("results_rules", lang, &[("points", &selection.disagreement.to_string())])
    ));
    for (category, proposed, minimum) in &ranking.short {
        let group = text(&format!("category_{}", category.key()));
        md.push_str(&format!(
            "\n{}\n",
            form.message(
                "results_short",
                lang,
                &[("group", &group), ("proposed", &proposed.to_string()), ("minimum", &minimum.to_string())]
            )
        ));
    }
    if !ranking.incomplete.is_empty() {
        let codes: Vec<&str> = ranking.incomplete.iter().map(|(code, _)| code.as_str()).collect();
        md.push_str(&format!("\n{} {}\n", text("results_incomplete"), codes.join(", ")));
    }
    md
}
