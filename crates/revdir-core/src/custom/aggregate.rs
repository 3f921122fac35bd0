//! `schemas.aggregated.get`: stock fields and the chosen fragments' fields merged into one
//! schema.

use std::sync::Arc;

use revdir_api::schemas::{self as wire, AggregatedSchema, StockFieldOverride};

use super::errors::stale;
use super::fragment_ids::{parse_fragment_id, parse_stock_id, Family, FragmentKind, LeafType, ParsedFragmentId};
use super::fragments::{FragmentCatalog, FragmentRecord};
use super::stock::stock_fields;
use crate::error::ValidationError;

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
            return Err(AggregateError::Invalid(stale(r, *current, org)));
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
