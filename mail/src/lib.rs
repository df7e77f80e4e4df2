//! What the School writes to people, and how it gets there.
//!
//! `content/mail.toml` (+ config, schedule, form, date patterns) → [`Letters`] (checked at
//! load) → a [`Composed`] message (receipt, digest of notices, outcome: text and HTML) →
//! raw MIME ([`Composed::to_mime`]) → a [`Mailer`] (SES in production, a folder of `.eml`
//! files in the preview). [`drain`] runs that for every entry the store's outbox owes, once:
//! the scheduled notifier Lambda (`src/main.rs`, feature `lambda`) calls it every minute.
//!
//! Features: `ses` adds [`SesMailer`] and [`ses_client`] (the AWS SDK); `lambda` the
//! notifier binary on DynamoDB.

mod compose;
mod drain;
mod events;
mod letters;
mod mailer;
mod mime;
#[cfg(feature = "ses")]
mod ses;

pub use compose::{address_of, compose_digest, compose_outcome, compose_receipt, Composed, DIGEST_CODE};
pub use drain::{backoff, drain, Clock, Drained, Settings, Tally};
pub use events::{read_event, Event, SesReport};
pub use letters::{LetterTexts, Letters};
pub use mailer::{forget, mail_folder, FolderMailer, Mailer, SendError};
#[cfg(feature = "ses")]
pub use ses::{ses_client, SesMailer};
