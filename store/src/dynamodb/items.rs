//! The items of the two tables as types: what is written and what is read back, mapped to
//! DynamoDB's attribute values by `serde_dynamo`. The attribute names are the stored format:
//! renaming a field here makes existing items unreadable.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::{Channel, StoreError};

pub(super) type Item = HashMap<String, AttributeValue>;

/// `submission#<id>` in `applications`: which code a page's submission id was given.
#[derive(Serialize)]
pub(super) struct Marker<'a> {
    pub(super) pk: String,
    pub(super) code: &'a str,
    pub(super) received_at: &'a str,
    /// [`crate::Application::digest`]: whether a retry of this id changed its answers.
    pub(super) digest: &'a str,
}

/// A `submission#<id>` (or `suspect#<id>`) item read back for a retry: what was stored
/// before the digest was kept has none.
#[derive(Deserialize)]
pub(super) struct MarkerRead {
    pub(super) code: String,
    #[serde(default)]
    pub(super) digest: Option<String>,
}

/// `application#<code>` in `applications`: what the commission reads.
#[derive(Serialize, Deserialize)]
pub(super) struct ApplicationItem {
    pub(super) pk: String,
    pub(super) code: String,
    pub(super) lang: String,
    /// [`crate::Category::key`].
    pub(super) category: String,
    pub(super) received_at: String,
    pub(super) answers: BTreeMap<String, String>,
    /// How it came; items written before it was kept have none, and came online.
    #[serde(default)]
    pub(super) channel: Channel,
    /// Who of the secretariat keyed it in; online applications have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) entered_by: Option<String>,
}

/// `applicant#<code>` in `applicants`: the personal data.
#[derive(Serialize, Deserialize)]
pub(super) struct ApplicantItem {
    pub(super) pk: String,
    pub(super) code: String,
    pub(super) personal: BTreeMap<String, String>,
}

/// `suspect#<submission id>` in `applicants`: what the honeypot caught.
#[derive(Serialize, Deserialize)]
pub(super) struct SuspectItem {
    pub(super) pk: String,
    pub(super) code: String,
    pub(super) lang: String,
    pub(super) received_at: String,
    pub(super) fields: BTreeMap<String, String>,
    /// [`crate::Suspect::expires_at`], a number: the table's TTL attribute
    /// (`deploy/template.yaml` names it), so DynamoDB deletes the item after it on its own.
    /// Items written before it was kept have none and stay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) expires_at: Option<i64>,
    /// [`crate::Suspect::digest`]; items written before it was kept have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) digest: Option<String>,
}

/// `score#<member>#<version>#<code>` in `applications`: one member's scores of one
/// application, in one version of that member's sheet.
#[derive(Serialize, Deserialize)]
pub(super) struct ScoreItem {
    pub(super) pk: String,
    pub(super) code: String,
    pub(super) member: String,
    /// One score (1–5) per criterion, stored as a list of numbers.
    pub(super) scores: Vec<u8>,
}

/// `member#<member>` in `applications`: the member's current version of scores.
#[derive(Serialize, Deserialize)]
pub(super) struct MemberPointer {
    pub(super) pk: String,
    pub(super) member: String,
    pub(super) version: String,
    pub(super) count: usize,
}

/// `decision#<code>` in `applications`: the secretariat's current decision about it.
#[derive(Serialize, Deserialize)]
pub(super) struct DecisionItem {
    pub(super) pk: String,
    pub(super) code: String,
    /// [`crate::Verdict::key`]: `eligible`, `ineligible` or `duplicate`.
    pub(super) verdict: String,
    /// An ineligible one's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) reason: Option<String>,
    /// A duplicate's kept code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) duplicate_of: Option<String>,
    pub(super) decided_by: String,
    /// RFC 3339.
    pub(super) decided_at: String,
}

/// `withdrawn#<code>` in `applications`: what stays of a withdrawn application.
#[derive(Serialize, Deserialize)]
pub(super) struct TombstoneItem {
    pub(super) pk: String,
    pub(super) code: String,
    pub(super) received_at: String,
    /// RFC 3339.
    pub(super) withdrawn_at: String,
    /// Who of the secretariat recorded it; none in tombstones written before it was kept.
    #[serde(default)]
    pub(super) withdrawn_by: String,
}

/// `recusal#<code>#<member>` in `applications`: a member who does not score the application.
#[derive(Serialize, Deserialize)]
pub(super) struct RecusalItem {
    pub(super) pk: String,
    pub(super) code: String,
    pub(super) member: String,
    pub(super) reason: String,
    /// RFC 3339.
    pub(super) recused_at: String,
}

/// `outbox#<kind>#<code>` in `applicants`: one message owed ([`crate::OutboxEntry`]). It holds
/// nothing personal: the sender reads the address and the answers when it sends.
#[derive(Serialize, Deserialize)]
pub(super) struct OutboxItem {
    pub(super) pk: String,
    /// [`crate::MessageKind::key`].
    pub(super) kind: String,
    pub(super) code: String,
    pub(super) lang: String,
    /// `outbox_time`'s fixed-length UTC text, as every time of this item: the claim's
    /// condition compares them as strings.
    pub(super) created_at: String,
    /// `pending`, `sending`, `sent` or `failed`; only the state's own time and detail are present.
    pub(super) state: String,
    pub(super) attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) due: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) lease_until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) settled_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) reason: Option<String>,
}

/// `final#list` in `applications`: the final list, all its lines in one item (DynamoDB's
/// 400 KB per item holds some thousands of lines; a pool is a few hundred applications).
#[derive(Serialize, Deserialize)]
pub(super) struct FinalListItem {
    pub(super) pk: String,
    /// By code.
    pub(super) placed: Vec<PlacedItem>,
    pub(super) recorded_by: String,
    /// RFC 3339.
    pub(super) recorded_at: String,
    /// Who froze it and when (RFC 3339); absent until it is frozen, which the writes are
    /// conditional on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) frozen_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) frozen_at: Option<String>,
}

/// One line of the final list.
#[derive(Serialize, Deserialize)]
pub(super) struct PlacedItem {
    pub(super) code: String,
    /// [`crate::Outcome::key`], decided and proposed.
    pub(super) outcome: String,
    pub(super) proposed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) reason: Option<String>,
}

/// `submission#<id>` in `applications` as an erasure reads it: which code, received when.
#[derive(Deserialize)]
pub(super) struct MarkerTime {
    pub(super) pk: String,
    pub(super) code: String,
    pub(super) received_at: String,
}

/// Any item's key and code, for the reads that need nothing else (a score pointer has no code).
#[derive(Deserialize)]
pub(super) struct KeyOnly {
    pub(super) pk: String,
    #[serde(default)]
    pub(super) code: Option<String>,
}

/// `value` as an item to write.
pub(super) fn to_item(value: &impl Serialize) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value)
        .map_err(|err| StoreError::misconfigured(format!("an item could not be written out: {err}")).with_source(err))
}

/// An item read back as `T`; one that lacks what `T` needs is corrupt, and the error says
/// which attribute (never its value, which may be an applicant's).
pub(super) fn from_item<T: serde::de::DeserializeOwned>(item: Item, what: &str) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|err| {
        // serde names a missing field; a wrong type it describes with the value found, which
        // is kept out of the message.
        let said = err.to_string();
        let problem = if said.starts_with("missing field") { said } else { "an attribute of the wrong type".into() };
        StoreError::corrupt(format!("{what}: {problem}"))
    })
}
