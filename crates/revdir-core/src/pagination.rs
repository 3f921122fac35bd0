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
/// Page size of a scan (`rev-users.scan`), which the caller cannot choose: the list's
/// largest page, so a scan costs no more per request than a list can
/// (docs/API-CONVENTIONS.md entry 98).
pub const SCAN_PAGE_SIZE: u32 = 100;
/// `first` of an export (`accounts.export`) when the request names none (§8.1).
pub const EXPORT_DEFAULT: u32 = 50;
/// Largest `first` of an export (§8.1).
pub const EXPORT_MAX: u32 = 500;

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
    /// Rows wanted: 1 to [`MAX_LIMIT`] for a list, [`SCAN_PAGE_SIZE`] for a scan, 1 to
    /// [`EXPORT_MAX`] for an export.
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

    /// Validates a scan's cursor: a scan walks forward in ascending id order (no sort keys)
    /// by pages of [`SCAN_PAGE_SIZE`], from the start or after the id its cursor holds.
    ///
    /// A scan's cursor is the cursor a list in its default order mints when walking
    /// forward, so one minted by either means "after this id" to both.
    ///
    /// # Errors
    /// `bad_request` for anything but such a cursor, as a list answers a malformed one.
    pub fn scan(cursor: Option<&str>) -> Result<Self, ValidationError> {
        let cursor = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(raw) => Some(
                Cursor::decode(raw)
                    .filter(|c| !c.before && c.sort.is_empty() && c.keys.len() == 1 && c.keys[0].is_i64())
                    .ok_or_else(|| ValidationError::bad_request("cursor: not a cursor this server issued"))?,
            ),
        };
        Ok(Self { cursor, limit: SCAN_PAGE_SIZE, before: false, sort: Vec::new() })
    }

    /// Validates an export's `first` (1 to [`EXPORT_MAX`], [`EXPORT_DEFAULT`] when absent)
    /// and `sort_by`: the first rows in that order, with no cursor.
    ///
    /// # Errors
    /// `bad_request` naming `first` when it is out of range; `invalid_field` for a bad
    /// `sort_by`, as a list answers it.
    pub fn export(first: Option<i32>, sort_by: Option<&[String]>, sortable: &[&str]) -> Result<Self, ValidationError> {
        let limit = match first {
            None => EXPORT_DEFAULT,
            Some(n) if n >= 1 && i64::from(n) <= i64::from(EXPORT_MAX) => n.unsigned_abs(),
            Some(n) => return Err(ValidationError::bad_request(format!("first: {n} is outside 1..={EXPORT_MAX}"))),
        };
        Ok(Self { limit, ..Self::parse(None, None, None, sort_by, sortable)? })
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
    fn scan_cursors_hold_one_id_walking_forward() {
        assert_eq!(PageRequest::scan(None).unwrap().limit, SCAN_PAGE_SIZE);
        let list = PageRequest::parse(None, Some(2), None, None, &[]).unwrap();
        let after_7 = list.cursor_at(vec![Value::from(7)], false);
        let scan = PageRequest::scan(Some(&after_7)).unwrap();
        assert_eq!(scan.cursor.unwrap().keys, vec![Value::from(7)]);
        assert!(!scan.before && scan.sort.is_empty());
        for bad in [
            "garbage".to_owned(),
            list.cursor_at(vec![Value::from(7)], true),
            list.cursor_at(Vec::new(), false),
            list.cursor_at(vec![Value::from("7")], false),
            Cursor { before: false, sort: vec!["email:asc".into()], keys: vec![Value::from(""), Value::from(7)] }
                .encode(),
        ] {
            assert!(PageRequest::scan(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn exports_take_first_up_to_500() {
        assert_eq!(PageRequest::export(None, None, &[]).unwrap().limit, EXPORT_DEFAULT);
        assert_eq!(PageRequest::export(Some(500), None, &[]).unwrap().limit, 500);
        for n in [0, 501, -1] {
            let err = PageRequest::export(Some(n), None, &[]).unwrap_err();
            assert_eq!(err.kind, revdir_api::ErrorKind::BadRequest);
            assert!(err.message.starts_with("first:"), "{}", err.message);
        }
        let sorted = PageRequest::export(Some(3), Some(&["x:desc".into()]), &["x"]).unwrap();
        assert!(sorted.sort[0].desc && sorted.cursor.is_none());
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
