//! `applications`: what the intake has stored, for the secretariat.
//!
//!     applications list [--personal] [--suspects] [--store FILE] [--dynamodb]
//!     applications enter --by NAME [--port N] [--content DIR] [--store FILE] [--dynamodb]
//!
//! Lists codes, age categories, languages and times received. Personal data (names,
//! contacts) is shown only with `--personal`. One application a line: invisible characters,
//! line breaks and tabs in what was stored are written out (`<U+202E>`, `<U+000A>`). With
//! `--dynamodb` it reads the tables named by APPLICATIONS_TABLE and APPLICANTS_TABLE
//! (DYNAMODB_ENDPOINT for a local server).

use std::borrow::Cow;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use commission::one_line;
use store::{CommissionStore, SqliteStore, StoreError};

/// What the intake has stored, for the secretariat.
#[derive(Parser)]
struct Cli {
    /// The embedded store (what `generator serve` writes).
    #[arg(long, value_name = "FILE", default_value = ".mektep/applications.sqlite", global = true)]
    store: PathBuf,
    /// Use DynamoDB instead (APPLICATIONS_TABLE, APPLICANTS_TABLE, DYNAMODB_ENDPOINT).
    #[arg(long, global = true)]
    dynamodb: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the applications: code, age category, language and time received.
    List {
        /// Add names and contacts (for the secretariat only).
        #[arg(long)]
        personal: bool,
        /// List what the honeypot caught instead (kept apart, not applications).
        #[arg(long)]
        suspects: bool,
    },
    /// Key in applications that came on paper or by e-mail, through the site's form served
    /// on 127.0.0.1 (in a browser): prints the page's address.
    Enter(commission::entry::EnterArgs),
}

async fn list(store: &impl CommissionStore, personal: bool, suspects: bool) -> Result<(), StoreError> {
    if suspects {
        let suspects = store.suspects().await?;
        println!("{} submissions caught by the honeypot (kept apart, not applications)", suspects.len());
        for (code, fields) in suspects {
            let names: Vec<Cow<'_, str>> = fields.keys().map(|name| one_line(name)).collect();
            println!("{}  fields: {}", one_line(&code), names.join(", "));
        }
        return Ok(());
    }
    let all = store.answers().await?;
    let count = |key: &str| all.iter().filter(|a| a.category.key() == key).count();
    println!(
        "{} applications: {} aged 28 and over, {} under 28",
        all.len(),
        count("aged_28_and_over"),
        count("under_28")
    );
    for application in &all {
        print!(
            "{}  {:<16}  {}  {}",
            one_line(&application.code),
            application.category.key(),
            one_line(&application.lang),
            application.received_at
        );
        if personal {
            if let Some(personal) = store.personal(&application.code).await? {
                let fields: Vec<String> =
                    personal.iter().map(|(k, v)| format!("{}={}", one_line(k), one_line(v))).collect();
                print!("  {}", fields.join("; "));
            }
        }
        println!();
    }
    Ok(())
}

async fn run(cli: &Cli) -> Result<(), StoreError> {
    let Command::List { personal, suspects } = cli.command else {
        // `enter` serves its page until stopped; `main` hands it over.
        return Ok(());
    };
    if cli.dynamodb {
        let store = store::DynamoStore::new(store::dynamodb_client().await, store::Tables::from_env()?);
        return list(&store, personal, suspects).await;
    }
    // Opening would create an empty store: a wrong path must say so instead.
    if !cli.store.exists() {
        return Err(StoreError::misconfigured(format!(
            "no store at {}: apply through `generator serve` first, or pass --store",
            cli.store.display()
        )));
    }
    list(&SqliteStore::open(&cli.store)?, personal, suspects).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Enter(args) = &cli.command {
        return commission::entry::enter(args, &cli.store, cli.dynamodb).await;
    }
    match run(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
