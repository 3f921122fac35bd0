//! Custom fields (§6.2–6.5): field descriptors, value validation, conditions, and the rules
//! by which a write's `custom_fields`, `custom_schema_spec` and explicit fragment ids change
//! an object's custom state.
//!
//! Everything here is pure. A store reads the fragments a write needs (a
//! [`FragmentCatalog`]) inside the write's transaction and calls [`apply`], which answers the
//! object's new [`CustomState`] or the `customization_validation_error` /
//! `stale_schema_fragments` to send; nothing is written on an error. Reads present objects
//! against the current version of each fragment ([`present`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use revdir_api::common::CustomSchemaSpec;
use revdir_api::schemas::{
    CustomSchemaFragmentCondition, SchemaFieldDescriptor, SchemaFieldDescriptorArrayTypeBaseType as Base,
    SchemaFieldDescriptorFieldType as FieldType,
};
use revdir_api::ErrorKind;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;

use crate::error::ValidationError;
use crate::ids::{don, parse_id, ObjectKind};
use crate::schemas::{
    parse_fragment_id, valid_name, Family, FragmentCatalog, FragmentKind, FragmentRecord, FragmentRef, LeafType,
    ParsedFragmentId,
};

// ---------------------------------------------------------------------------------------
// Errors

/// The `subtype` of a `customization_validation_error` (§5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// An id of a kind of object the server does not recognise as an object.
    BadIdType,
    /// A `date` value that is not `YYYY-MM-DD`.
    DateParseError,
    /// A value outside an enum's allowed values.
    EnumOutOfRange,
    /// A condition whose expression does not parse.
    ExpressionParseError,
    /// A field removed from its fragment.
    FieldDropped,
    /// A change to an immutable field.
    FieldImmutable,
    /// A key no named fragment defines.
    FieldNotInSchema,
    /// A required field without a value.
    FieldRequired,
    /// A fragment, subtype or app that does not exist.
    FragmentNotFound,
    /// An `id` value that is not an id.
    IdParseError,
    /// An id of a kind the field does not allow.
    IdTypeNotAllowed,
    /// A value or definition that breaks a constraint.
    InvalidArgument,
    /// A `timestamp` value that is not RFC 3339.
    TimestampParseError,
    /// A field type values cannot be given for.
    UnsupportedType,
    /// A JSON value of the wrong type.
    WrongType,
}

impl Problem {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadIdType => "bad_id_type",
            Self::DateParseError => "date_parse_error",
            Self::EnumOutOfRange => "enum_out_of_range",
            Self::ExpressionParseError => "expression_parse_error",
            Self::FieldDropped => "field_dropped",
            Self::FieldImmutable => "field_immutable",
            Self::FieldNotInSchema => "field_not_in_schema",
            Self::FieldRequired => "field_required",
            Self::FragmentNotFound => "fragment_not_found",
            Self::IdParseError => "id_parse_error",
            Self::IdTypeNotAllowed => "id_type_not_allowed",
            Self::InvalidArgument => "invalid_argument",
            Self::TimestampParseError => "timestamp_parse_error",
            Self::UnsupportedType => "unsupported_type",
            Self::WrongType => "wrong_type",
        }
    }
}

/// A 400 `customization_validation_error` naming `field`.
pub fn customization(problem: Problem, field: &str, reason: impl Into<String>) -> ValidationError {
    let reason = reason.into();
    ValidationError {
        message: format!("{field}: {reason}"),
        kind: ErrorKind::CustomizationValidationError {
            subtype: problem.as_str().to_owned(),
            field_name: Some(field.to_owned()),
            reason: Some(reason),
        },
    }
}

/// A 400 `stale_schema_fragments`: fragment version `r` was superseded by `current`.
pub fn stale(r: FragmentRef, current: i64, org: &str) -> ValidationError {
    ValidationError {
        message: format!(
            "schema fragment {} has been superseded by {}; use the latest fragment ids",
            r.don(org),
            FragmentRef { kind: r.kind, id: current }.don(org)
        ),
        kind: ErrorKind::StaleSchemaFragments,
    }
}

// ---------------------------------------------------------------------------------------
// Descriptors

/// The value type of a field, or of an array field's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    /// `true`/`false`.
    Bool,
    /// An object following a composite schema.
    Composite,
    /// `YYYY-MM-DD`.
    Date,
    /// Any number.
    Double,
    /// One of a list of strings.
    Enum,
    /// An object id, stored as a DON.
    Id,
    /// A 64-bit integer.
    Int,
    /// Any JSON value but `null`.
    JsonValue,
    /// Text.
    RichText,
    /// Any JSON object.
    Struct,
    /// Text.
    Text,
    /// RFC 3339.
    Timestamp,
    /// Text.
    Tokens,
    /// One of a list of numbered values.
    Uenum,
    /// No values can be given.
    Unknown,
}

impl ScalarType {
    fn of_field(t: FieldType) -> Option<Self> {
        Some(match t {
            FieldType::Array => return None,
            FieldType::Bool => Self::Bool,
            FieldType::Composite => Self::Composite,
            FieldType::Date => Self::Date,
            FieldType::Double => Self::Double,
            FieldType::Enum => Self::Enum,
            FieldType::Id => Self::Id,
            FieldType::Int => Self::Int,
            FieldType::JsonValue => Self::JsonValue,
            FieldType::RichText => Self::RichText,
            FieldType::Struct => Self::Struct,
            FieldType::Text => Self::Text,
            FieldType::Timestamp => Self::Timestamp,
            FieldType::Tokens => Self::Tokens,
            FieldType::Uenum => Self::Uenum,
            FieldType::Unknown => Self::Unknown,
        })
    }

    fn of_base(t: Base) -> Self {
        match t {
            Base::Bool => Self::Bool,
            Base::Composite => Self::Composite,
            Base::Date => Self::Date,
            Base::Double => Self::Double,
            Base::Enum => Self::Enum,
            Base::Id => Self::Id,
            Base::Int => Self::Int,
            Base::JsonValue => Self::JsonValue,
            Base::RichText => Self::RichText,
            Base::Struct => Self::Struct,
            Base::Text => Self::Text,
            Base::Timestamp => Self::Timestamp,
            Base::Tokens => Self::Tokens,
            Base::Uenum => Self::Uenum,
        }
    }

    fn is_text(self) -> bool {
        matches!(self, Self::Text | Self::RichText | Self::Tokens)
    }

    fn name(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::Composite => "composite",
            Self::Date => "date",
            Self::Double => "double",
            Self::Enum => "enum",
            Self::Id => "id",
            Self::Int => "int",
            Self::JsonValue => "json_value",
            Self::RichText => "rich_text",
            Self::Struct => "struct",
            Self::Text => "text",
            Self::Timestamp => "timestamp",
            Self::Tokens => "tokens",
            Self::Uenum => "uenum",
            Self::Unknown => "unknown",
        }
    }
}

/// Bounds on an array field's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ItemBounds {
    /// Smallest length.
    pub min: Option<i64>,
    /// Largest length.
    pub max: Option<i64>,
    /// Exact length.
    pub eq: Option<i64>,
}

/// A field descriptor, parsed and checked: what values of the field must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDescriptor {
    /// The bare name.
    pub name: String,
    /// The value (or item) type.
    pub scalar: ScalarType,
    /// `Some` for array fields.
    pub array: Option<ItemBounds>,
    /// Enforced with `validate_required_fields`.
    pub is_required: bool,
    /// A value, once set, may not change.
    pub is_immutable: bool,
    /// Lists may filter on the field.
    pub is_filterable: bool,
    /// Texts: length bounds in characters.
    pub min_len: Option<i64>,
    /// Texts: largest length.
    pub max_len: Option<i64>,
    /// Texts: exact length.
    pub eq_len: Option<i64>,
    /// Texts: a regular expression (unanchored: it must match somewhere in the value).
    pub pattern: Option<String>,
    /// Texts: required prefix.
    pub prefix: Option<String>,
    /// Texts: required suffix.
    pub suffix: Option<String>,
    /// Texts: required substring.
    pub contains: Option<String>,
    /// Integers: bounds.
    pub gt: Option<i64>,
    /// Integers: inclusive lower bound.
    pub gte: Option<i64>,
    /// Integers: exclusive upper bound.
    pub lt: Option<i64>,
    /// Integers: inclusive upper bound.
    pub lte: Option<i64>,
    /// Enums: allowed strings.
    pub enum_values: Vec<String>,
    /// Unified enums: allowed ids.
    pub uenum_values: Vec<i64>,
    /// Ids: allowed object types (leaf-type names such as `rev_user`); empty allows any.
    pub id_types: Vec<String>,
    /// Composites: the composite type.
    pub composite: Option<String>,
    /// Default value, as given.
    pub default_value: Option<Value>,
}

fn object_type_name(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::DevOrg => "dev_org",
        ObjectKind::DevUser => "dev_user",
        ObjectKind::RevUser => "rev_user",
        ObjectKind::SysUser => "sys_user",
        ObjectKind::ServiceAccount => "service_account",
        ObjectKind::Account => "account",
        ObjectKind::RevOrg => "rev_org",
        ObjectKind::Tag => "tag",
        ObjectKind::Artifact => "artifact",
    }
}

/// An `id_type` entry as a type name: DON segments (`revu`) become names (`rev_user`).
fn id_type_name(s: &str) -> String {
    ObjectKind::from_don_type(s).map_or_else(|| s.to_owned(), |k| object_type_name(k).to_owned())
}

impl FieldDescriptor {
    /// Parses and checks a wire descriptor; `composites` names the fragment's composite types.
    ///
    /// # Errors
    /// `customization_validation_error` `invalid_argument` naming the field for a bad name,
    /// an attribute that does not apply to the type, contradictory bounds, a pattern that
    /// does not compile, an enum without values, or a default value that breaks the
    /// field's own rules.
    pub fn parse(w: &SchemaFieldDescriptor, composites: &[String]) -> Result<Self, ValidationError> {
        let field = w.name.as_str();
        let bad = |reason: String| customization(Problem::InvalidArgument, field, reason);
        if !valid_name(field) {
            return Err(bad(format!(
                "'{field}' is not a valid field name: 1-64 ASCII letters, digits or underscores, starting with a letter"
            )));
        }
        let (scalar, array) = match (w.field_type, w.base_type) {
            (FieldType::Array, Some(b)) => {
                (ScalarType::of_base(b), Some(ItemBounds { min: w.min_items, max: w.max_items, eq: w.eq_items }))
            }
            (FieldType::Array, None) => return Err(bad("array fields need a base_type".into())),
            (_, Some(_)) => return Err(bad("base_type applies to array fields only".into())),
            (t, None) => (ScalarType::of_field(t).ok_or_else(|| bad("array fields need a base_type".into()))?, None),
        };
        if array.is_none() && (w.min_items.is_some() || w.max_items.is_some() || w.eq_items.is_some()) {
            return Err(bad("min_items, max_items and eq_items apply to array fields only".into()));
        }
        // Attributes that do not apply to the type are refused, never silently ignored.
        let applies: [(&str, bool, bool); 17] = [
            ("min_len", w.min_len.is_some(), scalar.is_text()),
            ("max_len", w.max_len.is_some(), scalar.is_text()),
            ("eq_len", w.eq_len.is_some(), scalar.is_text()),
            ("pattern", w.pattern.is_some(), scalar.is_text()),
            ("prefix", w.prefix.is_some(), scalar.is_text()),
            ("suffix", w.suffix.is_some(), scalar.is_text()),
            ("contains", w.contains.is_some(), scalar.is_text()),
            ("gt", w.gt.is_some(), scalar == ScalarType::Int),
            ("gte", w.gte.is_some(), scalar == ScalarType::Int),
            ("lt", w.lt.is_some(), scalar == ScalarType::Int),
            ("lte", w.lte.is_some(), scalar == ScalarType::Int),
            ("allowed_values", w.allowed_values.is_some(), matches!(scalar, ScalarType::Enum | ScalarType::Uenum)),
            ("is_overridable", w.is_overridable.is_some(), scalar == ScalarType::Enum),
            ("translated_values", w.translated_values.is_some(), scalar == ScalarType::Enum),
            ("id_type", w.id_type.is_some(), scalar == ScalarType::Id),
            ("composite_type", w.composite_type.is_some(), scalar == ScalarType::Composite),
            ("default_value", w.default_value.is_some(), scalar != ScalarType::Unknown),
        ];
        if let Some((attr, _, _)) = applies.iter().find(|(_, present, ok)| *present && !ok) {
            return Err(bad(format!("{attr} does not apply to {} fields", scalar.name())));
        }
        let non_negative = [("min_len", w.min_len), ("max_len", w.max_len), ("eq_len", w.eq_len)].into_iter().chain([
            ("min_items", w.min_items),
            ("max_items", w.max_items),
            ("eq_items", w.eq_items),
        ]);
        for (attr, v) in non_negative {
            if v.is_some_and(|n| n < 0) {
                return Err(bad(format!("{attr} must not be negative")));
            }
        }
        if let (Some(a), Some(b)) = (w.min_len, w.max_len) {
            if a > b {
                return Err(bad("min_len is greater than max_len".into()));
            }
        }
        if let (Some(a), Some(b)) = (w.min_items, w.max_items) {
            if a > b {
                return Err(bad("min_items is greater than max_items".into()));
            }
        }
        let low = w.gt.map(|g| g.saturating_add(1)).into_iter().chain(w.gte).max();
        let high = w.lt.map(|l| l.saturating_sub(1)).into_iter().chain(w.lte).min();
        if let (Some(l), Some(h)) = (low, high) {
            if l > h {
                return Err(bad("no integer satisfies gt/gte/lt/lte".into()));
            }
        }
        if let Some(p) = &w.pattern {
            regex::Regex::new(p).map_err(|e| bad(format!("pattern does not compile: {e}")))?;
        }
        let mut enum_values = Vec::new();
        let mut uenum_values = Vec::new();
        match scalar {
            ScalarType::Enum => {
                let values = w.allowed_values.as_deref().unwrap_or_default();
                if values.is_empty() {
                    return Err(bad("enum fields need allowed_values".into()));
                }
                for v in values {
                    let s = v.as_str().ok_or_else(|| bad("enum allowed_values must be strings".into()))?;
                    if enum_values.iter().any(|e| e == s) {
                        return Err(bad(format!("allowed value '{s}' appears twice")));
                    }
                    enum_values.push(s.to_owned());
                }
            }
            ScalarType::Uenum => {
                let values = w.allowed_values.as_deref().unwrap_or_default();
                if values.is_empty() {
                    return Err(bad("uenum fields need allowed_values".into()));
                }
                for v in values {
                    let u: revdir_api::schemas::SchemaFieldUenumValue = serde_json::from_value(v.clone())
                        .map_err(|_| bad("uenum allowed_values must be objects with id, label and ordinal".into()))?;
                    if uenum_values.contains(&u.id) {
                        return Err(bad(format!("allowed value id {} appears twice", u.id)));
                    }
                    uenum_values.push(u.id);
                }
            }
            _ => {}
        }
        if scalar == ScalarType::Composite {
            let c = w.composite_type.as_deref().ok_or_else(|| bad("composite fields need a composite_type".into()))?;
            if !composites.iter().any(|n| n == c) {
                return Err(bad(format!("composite_type '{c}' is not a composite schema of this fragment")));
            }
        }
        let id_types: Vec<String> = w.id_type.iter().flatten().map(|s| id_type_name(s)).collect();
        if id_types.iter().any(String::is_empty) {
            return Err(bad("id_type entries must not be empty".into()));
        }
        let d = Self {
            name: w.name.clone(),
            scalar,
            array,
            is_required: w.is_required.unwrap_or(false),
            is_immutable: w.is_immutable.unwrap_or(false),
            is_filterable: w.is_filterable.unwrap_or(false),
            min_len: w.min_len,
            max_len: w.max_len,
            eq_len: w.eq_len,
            pattern: w.pattern.clone(),
            prefix: w.prefix.clone(),
            suffix: w.suffix.clone(),
            contains: w.contains.clone(),
            gt: w.gt,
            gte: w.gte,
            lt: w.lt,
            lte: w.lte,
            enum_values,
            uenum_values,
            id_types,
            composite: w.composite_type.clone(),
            default_value: w.default_value.clone(),
        };
        if let Some(v) = &d.default_value {
            // Composite defaults are checked when applied, with the fragment's composites.
            if d.scalar != ScalarType::Composite {
                let ctx = ValueContext { org: None, composites: &HashMap::new() };
                d.check(field, v, &ctx)
                    .map_err(|e| bad(format!("default_value is not a valid value: {}", e.message)))?;
            }
        }
        Ok(d)
    }

    /// Whether two descriptors have the same value type.
    pub fn same_type(&self, other: &Self) -> bool {
        self.scalar == other.scalar && self.array.is_some() == other.array.is_some()
    }

    /// Checks a value for key `key` and answers it as stored: ids become DONs of the
    /// caller's org; everything else is kept as given.
    ///
    /// # Errors
    /// `customization_validation_error` with the subtype naming what is wrong.
    pub fn check(&self, key: &str, v: &Value, ctx: &ValueContext<'_>) -> Result<Value, ValidationError> {
        let Some(bounds) = self.array else {
            return self.check_scalar(key, v, None, ctx);
        };
        let items = v.as_array().ok_or_else(|| {
            customization(Problem::WrongType, key, format!("expected an array, got {}", json_type(v)))
        })?;
        let n = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let length = |reason: String| customization(Problem::InvalidArgument, key, reason);
        if bounds.eq.is_some_and(|e| n != e) {
            return Err(length(format!("must have exactly {} items, has {n}", bounds.eq.unwrap_or_default())));
        }
        if bounds.min.is_some_and(|m| n < m) {
            return Err(length(format!("must have at least {} items, has {n}", bounds.min.unwrap_or_default())));
        }
        if bounds.max.is_some_and(|m| n > m) {
            return Err(length(format!("must have at most {} items, has {n}", bounds.max.unwrap_or_default())));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.check_scalar(key, item, Some(i), ctx))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    }

    fn check_scalar(
        &self,
        key: &str,
        v: &Value,
        index: Option<usize>,
        ctx: &ValueContext<'_>,
    ) -> Result<Value, ValidationError> {
        let at = index.map(|i| format!("item {i}: ")).unwrap_or_default();
        let fail = |p: Problem, reason: String| customization(p, key, format!("{at}{reason}"));
        let wrong = |expected: &str| fail(Problem::WrongType, format!("expected {expected}, got {}", json_type(v)));
        match self.scalar {
            ScalarType::Unknown => Err(fail(Problem::UnsupportedType, "fields of type unknown take no values".into())),
            _ if v.is_null() => Err(wrong(&format!("a {} value", self.scalar.name()))),
            ScalarType::Bool => v.is_boolean().then(|| v.clone()).ok_or_else(|| wrong("a boolean")),
            ScalarType::Double => v.is_number().then(|| v.clone()).ok_or_else(|| wrong("a number")),
            ScalarType::Int => {
                let n = v.as_i64().ok_or_else(|| wrong("a 64-bit integer"))?;
                let out = |reason: String| fail(Problem::InvalidArgument, reason);
                if self.gt.is_some_and(|b| n <= b) {
                    return Err(out(format!("{n} is not greater than {}", self.gt.unwrap_or_default())));
                }
                if self.gte.is_some_and(|b| n < b) {
                    return Err(out(format!("{n} is less than {}", self.gte.unwrap_or_default())));
                }
                if self.lt.is_some_and(|b| n >= b) {
                    return Err(out(format!("{n} is not less than {}", self.lt.unwrap_or_default())));
                }
                if self.lte.is_some_and(|b| n > b) {
                    return Err(out(format!("{n} is greater than {}", self.lte.unwrap_or_default())));
                }
                Ok(v.clone())
            }
            ScalarType::Text | ScalarType::RichText | ScalarType::Tokens => {
                let s = v.as_str().ok_or_else(|| wrong("a string"))?;
                self.check_text(s).map_err(|r| fail(Problem::InvalidArgument, r))?;
                Ok(v.clone())
            }
            ScalarType::Enum => {
                let s = v.as_str().ok_or_else(|| wrong("a string"))?;
                if !self.enum_values.iter().any(|e| e == s) {
                    return Err(fail(
                        Problem::EnumOutOfRange,
                        format!("'{s}' is not one of {}", self.enum_values.join(", ")),
                    ));
                }
                Ok(v.clone())
            }
            ScalarType::Uenum => {
                let n = v.as_i64().ok_or_else(|| wrong("the integer id of a uenum value"))?;
                if !self.uenum_values.contains(&n) {
                    return Err(fail(Problem::EnumOutOfRange, format!("{n} is not the id of an allowed value")));
                }
                Ok(v.clone())
            }
            ScalarType::Date => {
                let s = v.as_str().ok_or_else(|| wrong("a date string"))?;
                parse_date(s)
                    .ok_or_else(|| fail(Problem::DateParseError, format!("'{s}' is not a date (YYYY-MM-DD)")))?;
                Ok(v.clone())
            }
            ScalarType::Timestamp => {
                let s = v.as_str().ok_or_else(|| wrong("a timestamp string"))?;
                time::OffsetDateTime::parse(s, &Rfc3339)
                    .map_err(|_| fail(Problem::TimestampParseError, format!("'{s}' is not an RFC 3339 date-time")))?;
                Ok(v.clone())
            }
            ScalarType::Id => {
                let s = v.as_str().ok_or_else(|| wrong("an id string"))?;
                let (type_name, stored) = normalize_id(s, ctx.org).map_err(|(p, r)| fail(p, r))?;
                if !self.id_types.is_empty() && !self.id_types.contains(&type_name) {
                    return Err(fail(
                        Problem::IdTypeNotAllowed,
                        format!("'{s}' is a {type_name} id; allowed: {}", self.id_types.join(", ")),
                    ));
                }
                Ok(Value::String(stored))
            }
            ScalarType::JsonValue => Ok(v.clone()),
            ScalarType::Struct => v.is_object().then(|| v.clone()).ok_or_else(|| wrong("an object")),
            ScalarType::Composite => {
                let obj = v.as_object().ok_or_else(|| wrong("an object"))?;
                let name = self.composite.as_deref().unwrap_or_default();
                let fields = ctx
                    .composites
                    .get(name)
                    .ok_or_else(|| fail(Problem::UnsupportedType, format!("composite type '{name}' is not defined")))?;
                let mut out = Map::new();
                for (k, item) in obj {
                    let sub = format!("{key}.{k}");
                    let d = fields.iter().find(|f| &f.name == k).ok_or_else(|| {
                        customization(
                            Problem::FieldNotInSchema,
                            &sub,
                            format!("composite type '{name}' has no field '{k}'"),
                        )
                    })?;
                    if !item.is_null() {
                        out.insert(k.clone(), d.check(&sub, item, ctx)?);
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn check_text(&self, s: &str) -> Result<(), String> {
        let len = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
        if let Some(e) = self.eq_len.filter(|e| len != *e) {
            return Err(format!("must be exactly {e} characters long, is {len}"));
        }
        if let Some(m) = self.min_len.filter(|m| len < *m) {
            return Err(format!("must be at least {m} characters long, is {len}"));
        }
        if let Some(m) = self.max_len.filter(|m| len > *m) {
            return Err(format!("must be at most {m} characters long, is {len}"));
        }
        if let Some(p) = self.prefix.as_deref().filter(|p| !s.starts_with(p)) {
            return Err(format!("must start with '{p}'"));
        }
        if let Some(p) = self.suffix.as_deref().filter(|p| !s.ends_with(p)) {
            return Err(format!("must end with '{p}'"));
        }
        if let Some(p) = self.contains.as_deref().filter(|p| !s.contains(p)) {
            return Err(format!("must contain '{p}'"));
        }
        if let Some(p) = &self.pattern {
            let re = regex::Regex::new(p).map_err(|e| format!("pattern does not compile: {e}"))?;
            if !re.is_match(s) {
                return Err(format!("does not match the pattern {p}"));
            }
        }
        Ok(())
    }
}

fn parse_date(s: &str) -> Option<time::Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num =
        |r: std::ops::Range<usize>| s.get(r).filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?.parse::<u16>().ok();
    let month = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    time::Date::from_calendar_date(i32::from(num(0..4)?), month, u8::try_from(num(8..10)?).ok()?).ok()
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What value checks need besides the descriptor.
#[derive(Debug, Clone, Copy)]
pub struct ValueContext<'a> {
    /// The caller's dev org, to render display ids as DONs (`None` checks format only).
    pub org: Option<&'a str>,
    /// The fragment's composite types.
    pub composites: &'a HashMap<String, Vec<FieldDescriptor>>,
}

/// Checks an `id` value and answers its object type and stored form (a DON).
///
/// DONs and display ids of the objects this server knows are accepted; DONs of other object
/// types (`…:issue/7`) are kept as given, their type being their last segment.
fn normalize_id(s: &str, org: Option<&str>) -> Result<(String, String), (Problem, String)> {
    let malformed = || (Problem::IdParseError, format!("'{s}' is not an id (a DON or a display id such as REVU-1)"));
    if let Some(rest) = s.strip_prefix("don:") {
        let mut parts = rest.split(':');
        let (Some(partition), Some(region), Some(org_seg)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed());
        };
        if partition.is_empty() || region.is_empty() || org_seg.is_empty() {
            return Err(malformed());
        }
        let Some(id_org) = org_seg.strip_prefix("devo/") else {
            return Err((Problem::BadIdType, format!("'{s}' does not name an object of a dev org")));
        };
        let segments: Vec<&str> = parts.collect();
        let Some(last) = segments.last() else {
            return Err((Problem::BadIdType, format!("'{s}' names a dev org, not an object")));
        };
        for seg in &segments {
            let Some((ty, local)) = seg.split_once('/') else { return Err(malformed()) };
            let ok = |t: &str, f: fn(u8) -> bool| !t.is_empty() && t.bytes().all(f);
            if !ok(ty, |b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
                || !ok(local, |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(malformed());
            }
        }
        if id_org.is_empty() || !id_org.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(malformed());
        }
        if org.is_some_and(|o| o != id_org) {
            return Err((Problem::InvalidArgument, format!("'{s}' names an object of another dev org")));
        }
        let ty = last.split_once('/').map(|(t, _)| t).unwrap_or_default();
        return Ok((id_type_name(ty), s.to_owned()));
    }
    const KINDS: [ObjectKind; 7] = [
        ObjectKind::RevUser,
        ObjectKind::DevUser,
        ObjectKind::SysUser,
        ObjectKind::Account,
        ObjectKind::RevOrg,
        ObjectKind::Tag,
        ObjectKind::Artifact,
    ];
    for kind in KINDS {
        if let Ok(p) = parse_id("id", s, kind) {
            let stored = org.map_or_else(|| s.to_owned(), |o| don(kind, o, &p.local));
            return Ok((object_type_name(kind).to_owned(), stored));
        }
    }
    if parse_id("id", s, ObjectKind::DevOrg).is_ok() {
        return Err((Problem::BadIdType, format!("'{s}' names a dev org, not an object")));
    }
    Err(malformed())
}

// ---------------------------------------------------------------------------------------
// Conditions (§6.5)

/// A parsed condition expression.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Eq(Operand, Operand, bool),
    Truthy(Operand),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    /// A custom field, by prefixed key.
    Field(String),
    /// The object's subtype.
    Subtype,
    Literal(Value),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    Op(&'static str),
}

fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '(' => out.push(Token::Op("(")),
            ')' => out.push(Token::Op(")")),
            '=' | '!' | '&' | '|' => {
                let next = chars.peek().map(|(_, n)| *n);
                let op = match (c, next) {
                    ('=', Some('=')) => "==",
                    ('!', Some('=')) => "!=",
                    ('&', Some('&')) => "&&",
                    ('|', Some('|')) => "||",
                    ('!', _) => "!",
                    _ => return Err(format!("unexpected '{c}' at {i}")),
                };
                if op.len() == 2 {
                    chars.next();
                }
                out.push(Token::Op(op));
            }
            '"' | '\'' => {
                let mut text = String::new();
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    match d {
                        '\\' => text.push(chars.next().map(|(_, e)| e).ok_or("unterminated string")?),
                        d if d == c => {
                            closed = true;
                            break;
                        }
                        d => text.push(d),
                    }
                }
                if !closed {
                    return Err("unterminated string".into());
                }
                out.push(Token::Str(text));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let mut text = c.to_string();
                while let Some((_, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit() || *d == '.') {
                    text.push(d);
                    chars.next();
                }
                out.push(Token::Num(text.parse().map_err(|_| format!("'{text}' is not a number"))?));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut text = c.to_string();
                while let Some((_, d)) =
                    chars.peek().copied().filter(|(_, d)| d.is_ascii_alphanumeric() || *d == '_' || *d == '.')
                {
                    text.push(d);
                    chars.next();
                }
                out.push(Token::Ident(text));
            }
            _ => return Err(format!("unexpected '{c}' at {i}")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    /// Prefix of the fragment's keys (`tnt`), for bare field names.
    prefix: &'a str,
    /// The fragment's field names, when references must be checked.
    fields: Option<&'a [String]>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek()
            == Some(&Token::Op(match op {
                "||" => "||",
                "&&" => "&&",
                "!" => "!",
                "(" => "(",
                ")" => ")",
                "==" => "==",
                _ => "!=",
            }))
        {
            self.pos += 1;
            return true;
        }
        false
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.eat("||") {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while self.eat("&&") {
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("!") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let e = self.or()?;
            if !self.eat(")") {
                return Err("missing ')'".into());
            }
            return Ok(e);
        }
        let left = self.operand()?;
        for (op, eq) in [("==", true), ("!=", false)] {
            if self.eat(op) {
                return Ok(Expr::Eq(left, self.operand()?, eq));
            }
        }
        Ok(Expr::Truthy(left))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let t = self.peek().cloned().ok_or("unexpected end of expression")?;
        self.pos += 1;
        Ok(match t {
            Token::Str(s) => Operand::Literal(Value::String(s)),
            Token::Num(n) => Operand::Literal(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
            Token::Ident(id) => match id.as_str() {
                "true" => Operand::Literal(Value::Bool(true)),
                "false" => Operand::Literal(Value::Bool(false)),
                "null" => Operand::Literal(Value::Null),
                "subtype" => Operand::Subtype,
                _ => {
                    let name = id
                        .strip_prefix("custom_fields.")
                        .filter(|n| !n.is_empty() && !n.contains('.'))
                        .ok_or_else(|| format!("unknown name '{id}'; refer to fields as custom_fields.<name>"))?;
                    if name.contains("__") {
                        Operand::Field(name.to_owned())
                    } else {
                        if let Some(fields) = self.fields {
                            if !fields.iter().any(|f| f == name) {
                                return Err(format!("the fragment has no field '{name}'"));
                            }
                        }
                        Operand::Field(format!("{}__{name}", self.prefix))
                    }
                }
            },
            Token::Op(op) => return Err(format!("unexpected '{op}'")),
        })
    }
}

fn parse_expression(s: &str, prefix: &str, fields: Option<&[String]>) -> Result<Expr, String> {
    let mut p = Parser { tokens: tokenize(s)?, pos: 0, prefix, fields };
    if p.tokens.is_empty() {
        return Err("the expression is empty".into());
    }
    let e = p.or()?;
    if p.pos != p.tokens.len() {
        return Err("unexpected text after the expression".into());
    }
    Ok(e)
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

impl Expr {
    fn eval(&self, values: &Map<String, Value>, subtype: Option<&str>) -> bool {
        let get = |o: &Operand| match o {
            Operand::Field(k) => values.get(k).cloned().unwrap_or(Value::Null),
            Operand::Subtype => subtype.map_or(Value::Null, |s| Value::String(s.to_owned())),
            Operand::Literal(v) => v.clone(),
        };
        match self {
            Self::Or(a, b) => a.eval(values, subtype) || b.eval(values, subtype),
            Self::And(a, b) => a.eval(values, subtype) && b.eval(values, subtype),
            Self::Not(a) => !a.eval(values, subtype),
            Self::Eq(a, b, eq) => same_value(&get(a), &get(b)) == *eq,
            Self::Truthy(a) => get(a) == Value::Bool(true),
        }
    }
}

/// A condition of a fragment, with field names resolved to prefixed keys.
#[derive(Debug, Clone, PartialEq)]
struct Condition {
    expr: Expr,
    effects: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq)]
struct Effect {
    keys: Vec<String>,
    allowed_values: Option<Vec<String>>,
    immutable: Option<bool>,
    invalid: Option<bool>,
    require: Option<bool>,
}

fn conditions_of(f: &FragmentRecord) -> Vec<Condition> {
    let prefix = f.family.prefix();
    f.content
        .conditions
        .iter()
        .filter_map(|c| {
            let expr = parse_expression(c.expression.as_deref()?, prefix, None).ok()?;
            let effects = c
                .effects
                .iter()
                .flatten()
                .map(|e| Effect {
                    keys: e
                        .fields
                        .iter()
                        .map(|n| if n.contains("__") { n.clone() } else { format!("{prefix}__{n}") })
                        .collect(),
                    allowed_values: e.allowed_values.clone(),
                    immutable: e.immutable,
                    invalid: e.invalid,
                    require: e.require,
                })
                .collect();
            Some(Condition { expr, effects })
        })
        .collect()
}

/// Checks the conditions of a set request: expressions must parse and name only fields of
/// the fragment (bare names) or prefixed keys; effects must name fields of the fragment.
///
/// # Errors
/// `expression_parse_error` for an expression that does not parse; `field_not_in_schema`
/// for an effect naming an unknown field.
pub fn check_conditions(
    conditions: &[CustomSchemaFragmentCondition],
    fields: &[FieldDescriptor],
) -> Result<(), ValidationError> {
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    for (i, c) in conditions.iter().enumerate() {
        let field = format!("conditions[{i}].expression");
        let expr = c.expression.as_deref().ok_or_else(|| ValidationError::missing(&field))?;
        parse_expression(expr, "x", Some(&names))
            .map_err(|r| customization(Problem::ExpressionParseError, &field, r))?;
        for (j, e) in c.effects.iter().flatten().enumerate() {
            for n in &e.fields {
                if !n.contains("__") && !names.contains(n) {
                    return Err(customization(
                        Problem::FieldNotInSchema,
                        &format!("conditions[{i}].effects[{j}].fields"),
                        format!("the fragment has no field '{n}'"),
                    ));
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// An object's custom state

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

/// Splits a prefixed key into its prefix and bare name.
fn split_key(key: &str) -> Option<(&str, &str)> {
    key.split_once("__").filter(|(p, n)| !p.is_empty() && !n.is_empty())
}

/// The lineage a key's prefix points at for an object with `subtype`.
fn family_of_key(leaf: LeafType, prefix: &str, subtype: Option<&str>) -> Option<Family> {
    match prefix {
        "tnt" => Some(Family::tenant(leaf)),
        "ctype" => subtype.map(|s| Family::subtype(leaf, s)),
        app => Some(Family::app(leaf, app)),
    }
}

/// The object's attached fragments (current versions) by lineage.
type Attached = BTreeMap<Family, Arc<FragmentRecord>>;

fn attached_of(state: &CustomState, catalog: &FragmentCatalog) -> Attached {
    state.fragments.iter().filter_map(|r| catalog.current_of(*r)).map(|f| (f.family.clone(), f.clone())).collect()
}

/// The descriptor of `key` among `attached`, for an object with `subtype`.
fn descriptor_of(
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

// ---------------------------------------------------------------------------------------
// Reads

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

// ---------------------------------------------------------------------------------------
// List filters

/// A `custom_fields` list filter as given: a key and the values any of which matches.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFilter {
    /// Prefixed key.
    pub key: String,
    /// Values (OR); `null` matches objects without a value.
    pub values: Vec<Value>,
}

/// Parses the `custom_fields` filter object: each key maps to a value or an array of values.
///
/// An object whose keys are all item indexes (`{"0": "a", "1": "b"}`) is read as an array:
/// that is how a query string's indexed keys (`custom_fields[tnt__x][0]=a`, which DevRev's
/// TypeScript SDK sends for arrays inside objects) decode.
pub fn parse_filters(map: &Map<String, Value>) -> Vec<CustomFilter> {
    map.iter()
        .map(|(k, v)| CustomFilter {
            key: k.clone(),
            values: match v {
                Value::Array(items) => items.clone(),
                Value::Object(o) if !o.is_empty() && o.keys().all(|i| i.parse::<usize>().is_ok()) => {
                    let mut items: Vec<(usize, &Value)> =
                        o.iter().filter_map(|(i, v)| i.parse().ok().map(|i| (i, v))).collect();
                    items.sort_by_key(|(i, _)| *i);
                    items.into_iter().map(|(_, v)| v.clone()).collect()
                }
                other => vec![other.clone()],
            },
        })
        .collect()
}

/// Parses `rev-orgs.list`'s `custom_field_filter` entries (`key:v1,v2`). A query string's
/// comma splitting leaves later values as separate entries, which continue the previous key.
///
/// # Errors
/// `bad_request` when the first entry names no key.
pub fn parse_custom_field_filter(entries: &[String]) -> Result<Vec<CustomFilter>, ValidationError> {
    let mut out: Vec<CustomFilter> = Vec::new();
    for e in entries {
        match e.split_once(':').filter(|(k, _)| split_key(k).is_some() && !k.contains(',')) {
            Some((k, rest)) => out.push(CustomFilter {
                key: k.to_owned(),
                values: rest.split(',').map(|s| Value::String(s.to_owned())).collect(),
            }),
            None => {
                let last = out.last_mut().ok_or_else(|| {
                    ValidationError::bad_request(format!(
                        "custom_field_filter: '{e}' must look like tnt__name:value1,value2"
                    ))
                })?;
                last.values.extend(e.split(',').map(|s| Value::String(s.to_owned())));
            }
        }
    }
    Ok(out)
}

/// How a filter matches, in SQL terms.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterMatch {
    /// The value's JSON text is one of these.
    Json(Vec<String>),
    /// The value is one of these numbers.
    Number(Vec<f64>),
    /// The array value holds an item whose JSON text is one of these.
    ArrayAny(Vec<String>),
}

/// A filter checked against its field's descriptor, with values in their stored form.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedFilter {
    /// Prefixed key (letters, digits and underscores only).
    pub key: String,
    /// How values match.
    pub matcher: FilterMatch,
    /// Objects without a value match too.
    pub or_missing: bool,
}

/// Checks filters against the current fragments of `leaf`: the key must name a filterable
/// field (a `ctype__` key, a field of any subtype), and values are converted to the field's
/// type (query strings deliver numbers and booleans as text, or text as numbers).
///
/// # Errors
/// `customization_validation_error`: `field_not_in_schema` for an unknown key,
/// `invalid_argument` for a field that is not filterable, `wrong_type` for a value that
/// cannot be the field's type.
pub fn resolve_filters(
    org: &str,
    leaf: LeafType,
    filters: &[CustomFilter],
    catalog: &FragmentCatalog,
) -> Result<Vec<ResolvedFilter>, ValidationError> {
    let mut out = Vec::new();
    for f in filters {
        let key = f.key.as_str();
        let unknown =
            || customization(Problem::FieldNotInSchema, key, format!("no fragment of {} defines {key}", leaf.as_str()));
        let (prefix, name) = split_key(key).ok_or_else(unknown)?;
        let d = catalog
            .latest
            .values()
            .filter(|fr| fr.family.leaf == leaf && fr.family.prefix() == prefix)
            .find_map(|fr| fr.field(name))
            .ok_or_else(unknown)?;
        if !d.is_filterable {
            return Err(customization(
                Problem::InvalidArgument,
                key,
                "the field is not filterable (is_filterable is false)",
            ));
        }
        let mut texts = Vec::new();
        let mut numbers = Vec::new();
        let mut or_missing = false;
        for v in &f.values {
            if v.is_null() {
                or_missing = true;
                continue;
            }
            let wrong =
                || customization(Problem::WrongType, key, format!("cannot filter a {} field by {v}", d.scalar.name()));
            let as_text = || match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            };
            let json = match d.scalar {
                ScalarType::Text
                | ScalarType::RichText
                | ScalarType::Tokens
                | ScalarType::Enum
                | ScalarType::Date
                | ScalarType::Timestamp => Value::String(as_text().ok_or_else(wrong)?),
                ScalarType::Id => {
                    let s = as_text().ok_or_else(wrong)?;
                    Value::String(normalize_id(&s, Some(org)).map(|(_, d)| d).unwrap_or(s))
                }
                ScalarType::Int | ScalarType::Uenum => {
                    let n = v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())).ok_or_else(wrong)?;
                    Value::from(n)
                }
                ScalarType::Bool => match v {
                    Value::Bool(b) => Value::Bool(*b),
                    Value::String(s) if s == "true" || s == "false" => Value::Bool(s == "true"),
                    _ => return Err(wrong()),
                },
                ScalarType::Double => {
                    let n = v.as_f64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())).ok_or_else(wrong)?;
                    if d.array.is_none() {
                        numbers.push(n);
                        continue;
                    }
                    serde_json::Number::from_f64(n).map(Value::Number).ok_or_else(wrong)?
                }
                ScalarType::Composite | ScalarType::Struct | ScalarType::JsonValue | ScalarType::Unknown => {
                    return Err(customization(
                        Problem::InvalidArgument,
                        key,
                        format!("{} fields cannot be filtered on", d.scalar.name()),
                    ))
                }
            };
            texts.push(serde_json::to_string(&json).unwrap_or_default());
        }
        let matcher = if d.array.is_some() {
            FilterMatch::ArrayAny(texts)
        } else if d.scalar == ScalarType::Double {
            FilterMatch::Number(numbers)
        } else {
            FilterMatch::Json(texts)
        };
        out.push(ResolvedFilter { key: key.to_owned(), matcher, or_missing });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn descriptor(v: Value) -> FieldDescriptor {
        let w: SchemaFieldDescriptor = serde_json::from_value(v).unwrap();
        FieldDescriptor::parse(&w, &[]).unwrap()
    }

    fn problem(r: Result<Value, ValidationError>) -> String {
        match r.unwrap_err().kind {
            ErrorKind::CustomizationValidationError { subtype, .. } => subtype,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn checks_values_by_type() {
        let none = HashMap::new();
        let ctx = ValueContext { org: Some("Org1"), composites: &none };
        let text =
            descriptor(json!({"name": "t", "field_type": "text", "max_len": 3, "prefix": "a", "pattern": "^a[bc]*$"}));
        assert_eq!(text.check("tnt__t", &json!("abc"), &ctx).unwrap(), json!("abc"));
        assert_eq!(problem(text.check("tnt__t", &json!(1), &ctx)), "wrong_type");
        assert_eq!(problem(text.check("tnt__t", &json!("abcc"), &ctx)), "invalid_argument");
        assert_eq!(problem(text.check("tnt__t", &json!("ad"), &ctx)), "invalid_argument");
        let int = descriptor(json!({"name": "i", "field_type": "int", "gte": 1, "lt": 10}));
        assert!(int.check("k", &json!(9), &ctx).is_ok());
        assert_eq!(problem(int.check("k", &json!(10), &ctx)), "invalid_argument");
        assert_eq!(problem(int.check("k", &json!(1.5), &ctx)), "wrong_type");
        assert_eq!(problem(int.check("k", &json!("3"), &ctx)), "wrong_type");
        let date = descriptor(json!({"name": "d", "field_type": "date"}));
        assert!(date.check("k", &json!("2024-02-29"), &ctx).is_ok());
        assert_eq!(problem(date.check("k", &json!("2023-02-29"), &ctx)), "date_parse_error");
        let ts = descriptor(json!({"name": "d", "field_type": "timestamp"}));
        assert!(ts.check("k", &json!("2024-02-29T10:00:00Z"), &ctx).is_ok());
        assert_eq!(problem(ts.check("k", &json!("2024-02-29"), &ctx)), "timestamp_parse_error");
        let id = descriptor(json!({"name": "d", "field_type": "id", "id_type": ["rev_user"]}));
        assert_eq!(id.check("k", &json!("REVU-4"), &ctx).unwrap(), json!("don:identity:dvrv-us-1:devo/Org1:revu/4"));
        assert_eq!(problem(id.check("k", &json!("TAG-4"), &ctx)), "id_type_not_allowed");
        assert_eq!(problem(id.check("k", &json!("nonsense"), &ctx)), "id_parse_error");
        assert_eq!(problem(id.check("k", &json!("don:identity:dvrv-us-1:devo/Org1"), &ctx)), "bad_id_type");
        let list = descriptor(
            json!({"name": "l", "field_type": "array", "base_type": "enum", "allowed_values": ["a", "b"], "max_items": 2}),
        );
        assert!(list.check("k", &json!(["a", "b"]), &ctx).is_ok());
        assert_eq!(problem(list.check("k", &json!(["a", "c"]), &ctx)), "enum_out_of_range");
        assert_eq!(problem(list.check("k", &json!(["a", "a", "a"]), &ctx)), "invalid_argument");
        assert_eq!(problem(list.check("k", &json!("a"), &ctx)), "wrong_type");
        let unknown = descriptor(json!({"name": "u", "field_type": "unknown"}));
        assert_eq!(problem(unknown.check("k", &json!(1), &ctx)), "unsupported_type");
    }

    #[test]
    fn refuses_bad_descriptors() {
        let bad = |v: Value| {
            let w: SchemaFieldDescriptor = serde_json::from_value(v).unwrap();
            FieldDescriptor::parse(&w, &[]).is_err()
        };
        assert!(bad(json!({"name": "x", "field_type": "int", "max_len": 3})));
        assert!(bad(json!({"name": "x", "field_type": "enum"})));
        assert!(bad(json!({"name": "x", "field_type": "array"})));
        assert!(bad(json!({"name": "x", "field_type": "text", "pattern": "("})));
        assert!(bad(json!({"name": "x", "field_type": "int", "gt": 5, "lt": 6})));
        assert!(bad(json!({"name": "x", "field_type": "int", "default_value": "1"})));
        assert!(bad(json!({"name": "bad-name", "field_type": "int"})));
        assert!(!bad(json!({"name": "x", "field_type": "int", "gt": 5, "lt": 7, "default_value": 6})));
    }

    #[test]
    fn expressions_parse_and_evaluate() {
        let e = parse_expression(
            "custom_fields.plan == 'pro' && (custom_fields.tnt__seats != 3 || !custom_fields.vip)",
            "tnt",
            None,
        )
        .unwrap();
        let values: Map<String, Value> =
            serde_json::from_value(json!({"tnt__plan": "pro", "tnt__seats": 3, "tnt__vip": false})).unwrap();
        assert!(e.eval(&values, None));
        for bad in ["", "custom_fields.a ==", "plan == 1", "(custom_fields.a", "custom_fields.a = 1", "'open"] {
            assert!(parse_expression(bad, "tnt", None).is_err(), "{bad}");
        }
        assert!(parse_expression("custom_fields.zzz == 1", "tnt", Some(&["a".to_owned()])).is_err());
    }

    #[test]
    fn indexed_objects_filter_as_arrays() {
        let map: Map<String, Value> =
            serde_json::from_value(json!({"tnt__x": {"1": "b", "0": "a"}, "tnt__y": 3})).unwrap();
        let f = parse_filters(&map);
        assert_eq!(f[0].values, vec![json!("a"), json!("b")]);
        assert_eq!(f[1].values, vec![json!(3)]);
    }

    #[test]
    fn custom_field_filter_entries_continue_their_key() {
        let f = parse_custom_field_filter(&["tnt__a:1,2".into(), "3".into(), "tnt__b:x".into()]).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].values.len(), 3);
        assert!(parse_custom_field_filter(&["x".into()]).is_err());
    }
}
