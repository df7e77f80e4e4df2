//! The application intake.
//!
//! A request → [`RawSubmission`] (the posted answers) → [`Application`] (every rule of
//! `content/form.toml` checked, personal data split from the answers) → a [`Store`]
//! (DynamoDB, or one SQLite file locally) → a response: the application's code, or every
//! field's problem in the applicant's language. [`handle`] does it all and knows nothing
//! of Lambda, so the generator's preview serves it too.

mod application;
mod handler;
mod intake;
#[cfg(feature = "lambda")]
pub mod lambda;
mod pages;
mod store;
mod submission;
mod validate;

pub use application::{new_code, Application, Category, Fields, Scores, StoredAnswers, Suspect};
pub use handler::{handle, MAX_BODY};
pub use intake::{Clock, Intake, IntakeTexts};
#[cfg(feature = "embedded")]
pub use store::SqliteStore;
#[cfg(feature = "dynamodb")]
pub use store::{dynamodb_client, dynamodb_config, DynamoStore, Tables};
pub use store::{CommissionStore, Saved, ScoresError, Store, StoreError, StoreErrorKind};
pub use submission::{BodyError, BodyFormat, RawSubmission};
pub use validate::{validate, FieldError};
