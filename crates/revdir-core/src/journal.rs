//! The change journal (§9): what every write changed, field by field, and the webhook event
//! DevRev would emit for it. Pure parts here; the store appends entries inside the write's
//! own transaction.

use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::ids::ObjectKind;
use crate::refs::TimeRange;

/// What a write did to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// The object was created.
    Created,
    /// The object was changed.
    Updated,
    /// The object was deleted.
    Deleted,
}

impl Operation {
    /// The name stored and shown: `created`, `updated` or `deleted`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }

    /// The operation a stored name stands for.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Created, Self::Updated, Self::Deleted].into_iter().find(|o| o.name() == name)
    }
}

/// The families whose changes are journaled, by the name events give them.
pub const JOURNALED: &[(ObjectKind, &str)] = &[
    (ObjectKind::RevUser, "rev_user"),
    (ObjectKind::SysUser, "sys_user"),
    (ObjectKind::DevUser, "dev_user"),
    (ObjectKind::Account, "account"),
    (ObjectKind::RevOrg, "rev_org"),
    (ObjectKind::Tag, "tag"),
    (ObjectKind::Webhook, "webhook"),
];

/// The event name of a family (`rev_user`), as in `rev_user_updated`.
pub fn object_name(kind: ObjectKind) -> Option<&'static str> {
    JOURNALED.iter().find(|(k, _)| *k == kind).map(|(_, n)| *n)
}

/// The family an event name (`rev_user`) stands for.
pub fn kind_named(name: &str) -> Option<ObjectKind> {
    JOURNALED.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
}

/// The webhook event a change emits (`rev_user_updated`), or `None` for sys users, which
/// DevRev emits no events for (§8.7) though their changes are journaled.
pub fn event_type(kind: ObjectKind, op: Operation) -> Option<String> {
    match kind {
        ObjectKind::SysUser => None,
        _ => object_name(kind).map(|n| format!("{n}_{}", op.name())),
    }
}

/// One field a change touched, with its wire value before and after (`null` when absent).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The wire field name, such as `display_name`.
    pub field: String,
    /// The value before the write.
    pub before: Value,
    /// The value after the write.
    pub after: Value,
}

/// Fields every write restamps: a write that changes only these changed nothing.
const BOOKKEEPING: &[&str] = &["modified_date", "modified_by"];

/// The fields that differ between two wire renderings of an object, in field-name order;
/// bookkeeping fields (`modified_date`, `modified_by`) only when something else changed.
/// A field absent on one side counts as `null` there.
pub fn diff_fields(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let empty = Map::new();
    let b = before.and_then(Value::as_object).unwrap_or(&empty);
    let a = after.and_then(Value::as_object).unwrap_or(&empty);
    let mut names: Vec<&String> = b.keys().chain(a.keys()).collect();
    names.sort();
    names.dedup();
    let changes: Vec<FieldChange> = names
        .into_iter()
        .filter_map(|name| {
            let old = b.get(name).cloned().unwrap_or(Value::Null);
            let new = a.get(name).cloned().unwrap_or(Value::Null);
            (old != new).then(|| FieldChange { field: name.clone(), before: old, after: new })
        })
        .collect();
    if changes.iter().all(|c| BOOKKEEPING.contains(&c.field.as_str())) {
        return Vec::new();
    }
    changes
}

/// The object as it was before a change, rebuilt from the object after it and the fields
/// the change touched: what `old_<object>` carries in an `*_updated` event.
pub fn rebuild_before(after: &Value, changes: &[FieldChange]) -> Value {
    let mut old = after.as_object().cloned().unwrap_or_default();
    for c in changes {
        if c.before.is_null() {
            old.remove(&c.field);
        } else {
            old.insert(c.field.clone(), c.before.clone());
        }
    }
    Value::Object(old)
}

/// A change as the journal keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    /// The change's number: unique, and increasing in the order changes are read.
    pub id: i64,
    /// The changed object's family.
    pub object_kind: ObjectKind,
    /// The changed object's DON.
    pub object_id: String,
    /// What the write did.
    pub operation: Operation,
    /// The object's version after the change; it only goes up.
    pub version: i64,
    /// The DON of the user whose token made the write.
    pub actor: Option<String>,
    /// The token's id (`jti`).
    pub token_id: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
    /// The origin the request declared.
    pub origin: Option<String>,
    /// When the change was made, in epoch milliseconds of the app's clock.
    pub occurred_at: crate::time::Timestamp,
    /// The fields it changed.
    pub changes: Vec<FieldChange>,
    /// The object after the change (before it, for a delete), as the REST API renders it.
    pub object: Option<Value>,
    /// The webhook event the change emitted.
    pub event_type: Option<String>,
}

impl JournalEntry {
    /// Renders the entry as `/_revdir/journal.list` (and a personal-data export) shows it.
    pub fn render(self) -> revdir_api::journal::JournalEntry {
        let unchanged = self.unchanged_fields();
        let cleared = self.cleared_fields();
        revdir_api::journal::JournalEntry {
            id: self.id.to_string(),
            object_type: object_name(self.object_kind).unwrap_or("object").to_owned(),
            object: self.object_id,
            operation: self.operation.name().to_owned(),
            version: self.version,
            actor: self.actor,
            token_id: self.token_id,
            request_id: self.request_id,
            origin: self.origin,
            occurred_at: self.occurred_at.to_rfc3339(),
            changes: self
                .changes
                .into_iter()
                .map(|c| revdir_api::journal::FieldChange { field: c.field, before: c.before, after: c.after })
                .collect(),
            unchanged,
            cleared,
            event_type: self.event_type,
            snapshot: self.object,
        }
    }

    /// Fields of the object the change left as they were.
    pub fn unchanged_fields(&self) -> Vec<String> {
        let Some(obj) = self.object.as_ref().and_then(Value::as_object) else { return Vec::new() };
        let mut out: Vec<String> =
            obj.keys().filter(|k| !self.changes.iter().any(|c| &c.field == *k)).cloned().collect();
        out.sort();
        out
    }

    /// Fields an update cleared: set before, empty after (absent, `null`, `""`, `[]` or `{}`).
    pub fn cleared_fields(&self) -> Vec<String> {
        if self.operation != Operation::Updated {
            return Vec::new();
        }
        self.changes.iter().filter(|c| is_empty(&c.after) && !is_empty(&c.before)).map(|c| c.field.clone()).collect()
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Which journal entries a read wants; every given criterion must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalFilter {
    /// Only changes of these objects (DONs).
    pub objects: Option<Vec<String>>,
    /// Only changes of these families.
    pub kinds: Option<Vec<ObjectKind>>,
    /// Only changes made by these actors (DONs).
    pub actors: Option<Vec<String>>,
    /// Only these operations.
    pub operations: Option<Vec<Operation>>,
    /// Only changes made in this time range.
    pub occurred_at: Option<TimeRange>,
    /// Only changes made with this origin.
    pub origins: Option<Vec<String>>,
}

/// Where a journal read resumes: after the change with this id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct JournalCursor {
    /// The id of the last change read.
    pub id: i64,
}

impl JournalCursor {
    /// The cursor's text form.
    pub fn encode(self) -> String {
        self.id.to_string()
    }

    /// Parses a cursor a journal read returned.
    ///
    /// # Errors
    /// `bad_request` naming `cursor` for any other text.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.parse::<i64>() {
            Ok(id) if id >= 0 => Ok(Self { id }),
            _ => Err(ValidationError::not_permitted("cursor", "the cursor is not one this journal returned")),
        }
    }
}

/// One page of journal entries, and where the next read resumes.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalPage {
    /// The entries, oldest first.
    pub entries: Vec<JournalEntry>,
    /// The position after the last entry returned (or the one given, when none were).
    pub next_cursor: JournalCursor,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_diff_names_changed_added_and_removed_fields() {
        let before = json!({"id": "x", "display_name": "Ada", "email": "a@x", "modified_date": "1"});
        let after = json!({"id": "x", "display_name": "Ada L.", "phone_numbers": ["+1"], "modified_date": "2"});
        let d = diff_fields(Some(&before), Some(&after));
        let names: Vec<&str> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, ["display_name", "email", "modified_date", "phone_numbers"]);
        assert_eq!(d[1].after, Value::Null);
        assert_eq!(rebuild_before(&after, &d), before);
    }

    #[test]
    fn a_write_that_only_restamps_changes_nothing() {
        let before = json!({"id": "x", "display_name": "Ada", "modified_date": "1"});
        let after = json!({"id": "x", "display_name": "Ada", "modified_date": "2"});
        assert!(diff_fields(Some(&before), Some(&after)).is_empty());
    }

    #[test]
    fn sys_users_emit_no_events() {
        assert_eq!(event_type(ObjectKind::SysUser, Operation::Updated), None);
        assert_eq!(event_type(ObjectKind::RevUser, Operation::Deleted).as_deref(), Some("rev_user_deleted"));
    }

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let c = JournalCursor { id: 42 };
        assert_eq!(JournalCursor::parse(&c.encode()).unwrap(), c);
        assert!(JournalCursor::parse("-1").is_err());
        assert!(JournalCursor::parse("a.b").is_err());
    }
}
