//! The one write path: every write request runs its body through [`Backend::write`], which
//! begins the transaction, commits it, and runs the body again when it lost a lock race. It
//! is the single place where a write's transaction ends, so what every write must add to it
//! (the change journal and the outbox of events) is appended here, before the commit.

use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;

use super::*;

/// How many times a transaction that lost a lock race is tried in all.
const ATTEMPTS: u32 = 8;

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

impl Backend {
    /// Runs `body` in a write transaction and commits it when the body succeeds; an error
    /// rolls the whole transaction back (dropping it does). A body that lost a lock race
    /// (`StoreError::Unavailable`, see `is_retryable`) runs again in a new transaction, up to
    /// `ATTEMPTS` times in all, and then the error stands (503).
    ///
    /// ```ignore
    /// self.write(|tx| Box::pin(async move { insert_user(tx, org, &record).await })).await
    /// ```
    pub(super) async fn write<'env, T, F>(&self, mut body: F) -> StoreResult<T>
    where
        T: Send,
        F: for<'w> FnMut(&'w mut Write<'env>) -> WriteBody<'w, T> + Send,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.write_once(&mut body).await {
                Err(StoreError::Unavailable(_)) if attempt < ATTEMPTS => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(attempt))).await;
                }
                other => return other,
            }
        }
    }

    /// One attempt of [`Backend::write`].
    async fn write_once<'env, T, F>(&self, body: &mut F) -> StoreResult<T>
    where
        T: Send,
        F: for<'w> FnMut(&'w mut Write<'env>) -> WriteBody<'w, T> + Send,
    {
        let mut write = Write { tx: self.begin_write().await.map_err(db_err)?, _env: PhantomData };
        let out = body(&mut write).await?;
        write.tx.commit().await.map_err(db_err)?;
        Ok(out)
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
