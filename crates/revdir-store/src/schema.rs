//! A database's schema version against the migrations this binary embeds.
//!
//! Migrations are forward-only: a binary runs the ones it knows and never undoes any. Three
//! places compare what `_sqlx_migrations` records with a backend's `MIGRATOR`: start-up
//! (`serve`, `migrate` and every command that opens the store), which refuses a database a
//! newer revdir migrated; readiness, which wants exactly this binary's migrations; and
//! `revdir restore`, which accepts a store at this binary's schema or an older one (start-up
//! migrates it forward).

use std::collections::{HashMap, HashSet};

use sqlx::migrate::Migrator;

/// What `_sqlx_migrations` records of one applied migration: version, checksum, success.
pub(crate) type AppliedMigration = (i64, Vec<u8>, bool);

/// Whether migrations of the binary that the database has not applied yet are a mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pending {
    /// Readiness: the database must have them all.
    Refused,
    /// Restore: an older store is fine, start-up migrates it forward.
    Allowed,
}

/// The up migrations `migrator` embeds, by version.
fn known(migrator: &Migrator) -> HashMap<i64, &[u8]> {
    migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| (m.version, m.checksum.as_ref()))
        .collect()
}

/// The latest migration `migrator` embeds (0 for none).
fn latest(migrator: &Migrator) -> i64 {
    known(migrator).keys().copied().max().unwrap_or(0)
}

/// The versions applied in the database that `migrator` does not know, in order: a newer
/// revdir migrated it.
pub(crate) fn unknown_versions(migrator: &Migrator, applied: &[AppliedMigration]) -> Vec<i64> {
    let known = known(migrator);
    let mut unknown: Vec<i64> = applied.iter().map(|a| a.0).filter(|v| !known.contains_key(v)).collect();
    unknown.sort_unstable();
    unknown
}

/// Why a binary must not run on a database with the `unknown` migrations (a newer revdir's),
/// for an operator: which ones, what this binary knows, and what to do instead.
pub(crate) fn newer_schema_message(migrator: &Migrator, unknown: &[i64]) -> String {
    let list = unknown.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    format!(
        "the database's schema is newer than this revdir ({}): it has applied migration {list}, which this binary \
         does not know (its latest is {}); a newer revdir migrated it. Migrations are forward-only, so this binary \
         refuses to run on it: run the newer revdir, or restore a backup taken before the upgrade",
        env!("CARGO_PKG_VERSION"),
        latest(migrator),
    )
}

/// Why the `applied` migrations do not fit `migrator`, if they do not: a migration the
/// binary does not know (a newer revdir's), one that did not complete, one whose text
/// differs, or (unless `pending` allows it) one of the binary's not applied yet.
pub(crate) fn mismatch(migrator: &Migrator, applied: &[AppliedMigration], pending: Pending) -> Option<String> {
    let known = known(migrator);
    let mut applied_versions = HashSet::new();
    for (version, checksum, success) in applied {
        applied_versions.insert(*version);
        let Some(expected) = known.get(version) else {
            return Some(format!(
                "the database has migration {version}, which this binary does not know (a newer revdir migrated it)"
            ));
        };
        if !success {
            return Some(format!("migration {version} did not complete"));
        }
        if *expected != checksum.as_slice() {
            return Some(format!("migration {version} in the database differs from this binary's"));
        }
    }
    let mut missing: Vec<i64> = known.keys().filter(|v| !applied_versions.contains(v)).copied().collect();
    missing.sort_unstable();
    let first_missing = *missing.first()?;
    match pending {
        Pending::Refused => Some(format!("migration {first_missing} of this binary is not applied")),
        // Start-up applies what is missing in order, so an older store has applied a prefix
        // of the binary's migrations; a gap below an applied one is no revdir's schema.
        Pending::Allowed => applied_versions
            .iter()
            .any(|v| *v > first_missing)
            .then(|| format!("migration {first_missing} is not applied although later ones are: not a revdir schema")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

    fn all() -> Vec<AppliedMigration> {
        MIGRATOR.iter().map(|m| (m.version, m.checksum.to_vec(), true)).collect()
    }

    #[test]
    fn the_binarys_own_migrations_fit_and_an_older_store_fits_only_a_restore() {
        assert_eq!(mismatch(&MIGRATOR, &all(), Pending::Refused), None);
        let older = &all()[..all().len() - 1];
        assert_eq!(mismatch(&MIGRATOR, older, Pending::Allowed), None);
        assert!(mismatch(&MIGRATOR, older, Pending::Refused).unwrap().contains("is not applied"));
        assert!(unknown_versions(&MIGRATOR, older).is_empty());
        let gap: Vec<AppliedMigration> = all().into_iter().skip(1).collect();
        assert!(mismatch(&MIGRATOR, &gap, Pending::Allowed).unwrap().contains("later ones are"));
    }

    #[test]
    fn a_newer_revdirs_migration_is_named_in_every_mode() {
        let mut newer = all();
        newer.push((99_999_999_999_999, vec![1], true));
        assert_eq!(unknown_versions(&MIGRATOR, &newer), vec![99_999_999_999_999]);
        for pending in [Pending::Refused, Pending::Allowed] {
            assert!(mismatch(&MIGRATOR, &newer, pending).unwrap().contains("does not know"));
        }
        let message = newer_schema_message(&MIGRATOR, &[99_999_999_999_999]);
        assert!(message.contains("99999999999999") && message.contains("forward-only"), "{message}");
    }

    #[test]
    fn a_changed_or_failed_migration_is_a_mismatch_even_for_a_restore() {
        let mut changed = all();
        changed[0].1 = vec![0];
        assert!(mismatch(&MIGRATOR, &changed, Pending::Allowed).unwrap().contains("differs"));
        let mut failed = all();
        failed[0].2 = false;
        assert!(mismatch(&MIGRATOR, &failed, Pending::Allowed).unwrap().contains("did not complete"));
    }
}
