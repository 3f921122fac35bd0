//! `/dev-orgs.get` and `/dev-users.self`: who the caller is.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use revdir_api::dev_orgs::{DevOrgsGetRequest, DevOrgsGetResponse};
use revdir_api::dev_users::{DevUsersSelfRequest, DevUsersSelfResponse};
use revdir_core::ids::ObjectKind;

use crate::error::{ApiError, ApiResult};
use crate::extract::auth::Scope;
use crate::extract::ApiInput;
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dev-orgs.get", get(dev_orgs_get).post(dev_orgs_get))
        .route("/dev-users.self", get(dev_users_self).post(dev_users_self))
}

async fn dev_orgs_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(_req): ApiInput<DevOrgsGetRequest>,
) -> ApiResult<Json<DevOrgsGetResponse>> {
    let org = app.store.get_dev_org(&scope).await?;
    Ok(Json(DevOrgsGetResponse { dev_org: org.render() }))
}

async fn dev_users_self(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(_req): ApiInput<DevUsersSelfRequest>,
) -> ApiResult<Json<DevUsersSelfResponse>> {
    if scope.actor.kind != ObjectKind::DevUser {
        return Err(ApiError::Forbidden("only a dev user's token has a dev user self".into()));
    }
    let view = app.store.get_dev_user(&scope, scope.actor.id).await?;
    Ok(Json(DevUsersSelfResponse { dev_user: view.render_dev_user(&scope.dev_org) }))
}
