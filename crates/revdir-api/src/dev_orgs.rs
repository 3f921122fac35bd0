//! `/dev-orgs.get`: the builder organisation a token belongs to.

use serde::{Deserialize, Serialize};

use crate::common::UserSummary;

/// `dev-org`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevOrg {
    /// The org's DON.
    pub id: String,
    /// Human-readable id, such as `DEV-AbCdEfGh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who created the org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When the org was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed the org last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When the org was changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// Name shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The org's unique slug.
    pub dev_slug: String,
}

/// `dev-orgs-get-request`: takes no fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevOrgsGetRequest {}

/// `dev-orgs-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevOrgsGetResponse {
    /// The caller's dev org.
    pub dev_org: DevOrg,
}
