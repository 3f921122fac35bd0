//! `/sys-users.*`: list and update (§5.2, §8.2). Sys users cannot be created through the API.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::sys_users::{SysUsersListRequest, SysUsersListResponse, SysUsersUpdateRequest, SysUsersUpdateResponse};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::pagination::PageRequest;
use revdir_core::scope::SignedCaller;
use revdir_core::time::Timestamp;
use revdir_core::users::{SysUserPatch, UserView, SYS_USER_SORTABLE};

use crate::error::{ApiError, ApiResult};
use crate::extract::auth::{Caller, Scope};
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sys-users.list", get(sys_users_list).post(sys_users_list))
        .route("/sys-users.update", post(sys_users_update))
}

async fn sys_users_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<SysUsersListRequest>,
) -> ApiResult<Json<SysUsersListResponse>> {
    let page =
        PageRequest::parse(req.cursor.as_deref(), req.limit, req.mode, req.sort_by.as_deref(), SYS_USER_SORTABLE)?;
    let page = app.store.list_sys_users(&scope, page).await?;
    Ok(Json(SysUsersListResponse {
        sys_users: page.items.iter().map(|v| v.render_sys_user(&scope.dev_org)).collect(),
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }))
}

/// As `rev-users.update`: a patch of the sys user's own row, from a caller known by its
/// token's signature, runs as one statement that checks the token's record too; anything
/// else takes the usual path, which checks the record before any other answer.
async fn sys_users_update(
    caller: Caller,
    State(app): State<AppState>,
    body: Result<ApiJson<SysUsersUpdateRequest>, ApiError>,
) -> ApiResult<Json<SysUsersUpdateResponse>> {
    if let (Caller::Signed(signed, now), Ok(ApiJson(req))) = (&caller, &body) {
        if let Some(view) = update_in_one_statement(&app, signed, *now, req).await? {
            return Ok(Json(SysUsersUpdateResponse { sys_user: view.render_sys_user(&signed.dev_org) }));
        }
    }
    let scope = caller.authenticate(&app).await?;
    let ApiJson(req) = body?;
    let id = parse_id("id", &req.id, ObjectKind::SysUser)?;
    let patch = SysUserPatch::try_from(&req)?;
    let view = app.store.update_sys_user(&scope, &id, patch, scope.now).await?;
    Ok(Json(SysUsersUpdateResponse { sys_user: view.render_sys_user(&scope.dev_org) }))
}

/// The one-statement update of `sys_users_update`; `Ok(None)` when the request needs the
/// usual path.
async fn update_in_one_statement(
    app: &AppState,
    caller: &SignedCaller,
    now: Timestamp,
    req: &SysUsersUpdateRequest,
) -> ApiResult<Option<UserView>> {
    let Ok(id) = parse_id("id", &req.id, ObjectKind::SysUser) else { return Ok(None) };
    let Ok(patch) = SysUserPatch::try_from(req) else { return Ok(None) };
    Ok(app.store.update_sys_user_row_as(caller, &id, &patch, now).await?)
}
