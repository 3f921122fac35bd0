//! `/dev-users.*`: members of the builder organisation.

use serde::{Deserialize, Serialize};

use crate::common::{ArtifactSummary, UserState, UserSummary};

/// `dev-user`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Lifecycle state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserState>,
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
