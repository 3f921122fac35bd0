//! Auth tokens (§8.5): the kinds revdir mints, mint requests, token records and rendering.
//!
//! A token is a JWT signed by the server; the store keeps a record per `jti` (never the
//! token), which every request checks, so revocation is immediate on every node. Token ids
//! are DONs `don:identity:dvrv-us-1:devo/<org>:token/<jti>`; the bare `jti` is accepted too.

use revdir_api::auth_tokens::{
    AuthToken, AuthTokenGrantType, AuthTokenRequestedTokenType, AuthTokenStatus, AuthTokensCreateRequest,
    AuthTokensListRequest, AuthTokensOrgTraits, AuthTokensRevInfo,
};

use crate::error::ValidationError;
use crate::ids::{don, parse_any_id, parse_id, ObjectKind, ParsedId, REGION};
use crate::refs::{UserRef, UserSummaryData};
use crate::scope::Actor;
use crate::time::Timestamp;
use crate::users::ACTOR_KINDS;
use crate::values::{self, Email, PhoneNumber};

/// Longest lifetime a token may be given, in days (ten years).
pub const MAX_DAYS: u32 = 3650;
/// The audience of tokens that name none.
pub const DEFAULT_AUDIENCE: &str = "janus";

/// The kinds of token revdir mints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Personal access token: a dev user's.
    Pat,
    /// Application access token: a service account's; it only mints session tokens.
    Aat,
    /// System user token: a sys user's.
    Sys,
    /// Session token: a rev user's.
    Session,
}

impl TokenKind {
    /// Every kind, in the order error messages list them.
    pub const ALL: [Self; 4] = [Self::Pat, Self::Aat, Self::Sys, Self::Session];

    /// The code stored in token records.
    pub fn code(self) -> &'static str {
        match self {
            Self::Pat => "pat",
            Self::Aat => "aat",
            Self::Sys => "sys",
            Self::Session => "session",
        }
    }

    /// The kind a stored code names.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The wire enum value.
    pub fn wire(self) -> AuthTokenRequestedTokenType {
        match self {
            Self::Pat => AuthTokenRequestedTokenType::Pat,
            Self::Aat => AuthTokenRequestedTokenType::Aat,
            Self::Sys => AuthTokenRequestedTokenType::Sys,
            Self::Session => AuthTokenRequestedTokenType::Session,
        }
    }

    /// The URN, as the `token_type` claim and `requested_token_type` carry it.
    pub fn urn(self) -> String {
        serde_json::to_value(self.wire()).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    /// The kind a wire value names.
    ///
    /// # Errors
    /// `value_not_permitted` on `field`, listing the kinds revdir mints, for any other kind.
    pub fn from_wire(field: &str, t: AuthTokenRequestedTokenType) -> Result<Self, ValidationError> {
        Self::ALL.into_iter().find(|k| k.wire() == t).ok_or_else(|| {
            ValidationError::not_in(
                field,
                "revdir mints personal (pat), application (aat), system user (sys) and session tokens only",
                Self::ALL.iter().map(|k| k.urn()).collect(),
            )
        })
    }

    /// Lifetime in days when the request names none.
    pub fn default_days(self) -> u32 {
        match self {
            Self::Session => 1,
            Self::Pat | Self::Aat | Self::Sys => 365,
        }
    }

    /// The user kind a token of this kind authenticates.
    pub fn subject_kind(self) -> ObjectKind {
        match self {
            Self::Pat => ObjectKind::DevUser,
            Self::Aat => ObjectKind::ServiceAccount,
            Self::Sys => ObjectKind::SysUser,
            Self::Session => ObjectKind::RevUser,
        }
    }
}

/// The DON of token `jti` in dev org `org`.
pub fn token_don(org: &str, jti: &str) -> String {
    format!("don:identity:{REGION}:devo/{org}:token/{jti}")
}

/// The `sub` claim of a token of `user`: the user's DON, in the nested session form
/// (`…:revo/<id>:revu/<n>`, §3.1) for a rev user that belongs to a workspace.
pub fn subject_don(org: &str, user: UserRef, rev_org: Option<&str>) -> String {
    match (user.kind, rev_org) {
        (ObjectKind::RevUser, Some(w)) => format!("{}:revu/{}", don(ObjectKind::RevOrg, org, w), user.id),
        _ => don(user.kind, org, user.id),
    }
}

fn valid_jti(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parses a token id: its DON, or the bare `jti`.
///
/// # Errors
/// `invalid_id` when the text is neither; `unexpected_id_type` for another object's DON.
pub fn parse_token_id(field: &str, input: &str) -> Result<ParsedId, ValidationError> {
    if let Some(rest) = input.strip_prefix("don:") {
        let parts: Vec<&str> = rest.split(':').collect();
        return match parts.as_slice() {
            ["identity", region, org, last] if !region.is_empty() => {
                let org =
                    org.strip_prefix("devo/").filter(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_alphanumeric()));
                match (org, last.split_once('/')) {
                    (Some(org), Some(("token", jti))) if valid_jti(jti) => {
                        Ok(ParsedId { org: Some(org.to_owned()), local: jti.to_owned() })
                    }
                    (Some(_), Some((kind, _))) if ObjectKind::from_don_type(kind).is_some() => {
                        Err(ValidationError::unexpected_id_type(field, "auth token"))
                    }
                    _ => Err(ValidationError::invalid_id(field, input)),
                }
            }
            _ => Err(ValidationError::invalid_id(field, input)),
        };
    }
    if valid_jti(input) {
        Ok(ParsedId { org: None, local: input.to_owned() })
    } else {
        Err(ValidationError::invalid_id(field, input))
    }
}

/// Traits of a rev user created for a session token.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserTraits {
    /// Display name.
    pub display_name: Option<String>,
    /// Email.
    pub email: Option<Email>,
    /// Phone numbers.
    pub phone_numbers: Vec<PhoneNumber>,
    /// Description.
    pub description: Option<String>,
    /// Full name.
    pub full_name: Option<String>,
}

/// Traits of an account created for a session token.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountTraits {
    /// Display name; the account ref when absent.
    pub display_name: Option<String>,
    /// Domains.
    pub domains: Vec<String>,
}

/// Traits of a workspace created for a session token.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkspaceTraits {
    /// Display name; the workspace ref when absent.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Tier.
    pub tier: Option<String>,
}

/// Who a session token is for (§8.5 `rev_info`): found by external ref, or created.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    /// The contact's external ref.
    pub user_ref: Option<String>,
    /// The contact's id, when the caller knows it.
    pub user_id: Option<ParsedId>,
    /// External ref of the contact's account (found or created).
    pub account_ref: Option<String>,
    /// External ref of the contact's workspace (found, or created in the account).
    pub workspace_ref: Option<String>,
    /// Traits of a contact created here.
    pub user: UserTraits,
    /// Traits of an account created here.
    pub account: AccountTraits,
    /// Traits of a workspace created here.
    pub workspace: WorkspaceTraits,
}

/// Which token to mint, and for whom.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenGrant {
    /// For the calling dev user.
    Pat,
    /// For a sys user: `act_as`, else the caller when it is a sys user, else `SYSU-1`.
    Sys {
        /// The sys user to act as.
        act_as: Option<ParsedId>,
    },
    /// For a service account: `act_as`, else the one of `client_id` (created when new).
    Aat {
        /// The application's client id.
        client_id: Option<String>,
        /// An existing service account.
        act_as: Option<ParsedId>,
    },
    /// For a rev user, found or created from `rev_info`.
    Session(Box<SessionInfo>),
}

impl TokenGrant {
    /// The kind of token this grant mints.
    pub fn kind(&self) -> TokenKind {
        match self {
            Self::Pat => TokenKind::Pat,
            Self::Sys { .. } => TokenKind::Sys,
            Self::Aat { .. } => TokenKind::Aat,
            Self::Session(_) => TokenKind::Session,
        }
    }
}

/// A parsed `auth-tokens.create` request.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRequest {
    /// What to mint.
    pub grant: TokenGrant,
    /// Lifetime in days.
    pub days: u32,
    /// Scopes (recorded and echoed; revdir enforces none).
    pub scopes: Vec<String>,
    /// Audience claims.
    pub aud: Vec<String>,
    /// A note identifying the token.
    pub hint: Option<String>,
}

fn opt_text(field: &str, v: Option<&str>) -> Result<Option<String>, ValidationError> {
    v.filter(|s| !s.trim().is_empty()).map(|s| values::text(field, s)).transpose()
}

fn refuse_custom(field: &str, present: bool) -> Result<(), ValidationError> {
    if present {
        return Err(ValidationError::unsupported(&format!("{field}.custom_fields")));
    }
    Ok(())
}

fn workspace_traits(field: &str, t: Option<&AuthTokensOrgTraits>) -> Result<WorkspaceTraits, ValidationError> {
    let Some(t) = t else { return Ok(WorkspaceTraits::default()) };
    refuse_custom(field, t.custom_fields.is_some())?;
    Ok(WorkspaceTraits {
        display_name: opt_text(&format!("{field}.display_name"), t.display_name.as_deref())?,
        description: opt_text(&format!("{field}.description"), t.description.as_deref())?,
        tier: opt_text(&format!("{field}.tier"), t.tier.as_deref())?,
    })
}

impl SessionInfo {
    fn parse(r: &AuthTokensRevInfo) -> Result<Self, ValidationError> {
        let user_ref = opt_text("rev_info.user_ref", r.user_ref.as_deref())?;
        let user_id =
            r.user_id.as_deref().map(|id| parse_id("rev_info.user_id", id, ObjectKind::RevUser)).transpose()?;
        if user_ref.is_none() && user_id.is_none() {
            return Err(ValidationError::missing("rev_info.user_ref"));
        }
        let user = match &r.user_traits {
            None => UserTraits::default(),
            Some(t) => {
                refuse_custom("rev_info.user_traits", t.custom_fields.is_some())?;
                UserTraits {
                    display_name: opt_text("rev_info.user_traits.display_name", t.display_name.as_deref())?,
                    email: t
                        .email
                        .as_deref()
                        .filter(|e| !e.is_empty())
                        .map(|e| Email::parse("rev_info.user_traits.email", e))
                        .transpose()?,
                    phone_numbers: values::phone_numbers(
                        "rev_info.user_traits.phone_numbers",
                        t.phone_numbers.as_deref().unwrap_or_default(),
                    )?,
                    description: opt_text("rev_info.user_traits.description", t.description.as_deref())?,
                    full_name: opt_text("rev_info.user_traits.full_name", t.full_name.as_deref())?,
                }
            }
        };
        let account = match &r.account_traits {
            None => AccountTraits::default(),
            Some(t) => {
                refuse_custom("rev_info.account_traits", t.custom_fields.is_some())?;
                AccountTraits {
                    display_name: opt_text("rev_info.account_traits.display_name", t.display_name.as_deref())?,
                    domains: t
                        .domains
                        .iter()
                        .flatten()
                        .map(|d| values::non_blank("rev_info.account_traits.domains", d))
                        .collect::<Result<_, _>>()?,
                }
            }
        };
        // `org_ref`/`org_traits` are the deprecated names of the workspace's.
        let (workspace_ref, workspace) = match (&r.workspace_ref, &r.org_ref) {
            (Some(w), _) => (
                opt_text("rev_info.workspace_ref", Some(w))?,
                workspace_traits("rev_info.workspace_traits", r.workspace_traits.as_ref())?,
            ),
            (None, Some(o)) => (
                opt_text("rev_info.org_ref", Some(o))?,
                workspace_traits("rev_info.org_traits", r.org_traits.as_ref())?,
            ),
            (None, None) => (None, WorkspaceTraits::default()),
        };
        Ok(Self {
            user_ref,
            user_id,
            account_ref: opt_text("rev_info.account_ref", r.account_ref.as_deref())?,
            workspace_ref,
            user,
            account,
            workspace,
        })
    }
}

impl TokenRequest {
    /// Parses and checks an `auth-tokens.create` request.
    ///
    /// # Errors
    /// A 400 naming the field: a missing or unminted `requested_token_type`, a lifetime
    /// outside 1..=[`MAX_DAYS`] days, a field that does not apply to the kind, or token
    /// exchange, which revdir does not do.
    pub fn parse(r: &AuthTokensCreateRequest) -> Result<Self, ValidationError> {
        let t = r.requested_token_type.ok_or_else(|| ValidationError::missing("requested_token_type"))?;
        let kind = TokenKind::from_wire("requested_token_type", t)?;
        if r.grant_type == Some(AuthTokenGrantType::TokenExchange) {
            return Err(ValidationError::not_in(
                "grant_type",
                "revdir issues tokens; it does not exchange them",
                vec!["urn:devrev:params:oauth:grant-type:token-issue".to_owned()],
            ));
        }
        if r.subject_token.is_some() {
            return Err(ValidationError::unsupported("subject_token"));
        }
        if r.subject_token_type.is_some() {
            return Err(ValidationError::unsupported("subject_token_type"));
        }
        let days = match r.expires_in {
            None => kind.default_days(),
            Some(d) if (1..=MAX_DAYS).contains(&d) => d,
            Some(d) => {
                return Err(ValidationError::not_permitted("expires_in", format!("{d} days is outside 1..={MAX_DAYS}")))
            }
        };
        let only_for = |field: &str, present: bool, kinds: &[TokenKind]| {
            if present && !kinds.contains(&kind) {
                let names: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
                return Err(ValidationError::not_permitted(
                    field,
                    format!("applies to {} tokens only", names.join(" and ")),
                ));
            }
            Ok(())
        };
        only_for("act_as", r.act_as.is_some(), &[TokenKind::Sys, TokenKind::Aat])?;
        only_for("client_id", r.client_id.is_some(), &[TokenKind::Aat])?;
        only_for("rev_info", r.rev_info.is_some(), &[TokenKind::Session])?;
        let grant = match kind {
            TokenKind::Pat => TokenGrant::Pat,
            TokenKind::Sys => TokenGrant::Sys {
                act_as: r.act_as.as_deref().map(|id| parse_id("act_as", id, ObjectKind::SysUser)).transpose()?,
            },
            TokenKind::Aat => TokenGrant::Aat {
                client_id: opt_text("client_id", r.client_id.as_deref())?,
                act_as: r.act_as.as_deref().map(|id| parse_id("act_as", id, ObjectKind::ServiceAccount)).transpose()?,
            },
            TokenKind::Session => {
                let info = r.rev_info.as_ref().ok_or_else(|| ValidationError::missing("rev_info"))?;
                TokenGrant::Session(Box::new(SessionInfo::parse(info)?))
            }
        };
        let mut scopes: Vec<String> = Vec::new();
        for s in r.scope.as_deref().unwrap_or_default().split_whitespace() {
            if !scopes.iter().any(|x| x == s) {
                scopes.push(values::text("scope", s)?);
            }
        }
        let aud = match r.aud.as_deref() {
            Some(a) if !a.is_empty() => a.iter().map(|x| values::non_blank("aud", x)).collect::<Result<_, _>>()?,
            _ => vec![DEFAULT_AUDIENCE.to_owned()],
        };
        Ok(Self { grant, days, scopes, aud, hint: opt_text("token_hint", r.token_hint.as_deref())? })
    }
}

/// A token to record: everything but its subject, which the store resolves.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenIssue {
    /// The token's id.
    pub jti: String,
    /// What to mint.
    pub grant: TokenGrant,
    /// Issue time.
    pub issued_at: Timestamp,
    /// Expiry.
    pub expires_at: Timestamp,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Hint.
    pub hint: Option<String>,
}

/// The subject a new token turned out to authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedSubject {
    /// The user.
    pub user: UserRef,
    /// The workspace of a rev user, for the nested subject DON.
    pub rev_org: Option<String>,
    /// The application of an application access token.
    pub client_id: Option<String>,
    /// The `sub` claim.
    pub subject_don: String,
}

/// A token's record, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenMeta {
    /// The token's id.
    pub jti: String,
    /// The user the token authenticates.
    pub subject: UserRef,
    /// The `sub` claim.
    pub subject_don: String,
    /// The kind; `None` for a code this version does not know.
    pub kind: Option<TokenKind>,
    /// The application of an application access token.
    pub client_id: Option<String>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Hint.
    pub token_hint: Option<String>,
    /// Issue time.
    pub issued_at: Timestamp,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
    /// Whether the token was revoked.
    pub revoked: bool,
    /// Who minted it (none for tokens minted by the server itself).
    pub created_by: Option<UserRef>,
    /// Who changed the record last.
    pub modified_by: Option<UserRef>,
    /// When the record changed last.
    pub modified_date: Option<Timestamp>,
}

impl TokenMeta {
    /// The token's status at `now`.
    pub fn status(&self, now: Timestamp) -> AuthTokenStatus {
        if self.revoked {
            AuthTokenStatus::Revoked
        } else if self.expires_at.is_some_and(|e| e <= now) {
            AuthTokenStatus::Expired
        } else {
            AuthTokenStatus::Active
        }
    }
}

/// A token's record with the summaries it references.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenView {
    /// The record.
    pub meta: TokenMeta,
    /// Who minted it.
    pub created_by: Option<UserSummaryData>,
    /// Who changed it last.
    pub modified_by: Option<UserSummaryData>,
}

impl TokenView {
    /// Renders the wire `auth-token`, with its status at `now`.
    pub fn render(&self, org: &str, now: Timestamp) -> AuthToken {
        let m = &self.meta;
        AuthToken {
            id: token_don(org, &m.jti),
            display_id: None,
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(m.issued_at.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(m.modified_date.unwrap_or(m.issued_at).to_rfc3339()),
            client_id: m.client_id.clone(),
            expires_at: m.expires_at.map(Timestamp::to_rfc3339),
            issued_at: Some(m.issued_at.to_rfc3339()),
            requested_token_type: m.kind.map(TokenKind::wire),
            scopes: (!m.scopes.is_empty()).then(|| m.scopes.clone()),
            status: Some(m.status(now)),
            subject: Some(m.subject_don.clone()),
            token_hint: m.token_hint.clone(),
        }
    }
}

/// Filters of `auth-tokens.list`.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenFilter {
    /// Whose tokens; `None` when the request named a user of another dev org (matches nothing).
    pub subject: Option<UserRef>,
    /// Application.
    pub client_id: Option<String>,
    /// Kind; `Err` holds a kind revdir never mints (matches nothing).
    pub kind: Option<Result<TokenKind, ()>>,
}

impl TokenFilter {
    /// Parses an `auth-tokens.list` request made by `actor` in dev org `org`.
    ///
    /// # Errors
    /// `invalid_id` or `unexpected_id_type` for a malformed `subject`.
    pub fn parse(org: &str, actor: &Actor, r: &AuthTokensListRequest) -> Result<Self, ValidationError> {
        let subject = match r.subject.as_deref() {
            None => Some(*actor),
            Some(s) => {
                let (kind, p) = parse_any_id("subject", s, ACTOR_KINDS)?;
                p.number_in(org).map(|id| UserRef { kind, id })
            }
        };
        Ok(Self {
            subject,
            client_id: r.client_id.clone(),
            kind: r.requested_token_type.map(|t| TokenKind::from_wire("requested_token_type", t).map_err(drop)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revdir_api::ErrorKind;

    #[test]
    fn token_ids_parse_as_dons_or_bare_ids() {
        let d = token_don("Org1", "abc123");
        assert_eq!(d, "don:identity:dvrv-us-1:devo/Org1:token/abc123");
        let p = parse_token_id("token_id", &d).unwrap();
        assert_eq!((p.org.as_deref(), p.local.as_str()), (Some("Org1"), "abc123"));
        assert_eq!(parse_token_id("token_id", "abc123").unwrap().org, None);
        assert!(matches!(
            parse_token_id("token_id", "don:identity:dvrv-us-1:devo/Org1:devu/1").unwrap_err().kind,
            ErrorKind::UnexpectedIdType { .. }
        ));
        for bad in ["", "a b", "don:identity:x", "don:core:dvrv-us-1:devo/O:token/x", "don:identity:r:devo/:token/x"] {
            assert!(matches!(parse_token_id("t", bad).unwrap_err().kind, ErrorKind::InvalidId { .. }), "{bad}");
        }
    }

    #[test]
    fn session_subjects_nest_the_workspace() {
        let u = UserRef { kind: ObjectKind::RevUser, id: 7 };
        assert_eq!(subject_don("O", u, Some("W1")), "don:identity:dvrv-us-1:devo/O:revo/W1:revu/7");
        assert_eq!(subject_don("O", u, None), "don:identity:dvrv-us-1:devo/O:revu/7");
    }

    fn request(t: AuthTokenRequestedTokenType) -> AuthTokensCreateRequest {
        AuthTokensCreateRequest { requested_token_type: Some(t), ..Default::default() }
    }

    #[test]
    fn mint_requests_are_checked() {
        let pat = TokenRequest::parse(&request(AuthTokenRequestedTokenType::Pat)).unwrap();
        assert_eq!((pat.grant.kind(), pat.days, pat.aud.clone()), (TokenKind::Pat, 365, vec!["janus".to_owned()]));
        let err = |r: &AuthTokensCreateRequest| TokenRequest::parse(r).unwrap_err().kind;
        assert!(matches!(err(&AuthTokensCreateRequest::default()), ErrorKind::MissingRequiredField { .. }));
        assert!(matches!(
            err(&request(AuthTokenRequestedTokenType::Super)),
            ErrorKind::ValueNotPermitted { allowed_values: Some(v), .. } if v.len() == 4
        ));
        let mut r = request(AuthTokenRequestedTokenType::Pat);
        r.expires_in = Some(0);
        assert!(matches!(err(&r), ErrorKind::ValueNotPermitted { field_name, .. } if field_name == "expires_in"));
        r.expires_in = Some(MAX_DAYS + 1);
        assert!(matches!(err(&r), ErrorKind::ValueNotPermitted { .. }));
        r.expires_in = Some(2);
        r.client_id = Some("app".into());
        assert!(matches!(err(&r), ErrorKind::ValueNotPermitted { field_name, .. } if field_name == "client_id"));
        let session = request(AuthTokenRequestedTokenType::Session);
        assert!(matches!(err(&session), ErrorKind::MissingRequiredField { field_name } if field_name == "rev_info"));
        let mut session = session;
        session.rev_info = Some(AuthTokensRevInfo::default());
        assert!(
            matches!(err(&session), ErrorKind::MissingRequiredField { field_name } if field_name == "rev_info.user_ref")
        );
        session.rev_info = Some(AuthTokensRevInfo { user_ref: Some("u-1".into()), ..Default::default() });
        session.scope = Some("read  write read".into());
        let ok = TokenRequest::parse(&session).unwrap();
        assert_eq!((ok.days, ok.scopes), (1, vec!["read".to_owned(), "write".to_owned()]));
    }

    #[test]
    fn status_follows_revocation_then_expiry() {
        let mut m = TokenMeta {
            jti: "j".into(),
            subject: UserRef { kind: ObjectKind::DevUser, id: 1 },
            subject_don: String::new(),
            kind: Some(TokenKind::Pat),
            client_id: None,
            scopes: Vec::new(),
            token_hint: None,
            issued_at: Timestamp::from_millis(0),
            expires_at: Some(Timestamp::from_millis(10)),
            revoked: false,
            created_by: None,
            modified_by: None,
            modified_date: None,
        };
        assert_eq!(m.status(Timestamp::from_millis(5)), AuthTokenStatus::Active);
        assert_eq!(m.status(Timestamp::from_millis(10)), AuthTokenStatus::Expired);
        m.revoked = true;
        assert_eq!(m.status(Timestamp::from_millis(5)), AuthTokenStatus::Revoked);
    }
}
