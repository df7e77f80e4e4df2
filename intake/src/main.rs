//! The Lambda function: reads its content at build time, builds the DynamoDB client once,
//! and runs the intake's router, which the preview runs too, through `lambda_http`.
//!
//! Environment: `APPLICATIONS_TABLE`, `APPLICANTS_TABLE`, optional `DYNAMODB_ENDPOINT`
//! (a local DynamoDB-compatible server), `ORIGIN_SECRET` (the value CloudFront sends in
//! `X-Origin-Verify`; when set, every request without it is refused), and the log level in
//! `AWS_LAMBDA_LOG_LEVEL` (Lambda's logging controls) or `RUST_LOG`, `INFO` by default.
//! Only this file (and `intake::init_lambda_logs`, for the log level) reads the environment.

use std::sync::Arc;

use intake::{init_lambda_logs, router, Clock, Intake};
use lambda_http::Error;
use store::{dynamodb_client, DynamoStore, Tables};

include!(concat!(env!("OUT_DIR"), "/content.rs"));

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_lambda_logs();
    // CloudFront sends no empty header, so an empty value cannot be the secret: it is taken
    // as unset, and the log says so once per cold start (never the value itself).
    let origin_secret = std::env::var("ORIGIN_SECRET").ok().filter(|secret| !secret.is_empty());
    if origin_secret.is_none() {
        tracing::warn!("ORIGIN_SECRET is not set: requests that bypass CloudFront are not refused");
    }
    let intake = Intake::from_texts(&embedded_texts(), Clock::System)
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))?
        .with_origin_secret(origin_secret.as_deref());
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
