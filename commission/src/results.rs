//! The results: a CSV for the secretariat (names and contacts only when asked for) and a
//! Markdown report per language, codes and totals only, that the site publishes as a
//! stage II report. Both say how many applications were set aside, by reason, and mark
//! the ones not yet checked and the means of fewer members after a recusal.

use std::borrow::Cow;
use std::collections::BTreeMap;

use content_model::{Form, FrontMatter, Selection};

use serde_json::json;
use store::Fields;

use crate::ranking::{Ranked, Ranking};
use crate::write_csv;

/// The members' names in `lang`, in the commission's order, for member ids.
fn member_names(selection: &Selection, ids: &[String], lang: &str) -> String {
    let names: Vec<&str> = ids
        .iter()
        .map(|id| selection.members.iter().find(|m| &m.id == id).map_or(id.as_str(), |m| m.name.get(lang)))
        .collect();
    names.join(", ")
}

/// Whether marks may name the members who recused: in the commission's and secretariat's
/// own outputs, never in the report published on the site, where a name beside a code would
/// tell the applicant (and anyone she tells) that this member knows her.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Commission,
    Public,
}

/// What the ranking marks on an application, in `lang`: a mean of fewer members after a
/// recusal, not checked yet, members far apart, a tie at the quota's edge.
pub fn ranked_marks(selection: &Selection, ranked: &Ranked, lang: &str, audience: Audience) -> Vec<String> {
    let mut marks = Vec::new();
    if !ranked.recused.is_empty() {
        let scoring = ranked.totals.iter().flatten().count().to_string();
        let total = ranked.totals.len().to_string();
        marks.push(match audience {
            Audience::Commission => {
                let recused = member_names(selection, &ranked.recused, lang);
                selection.text("flag_recused", lang, &[("count", &scoring), ("total", &total), ("members", &recused)])
            }
            Audience::Public => selection.text("flag_fewer_members", lang, &[("count", &scoring), ("total", &total)]),
        });
    }
    if !ranked.checked {
        marks.push(selection.text("flag_unchecked", lang, &[]));
    }
    marks
}

/// How many applications were set aside, by reason, and how many are not yet checked, in `lang`.
pub fn set_aside_line(selection: &Selection, ranking: &Ranking, lang: &str) -> String {
    let counts = ranking.set_aside;
    selection.text(
        "set_aside_counts",
        lang,
        &[
            ("ineligible", &counts.ineligible.to_string()),
            ("duplicate", &counts.duplicate.to_string()),
            ("withdrawn", &counts.withdrawn.to_string()),
            ("unchecked", &ranking.unchecked.to_string()),
        ],
    )
}

fn flags(selection: &Selection, ranked: &Ranked, lang: &str, audience: Audience) -> String {
    let mut flags = ranked_marks(selection, ranked, lang, audience);
    if ranked.disagreement {
        flags.push(selection.text("flag_disagreement", lang, &[]));
    }
    if ranked.tie_at_cut {
        flags.push(selection.text("flag_tie", lang, &[]));
    }
    flags.join("; ")
}

/// The ranking for spreadsheets and scripts (`selection rank --json`): per age group, each
/// application's place, members' totals (`null` for a member who recused), mean and flags;
/// then what is not ranked yet, how many were set aside by reason and how many are unchecked.
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
                        "recused": ranked.recused,
                        "checked": ranked.checked,
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
    let set_aside = ranking.set_aside;
    json!({
        "groups": groups,
        "incomplete": incomplete,
        "disagreement_rule": ranking.disagreement_rule,
        "set_aside": {
            "ineligible": set_aside.ineligible,
            "duplicate": set_aside.duplicate,
            "withdrawn": set_aside.withdrawn,
        },
        "unchecked": ranking.unchecked,
    })
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
            row.extend(ranked.totals.iter().map(|total| match total {
                Some(total) => format!("{total:.1}"),
                None => text("recused_cell"),
            }));
            row.push(format!("{:.1}", ranked.mean));
            row.push(if ranked.proposed { text("yes") } else { String::new() });
            row.push(flags(selection, ranked, lang, Audience::Commission));
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
                flags(selection, ranked, lang, Audience::Public)
            ));
        }
        md.push('\n');
    }
    md.push_str(&format!(
        "{}\n",
        selection.text("results_rules", lang, &[("points", &selection.disagreement.to_string())])
    ));
    md.push_str(&format!("\n{}\n", set_aside_line(selection, ranking, lang)));
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
