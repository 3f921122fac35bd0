//! `/rev-orgs.*`: create, get (by id or an account's default), list, update, delete (§8.1).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::rev_orgs::{
    RevOrgsCreateRequest, RevOrgsCreateResponse, RevOrgsDeleteRequest, RevOrgsGetRequest, RevOrgsGetResponse,
    RevOrgsListRequest, RevOrgsListResponse, RevOrgsUpdateRequest, RevOrgsUpdateResponse,
};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::orgs::{RevOrgDraft, RevOrgFilter, RevOrgPatch, ORG_SORTABLE};
use revdir_core::pagination::PageRequest;
use revdir_core::ValidationError;

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rev-orgs.create", post(rev_orgs_create))
        .route("/rev-orgs.get", get(rev_orgs_get).post(rev_orgs_get))
        .route("/rev-orgs.list", get(rev_orgs_list).post(rev_orgs_list))
        .route("/rev-orgs.update", post(rev_orgs_update))
        .route("/rev-orgs.delete", post(rev_orgs_delete))
}

async fn rev_orgs_create(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevOrgsCreateRequest>,
) -> ApiResult<(StatusCode, Json<RevOrgsCreateResponse>)> {
    let draft = RevOrgDraft::try_from(&req)?;
    let view = app.store.create_rev_org(&scope, draft, scope.now).await?;
    Ok((StatusCode::CREATED, Json(RevOrgsCreateResponse { rev_org: view.render(&scope.dev_org) })))
}

async fn rev_orgs_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<RevOrgsGetRequest>,
) -> ApiResult<Json<RevOrgsGetResponse>> {
    let view = match (&req.id, &req.account) {
        (Some(id), _) => app.store.get_rev_org(&scope, &parse_id("id", id, ObjectKind::RevOrg)?).await?,
        (None, Some(a)) => app.store.get_default_rev_org(&scope, &parse_id("account", a, ObjectKind::Account)?).await?,
        (None, None) => return Err(ValidationError::missing("id").into()),
    };
    Ok(Json(RevOrgsGetResponse { rev_org: view.render(&scope.dev_org) }))
}

async fn rev_orgs_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<RevOrgsListRequest>,
) -> ApiResult<Json<RevOrgsListResponse>> {
    let filter = RevOrgFilter::parse(&scope.dev_org, &req)?;
    let page = PageRequest::parse(req.cursor.as_deref(), req.limit, req.mode, req.sort_by.as_deref(), ORG_SORTABLE)?;
    let page = app.store.list_rev_orgs(&scope, filter, page).await?;
    Ok(Json(RevOrgsListResponse {
        rev_orgs: page.items.iter().map(|v| v.render(&scope.dev_org)).collect(),
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }))
}

async fn rev_orgs_update(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevOrgsUpdateRequest>,
) -> ApiResult<Json<RevOrgsUpdateResponse>> {
    let patch = RevOrgPatch::try_from(&req)?;
    let view = app.store.update_rev_org(&scope, patch, scope.now).await?;
    Ok(Json(RevOrgsUpdateResponse { rev_org: view.render(&scope.dev_org) }))
}

async fn rev_orgs_delete(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RevOrgsDeleteRequest>,
) -> ApiResult<Json<Empty>> {
    let id = parse_id("id", &req.id, ObjectKind::RevOrg)?;
    app.store.delete_rev_org(&scope, &id, scope.now).await?;
    Ok(Json(Empty {}))
}
