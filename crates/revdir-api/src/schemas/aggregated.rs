//! `schemas.aggregated.get`: stock and custom fields of several fragments, merged.

use serde::{Deserialize, Serialize};

use super::fields::{CompositeSchema, SchemaFieldDescriptor};
use super::fragments::{CustomSchemaFragmentCondition, StageDiagramSummary, StockFieldOverride};

/// `custom-schema-spec-for-read`: the subtype and applications to aggregate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSchemaSpecForRead {
    /// Application fragments to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apps: Option<Vec<String>>,
    /// Subtype whose fragment to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
}

/// `aggregated-schema-get-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AggregatedSchemaGetRequest {
    /// Fragment ids to aggregate; each must be a current version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_fragments: Option<Vec<String>>,
    /// Subtype and applications to aggregate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema_spec: Option<CustomSchemaSpecForRead>,
    /// Whether the leaf type is a custom object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_custom_leaf_type: Option<bool>,
    /// The leaf type; its tenant fragment is included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_type: Option<String>,
    /// The stock fragment to aggregate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_schema_fragment: Option<String>,
}

/// `aggregated-schema`: stock and custom fields of several fragments, merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregatedSchema {
    /// Composite types of the custom fields.
    pub custom_composite_schemas: Vec<CompositeSchema>,
    /// The custom fields, named with their prefixes (`tnt__x`, `ctype__y`, `<app>__z`).
    pub custom_fields: Vec<SchemaFieldDescriptor>,
    /// Composite types of the stock fields.
    pub stock_composite_schemas: Vec<CompositeSchema>,
    /// The built-in fields.
    pub stock_fields: Vec<SchemaFieldDescriptor>,
    /// Applications whose fragments were included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apps: Option<Vec<String>>,
    /// Conditions of the included fragments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<CustomSchemaFragmentCondition>>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the leaf type is a custom object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_custom_leaf_type: Option<bool>,
    /// The leaf type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_type: Option<String>,
    /// The stage diagram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_diagram_id: Option<StageDiagramSummary>,
    /// Stock field overrides; the subtype's win over the tenant's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_field_overrides: Option<Vec<StockFieldOverride>>,
    /// The subtype whose fragment was included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// The subtype's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype_display_name: Option<String>,
    /// Title of the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `aggregated-schema-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregatedSchemaGetResponse {
    /// The merged schema.
    pub schema: AggregatedSchema,
}
