//! `/auth-tokens.*`: minting, inspecting and revoking tokens (§8.5).
//!
//! Types that carry a token value (`auth-tokens-create-request`'s `subject_token`,
//! `auth-tokens-create-response`'s `access_token`) redact it in `Debug`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::common::{UserSummary, UserType};

/// `auth-token-requested-token-type`: the kinds of token DevRev names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthTokenRequestedTokenType {
    /// Application access token (a service account's).
    #[serde(rename = "urn:devrev:params:oauth:token-type:aat")]
    Aat,
    /// Application access token acting as a user.
    #[serde(rename = "urn:devrev:params:oauth:token-type:aat:act-as")]
    AatActAs,
    /// Public application access token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:aat:public")]
    AatPublic,
    /// Dev token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:dev")]
    Dev,
    /// Dev connect token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:dev:connect")]
    DevConnect,
    /// Group access token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:gat")]
    Gat,
    /// Personal access token (a dev user's).
    #[serde(rename = "urn:devrev:params:oauth:token-type:pat")]
    Pat,
    /// Personal access token acting as another user.
    #[serde(rename = "urn:devrev:params:oauth:token-type:pat:act-as")]
    PatActAs,
    /// Rev access token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:rat")]
    Rat,
    /// Rev token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:rev")]
    Rev,
    /// Session token (a rev user's).
    #[serde(rename = "urn:devrev:params:oauth:token-type:session")]
    Session,
    /// Dev session token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:session:dev0")]
    SessionDev0,
    /// One-time session token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:session:onetime")]
    SessionOnetime,
    /// Session token acting as a rev user.
    #[serde(rename = "urn:devrev:params:oauth:token-type:session:rev:act-as")]
    SessionRevActAs,
    /// Super token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:super")]
    Super,
    /// System user token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:sys")]
    Sys,
    /// A plain JWT.
    #[serde(rename = "urn:ietf:params:oauth:token-type:jwt")]
    Jwt,
}

/// `auth-token-grant-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthTokenGrantType {
    /// Issue a new token.
    #[serde(rename = "urn:devrev:params:oauth:grant-type:token-issue")]
    TokenIssue,
    /// Exchange another token for one.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:token-exchange")]
    TokenExchange,
}

/// `auth-token-subject-token-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthTokenSubjectTokenType {
    /// An Auth0 JWT.
    #[serde(rename = "urn:devrev:params:oauth:token-type:jwt:auth0")]
    JwtAuth0,
    /// A dev JWT.
    #[serde(rename = "urn:devrev:params:oauth:token-type:jwt:dev")]
    JwtDev,
    /// A rev access token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:rat")]
    Rat,
    /// A rev token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:rev")]
    Rev,
    /// Rev user information.
    #[serde(rename = "urn:devrev:params:oauth:token-type:revinfo")]
    Revinfo,
    /// A session token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:session")]
    Session,
    /// A system user token.
    #[serde(rename = "urn:devrev:params:oauth:token-type:sysu")]
    Sysu,
    /// OpenID user information.
    #[serde(rename = "urn:devrev:params:oauth:token-type:userinfo")]
    Userinfo,
    /// A plain JWT.
    #[serde(rename = "urn:ietf:params:oauth:token-type:jwt")]
    Jwt,
}

/// `auth-token-status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthTokenStatus {
    /// Usable.
    Active,
    /// Past its expiry.
    Expired,
    /// Revoked.
    Revoked,
}

/// `auth-token-token-type`: how the token is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthTokenTokenType {
    /// `Authorization: Bearer <token>`.
    Bearer,
}

/// `auth-token`: what the server keeps about a token (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthToken {
    /// The token's DON.
    pub id: String,
    /// Human-readable id (tokens have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who minted the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When the token was minted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed the token's metadata last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When the token's metadata changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// Application the token belongs to (application access tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// When the token stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// When the token was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
    /// The token's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_token_type: Option<AuthTokenRequestedTokenType>,
    /// Scopes asked for when minting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Whether the token is active, expired or revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AuthTokenStatus>,
    /// The DON of the user the token authenticates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// A note identifying the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_hint: Option<String>,
}

/// `auth-tokens-user-traits`: what to record about a rev user created for a session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthTokensUserTraits {
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Phone numbers in E.164 form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
}

/// `auth-tokens-account-traits`: what to record about an account created for a session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthTokensAccountTraits {
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
}

/// `auth-tokens-org-traits`: what to record about a workspace created for a session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthTokensOrgTraits {
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Domain (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    /// Tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// `auth-tokens-rev-info`: the rev user a session token is for, found or created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthTokensRevInfo {
    /// External id of the contact's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_ref: Option<String>,
    /// The account's traits, used when it is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_traits: Option<AuthTokensAccountTraits>,
    /// External id of the contact's workspace (deprecated name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_ref: Option<String>,
    /// The workspace's traits (deprecated name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_traits: Option<AuthTokensOrgTraits>,
    /// The contact's id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The contact's external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_ref: Option<String>,
    /// The contact's traits, used when it is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_traits: Option<AuthTokensUserTraits>,
    /// External id of the contact's workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_ref: Option<String>,
    /// The workspace's traits, used when it is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_traits: Option<AuthTokensOrgTraits>,
}

/// `auth-tokens-create-request`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthTokensCreateRequest {
    /// The user to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_as: Option<String>,
    /// Audience claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Vec<String>>,
    /// Application the token is for (application access tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Lifetime in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u32>,
    /// How the token is granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<AuthTokenGrantType>,
    /// Which kind of token to mint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_token_type: Option<AuthTokenRequestedTokenType>,
    /// The rev user a session token is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev_info: Option<AuthTokensRevInfo>,
    /// Space-separated scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// A token to exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_token: Option<String>,
    /// The kind of `subject_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_token_type: Option<AuthTokenSubjectTokenType>,
    /// A note identifying the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_hint: Option<String>,
}

impl fmt::Debug for AuthTokensCreateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthTokensCreateRequest")
            .field("act_as", &self.act_as)
            .field("aud", &self.aud)
            .field("client_id", &self.client_id)
            .field("expires_in", &self.expires_in)
            .field("grant_type", &self.grant_type)
            .field("requested_token_type", &self.requested_token_type)
            .field("rev_info", &self.rev_info)
            .field("scope", &self.scope)
            .field("subject_token", &self.subject_token.as_ref().map(|_| "[redacted]"))
            .field("subject_token_type", &self.subject_token_type)
            .field("token_hint", &self.token_hint)
            .finish()
    }
}

/// `auth-tokens-create-response`: the token, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthTokensCreateResponse {
    /// The token (a JWT).
    pub access_token: String,
    /// Application the token belongs to (application access tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// A token to refresh this one (never issued by revdir).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Space-separated scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Always `bearer`.
    pub token_type: AuthTokenTokenType,
}

impl fmt::Debug for AuthTokensCreateResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthTokensCreateResponse")
            .field("access_token", &"[redacted]")
            .field("client_id", &self.client_id)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .field("scope", &self.scope)
            .field("token_type", &self.token_type)
            .finish()
    }
}

/// `auth-tokens-get-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensGetRequest {
    /// The token's DON (or bare id).
    pub token_id: String,
}

/// `auth-tokens-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthTokensGetResponse {
    /// The token's metadata.
    pub token: AuthToken,
}

/// `auth-tokens-list-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensListRequest {
    /// Only tokens of this application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Only tokens of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_token_type: Option<AuthTokenRequestedTokenType>,
    /// Whose tokens; the caller's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// `auth-tokens-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthTokensListResponse {
    /// Every matching token (no pagination).
    pub tokens: Vec<AuthToken>,
}

/// `auth-tokens-update-request`: only the hint can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensUpdateRequest {
    /// The new hint.
    pub token_hint: String,
    /// The token's DON (or bare id).
    pub token_id: String,
}

/// `auth-tokens-update-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthTokensUpdateResponse {
    /// The token's metadata.
    pub token: AuthToken,
}

/// `auth-tokens-delete-request`: revokes a token, the calling one when `token_id` is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensDeleteRequest {
    /// The token's DON (or bare id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}

/// `auth-tokens-self-delete-request`: revokes the caller's tokens of a kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensSelfDeleteRequest {
    /// Which kind; every kind when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_token_type: Option<AuthTokenRequestedTokenType>,
}

/// `auth-tokens-info-request`: takes no fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensInfoRequest {}

/// `auth-tokens-org-attributes`: the dev org a token acts in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensOrgAttributes {
    /// Human-readable id, such as `DEV-AbCdEfGh`.
    pub display_id: String,
    /// The org's DON.
    pub id: String,
    /// The org's slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
}

/// `auth-tokens-user-attributes`: the user a token authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensUserAttributes {
    /// Which kind of user.
    #[serde(rename = "type")]
    pub user_type: UserType,
    /// Human-readable id (the DON for service accounts, which have none).
    pub display_id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// The user's DON.
    pub id: String,
}

/// `auth-tokens-token-attributes`: the calling token's claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensTokenAttributes {
    /// `exp`: epoch seconds.
    pub expiry: i64,
    /// `iat`: epoch seconds.
    pub issued_at: i64,
    /// `iss`.
    pub issuer: String,
    /// `sub`: the user's DON.
    pub subject: String,
}

/// `auth-tokens-info-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokensInfoResponse {
    /// The dev org.
    pub organization: AuthTokensOrgAttributes,
    /// The token's claims.
    pub token: AuthTokensTokenAttributes,
    /// The user.
    pub user: AuthTokensUserAttributes,
}
