//! The DynamoDB store. Two tables, so that scoring can be given the first without the second:
//!
//! - `applications` (partition key `pk`, string): `submission#<id>` items map a page's
//!   submission id to its code; `application#<code>` items hold the answers, the essay, the
//!   language, the age category and the time received. A commission member's scores are
//!   versioned: `member#<member>` names the member's current version, and
//!   `score#<member>#<version>#<code>` items hold that version's scores, one per application.
//!   An import writes a whole new version, then makes it current with one conditional write,
//!   so a sheet of any length is stored all or nothing.
//! - `applicants` (partition key `pk`, string): `applicant#<code>` items hold personal data;
//!   `suspect#<submission id>` items hold what the honeypot caught.
//!
//! Both are on-demand (`PAY_PER_REQUEST`); `deploy/template.yaml` declares them.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, DeleteRequest, KeySchemaElement, KeyType, KeysAndAttributes, Put,
    PutRequest, ScalarAttributeType, TransactWriteItem, WriteRequest,
};
use aws_sdk_dynamodb::Client;

use crate::application::{new_code, Application, Category, Fields, StoredAnswers, Suspect};
use crate::{CommissionStore, Saved, Scores, ScoresError, Store, StoreError, StoreErrorKind};

/// The names of the two tables.
#[derive(Debug, Clone)]
pub struct Tables {
    pub applications: String,
    pub applicants: String,
}

impl Tables {
    /// From `APPLICATIONS_TABLE` and `APPLICANTS_TABLE`.
    pub fn from_env() -> Result<Self, StoreError> {
        let get = |name: &str| {
            std::env::var(name)
                .map_err(|_| StoreError::misconfigured(format!("the environment variable {name} is not set")))
        };
        Ok(Self { applications: get("APPLICATIONS_TABLE")?, applicants: get("APPLICANTS_TABLE")? })
    }
}

/// The one way this project makes a DynamoDB client: the standard AWS environment
/// (credential chain, `AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`), plus `DYNAMODB_ENDPOINT`
/// for a local server, which also gets stand-in credentials and region when none are set.
/// Timeouts stay well inside the Lambda's own, so that a stalled store becomes a 503.
pub async fn dynamodb_client() -> Client {
    Client::from_conf(dynamodb_config().await.build())
}

/// The configuration [`dynamodb_client`] builds, for callers that add to it (tests add
/// fault-injecting interceptors).
pub async fn dynamodb_config() -> aws_sdk_dynamodb::config::Builder {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok().filter(|endpoint| !endpoint.is_empty());
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(2))
            .operation_attempt_timeout(Duration::from_secs(3))
            .operation_timeout(Duration::from_secs(8))
            .build(),
    );
    if let Some(endpoint) = &endpoint {
        loader = loader.endpoint_url(endpoint);
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() && std::env::var_os("AWS_PROFILE").is_none() {
            loader = loader.credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local",
                "local",
                None,
                None,
                "DYNAMODB_ENDPOINT",
            ));
        }
        if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none() {
            loader = loader.region(aws_config::Region::new("us-east-1"));
        }
    }
    aws_sdk_dynamodb::config::Builder::from(&loader.load().await)
}

pub struct DynamoStore {
    client: Client,
    tables: Tables,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn map(values: &BTreeMap<String, String>) -> AttributeValue {
    AttributeValue::M(values.iter().map(|(k, v)| (k.clone(), s(v))).collect())
}

type Item = HashMap<String, AttributeValue>;

fn text(item: &Item, name: &str) -> Result<String, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .ok_or_else(|| StoreError::corrupt(format!("an item without the string `{name}`")))
}

fn text_map(item: &Item, name: &str) -> Result<BTreeMap<String, String>, StoreError> {
    let values = item
        .get(name)
        .and_then(|v| v.as_m().ok())
        .ok_or_else(|| StoreError::corrupt(format!("an item without the map `{name}`")))?;
    values
        .iter()
        .map(|(k, v)| {
            v.as_s()
                .map(|v| (k.clone(), v.clone()))
                .map_err(|_| StoreError::corrupt(format!("`{name}.{k}` is not a string")))
        })
        .collect()
}

fn numbers(item: &Item, name: &str) -> Result<Vec<u8>, StoreError> {
    item.get(name)
        .and_then(|v| v.as_l().ok())
        .ok_or_else(|| StoreError::corrupt(format!("an item without the list `{name}`")))?
        .iter()
        .map(|v| {
            v.as_n()
                .ok()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| StoreError::corrupt(format!("`{name}` holds something other than a score")))
        })
        .collect()
}

/// What DynamoDB said, with the SDK's whole context, sorted by what a caller can do about it.
fn failed<E>(operation: &str, err: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let kind = match &err {
        SdkError::ConstructionFailure(_) => StoreErrorKind::Misconfigured,
        SdkError::ServiceError(service) => match service.err().code() {
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "InternalServerError"
                | "ServiceUnavailable"
                | "TransactionInProgressException"
                | "LimitExceededException",
            ) => StoreErrorKind::Unavailable,
            Some("ConditionalCheckFailedException" | "TransactionConflictException") => StoreErrorKind::Conflict,
            _ if service.raw().status().is_server_error() => StoreErrorKind::Unavailable,
            // Missing tables, denied access, bad credentials, requests the table refuses.
            _ => StoreErrorKind::Misconfigured,
        },
        // Timeouts, refused or dropped connections, unreadable answers.
        _ => StoreErrorKind::Unavailable,
    };
    StoreError::new(kind, format!("{operation}: {}", DisplayErrorContext(&err))).with_source(err)
}

fn built(err: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::misconfigured(format!("a request could not be built: {err}")).with_source(err)
}

/// A version name that sorts by time and cannot collide: milliseconds, then random digits.
fn new_version() -> String {
    let millis = chrono::Utc::now().timestamp_millis();
    format!("{millis:013}-{}", new_code().replace('-', ""))
}

/// DynamoDB takes at most 25 writes in one batch and 100 keys in one batch read.
const BATCH_WRITE: usize = 25;
const BATCH_GET: usize = 100;

impl DynamoStore {
    /// `client` is built once in `main` (see [`dynamodb_client`]) and shared.
    pub fn new(client: Client, tables: Tables) -> Self {
        Self { client, tables }
    }

    /// Creates both tables, on demand, unless they exist: for local servers and tests;
    /// production tables come from the deploy template.
    pub async fn create_tables(&self) -> Result<(), StoreError> {
        for table in [&self.tables.applications, &self.tables.applicants] {
            let created = self
                .client
                .create_table()
                .table_name(table)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("pk")
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .map_err(built)?,
                )
                .key_schema(
                    KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().map_err(built)?,
                )
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await;
            if let Err(err) = created {
                if err.code() != Some("ResourceInUseException") {
                    return Err(failed("CreateTable", err));
                }
            }
        }
        Ok(())
    }

    async fn get(&self, table: &str, pk: String) -> Result<Option<Item>, StoreError> {
        let answer = self
            .client
            .get_item()
            .table_name(table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| failed("GetItem", err))?;
        Ok(answer.item)
    }

    async fn existing_code(&self, table: &str, pk: String) -> Result<Option<String>, StoreError> {
        self.get(table, pk).await?.map(|item| text(&item, "code")).transpose()
    }

    async fn scan_prefix(&self, table: &str, prefix: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(table)
                .filter_expression("begins_with(pk, :prefix)")
                .expression_attribute_values(":prefix", s(prefix))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|err| failed("Scan", err))?;
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    /// Writes `requests` in batches of 25, sending again what DynamoDB left unprocessed
    /// (it does under throttling) with a growing pause, until all are written or it fails.
    async fn batch_write(&self, table: &str, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        let mut pending: Vec<WriteRequest> = requests;
        let mut attempt = 0u32;
        while !pending.is_empty() {
            let rest = pending.split_off(pending.len().min(BATCH_WRITE));
            let batch = std::mem::replace(&mut pending, rest);
            let answer = self
                .client
                .batch_write_item()
                .request_items(table, batch)
                .send()
                .await
                .map_err(|err| failed("BatchWriteItem", err))?;
            let unprocessed = answer.unprocessed_items.and_then(|mut tables| tables.remove(table)).unwrap_or_default();
            if !unprocessed.is_empty() {
                attempt += 1;
                if attempt > 10 {
                    return Err(StoreError::unavailable("BatchWriteItem: writes stayed unprocessed after 10 attempts"));
                }
                tokio::time::sleep(Duration::from_millis(25 << attempt.min(6))).await;
                pending.extend(unprocessed);
            }
        }
        Ok(())
    }

    /// The codes of `codes` that no application has.
    async fn unknown_codes(&self, codes: &[&str]) -> Result<Vec<String>, StoreError> {
        let mut found = std::collections::HashSet::new();
        for chunk in codes.chunks(BATCH_GET) {
            let mut keys: Vec<Item> = chunk
                .iter()
                .map(|code| HashMap::from([("pk".to_string(), s(format!("application#{code}")))]))
                .collect();
            let mut attempt = 0u32;
            while !keys.is_empty() {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut keys)))
                    .projection_expression("code")
                    .consistent_read(true)
                    .build()
                    .map_err(built)?;
                let answer = self
                    .client
                    .batch_get_item()
                    .request_items(&self.tables.applications, request)
                    .send()
                    .await
                    .map_err(|err| failed("BatchGetItem", err))?;
                for item in
                    answer.responses.and_then(|mut tables| tables.remove(&self.tables.applications)).unwrap_or_default()
                {
                    found.insert(text(&item, "code")?);
                }
                keys = answer
                    .unprocessed_keys
                    .and_then(|mut tables| tables.remove(&self.tables.applications))
                    .map(|rest| rest.keys)
                    .unwrap_or_default();
                if !keys.is_empty() {
                    attempt += 1;
                    if attempt > 10 {
                        return Err(StoreError::unavailable("BatchGetItem: keys stayed unprocessed after 10 attempts"));
                    }
                    tokio::time::sleep(Duration::from_millis(25 << attempt.min(6))).await;
                }
            }
        }
        Ok(codes.iter().filter(|code| !found.contains(**code)).map(|code| code.to_string()).collect())
    }

    /// The member's current version, if an import was ever made current.
    async fn current_version(&self, member: &str) -> Result<Option<String>, StoreError> {
        self.get(&self.tables.applications, format!("member#{member}"))
            .await?
            .map(|item| text(&item, "version"))
            .transpose()
    }

    async fn version_scores(&self, member: &str, version: &str) -> Result<Vec<Scores>, StoreError> {
        self.scan_prefix(&self.tables.applications, &format!("score#{member}#{version}#"))
            .await?
            .iter()
            .map(|item| {
                Ok(Scores { code: text(item, "code")?, member: member.to_string(), scores: numbers(item, "scores")? })
            })
            .collect()
    }

    /// Deletes a version that is not (or no longer) current. Nothing reads it, so a failure
    /// here only leaves garbage behind; it is logged, not returned.
    async fn forget_version(&self, member: &str, version: &str, codes: impl Iterator<Item = String>) {
        let requests = codes
            .filter_map(|code| {
                DeleteRequest::builder()
                    .key("pk", s(format!("score#{member}#{version}#{code}")))
                    .build()
                    .ok()
                    .map(|delete| WriteRequest::builder().delete_request(delete).build())
            })
            .collect();
        if let Err(err) = self.batch_write(&self.tables.applications, requests).await {
            tracing::warn!(member, version, error = %err, "an old version of scores was left behind");
        }
    }
}

fn put(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(built)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Why each part of a cancelled transaction failed, in order.
fn cancellation_reasons(
    err: &SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> Option<Vec<String>> {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => Some(
            cancelled.cancellation_reasons().iter().map(|reason| reason.code().unwrap_or("None").to_string()).collect(),
        ),
        _ => None,
    }
}

impl Store for DynamoStore {
    async fn save(&self, application: &Application) -> Result<Saved, StoreError> {
        let received_at = application.received_at.to_rfc3339();
        let marker = format!("submission#{}", application.submission_id);
        for attempt in 0..8u32 {
            let code = new_code();
            let items = vec![
                put(
                    &self.tables.applications,
                    HashMap::from([
                        ("pk".into(), s(&marker)),
                        ("code".into(), s(&code)),
                        ("received_at".into(), s(&received_at)),
                    ]),
                )?,
                put(
                    &self.tables.applications,
                    HashMap::from([
                        ("pk".into(), s(format!("application#{code}"))),
                        ("code".into(), s(&code)),
                        ("lang".into(), s(&application.lang)),
                        ("category".into(), s(application.category.key())),
                        ("received_at".into(), s(&received_at)),
                        ("answers".into(), map(&application.answers)),
                    ]),
                )?,
                put(
                    &self.tables.applicants,
                    HashMap::from([
                        ("pk".into(), s(format!("applicant#{code}"))),
                        ("code".into(), s(&code)),
                        ("personal".into(), map(&application.personal)),
                    ]),
                )?,
            ];
            let err = match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
                Ok(_) => return Ok(Saved { code, created: true }),
                Err(err) => err,
            };
            let Some(reasons) = cancellation_reasons(&err) else {
                return Err(failed("TransactWriteItems", err));
            };
            match reasons.first().map(String::as_str) {
                // The submission id is known: nothing was written; answer with its code.
                Some("ConditionalCheckFailed") => {
                    let code = self.existing_code(&self.tables.applications, marker.clone()).await?;
                    return code
                        .map(|code| Saved { code, created: false })
                        .ok_or_else(|| StoreError::corrupt("a submission marker vanished between two reads"));
                }
                // Another request with the same id is being written right now: let it finish.
                _ if reasons.iter().any(|reason| reason == "TransactionConflict") => {
                    tokio::time::sleep(Duration::from_millis(20 << attempt.min(5))).await;
                }
                // A code drawn twice: draw another.
                _ if reasons.iter().any(|reason| reason == "ConditionalCheckFailed") => {}
                _ if reasons
                    .iter()
                    .any(|reason| reason == "ThrottlingError" || reason == "ProvisionedThroughputExceeded") =>
                {
                    return Err(StoreError::unavailable(format!("TransactWriteItems was throttled: {reasons:?}")))
                }
                _ => return Err(StoreError::misconfigured(format!("TransactWriteItems was cancelled: {reasons:?}"))),
            }
        }
        Err(StoreError::unavailable("the application could not be stored after 8 attempts"))
    }

    async fn save_suspect(&self, suspect: &Suspect) -> Result<Saved, StoreError> {
        let pk = format!("suspect#{}", suspect.submission_id);
        let code = new_code();
        let written = self
            .client
            .put_item()
            .table_name(&self.tables.applicants)
            .item("pk", s(&pk))
            .item("code", s(&code))
            .item("lang", s(&suspect.lang))
            .item("received_at", s(suspect.received_at.to_rfc3339()))
            .item("fields", map(&suspect.fields))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match written {
            Ok(_) => Ok(Saved { code, created: true }),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                let code = self
                    .existing_code(&self.tables.applicants, pk)
                    .await?
                    .ok_or_else(|| StoreError::corrupt("a suspect vanished between two reads"))?;
                Ok(Saved { code, created: false })
            }
            Err(err) => Err(failed("PutItem", err)),
        }
    }
}

impl CommissionStore for DynamoStore {
    async fn answers(&self) -> Result<Vec<StoredAnswers>, StoreError> {
        let mut all = self
            .scan_prefix(&self.tables.applications, "application#")
            .await?
            .iter()
            .map(|item| {
                let category = text(item, "category")?;
                Ok(StoredAnswers {
                    code: text(item, "code")?,
                    lang: text(item, "lang")?,
                    category: Category::from_key(&category)
                        .ok_or_else(|| StoreError::corrupt(format!("unknown category {category}")))?,
                    received_at: text(item, "received_at")?,
                    answers: text_map(item, "answers")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        all.sort_by(|a, b| (&a.received_at, &a.code).cmp(&(&b.received_at, &b.code)));
        Ok(all)
    }

    async fn personal(&self, code: &str) -> Result<Option<BTreeMap<String, String>>, StoreError> {
        self.get(&self.tables.applicants, format!("applicant#{code}"))
            .await?
            .map(|item| text_map(&item, "personal"))
            .transpose()
    }

    async fn save_scores(&self, member: &str, sheet: &[Scores], overwrite: bool) -> Result<(), ScoresError> {
        if sheet.is_empty() {
            return Ok(());
        }
        let codes: Vec<&str> = sheet.iter().map(|row| row.code.as_str()).collect();
        if let Some(code) = self.unknown_codes(&codes).await?.into_iter().next() {
            return Err(ScoresError::UnknownCode(code));
        }
        let previous = self.current_version(member).await?;
        let mut merged: BTreeMap<String, Vec<u8>> = match &previous {
            Some(version) => {
                self.version_scores(member, version).await?.into_iter().map(|row| (row.code, row.scores)).collect()
            }
            None => BTreeMap::new(),
        };
        let taken: Vec<String> =
            sheet.iter().filter(|row| merged.contains_key(&row.code)).map(|row| row.code.clone()).collect();
        if !taken.is_empty() && !overwrite {
            return Err(ScoresError::WouldOverwrite(taken));
        }
        for row in sheet {
            merged.insert(row.code.clone(), row.scores.clone());
        }

        // The new version, written beside the current one, which stays current meanwhile.
        let version = new_version();
        let mut writes = Vec::with_capacity(merged.len());
        for (code, scores) in &merged {
            let item = PutRequest::builder()
                .item("pk", s(format!("score#{member}#{version}#{code}")))
                .item("code", s(code))
                .item("member", s(member))
                .item("scores", AttributeValue::L(scores.iter().map(|n| AttributeValue::N(n.to_string())).collect()))
                .build()
                .map_err(built)?;
            writes.push(WriteRequest::builder().put_request(item).build());
        }
        if let Err(err) = self.batch_write(&self.tables.applications, writes).await {
            self.forget_version(member, &version, merged.keys().cloned()).await;
            return Err(ScoresError::Store(err));
        }

        // One conditional write makes it current, unless another import did meanwhile.
        let mut flip = self
            .client
            .put_item()
            .table_name(&self.tables.applications)
            .item("pk", s(format!("member#{member}")))
            .item("member", s(member))
            .item("version", s(&version))
            .item("count", AttributeValue::N(merged.len().to_string()));
        flip = match &previous {
            Some(previous) => {
                flip.condition_expression("version = :previous").expression_attribute_values(":previous", s(previous))
            }
            None => flip.condition_expression("attribute_not_exists(pk)"),
        };
        if let Err(err) = flip.send().await {
            self.forget_version(member, &version, merged.keys().cloned()).await;
            if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) {
                return Err(ScoresError::Store(StoreError::conflict(format!(
                    "another import of {member}'s scores finished while this one ran; import the sheet again"
                ))));
            }
            return Err(ScoresError::Store(failed("PutItem", err)));
        }
        if let Some(previous) = previous {
            self.forget_version(member, &previous, merged.into_keys()).await;
        }
        Ok(())
    }

    async fn scores(&self) -> Result<Vec<Scores>, StoreError> {
        let mut all = Vec::new();
        for pointer in self.scan_prefix(&self.tables.applications, "member#").await? {
            let member = text(&pointer, "member")?;
            all.extend(self.version_scores(&member, &text(&pointer, "version")?).await?);
        }
        all.sort_by(|a, b| (&a.code, &a.member).cmp(&(&b.code, &b.member)));
        Ok(all)
    }

    async fn suspects(&self) -> Result<Vec<(String, Fields)>, StoreError> {
        let mut items = self.scan_prefix(&self.tables.applicants, "suspect#").await?;
        items.sort_by_key(|item| text(item, "received_at").unwrap_or_default());
        items.iter().map(|item| Ok((text(item, "code")?, text_map(item, "fields")?))).collect()
    }
}
