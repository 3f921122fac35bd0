//! Authentication: `Authorization: Bearer <t>` or a bare `<t>` (§1) → [`DevOrgScope`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use revdir_core::api::common::UserState;
use revdir_core::authz;
use revdir_core::time::Timestamp;
use revdir_core::DevOrgScope;

use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::{subject, Claims};

/// The token text of an `Authorization` header value, with or without `Bearer `.
fn token_text(value: &str) -> Option<&str> {
    let v = value.trim();
    let t = if v.eq_ignore_ascii_case("bearer") {
        ""
    } else {
        match v.get(..7) {
            Some(p) if p.eq_ignore_ascii_case("bearer ") => v[7..].trim(),
            _ => v,
        }
    };
    (!t.is_empty()).then_some(t)
}

/// Resolves the request's token into the caller's scope.
///
/// # Errors
/// 401 `unauthenticated` when the header is missing, the token is malformed, forged,
/// expired or revoked, or its user may no longer act.
pub async fn authenticate(parts: &Parts, app: &AppState) -> Result<DevOrgScope, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated("the Authorization header is missing"))?;
    let raw = header.to_str().map_err(|_| ApiError::Unauthenticated("the Authorization header is malformed"))?;
    let token = token_text(raw).ok_or(ApiError::Unauthenticated("the Authorization header is empty"))?;
    let now = Timestamp::now();
    let claims = app.keys.verify(token, now)?;
    let (org, actor) = subject(&claims.sub)?;
    let (record, subject_summary) = app
        .store
        .token(&org, &claims.jti)
        .await?
        .ok_or(ApiError::Unauthenticated("the token is not known to this server"))?;
    if record.revoked {
        return Err(ApiError::Unauthenticated("the token has been revoked"));
    }
    if record.expires_at.is_some_and(|e| e <= now) {
        return Err(ApiError::Unauthenticated("the token has expired"));
    }
    if record.subject != actor {
        return Err(ApiError::Unauthenticated("the token's subject does not match its record"));
    }
    if !subject_summary.as_ref().is_some_and(|s| s.state == UserState::Active) {
        return Err(ApiError::Unauthenticated("the token's user can no longer sign in"));
    }
    Ok(DevOrgScope { dev_org: org, actor, token_id: record.jti, actor_summary: subject_summary })
}

/// Extractor form of [`authenticate`], for handlers that take the scope as a parameter.
///
/// It also applies [`authz::may_call`] to the operation the path names, so a service
/// account or a rev user reaches only the operations listed for it (403 otherwise).
#[derive(Debug, Clone)]
pub struct Scope(pub DevOrgScope);

impl FromRequestParts<AppState> for Scope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let scope = match parts.extensions.get::<DevOrgScope>() {
            Some(scope) => scope.clone(),
            None => authenticate(parts, app).await?,
        };
        let operation = parts.uri.path().trim_start_matches('/');
        authz::may_call(&scope.actor, operation)?;
        Ok(Self(scope))
    }
}

impl From<authz::Forbidden> for ApiError {
    fn from(e: authz::Forbidden) -> Self {
        Self::Forbidden(e.0)
    }
}

/// The verified claims of the request's token, for `auth-tokens.info` (which reports them).
/// Use it beside [`Scope`], which checks the token's record.
#[derive(Debug, Clone)]
pub struct CallerClaims(pub Claims);

impl FromRequestParts<AppState> for CallerClaims {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or(ApiError::Unauthenticated("the Authorization header is missing"))?;
        let raw = header.to_str().map_err(|_| ApiError::Unauthenticated("the Authorization header is malformed"))?;
        let token = token_text(raw).ok_or(ApiError::Unauthenticated("the Authorization header is empty"))?;
        app.keys.verify(token, Timestamp::now()).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::token_text;

    #[test]
    fn accepts_bearer_and_bare_tokens() {
        assert_eq!(token_text("Bearer abc"), Some("abc"));
        assert_eq!(token_text("bearer  abc "), Some("abc"));
        assert_eq!(token_text("abc"), Some("abc"));
        assert_eq!(token_text("Bearer "), None);
        assert_eq!(token_text(""), None);
    }
}
