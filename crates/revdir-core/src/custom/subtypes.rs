//! Subtype reads: `schemas.subtypes.list` and `schemas.subtypes.prepare-update`, which tells
//! what changing an object's subtype would add and drop.

use revdir_api::schemas as wire;

use super::fragment_ids::{Family, FragmentKind, FragmentRef, LeafType};
use super::fragments::FragmentCatalog;
use super::state::CustomState;
use crate::error::ValidationError;

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
