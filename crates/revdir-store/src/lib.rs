//! revdir's `Store` on SQLite and PostgreSQL.
//!
//! [`connect`] picks the backend from the database URL, runs the migrations and returns an
//! `Arc<dyn Store>`. Both backends share their query code (`sql/`, a module tree each
//! backend compiles as its own, with that backend as `super`); each backend supplies only
//! what truly differs: how a write transaction starts, row locking, JSON-array membership,
//! access to custom-field members of JSON objects, and which errors are worth retrying.

use std::fmt;
use std::sync::Arc;

use revdir_core::store::Store;
use secrecy::{ExposeSecret, SecretString};

mod fault;
pub mod metrics;
pub mod postgres;
mod schema;
mod slots;
pub mod snapshot_tables;
pub mod sqlite;

/// A database URL whose `Debug` and `Display` hide any password.
#[derive(Clone)]
pub struct DatabaseUrl(SecretString);

impl DatabaseUrl {
    /// Wraps a URL or a bare SQLite path.
    pub fn new(url: impl Into<String>) -> Self {
        Self(SecretString::from(url.into()))
    }

    /// Whether the URL selects PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        let u = self.0.expose_secret();
        u.starts_with("postgres://") || u.starts_with("postgresql://")
    }

    /// The URL itself, for the driver.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match url::Url::parse(self.expose()) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.expose().to_owned(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Storage tuning that is not part of the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// SQLite only: `synchronous=NORMAL` instead of `FULL` (an answered write may be lost on
    /// power failure, though never on a process crash).
    pub sqlite_relaxed_sync: bool,
    /// Largest number of pooled connections.
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { sqlite_relaxed_sync: false, max_connections: 16 }
    }
}

/// Connects to the database `url` names, runs pending migrations and returns the store.
///
/// # Errors
/// When the database cannot be reached or a migration fails.
pub async fn connect(url: &DatabaseUrl, options: StoreOptions) -> anyhow::Result<Arc<dyn Store>> {
    if url.is_postgres() {
        Ok(Arc::new(postgres::PgStore::connect(url, options).await?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::connect(url, options).await?))
    }
}

/// Runs pending migrations only.
///
/// # Errors
/// When the database cannot be reached or a migration fails.
pub async fn migrate(url: &DatabaseUrl) -> anyhow::Result<()> {
    connect(url, StoreOptions { max_connections: 2, ..StoreOptions::default() }).await.map(drop)
}
