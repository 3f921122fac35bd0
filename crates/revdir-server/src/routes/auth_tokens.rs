//! `/auth-tokens.*`: mint (PAT, AAT, SUT, session), get, list, update (hint), delete,
//! self.delete and info (§8.5). Token values appear once, in `auth-tokens.create`'s answer,
//! and are never logged.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::auth_tokens::{
    AuthTokenTokenType, AuthTokensCreateRequest, AuthTokensCreateResponse, AuthTokensDeleteRequest,
    AuthTokensGetRequest, AuthTokensGetResponse, AuthTokensInfoRequest, AuthTokensInfoResponse, AuthTokensListRequest,
    AuthTokensListResponse, AuthTokensOrgAttributes, AuthTokensSelfDeleteRequest, AuthTokensTokenAttributes,
    AuthTokensUpdateRequest, AuthTokensUpdateResponse, AuthTokensUserAttributes,
};
use revdir_api::common::Empty;
use revdir_core::auth_tokens::{parse_token_id, TokenFilter, TokenGrant, TokenKind, TokenRequest};
use revdir_core::authz;
use revdir_core::ids::{display_id, don, ParsedId};
use revdir_core::refs::user_type;
use revdir_core::DevOrgScope;
use secrecy::ExposeSecret as _;

use crate::error::ApiResult;
use crate::extract::auth::{CallerClaims, Scope};
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth-tokens.create", post(auth_tokens_create))
        .route("/auth-tokens.get", get(auth_tokens_get).post(auth_tokens_get))
        .route("/auth-tokens.list", get(auth_tokens_list).post(auth_tokens_list))
        .route("/auth-tokens.update", post(auth_tokens_update))
        .route("/auth-tokens.delete", post(auth_tokens_delete))
        .route("/auth-tokens.self.delete", post(auth_tokens_self_delete))
        .route("/auth-tokens.info", get(auth_tokens_info).post(auth_tokens_info))
}

#[tracing::instrument(skip_all)]
async fn auth_tokens_create(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<AuthTokensCreateRequest>,
) -> ApiResult<(StatusCode, Json<AuthTokensCreateResponse>)> {
    let request = TokenRequest::parse(&req)?;
    let act_as = match &request.grant {
        TokenGrant::Sys { act_as } | TokenGrant::Aat { act_as, .. } => act_as.as_ref(),
        TokenGrant::Pat | TokenGrant::Session(_) => None,
    };
    authz::may_mint(&scope.actor, &scope.dev_org, request.grant.kind(), act_as)?;
    let issued = app.keys.issue(app.store.as_ref(), &scope, request, scope.now).await?;
    Ok((
        StatusCode::CREATED,
        Json(AuthTokensCreateResponse {
            access_token: issued.token.expose_secret().to_owned(),
            client_id: issued.client_id,
            expires_in: issued.expires_in,
            refresh_token: None,
            scope: issued.scope,
            token_type: AuthTokenTokenType::Bearer,
        }),
    ))
}

/// Reads a token the caller may manage (its own; any of its org for dev and sys users).
async fn manageable(app: &AppState, scope: &DevOrgScope, id: &ParsedId) -> ApiResult<()> {
    let token = app.store.get_token(scope, id).await?;
    authz::may_manage_token(&scope.actor, &token.meta.subject)?;
    Ok(())
}

async fn auth_tokens_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<AuthTokensGetRequest>,
) -> ApiResult<Json<AuthTokensGetResponse>> {
    let id = parse_token_id("token_id", &req.token_id)?;
    let token = app.store.get_token(&scope, &id).await?;
    authz::may_manage_token(&scope.actor, &token.meta.subject)?;
    Ok(Json(AuthTokensGetResponse { token: token.render(&scope.dev_org, scope.now) }))
}

async fn auth_tokens_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<AuthTokensListRequest>,
) -> ApiResult<Json<AuthTokensListResponse>> {
    let filter = TokenFilter::parse(&scope.dev_org, &scope.actor, &req)?;
    authz::may_list_tokens(&scope.actor, filter.subject.as_ref())?;
    let tokens = app.store.list_tokens(&scope, &filter).await?;
    let now = scope.now;
    Ok(Json(AuthTokensListResponse { tokens: tokens.iter().map(|t| t.render(&scope.dev_org, now)).collect() }))
}

async fn auth_tokens_update(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<AuthTokensUpdateRequest>,
) -> ApiResult<Json<AuthTokensUpdateResponse>> {
    let id = parse_token_id("token_id", &req.token_id)?;
    // An empty hint clears it (entry 5).
    let hint =
        (!req.token_hint.is_empty()).then(|| revdir_core::values::text("token_hint", &req.token_hint)).transpose()?;
    manageable(&app, &scope, &id).await?;
    let token = app.store.update_token_hint(&scope, &id, hint, scope.now).await?;
    Ok(Json(AuthTokensUpdateResponse { token: token.render(&scope.dev_org, scope.now) }))
}

async fn auth_tokens_delete(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<AuthTokensDeleteRequest>,
) -> ApiResult<Json<Empty>> {
    // §8.5: without a token_id the calling token itself is revoked.
    let id = match req.token_id.as_deref() {
        Some(t) => parse_token_id("token_id", t)?,
        None => ParsedId { org: Some(scope.dev_org.clone()), local: scope.token_id.clone() },
    };
    manageable(&app, &scope, &id).await?;
    app.store.revoke_token(&scope, &id, scope.now).await?;
    Ok(Json(Empty {}))
}

async fn auth_tokens_self_delete(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<AuthTokensSelfDeleteRequest>,
) -> ApiResult<Json<Empty>> {
    let kind = match req.requested_token_type {
        None => None,
        Some(t) => match TokenKind::from_wire("requested_token_type", t) {
            Ok(kind) => Some(kind),
            // revdir never minted a token of that kind: there is nothing to revoke.
            Err(_) => return Ok(Json(Empty {})),
        },
    };
    app.store.revoke_tokens_of(&scope, scope.actor, kind, scope.now).await?;
    Ok(Json(Empty {}))
}

async fn auth_tokens_info(
    Scope(scope): Scope,
    CallerClaims(claims): CallerClaims,
    State(app): State<AppState>,
    ApiInput(_req): ApiInput<AuthTokensInfoRequest>,
) -> ApiResult<Json<AuthTokensInfoResponse>> {
    let org = app.store.get_dev_org(&scope).await?;
    let user = app.store.user_summary(&scope, scope.actor).await?;
    let id = don(scope.actor.kind, &scope.dev_org, scope.actor.id);
    Ok(Json(AuthTokensInfoResponse {
        organization: AuthTokensOrgAttributes {
            display_id: display_id(revdir_core::ids::ObjectKind::DevOrg, &org.id).unwrap_or_else(|| org.id.clone()),
            id: don(revdir_core::ids::ObjectKind::DevOrg, &org.id, ""),
            slug: Some(org.slug),
        },
        token: AuthTokensTokenAttributes {
            expiry: claims.exp,
            issued_at: claims.iat,
            issuer: claims.iss,
            subject: claims.sub,
        },
        user: AuthTokensUserAttributes {
            user_type: user_type(scope.actor.kind),
            // Service accounts have no display id; their DON stands in (entry 52).
            display_id: display_id(scope.actor.kind, scope.actor.id).unwrap_or_else(|| id.clone()),
            display_name: user.display_name,
            email: user.email,
            full_name: user.full_name,
            id,
        },
    }))
}
