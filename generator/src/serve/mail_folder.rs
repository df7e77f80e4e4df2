//! The preview's mail: what production would send, written as `.eml` files into the store's
//! mail folder (`.mektep/applications.mail/` beside `.mektep/applications.sqlite`), so that an
//! editor reads the receipt, the secretariat's digest and the outcomes as they would arrive.
//! A task drains the embedded store's outbox every two seconds and prints one line per
//! message written: its kind and code, never an address.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use content_model::SiteConfig;
use store::MessageKind;

use super::Shared;

/// How often the outbox is drained.
const EVERY: Duration = Duration::from_secs(2);

/// The words of the messages, and where the secretariat reads its notices: the content's
/// contact address.
pub(super) struct Letters {
    letters: mail::Letters,
    secretariat: String,
}

impl Letters {
    /// From `content_dir`; every problem names its file.
    pub(super) fn load(content_dir: &Path) -> Result<Self, Vec<String>> {
        let letters = mail::Letters::load(content_dir)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        let file = content_dir.join("config.toml");
        let text = std::fs::read_to_string(&file).map_err(|err| vec![format!("{}: {err}", file.display())])?;
        let config = SiteConfig::parse(&file, &text)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        Ok(Letters { letters, secretariat: config.contact.email })
    }
}

/// How long notices wait to be grouped into one digest: `MEKTEP_DIGEST_INTERVAL` in seconds
/// (`30`, `30s`, `2m`), ten minutes when it is not set.
pub(super) fn digest_interval() -> anyhow::Result<Duration> {
    let Ok(value) = std::env::var("MEKTEP_DIGEST_INTERVAL") else {
        return Ok(Duration::from_secs(600));
    };
    let value = value.trim();
    let (number, unit) = match value.strip_suffix('m') {
        Some(minutes) => (minutes, 60),
        None => (value.strip_suffix('s').unwrap_or(value), 1),
    };
    number.trim().parse::<u64>().map(|n| Duration::from_secs(n * unit)).map_err(|_| {
        anyhow::anyhow!("MEKTEP_DIGEST_INTERVAL=`{value}` is not a number of seconds (30, 30s) or minutes (2m)")
    })
}

/// The folder's mailer, saying on the terminal what it wrote.
struct Announcing {
    folder: PathBuf,
    inner: mail::FolderMailer,
}

impl mail::Mailer for Announcing {
    async fn send(&self, message: &mail::Composed) -> Result<String, mail::SendError> {
        let file = self.inner.send(message).await?;
        let what = match message.kind {
            MessageKind::Notice => "digest".to_string(),
            kind => format!("{kind} for {}", message.code),
        };
        eprintln!("mail: {what} → {}", self.folder.join(&file).display());
        Ok(file)
    }
}

/// Drains the outbox into `folder` every [`EVERY`], with the current build's words, until the
/// preview stops. A store error is printed once, not every two seconds.
pub(super) async fn drain_every(shared: Arc<Shared>, folder: PathBuf, digest_interval: Duration) {
    let mailer = Announcing { inner: mail::FolderMailer::new(folder.clone()), folder };
    let mut every = tokio::time::interval(EVERY);
    let mut last_error = None;
    loop {
        every.tick().await;
        let Some(letters) = shared.generation().and_then(|generation| generation.mail.clone()) else {
            continue;
        };
        let settings = mail::Settings {
            digest_interval,
            secretariat: letters.secretariat.clone(),
            kinds: MessageKind::ALL.to_vec(),
            ..mail::Settings::default()
        };
        match mail::drain(&*shared.store, &mailer, &letters.letters, &settings, chrono::Utc::now()).await {
            Ok(_) => last_error = None,
            Err(err) => {
                let said = err.to_string();
                if last_error.as_ref() != Some(&said) {
                    eprintln!("mail: the outbox could not be drained: {said}");
                    last_error = Some(said);
                }
            }
        }
    }
}
