//! `/_revdir/orgs.create`: the operator creates a dev org on a running server and gets its
//! admin token; under the emulator also `orgs.list` and `orgs.delete`, and throwaway orgs
//! with a time-to-live (issue 16). Served only when an operator key is configured; the key travels as
//! `Authorization: Bearer <key>` (or bare) and is compared in constant time.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::operator::{OrgListed, OrgsCreateRequest, OrgsCreateResponse, OrgsDeleteRequest, OrgsListResponse};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::pagination::PageRequest;
use revdir_core::refs::UserRef;
use revdir_core::time::Timestamp;
use revdir_core::{values, ValidationError};
use secrecy::ExposeSecret as _;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::operator::create_org_with;
use crate::state::AppState;

/// Longest time-to-live of a throwaway org: ten years.
const MAX_TTL_SECONDS: i64 = 10 * 365 * 86_400;

/// The operator routes every server has (when an operator key is configured).
pub fn router() -> Router<AppState> {
    Router::new().route("/_revdir/orgs.create", post(orgs_create))
}

/// The operator routes of the emulator only.
pub fn emulator_router() -> Router<AppState> {
    Router::new()
        .route("/_revdir/orgs.list", get(orgs_list).post(orgs_list))
        .route("/_revdir/orgs.delete", post(orgs_delete))
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
    let ttl = match req.ttl_seconds {
        None => None,
        Some(s) if (1..=MAX_TTL_SECONDS).contains(&s) => Some(s),
        Some(_) => {
            return Err(ValidationError::not_permitted("ttl_seconds", format!("must be 1 to {MAX_TTL_SECONDS}")).into())
        }
    };
    if !app.emulator {
        for (field, given) in
            [("ttl_seconds", ttl.is_some()), ("id_seed", req.id_seed.is_some()), ("seed", req.seed.is_some())]
        {
            if given {
                return Err(ValidationError::not_permitted(field, "only under revdir serve --emulator").into());
            }
        }
    }
    let id_seed = match &req.id_seed {
        None => None,
        Some(serde_json::Value::String(s)) if !s.is_empty() && s.len() <= 200 => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            return Err(
                ValidationError::not_permitted("id_seed", "a non-empty string (up to 200 bytes) or a number").into()
            )
        }
    };
    // A bad document is refused before any org exists (its error names the path in `seed`).
    let seed = req.seed.map(crate::seed::SeedDocument::from_value).transpose()?;
    let (org, token) = create_org_with(app.store.as_ref(), &app.keys, name, app.emulator, id_seed.as_deref()).await?;
    if let Some(doc) = &seed {
        let scope = crate::seed::admin_scope(org.id.clone(), UserRef { kind: ObjectKind::DevUser, id: 1 });
        if let Err(e) = crate::seed::load(app.store.as_ref(), &scope, doc, &app.url_policy, scope.now).await {
            // All or nothing: an org whose seed did not load is not handed out.
            app.store.delete_dev_org(&org.id).await?;
            return Err(e);
        }
        // `orgs.reset` returns the org to its state right after creation: seed included.
        app.store.mark_initial(&org.id, scope.now).await?;
    }
    let expires_at = ttl.map(|s| Timestamp::from_millis(org.created_date.millis().saturating_add(s * 1000)));
    if expires_at.is_some() {
        app.store.set_org_expiry(&org.id, expires_at).await?;
    }
    let scope = crate::seed::admin_scope(org.id.clone(), UserRef { kind: ObjectKind::DevUser, id: 1 });
    let page = PageRequest::parse(None, Some(100), None, None, &[])?;
    let bots = app.store.list_sys_users(&scope, page).await?;
    tracing::info!(dev_org = %org.id, "operator created a dev org");
    Ok((
        StatusCode::CREATED,
        Json(OrgsCreateResponse {
            dev_org: org.render(),
            admin_token: token.expose_secret().to_owned(),
            sys_users: bots.items.iter().map(|u| u.render_sys_user(&org.id)).collect(),
            expires_at: expires_at.map(Timestamp::to_rfc3339),
        }),
    ))
}

/// Every dev org of the server with its time (emulator only).
async fn orgs_list(State(app): State<AppState>, headers: HeaderMap) -> ApiResult<Json<OrgsListResponse>> {
    operator(&app, &headers)?;
    let system = app.system_now();
    let orgs = app.store.list_dev_orgs().await?;
    Ok(Json(OrgsListResponse {
        dev_orgs: orgs
            .into_iter()
            .map(|(org, time)| OrgListed {
                dev_org: org.render(),
                clock_mode: time.clock.mode.as_str().to_owned(),
                now: time.clock.now(system).to_rfc3339(),
                expires_at: time.expires_at.map(Timestamp::to_rfc3339),
            })
            .collect(),
    }))
}

/// Deletes a dev org and everything in it (emulator only).
async fn orgs_delete(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<OrgsDeleteRequest>,
) -> ApiResult<Json<Empty>> {
    operator(&app, &headers)?;
    let id = parse_id("id", &req.id, ObjectKind::DevOrg).map(|p| p.local).unwrap_or_else(|_| req.id.trim().to_owned());
    if !app.store.delete_dev_org(&id).await? {
        return Err(ApiError::NotFound(format!("dev org {} not found", req.id)));
    }
    tracing::info!(dev_org = %id, "operator deleted a dev org");
    Ok(Json(Empty {}))
}
