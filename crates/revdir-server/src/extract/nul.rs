//! The NUL character (U+0000) is refused in every string a request carries (API-CONVENTIONS
//! entry 74). PostgreSQL cannot store it in text, SQLite can, so without this one check the
//! same request would be a 500 on one engine and stored on the other. Checking the decoded
//! input here, before any operation sees it, covers every field of every operation at once:
//! bodies, query strings and custom-field values alike.

use revdir_core::ValidationError;
use serde_json::Value;

use crate::error::ApiError;

/// The 400 of a NUL character in the field at `path` (serde_path_to_error's form, e.g.
/// `tags[0].id`; `query` for a query key that names no field).
pub(crate) fn nul_error(path: &str) -> ApiError {
    ApiError::BadRequest(ValidationError::not_permitted(path, "must not contain the NUL character (U+0000)"))
}

/// The path of the first string in `value`, or object key, that contains U+0000, in
/// serde_path_to_error's form (`a.b[0].c`); `Some("")` when `value` itself is such a string.
pub(crate) fn json_nul_path(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| json_nul_path(item).map(|rest| join(&format!("[{index}]"), &rest))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                // The key itself is at fault: name it, with the NUL spelt out so the name prints.
                return Some(key.replace('\0', "\\u0000"));
            }
            json_nul_path(item).map(|rest| join(key, &rest))
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

/// `head` followed by the path `rest` below it.
pub(crate) fn join(head: &str, rest: &str) -> String {
    if rest.is_empty() {
        head.to_owned()
    } else if rest.starts_with('[') || head.is_empty() {
        format!("{head}{rest}")
    } else {
        format!("{head}.{rest}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_the_path_of_a_nul_anywhere() {
        assert_eq!(json_nul_path(&json!({"a": "ok", "b": 1, "c": null})), None);
        assert_eq!(json_nul_path(&json!({"display_name": "a\u{0}b"})).as_deref(), Some("display_name"));
        assert_eq!(json_nul_path(&json!({"tags": [{"id": "x"}, {"id": "\u{0}"}]})).as_deref(), Some("tags[1].id"));
        assert_eq!(json_nul_path(&json!({"phone_numbers": ["+1", "\u{0}"]})).as_deref(), Some("phone_numbers[1]"));
        assert_eq!(
            json_nul_path(&json!({"custom_fields": {"tnt__x": "v\u{0}"}})).as_deref(),
            Some("custom_fields.tnt__x")
        );
        assert_eq!(json_nul_path(&json!({"custom_fields": {"k\u{0}": 1}})).as_deref(), Some("custom_fields.k\\u0000"));
        assert_eq!(json_nul_path(&json!([["\u{0}"]])).as_deref(), Some("[0][0]"));
    }
}
