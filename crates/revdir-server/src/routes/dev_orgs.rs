//! `/dev-orgs.get`: the caller's dev org (`/dev-users.self` is in `dev_users.rs`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use revdir_api::dev_orgs::{DevOrgsGetRequest, DevOrgsGetResponse};

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::ApiInput;
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/dev-orgs.get", get(dev_orgs_get).post(dev_orgs_get))
}

async fn dev_orgs_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(_req): ApiInput<DevOrgsGetRequest>,
) -> ApiResult<Json<DevOrgsGetResponse>> {
    let org = app.store.get_dev_org(&scope).await?;
    Ok(Json(DevOrgsGetResponse { dev_org: org.render() }))
}
