//! `/rev-users.*`: customer contacts.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::common::{
    nullable, ArtifactSummary, CustomSchemaSpec, DateTimeFilter, ListMode, OrgSummary, SetList, SetTagWithValue,
    TagWithValue, UserState, UserSummary,
};

/// `rev-user`: a customer contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevUser {
    /// The contact's DON.
    pub id: String,
    /// Human-readable id, such as `REVU-42`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who created the contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When the contact was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed the contact last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When the contact was changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// Name shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The contact's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_picture: Option<ArtifactSummary>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Phone numbers in E.164 form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    /// The identity this user was merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_identity: Option<UserSummary>,
    /// Lifecycle state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserState>,
    /// Attached files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Vec<ArtifactSummary>>,
    /// Custom field values keyed by prefixed name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Schema fragments the custom fields follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_fragments: Option<Vec<String>>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The contact's id in an external system; unique in the dev org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// All of the contact's external ids; each unique in the dev org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// Whether the contact's identity has been verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_verified: Option<bool>,
    /// The workspace or account the contact belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev_org: Option<OrgSummary>,
    /// Stock schema fragment of the built-in fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_schema_fragment: Option<String>,
    /// Subtype, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// Tags applied to the contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagWithValue>>,
}

/// `rev-users-create-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RevUsersCreateRequest {
    /// Account to associate the contact with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Artifacts to attach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Vec<String>>,
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Schema fragment ids (deprecated form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_fragments: Option<Vec<String>>,
    /// Which schemas the custom fields belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpec>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Name shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Artifact to use as the picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_picture: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// External id; unique in the dev org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// External ids; each unique in the dev org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// Phone numbers in E.164 form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    /// Workspace the contact belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev_org: Option<String>,
    /// Tags to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<SetTagWithValue>>,
}

/// `rev-users-create-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevUsersCreateResponse {
    /// The new contact.
    pub rev_user: RevUser,
}

/// `rev-users-get-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevUsersGetRequest {
    /// The contact's DON or display id.
    pub id: String,
}

/// `rev-users-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevUsersGetResponse {
    /// The contact.
    pub rev_user: RevUser,
}

/// `rev-users-delete-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevUsersDeleteRequest {
    /// The contact's DON or display id.
    pub id: String,
}

/// `rev-users-update-request`: every field but `id` is optional; omitted fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RevUsersUpdateRequest {
    /// The contact's DON or display id.
    pub id: String,
    /// Replaces the attached artifacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<SetList<String>>,
    /// Custom field values to write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Replaces the schema fragment list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_fragments: Option<SetList<String>>,
    /// Which schemas the custom fields belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpec>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New picture: an artifact id sets it, `null` clears it, absence keeps it.
    #[serde(default, deserialize_with = "nullable::deserialize", skip_serializing_if = "Option::is_none")]
    pub display_picture: Option<Option<String>>,
    /// New email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Replaces the external ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// Replaces the phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    /// Replaces the tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<SetTagWithValue>>,
}

/// `rev-users-update-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevUsersUpdateResponse {
    /// The contact as stored after the update.
    pub rev_user: RevUser,
}

/// `rev-users-list-request`: filters are AND-ed; values within one filter are OR-ed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RevUsersListRequest {
    /// Contacts associated with any of these accounts or workspaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associations: Option<Vec<String>>,
    /// Contacts created by any of these users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Vec<String>>,
    /// Contacts created in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTimeFilter>,
    /// Where to continue from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Custom field filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Contacts with any of these emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Vec<String>>,
    /// Contacts with any of these external refs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<Vec<String>>,
    /// Contacts holding any of these values among their external refs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// Only verified (or only unverified) contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_verified: Option<bool>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Which way to walk from the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ListMode>,
    /// Contacts modified in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<DateTimeFilter>,
    /// Contacts with any of these phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    /// Contacts in any of these workspaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev_org: Option<Vec<String>>,
    /// Sort order, such as `created_date:desc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<Vec<String>>,
    /// Contacts carrying any of these tags (`TAG-1` or `TAG-1=value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// `rev-users-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevUsersListResponse {
    /// One page of contacts.
    pub rev_users: Vec<RevUser>,
    /// Continues after this page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Continues before this page; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}

/// `rev-users-scan-request`: the filters of `rev-users.list` and a cursor; the server
/// chooses the order and the page size.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RevUsersScanRequest {
    /// Contacts associated with any of these accounts or workspaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associations: Option<Vec<String>>,
    /// Contacts created by any of these users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Vec<String>>,
    /// Contacts created in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTimeFilter>,
    /// Where to resume; the beginning when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Custom field filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Contacts with any of these emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Vec<String>>,
    /// Contacts with any of these external refs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<Vec<String>>,
    /// Contacts holding any of these values among their external refs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_refs: Option<Vec<String>>,
    /// Only verified (or only unverified) contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_verified: Option<bool>,
    /// Contacts modified in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<DateTimeFilter>,
    /// Contacts with any of these phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    /// Contacts in any of these workspaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev_org: Option<Vec<String>>,
    /// Contacts carrying any of these tags (`TAG-1` or `TAG-1=value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// `rev-users-scan-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevUsersScanResponse {
    /// The next contacts of the scan.
    pub rev_users: Vec<RevUser>,
    /// Resumes the scan after this page; absent when the scan is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
