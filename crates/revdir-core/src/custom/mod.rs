//! Custom fields and schema fragments (§6): leaf types and fragment ids, the
//! `schemas.custom.set` command and its versioning rules, stock fragments, the reads built
//! from fragments (aggregated schemas, subtypes, subtype changes), field descriptors, value
//! checks, conditions, and the rules by which a write's `custom_fields`,
//! `custom_schema_spec` and explicit fragment ids change an object's custom state.
//!
//! Everything here is pure. Fragments are immutable: `schemas.custom.set` on an existing
//! (leaf type, kind, subtype or app) either changes only the in-place attributes
//! (`is_deprecated`, `subtype_display_name`) or creates a new version chained to the old one
//! (§6.4); [`plan_set`] decides which, and the store applies the plan inside its
//! transaction. A write with custom parts reads the fragments it needs (a
//! [`FragmentCatalog`]) inside its transaction and calls [`apply()`], which answers the
//! object's new [`CustomState`] or the `customization_validation_error` /
//! `stale_schema_fragments` to send; nothing is written on an error. Reads present objects
//! against the current version of each fragment ([`present`]).
//!
//! The submodules, each depending only on those listed before it:
//! - `fragment_ids`: leaf types, fragment kinds, references, DONs, lineages, valid names;
//! - `errors`: the 400s of custom fields;
//! - `scalars`: value types and the checks of single values (dates, ids);
//! - `descriptors`: field descriptors and the checks of a field's values;
//! - `fragments`: stored fragment versions, their rendering, list filters and the catalog;
//! - `conditions`: the condition expression language and its effects;
//! - `state`: an object's custom state, as stored and as presented;
//! - `apply`: a write's custom input and how it changes the state;
//! - `filters`: list filters on custom fields;
//! - `stock`: the built-in stock fragments;
//! - `plan`: the `schemas.custom.set` command and its versioning rules;
//! - `aggregate`: aggregated schemas;
//! - `subtypes`: subtype lists and subtype changes.

mod aggregate;
mod apply;
mod conditions;
mod descriptors;
mod errors;
mod filters;
mod fragment_ids;
mod fragments;
mod plan;
mod scalars;
mod state;
mod stock;
mod subtypes;

pub use aggregate::{aggregate, AggregateError, AggregateRequest};
pub use apply::{apply, ApplyContext, CustomInput, SchemaSpec};
pub use conditions::check_conditions;
pub use descriptors::{FieldDescriptor, ItemBounds, ValueContext};
pub use errors::{customization, stale, Problem};
pub use filters::{
    parse_custom_field_filter, parse_filters, resolve_filters, CustomFilter, FilterMatch, ResolvedFilter,
};
pub use fragment_ids::{
    parse_fragment_id, parse_stock_id, valid_name, Family, FragmentKind, FragmentRef, LeafType, ParsedFragmentId,
};
pub use fragments::{
    DroppedField, FragmentCatalog, FragmentContent, FragmentFilter, FragmentRecord, FragmentView, FRAGMENT_SORTABLE,
};
pub use plan::{plan_set, FragmentSet, SetPlan};
pub use scalars::ScalarType;
pub use state::{present, CustomState, CustomView, CustomWire};
pub use stock::{stock_fields, stock_fragment, stock_page, STOCK_SORTABLE};
pub use subtypes::{parse_leaf_types, prepare_subtype_change, subtypes};
