//! The error body every operation answers with: `error-base` plus a flat, `type`-tagged variant.

use serde::{Deserialize, Serialize};

/// A DevRev error body: `message`/`detail` next to the variant's own fields, all at the top level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Human-readable summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The `type` discriminator and its fields.
    #[serde(flatten)]
    pub kind: ErrorKind,
}

/// The error variants of §5.3, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ErrorKind {
    /// 400: an artifact is held by another object.
    ArtifactAlreadyAttachedToAParent {
        /// DON of the object holding the artifact.
        existing_parent: String,
        /// Whether the holder is the object being changed.
        is_same: bool,
    },
    /// 400: the request is invalid in a way no other variant names.
    BadRequest,
    /// 400: a custom field failed validation.
    CustomizationValidationError {
        /// What kind of validation failed.
        subtype: String,
        /// The offending field.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field_name: Option<String>,
        /// Why it failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// 400: `x-devrev-version` names a version this server does not speak.
    InvalidApiVersion {
        /// The version that was sent.
        value: String,
    },
    /// 400: a value outside an enumeration.
    InvalidEnumValue {
        /// The offending field.
        field_name: String,
        /// The value that was sent.
        value: String,
        /// What would have been accepted.
        allowed_values: Vec<String>,
    },
    /// 400: a field name that is not valid here (for example in `sort_by`).
    InvalidField {
        /// The offending field.
        field_name: String,
    },
    /// 400: a malformed id.
    InvalidId {
        /// The offending field.
        field_name: String,
    },
    /// 400: a required field is absent.
    MissingRequiredField {
        /// The missing field.
        field_name: String,
    },
    /// 400: the body is not valid JSON.
    ParseError,
    /// 400: a referenced schema fragment has been superseded.
    StaleSchemaFragments,
    /// 400: a well-formed id of the wrong kind of object.
    UnexpectedIdType {
        /// The offending field.
        field_name: String,
    },
    /// 400: a JSON value of the wrong type.
    UnexpectedJsonType {
        /// The offending field.
        field_name: String,
        /// The JSON type expected.
        expected: String,
        /// The JSON type received.
        actual: String,
    },
    /// 400: a value that is well-formed but not permitted.
    ValueNotPermitted {
        /// The offending field.
        field_name: String,
        /// What would have been accepted, where that is a closed set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        allowed_values: Option<Vec<String>>,
        /// Why the value is refused.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// 401: the token is missing, malformed, forged, expired or revoked.
    Unauthenticated,
    /// 403: the caller may not do this.
    Forbidden,
    /// 404: the object does not exist (or belongs to another dev org).
    NotFound,
    /// 409: a unique value is already taken.
    Conflict,
    /// 429: the rate limit is exhausted.
    TooManyRequests {
        /// Seconds until the window resets.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<i64>,
    },
    /// 500: an unexpected failure; quote `reference_id` to find it in the log.
    InternalError {
        /// Identifies the failure in the server's log.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_id: Option<String>,
    },
    /// 503: a transient failure; retry.
    ServiceUnavailable,
}

impl ErrorKind {
    /// The `type` string this variant serializes to.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::ArtifactAlreadyAttachedToAParent { .. } => "artifact_already_attached_to_a_parent",
            Self::BadRequest => "bad_request",
            Self::CustomizationValidationError { .. } => "customization_validation_error",
            Self::InvalidApiVersion { .. } => "invalid_api_version",
            Self::InvalidEnumValue { .. } => "invalid_enum_value",
            Self::InvalidField { .. } => "invalid_field",
            Self::InvalidId { .. } => "invalid_id",
            Self::MissingRequiredField { .. } => "missing_required_field",
            Self::ParseError => "parse_error",
            Self::StaleSchemaFragments => "stale_schema_fragments",
            Self::UnexpectedIdType { .. } => "unexpected_id_type",
            Self::UnexpectedJsonType { .. } => "unexpected_json_type",
            Self::ValueNotPermitted { .. } => "value_not_permitted",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::InternalError { .. } => "internal_error",
            Self::ServiceUnavailable => "service_unavailable",
        }
    }

    /// The HTTP status this variant is sent with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::TooManyRequests { .. } => 429,
            Self::InternalError { .. } => 500,
            Self::ServiceUnavailable => 503,
            _ => 400,
        }
    }
}
