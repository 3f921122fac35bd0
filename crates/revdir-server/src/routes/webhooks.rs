//! `/webhooks.*`: create, get, list, update, delete, fetch (§8.7). `webhooks.event` is the
//! receiver's contract, not an operation DevRev serves, so it is not routed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::webhooks::{
    WebhooksCreateRequest, WebhooksCreateResponse, WebhooksDeleteRequest, WebhooksFetchRequest, WebhooksGetRequest,
    WebhooksGetResponse, WebhooksListRequest, WebhooksListResponse, WebhooksUpdateRequest, WebhooksUpdateResponse,
};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::webhooks::{WebhookDraft, WebhookFetch, WebhookPatch};

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks.create", post(webhooks_create))
        .route("/webhooks.get", get(webhooks_get).post(webhooks_get))
        .route("/webhooks.list", get(webhooks_list).post(webhooks_list))
        .route("/webhooks.update", post(webhooks_update))
        .route("/webhooks.delete", post(webhooks_delete))
        .route("/webhooks.fetch", post(webhooks_fetch))
}

async fn webhooks_create(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<WebhooksCreateRequest>,
) -> ApiResult<(StatusCode, Json<WebhooksCreateResponse>)> {
    let draft = WebhookDraft::try_from(&req)?;
    app.url_policy.check(&draft.url).await?;
    let view = app.store.create_webhook(&scope, draft, scope.now).await?;
    Ok((StatusCode::CREATED, Json(WebhooksCreateResponse { webhook: view.render(&scope.dev_org) })))
}

async fn webhooks_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<WebhooksGetRequest>,
) -> ApiResult<Json<WebhooksGetResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::Webhook)?;
    let view = app.store.get_webhook(&scope, &id).await?;
    Ok(Json(WebhooksGetResponse { webhook: view.render(&scope.dev_org) }))
}

async fn webhooks_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(_): ApiInput<WebhooksListRequest>,
) -> ApiResult<Json<WebhooksListResponse>> {
    let views = app.store.list_webhooks(&scope).await?;
    Ok(Json(WebhooksListResponse { webhooks: views.iter().map(|v| v.render(&scope.dev_org)).collect() }))
}

async fn webhooks_update(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<WebhooksUpdateRequest>,
) -> ApiResult<Json<WebhooksUpdateResponse>> {
    let patch = WebhookPatch::try_from(&req)?;
    if let Some(url) = &patch.url {
        app.url_policy.check(url).await?;
    }
    let view = app.store.update_webhook(&scope, patch, scope.now).await?;
    Ok(Json(WebhooksUpdateResponse { webhook: view.render(&scope.dev_org) }))
}

async fn webhooks_delete(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<WebhooksDeleteRequest>,
) -> ApiResult<Json<Empty>> {
    let id = parse_id("id", &req.id, ObjectKind::Webhook)?;
    app.store.delete_webhook(&scope, &id, scope.now).await?;
    Ok(Json(Empty {}))
}

async fn webhooks_fetch(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<WebhooksFetchRequest>,
) -> ApiResult<Json<Empty>> {
    let fetch = WebhookFetch::parse(&req)?;
    app.store.fetch_for_webhook(&scope, fetch, scope.now).await?;
    Ok(Json(Empty {}))
}
