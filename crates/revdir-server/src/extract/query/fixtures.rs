//! Request types and helpers shared by the decoder's tests, shaped like DevRev's list
//! requests.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::from_query;

/// A list request's `mode`: a unit enum.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(super) enum ListMode {
    After,
    Before,
}

/// A nested filter, given as `created_date.after=...` and the like.
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
pub(super) struct DateTimeFilter {
    pub(super) after: Option<String>,
    pub(super) before: Option<String>,
}

/// A list request with one field of each shape the decoder handles.
#[derive(Debug, Default, Deserialize, PartialEq)]
pub(super) struct ListRequest {
    pub(super) email: Option<Vec<String>>,
    pub(super) limit: Option<i32>,
    pub(super) is_verified: Option<bool>,
    pub(super) mode: Option<ListMode>,
    pub(super) created_date: Option<DateTimeFilter>,
    pub(super) custom_fields: Option<Map<String, Value>>,
    pub(super) sort_by: Option<Vec<String>>,
    pub(super) cursor: Option<String>,
}

/// A get request: one required field.
#[derive(Debug, Deserialize, PartialEq, Eq)]
pub(super) struct GetRequest {
    pub(super) id: String,
}

/// Decodes `query` as a [`ListRequest`], panicking with the query on failure.
pub(super) fn list(query: &str) -> ListRequest {
    match from_query(query) {
        Ok(request) => request,
        Err(err) => panic!("{query:?} failed: {err}"),
    }
}

/// The error path and message of decoding `query` as a `T`, which must fail.
pub(super) fn error<T: DeserializeOwned + fmt::Debug>(query: &str) -> (String, String) {
    match from_query::<T>(query) {
        Ok(value) => panic!("{query:?} unexpectedly gave {value:?}"),
        Err(err) => (err.path().to_string(), err.inner().to_string()),
    }
}

/// `Some` list of owned strings, as decoded array fields compare.
pub(super) fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| (*s).to_owned()).collect())
}
