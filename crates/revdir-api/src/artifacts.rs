//! `/artifacts.*`: uploaded files, their versions and download locations (§8.4).

use serde::{Deserialize, Serialize};

use crate::common::UserSummary;

/// `artifact-configuration-set`: what an artifact is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactConfigurationSet {
    /// Media in an article.
    ArticleMedia,
    /// General purpose.
    Default,
    /// Media in an email.
    EmailMedia,
    /// Data of a job.
    JobData,
    /// Marketplace listing icon.
    MarketplaceListingIcon,
    /// Marketplace media.
    MarketplaceMedia,
    /// An organisation's logo.
    OrgLogo,
    /// A plug setting.
    PlugSetting,
    /// A plug setting's banner card.
    PlugSettingBannerCard,
    /// Portal CSS.
    PortalCss,
    /// Snap-in function code.
    SnapInFunctionsCode,
    /// A snap widget.
    SnapWidget,
    /// A user's profile picture.
    UserProfilePicture,
    /// Attached to work.
    Work,
}

impl ArtifactConfigurationSet {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ArticleMedia => "article_media",
            Self::Default => "default",
            Self::EmailMedia => "email_media",
            Self::JobData => "job_data",
            Self::MarketplaceListingIcon => "marketplace_listing_icon",
            Self::MarketplaceMedia => "marketplace_media",
            Self::OrgLogo => "org_logo",
            Self::PlugSetting => "plug_setting",
            Self::PlugSettingBannerCard => "plug_setting_banner_card",
            Self::PortalCss => "portal_css",
            Self::SnapInFunctionsCode => "snap_in_functions_code",
            Self::SnapWidget => "snap_widget",
            Self::UserProfilePicture => "user_profile_picture",
            Self::Work => "work",
        }
    }
}

/// `artifact-file`: name, media type and size of an artifact's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactFile {
    /// Media type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// File name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Size in bytes, once uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i32>,
}

/// `artifact`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// The artifact's DON.
    pub id: String,
    /// Human-readable id, such as `ARTIFACT-12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who created the artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed it last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When it was changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// The file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<ArtifactFile>,
}

/// `artifact-version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactVersion {
    /// The version number, as text.
    pub version: String,
    /// When the version was created.
    pub timestamp: String,
    /// Who created the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
}

/// One form field of a presigned upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormData {
    /// Field name.
    pub key: String,
    /// Field value.
    pub value: String,
}

/// `artifacts-prepare-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactsPrepareRequest {
    /// Name of the file to upload.
    pub file_name: String,
    /// Media type of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// What the artifact is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_set: Option<ArtifactConfigurationSet>,
}

/// `artifacts-prepare-response`: where and how to upload the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactsPrepareResponse {
    /// The new artifact's DON.
    pub id: String,
    /// Absolute URL to POST the multipart form to.
    pub url: String,
    /// Fields to send with the file, in order.
    pub form_data: Vec<FormData>,
}

/// `artifacts-get-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactsGetRequest {
    /// The artifact's DON or display id.
    pub id: String,
    /// A version; the latest when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `artifacts-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactsGetResponse {
    /// The artifact.
    pub artifact: Artifact,
    /// The version described.
    pub version: ArtifactVersion,
}

/// `artifacts-list-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactsListRequest {
    /// The object whose attached artifacts to list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

/// `artifacts-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactsListResponse {
    /// The attached artifacts.
    pub artifacts: Vec<Artifact>,
}

/// `artifacts-locate-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactsLocateRequest {
    /// The artifact's DON or display id.
    pub id: String,
    /// A version; the latest uploaded when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `artifacts-locate-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactsLocateResponse {
    /// Absolute, time-limited download URL.
    pub url: String,
    /// When the URL stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// `artifacts-versions-prepare-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactsVersionsPrepareRequest {
    /// The artifact's DON or display id.
    pub id: String,
}

/// `artifacts-versions-prepare-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactsVersionsPrepareResponse {
    /// Absolute URL to POST the multipart form to.
    pub url: String,
    /// Fields to send with the file, in order.
    pub form_data: Vec<FormData>,
}

/// `artifacts-hard-delete-version-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactsHardDeleteVersionRequest {
    /// The artifact's DON or display id.
    pub id: String,
    /// The version to delete; the latest when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}
