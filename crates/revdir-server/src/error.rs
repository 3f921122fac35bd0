//! `ApiError`: the one error type of every handler, rendered as DevRev's flat error body (§5.3).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use revdir_api::{ErrorBody, ErrorKind};
use revdir_core::{StoreError, ValidationError};

/// The `Retry-After` of every 503: how long a client waits before trying again. The causes
/// (a database restarting, failing over, out of disk, a lock race that outlived its retries)
/// last seconds, so a short wait, which clients commonly lengthen themselves, fits them all.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 2;

/// Result of a handler.
pub type ApiResult<T, E = ApiError> = Result<T, E>;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400, with one of §5.3's bad-request variants.
    #[error("{0}")]
    BadRequest(ValidationError),
    /// 401 `unauthenticated`; the detail says why without echoing the token.
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    /// 403 `forbidden`.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404 `not_found` (also for another dev org's objects).
    #[error("{0}")]
    NotFound(String),
    /// 404 for paths and methods the API does not have (§1): a bare message, no `type`.
    #[error("route not found")]
    RouteNotFound,
    /// 409 `conflict`.
    #[error("{0}")]
    Conflict(String),
    /// 429 `too_many_requests`: the caller's rate-limit window is exhausted (§8.6).
    #[error("rate limit exceeded; retry after {retry_after} s")]
    TooManyRequests {
        /// Seconds until the window resets; also sent as `Retry-After`.
        retry_after: i64,
    },
    /// 503 `service_unavailable`, sent with `Retry-After`.
    #[error("{0}")]
    Unavailable(String),
    /// 500 `internal_error`; the cause is logged under a fresh reference id and never sent.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 400 `bad_request` with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(ValidationError::bad_request(message))
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::BadRequest(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => Self::NotFound(m),
            StoreError::Conflict(m) => Self::Conflict(m),
            StoreError::Invalid(v) => Self::BadRequest(v),
            StoreError::Unavailable(m) => Self::Unavailable(m),
            StoreError::Internal(e) => Self::Internal(e),
        }
    }
}

fn body(kind: ErrorKind, message: impl Into<String>, detail: Option<String>) -> ErrorBody {
    ErrorBody { message: Some(message.into()), detail, kind }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self {
            Self::BadRequest(v) => body(v.kind, v.message, None),
            Self::Unauthenticated(detail) => {
                body(ErrorKind::Unauthenticated, "Authentication failed", Some(detail.to_owned()))
            }
            Self::Forbidden(m) => body(ErrorKind::Forbidden, m, None),
            Self::NotFound(m) => body(ErrorKind::NotFound, m, None),
            Self::RouteNotFound => {
                return (StatusCode::NOT_FOUND, Json(serde_json::json!({"message": "route not found"}))).into_response()
            }
            Self::Conflict(m) => body(ErrorKind::Conflict, m, None),
            Self::TooManyRequests { retry_after } => {
                body(ErrorKind::TooManyRequests { retry_after: Some(retry_after) }, "Rate limit exceeded", None)
            }
            Self::Unavailable(m) => {
                tracing::warn!(reason = %m, "answering 503");
                body(ErrorKind::ServiceUnavailable, "Service temporarily unavailable", Some(m))
            }
            Self::Internal(e) => {
                let reference_id = uuid::Uuid::new_v4().to_string();
                tracing::error!(%reference_id, error = ?e, "internal error");
                body(ErrorKind::InternalError { reference_id: Some(reference_id) }, "Internal error", None)
            }
        };
        let status = StatusCode::from_u16(body.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(&body)).into_response();
        let retry_after = match body.kind {
            ErrorKind::TooManyRequests { retry_after: Some(s) } => Some(s.to_string()),
            ErrorKind::ServiceUnavailable => Some(UNAVAILABLE_RETRY_AFTER_SECONDS.to_string()),
            _ => None,
        };
        if let Some(v) = retry_after.and_then(|s| HeaderValue::from_str(&s).ok()) {
            response.headers_mut().insert("retry-after", v);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn render(e: ApiError) -> (u16, serde_json::Value) {
        let response = e.into_response();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn internal_errors_send_only_a_reference_id() {
        let (status, body) = render(ApiError::Internal(anyhow::anyhow!("secret database detail"))).await;
        assert_eq!(status, 500);
        assert_eq!(body["type"], "internal_error");
        assert!(uuid::Uuid::parse_str(body["reference_id"].as_str().unwrap()).is_ok());
        assert!(!body.to_string().contains("secret database detail"));
    }

    #[tokio::test]
    async fn store_errors_map_to_declared_statuses() {
        let cases = [
            (ApiError::from(StoreError::NotFound("x".into())), 404, "not_found"),
            (ApiError::from(StoreError::Conflict("x".into())), 409, "conflict"),
            (ApiError::from(StoreError::Unavailable("x".into())), 503, "service_unavailable"),
            (ApiError::from(StoreError::Invalid(ValidationError::missing("id"))), 400, "missing_required_field"),
            (ApiError::Unauthenticated("why"), 401, "unauthenticated"),
        ];
        for (e, status, kind) in cases {
            let (s, body) = render(e).await;
            assert_eq!((s, body["type"].as_str()), (status, Some(kind)));
        }
        let response = ApiError::Unavailable("the database is unavailable".into()).into_response();
        assert_eq!(response.headers()["retry-after"], UNAVAILABLE_RETRY_AFTER_SECONDS.to_string());
        let response = ApiError::TooManyRequests { retry_after: 17 }.into_response();
        assert_eq!(response.headers()["retry-after"], "17");
        let (s, body) = render(ApiError::TooManyRequests { retry_after: 17 }).await;
        assert_eq!(s, 429);
        assert_eq!(
            body,
            serde_json::json!({"type": "too_many_requests", "message": "Rate limit exceeded", "retry_after": 17})
        );
        let (s, body) = render(ApiError::RouteNotFound).await;
        assert_eq!(s, 404);
        assert_eq!(body, serde_json::json!({"message": "route not found"}));
    }
}
