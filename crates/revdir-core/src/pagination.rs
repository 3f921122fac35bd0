//! Keyset pagination: sort specs, opaque cursors and pages (§4, §7).
//!
//! A cursor records the direction to walk and the sort-key values of the boundary row plus
//! its id, so paging never repeats or skips an unchanged row while others write.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use revdir_api::common::ListMode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ValidationError;

/// Page size when the request names none.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size served.
pub const MAX_LIMIT: u32 = 100;

/// One `sort_by` entry: a field the family allows, and its direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortKey {
    /// A field name from the family's sortable list.
    pub field: String,
    /// Descending when true.
    pub desc: bool,
}

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// `true` walks backwards (entries before the boundary).
    #[serde(rename = "b")]
    pub before: bool,
    /// The sort spec the cursor was minted under, as `field:asc|desc` strings.
    #[serde(rename = "s")]
    pub sort: Vec<String>,
    /// The boundary row's sort-key values, then its id; empty for a cursor that marks an
    /// end of the list (the start when walking forward, the end when walking backwards).
    #[serde(rename = "k")]
    pub keys: Vec<Value>,
}

impl Cursor {
    /// Encodes the cursor as an opaque URL-safe string.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(input: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(input).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// A validated list request: where to start, how many, which way and in which order.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest {
    /// Boundary to continue from.
    pub cursor: Option<Cursor>,
    /// Rows wanted, 1 to [`MAX_LIMIT`].
    pub limit: u32,
    /// Walk backwards from the cursor (or from the end).
    pub before: bool,
    /// Sort keys; the object id is always the final tie-breaker.
    pub sort: Vec<SortKey>,
}

impl PageRequest {
    /// Validates `cursor`, `limit`, `mode` and `sort_by` against the family's sortable fields.
    ///
    /// # Errors
    /// `invalid_field` for an unknown sort field; `value_not_permitted` for a limit outside
    /// 1..=100; `bad_request` for a malformed cursor or one minted under another sort order.
    pub fn parse(
        cursor: Option<&str>,
        limit: Option<i32>,
        mode: Option<ListMode>,
        sort_by: Option<&[String]>,
        sortable: &[&str],
    ) -> Result<Self, ValidationError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if n >= 1 && i64::from(n) <= i64::from(MAX_LIMIT) => n.unsigned_abs(),
            Some(n) => return Err(ValidationError::not_permitted("limit", format!("{n} is outside 1..={MAX_LIMIT}"))),
        };
        let mut sort = Vec::new();
        for entry in sort_by.unwrap_or_default() {
            let (field, dir) = match entry.split_once(':') {
                Some((f, d)) => (f.trim(), d.trim()),
                None => (entry.trim(), "asc"),
            };
            let desc = match dir {
                "asc" => false,
                "desc" => true,
                _ => {
                    return Err(ValidationError::invalid_field(
                        "sort_by",
                        format!("sort_by: '{entry}' must be field, field:asc or field:desc"),
                    ))
                }
            };
            if !sortable.contains(&field) {
                return Err(ValidationError::invalid_field(
                    "sort_by",
                    format!("sort_by: cannot sort by '{field}'; sortable fields: {}", sortable.join(", ")),
                ));
            }
            if sort.iter().any(|k: &SortKey| k.field == field) {
                return Err(ValidationError::invalid_field("sort_by", format!("sort_by: '{field}' appears twice")));
            }
            sort.push(SortKey { field: field.to_owned(), desc });
        }
        let spec = sort_spec(&sort);
        let cursor = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(raw) => {
                let c = Cursor::decode(raw)
                    .filter(|c| c.keys.is_empty() || c.keys.len() == sort.len() + 1)
                    .ok_or_else(|| ValidationError::bad_request("cursor: not a cursor this server issued"))?;
                if c.sort != spec {
                    return Err(ValidationError::bad_request(
                        "cursor: it was issued for another sort_by; repeat the same sort_by or start over",
                    ));
                }
                Some(c)
            }
        };
        // §4: with a cursor its own direction wins, so next_cursor and prev_cursor work as given.
        let before = match &cursor {
            Some(c) => c.before,
            None => mode == Some(ListMode::Before),
        };
        // An end cursor only carries its direction: the walk starts at that end.
        let cursor = cursor.filter(|c| !c.keys.is_empty());
        Ok(Self { cursor, limit, before, sort })
    }

    /// The sort spec as recorded in cursors.
    pub fn spec(&self) -> Vec<String> {
        sort_spec(&self.sort)
    }

    /// Mints a cursor at a boundary row.
    pub fn cursor_at(&self, keys: Vec<Value>, before: bool) -> String {
        Cursor { before, sort: self.spec(), keys }.encode()
    }
}

fn sort_spec(sort: &[SortKey]) -> Vec<String> {
    sort.iter().map(|k| format!("{}:{}", k.field, if k.desc { "desc" } else { "asc" })).collect()
}

/// One page of results in sort order, with cursors to the neighbouring pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows, always in `sort_by` order.
    pub items: Vec<T>,
    /// Continues after the last row; `None` at the end.
    pub next_cursor: Option<String>,
    /// Continues before the first row; `None` at the start.
    pub prev_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sort_and_limits() {
        let p = PageRequest::parse(None, None, None, Some(&["created_date:desc".into()]), &["created_date"]).unwrap();
        assert_eq!(p.limit, DEFAULT_LIMIT);
        assert!(p.sort[0].desc);
        let err = PageRequest::parse(None, None, None, Some(&["bogus".into()]), &["created_date"]).unwrap_err();
        assert!(matches!(err.kind, revdir_api::ErrorKind::InvalidField { .. }));
        assert!(PageRequest::parse(None, Some(0), None, None, &[]).is_err());
        assert!(PageRequest::parse(None, Some(101), None, None, &[]).is_err());
        assert!(PageRequest::parse(Some("garbage"), None, None, None, &[]).is_err());
    }

    #[test]
    fn cursors_round_trip_and_carry_direction() {
        let p = PageRequest::parse(None, Some(2), None, None, &[]).unwrap();
        let c = p.cursor_at(vec![Value::from(5)], true);
        let q = PageRequest::parse(Some(&c), None, None, None, &[]).unwrap();
        assert!(q.before);
        assert_eq!(q.cursor.unwrap().keys, vec![Value::from(5)]);
        let other = PageRequest::parse(Some(&c), None, None, Some(&["x".into()]), &["x"]);
        assert!(other.is_err());
        let end = p.cursor_at(Vec::new(), true);
        let q = PageRequest::parse(Some(&end), None, None, None, &[]).unwrap();
        assert!(q.before && q.cursor.is_none(), "an end cursor starts from the end");
    }
}
