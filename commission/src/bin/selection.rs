//! `selection`: stage II for the secretariat, on the embedded store or on DynamoDB.
//!
//!     selection sheets --member gamsumo [--lang ky] [--out sheets/]
//!     selection recuse --member gamsumo 482-913-5074 --reason "her neighbour"
//!     selection import --member gamsumo sheets/gamsumo.csv [--overwrite]
//!     selection rank [--json]
//!     selection results [--personal] [--out results.csv]
//!     selection report [--date 2021-01-16] [--out content/reports]
//!
//! Sheets for members carry codes, age groups, answers and essays, never personal data;
//! applications the secretariat set aside (ineligible, duplicate) or that were withdrawn
//! are on no sheet and not ranked, ones not yet checked are and say so, and a member's
//! sheet leaves out what she recused from (the ranking then takes the others' mean).
//! Stored text is shown with its invisible characters written out (`<U+202E>`), in the
//! terminal and in every file; CSV cells are quoted and cannot start a formula however a
//! spreadsheet splits them; `results --personal` is written readable by its owner only.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use commission::{
    import_sheet, json_visible, one_line, rank, ranked_marks, ranking_json, results_csv, results_markdown,
    set_aside_line, sheet_csv, sheet_html, write_private, Audience, CommissionContent, Pool,
};
use store::{CommissionStore, RecordError, Recusal, SqliteStore};

#[derive(Parser)]
struct Cli {
    /// The embedded store (what `generator serve` writes).
    #[arg(long, default_value = ".mektep/applications.sqlite", global = true)]
    store: PathBuf,
    /// Use DynamoDB instead (APPLICATIONS_TABLE, APPLICANTS_TABLE, DYNAMODB_ENDPOINT).
    #[arg(long, global = true)]
    dynamodb: bool,
    #[arg(long, default_value = "content", global = true)]
    content: PathBuf,
    /// The language of sheets and results.
    #[arg(long, default_value = "ky", global = true)]
    lang: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a member's scoring sheet as CSV and as a printable page.
    Sheets {
        #[arg(long)]
        member: String,
        #[arg(long, default_value = "sheets")]
        out: PathBuf,
    },
    /// Record that a member will not score an application, and why: her sheet leaves it
    /// out, and the ranking takes the other members' mean for it.
    Recuse {
        #[arg(long)]
        member: String,
        code: String,
        /// Why (a conflict of interest: she knows the applicant).
        #[arg(long)]
        reason: String,
    },
    /// Read a member's filled sheet back; all of it or nothing.
    Import {
        #[arg(long)]
        member: String,
        sheet: PathBuf,
        /// Replace scores this member gave before.
        #[arg(long)]
        overwrite: bool,
    },
    /// Print the ranking within each age group, with the quotas.
    Rank {
        /// Print it as JSON, for spreadsheets and scripts.
        #[arg(long)]
        json: bool,
    },
    /// Write the secretariat's CSV of results.
    Results {
        #[arg(long, default_value = "results.csv")]
        out: PathBuf,
        /// Add names and contacts (for the secretariat only).
        #[arg(long)]
        personal: bool,
    },
    /// Write the results as a draft report in every language: codes and totals only.
    Report {
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long, default_value = "content/reports")]
        out: PathBuf,
    },
}

async fn run(store: &impl CommissionStore, cli: &Cli, content: &CommissionContent) -> Result<(), String> {
    let lang = content.language(&cli.lang)?;
    let text = |key: &str, values: &[(&str, &str)]| content.selection.text(key, lang, values);
    let member_of =
        |member: &str| {
            let ids: Vec<&str> = content.selection.members.iter().map(|m| m.id.as_str()).collect();
            content.selection.members.iter().find(|m| m.id == member).ok_or_else(|| {
                text("import_not_member", &[("member", &one_line(member)), ("members", &ids.join(", "))])
            })
        };
    match &cli.command {
        Command::Sheets { member, out } => {
            member_of(member)?;
            let pool = Pool::load(store).await.map_err(|e| e.to_string())?;
            std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
            let csv = out.join(format!("{member}.csv"));
            let html = out.join(format!("{member}.html"));
            std::fs::write(&csv, sheet_csv(&content.form, &content.selection, &pool, member, lang))
                .map_err(|e| format!("{}: {e}", csv.display()))?;
            let page = sheet_html(&content.form, &content.selection, &pool, member, lang).map_err(|e| e.to_string())?;
            std::fs::write(&html, page).map_err(|e| format!("{}: {e}", html.display()))?;
            let listed = pool.sheet_of(member).count();
            println!(
                "{}",
                text(
                    "sheets_written",
                    &[
                        ("count", &listed.to_string()),
                        ("csv", &csv.display().to_string()),
                        ("html", &html.display().to_string())
                    ]
                )
            );
            let recused = pool.candidates.len() - listed;
            if recused > 0 {
                println!("{}", text("sheets_recused", &[("count", &recused.to_string())]));
            }
        }
        Command::Recuse { member, code, reason } => {
            let known = member_of(member)?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(text("recuse_no_reason", &[("code", &one_line(code))]));
            }
            let recusal = Recusal {
                member: member.clone(),
                code: code.clone(),
                reason: reason.to_string(),
                at: chrono::Utc::now(),
            };
            store.recuse(&recusal).await.map_err(|err| match err {
                RecordError::UnknownCode(code) => text("import_unknown_code", &[("code", &one_line(&code))]),
                RecordError::Withdrawn(code) => text("import_withdrawn", &[("code", &one_line(&code))]),
                other => other.to_string(),
            })?;
            println!("{}", text("recused", &[("member", known.name.get(lang)), ("code", &one_line(code))]));
        }
        Command::Import { member, sheet, overwrite } => {
            let bytes = std::fs::read(sheet).map_err(|e| format!("{}: {e}", sheet.display()))?;
            let count = import_sheet(store, &content.selection, member, &bytes, *overwrite, lang)
                .await
                .map_err(|err| format!("{}:\n{}", sheet.display(), err.message(&content.selection, lang)))?;
            println!("{}", text("imported", &[("member", member), ("count", &count.to_string())]));
        }
        Command::Rank { json } => {
            let pool = Pool::load(store).await.map_err(|e| e.to_string())?;
            let scores = store.scores().await.map_err(|e| e.to_string())?;
            let ranking = rank(&content.selection, &pool, &scores);
            if *json {
                println!("{}", json_visible(&format!("{:#}", ranking_json(&content.selection, &ranking))));
                return Ok(());
            }
            let members: Vec<&str> = content.selection.members.iter().map(|m| m.name.get(lang)).collect();
            println!("{}: {}", text("member_totals", &[]), members.join(" · "));
            for (category, list) in &ranking.groups {
                println!("\n{}", text(&format!("category_{}", category.key()), &[]));
                println!(
                    "  {:>5}  {:<12}  {:>17}  {:>6}",
                    text("place", &[]),
                    text("code", &[]),
                    "",
                    text("mean", &[])
                );
                for ranked in list {
                    let totals: Vec<String> = ranked
                        .totals
                        .iter()
                        .map(|total| total.map_or_else(|| format!("{:>5}", "—"), |t| format!("{t:5.1}")))
                        .collect();
                    let mut marks = Vec::new();
                    if ranked.tie_at_cut {
                        marks.push(text("flag_tie", &[]));
                    } else if ranked.proposed {
                        marks.push(text("proposed", &[]));
                    }
                    if ranked.disagreement {
                        marks.push(text("flag_disagreement", &[]));
                    }
                    marks.extend(ranked_marks(&content.selection, ranked, lang, Audience::Commission));
                    println!(
                        "  {:>5}  {}  {}  {:6.1}  {}",
                        ranked.place,
                        one_line(&ranked.code),
                        totals.join(" "),
                        ranked.mean,
                        marks.join("; ")
                    );
                }
            }
            println!("\n{}", text("rank_rule", &[("points", &ranking.disagreement_rule.to_string())]));
            println!("{}", set_aside_line(&content.selection, &ranking, lang));
            for (category, proposed, minimum) in &ranking.short {
                let group = text(&format!("category_{}", category.key()), &[]);
                println!(
                    "{}",
                    text(
                        "results_short",
                        &[("group", &group), ("proposed", &proposed.to_string()), ("minimum", &minimum.to_string())]
                    )
                );
            }
            for (code, missing) in &ranking.incomplete {
                if missing.is_empty() {
                    println!("{}", text("not_ranked_all_recused", &[("code", &one_line(code))]));
                    continue;
                }
                let names: Vec<&str> = missing
                    .iter()
                    .map(|id| {
                        content.selection.members.iter().find(|m| &m.id == id).map_or(id.as_str(), |m| m.name.get(lang))
                    })
                    .collect();
                println!("{}", text("not_ranked", &[("code", &one_line(code)), ("members", &names.join(", "))]));
            }
        }
        Command::Results { out, personal } => {
            let pool = Pool::load(store).await.map_err(|e| e.to_string())?;
            let scores = store.scores().await.map_err(|e| e.to_string())?;
            let ranking = rank(&content.selection, &pool, &scores);
            let mut data = BTreeMap::new();
            if *personal {
                // Only the ranked: nobody else is in the file.
                for ranked in ranking.groups.iter().flat_map(|(_, list)| list) {
                    if let Some(fields) = store.personal(&ranked.code).await.map_err(|e| e.to_string())? {
                        data.insert(ranked.code.clone(), fields);
                    }
                }
            }
            let csv = results_csv(&content.form, &content.selection, &ranking, personal.then_some(&data), lang);
            // Names and contacts: readable by the secretariat's account only. Without them the
            // file is codes and totals, written like any other.
            let written = if *personal { write_private(out, &csv) } else { std::fs::write(out, csv) };
            written.map_err(|e| format!("{}: {e}", out.display()))?;
            println!(
                "wrote {}{}",
                out.display(),
                if *personal { " (with names and contacts: keep it safe)" } else { "" }
            );
            println!("{}", set_aside_line(&content.selection, &ranking, lang));
        }
        Command::Report { date, out } => {
            let pool = Pool::load(store).await.map_err(|e| e.to_string())?;
            let scores = store.scores().await.map_err(|e| e.to_string())?;
            let ranking = rank(&content.selection, &pool, &scores);
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            for lang in &content.languages {
                let file = out.join(format!("selection-results.{lang}.md"));
                let markdown = results_markdown(&content.selection, &ranking, lang, date);
                std::fs::write(&file, markdown).map_err(|e| format!("{}: {e}", file.display()))?;
                println!("wrote {} (a draft: check it, then delete `draft = true`)", file.display());
            }
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match CommissionContent::load(&cli.content) {
        Err(errors) => Err(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")),
        Ok(content) if cli.dynamodb => match store::Tables::from_env() {
            Ok(tables) => run(&store::DynamoStore::new(store::dynamodb_client().await, tables), &cli, &content).await,
            Err(err) => Err(err.to_string()),
        },
        Ok(content) => match SqliteStore::open(&cli.store) {
            Ok(store) => run(&store, &cli, &content).await,
            Err(err) => Err(err.to_string()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
