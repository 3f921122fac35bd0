//! Stock schema fragments: the built-in fields of each leaf type, and `schemas.stock.get`
//! and `.list`.

use serde::{Deserialize, Serialize};

use super::fields::{CompositeSchema, SchemaFieldDescriptor};
use crate::common::ListMode;

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
