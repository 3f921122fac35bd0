//! The PostgreSQL backend: a `PgPool` at READ COMMITTED; writes lock the rows they change
//! with `SELECT … FOR UPDATE`, and serialization failures and deadlocks are retried.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::PgPool;

use crate::fault::Fault;
use crate::slots::{Slot, Slots};
use crate::{DatabaseUrl, StoreOptions};

type Db = sqlx::Postgres;

/// A connection for per-request statements (see `slots.rs`).
type FastConn<'a> = Slot<'a, sqlx::PgConnection>;

/// A write request's transaction.
type WriteTx = sqlx::Transaction<'static, Db>;

/// The migrations this binary embeds: run at start-up, compared by the readiness check.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Connections for the per-request statements, without the pool's ping per use.
    fast: std::sync::Arc<Slots<sqlx::PgConnection>>,
}

/// How many connections a node keeps for per-request statements besides its pool.
const FAST_CONNECTIONS: usize = 8;

impl PgStore {
    /// Connects and migrates.
    ///
    /// # Errors
    /// When the server cannot be reached or a migration fails.
    pub async fn connect(url: &DatabaseUrl, o: StoreOptions) -> anyhow::Result<Self> {
        let options = connect_options(url.expose())?;
        let pool = PgPoolOptions::new()
            .max_connections(o.max_connections.max(2))
            .acquire_timeout(Duration::from_secs(30))
            // A ping before every acquire would cost a round trip per request; a broken
            // connection shows itself on first use instead, and once one has (a restart kills
            // them all), those idle since then are pinged before use, and closed if dead.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if crate::fault::idle_since_outage(meta.idle_for) {
                        return Ok(sqlx::Connection::ping(conn).await.is_ok());
                    }
                    Ok(true)
                })
            })
            .connect_with(options.clone())
            .await?;
        sql::migrate_forward(&pool).await?;
        let fast = std::sync::Arc::new(Slots::new(options, FAST_CONNECTIONS.min(o.max_connections.max(2) as usize)));
        Ok(Self { pool, fast })
    }

    async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        let started = std::time::Instant::now();
        let tx = self.pool.begin().await;
        crate::metrics::acquired("write", started);
        tx
    }

    async fn begin_read(&self) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        let started = std::time::Instant::now();
        let tx = self.pool.begin().await;
        crate::metrics::acquired("read", started);
        tx
    }

    /// The pool whose size and idle connections the metrics report.
    fn stats_pool(&self) -> &PgPool {
        &self.pool
    }

    /// After a bulk load: fresh statistics, without which the planner, guessing the new rows'
    /// numbers, may read a user by the wrong index (a scan of the whole org).
    async fn after_bulk_load(&self) -> Result<(), sqlx::Error> {
        sqlx::query("ANALYZE users, external_refs").execute(&self.pool).await.map(drop)
    }

    /// A connection for the reads every request makes; hand it back with `release`.
    async fn fast_read(&self) -> Result<FastConn<'_>, sqlx::Error> {
        self.fast.acquire().await
    }
}

/// Connect options from a `postgres://` URL. Without an explicit `sslmode`, a server on the
/// loopback interface or a Unix socket is reached without TLS: encryption there protects
/// nothing and costs CPU on every round trip (libpq's default, `prefer`, would negotiate it).
fn connect_options(url: &str) -> anyhow::Result<PgConnectOptions> {
    let opts = PgConnectOptions::from_str(url)?;
    let explicit = url.contains("sslmode=") || std::env::var_os("PGSSLMODE").is_some();
    let host = opts.get_host();
    let ip = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>();
    let local = host.starts_with('/') || host == "localhost" || ip.is_ok_and(|ip| ip.is_loopback());
    Ok(if explicit || !local { opts } else { opts.ssl_mode(PgSslMode::Disable) })
}

/// A FROM item that a journal row's INSERT selects from: it takes the shared advisory lock
/// of the org (`$1`) before the row takes its id, and holds it to the commit.
const JOURNAL_WRITE_GUARD: &str = "(SELECT pg_advisory_xact_lock_shared(1918985826, hashtext($1))) AS guard";

/// What a journal read runs first in its transaction: the org's advisory lock, exclusively,
/// which waits for every journaling transaction of the org in flight. Every id below those
/// it then reads is committed, and a later transaction's rows take higher ids.
const JOURNAL_READ_GUARD: Option<&str> = Some("SELECT pg_advisory_xact_lock(1918985826, hashtext($1))");

/// Whether data-modifying statements may stand in a WITH clause (the journal's one statement).
const DATA_MODIFYING_CTES: bool = true;

/// How a claim skips rows another node is claiming: they are locked, so it takes others.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

/// Row lock taken by read-modify-write statements.
const FOR_UPDATE: &str = " FOR UPDATE";

/// Whether `_sqlx_migrations` exists in the schema the connection's `search_path` selects.
const MIGRATIONS_TABLE_EXISTS: &str = "SELECT to_regclass('_sqlx_migrations') IS NOT NULL";

/// What lets an INSERT give a `GENERATED ALWAYS AS IDENTITY` column its value (a restore puts
/// back the ids rows had); harmless on tables without one.
const OVERRIDING_IDENTITY: &str = " OVERRIDING SYSTEM VALUE";

/// What a snapshot runs first so that all its reads see one state: at READ COMMITTED each
/// statement would see the writes committed since the previous one.
const CONSISTENT_READ: Option<&str> = Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");

/// The columns of table `$1` an INSERT may write (generated columns left out), in order.
const TABLE_COLUMNS: &str = "SELECT column_name::text FROM information_schema.columns WHERE table_schema = \
                             current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position";

/// SQL for the JSON text of an array of the comma-separated SQL expressions `items`.
fn json_array_text(items: &str) -> String {
    format!("json_build_array({items})::text")
}

/// A scalar subquery giving the tags of the user row `user` (a table name or alias) as the
/// JSON text of `[[tag_id, value, name, color], …]` in position order; `kind` is the
/// placeholder bound to the rev-user object kind.
fn tags_json_of_user(user: &str, kind: &str) -> String {
    format!(
        "(SELECT COALESCE(json_agg(json_build_array(l.tag_id, l.value, t.name, t.color) ORDER BY l.position), \
         '[]'::json)::text FROM tag_links l JOIN tags t ON t.dev_org_id = l.dev_org_id AND t.id = l.tag_id \
         WHERE l.dev_org_id = {user}.dev_org_id AND l.object_kind = {kind} AND l.object_id = CAST({user}.id AS TEXT))"
    )
}

/// SQL that is true when the JSON array in `column` holds any of the bound values.
fn json_array_has_any(column: &str, placeholders: &str) -> String {
    format!("EXISTS (SELECT 1 FROM jsonb_array_elements_text({column}::jsonb) j WHERE j IN ({placeholders}))")
}

/// SQL quoting of a custom field key (letters, digits and underscores, checked by core;
/// quotes are doubled anyway).
fn json_key_literal(key: &str) -> String {
    key.replace('\'', "''")
}

/// The JSON text of member `key` of the JSON object in `column` (`'"abc"'`, `'42'`,
/// `'true'`), or NULL when absent.
fn json_field(column: &str, key: &str) -> String {
    format!("(({column})::jsonb -> '{}')::text", json_key_literal(key))
}

/// Member `key` of the JSON object in `column` as a number, or NULL.
fn json_field_number(column: &str, key: &str) -> String {
    let k = json_key_literal(key);
    format!(
        "(CASE WHEN jsonb_typeof(({column})::jsonb -> '{k}') = 'number' THEN (({column})::jsonb ->> '{k}')::double precision END)"
    )
}

/// SQL that is true when member `key` of the JSON object in `column` is an array holding an
/// item whose JSON text is among the bound values.
fn json_field_has_any(column: &str, key: &str, placeholders: &str) -> String {
    let k = json_key_literal(key);
    format!(
        "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(({column})::jsonb -> '{k}') = 'array' \
         THEN ({column})::jsonb -> '{k}' ELSE '[]'::jsonb END) AS j(v) WHERE j.v::text IN ({placeholders}))"
    )
}

/// What a driver error means for its transaction (see `fault.rs`): PostgreSQL errors by
/// SQLSTATE.
fn fault_of(e: &sqlx::Error) -> Fault {
    match e {
        sqlx::Error::Database(d) => d.code().map_or(Fault::Other, |c| crate::fault::fault_of_sqlstate(&c)),
        _ => crate::fault::fault_of_driver(e).unwrap_or(Fault::Other),
    }
}

#[path = "../sql/mod.rs"]
mod sql;

pub use sql::{hot_path_sql, HotPathSql};
type Backend = PgStore;

#[cfg(test)]
mod tests {
    use super::*;

    fn ssl_mode(url: &str) -> String {
        format!("{:?}", connect_options(url).unwrap_or_else(|e| panic!("{url}: {e}")).get_ssl_mode())
    }

    #[test]
    fn loopback_servers_are_reached_without_tls_unless_the_url_asks() {
        for local in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://postgres@localhost/test",
            "postgres://postgres@[::1]:5432/test",
            "postgres:///test?host=/var/run/postgresql",
        ] {
            assert_eq!(ssl_mode(local), "Disable", "{local}");
        }
        assert_eq!(ssl_mode("postgres://postgres@127.0.0.1/test?sslmode=require"), "Require");
        assert_eq!(ssl_mode("postgres://postgres@db.example.com/test"), "Prefer", "remote hosts keep libpq's default");
    }
}
