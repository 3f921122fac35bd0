//! `/rev-users.associations.*`, `/rev-users.link` and `/rev-users.unlink`: a contact's
//! memberships of accounts and rev orgs (§7; API-CONVENTIONS entry 93).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::rev_user_associations::{
    RevUserRevOrgLinkRequest, RevUserRevOrgLinkResponse, RevUsersAssociationsAddRequest,
    RevUsersAssociationsListRequest, RevUsersAssociationsListResponse, RevUsersAssociationsRemoveRequest,
};
use revdir_core::associations::{render_association, AssociationChange, RevOrgLink};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::pagination::PageRequest;

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rev-users.associations.add", post(associations_add))
        .route("/rev-users.associations.list", get(associations_list).post(associations_list))
        .route("/rev-users.associations.remove", post(associations_remove))
        .route("/rev-users.link", post(link))
        .route("/rev-users.unlink", post(unlink))
}

async fn associations_add(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevUsersAssociationsAddRequest>,
) -> ApiResult<(StatusCode, Json<Empty>)> {
    let change = AssociationChange::try_from(&req)?;
    app.store.add_associations(&scope, change, scope.now).await?;
    Ok((StatusCode::CREATED, Json(Empty {})))
}

async fn associations_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<RevUsersAssociationsListRequest>,
) -> ApiResult<Json<RevUsersAssociationsListResponse>> {
    let rev_user = parse_id("rev_user_id", &req.rev_user_id, ObjectKind::RevUser)?;
    let page = PageRequest::parse(req.cursor.as_deref(), req.limit, req.mode, None, &[])?;
    let page = app.store.list_associations(&scope, &rev_user, page).await?;
    Ok(Json(RevUsersAssociationsListResponse {
        associations: page.items.iter().map(|a| render_association(a, &scope.dev_org)).collect(),
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }))
}

/// §7: 204 with no body (the spec also attaches an empty schema; entry 93).
async fn associations_remove(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevUsersAssociationsRemoveRequest>,
) -> ApiResult<StatusCode> {
    let change = AssociationChange::try_from(&req)?;
    app.store.remove_associations(&scope, change, scope.now).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn link(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevUserRevOrgLinkRequest>,
) -> ApiResult<Json<RevUserRevOrgLinkResponse>> {
    let link = RevOrgLink::try_from(&req)?;
    let view = app.store.link_rev_org(&scope, link, scope.now).await?;
    Ok(Json(RevUserRevOrgLinkResponse { rev_user: view.render_rev_user(&scope.dev_org) }))
}

async fn unlink(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevUserRevOrgLinkRequest>,
) -> ApiResult<Json<RevUserRevOrgLinkResponse>> {
    let link = RevOrgLink::try_from(&req)?;
    let view = app.store.unlink_rev_org(&scope, link, scope.now).await?;
    Ok(Json(RevUserRevOrgLinkResponse { rev_user: view.render_rev_user(&scope.dev_org) }))
}
