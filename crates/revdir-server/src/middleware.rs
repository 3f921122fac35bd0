//! Layers around every route: API version check, rate limit, the emulator's fault plans,
//! panic safety net, unknown routes, and the one log line per request.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use revdir_api::{ErrorKind, API_VERSION};
use revdir_core::faults::{self, FaultError};
use revdir_core::{DevOrgScope, ValidationError};

use crate::error::ApiError;
use crate::extract::auth::authenticate;
use crate::rate_limit::{actor_key, Decision};
use crate::state::AppState;

/// §1: `x-devrev-version` may be absent or `2024-01-24`; anything else is a 400.
pub async fn api_version(req: Request, next: Next) -> Response {
    if let Some(v) = req.headers().get("x-devrev-version") {
        let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
        if value != API_VERSION {
            return ApiError::BadRequest(ValidationError {
                message: format!("API version '{value}' is not supported; use {API_VERSION}"),
                kind: ErrorKind::InvalidApiVersion { value },
            })
            .into_response();
        }
    }
    next.run(req).await
}

/// Sets `X-RateLimit-Limit`, `-Remaining` and `-Reset` from a decision.
fn set_rate_limit_headers(response: &mut Response, d: &Decision) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", d.limit.to_string()),
        ("x-ratelimit-remaining", d.remaining.to_string()),
        ("x-ratelimit-reset", d.reset.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
}

/// Middleware: authenticates, counts the request against its actor's window and answers 429
/// when the window is exhausted. The resolved scope goes into the request's extensions, where
/// the `Scope` extractor finds it, so a request is authenticated once.
///
/// With no rate limit configured it does nothing. When the counter cannot be reached, the
/// request proceeds without headers (fail open) and a warning is logged.
pub async fn rate_limit(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let Some(limit) = app.rate_limit.clone() else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let scope = match authenticate(&parts, &app).await {
        Ok(scope) => scope,
        // Not counted: the handler answers 401 itself.
        Err(_) => return next.run(Request::from_parts(parts, body)).await,
    };
    let key = actor_key(&scope);
    // The window is on the org's time, so moving an emulated org's clock moves its windows.
    let now = scope.now;
    parts.extensions.insert(scope);
    let req = Request::from_parts(parts, body);
    let decision = match limit.check(&key, now.seconds()).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "rate limiter unavailable; request not counted");
            return next.run(req).await;
        }
    };
    let mut response = if decision.allowed {
        next.run(req).await
    } else {
        tracing::debug!(actor = %key, reset = decision.reset, "rate limit exhausted");
        crate::metrics::rate_limit_rejected();
        ApiError::TooManyRequests { retry_after: decision.retry_after }.into_response()
    };
    set_rate_limit_headers(&mut response, &decision);
    response
}

/// Middleware (emulator only): applies the caller's org's fault plan (`/_revdir/faults.set`)
/// to the DevRev operations its tokens call. It runs before the handler, so a faulted request
/// writes nothing. Requests it cannot authenticate go on untouched (the handler answers
/// 401), and revdir's own routes under `/_revdir/` never fault.
///
/// It leaves the scope it authenticated in the request's extensions, as the rate limit does,
/// so the handler does not authenticate again.
pub async fn faults(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if !app.emulator {
        return next.run(req).await;
    }
    let operation = operation_name(&req);
    if operation == "-" || operation.starts_with("_revdir/") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let scope = match parts.extensions.get::<DevOrgScope>() {
        Some(scope) => scope.clone(),
        None => match authenticate(&parts, &app).await {
            Ok(scope) => {
                parts.extensions.insert(scope.clone());
                scope
            }
            Err(_) => return next.run(Request::from_parts(parts, body)).await,
        },
    };
    let (seeded, scope) = match seeded_request_id(&app, &mut parts, scope).await {
        Ok(done) => done,
        Err(e) => return e.into_response(),
    };
    let req = Request::from_parts(parts, body);
    let mut response = planned_fault(&app, &scope, &operation, req, next).await;
    if let Some(id) = seeded {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    response
}

/// The header of a request's id.
const REQUEST_ID: &str = "x-request-id";

/// Whether the client sent its own `X-Request-Id`, noted before revdir makes one up: an org
/// with an `id_seed` replaces only the made-up ones.
#[derive(Debug, Clone, Copy)]
pub struct ClientRequestId(pub bool);

/// Notes whether the request came with its own `X-Request-Id` (the outer layer, before one is
/// made up).
pub async fn note_client_request_id(mut req: Request, next: Next) -> Response {
    let sent = req.headers().contains_key(REQUEST_ID);
    req.extensions_mut().insert(ClientRequestId(sent));
    next.run(req).await
}

/// Under an org's `id_seed` (API-CONVENTIONS entry 133), a request id revdir made up is
/// replaced by the org's next seeded draw: in the request (so the journal records it), in
/// the scope, and (through the answer) in the response header. Answers the new header value,
/// if any, and the scope as the request now carries it.
async fn seeded_request_id(
    app: &AppState,
    parts: &mut axum::http::request::Parts,
    mut scope: DevOrgScope,
) -> Result<(Option<axum::http::HeaderValue>, DevOrgScope), ApiError> {
    if parts.extensions.get::<ClientRequestId>().is_none_or(|c| c.0) {
        return Ok((None, scope));
    }
    let Some(drawn) = app.store.org_random(&scope.dev_org, 32).await? else { return Ok((None, scope)) };
    let Ok(value) = axum::http::HeaderValue::from_str(&drawn) else { return Ok((None, scope)) };
    parts.headers.insert(REQUEST_ID, value.clone());
    scope.context.request_id = Some(drawn);
    parts.extensions.insert(scope.clone());
    Ok((Some(value), scope))
}

/// Applies the org's fault plan to the request, or runs it.
async fn planned_fault(app: &AppState, scope: &DevOrgScope, operation: &str, req: Request, next: Next) -> Response {
    let matched = match app.store.count_fault_matches(scope, operation).await {
        Ok(matched) => matched,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Some(outcome) = faults::outcome(&matched) else {
        return next.run(req).await;
    };
    if outcome.latency_ms > 0 {
        // The fault's own effect, not a wait for a condition.
        tokio::time::sleep(Duration::from_millis(outcome.latency_ms.unsigned_abs())).await;
    }
    match outcome.error {
        Some(error) => {
            tracing::info!(operation, status = error.status, "answering with a planned fault");
            fault_response(&error)
        }
        None => next.run(req).await,
    }
}

/// The DevRev error a firing fault rule answers with, with `Retry-After` for a 429.
fn fault_response(error: &FaultError) -> Response {
    let body = error.body(|| uuid::Uuid::new_v4().to_string());
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(&body)).into_response();
    if let Some(seconds) = error.retry_after {
        if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert("retry-after", v);
        }
    }
    response
}

/// Turns a handler panic into a DevRev-shaped 500 whose reference id is in the log.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "unknown panic".to_owned());
    ApiError::Internal(anyhow::anyhow!("handler panicked: {detail}")).into_response()
}

/// Wakes this node's delivery worker after a write succeeded, so the webhook events it queued
/// go out at once; the worker's polling covers everything else (other nodes' writes, retries).
pub async fn wake_deliveries(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let write = req.method() == axum::http::Method::POST;
    let response = next.run(req).await;
    if write && response.status().is_success() {
        app.wake_deliveries();
    }
    response
}

/// Fallback for unknown paths and undeclared methods (§1).
pub async fn route_not_found() -> ApiError {
    ApiError::RouteNotFound
}

/// The operation a request names, for logs: the route's path without its leading `/`
/// (`rev-users.update`), `-` for paths the API does not have. Never the raw URL, whose
/// query string may carry ids or an upload ticket.
pub fn operation_name(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "-".to_owned(), |p| p.as_str().trim_start_matches('/').to_owned())
}

/// The span every request's events are recorded in: its id and operation, nothing from the
/// URL or the headers.
pub fn request_span(req: &Request) -> tracing::Span {
    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", request_id, operation = %operation_name(req), method = %req.method())
}

/// Middleware: one `info` line per request with its id, operation, status and latency (until
/// the response's head is ready).
pub async fn access_log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let operation = operation_name(&req);
    let method = req.method().clone();
    let response = next.run(req).await;
    tracing::info!(
        request_id,
        operation,
        method = %method,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}
