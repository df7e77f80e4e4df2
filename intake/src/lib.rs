//! The application intake.
//!
//! A request → [`RawSubmission`] (the posted answers) → [`Application`] (every rule of
//! `content/form.toml` checked, personal data split from the answers) → a [`Store`]
//! (DynamoDB, or one SQLite file locally) → a response: the application's code, or every
//! field's problem in the applicant's language. [`router`] does it all and knows nothing
//! of Lambda: the Lambda binary (`main.rs`) runs it through `lambda_http`, and the generator's
//! preview serves it under the intake's path.

mod handler;
mod intake;
#[cfg(feature = "lambda")]
mod logs;
mod loopback;
mod origin;
mod pages;
mod router;
mod submission;
mod validate;

pub use handler::{handle, refusal, MAX_BODY};
pub use intake::{Clock, Intake, IntakeTexts};
#[cfg(feature = "lambda")]
pub use logs::{init_lambda_logs, json_logs};
pub use loopback::loopback_host;
pub use router::router;
pub use submission::{BodyError, BodyFormat, RawSubmission};
pub use validate::{age_on, check_received, validate, validate_entry, EntryErrors, FieldError, Receipt, ReceivedError};
