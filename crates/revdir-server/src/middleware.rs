//! Layers around every route: API version check, panic safety net, unknown routes.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use revdir_api::{ErrorKind, API_VERSION};
use revdir_core::ValidationError;

use crate::error::ApiError;

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
