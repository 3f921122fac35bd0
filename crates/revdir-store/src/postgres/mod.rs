//! The PostgreSQL backend: a `PgPool` at READ COMMITTED; writes lock the rows they change
//! with `SELECT … FOR UPDATE`, and serialization failures and deadlocks are retried.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::{DatabaseUrl, StoreOptions};

type Db = sqlx::Postgres;

/// A write request's transaction.
type WriteTx = sqlx::Transaction<'static, Db>;

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and migrates.
    ///
    /// # Errors
    /// When the server cannot be reached or a migration fails.
    pub async fn connect(url: &DatabaseUrl, o: StoreOptions) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(o.max_connections.max(2))
            .acquire_timeout(Duration::from_secs(30))
            .connect(url.expose())
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        self.pool.begin().await
    }

    async fn begin_read(&self) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        self.pool.begin().await
    }

    /// A pooled connection for a single-statement read, which needs no transaction.
    async fn read_conn(&self) -> Result<sqlx::pool::PoolConnection<Db>, sqlx::Error> {
        self.pool.acquire().await
    }
}

/// Row lock taken by read-modify-write statements.
const FOR_UPDATE: &str = " FOR UPDATE";

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

fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => matches!(d.code().as_deref(), Some("40001" | "40P01")),
        sqlx::Error::PoolTimedOut => true,
        _ => false,
    }
}

include!("../queries.rs");
type Backend = PgStore;
