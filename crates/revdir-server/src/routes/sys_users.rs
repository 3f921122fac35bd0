//! `/sys-users.*`: list and update (§5.2, §8.2). Sys users cannot be created through the API.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::sys_users::{SysUsersListRequest, SysUsersListResponse, SysUsersUpdateRequest, SysUsersUpdateResponse};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::pagination::PageRequest;
use revdir_core::users::{SysUserPatch, SYS_USER_SORTABLE};

use crate::error::ApiResult;
use crate::extract::auth::Scope;
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

async fn sys_users_update(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<SysUsersUpdateRequest>,
) -> ApiResult<Json<SysUsersUpdateResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::SysUser)?;
    let patch = SysUserPatch::try_from(&req)?;
    let view = app.store.update_sys_user(&scope, &id, patch, app.now()).await?;
    Ok(Json(SysUsersUpdateResponse { sys_user: view.render_sys_user(&scope.dev_org) }))
}
