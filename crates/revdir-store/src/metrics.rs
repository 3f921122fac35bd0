//! What the store records for Prometheus, through the `metrics` facade: with no recorder
//! installed (the server runs without `--metrics-listen`) every call is a no-op.

use std::time::Instant;

/// Seconds a request waited for a database connection and its transaction to begin, by
/// `kind`: `write`, `read` or `fast` (the per-request statement slots).
pub const DB_ACQUIRE_SECONDS: &str = "revdir_db_acquire_seconds";
/// Write requests per committed SQLite group-commit batch.
pub const SQLITE_BATCH_SIZE: &str = "revdir_sqlite_group_commit_batch_size";
/// Seconds the COMMIT of a SQLite group-commit batch took (its fsync, mostly).
pub const SQLITE_COMMIT_SECONDS: &str = "revdir_sqlite_group_commit_seconds";

/// Records how long an acquisition of `kind` that began at `started` waited.
pub(crate) fn acquired(kind: &'static str, started: Instant) {
    metrics::histogram!(DB_ACQUIRE_SECONDS, "kind" => kind).record(started.elapsed().as_secs_f64());
}
