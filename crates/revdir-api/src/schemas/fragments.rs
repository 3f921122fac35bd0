//! Custom schema fragments: conditions, stock field overrides, the fragment and its summary,
//! and `schemas.custom.set`, `.get` and `.list`.

use serde::{Deserialize, Serialize};

use super::fields::{
    CompositeSchema, CustomSchemaFragmentsSetRequestCompositeSchema, SchemaFieldDescriptor, SchemaFieldUenumValue,
    SchemaFieldUiMetadata,
};
use crate::common::{ListMode, UserSummary};

/// `custom-schema-fragment-effect`: what a condition does to fields while it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomSchemaFragmentEffect {
    /// The fields affected.
    pub fields: Vec<String>,
    /// Narrows the allowed values of enum fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<String>>,
    /// Makes the fields immutable (or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
    /// Makes any value of the fields invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<bool>,
    /// Makes the fields required (or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require: Option<bool>,
    /// Shows (or hides) the fields in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show: Option<bool>,
}

/// `custom-schema-fragment-condition`: effects that apply while an expression holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomSchemaFragmentCondition {
    /// The effects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effects: Option<Vec<CustomSchemaFragmentEffect>>,
    /// The expression, such as `custom_fields.plan == "pro"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// `stock-field-override`: a change to a built-in field's properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockFieldOverride {
    /// Whether the stock field is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_required: Option<bool>,
    /// The stock field's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Replacement values of a unified enum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uenum_values: Option<Vec<SchemaFieldUenumValue>>,
    /// User-interface hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui: Option<SchemaFieldUiMetadata>,
}

/// `custom-type-path-component`: one step of a subtype's tree path (no properties).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomTypePathComponent {}

/// `custom-schema-fragment-type` (and `custom-schema-fragments-set-request-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomSchemaFragmentType {
    /// Fields owned by an application.
    AppFragment,
    /// Fields of one subtype.
    CustomTypeFragment,
    /// Fields of every object of the leaf type.
    TenantFragment,
}

/// `custom-schema-fragments-set-request-type`: same values as [`CustomSchemaFragmentType`].
pub type CustomSchemaFragmentsSetRequestType = CustomSchemaFragmentType;

/// `custom-schema-fragment-fragment-type`: the short form of a fragment's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomSchemaFragmentFragmentType {
    /// An application fragment.
    App,
    /// A subtype fragment.
    CustomType,
    /// A tenant fragment.
    Tenant,
}

/// `custom-schema-fragment-summary`: a reference to a fragment, discriminated on `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSchemaFragmentSummary {
    /// The fragment's kind.
    #[serde(rename = "type")]
    pub kind: CustomSchemaFragmentType,
    /// The fragment's DON.
    pub id: String,
    /// Human-readable id (fragments have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
}

/// `stage-diagram-summary`: a reference to a stage diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDiagramSummary {
    /// The diagram's DON.
    pub id: String,
    /// Human-readable id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// The diagram's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `custom-schema-fragment`: a tenant, subtype or application fragment, discriminated on
/// `type`; attributes of other kinds are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomSchemaFragment {
    /// The fragment's kind.
    #[serde(rename = "type")]
    pub kind: CustomSchemaFragmentType,
    /// The fragment's DON; every version has its own.
    pub id: String,
    /// Human-readable id (fragments have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who created this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When this version was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed this version last (in place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When this version was changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// Composite types used by the fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composite_schemas: Option<Vec<CompositeSchema>>,
    /// Conditions on the fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<CustomSchemaFragmentCondition>>,
    /// Deprecated alias of `is_deprecated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<SchemaFieldDescriptor>>,
    /// The kind in short form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment_type: Option<CustomSchemaFragmentFragmentType>,
    /// Whether the leaf type is a custom object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_custom_leaf_type: Option<bool>,
    /// Whether the fragment is deprecated (changed in place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deprecated: Option<bool>,
    /// The object type the fragment extends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_type: Option<String>,
    /// The version that replaced this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_fragment_ref: Option<CustomSchemaFragmentSummary>,
    /// The version this one replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_fragment_ref: Option<CustomSchemaFragmentSummary>,
    /// Application fragments: the application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// Application fragments: the application's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_display_name: Option<String>,
    /// Subtype fragments: tree path components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<CustomTypePathComponent>>,
    /// Subtype fragments: the stage diagram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_diagram: Option<StageDiagramSummary>,
    /// Subtype and tenant fragments: overrides of stock fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_field_overrides: Option<Vec<StockFieldOverride>>,
    /// Subtype fragments: the subtype.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// Subtype fragments: the subtype's display name (changed in place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype_display_name: Option<String>,
    /// Tenant fragments of custom objects: the display-id prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_prefix: Option<String>,
    /// Tenant fragments of custom objects: the leaf type's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_type_display_name: Option<String>,
}

/// `custom-schema-fragments-set-request`: the complete new state of a fragment, discriminated
/// on `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomSchemaFragmentsSetRequest {
    /// The fragment's kind.
    #[serde(rename = "type")]
    pub kind: CustomSchemaFragmentsSetRequestType,
    /// Free-text description.
    pub description: String,
    /// The object type the fragment extends.
    pub leaf_type: String,
    /// Composite types used by the fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composite_schemas: Option<Vec<CustomSchemaFragmentsSetRequestCompositeSchema>>,
    /// Conditions on the fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<CustomSchemaFragmentCondition>>,
    /// Fields of the previous version to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_fields: Option<Vec<String>>,
    /// Deprecated alias of `is_deprecated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// The fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<SchemaFieldDescriptor>>,
    /// Whether the leaf type is a custom object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_custom_leaf_type: Option<bool>,
    /// Whether the fragment is deprecated (changed in place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deprecated: Option<bool>,
    /// Application fragments (and then required): the application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// Application fragments: the application's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_display_name: Option<String>,
    /// Subtype fragments: tree path components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<CustomTypePathComponent>>,
    /// Subtype fragments: the stage diagram's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_diagram: Option<String>,
    /// Subtype and tenant fragments: overrides of stock fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_field_overrides: Option<Vec<StockFieldOverride>>,
    /// Subtype fragments (and then required): the subtype.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// Subtype fragments: the subtype's display name (changed in place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype_display_name: Option<String>,
    /// Tenant fragments of custom objects: the display-id prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_prefix: Option<String>,
}

/// `custom-schema-fragments-set-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSchemaFragmentsSetResponse {
    /// The DON of the fragment's current version.
    pub id: String,
}

/// `custom-schema-fragments-get-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSchemaFragmentsGetRequest {
    /// The fragment's DON (any version).
    pub id: String,
}

/// `custom-schema-fragments-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomSchemaFragmentsGetResponse {
    /// The fragment.
    pub fragment: CustomSchemaFragment,
}

/// `custom-schema-fragments-list-request-prune`: parts a list may leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomSchemaFragmentsListRequestPrune {
    /// Leave out the fields.
    Fields,
}

/// `custom-schema-fragments-list-request`: filters are AND-ed; values within one are OR-ed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomSchemaFragmentsListRequest {
    /// Application fragments of any of these applications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<Vec<String>>,
    /// Where to continue from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Deprecated alias of `is_deprecated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// Fragments of custom objects (or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_custom_leaf_type: Option<bool>,
    /// Deprecated fragments only (`true`) or live ones only (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deprecated: Option<bool>,
    /// Fragments of any of these leaf types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_type: Option<Vec<String>>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Which way to walk from the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ListMode>,
    /// Parts to leave out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<Vec<CustomSchemaFragmentsListRequestPrune>>,
    /// Sort order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<Vec<String>>,
    /// Subtype fragments of any of these subtypes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<Vec<String>>,
    /// Fragments of any of these kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<CustomSchemaFragmentType>>,
}

/// `custom-schema-fragments-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomSchemaFragmentsListResponse {
    /// One page of fragments.
    pub result: Vec<CustomSchemaFragment>,
    /// Continues after this page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Continues before this page; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}
