//! References and summaries that several entity families render: a reference to a user of
//! any kind, the summaries of users and organisations embedded in other objects, and the
//! inclusive time range of list filters.
//!
//! This is a leaf of the crate: it imports only ids, errors and times, so every family
//! (users, orgs, tags, artifacts, tokens, schema fragments) can use it without importing
//! another family.

use revdir_api::common::{DateTimeFilter, OrgSummary, OrgType, UserState, UserSummary, UserType};

use crate::error::ValidationError;
use crate::ids::{display_id, don, ObjectKind};
use crate::time::Timestamp;

/// A reference to a user of any kind inside one dev org.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserRef {
    /// `DevUser`, `RevUser`, `SysUser` or `ServiceAccount`.
    pub kind: ObjectKind,
    /// The user's local id.
    pub id: i64,
}

/// The wire discriminator of a user kind.
pub fn user_type(kind: ObjectKind) -> UserType {
    match kind {
        ObjectKind::RevUser => UserType::RevUser,
        ObjectKind::SysUser => UserType::SysUser,
        ObjectKind::ServiceAccount => UserType::ServiceAccount,
        _ => UserType::DevUser,
    }
}

/// What a summary of an organisation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSummaryData {
    /// `Account` or `RevOrg`.
    pub kind: ObjectKind,
    /// Local id.
    pub id: String,
    /// Display name.
    pub display_name: Option<String>,
}

impl OrgSummaryData {
    /// Renders an `org-summary`.
    pub fn render(&self, org: &str) -> OrgSummary {
        OrgSummary {
            org_type: if self.kind == ObjectKind::Account { OrgType::Account } else { OrgType::RevOrg },
            id: don(self.kind, org, &self.id),
            display_id: display_id(self.kind, &self.id),
            display_name: self.display_name.clone(),
            dev_slug: None,
        }
    }
}

/// What a summary of a user needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummaryData {
    /// Which user.
    pub user: UserRef,
    /// Display name.
    pub display_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Full name.
    pub full_name: Option<String>,
    /// State.
    pub state: UserState,
    /// Rev users: external ref.
    pub external_ref: Option<String>,
    /// Rev users: their workspace.
    pub rev_org: Option<OrgSummaryData>,
}

impl UserSummaryData {
    /// Renders a `user-summary`.
    pub fn render(&self, org: &str) -> UserSummary {
        UserSummary {
            user_type: user_type(self.user.kind),
            id: don(self.user.kind, org, self.user.id),
            display_id: display_id(self.user.kind, self.user.id),
            display_name: self.display_name.clone(),
            display_picture: None,
            email: self.email.clone(),
            full_name: self.full_name.clone(),
            state: Some(self.state),
            external_ref: self.external_ref.clone(),
            rev_org: self.rev_org.as_ref().map(|o| o.render(org)),
        }
    }
}

/// An inclusive time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    /// Lower bound.
    pub after: Option<Timestamp>,
    /// Upper bound.
    pub before: Option<Timestamp>,
}

impl TimeRange {
    /// Parses a `date-time-filter`.
    ///
    /// # Errors
    /// `value_not_permitted` for a bound that is not RFC 3339.
    pub fn parse(field: &str, f: Option<&DateTimeFilter>) -> Result<Option<Self>, ValidationError> {
        let Some(f) = f else { return Ok(None) };
        // Both bounds are inclusive: a sub-millisecond `after` rounds up and `before` down, so
        // neither admits a stored millisecond outside the range.
        let bound = |name: &str, v: &Option<String>| {
            let parse = if name == "after" { Timestamp::parse_ceil } else { Timestamp::parse };
            v.as_deref().map(|s| parse(&format!("{field}.{name}"), s)).transpose()
        };
        Ok(Some(Self { after: bound("after", &f.after)?, before: bound("before", &f.before)? }))
    }
}
