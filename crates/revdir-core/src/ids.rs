//! DONs (DevRev object names) and display ids: parsing inputs, rendering outputs (§3).
//!
//! Stored rows hold only a dev org id and a local id; DONs and display ids are rendered on
//! the way out and parsed on the way in. Any `format: id` input accepts either form.

use crate::error::ValidationError;

/// The region segment of every DON this server renders.
pub const REGION: &str = "dvrv-us-1";

/// The kinds of object that have ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A builder organisation (the tenant).
    DevOrg,
    /// A member of a dev org.
    DevUser,
    /// A customer contact.
    RevUser,
    /// A built-in system user.
    SysUser,
    /// An application's service account.
    ServiceAccount,
    /// A customer company.
    Account,
    /// A workspace inside an account.
    RevOrg,
    /// A tag.
    Tag,
    /// An uploaded file.
    Artifact,
    /// A webhook target (§8.7); it has no display id.
    Webhook,
}

impl ObjectKind {
    /// The DON partition the kind lives in.
    pub fn partition(self) -> &'static str {
        match self {
            Self::Tag | Self::Artifact => "core",
            Self::Webhook => "integration",
            _ => "identity",
        }
    }

    /// The `<type>` of the kind's `<type>/<id>` DON segment.
    pub fn don_type(self) -> &'static str {
        match self {
            Self::DevOrg => "devo",
            Self::DevUser => "devu",
            Self::RevUser => "revu",
            Self::SysUser => "sysu",
            Self::ServiceAccount => "svcacc",
            Self::Account => "account",
            Self::RevOrg => "revo",
            Self::Tag => "tag",
            Self::Artifact => "artifact",
            Self::Webhook => "webhook",
        }
    }

    /// The display-id prefix, for kinds that have display ids.
    pub fn display_prefix(self) -> Option<&'static str> {
        Some(match self {
            Self::DevOrg => "DEV",
            Self::DevUser => "DEVU",
            Self::RevUser => "REVU",
            Self::SysUser => "SYSU",
            Self::Account => "ACC",
            Self::RevOrg => "REV",
            Self::Tag => "TAG",
            Self::Artifact => "ARTIFACT",
            Self::ServiceAccount | Self::Webhook => return None,
        })
    }

    /// A human name used in error messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::DevOrg => "dev org",
            Self::DevUser => "dev user",
            Self::RevUser => "rev user",
            Self::SysUser => "sys user",
            Self::ServiceAccount => "service account",
            Self::Account => "account",
            Self::RevOrg => "rev org",
            Self::Tag => "tag",
            Self::Artifact => "artifact",
            Self::Webhook => "webhook",
        }
    }

    /// Whether local ids of this kind are counters (numbers) rather than random strings.
    pub fn is_numbered(self) -> bool {
        !matches!(self, Self::DevOrg | Self::RevOrg | Self::ServiceAccount)
    }

    const ALL: [Self; 10] = [
        Self::DevOrg,
        Self::DevUser,
        Self::RevUser,
        Self::SysUser,
        Self::ServiceAccount,
        Self::Account,
        Self::RevOrg,
        Self::Tag,
        Self::Artifact,
        Self::Webhook,
    ];

    /// The kind whose DON type segment (and stored kind code) is `segment`.
    pub fn from_don_type(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.don_type() == segment)
    }

    fn from_display_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.display_prefix() == Some(prefix))
    }
}

/// Renders the DON of an object of `kind` in dev org `org` with local id `local`.
pub fn don(kind: ObjectKind, org: &str, local: impl std::fmt::Display) -> String {
    match kind {
        ObjectKind::DevOrg => format!("don:identity:{REGION}:devo/{org}"),
        _ => format!("don:{}:{REGION}:devo/{org}:{}/{local}", kind.partition(), kind.don_type()),
    }
}

/// Renders the display id of an object, for kinds that have one.
pub fn display_id(kind: ObjectKind, local: impl std::fmt::Display) -> Option<String> {
    kind.display_prefix().map(|p| format!("{p}-{local}"))
}

/// An id from a request, parsed but not yet resolved against the caller's dev org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedId {
    /// The dev org named by a DON; `None` for a display id, which means the caller's org.
    pub org: Option<String>,
    /// The local id: digits for numbered kinds.
    pub local: String,
}

impl ParsedId {
    /// The local id when it belongs to `org` (a display id always does).
    pub fn local_in(&self, org: &str) -> Option<&str> {
        match &self.org {
            Some(o) if o != org => None,
            _ => Some(&self.local),
        }
    }

    /// The numeric local id when it belongs to `org`.
    pub fn number_in(&self, org: &str) -> Option<i64> {
        self.local_in(org).and_then(|l| l.parse().ok())
    }
}

fn valid_local(kind: ObjectKind, local: &str) -> bool {
    if local.is_empty() || local.len() > 64 {
        return false;
    }
    if kind.is_numbered() {
        local.bytes().all(|b| b.is_ascii_digit()) && local.parse::<i64>().is_ok_and(|n| n > 0)
    } else {
        local.bytes().all(|b| b.is_ascii_alphanumeric())
    }
}

/// Parses a DON or display id that must name an object of `expected` (§3.2).
///
/// Rev-user DONs may carry the session form `…:revo/<id>:revu/<n>`.
///
/// # Errors
/// `invalid_id` when the text is neither form; `unexpected_id_type` when it is a well-formed
/// id of another kind of object.
pub fn parse_id(field: &str, input: &str, expected: ObjectKind) -> Result<ParsedId, ValidationError> {
    let invalid = || ValidationError::invalid_id(field, input);
    if let Some(rest) = input.strip_prefix("don:") {
        let mut parts = rest.split(':');
        let (Some(partition), Some(region), Some(org_seg)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let segments: Vec<&str> = parts.collect();
        if partition.is_empty() || region.is_empty() {
            return Err(invalid());
        }
        let org = org_seg.strip_prefix("devo/").ok_or_else(invalid)?;
        if !valid_local(ObjectKind::DevOrg, org) {
            return Err(invalid());
        }
        let Some(last) = segments.last() else {
            return if expected == ObjectKind::DevOrg {
                Ok(ParsedId { org: Some(org.to_owned()), local: org.to_owned() })
            } else {
                Err(ValidationError::unexpected_id_type(field, expected.noun()))
            };
        };
        let mut typed = Vec::with_capacity(segments.len());
        for seg in &segments {
            let (ty, local) = seg.split_once('/').ok_or_else(invalid)?;
            let kind = ObjectKind::from_don_type(ty).ok_or_else(invalid)?;
            if !valid_local(kind, local) {
                return Err(invalid());
            }
            typed.push(kind);
        }
        let kind = typed.last().copied().ok_or_else(invalid)?;
        // §3.1: only the session form of a rev user nests (revo/…:revu/…).
        let nested_ok =
            typed.len() == 1 || (typed.len() == 2 && typed[0] == ObjectKind::RevOrg && kind == ObjectKind::RevUser);
        if !nested_ok {
            return Err(invalid());
        }
        if kind != expected {
            return Err(ValidationError::unexpected_id_type(field, expected.noun()));
        }
        let (_, local) = last.split_once('/').ok_or_else(invalid)?;
        if partition != kind.partition() {
            return Err(invalid());
        }
        return Ok(ParsedId { org: Some(org.to_owned()), local: local.to_owned() });
    }
    let (prefix, local) = input.rsplit_once('-').ok_or_else(invalid)?;
    let kind = ObjectKind::from_display_prefix(prefix).ok_or_else(invalid)?;
    if !valid_local(kind, local) {
        return Err(invalid());
    }
    if kind != expected {
        return Err(ValidationError::unexpected_id_type(field, expected.noun()));
    }
    Ok(ParsedId { org: None, local: local.to_owned() })
}

/// Parses an id that may name any of several user kinds (e.g. a `created_by` filter).
///
/// # Errors
/// As [`parse_id`], with `unexpected_id_type` when the id is of none of `kinds`.
pub fn parse_any_id(field: &str, input: &str, kinds: &[ObjectKind]) -> Result<(ObjectKind, ParsedId), ValidationError> {
    let mut last_err = None;
    for &kind in kinds {
        match parse_id(field, input, kind) {
            Ok(p) => return Ok((kind, p)),
            Err(e) => {
                if matches!(e.kind, revdir_api::ErrorKind::InvalidId { .. }) {
                    return Err(e);
                }
                last_err = Some(e);
            }
        }
    }
    Err(last_err.unwrap_or_else(|| ValidationError::invalid_id(field, input)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use revdir_api::ErrorKind;

    #[test]
    fn renders_dons_and_display_ids() {
        assert_eq!(don(ObjectKind::RevUser, "AbC1", 42), "don:identity:dvrv-us-1:devo/AbC1:revu/42");
        assert_eq!(don(ObjectKind::Tag, "AbC1", 7), "don:core:dvrv-us-1:devo/AbC1:tag/7");
        assert_eq!(don(ObjectKind::DevOrg, "AbC1", "AbC1"), "don:identity:dvrv-us-1:devo/AbC1");
        assert_eq!(display_id(ObjectKind::RevOrg, "XyZ").as_deref(), Some("REV-XyZ"));
        assert_eq!(don(ObjectKind::Webhook, "AbC1", 3), "don:integration:dvrv-us-1:devo/AbC1:webhook/3");
        assert_eq!(display_id(ObjectKind::Webhook, 3), None);
    }

    #[test]
    fn parses_both_forms() {
        let p = parse_id("id", "REVU-12", ObjectKind::RevUser).unwrap();
        assert_eq!(p, ParsedId { org: None, local: "12".into() });
        let p = parse_id("id", "don:identity:dvrv-us-1:devo/Org9:revu/12", ObjectKind::RevUser).unwrap();
        assert_eq!(p.org.as_deref(), Some("Org9"));
        assert_eq!(p.number_in("Org9"), Some(12));
        assert_eq!(p.number_in("Other"), None);
        let p = parse_id("id", "don:identity:dvrv-us-1:devo/0:revo/6:revu/131", ObjectKind::RevUser).unwrap();
        assert_eq!(p.local, "131");
    }

    #[test]
    fn classifies_errors() {
        let kind = |s: &str, k| parse_id("f", s, k).unwrap_err().kind;
        assert!(matches!(kind("TAG-3", ObjectKind::RevUser), ErrorKind::UnexpectedIdType { .. }));
        assert!(matches!(
            kind("don:core:dvrv-us-1:devo/x:tag/3", ObjectKind::Artifact),
            ErrorKind::UnexpectedIdType { .. }
        ));
        assert!(matches!(kind("TAG-3", ObjectKind::Webhook), ErrorKind::UnexpectedIdType { .. }));
        assert!(matches!(
            kind("don:integration:dvrv-us-1:devo/x:webhook/3", ObjectKind::Tag),
            ErrorKind::UnexpectedIdType { .. }
        ));
        let hook = parse_id("id", "don:integration:dvrv-us-1:devo/x:webhook/3", ObjectKind::Webhook).unwrap();
        assert_eq!(hook.number_in("x"), Some(3));
        for bad in
            ["don:identity:dvrv-us-1:devo/x:webhook/3", "don:integration:dvrv-us-1:devo/x:webhook/abc", "WEBHOOK-3"]
        {
            assert!(matches!(kind(bad, ObjectKind::Webhook), ErrorKind::InvalidId { .. }), "{bad}");
        }
        for bad in ["", "REVU-", "REVU-x", "REVU-0", "nope", "don:identity", "don:a:b:c:revu/1", "FOO-1"] {
            assert!(matches!(kind(bad, ObjectKind::RevUser), ErrorKind::InvalidId { .. }), "{bad}");
        }
    }
}
