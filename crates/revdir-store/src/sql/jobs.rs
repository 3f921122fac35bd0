//! Background jobs (`JobStore`): queueing with the checks a request answers at once, claims
//! under a lease and a fence (as webhook deliveries), and the fenced run of merges and
//! erasures, each one transaction with the journal entries of what it changed.

use revdir_core::jobs::{self_merge, ClaimedJob, JobDone, JobFilter, JobKind, JobRecord, MergePair};
use serde_json::json;

use super::merges::{merge_accounts, merge_rev_users};
use super::personal_data::{erase_personal_data, export_artifact, personal_data_document};
use super::*;

const JOB_COLS: &str = "id, kind, state, payload, attempts, created_at, finished_at, result, last_error";

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    state: String,
    payload: String,
    attempts: i64,
    created_at: i64,
    finished_at: Option<i64>,
    result: Option<String>,
    last_error: Option<String>,
}

impl JobRow {
    fn into_record(self) -> JobRecord {
        JobRecord {
            id: self.id,
            kind: self.kind,
            state: self.state,
            payload: serde_json::from_str(&self.payload).unwrap_or(Value::Null),
            attempts: self.attempts,
            created: Timestamp::from_millis(self.created_at),
            finished: self.finished_at.map(Timestamp::from_millis),
            result: self.result.and_then(|r| serde_json::from_str(&r).ok()),
            error: self.last_error,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    dev_org_id: String,
    kind: String,
    payload: String,
    actor_kind: String,
    actor_id: i64,
    token_id: Option<String>,
    request_id: Option<String>,
    origin: Option<String>,
    attempts: i64,
    fence: i64,
}

impl ClaimRow {
    fn into_claimed(self, now: Timestamp) -> Option<ClaimedJob> {
        let kind = JobKind::parse(&self.kind)?;
        let actor_kind = ObjectKind::from_don_type(&self.actor_kind)?;
        Some(ClaimedJob {
            id: self.id,
            kind,
            payload: serde_json::from_str(&self.payload).unwrap_or(Value::Null),
            scope: DevOrgScope {
                dev_org: self.dev_org_id,
                actor: UserRef { kind: actor_kind, id: self.actor_id },
                actor_summary: None,
                token_id: self.token_id.unwrap_or_default(),
                context: ChangeContext { request_id: self.request_id, origin: self.origin },
                now,
            },
            attempts: self.attempts,
            fence: self.fence,
        })
    }
}

/// Queues a job on behalf of the caller; answers its id.
async fn insert_job(
    conn: &mut Conn,
    scope: &DevOrgScope,
    kind: JobKind,
    payload: &Value,
    now: Timestamp,
) -> StoreResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO jobs (dev_org_id, kind, payload, actor_kind, actor_id, token_id, request_id, origin, state, \
         run_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $9) RETURNING id",
    )
    .bind(&scope.dev_org)
    .bind(kind.as_str())
    .bind(payload.to_string())
    .bind(code(scope.actor.kind))
    .bind(scope.actor.id)
    .bind(&scope.token_id)
    .bind(&scope.context.request_id)
    .bind(&scope.context.origin)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

/// A contact's verified flag, or the 404 naming it as the caller wrote it.
async fn contact_verified(conn: &mut Conn, org: &str, id: &ParsedId) -> StoreResult<(i64, bool)> {
    let n = number_or_404(org, ObjectKind::RevUser, id)?;
    let row: Option<(bool,)> =
        sqlx::query_as("SELECT is_verified FROM users WHERE dev_org_id = $1 AND kind = 'revu' AND id = $2")
            .bind(org)
            .bind(n)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
    row.map(|(v,)| (n, v)).ok_or_else(|| not_found(ObjectKind::RevUser, id))
}

/// §7: an unverified contact is never merged into a verified one.
pub(super) fn check_verified(primary_verified: bool, secondary_verified: bool) -> StoreResult<()> {
    if primary_verified && !secondary_verified {
        return Err(StoreError::Invalid(ValidationError::not_permitted(
            "secondary_user",
            "an unverified contact cannot be merged into a verified one",
        )));
    }
    Ok(())
}

/// Checks the job still belongs to this claim and locks it; `false` when another worker
/// took it since (its fence moved) or it ended.
async fn still_ours(conn: &mut Conn, job: &ClaimedJob) -> StoreResult<bool> {
    let row: Option<(i64, String)> =
        sqlx::query_as(&format!("SELECT fence, state FROM jobs WHERE id = $1{FOR_UPDATE}"))
            .bind(job.id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
    Ok(matches!(row, Some((fence, state)) if fence == job.fence && state == "running"))
}

/// Marks a job done under its fence, in the transaction of its work.
pub(super) async fn finish_job(
    conn: &mut Conn,
    job: &ClaimedJob,
    result: Option<&Value>,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query::<Db>(
        "UPDATE jobs SET state = 'done', result = $3, finished_at = $4, lease_until = NULL, lease_owner = NULL WHERE \
         id = $1 AND fence = $2",
    )
    .bind(job.id)
    .bind(job.fence)
    .bind(result.map(Value::to_string))
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl JobStore for Backend {
    async fn queue_rev_user_merge(&self, scope: &DevOrgScope, pair: MergePair, now: Timestamp) -> StoreResult<i64> {
        let p = &pair;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let (primary, primary_verified) = contact_verified(tx, org, &p.primary).await?;
                let (secondary, secondary_verified) = contact_verified(tx, org, &p.secondary).await?;
                if primary == secondary {
                    return Err(self_merge("secondary_user").into());
                }
                check_verified(primary_verified, secondary_verified)?;
                let payload = json!({"primary": primary, "secondary": secondary});
                insert_job(tx, scope, JobKind::RevUsersMerge, &payload, now).await
            })
        })
        .await
    }

    async fn queue_account_merge(&self, scope: &DevOrgScope, pair: MergePair, now: Timestamp) -> StoreResult<i64> {
        let p = &pair;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let mut numbers = Vec::with_capacity(2);
                for id in [&p.primary, &p.secondary] {
                    let n = number_or_404(org, ObjectKind::Account, id)?;
                    fetch_account_row(tx, org, n).await?.ok_or_else(|| not_found(ObjectKind::Account, id))?;
                    numbers.push(n);
                }
                if numbers[0] == numbers[1] {
                    return Err(self_merge("secondary_account").into());
                }
                let payload = json!({"primary": numbers[0], "secondary": numbers[1]});
                insert_job(tx, scope, JobKind::AccountsMerge, &payload, now).await
            })
        })
        .await
    }

    async fn queue_personal_data(
        &self,
        scope: &DevOrgScope,
        email: &str,
        kind: JobKind,
        now: Timestamp,
    ) -> StoreResult<i64> {
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let users: Vec<(i64,)> = sqlx::query_as(
                    "SELECT id FROM users WHERE dev_org_id = $1 AND kind = 'revu' AND email_lower = $2 ORDER BY id",
                )
                .bind(org)
                .bind(email)
                .fetch_all(&mut **tx)
                .await
                .map_err(db_err)?;
                if users.is_empty() {
                    // The address is not echoed: answers, like logs, never carry personal data.
                    return Err(StoreError::NotFound("no contact has this email".into()));
                }
                let payload = json!({"users": users.into_iter().map(|(n,)| n).collect::<Vec<_>>()});
                insert_job(tx, scope, kind, &payload, now).await
            })
        })
        .await
    }

    async fn claim_jobs(
        &self,
        node: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        org_clocks: bool,
    ) -> StoreResult<Vec<ClaimedJob>> {
        // Most looks find nothing due: a read answers that without taking a write lock.
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let due_at = |now: &str| due("run_at", now, "jobs", org_clocks);
        let due_row: Option<(i64,)> = sqlx::query_as(&format!(
            "SELECT id FROM jobs WHERE (state = 'queued' AND {}) OR (state = 'running' AND lease_until < $1) LIMIT 1",
            due_at("$1")
        ))
        .bind(now.millis())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        conn.release();
        if due_row.is_none() {
            return Ok(Vec::new());
        }
        let claim = format!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, fence = fence + 1, attempts = \
             attempts + 1 WHERE id IN (SELECT id FROM jobs WHERE (state = 'queued' AND {}) OR (state = 'running' AND \
             lease_until < $3) ORDER BY id LIMIT $4{SKIP_LOCKED}) RETURNING id, dev_org_id, kind, payload, \
             actor_kind, actor_id, token_id, request_id, origin, attempts, fence",
            due_at("$3")
        );
        let claim = &claim;
        self.write(|tx| {
            Box::pin(async move {
                let rows: Vec<ClaimRow> = sqlx::query_as(claim)
                    .bind(node)
                    .bind(lease_until.millis())
                    .bind(now.millis())
                    .bind(i64::from(limit))
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(db_err)?;
                let mut out: Vec<ClaimedJob> = rows.into_iter().filter_map(|r| r.into_claimed(now)).collect();
                out.sort_by_key(|j| j.id);
                Ok(out)
            })
        })
        .await
    }

    async fn run_job(&self, job: &ClaimedJob, now: Timestamp) -> StoreResult<Option<JobDone>> {
        self.write(|tx| {
            Box::pin(async move {
                if !still_ours(tx, job).await? {
                    return Ok(None);
                }
                let done = match job.kind {
                    JobKind::RevUsersMerge => merge_rev_users(tx, job, now).await?,
                    JobKind::AccountsMerge => merge_accounts(tx, job, now).await?,
                    JobKind::PersonalDataErasure => erase_personal_data(tx, job, now).await?,
                    JobKind::PersonalDataExport => {
                        return Err(StoreError::Internal(anyhow::anyhow!("an export runs through finish_export")))
                    }
                };
                finish_job(tx, job, done.result.as_ref(), now).await?;
                Ok(Some(done))
            })
        })
        .await
    }

    async fn gather_personal_data(&self, job: &ClaimedJob) -> StoreResult<Value> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        personal_data_document(&mut tx, &job.scope.dev_org, &job.users()).await
    }

    async fn finish_export(
        &self,
        job: &ClaimedJob,
        file_name: &str,
        upload: Upload,
        now: Timestamp,
    ) -> StoreResult<Option<JobDone>> {
        let upload = &upload;
        self.write(|tx| {
            Box::pin(async move {
                if !still_ours(tx, job).await? {
                    return Ok(None);
                }
                let artifact = export_artifact(tx, job, file_name, upload, now).await?;
                let result = json!({"artifact": artifact});
                finish_job(tx, job, Some(&result), now).await?;
                Ok(Some(JobDone { result: Some(result), orphaned_blobs: Vec::new() }))
            })
        })
        .await
    }

    async fn fail_job(
        &self,
        job: &ClaimedJob,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                let (state, run_at, finished) = match retry_at {
                    Some(at) => ("queued", at.millis(), None),
                    None => ("failed", now.millis(), Some(now.millis())),
                };
                sqlx::query::<Db>(
                    "UPDATE jobs SET state = $3, run_at = $4, finished_at = $5, last_error = $6, lease_until = NULL, \
                     lease_owner = NULL WHERE id = $1 AND fence = $2 AND state = 'running'",
                )
                .bind(job.id)
                .bind(job.fence)
                .bind(state)
                .bind(run_at)
                .bind(finished)
                .bind(error)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                Ok(())
            })
        })
        .await
    }

    async fn get_job(&self, scope: &DevOrgScope, id: &str) -> StoreResult<JobRecord> {
        let gone = || StoreError::NotFound(format!("no job {id}"));
        let n: i64 = id.parse().map_err(|_| gone())?;
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let row: Option<JobRow> =
            sqlx::query_as(&format!("SELECT {JOB_COLS} FROM jobs WHERE dev_org_id = $1 AND id = $2"))
                .bind(&scope.dev_org)
                .bind(n)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_err)?;
        conn.release();
        row.map(JobRow::into_record).ok_or_else(gone)
    }

    async fn list_jobs(&self, scope: &DevOrgScope, filter: &JobFilter) -> StoreResult<Vec<JobRecord>> {
        let mut sql = Sql::new("");
        let o = sql.text_arg(&scope.dev_org);
        sql.push(&format!("SELECT {JOB_COLS} FROM jobs WHERE dev_org_id = {o}"));
        if let Some(kind) = &filter.kind {
            let k = sql.text_arg(kind);
            sql.push(&format!(" AND kind = {k}"));
        }
        if let Some(state) = &filter.state {
            let s = sql.text_arg(state);
            sql.push(&format!(" AND state = {s}"));
        }
        let limit = sql.int_arg(i64::from(filter.limit));
        sql.push(&format!(" ORDER BY id DESC LIMIT {limit}"));
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let rows: Vec<JobRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
        conn.release();
        Ok(rows.into_iter().map(JobRow::into_record).collect())
    }

    async fn job_queue_depth(&self) -> StoreResult<i64> {
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
            .fetch_one(&mut *conn)
            .await
            .map_err(db_err)?;
        conn.release();
        Ok(n)
    }
}

/// Whether an account exists (read, not locked).
async fn fetch_account_row(conn: &mut Conn, org: &str, n: i64) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM accounts WHERE dev_org_id = $1 AND id = $2")
        .bind(org)
        .bind(n)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(row.map(|(n,)| n))
}
