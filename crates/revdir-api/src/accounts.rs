//! `/accounts.*`: customer companies.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::common::{
    nullable, AccountSummary, ArtifactSummary, CustomSchemaSpec, DateTimeFilter, ListMode, SetList, SetTagWithValue,
    TagWithValue, UserSummary,
};
use crate::rev_orgs::RevOrg;

/// `account`: a customer company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The account's DON.
    pub id: String,
    /// Human-readable id, such as `ACC-12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who created the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When the account was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed the account last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When the account was changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// Name shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
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
    /// Company domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// External ids; each unique in the dev org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// Dev users who own the account.
    pub owned_by: Vec<UserSummary>,
    /// The account this one was merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_account: Option<AccountSummary>,
    /// Stock schema fragment of the built-in fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_schema_fragment: Option<String>,
    /// Subtype, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// Tags applied to the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagWithValue>>,
    /// Customer tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Company websites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websites: Option<Vec<String>>,
}

/// `accounts-create-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountsCreateRequest {
    /// Name shown in user interfaces.
    pub display_name: String,
    /// Artifacts to attach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Vec<String>>,
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Which schemas the custom fields belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpec>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Company domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// External ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// Owning dev users; the caller when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<Vec<String>>,
    /// Schema fragment ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_fragment_ids: Option<Vec<String>>,
    /// Tags to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<SetTagWithValue>>,
    /// Customer tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Company websites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websites: Option<Vec<String>>,
}

/// `accounts-create-response`: the account and the workspace created with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsCreateResponse {
    /// The new account.
    pub account: Account,
    /// Its default workspace.
    pub default_rev_org: RevOrg,
}

/// `accounts-get-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsGetRequest {
    /// The account's DON or display id.
    pub id: String,
}

/// `accounts-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsGetResponse {
    /// The account.
    pub account: Account,
}

/// `accounts-delete-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsDeleteRequest {
    /// The account's DON or display id.
    pub id: String,
}

/// `accounts-update-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountsUpdateRequest {
    /// The account's DON or display id.
    pub id: String,
    /// Replaces the attached artifacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<SetList<String>>,
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Which schemas the custom fields belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpec>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Replaces the domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// Replaces the external ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// Replaces the owners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<Vec<String>>,
    /// Schema fragment ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_fragment_ids: Option<Vec<String>>,
    /// Replaces the tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<SetTagWithValue>>,
    /// New tier; `null` clears it.
    #[serde(default, deserialize_with = "nullable::deserialize", skip_serializing_if = "Option::is_none")]
    pub tier: Option<Option<String>>,
    /// Replaces the websites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websites: Option<SetList<String>>,
}

/// `accounts-update-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsUpdateResponse {
    /// The account as stored after the update.
    pub account: Account,
}

/// `accounts-list-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountsListRequest {
    /// Accounts created by any of these users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Vec<String>>,
    /// Accounts created in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTimeFilter>,
    /// Where to continue from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Custom field filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Accounts with any of these names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Vec<String>>,
    /// Accounts with any of these domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// Accounts holding any of these external refs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Which way to walk from the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ListMode>,
    /// Accounts modified in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<DateTimeFilter>,
    /// Accounts owned by any of these dev users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<Vec<String>>,
    /// Sort order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<Vec<String>>,
    /// Stage filter (accounts have no stages here; any value matches nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Vec<String>>,
    /// Subtype filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<Vec<String>>,
    /// Accounts carrying any of these tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Accounts in any of these tiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Vec<String>>,
    /// Accounts with any of these websites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websites: Option<Vec<String>>,
}

/// `accounts-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsListResponse {
    /// One page of accounts.
    pub accounts: Vec<Account>,
    /// Continues after this page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Continues before this page; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}

/// `accounts-export-request`: the filters and sort of `accounts.list`, and how many
/// accounts to return (`first`); no cursor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountsExportRequest {
    /// Accounts created by any of these users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Vec<String>>,
    /// Accounts created in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTimeFilter>,
    /// Custom field filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Accounts with any of these names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Vec<String>>,
    /// Accounts with any of these domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// Accounts holding any of these external refs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// How many accounts to return, 1 to 500; 50 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<i32>,
    /// Accounts modified in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<DateTimeFilter>,
    /// Accounts owned by any of these dev users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<Vec<String>>,
    /// Sort order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<Vec<String>>,
    /// Stage filter (accounts have no stages here; any value matches nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Vec<String>>,
    /// Subtype filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<Vec<String>>,
    /// Accounts carrying any of these tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Accounts in any of these tiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Vec<String>>,
    /// Accounts with any of these websites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websites: Option<Vec<String>>,
}

/// `accounts-export-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsExportResponse {
    /// The exported accounts.
    pub accounts: Vec<Account>,
}
