//! The DynamoDB store. Two tables, so that scoring can be given the first without the second:
//!
//! - `applications` (partition key `pk`, string): `submission#<id>` items map a page's
//!   submission id to its code; `application#<code>` items hold the answers, the essay, the
//!   language, the age category and the time received.
//!   `score#<code>#<member>` items hold one member's scores for one application.
//! - `applicants` (partition key `pk`, string): `applicant#<code>` items hold personal data;
//!   `suspect#<submission id>` items hold what the honeypot caught.
//!
//! Both are on-demand (`PAY_PER_REQUEST`); `deploy/template.yaml` declares them.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, Put, ScalarAttributeType,
    TransactWriteItem,
};
use aws_sdk_dynamodb::Client;

use super::{Saved, Scores, ScoresError, Store, StoreError};
use crate::application::{new_code, Application, Category, Fields, StoredAnswers, Suspect};

/// The names of the two tables.
#[derive(Debug, Clone)]
pub struct Tables {
    pub applications: String,
    pub applicants: String,
}

impl Tables {
    /// From `APPLICATIONS_TABLE` and `APPLICANTS_TABLE`.
    pub fn from_env() -> Result<Self, StoreError> {
        let get = |name: &str| std::env::var(name).map_err(|_| StoreError(format!("{name} is not set")));
        Ok(Self { applications: get("APPLICATIONS_TABLE")?, applicants: get("APPLICANTS_TABLE")? })
    }
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

fn text(item: &HashMap<String, AttributeValue>, name: &str) -> Result<String, StoreError> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned().ok_or_else(|| StoreError(format!("item without `{name}`")))
}

fn text_map(item: &HashMap<String, AttributeValue>, name: &str) -> Result<BTreeMap<String, String>, StoreError> {
    let values =
        item.get(name).and_then(|v| v.as_m().ok()).ok_or_else(|| StoreError(format!("item without `{name}`")))?;
    values
        .iter()
        .map(|(k, v)| {
            v.as_s().map(|v| (k.clone(), v.clone())).map_err(|_| StoreError(format!("`{name}.{k}` is not a string")))
        })
        .collect()
}

fn failed(err: impl std::fmt::Debug) -> StoreError {
    StoreError(format!("{err:?}"))
}

impl DynamoStore {
    /// `client` is built once in `main` and shared.
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
                        .map_err(failed)?,
                )
                .key_schema(
                    KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().map_err(failed)?,
                )
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await;
            if let Err(err) = created {
                if err.code() != Some("ResourceInUseException") {
                    return Err(failed(err));
                }
            }
        }
        Ok(())
    }

    async fn existing_code(&self, table: &str, pk: String) -> Result<Option<String>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(failed)?;
        item.item().map(|item| text(item, "code")).transpose()
    }

    async fn scan_prefix(&self, table: &str, prefix: &str) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
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
                .map_err(failed)?;
            items.extend(page.items().iter().cloned());
            match page.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(items),
            }
        }
    }
}

fn put(table: &str, item: HashMap<String, AttributeValue>) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(failed)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Why each part of a cancelled transaction failed, in order.
fn cancellation_reasons(err: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError>) -> Option<Vec<String>> {
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
                return Err(failed(err));
            };
            match reasons.first().map(String::as_str) {
                // The submission id is known: nothing was written; answer with its code.
                Some("ConditionalCheckFailed") => {
                    let code = self.existing_code(&self.tables.applications, marker.clone()).await?;
                    return code
                        .map(|code| Saved { code, created: false })
                        .ok_or_else(|| StoreError("submission marker vanished".into()));
                }
                // Another request with the same id is being written right now: let it finish.
                _ if reasons.iter().any(|reason| reason == "TransactionConflict") => {
                    tokio::time::sleep(Duration::from_millis(20 << attempt.min(5))).await;
                }
                // A code drawn twice: draw another.
                _ if reasons.iter().any(|reason| reason == "ConditionalCheckFailed") => {}
                _ => return Err(StoreError(format!("transaction cancelled: {reasons:?}"))),
            }
        }
        Err(StoreError("could not store the application after several attempts".into()))
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
                    .ok_or_else(|| StoreError("suspect vanished".into()))?;
                Ok(Saved { code, created: false })
            }
            Err(err) => Err(failed(err)),
        }
    }

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
                        .ok_or_else(|| StoreError(format!("unknown category {category}")))?,
                    received_at: text(item, "received_at")?,
                    answers: text_map(item, "answers")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        all.sort_by(|a, b| (&a.received_at, &a.code).cmp(&(&b.received_at, &b.code)));
        Ok(all)
    }

    async fn personal(&self, code: &str) -> Result<Option<BTreeMap<String, String>>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.tables.applicants)
            .key("pk", s(format!("applicant#{code}")))
            .consistent_read(true)
            .send()
            .await
            .map_err(failed)?;
        item.item().map(|item| text_map(item, "personal")).transpose()
    }

    async fn save_scores(&self, member: &str, sheet: &[Scores], overwrite: bool) -> Result<(), ScoresError> {
        // One transaction, so a sheet is stored whole or not at all; DynamoDB allows 100 writes
        // in one, and each application needs a check that it exists.
        if sheet.len() * 2 > 100 {
            return Err(ScoresError::Store(StoreError(format!(
                "a sheet of {} applications is more than one atomic import can hold (50); split it",
                sheet.len()
            ))));
        }
        let mut items = Vec::new();
        for row in sheet {
            let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
                .table_name(&self.tables.applications)
                .key("pk", s(format!("application#{}", row.code)))
                .condition_expression("attribute_exists(pk)")
                .build()
                .map_err(failed)?;
            items.push(TransactWriteItem::builder().condition_check(check).build());
            let scores =
                AttributeValue::L(row.scores.iter().map(|score| AttributeValue::N(score.to_string())).collect());
            let mut put = Put::builder().table_name(&self.tables.applications).set_item(Some(HashMap::from([
                ("pk".into(), s(format!("score#{}#{member}", row.code))),
                ("code".into(), s(&row.code)),
                ("member".into(), s(member)),
                ("scores".into(), scores),
            ])));
            if !overwrite {
                put = put.condition_expression("attribute_not_exists(pk)");
            }
            items.push(TransactWriteItem::builder().put(put.build().map_err(failed)?).build());
        }
        if items.is_empty() {
            return Ok(());
        }
        let err = match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => return Ok(()),
            Err(err) => err,
        };
        let Some(reasons) = cancellation_reasons(&err) else { return Err(ScoresError::Store(failed(err))) };
        let failed_at = |offset: usize| -> Vec<String> {
            sheet
                .iter()
                .enumerate()
                .filter(|(i, _)| reasons.get(i * 2 + offset).is_some_and(|reason| reason == "ConditionalCheckFailed"))
                .map(|(_, row)| row.code.clone())
                .collect()
        };
        if let Some(code) = failed_at(0).into_iter().next() {
            return Err(ScoresError::UnknownCode(code));
        }
        let taken = failed_at(1);
        if !taken.is_empty() {
            return Err(ScoresError::WouldOverwrite(taken));
        }
        Err(ScoresError::Store(StoreError(format!("transaction cancelled: {reasons:?}"))))
    }

    async fn scores(&self) -> Result<Vec<Scores>, StoreError> {
        let mut all = self
            .scan_prefix(&self.tables.applications, "score#")
            .await?
            .iter()
            .map(|item| {
                let scores = item
                    .get("scores")
                    .and_then(|v| v.as_l().ok())
                    .ok_or_else(|| StoreError("score item without scores".into()))?
                    .iter()
                    .map(|v| {
                        v.as_n()
                            .ok()
                            .and_then(|n| n.parse().ok())
                            .ok_or_else(|| StoreError("a score is not a number".into()))
                    })
                    .collect::<Result<Vec<u8>, _>>()?;
                Ok(Scores { code: text(item, "code")?, member: text(item, "member")?, scores })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        all.sort_by(|a, b| (&a.code, &a.member).cmp(&(&b.code, &b.member)));
        Ok(all)
    }

    async fn suspects(&self) -> Result<Vec<(String, Fields)>, StoreError> {
        let mut items = self.scan_prefix(&self.tables.applicants, "suspect#").await?;
        items.sort_by_key(|item| text(item, "received_at").unwrap_or_default());
        items.iter().map(|item| Ok((text(item, "code")?, text_map(item, "fields")?))).collect()
    }
}
