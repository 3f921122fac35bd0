//! `/dev-users.*`: members of the builder organisation (§8.2).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::common::{ArtifactSummary, CustomSchemaSpec, ListMode, UserState, UserSummary};

/// `dev-user`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DevUser {
    /// The user's DON.
    pub id: String,
    /// Human-readable id, such as `DEVU-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who created the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When the user was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed the user last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When the user was changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// Name shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The user's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_picture: Option<ArtifactSummary>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    /// The dev user this one was merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_identity: Option<UserSummary>,
    /// Lifecycle state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserState>,
    /// Custom field values keyed by prefixed name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Schema fragments the custom fields follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_fragments: Option<Vec<String>>,
    /// When the user's professional experience started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience_start_date: Option<String>,
    /// Identities of the user in other systems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_identities: Option<Vec<ExternalIdentity>>,
    /// Positions the user held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_history: Option<Vec<JobHistoryItem>>,
    /// The user's manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports_to: Option<UserSummary>,
    /// The user's skills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<UserSkill>>,
    /// Stock schema fragment of the built-in fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_schema_fragment: Option<String>,
    /// Subtype, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
}

/// `external-identity`: the user's identity in another system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalIdentity {
    /// Name of the user in that system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The user's id in that system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Whether the identity has been verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_verified: Option<bool>,
    /// The system that issued the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// `enum-value`: one value of an enumeration, as objects show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumValue {
    /// The value's id.
    pub id: i64,
    /// Label shown for the value.
    pub label: String,
    /// Position among the enumeration's values.
    pub ordinal: i64,
    /// The value itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// `job-history-item`: one position, as the dev-user object shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobHistoryItem {
    /// Kind of employment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_status: Option<EnumValue>,
    /// When the position ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Whether it is the current position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_current: Option<bool>,
    /// Where the position was held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// When the position started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `user-skill`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSkill {
    /// The skill's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `dev-users-self-request`: takes no fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersSelfRequest {}

/// `dev-users-self-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersSelfResponse {
    /// The calling dev user.
    pub dev_user: DevUser,
}

/// `dev-users-create-request-state-enum-value`: the only state a new dev user may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DevUsersCreateRequestStateEnumValue {
    /// Known by email, not joined yet.
    Shadow,
}

/// `dev-users-create-request`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersCreateRequest {
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Which schemas the custom fields belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpec>,
    /// The new user's email address.
    pub email: String,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// The dev user the new user reports to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports_to: Option<String>,
    /// Initial state: always `shadow`.
    pub state: DevUsersCreateRequestStateEnumValue,
}

/// `dev-users-create-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersCreateResponse {
    /// The new dev user.
    pub dev_user: DevUser,
}

/// `dev-users-get-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersGetRequest {
    /// The dev user's DON or display id.
    pub id: String,
}

/// `dev-users-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersGetResponse {
    /// The dev user.
    pub dev_user: DevUser,
}

/// `date-filter-type`: how a `date-filter` gives its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFilterType {
    /// Relative to now: `preset_type` and `days`.
    Preset,
    /// Absolute: `after` and `before`.
    Range,
}

/// `date-time-preset-type`: a range relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateTimePresetType {
    /// The last `days` days up to now.
    LastNDays,
    /// From now to `days` days ahead.
    NextNDays,
}

/// `date-filter`: a `range` (`date-time-filter`) or a `preset` (`date-time-preset`), flattened.
///
/// `type` may be left out; the filter then reads as a range (some SDKs send only
/// `after`/`before`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateFilter {
    /// `range` or `preset`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub filter_type: Option<DateFilterType>,
    /// Range: earliest time, inclusive (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Range: latest time, inclusive (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Preset: which way from now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset_type: Option<DateTimePresetType>,
    /// Preset: how many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

/// `dev-user-external-identity-filter`: matches users holding such an identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUserExternalIdentityFilter {
    /// The id in the external system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The issuing system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// `dev-users-list-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DevUsersListRequest {
    /// Creation time filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateFilter>,
    /// Where to continue from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Custom field filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Emails to match (any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Vec<String>>,
    /// External identities to match (any). The GET twin may also give one filter as
    /// `external_identity.id=…&external_identity.issuer=…`.
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Option::is_none")]
    pub external_identity: Option<Vec<DevUserExternalIdentityFilter>>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Which way to walk from the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ListMode>,
    /// Modification time filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<DateFilter>,
    /// Sort order, such as `display_name:asc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<Vec<String>>,
    /// States to match (any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Vec<UserState>>,
}

/// `dev-users-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersListResponse {
    /// One page of dev users.
    pub dev_users: Vec<DevUser>,
    /// Continues after this page; absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Continues before this page; absent at the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}

/// `dev-user-job-title`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DevUserJobTitle {
    /// Customer success manager.
    CustomerSuccessManager,
    /// An executive.
    Cxo,
    /// Designer.
    Designer,
    /// Developer.
    Developer,
    /// Head of support.
    HeadOfSupport,
    /// Operations.
    Operations,
    /// Anything else.
    Others,
    /// Product manager.
    ProductManager,
    /// Quality assurance.
    Qa,
    /// Revenue leader.
    RevenueLeader,
    /// Support.
    Support,
    /// Tech lead.
    TechLead,
}

/// `dev-users-update-job-history-item`: one position, as updates give it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersUpdateJobHistoryItem {
    /// Kind of employment, by enum value id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_status: Option<i64>,
    /// When the position ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Whether it is the current position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_current: Option<bool>,
    /// Where the position was held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// When the position started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `dev-users-update-request`: every field but `id` is optional; omitted fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DevUsersUpdateRequest {
    /// The dev user's DON or display id.
    pub id: String,
    /// Custom field values to write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Which schemas the custom fields belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpec>,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New start of professional experience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience_start_date: Option<String>,
    /// New full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Replaces the job history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_history: Option<Vec<DevUsersUpdateJobHistoryItem>>,
    /// New job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<DevUserJobTitle>,
    /// New manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports_to: Option<String>,
}

/// `dev-users-update-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersUpdateResponse {
    /// The updated dev user.
    pub dev_user: DevUser,
}

/// `dev-users-self-update-request`: like an update, of the calling user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DevUsersSelfUpdateRequest {
    /// Custom field values to write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Which schemas the custom fields belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpec>,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New start of professional experience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience_start_date: Option<String>,
    /// New full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Replaces the job history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_history: Option<Vec<DevUsersUpdateJobHistoryItem>>,
    /// New job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<DevUserJobTitle>,
    /// New manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports_to: Option<String>,
}

/// `dev-users-self-update-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersSelfUpdateResponse {
    /// The calling dev user, updated.
    pub dev_user: DevUser,
}

/// `dev-users-activate-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersActivateRequest {
    /// Groups to add the user to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// The dev user's DON or display id.
    pub id: String,
}

/// `dev-users-activate-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersActivateResponse {
    /// Whether an invitation was sent (revdir sends none).
    pub invite_sent: bool,
    /// revdir's addition (the schema admits more properties): the activated user, which
    /// some SDKs read from this answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev_user: Option<DevUser>,
}

/// `dev-users-deactivate-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersDeactivateRequest {
    /// The dev user's DON or display id.
    pub id: String,
}

/// `dev-users-deactivate-response`: no fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersDeactivateResponse {}

/// `dev-users-identities-link-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersIdentitiesLinkRequest {
    /// The dev user's DON or display id.
    pub dev_user: String,
    /// Name of the user in the external system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The user's id in the external system.
    pub id: String,
    /// The external system.
    pub issuer: String,
}

/// `dev-users-identities-link-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersIdentitiesLinkResponse {
    /// The dev user, with the identity.
    pub dev_user: DevUser,
}

/// `dev-users-identities-unlink-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersIdentitiesUnlinkRequest {
    /// The dev user's DON or display id.
    pub dev_user: String,
    /// The external system whose identity to remove.
    pub issuer: String,
}

/// `dev-users-identities-unlink-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUsersIdentitiesUnlinkResponse {
    /// The dev user, without the identity.
    pub dev_user: DevUser,
}

/// `dev-users-merge-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersMergeRequest {
    /// The user that remains.
    pub primary_user: String,
    /// The user merged into the primary and deactivated.
    pub secondary_user: String,
}

/// `dev-users-merge-response`: no fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUsersMergeResponse {}

/// Decodes a list of objects given as a list, as one object, or as an object of indexed
/// objects (`{"0": {…}, "1": {…}}`): the shapes query strings produce.
fn one_or_many<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::de::Error as _;
    let value = Value::deserialize(deserializer)?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(map) if !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok()) => {
            let mut indexed: Vec<(usize, Value)> =
                map.into_iter().map(|(k, v)| (k.parse::<usize>().unwrap_or_default(), v)).collect();
            indexed.sort_by_key(|(i, _)| *i);
            indexed.into_iter().map(|(_, v)| stringify_scalars(v)).collect()
        }
        one @ Value::Object(_) => vec![stringify_scalars(one)],
        Value::Null => return Ok(None),
        other => return Err(D::Error::custom(format!("invalid type: {}, expected a sequence", json_kind(&other)))),
    };
    items.into_iter().map(|v| serde_json::from_value(v).map_err(D::Error::custom)).collect::<Result<_, _>>().map(Some)
}

/// A query string's `id=12345` reads as a number; the filters' fields are all text.
fn stringify_scalars(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| match v {
                    Value::Number(_) | Value::Bool(_) => (k, Value::String(v.to_string())),
                    other => (k, other),
                })
                .collect(),
        ),
        other => other,
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(_) => "integer",
        Value::Bool(_) => "boolean",
        _ => "null",
    }
}
