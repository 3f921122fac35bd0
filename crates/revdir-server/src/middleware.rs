//! Layers around every route: API version check, rate limit, panic safety net, unknown routes.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use revdir_api::{ErrorKind, API_VERSION};
use revdir_core::time::Timestamp;
use revdir_core::ValidationError;

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
    parts.extensions.insert(scope);
    let req = Request::from_parts(parts, body);
    let decision = match limit.check(&key, Timestamp::now().seconds()).await {
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
        ApiError::TooManyRequests { retry_after: decision.retry_after }.into_response()
    };
    set_rate_limit_headers(&mut response, &decision);
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

/// Fallback for unknown paths and undeclared methods (§1).
pub async fn route_not_found() -> ApiError {
    ApiError::RouteNotFound
}
