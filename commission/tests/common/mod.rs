//! What the commission's tests share: the real content and fresh stores of both kinds.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

pub fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")
}

pub fn temp_store() -> (tempfile::TempDir, function::SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = function::SqliteStore::open(&dir.path().join("applications.sqlite")).unwrap();
    (dir, store)
}

/// Fresh table names, so tests never see each other's items.
pub fn fresh_tables() -> function::Tables {
    let prefix = function::new_code().replace('-', "");
    function::Tables { applications: format!("applications-{prefix}"), applicants: format!("applicants-{prefix}") }
}

/// A DynamoDB store on fresh tables of the server at `DYNAMODB_ENDPOINT`.
pub async fn dynamo_store() -> function::DynamoStore {
    assert!(
        std::env::var_os("DYNAMODB_ENDPOINT").is_some(),
        "DYNAMODB_ENDPOINT is not set: run `bash tests/run`, which starts DynamoDB Local, or start it with tests/dynamodb-local.sh"
    );
    let store = function::DynamoStore::new(function::dynamodb_client().await, fresh_tables());
    store.create_tables().await.unwrap();
    store
}
