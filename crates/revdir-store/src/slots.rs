//! A small set of database connections for the statements every request runs (the token
//! check, the read and the one-statement write of an update), kept apart from sqlx's pool.
//!
//! sqlx's pool pings every connection it takes back (`PoolConnection` drop), which costs a
//! round trip to PostgreSQL, or a hand-off to SQLite's worker thread, per use: as much as the
//! statement itself. A slot is instead handed back by [`Slot::release`] after a use that
//! completed, and one dropped without it (an error, or a request cancelled mid-statement,
//! which could leave the connection inside a half-read answer) is closed, never reused.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;
use std::time::Instant;

use sqlx::Connection;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Up to `size` connections made from `options`, opened when first needed.
pub(crate) struct Slots<C: Connection> {
    options: C::Options,
    /// Connections handed back, with when.
    idle: Mutex<Vec<(C, Instant)>>,
    permits: Semaphore,
}

impl<C: Connection> std::fmt::Debug for Slots<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slots").field("available", &self.permits.available_permits()).finish()
    }
}

impl<C: Connection> Slots<C> {
    /// Slots for at most `size` connections at once.
    pub(crate) fn new(options: C::Options, size: usize) -> Self {
        Self { options, idle: Mutex::new(Vec::new()), permits: Semaphore::new(size.max(1)) }
    }

    /// Waits for a free slot and returns its connection, opening one if none is idle.
    pub(crate) async fn acquire(&self) -> Result<Slot<'_, C>, sqlx::Error> {
        let started = std::time::Instant::now();
        let permit = self.permits.acquire().await.map_err(|_| sqlx::Error::PoolClosed)?;
        crate::metrics::acquired("fast", started);
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let conn = match idle {
            // Idle since before an outage (a database restart kills every connection): one
            // ping tells whether it survived, and a dead one is replaced.
            Some((mut conn, since)) if crate::fault::idle_since_outage(since.elapsed()) => match conn.ping().await {
                Ok(()) => conn,
                Err(_) => C::connect_with(&self.options).await?,
            },
            Some((conn, _)) => conn,
            None => C::connect_with(&self.options).await?,
        };
        Ok(Slot { conn: Some(conn), slots: self, _permit: permit })
    }
}

/// One connection on loan; derefs to the connection. Dropped without [`Slot::release`], its
/// state is unknown, so the connection closes and the slot opens a fresh one next time.
pub(crate) struct Slot<'a, C: Connection> {
    conn: Option<C>,
    slots: &'a Slots<C>,
    _permit: SemaphorePermit<'a>,
}

impl<C: Connection> Slot<'_, C> {
    /// Hands the connection back for reuse: call only after its statements completed.
    pub(crate) fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            self.slots.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((conn, Instant::now()));
        }
    }
}

impl<C: Connection> Deref for Slot<'_, C> {
    type Target = C;

    fn deref(&self) -> &Self::Target {
        self.conn.as_ref().unwrap_or_else(|| unreachable!("a slot's connection is taken only when it ends"))
    }
}

impl<C: Connection> DerefMut for Slot<'_, C> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.conn.as_mut().unwrap_or_else(|| unreachable!("a slot's connection is taken only when it ends"))
    }
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::SqliteConnection;

    use super::*;

    fn idle(slots: &Slots<SqliteConnection>) -> usize {
        slots.idle.lock().unwrap().len()
    }

    #[tokio::test]
    async fn released_connections_are_reused_and_dropped_ones_closed() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new().filename(dir.path().join("slots.db")).create_if_missing(true);
        let slots = Slots::<SqliteConnection>::new(options, 2);
        let mut a = slots.acquire().await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)").execute(&mut *a).await.unwrap();
        a.release();
        assert_eq!(idle(&slots), 1, "a released connection waits for the next use");
        let b = slots.acquire().await.unwrap();
        assert_eq!(idle(&slots), 0, "and is the one handed out next");
        drop(b);
        assert_eq!(idle(&slots), 0, "a connection dropped without release is not reused");
        // Two at once is the limit: a third waits until one comes back.
        let (c, d) = (slots.acquire().await.unwrap(), slots.acquire().await.unwrap());
        let third = tokio::time::timeout(std::time::Duration::from_millis(50), slots.acquire()).await;
        assert!(third.is_err(), "a third acquire waits while both slots are out");
        c.release();
        let e = tokio::time::timeout(std::time::Duration::from_secs(5), slots.acquire()).await.unwrap().unwrap();
        drop((d, e));
    }
}
