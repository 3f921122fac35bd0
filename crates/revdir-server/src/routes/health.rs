//! `/_revdir/health` and `/_revdir/ready`: probes for load balancers and orchestrators.
//! Neither needs a token, and neither says anything about any org.

use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use revdir_core::StoreError;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Longest the readiness check waits for the database: a hung database is "not ready",
/// answered well within a probe's usual timeout, never a hanging probe.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The probe routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/_revdir/health", get(health)).route("/_revdir/ready", get(ready))
}

/// 200 while the process serves; touches nothing else.
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database answers within [`READY_TIMEOUT`] and holds exactly this binary's
/// migrations and the server is not shutting down; otherwise 503 `service_unavailable` with
/// the reason in `detail`.
async fn ready(State(app): State<AppState>) -> ApiResult<Json<Value>> {
    if app.is_shutting_down() {
        return Err(ApiError::Unavailable("the server is shutting down".into()));
    }
    match tokio::time::timeout(READY_TIMEOUT, app.store.readiness()).await {
        Err(_) => {
            Err(ApiError::Unavailable(format!("the database did not answer within {} s", READY_TIMEOUT.as_secs())))
        }
        Ok(Err(StoreError::Unavailable(reason))) => Err(ApiError::Unavailable(reason)),
        // Any other failure is "not ready" too; its detail goes to the log, not to the
        // unauthenticated caller.
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::Unavailable("the readiness check failed".into()))
        }
        Ok(Ok(())) => Ok(Json(json!({ "status": "ready" }))),
    }
}
