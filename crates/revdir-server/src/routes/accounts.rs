//! `/accounts.*`: create (with its default workspace), get, list, export, update, delete (§8.1).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::accounts::{
    AccountsCreateRequest, AccountsCreateResponse, AccountsDeleteRequest, AccountsExportRequest,
    AccountsExportResponse, AccountsGetRequest, AccountsGetResponse, AccountsListRequest, AccountsListResponse,
    AccountsUpdateRequest, AccountsUpdateResponse,
};
use revdir_api::common::Empty;
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::orgs::{AccountDraft, AccountFilter, AccountPatch, ORG_SORTABLE};
use revdir_core::pagination::PageRequest;

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts.create", post(accounts_create))
        .route("/accounts.get", get(accounts_get).post(accounts_get))
        .route("/accounts.list", get(accounts_list).post(accounts_list))
        .route("/accounts.export", get(accounts_export).post(accounts_export))
        .route("/accounts.update", post(accounts_update))
        .route("/accounts.delete", post(accounts_delete))
}

async fn accounts_create(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<AccountsCreateRequest>,
) -> ApiResult<(StatusCode, Json<AccountsCreateResponse>)> {
    let draft = AccountDraft::try_from(&req)?;
    let (account, workspace) = app.store.create_account(&scope, draft, scope.now).await?;
    Ok((
        StatusCode::CREATED,
        Json(AccountsCreateResponse {
            account: account.render(&scope.dev_org),
            default_rev_org: workspace.render(&scope.dev_org),
        }),
    ))
}

async fn accounts_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<AccountsGetRequest>,
) -> ApiResult<Json<AccountsGetResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::Account)?;
    let view = app.store.get_account(&scope, &id).await?;
    Ok(Json(AccountsGetResponse { account: view.render(&scope.dev_org) }))
}

async fn accounts_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<AccountsListRequest>,
) -> ApiResult<Json<AccountsListResponse>> {
    let filter = AccountFilter::parse(&scope.dev_org, &req)?;
    let page = PageRequest::parse(req.cursor.as_deref(), req.limit, req.mode, req.sort_by.as_deref(), ORG_SORTABLE)?;
    let page = app.store.list_accounts(&scope, filter, page).await?;
    Ok(Json(AccountsListResponse {
        accounts: page.items.iter().map(|v| v.render(&scope.dev_org)).collect(),
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }))
}

/// §8.1: the list's filters and `sort_by`, the first `first` accounts (ascending id
/// without `sort_by`), no cursor (docs/API-CONVENTIONS.md entry 100).
async fn accounts_export(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<AccountsExportRequest>,
) -> ApiResult<Json<AccountsExportResponse>> {
    let filter = AccountFilter::parse_export(&scope.dev_org, &req)?;
    let page = PageRequest::export(req.first, req.sort_by.as_deref(), ORG_SORTABLE)?;
    let page = app.store.list_accounts(&scope, filter, page).await?;
    Ok(Json(AccountsExportResponse { accounts: page.items.iter().map(|v| v.render(&scope.dev_org)).collect() }))
}

async fn accounts_update(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<AccountsUpdateRequest>,
) -> ApiResult<Json<AccountsUpdateResponse>> {
    let patch = AccountPatch::try_from(&req)?;
    let view = app.store.update_account(&scope, patch, scope.now).await?;
    Ok(Json(AccountsUpdateResponse { account: view.render(&scope.dev_org) }))
}

async fn accounts_delete(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<AccountsDeleteRequest>,
) -> ApiResult<Json<Empty>> {
    let id = parse_id("id", &req.id, ObjectKind::Account)?;
    app.store.delete_account(&scope, &id, scope.now).await?;
    Ok(Json(Empty {}))
}
