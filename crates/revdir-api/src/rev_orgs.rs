//! `/rev-orgs.*`: workspaces inside accounts.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::common::{
    AccountSummary, ArtifactSummary, CustomSchemaSpec, DateTimeFilter, ListMode, OrgSummary, SetList, SetTagWithValue,
    TagWithValue, UserSummary,
};

/// `rev-org`: a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevOrg {
    /// The workspace's DON.
    pub id: String,
    /// Human-readable id, such as `REV-AbCdEfGh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who created the workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When the workspace was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed the workspace last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When the workspace was changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// Name shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The account the workspace belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountSummary>,
    /// Attached files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Vec<ArtifactSummary>>,
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Schema fragments the custom fields follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_fragments: Option<Vec<String>>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Company domain (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// External id; unique in the dev org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// The workspace this one was merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_rev_org: Option<OrgSummary>,
    /// Stock schema fragment of the built-in fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_schema_fragment: Option<String>,
    /// Subtype, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// Tags applied to the workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagWithValue>>,
}

/// `org-environment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgEnvironment {
    /// Production.
    Production,
    /// Staging.
    Staging,
    /// Test.
    Test,
}

/// `rev-orgs-create-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RevOrgsCreateRequest {
    /// The owning account.
    pub account: String,
    /// Name shown in user interfaces.
    pub display_name: String,
    /// Artifacts to attach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Vec<String>>,
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Schema fragment ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_fragments: Option<Vec<String>>,
    /// Which schemas the custom fields belong to (a revdir extension here: the spec leaves
    /// it out of this request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpec>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Company domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<OrgEnvironment>,
    /// External id; unique in the dev org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Tags to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<SetTagWithValue>>,
    /// Tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// `rev-orgs-create-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevOrgsCreateResponse {
    /// The new workspace.
    pub rev_org: RevOrg,
}

/// `rev-orgs-get-request`: by id, or the default workspace of an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevOrgsGetRequest {
    /// An account whose default workspace to return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The workspace's DON or display id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `rev-orgs-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevOrgsGetResponse {
    /// The workspace.
    pub rev_org: RevOrg,
}

/// `rev-orgs-delete-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevOrgsDeleteRequest {
    /// The workspace's DON or display id.
    pub id: String,
}

/// `rev-orgs-update-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RevOrgsUpdateRequest {
    /// The workspace's DON or display id.
    pub id: String,
    /// Moves the workspace to another account (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Replaces the attached artifacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<SetList<String>>,
    /// Custom field values to write (a revdir extension here: the spec leaves it out of
    /// this request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Replaces the schema fragment list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_fragments: Option<Vec<String>>,
    /// Which schemas the custom fields belong to (a revdir extension here, like
    /// `custom_fields`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpec>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// New environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<OrgEnvironment>,
    /// New external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Replaces the tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<SetTagWithValue>>,
    /// New tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// `rev-orgs-update-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevOrgsUpdateResponse {
    /// The workspace as stored after the update.
    pub rev_org: RevOrg,
}

/// `rev-orgs-list-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RevOrgsListRequest {
    /// Workspaces of any of these accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Vec<String>>,
    /// Workspaces created by any of these users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Vec<String>>,
    /// Workspaces created in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTimeFilter>,
    /// Where to continue from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Custom field filters (`name:value,...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_field_filter: Option<Vec<String>>,
    /// Custom field filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Workspaces with any of these names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Vec<String>>,
    /// Workspaces with any of these external refs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<Vec<String>>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Which way to walk from the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ListMode>,
    /// Workspaces modified in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<DateTimeFilter>,
    /// Sort order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<Vec<String>>,
    /// Workspaces carrying any of these tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// `rev-orgs-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevOrgsListResponse {
    /// One page of workspaces.
    pub rev_orgs: Vec<RevOrg>,
    /// Continues after this page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Continues before this page; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}
