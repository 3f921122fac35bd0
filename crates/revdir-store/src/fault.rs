//! What a database error means for the request that met it: a lost lock race (run the
//! transaction again), an outage (the database cannot serve now: answer 503 and let the client
//! come back), or anything else (a bug or bad data: 500, or the mapped 4xx).
//!
//! Errors are told apart by kind (sqlx's variant, PostgreSQL's SQLSTATE, SQLite's result
//! code), never by message text. Each backend's `fault_of` applies the tables here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The meaning of a database error for the transaction that met it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// A lost lock race (SQLITE_BUSY/LOCKED, serialization failure, deadlock): the database
    /// rolled the transaction back, so running it again is safe and likely to succeed.
    LockRace,
    /// The database cannot serve now: the connection is gone, the server is starting, shutting
    /// down or failed over, no connection came in time, the disk is full or the file
    /// read-only. It comes back by itself; the client should retry later (503).
    Outage,
    /// Anything else: constraint violations, bugs, corruption.
    Other,
}

/// The fault of a sqlx error that is the same on both engines, or `None` for a database error,
/// which the backend classifies by its code.
pub(crate) fn fault_of_driver(e: &sqlx::Error) -> Option<Fault> {
    Some(match e {
        sqlx::Error::Database(_) => return None,
        // The socket broke (a restart, a failover, a network cut) or the handshake did.
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => Fault::Outage,
        // No connection could be had in time (the server does not accept any) or the pool is
        // shutting down with the process.
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => Fault::Outage,
        _ => Fault::Other,
    })
}

/// The fault of a PostgreSQL SQLSTATE.
pub(crate) fn fault_of_sqlstate(code: &str) -> Fault {
    match code {
        // serialization_failure, deadlock_detected: the transaction was rolled back.
        "40001" | "40P01" => Fault::LockRace,
        // admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down);
        // read_only_sql_transaction: connected to a standby, as after a failover; io_error.
        "57P01" | "57P02" | "57P03" | "25006" | "58030" => Fault::Outage,
        // Class 08, connection exception; class 53, insufficient resources (disk full, out
        // of memory, too many connections).
        _ if code.starts_with("08") || code.starts_with("53") => Fault::Outage,
        _ => Fault::Other,
    }
}

/// The fault of a SQLite result code (extended codes carry the primary one in the low byte).
pub(crate) fn fault_of_sqlite_code(code: i64) -> Fault {
    const BUSY: i64 = 5;
    const LOCKED: i64 = 6;
    const READONLY: i64 = 8;
    const IOERR: i64 = 10;
    const FULL: i64 = 13;
    const CANTOPEN: i64 = 14;
    match code & 0xff {
        BUSY | LOCKED => Fault::LockRace,
        FULL | READONLY | IOERR | CANTOPEN => Fault::Outage,
        _ => Fault::Other,
    }
}

/// When an outage was last seen, in milliseconds since [`epoch`] (0: never).
static LAST_OUTAGE_MS: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Records that an outage was just seen, so connections idle since before it are checked
/// before their next use (see [`idle_since_outage`]).
pub(crate) fn note_outage() {
    let ms = u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX).max(1);
    LAST_OUTAGE_MS.fetch_max(ms, Ordering::Relaxed);
}

/// Whether a connection idle for `idle_for` went idle before the last outage seen (or within
/// a moment of it): after a database restart every such connection is likely dead, and a ping
/// finds out before a request's statement does. Process-wide on purpose: a store seeing
/// another's outage only costs the other a ping.
pub(crate) fn idle_since_outage(idle_for: Duration) -> bool {
    let last = LAST_OUTAGE_MS.load(Ordering::Relaxed);
    if last == 0 {
        return false;
    }
    let now = epoch().elapsed();
    let idle_from = now.saturating_sub(idle_for);
    // A second of slack: a connection returned just after the outage may have died with it.
    idle_from <= Duration::from_millis(last) + Duration::from_secs(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_are_classified_by_code() {
        for race in ["40001", "40P01"] {
            assert_eq!(fault_of_sqlstate(race), Fault::LockRace, "{race}");
        }
        for outage in
            ["08000", "08003", "08006", "08001", "08P01", "57P01", "57P02", "57P03", "53100", "53200", "53300", "25006"]
        {
            assert_eq!(fault_of_sqlstate(outage), Fault::Outage, "{outage}");
        }
        // unique_violation, foreign_key_violation, undefined_table, query_canceled: not outages.
        for other in ["23505", "23503", "42P01", "57014", "XX000"] {
            assert_eq!(fault_of_sqlstate(other), Fault::Other, "{other}");
        }
    }

    #[test]
    fn sqlite_codes_are_classified_by_their_primary_code() {
        // BUSY, BUSY_RECOVERY, BUSY_SNAPSHOT, LOCKED, LOCKED_SHAREDCACHE.
        for race in [5, 261, 517, 6, 262] {
            assert_eq!(fault_of_sqlite_code(race), Fault::LockRace, "{race}");
        }
        // FULL, READONLY, READONLY_DBMOVED, IOERR, IOERR_WRITE, IOERR_FSYNC, CANTOPEN.
        for outage in [13, 8, 1032, 10, 778, 1034, 14] {
            assert_eq!(fault_of_sqlite_code(outage), Fault::Outage, "{outage}");
        }
        // CONSTRAINT_UNIQUE, CORRUPT, NOTADB, ERROR: never hidden behind a 503.
        for other in [2067, 11, 26, 1] {
            assert_eq!(fault_of_sqlite_code(other), Fault::Other, "{other}");
        }
    }

    #[test]
    fn driver_errors_are_classified_by_variant() {
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(fault_of_driver(&io), Some(Fault::Outage));
        assert_eq!(fault_of_driver(&sqlx::Error::PoolTimedOut), Some(Fault::Outage));
        assert_eq!(fault_of_driver(&sqlx::Error::PoolClosed), Some(Fault::Outage));
        assert_eq!(fault_of_driver(&sqlx::Error::RowNotFound), Some(Fault::Other));
        assert_eq!(fault_of_driver(&sqlx::Error::WorkerCrashed), Some(Fault::Other));
    }

    #[test]
    fn connections_idle_since_an_outage_are_suspect() {
        note_outage();
        assert!(idle_since_outage(Duration::from_secs(3600)), "idle since long before the outage");
        std::thread::sleep(Duration::from_millis(1_200));
        assert!(!idle_since_outage(Duration::ZERO), "used after the outage");
    }
}
