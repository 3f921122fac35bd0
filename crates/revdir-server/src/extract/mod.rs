//! Request extractors whose every rejection is a DevRev-shaped [`ApiError`].
//!
//! - [`ApiJson`] decodes a POST body, naming the offending field in errors.
//! - [`ApiInput`] serves both twins of a read: the query string for GET, the body for POST.
//! - [`auth`] turns the `Authorization` header into a `DevOrgScope`.
//!
//! Both refuse a NUL character (U+0000) anywhere in their input, naming the field (`nul`).

pub mod auth;
pub(crate) mod nul;
pub mod query;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::Method;
use revdir_api::ErrorKind;
use revdir_core::ValidationError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body decoded into `T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// A read's input: the query string of a GET, or the JSON body of a POST.
#[derive(Debug)]
pub struct ApiInput<T>(pub T);

/// The JSON type name serde reports as "unexpected", in §5.3's vocabulary.
fn actual_type(unexpected: &str) -> &'static str {
    let u = unexpected.trim();
    if u.starts_with("string") || u.starts_with("char") {
        "string"
    } else if u.starts_with("integer") || u.starts_with("floating") {
        "number"
    } else if u.starts_with("boolean") {
        "bool"
    } else if u.starts_with("null") || u.starts_with("unit") {
        "null"
    } else if u.starts_with("sequence") || u.starts_with("ambiguous repeated key") {
        // A query key given several times reads as a list of values.
        "array"
    } else if u.starts_with("map") {
        "object"
    } else {
        "string"
    }
}

/// The JSON type name serde "expected", in §5.3's vocabulary.
fn expected_type(expected: &str) -> &'static str {
    let e = expected.trim();
    if e.contains("sequence") || e.contains("array") || e.starts_with("a vec") {
        "array"
    } else if e.contains("bool") {
        "bool"
    } else if e.starts_with('i')
        || e.starts_with('u')
        || e.starts_with('f')
        || e.contains("integer")
        || e.contains("number")
    {
        "number"
    } else if e.starts_with("struct") || e.contains("map") || e.contains("object") {
        "object"
    } else {
        "string"
    }
}

/// Maps a serde error at `path` onto §5.3's bad-request variants.
pub(crate) fn decode_error(path: &str, message: &str) -> ValidationError {
    let prefix = if path == "." || path.is_empty() { String::new() } else { format!("{path}.") };
    let field = if path == "." || path.is_empty() { "body".to_owned() } else { path.to_owned() };
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return ValidationError::missing(&format!("{prefix}{name}"));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let expected = expected.split(" at line ").next().unwrap_or(expected);
        let (actual, expected) = (actual_type(unexpected), expected_type(expected));
        return ValidationError {
            kind: ErrorKind::UnexpectedJsonType {
                field_name: field.clone(),
                expected: expected.to_owned(),
                actual: actual.to_owned(),
            },
            message: format!("{field}: expected {expected}, got {actual}"),
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<String> = allowed.split('`').skip(1).step_by(2).map(str::to_owned).collect();
        return ValidationError {
            kind: ErrorKind::InvalidEnumValue {
                field_name: field.clone(),
                value: value.to_owned(),
                allowed_values: allowed,
            },
            message: format!("{field}: '{value}' is not an allowed value"),
        };
    }
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        // The right JSON type but out of the Rust type's range, e.g. a limit beyond int32.
        return ValidationError::not_permitted(&field, format!("invalid value: {rest}"));
    }
    ValidationError::bad_request(format!("{field}: {message}"))
}

/// Decodes a JSON body into `T` with DevRev-shaped errors.
///
/// # Errors
/// `parse_error` when the bytes are not JSON, `bad_request` when they are not an object,
/// `value_not_permitted` naming the first string that holds U+0000, and the field-naming
/// variants of [`decode_error`] otherwise.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // An empty body reads as `{}` so that `curl -X POST` works for field-less requests.
    let value: serde_json::Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(bytes).map_err(|e| {
            ApiError::BadRequest(ValidationError {
                kind: ErrorKind::ParseError,
                message: format!("the body is not valid JSON: {e}"),
            })
        })?
    };
    if !value.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    if let Some(path) = nul::json_nul_path(&value) {
        return Err(nul::nul_error(&path));
    }
    serde_path_to_error::deserialize(value)
        .map_err(|e| ApiError::BadRequest(decode_error(&e.path().to_string(), &e.inner().to_string())))
}

async fn body_bytes(body: Body) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::bad_request(format!("the body is larger than {MAX_BODY_BYTES} bytes or unreadable")))
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req.into_body()).await?;
        decode_json(&bytes).map(ApiJson)
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiInput<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, Self::Rejection> {
        if req.method() == Method::GET {
            let q = req.uri().query().unwrap_or_default();
            if let Some(field) = query::nul_field(q) {
                return Err(nul::nul_error(&field));
            }
            return query::from_query(q)
                .map(ApiInput)
                .map_err(|e| ApiError::BadRequest(decode_error(&e.path().to_string(), &e.inner().to_string())));
        }
        let bytes = body_bytes(req.into_body()).await?;
        decode_json(&bytes).map(ApiInput)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "fields exist to be decoded")]
    struct Req {
        id: String,
        phone_numbers: Option<Vec<String>>,
        mode: Option<revdir_api::common::ListMode>,
        limit: Option<i32>,
    }

    fn kind(body: &str) -> ErrorKind {
        match decode_json::<Req>(body.as_bytes()) {
            Err(ApiError::BadRequest(v)) => v.kind,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn classifies_decode_errors() {
        assert_eq!(kind("{"), ErrorKind::ParseError);
        assert_eq!(kind("[1]"), ErrorKind::BadRequest);
        assert_eq!(kind("{}"), ErrorKind::MissingRequiredField { field_name: "id".into() });
        assert_eq!(
            kind(r#"{"id":"x","phone_numbers":"+1"}"#),
            ErrorKind::UnexpectedJsonType {
                field_name: "phone_numbers".into(),
                expected: "array".into(),
                actual: "string".into()
            }
        );
        assert_eq!(
            kind(r#"{"id":5}"#),
            ErrorKind::UnexpectedJsonType {
                field_name: "id".into(),
                expected: "string".into(),
                actual: "number".into()
            }
        );
        assert_eq!(
            kind(r#"{"id":"x","limit":"ten"}"#),
            ErrorKind::UnexpectedJsonType {
                field_name: "limit".into(),
                expected: "number".into(),
                actual: "string".into()
            }
        );
        assert!(matches!(
            kind(r#"{"id":"x","limit":3000000000}"#),
            ErrorKind::ValueNotPermitted { field_name, .. } if field_name == "limit"
        ));
        assert_eq!(
            kind(r#"{"id":"x","mode":"sideways"}"#),
            ErrorKind::InvalidEnumValue {
                field_name: "mode".into(),
                value: "sideways".into(),
                allowed_values: vec!["after".into(), "before".into()]
            }
        );
    }
}
