//! `/sys-users.*`: built-in system users such as `devrev-bot`.

use serde::{Deserialize, Serialize};

use crate::common::{nullable, ArtifactSummary, ListMode, UserState, UserSummary};

/// `sys-user`: a system user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SysUser {
    /// The user's DON.
    pub id: String,
    /// Human-readable id, such as `SYSU-1`.
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
    /// The identity this user was merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_identity: Option<UserSummary>,
    /// Lifecycle state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserState>,
}

/// `sys-users-list-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysUsersListRequest {
    /// Where to continue from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Which way to walk from the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ListMode>,
    /// Sort order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<Vec<String>>,
}

/// `sys-users-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SysUsersListResponse {
    /// One page of system users.
    pub sys_users: Vec<SysUser>,
    /// Continues after this page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Continues before this page; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}

/// `sys-users-update-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysUsersUpdateRequest {
    /// The user's DON or display id.
    pub id: String,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New picture: an artifact id sets it, `null` clears it, absence keeps it.
    #[serde(default, deserialize_with = "nullable::deserialize", skip_serializing_if = "Option::is_none")]
    pub display_picture: Option<Option<String>>,
    /// New full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
}

/// `sys-users-update-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SysUsersUpdateResponse {
    /// The user as stored after the update.
    pub sys_user: SysUser,
}
