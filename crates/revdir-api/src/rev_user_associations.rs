//! `/rev-users.associations.*`, `/rev-users.link` and `/rev-users.unlink`: a contact's
//! memberships of accounts and rev orgs (§7).

use serde::{Deserialize, Serialize};

use crate::common::{ListMode, OrgSummary};
use crate::rev_users::RevUser;

/// `create-association`: one account or rev org to associate a contact with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAssociation {
    /// The account's or rev org's DON or display id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_to: Option<String>,
}

/// `rev-users-associations-add-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevUsersAssociationsAddRequest {
    /// The contact.
    pub rev_user_id: String,
    /// What to associate it with.
    pub associations: Vec<CreateAssociation>,
}

/// `rev-users-associations-list-request` (also the GET twin's query).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevUsersAssociationsListRequest {
    /// The contact.
    pub rev_user_id: String,
    /// Where to resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Direction from the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ListMode>,
}

/// `rev-user-association`: one membership.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevUserAssociation {
    /// The account or rev org (`associated-to-summary`, discriminated by `type`).
    pub associated_to: OrgSummary,
}

/// `rev-users-associations-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevUsersAssociationsListResponse {
    /// One page of memberships.
    pub associations: Vec<RevUserAssociation>,
    /// The next page, absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// The previous page, absent at the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}

/// `rev-users-associations-remove-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevUsersAssociationsRemoveRequest {
    /// The contact.
    pub rev_user_id: String,
    /// The accounts and rev orgs to take it out of.
    pub associations: Vec<String>,
}

/// `link-rev-user-to-rev-org-request` and `unlink-rev-user-from-rev-org-request`: the same
/// fields, each with its deprecated alias.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevUserRevOrgLinkRequest {
    /// The contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The rev org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev_org: Option<String>,
    /// Deprecated alias of `rev_org`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev_org_don: Option<String>,
    /// Deprecated alias of `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_don: Option<String>,
}

/// `link-rev-user-to-rev-org-response` and `unlink-rev-user-from-rev-org-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevUserRevOrgLinkResponse {
    /// The contact after the change.
    pub rev_user: RevUser,
}
