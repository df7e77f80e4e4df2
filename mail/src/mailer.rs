//! What sends a composed message: a [`Mailer`]. SES in production ([`crate::SesMailer`]), a
//! folder of `.eml` files in the preview ([`FolderMailer`]), and whatever a test needs.

use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::Utc;
use store::MessageKind;

use crate::Composed;

/// Why a message was not sent. Never holds an address or anything of the application: the
/// reason is logged and stored with a failed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Throttling, a server error, a timeout, a dropped connection: the same message may go
    /// in a while, so it is tried again later.
    Transient(String),
    /// Refused for good (an address the service rejects, a message it will not send):
    /// trying again cannot help.
    Permanent(String),
}

impl SendError {
    pub fn reason(&self) -> &str {
        match self {
            SendError::Transient(reason) | SendError::Permanent(reason) => reason,
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Transient(reason) => write!(f, "not sent for now: {reason}"),
            SendError::Permanent(reason) => write!(f, "refused: {reason}"),
        }
    }
}

impl std::error::Error for SendError {}

/// Sends one message; the answer is the mail service's id for it.
pub trait Mailer: Send + Sync {
    fn send(&self, message: &Composed) -> impl Future<Output = Result<String, SendError>> + Send;
}

/// Replaces every word with an `@` in it by `<address>`: what a mail service says about a
/// refused message may quote the address, and the reason is logged and stored.
#[cfg_attr(not(feature = "ses"), allow(dead_code))]
pub(crate) fn without_addresses(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| match word.contains('@') {
            true => {
                let trailing: String = word.chars().rev().take_while(|c| c.is_whitespace()).collect();
                format!("<address>{trailing}")
            }
            false => word.to_string(),
        })
        .collect()
}

/// The preview's mailer: each message becomes a file an editor can open, named
/// `<UTC time>-<kind>-<code>.eml` (a digest: `<UTC time>-digest.eml`), in one folder.
#[derive(Debug, Clone)]
pub struct FolderMailer {
    dir: PathBuf,
    from: String,
    reply_to: String,
}

impl FolderMailer {
    /// Writes into `dir`, from a placeholder sender until [`FolderMailer::with_sender`] names
    /// one. The folder is made when the first message is written; it and its files are
    /// readable by their owner only (mode 0700 and 0600).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, from: "mektep@localhost".into(), reply_to: "mektep@localhost".into() }
    }

    /// The From and Reply-To the files show (the preview: the secretariat's address).
    pub fn with_sender(mut self, from: impl Into<String>, reply_to: impl Into<String>) -> Self {
        self.from = from.into();
        self.reply_to = reply_to.into();
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn write(&self, message: &Composed) -> Result<String, SendError> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let mime = message.try_to_mime(&self.from, &self.reply_to)?;
        private_folder(&self.dir)
            .map_err(|err| SendError::Transient(format!("cannot make the mail folder its owner's only: {err}")))?;
        let time = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let stem = match message.kind {
            MessageKind::Notice => format!("{time}-digest"),
            kind => format!("{time}-{kind}-{}", message.code),
        };
        // A message sent again (after an interrupted try) in the same millisecond keeps both.
        for attempt in 1..100 {
            let name = match attempt {
                1 => format!("{stem}.eml"),
                n => format!("{stem}-{n}.eml"),
            };
            // A receipt holds her address, phone, birth date and answers: the owner's only,
            // like the store beside it.
            match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(self.dir.join(&name)) {
                Ok(mut file) => {
                    file.write_all(&mime)
                        .and_then(|()| file.sync_all())
                        .map_err(|err| SendError::Transient(format!("cannot write {name}: {err}")))?;
                    return Ok(name);
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(SendError::Transient(format!("cannot write {name}: {err}"))),
            }
        }
        Err(SendError::Transient(format!("{stem}.eml exists 99 times")))
    }
}

/// Makes `dir` (and what is missing above it) readable by its owner only, or takes that
/// right from everyone else on a folder an earlier version made open.
fn private_folder(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let mode = std::fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700))?;
    }
    Ok(())
}

impl Mailer for FolderMailer {
    async fn send(&self, message: &Composed) -> Result<String, SendError> {
        self.write(message)
    }
}

/// Where the preview writes the messages of the store at `store`: beside it, with the
/// extension `mail` (`.mektep/applications.sqlite` → `.mektep/applications.mail/`).
pub fn mail_folder(store: &Path) -> PathBuf {
    store.with_extension("mail")
}

/// Deletes the messages about `codes` from a mail folder (a withdrawal, an erasure): the
/// files hold her address and answers. Digests name no one and stay. Returns how many files
/// were deleted; a folder that is not there has none.
pub fn forget(dir: &Path, codes: &[String]) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    let mut deleted = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let about = MessageKind::ALL.iter().any(|kind| {
            codes.iter().any(|code| {
                let tail = format!("-{kind}-{code}");
                name.strip_suffix(".eml").is_some_and(|stem| {
                    stem.ends_with(&tail)
                        || stem
                            .rsplit_once('-')
                            .is_some_and(|(head, n)| head.ends_with(&tail) && n.bytes().all(|b| b.is_ascii_digit()))
                })
            })
        });
        if about {
            std::fs::remove_file(entry.path())?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_never_carries_the_address() {
        assert_eq!(
            without_addresses("Email address is not verified: asel@example.kg, x@y.kg\nend"),
            "Email address is not verified: <address> <address>\nend"
        );
    }
}
