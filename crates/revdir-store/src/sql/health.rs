//! Readiness: the database answers, and the migrations it has applied are this binary's.

use revdir_core::store::{HealthStore, PoolStats};

use super::*;

/// What `_sqlx_migrations` records of one applied migration.
type AppliedMigration = (i64, Vec<u8>, bool);

#[async_trait]
impl HealthStore for Backend {
    async fn readiness(&self) -> StoreResult<()> {
        // The driver's text stays in the log: the route is unauthenticated, and the error may
        // name hosts, files or tables.
        let unanswered = |e: sqlx::Error| {
            tracing::warn!(error = %e, "readiness: the database did not answer");
            StoreError::Unavailable("the database does not answer".into())
        };
        let mut tx = self.begin_read().await.map_err(unanswered)?;
        let applied: Vec<AppliedMigration> =
            sqlx::query_as::<Db, AppliedMigration>("SELECT version, checksum, success FROM _sqlx_migrations")
                .fetch_all(&mut *tx)
                .await
                .map_err(unanswered)?;
        tx.rollback().await.map_err(unanswered)?;
        match schema_mismatch(&applied) {
            None => Ok(()),
            Some(reason) => Err(StoreError::Unavailable(reason)),
        }
    }

    fn pool_stats(&self) -> PoolStats {
        let pool = self.stats_pool();
        PoolStats { connections: pool.size(), idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX) }
    }
}

/// Why the applied migrations are not exactly the ones [`MIGRATOR`] embeds, if they are not.
fn schema_mismatch(applied: &[AppliedMigration]) -> Option<String> {
    let known: HashMap<i64, &[u8]> = MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| (m.version, m.checksum.as_ref()))
        .collect();
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
    let mut pending: Vec<i64> = known.keys().filter(|v| !applied_versions.contains(v)).copied().collect();
    pending.sort_unstable();
    pending.first().map(|v| format!("migration {v} of this binary is not applied"))
}
