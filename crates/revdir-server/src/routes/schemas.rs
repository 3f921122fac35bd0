//! `/schemas.*`: custom fragments (set, get, list), stock fragments (get, list), aggregated
//! schemas, subtypes and subtype changes (§6).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::schemas::{
    AggregatedSchemaGetRequest, AggregatedSchemaGetResponse, CustomSchemaFragmentsGetRequest,
    CustomSchemaFragmentsGetResponse, CustomSchemaFragmentsListRequest, CustomSchemaFragmentsListRequestPrune,
    CustomSchemaFragmentsListResponse, CustomSchemaFragmentsSetRequest, CustomSchemaFragmentsSetResponse,
    SchemasSubtypePrepareUpdateGetRequest, SchemasSubtypePrepareUpdateGetResponse, StockSchemaFragmentsGetRequest,
    StockSchemaFragmentsGetResponse, StockSchemaFragmentsListRequest, StockSchemaFragmentsListRequestPrune,
    StockSchemaFragmentsListResponse, SubtypesListRequest, SubtypesListResponse,
};
use revdir_core::custom::CustomState;
use revdir_core::custom::{
    aggregate, parse_fragment_id, parse_leaf_types, parse_stock_id, prepare_subtype_change, stock_fragment, stock_page,
    subtypes, AggregateError, AggregateRequest, FragmentFilter, FragmentSet, LeafType, FRAGMENT_SORTABLE,
    STOCK_SORTABLE,
};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::pagination::PageRequest;
use revdir_core::ValidationError;

use crate::error::{ApiError, ApiResult};
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/schemas.custom.set", post(schemas_custom_set))
        .route("/schemas.custom.get", get(schemas_custom_get).post(schemas_custom_get))
        .route("/schemas.custom.list", get(schemas_custom_list).post(schemas_custom_list))
        .route("/schemas.stock.get", get(schemas_stock_get).post(schemas_stock_get))
        .route("/schemas.stock.list", get(schemas_stock_list).post(schemas_stock_list))
        .route("/schemas.aggregated.get", get(schemas_aggregated_get).post(schemas_aggregated_get))
        .route("/schemas.subtypes.list", get(schemas_subtypes_list).post(schemas_subtypes_list))
        .route("/schemas.subtypes.prepare-update", post(schemas_subtypes_prepare_update))
}

/// §6.4: creates a fragment, changes it in place, or chains a new version; 201 either way.
async fn schemas_custom_set(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<CustomSchemaFragmentsSetRequest>,
) -> ApiResult<(StatusCode, Json<CustomSchemaFragmentsSetResponse>)> {
    let cmd = FragmentSet::try_from(&req)?;
    let id = app.store.set_fragment(&scope, cmd, scope.now).await?;
    Ok((StatusCode::CREATED, Json(CustomSchemaFragmentsSetResponse { id: id.don(&scope.dev_org) })))
}

async fn schemas_custom_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<CustomSchemaFragmentsGetRequest>,
) -> ApiResult<Json<CustomSchemaFragmentsGetResponse>> {
    let id = parse_fragment_id("id", &req.id)?;
    let r =
        id.in_org(&scope.dev_org).ok_or_else(|| ApiError::NotFound(format!("schema fragment {} not found", req.id)))?;
    let view = app.store.get_fragment(&scope, r).await?;
    Ok(Json(CustomSchemaFragmentsGetResponse { fragment: view.render(&scope.dev_org, false) }))
}

async fn schemas_custom_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<CustomSchemaFragmentsListRequest>,
) -> ApiResult<Json<CustomSchemaFragmentsListResponse>> {
    let filter = FragmentFilter::parse(&req);
    let page =
        PageRequest::parse(req.cursor.as_deref(), req.limit, req.mode, req.sort_by.as_deref(), FRAGMENT_SORTABLE)?;
    let prune = req.prune.iter().flatten().any(|p| *p == CustomSchemaFragmentsListRequestPrune::Fields);
    let page = app.store.list_fragments(&scope, filter, page).await?;
    Ok(Json(CustomSchemaFragmentsListResponse {
        result: page.items.iter().map(|v| v.render(&scope.dev_org, prune)).collect(),
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }))
}

async fn schemas_stock_get(
    Scope(_scope): Scope,
    ApiInput(req): ApiInput<StockSchemaFragmentsGetRequest>,
) -> ApiResult<Json<StockSchemaFragmentsGetResponse>> {
    let leaf = match (&req.id, &req.leaf_type) {
        (Some(id), named) => {
            let leaf = parse_stock_id("id", id)?;
            leaf.filter(|l| named.as_deref().is_none_or(|n| n == l.as_str()))
                .ok_or_else(|| ApiError::NotFound(format!("stock schema fragment {id} not found")))?
        }
        (None, Some(name)) => LeafType::from_name(name)
            .ok_or_else(|| ApiError::NotFound(format!("leaf type {name} has no stock schema fragment")))?,
        (None, None) => return Err(ValidationError::missing("id").into()),
    };
    Ok(Json(StockSchemaFragmentsGetResponse { fragment: stock_fragment(leaf, false) }))
}

async fn schemas_stock_list(
    Scope(_scope): Scope,
    ApiInput(req): ApiInput<StockSchemaFragmentsListRequest>,
) -> ApiResult<Json<StockSchemaFragmentsListResponse>> {
    let page = PageRequest::parse(req.cursor.as_deref(), req.limit, req.mode, req.sort_by.as_deref(), STOCK_SORTABLE)?;
    // Every leaf type this server has is customizable, so both filter presets list them all.
    let leaves: Vec<LeafType> = LeafType::ALL
        .into_iter()
        .filter(|l| req.leaf_type.as_ref().is_none_or(|names| names.iter().any(|n| n == l.as_str())))
        .collect();
    let prune = req.prune.iter().flatten().any(|p| *p == StockSchemaFragmentsListRequestPrune::Fields);
    let page = stock_page(&leaves, &page);
    Ok(Json(StockSchemaFragmentsListResponse {
        result: page.items.iter().map(|l| stock_fragment(*l, prune)).collect(),
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }))
}

async fn schemas_aggregated_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<AggregatedSchemaGetRequest>,
) -> ApiResult<Json<AggregatedSchemaGetResponse>> {
    let req = AggregateRequest::parse(&req)?;
    let refs: Vec<i64> = req.fragments.iter().filter_map(|p| p.in_org(&scope.dev_org)).map(|r| r.id).collect();
    let catalog = app.store.fragment_catalog(&scope, &[req.leaf], &refs).await?;
    let schema = aggregate(&req, &catalog, &scope.dev_org).map_err(|e| match e {
        AggregateError::NotFound(m) => ApiError::NotFound(m),
        AggregateError::Invalid(v) => ApiError::BadRequest(v),
    })?;
    Ok(Json(AggregatedSchemaGetResponse { schema }))
}

async fn schemas_subtypes_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<SubtypesListRequest>,
) -> ApiResult<Json<SubtypesListResponse>> {
    let leaves = parse_leaf_types(&req)?;
    let catalog = app.store.fragment_catalog(&scope, &leaves, &[]).await?;
    Ok(Json(SubtypesListResponse { subtypes: subtypes(&catalog, &leaves, &scope.dev_org) }))
}

/// What changing an object's (or a new object's) subtype would do; nothing is written.
async fn schemas_subtypes_prepare_update(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<SchemasSubtypePrepareUpdateGetRequest>,
) -> ApiResult<Json<SchemasSubtypePrepareUpdateGetResponse>> {
    let leaf = LeafType::parse("leaf_type", &req.leaf_type)?;
    if req.is_custom_leaf_type == Some(true) {
        return Err(ValidationError::not_permitted(
            "is_custom_leaf_type",
            "custom object leaf types are not supported",
        )
        .into());
    }
    let (state, catalog) = match &req.object {
        Some(object) => {
            let kind = match leaf {
                LeafType::Account => ObjectKind::Account,
                LeafType::DevUser => ObjectKind::DevUser,
                LeafType::RevOrg => ObjectKind::RevOrg,
                LeafType::RevUser => ObjectKind::RevUser,
            };
            let id = parse_id("object", object, kind)?;
            app.store.custom_state(&scope, leaf, &id).await?
        }
        None => (CustomState::default(), app.store.fragment_catalog(&scope, &[leaf], &[]).await?),
    };
    let answer = prepare_subtype_change(leaf, req.new_subtype.as_deref(), &state, &catalog, &scope.dev_org)
        .map_err(ApiError::NotFound)?;
    Ok(Json(answer))
}
