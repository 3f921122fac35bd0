//! Authentication: `Authorization: Bearer <t>` or a bare `<t>` (§1) → [`DevOrgScope`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use revdir_core::api::common::UserState;
use revdir_core::authz;
use revdir_core::scope::{ChangeContext, SignedCaller};
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

/// The token text of the request's `Authorization` header.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated("the Authorization header is missing"))?;
    let raw = header.to_str().map_err(|_| ApiError::Unauthenticated("the Authorization header is malformed"))?;
    token_text(raw).ok_or(ApiError::Unauthenticated("the Authorization header is empty"))
}

/// The caller the request's token names, from its signature alone: signature, algorithm,
/// issuer, expiry claim and subject are checked, the stored record is not.
///
/// # Errors
/// 401 `unauthenticated` when the header is missing or the token is malformed, forged or
/// expired.
pub fn signed_caller(parts: &Parts, app: &AppState, now: Timestamp) -> Result<SignedCaller, ApiError> {
    let claims = app.keys.verify(bearer(parts)?, now)?;
    let (dev_org, actor) = subject(&claims.sub)?;
    Ok(SignedCaller { dev_org, actor, jti: claims.jti, context: change_context(parts) })
}

/// The org's time now: the system clock, or under the emulator the org's own clock (read
/// from the store, so every node agrees). An org that is gone, or whose time-to-live ran
/// out on its own clock, is 401 as for an org that does not exist.
///
/// # Errors
/// 401 `unauthenticated` for an org that is gone or expired; the store's errors.
pub async fn org_now(app: &AppState, dev_org: &str) -> Result<Timestamp, ApiError> {
    let system = app.system_now();
    if !app.emulator {
        return Ok(system);
    }
    let time =
        app.store.org_time(dev_org).await?.ok_or(ApiError::Unauthenticated("the token is not known to this server"))?;
    let now = time.clock.now(system);
    if time.expired(now) {
        return Err(ApiError::Unauthenticated("the token is not known to this server"));
    }
    Ok(now)
}

/// The caller the request's token names, with its org's time: under the emulator the
/// token's expiry is checked against the org's clock, so moving the clock expires tokens.
///
/// # Errors
/// As [`signed_caller`] and [`org_now`].
async fn signed_caller_at_org_time(parts: &Parts, app: &AppState) -> Result<(SignedCaller, Timestamp), ApiError> {
    if !app.emulator {
        let now = app.system_now();
        return Ok((signed_caller(parts, app, now)?, now));
    }
    // The signature first, with the expiry left for the org's clock.
    let claims = app.keys.verify(bearer(parts)?, Timestamp::from_millis(i64::MIN / 2))?;
    let (dev_org, actor) = subject(&claims.sub)?;
    let now = org_now(app, &dev_org).await?;
    if claims.exp <= now.seconds() {
        return Err(ApiError::Unauthenticated("the token has expired"));
    }
    Ok((SignedCaller { dev_org, actor, jti: claims.jti, context: change_context(parts) }, now))
}

/// The request's id and declared origin, which the change journal records.
fn change_context(parts: &Parts) -> ChangeContext {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    ChangeContext {
        request_id: header("x-request-id"),
        origin: header("x-devrev-origin").or_else(|| header("idempotency-key")),
    }
}

/// Checks a signed caller's stored token record and turns the caller into a scope. The
/// one-statement updates (`update_rev_user_row_as`) mirror these checks in SQL.
///
/// # Errors
/// 401 `unauthenticated` when the token is unknown, revoked or expired, or its user may no
/// longer act.
pub async fn check_token_record(caller: SignedCaller, app: &AppState, now: Timestamp) -> Result<DevOrgScope, ApiError> {
    let (record, subject_summary) = app
        .store
        .token(&caller.dev_org, &caller.jti)
        .await?
        .ok_or(ApiError::Unauthenticated("the token is not known to this server"))?;
    if record.revoked {
        return Err(ApiError::Unauthenticated("the token has been revoked"));
    }
    if record.expires_at.is_some_and(|e| e <= now) {
        return Err(ApiError::Unauthenticated("the token has expired"));
    }
    if record.subject != caller.actor {
        return Err(ApiError::Unauthenticated("the token's subject does not match its record"));
    }
    if !subject_summary.as_ref().is_some_and(|s| s.state == UserState::Active) {
        return Err(ApiError::Unauthenticated("the token's user can no longer sign in"));
    }
    Ok(DevOrgScope {
        dev_org: caller.dev_org,
        actor: caller.actor,
        token_id: record.jti,
        actor_summary: subject_summary,
        context: caller.context,
        now,
    })
}

/// Resolves the request's token into the caller's scope.
///
/// # Errors
/// 401 `unauthenticated` when the header is missing, the token is malformed, forged,
/// expired or revoked, or its user may no longer act.
pub async fn authenticate(parts: &Parts, app: &AppState) -> Result<DevOrgScope, ApiError> {
    let (caller, now) = signed_caller_at_org_time(parts, app).await?;
    check_token_record(caller, app, now).await
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

/// The caller of an update that may check its token's record in its own statement, saving
/// the round trip of a separate check: fully authenticated when the rate limiter already
/// did that, or known from the token's signature alone.
///
/// A handler that takes it must answer nothing but the update's success before
/// [`Caller::authenticate`] has checked the record, so that a revoked or unknown token
/// gets its 401 ahead of any other answer, exactly as with [`Scope`].
#[derive(Debug, Clone)]
pub enum Caller {
    /// The token's record was checked (by the rate limiter).
    Authenticated(DevOrgScope),
    /// Only the token's signature was checked; `now` is when.
    Signed(SignedCaller, Timestamp),
}

impl Caller {
    /// The caller's scope, checking the token's record first when that has not been done.
    ///
    /// # Errors
    /// As [`authenticate`].
    pub async fn authenticate(self, app: &AppState) -> Result<DevOrgScope, ApiError> {
        match self {
            Self::Authenticated(scope) => Ok(scope),
            Self::Signed(caller, now) => check_token_record(caller, app, now).await,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let operation = parts.uri.path().trim_start_matches('/');
        if let Some(scope) = parts.extensions.get::<DevOrgScope>() {
            authz::may_call(&scope.actor, operation)?;
            return Ok(Self::Authenticated(scope.clone()));
        }
        let (caller, now) = signed_caller_at_org_time(parts, app).await?;
        if let Err(refused) = authz::may_call(&caller.actor, operation) {
            // A dead token gets its 401 before the 403.
            check_token_record(caller, app, now).await?;
            return Err(refused.into());
        }
        Ok(Self::Signed(caller, now))
    }
}

/// The verified claims of the request's token, for `auth-tokens.info` (which reports them).
/// Use it beside [`Scope`], which checks the token's record.
#[derive(Debug, Clone)]
pub struct CallerClaims(pub Claims);

impl FromRequestParts<AppState> for CallerClaims {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        // The expiry is checked on the token's org's time, as for every other request.
        let (_, now) = signed_caller_at_org_time(parts, app).await?;
        app.keys.verify(bearer(parts)?, now).map(Self)
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
