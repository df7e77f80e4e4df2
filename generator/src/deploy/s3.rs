//! The site's bucket on S3 (or on an S3-compatible server named by `AWS_ENDPOINT_URL_S3`).

use anyhow::{anyhow, Context as _};
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use aws_sdk_s3::Client;

use super::plan::{Listed, LocalFile, Stored};
use super::Bucket;

/// The metadata key the SHA-256 of an object's bytes is kept under (`x-amz-meta-sha256`):
/// an ETag is no plain digest of the bytes once an upload is multipart or encrypted with KMS.
const DIGEST_KEY: &str = "sha256";
/// `DeleteObjects` takes at most this many keys a request.
const DELETE_BATCH: usize = 1000;

pub(crate) struct S3Bucket {
    client: Client,
    bucket: String,
}

impl S3Bucket {
    pub(crate) fn new(config: &aws_config::SdkConfig, bucket: &str) -> Self {
        // A server of one's own (moto, MinIO) seldom resolves `<bucket>.host` names.
        let custom_endpoint = config.endpoint_url().is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL").is_some();
        let s3_config = aws_sdk_s3::config::Builder::from(config).force_path_style(custom_endpoint).build();
        Self { client: Client::from_conf(s3_config), bucket: bucket.to_string() }
    }
}

impl Bucket for S3Bucket {
    fn url(&self) -> String {
        format!("s3://{}", self.bucket)
    }

    async fn list(&self) -> anyhow::Result<Vec<Listed>> {
        let mut listed = Vec::new();
        let mut pages = self.client.list_objects_v2().bucket(&self.bucket).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| anyhow!("listing {}: {}", self.url(), DisplayErrorContext(&err)))?;
            for object in page.contents() {
                if let Some(key) = object.key() {
                    listed.push(Listed { key: key.to_string(), size: object.size().unwrap_or(0).max(0) as u64 });
                }
            }
        }
        Ok(listed)
    }

    async fn head(&self, key: &str) -> anyhow::Result<Stored> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|err| anyhow!("reading {key} in {}: {}", self.url(), DisplayErrorContext(&err)))?;
        Ok(Stored {
            digest: head.metadata().and_then(|metadata| metadata.get(DIGEST_KEY)).cloned(),
            content_type: head.content_type().map(str::to_string),
            cache_control: head.cache_control().map(str::to_string),
        })
    }

    async fn put(&self, file: &LocalFile) -> anyhow::Result<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&file.key)
            .body(ByteStream::from(file.bytes.clone()))
            .content_type(&file.content_type)
            .cache_control(file.cache_control)
            .metadata(DIGEST_KEY, &file.digest)
            .send()
            .await
            .map_err(|err| anyhow!("uploading {} to {}: {}", file.key, self.url(), DisplayErrorContext(&err)))?;
        Ok(())
    }

    async fn delete(&self, keys: &[String]) -> anyhow::Result<()> {
        for batch in keys.chunks(DELETE_BATCH) {
            let objects = batch
                .iter()
                .map(|key| ObjectIdentifier::builder().key(key).build())
                .collect::<Result<Vec<_>, _>>()
                .context("naming the objects to delete")?;
            let delete =
                Delete::builder().set_objects(Some(objects)).quiet(true).build().context("a delete request")?;
            let output =
                self.client.delete_objects().bucket(&self.bucket).delete(delete).send().await.map_err(|err| {
                    anyhow!("deleting {} objects from {}: {}", batch.len(), self.url(), DisplayErrorContext(&err))
                })?;
            if let Some(failed) = output.errors().first() {
                return Err(anyhow!(
                    "deleting {} from {}: {} {} ({} of {} deletions failed)",
                    failed.key().unwrap_or("?"),
                    self.url(),
                    failed.code().unwrap_or(""),
                    failed.message().unwrap_or(""),
                    output.errors().len(),
                    batch.len()
                ));
            }
        }
        Ok(())
    }
}
