//! Stored fragment versions: their versioned content, the record of one version, its
//! rendering, the filters of `schemas.custom.list`, and the [`FragmentCatalog`] of fragments
//! a request reads in its transaction.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use revdir_api::schemas::{
    self as wire, CompositeSchema, CustomSchemaFragment, CustomSchemaFragmentCondition,
    CustomSchemaFragmentFragmentType, CustomTypePathComponent, SchemaFieldDescriptor,
    SchemaFieldDescriptorArrayTypeBaseType as Base, SchemaFieldDescriptorFieldType, StockFieldOverride,
};
use serde::{Deserialize, Serialize};

use super::descriptors::FieldDescriptor;
use super::fragment_ids::{Family, FragmentKind, FragmentRef, LeafType};
use crate::refs::{UserRef, UserSummaryData};
use crate::time::Timestamp;

/// A field removed from a fragment's lineage by `deleted_fields`, remembered so that values
/// for it are reported as dropped, and so that it comes back only with its old type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedField {
    /// The bare field name.
    pub name: String,
    /// Its type when it was dropped.
    pub field_type: SchemaFieldDescriptorFieldType,
    /// Its element type, for arrays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_type: Option<Base>,
}

/// The versioned content of a fragment: everything but the in-place attributes. Stored as
/// JSON; two versions with equal content are the same version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FragmentContent {
    /// Free-text description.
    pub description: String,
    /// The fields, as the client described them.
    #[serde(default)]
    pub fields: Vec<SchemaFieldDescriptor>,
    /// Conditions on the fields.
    #[serde(default)]
    pub conditions: Vec<CustomSchemaFragmentCondition>,
    /// Composite types.
    #[serde(default)]
    pub composite_schemas: Vec<CompositeSchema>,
    /// Stock field overrides (tenant and subtype fragments).
    #[serde(default)]
    pub stock_field_overrides: Vec<StockFieldOverride>,
    /// Tree path (subtype fragments).
    #[serde(default)]
    pub path: Vec<CustomTypePathComponent>,
    /// Display name of the app (app fragments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_display_name: Option<String>,
    /// Display-id prefix (tenant fragments of custom objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_prefix: Option<String>,
    /// Fields removed from the lineage so far.
    #[serde(default)]
    pub dropped: Vec<DroppedField>,
}

impl FragmentContent {
    /// The content as stored JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Reads stored JSON.
    ///
    /// # Errors
    /// When the text is not the JSON [`FragmentContent::to_json`] writes.
    pub fn from_json(s: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(s)
    }

    pub(super) fn same_definition(&self, other: &Self) -> bool {
        self.description == other.description
            && self.fields == other.fields
            && self.conditions == other.conditions
            && self.composite_schemas == other.composite_schemas
            && self.stock_field_overrides == other.stock_field_overrides
            && self.path == other.path
            && self.app_display_name == other.app_display_name
            && self.id_prefix == other.id_prefix
    }
}

/// One stored fragment version.
#[derive(Debug, Clone, PartialEq)]
pub struct FragmentRecord {
    /// Which version.
    pub id: i64,
    /// Its lineage.
    pub family: Family,
    /// The versioned content.
    pub content: FragmentContent,
    /// Deprecated (changed in place).
    pub is_deprecated: bool,
    /// Subtype display name (changed in place).
    pub subtype_display_name: Option<String>,
    /// The version this one replaced.
    pub old_id: Option<i64>,
    /// The version that replaced this one.
    pub new_id: Option<i64>,
    /// Creator.
    pub created_by: Option<UserRef>,
    /// Creation time.
    pub created_date: Timestamp,
    /// Last in-place modifier.
    pub modified_by: Option<UserRef>,
    /// Last in-place change.
    pub modified_date: Timestamp,
}

impl FragmentRecord {
    /// This version's reference.
    pub fn fragment_ref(&self) -> FragmentRef {
        FragmentRef { kind: self.family.kind, id: self.id }
    }

    /// The parsed descriptor of field `name`, if the fragment has it.
    pub fn field(&self, name: &str) -> Option<FieldDescriptor> {
        self.content
            .fields
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| FieldDescriptor::parse(f, &self.composite_names()).ok())
    }

    /// Every field's parsed descriptor, in order.
    pub fn fields(&self) -> Vec<FieldDescriptor> {
        let names = self.composite_names();
        self.content.fields.iter().filter_map(|f| FieldDescriptor::parse(f, &names).ok()).collect()
    }

    /// Names of the fragment's composite types.
    pub fn composite_names(&self) -> Vec<String> {
        self.content.composite_schemas.iter().filter_map(|c| c.name.clone()).collect()
    }

    /// The composite types, parsed, by name.
    pub fn composites(&self) -> HashMap<String, Vec<FieldDescriptor>> {
        let names = self.composite_names();
        self.content
            .composite_schemas
            .iter()
            .filter_map(|c| {
                let fields = c.fields.iter().filter_map(|f| FieldDescriptor::parse(f, &names).ok()).collect();
                c.name.clone().map(|n| (n, fields))
            })
            .collect()
    }

    /// Whether field `name` was removed from the lineage.
    pub fn dropped(&self, name: &str) -> bool {
        self.content.dropped.iter().any(|d| d.name == name)
    }
}

/// A fragment version with the users it references, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct FragmentView {
    /// The version.
    pub record: FragmentRecord,
    /// Creator's summary.
    pub created_by: Option<UserSummaryData>,
    /// Last modifier's summary.
    pub modified_by: Option<UserSummaryData>,
}

impl FragmentView {
    /// Renders the wire `custom-schema-fragment`; `prune_fields` leaves the fields out.
    pub fn render(&self, org: &str, prune_fields: bool) -> CustomSchemaFragment {
        let r = &self.record;
        let c = &r.content;
        let kind = r.family.kind;
        let is = |k: FragmentKind| kind == k;
        let non_empty = |v: bool| v.then_some(());
        CustomSchemaFragment {
            kind: kind.wire(),
            id: r.fragment_ref().don(org),
            display_id: None,
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(r.created_date.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(r.modified_date.to_rfc3339()),
            composite_schemas: Some(c.composite_schemas.clone()),
            conditions: Some(c.conditions.clone()),
            deprecated: Some(r.is_deprecated),
            description: Some(c.description.clone()),
            fields: (!prune_fields).then(|| c.fields.clone()),
            fragment_type: Some(match kind {
                FragmentKind::Tenant => CustomSchemaFragmentFragmentType::Tenant,
                FragmentKind::CustomType => CustomSchemaFragmentFragmentType::CustomType,
                FragmentKind::App => CustomSchemaFragmentFragmentType::App,
            }),
            is_custom_leaf_type: Some(false),
            is_deprecated: Some(r.is_deprecated),
            leaf_type: Some(r.family.leaf.as_str().to_owned()),
            new_fragment_ref: r.new_id.map(|id| FragmentRef { kind, id }.summary(org)),
            old_fragment_ref: r.old_id.map(|id| FragmentRef { kind, id }.summary(org)),
            app: is(FragmentKind::App).then(|| r.family.name.clone()),
            app_display_name: c.app_display_name.clone().filter(|_| is(FragmentKind::App)),
            path: non_empty(is(FragmentKind::CustomType)).map(|()| c.path.clone()),
            stage_diagram: None,
            stock_field_overrides: non_empty(!is(FragmentKind::App)).map(|()| c.stock_field_overrides.clone()),
            subtype: is(FragmentKind::CustomType).then(|| r.family.name.clone()),
            subtype_display_name: r.subtype_display_name.clone().filter(|_| is(FragmentKind::CustomType)),
            id_prefix: c.id_prefix.clone().filter(|_| is(FragmentKind::Tenant)),
            leaf_type_display_name: None,
        }
    }
}

/// Filters of `schemas.custom.list`: AND across fields, OR within one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FragmentFilter {
    /// Leaf types.
    pub leaf_types: Option<Vec<String>>,
    /// Kinds.
    pub kinds: Option<Vec<FragmentKind>>,
    /// Subtypes (subtype fragments only).
    pub subtypes: Option<Vec<String>>,
    /// Apps (app fragments only).
    pub apps: Option<Vec<String>>,
    /// `Some(true)`: only deprecated; `Some(false)` or `None`: only live ones.
    pub deprecated: bool,
    /// Custom object leaf types were asked for: there are none.
    pub match_nothing: bool,
}

/// Fields `schemas.custom.list` sorts by.
pub const FRAGMENT_SORTABLE: &[&str] = &["created_date", "modified_date", "leaf_type"];

impl FragmentFilter {
    /// Parses the list request's filters.
    pub fn parse(r: &wire::CustomSchemaFragmentsListRequest) -> Self {
        Self {
            leaf_types: r.leaf_type.clone(),
            kinds: r.types.as_ref().map(|t| t.iter().copied().map(FragmentKind::from_wire).collect()),
            subtypes: r.subtype.clone(),
            apps: r.app.clone(),
            deprecated: r.is_deprecated.or(r.deprecated).unwrap_or(false),
            match_nothing: r.is_custom_leaf_type == Some(true),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Fragments read for a request

/// What a request needs to know about fragments, read in its transaction: the current
/// version of every lineage of the leaf types asked for, and where given fragment ids stand.
#[derive(Debug, Clone, Default)]
pub struct FragmentCatalog {
    /// Current versions by lineage.
    pub latest: BTreeMap<Family, Arc<FragmentRecord>>,
    /// For each fragment id asked about: its lineage and the lineage's current version id.
    pub refs: HashMap<i64, (Family, i64)>,
}

impl FragmentCatalog {
    /// The current version of the lineage `family`.
    pub fn current(&self, family: &Family) -> Option<&Arc<FragmentRecord>> {
        self.latest.get(family)
    }

    /// The current version of the lineage that version `r` belongs to.
    pub fn current_of(&self, r: FragmentRef) -> Option<&Arc<FragmentRecord>> {
        let (family, _) = self.refs.get(&r.id).filter(|(f, _)| f.kind == r.kind)?;
        self.latest.get(family)
    }

    /// Current subtype fragments of `leaf`, not deprecated.
    pub fn subtypes(&self, leaf: LeafType) -> impl Iterator<Item = &Arc<FragmentRecord>> {
        self.latest
            .values()
            .filter(move |f| f.family.leaf == leaf && f.family.kind == FragmentKind::CustomType && !f.is_deprecated)
    }
}
