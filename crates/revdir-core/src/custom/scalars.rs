//! The value types of fields ([`ScalarType`]) and the checks of single values that need no
//! descriptor: JSON type names, dates, and id values with their object type names.

use revdir_api::schemas::{
    SchemaFieldDescriptorArrayTypeBaseType as Base, SchemaFieldDescriptorFieldType as FieldType,
};
use serde_json::Value;

use super::errors::Problem;
use crate::ids::{don, parse_id, ObjectKind};

/// The value type of a field, or of an array field's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    /// `true`/`false`.
    Bool,
    /// An object following a composite schema.
    Composite,
    /// `YYYY-MM-DD`.
    Date,
    /// Any number.
    Double,
    /// One of a list of strings.
    Enum,
    /// An object id, stored as a DON.
    Id,
    /// A 64-bit integer.
    Int,
    /// Any JSON value but `null`.
    JsonValue,
    /// Text.
    RichText,
    /// Any JSON object.
    Struct,
    /// Text.
    Text,
    /// RFC 3339.
    Timestamp,
    /// Text.
    Tokens,
    /// One of a list of numbered values.
    Uenum,
    /// No values can be given.
    Unknown,
}

impl ScalarType {
    pub(super) fn of_field(t: FieldType) -> Option<Self> {
        Some(match t {
            FieldType::Array => return None,
            FieldType::Bool => Self::Bool,
            FieldType::Composite => Self::Composite,
            FieldType::Date => Self::Date,
            FieldType::Double => Self::Double,
            FieldType::Enum => Self::Enum,
            FieldType::Id => Self::Id,
            FieldType::Int => Self::Int,
            FieldType::JsonValue => Self::JsonValue,
            FieldType::RichText => Self::RichText,
            FieldType::Struct => Self::Struct,
            FieldType::Text => Self::Text,
            FieldType::Timestamp => Self::Timestamp,
            FieldType::Tokens => Self::Tokens,
            FieldType::Uenum => Self::Uenum,
            FieldType::Unknown => Self::Unknown,
        })
    }

    pub(super) fn of_base(t: Base) -> Self {
        match t {
            Base::Bool => Self::Bool,
            Base::Composite => Self::Composite,
            Base::Date => Self::Date,
            Base::Double => Self::Double,
            Base::Enum => Self::Enum,
            Base::Id => Self::Id,
            Base::Int => Self::Int,
            Base::JsonValue => Self::JsonValue,
            Base::RichText => Self::RichText,
            Base::Struct => Self::Struct,
            Base::Text => Self::Text,
            Base::Timestamp => Self::Timestamp,
            Base::Tokens => Self::Tokens,
            Base::Uenum => Self::Uenum,
        }
    }

    pub(super) fn is_text(self) -> bool {
        matches!(self, Self::Text | Self::RichText | Self::Tokens)
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::Composite => "composite",
            Self::Date => "date",
            Self::Double => "double",
            Self::Enum => "enum",
            Self::Id => "id",
            Self::Int => "int",
            Self::JsonValue => "json_value",
            Self::RichText => "rich_text",
            Self::Struct => "struct",
            Self::Text => "text",
            Self::Timestamp => "timestamp",
            Self::Tokens => "tokens",
            Self::Uenum => "uenum",
            Self::Unknown => "unknown",
        }
    }
}

fn object_type_name(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::DevOrg => "dev_org",
        ObjectKind::DevUser => "dev_user",
        ObjectKind::RevUser => "rev_user",
        ObjectKind::SysUser => "sys_user",
        ObjectKind::ServiceAccount => "service_account",
        ObjectKind::Account => "account",
        ObjectKind::RevOrg => "rev_org",
        ObjectKind::Tag => "tag",
        ObjectKind::Artifact => "artifact",
        ObjectKind::Webhook => "webhook",
    }
}

/// An `id_type` entry as a type name: DON segments (`revu`) become names (`rev_user`).
pub(super) fn id_type_name(s: &str) -> String {
    ObjectKind::from_don_type(s).map_or_else(|| s.to_owned(), |k| object_type_name(k).to_owned())
}

pub(super) fn parse_date(s: &str) -> Option<time::Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num =
        |r: std::ops::Range<usize>| s.get(r).filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?.parse::<u16>().ok();
    let month = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    time::Date::from_calendar_date(i32::from(num(0..4)?), month, u8::try_from(num(8..10)?).ok()?).ok()
}

pub(super) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks an `id` value and answers its object type and stored form (a DON).
///
/// DONs and display ids of the objects this server knows are accepted; DONs of other object
/// types (`…:issue/7`) are kept as given, their type being their last segment.
pub(super) fn normalize_id(s: &str, org: Option<&str>) -> Result<(String, String), (Problem, String)> {
    let malformed = || (Problem::IdParseError, format!("'{s}' is not an id (a DON or a display id such as REVU-1)"));
    if let Some(rest) = s.strip_prefix("don:") {
        let mut parts = rest.split(':');
        let (Some(partition), Some(region), Some(org_seg)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed());
        };
        if partition.is_empty() || region.is_empty() || org_seg.is_empty() {
            return Err(malformed());
        }
        let Some(id_org) = org_seg.strip_prefix("devo/") else {
            return Err((Problem::BadIdType, format!("'{s}' does not name an object of a dev org")));
        };
        let segments: Vec<&str> = parts.collect();
        let Some(last) = segments.last() else {
            return Err((Problem::BadIdType, format!("'{s}' names a dev org, not an object")));
        };
        for seg in &segments {
            let Some((ty, local)) = seg.split_once('/') else { return Err(malformed()) };
            let ok = |t: &str, f: fn(u8) -> bool| !t.is_empty() && t.bytes().all(f);
            if !ok(ty, |b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
                || !ok(local, |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(malformed());
            }
        }
        if id_org.is_empty() || !id_org.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(malformed());
        }
        if org.is_some_and(|o| o != id_org) {
            return Err((Problem::InvalidArgument, format!("'{s}' names an object of another dev org")));
        }
        let ty = last.split_once('/').map(|(t, _)| t).unwrap_or_default();
        return Ok((id_type_name(ty), s.to_owned()));
    }
    const KINDS: [ObjectKind; 7] = [
        ObjectKind::RevUser,
        ObjectKind::DevUser,
        ObjectKind::SysUser,
        ObjectKind::Account,
        ObjectKind::RevOrg,
        ObjectKind::Tag,
        ObjectKind::Artifact,
    ];
    for kind in KINDS {
        if let Ok(p) = parse_id("id", s, kind) {
            let stored = org.map_or_else(|| s.to_owned(), |o| don(kind, o, &p.local));
            return Ok((object_type_name(kind).to_owned(), stored));
        }
    }
    if parse_id("id", s, ObjectKind::DevOrg).is_ok() {
        return Err((Problem::BadIdType, format!("'{s}' names a dev org, not an object")));
    }
    Err(malformed())
}
