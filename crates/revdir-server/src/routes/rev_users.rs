//! `/rev-users.*`: create, get, list, scan, update, delete (§5.1, §7).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::rev_users::{
    RevUsersCreateRequest, RevUsersCreateResponse, RevUsersDeleteRequest, RevUsersGetRequest, RevUsersGetResponse,
    RevUsersListRequest, RevUsersListResponse, RevUsersScanRequest, RevUsersScanResponse, RevUsersUpdateRequest,
    RevUsersUpdateResponse,
};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::pagination::PageRequest;
use revdir_core::scope::SignedCaller;
use revdir_core::time::Timestamp;
use revdir_core::users::{RevUserDraft, RevUserFilter, RevUserPatch, UserView, REV_USER_SORTABLE};

use crate::error::{ApiError, ApiResult};
use crate::extract::auth::{Caller, Scope};
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rev-users.create", post(rev_users_create))
        .route("/rev-users.get", get(rev_users_get).post(rev_users_get))
        .route("/rev-users.list", get(rev_users_list).post(rev_users_list))
        .route("/rev-users.scan", get(rev_users_scan).post(rev_users_scan))
        .route("/rev-users.update", post(rev_users_update))
        .route("/rev-users.delete", post(rev_users_delete))
}

async fn rev_users_create(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevUsersCreateRequest>,
) -> ApiResult<(StatusCode, Json<RevUsersCreateResponse>)> {
    let draft = RevUserDraft::try_from(&req)?;
    let view = app.store.create_rev_user(&scope, draft, scope.now).await?;
    Ok((StatusCode::CREATED, Json(RevUsersCreateResponse { rev_user: view.render_rev_user(&scope.dev_org) })))
}

async fn rev_users_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<RevUsersGetRequest>,
) -> ApiResult<Json<RevUsersGetResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::RevUser)?;
    revdir_core::authz::may_read_rev_user(&scope.actor, &scope.dev_org, &id)?;
    let view = app.store.get_rev_user(&scope, &id).await?;
    Ok(Json(RevUsersGetResponse { rev_user: view.render_rev_user(&scope.dev_org) }))
}

async fn rev_users_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<RevUsersListRequest>,
) -> ApiResult<Json<RevUsersListResponse>> {
    let filter = RevUserFilter::parse(&scope.dev_org, &req)?;
    let page =
        PageRequest::parse(req.cursor.as_deref(), req.limit, req.mode, req.sort_by.as_deref(), REV_USER_SORTABLE)?;
    let page = app.store.list_rev_users(&scope, filter, page).await?;
    Ok(Json(RevUsersListResponse {
        rev_users: page.items.iter().map(|v| v.render_rev_user(&scope.dev_org)).collect(),
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }))
}

/// §7: the list's filters, in ascending id order, by pages of `SCAN_PAGE_SIZE`
/// (docs/API-CONVENTIONS.md entries 98 and 99).
async fn rev_users_scan(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<RevUsersScanRequest>,
) -> ApiResult<Json<RevUsersScanResponse>> {
    let filter = RevUserFilter::parse_scan(&scope.dev_org, &req)?;
    let page = PageRequest::scan(req.cursor.as_deref())?;
    let page = app.store.scan_rev_users(&scope, filter, page).await?;
    Ok(Json(RevUsersScanResponse {
        rev_users: page.items.iter().map(|v| v.render_rev_user(&scope.dev_org)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// §5.1: the heart of the product. Omitted fields stay; lists are replaced whole.
///
/// A patch of the contact's own row, from a caller known by its token's signature, runs as
/// one statement that checks the token's record too. Anything else, and any refusal or
/// error of that attempt, takes the usual path: check the token's record, then update, so
/// every answer but success comes after the record check.
async fn rev_users_update(
    caller: Caller,
    State(app): State<AppState>,
    body: Result<ApiJson<RevUsersUpdateRequest>, ApiError>,
) -> ApiResult<Json<RevUsersUpdateResponse>> {
    if let (Caller::Signed(signed, now), Ok(ApiJson(req))) = (&caller, &body) {
        if let Some(view) = update_in_one_statement(&app, signed, *now, req).await? {
            return Ok(Json(RevUsersUpdateResponse { rev_user: view.render_rev_user(&signed.dev_org) }));
        }
    }
    let scope = caller.authenticate(&app).await?;
    let ApiJson(req) = body?;
    let id = parse_id("id", &req.id, ObjectKind::RevUser)?;
    let patch = RevUserPatch::try_from(&req)?;
    revdir_core::authz::may_update_rev_user(&scope.actor, &scope.dev_org, &id, &patch)?;
    let view = app.store.update_rev_user(&scope, &id, patch, scope.now).await?;
    Ok(Json(RevUsersUpdateResponse { rev_user: view.render_rev_user(&scope.dev_org) }))
}

/// The one-statement update of `rev_users_update`; `Ok(None)` when the request needs the
/// usual path. Errors of the store pass through: the statement ran in the caller's dev org
/// only, so they tell nothing about any other.
async fn update_in_one_statement(
    app: &AppState,
    caller: &SignedCaller,
    now: Timestamp,
    req: &RevUsersUpdateRequest,
) -> ApiResult<Option<UserView>> {
    let Ok(id) = parse_id("id", &req.id, ObjectKind::RevUser) else { return Ok(None) };
    let Ok(patch) = RevUserPatch::try_from(req) else { return Ok(None) };
    if revdir_core::authz::may_update_rev_user(&caller.actor, &caller.dev_org, &id, &patch).is_err() {
        return Ok(None);
    }
    Ok(app.store.update_rev_user_row_as(caller, &id, &patch, now).await?)
}

async fn rev_users_delete(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevUsersDeleteRequest>,
) -> ApiResult<Json<Empty>> {
    let id = parse_id("id", &req.id, ObjectKind::RevUser)?;
    app.store.delete_rev_user(&scope, &id, scope.now).await?;
    Ok(Json(Empty {}))
}
