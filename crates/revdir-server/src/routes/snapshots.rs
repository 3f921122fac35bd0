//! The emulator's snapshots and reset (`--emulator` only; API-CONVENTIONS entries 110–116):
//! `/_revdir/snapshots.create/restore/list/delete {name}` and `/_revdir/orgs.reset {}`. Each
//! acts on the caller's dev org, for its dev users' and sys users' tokens (`Scope` applies
//! `authz::may_call`), and is one store call, one transaction.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::snapshots::{Snapshot, SnapshotNameRequest, SnapshotResponse, SnapshotsListResponse};
use revdir_core::snapshots::{SnapshotName, SnapshotRecord};

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::ApiJson;
use crate::state::AppState;

/// The snapshot and reset routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_revdir/snapshots.create", post(snapshots_create))
        .route("/_revdir/snapshots.restore", post(snapshots_restore))
        .route("/_revdir/snapshots.list", post(snapshots_list))
        .route("/_revdir/snapshots.delete", post(snapshots_delete))
        .route("/_revdir/orgs.reset", post(orgs_reset))
}

fn render(r: SnapshotRecord) -> Snapshot {
    Snapshot { name: r.name, created_date: r.created_date.to_rfc3339(), rows: r.rows }
}

#[tracing::instrument(skip_all)]
async fn snapshots_create(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<SnapshotNameRequest>,
) -> ApiResult<(StatusCode, Json<SnapshotResponse>)> {
    let name = SnapshotName::parse(req.name.as_deref())?;
    let snapshot = app.store.create_snapshot(&scope, &name, scope.now).await?;
    Ok((StatusCode::CREATED, Json(SnapshotResponse { snapshot: render(snapshot) })))
}

#[tracing::instrument(skip_all)]
async fn snapshots_restore(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<SnapshotNameRequest>,
) -> ApiResult<Json<SnapshotResponse>> {
    let name = SnapshotName::parse(req.name.as_deref())?;
    let snapshot = app.store.restore_snapshot(&scope, &name).await?;
    // Deliveries the restored state has pending are due at once (API-CONVENTIONS 114).
    app.wake_deliveries();
    app.wake_jobs();
    Ok(Json(SnapshotResponse { snapshot: render(snapshot) }))
}

#[tracing::instrument(skip_all)]
async fn snapshots_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Json<SnapshotsListResponse>> {
    let snapshots = app.store.list_snapshots(&scope).await?;
    Ok(Json(SnapshotsListResponse { snapshots: snapshots.into_iter().map(render).collect() }))
}

#[tracing::instrument(skip_all)]
async fn snapshots_delete(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<SnapshotNameRequest>,
) -> ApiResult<Json<Empty>> {
    let name = SnapshotName::parse(req.name.as_deref())?;
    app.store.delete_snapshot(&scope, &name).await?;
    Ok(Json(Empty {}))
}

#[tracing::instrument(skip_all)]
async fn orgs_reset(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Json<Empty>> {
    app.store.reset_org(&scope).await?;
    // Right after creation an org has no fault plan and runs on the system clock.
    app.store.clear_faults(&scope).await?;
    app.store.set_org_clock(&scope.dev_org, revdir_core::clock::OrgClock::default()).await?;
    app.wake_deliveries();
    app.wake_jobs();
    Ok(Json(Empty {}))
}
