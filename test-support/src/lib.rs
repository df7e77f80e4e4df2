//! What the tests of the intake, the stores and the commission's tools share: a frozen copy
//! of the content, a clock inside its application window, a complete valid application as a
//! form or a script would post it, and fresh stores of both kinds.
// Test code: a helper that cannot do its job stops the test and says why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use chrono::DateTime;
use http::Request;
use intake::{Clock, Intake};

/// Inside the frozen content's application window, and after its deadline (17:00 on 11 December 2020).
pub const DURING_INTAKE: &str = "2020-12-01T12:00:00+06:00";
pub const AFTER_DEADLINE: &str = "2020-12-11T17:00:00+06:00";

/// The frozen copy of `content/` (`tests/fixtures/site/content`), which editors never change:
/// tests that read it cannot break when a deadline moves or a message is reworded. The
/// content the Lambda carries is tested once, in `intake/src/main.rs`.
pub fn frozen_content() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/site/content")
}

/// The intake on the frozen content, its clock stopped at `moment`.
pub fn intake_at(moment: &str) -> Intake {
    Intake::load(&frozen_content(), Clock::Fixed(DateTime::parse_from_rfc3339(moment).unwrap()))
        .unwrap_or_else(|errors| panic!("{errors:?}"))
}

/// Every answer of a valid application, as a form would post them.
pub fn valid_fields() -> Vec<(String, String)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("full_name", "Асель Токтогулова"),
        ("birth_date", "1990-05-17"),
        ("residence", "Кара-Суу айылы, Кара-Суу айыл өкмөтү"),
        ("workplace", "Мектеп, мугалим"),
        ("phone", "0700 123456"),
        ("whatsapp", "+996 700 123456"),
        ("email", "asel@example.kg"),
        ("lsg_experience", "yes"),
        ("lsg_experience_text", "Айыл өкмөтү менен суу маселесин чечүүгө катыштым."),
        ("community_experience", "no"),
        ("support_groups", "no"),
        ("essay", "Менин айылымда таза суу жок. Депутат болуп, бул маселени чечким келет."),
        ("confirm_citizen", "yes"),
        ("confirm_rural", "yes"),
        ("confirm_age", "yes"),
        ("confirm_no_similar_school", "yes"),
        ("consent_personal_data", "yes"),
    ];
    for name in [
        "ready_active",
        "ready_self_study",
        "ready_to_organise",
        "ready_to_share",
        "stage_application",
        "stage_bishkek_details",
        "stage_school",
        "stage_meeting_nomination",
        "stage_meeting_campaign",
        "stage_monitoring",
        "stage_training",
        "stage_budget_seminar",
        "stage_portal_seminar",
        "stage_exchange_seminar",
    ] {
        fields.push((name, "yes"));
    }
    fields.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `fields` with `name` set to `value` (added when absent), or removed when `value` is None.
pub fn with(mut fields: Vec<(String, String)>, name: &str, value: Option<&str>) -> Vec<(String, String)> {
    fields.retain(|(k, _)| k != name);
    if let Some(value) = value {
        fields.push((name.to_string(), value.to_string()));
    }
    fields
}

pub fn form_body(fields: &[(String, String)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields).unwrap().into_bytes()
}

pub fn json_body(fields: &[(String, String)]) -> Vec<u8> {
    let object: serde_json::Map<String, serde_json::Value> =
        fields.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    serde_json::to_vec(&object).unwrap()
}

pub fn post(content_type: &str, body: Vec<u8>) -> Request<Vec<u8>> {
    Request::post("/api/applications").header("content-type", content_type).body(body).unwrap()
}

pub fn post_json(fields: &[(String, String)]) -> Request<Vec<u8>> {
    post("application/json", json_body(fields))
}

pub fn post_form(fields: &[(String, String)]) -> Request<Vec<u8>> {
    post("application/x-www-form-urlencoded", form_body(fields))
}

pub fn body_json(response: &http::Response<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(response.body())
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(response.body())))
}

pub fn body_text(response: &http::Response<Vec<u8>>) -> String {
    String::from_utf8(response.body().clone()).unwrap()
}

pub fn temp_store() -> (tempfile::TempDir, store::SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = store::SqliteStore::open(&dir.path().join("applications.sqlite")).unwrap();
    (dir, store)
}

/// Fresh table names, so tests never see each other's items.
pub fn fresh_tables() -> store::Tables {
    let prefix = store::new_code().replace('-', "");
    store::Tables { applications: format!("applications-{prefix}"), applicants: format!("applicants-{prefix}") }
}

/// A DynamoDB store on fresh tables of the server at `DYNAMODB_ENDPOINT`.
pub async fn dynamo_store() -> store::DynamoStore {
    assert!(
        std::env::var_os("DYNAMODB_ENDPOINT").is_some(),
        "DYNAMODB_ENDPOINT is not set: run `bash tests/run`, which starts DynamoDB Local, or start it with tests/dynamodb-local.sh"
    );
    let store = store::DynamoStore::new(store::dynamodb_client().await, fresh_tables());
    store.create_tables().await.unwrap();
    store
}

/// Message `key` of the frozen content's form.toml in `lang`, as the applicant reads it.
pub fn form_text(key: &str, lang: &str) -> String {
    intake_at(DURING_INTAKE).form().message(key, lang, &[])
}

/// A store that fails every write with one kind of error and the words a real store would
/// say: the failure paths, which no real store takes on demand (`faults.rs` injects them
/// into real stores instead).
pub struct FailingStore(pub store::StoreErrorKind, pub &'static str);

impl store::Store for FailingStore {
    async fn save(&self, _: &store::Application) -> Result<store::Saved, store::StoreError> {
        Err(store::StoreError::new(self.0, self.1))
    }
    async fn save_suspect(&self, _: &store::Suspect) -> Result<store::Saved, store::StoreError> {
        Err(store::StoreError::new(self.0, self.1))
    }
}

/// Where a test's log lines go: a writer for a tracing subscriber (`move || logs.clone()`),
/// and what was written, to read back.
#[derive(Clone, Default)]
pub struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    fn bytes(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Everything written so far, which is then forgotten.
    pub fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.bytes())).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.bytes().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
