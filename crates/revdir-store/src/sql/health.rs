//! Readiness: the database answers, and the migrations it has applied are this binary's; and
//! start-up's migration, which refuses a schema newer than this binary.

use revdir_core::store::{HealthStore, PoolStats};

use super::*;

use crate::schema::AppliedMigration;

#[async_trait]
impl HealthStore for Backend {
    async fn readiness(&self) -> StoreResult<()> {
        // The driver's text stays in the log: the route is unauthenticated, and the error may
        // name hosts, files or tables.
        let unanswered = |e: sqlx::Error| {
            if fault_of(&e) == Fault::Outage {
                // Connections idle since are checked before use (see `fault.rs`).
                crate::fault::note_outage();
            }
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
    crate::schema::mismatch(&MIGRATOR, applied, crate::schema::Pending::Refused)
}

/// The migrations the database has applied, none when it has no `_sqlx_migrations` yet.
pub(crate) async fn applied_migrations(conn: &mut Conn) -> Result<Vec<AppliedMigration>, sqlx::Error> {
    let (exists,): (bool,) = sqlx::query_as(MIGRATIONS_TABLE_EXISTS).fetch_one(&mut *conn).await?;
    if !exists {
        return Ok(Vec::new());
    }
    sqlx::query_as::<Db, AppliedMigration>("SELECT version, checksum, success FROM _sqlx_migrations")
        .fetch_all(&mut *conn)
        .await
}

/// Refuses, before any migration runs, a database a newer revdir migrated: this binary
/// cannot know what the newer schema means, and running on it (or migrating it) could
/// corrupt data. sqlx's migrator refuses unknown applied migrations too, but only unless
/// `ignore_missing` is set and with a terse message; this check says what to do.
///
/// # Errors
/// When the database cannot be read or has applied migrations [`MIGRATOR`] does not know.
pub(crate) async fn refuse_newer_schema(conn: &mut Conn) -> anyhow::Result<()> {
    let applied = applied_migrations(conn).await?;
    let unknown = crate::schema::unknown_versions(&MIGRATOR, &applied);
    anyhow::ensure!(unknown.is_empty(), crate::schema::newer_schema_message(&MIGRATOR, &unknown));
    Ok(())
}

/// Runs the pending migrations of [`MIGRATOR`] after [`refuse_newer_schema`]. A newer node
/// may migrate between the two (several nodes on PostgreSQL); sqlx then reports the
/// version it does not know, which becomes the same message.
///
/// # Errors
/// When the schema is newer than this binary or a migration fails.
pub(crate) async fn migrate_forward(pool: &sqlx::Pool<Db>) -> anyhow::Result<()> {
    refuse_newer_schema(&mut *pool.acquire().await?).await?;
    match MIGRATOR.run(pool).await {
        Err(sqlx::migrate::MigrateError::VersionMissing(v)) => {
            anyhow::bail!(crate::schema::newer_schema_message(&MIGRATOR, &[v]))
        }
        other => Ok(other?),
    }
}
