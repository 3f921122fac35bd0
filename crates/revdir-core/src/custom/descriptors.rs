//! Field descriptors, parsed and checked ([`FieldDescriptor::parse`]), and the checks a
//! value must pass to be stored for a field ([`FieldDescriptor::check`]).

use std::collections::HashMap;

use revdir_api::schemas::{SchemaFieldDescriptor, SchemaFieldDescriptorFieldType as FieldType};
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;

use super::errors::{customization, Problem};
use super::fragment_ids::valid_name;
use super::scalars::{id_type_name, json_type, normalize_id, parse_date, ScalarType};
use crate::error::ValidationError;

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

/// What value checks need besides the descriptor.
#[derive(Debug, Clone, Copy)]
pub struct ValueContext<'a> {
    /// The caller's dev org, to render display ids as DONs (`None` checks format only).
    pub org: Option<&'a str>,
    /// The fragment's composite types.
    pub composites: &'a HashMap<String, Vec<FieldDescriptor>>,
}

#[cfg(test)]
mod tests {
    use revdir_api::ErrorKind;
    use serde_json::json;

    use super::*;

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
}
