//! `/schemas.*`: custom schema fragments, stock schema fragments, aggregated schemas and
//! subtypes (§6).
//!
//! A schema fragment's field descriptors are a union discriminated on `field_type` (and, for
//! arrays, on `base_type`); like the user summary, the union is one struct whose
//! variant-specific attributes are all optional. Constraints whose JSON type depends on the
//! field type (`default_value`, `allowed_values`) are kept as JSON values and checked by the
//! server against the field type.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::common::{ListMode, UserSummary};

/// `schema-field-descriptor-field-type`: the type of a custom or stock field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaFieldDescriptorFieldType {
    /// A list of values of `base_type`.
    Array,
    /// `true` or `false`.
    Bool,
    /// An object following a composite schema of the fragment.
    Composite,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A floating-point number.
    Double,
    /// One of a list of strings.
    Enum,
    /// The id of an object.
    Id,
    /// A 64-bit integer.
    Int,
    /// Any JSON value.
    JsonValue,
    /// Formatted text.
    RichText,
    /// Any JSON object.
    Struct,
    /// Plain text.
    Text,
    /// An RFC 3339 date-time.
    Timestamp,
    /// Text searched by tokens.
    Tokens,
    /// One of a list of numbered values.
    Uenum,
    /// A field whose type this API does not describe.
    Unknown,
}

/// `schema-field-descriptor-array-type-base-type`: the element type of an array field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaFieldDescriptorArrayTypeBaseType {
    /// `true` or `false`.
    Bool,
    /// An object following a composite schema of the fragment.
    Composite,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A floating-point number.
    Double,
    /// One of a list of strings.
    Enum,
    /// The id of an object.
    Id,
    /// A 64-bit integer.
    Int,
    /// Any JSON value.
    JsonValue,
    /// Formatted text.
    RichText,
    /// Any JSON object.
    Struct,
    /// Plain text.
    Text,
    /// An RFC 3339 date-time.
    Timestamp,
    /// Text searched by tokens.
    Tokens,
    /// One of a list of numbered values.
    Uenum,
}

/// `schema-field-uenum-value`: one value of a unified enum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaFieldUenumValue {
    /// The value's immutable id, which is what objects store.
    pub id: i64,
    /// Whether the value is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deprecated: Option<bool>,
    /// Human-readable name.
    pub label: String,
    /// Sort position.
    pub ordinal: i64,
    /// Tooltip shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
}

/// `view-override`: UI hints for one view of one client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ViewOverride {
    /// Decimal places of number fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal_places: Option<i32>,
    /// Display name of the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the field can be grouped by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_groupable: Option<bool>,
    /// Whether the field is hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hidden: Option<bool>,
    /// Whether the field is mandatory in the view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_required: Option<bool>,
    /// Relative order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i32>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Tooltip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Whether numbers use shorthand notation (1K).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_shorthand_notation: Option<bool>,
    /// The view these hints apply to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_name: Option<String>,
}

/// `client-override`: UI hints for one client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientOverride {
    /// The client these hints apply to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// Decimal places of number fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal_places: Option<i32>,
    /// Display name of the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the field can be grouped by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_groupable: Option<bool>,
    /// Whether the field is hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hidden: Option<bool>,
    /// Whether the field is mandatory in the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_required: Option<bool>,
    /// Relative order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i32>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Tooltip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Whether numbers use shorthand notation (1K).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_shorthand_notation: Option<bool>,
    /// Hints per view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_overrides: Option<Vec<ViewOverride>>,
}

/// `schema-field-*-view-ui-metadata`: whether a field is hidden in one kind of view.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemaFieldViewUiMetadata {
    /// Whether the field is hidden in that view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hidden: Option<bool>,
}

/// `schema-field-ui-metadata`: how user interfaces show a field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemaFieldUiMetadata {
    /// Hints per client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_overrides: Option<Vec<ClientOverride>>,
    /// Create-view hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_view: Option<SchemaFieldViewUiMetadata>,
    /// Decimal places of number fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal_places: Option<i32>,
    /// Detail-view hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_view: Option<SchemaFieldViewUiMetadata>,
    /// Display name of the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Filter-view hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_view: Option<SchemaFieldViewUiMetadata>,
    /// Group the field is shown in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Whether the field is active in the detail view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active_in_detail_view: Option<bool>,
    /// Whether bulk actions may change the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_bulk_action_enabled: Option<bool>,
    /// Whether the field holds a currency amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_currency_field: Option<bool>,
    /// Whether the field can be grouped by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_groupable: Option<bool>,
    /// Whether the field is hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hidden: Option<bool>,
    /// Whether the field is hidden while creating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hidden_during_create: Option<bool>,
    /// Whether the field is read-only in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_read_only: Option<bool>,
    /// Whether user interfaces require the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_required: Option<bool>,
    /// Whether the field is shown in summaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_shown_in_summary: Option<bool>,
    /// Whether the field can be sorted by in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_sortable: Option<bool>,
    /// List-view hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_view: Option<SchemaFieldViewUiMetadata>,
    /// Relative order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i32>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Summary-view hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_view: Option<SchemaFieldViewUiMetadata>,
    /// Tooltip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Unit of measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Whether numbers use shorthand notation (1K).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_shorthand_notation: Option<bool>,
}

/// An empty object whose schema admits no properties (`schema-field-mfz-metadata`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptyMetadata {}

/// `schema-field-descriptor`: a field's name, type and constraints.
///
/// Which attributes apply depends on `field_type` (and `base_type` for arrays); the server
/// refuses attributes that do not apply rather than ignoring them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaFieldDescriptor {
    /// The field's type.
    pub field_type: SchemaFieldDescriptorFieldType,
    /// The field's name, without any prefix.
    pub name: String,
    /// Arrays only (and then required): the element type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_type: Option<SchemaFieldDescriptorArrayTypeBaseType>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether lists may filter (and group and sort) on the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_filterable: Option<bool>,
    /// Whether a value, once set, may not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_immutable: Option<bool>,
    /// Whether the field may hold personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_pii: Option<bool>,
    /// Whether the field must have a value (enforced with `validate_required_fields`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_required: Option<bool>,
    /// MFZ metadata (no properties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfz: Option<EmptyMetadata>,
    /// Oasis metadata (no properties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oasis: Option<EmptyMetadata>,
    /// The type the field comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// User-interface hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui: Option<SchemaFieldUiMetadata>,
    /// The value a new object gets when none is given; its JSON type follows the field's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    /// Enums: the allowed strings; unified enums: the allowed values as objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<Value>>,
    /// Enums: whether the values may be overridden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_overridable: Option<bool>,
    /// Enums: translations of the allowed values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translated_values: Option<Map<String, Value>>,
    /// Texts: a substring every value must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// Texts: the exact length in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq_len: Option<i64>,
    /// Texts: the largest length in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<i64>,
    /// Texts: the smallest length in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_len: Option<i64>,
    /// Texts: a regular expression every value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Texts: a prefix every value must start with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Texts: a suffix every value must end with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// Integers: exclusive lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<i64>,
    /// Integers: inclusive lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<i64>,
    /// Integers: exclusive upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<i64>,
    /// Integers: inclusive upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<i64>,
    /// Ids: the kinds of object the id may name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_type: Option<Vec<String>>,
    /// Composites: the name of the composite schema values follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composite_type: Option<String>,
    /// Arrays: the exact number of items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq_items: Option<i64>,
    /// Arrays: the largest number of items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<i64>,
    /// Arrays: the smallest number of items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<i64>,
}

/// `composite-schema` (and `custom-schema-fragments-set-request-composite-schema`): the
/// fields of a composite type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompositeSchema {
    /// The fields of the composite type.
    pub fields: Vec<SchemaFieldDescriptor>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The composite type's name, which `composite_type` refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `custom-schema-fragments-set-request-composite-schema`: same shape as [`CompositeSchema`].
pub type CustomSchemaFragmentsSetRequestCompositeSchema = CompositeSchema;

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

/// `stock-schema-fragment`: the built-in fields of a leaf type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockSchemaFragment {
    /// The stock fragment's DON (`don:core:dvrv-us-1:stock_sf/<n>`).
    pub id: String,
    /// Composite types used by the fields.
    pub composite_schemas: Vec<CompositeSchema>,
    /// The built-in fields.
    pub fields: Vec<SchemaFieldDescriptor>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The leaf type described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_type: Option<String>,
    /// Title of the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `stock-schema-fragments-get-request`: by id or by leaf type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockSchemaFragmentsGetRequest {
    /// The stock fragment's DON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The leaf type whose stock fragment to return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_type: Option<String>,
}

/// `stock-schema-fragments-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockSchemaFragmentsGetResponse {
    /// The stock fragment.
    pub fragment: StockSchemaFragment,
}

/// `stock-schema-fragments-list-request-filter-preset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockSchemaFragmentsListRequestFilterPreset {
    /// Only leaf types that can be customized.
    CustomizableTypesPreset,
    /// Every leaf type.
    NoPreset,
}

/// `stock-schema-fragments-list-request-prune`: parts a list may leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockSchemaFragmentsListRequestPrune {
    /// Leave out the composite schemas (answered empty).
    CompositeSchemas,
    /// Leave out the fields (answered empty).
    Fields,
}

/// `stock-schema-fragments-list-request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StockSchemaFragmentsListRequest {
    /// Where to continue from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Which leaf types to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_preset: Option<StockSchemaFragmentsListRequestFilterPreset>,
    /// Stock fragments of any of these leaf types.
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
    pub prune: Option<Vec<StockSchemaFragmentsListRequestPrune>>,
    /// Sort order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<Vec<String>>,
}

/// `stock-schema-fragments-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockSchemaFragmentsListResponse {
    /// One page of stock fragments.
    pub result: Vec<StockSchemaFragment>,
    /// Continues after this page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Continues before this page; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}

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
