//! The Lambda function: reads its content at build time, builds the DynamoDB client once,
//! and runs the intake's router, which the preview runs too, through `lambda_http`.
//!
//! Environment: `APPLICATIONS_TABLE`, `APPLICANTS_TABLE`, optional `DYNAMODB_ENDPOINT`
//! (a local DynamoDB-compatible server).

use std::sync::Arc;

use intake::{router, Clock, Intake};
use lambda_http::Error;
use store::{dynamodb_client, DynamoStore, Tables};

include!(concat!(env!("OUT_DIR"), "/content.rs"));

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let intake = Intake::from_texts(&embedded_texts(), Clock::System)
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))?;
    let store = DynamoStore::new(dynamodb_client().await, Tables::from_env()?);
    lambda_http::run(router(Arc::new(store), Arc::new(intake))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the binary carries is what it loads at every cold start: a file that does not
    /// parse would fail every start in production.
    #[test]
    fn the_content_carried_in_the_binary_loads() {
        let texts = embedded_texts();
        assert!(!texts.translations.is_empty());
        if let Err(errors) = Intake::from_texts(&texts, Clock::System) {
            panic!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
        }
    }
}
