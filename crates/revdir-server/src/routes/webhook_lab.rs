//! The webhook lab (§9, §11): the caller's org's delivery log, a long-poll that waits for
//! deliveries so tests never sleep, re-sends, and echo suppression, served in every mode; and
//! under `--emulator` only, verifying without the handshake and forced failures. All for any
//! token that may call every operation of its org (dev users and sys users).

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use revdir_api::common::Empty;
use revdir_api::webhook_lab::{
    DeliveriesListRequest, DeliveriesListResponse, DeliveriesRecoverRequest, DeliveriesRecoverResponse,
    DeliveriesResendRequest, DeliveriesResendResponse, DeliveriesWaitRequest, DeliveriesWaitResponse, Delivery,
    DeliveryAttempt, ExcludeOriginsSetRequest, FailuresSetRequest, SentHeader, WebhookVerifyRequest,
};
use revdir_core::deliveries::{DeliveryFilter, DeliveryView};
use revdir_core::ids::{don, parse_id, ObjectKind};
use revdir_core::refs::TimeRange;
use revdir_core::ValidationError;

use crate::error::{ApiError, ApiResult};
use crate::extract::auth::Scope;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// Deliveries a list answers unless asked otherwise.
const DEFAULT_LIMIT: u32 = 50;
/// Most deliveries a list answers.
const MAX_LIMIT: u32 = 100;
/// How long a wait lasts unless asked otherwise.
const DEFAULT_WAIT: Duration = Duration::from_secs(10);
/// Longest wait a request may ask for; below the server's request timeout.
const MAX_WAIT: Duration = Duration::from_secs(25);
/// How often a wait looks again.
const WAIT_POLL: Duration = Duration::from_millis(25);

/// The lab's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_revdir/webhooks.deliveries.list", get(deliveries_list).post(deliveries_list))
        .route("/_revdir/webhooks.deliveries.wait", post(deliveries_wait))
        .route("/_revdir/webhooks.deliveries.resend", post(deliveries_resend))
        .route("/_revdir/webhooks.deliveries.recover", post(deliveries_recover))
        .route("/_revdir/webhooks.exclude-origins.set", post(exclude_origins_set))
        .route("/_revdir/webhooks.verify", post(webhook_verify))
        .route("/_revdir/webhooks.failures.set", post(failures_set))
}

/// The local id of a webhook the request names in the caller's org; one of another org
/// names nothing here, so it matches nothing (and `not_found` where one is required).
fn webhook_local(org: &str, field: &str, id: &str) -> Result<String, ValidationError> {
    let parsed = parse_id(field, id, ObjectKind::Webhook)?;
    Ok(parsed.local_in(org).map_or_else(|| format!("other-org:{}", parsed.local), str::to_owned))
}

/// The DON of the object a request names, in the caller's org when it is a display id.
fn object_don(org: &str, id: &str) -> String {
    [ObjectKind::RevUser, ObjectKind::DevUser, ObjectKind::Account, ObjectKind::Tag]
        .into_iter()
        .find_map(|k| parse_id("object", id, k).ok().filter(|p| p.org.is_none()).map(|p| don(k, org, p.local)))
        .unwrap_or_else(|| id.to_owned())
}

fn render(v: DeliveryView) -> Delivery {
    Delivery {
        id: v.id.to_string(),
        webhook_id: v.webhook_id,
        event_id: v.event_id,
        event_type: v.event_type,
        object: v.object,
        state: v.state,
        attempts: v.attempts,
        next_attempt_at: v.next_attempt_at.map(|t| t.to_rfc3339()),
        last_error: v.last_error,
        created_at: v.created_at.to_rfc3339(),
        finished_at: v.finished_at.map(|t| t.to_rfc3339()),
        attempt_log: v
            .attempt_log
            .into_iter()
            .map(|a| DeliveryAttempt {
                started_at: a.started_at.to_rfc3339(),
                duration_ms: a.duration_ms,
                request_headers: a
                    .request_headers
                    .into_iter()
                    .map(|(name, value)| SentHeader { name, value })
                    .collect(),
                request_body: a.request_body,
                status: a.status,
                response_body: a.response_body,
                error_class: a.error_class,
            })
            .collect(),
    }
}

async fn deliveries_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<DeliveriesListRequest>,
) -> ApiResult<Json<DeliveriesListResponse>> {
    let org = scope.dev_org.as_str();
    let limit = match req.limit {
        None => DEFAULT_LIMIT,
        Some(n @ 1..=MAX_LIMIT) => n,
        Some(_) => {
            return Err(
                ValidationError::not_permitted("limit", format!("limit must be between 1 and {MAX_LIMIT}")).into()
            )
        }
    };
    let filter = DeliveryFilter {
        webhook: req.webhook.as_deref().map(|w| webhook_local(org, "webhook", w)).transpose()?,
        event_types: req.event_type,
        object: req.object.as_deref().map(|o| object_don(org, o)),
        states: req.state,
        created: TimeRange::parse("created_at", req.created_at.as_ref())?,
    };
    let found = app.store.list_deliveries(&scope, &filter, limit).await?;
    Ok(Json(DeliveriesListResponse { deliveries: found.into_iter().map(render).collect() }))
}

async fn deliveries_wait(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DeliveriesWaitRequest>,
) -> ApiResult<Json<DeliveriesWaitResponse>> {
    let org = scope.dev_org.as_str();
    let count = req.count.unwrap_or(1).clamp(1, MAX_LIMIT);
    let timeout = req.timeout_ms.map_or(DEFAULT_WAIT, Duration::from_millis);
    if timeout > MAX_WAIT {
        return Err(ValidationError::not_permitted(
            "timeout_ms",
            format!("a wait lasts at most {} ms", MAX_WAIT.as_millis()),
        )
        .into());
    }
    let filter = DeliveryFilter {
        webhook: Some(webhook_local(org, "webhook", &req.webhook)?),
        event_types: req.event_type,
        object: req.object.as_deref().map(|o| object_don(org, o)),
        states: Some(req.state.unwrap_or_else(|| vec!["delivered".to_owned()])),
        created: None,
    };
    let started = Instant::now();
    loop {
        let found = app.store.list_deliveries(&scope, &filter, MAX_LIMIT).await?;
        let complete = found.len() >= count as usize;
        if complete || started.elapsed() >= timeout {
            let mut deliveries: Vec<Delivery> = found.into_iter().map(render).collect();
            deliveries.reverse();
            return Ok(Json(DeliveriesWaitResponse { complete, deliveries }));
        }
        // The long-poll itself: the caller asked to be answered when the deliveries exist.
        tokio::time::sleep(WAIT_POLL).await;
    }
}

async fn deliveries_resend(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DeliveriesResendRequest>,
) -> ApiResult<Json<DeliveriesResendResponse>> {
    let id: i64 = req
        .id
        .parse()
        .map_err(|_| ValidationError::not_permitted("id", format!("'{}' is not a delivery id", req.id)))?;
    let delivery = app.store.resend_delivery(&scope, id, scope.now).await?;
    app.wake_deliveries();
    Ok(Json(DeliveriesResendResponse { delivery: render(delivery) }))
}

async fn deliveries_recover(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<DeliveriesRecoverRequest>,
) -> ApiResult<Json<DeliveriesRecoverResponse>> {
    let webhook = webhook_local(&scope.dev_org, "webhook", &req.webhook)?;
    let window = TimeRange::parse("created_at", req.created_at.as_ref())?.unwrap_or_default();
    let recovered = app.store.recover_deliveries(&scope, &webhook, &window, scope.now).await?;
    app.wake_deliveries();
    Ok(Json(DeliveriesRecoverResponse { recovered }))
}

async fn exclude_origins_set(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<ExcludeOriginsSetRequest>,
) -> ApiResult<Json<Empty>> {
    let webhook = webhook_local(&scope.dev_org, "webhook", &req.webhook)?;
    app.store.set_excluded_origins(&scope, &webhook, &req.exclude_origins).await?;
    Ok(Json(Empty {}))
}

/// The emulator's controls exist only under `--emulator`: otherwise they are unknown routes.
fn emulator_only(app: &AppState) -> ApiResult<()> {
    if app.emulator {
        Ok(())
    } else {
        Err(ApiError::RouteNotFound)
    }
}

async fn webhook_verify(
    State(app): State<AppState>,
    Scope(scope): Scope,
    ApiJson(req): ApiJson<WebhookVerifyRequest>,
) -> ApiResult<Json<Empty>> {
    emulator_only(&app)?;
    let webhook = webhook_local(&scope.dev_org, "webhook", &req.webhook)?;
    app.store.verify_without_handshake(&scope, &webhook, scope.now).await?;
    Ok(Json(Empty {}))
}

async fn failures_set(
    State(app): State<AppState>,
    Scope(scope): Scope,
    ApiJson(req): ApiJson<FailuresSetRequest>,
) -> ApiResult<Json<Empty>> {
    emulator_only(&app)?;
    let webhook = webhook_local(&scope.dev_org, "webhook", &req.webhook)?;
    app.store.force_delivery_failures(&scope, &webhook, req.fail_next, req.send_twice).await?;
    Ok(Json(Empty {}))
}
