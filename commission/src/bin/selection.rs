//! `selection`: stage II for the secretariat, on the embedded store or on DynamoDB.
//!
//!     selection sheets --member gamsumo [--lang ky] [--out sheets/]
//!     selection recuse --member gamsumo 482-913-5074 --reason "her neighbour"
//!     selection import --member gamsumo sheets/gamsumo.csv [--overwrite]
//!     selection rank [--json]
//!     selection results [--personal] [--out results.csv]
//!     selection report [--date 2021-01-16] [--out content/reports]
//!     selection final propose [--out final-list.csv]
//!     selection final record final-list.csv --by NAME
//!     selection final show
//!     selection final freeze --by NAME [--yes]
//!     selection notify [--dry-run] [--personal]
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
use commission::dossier::bishkek_moment;
use commission::notify::Reach;
use commission::{
    counts, freeze_refusals, import_sheet, json_visible, one_line, proposal_csv, propose, rank, ranked_marks,
    ranking_json, read_final_csv, results_csv, results_markdown, set_aside_line, sheet_csv, sheet_html, write_private,
    Audience, CommissionContent, Pool,
};
use store::{Category, CommissionStore, FinalList, MessageKind, Outcome, RecordError, Recusal, SqliteStore};

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
    /// The final list: the ranking's proposal to edit, the decision recorded, shown, frozen.
    Final {
        #[command(subcommand)]
        step: FinalStep,
    },
    /// Tell each applicant of the frozen final list her outcome, by e-mail where she gave an
    /// address: through SES with --dynamodb, into the store's mail folder otherwise.
    Notify {
        /// Show who would get which message, and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: add each applicant's name and address (for the secretariat only).
        #[arg(long)]
        personal: bool,
    },
}

#[derive(Subcommand)]
enum FinalStep {
    /// Write the ranking's proposal as a CSV to edit in a spreadsheet.
    Propose {
        #[arg(long, default_value = "final-list.csv")]
        out: PathBuf,
    },
    /// Record the edited CSV as the final list: all of it or nothing.
    Record {
        file: PathBuf,
        /// Who records it; MEKTEP_SECRETARY when not given.
        #[arg(long)]
        by: Option<String>,
    },
    /// Print the recorded list, its changes from the proposal, who recorded and froze it.
    Show,
    /// Freeze the recorded list for good: only a frozen list is told to applicants.
    Freeze {
        /// Who freezes it; MEKTEP_SECRETARY when not given.
        #[arg(long)]
        by: Option<String>,
        /// Do not ask to type `freeze`.
        #[arg(long)]
        yes: bool,
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
        Command::Final { step } => final_step(store, content, lang, step).await?,
        Command::Notify { dry_run, personal } => notify(store, cli, content, lang, *dry_run, *personal).await?,
    }
    Ok(())
}

/// Who did it: `--by`, or MEKTEP_SECRETARY; one line of visible characters.
fn secretary(content: &CommissionContent, by: Option<&str>, lang: &str) -> Result<String, String> {
    let by = by.map_or_else(|| std::env::var("MEKTEP_SECRETARY").unwrap_or_default(), str::to_string);
    let by = by.trim();
    if by.is_empty() || by.chars().count() > 100 || by.chars().any(|c| c.is_control() || store::is_invisible(c)) {
        return Err(content.selection.text("final_no_by", lang, &[]));
    }
    Ok(by.to_string())
}

/// Why the store refused to record or freeze the final list, in `lang`.
fn final_refused(content: &CommissionContent, err: RecordError, lang: &str) -> String {
    let text = |key: &str, values: &[(&str, &str)]| content.selection.text(key, lang, values);
    match err {
        RecordError::Frozen { by, at } => {
            text("final_frozen_refused", &[("by", &one_line(&by)), ("at", &bishkek_moment(at))])
        }
        RecordError::NoFinalList => text("final_none", &[]),
        RecordError::ListChanged { by, at } => {
            text("final_freeze_changed", &[("by", &one_line(&by)), ("at", &bishkek_moment(at))])
        }
        RecordError::UnknownCode(code) => text("final_unknown_code", &[("code", &one_line(&code))]),
        RecordError::Withdrawn(code) => text("import_withdrawn", &[("code", &one_line(&code))]),
        other => other.to_string(),
    }
}

/// The age group of each application of the pool, by code.
fn groups(pool: &Pool) -> BTreeMap<String, Category> {
    pool.candidates.iter().map(|c| (c.answers.code.clone(), c.answers.category)).collect()
}

async fn final_step(
    store: &impl CommissionStore,
    content: &CommissionContent,
    lang: &str,
    step: &FinalStep,
) -> Result<(), String> {
    let text = |key: &str, values: &[(&str, &str)]| content.selection.text(key, lang, values);
    let group_name = |category: Category| text(&format!("category_{}", category.key()), &[]);
    let pool = Pool::load(store).await.map_err(|e| e.to_string())?;
    match step {
        FinalStep::Propose { out } => {
            let scores = store.scores().await.map_err(|e| e.to_string())?;
            let ranking = rank(&content.selection, &pool, &scores);
            let proposal = propose(&content.selection, &ranking, &pool);
            std::fs::write(out, proposal_csv(&content.selection, &proposal, lang))
                .map_err(|e| format!("{}: {e}", out.display()))?;
            let (selected, reserve, not_selected) = counts(proposal.iter().map(|line| &line.outcome));
            let file = out.display().to_string();
            println!(
                "{}",
                text(
                    "final_written",
                    &[
                        ("file", &file),
                        ("count", &proposal.len().to_string()),
                        ("selected", &selected.to_string()),
                        ("reserve", &reserve.to_string()),
                        ("not_selected", &not_selected.to_string()),
                    ]
                )
            );
            for line in proposal.iter().filter(|line| line.place.is_none()) {
                println!("{}", text("final_not_ranked", &[("code", &one_line(&line.code))]));
            }
            println!("{}", set_aside_line(&content.selection, &ranking, lang));
            println!("{}", text("final_edit_hint", &[("file", &file)]));
        }
        FinalStep::Record { file, by } => {
            let by = secretary(content, by.as_deref(), lang)?;
            if let Some(FinalList { frozen: Some((by, at)), .. }) =
                store.final_list().await.map_err(|e| e.to_string())?
            {
                return Err(final_refused(content, RecordError::Frozen { by, at }, lang));
            }
            let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
            let scores = store.scores().await.map_err(|e| e.to_string())?;
            let proposal = propose(&content.selection, &rank(&content.selection, &pool, &scores), &pool);
            let name = file.display().to_string();
            let placed = read_final_csv(&content.selection, &proposal, &pool, &bytes, &name, lang)
                .map_err(|problems| format!("{}\n{}", problems.join("\n"), text("final_nothing_stored", &[])))?;
            let changed = placed.iter().filter(|placed| placed.outcome != placed.proposed).count();
            let list = FinalList { placed, recorded_by: by.clone(), recorded_at: chrono::Utc::now(), frozen: None };
            store.record_final(&list).await.map_err(|err| {
                format!("{}\n{}", final_refused(content, err, lang), text("final_nothing_stored", &[]))
            })?;
            println!(
                "{}",
                text(
                    "final_recorded",
                    &[
                        ("by", &one_line(&by)),
                        ("count", &list.placed.len().to_string()),
                        ("changed", &changed.to_string())
                    ]
                )
            );
        }
        FinalStep::Show => {
            let list = store.final_list().await.map_err(|e| e.to_string())?.ok_or_else(|| text("final_none", &[]))?;
            let groups = groups(&pool);
            println!(
                "{}",
                text(
                    "final_recorded_by",
                    &[("by", &one_line(&list.recorded_by)), ("at", &bishkek_moment(list.recorded_at))]
                )
            );
            match &list.frozen {
                Some((by, at)) => {
                    println!("{}", text("final_frozen_by", &[("by", &one_line(by)), ("at", &bishkek_moment(*at))]))
                }
                None => println!("{}", text("final_not_frozen", &[])),
            }
            for category in [Category::AgedTwentyEightAndOver, Category::UnderTwentyEight] {
                let in_group: Vec<_> =
                    list.placed.iter().filter(|placed| groups.get(&placed.code) == Some(&category)).collect();
                let (selected, reserve, not_selected) = counts(in_group.iter().map(|placed| &placed.outcome));
                println!(
                    "\n{}",
                    text(
                        "final_counts",
                        &[
                            ("group", &group_name(category)),
                            ("selected", &selected.to_string()),
                            ("reserve", &reserve.to_string()),
                            ("not_selected", &not_selected.to_string()),
                        ]
                    )
                );
                for outcome in Outcome::ALL {
                    for placed in in_group.iter().filter(|placed| placed.outcome == outcome) {
                        let mut line = format!(
                            "  {}  {}",
                            one_line(&placed.code),
                            text(&format!("outcome_{}", outcome.key()), &[])
                        );
                        if placed.outcome != placed.proposed {
                            let proposed = text(&format!("outcome_{}", placed.proposed.key()), &[]);
                            let reason = one_line(placed.reason.as_deref().unwrap_or("")).into_owned();
                            line.push_str(&format!(
                                "  ({})",
                                text("final_changed", &[("proposed", &proposed), ("reason", &reason)])
                            ));
                        }
                        println!("{line}");
                    }
                }
            }
            // What keeps it from being frozen: the pool or the scores changed since it was
            // recorded, an application not checked, one not ranked without a reason.
            if list.frozen.is_none() {
                let scores = store.scores().await.map_err(|e| e.to_string())?;
                let ranking = rank(&content.selection, &pool, &scores);
                for problem in freeze_refusals(&content.selection, &list, &pool, &ranking, lang) {
                    println!("\n! {problem}");
                }
            }
        }
        FinalStep::Freeze { by, yes } => {
            let by = secretary(content, by.as_deref(), lang)?;
            let list = store.final_list().await.map_err(|e| e.to_string())?.ok_or_else(|| text("final_none", &[]))?;
            if let Some((by, at)) = list.frozen {
                return Err(final_refused(content, RecordError::Frozen { by, at }, lang));
            }
            let scores = store.scores().await.map_err(|e| e.to_string())?;
            let ranking = rank(&content.selection, &pool, &scores);
            let refusals = freeze_refusals(&content.selection, &list, &pool, &ranking, lang);
            if !refusals.is_empty() {
                return Err(refusals.join("\n"));
            }
            // What is about to be frozen, so that the list confirmed is the list frozen: the
            // store refuses it if it was recorded again since this was read.
            let (selected, reserve, not_selected) = counts(list.placed.iter().map(|placed| &placed.outcome));
            println!(
                "{}",
                text(
                    "final_freeze_shown",
                    &[
                        ("by", &one_line(&list.recorded_by)),
                        ("at", &bishkek_moment(list.recorded_at)),
                        ("count", &list.placed.len().to_string()),
                        ("selected", &selected.to_string()),
                        ("reserve", &reserve.to_string()),
                        ("not_selected", &not_selected.to_string()),
                    ]
                )
            );
            if !yes {
                confirm(content, lang, &text("final_freeze_confirm", &[("count", &list.placed.len().to_string())]))?;
            }
            let frozen = store
                .freeze_final(list.recorded_at, &by, chrono::Utc::now())
                .await
                .map_err(|err| final_refused(content, err, lang))?;
            let at = frozen.frozen.as_ref().map_or_else(String::new, |(_, at)| bishkek_moment(*at));
            println!(
                "{}",
                text(
                    "final_frozen_now",
                    &[("by", &one_line(&by)), ("at", &at), ("count", &frozen.placed.len().to_string())]
                )
            );
        }
    }
    Ok(())
}

/// `selection notify`: refused unless the final list is frozen; with `dry_run`, who gets
/// which message; otherwise the outcomes sent, through SES on DynamoDB or into the store's
/// mail folder, and what became of each.
async fn notify(
    store: &impl CommissionStore,
    cli: &Cli,
    content: &CommissionContent,
    lang: &str,
    dry_run: bool,
    personal: bool,
) -> Result<(), String> {
    let text = |key: &str, values: &[(&str, &str)]| content.selection.text(key, lang, values);
    let list = store.final_list().await.map_err(|e| e.to_string())?;
    let Some(list @ FinalList { frozen: Some(_), .. }) = list else {
        return Err(text("notify_not_frozen", &[]));
    };
    let letters = mail::Letters::load(&cli.content)
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))?;
    let told = commission::notify::plan(store, &letters, &list).await.map_err(|e| e.to_string())?;
    if dry_run {
        for one in &told {
            let reach = match one.reach {
                Reach::Email => text("notify_to_email", &[]),
                Reach::NoAddress => text("notify_no_address", &[]),
                Reach::Withdrawn => text("notify_withdrawn", &[]),
            };
            let mut line = format!(
                "{}  {:<2}  {}  {reach}",
                one_line(&one.code),
                one.lang,
                text(&format!("outcome_{}", one.outcome.key()), &[])
            );
            if let Some(at) = one.sent_at {
                line.push_str(&format!("  {}", text("notify_sent_before", &[("at", &bishkek_moment(at))])));
            }
            if personal {
                for value in [&one.name, &one.address].into_iter().flatten() {
                    line.push_str(&format!("  {}", one_line(value)));
                }
            }
            println!("{line}");
        }
        let count = |reach: Reach| told.iter().filter(|one| one.reach == reach).count().to_string();
        let sent = told.iter().filter(|one| one.reach == Reach::Email && one.sent_at.is_some()).count().to_string();
        println!(
            "{}",
            text(
                "notify_dry_counts",
                &[
                    ("email", &count(Reach::Email)),
                    ("sent", &sent),
                    ("no_address", &count(Reach::NoAddress)),
                    ("withdrawn", &count(Reach::Withdrawn)),
                ]
            )
        );
        println!("{}", text("notify_dry_run", &[]));
        return Ok(());
    }
    let secretariat = std::env::var("SECRETARIAT_ADDRESS")
        .ok()
        .filter(|address| !address.trim().is_empty())
        .unwrap_or_else(|| content.secretariat.clone());
    let settings = mail::Settings {
        secretariat: secretariat.clone(),
        kinds: vec![MessageKind::Outcome],
        // The scheduled notifier stops claiming after 15 s to finish inside its Lambda's
        // timeout; here nothing cuts the run short, and every claim's lease runs from its own
        // moment, so the whole list goes in one run.
        budget: std::time::Duration::from_secs(30 * 60),
        ..mail::Settings::default()
    };
    let now = chrono::Utc::now();
    let notified = if cli.dynamodb {
        let from = std::env::var("MAIL_FROM").ok().filter(|from| !from.trim().is_empty());
        let from = from.ok_or_else(|| text("notify_no_mail_from", &[]))?;
        let configuration_set = std::env::var("SES_CONFIGURATION_SET").ok().filter(|set| !set.trim().is_empty());
        let mailer = mail::SesMailer::new(mail::ses_client().await, from, secretariat, configuration_set);
        commission::notify::send(store, &mailer, &letters, &settings, &told, now).await
    } else {
        let mailer = mail::FolderMailer::new(mail::mail_folder(&cli.store)).with_sender(&secretariat, &secretariat);
        commission::notify::send(store, &mailer, &letters, &settings, &told, now).await
    }
    .map_err(|e| e.to_string())?;
    for (code, reason) in &notified.failed {
        println!("{}", text("notify_given_up", &[("code", &one_line(code)), ("reason", &one_line(reason))]));
    }
    println!(
        "{}",
        text(
            "notify_result",
            &[
                ("sent", &notified.sent_now.to_string()),
                ("before", &notified.sent_before.to_string()),
                ("pending", &notified.pending.to_string()),
                ("failed", &notified.failed.len().to_string()),
                ("no_address", &notified.no_address.to_string()),
            ]
        )
    );
    if notified.pending > 0 {
        println!("{}", text("notify_try_again", &[]));
    } else if notified.sent_now == 0 && notified.failed.is_empty() {
        println!("{}", text("notify_nothing_new", &[]));
    }
    Ok(())
}

/// Asks `question` at the terminal; only `freeze` typed back goes on.
fn confirm(content: &CommissionContent, lang: &str, question: &str) -> Result<(), String> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    let text = |key: &str| content.selection.text(key, lang, &[]);
    if !std::io::stdin().is_terminal() {
        return Err(text("final_freeze_no_terminal"));
    }
    print!("{question} ");
    std::io::stdout().flush().map_err(|err| err.to_string())?;
    let mut typed = String::new();
    std::io::stdin().lock().read_line(&mut typed).map_err(|err| err.to_string())?;
    if typed.trim() == "freeze" {
        Ok(())
    } else {
        Err(text("final_freeze_not_typed"))
    }
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
