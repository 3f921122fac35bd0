//! List filters on custom fields: parsing them from requests, and checking them against the
//! fields' descriptors into the stored form the SQL compares ([`resolve_filters`]).

use serde_json::{Map, Value};

use super::errors::{customization, Problem};
use super::fragment_ids::LeafType;
use super::fragments::FragmentCatalog;
use super::scalars::{normalize_id, ScalarType};
use super::state::split_key;
use crate::error::ValidationError;

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
    use serde_json::json;

    use super::*;

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
