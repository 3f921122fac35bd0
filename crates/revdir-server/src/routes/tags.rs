//! `/tags.*`: create, get, list, update, delete (§8.3).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::tags::{
    TagsCreateRequest, TagsCreateResponse, TagsDeleteRequest, TagsGetRequest, TagsGetResponse, TagsListRequest,
    TagsListResponse, TagsUpdateRequest, TagsUpdateResponse,
};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::pagination::PageRequest;
use revdir_core::tags::{TagDraft, TagPatch, SORTABLE};

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tags.create", post(tags_create))
        .route("/tags.get", get(tags_get).post(tags_get))
        .route("/tags.list", get(tags_list).post(tags_list))
        .route("/tags.update", post(tags_update))
        .route("/tags.delete", post(tags_delete))
}

async fn tags_create(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<TagsCreateRequest>,
) -> ApiResult<(StatusCode, Json<TagsCreateResponse>)> {
    let draft = TagDraft::try_from(&req)?;
    let view = app.store.create_tag(&scope, draft, scope.now).await?;
    Ok((StatusCode::CREATED, Json(TagsCreateResponse { tag: view.render(&scope.dev_org) })))
}

async fn tags_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<TagsGetRequest>,
) -> ApiResult<Json<TagsGetResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::Tag)?;
    let view = app.store.get_tag(&scope, &id).await?;
    Ok(Json(TagsGetResponse { tag: view.render(&scope.dev_org) }))
}

async fn tags_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<TagsListRequest>,
) -> ApiResult<Json<TagsListResponse>> {
    let page = PageRequest::parse(req.cursor.as_deref(), req.limit, req.mode, req.sort_by.as_deref(), SORTABLE)?;
    let page = app.store.list_tags(&scope, req.name, page).await?;
    Ok(Json(TagsListResponse {
        tags: page.items.iter().map(|v| v.render(&scope.dev_org)).collect(),
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }))
}

async fn tags_update(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<TagsUpdateRequest>,
) -> ApiResult<Json<TagsUpdateResponse>> {
    let patch = TagPatch::try_from(&req)?;
    let view = app.store.update_tag(&scope, patch, scope.now).await?;
    Ok(Json(TagsUpdateResponse { tag: view.render(&scope.dev_org) }))
}

async fn tags_delete(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<TagsDeleteRequest>,
) -> ApiResult<Json<Empty>> {
    let id = parse_id("id", &req.id, ObjectKind::Tag)?;
    app.store.delete_tag(&scope, &id, scope.now).await?;
    Ok(Json(Empty {}))
}
