//! Subtypes: `schemas.subtypes.list` and `schemas.subtypes.prepare-update`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `subtypes-list-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtypesListRequest {
    /// Deprecated: one leaf type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_type: Option<String>,
    /// Subtypes of any of these leaf types; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_types: Option<Vec<String>>,
}

/// `subtype`: a subtype of a leaf type and the fragment defining it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subtype {
    /// The current version of the subtype's fragment.
    pub fragment_id: String,
    /// The leaf type.
    pub leaf_type: String,
    /// The subtype, as objects carry it in `subtype`.
    pub value: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `subtypes-list-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtypesListResponse {
    /// The subtypes.
    pub subtypes: Vec<Subtype>,
}

/// `schemas-subtype-prepare-update-get-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemasSubtypePrepareUpdateGetRequest {
    /// The leaf type.
    pub leaf_type: String,
    /// Whether the leaf type is a custom object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_custom_leaf_type: Option<bool>,
    /// The subtype to change to; absent removes the subtype.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_subtype: Option<String>,
    /// The object whose subtype would change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

/// `schemas-subtype-prepare-update-get-response-added-field`: a field to set, with its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemasSubtypePrepareUpdateGetResponseAddedField {
    /// The prefixed field name.
    pub name: String,
    /// The field's default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
}

/// `schemas-subtype-prepare-update-get-response-conflict-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemasSubtypePrepareUpdateGetResponseConflictType {
    /// The new subtype has no such field.
    AbsentInNew,
    /// The old subtype had no such field.
    AbsentInOld,
    /// The new subtype's field has another type.
    IncompatibleType,
}

/// `schemas-subtype-prepare-update-get-response-dropped-field`: a value the change would drop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemasSubtypePrepareUpdateGetResponseDroppedField {
    /// Why the value is dropped.
    pub conflict_type: SchemasSubtypePrepareUpdateGetResponseConflictType,
    /// Human-readable explanation.
    pub message: String,
    /// The prefixed field name.
    pub name: String,
}

/// `schemas-subtype-prepare-update-get-response`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemasSubtypePrepareUpdateGetResponse {
    /// Fields with defaults that the change would set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_fields: Option<Vec<SchemasSubtypePrepareUpdateGetResponseAddedField>>,
    /// Values the change would drop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_fields: Option<Vec<SchemasSubtypePrepareUpdateGetResponseDroppedField>>,
    /// The object's fragment ids after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_custom_schema_fragments: Option<Vec<String>>,
    /// The new stage diagram's start stage (never set: identity objects have no stages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_start_stage: Option<String>,
}
