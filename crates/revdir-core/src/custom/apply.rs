//! Writes (§6.3–6.5): what a create or update says about custom fields ([`CustomInput`]) and
//! [`apply`], which turns an object's custom state and that input into the new state or the
//! 400 to send.

use std::collections::{BTreeMap, HashSet};

use revdir_api::common::CustomSchemaSpec;
use serde_json::{Map, Value};

use super::conditions::conditions_of;
use super::descriptors::ValueContext;
use super::errors::{customization, stale, Problem};
use super::fragment_ids::{
    parse_fragment_id, valid_name, Family, FragmentKind, FragmentRef, LeafType, ParsedFragmentId,
};
use super::fragments::{FragmentCatalog, FragmentRecord};
use super::state::{attached_of, descriptor_of, family_of_key, split_key, CustomState};
use crate::error::ValidationError;

/// The parsed `custom_schema_spec` of a write (§6.3).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SchemaSpec {
    /// Include the current tenant fragment.
    pub tenant: bool,
    /// Attach this subtype's current fragment (and set `subtype`).
    pub subtype: Option<String>,
    /// Attach these apps' current fragments.
    pub apps: Vec<String>,
    /// Enforce `is_required` (and conditions' `require`) on the named fragments.
    pub validate_required: bool,
    /// Detach these apps' fragments and their values.
    pub drop_apps: Vec<String>,
    /// Remove the subtype, its fragment and its values.
    pub drop_subtype: bool,
}

/// What a create or update says about custom fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CustomInput {
    /// Values to write by prefixed key; `null` clears a key.
    pub fields: Option<Map<String, Value>>,
    /// Which fragments the values belong to.
    pub spec: Option<SchemaSpec>,
    /// Explicit fragment versions, replacing the object's list.
    pub fragments: Option<Vec<ParsedFragmentId>>,
    /// The request field the explicit ids came in (`custom_schema_fragments` or
    /// `schema_fragment_ids`), for error messages.
    pub fragments_field: &'static str,
}

impl CustomInput {
    /// Parses a request's custom parts; `None` when it has none.
    ///
    /// # Errors
    /// A 400 for malformed fragment ids, subtype or app names, or a `drop` that contradicts
    /// the rest of the spec.
    pub fn parse(
        fields: Option<&Map<String, Value>>,
        spec: Option<&CustomSchemaSpec>,
        fragments: Option<&[String]>,
        fragments_field: &'static str,
    ) -> Result<Option<Self>, ValidationError> {
        if fields.is_none() && spec.is_none() && fragments.is_none() {
            return Ok(None);
        }
        let fragments = fragments
            .map(|ids| ids.iter().map(|id| parse_fragment_id(fragments_field, id)).collect::<Result<Vec<_>, _>>())
            .transpose()?;
        let spec = spec.map(parse_spec).transpose()?;
        Ok(Some(Self { fields: fields.cloned(), spec, fragments, fragments_field }))
    }
}

fn parse_spec(s: &CustomSchemaSpec) -> Result<SchemaSpec, ValidationError> {
    let check = |field: &str, name: &str| {
        if valid_name(name) {
            Ok(name.to_owned())
        } else {
            Err(customization(Problem::FragmentNotFound, field, format!("'{name}' is not a valid name")))
        }
    };
    let subtype = s.subtype.as_deref().map(|n| check("custom_schema_spec.subtype", n)).transpose()?;
    let apps = s.apps.iter().flatten().map(|a| check("custom_schema_spec.apps", a)).collect::<Result<Vec<_>, _>>()?;
    let drop = s.drop.clone().unwrap_or_default();
    let drop_apps =
        drop.apps.iter().flatten().map(|a| check("custom_schema_spec.drop.apps", a)).collect::<Result<Vec<_>, _>>()?;
    let drop_subtype = drop.subtype.unwrap_or(false);
    if drop_subtype && subtype.is_some() {
        return Err(customization(
            Problem::InvalidArgument,
            "custom_schema_spec.drop.subtype",
            "a spec cannot both set a subtype and drop it",
        ));
    }
    if let Some(a) = drop_apps.iter().find(|a| apps.contains(a)) {
        return Err(customization(
            Problem::InvalidArgument,
            "custom_schema_spec.drop.apps",
            format!("app '{a}' is both in apps and in drop.apps"),
        ));
    }
    Ok(SchemaSpec {
        tenant: s.tenant_fragment.unwrap_or(false),
        subtype,
        apps,
        validate_required: s.validate_required_fields.unwrap_or(false),
        drop_apps,
        drop_subtype,
    })
}

/// What a write needs besides the object and the request.
#[derive(Debug, Clone, Copy)]
pub struct ApplyContext<'a> {
    /// The caller's dev org.
    pub org: &'a str,
    /// The object's leaf type.
    pub leaf: LeafType,
    /// Fragments read in the write's transaction: every current version of the leaf type
    /// and the lineages of the object's and the request's fragment ids.
    pub catalog: &'a FragmentCatalog,
}

/// Applies a write's custom parts to an object's custom state (§6.3–6.5).
///
/// Keys present are written, absent keys keep their values, `null` clears a key. Every key
/// must belong to a fragment the request names (in `custom_schema_spec` or its explicit
/// fragment ids); fragments not named keep their values. Fragments newly attached fill in
/// their fields' default values. Values of fields that no longer exist in the current
/// versions, or that belong to a detached fragment or a replaced subtype (unless the new
/// subtype has the field with the same type), are dropped.
///
/// # Errors
/// `stale_schema_fragments` for a superseded explicit id, or a
/// `customization_validation_error` naming the key and the reason. Nothing is applied then.
pub fn apply(
    ctx: ApplyContext<'_>,
    current: &CustomState,
    input: &CustomInput,
) -> Result<CustomState, ValidationError> {
    let leaf = ctx.leaf;
    let before = attached_of(current, ctx.catalog);
    let mut attached = before.clone();
    let mut subtype = current.subtype.clone();
    let mut named: HashSet<Family> = HashSet::new();

    if let Some(ids) = &input.fragments {
        let field = input.fragments_field;
        attached.clear();
        subtype = None;
        for p in ids {
            let missing = || {
                customization(
                    Problem::FragmentNotFound,
                    field,
                    format!("schema fragment {} does not exist", p.fragment.local()),
                )
            };
            let r = p.in_org(ctx.org).ok_or_else(missing)?;
            let (family, current_id) =
                ctx.catalog.refs.get(&r.id).filter(|(f, _)| f.kind == r.kind).ok_or_else(missing)?;
            if *current_id != r.id {
                return Err(stale(r, *current_id, ctx.org));
            }
            if family.leaf != leaf {
                return Err(customization(
                    Problem::FragmentNotFound,
                    field,
                    format!("{} is a fragment of {}, not {}", r.local(), family.leaf.as_str(), leaf.as_str()),
                ));
            }
            let clash = attached.keys().any(|f| f == family || (f.kind == family.kind && f.kind != FragmentKind::App));
            if clash {
                return Err(customization(
                    Problem::InvalidArgument,
                    field,
                    format!("{} repeats a tenant fragment, a subtype or an app", r.local()),
                ));
            }
            let f = ctx.catalog.current(family).ok_or_else(missing)?;
            if family.kind == FragmentKind::CustomType {
                subtype = Some(family.name.clone());
            }
            attached.insert(family.clone(), f.clone());
            named.insert(family.clone());
        }
    }

    let spec = input.spec.clone().unwrap_or_default();
    if spec.tenant {
        let family = Family::tenant(leaf);
        if let Some(f) = ctx.catalog.current(&family) {
            attached.insert(family.clone(), f.clone());
        }
        named.insert(family);
    }
    if let Some(s) = &spec.subtype {
        let family = Family::subtype(leaf, s);
        let f = ctx.catalog.current(&family).ok_or_else(|| {
            customization(
                Problem::FragmentNotFound,
                "custom_schema_spec.subtype",
                format!("{} has no subtype '{s}'", leaf.as_str()),
            )
        })?;
        attached.retain(|k, _| k.kind != FragmentKind::CustomType);
        attached.insert(family.clone(), f.clone());
        subtype = Some(s.clone());
        named.insert(family);
    }
    for a in &spec.apps {
        let family = Family::app(leaf, a);
        let f = ctx.catalog.current(&family).ok_or_else(|| {
            customization(
                Problem::FragmentNotFound,
                "custom_schema_spec.apps",
                format!("{} has no fragment of app '{a}'", leaf.as_str()),
            )
        })?;
        attached.insert(family.clone(), f.clone());
        named.insert(family);
    }
    for a in &spec.drop_apps {
        attached.remove(&Family::app(leaf, a));
    }
    if spec.drop_subtype {
        attached.retain(|k, _| k.kind != FragmentKind::CustomType);
        subtype = None;
    }

    // Values the object keeps: their field still exists where the key now points. After a
    // subtype change a `ctype__` value survives only if the new subtype's field has its type
    // and the value passes its rules.
    let old_subtype = current.subtype.as_deref();
    let value_ctx = |f: &FragmentRecord| (f.composites(), ctx.org);
    let mut values = Map::new();
    for (k, v) in &current.fields {
        let Some((_, old_d)) = descriptor_of(leaf, &before, old_subtype, k) else { continue };
        let Some((f, d)) = descriptor_of(leaf, &attached, subtype.as_deref(), k) else { continue };
        let moved = split_key(k).is_some_and(|(p, _)| p == "ctype") && old_subtype != subtype.as_deref();
        if moved {
            let (composites, org) = value_ctx(&f);
            if !d.same_type(&old_d) || d.check(k, v, &ValueContext { org: Some(org), composites: &composites }).is_err()
            {
                continue;
            }
        }
        values.insert(k.clone(), v.clone());
    }
    let existing = values.clone();

    // Newly attached fragments fill in defaults for fields the request does not set.
    let sent = input.fields.clone().unwrap_or_default();
    for (family, f) in &attached {
        if before.contains_key(family) {
            continue;
        }
        let composites = f.composites();
        for d in f.fields() {
            let key = format!("{}__{}", family.prefix(), d.name);
            if let Some(default) = &d.default_value {
                if !values.contains_key(&key) && !sent.contains_key(&key) {
                    let v = d.check(&key, default, &ValueContext { org: Some(ctx.org), composites: &composites })?;
                    values.insert(key, v);
                }
            }
        }
    }

    let mut written: Vec<String> = Vec::new();
    for (key, v) in &sent {
        let (prefix, name) = split_key(key).ok_or_else(|| {
            customization(Problem::FieldNotInSchema, key, "custom field keys carry a prefix: tnt__, ctype__ or <app>__")
        })?;
        let family = family_of_key(leaf, prefix, subtype.as_deref()).ok_or_else(|| {
            customization(
                Problem::FieldNotInSchema,
                key,
                "the object has no subtype; name one in custom_schema_spec.subtype to set ctype__ fields",
            )
        })?;
        if !named.contains(&family) {
            let how = match family.kind {
                FragmentKind::Tenant => "tenant_fragment: true".to_owned(),
                FragmentKind::CustomType => format!("subtype: \"{}\"", family.name),
                FragmentKind::App => format!("apps: [\"{}\"]", family.name),
            };
            return Err(customization(
                Problem::FieldNotInSchema,
                key,
                format!("the request does not name the fragment of {key}; add {how} to custom_schema_spec"),
            ));
        }
        let f = attached.get(&family).ok_or_else(|| {
            customization(
                Problem::FieldNotInSchema,
                key,
                format!(
                    "{} has no {} fragment{}",
                    leaf.as_str(),
                    family.kind.as_str(),
                    if family.name.is_empty() { String::new() } else { format!(" '{}'", family.name) }
                ),
            )
        })?;
        let Some(d) = f.field(name) else {
            if f.dropped(name) {
                return Err(customization(
                    Problem::FieldDropped,
                    key,
                    format!("field '{name}' was removed from its fragment"),
                ));
            }
            return Err(customization(
                Problem::FieldNotInSchema,
                key,
                format!("the {} has no field '{name}'", family.kind.as_str()),
            ));
        };
        if v.is_null() {
            if d.is_immutable && existing.contains_key(key) {
                return Err(customization(Problem::FieldImmutable, key, "the field is immutable and has a value"));
            }
            values.remove(key);
            continue;
        }
        let composites = f.composites();
        let nv = d.check(key, v, &ValueContext { org: Some(ctx.org), composites: &composites })?;
        if d.is_immutable && existing.get(key).is_some_and(|old| old != &nv) {
            return Err(customization(Problem::FieldImmutable, key, "the field is immutable and has another value"));
        }
        values.insert(key.clone(), nv);
        written.push(key.clone());
    }

    // Conditions and required fields of the fragments this request names.
    for family in &named {
        let Some(f) = attached.get(family) else { continue };
        let mut required: BTreeMap<String, bool> =
            f.fields().into_iter().map(|d| (format!("{}__{}", family.prefix(), d.name), d.is_required)).collect();
        for c in conditions_of(f) {
            let now = c.expr.eval(&values, subtype.as_deref());
            let then = c.expr.eval(&existing, old_subtype);
            for e in &c.effects {
                for k in &e.keys {
                    let touched = written.contains(k);
                    if now && e.invalid == Some(true) && touched {
                        return Err(customization(
                            Problem::InvalidArgument,
                            k,
                            "the fragment's conditions allow no value here",
                        ));
                    }
                    if let (true, Some(allowed), true, Some(Value::String(s))) =
                        (now, &e.allowed_values, touched, values.get(k))
                    {
                        if !allowed.contains(s) {
                            return Err(customization(
                                Problem::EnumOutOfRange,
                                k,
                                format!("'{s}' is not allowed here; allowed: {}", allowed.join(", ")),
                            ));
                        }
                    }
                    if then && e.immutable == Some(true) && sent.contains_key(k) && existing.get(k) != values.get(k) {
                        return Err(customization(
                            Problem::FieldImmutable,
                            k,
                            "the fragment's conditions make the field immutable",
                        ));
                    }
                    if let (true, Some(r)) = (now, e.require) {
                        required.insert(k.clone(), r);
                    }
                }
            }
        }
        if spec.validate_required {
            if let Some((k, _)) = required.iter().find(|(k, r)| **r && !values.contains_key(*k)) {
                return Err(customization(Problem::FieldRequired, k, "the field is required"));
            }
        }
    }

    let mut fragments: Vec<FragmentRef> = attached.values().map(|f| f.fragment_ref()).collect();
    fragments.sort_by_key(|r| (r.kind, r.id));
    Ok(CustomState { subtype, fragments, fields: values })
}
