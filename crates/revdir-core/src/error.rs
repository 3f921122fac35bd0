//! Errors of the domain: invalid input and store failures.

use revdir_api::ErrorKind;

/// A request field that failed to parse or broke a rule; becomes a 400.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    /// The DevRev 400 variant, with its fields.
    pub kind: ErrorKind,
    /// Human-readable explanation.
    pub message: String,
}

impl ValidationError {
    /// A required field is absent.
    pub fn missing(field: &str) -> Self {
        Self {
            kind: ErrorKind::MissingRequiredField { field_name: field.to_owned() },
            message: format!("{field} is required"),
        }
    }

    /// A malformed id.
    pub fn invalid_id(field: &str, value: &str) -> Self {
        Self {
            kind: ErrorKind::InvalidId { field_name: field.to_owned() },
            message: format!("{field}: '{value}' is not a valid id"),
        }
    }

    /// A well-formed id naming the wrong kind of object.
    pub fn unexpected_id_type(field: &str, expected: &str) -> Self {
        Self {
            kind: ErrorKind::UnexpectedIdType { field_name: field.to_owned() },
            message: format!(
                "{field}: expected the id of {} {expected}",
                if expected.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
            ),
        }
    }

    /// A well-formed value that is not permitted.
    pub fn not_permitted(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self {
            kind: ErrorKind::ValueNotPermitted {
                field_name: field.to_owned(),
                allowed_values: None,
                reason: Some(reason.clone()),
            },
            message: format!("{field}: {reason}"),
        }
    }

    /// A value outside a closed set of allowed values.
    pub fn not_in(field: &str, reason: impl Into<String>, allowed: Vec<String>) -> Self {
        let reason = reason.into();
        Self {
            kind: ErrorKind::ValueNotPermitted {
                field_name: field.to_owned(),
                allowed_values: Some(allowed),
                reason: Some(reason.clone()),
            },
            message: format!("{field}: {reason}"),
        }
    }

    /// A field name that is not valid here.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::InvalidField { field_name: field.to_owned() }, message: message.into() }
    }

    /// A request that is wrong in a way no specific variant names.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::BadRequest, message: message.into() }
    }

    /// An artifact is already held by another object (§8.4).
    pub fn artifact_attached(field: &str, existing_parent: String, is_same: bool) -> Self {
        Self {
            message: format!("{field}: the artifact is already attached to {existing_parent}"),
            kind: ErrorKind::ArtifactAlreadyAttachedToAParent { existing_parent, is_same },
        }
    }

    /// A field this server does not support yet: refused rather than silently dropped.
    pub fn unsupported(field: &str) -> Self {
        Self::bad_request(format!("{field} is not supported by this revdir version yet; the request was not applied"))
    }
}

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist in the caller's dev org (404).
    #[error("{0}")]
    NotFound(String),
    /// A unique value is taken by another object (409).
    #[error("{0}")]
    Conflict(String),
    /// Input that breaks a rule only the stored data can reveal (400).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A transient failure such as lock contention that outlived its retries (503).
    #[error("{0}")]
    Unavailable(String),
    /// Anything unexpected (500).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl StoreError {
    /// A 404 for an object of `what` named `id` as the caller wrote it.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::NotFound(format!("{what} {id} not found"))
    }
}
