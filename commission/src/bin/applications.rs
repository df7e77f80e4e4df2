//! `applications`: what the intake has stored, for the secretariat.
//!
//!     cargo run -p commission --bin applications -- list [--store FILE] [--personal] [--suspects] [--dynamodb]
//!
//! Lists codes, age categories, languages and times received. Personal data (names,
//! contacts) is shown only with `--personal`. With `--dynamodb` it reads the tables named by
//! APPLICATIONS_TABLE and APPLICANTS_TABLE (DYNAMODB_ENDPOINT for a local server).

use std::path::PathBuf;
use std::process::ExitCode;

use store::{CommissionStore, SqliteStore, StoreError};

struct Options {
    store: PathBuf,
    personal: bool,
    suspects: bool,
    dynamodb: bool,
}

const USAGE: &str = "usage: applications list [--store FILE] [--personal] [--suspects] [--dynamodb]";

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        store: PathBuf::from(".mektep/applications.sqlite"),
        personal: false,
        suspects: false,
        dynamodb: false,
    };
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("list") => {}
        _ => return Err(USAGE.into()),
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--store" => options.store = args.next().ok_or("--store needs a file")?.into(),
            "--personal" => options.personal = true,
            "--suspects" => options.suspects = true,
            "--dynamodb" => options.dynamodb = true,
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    Ok(options)
}

async fn list(store: &impl CommissionStore, options: &Options) -> Result<(), StoreError> {
    if options.suspects {
        let suspects = store.suspects().await?;
        println!("{} submissions caught by the honeypot (kept apart, not applications)", suspects.len());
        for (code, fields) in suspects {
            let names: Vec<&str> = fields.keys().map(String::as_str).collect();
            println!("{code}  fields: {}", names.join(", "));
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
            application.code,
            application.category.key(),
            application.lang,
            application.received_at
        );
        if options.personal {
            if let Some(personal) = store.personal(&application.code).await? {
                let fields: Vec<String> = personal.iter().map(|(k, v)| format!("{k}={v}")).collect();
                print!("  {}", fields.join("; "));
            }
        }
        println!();
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let result = if options.dynamodb { list_dynamodb(&options).await } else { open_and_list(&options).await };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn open_and_list(options: &Options) -> Result<(), StoreError> {
    if !options.store.exists() {
        return Err(StoreError::misconfigured(format!(
            "no store at {}: apply through `generator serve` first, or pass --store",
            options.store.display()
        )));
    }
    list(&SqliteStore::open(&options.store)?, options).await
}

async fn list_dynamodb(options: &Options) -> Result<(), StoreError> {
    let store = store::DynamoStore::new(store::dynamodb_client().await, store::Tables::from_env()?);
    list(&store, options).await
}
