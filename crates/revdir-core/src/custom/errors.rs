//! The 400s custom fields answer: `customization_validation_error` with its subtype
//! ([`Problem`]) and `stale_schema_fragments`.

use revdir_api::ErrorKind;

use super::fragment_ids::FragmentRef;
use crate::error::ValidationError;

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
