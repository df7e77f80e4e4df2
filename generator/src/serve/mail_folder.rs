//! The preview's mail: what production would send, written as `.eml` files into the store's
//! mail folder (`.mektep/applications.mail/` beside `.mektep/applications.sqlite`), so that an
//! editor reads the receipt, the secretariat's digest and the outcomes as they would arrive.
//! A task drains the embedded store's outbox every two seconds and prints one line per
//! message written: its kind and code, never an address.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use store::MessageKind;

use super::Shared;

/// How often the outbox is drained.
const EVERY: Duration = Duration::from_secs(2);

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
    let mut every = tokio::time::interval(EVERY);
    let mut last_error = None;
    loop {
        every.tick().await;
        let Some(letters) = shared.generation().and_then(|generation| generation.mail.clone()) else {
            continue;
        };
        // The secretariat's address is the content's contact e-mail: notices go to it, and
        // every file shows it as the sender, as production's Reply-To.
        let secretariat = letters.contact_email().to_string();
        let mailer = Announcing {
            inner: mail::FolderMailer::new(folder.clone()).with_sender(&secretariat, &secretariat),
            folder: folder.clone(),
        };
        let settings =
            mail::Settings { digest_interval, kinds: MessageKind::ALL.to_vec(), ..mail::Settings::new(secretariat) };
        match mail::drain(&*shared.store, &mailer, &letters, &settings, chrono::Utc::now()).await {
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
