//! Background jobs (§7, §8.1, `../shared/ARCHITECTURE.md` §9): what `rev-users.merge`,
//! `accounts.merge` and the personal-data operations queue, and how `/_revdir/jobs.*`
//! shows them. A job names objects by local id in its dev org, never by email.

use revdir_api::jobs::{AccountsMergeRequest, Job, RevUsersMergeRequest};
use serde_json::{json, Value};

use crate::error::ValidationError;
use crate::ids::{don, parse_id, ObjectKind, ParsedId};
use crate::scope::DevOrgScope;
use crate::time::Timestamp;
use crate::values;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// `rev-users.merge`: `{primary, secondary}` contact numbers.
    RevUsersMerge,
    /// `accounts.merge`: `{primary, secondary}` account numbers.
    AccountsMerge,
    /// `rev-users.personal-data`: `{users: [..]}` contact numbers.
    PersonalDataExport,
    /// `rev-users.delete-personal-data`: `{users: [..]}` contact numbers.
    PersonalDataErasure,
}

impl JobKind {
    /// Every kind, for parsing.
    pub const ALL: [JobKind; 4] =
        [JobKind::RevUsersMerge, JobKind::AccountsMerge, JobKind::PersonalDataExport, JobKind::PersonalDataErasure];

    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::RevUsersMerge => "rev_users.merge",
            JobKind::AccountsMerge => "accounts.merge",
            JobKind::PersonalDataExport => "rev_users.personal_data",
            JobKind::PersonalDataErasure => "rev_users.delete_personal_data",
        }
    }

    /// The kind a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Where a job is.
pub const JOB_STATES: &[&str] = &["queued", "running", "done", "failed"];

/// Two objects of one kind to merge: the secondary goes into the primary. Whether both name
/// the same object is known only in the caller's org (a DON and a display id may), so the
/// store checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergePair {
    /// The object that stays.
    pub primary: ParsedId,
    /// The object merged into it and deleted.
    pub secondary: ParsedId,
}

fn merge_pair(
    kind: ObjectKind,
    (primary_field, primary): (&str, &str),
    (secondary_field, secondary): (&str, &str),
) -> Result<MergePair, ValidationError> {
    Ok(MergePair {
        primary: parse_id(primary_field, primary, kind)?,
        secondary: parse_id(secondary_field, secondary, kind)?,
    })
}

impl TryFrom<&RevUsersMergeRequest> for MergePair {
    type Error = ValidationError;
    fn try_from(r: &RevUsersMergeRequest) -> Result<Self, Self::Error> {
        merge_pair(ObjectKind::RevUser, ("primary_user", &r.primary_user), ("secondary_user", &r.secondary_user))
    }
}

impl TryFrom<&AccountsMergeRequest> for MergePair {
    type Error = ValidationError;
    fn try_from(r: &AccountsMergeRequest) -> Result<Self, Self::Error> {
        merge_pair(
            ObjectKind::Account,
            ("primary_account", &r.primary_account),
            ("secondary_account", &r.secondary_account),
        )
    }
}

/// The 400 of a merge of an object into itself.
pub fn self_merge(secondary_field: &str) -> ValidationError {
    ValidationError::not_permitted(secondary_field, "cannot merge an object into itself")
}

/// Parses the `email` of a personal-data request; the match is case-insensitive.
///
/// # Errors
/// 400 when it is blank.
pub fn personal_data_email(email: &str) -> Result<String, ValidationError> {
    Ok(values::non_blank("email", email)?.to_lowercase())
}

/// A job a worker took: what to do, on whose behalf, and the fence its outcome must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// The job.
    pub id: i64,
    /// What it does.
    pub kind: JobKind,
    /// Its input.
    pub payload: Value,
    /// The requester, as the journal records the job's changes.
    pub scope: DevOrgScope,
    /// How many times a worker took it, this time included.
    pub attempts: i64,
    /// Bumped by every claim; only the current holder may record an outcome.
    pub fence: i64,
}

impl ClaimedJob {
    /// The payload's `field` as a number.
    pub fn number(&self, field: &str) -> Option<i64> {
        self.payload.get(field).and_then(Value::as_i64)
    }

    /// The payload's `users` list.
    pub fn users(&self) -> Vec<i64> {
        self.payload
            .get("users")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    }
}

/// A stored job, for `/_revdir/jobs.*`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// Its id.
    pub id: i64,
    /// What it does (the stored name).
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// Its input.
    pub payload: Value,
    /// Claims so far.
    pub attempts: i64,
    /// When it was queued.
    pub created: Timestamp,
    /// When it ended.
    pub finished: Option<Timestamp>,
    /// What it produced.
    pub result: Option<Value>,
    /// Why it failed.
    pub error: Option<String>,
}

fn dons(kind: ObjectKind, org: &str, v: Option<&Value>) -> Value {
    match v {
        Some(Value::Number(n)) => Value::from(don(kind, org, n)),
        Some(Value::Array(a)) => Value::Array(a.iter().map(|n| dons(kind, org, Some(n))).collect()),
        _ => Value::Null,
    }
}

impl JobRecord {
    /// Renders the job, its object numbers as DONs of dev org `org`.
    pub fn render(&self, org: &str) -> Job {
        let p = &self.payload;
        let input = match JobKind::parse(&self.kind) {
            Some(JobKind::RevUsersMerge) => json!({
                "primary_user": dons(ObjectKind::RevUser, org, p.get("primary")),
                "secondary_user": dons(ObjectKind::RevUser, org, p.get("secondary")),
            }),
            Some(JobKind::AccountsMerge) => json!({
                "primary_account": dons(ObjectKind::Account, org, p.get("primary")),
                "secondary_account": dons(ObjectKind::Account, org, p.get("secondary")),
            }),
            Some(JobKind::PersonalDataExport | JobKind::PersonalDataErasure) => {
                json!({ "rev_users": dons(ObjectKind::RevUser, org, p.get("users")) })
            }
            None => Value::Null,
        };
        let result = self.result.as_ref().map(|r| match r.get("artifact").and_then(Value::as_i64) {
            Some(n) => json!({ "artifact": don(ObjectKind::Artifact, org, n) }),
            None => r.clone(),
        });
        Job {
            id: self.id.to_string(),
            kind: self.kind.clone(),
            state: self.state.clone(),
            input,
            attempts: self.attempts,
            created_date: self.created.to_rfc3339(),
            finished_date: self.finished.map(Timestamp::to_rfc3339),
            result,
            error: self.error.clone(),
        }
    }
}

/// What a finished job leaves behind for the worker.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobDone {
    /// Stored as the job's result.
    pub result: Option<Value>,
    /// External blob keys whose records the job deleted, to remove from the object store.
    pub orphaned_blobs: Vec<String>,
}

/// The filters of `/_revdir/jobs.list`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this state.
    pub state: Option<String>,
    /// At most this many.
    pub limit: u32,
}
