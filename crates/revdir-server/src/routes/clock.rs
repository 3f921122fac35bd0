//! `/_revdir/clock.get` and `/_revdir/clock.set` (emulator only, issue 16; API-CONVENTIONS
//! entry 130): the calling org's clock, for its dev users' and sys users' tokens.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::operator::{ClockResponse, ClockSetRequest, ClockView};
use revdir_core::clock::{ClockMode, OrgClock};
use revdir_core::time::Timestamp;
use revdir_core::ValidationError;

use crate::error::{ApiError, ApiResult};
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_revdir/clock.get", get(clock_get).post(clock_get))
        .route("/_revdir/clock.set", post(clock_set))
}

fn view(clock: &OrgClock, system: Timestamp) -> ClockResponse {
    ClockResponse {
        clock: ClockView {
            mode: clock.mode.as_str().to_owned(),
            now: clock.now(system).to_rfc3339(),
            frozen_at: clock.frozen_at.map(Timestamp::to_rfc3339),
            offset_seconds: (clock.mode == ClockMode::Offset).then(|| clock.offset_ms as f64 / 1000.0),
        },
    }
}

async fn current(app: &AppState, org: &str) -> ApiResult<OrgClock> {
    let time = app.store.org_time(org).await?.ok_or_else(|| ApiError::NotFound(format!("dev org {org} not found")))?;
    Ok(time.clock)
}

async fn clock_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(_): ApiInput<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<ClockResponse>> {
    let clock = current(&app, &scope.dev_org).await?;
    Ok(Json(view(&clock, app.system_now())))
}

async fn clock_set(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<ClockSetRequest>,
) -> ApiResult<Json<ClockResponse>> {
    let mode = req
        .mode
        .as_deref()
        .map(|m| {
            ClockMode::parse(m).ok_or_else(|| {
                ValidationError::not_in(
                    "mode",
                    format!("{m} is no clock mode"),
                    ["system", "frozen", "offset"].map(str::to_owned).to_vec(),
                )
            })
        })
        .transpose()?;
    let at = req.at.as_deref().map(|t| Timestamp::parse("at", t)).transpose()?;
    let system = app.system_now();
    let clock = current(&app, &scope.dev_org).await?.set(mode, at, req.advance_seconds, system)?;
    app.store.set_org_clock(&scope.dev_org, clock).await?;
    tracing::info!(dev_org = %scope.dev_org, mode = clock.mode.as_str(), "org clock set");
    Ok(Json(view(&clock, system)))
}
