//! Schema fragments (§6): leaf types, fragment ids, the set command and its versioning rules,
//! stock fragments, and the reads built from fragments (aggregated schemas, subtypes,
//! subtype changes).
//!
//! Fragments are immutable: `schemas.custom.set` on an existing (leaf type, kind, subtype or
//! app) either changes only the in-place attributes (`is_deprecated`,
//! `subtype_display_name`) or creates a new version chained to the old one (§6.4). The rules
//! deciding which, and refusing a field removed without `deleted_fields`, are
//! [`plan_set`]; the store applies the plan inside its transaction.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use revdir_api::schemas::{
    self as wire, AggregatedSchema, CompositeSchema, CustomSchemaFragment, CustomSchemaFragmentCondition,
    CustomSchemaFragmentFragmentType, CustomSchemaFragmentSummary, CustomSchemaFragmentType,
    CustomSchemaFragmentsSetRequest, CustomTypePathComponent, SchemaFieldDescriptor,
    SchemaFieldDescriptorArrayTypeBaseType as Base, SchemaFieldDescriptorFieldType, StockFieldOverride,
    StockSchemaFragment,
};
use serde::{Deserialize, Serialize};

use crate::custom_fields::{self, CustomState, FieldDescriptor, Problem};
use crate::error::ValidationError;
use crate::ids::{parse_id, ObjectKind, REGION};
use crate::pagination::{Page, PageRequest};
use crate::time::Timestamp;
use crate::users::UserSummaryData;

/// The object types fragments can extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LeafType {
    /// Accounts (customer companies).
    Account,
    /// Dev users.
    DevUser,
    /// Rev orgs (workspaces).
    RevOrg,
    /// Rev users (contacts).
    RevUser,
}

impl LeafType {
    /// Every leaf type, in name order.
    pub const ALL: [Self; 4] = [Self::Account, Self::DevUser, Self::RevOrg, Self::RevUser];

    /// The wire name, such as `rev_user`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::DevUser => "dev_user",
            Self::RevOrg => "rev_org",
            Self::RevUser => "rev_user",
        }
    }

    /// The leaf type named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// Parses a leaf type from request field `field`.
    ///
    /// # Errors
    /// `value_not_permitted` listing the leaf types this server has.
    pub fn parse(field: &str, name: &str) -> Result<Self, ValidationError> {
        Self::from_name(name).ok_or_else(|| {
            ValidationError::not_in(
                field,
                format!("'{name}' is not a leaf type this server can customize"),
                Self::ALL.iter().map(|l| l.as_str().to_owned()).collect(),
            )
        })
    }

    /// The number of the leaf type's built-in stock fragment (`stock_sf/<n>`).
    pub fn stock_number(self) -> i64 {
        match self {
            Self::Account => 1,
            Self::DevUser => 2,
            Self::RevOrg => 3,
            Self::RevUser => 4,
        }
    }

    /// The DON of the leaf type's stock fragment; it has no `devo/` segment (§3.1).
    pub fn stock_don(self) -> String {
        format!("don:core:{REGION}:stock_sf/{}", self.stock_number())
    }
}

/// The three kinds of custom fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FragmentKind {
    /// Fields of every object of the leaf type (keys `tnt__<name>`).
    Tenant,
    /// Fields of one subtype (keys `ctype__<name>`).
    CustomType,
    /// Fields owned by an application (keys `<app>__<name>`).
    App,
}

impl FragmentKind {
    /// The DON type segment and wire `type`, such as `tenant_fragment`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tenant => "tenant_fragment",
            Self::CustomType => "custom_type_fragment",
            Self::App => "app_fragment",
        }
    }

    /// The kind whose DON type segment is `segment`.
    pub fn from_name(segment: &str) -> Option<Self> {
        [Self::Tenant, Self::CustomType, Self::App].into_iter().find(|k| k.as_str() == segment)
    }

    /// The wire discriminator.
    pub fn wire(self) -> CustomSchemaFragmentType {
        match self {
            Self::Tenant => CustomSchemaFragmentType::TenantFragment,
            Self::CustomType => CustomSchemaFragmentType::CustomTypeFragment,
            Self::App => CustomSchemaFragmentType::AppFragment,
        }
    }

    /// The kind of a wire discriminator.
    pub fn from_wire(t: CustomSchemaFragmentType) -> Self {
        match t {
            CustomSchemaFragmentType::TenantFragment => Self::Tenant,
            CustomSchemaFragmentType::CustomTypeFragment => Self::CustomType,
            CustomSchemaFragmentType::AppFragment => Self::App,
        }
    }
}

/// A reference to one version of a fragment. Fragment ids are numbered per dev org across
/// all three kinds, so the id alone names a row; the kind is part of the DON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FragmentRef {
    /// Which kind the DON names.
    pub kind: FragmentKind,
    /// The version's id.
    pub id: i64,
}

impl FragmentRef {
    /// The org-independent form objects store: `tenant_fragment/3`.
    pub fn local(self) -> String {
        format!("{}/{}", self.kind.as_str(), self.id)
    }

    /// Parses the stored form.
    pub fn parse_local(s: &str) -> Option<Self> {
        let (kind, id) = s.split_once('/')?;
        Some(Self { kind: FragmentKind::from_name(kind)?, id: id.parse().ok().filter(|n: &i64| *n > 0)? })
    }

    /// The DON in dev org `org`.
    pub fn don(self, org: &str) -> String {
        format!("don:core:{REGION}:devo/{org}:{}", self.local())
    }

    /// The wire summary in dev org `org`.
    pub fn summary(self, org: &str) -> CustomSchemaFragmentSummary {
        CustomSchemaFragmentSummary { kind: self.kind.wire(), id: self.don(org), display_id: None }
    }
}

/// A fragment id from a request: the dev org its DON names, and the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFragmentId {
    /// The dev org of the DON.
    pub org: String,
    /// The fragment version.
    pub fragment: FragmentRef,
}

impl ParsedFragmentId {
    /// The reference when the DON belongs to `org`.
    pub fn in_org(&self, org: &str) -> Option<FragmentRef> {
        (self.org == org).then_some(self.fragment)
    }
}

/// Parses a fragment DON (`don:core:dvrv-us-1:devo/<org>:tenant_fragment/<n>`).
///
/// # Errors
/// `unexpected_id_type` for a well-formed id of another kind of object (`REVU-1`);
/// `invalid_id` for anything else.
pub fn parse_fragment_id(field: &str, input: &str) -> Result<ParsedFragmentId, ValidationError> {
    let parsed = (|| {
        let rest = input.strip_prefix("don:core:")?;
        let (region, rest) = rest.split_once(':')?;
        let (org_seg, seg) = rest.split_once(':')?;
        let org = org_seg.strip_prefix("devo/")?;
        if region.is_empty() || org.is_empty() || !org.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some(ParsedFragmentId { org: org.to_owned(), fragment: FragmentRef::parse_local(seg)? })
    })();
    if let Some(p) = parsed {
        return Ok(p);
    }
    // A well-formed id of another kind says so; anything else is malformed.
    for kind in [ObjectKind::RevUser, ObjectKind::Account, ObjectKind::RevOrg, ObjectKind::Tag, ObjectKind::Artifact] {
        match parse_id(field, input, kind) {
            Ok(_) => return Err(ValidationError::unexpected_id_type(field, "schema fragment")),
            Err(e) if !matches!(e.kind, revdir_api::ErrorKind::InvalidId { .. }) => {
                return Err(ValidationError::unexpected_id_type(field, "schema fragment"))
            }
            Err(_) => {}
        }
    }
    Err(ValidationError::invalid_id(field, input))
}

/// Parses a stock fragment DON (`don:core:dvrv-us-1:stock_sf/<n>`) to its leaf type.
///
/// # Errors
/// `invalid_id` when the text is not a stock fragment DON. A well-formed DON of no known
/// stock fragment is `Ok(None)` (a 404 where the operation has one).
pub fn parse_stock_id(field: &str, input: &str) -> Result<Option<LeafType>, ValidationError> {
    let n = input
        .strip_prefix("don:core:")
        .and_then(|r| r.split_once(':'))
        .and_then(|(region, seg)| (!region.is_empty()).then_some(seg))
        .and_then(|seg| seg.strip_prefix("stock_sf/"))
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| ValidationError::invalid_id(field, input))?;
    Ok(LeafType::ALL.into_iter().find(|l| l.stock_number() == n))
}

/// A fragment's lineage: every version of one (leaf type, kind, subtype or app).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Family {
    /// Leaf type.
    pub leaf: LeafType,
    /// Kind.
    pub kind: FragmentKind,
    /// The subtype or app; empty for tenant fragments.
    pub name: String,
}

impl Family {
    /// The tenant fragment family of `leaf`.
    pub fn tenant(leaf: LeafType) -> Self {
        Self { leaf, kind: FragmentKind::Tenant, name: String::new() }
    }

    /// The family of subtype `name` of `leaf`.
    pub fn subtype(leaf: LeafType, name: &str) -> Self {
        Self { leaf, kind: FragmentKind::CustomType, name: name.to_owned() }
    }

    /// The family of app `name`'s fragment for `leaf`.
    pub fn app(leaf: LeafType, name: &str) -> Self {
        Self { leaf, kind: FragmentKind::App, name: name.to_owned() }
    }

    /// The stored key, `rev_user/tenant_fragment/`.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.leaf.as_str(), self.kind.as_str(), self.name)
    }

    /// The prefix of custom field keys of this family: `tnt`, `ctype` or the app name.
    pub fn prefix(&self) -> &str {
        match self.kind {
            FragmentKind::Tenant => "tnt",
            FragmentKind::CustomType => "ctype",
            FragmentKind::App => &self.name,
        }
    }
}

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

    fn same_definition(&self, other: &Self) -> bool {
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
    pub created_by: Option<crate::scope::UserRef>,
    /// Creation time.
    pub created_date: Timestamp,
    /// Last in-place modifier.
    pub modified_by: Option<crate::scope::UserRef>,
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

// ---------------------------------------------------------------------------------------
// schemas.custom.set

/// A parsed `schemas.custom.set` request: the complete new state of a fragment.
#[derive(Debug, Clone, PartialEq)]
pub struct FragmentSet {
    /// Which lineage.
    pub family: Family,
    /// The versioned content (its `dropped` list is filled in by [`plan_set`]).
    pub content: FragmentContent,
    /// Fields of the previous version to remove.
    pub deleted_fields: Vec<String>,
    /// New `is_deprecated`; absent keeps the current value.
    pub is_deprecated: Option<bool>,
    /// New subtype display name; absent keeps the current value.
    pub subtype_display_name: Option<String>,
}

/// Longest subtype or app name, field name or composite type name.
const MAX_NAME: usize = 64;

/// Checks a field, subtype, app or composite name: ASCII letters, digits and underscores,
/// starting with a letter, at most 64 characters. Keys built from them are safe in SQL JSON
/// paths, and `__` separates a key's prefix from its name.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn invalid(field: &str, reason: impl Into<String>) -> ValidationError {
    custom_fields::customization(Problem::InvalidArgument, field, reason)
}

impl TryFrom<&CustomSchemaFragmentsSetRequest> for FragmentSet {
    type Error = ValidationError;
    fn try_from(r: &CustomSchemaFragmentsSetRequest) -> Result<Self, Self::Error> {
        let leaf = LeafType::parse("leaf_type", &r.leaf_type)?;
        if r.is_custom_leaf_type == Some(true) {
            return Err(ValidationError::not_permitted(
                "is_custom_leaf_type",
                "custom object leaf types are not supported by this server",
            ));
        }
        let kind = FragmentKind::from_wire(r.kind);
        let name = match kind {
            FragmentKind::Tenant => String::new(),
            FragmentKind::CustomType => r.subtype.clone().ok_or_else(|| ValidationError::missing("subtype"))?,
            FragmentKind::App => r.app.clone().ok_or_else(|| ValidationError::missing("app"))?,
        };
        let name_field = if kind == FragmentKind::App { "app" } else { "subtype" };
        if kind != FragmentKind::Tenant && !valid_name(&name) {
            return Err(ValidationError::not_permitted(
                name_field,
                format!("'{name}' must be 1-64 ASCII letters, digits or underscores, starting with a letter"),
            ));
        }
        if kind == FragmentKind::App && (name == "tnt" || name == "ctype") {
            return Err(ValidationError::not_permitted(
                "app",
                format!("'{name}' is reserved for tenant and subtype fields"),
            ));
        }
        // Attributes of other kinds are refused rather than ignored.
        let foreign: [(&str, bool, bool); 7] = [
            ("subtype", r.subtype.is_some(), kind == FragmentKind::CustomType),
            ("subtype_display_name", r.subtype_display_name.is_some(), kind == FragmentKind::CustomType),
            ("path", r.path.is_some(), kind == FragmentKind::CustomType),
            ("app", r.app.is_some(), kind == FragmentKind::App),
            ("app_display_name", r.app_display_name.is_some(), kind == FragmentKind::App),
            ("id_prefix", r.id_prefix.is_some(), kind == FragmentKind::Tenant),
            ("stock_field_overrides", r.stock_field_overrides.is_some(), kind != FragmentKind::App),
        ];
        if let Some((field, _, _)) = foreign.iter().find(|(_, present, allowed)| *present && !allowed) {
            return Err(ValidationError::not_permitted(field, format!("{field} does not apply to {}", kind.as_str())));
        }
        if r.stage_diagram.is_some() {
            return Err(ValidationError::not_permitted("stage_diagram", "identity objects have no stage diagrams"));
        }
        if let Some(p) = &r.id_prefix {
            if !(2..=10).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(ValidationError::not_permitted("id_prefix", "must be 2 to 10 uppercase letters"));
            }
        }
        let composite_schemas = r.composite_schemas.clone().unwrap_or_default();
        let mut composite_names = Vec::new();
        for (i, c) in composite_schemas.iter().enumerate() {
            let field = format!("composite_schemas[{i}].name");
            let n = c.name.clone().ok_or_else(|| ValidationError::missing(&field))?;
            if !valid_name(&n) {
                return Err(invalid(&field, format!("'{n}' is not a valid composite type name")));
            }
            if composite_names.contains(&n) {
                return Err(invalid(&field, format!("composite type '{n}' is defined twice")));
            }
            composite_names.push(n);
        }
        let fields = r.fields.clone().unwrap_or_default();
        let mut parsed = Vec::with_capacity(fields.len());
        check_fields(&fields, &composite_names, &mut parsed)?;
        for c in &composite_schemas {
            check_fields(&c.fields, &composite_names, &mut Vec::new())?;
        }
        let conditions = r.conditions.clone().unwrap_or_default();
        custom_fields::check_conditions(&conditions, &parsed)?;
        let stock_field_overrides = r.stock_field_overrides.clone().unwrap_or_default();
        let stock: Vec<String> = stock_fields(leaf).into_iter().map(|f| f.name).collect();
        for (i, o) in stock_field_overrides.iter().enumerate() {
            let field = format!("stock_field_overrides[{i}].name");
            let n = o.name.as_deref().ok_or_else(|| ValidationError::missing(&field))?;
            if !stock.iter().any(|s| s == n) {
                return Err(custom_fields::customization(
                    Problem::FieldNotInSchema,
                    &field,
                    format!("'{n}' is not a stock field of {}", leaf.as_str()),
                ));
            }
        }
        let deleted_fields = r.deleted_fields.clone().unwrap_or_default();
        if let Some(d) = deleted_fields.iter().find(|d| fields.iter().any(|f| &f.name == *d)) {
            return Err(invalid("deleted_fields", format!("'{d}' is both in fields and in deleted_fields")));
        }
        Ok(Self {
            family: Family { leaf, kind, name },
            content: FragmentContent {
                description: r.description.clone(),
                fields,
                conditions,
                composite_schemas,
                stock_field_overrides,
                path: r.path.clone().unwrap_or_default(),
                app_display_name: r.app_display_name.clone(),
                id_prefix: r.id_prefix.clone(),
                dropped: Vec::new(),
            },
            deleted_fields,
            is_deprecated: r.is_deprecated.or(r.deprecated),
            subtype_display_name: r.subtype_display_name.clone(),
        })
    }
}

fn check_fields(
    fields: &[SchemaFieldDescriptor],
    composites: &[String],
    out: &mut Vec<FieldDescriptor>,
) -> Result<(), ValidationError> {
    let mut seen = HashSet::new();
    for f in fields {
        if !seen.insert(f.name.as_str()) {
            return Err(invalid(&f.name, format!("field '{}' is defined twice", f.name)));
        }
        out.push(FieldDescriptor::parse(f, composites)?);
    }
    Ok(())
}

/// What `schemas.custom.set` does to a lineage.
#[derive(Debug, Clone, PartialEq)]
pub enum SetPlan {
    /// No version exists: create the first.
    Create(FragmentContent),
    /// The content is unchanged: update the in-place attributes of the current version.
    InPlace,
    /// The content changed: create a new version chained to the current one.
    NewVersion(FragmentContent),
}

/// Decides what a set request does, given the lineage's current version (§6.4).
///
/// # Errors
/// `customization_validation_error`: `field_dropped` when a field of the current version is
/// missing and not listed in `deleted_fields`; `invalid_argument` when a field changes type,
/// or comes back with another type than it had when it was dropped.
pub fn plan_set(current: Option<&FragmentRecord>, cmd: &FragmentSet) -> Result<SetPlan, ValidationError> {
    let mut content = cmd.content.clone();
    let Some(current) = current else {
        return Ok(SetPlan::Create(content));
    };
    let old = &current.content;
    let type_of = |f: &SchemaFieldDescriptor| (f.field_type, f.base_type);
    let mut dropped = old.dropped.clone();
    for f in &old.fields {
        match content.fields.iter().find(|n| n.name == f.name) {
            Some(n) if type_of(n) != type_of(f) => {
                return Err(invalid(
                    &f.name,
                    format!(
                    "field '{}' cannot change its type; remove it with deleted_fields and add it under another name",
                    f.name
                ),
                ))
            }
            Some(_) => {}
            None if cmd.deleted_fields.contains(&f.name) => {
                dropped.retain(|d| d.name != f.name);
                dropped.push(DroppedField { name: f.name.clone(), field_type: f.field_type, base_type: f.base_type });
            }
            None => {
                return Err(custom_fields::customization(
                    Problem::FieldDropped,
                    &f.name,
                    format!("field '{}' is missing from fields; list it in deleted_fields to remove it", f.name),
                ))
            }
        }
    }
    for n in &content.fields {
        if let Some(d) = dropped.iter().find(|d| d.name == n.name) {
            if (d.field_type, d.base_type) != type_of(n) {
                return Err(invalid(
                    &n.name,
                    format!("field '{}' was removed with another type; it can only come back with that type", n.name),
                ));
            }
        }
    }
    dropped.retain(|d| !content.fields.iter().any(|n| n.name == d.name));
    content.dropped = dropped;
    if content.same_definition(old) && content.dropped == old.dropped {
        return Ok(SetPlan::InPlace);
    }
    Ok(SetPlan::NewVersion(content))
}

// ---------------------------------------------------------------------------------------
// schemas.custom.list

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

/// Lists the current, live subtypes of the given leaf types (`schemas.subtypes.list`).
pub fn subtypes(catalog: &FragmentCatalog, leaves: &[LeafType], org: &str) -> Vec<wire::Subtype> {
    leaves
        .iter()
        .flat_map(|&leaf| catalog.subtypes(leaf))
        .map(|f| wire::Subtype {
            fragment_id: f.fragment_ref().don(org),
            leaf_type: f.family.leaf.as_str().to_owned(),
            value: f.family.name.clone(),
            display_name: f.subtype_display_name.clone(),
        })
        .collect()
}

/// Parses the leaf types of `schemas.subtypes.list`; none means all.
///
/// # Errors
/// `value_not_permitted` for an unknown leaf type.
pub fn parse_leaf_types(r: &wire::SubtypesListRequest) -> Result<Vec<LeafType>, ValidationError> {
    let mut names: Vec<&String> = r.leaf_types.iter().flatten().collect();
    names.extend(r.leaf_type.iter());
    if names.is_empty() {
        return Ok(LeafType::ALL.to_vec());
    }
    let mut out = Vec::new();
    for n in names {
        let l = LeafType::parse("leaf_types", n)?;
        if !out.contains(&l) {
            out.push(l);
        }
    }
    Ok(out)
}

/// A parsed `schemas.aggregated.get` request.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateRequest {
    /// The leaf type.
    pub leaf: LeafType,
    /// Explicit fragment versions.
    pub fragments: Vec<ParsedFragmentId>,
    /// Subtype to include.
    pub subtype: Option<String>,
    /// Apps to include.
    pub apps: Vec<String>,
}

impl AggregateRequest {
    /// Parses the request. The leaf type comes from `leaf_type`, else from
    /// `stock_schema_fragment`.
    ///
    /// # Errors
    /// A 400 for malformed ids or leaf types, a missing leaf type, a stock fragment of
    /// another leaf type, or a custom leaf type.
    pub fn parse(r: &wire::AggregatedSchemaGetRequest) -> Result<Self, ValidationError> {
        if r.is_custom_leaf_type == Some(true) {
            return Err(ValidationError::not_permitted(
                "is_custom_leaf_type",
                "custom object leaf types are not supported",
            ));
        }
        let named = r.leaf_type.as_deref().map(|l| LeafType::parse("leaf_type", l)).transpose()?;
        let stock = r
            .stock_schema_fragment
            .as_deref()
            .map(|s| {
                parse_stock_id("stock_schema_fragment", s)?.ok_or_else(|| {
                    ValidationError::not_permitted("stock_schema_fragment", format!("{s} is not a stock fragment"))
                })
            })
            .transpose()?;
        let leaf = match (named, stock) {
            (Some(a), Some(b)) if a != b => {
                return Err(ValidationError::not_permitted(
                    "stock_schema_fragment",
                    format!("the stock fragment is of {}, not {}", b.as_str(), a.as_str()),
                ))
            }
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => return Err(ValidationError::missing("leaf_type")),
        };
        let fragments = r
            .custom_schema_fragments
            .iter()
            .flatten()
            .map(|id| parse_fragment_id("custom_schema_fragments", id))
            .collect::<Result<_, _>>()?;
        let spec = r.custom_schema_spec.clone().unwrap_or_default();
        Ok(Self { leaf, fragments, subtype: spec.subtype, apps: spec.apps.unwrap_or_default() })
    }
}

/// Why an aggregation could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum AggregateError {
    /// A named fragment, subtype or app does not exist (404).
    NotFound(String),
    /// A 400.
    Invalid(ValidationError),
}

/// Builds the aggregated schema: stock fields, then the tenant fragment, the subtype's
/// fragment, app fragments and explicit fragment ids, in that order, each once. Custom field
/// names carry their prefixes, as objects' `custom_fields` keys do.
///
/// # Errors
/// [`AggregateError::NotFound`] for unknown fragments, subtypes or apps;
/// [`AggregateError::Invalid`] with `stale_schema_fragments` for a superseded id.
pub fn aggregate(
    req: &AggregateRequest,
    catalog: &FragmentCatalog,
    org: &str,
) -> Result<AggregatedSchema, AggregateError> {
    let leaf = req.leaf;
    let mut chosen: Vec<Arc<FragmentRecord>> = Vec::new();
    let mut push = |f: &Arc<FragmentRecord>| {
        if !chosen.iter().any(|c| c.family == f.family) {
            chosen.push(f.clone());
        }
    };
    if let Some(t) = catalog.current(&Family::tenant(leaf)) {
        push(t);
    }
    if let Some(s) = &req.subtype {
        let f = catalog
            .current(&Family::subtype(leaf, s))
            .ok_or_else(|| AggregateError::NotFound(format!("{} has no subtype '{s}'", leaf.as_str())))?;
        push(f);
    }
    for a in &req.apps {
        let f = catalog
            .current(&Family::app(leaf, a))
            .ok_or_else(|| AggregateError::NotFound(format!("{} has no fragment of app '{a}'", leaf.as_str())))?;
        push(f);
    }
    for p in &req.fragments {
        let missing = || AggregateError::NotFound(format!("schema fragment {} not found", p.fragment.local()));
        let r = p.in_org(org).ok_or_else(missing)?;
        let (family, current) = catalog.refs.get(&r.id).filter(|(f, _)| f.kind == r.kind).ok_or_else(missing)?;
        if *current != r.id {
            return Err(AggregateError::Invalid(custom_fields::stale(r, *current, org)));
        }
        if family.leaf != leaf {
            return Err(AggregateError::Invalid(ValidationError::not_permitted(
                "custom_schema_fragments",
                format!("{} is a fragment of {}, not {}", r.local(), family.leaf.as_str(), leaf.as_str()),
            )));
        }
        if let Some(f) = catalog.current(family) {
            push(f);
        }
    }
    chosen.sort_by_key(|f| (f.family.kind, f.family.name.clone()));
    let mut schema = AggregatedSchema {
        custom_composite_schemas: Vec::new(),
        custom_fields: Vec::new(),
        stock_composite_schemas: Vec::new(),
        stock_fields: stock_fields(leaf),
        apps: None,
        conditions: None,
        description: Some(format!("Aggregated schema of {}", leaf.as_str())),
        is_custom_leaf_type: Some(false),
        leaf_type: Some(leaf.as_str().to_owned()),
        stage_diagram_id: None,
        stock_field_overrides: None,
        subtype: None,
        subtype_display_name: None,
        title: Some(leaf.as_str().to_owned()),
    };
    let mut overrides: Vec<StockFieldOverride> = Vec::new();
    let mut conditions = Vec::new();
    let mut apps = Vec::new();
    for f in &chosen {
        let prefix = f.family.prefix().to_owned();
        for d in &f.content.fields {
            let mut d = d.clone();
            d.name = format!("{prefix}__{}", d.name);
            d.origin = Some(f.family.kind.as_str().to_owned());
            schema.custom_fields.push(d);
        }
        schema.custom_composite_schemas.extend(f.content.composite_schemas.iter().cloned());
        conditions.extend(f.content.conditions.iter().cloned());
        // §6.6: a subtype's override of a stock field beats the tenant's (kinds sort tenant first).
        for o in &f.content.stock_field_overrides {
            overrides.retain(|x| x.name != o.name);
            overrides.push(o.clone());
        }
        match f.family.kind {
            FragmentKind::CustomType => {
                schema.subtype = Some(f.family.name.clone());
                schema.subtype_display_name = f.subtype_display_name.clone();
            }
            FragmentKind::App => apps.push(f.family.name.clone()),
            FragmentKind::Tenant => {}
        }
    }
    schema.conditions = (!conditions.is_empty()).then_some(conditions);
    schema.stock_field_overrides = (!overrides.is_empty()).then_some(overrides);
    schema.apps = (!apps.is_empty()).then_some(apps);
    Ok(schema)
}

/// The answer to `schemas.subtypes.prepare-update`: what changing an object's subtype to
/// `new_subtype` (or removing it) would do.
///
/// # Errors
/// A message for a 404 when `new_subtype` does not exist.
pub fn prepare_subtype_change(
    leaf: LeafType,
    new_subtype: Option<&str>,
    state: &CustomState,
    catalog: &FragmentCatalog,
    org: &str,
) -> Result<wire::SchemasSubtypePrepareUpdateGetResponse, String> {
    let new = new_subtype
        .map(|s| {
            catalog.current(&Family::subtype(leaf, s)).ok_or_else(|| format!("{} has no subtype '{s}'", leaf.as_str()))
        })
        .transpose()?;
    let mut fragments: Vec<FragmentRef> = state
        .fragments
        .iter()
        .filter(|r| r.kind != FragmentKind::CustomType)
        .filter_map(|r| catalog.current_of(*r).map(|f| f.fragment_ref()))
        .collect();
    if let Some(n) = new {
        fragments.push(n.fragment_ref());
    }
    fragments.sort_by_key(|r| (r.kind, r.id));
    let added: Vec<_> = new
        .map(|n| {
            n.fields()
                .into_iter()
                .filter(|d| d.default_value.is_some())
                .map(|d| wire::SchemasSubtypePrepareUpdateGetResponseAddedField {
                    name: format!("ctype__{}", d.name),
                    default_value: d.default_value.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let old = state.subtype.as_deref().and_then(|s| catalog.current(&Family::subtype(leaf, s)));
    let mut dropped = Vec::new();
    for key in state.fields.keys() {
        let Some(name) = key.strip_prefix("ctype__") else { continue };
        let Some(old_field) = old.and_then(|o| o.field(name)) else { continue };
        use wire::SchemasSubtypePrepareUpdateGetResponseConflictType as Conflict;
        let conflict = match new.and_then(|n| n.field(name)) {
            None => Some((Conflict::AbsentInNew, format!("the new subtype has no field '{name}'"))),
            Some(f) if !f.same_type(&old_field) => {
                Some((Conflict::IncompatibleType, format!("'{name}' has another type in the new subtype")))
            }
            Some(_) => None,
        };
        if let Some((conflict_type, message)) = conflict {
            dropped.push(wire::SchemasSubtypePrepareUpdateGetResponseDroppedField {
                conflict_type,
                message,
                name: key.clone(),
            });
        }
    }
    Ok(wire::SchemasSubtypePrepareUpdateGetResponse {
        added_fields: Some(added),
        dropped_fields: Some(dropped),
        new_custom_schema_fragments: Some(fragments.iter().map(|r| r.don(org)).collect()),
        new_start_stage: None,
    })
}

// ---------------------------------------------------------------------------------------
// Stock fragments

fn stock_field(name: &str, field_type: SchemaFieldDescriptorFieldType, description: &str) -> SchemaFieldDescriptor {
    SchemaFieldDescriptor {
        field_type,
        name: name.to_owned(),
        base_type: None,
        description: Some(description.to_owned()),
        is_filterable: None,
        is_immutable: None,
        is_pii: None,
        is_required: None,
        mfz: None,
        oasis: None,
        origin: None,
        ui: None,
        default_value: None,
        allowed_values: None,
        is_overridable: None,
        translated_values: None,
        contains: None,
        eq_len: None,
        max_len: None,
        min_len: None,
        pattern: None,
        prefix: None,
        suffix: None,
        gt: None,
        gte: None,
        lt: None,
        lte: None,
        id_type: None,
        composite_type: None,
        eq_items: None,
        max_items: None,
        min_items: None,
    }
}

/// The built-in fields of a leaf type, as its stock fragment describes them.
pub fn stock_fields(leaf: LeafType) -> Vec<SchemaFieldDescriptor> {
    use SchemaFieldDescriptorFieldType as T;
    let filterable = |mut f: SchemaFieldDescriptor| {
        f.is_filterable = Some(true);
        f
    };
    let immutable = |mut f: SchemaFieldDescriptor| {
        f.is_immutable = Some(true);
        f
    };
    let required = |mut f: SchemaFieldDescriptor| {
        f.is_required = Some(true);
        f
    };
    let list = |mut f: SchemaFieldDescriptor, base: Base| {
        f.field_type = T::Array;
        f.base_type = Some(base);
        f
    };
    let ids = |mut f: SchemaFieldDescriptor, kinds: &[&str]| {
        f.id_type = Some(kinds.iter().map(|k| (*k).to_owned()).collect());
        f
    };
    let pii = |mut f: SchemaFieldDescriptor| {
        f.is_pii = Some(true);
        f
    };
    let mut fields = vec![
        immutable(filterable(stock_field("id", T::Id, "The object's DON."))),
        immutable(stock_field("display_id", T::Text, "Human-readable id.")),
        immutable(filterable(ids(
            stock_field("created_by", T::Id, "Who created the object."),
            &["dev_user", "sys_user", "rev_user", "service_account"],
        ))),
        immutable(filterable(stock_field("created_date", T::Timestamp, "When the object was created."))),
        ids(
            stock_field("modified_by", T::Id, "Who changed the object last."),
            &["dev_user", "sys_user", "rev_user", "service_account"],
        ),
        filterable(stock_field("modified_date", T::Timestamp, "When the object was changed last.")),
    ];
    let state = || {
        let mut f = filterable(stock_field("state", T::Enum, "Lifecycle state."));
        f.allowed_values = Some(
            ["active", "deactivated", "deleted", "locked", "shadow", "unassigned"]
                .iter()
                .map(|s| (*s).into())
                .collect(),
        );
        f
    };
    let tags = || ids(list(stock_field("tags", T::Id, "Tags applied to the object."), Base::Id), &["tag"]);
    let artifacts = || ids(list(stock_field("artifacts", T::Id, "Attached files."), Base::Id), &["artifact"]);
    match leaf {
        LeafType::RevUser => fields.extend([
            stock_field("display_name", T::Text, "Name shown in user interfaces."),
            stock_field("description", T::RichText, "Free-text description."),
            pii(filterable(stock_field("email", T::Text, "Email address."))),
            pii(filterable(list(stock_field("phone_numbers", T::Text, "Phone numbers in E.164 form."), Base::Text))),
            filterable(stock_field("external_ref", T::Text, "External id, unique in the dev org.")),
            filterable(list(stock_field("external_refs", T::Text, "All external ids."), Base::Text)),
            filterable(stock_field("is_verified", T::Bool, "Whether the contact is verified.")),
            filterable(ids(
                stock_field("rev_org", T::Id, "The workspace the contact belongs to."),
                &["rev_org", "account"],
            )),
            ids(stock_field("display_picture", T::Id, "The contact's picture."), &["artifact"]),
            state(),
            tags(),
            artifacts(),
        ]),
        LeafType::Account => fields.extend([
            required(filterable(stock_field("display_name", T::Text, "Name of the account."))),
            stock_field("description", T::RichText, "Free-text description."),
            filterable(list(stock_field("domains", T::Text, "Company domains."), Base::Text)),
            filterable(list(stock_field("external_refs", T::Text, "External ids, unique in the dev org."), Base::Text)),
            filterable(ids(
                list(stock_field("owned_by", T::Id, "Dev users who own the account."), Base::Id),
                &["dev_user"],
            )),
            filterable(stock_field("tier", T::Text, "Customer tier.")),
            filterable(list(stock_field("websites", T::Text, "Company websites."), Base::Text)),
            tags(),
            artifacts(),
        ]),
        LeafType::RevOrg => fields.extend([
            required(filterable(stock_field("display_name", T::Text, "Name of the workspace."))),
            stock_field("description", T::RichText, "Free-text description."),
            stock_field("domain", T::Text, "Company domain."),
            filterable(stock_field("external_ref", T::Text, "External id, unique in the dev org.")),
            required(filterable(ids(
                stock_field("account", T::Id, "The account the workspace belongs to."),
                &["account"],
            ))),
            tags(),
            artifacts(),
        ]),
        LeafType::DevUser => fields.extend([
            stock_field("display_name", T::Text, "Name shown in user interfaces."),
            stock_field("full_name", T::Text, "Full name."),
            pii(filterable(stock_field("email", T::Text, "Email address."))),
            pii(list(stock_field("phone_numbers", T::Text, "Phone numbers in E.164 form."), Base::Text)),
            ids(stock_field("display_picture", T::Id, "The user's picture."), &["artifact"]),
            state(),
        ]),
    }
    fields
}

/// The stock fragment of a leaf type; `prune_fields`/`prune_composites` answer those parts
/// empty (the spec requires them).
pub fn stock_fragment(leaf: LeafType, prune_fields: bool) -> StockSchemaFragment {
    StockSchemaFragment {
        id: leaf.stock_don(),
        composite_schemas: Vec::new(),
        fields: if prune_fields { Vec::new() } else { stock_fields(leaf) },
        description: Some(format!("Built-in fields of {}", leaf.as_str())),
        leaf_type: Some(leaf.as_str().to_owned()),
        title: Some(leaf.as_str().to_owned()),
    }
}

/// Fields `schemas.stock.list` sorts by.
pub const STOCK_SORTABLE: &[&str] = &["leaf_type"];

/// One page of the built-in stock fragments of `leaves` (a fixed, tiny set, paged in
/// memory with the same cursors as every other list).
pub fn stock_page(leaves: &[LeafType], page: &PageRequest) -> Page<LeafType> {
    let sorted = !page.sort.is_empty();
    let mut all = leaves.to_vec();
    all.sort_by_key(|l| if sorted { (l.as_str(), 0) } else { ("", l.stock_number()) });
    if page.sort.first().is_some_and(|k| k.desc) {
        all.reverse();
    }
    let key = |l: &LeafType| {
        let mut k = Vec::new();
        if sorted {
            k.push(serde_json::Value::from(l.as_str()));
        }
        k.push(serde_json::Value::from(l.stock_number()));
        k
    };
    let at = page.cursor.as_ref().and_then(|c| all.iter().position(|l| key(l) == c.keys));
    let limit = page.limit as usize;
    let (start, end) = if page.before {
        let end = at.unwrap_or(all.len());
        (end.saturating_sub(limit), end)
    } else {
        let start = at.map_or(0, |i| i + 1);
        (start, (start + limit).min(all.len()))
    };
    let items: Vec<LeafType> = all.get(start..end).map(<[LeafType]>::to_vec).unwrap_or_default();
    let has_cursor = page.cursor.is_some();
    let (more_after, more_before) = (end < all.len(), start > 0);
    let next = (if page.before { has_cursor && more_after } else { more_after })
        .then(|| items.last().map(|l| page.cursor_at(key(l), false)))
        .flatten();
    let prev = (if page.before { more_before } else { has_cursor && more_before })
        .then(|| items.first().map(|l| page.cursor_at(key(l), true)))
        .flatten();
    Page { items, next_cursor: next, prev_cursor: prev }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fragment_and_stock_ids() {
        let p = parse_fragment_id("id", "don:core:dvrv-us-1:devo/Org1:tenant_fragment/3").unwrap();
        assert_eq!(p.fragment, FragmentRef { kind: FragmentKind::Tenant, id: 3 });
        assert_eq!(p.in_org("Org1"), Some(p.fragment));
        assert_eq!(p.in_org("Other"), None);
        assert_eq!(p.fragment.don("Org1"), "don:core:dvrv-us-1:devo/Org1:tenant_fragment/3");
        let e = parse_fragment_id("id", "REVU-1").unwrap_err();
        assert!(matches!(e.kind, revdir_api::ErrorKind::UnexpectedIdType { .. }));
        for bad in ["", "tenant_fragment/1", "don:core:dvrv-us-1:devo/x:tenant_fragment/0", "don:core:r:devo/x:bogus/1"]
        {
            let e = parse_fragment_id("id", bad).unwrap_err();
            assert!(matches!(e.kind, revdir_api::ErrorKind::InvalidId { .. }), "{bad}");
        }
        assert_eq!(parse_stock_id("id", "don:core:dvrv-us-1:stock_sf/4").unwrap(), Some(LeafType::RevUser));
        assert_eq!(parse_stock_id("id", "don:core:dvrv-us-1:stock_sf/99").unwrap(), None);
        assert!(parse_stock_id("id", "don:core:dvrv-us-1:devo/x:stock_sf/4").is_err());
    }

    #[test]
    fn names_are_restricted() {
        assert!(valid_name("tier_level2"));
        for bad in ["", "2x", "a-b", "a b", "é"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
