//! Emulator snapshots (issue 16): an org's whole state saved under a name and put back in
//! one transaction, and `orgs.reset`, which puts back the state the org was created with.
//! API-CONVENTIONS entries 110–116.

use crate::error::ValidationError;
use crate::time::Timestamp;

/// The name of the snapshot taken when an org is created (and taken again by
/// `SnapshotStore::mark_initial`, after seeding), which `orgs.reset` restores.
pub const INITIAL: &str = "__initial";

/// Names starting with this are reserved for revdir's own snapshots: hidden from lists and
/// refused from callers.
pub const RESERVED_PREFIX: &str = "__";

/// Longest snapshot name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A snapshot name a caller may use: not blank, at most [`MAX_NAME_CHARS`] characters,
/// not reserved. Taken as given (no trimming), so what is listed is what was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotName(String);

impl SnapshotName {
    /// Parses the `name` field of a request.
    ///
    /// # Errors
    /// `missing_required_field` when absent, `value_not_permitted` when blank, too long or
    /// reserved.
    pub fn parse(input: Option<&str>) -> Result<Self, ValidationError> {
        let name = input.ok_or_else(|| ValidationError::missing("name"))?;
        if name.trim().is_empty() {
            return Err(ValidationError::not_permitted("name", "must not be empty"));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(ValidationError::not_permitted("name", format!("must be at most {MAX_NAME_CHARS} characters")));
        }
        if name.starts_with(RESERVED_PREFIX) {
            return Err(ValidationError::not_permitted(
                "name",
                format!("names starting with '{RESERVED_PREFIX}' are reserved for revdir's own snapshots"),
            ));
        }
        if name.contains('\0') {
            return Err(ValidationError::not_permitted("name", "must not contain NUL characters"));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name of revdir's own initial snapshot, which callers cannot name.
    pub fn initial() -> Self {
        Self(INITIAL.to_owned())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRecord {
    /// Its name, unique within its org.
    pub name: String,
    /// When it was taken.
    pub created_date: Timestamp,
    /// How many rows it holds, over every snapshotted table.
    pub rows: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(SnapshotName::parse(Some("before import")).map(|n| n.0), Ok("before import".to_owned()));
        for bad in [None, Some(""), Some("  "), Some("__initial"), Some("__mine"), Some("a\0b")] {
            assert!(SnapshotName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(SnapshotName::parse(Some(&"x".repeat(MAX_NAME_CHARS))).is_ok());
        assert!(SnapshotName::parse(Some(&"x".repeat(MAX_NAME_CHARS + 1))).is_err());
    }
}
