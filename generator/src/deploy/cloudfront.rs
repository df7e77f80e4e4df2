//! The CloudFront distribution in front of the bucket: invalidations of what changed.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context as _};
use aws_sdk_cloudfront::error::DisplayErrorContext;
use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
use aws_sdk_cloudfront::Client;

use super::Cdn;

pub(crate) struct Distribution {
    client: Client,
    id: String,
}

impl Distribution {
    pub(crate) fn new(config: &aws_config::SdkConfig, id: &str) -> Self {
        Self { client: Client::new(config), id: id.to_string() }
    }
}

impl Cdn for Distribution {
    async fn invalidate(&self, paths: &[String]) -> anyhow::Result<String> {
        // CloudFront takes a repeated caller reference as the same request: make each new.
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let reference = format!("generator-deploy-{}-{}", now.as_millis(), std::process::id());
        let batch = InvalidationBatch::builder()
            .paths(
                Paths::builder()
                    .quantity(i32::try_from(paths.len()).context("too many paths")?)
                    .set_items(Some(paths.to_vec()))
                    .build()
                    .context("the paths to invalidate")?,
            )
            .caller_reference(reference)
            .build()
            .context("an invalidation request")?;
        let output = self
            .client
            .create_invalidation()
            .distribution_id(&self.id)
            .invalidation_batch(batch)
            .send()
            .await
            .map_err(|err| {
                anyhow!(
                    "invalidating {} on CloudFront distribution {}: {}",
                    paths.join(" "),
                    self.id,
                    DisplayErrorContext(&err)
                )
            })?;
        Ok(output.invalidation().map(|invalidation| invalidation.id().to_string()).unwrap_or_default())
    }
}
