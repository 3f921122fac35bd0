//! `schemas.custom.set`: the parsed command ([`FragmentSet`]) and the versioning rules
//! ([`plan_set`]) deciding whether it creates a lineage, changes the current version in
//! place, or chains a new version, refusing a field removed without `deleted_fields`.

use std::collections::HashSet;

use revdir_api::schemas::{CustomSchemaFragmentsSetRequest, SchemaFieldDescriptor};

use super::conditions::check_conditions;
use super::descriptors::FieldDescriptor;
use super::errors::{customization, Problem};
use super::fragment_ids::{valid_name, Family, FragmentKind, LeafType};
use super::fragments::{DroppedField, FragmentContent, FragmentRecord};
use super::stock::stock_fields;
use crate::error::ValidationError;

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

fn invalid(field: &str, reason: impl Into<String>) -> ValidationError {
    customization(Problem::InvalidArgument, field, reason)
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
        check_conditions(&conditions, &parsed)?;
        let stock_field_overrides = r.stock_field_overrides.clone().unwrap_or_default();
        let stock: Vec<String> = stock_fields(leaf).into_iter().map(|f| f.name).collect();
        for (i, o) in stock_field_overrides.iter().enumerate() {
            let field = format!("stock_field_overrides[{i}].name");
            let n = o.name.as_deref().ok_or_else(|| ValidationError::missing(&field))?;
            if !stock.iter().any(|s| s == n) {
                return Err(customization(
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
                return Err(customization(
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
