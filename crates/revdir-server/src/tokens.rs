//! Signed tokens: minting and verifying the HS256 JWTs that authenticate every request.
//!
//! The signing key lives in the database (created once, shared by every node) and is held
//! here as a secret whose `Debug` is redacted. The store keeps each token's record by `jti`,
//! never the token itself, so a revoked token fails on its next use on every node.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use revdir_core::auth_tokens::{TokenIssue, TokenKind, TokenRequest, DEFAULT_AUDIENCE};
use revdir_core::ids::{don, parse_any_id, ObjectKind};
use revdir_core::refs::UserRef;
use revdir_core::scope::DevOrgScope;
use revdir_core::store::{Store, TokenRecord};
use revdir_core::time::Timestamp;
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The `iss` claim of tokens this server mints.
pub const ISSUER: &str = "revdir";
/// Lifetime of personal access tokens when none is asked for.
pub const DEFAULT_PAT_DAYS: i64 = 365;
/// The signing key id recorded in each token header, for future rotation.
const KEY_ID: &str = "revdir-1";

/// The claims of a revdir token (§8.5).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject: the DON of the user the token acts as.
    pub sub: String,
    /// Issued at (epoch seconds).
    pub iat: i64,
    /// Expiry (epoch seconds).
    pub exp: i64,
    /// Token id; keys the stored record.
    pub jti: String,
    /// Audience.
    pub aud: Vec<String>,
    /// Token type, such as `urn:devrev:params:oauth:token-type:pat`.
    pub token_type: String,
    /// Space-separated scopes, when the token was minted with some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The application of an application access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// A token minted through `auth-tokens.create`, to be shown once.
#[derive(Debug)]
pub struct IssuedToken {
    /// The token.
    pub token: SecretString,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// The application of an application access token.
    pub client_id: Option<String>,
    /// Space-separated scopes, when any were asked for.
    pub scope: Option<String>,
}

/// Mints and verifies tokens with the shared signing key.
#[derive(Clone)]
pub struct TokenKeys {
    secret: SecretSlice<u8>,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

impl TokenKeys {
    /// Loads the shared key from the store, creating it on first use.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn load(store: &dyn Store) -> anyhow::Result<Self> {
        use rand::RngCore as _;
        let mut fresh = vec![0_u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut fresh);
        let key = store.signing_key(fresh).await.map_err(|e| anyhow::anyhow!("loading the signing key: {e}"))?;
        Ok(Self { secret: SecretSlice::from(key) })
    }

    /// The raw signing key, for deriving other keys (artifact tickets) from it.
    pub(crate) fn expose_key(&self) -> &[u8] {
        self.secret.expose_secret()
    }

    /// Signs a token's claims.
    fn sign(&self, claims: &Claims) -> Result<SecretString, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(KEY_ID.to_owned());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(self.secret.expose_secret()))
            .map(SecretString::from)
    }

    /// Mints a personal access token for `subject` in `org`, records it and returns it.
    ///
    /// # Errors
    /// When the record cannot be stored or signing fails.
    pub async fn mint_pat(
        &self,
        store: &dyn Store,
        org: &str,
        subject: UserRef,
        now: Timestamp,
        days: i64,
    ) -> anyhow::Result<SecretString> {
        self.mint_pat_lasting(store, org, subject, now, days * 86_400).await
    }

    /// Mints a personal access token lasting `seconds` (tests use short lives to watch
    /// tokens expire), records it and returns it.
    ///
    /// # Errors
    /// When the record cannot be stored or signing fails.
    pub async fn mint_pat_lasting(
        &self,
        store: &dyn Store,
        org: &str,
        subject: UserRef,
        now: Timestamp,
        seconds: i64,
    ) -> anyhow::Result<SecretString> {
        let exp = now.seconds() + seconds;
        self.mint_pat_until(store, org, subject, now, exp, Some(Timestamp::from_millis(exp * 1000))).await
    }

    /// Mints a personal access token that never expires: the emulator's admin token, so that
    /// moving an org's clock years ahead never locks a test out of its own org. Its `exp`
    /// claim, which JWTs require, is the last second of year 9999; its record has none.
    ///
    /// # Errors
    /// When the record cannot be stored or signing fails.
    pub async fn mint_pat_forever(
        &self,
        store: &dyn Store,
        org: &str,
        subject: UserRef,
        now: Timestamp,
    ) -> anyhow::Result<SecretString> {
        self.mint_pat_until(store, org, subject, now, LAST_SECOND_OF_9999, None).await
    }

    async fn mint_pat_until(
        &self,
        store: &dyn Store,
        org: &str,
        subject: UserRef,
        now: Timestamp,
        exp: i64,
        expires_at: Option<Timestamp>,
    ) -> anyhow::Result<SecretString> {
        let jti = token_id(store, org).await?;
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: don(subject.kind, org, subject.id),
            iat: now.seconds(),
            exp,
            jti: jti.clone(),
            aud: vec![DEFAULT_AUDIENCE.to_owned()],
            token_type: TokenKind::Pat.urn(),
            scope: None,
            client_id: None,
        };
        let token = self.sign(&claims)?;
        store
            .insert_token(&TokenRecord {
                jti,
                dev_org: org.to_owned(),
                subject,
                token_type: TokenKind::Pat.code().to_owned(),
                issued_at: now,
                expires_at,
                revoked: false,
            })
            .await
            .map_err(|e| anyhow::anyhow!("recording the token: {e}"))?;
        Ok(token)
    }

    /// Mints a token through the API (§8.5): the store resolves its subject (creating a
    /// service account or a session's rev user when needed) and records it, then it is
    /// signed. The token is returned once and never logged.
    ///
    /// # Errors
    /// The store's errors (400 for unknown references); 500 when signing fails.
    #[tracing::instrument(skip_all)]
    pub async fn issue(
        &self,
        store: &dyn Store,
        scope: &DevOrgScope,
        request: TokenRequest,
        now: Timestamp,
    ) -> Result<IssuedToken, ApiError> {
        let jti = token_id(store, &scope.dev_org).await?;
        let kind = request.grant.kind();
        let seconds = i64::from(request.days) * 86_400;
        let expires_at = Timestamp::from_millis((now.seconds() + seconds) * 1000);
        let scope_text = (!request.scopes.is_empty()).then(|| request.scopes.join(" "));
        let issue = TokenIssue {
            jti: jti.clone(),
            grant: request.grant,
            issued_at: now,
            expires_at,
            scopes: request.scopes,
            hint: request.hint,
        };
        let subject = store.issue_token(scope, issue, now).await?;
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: subject.subject_don,
            iat: now.seconds(),
            exp: expires_at.seconds(),
            jti,
            aud: request.aud,
            token_type: kind.urn(),
            scope: scope_text.clone(),
            client_id: subject.client_id.clone(),
        };
        let token = self.sign(&claims).map_err(|e| ApiError::Internal(anyhow::anyhow!("signing a token: {e}")))?;
        Ok(IssuedToken { token, expires_in: seconds, client_id: subject.client_id, scope: scope_text })
    }

    /// Checks a token's signature, algorithm, issuer and expiry, and returns its claims.
    ///
    /// # Errors
    /// 401 `unauthenticated` naming which check failed.
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<Claims, ApiError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_required_spec_claims(&["exp", "iss", "sub"]);
        v.validate_aud = false;
        // Expiry is checked against the server clock below, not the library's.
        v.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(self.secret.expose_secret()), &v)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                ApiError::Unauthenticated(match e.kind() {
                    K::InvalidSignature => "the token's signature is not valid",
                    K::InvalidAlgorithm | K::InvalidAlgorithmName => "the token is not signed with HS256",
                    K::InvalidIssuer => "the token was not issued by this server",
                    K::MissingRequiredClaim(_) => "the token lacks a required claim",
                    _ => "the token is malformed",
                })
            })?;
        if data.claims.exp <= now.seconds() {
            return Err(ApiError::Unauthenticated("the token has expired"));
        }
        Ok(data.claims)
    }
}

/// A new token's id: under an org's `id_seed` (the emulator's reproducible ids) the org's id
/// followed by seeded characters, since token ids are unique across the server and two orgs of
/// one seed must not collide; else a random UUID.
async fn token_id(store: &dyn Store, org: &str) -> Result<String, revdir_core::StoreError> {
    Ok(match store.org_random(org, 32usize.saturating_sub(org.len()).max(8)).await? {
        Some(seeded) => format!("{org}{seeded}"),
        None => uuid::Uuid::new_v4().simple().to_string(),
    })
}

/// `9999-12-31T23:59:59Z` in seconds: the `exp` of a token that does not expire.
const LAST_SECOND_OF_9999: i64 = 253_402_300_799;

/// Splits a subject DON into its dev org and user.
///
/// # Errors
/// 401 when the subject is not a user DON.
pub fn subject(sub: &str) -> Result<(String, UserRef), ApiError> {
    let kinds = [ObjectKind::DevUser, ObjectKind::SysUser, ObjectKind::RevUser, ObjectKind::ServiceAccount];
    let bad = || ApiError::Unauthenticated("the token's subject is not a user");
    let (kind, parsed) = parse_any_id("sub", sub, &kinds).map_err(|_| bad())?;
    let org = parsed.org.ok_or_else(bad)?;
    let id = parsed.local.parse().map_err(|_| bad())?;
    Ok((org, UserRef { kind, id }))
}
