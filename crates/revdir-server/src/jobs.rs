//! The background job worker (`../shared/ARCHITECTURE.md` §9), one per node, the same loop as
//! webhook deliveries: it claims due jobs under a lease, runs each through the store (a merge
//! or an erasure is one fenced transaction; an export is gathered, its bytes stored, then
//! recorded in one fenced transaction) and records failures for a retry or for good. A
//! request that queues a job wakes it; polling backs that up and serves other nodes' jobs.

use std::sync::Arc;
use std::time::Duration;

use object_store::path::Path as ObjectPath;
use object_store::ObjectStoreExt as _;
use revdir_core::artifacts::{BlobLocation, Upload};
use revdir_core::ids::{display_id, ObjectKind};
use revdir_core::jobs::{ClaimedJob, JobDone, JobKind};
use revdir_core::time::Timestamp;
use revdir_core::StoreError;
use tokio::sync::Notify;

use crate::artifacts::BlobBackend;
use crate::state::AppState;

/// How often the worker looks for due jobs when nothing wakes it.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Jobs claimed per look; each runs to its end before the next look.
const CLAIM_BATCH: u32 = 8;
/// Claims a job gets before a failure is final, however transient it looked.
const MAX_ATTEMPTS: i64 = 5;

/// How jobs run on this node.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// Whether the worker runs on this node.
    pub enabled: bool,
    /// How long a claim lasts before another worker may take the job over.
    pub lease: Duration,
    /// Wait before a job that failed transiently is tried again.
    pub retry_delay: Duration,
}

impl Default for JobConfig {
    fn default() -> Self {
        Self { enabled: true, lease: Duration::from_secs(60), retry_delay: Duration::from_secs(5) }
    }
}

fn later(now: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_millis(now.millis() + i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2))
}

/// Runs the worker until the process ends.
pub async fn run(app: AppState, config: JobConfig, wake: Arc<Notify>) {
    let node = uuid::Uuid::new_v4().to_string();
    loop {
        let now = revdir_core::clock::system_now();
        let claimed = match app.store.claim_jobs(&node, now, later(now, config.lease), CLAIM_BATCH, app.emulator).await
        {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "claiming jobs failed");
                Vec::new()
            }
        };
        let full = claimed.len() == CLAIM_BATCH as usize;
        for job in claimed {
            run_one(&app, &config, job).await;
        }
        if !full {
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL_INTERVAL) => {}
            }
        }
    }
}

async fn run_one(app: &AppState, config: &JobConfig, mut job: ClaimedJob) {
    let started = revdir_core::clock::system_now();
    // What the job changes is stamped with its org's time (the org's clock under the
    // emulator), as the request's own changes would have been.
    if let Ok(now) = crate::extract::auth::org_now(app, &job.scope.dev_org).await {
        job.scope.now = now;
    }
    let outcome = match job.kind {
        JobKind::PersonalDataExport => export(app, &job).await,
        _ => app.store.run_job(&job, job.scope.now).await,
    };
    let kind = job.kind.as_str();
    match outcome {
        Ok(Some(done)) => {
            app.artifacts.remove_objects(done.orphaned_blobs.clone()).await;
            metrics::counter!(crate::metrics::JOBS_TOTAL, "kind" => kind, "outcome" => "done").increment(1);
            // Names the job and what it produced, never whose data it was.
            let artifact = done.result.as_ref().and_then(|r| r.get("artifact")).and_then(serde_json::Value::as_i64);
            tracing::info!(
                job = job.id,
                kind,
                artifact = artifact.and_then(|a| display_id(ObjectKind::Artifact, a)),
                elapsed_ms = revdir_core::clock::system_now().millis() - started.millis(),
                "job done"
            );
        }
        Ok(None) => tracing::info!(job = job.id, kind, "job taken over by another worker; its outcome is theirs"),
        Err(e) => {
            let transient = matches!(e, StoreError::Unavailable(_) | StoreError::Internal(_));
            let retry_at = (transient && job.attempts < MAX_ATTEMPTS).then(|| later(job.scope.now, config.retry_delay));
            let outcome = if retry_at.is_some() { "retry" } else { "failed" };
            metrics::counter!(crate::metrics::JOBS_TOTAL, "kind" => kind, "outcome" => outcome).increment(1);
            tracing::warn!(job = job.id, kind, error = %e, outcome, "job did not finish");
            if let Err(e) = app.store.fail_job(&job, &e.to_string(), retry_at, revdir_core::clock::system_now()).await {
                tracing::warn!(job = job.id, error = %e, "recording a job's failure failed; its lease will expire");
            }
        }
    }
}

/// Gathers an export, stores its bytes where artifacts live, and records it.
async fn export(app: &AppState, job: &ClaimedJob) -> Result<Option<JobDone>, StoreError> {
    let document = app.store.gather_personal_data(job).await?;
    let bytes = serde_json::to_vec_pretty(&document).map_err(|e| StoreError::Internal(e.into()))?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let file_name = format!("personal-data-{}.json", job.id);
    let location = match &app.artifacts.blobs {
        BlobBackend::Database => BlobLocation::Inline(bytes),
        BlobBackend::ObjectStore { store, prefix } => {
            let name = format!("{}/exports/job-{}-{}", job.scope.dev_org, job.id, uuid::Uuid::new_v4().simple());
            let key = if prefix.as_ref().is_empty() {
                ObjectPath::from(name)
            } else {
                ObjectPath::from(format!("{prefix}/{name}"))
            };
            store.put(&key, bytes.into()).await.map_err(|e| StoreError::Unavailable(format!("object store: {e}")))?;
            BlobLocation::External(key.to_string())
        }
    };
    let upload = Upload { location, size, content_type: Some("application/json".to_owned()) };
    app.store.finish_export(job, &file_name, upload, job.scope.now).await
}
