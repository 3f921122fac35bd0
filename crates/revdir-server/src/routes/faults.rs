//! `/_revdir/faults.set`, `.list`, `.clear` (`--emulator` only): the caller's org's fault
//! plan, for any token that may call every operation of its org (dev users and sys users).
//! [`crate::middleware::faults`] applies it.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::faults::{FaultsListResponse, FaultsSetRequest};
use revdir_core::faults::{parse_rules, FaultRuleRecord};

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::ApiJson;
use crate::state::AppState;

/// The fault plan's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_revdir/faults.set", post(faults_set))
        .route("/_revdir/faults.list", post(faults_list))
        .route("/_revdir/faults.clear", post(faults_clear))
}

fn render(org: &str, rules: &[FaultRuleRecord]) -> Json<FaultsListResponse> {
    Json(FaultsListResponse { rules: rules.iter().map(|r| r.render(org)).collect() })
}

#[tracing::instrument(skip_all)]
async fn faults_set(
    State(app): State<AppState>,
    Scope(scope): Scope,
    ApiJson(req): ApiJson<FaultsSetRequest>,
) -> ApiResult<Json<FaultsListResponse>> {
    let rules = parse_rules(&scope.dev_org, &req)?;
    let stored = app.store.set_faults(&scope, &rules).await?;
    tracing::info!(dev_org = %scope.dev_org, rules = stored.len(), "fault plan set");
    Ok(render(&scope.dev_org, &stored))
}

#[tracing::instrument(skip_all)]
async fn faults_list(
    State(app): State<AppState>,
    Scope(scope): Scope,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Json<FaultsListResponse>> {
    let rules = app.store.list_faults(&scope).await?;
    Ok(render(&scope.dev_org, &rules))
}

#[tracing::instrument(skip_all)]
async fn faults_clear(
    State(app): State<AppState>,
    Scope(scope): Scope,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Json<Empty>> {
    app.store.clear_faults(&scope).await?;
    tracing::info!(dev_org = %scope.dev_org, "fault plan cleared");
    Ok(Json(Empty {}))
}
