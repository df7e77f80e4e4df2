//! The results: a CSV for the secretariat (names and contacts only when asked for) and a
//! Markdown report per language, codes and totals only, that the site publishes as a
//! stage II report.

use std::borrow::Cow;
use std::collections::BTreeMap;

use content_model::{Form, FrontMatter, Selection};

use serde_json::json;
use store::Fields;

use crate::ranking::{Ranked, Ranking};
use crate::write_csv;

fn flags(selection: &Selection, ranked: &Ranked, lang: &str) -> String {
    let mut flags = Vec::new();
    if ranked.disagreement {
        flags.push(selection.text("flag_disagreement", lang, &[]));
    }
    if ranked.tie_at_cut {
        flags.push(selection.text("flag_tie", lang, &[]));
    }
    flags.join("; ")
}

/// The ranking for spreadsheets and scripts (`selection rank --json`): per age group, each
/// application's place, members' totals, mean and flags; then what is not ranked yet.
/// Values are kept exactly as stored, for scripts: printing it, escape invisible characters
/// with [`crate::json_visible`].
pub fn ranking_json(selection: &Selection, ranking: &Ranking) -> serde_json::Value {
    let groups: Vec<serde_json::Value> = ranking
        .groups
        .iter()
        .map(|(category, list)| {
            let applications: Vec<serde_json::Value> = list
                .iter()
                .map(|ranked| {
                    let totals: serde_json::Map<String, serde_json::Value> = selection
                        .members
                        .iter()
                        .zip(&ranked.totals)
                        .map(|(member, total)| (member.id.clone(), json!(total)))
                        .collect();
                    json!({
                        "code": ranked.code,
                        "place": ranked.place,
                        "totals": totals,
                        "mean": ranked.mean,
                        "proposed": ranked.proposed,
                        "tie_at_edge": ranked.tie_at_cut,
                        "disagreement": ranked.disagreement,
                    })
                })
                .collect();
            json!({ "category": category.key(), "applications": applications })
        })
        .collect();
    let incomplete: Vec<serde_json::Value> =
        ranking.incomplete.iter().map(|(code, missing)| json!({ "code": code, "missing": missing })).collect();
    json!({ "groups": groups, "incomplete": incomplete, "disagreement_rule": ranking.disagreement_rule })
}

/// The secretariat's CSV, in `lang`. `personal` adds each application's personal data.
/// Like every sheet, its cells are quoted, shown and neutralised by `write_csv`.
pub fn results_csv(
    form: &Form,
    selection: &Selection,
    ranking: &Ranking,
    personal: Option<&BTreeMap<String, Fields>>,
    lang: &str,
) -> Vec<u8> {
    let personal_fields: Vec<&content_model::Field> = form.fields().filter(|field| field.personal).collect();
    let text = |key: &str| selection.text(key, lang, &[]);
    let mut header = vec![text("category"), text("place"), text("code")];
    header.extend(selection.members.iter().map(|member| member.name.get(lang).to_string()));
    header.extend([text("mean"), text("proposed"), text("flags")]);
    if personal.is_some() {
        header.extend(personal_fields.iter().map(|field| field.label.get(lang).to_string()));
    }
    let mut rows = vec![header];
    for (category, list) in &ranking.groups {
        for ranked in list {
            let mut row =
                vec![text(&format!("category_{}", category.key())), ranked.place.to_string(), ranked.code.clone()];
            row.extend(ranked.totals.iter().map(|total| format!("{total:.1}")));
            row.push(format!("{:.1}", ranked.mean));
            row.push(if ranked.proposed { text("yes") } else { String::new() });
            row.push(flags(selection, ranked, lang));
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
pub fn results_markdown(selection: &Selection, ranking: &Ranking, lang: &str, date: chrono::NaiveDate) -> String {
    let text = |key: &str| selection.text(key, lang, &[]);
    let front = FrontMatter {
        title: text("results_title"),
        date: Some(FrontMatter::day(date)),
        stage: Some("II".into()),
        tags: vec![text("results_tag")],
        summary: Some(text("results_summary")),
        draft: true,
        ..FrontMatter::default()
    };
    let mut md = front.to_document(&format!("{}\n\n", text("results_intro")));
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
                crate::one_line(&ranked.code),
                ranked.mean,
                if ranked.proposed { text("yes") } else { String::new() },
                flags(selection, ranked, lang)
            ));
        }
        md.push('\n');
    }
    md.push_str(&format!(
        "{}\n",
        selection.text("results_rules", lang, &[("points", &selection.disagreement.to_string())])
    ));
    for (category, proposed, minimum) in &ranking.short {
        let group = text(&format!("category_{}", category.key()));
        md.push_str(&format!(
            "\n{}\n",
            selection.text(
                "results_short",
                lang,
                &[("group", &group), ("proposed", &proposed.to_string()), ("minimum", &minimum.to_string())]
            )
        ));
    }
    if !ranking.incomplete.is_empty() {
        let codes: Vec<Cow<'_, str>> = ranking.incomplete.iter().map(|(code, _)| crate::one_line(code)).collect();
        md.push_str(&format!("\n{} {}\n", text("results_incomplete"), codes.join(", ")));
    }
    md
}
