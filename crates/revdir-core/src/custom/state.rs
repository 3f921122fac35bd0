//! An object's custom part: as stored ([`CustomState`]), how its keys point at the
//! fragments it has attached, and as reads present it ([`CustomView`], [`present`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::descriptors::FieldDescriptor;
use super::fragment_ids::{Family, FragmentRef, LeafType};
use super::fragments::{FragmentCatalog, FragmentRecord};

/// The custom part of a stored object: its subtype, the fragment versions it references and
/// its values by prefixed key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CustomState {
    /// The subtype, when one is set.
    pub subtype: Option<String>,
    /// Fragment versions, as written last (reads present their current versions).
    pub fragments: Vec<FragmentRef>,
    /// Values by prefixed key; a cleared field has no key.
    pub fields: Map<String, Value>,
}

impl CustomState {
    /// Reads the stored columns; unreadable text reads as empty.
    pub fn from_columns(fields: &str, fragments: &str, subtype: Option<String>) -> Self {
        let refs: Vec<String> = serde_json::from_str(fragments).unwrap_or_default();
        Self {
            subtype,
            fragments: refs.iter().filter_map(|r| FragmentRef::parse_local(r)).collect(),
            fields: serde_json::from_str(fields).unwrap_or_default(),
        }
    }

    /// The `custom_fields` column.
    pub fn fields_json(&self) -> String {
        serde_json::to_string(&self.fields).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The `custom_schema_fragments` column.
    pub fn fragments_json(&self) -> String {
        let refs: Vec<String> = self.fragments.iter().map(|r| r.local()).collect();
        serde_json::to_string(&refs).unwrap_or_else(|_| "[]".to_owned())
    }
}

/// Splits a prefixed key into its prefix and bare name.
pub(super) fn split_key(key: &str) -> Option<(&str, &str)> {
    key.split_once("__").filter(|(p, n)| !p.is_empty() && !n.is_empty())
}

/// The lineage a key's prefix points at for an object with `subtype`.
pub(super) fn family_of_key(leaf: LeafType, prefix: &str, subtype: Option<&str>) -> Option<Family> {
    match prefix {
        "tnt" => Some(Family::tenant(leaf)),
        "ctype" => subtype.map(|s| Family::subtype(leaf, s)),
        app => Some(Family::app(leaf, app)),
    }
}

/// The object's attached fragments (current versions) by lineage.
pub(super) type Attached = BTreeMap<Family, Arc<FragmentRecord>>;

pub(super) fn attached_of(state: &CustomState, catalog: &FragmentCatalog) -> Attached {
    state.fragments.iter().filter_map(|r| catalog.current_of(*r)).map(|f| (f.family.clone(), f.clone())).collect()
}

/// The descriptor of `key` among `attached`, for an object with `subtype`.
pub(super) fn descriptor_of(
    leaf: LeafType,
    attached: &Attached,
    subtype: Option<&str>,
    key: &str,
) -> Option<(Arc<FragmentRecord>, FieldDescriptor)> {
    let (prefix, name) = split_key(key)?;
    let f = attached.get(&family_of_key(leaf, prefix, subtype)?)?;
    f.field(name).map(|d| (f.clone(), d))
}

/// Whether `key` names a field of `attached`; cheaper than [`descriptor_of`], for reads.
fn has_field(leaf: LeafType, attached: &Attached, subtype: Option<&str>, key: &str) -> bool {
    split_key(key)
        .and_then(|(prefix, name)| Some((attached.get(&family_of_key(leaf, prefix, subtype)?)?, name)))
        .is_some_and(|(f, name)| f.content.fields.iter().any(|d| d.name == name))
}

/// An object's custom part as reads present it: against the current version of each
/// fragment (§6.4), so values of removed fields are not shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CustomView {
    /// The subtype.
    pub subtype: Option<String>,
    /// The current versions of the object's fragments.
    pub fragments: Vec<FragmentRef>,
    /// Values of fields that exist in those versions.
    pub fields: Map<String, Value>,
}

/// Presents a stored state against the current fragment versions in `catalog`.
pub fn present(leaf: LeafType, state: &CustomState, catalog: &FragmentCatalog) -> CustomView {
    let attached = attached_of(state, catalog);
    let fields = state
        .fields
        .iter()
        .filter(|(k, _)| has_field(leaf, &attached, state.subtype.as_deref(), k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut fragments: Vec<FragmentRef> = attached.values().map(|f| f.fragment_ref()).collect();
    fragments.sort_by_key(|r| (r.kind, r.id));
    CustomView { subtype: state.subtype.clone(), fragments, fields }
}

/// The wire pieces of an object's custom part.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomWire {
    /// `custom_fields`, absent when empty.
    pub custom_fields: Option<Map<String, Value>>,
    /// `custom_schema_fragments`, absent when empty.
    pub custom_schema_fragments: Option<Vec<String>>,
    /// `stock_schema_fragment`, always present.
    pub stock_schema_fragment: String,
    /// `subtype`, when set.
    pub subtype: Option<String>,
}

impl CustomView {
    /// Renders the custom part of an object of `leaf` in dev org `org`.
    pub fn render(&self, org: &str, leaf: LeafType) -> CustomWire {
        CustomWire {
            custom_fields: (!self.fields.is_empty()).then(|| self.fields.clone()),
            custom_schema_fragments: (!self.fragments.is_empty())
                .then(|| self.fragments.iter().map(|r| r.don(org)).collect()),
            stock_schema_fragment: leaf.stock_don(),
            subtype: self.subtype.clone(),
        }
    }
}
