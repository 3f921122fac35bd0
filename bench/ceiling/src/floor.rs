//! The benchmark floor: what the database alone costs for one `rev-users.update`.
//!
//! revdir answers a row-only `rev-users.update` with one statement, an UPDATE … RETURNING
//! that also checks the caller's token record (`revdir_store::*::hot_path_sql`). This tool
//! runs exactly that statement, with no HTTP, JSON, async runtime or connection pool around
//! it, so `bench/run.sh` can report how far revdir is from the database's own limit, and
//! whether a target is reachable at all on the machine at hand.
//!
//! - `floor sqlite --db PATH`: runs the statement in a tight loop on one thread with the
//!   same pragmas revdir uses (WAL, `synchronous=FULL`), `--batch` updates per transaction
//!   (32: the most 32 concurrent clients can share with group commit; 1: one commit per
//!   request, as at -c1). Prints one `RESULT` line.
//! - `floor pgbench-script`: prints a pgbench script running the same statement as revdir
//!   on PostgreSQL, for `pgbench -M prepared` at the same client count.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use rusqlite::{Connection, OpenFlags, OptionalExtension as _};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(name = "floor", about = "Benchmark floor: revdir's update statement without revdir")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the update in a loop on a SQLite file seeded by `revdir seed`
    /// (with a token from `revdir token create`); prints `RESULT rps=… p50_ms=… p99_ms=…`,
    /// the latencies being those of a request whose batch started with it.
    Sqlite {
        /// The SQLite file.
        #[arg(long)]
        db: String,
        /// Contacts stored (REVU-1 … REVU-N); each update picks one at random.
        #[arg(long, default_value_t = 10_000)]
        users: i64,
        /// Updates per transaction (one COMMIT, one fsync).
        #[arg(long, default_value_t = 32)]
        batch: usize,
        /// How long to run.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// `synchronous=NORMAL` instead of FULL.
        #[arg(long)]
        relaxed: bool,
    },
    /// Prints a pgbench script of the update as revdir runs it on PostgreSQL, for the given
    /// token and dev org.
    PgbenchScript {
        /// The dev org the token belongs to.
        #[arg(long)]
        org: String,
        /// The token's id (jti).
        #[arg(long)]
        jti: String,
        /// Kind code of the token's subject (`devu`, `sysu`).
        #[arg(long, default_value = "devu")]
        actor_kind: String,
        /// Number of the token's subject.
        #[arg(long, default_value_t = 1)]
        actor_id: i64,
        /// Contacts stored (REVU-1 … REVU-N).
        #[arg(long, default_value_t = 10_000)]
        users: i64,
    },
}

fn main() -> anyhow::Result<()> {
    match Args::parse().command {
        Command::Sqlite { db, users, batch, seconds, relaxed } => {
            let r = sqlite_floor(&db, users, batch.max(1), Duration::from_secs_f64(seconds), relaxed)?;
            println!(
                "RESULT requests={} rps={:.1} us_per_request={:.1} p50_ms={:.3} p99_ms={:.3}",
                r.requests, r.rps, r.us_per_request, r.p50_ms, r.p99_ms
            );
        }
        Command::PgbenchScript { org, jti, actor_kind, actor_id, users } => {
            print!("{}", pgbench_script(&org, &jti, &actor_kind, actor_id, users));
        }
    }
    Ok(())
}

/// What one SQLite floor run measured.
struct FloorResult {
    requests: u64,
    rps: f64,
    us_per_request: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// The token the floor authenticates with: the newest one in the file.
struct Token {
    jti: String,
    org: String,
    subject_kind: String,
    subject_id: i64,
}

fn sqlite_floor(path: &str, users: i64, batch: usize, run_for: Duration, relaxed: bool) -> anyhow::Result<FloorResult> {
    let sql = revdir_store::sqlite::hot_path_sql();
    let write = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .with_context(|| format!("opening {path}"))?;
    // The pragmas revdir's SQLite store sets (revdir_store::sqlite::SqliteStore::connect).
    write.pragma_update(None, "journal_mode", "wal")?;
    write.pragma_update(None, "synchronous", if relaxed { "NORMAL" } else { "FULL" })?;
    write.pragma_update(None, "foreign_keys", "ON")?;
    write.busy_timeout(Duration::from_secs(10))?;
    let token: Token = write
        .query_row(
            "SELECT jti, dev_org_id, subject_kind, subject_id FROM auth_tokens ORDER BY issued_at DESC LIMIT 1",
            [],
            |r| Ok(Token { jti: r.get(0)?, org: r.get(1)?, subject_kind: r.get(2)?, subject_id: r.get(3)? }),
        )
        .optional()?
        .context("no token in the file: run `revdir token create --db FILE` first")?;

    let mut update = write.prepare(sql.rev_user_update)?;
    let mut rng = fastrand::Rng::with_seed(7);
    let mut batch_ms = Vec::new();
    let mut requests = 0u64;
    let started = Instant::now();
    while started.elapsed() < run_for {
        let batch_started = Instant::now();
        write.execute_batch("BEGIN IMMEDIATE")?;
        for _ in 0..batch {
            requests += 1;
            let n = rng.i64(1..=users);
            let r = rng.u32(0..1_000_000);
            let email = format!("user{n}.{r:06}@example.com");
            let mut rows = update.query(rusqlite::named_params! {
                "$1": token.org, "$2": "revu", "$3": n,
                "$4": true, "$5": format!("Bench User {n} {r:06}"),
                "$6": false, "$7": Option::<String>::None,
                "$8": true, "$9": email, "$10": email.to_lowercase(),
                "$11": true, "$12": format!("[\"+1415555{:04}\"]", r % 10_000),
                "$13": true, "$14": format!("updated by floor {r:06}"),
                "$15": token.subject_kind, "$16": token.subject_id,
                "$17": epoch_millis(), "$18": token.jti,
            })?;
            // Read every returned column, as revdir decodes them all.
            let row = rows.next()?.context("the update found no contact, or the token's record refused")?;
            let columns = row.as_ref().column_count();
            for i in 0..columns {
                std::hint::black_box(row.get_ref(i)?);
            }
        }
        write.execute_batch("COMMIT")?;
        batch_ms.push(batch_started.elapsed().as_secs_f64() * 1000.0);
    }
    let elapsed = started.elapsed().as_secs_f64();
    batch_ms.sort_by(f64::total_cmp);
    let quantile = |q: f64| batch_ms[((batch_ms.len() as f64 - 1.0) * q).round() as usize];
    Ok(FloorResult {
        requests,
        rps: requests as f64 / elapsed,
        us_per_request: elapsed * 1e6 / requests as f64,
        p50_ms: quantile(0.50),
        p99_ms: quantile(0.99),
    })
}

// The benchmark floor is not revdir: it stamps its own results in real time.
#[allow(clippy::disallowed_methods)]
fn epoch_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A pgbench script of revdir's update statement on PostgreSQL, the placeholders replaced by
/// pgbench variables and literals that change the same four fields as `bench/update.lua`.
fn pgbench_script(org: &str, jti: &str, actor_kind: &str, actor_id: i64, users: i64) -> String {
    let sql = revdir_store::postgres::hot_path_sql();
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let bind = |text: &str, values: &[(usize, String)]| {
        // Highest placeholder first, so that `$1` never eats the start of `$12`.
        let mut text = text.to_owned();
        let mut values = values.to_vec();
        values.sort_by_key(|v| std::cmp::Reverse(v.0));
        for (n, v) in values {
            text = text.replace(&format!("${n}"), &v);
        }
        text
    };
    let email = "('user' || :n || '.' || :r || '@example.com')".to_owned();
    let update = bind(
        sql.rev_user_update,
        &[
            (1, quote(org)),
            (2, quote("revu")),
            (3, ":n".into()),
            (4, "true".into()),
            (5, "('Bench User ' || :n || ' ' || :r)".into()),
            (6, "false".into()),
            (7, "CAST(NULL AS TEXT)".into()),
            (8, "true".into()),
            (9, email.clone()),
            (10, email),
            (11, "true".into()),
            (12, quote("[\"+14155550100\"]")),
            (13, "true".into()),
            (14, "('updated by pgbench ' || :r)".into()),
            (15, quote(actor_kind)),
            (16, actor_id.to_string()),
            (17, "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)".into()),
            (18, quote(jti)),
        ],
    );
    format!("\\set n random(1, {users})\n\\set r random(0, 999999)\n{update};\n")
}

#[cfg(test)]
mod tests {
    use super::pgbench_script;

    #[test]
    fn pgbench_script_binds_every_placeholder_of_the_statement() {
        let script = pgbench_script("o'rg", "jti1", "devu", 3, 500);
        let lines: Vec<&str> = script.lines().collect();
        assert_eq!(lines.len(), 3, "two \\set lines and the statement: {script}");
        assert_eq!(lines[0], "\\set n random(1, 500)");
        assert!(lines[2].starts_with("UPDATE users ") && lines[2].contains("id = :n AND EXISTS"));
        assert!(lines[2].contains("t.jti = 'jti1'") && lines[2].contains("dev_org_id = 'o''rg'"));
        assert!(!script.contains('$'), "a placeholder was left unbound: {script}");
    }
}
