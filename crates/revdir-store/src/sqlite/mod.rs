//! The SQLite backend: one file, WAL, `synchronous=FULL`, a read pool, and one write
//! connection shared by concurrent writers through group commit (`group.rs`): each request
//! runs in its own SAVEPOINT inside a shared `BEGIN IMMEDIATE` transaction whose COMMIT (one
//! fsync) every request in the batch waits for.

mod backup;
mod group;
mod lock;

pub use backup::{backup, check_copy, restore, CopyInfo};

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::fault::Fault;
use crate::slots::{Slot, Slots};
use crate::{DatabaseUrl, StoreOptions};

type Db = sqlx::Sqlite;

/// A write request's transaction: its savepoint inside the current group-commit batch.
type WriteTx = group::GroupTx;

/// The migrations this binary embeds: run at start-up, compared by the readiness check.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: group::GroupWriter,
    /// Read connections for the per-request statements, without the pool's ping per use.
    fast: std::sync::Arc<Slots<sqlx::SqliteConnection>>,
    /// How to open a connection that may write, for maintenance outside the group writer.
    write_options: SqliteConnectOptions,
    /// The shared lock on `<db>.lock`, held while any clone of the store lives, so that
    /// `revdir restore` does not replace the file under this process (`lock.rs`).
    _lock: Option<std::sync::Arc<lock::StoreLock>>,
}

/// Read connections kept for per-request statements. Each holds its own page cache (up to
/// 2 MB), so a few suffice: a request holds one only while one statement runs.
const FAST_CONNECTIONS: usize = 4;

/// A read connection for per-request statements (see `slots.rs`).
type FastConn<'a> = Slot<'a, sqlx::SqliteConnection>;

/// Turns `sqlite://path`, `sqlite:path` or a bare path into connect options.
fn options(url: &str) -> anyhow::Result<SqliteConnectOptions> {
    let opts = if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url)?
    } else {
        SqliteConnectOptions::new().filename(url)
    };
    Ok(opts)
}

impl SqliteStore {
    /// Opens (creating if missing) the SQLite file and migrates it.
    ///
    /// # Errors
    /// When the file cannot be opened or migrated.
    pub async fn connect(url: &DatabaseUrl, o: StoreOptions) -> anyhow::Result<Self> {
        let base = options(url.expose())?;
        // Before the file is opened (or created): a restore may be replacing it.
        let lock = match backup::store_file_of(&base) {
            Some(file) => lock::StoreLock::shared(&file)?.map(std::sync::Arc::new),
            None => None,
        };
        let base = base
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if o.sqlite_relaxed_sync { SqliteSynchronous::Normal } else { SqliteSynchronous::Full })
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            // A ping before every acquire would cost a round trip per request; a broken
            // connection shows itself on first use instead.
            .test_before_acquire(false)
            .connect_with(base.clone())
            .await?;
        sql::migrate_forward(&write).await?;
        let write = group::GroupWriter::new(write.acquire().await?);
        let read = SqlitePoolOptions::new()
            .max_connections(o.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            // A ping before every acquire would cost a round trip per request; a broken
            // connection shows itself on first use instead.
            .test_before_acquire(false)
            .connect_with(base.clone().read_only(true))
            .await?;
        let fast = std::sync::Arc::new(Slots::new(base.clone().read_only(true), FAST_CONNECTIONS));
        Ok(Self { read, write, fast, write_options: base, _lock: lock })
    }

    async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        let started = std::time::Instant::now();
        let tx = self.write.begin().await;
        crate::metrics::acquired("write", started);
        tx
    }

    async fn begin_read(&self) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        let started = std::time::Instant::now();
        let tx = self.read.begin().await;
        crate::metrics::acquired("read", started);
        tx
    }

    /// The pool whose size and idle connections the metrics report: the read pool (the one
    /// write connection is the group writer's, always open).
    fn stats_pool(&self) -> &SqlitePool {
        &self.read
    }

    /// After a bulk load, moves the write-ahead log into the database file and truncates it,
    /// so that the first requests do not pay for checkpointing the load. No statistics
    /// (`ANALYZE`): with them SQLite, built with STAT4, would prepare again every statement
    /// that binds an indexed column whenever the binding changes, and its plans for revdir's
    /// keyed lookups need none.
    async fn after_bulk_load(&self) -> Result<(), sqlx::Error> {
        let mut conn = sqlx::ConnectOptions::connect(&self.write_options).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
        sqlx::Connection::close(conn).await
    }

    /// A read connection for the reads every request makes; hand it back with `release`.
    async fn fast_read(&self) -> Result<FastConn<'_>, sqlx::Error> {
        self.fast.acquire().await
    }
}

/// A FROM item that a journal row's INSERT selects from: nothing to guard, since one writer
/// commits changes in id order.
const JOURNAL_WRITE_GUARD: &str = "(SELECT 1) AS guard";

/// What a journal read runs first: nothing, since every committed id is final.
const JOURNAL_READ_GUARD: Option<&str> = None;

/// Whether data-modifying statements may stand in a WITH clause: not in SQLite.
const DATA_MODIFYING_CTES: bool = false;

/// How a claim skips rows another node is claiming: nothing to skip, with one writer.
const SKIP_LOCKED: &str = "";

/// SQLite takes its write lock at `BEGIN IMMEDIATE`; rows need no lock clause.
const FOR_UPDATE: &str = "";

/// Whether `_sqlx_migrations` exists.
const MIGRATIONS_TABLE_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')";

/// What lets an INSERT give an id column its value: nothing, `INTEGER PRIMARY KEY` takes one.
const OVERRIDING_IDENTITY: &str = "";

/// What a snapshot runs first so that all its reads see one state: nothing, since the one
/// writer's transaction already excludes every other write.
const CONSISTENT_READ: Option<&str> = None;

/// The columns of table `$1` an INSERT may write (generated columns left out), in order.
const TABLE_COLUMNS: &str = "SELECT name FROM pragma_table_xinfo($1) WHERE hidden = 0 ORDER BY cid";

/// SQL for the JSON text of an array of the comma-separated SQL expressions `items`.
fn json_array_text(items: &str) -> String {
    format!("json_array({items})")
}

/// A scalar subquery giving the tags of the user row `user` (a table name or alias) as the
/// JSON text of `[[tag_id, value, name, color], …]` in position order; `kind` is the
/// placeholder bound to the rev-user object kind.
fn tags_json_of_user(user: &str, kind: &str) -> String {
    format!(
        "(SELECT json_group_array(json_array(l.tag_id, l.value, t.name, t.color) ORDER BY l.position) \
         FROM tag_links l JOIN tags t ON t.dev_org_id = l.dev_org_id AND t.id = l.tag_id \
         WHERE l.dev_org_id = {user}.dev_org_id AND l.object_kind = {kind} AND l.object_id = CAST({user}.id AS TEXT))"
    )
}

/// SQL that is true when the JSON array in `column` holds any of the bound values.
fn json_array_has_any(column: &str, placeholders: &str) -> String {
    format!("EXISTS (SELECT 1 FROM json_each({column}) j WHERE j.value IN ({placeholders}))")
}

/// SQL quoting of a custom field key (letters, digits and underscores, checked by core;
/// quotes are doubled anyway).
fn json_key_literal(key: &str) -> String {
    key.replace('\'', "''").replace('"', "")
}

/// The JSON text of member `key` of the JSON object in `column` (`'"abc"'`, `'42'`,
/// `'true'`), or NULL when absent; `->` renders it the way `serde_json` does for scalars.
fn json_field(column: &str, key: &str) -> String {
    format!("({column} -> '$.\"{}\"')", json_key_literal(key))
}

/// Member `key` of the JSON object in `column` as a number, or NULL.
fn json_field_number(column: &str, key: &str) -> String {
    format!("CAST(json_extract({column}, '$.\"{}\"') AS REAL)", json_key_literal(key))
}

/// SQL that is true when member `key` of the JSON object in `column` is an array holding an
/// item whose JSON text is among the bound values.
fn json_field_has_any(column: &str, key: &str, placeholders: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM json_each({column}, '$.\"{k}\"') j WHERE ({column} -> j.fullkey) IN ({placeholders}))",
        k = json_key_literal(key)
    )
}

/// What a driver error means for its transaction (see `fault.rs`): SQLite errors by result
/// code (sqlx gives the extended code as decimal text).
fn fault_of(e: &sqlx::Error) -> Fault {
    match e {
        sqlx::Error::Database(d) => {
            d.code().and_then(|c| c.parse::<i64>().ok()).map_or(Fault::Other, crate::fault::fault_of_sqlite_code)
        }
        _ => crate::fault::fault_of_driver(e).unwrap_or(Fault::Other),
    }
}

#[path = "../sql/mod.rs"]
mod sql;

pub use sql::{hot_path_sql, HotPathSql};
type Backend = SqliteStore;

#[cfg(test)]
mod tests {
    use super::*;

    /// Real SQLite errors, not made-up ones: a write through a read-only connection is an
    /// outage (the 503 of a store whose file turned read-only), a unique violation is not.
    #[tokio::test]
    async fn real_sqlite_errors_are_classified_by_code() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new().filename(dir.path().join("f.db")).create_if_missing(true);
        let mut rw = sqlx::ConnectOptions::connect(&options).await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY)").execute(&mut rw).await.unwrap();
        sqlx::query("INSERT INTO t (id) VALUES (1)").execute(&mut rw).await.unwrap();
        let duplicate = sqlx::query("INSERT INTO t (id) VALUES (1)").execute(&mut rw).await.unwrap_err();
        assert_eq!(fault_of(&duplicate), Fault::Other, "{duplicate}");
        let mut ro = sqlx::ConnectOptions::connect(&options.clone().read_only(true)).await.unwrap();
        let refused = sqlx::query("INSERT INTO t (id) VALUES (2)").execute(&mut ro).await.unwrap_err();
        assert_eq!(fault_of(&refused), Fault::Outage, "{refused}");
    }
}
