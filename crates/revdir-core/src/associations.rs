//! A contact's memberships of accounts and rev orgs (§7 associations, `rev-users.link`,
//! `rev-users.unlink`). API-CONVENTIONS entry 93 says how they and the contact's `rev_org`
//! summary stay consistent.

use revdir_api::common::OrgSummary;
use revdir_api::rev_user_associations::{
    RevUserAssociation, RevUserRevOrgLinkRequest, RevUsersAssociationsAddRequest, RevUsersAssociationsRemoveRequest,
};

use crate::error::ValidationError;
use crate::ids::{parse_any_id, parse_id, ObjectKind, ParsedId};
use crate::refs::OrgSummaryData;

/// The kinds a contact can be associated with.
pub const ASSOCIABLE: &[ObjectKind] = &[ObjectKind::RevOrg, ObjectKind::Account];

/// One account or rev org named by a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationTarget {
    /// `Account` or `RevOrg`.
    pub kind: ObjectKind,
    /// The id as the caller wrote it.
    pub id: ParsedId,
}

/// `rev-users.associations.add` / `.remove`: a contact and the memberships to add or take away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationChange {
    /// The contact.
    pub rev_user: ParsedId,
    /// The accounts and rev orgs, in request order, duplicates dropped.
    pub targets: Vec<AssociationTarget>,
}

fn target(field: &str, id: &str) -> Result<AssociationTarget, ValidationError> {
    let (kind, id) = parse_any_id(field, id, ASSOCIABLE)?;
    Ok(AssociationTarget { kind, id })
}

fn dedup(targets: Vec<AssociationTarget>) -> Vec<AssociationTarget> {
    let mut out: Vec<AssociationTarget> = Vec::with_capacity(targets.len());
    for t in targets {
        if !out.iter().any(|o| o.kind == t.kind && o.id.local == t.id.local && o.id.org == t.id.org) {
            out.push(t);
        }
    }
    out
}

impl TryFrom<&RevUsersAssociationsAddRequest> for AssociationChange {
    type Error = ValidationError;
    fn try_from(r: &RevUsersAssociationsAddRequest) -> Result<Self, Self::Error> {
        let rev_user = parse_id("rev_user_id", &r.rev_user_id, ObjectKind::RevUser)?;
        let mut targets = Vec::with_capacity(r.associations.len());
        for a in &r.associations {
            let id = a.associated_to.as_deref().ok_or_else(|| ValidationError::missing("associated_to"))?;
            targets.push(target("associated_to", id)?);
        }
        Ok(Self { rev_user, targets: dedup(targets) })
    }
}

impl TryFrom<&RevUsersAssociationsRemoveRequest> for AssociationChange {
    type Error = ValidationError;
    fn try_from(r: &RevUsersAssociationsRemoveRequest) -> Result<Self, Self::Error> {
        let rev_user = parse_id("rev_user_id", &r.rev_user_id, ObjectKind::RevUser)?;
        let targets = r.associations.iter().map(|id| target("associations", id)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { rev_user, targets: dedup(targets) })
    }
}

/// `rev-users.link` / `rev-users.unlink`: a contact and one rev org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevOrgLink {
    /// The contact (`id`, or the deprecated `user_don`).
    pub rev_user: ParsedId,
    /// The rev org (`rev_org`, or the deprecated `rev_org_don`).
    pub rev_org: ParsedId,
}

impl TryFrom<&RevUserRevOrgLinkRequest> for RevOrgLink {
    type Error = ValidationError;
    fn try_from(r: &RevUserRevOrgLinkRequest) -> Result<Self, Self::Error> {
        // The current name wins over its deprecated alias when a request carries both.
        let (user_field, user) = match (&r.id, &r.user_don) {
            (Some(id), _) => ("id", id),
            (None, Some(id)) => ("user_don", id),
            (None, None) => return Err(ValidationError::missing("id")),
        };
        let (org_field, org) = match (&r.rev_org, &r.rev_org_don) {
            (Some(id), _) => ("rev_org", id),
            (None, Some(id)) => ("rev_org_don", id),
            (None, None) => return Err(ValidationError::missing("rev_org")),
        };
        Ok(Self {
            rev_user: parse_id(user_field, user, ObjectKind::RevUser)?,
            rev_org: parse_id(org_field, org, ObjectKind::RevOrg)?,
        })
    }
}

/// Renders one membership as a `rev-user-association`.
pub fn render_association(target: &OrgSummaryData, org: &str) -> RevUserAssociation {
    let summary: OrgSummary = target.render(org);
    RevUserAssociation { associated_to: summary }
}
