//! `/tags.*`: labels applied to objects, optionally with a value.

use serde::{Deserialize, Serialize};

use crate::common::{ListMode, SetList, TagStyle, UserSummary};

/// `tag`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// The tag's DON.
    pub id: String,
    /// Human-readable id, such as `TAG-7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who created the tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When the tag was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed the tag last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When the tag was changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// Values an application of the tag may carry; none means it carries no value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<String>>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The tag's unique name.
    pub name: String,
    /// How the tag is drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style_new: Option<TagStyle>,
}

/// `tags-create-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagsCreateRequest {
    /// The tag's name; unique in the dev org.
    pub name: String,
    /// Values an application of the tag may carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<String>>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How the tag is drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style_new: Option<TagStyle>,
}

/// `tags-create-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagsCreateResponse {
    /// The new tag.
    pub tag: Tag,
}

/// `tags-get-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagsGetRequest {
    /// The tag's DON or display id.
    pub id: String,
}

/// `tags-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagsGetResponse {
    /// The tag.
    pub tag: Tag,
}

/// `tags-delete-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagsDeleteRequest {
    /// The tag's DON or display id.
    pub id: String,
}

/// `tags-update-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagsUpdateRequest {
    /// The tag's DON or display id.
    pub id: String,
    /// Replaces the allowed values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<SetList<String>>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New name; unique in the dev org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style_new: Option<TagStyle>,
}

/// `tags-update-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagsUpdateResponse {
    /// The tag as stored after the update.
    pub tag: Tag,
}

/// `tags-list-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagsListRequest {
    /// Where to continue from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Which way to walk from the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ListMode>,
    /// Tags with any of these names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Vec<String>>,
    /// Sort order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<Vec<String>>,
}

/// `tags-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagsListResponse {
    /// One page of tags.
    pub tags: Vec<Tag>,
    /// Continues after this page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Continues before this page; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}
