//! The operations DevRev answers at once and finishes in the background (§7, §8.1):
//! `rev-users.merge`, `accounts.merge`, `rev-users.personal-data` and
//! `rev-users.delete-personal-data`, each `200 {}` with the queued job's id in `X-Revdir-Job`;
//! and `/_revdir/jobs.get`, `.list` and `.wait` to watch jobs (API-CONVENTIONS entries 94–97).

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::jobs::{
    AccountsMergeRequest, JobsGetRequest, JobsGetResponse, JobsListRequest, JobsListResponse, JobsWaitRequest,
    RevUsersMergeRequest, RevUsersPersonalDataRequest,
};
use revdir_core::jobs::{personal_data_email, JobFilter, JobKind, MergePair, JOB_STATES};
use revdir_core::ValidationError;

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The header naming the job a request queued.
pub const JOB_HEADER: &str = "x-revdir-job";
/// Jobs a list answers unless asked otherwise.
const DEFAULT_LIMIT: u32 = 50;
/// Most jobs a list answers.
const MAX_LIMIT: u32 = 100;
/// How long a wait lasts unless asked otherwise.
const DEFAULT_WAIT: Duration = Duration::from_secs(10);
/// Longest wait a request may ask for; below the server's request timeout.
const MAX_WAIT: Duration = Duration::from_secs(25);
/// How often a wait looks again.
const WAIT_POLL: Duration = Duration::from_millis(25);

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rev-users.merge", post(rev_users_merge))
        .route("/accounts.merge", post(accounts_merge))
        .route("/rev-users.personal-data", post(personal_data))
        .route("/rev-users.delete-personal-data", post(delete_personal_data))
        .route("/_revdir/jobs.get", get(jobs_get).post(jobs_get))
        .route("/_revdir/jobs.list", get(jobs_list).post(jobs_list))
        .route("/_revdir/jobs.wait", post(jobs_wait))
}

/// `200 {}`, naming the queued job in a header, and the local worker woken.
fn queued(app: &AppState, job: i64) -> Response {
    app.wake_jobs();
    let mut response = Json(Empty {}).into_response();
    if let Ok(v) = HeaderValue::from_str(&job.to_string()) {
        response.headers_mut().insert(JOB_HEADER, v);
    }
    response
}

async fn rev_users_merge(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevUsersMergeRequest>,
) -> ApiResult<Response> {
    let pair = MergePair::try_from(&req)?;
    let job = app.store.queue_rev_user_merge(&scope, pair, scope.now).await?;
    Ok(queued(&app, job))
}

async fn accounts_merge(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<AccountsMergeRequest>,
) -> ApiResult<Response> {
    let pair = MergePair::try_from(&req)?;
    let job = app.store.queue_account_merge(&scope, pair, scope.now).await?;
    Ok(queued(&app, job))
}

async fn personal_data(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevUsersPersonalDataRequest>,
) -> ApiResult<Response> {
    let email = personal_data_email(&req.email)?;
    let job = app.store.queue_personal_data(&scope, &email, JobKind::PersonalDataExport, scope.now).await?;
    Ok(queued(&app, job))
}

async fn delete_personal_data(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevUsersPersonalDataRequest>,
) -> ApiResult<Response> {
    let email = personal_data_email(&req.email)?;
    let job = app.store.queue_personal_data(&scope, &email, JobKind::PersonalDataErasure, scope.now).await?;
    Ok(queued(&app, job))
}

async fn jobs_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<JobsGetRequest>,
) -> ApiResult<Json<JobsGetResponse>> {
    let job = app.store.get_job(&scope, &req.id).await?;
    Ok(Json(JobsGetResponse { job: job.render(&scope.dev_org) }))
}

async fn jobs_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<JobsListRequest>,
) -> ApiResult<Json<JobsListResponse>> {
    if let Some(kind) = req.kind.as_deref().filter(|k| JobKind::parse(k).is_none()) {
        let allowed = JobKind::ALL.iter().map(|k| k.as_str().to_owned()).collect();
        return Err(ValidationError::not_in("kind", format!("{kind} is no job kind"), allowed).into());
    }
    if let Some(state) = req.state.as_deref().filter(|s| !JOB_STATES.contains(s)) {
        let allowed = JOB_STATES.iter().map(|s| (*s).to_owned()).collect();
        return Err(ValidationError::not_in("state", format!("{state} is no job state"), allowed).into());
    }
    let limit = match req.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => u32::try_from(n).unwrap_or(MAX_LIMIT),
        Some(_) => return Err(ValidationError::not_permitted("limit", format!("must be 1 to {MAX_LIMIT}")).into()),
    };
    let filter = JobFilter { kind: req.kind, state: req.state, limit };
    let jobs = app.store.list_jobs(&scope, &filter).await?;
    Ok(Json(JobsListResponse { jobs: jobs.iter().map(|j| j.render(&scope.dev_org)).collect() }))
}

/// Answers the job once it is done or failed, or as it is when the wait runs out, so a
/// test waits for a job without sleeping.
async fn jobs_wait(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<JobsWaitRequest>,
) -> ApiResult<Json<JobsGetResponse>> {
    let wait = match req.timeout_ms {
        None => DEFAULT_WAIT,
        Some(ms) if ms <= MAX_WAIT.as_millis() as u64 => Duration::from_millis(ms),
        Some(_) => {
            return Err(ValidationError::not_permitted(
                "timeout_ms",
                format!("must be at most {}", MAX_WAIT.as_millis()),
            )
            .into())
        }
    };
    let deadline = Instant::now() + wait;
    loop {
        let job = app.store.get_job(&scope, &req.id).await?;
        if matches!(job.state.as_str(), "done" | "failed") || Instant::now() >= deadline {
            return Ok(Json(JobsGetResponse { job: job.render(&scope.dev_org) }));
        }
        tokio::time::sleep(WAIT_POLL).await;
    }
}
