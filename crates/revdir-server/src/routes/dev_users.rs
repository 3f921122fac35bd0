//! `/dev-users.*`: create (shadow), get, list, update, self, self.update, activate,
//! deactivate, identities.link/unlink and merge (§8.2).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::dev_users::{
    DevUsersActivateRequest, DevUsersActivateResponse, DevUsersCreateRequest, DevUsersCreateResponse,
    DevUsersDeactivateRequest, DevUsersDeactivateResponse, DevUsersGetRequest, DevUsersGetResponse,
    DevUsersIdentitiesLinkRequest, DevUsersIdentitiesLinkResponse, DevUsersIdentitiesUnlinkRequest,
    DevUsersIdentitiesUnlinkResponse, DevUsersListRequest, DevUsersListResponse, DevUsersMergeRequest,
    DevUsersMergeResponse, DevUsersSelfRequest, DevUsersSelfResponse, DevUsersSelfUpdateRequest,
    DevUsersSelfUpdateResponse, DevUsersUpdateRequest, DevUsersUpdateResponse,
};
use revdir_core::authz;
use revdir_core::dev_users::{
    DevUserDraft, DevUserFilter, DevUserMerge, DevUserPatch, IdentityLink, IdentityUnlink, StateChange,
    DEV_USER_SORTABLE,
};
use revdir_core::ids::{parse_id, ObjectKind, ParsedId};
use revdir_core::pagination::PageRequest;
use revdir_core::ValidationError;

use crate::error::{ApiError, ApiResult};
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dev-users.create", post(dev_users_create))
        .route("/dev-users.get", get(dev_users_get).post(dev_users_get))
        .route("/dev-users.list", get(dev_users_list).post(dev_users_list))
        .route("/dev-users.update", post(dev_users_update))
        .route("/dev-users.self", get(dev_users_self).post(dev_users_self))
        .route("/dev-users.self.update", post(dev_users_self_update))
        .route("/dev-users.activate", post(dev_users_activate))
        .route("/dev-users.deactivate", post(dev_users_deactivate))
        .route("/dev-users.identities.link", post(dev_users_identities_link))
        .route("/dev-users.identities.unlink", post(dev_users_identities_unlink))
        .route("/dev-users.merge", post(dev_users_merge))
}

/// `dev-users.update` and `dev-users.self.update` declare no 404: an unknown user there is a
/// value not permitted (docs/API-CONVENTIONS.md, entry 39).
fn unknown_is_invalid(field: &'static str) -> impl FnOnce(ApiError) -> ApiError {
    move |e| match e {
        ApiError::NotFound(m) => ApiError::BadRequest(ValidationError::not_permitted(field, m)),
        other => other,
    }
}

async fn dev_users_create(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DevUsersCreateRequest>,
) -> ApiResult<(StatusCode, Json<DevUsersCreateResponse>)> {
    let draft = DevUserDraft::try_from(&req)?;
    let view = app.store.create_dev_user(&scope, draft, scope.now).await?;
    Ok((StatusCode::CREATED, Json(DevUsersCreateResponse { dev_user: view.render(&scope.dev_org) })))
}

async fn dev_users_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<DevUsersGetRequest>,
) -> ApiResult<Json<DevUsersGetResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::DevUser)?;
    let view = app.store.dev_user(&scope, &id).await?;
    Ok(Json(DevUsersGetResponse { dev_user: view.render(&scope.dev_org) }))
}

async fn dev_users_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<DevUsersListRequest>,
) -> ApiResult<Json<DevUsersListResponse>> {
    let filter = DevUserFilter::parse(&req, scope.now)?;
    let page =
        PageRequest::parse(req.cursor.as_deref(), req.limit, req.mode, req.sort_by.as_deref(), DEV_USER_SORTABLE)?;
    let page = app.store.list_dev_users(&scope, filter, page).await?;
    Ok(Json(DevUsersListResponse {
        dev_users: page.items.iter().map(|v| v.render(&scope.dev_org)).collect(),
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }))
}

async fn dev_users_update(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DevUsersUpdateRequest>,
) -> ApiResult<Json<DevUsersUpdateResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::DevUser)?;
    let patch = DevUserPatch::try_from(&req)?;
    let view = app
        .store
        .update_dev_user(&scope, &id, patch, scope.now)
        .await
        .map_err(ApiError::from)
        .map_err(unknown_is_invalid("id"))?;
    Ok(Json(DevUsersUpdateResponse { dev_user: view.render(&scope.dev_org) }))
}

/// The caller's own dev user id, as a parsed id.
fn me(scope: &revdir_core::DevOrgScope) -> ApiResult<ParsedId> {
    authz::may_act_as_dev_user(&scope.actor)?;
    Ok(ParsedId { org: Some(scope.dev_org.clone()), local: scope.actor.id.to_string() })
}

async fn dev_users_self(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(_req): ApiInput<DevUsersSelfRequest>,
) -> ApiResult<Json<DevUsersSelfResponse>> {
    let id = me(&scope)?;
    let view = app.store.dev_user(&scope, &id).await?;
    Ok(Json(DevUsersSelfResponse { dev_user: view.render(&scope.dev_org) }))
}

async fn dev_users_self_update(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DevUsersSelfUpdateRequest>,
) -> ApiResult<Json<DevUsersSelfUpdateResponse>> {
    let id = me(&scope)?;
    let patch = DevUserPatch::try_from(&req)?;
    let view = app
        .store
        .update_dev_user(&scope, &id, patch, scope.now)
        .await
        .map_err(ApiError::from)
        .map_err(unknown_is_invalid("id"))?;
    Ok(Json(DevUsersSelfUpdateResponse { dev_user: view.render(&scope.dev_org) }))
}

async fn dev_users_activate(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DevUsersActivateRequest>,
) -> ApiResult<Json<DevUsersActivateResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::DevUser)?;
    // revdir has no groups, so any group named is a reference to nothing (entry 4).
    if let Some(group) = req.groups.as_deref().and_then(<[String]>::first) {
        return Err(ValidationError::not_permitted("groups[0]", format!("group {group} does not exist")).into());
    }
    let view = app.store.change_dev_user_state(&scope, &id, StateChange::Activate, scope.now).await?;
    Ok(Json(DevUsersActivateResponse { invite_sent: false, dev_user: Some(view.render(&scope.dev_org)) }))
}

async fn dev_users_deactivate(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DevUsersDeactivateRequest>,
) -> ApiResult<Json<DevUsersDeactivateResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::DevUser)?;
    app.store.change_dev_user_state(&scope, &id, StateChange::Deactivate, scope.now).await?;
    Ok(Json(DevUsersDeactivateResponse {}))
}

async fn dev_users_identities_link(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DevUsersIdentitiesLinkRequest>,
) -> ApiResult<Json<DevUsersIdentitiesLinkResponse>> {
    let link = IdentityLink::try_from(&req)?;
    let view = app.store.link_identity(&scope, link, scope.now).await?;
    Ok(Json(DevUsersIdentitiesLinkResponse { dev_user: view.render(&scope.dev_org) }))
}

async fn dev_users_identities_unlink(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DevUsersIdentitiesUnlinkRequest>,
) -> ApiResult<Json<DevUsersIdentitiesUnlinkResponse>> {
    let unlink = IdentityUnlink::try_from(&req)?;
    let view = app.store.unlink_identity(&scope, unlink, scope.now).await?;
    Ok(Json(DevUsersIdentitiesUnlinkResponse { dev_user: view.render(&scope.dev_org) }))
}

/// §8.2: synchronous here; the answer comes once the merge is committed.
async fn dev_users_merge(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DevUsersMergeRequest>,
) -> ApiResult<Json<DevUsersMergeResponse>> {
    let merge = DevUserMerge::try_from(&req)?;
    app.store.merge_dev_users(&scope, merge, scope.now).await?;
    Ok(Json(DevUsersMergeResponse {}))
}
