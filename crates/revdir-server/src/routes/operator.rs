//! `/_revdir/orgs.create`: the operator creates a dev org on a running server and gets its
//! admin token. Served only when an operator key is configured; the key travels as
//! `Authorization: Bearer <key>` (or bare) and is compared in constant time.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use revdir_api::operator::{OrgsCreateRequest, OrgsCreateResponse};
use revdir_core::values;
use secrecy::ExposeSecret as _;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::operator::create_org;
use crate::state::AppState;

/// The operator routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/_revdir/orgs.create", post(orgs_create))
}

/// Checks the request's operator key; without a configured key the route does not exist.
fn operator(app: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    let Some(key) = &app.operator_key else { return Err(ApiError::RouteNotFound) };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| match v.trim().get(..7) {
            Some(p) if p.eq_ignore_ascii_case("bearer ") => v.trim()[7..].trim(),
            _ => v.trim(),
        })
        .ok_or(ApiError::Unauthenticated("the operator key is missing"))?;
    if key.matches(given) {
        Ok(())
    } else {
        Err(ApiError::Unauthenticated("the operator key is not valid"))
    }
}

#[tracing::instrument(skip_all)]
async fn orgs_create(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<OrgsCreateRequest>,
) -> ApiResult<(StatusCode, Json<OrgsCreateResponse>)> {
    operator(&app, &headers)?;
    let name = req.display_name.as_deref().map(|n| values::non_blank("display_name", n)).transpose()?;
    let (org, token) = create_org(app.store.as_ref(), &app.keys, name).await?;
    tracing::info!(dev_org = %org.id, "operator created a dev org");
    Ok((
        StatusCode::CREATED,
        Json(OrgsCreateResponse { dev_org: org.render(), admin_token: token.expose_secret().to_owned() }),
    ))
}
