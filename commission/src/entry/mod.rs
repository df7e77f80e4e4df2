//! `applications enter`: the secretariat keys in applications that came on paper or by
//! e-mail, through the site's own form served on 127.0.0.1: the same questions, rules and
//! messages (the intake's [`intake::validate_entry`]), in Kyrgyz or Russian, plus how each
//! came, when it was received and who keyed it in. It works on the embedded store or, with
//! `--dynamodb`, on the production tables, never through the public intake, which is closed
//! after the deadline; only the received time must be before it.
//!
//! A page load → an empty form with a fresh submission id → a post → the intake's rules →
//! the store (the id makes a reload or a second click store nothing new) → the code, large.

mod guard;
mod page;
mod server;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone as _};
use content_model::{ContentError, DatePatterns, FieldView, Message, Selection, SiteConfig};
use intake::{Clock, Intake};
use store::{Channel, SqliteStore, Store};

use crate::CommissionContent;

/// `applications enter`'s own options; the store's are the tool's (`--store`, `--dynamodb`).
#[derive(Debug, Clone, clap::Args)]
pub struct EnterArgs {
    /// Who keys the applications in: stored with each one (the page lets it be changed).
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// The port on 127.0.0.1 to serve the page on (0: any free one).
    #[arg(long, default_value_t = 8100)]
    pub port: u16,
    /// Start a new embedded store when `--store` names no file yet. Without it a missing file
    /// is refused: a mistyped path would otherwise put paper applications in a file that
    /// `check`, the sheets and the ranking never read.
    #[arg(long)]
    pub new_store: bool,
}

/// The names the secretariat's questions are posted under, beside the form's own.
pub(crate) const CHANNEL: &str = "channel";
pub(crate) const RECEIVED_AT: &str = "received_at";
pub(crate) const ENTERED_BY: &str = "entered_by";

/// The longest name of whoever keys an application in.
const ENTERED_BY_MAX: usize = 100;

/// What the page reads from `content/`.
pub(crate) struct EntryContent {
    pub(crate) intake: Intake,
    pub(crate) selection: Selection,
    /// The programme's clock (Bishkek time): received times are typed in it.
    pub(crate) offset: FixedOffset,
    /// Who keys applications in, from `--by`.
    pub(crate) entered_by: String,
    dates_fallback: DatePatterns,
}

impl EntryContent {
    pub(crate) fn load(dir: &Path, clock: Clock, entered_by: &str) -> Result<Self, Vec<ContentError>> {
        let config_file = dir.join("config.toml");
        let config = std::fs::read_to_string(&config_file)
            .map_err(|err| vec![ContentError::new(&config_file, Message::CannotRead { error: err.to_string() })])?;
        let offset = SiteConfig::parse(&config_file, &config)?.offset();
        let intake = Intake::load(dir, clock)?;
        let CommissionContent { selection, .. } = CommissionContent::load(dir)?;
        let dates_fallback = intake
            .languages()
            .first()
            .and_then(|lang| intake.dates(lang))
            .cloned()
            .ok_or_else(|| vec![ContentError::new(&config_file, Message::Untranslated("no languages".into()))])?;
        Ok(Self { intake, selection, offset, entered_by: entered_by.trim().to_string(), dates_fallback })
    }

    /// How `lang` writes dates; every language the page is shown in has them.
    pub(crate) fn dates(&self, lang: &str) -> &DatePatterns {
        self.intake.dates(lang).unwrap_or(&self.dates_fallback)
    }

    /// `lang` when the site has it, the default language otherwise.
    pub(crate) fn language(&self, lang: Option<&str>) -> String {
        let languages = self.intake.languages();
        lang.and_then(|lang| languages.iter().find(|known| *known == lang))
            .or_else(|| languages.first())
            .cloned()
            .unwrap_or_default()
    }

    /// The secretariat's questions, as the form's are shown, with the choices of how it came.
    pub(crate) fn receipt_fields(&self, lang: &str) -> Vec<(FieldView<'static>, Vec<(&'static str, String)>)> {
        let words = &self.selection;
        let question =
            |name: &'static str, kind: &'static str, input_type: &'static str, max_length: usize| FieldView {
                id: name,
                name: Some(name),
                kind,
                label: "",
                help: None,
                required: true,
                max_length,
                max_words: None,
                autocomplete: None,
                input_type,
                inputmode: None,
            };
        let channels = [Channel::Paper, Channel::Email]
            .into_iter()
            .map(|channel| (channel.key(), words.text(&format!("entry_channel_{}", channel.key()), lang, &[])))
            .collect();
        vec![
            (question(CHANNEL, "channel", "radio", 5), channels),
            (question(RECEIVED_AT, "received-at", "datetime-local", 16), Vec::new()),
            (question(ENTERED_BY, "entered-by", "text", ENTERED_BY_MAX), Vec::new()),
        ]
    }

    /// A received time as `datetime-local` posts it (`2020-12-10T15:30`), in Bishkek time.
    pub(crate) fn received_at(&self, typed: &str) -> Option<DateTime<FixedOffset>> {
        let naive = NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M:%S"))
            .ok()?;
        self.offset.from_local_datetime(&naive).single()
    }
}

/// Why the page could not start.
#[derive(Debug)]
pub enum EnterError {
    /// `--by` was empty.
    NoName,
    /// `--store` names no file, and `--new-store` was not given.
    NoStore(std::path::PathBuf),
    Content(Vec<ContentError>),
    Store(store::StoreError),
    Template(tera::Error),
    Listen(std::io::Error),
}

impl std::fmt::Display for EnterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnterError::NoName => write!(f, "--by needs the name of whoever keys the applications in"),
            EnterError::NoStore(file) => write!(
                f,
                "no store at {}: pass --store with the file the other commands read (what `generator serve` \
                 writes), --dynamodb for the production tables, or --new-store to start a new file there",
                file.display()
            ),
            EnterError::Content(errors) => {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                write!(f, "{}", lines.join("\n"))
            }
            EnterError::Store(err) => write!(f, "{err}"),
            EnterError::Template(err) => write!(f, "the entry page's template: {}", content_model::with_causes(err)),
            EnterError::Listen(err) => write!(f, "cannot listen on 127.0.0.1: {err}"),
        }
    }
}

/// Runs `applications enter` until it is stopped; errors are printed.
pub async fn enter(args: &EnterArgs, content_dir: &Path, store_file: &Path, dynamodb: bool) -> ExitCode {
    match run(args, content_dir, store_file, dynamodb).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &EnterArgs, content_dir: &Path, store_file: &Path, dynamodb: bool) -> Result<(), EnterError> {
    let content = EntryContent::load(content_dir, Clock::System, &args.by).map_err(EnterError::Content)?;
    if content.entered_by.is_empty() {
        return Err(EnterError::NoName);
    }
    if dynamodb {
        let tables = store::Tables::from_env().map_err(EnterError::Store)?;
        let store = store::DynamoStore::new(store::dynamodb_client().await, tables);
        serve(store, content, args.port, "DynamoDB (APPLICATIONS_TABLE, APPLICANTS_TABLE)".into()).await
    } else {
        let new = !store_file.exists();
        if new && !args.new_store {
            return Err(EnterError::NoStore(store_file.to_path_buf()));
        }
        let store = SqliteStore::open(store_file).map_err(EnterError::Store)?;
        let label = format!("{}{}", store_file.display(), if new { " (new)" } else { "" });
        serve(store, content, args.port, label).await
    }
}

async fn serve<S: Store + 'static>(
    store: S,
    content: EntryContent,
    port: u16,
    store_label: String,
) -> Result<(), EnterError> {
    let pages = page::Pages::new().map_err(EnterError::Template)?;
    // Loopback only: the page holds whatever credentials the store was opened with.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(EnterError::Listen)?;
    let address = listener.local_addr().map_err(EnterError::Listen)?;
    let app = Arc::new(server::EntryApp { store, content, pages });
    println!("Keying in applications at http://{address}/ (store: {store_label}). Ctrl+C stops.");
    axum::serve(listener, server::router(app)).await.map_err(EnterError::Listen)
}
