//! The operations answered at once and finished by a background job (§7, §8.1): merges and
//! personal-data export and erasure, plus revdir's own `/_revdir/jobs.*` to watch them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `rev-users-merge-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevUsersMergeRequest {
    /// The contact that stays.
    pub primary_user: String,
    /// The contact merged into it and then deleted.
    pub secondary_user: String,
}

/// `accounts-merge-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsMergeRequest {
    /// The account that stays.
    pub primary_account: String,
    /// The account merged into it and then deleted.
    pub secondary_account: String,
}

/// `get-rev-users-personal-data-request` and `delete-rev-users-personal-data-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevUsersPersonalDataRequest {
    /// Whose data: every contact of the dev org with this email (case-insensitive).
    pub email: String,
}

/// `/_revdir/jobs.get` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobsGetRequest {
    /// The job's id, as the `X-Revdir-Job` header of the request that queued it gave it.
    pub id: String,
}

/// `/_revdir/jobs.list` request: the caller's org's jobs, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobsListRequest {
    /// Only jobs of this kind (`rev_users.merge`, `accounts.merge`, `rev_users.personal_data`,
    /// `rev_users.delete_personal_data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Only jobs in this state (`queued`, `running`, `done`, `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// At most this many (default 50, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

/// A background job as `/_revdir/jobs.*` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Its id.
    pub id: String,
    /// What it does.
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// What it acts on (object DONs; never an email).
    pub input: Value,
    /// How many times a worker took it.
    pub attempts: i64,
    /// When it was queued.
    pub created_date: String,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_date: Option<String>,
    /// What it produced (for an export, the artifact holding it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `/_revdir/jobs.get` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobsGetResponse {
    /// The job.
    pub job: Job,
}

/// `/_revdir/jobs.list` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobsListResponse {
    /// The jobs, newest first.
    pub jobs: Vec<Job>,
}

/// `/_revdir/jobs.wait` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobsWaitRequest {
    /// The job.
    pub id: String,
    /// Longest wait in milliseconds (default 10,000, at most 25,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}
