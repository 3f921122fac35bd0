//! Group commit for SQLite: concurrent write requests share one transaction and one fsync.
//!
//! SQLite has one writer at a time, and in WAL mode with `synchronous=FULL` every COMMIT
//! costs an fsync, so one transaction per request caps throughput at the disk's fsync rate.
//! Here each request still runs alone on the single write connection, inside its own
//! SAVEPOINT, so it is atomic and isolated: a failing request rolls back to its savepoint and
//! gets its own error. Consecutive requests join an open batch transaction, and a batch
//! commits when no writer is waiting, when it holds [`MAX_BATCH`] requests, or when it is
//! [`MAX_BATCH_AGE`] old. [`GroupTx::commit`] returns only after the batch COMMIT is
//! durable, so no request is answered before its write is on disk. If the batch COMMIT
//! fails, every request in it gets the error.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Executor as _, Sqlite, SqliteConnection};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard};

use super::fault_of;
use crate::fault::Fault;

/// Most requests one batch may hold before it commits regardless of waiting writers.
pub const MAX_BATCH: usize = 128;
/// Oldest a batch may grow before it commits regardless of waiting writers.
pub const MAX_BATCH_AGE: Duration = Duration::from_millis(4);

/// How one batch ended: `Ok` when its COMMIT was durable.
#[derive(Debug, Default)]
struct Outcome {
    result: std::sync::OnceLock<Result<(), BatchFailure>>,
    done: tokio::sync::Notify,
}

/// Why a batch was rolled back: what the failing statement said, and its fault, which every
/// request of the batch answers with (a full disk is a 503 for all of them, not a 500).
#[derive(Debug, Clone)]
struct BatchFailure {
    why: String,
    fault: Fault,
}

impl BatchFailure {
    /// The failure as the error of a request's commit, of the same fault (`fault_of` reads an
    /// I/O error as an outage, a protocol error as anything else); no request of a rolled-back
    /// batch is run again, since each had finished its turn and may be answered only once.
    fn into_error(self) -> sqlx::Error {
        let why = format!("the write batch was rolled back: {}", self.why);
        match self.fault {
            Fault::Outage | Fault::LockRace => sqlx::Error::Io(std::io::Error::other(why)),
            Fault::Other => sqlx::Error::Protocol(why),
        }
    }
}

impl Outcome {
    fn finish(&self, result: Result<(), BatchFailure>) {
        let _ = self.result.set(result);
        self.done.notify_waiters();
    }

    async fn wait(&self) -> Result<(), BatchFailure> {
        loop {
            let notified = self.done.notified();
            if let Some(r) = self.result.get() {
                return r.clone();
            }
            notified.await;
        }
    }
}

/// The write connection and the batch it may have open.
struct Writer {
    conn: PoolConnection<Sqlite>,
    /// The open batch, if a transaction is open.
    batch: Option<Batch>,
}

struct Batch {
    outcome: Arc<Outcome>,
    requests: usize,
    started: Instant,
}

async fn exec(w: &mut Writer, sql: &str) -> Result<(), sqlx::Error> {
    (&mut *w.conn).execute(sql).await.map(drop)
}

/// The shared group-commit writer.
#[derive(Clone)]
pub struct GroupWriter {
    writer: Arc<Mutex<Writer>>,
    /// Writers queued for the connection; while any are, a finished request leaves the batch
    /// open for them.
    waiting: Arc<AtomicUsize>,
    /// Wakes the flusher when a request leaves a batch open for others.
    left_open: Arc<Notify>,
}

impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupWriter").field("waiting", &self.waiting.load(Ordering::Relaxed)).finish()
    }
}

/// Counts a writer as queued until it holds the connection, even if its request is dropped
/// (a client hanging up) while it waits.
struct Queued(Arc<AtomicUsize>);

impl Queued {
    fn new(waiting: &Arc<AtomicUsize>) -> Self {
        waiting.fetch_add(1, Ordering::SeqCst);
        Self(waiting.clone())
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One request's share of a batch: derefs to the write connection, inside its savepoint.
pub struct GroupTx {
    guard: Option<OwnedMutexGuard<Writer>>,
    /// False for a single-statement request, which has no savepoint to release or roll
    /// back to.
    savepoint: bool,
    waiting: Arc<AtomicUsize>,
    left_open: Arc<Notify>,
    outcome: Arc<Outcome>,
}

impl GroupWriter {
    /// Takes over the write pool's connection and starts the flusher that commits a batch
    /// left open when the writers it waited for went away.
    pub fn new(conn: PoolConnection<Sqlite>) -> Self {
        let me = Self {
            writer: Arc::new(Mutex::new(Writer { conn, batch: None })),
            waiting: Arc::new(AtomicUsize::new(0)),
            left_open: Arc::new(Notify::new()),
        };
        let (writer, waiting, left_open) = (Arc::downgrade(&me.writer), me.waiting.clone(), me.left_open.clone());
        tokio::spawn(async move {
            loop {
                left_open.notified().await;
                loop {
                    tokio::time::sleep(MAX_BATCH_AGE).await;
                    let Some(writer) = writer.upgrade() else { return };
                    let mut w = writer.lock().await;
                    maybe_commit(&mut w, &waiting, true).await;
                    if w.batch.is_none() {
                        break;
                    }
                }
            }
        });
        me
    }

    /// Starts a request: waits for the connection, joins (or opens) the batch transaction and
    /// opens the request's savepoint.
    ///
    /// # Errors
    /// When SQLite refuses to begin.
    pub async fn begin(&self) -> Result<GroupTx, sqlx::Error> {
        self.start(true).await
    }

    /// Starts a request; `savepoint: false` starts one that runs exactly one write statement,
    /// which needs no savepoint of its own because SQLite undoes a failing statement by itself
    /// (no store write is a single statement since every write journals its change, so only
    /// the tests use it).
    async fn start(&self, savepoint: bool) -> Result<GroupTx, sqlx::Error> {
        let queued = Queued::new(&self.waiting);
        let guard = self.writer.clone().lock_owned().await;
        drop(queued);
        let (waiting, left_open) = (self.waiting.clone(), self.left_open.clone());
        // BEGIN and SAVEPOINT run in a task of their own (see `uncancelled`), which hands over
        // a whole `GroupTx`: if the request is gone by then, dropping it ends the turn as any
        // dropped `GroupTx` does.
        uncancelled(async move {
            let (guard, outcome) = open_turn(guard, savepoint, &waiting, &left_open).await?;
            Ok(GroupTx { guard: Some(guard), savepoint, waiting, left_open, outcome })
        })
        .await?
    }
}

/// Runs `work` to its end even if the request awaiting it is dropped (a client hanging up).
/// Every exchange with the write connection that changes the batch's state (BEGIN,
/// SAVEPOINT, RELEASE, ROLLBACK, COMMIT) runs this way: cancelled half-way, the statement
/// would still run on sqlx's worker while the writer's record of the batch stayed as it was,
/// and the next request would COMMIT a transaction that no longer exists, or BEGIN inside one
/// that does, failing every write from then on.
async fn uncancelled<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T, sqlx::Error> {
    tokio::spawn(work).await.map_err(|_| sqlx::Error::WorkerCrashed)
}

/// Joins (or opens) the batch and opens the request's savepoint. On an error the turn ends
/// here; on success the caller gets the connection for its statements.
async fn open_turn(
    mut guard: OwnedMutexGuard<Writer>,
    savepoint: bool,
    waiting: &AtomicUsize,
    left_open: &Notify,
) -> Result<(OwnedMutexGuard<Writer>, Arc<Outcome>), sqlx::Error> {
    if guard.batch.is_none() {
        if let Err(e) = exec(&mut guard, "BEGIN IMMEDIATE").await {
            end_turn(guard, waiting, left_open).await;
            return Err(e);
        }
        guard.batch = Some(Batch { outcome: Arc::new(Outcome::default()), requests: 0, started: Instant::now() });
    }
    if savepoint {
        if let Err(e) = exec(&mut guard, "SAVEPOINT revdir_request").await {
            abort_batch(&mut guard, &e).await;
            return Err(e);
        }
    }
    let outcome = match guard.batch.as_mut() {
        Some(b) => {
            b.requests += 1;
            b.outcome.clone()
        }
        None => Arc::new(Outcome::default()),
    };
    Ok((guard, outcome))
}

/// Rolls the whole batch back and tells every request in it. The ROLLBACK's own error is
/// ignored: SQLite may have rolled back already (it does on some SQLITE_FULL and SQLITE_IOERR),
/// and either way no transaction is open afterwards.
async fn abort_batch(w: &mut Writer, cause: &sqlx::Error) {
    let _ = exec(w, "ROLLBACK").await;
    if let Some(b) = w.batch.take() {
        b.outcome.finish(Err(BatchFailure { why: cause.to_string(), fault: fault_of(cause) }));
    }
}

/// Commits the open batch when nobody is queued to join it, when it is full, or (for the
/// flusher) when it is old.
async fn maybe_commit(w: &mut Writer, waiting: &AtomicUsize, flushing: bool) {
    let due = match &w.batch {
        None => return,
        Some(b) => {
            waiting.load(Ordering::SeqCst) == 0
                || b.requests >= MAX_BATCH
                || (flushing && b.started.elapsed() >= MAX_BATCH_AGE)
        }
    };
    if !due {
        return;
    }
    let started = Instant::now();
    match exec(w, "COMMIT").await {
        Ok(()) => {
            metrics::histogram!(crate::metrics::SQLITE_COMMIT_SECONDS).record(started.elapsed().as_secs_f64());
            if let Some(b) = w.batch.take() {
                // Requests that rolled back to their savepoint count too: they shared the turn.
                metrics::histogram!(crate::metrics::SQLITE_BATCH_SIZE).record(b.requests as f64);
                b.outcome.finish(Ok(()));
            }
        }
        Err(e) => abort_batch(w, &e).await,
    }
}

/// Finishes a request's turn on the connection: commit the batch if due, else make sure the
/// flusher will see to it.
async fn end_turn(mut guard: OwnedMutexGuard<Writer>, waiting: &AtomicUsize, left_open: &Notify) {
    maybe_commit(&mut guard, waiting, false).await;
    if guard.batch.is_some() {
        left_open.notify_one();
    }
}

impl GroupTx {
    /// Ends the request successfully and waits until its batch is durable.
    ///
    /// # Errors
    /// When the savepoint cannot be released or the batch COMMIT fails.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let Some(mut guard) = self.guard.take() else {
            return Err(sqlx::Error::WorkerCrashed);
        };
        let (savepoint, waiting, left_open) = (self.savepoint, self.waiting.clone(), self.left_open.clone());
        uncancelled(async move {
            if savepoint {
                if let Err(e) = exec(&mut guard, "RELEASE revdir_request").await {
                    abort_batch(&mut guard, &e).await;
                    return Err(e);
                }
            }
            end_turn(guard, &waiting, &left_open).await;
            Ok(())
        })
        .await??;
        self.outcome.wait().await.map_err(BatchFailure::into_error)
    }
}

/// Undoes a request that failed, leaving the rest of the batch as it was. When its savepoint
/// is gone, SQLite rolled the whole transaction back by itself, which it does only after a
/// full disk, an I/O error, a lack of memory or a lock timeout: the batch then fails as an
/// outage (503 for each of its requests), not with the "no such savepoint" that reveals it.
async fn rollback_request(w: &mut Writer) {
    let undone = match exec(w, "ROLLBACK TO revdir_request").await {
        Ok(()) => exec(w, "RELEASE revdir_request").await,
        Err(e) => Err(e),
    };
    if let Err(e) = undone {
        let _ = exec(w, "ROLLBACK").await;
        if let Some(b) = w.batch.take() {
            let why = format!("the failed request's savepoint could not be rolled back: {e}");
            b.outcome.finish(Err(BatchFailure { why, fault: Fault::Outage }));
        }
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        // Dropped without commit (an error path): undo this request, then let the batch go on
        // or commit for the requests already in it. Both need the async connection, so the
        // connection guard moves into a task.
        if let Some(mut guard) = self.guard.take() {
            let (waiting, left_open, savepoint) = (self.waiting.clone(), self.left_open.clone(), self.savepoint);
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    if savepoint {
                        rollback_request(&mut guard).await;
                    }
                    end_turn(guard, &waiting, &left_open).await;
                });
            }
        }
    }
}

impl Deref for GroupTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &Self::Target {
        match &self.guard {
            Some(g) => &g.conn,
            None => unreachable_conn(),
        }
    }
}

impl DerefMut for GroupTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match &mut self.guard {
            Some(g) => &mut g.conn,
            None => unreachable_conn(),
        }
    }
}

/// The guard is only taken by `commit`/`rollback`, which consume the transaction, so a live
/// `GroupTx` always has its connection.
fn unreachable_conn() -> ! {
    unreachable!("a GroupTx is used after commit or rollback")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
    use sqlx::Row as _;

    use super::*;

    async fn writer(path: &std::path::Path) -> (GroupWriter, sqlx::SqlitePool) {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY)").execute(&pool).await.unwrap();
        let reader = SqlitePoolOptions::new().max_connections(1).connect_with(options.read_only(true)).await.unwrap();
        (GroupWriter::new(pool.acquire().await.unwrap()), reader)
    }

    async fn insert(w: &GroupWriter, id: i64, savepoint: bool) -> Result<(), sqlx::Error> {
        let mut tx = if savepoint { w.begin().await? } else { w.start(false).await? };
        sqlx::query("INSERT INTO t (id) VALUES ($1)").bind(id).execute(&mut *tx).await?;
        tx.commit().await
    }

    /// Requests dropped at any point (clients hanging up) must leave the writer usable and
    /// every answered write stored: before BEGIN, SAVEPOINT, RELEASE and COMMIT ran in tasks of
    /// their own, a request dropped during COMMIT left the writer believing a batch was open,
    /// and every later write failed with "cannot commit - no transaction is active".
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_dropped_half_way_leave_the_writer_usable() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir.path().join("group.db")).await;
        let mut rng = 1u64;
        let mut answered = Vec::new();
        for round in 0..400i64 {
            let mut tasks = Vec::new();
            for k in 0..8i64 {
                // A cheap deterministic spread of deadlines from 0 to ~2 ms.
                rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let deadline = Duration::from_micros((rng >> 33) % 2_000);
                let (w, id) = (w.clone(), round * 8 + k);
                tasks.push(tokio::spawn(async move {
                    let done = tokio::time::timeout(deadline, insert(&w, id, k % 2 == 0)).await;
                    (id, done)
                }));
            }
            for t in tasks {
                let (id, done) = t.await.unwrap();
                match done {
                    Ok(Ok(())) => answered.push(id),
                    Ok(Err(e)) => panic!("write {id} failed instead of succeeding or being dropped: {e}"),
                    Err(_elapsed) => {}
                }
            }
        }
        // Nothing keeps a batch open once its requests are gone: another process (the CLI, a
        // backup) can take the write lock.
        tokio::time::sleep(MAX_BATCH_AGE * 10).await;
        let mut other = sqlx::ConnectOptions::connect(
            &SqliteConnectOptions::new().filename(dir.path().join("group.db")).busy_timeout(Duration::ZERO),
        )
        .await
        .unwrap();
        sqlx::raw_sql("BEGIN IMMEDIATE; ROLLBACK").execute(&mut other).await.expect("no batch is left open");
        // The writer still works, and within a bounded time.
        for (i, savepoint) in [(1_000_000, true), (1_000_001, false)] {
            tokio::time::timeout(Duration::from_secs(10), insert(&w, i, savepoint))
                .await
                .expect("the writer answers")
                .expect("the writer still accepts writes");
            answered.push(i);
        }
        let stored: Vec<i64> =
            sqlx::query("SELECT id FROM t").fetch_all(&reader).await.unwrap().iter().map(|r| r.get(0)).collect();
        for id in &answered {
            assert!(stored.contains(id), "answered write {id} is not stored");
        }
        assert!(answered.len() > 2, "some writes were answered before their deadline");
        assert!(answered.len() < 400 * 8, "some requests were dropped half-way, as the test intends");
    }

    /// A full database (SQLITE_FULL, here from `max_page_count`) fails requests with an outage
    /// (a 503), never another error (a 500), whether a statement or the batch COMMIT meets it;
    /// no failed request is stored, every answered one is, and the writer works again once
    /// there is room.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_database_fails_requests_as_an_outage_and_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir.path().join("full.db")).await;
        let mut tx = w.begin().await.unwrap();
        sqlx::query("CREATE TABLE b (id INTEGER PRIMARY KEY, v BLOB)").execute(&mut *tx).await.unwrap();
        let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count").fetch_one(&mut *tx).await.unwrap();
        sqlx::query(&format!("PRAGMA max_page_count = {}", pages + 10)).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();

        let mut tasks = Vec::new();
        for k in 0..8i64 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for i in 0..20i64 {
                    let id = k * 100 + i;
                    let done = async {
                        let mut tx = w.begin().await?;
                        sqlx::query("INSERT INTO b (id, v) VALUES ($1, zeroblob(3000))")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await
                    };
                    outcomes.push((id, done.await));
                }
                outcomes
            }));
        }
        let (mut answered, mut failed) = (Vec::new(), Vec::new());
        for t in tasks {
            for (id, outcome) in t.await.unwrap() {
                match outcome {
                    Ok(()) => answered.push(id),
                    Err(e) => {
                        assert_eq!(fault_of(&e), Fault::Outage, "request {id}: {e}");
                        failed.push(id);
                    }
                }
            }
        }
        assert!(!failed.is_empty(), "the database filled up");
        let stored: Vec<i64> =
            sqlx::query("SELECT id FROM b").fetch_all(&reader).await.unwrap().iter().map(|r| r.get(0)).collect();
        for id in &answered {
            assert!(stored.contains(id), "answered write {id} is not stored");
        }
        for id in &failed {
            assert!(!stored.contains(id), "failed write {id} is stored");
        }

        let mut tx = w.begin().await.unwrap();
        sqlx::query("PRAGMA max_page_count = 1000000").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = w.begin().await.unwrap();
        sqlx::query("INSERT INTO b (id, v) VALUES (100000, zeroblob(3000))").execute(&mut *tx).await.unwrap();
        tx.commit().await.expect("the writer works again once there is room");
    }
}
