//! What fragments extend and how they are named: leaf types, the three fragment kinds, a
//! fragment version's reference and DON, lineages (`Family`) and the names fields, subtypes
//! and apps may take.

use revdir_api::schemas::{CustomSchemaFragmentSummary, CustomSchemaFragmentType};

use crate::error::ValidationError;
use crate::ids::{parse_id, ObjectKind, REGION};

/// The object types fragments can extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LeafType {
    /// Accounts (customer companies).
    Account,
    /// Dev users.
    DevUser,
    /// Rev orgs (workspaces).
    RevOrg,
    /// Rev users (contacts).
    RevUser,
}

impl LeafType {
    /// Every leaf type, in name order.
    pub const ALL: [Self; 4] = [Self::Account, Self::DevUser, Self::RevOrg, Self::RevUser];

    /// The wire name, such as `rev_user`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::DevUser => "dev_user",
            Self::RevOrg => "rev_org",
            Self::RevUser => "rev_user",
        }
    }

    /// The leaf type named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// Parses a leaf type from request field `field`.
    ///
    /// # Errors
    /// `value_not_permitted` listing the leaf types this server has.
    pub fn parse(field: &str, name: &str) -> Result<Self, ValidationError> {
        Self::from_name(name).ok_or_else(|| {
            ValidationError::not_in(
                field,
                format!("'{name}' is not a leaf type this server can customize"),
                Self::ALL.iter().map(|l| l.as_str().to_owned()).collect(),
            )
        })
    }

    /// The number of the leaf type's built-in stock fragment (`stock_sf/<n>`).
    pub fn stock_number(self) -> i64 {
        match self {
            Self::Account => 1,
            Self::DevUser => 2,
            Self::RevOrg => 3,
            Self::RevUser => 4,
        }
    }

    /// The DON of the leaf type's stock fragment; it has no `devo/` segment (§3.1).
    pub fn stock_don(self) -> String {
        format!("don:core:{REGION}:stock_sf/{}", self.stock_number())
    }
}

/// The three kinds of custom fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FragmentKind {
    /// Fields of every object of the leaf type (keys `tnt__<name>`).
    Tenant,
    /// Fields of one subtype (keys `ctype__<name>`).
    CustomType,
    /// Fields owned by an application (keys `<app>__<name>`).
    App,
}

impl FragmentKind {
    /// The DON type segment and wire `type`, such as `tenant_fragment`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tenant => "tenant_fragment",
            Self::CustomType => "custom_type_fragment",
            Self::App => "app_fragment",
        }
    }

    /// The kind whose DON type segment is `segment`.
    pub fn from_name(segment: &str) -> Option<Self> {
        [Self::Tenant, Self::CustomType, Self::App].into_iter().find(|k| k.as_str() == segment)
    }

    /// The wire discriminator.
    pub fn wire(self) -> CustomSchemaFragmentType {
        match self {
            Self::Tenant => CustomSchemaFragmentType::TenantFragment,
            Self::CustomType => CustomSchemaFragmentType::CustomTypeFragment,
            Self::App => CustomSchemaFragmentType::AppFragment,
        }
    }

    /// The kind of a wire discriminator.
    pub fn from_wire(t: CustomSchemaFragmentType) -> Self {
        match t {
            CustomSchemaFragmentType::TenantFragment => Self::Tenant,
            CustomSchemaFragmentType::CustomTypeFragment => Self::CustomType,
            CustomSchemaFragmentType::AppFragment => Self::App,
        }
    }
}

/// A reference to one version of a fragment. Fragment ids are numbered per dev org across
/// all three kinds, so the id alone names a row; the kind is part of the DON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FragmentRef {
    /// Which kind the DON names.
    pub kind: FragmentKind,
    /// The version's id.
    pub id: i64,
}

impl FragmentRef {
    /// The org-independent form objects store: `tenant_fragment/3`.
    pub fn local(self) -> String {
        format!("{}/{}", self.kind.as_str(), self.id)
    }

    /// Parses the stored form.
    pub fn parse_local(s: &str) -> Option<Self> {
        let (kind, id) = s.split_once('/')?;
        Some(Self { kind: FragmentKind::from_name(kind)?, id: id.parse().ok().filter(|n: &i64| *n > 0)? })
    }

    /// The DON in dev org `org`.
    pub fn don(self, org: &str) -> String {
        format!("don:core:{REGION}:devo/{org}:{}", self.local())
    }

    /// The wire summary in dev org `org`.
    pub fn summary(self, org: &str) -> CustomSchemaFragmentSummary {
        CustomSchemaFragmentSummary { kind: self.kind.wire(), id: self.don(org), display_id: None }
    }
}

/// A fragment id from a request: the dev org its DON names, and the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFragmentId {
    /// The dev org of the DON.
    pub org: String,
    /// The fragment version.
    pub fragment: FragmentRef,
}

impl ParsedFragmentId {
    /// The reference when the DON belongs to `org`.
    pub fn in_org(&self, org: &str) -> Option<FragmentRef> {
        (self.org == org).then_some(self.fragment)
    }
}

/// Parses a fragment DON (`don:core:dvrv-us-1:devo/<org>:tenant_fragment/<n>`).
///
/// # Errors
/// `unexpected_id_type` for a well-formed id of another kind of object (`REVU-1`);
/// `invalid_id` for anything else.
pub fn parse_fragment_id(field: &str, input: &str) -> Result<ParsedFragmentId, ValidationError> {
    let parsed = (|| {
        let rest = input.strip_prefix("don:core:")?;
        let (region, rest) = rest.split_once(':')?;
        let (org_seg, seg) = rest.split_once(':')?;
        let org = org_seg.strip_prefix("devo/")?;
        if region.is_empty() || org.is_empty() || !org.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some(ParsedFragmentId { org: org.to_owned(), fragment: FragmentRef::parse_local(seg)? })
    })();
    if let Some(p) = parsed {
        return Ok(p);
    }
    // A well-formed id of another kind says so; anything else is malformed.
    for kind in [ObjectKind::RevUser, ObjectKind::Account, ObjectKind::RevOrg, ObjectKind::Tag, ObjectKind::Artifact] {
        match parse_id(field, input, kind) {
            Ok(_) => return Err(ValidationError::unexpected_id_type(field, "schema fragment")),
            Err(e) if !matches!(e.kind, revdir_api::ErrorKind::InvalidId { .. }) => {
                return Err(ValidationError::unexpected_id_type(field, "schema fragment"))
            }
            Err(_) => {}
        }
    }
    Err(ValidationError::invalid_id(field, input))
}

/// Parses a stock fragment DON (`don:core:dvrv-us-1:stock_sf/<n>`) to its leaf type.
///
/// # Errors
/// `invalid_id` when the text is not a stock fragment DON. A well-formed DON of no known
/// stock fragment is `Ok(None)` (a 404 where the operation has one).
pub fn parse_stock_id(field: &str, input: &str) -> Result<Option<LeafType>, ValidationError> {
    let n = input
        .strip_prefix("don:core:")
        .and_then(|r| r.split_once(':'))
        .and_then(|(region, seg)| (!region.is_empty()).then_some(seg))
        .and_then(|seg| seg.strip_prefix("stock_sf/"))
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| ValidationError::invalid_id(field, input))?;
    Ok(LeafType::ALL.into_iter().find(|l| l.stock_number() == n))
}

/// A fragment's lineage: every version of one (leaf type, kind, subtype or app).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Family {
    /// Leaf type.
    pub leaf: LeafType,
    /// Kind.
    pub kind: FragmentKind,
    /// The subtype or app; empty for tenant fragments.
    pub name: String,
}

impl Family {
    /// The tenant fragment family of `leaf`.
    pub fn tenant(leaf: LeafType) -> Self {
        Self { leaf, kind: FragmentKind::Tenant, name: String::new() }
    }

    /// The family of subtype `name` of `leaf`.
    pub fn subtype(leaf: LeafType, name: &str) -> Self {
        Self { leaf, kind: FragmentKind::CustomType, name: name.to_owned() }
    }

    /// The family of app `name`'s fragment for `leaf`.
    pub fn app(leaf: LeafType, name: &str) -> Self {
        Self { leaf, kind: FragmentKind::App, name: name.to_owned() }
    }

    /// The stored key, `rev_user/tenant_fragment/`.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.leaf.as_str(), self.kind.as_str(), self.name)
    }

    /// The prefix of custom field keys of this family: `tnt`, `ctype` or the app name.
    pub fn prefix(&self) -> &str {
        match self.kind {
            FragmentKind::Tenant => "tnt",
            FragmentKind::CustomType => "ctype",
            FragmentKind::App => &self.name,
        }
    }
}

/// Longest subtype or app name, field name or composite type name.
const MAX_NAME: usize = 64;

/// Checks a field, subtype, app or composite name: ASCII letters, digits and underscores,
/// starting with a letter, at most 64 characters. Keys built from them are safe in SQL JSON
/// paths, and `__` separates a key's prefix from its name.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fragment_and_stock_ids() {
        let p = parse_fragment_id("id", "don:core:dvrv-us-1:devo/Org1:tenant_fragment/3").unwrap();
        assert_eq!(p.fragment, FragmentRef { kind: FragmentKind::Tenant, id: 3 });
        assert_eq!(p.in_org("Org1"), Some(p.fragment));
        assert_eq!(p.in_org("Other"), None);
        assert_eq!(p.fragment.don("Org1"), "don:core:dvrv-us-1:devo/Org1:tenant_fragment/3");
        let e = parse_fragment_id("id", "REVU-1").unwrap_err();
        assert!(matches!(e.kind, revdir_api::ErrorKind::UnexpectedIdType { .. }));
        for bad in ["", "tenant_fragment/1", "don:core:dvrv-us-1:devo/x:tenant_fragment/0", "don:core:r:devo/x:bogus/1"]
        {
            let e = parse_fragment_id("id", bad).unwrap_err();
            assert!(matches!(e.kind, revdir_api::ErrorKind::InvalidId { .. }), "{bad}");
        }
        assert_eq!(parse_stock_id("id", "don:core:dvrv-us-1:stock_sf/4").unwrap(), Some(LeafType::RevUser));
        assert_eq!(parse_stock_id("id", "don:core:dvrv-us-1:stock_sf/99").unwrap(), None);
        assert!(parse_stock_id("id", "don:core:dvrv-us-1:devo/x:stock_sf/4").is_err());
    }

    #[test]
    fn names_are_restricted() {
        assert!(valid_name("tier_level2"));
        for bad in ["", "2x", "a-b", "a b", "é"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
