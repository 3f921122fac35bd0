//! `/_revdir/journal.list`: revdir's own read of the change journal (not a DevRev
//! operation), in the same conventions as DevRev's list operations.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::DateTimeFilter;

/// `journal.list` request: every given filter must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalListRequest {
    /// Where to resume: the `next_cursor` of an earlier answer; from the start without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Most entries to return (1–100, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only changes of these objects (DONs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<Vec<String>>,
    /// Only changes of these object types: `rev_user`, `sys_user`, `dev_user`, `account`,
    /// `rev_org`, `tag`, `webhook`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<Vec<String>>,
    /// Only changes made by these users (DONs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Vec<String>>,
    /// Only these operations: `created`, `updated`, `deleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Vec<String>>,
    /// Only changes requested with these origins (`X-DevRev-Origin` or `Idempotency-Key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Vec<String>>,
    /// Only changes made in this time range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<DateTimeFilter>,
}

/// One field a change touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's name in the object's REST shape.
    pub field: String,
    /// Its value before the change; `null` when it was absent.
    pub before: Value,
    /// Its value after the change; `null` when the change cleared or removed it.
    pub after: Value,
}

/// One change of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The change's number.
    pub id: String,
    /// The changed object's type, such as `rev_user`.
    pub object_type: String,
    /// The changed object's DON.
    pub object: String,
    /// `created`, `updated` or `deleted`.
    pub operation: String,
    /// The object's version after the change; it only goes up.
    pub version: i64,
    /// The DON of the user whose token made the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The id of the token that made the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    /// The `X-Request-Id` of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The origin the request declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// When the change was made (RFC 3339).
    pub occurred_at: String,
    /// The fields it changed, with their values before and after.
    pub changes: Vec<FieldChange>,
    /// Fields of the object it left as they were.
    pub unchanged: Vec<String>,
    /// Fields an update cleared (set before, absent or `null` after).
    pub cleared: Vec<String>,
    /// The webhook event the change emitted; absent for sys users, which emit none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// The object after the change (before it, for a delete), in its REST shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Value>,
}

/// `journal.list` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalListResponse {
    /// The entries, oldest first.
    pub entries: Vec<JournalEntry>,
    /// Where the next read resumes; always present, so a follower can poll with it.
    pub next_cursor: String,
}
