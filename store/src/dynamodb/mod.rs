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
//!   `suspect#<submission id>` items hold what the honeypot caught, each with `expires_at`
//!   (seconds since 1970), the TTL attribute: DynamoDB deletes a catch 30 days after it came.
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
mod items;

use items::{
    from_item, to_item, ApplicantItem, ApplicationItem, CodeOnly, Item, Marker, MarkerRead, MemberPointer, ScoreItem,
    SuspectItem,
};

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

/// Waits before trying again for the `attempt`th time: between half and all of `base_ms` ×
/// 2^attempt (at most 2^6), the rest drawn at random, so that writers that failed together
/// (throttled by one burst, or two requests with one submission id) do not retry in step.
async fn back_off(base_ms: u64, attempt: u32) {
    let ceiling = base_ms << attempt.min(6);
    let mut bytes = [0u8; 8];
    // Without randomness, the longest wait: still bounded, only not spread.
    let random = getrandom::fill(&mut bytes).map_or(u64::MAX, |()| u64::from_le_bytes(bytes));
    let wait = ceiling / 2 + random % (ceiling / 2 + 1);
    tokio::time::sleep(Duration::from_millis(wait)).await;
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
                back_off(25, attempt).await;
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
                    found.insert(from_item::<CodeOnly>(item, "an application's code")?.code);
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
                    back_off(25, attempt).await;
                }
            }
        }
        Ok(codes.iter().filter(|code| !found.contains(**code)).map(|code| code.to_string()).collect())
    }

    /// The member's current version, if an import was ever made current.
    async fn current_version(&self, member: &str) -> Result<Option<String>, StoreError> {
        self.get(&self.tables.applications, format!("member#{member}"))
            .await?
            .map(|item| from_item::<MemberPointer>(item, "a member's current version").map(|pointer| pointer.version))
            .transpose()
    }

    async fn version_scores(&self, member: &str, version: &str) -> Result<Vec<Scores>, StoreError> {
        self.scan_prefix(&self.tables.applications, &format!("score#{member}#{version}#"))
            .await?
            .into_iter()
            .map(|item| {
                let item: ScoreItem = from_item(item, "scores")?;
                Ok(Scores { code: item.code, member: member.to_string(), scores: item.scores })
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
        let digest = application.digest();
        let marker = format!("submission#{}", application.submission_id);
        for attempt in 0..8u32 {
            let code = new_code();
            let items = vec![
                put(
                    &self.tables.applications,
                    to_item(&Marker { pk: marker.clone(), code: &code, received_at: &received_at, digest: &digest })?,
                )?,
                put(
                    &self.tables.applications,
                    to_item(&ApplicationItem {
                        pk: format!("application#{code}"),
                        code: code.clone(),
                        lang: application.lang.clone(),
                        category: application.category.key().to_string(),
                        received_at: received_at.clone(),
                        answers: application.answers.clone(),
                    })?,
                )?,
                put(
                    &self.tables.applicants,
                    to_item(&ApplicantItem {
                        pk: format!("applicant#{code}"),
                        code: code.clone(),
                        personal: application.personal.clone(),
                    })?,
                )?,
            ];
            let err = match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
                Ok(_) => return Ok(Saved { code, created: true, same_content: true }),
                Err(err) => err,
            };
            let Some(reasons) = cancellation_reasons(&err) else {
                return Err(failed("TransactWriteItems", err));
            };
            match reasons.first().map(String::as_str) {
                // The submission id is known: nothing was written; answer with its code.
                Some("ConditionalCheckFailed") => {
                    let stored = self
                        .get(&self.tables.applications, marker.clone())
                        .await?
                        .ok_or_else(|| StoreError::corrupt("a submission marker vanished between two reads"))?;
                    let stored: MarkerRead = from_item(stored, "a submission marker")?;
                    let same_content = stored.digest.is_none_or(|stored| stored == digest);
                    return Ok(Saved { code: stored.code, created: false, same_content });
                }
                // Another request with the same id is being written right now: let it finish.
                _ if reasons.iter().any(|reason| reason == "TransactionConflict") => {
                    back_off(20, attempt).await;
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
        let digest = suspect.digest();
        let code = new_code();
        let item = to_item(&SuspectItem {
            pk: pk.clone(),
            code: code.clone(),
            lang: suspect.lang.clone(),
            received_at: suspect.received_at.to_rfc3339(),
            fields: suspect.fields.clone(),
            expires_at: Some(suspect.expires_at()),
            digest: Some(digest.clone()),
        })?;
        let written = self
            .client
            .put_item()
            .table_name(&self.tables.applicants)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match written {
            Ok(_) => Ok(Saved { code, created: true, same_content: true }),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                let stored = self
                    .get(&self.tables.applicants, pk)
                    .await?
                    .ok_or_else(|| StoreError::corrupt("a suspect vanished between two reads"))?;
                let stored: MarkerRead = from_item(stored, "a suspect")?;
                let same_content = stored.digest.is_none_or(|stored| stored == digest);
                Ok(Saved { code: stored.code, created: false, same_content })
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
            .into_iter()
            .map(|item| {
                let item: ApplicationItem = from_item(item, "an application")?;
                Ok(StoredAnswers {
                    category: Category::from_key(&item.category)
                        .ok_or_else(|| StoreError::corrupt(format!("unknown category {}", item.category)))?,
                    code: item.code,
                    lang: item.lang,
                    received_at: item.received_at,
                    answers: item.answers,
                    channel: crate::Channel::Online,
                    entered_by: None,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        all.sort_by(|a, b| (&a.received_at, &a.code).cmp(&(&b.received_at, &b.code)));
        Ok(all)
    }

    async fn personal(&self, code: &str) -> Result<Option<BTreeMap<String, String>>, StoreError> {
        self.get(&self.tables.applicants, format!("applicant#{code}"))
            .await?
            .map(|item| from_item::<ApplicantItem>(item, "an applicant").map(|applicant| applicant.personal))
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
            let item = to_item(&ScoreItem {
                pk: format!("score#{member}#{version}#{code}"),
                code: code.clone(),
                member: member.to_string(),
                scores: scores.clone(),
            })?;
            let item = PutRequest::builder().set_item(Some(item)).build().map_err(built)?;
            writes.push(WriteRequest::builder().put_request(item).build());
        }
        if let Err(err) = self.batch_write(&self.tables.applications, writes).await {
            self.forget_version(member, &version, merged.keys().cloned()).await;
            return Err(ScoresError::Store(err));
        }

        // One conditional write makes it current, unless another import did meanwhile.
        let pointer = to_item(&MemberPointer {
            pk: format!("member#{member}"),
            member: member.to_string(),
            version: version.clone(),
            count: merged.len(),
        })?;
        let mut flip = self.client.put_item().table_name(&self.tables.applications).set_item(Some(pointer));
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
            let pointer: MemberPointer = from_item(pointer, "a member's current version")?;
            all.extend(self.version_scores(&pointer.member, &pointer.version).await?);
        }
        all.sort_by(|a, b| (&a.code, &a.member).cmp(&(&b.code, &b.member)));
        Ok(all)
    }

    async fn suspects(&self) -> Result<Vec<(String, Fields)>, StoreError> {
        let mut suspects = self
            .scan_prefix(&self.tables.applicants, "suspect#")
            .await?
            .into_iter()
            .map(|item| from_item::<SuspectItem>(item, "a suspect"))
            .collect::<Result<Vec<_>, StoreError>>()?;
        suspects.sort_by(|a, b| a.received_at.cmp(&b.received_at));
        Ok(suspects.into_iter().map(|suspect| (suspect.code, suspect.fields)).collect())
    }
    async fn decide(&self, _decision: &crate::Decision) -> Result<(), crate::RecordError> {
        Err(StoreError::misconfigured("not built yet").into())
    }

    async fn decisions(&self) -> Result<Vec<crate::Decision>, StoreError> {
        Err(StoreError::misconfigured("not built yet"))
    }

    async fn withdraw(
        &self,
        _code: &str,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::Tombstone, crate::RecordError> {
        Err(StoreError::misconfigured("not built yet").into())
    }

    async fn withdrawn(&self) -> Result<Vec<crate::Tombstone>, StoreError> {
        Err(StoreError::misconfigured("not built yet"))
    }

    async fn erase_personal(&self, _before: chrono::DateTime<chrono::Utc>) -> Result<crate::Erased, StoreError> {
        Err(StoreError::misconfigured("not built yet"))
    }

    async fn recuse(&self, _recusal: &crate::Recusal) -> Result<(), crate::RecordError> {
        Err(StoreError::misconfigured("not built yet").into())
    }

    async fn recusals(&self) -> Result<Vec<crate::Recusal>, StoreError> {
        Err(StoreError::misconfigured("not built yet"))
    }
}
