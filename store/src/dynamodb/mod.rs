//! The DynamoDB store. Two tables, so that scoring can be given the first without the second;
//! each has one string partition key, `pk`, whose prefix says what an item is:
//!
//! - `applications`:
//!   - `submission#<submission id>`: the code a page's submission id was given, the time
//!     received and a digest of what was sent (removed when the application is withdrawn or
//!     its personal data erased).
//!   - `application#<code>`: the answers, the essay, the language, the age category, the
//!     time received, the channel and who keyed it in.
//!   - `member#<member>`: the member's current version of scores; `score#<member>#<version>#<code>`:
//!     that version's scores, one item per application. An import writes a whole new version,
//!     then makes it current with one conditional write, so a sheet of any length is stored
//!     all or nothing.
//!   - `decision#<code>`: the secretariat's current decision (eligible, ineligible with a
//!     reason, duplicate of another code), who made it and when.
//!   - `recusal#<code>#<member>`: a member who does not score the application, and why.
//!   - `withdrawn#<code>`: the tombstone of a withdrawn application (code, received, withdrawn).
//!   - `final#list`: the final list, every line in the one item, who recorded it and, once
//!     frozen, who froze it; recording and freezing are conditional on its not being frozen
//!     (freezing also on its `recorded_at` being the one the user saw). A withdrawal removes
//!     the reason from her line, frozen or not.
//! - `applicants` (the only table with personal data):
//!   - `applicant#<code>`: name, birth date, place, work and contacts.
//!   - `suspect#<submission id>`: what the honeypot caught, with `expires_at` (seconds since
//!     1970), the TTL attribute: DynamoDB deletes a catch 30 days after it came.
//!   - `outbox#<kind>#<code>`: a message owed (receipt, notice, outcome) and how far it got;
//!     nothing personal. Saving an application writes its notice, and its receipt when it
//!     has an address, in the transaction that writes the application; a claim and a settling
//!     are each one conditional update of the item.
//!
//! Both are on-demand (`PAY_PER_REQUEST`); `deploy/template.yaml` declares them.
//!
//! A withdrawal writes the tombstone and deletes the application, applicant, decision and outbox
//! items in one transaction (conditional on the application item), then deletes every item of
//! the code that remains: recusals and scores of every member and version (and the outbox
//! items again, so that a withdrawal asked again finishes whatever was left), and the reason
//! in her line of the final list. An import of scores
//! racing it reads the tombstones of its codes again after making its version current and
//! deletes what it wrote for a withdrawn code (and for a recusal made meanwhile); [`scores`]
//! leaves out withdrawn codes and recused members in any case.
//!
//! [`scores`]: crate::CommissionStore::scores

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, DeleteRequest, KeySchemaElement, KeyType,
    KeysAndAttributes, Put, PutRequest, ReturnValue, ScalarAttributeType, TransactWriteItem, WriteRequest,
};
use aws_sdk_dynamodb::Client;

use chrono::{DateTime, Utc};
use std::collections::HashSet;

use crate::application::{new_code, Application, Category, Fields, StoredAnswers, Suspect};
use crate::checking::{check_duplicate, stored_time, Kept};
mod items;

use items::{
    from_item, to_item, ApplicantItem, ApplicationItem, DecisionItem, FinalListItem, Item, KeyOnly, Marker, MarkerRead,
    MarkerTime, MemberPointer, OutboxItem, PlacedItem, RecusalItem, ScoreItem, SuspectItem, TombstoneItem,
};

use crate::final_list::check_lines;
use crate::outbox::{entry, outbox_time, owed, StoredDelivery, PENDING, SENDING, SENT};
use crate::{
    Addressee, CommissionStore, Decision, Delivery, Erased, FinalList, MessageKind, Outbox, OutboxEntry, Outcome,
    Placed, RecordError, Recusal, Saved, Scores, ScoresError, Store, StoreError, StoreErrorKind, Tombstone, Verdict,
};

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
        self.scan(table, prefix, None).await
    }

    /// Every item of `table` whose key begins with `prefix` (every item when it is empty)
    /// and, if given, whose attribute `name` equals `value`.
    async fn scan(&self, table: &str, prefix: &str, equal: Option<(&str, &str)>) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut request = self.client.scan().table_name(table).consistent_read(true).set_exclusive_start_key(start);
            let mut filter = Vec::new();
            // An empty prefix is every item (DynamoDB refuses an empty string as a value).
            if !prefix.is_empty() {
                filter.push("begins_with(pk, :prefix)");
                request = request.expression_attribute_values(":prefix", s(prefix));
            }
            if let Some((name, value)) = equal {
                filter.push("#name = :value");
                request =
                    request.expression_attribute_names("#name", name).expression_attribute_values(":value", s(value));
            }
            if !filter.is_empty() {
                request = request.filter_expression(filter.join(" AND "));
            }
            let page = request.send().await.map_err(|err| failed("Scan", err))?;
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

    /// Which of the keys `pks` have an item in `table`, read consistently.
    async fn existing(&self, table: &str, pks: Vec<String>) -> Result<HashSet<String>, StoreError> {
        let mut found = HashSet::new();
        for chunk in pks.chunks(BATCH_GET) {
            // A batch read refuses a key asked for twice.
            let chunk: HashSet<&String> = chunk.iter().collect();
            let mut keys: Vec<Item> =
                chunk.into_iter().map(|pk| HashMap::from([("pk".to_string(), s(pk.as_str()))])).collect();
            let mut attempt = 0u32;
            while !keys.is_empty() {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut keys)))
                    .projection_expression("pk")
                    .consistent_read(true)
                    .build()
                    .map_err(built)?;
                let answer = self
                    .client
                    .batch_get_item()
                    .request_items(table, request)
                    .send()
                    .await
                    .map_err(|err| failed("BatchGetItem", err))?;
                for item in answer.responses.and_then(|mut tables| tables.remove(table)).unwrap_or_default() {
                    found.insert(from_item::<KeyOnly>(item, "an item's key")?.pk);
                }
                keys = answer
                    .unprocessed_keys
                    .and_then(|mut tables| tables.remove(table))
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
        Ok(found)
    }

    /// Deletes the items `pks` of `table`, those that exist.
    async fn delete_all(&self, table: &str, pks: impl IntoIterator<Item = String>) -> Result<(), StoreError> {
        let requests = pks
            .into_iter()
            .map(|pk| {
                let delete = DeleteRequest::builder().key("pk", s(pk)).build().map_err(built)?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.batch_write(table, requests).await
    }

    /// Where an application stands, read consistently.
    async fn standing(&self, code: &str) -> Result<Standing, StoreError> {
        if let Some(item) = self.get(&self.tables.applications, format!("application#{code}")).await? {
            let item: ApplicationItem = from_item(item, "an application")?;
            return Ok(Standing::Stored { received_at: item.received_at });
        }
        Ok(match self.get(&self.tables.applications, format!("withdrawn#{code}")).await? {
            Some(_) => Standing::Withdrawn,
            None => Standing::Unknown,
        })
    }

    /// The application must be stored (not withdrawn, not unknown) for anything to be
    /// recorded about it; answers with the time it was received.
    async fn stored(&self, code: &str) -> Result<String, RecordError> {
        match self.standing(code).await? {
            Standing::Stored { received_at } => Ok(received_at),
            Standing::Withdrawn => Err(RecordError::Withdrawn(code.to_string())),
            Standing::Unknown => Err(RecordError::UnknownCode(code.to_string())),
        }
    }

    /// Writes `items` in one transaction; says whether a condition failed or another
    /// transaction was on the same items (the caller reads again and decides), or why it failed.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<Transacted, StoreError> {
        let err = match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => return Ok(Transacted::Written),
            Err(err) => err,
        };
        let Some(reasons) = cancellation_reasons(&err) else {
            return Err(failed("TransactWriteItems", err));
        };
        if reasons.iter().any(|reason| reason == "ConditionalCheckFailed" || reason == "TransactionConflict") {
            Ok(Transacted::Changed)
        } else if reasons.iter().any(|reason| reason == "ThrottlingError" || reason == "ProvisionedThroughputExceeded")
        {
            Err(StoreError::unavailable(format!("TransactWriteItems was throttled: {reasons:?}")))
        } else {
            Err(StoreError::misconfigured(format!("TransactWriteItems was cancelled: {reasons:?}")))
        }
    }

    /// Deletes what remains of a withdrawn application after its transaction: scores of every
    /// member and version, recusals, the digest kept with its submission id, and its messages
    /// (the transaction deleted them; whatever a sender might have left goes too). Also run
    /// when a withdrawal is asked again, to finish one that failed part-way.
    async fn clear_withdrawn(&self, code: &str) -> Result<(), StoreError> {
        self.delete_all(&self.tables.applicants, MessageKind::ALL.map(|kind| outbox_pk(kind, code))).await?;
        let mut deletes = Vec::new();
        for item in self.scan(&self.tables.applications, "", Some(("code", code))).await? {
            let pk = from_item::<KeyOnly>(item, "an item's key")?.pk;
            if pk.starts_with("submission#") {
                self.forget_digest(pk).await?;
            } else if ["score#", "recusal#", "decision#"].iter().any(|kind| pk.starts_with(kind)) {
                deletes.push(pk);
            }
        }
        self.delete_all(&self.tables.applications, deletes).await?;
        self.forget_final_reason(code).await
    }

    /// A withdrawn application's line in the final list keeps its outcome and loses its
    /// reason (the secretariat's free text may describe her): one update of that line,
    /// conditional on the line still being hers and the list being the one read.
    async fn forget_final_reason(&self, code: &str) -> Result<(), StoreError> {
        for attempt in 0..RECORD_ATTEMPTS {
            let Some(item) = self.get(&self.tables.applications, FINAL_LIST.to_string()).await? else {
                return Ok(());
            };
            let list: FinalListItem = from_item(item, "the final list")?;
            let Some(line) = list.placed.iter().position(|line| line.code == code && line.reason.is_some()) else {
                return Ok(());
            };
            let updated = self
                .client
                .update_item()
                .table_name(&self.tables.applications)
                .key("pk", s(FINAL_LIST))
                .update_expression(format!("REMOVE #placed[{line}].#reason"))
                .condition_expression(format!("#placed[{line}].#code = :code AND #recorded_at = :recorded_at"))
                .expression_attribute_names("#placed", "placed")
                .expression_attribute_names("#reason", "reason")
                .expression_attribute_names("#code", "code")
                .expression_attribute_names("#recorded_at", "recorded_at")
                .expression_attribute_values(":code", s(code))
                .expression_attribute_values(":recorded_at", s(list.recorded_at))
                .send()
                .await;
            match updated {
                Ok(_) => return Ok(()),
                // Recorded again meanwhile: read it again.
                Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                    back_off(20, attempt).await
                }
                Err(err) => return Err(failed("UpdateItem", err)),
            }
        }
        Err(StoreError::conflict(format!(
            "clearing the final list's reason for {code} met other changes to it {RECORD_ATTEMPTS} times; try again"
        )))
    }

    /// Removes the digest of what was sent from a submission marker: the marker keeps its code
    /// (a late retry stores nothing), not a trace of content that is no longer stored.
    async fn forget_digest(&self, marker: String) -> Result<(), StoreError> {
        let updated = self
            .client
            .update_item()
            .table_name(&self.tables.applications)
            .key("pk", s(marker))
            .update_expression("REMOVE digest")
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match updated {
            Ok(_) => Ok(()),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(()),
            Err(err) => Err(failed("UpdateItem", err)),
        }
    }

    /// The codes that have a tombstone, and the (member, code) pairs that have a recusal.
    async fn set_aside_from_scores(&self) -> Result<(HashSet<String>, HashSet<(String, String)>), StoreError> {
        let withdrawn = self
            .scan_prefix(&self.tables.applications, "withdrawn#")
            .await?
            .into_iter()
            .map(|item| from_item::<TombstoneItem>(item, "a tombstone").map(|tombstone| tombstone.code))
            .collect::<Result<_, _>>()?;
        let recused = self
            .scan_prefix(&self.tables.applications, "recusal#")
            .await?
            .into_iter()
            .map(|item| from_item::<RecusalItem>(item, "a recusal").map(|recusal| (recusal.member, recusal.code)))
            .collect::<Result<_, _>>()?;
        Ok((withdrawn, recused))
    }

    /// After an import made `version` current: deletes its scores of codes withdrawn, or
    /// recused by the member, while it ran (a withdrawal's or a recusal's own clean-up may
    /// have read the scores before this version was written).
    async fn drop_set_aside(&self, member: &str, version: &str, codes: &[String]) -> Result<(), StoreError> {
        let withdrawn = self
            .existing(&self.tables.applications, codes.iter().map(|code| format!("withdrawn#{code}")).collect())
            .await?;
        let recused = self
            .existing(&self.tables.applications, codes.iter().map(|code| format!("recusal#{code}#{member}")).collect())
            .await?;
        let stale = codes.iter().filter(|code| {
            withdrawn.contains(&format!("withdrawn#{code}")) || recused.contains(&format!("recusal#{code}#{member}"))
        });
        self.delete_all(&self.tables.applications, stale.map(|code| format!("score#{member}#{version}#{code}"))).await
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

/// Where an application stands.
enum Standing {
    Stored { received_at: String },
    Withdrawn,
    Unknown,
}

/// How a transaction of a decision, a withdrawal or a recusal ended without an error.
enum Transacted {
    Written,
    /// What it was conditional on changed meanwhile: read again.
    Changed,
}

/// How often a decision, a withdrawal or a recusal reads again after another writer changed
/// what it depended on, before it gives up.
const RECORD_ATTEMPTS: u32 = 6;

/// A condition on the item `pk` of `table`, checked in a transaction.
fn condition(table: &str, pk: String, expression: &str) -> Result<ConditionCheck, StoreError> {
    ConditionCheck::builder().table_name(table).key("pk", s(pk)).condition_expression(expression).build().map_err(built)
}

fn delete(table: &str, pk: String) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder().table_name(table).key("pk", s(pk)).build().map_err(built)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
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
            // The marker first: the first reason a cancelled transaction gives is its own.
            let mut items = vec![
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
                        channel: application.channel,
                        entered_by: application.entered_by.clone(),
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
            // What it is owed, written with it: stored, it has its messages waiting.
            for kind in owed(application) {
                let item = pending(kind, &code, &application.lang, application.received_at);
                items.push(put(&self.tables.applicants, to_item(&item)?)?);
            }
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
    async fn record_final(&self, list: &FinalList) -> Result<(), RecordError> {
        check_lines(list)?;
        if let Some(stored) = self.final_list().await? {
            if let Some((by, at)) = stored.frozen {
                return Err(RecordError::Frozen { by, at });
            }
        }
        // Read, not conditions of the write: a list is longer than a transaction may be. A
        // withdrawal between the read and the write leaves its line, as it would after.
        let table = &self.tables.applications;
        let keys = |key: &dyn Fn(&str) -> String| list.placed.iter().map(|line| key(&line.code)).collect::<Vec<_>>();
        let known = self.existing(table, keys(&|code| format!("application#{code}"))).await?;
        let withdrawn = self.existing(table, keys(&|code| format!("withdrawn#{code}"))).await?;
        for line in &list.placed {
            let code = &line.code;
            if withdrawn.contains(&format!("withdrawn#{code}")) {
                return Err(RecordError::Withdrawn(code.clone()));
            }
            if !known.contains(&format!("application#{code}")) {
                return Err(RecordError::UnknownCode(code.clone()));
            }
        }
        let mut placed: Vec<PlacedItem> = list
            .placed
            .iter()
            .map(|line| PlacedItem {
                code: line.code.clone(),
                outcome: line.outcome.key().to_string(),
                proposed: line.proposed.key().to_string(),
                reason: line.reason.clone(),
            })
            .collect();
        placed.sort_by(|a, b| a.code.cmp(&b.code));
        // Recording never freezes: `list.frozen` is not read (only freeze_final freezes).
        let item = to_item(&FinalListItem {
            pk: FINAL_LIST.to_string(),
            placed,
            recorded_by: list.recorded_by.clone(),
            recorded_at: list.recorded_at.to_rfc3339(),
            frozen_by: None,
            frozen_at: None,
        })?;
        let written = self
            .client
            .put_item()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR attribute_not_exists(#frozen_at)")
            .expression_attribute_names("#frozen_at", "frozen_at")
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(self.refused_as_frozen().await)
            }
            Err(err) => Err(failed("PutItem", err).into()),
        }
    }

    async fn freeze_final(
        &self,
        recorded_at: DateTime<Utc>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<FinalList, RecordError> {
        // The condition names the stored text of the time the user was shown, read here: the
        // same instant written another way would never match.
        let Some(item) = self.get(&self.tables.applications, FINAL_LIST.to_string()).await? else {
            return Err(RecordError::NoFinalList);
        };
        let item: FinalListItem = from_item(item, "the final list")?;
        let seen = item.recorded_at.clone();
        let stored = final_list_of(item)?;
        if let Some((by, at)) = stored.frozen {
            return Err(RecordError::Frozen { by, at });
        }
        if stored.recorded_at != recorded_at {
            return Err(RecordError::ListChanged { by: stored.recorded_by, at: stored.recorded_at });
        }
        let frozen = self
            .client
            .update_item()
            .table_name(&self.tables.applications)
            .key("pk", s(FINAL_LIST))
            .update_expression("SET #frozen_by = :by, #frozen_at = :at")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#frozen_at) AND #recorded_at = :seen")
            .expression_attribute_names("#frozen_by", "frozen_by")
            .expression_attribute_names("#frozen_at", "frozen_at")
            .expression_attribute_names("#recorded_at", "recorded_at")
            .expression_attribute_values(":by", s(by))
            .expression_attribute_values(":at", s(at.to_rfc3339()))
            .expression_attribute_values(":seen", s(seen))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match frozen {
            Ok(answer) => {
                let item = answer.attributes.ok_or_else(|| StoreError::corrupt("UpdateItem returned no final list"))?;
                Ok(final_list_of(from_item(item, "the final list")?)?)
            }
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(self.refused_as_frozen().await)
            }
            Err(err) => Err(failed("UpdateItem", err).into()),
        }
    }

    async fn final_list(&self) -> Result<Option<FinalList>, StoreError> {
        self.get(&self.tables.applications, FINAL_LIST.to_string())
            .await?
            .map(|item| final_list_of(from_item(item, "the final list")?))
            .transpose()
    }

    async fn answers(&self) -> Result<Vec<StoredAnswers>, StoreError> {
        let mut all = self
            .scan_prefix(&self.tables.applications, "application#")
            .await?
            .into_iter()
            .map(|item| stored_answers(from_item(item, "an application")?))
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
        let table = &self.tables.applications;
        let keys = |key: &dyn Fn(&str) -> String| sheet.iter().map(|row| key(&row.code)).collect::<Vec<_>>();
        // Applications first, tombstones after: a withdrawal between the two reads is seen as one.
        let known = self.existing(table, keys(&|code| format!("application#{code}"))).await?;
        let withdrawn = self.existing(table, keys(&|code| format!("withdrawn#{code}"))).await?;
        let recused = self.existing(table, keys(&|code| format!("recusal#{code}#{member}"))).await?;
        // The first row with a problem, in the sheet's order, as the SQLite store answers.
        for row in sheet {
            let code = &row.code;
            if withdrawn.contains(&format!("withdrawn#{code}")) {
                return Err(ScoresError::Withdrawn(code.clone()));
            }
            if !known.contains(&format!("application#{code}")) {
                return Err(ScoresError::UnknownCode(code.clone()));
            }
            if recused.contains(&format!("recusal#{code}#{member}")) {
                return Err(ScoresError::Recused(code.clone()));
            }
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
        // A withdrawal or a recusal may have come while the version was written. The import
        // has landed whatever this finds; what it cannot delete, `scores` leaves out.
        let codes: Vec<String> = merged.into_keys().collect();
        if let Err(err) = self.drop_set_aside(member, &version, &codes).await {
            tracing::warn!(member, error = %err, "scores of withdrawn or recused applications were left behind");
        }
        if let Some(previous) = previous {
            self.forget_version(member, &previous, codes.into_iter()).await;
        }
        Ok(())
    }

    async fn scores(&self) -> Result<Vec<Scores>, StoreError> {
        let mut all = Vec::new();
        for pointer in self.scan_prefix(&self.tables.applications, "member#").await? {
            let pointer: MemberPointer = from_item(pointer, "a member's current version")?;
            all.extend(self.version_scores(&pointer.member, &pointer.version).await?);
        }
        let (withdrawn, recused) = self.set_aside_from_scores().await?;
        all.retain(|row| !withdrawn.contains(&row.code) && !recused.contains(&(row.member.clone(), row.code.clone())));
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
    async fn decide(&self, decision: &Decision) -> Result<(), RecordError> {
        let table = &self.tables.applications;
        let code = &decision.code;
        let (verdict, reason, of) = decision.verdict.parts();
        let item = to_item(&DecisionItem {
            pk: format!("decision#{code}"),
            code: code.clone(),
            verdict: verdict.to_string(),
            reason: reason.map(str::to_string),
            duplicate_of: of.map(str::to_string),
            decided_by: decision.by.clone(),
            decided_at: decision.at.to_rfc3339(),
        })?;
        for attempt in 0..RECORD_ATTEMPTS {
            self.stored(code).await?;
            let mut checks = vec![condition(table, format!("application#{code}"), "attribute_exists(pk)")?];
            if let Verdict::Duplicate { of } = &decision.verdict {
                let kept = match self.standing(of).await? {
                    Standing::Stored { .. } => Kept::Stored {
                        is_duplicate: match self.get(table, format!("decision#{of}")).await? {
                            Some(item) => from_item::<DecisionItem>(item, "a decision")?.verdict == "duplicate",
                            None => false,
                        },
                    },
                    Standing::Withdrawn => Kept::Withdrawn,
                    Standing::Unknown => Kept::Unknown,
                };
                // Read, not a condition of the write: two people at one moment marking two
                // applications duplicates of each other is the one case this lets through.
                let has_duplicates = !self.scan(table, "decision#", Some(("duplicate_of", code))).await?.is_empty();
                check_duplicate(code, of, kept, has_duplicates)?;
                checks.push(condition(table, format!("application#{of}"), "attribute_exists(pk)")?);
                checks.push(
                    ConditionCheck::builder()
                        .table_name(table)
                        .key("pk", s(format!("decision#{of}")))
                        .condition_expression("attribute_not_exists(pk) OR #verdict <> :duplicate")
                        .expression_attribute_names("#verdict", "verdict")
                        .expression_attribute_values(":duplicate", s("duplicate"))
                        .build()
                        .map_err(built)?,
                );
            }
            let mut items: Vec<TransactWriteItem> =
                checks.into_iter().map(|check| TransactWriteItem::builder().condition_check(check).build()).collect();
            let put = Put::builder().table_name(table).set_item(Some(item.clone())).build().map_err(built)?;
            items.push(TransactWriteItem::builder().put(put).build());
            match self.transact(items).await? {
                Transacted::Written => return Ok(()),
                Transacted::Changed => back_off(20, attempt).await,
            }
        }
        Err(StoreError::conflict(format!(
            "the decision about {code} met other changes to it {RECORD_ATTEMPTS} times; try again"
        ))
        .into())
    }

    async fn decisions(&self) -> Result<Vec<Decision>, StoreError> {
        let mut all = self
            .scan_prefix(&self.tables.applications, "decision#")
            .await?
            .into_iter()
            .map(|item| {
                let item: DecisionItem = from_item(item, "a decision")?;
                let verdict = Verdict::from_parts(&item.verdict, item.reason, item.duplicate_of).ok_or_else(|| {
                    StoreError::corrupt(format!("the decision about {} is not one this store writes", item.code))
                })?;
                let at = stored_time(&item.decided_at, "the time of the decision", &item.code)?;
                Ok(Decision { code: item.code, verdict, by: item.decided_by, at })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        all.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(all)
    }

    async fn withdraw(&self, code: &str, at: DateTime<Utc>, by: &str) -> Result<Tombstone, RecordError> {
        let table = &self.tables.applications;
        for attempt in 0..RECORD_ATTEMPTS {
            let received_at = match self.stored(code).await {
                Ok(received_at) => received_at,
                Err(RecordError::Withdrawn(code)) => {
                    // Asked again, as after a withdrawal that failed part-way: finish it.
                    self.clear_withdrawn(&code).await?;
                    return Err(RecordError::Withdrawn(code));
                }
                Err(err) => return Err(err),
            };
            let tombstone = to_item(&TombstoneItem {
                pk: format!("withdrawn#{code}"),
                code: code.to_string(),
                received_at: received_at.clone(),
                withdrawn_at: at.to_rfc3339(),
                withdrawn_by: by.to_string(),
            })?;
            let application = Delete::builder()
                .table_name(table)
                .key("pk", s(format!("application#{code}")))
                .condition_expression("attribute_exists(pk)")
                .build()
                .map_err(built)?;
            let mut items = vec![
                put(table, tombstone)?,
                TransactWriteItem::builder().delete(application).build(),
                delete(&self.tables.applicants, format!("applicant#{code}"))?,
                delete(table, format!("decision#{code}"))?,
            ];
            for kind in MessageKind::ALL {
                items.push(delete(&self.tables.applicants, outbox_pk(kind, code))?);
            }
            match self.transact(items).await? {
                Transacted::Written => {
                    self.clear_withdrawn(code).await?;
                    return Ok(Tombstone { code: code.to_string(), received_at, withdrawn_at: at, by: by.to_string() });
                }
                Transacted::Changed => back_off(20, attempt).await,
            }
        }
        Err(StoreError::conflict(format!(
            "the withdrawal of {code} met other changes to it {RECORD_ATTEMPTS} times; try again"
        ))
        .into())
    }

    async fn withdrawn(&self) -> Result<Vec<Tombstone>, StoreError> {
        let mut all = self
            .scan_prefix(&self.tables.applications, "withdrawn#")
            .await?
            .into_iter()
            .map(|item| {
                let item: TombstoneItem = from_item(item, "a tombstone")?;
                let withdrawn_at = stored_time(&item.withdrawn_at, "the time of the withdrawal", &item.code)?;
                Ok(Tombstone { code: item.code, received_at: item.received_at, withdrawn_at, by: item.withdrawn_by })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        all.sort_by(|a, b| (&a.received_at, &a.code).cmp(&(&b.received_at, &b.code)));
        Ok(all)
    }

    async fn erase_personal(&self, before: DateTime<Utc>) -> Result<Erased, StoreError> {
        let mut erased = Erased::default();
        let mut received = HashMap::new();
        for item in self.scan_prefix(&self.tables.applications, "application#").await? {
            let item: ApplicationItem = from_item(item, "an application")?;
            let at = stored_time(&item.received_at, "the time received", &item.code)?;
            received.insert(item.code, at);
        }
        let mut applicants = Vec::new();
        for item in self.scan_prefix(&self.tables.applicants, "applicant#").await? {
            let item: KeyOnly = from_item(item, "an applicant")?;
            // An applicant without an application (no store writes one) has no time: it goes too.
            let gone = item.code.as_ref().and_then(|code| received.get(code)).is_none_or(|at| *at < before);
            if gone {
                applicants.push(item.pk);
            }
        }
        erased.applicants = applicants.len();
        self.delete_all(&self.tables.applicants, applicants).await?;
        // Messages to her not sent yet can no longer be addressed; sent ones hold nothing of
        // her and keep a later run from sending them again. Every application received before
        // the day, not only those erased now: a run after one that failed part-way finishes it.
        let mut unsent = Vec::new();
        for item in self.scan_prefix(&self.tables.applicants, "outbox#").await? {
            let item: OutboxItem = from_item(item, "an outbox entry")?;
            let to_her = [MessageKind::Receipt.key(), MessageKind::Outcome.key()].contains(&item.kind.as_str());
            if to_her && item.state != SENT && received.get(&item.code).is_some_and(|at| *at < before) {
                unsent.push(item.pk);
            }
        }
        self.delete_all(&self.tables.applicants, unsent).await?;
        for item in self.scan_prefix(&self.tables.applications, "submission#").await? {
            let item: MarkerTime = from_item(item, "a submission marker")?;
            if stored_time(&item.received_at, "the time received", &item.code)? < before {
                self.forget_digest(item.pk).await?;
            }
        }
        let mut suspects = Vec::new();
        for item in self.scan_prefix(&self.tables.applicants, "suspect#").await? {
            let item: SuspectItem = from_item(item, "a suspect")?;
            if stored_time(&item.received_at, "the time received", &item.code)? < before {
                suspects.push(item.pk);
            }
        }
        erased.suspects = suspects.len();
        self.delete_all(&self.tables.applicants, suspects).await?;
        Ok(erased)
    }

    async fn recuse(&self, recusal: &Recusal) -> Result<(), RecordError> {
        let table = &self.tables.applications;
        let (code, member) = (&recusal.code, &recusal.member);
        let item = to_item(&RecusalItem {
            pk: format!("recusal#{code}#{member}"),
            code: code.clone(),
            member: member.clone(),
            reason: recusal.reason.clone(),
            recused_at: recusal.at.to_rfc3339(),
        })?;
        for attempt in 0..RECORD_ATTEMPTS {
            self.stored(code).await?;
            let check = condition(table, format!("application#{code}"), "attribute_exists(pk)")?;
            let put = Put::builder().table_name(table).set_item(Some(item.clone())).build().map_err(built)?;
            let items = vec![
                TransactWriteItem::builder().condition_check(check).build(),
                TransactWriteItem::builder().put(put).build(),
            ];
            match self.transact(items).await? {
                Transacted::Written => {
                    // Her scores of it in every version; an import racing this drops its own.
                    let mut scores = Vec::new();
                    for item in self.scan(table, "score#", Some(("code", code))).await? {
                        let item: ScoreItem = from_item(item, "scores")?;
                        if item.member == *member {
                            scores.push(item.pk);
                        }
                    }
                    self.delete_all(table, scores).await?;
                    return Ok(());
                }
                Transacted::Changed => back_off(20, attempt).await,
            }
        }
        Err(StoreError::conflict(format!(
            "the recusal from {code} met other changes to it {RECORD_ATTEMPTS} times; try again"
        ))
        .into())
    }

    async fn recusals(&self) -> Result<Vec<Recusal>, StoreError> {
        let mut all = self
            .scan_prefix(&self.tables.applications, "recusal#")
            .await?
            .into_iter()
            .map(|item| {
                let item: RecusalItem = from_item(item, "a recusal")?;
                let at = stored_time(&item.recused_at, "the time of a recusal", &item.code)?;
                Ok(Recusal { member: item.member, code: item.code, reason: item.reason, at })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        all.sort_by(|a, b| (&a.code, &a.member).cmp(&(&b.code, &b.member)));
        Ok(all)
    }
}

impl Outbox for DynamoStore {
    async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut all = self
            .scan_prefix(&self.tables.applicants, "outbox#")
            .await?
            .into_iter()
            .map(|item| outbox_entry(from_item(item, "an outbox entry")?))
            .collect::<Result<Vec<_>, StoreError>>()?;
        all.sort_by(|a, b| (a.kind, &a.code).cmp(&(b.kind, &b.code)));
        Ok(all)
    }

    async fn enqueue(&self, kind: MessageKind, code: &str, lang: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let item = to_item(&pending(kind, code, lang, now))?;
        let application = format!("application#{code}");
        for attempt in 0..RECORD_ATTEMPTS {
            // Conditional on the application, in one transaction: a withdrawal cannot slip between.
            let items = vec![
                TransactWriteItem::builder()
                    .condition_check(condition(&self.tables.applications, application.clone(), "attribute_exists(pk)")?)
                    .build(),
                put(&self.tables.applicants, item.clone())?,
            ];
            match self.transact(items).await? {
                Transacted::Written => return Ok(true),
                Transacted::Changed => {
                    // Either condition failing means nothing to add; another transaction on the
                    // same items means trying again.
                    let owed = self.get(&self.tables.applicants, outbox_pk(kind, code)).await?.is_some();
                    if owed || self.get(&self.tables.applications, application.clone()).await?.is_none() {
                        return Ok(false);
                    }
                    back_off(20, attempt).await;
                }
            }
        }
        Err(StoreError::conflict(format!(
            "enqueuing the {kind} of {code} met other changes to it {RECORD_ATTEMPTS} times; try again"
        )))
    }

    async fn claim(
        &self,
        kind: MessageKind,
        code: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        // One conditional write: of two senders, the second finds it `sending` and changes nothing.
        let claimed = self
            .client
            .update_item()
            .table_name(&self.tables.applicants)
            .key("pk", s(outbox_pk(kind, code)))
            .update_expression("SET #state = :sending, #attempts = #attempts + :one, #lease_until = :lease REMOVE #due")
            .condition_expression(
                "(#state = :pending AND #due <= :now) OR (#state = :sending AND #lease_until <= :now)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_names("#lease_until", "lease_until")
            .expression_attribute_names("#due", "due")
            .expression_attribute_values(":sending", s(SENDING))
            .expression_attribute_values(":pending", s(PENDING))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":lease", s(outbox_time(lease_until)))
            .expression_attribute_values(":now", s(outbox_time(now)))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match claimed {
            Ok(answer) => {
                let item = answer.attributes.ok_or_else(|| StoreError::corrupt("UpdateItem returned no entry"))?;
                outbox_entry(from_item(item, "an outbox entry")?).map(Some)
            }
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(None),
            Err(err) => Err(failed("UpdateItem", err)),
        }
    }

    async fn settle(
        &self,
        kind: MessageKind,
        code: &str,
        claimed_attempts: u32,
        delivery: &Delivery,
    ) -> Result<bool, StoreError> {
        let delivery = StoredDelivery::of(delivery);
        let mut request = self
            .client
            .update_item()
            .table_name(&self.tables.applicants)
            .key("pk", s(outbox_pk(kind, code)))
            .condition_expression("#state = :sending AND #attempts = :claimed")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_values(":sending", s(SENDING))
            .expression_attribute_values(":claimed", AttributeValue::N(claimed_attempts.to_string()))
            .expression_attribute_values(":state", s(delivery.state))
            .expression_attribute_values(":attempts", AttributeValue::N(delivery.attempts.to_string()));
        // The state's own time and detail are set; the others' go.
        let (mut set, mut remove) = (vec!["#state = :state".to_string(), "#attempts = :attempts".to_string()], vec![]);
        for (name, value) in [
            ("due", delivery.due),
            ("lease_until", delivery.lease_until),
            ("settled_at", delivery.settled_at),
            ("message_id", delivery.message_id),
            ("reason", delivery.reason),
        ] {
            request = request.expression_attribute_names(format!("#{name}"), name);
            match value {
                Some(value) => {
                    set.push(format!("#{name} = :{name}"));
                    request = request.expression_attribute_values(format!(":{name}"), s(value));
                }
                None => remove.push(format!("#{name}")),
            }
        }
        let mut update = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            update.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        match request.update_expression(update).send().await {
            Ok(_) => Ok(true),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(err) => Err(failed("UpdateItem", err)),
        }
    }

    async fn addressee(&self, code: &str) -> Result<Option<Addressee>, StoreError> {
        let Some(item) = self.get(&self.tables.applications, format!("application#{code}")).await? else {
            return Ok(None);
        };
        let answers = stored_answers(from_item(item, "an application")?)?;
        let personal = CommissionStore::personal(self, code).await?;
        Ok(Some(Addressee { answers, personal }))
    }
}

/// The key of the final list's one item in `applications`.
const FINAL_LIST: &str = "final#list";

fn outbox_pk(kind: MessageKind, code: &str) -> String {
    format!("outbox#{kind}#{code}")
}

/// A new entry: pending, never tried, due at once.
fn pending(kind: MessageKind, code: &str, lang: &str, now: DateTime<Utc>) -> OutboxItem {
    let now = outbox_time(now);
    OutboxItem {
        pk: outbox_pk(kind, code),
        kind: kind.key().to_string(),
        code: code.to_string(),
        lang: lang.to_string(),
        created_at: now.clone(),
        state: PENDING.to_string(),
        attempts: 0,
        due: Some(now),
        lease_until: None,
        settled_at: None,
        message_id: None,
        reason: None,
    }
}

fn outbox_entry(item: OutboxItem) -> Result<OutboxEntry, StoreError> {
    let delivery = StoredDelivery {
        state: item.state,
        attempts: item.attempts,
        due: item.due,
        lease_until: item.lease_until,
        settled_at: item.settled_at,
        message_id: item.message_id,
        reason: item.reason,
    };
    entry(&item.kind, item.code, item.lang, &item.created_at, delivery)
}

fn stored_answers(item: ApplicationItem) -> Result<StoredAnswers, StoreError> {
    Ok(StoredAnswers {
        category: Category::from_key(&item.category)
            .ok_or_else(|| StoreError::corrupt(format!("unknown category {} for {}", item.category, item.code)))?,
        code: item.code,
        lang: item.lang,
        received_at: item.received_at,
        answers: item.answers,
        channel: item.channel,
        entered_by: item.entered_by,
    })
}

fn final_list_of(item: FinalListItem) -> Result<FinalList, StoreError> {
    let mut placed = item
        .placed
        .into_iter()
        .map(|line| {
            let outcome_of = |key: &str| {
                Outcome::from_key(key).ok_or_else(|| {
                    StoreError::corrupt(format!("the final list holds an unknown outcome {key} for {}", line.code))
                })
            };
            Ok(Placed {
                outcome: outcome_of(&line.outcome)?,
                proposed: outcome_of(&line.proposed)?,
                reason: line.reason,
                code: line.code,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    placed.sort_by(|a, b| a.code.cmp(&b.code));
    let frozen = match (item.frozen_by, item.frozen_at) {
        (Some(by), Some(at)) => Some((by, stored_time(&at, "the time of freezing", "the final list")?)),
        _ => None,
    };
    Ok(FinalList {
        placed,
        recorded_by: item.recorded_by,
        recorded_at: stored_time(&item.recorded_at, "the time recorded", "the final list")?,
        frozen,
    })
}

impl DynamoStore {
    /// Why a write of the final list conditional on its not being frozen (and, freezing, on
    /// its being the list seen) failed: it is frozen (by whom, when), there is none, or it was
    /// recorded again meanwhile.
    async fn refused_as_frozen(&self) -> RecordError {
        match CommissionStore::final_list(self).await {
            Ok(Some(FinalList { frozen: Some((by, at)), .. })) => RecordError::Frozen { by, at },
            Ok(None) => RecordError::NoFinalList,
            // Recorded again between the read and the write: not the list the user saw.
            Ok(Some(list)) => RecordError::ListChanged { by: list.recorded_by, at: list.recorded_at },
            Err(err) => err.into(),
        }
    }
}
