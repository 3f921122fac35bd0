//! Who may call what (§8.5): pure rules, called by the server before it touches the store.
//!
//! revdir has no roles: a dev user (personal access token) and a sys user (system user
//! token) may call every operation of their dev org. A service account (application access
//! token) may only mint session tokens and manage its own tokens. A rev user (session token)
//! may read and change only its own contact record and manage its own tokens. Anything else
//! is [`Forbidden`] (403 `forbidden`).

use crate::auth_tokens::TokenKind;
use crate::ids::{ObjectKind, ParsedId};
use crate::refs::UserRef;
use crate::scope::Actor;
use crate::users::RevUserPatch;

/// Why a call is refused; becomes 403 `forbidden`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Forbidden(pub String);

/// Operations a rev user's session token may call (each limited further below).
pub const REV_USER_OPERATIONS: &[&str] = &[
    "rev-users.get",
    "rev-users.update",
    "auth-tokens.info",
    "auth-tokens.get",
    "auth-tokens.list",
    "auth-tokens.update",
    "auth-tokens.delete",
    "auth-tokens.self.delete",
];

/// Operations a service account's application access token may call.
pub const SERVICE_ACCOUNT_OPERATIONS: &[&str] = &[
    "auth-tokens.create",
    "auth-tokens.info",
    "auth-tokens.get",
    "auth-tokens.list",
    "auth-tokens.update",
    "auth-tokens.delete",
    "auth-tokens.self.delete",
];

fn is_admin(actor: &Actor) -> bool {
    matches!(actor.kind, ObjectKind::DevUser | ObjectKind::SysUser)
}

fn noun(actor: &Actor) -> &'static str {
    match actor.kind {
        ObjectKind::RevUser => "a rev user's session token",
        ObjectKind::ServiceAccount => "an application access token",
        ObjectKind::SysUser => "a system user token",
        _ => "a personal access token",
    }
}

/// Whether `actor` may call `operation` (such as `rev-users.get`) at all. Operations nobody
/// listed are open to dev users and sys users only, so a new operation is closed to the
/// restricted actors until it is listed here.
///
/// # Errors
/// [`Forbidden`] naming the operation.
pub fn may_call(actor: &Actor, operation: &str) -> Result<(), Forbidden> {
    let allowed = match actor.kind {
        ObjectKind::DevUser | ObjectKind::SysUser => true,
        ObjectKind::RevUser => REV_USER_OPERATIONS.contains(&operation),
        ObjectKind::ServiceAccount => SERVICE_ACCOUNT_OPERATIONS.contains(&operation),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Forbidden(format!("{} may not call {operation}", noun(actor))))
    }
}

fn is_self(actor: &Actor, org: &str, id: &ParsedId) -> bool {
    actor.kind == ObjectKind::RevUser && id.number_in(org) == Some(actor.id)
}

/// Whether `actor` may read the contact `id`: a rev user only itself.
///
/// # Errors
/// [`Forbidden`] for a rev user naming another contact.
pub fn may_read_rev_user(actor: &Actor, org: &str, id: &ParsedId) -> Result<(), Forbidden> {
    if is_admin(actor) || is_self(actor, org, id) {
        return Ok(());
    }
    Err(Forbidden("a rev user may read only its own contact record".into()))
}

/// Whether `actor` may apply `patch` to the contact `id`. A rev user may change only its own
/// display name, description, email and phone numbers; identifiers, tags, artifacts and
/// anything added later stay with the dev org.
///
/// # Errors
/// [`Forbidden`] naming the refused field or target.
pub fn may_update_rev_user(actor: &Actor, org: &str, id: &ParsedId, patch: &RevUserPatch) -> Result<(), Forbidden> {
    if is_admin(actor) {
        return Ok(());
    }
    if !is_self(actor, org, id) {
        return Err(Forbidden("a rev user may change only its own contact record".into()));
    }
    let allowed = RevUserPatch {
        display_name: patch.display_name.clone(),
        description: patch.description.clone(),
        email: patch.email.clone(),
        phone_numbers: patch.phone_numbers.clone(),
        ..RevUserPatch::default()
    };
    if &allowed == patch {
        return Ok(());
    }
    let named = [
        ("external_ref", patch.external_ref.is_some()),
        ("external_refs", patch.external_refs.is_some()),
        ("tags", patch.tags.is_some()),
        ("display_picture", patch.display_picture.is_some()),
        ("artifacts", patch.artifacts.is_some()),
    ];
    let field = named.iter().find(|(_, set)| *set).map_or("one of the fields", |(f, _)| *f);
    Err(Forbidden(format!(
        "a rev user may change only its display_name, description, email and phone_numbers, not {field}"
    )))
}

/// Whether `actor` may mint a token of `kind`, for `act_as` when the request names one.
///
/// Personal and application access tokens are minted by dev users; system user tokens by
/// dev users (for any sys user) and sys users (for themselves); session tokens by dev users,
/// sys users and service accounts (§8.5: what an application access token is for).
///
/// # Errors
/// [`Forbidden`] naming the kind.
pub fn may_mint(actor: &Actor, org: &str, kind: TokenKind, act_as: Option<&ParsedId>) -> Result<(), Forbidden> {
    let ok = match kind {
        TokenKind::Pat | TokenKind::Aat => actor.kind == ObjectKind::DevUser,
        TokenKind::Sys => match actor.kind {
            ObjectKind::DevUser => true,
            ObjectKind::SysUser => act_as.is_none_or(|a| a.number_in(org) == Some(actor.id)),
            _ => false,
        },
        TokenKind::Session => {
            matches!(actor.kind, ObjectKind::DevUser | ObjectKind::SysUser | ObjectKind::ServiceAccount)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Forbidden(format!(
            "{} may not mint {} tokens{}",
            noun(actor),
            kind.code(),
            if act_as.is_some() { " for that user" } else { "" }
        )))
    }
}

/// Whether `actor` may see, change or revoke a token of `subject`: dev users and sys users
/// any token of their org, others only their own.
///
/// # Errors
/// [`Forbidden`] for another user's token.
pub fn may_manage_token(actor: &Actor, subject: &UserRef) -> Result<(), Forbidden> {
    if is_admin(actor) || actor == subject {
        return Ok(());
    }
    Err(Forbidden(format!("{} may manage only its own tokens", noun(actor))))
}

/// Whether `actor` may list the tokens of `subject` (`None`: a user of another dev org).
///
/// # Errors
/// [`Forbidden`] for another user's tokens.
pub fn may_list_tokens(actor: &Actor, subject: Option<&UserRef>) -> Result<(), Forbidden> {
    match subject {
        Some(s) => may_manage_token(actor, s),
        None if is_admin(actor) => Ok(()),
        None => Err(Forbidden(format!("{} may list only its own tokens", noun(actor)))),
    }
}

/// Whether `actor` has a dev user of its own (`dev-users.self`, `dev-users.self.update`).
///
/// # Errors
/// [`Forbidden`] for any other kind of user.
pub fn may_act_as_dev_user(actor: &Actor) -> Result<(), Forbidden> {
    if actor.kind == ObjectKind::DevUser {
        Ok(())
    } else {
        Err(Forbidden("only a dev user's token has a dev user self".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::parse_id;

    const DEV: Actor = UserRef { kind: ObjectKind::DevUser, id: 1 };
    const SYS: Actor = UserRef { kind: ObjectKind::SysUser, id: 1 };
    const REV: Actor = UserRef { kind: ObjectKind::RevUser, id: 7 };
    const SVC: Actor = UserRef { kind: ObjectKind::ServiceAccount, id: 2 };

    #[test]
    fn restricted_actors_call_only_listed_operations() {
        for op in ["rev-users.list", "accounts.get", "tags.create", "dev-users.self", "auth-tokens.create"] {
            assert!(may_call(&REV, op).is_err(), "{op}");
        }
        assert!(may_call(&REV, "rev-users.get").is_ok());
        assert!(may_call(&SVC, "auth-tokens.create").is_ok());
        assert!(may_call(&SVC, "rev-users.get").is_err());
        assert!(may_call(&DEV, "anything.new").is_ok());
        assert!(may_call(&SYS, "accounts.delete").is_ok());
    }

    #[test]
    fn rev_users_touch_only_themselves() {
        let me = parse_id("id", "REVU-7", ObjectKind::RevUser).unwrap();
        let other = parse_id("id", "REVU-8", ObjectKind::RevUser).unwrap();
        let foreign = parse_id("id", "don:identity:dvrv-us-1:devo/B:revu/7", ObjectKind::RevUser).unwrap();
        assert!(may_read_rev_user(&REV, "A", &me).is_ok());
        assert!(may_read_rev_user(&REV, "A", &other).is_err());
        assert!(may_read_rev_user(&REV, "A", &foreign).is_err());
        assert!(may_read_rev_user(&DEV, "A", &other).is_ok());
        let rename = RevUserPatch { display_name: Some("Ada".into()), ..Default::default() };
        assert!(may_update_rev_user(&REV, "A", &me, &rename).is_ok());
        assert!(may_update_rev_user(&REV, "A", &other, &rename).is_err());
        let reref = RevUserPatch { external_ref: Some("x".into()), ..Default::default() };
        let err = may_update_rev_user(&REV, "A", &me, &reref).unwrap_err();
        assert!(err.0.contains("external_ref"), "{err}");
    }

    #[test]
    fn minting_follows_the_token_kinds() {
        let sysu2 = parse_id("act_as", "SYSU-2", ObjectKind::SysUser).unwrap();
        let sysu1 = parse_id("act_as", "SYSU-1", ObjectKind::SysUser).unwrap();
        assert!(may_mint(&DEV, "A", TokenKind::Pat, None).is_ok());
        assert!(may_mint(&SYS, "A", TokenKind::Pat, None).is_err());
        assert!(may_mint(&SYS, "A", TokenKind::Sys, Some(&sysu1)).is_ok());
        assert!(may_mint(&SYS, "A", TokenKind::Sys, Some(&sysu2)).is_err());
        assert!(may_mint(&SVC, "A", TokenKind::Session, None).is_ok());
        assert!(may_mint(&SVC, "A", TokenKind::Aat, None).is_err());
        assert!(may_mint(&REV, "A", TokenKind::Session, None).is_err());
        assert!(may_manage_token(&REV, &REV).is_ok());
        assert!(may_manage_token(&REV, &DEV).is_err());
        assert!(may_list_tokens(&SVC, None).is_err());
        assert!(may_list_tokens(&DEV, None).is_ok());
    }
}
