//! Field descriptors: the types of custom and stock fields, their constraints and UI
//! metadata, and composite types.
//!
//! A field descriptor is a union discriminated on `field_type` (and, for arrays, on
//! `base_type`); like the user summary, the union is one struct whose variant-specific
//! attributes are all optional. Constraints whose JSON type depends on the field type
//! (`default_value`, `allowed_values`) are kept as JSON values and checked by the server
//! against the field type.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
