//! `selection`: stage II for the secretariat, on the embedded store or on DynamoDB.
//!
//!     selection sheets --member gamsumo [--lang ky] [--out sheets/]
//!     selection import --member gamsumo sheets/gamsumo.csv [--overwrite]
//!     selection rank
//!     selection results [--personal] [--out results.csv]
//!     selection report [--date 2021-01-16] [--out content/reports]
//!
//! Sheets for members carry codes, age groups, answers and essays, never personal data.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use content_model::{Form, Selection, SiteConfig};
use function::selection::{import_sheet, rank, results_csv, results_markdown, sheet_csv, sheet_html};
use function::{SqliteStore, Store};

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
    Rank,
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

struct Content {
    form: Form,
    selection: Selection,
    languages: Vec<String>,
}

fn load(dir: &Path) -> Result<Content, String> {
    let read = |name: &str| {
        let file = dir.join(name);
        std::fs::read_to_string(&file)
            .map(|text| (file.clone(), text))
            .map_err(|err| format!("{}: {err}", file.display()))
    };
    let show = |errors: Vec<content_model::ContentError>| {
        errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    };
    let (file, text) = read("config.toml")?;
    let languages = SiteConfig::parse(&file, &text).map_err(show)?.languages;
    let (file, text) = read("form.toml")?;
    let form = Form::parse(&file, &text, &languages).map_err(show)?;
    let (file, text) = read("selection.toml")?;
    let selection = Selection::parse(&file, &text, &languages).map_err(show)?;
    Ok(Content { form, selection, languages })
}

async fn run(store: &impl Store, cli: &Cli, content: &Content) -> Result<(), String> {
    let lang = cli.lang.as_str();
    if !content.languages.iter().any(|known| known == lang) {
        return Err(format!("`{lang}` is not one of the site's languages ({})", content.languages.join(", ")));
    }
    let applications = store.answers().await.map_err(|e| e.to_string())?;
    match &cli.command {
        Command::Sheets { member, out } => {
            let Some(known) = content.selection.members.iter().find(|m| &m.id == member) else {
                return Err(format!("`{member}` is not a member of the commission"));
            };
            std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
            let csv = out.join(format!("{member}.csv"));
            let html = out.join(format!("{member}.html"));
            std::fs::write(&csv, sheet_csv(&content.form, &content.selection, &applications, lang))
                .map_err(|e| e.to_string())?;
            let page = sheet_html(&content.form, &content.selection, &applications, lang, known.name.get(lang));
            std::fs::write(&html, page).map_err(|e| e.to_string())?;
            println!("{} applications: {} and {}", applications.len(), csv.display(), html.display());
        }
        Command::Import { member, sheet, overwrite } => {
            let bytes = std::fs::read(sheet).map_err(|e| format!("{}: {e}", sheet.display()))?;
            let codes: HashSet<String> = applications.iter().map(|a| a.code.clone()).collect();
            let count = import_sheet(store, &content.selection, member, &bytes, &codes, *overwrite)
                .await
                .map_err(|err| format!("{}:\n{err}", sheet.display()))?;
            println!("imported {member}'s scores for {count} applications");
        }
        Command::Rank => {
            let scores = store.scores().await.map_err(|e| e.to_string())?;
            let ranking = rank(&content.selection, &applications, &scores);
            for (category, list) in &ranking.groups {
                println!("{}", content.form.message(&format!("category_{}", category.key()), lang, &[]));
                for ranked in list {
                    let totals: Vec<String> = ranked.totals.iter().map(|t| format!("{t:5.1}")).collect();
                    let mark = match (ranked.proposed, ranked.tie_at_cut) {
                        (_, true) => "tie at the quota's edge",
                        (true, false) => "proposed",
                        _ => "",
                    };
                    let flag = if ranked.disagreement { "members disagree" } else { "" };
                    println!(
                        "  {:>3}  {}  {}  mean {:5.1}  {mark} {flag}",
                        ranked.place,
                        ranked.code,
                        totals.join(" "),
                        ranked.mean
                    );
                }
            }
            println!(
                "rule: members disagree when their totals differ by more than {} points",
                ranking.disagreement_rule
            );
            for (category, proposed, minimum) in &ranking.short {
                println!("{}: {proposed} proposed, fewer than the quota's minimum of {minimum}", category.key());
            }
            for (code, missing) in &ranking.incomplete {
                println!("not ranked yet: {code} (no scores from {})", missing.join(", "));
            }
        }
        Command::Results { out, personal } => {
            let scores = store.scores().await.map_err(|e| e.to_string())?;
            let ranking = rank(&content.selection, &applications, &scores);
            let mut data = BTreeMap::new();
            if *personal {
                for application in &applications {
                    if let Some(fields) = store.personal(&application.code).await.map_err(|e| e.to_string())? {
                        data.insert(application.code.clone(), fields);
                    }
                }
            }
            let csv = results_csv(&content.form, &content.selection, &ranking, personal.then_some(&data), lang);
            std::fs::write(out, csv).map_err(|e| format!("{}: {e}", out.display()))?;
            println!(
                "wrote {}{}",
                out.display(),
                if *personal { " (with names and contacts: keep it safe)" } else { "" }
            );
        }
        Command::Report { date, out } => {
            let scores = store.scores().await.map_err(|e| e.to_string())?;
            let ranking = rank(&content.selection, &applications, &scores);
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            for lang in &content.languages {
                let file = out.join(format!("selection-results.{lang}.md"));
                let text = results_markdown(&content.form, &content.selection, &ranking, lang, date);
                std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
                println!("wrote {} (a draft: check it, then delete `draft = true`)", file.display());
            }
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match load(&cli.content) {
        Err(err) => Err(err),
        Ok(content) if cli.dynamodb => with_dynamodb(&cli, &content).await,
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

#[cfg(feature = "dynamodb")]
async fn with_dynamodb(cli: &Cli, content: &Content) -> Result<(), String> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&config);
    if let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") {
        dynamodb = dynamodb.endpoint_url(endpoint);
    }
    let tables = function::Tables::from_env().map_err(|e| e.to_string())?;
    run(&function::DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(dynamodb.build()), tables), cli, content).await
}

#[cfg(not(feature = "dynamodb"))]
async fn with_dynamodb(_: &Cli, _: &Content) -> Result<(), String> {
    Err("this build has no DynamoDB support: build with `--features dynamodb`".into())
}
