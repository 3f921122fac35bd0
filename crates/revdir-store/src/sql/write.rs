//! The one write path: every write request runs its body through [`Backend::write`], which
//! begins the transaction, commits it, and runs the body again when it failed before its
//! COMMIT was sent (a lost lock race, or a database outage). It is the single place where a
//! write's transaction ends, so what every write must add to it (the change journal and the
//! outbox of events) is appended here, before the commit.

use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::time::{Duration, Instant};

use super::*;

/// How many times a transaction that lost a lock race is tried in all.
const ATTEMPTS: u32 = 8;

/// How long after its first attempt a write that met an outage before its COMMIT is begun
/// again (on a fresh connection): long enough to ride out a restart or a failover, well
/// within the server's request timeout (60 s) even when the last attempt waits for a
/// connection.
const OUTAGE_RETRY_FOR: Duration = Duration::from_secs(10);

/// The longest pause between attempts during an outage.
const OUTAGE_MAX_PAUSE: Duration = Duration::from_millis(500);

/// The 503 detail of a write whose COMMIT was sent and whose outcome is unknown.
const COMMIT_UNKNOWN: &str = "the database failed while committing this write; it may or may not have been applied";

/// A write in progress: the request's transaction, through which its body reads and writes
/// (it dereferences to the connection).
///
/// `'env` is the lifetime of what the body borrows from its caller: naming it in the type
/// the body receives (`&'w mut Write<'env>`) implies `'env: 'w`, which lets the body's
/// future hold those borrows.
pub(super) struct Write<'env> {
    tx: WriteTx,
    _env: PhantomData<&'env ()>,
}

impl Deref for Write<'_> {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for Write<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

/// The future of a write's body: `Box::pin(async move { … })`.
pub(super) type WriteBody<'w, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 'w>>;

/// Why an attempt of a write failed, and whether it may run again.
enum Failed {
    /// Before its COMMIT was sent: the transaction is rolled back (dropped), so running the
    /// body again cannot apply it twice. `outage` tells an outage (retried for
    /// `OUTAGE_RETRY_FOR`) from a lost lock race (retried `ATTEMPTS` times).
    Retry { error: StoreError, outage: bool },
    /// Not to be run again: the body refused the request, or the COMMIT was sent and failed.
    Final(StoreError),
}

impl Backend {
    /// Runs `body` in a write transaction and commits it when the body succeeds; an error
    /// rolls the whole transaction back (dropping it does).
    ///
    /// A transaction that failed before its COMMIT was sent runs again in a new transaction
    /// on a fresh connection (the failed one is dropped; a broken one is closed): after a lost
    /// lock race (`Fault::LockRace`) up to `ATTEMPTS` times in all, after an outage (no
    /// connection, a restart) for up to `OUTAGE_RETRY_FOR`, and then the error stands (503).
    /// A COMMIT that fails is never run again: its outcome may be unknown (the connection
    /// broke after sending it), and a create must not happen twice, so it answers 503.
    ///
    /// ```ignore
    /// self.write(|tx| Box::pin(async move { insert_user(tx, org, &record).await })).await
    /// ```
    pub(super) async fn write<'env, T, F>(&self, mut body: F) -> StoreResult<T>
    where
        T: Send,
        F: for<'w> FnMut(&'w mut Write<'env>) -> WriteBody<'w, T> + Send,
    {
        let started = Instant::now();
        let (mut races, mut outages) = (0u32, 0u32);
        loop {
            let pause = match self.write_once(&mut body).await {
                Ok(out) => return Ok(out),
                Err(Failed::Final(e)) => return Err(e),
                Err(Failed::Retry { error, outage: false }) => {
                    races += 1;
                    if races >= ATTEMPTS {
                        return Err(error);
                    }
                    Duration::from_millis(5 * u64::from(races))
                }
                Err(Failed::Retry { error, outage: true }) => {
                    outages += 1;
                    // The first retry is immediate: a dead pooled connection is the usual
                    // cause, and the next is checked first (see `fault::idle_since_outage`).
                    let pause = if outages == 1 {
                        Duration::ZERO
                    } else {
                        (Duration::from_millis(20) * 2u32.saturating_pow(outages.min(10) - 1)).min(OUTAGE_MAX_PAUSE)
                    };
                    if started.elapsed() + pause >= OUTAGE_RETRY_FOR {
                        return Err(error);
                    }
                    pause
                }
            };
            tokio::time::sleep(pause).await;
        }
    }

    /// One attempt of [`Backend::write`].
    async fn write_once<'env, T, F>(&self, body: &mut F) -> Result<T, Failed>
    where
        T: Send,
        F: for<'w> FnMut(&'w mut Write<'env>) -> WriteBody<'w, T> + Send,
    {
        let tx = match self.begin_write().await {
            Ok(tx) => tx,
            Err(e) => {
                let outage = match fault_of(&e) {
                    Fault::Outage => true,
                    Fault::LockRace => false,
                    Fault::Other => return Err(Failed::Final(db_err(e))),
                };
                return Err(Failed::Retry { error: db_err(e), outage });
            }
        };
        let mut write = Write { tx, _env: PhantomData };
        match body(&mut write).await {
            Ok(out) => {
                write.tx.commit().await.map_err(|e| Failed::Final(commit_err(e)))?;
                Ok(out)
            }
            // A statement of the body met a lock race or an outage: the error carries no
            // more, and either way the transaction is rolled back. An outage that lasts shows
            // at the next BEGIN, which is then retried as one.
            Err(error @ StoreError::Unavailable(_)) => Err(Failed::Retry { error, outage: false }),
            Err(e) => Err(Failed::Final(e)),
        }
    }
}

/// Maps the error of a COMMIT that was sent. A lost connection (or, on SQLite, a failed
/// batch) leaves the outcome unknown to the client, so it is a 503 that is never retried here;
/// anything else maps as usual (a unique violation found at COMMIT is a 409).
fn commit_err(e: sqlx::Error) -> StoreError {
    match fault_of(&e) {
        Fault::Outage | Fault::LockRace => {
            crate::fault::note_outage();
            tracing::warn!(error = %e, "a write's COMMIT failed; its outcome is unknown to the client");
            StoreError::Unavailable(COMMIT_UNKNOWN.into())
        }
        Fault::Other => db_err(e),
    }
}

/// The 404 of an object the request names: `kind` with the id as the caller wrote it.
pub(super) fn not_found(kind: ObjectKind, id: &ParsedId) -> StoreError {
    let shown = display_id(kind, &id.local).unwrap_or_else(|| id.local.clone());
    StoreError::not_found(kind.noun(), &shown)
}

/// The number of an object the request names in the caller's org, or its 404: an id of
/// another org, or one that is no number, names nothing here.
pub(super) fn number_or_404(org: &str, kind: ObjectKind, id: &ParsedId) -> StoreResult<i64> {
    id.number_in(org).ok_or_else(|| not_found(kind, id))
}

/// The local id (a rev org's is text) of an object the request names in the caller's org,
/// or its 404.
pub(super) fn local_or_404<'i>(org: &str, kind: ObjectKind, id: &'i ParsedId) -> StoreResult<&'i str> {
    id.local_in(org).ok_or_else(|| not_found(kind, id))
}

/// The 400 of a field that names an object that does not exist.
pub(super) fn reference_missing(field: &str, kind: ObjectKind, id: &ParsedId) -> StoreError {
    let shown = display_id(kind, &id.local).unwrap_or_else(|| id.local.clone());
    StoreError::Invalid(ValidationError::not_permitted(field, format!("{} {shown} does not exist", kind.noun())))
}

/// The error of an object that a transaction wrote and then could not read back: the
/// database broke its own guarantee, so a 500 that names the object.
pub(super) fn vanished(kind: ObjectKind, id: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(anyhow::anyhow!("{} {id} vanished inside its own transaction", kind.noun()))
}
