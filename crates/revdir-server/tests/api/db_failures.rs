//! When the database fails: a PostgreSQL restarted under load and a SQLite store on a full
//! filesystem answer 503 `service_unavailable` with `Retry-After`, never 500, lose no
//! acknowledged write, and serve again by themselves once the database is back.
//!
//! Both tests make their own database to break: a throwaway PostgreSQL cluster (`initdb` into
//! a temporary directory, on a free port; never the shared server the other tests use) and a
//! small tmpfs mounted for the test. Each skips, saying why, where it cannot (no PostgreSQL
//! binaries; not allowed to mount).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use revdir_store::DatabaseUrl;
use serde_json::json;

use crate::helpers::{spawn_app_with, Backend, TestApp};

/// What the writers saw: the display names acknowledged (201), and every other answer.
#[derive(Default)]
struct Tally {
    acknowledged: Vec<String>,
    unavailable: usize,
    /// The display names answered 503.
    refused: Vec<String>,
    /// Answers other than 201 and a well-formed 503 (with `Retry-After`): the test fails on any.
    wrong: Vec<String>,
}

/// Creates one contact named `name`; records the answer.
async fn create(app: &TestApp, name: &str, tally: &Mutex<Tally>) -> u16 {
    let response = app
        .raw
        .post(format!("{}/rev-users.create", app.addr))
        .bearer_auth(&app.token)
        .json(&json!({ "display_name": name }))
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let mut t = tally.lock().unwrap();
    match status {
        201 => t.acknowledged.push(name.to_owned()),
        503 if body["type"] == "service_unavailable"
            && retry_after.as_deref().is_some_and(|s| s.parse::<u64>().is_ok()) =>
        {
            t.unavailable += 1;
            t.refused.push(name.to_owned());
        }
        _ => t.wrong.push(format!("{status} retry-after={retry_after:?} {body}")),
    }
    status
}

/// `writers` tasks creating contacts until `stop` is set.
fn start_writers(
    app: &Arc<TestApp>,
    writers: usize,
    stop: &Arc<AtomicBool>,
    tally: &Arc<Mutex<Tally>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let seq = Arc::new(AtomicUsize::new(0));
    (0..writers)
        .map(|_| {
            let (app, stop, tally, seq) = (app.clone(), stop.clone(), tally.clone(), seq.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let name = format!("dbf-{}", seq.fetch_add(1, Ordering::Relaxed));
                    if create(&app, &name, &tally).await == 503 {
                        // As a client told `Retry-After` would, though sooner, to keep load on.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            })
        })
        .collect()
}

/// Polls `what` every 50 ms until it holds, for at most `limit`.
async fn wait_until<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn ready_status(app: &TestApp) -> u16 {
    app.raw.get(format!("{}/_revdir/ready", app.addr)).send().await.expect("ready answers").status().as_u16()
}

/// The acknowledged names each stored exactly once, read straight from the database.
fn assert_each_stored_once(acknowledged: &[String], stored: &[(String, i64)]) {
    let stored: HashMap<&str, i64> = stored.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    for name in acknowledged {
        assert_eq!(
            stored.get(name.as_str()).copied(),
            Some(1),
            "acknowledged contact {name} is not stored exactly once"
        );
    }
}

const COUNT_NAMES: &str =
    "SELECT display_name, COUNT(*) FROM users WHERE kind = 'revu' AND display_name LIKE 'dbf-%' GROUP BY display_name";

// ---------------------------------------------------------------------------------------------
// PostgreSQL restarted under load.

/// A throwaway PostgreSQL cluster in a temporary directory, stopped when dropped.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// As root, the cluster's commands run as the `postgres` OS user (initdb refuses root).
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// The newest `/usr/lib/postgresql/<ver>/bin` holding `initdb` and `pg_ctl`.
    fn binaries() -> Option<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
            .collect();
        found.sort();
        found.pop()
    }

    fn start() -> Option<Self> {
        let bin = Self::binaries()?;
        let dir = tempfile::tempdir().expect("temp dir");
        // The effective user, as `id -u` prints it.
        let uid = Command::new("id").arg("-u").output().expect("id runs");
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        if as_postgres {
            let ok = Command::new("chown").arg("-R").arg("postgres:postgres").arg(dir.path()).status();
            assert!(ok.is_ok_and(|s| s.success()), "chown the cluster's directory to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = Self { bin, data: dir.path().join("data"), port, as_postgres, _dir: dir };
        cluster.run("initdb", &["-A", "trust", "-U", "postgres", "--no-sync", "-D"], true);
        cluster.pg_ctl(&["start"]);
        Some(cluster)
    }

    /// Runs one of the cluster's programs with `args` (then the data directory if `data`).
    fn run(&self, program: &str, args: &[&str], data: bool) {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(args);
        if data {
            cmd.arg(&self.data);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("{program} runs: {e}"));
        assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `pg_ctl <action>` on this cluster, waiting for it to finish.
    fn pg_ctl(&self, action: &[&str]) {
        let socket_dir = self.data.parent().unwrap().display().to_string();
        let opts = format!("-p {} -k {socket_dir} -c listen_addresses=127.0.0.1", self.port);
        let log = self.data.parent().unwrap().join("log").display().to_string();
        let data = self.data.display().to_string();
        let mut args = vec!["-D", &data, "-w", "-t", "60", "-l", &log, "-o", &opts, "-m", "fast"];
        args.extend_from_slice(action);
        self.run("pg_ctl", &args, false);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let exe = self.bin.join("pg_ctl");
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(exe)
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        } else {
            Command::new(exe).args(["-D", &data, "-m", "immediate", "stop"]).output()
        };
    }
}

/// PostgreSQL restarted (`pg_ctl restart -m fast`) while clients create contacts: no 500, each
/// 503 with `Retry-After`, every acknowledged contact stored exactly once, and writes served
/// again without restarting revdir. Then PostgreSQL stopped: `ready` says 503 until it is
/// started again, and then 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_answers_503_and_loses_nothing() {
    let Some(cluster) = Cluster::start() else {
        eprintln!("SKIPPED: no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql");
        return;
    };
    let url = cluster.url();
    let app = Arc::new(spawn_app_with(Backend::Sqlite, |c, _| c.db = DatabaseUrl::new(url.clone())).await);
    let (stop, tally) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(Tally::default())));
    let writers = start_writers(&app, 4, &stop, &tally);
    let acknowledged = || tally.lock().unwrap().acknowledged.len();
    wait_until(Duration::from_secs(30), "writes under way", || async { acknowledged() >= 50 }).await;

    let before = acknowledged();
    cluster.pg_ctl(&["restart"]);
    let after_restart = acknowledged();
    // Well after it is back: at least 100 more acknowledged writes, and 2 s.
    let back = Instant::now();
    wait_until(Duration::from_secs(60), "writes acknowledged after the restart", || async {
        acknowledged() >= after_restart + 100 && back.elapsed() >= Duration::from_secs(2)
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }

    let t = std::mem::take(&mut *tally.lock().unwrap());
    eprintln!(
        "postgres restart: {} acknowledged ({before} before the restart, {} during it), {} answered 503, {} wrong",
        t.acknowledged.len(),
        after_restart - before,
        t.unavailable,
        t.wrong.len()
    );
    assert!(t.wrong.is_empty(), "answers other than 201 or 503 with Retry-After: {:#?}", t.wrong);
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let stored: Vec<(String, i64)> = sqlx::query_as(COUNT_NAMES).fetch_all(&pool).await.unwrap();
    assert_each_stored_once(&t.acknowledged, &stored);
    pool.close().await;

    // Stopped: not ready (within the probe's timeout), while health still answers.
    assert_eq!(ready_status(&app).await, 200);
    cluster.pg_ctl(&["stop"]);
    wait_until(Duration::from_secs(10), "ready says 503 while PostgreSQL is stopped", || async {
        ready_status(&app).await == 503
    })
    .await;
    cluster.pg_ctl(&["start"]);
    wait_until(Duration::from_secs(20), "ready again once PostgreSQL is back", || async {
        ready_status(&app).await == 200
    })
    .await;
    let tally = Mutex::new(Tally::default());
    wait_until(Duration::from_secs(20), "a write served after the stop", || async {
        create(&app, "dbf-after-stop", &tally).await == 201
    })
    .await;
    assert!(tally.lock().unwrap().wrong.is_empty(), "{:#?}", tally.lock().unwrap().wrong);
}

// ---------------------------------------------------------------------------------------------
// SQLite on a full filesystem.

/// A tmpfs mounted for the test, unmounted when dropped (lazily, so a file the server still
/// holds open does not keep it mounted).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Self> {
        let ok = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(at).output();
        match ok {
            Ok(out) if out.status.success() => Some(Self(at.to_owned())),
            Ok(out) => {
                eprintln!("cannot mount a tmpfs: {}", String::from_utf8_lossy(&out.stderr).trim());
                None
            }
            Err(e) => {
                eprintln!("cannot run mount: {e}");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).output();
    }
}

/// Fills the filesystem holding `path` with a file there until a write fails for lack of space.
fn fill(path: &Path) {
    use std::io::Write as _;
    let mut f = std::fs::File::create(path).expect("filler file");
    let chunk = vec![0u8; 64 * 1024];
    loop {
        if let Err(e) = f.write_all(&chunk).and_then(|()| f.sync_all()) {
            assert_eq!(e.raw_os_error(), Some(28), "filling stops at ENOSPC: {e}");
            break;
        }
    }
    // Whatever is left is smaller than a chunk: fill it byte-wise in small steps.
    let small = vec![0u8; 512];
    while f.write_all(&small).and_then(|()| f.sync_all()).is_ok() {}
}

/// A SQLite store on a small tmpfs that fills up: writes answer 503 with `Retry-After`, never
/// 500; the file stays intact (`integrity_check`) and holds every acknowledged contact; once the
/// filler file is deleted, writes succeed again without a restart. The store runs the group
/// writer with several writers at once, so failed batch COMMITs fail several requests together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_disk_answers_503_and_recovers() {
    let mount_point = tempfile::tempdir().expect("temp dir");
    let Some(_tmpfs) = Tmpfs::mount(mount_point.path(), "16m") else {
        eprintln!("SKIPPED: mounting a tmpfs is not permitted here (the test needs root)");
        return;
    };
    let db = mount_point.path().join("revdir.db");
    let db_url = db.display().to_string();
    let app = Arc::new(spawn_app_with(Backend::Sqlite, |c, _| c.db = DatabaseUrl::new(db_url.clone())).await);
    let tally = Arc::new(Mutex::new(Tally::default()));
    for i in 0..20 {
        assert_eq!(create(&app, &format!("dbf-before-{i}"), &tally).await, 201);
    }

    let filler = mount_point.path().join("filler");
    fill(&filler);
    let stop = Arc::new(AtomicBool::new(false));
    let writers = start_writers(&app, 4, &stop, &tally);
    let unavailable = || tally.lock().unwrap().unavailable;
    // The WAL reuses its space for a while; then COMMITs need new pages and fail.
    wait_until(Duration::from_secs(120), "writes answered 503 on the full disk", || async { unavailable() >= 20 })
        .await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(ready_status(&app).await, 200, "a full disk still serves reads, so the store is ready");

    {
        let t = tally.lock().unwrap();
        eprintln!(
            "sqlite full disk: {} acknowledged, {} answered 503, {} wrong",
            t.acknowledged.len(),
            t.unavailable,
            t.wrong.len()
        );
        assert!(t.wrong.is_empty(), "answers other than 201 or 503 with Retry-After: {:#?}", t.wrong);
    }
    let (acknowledged, refused) = {
        let t = tally.lock().unwrap();
        (t.acknowledged.clone(), t.refused.clone())
    };
    check_sqlite(&db, &acknowledged, &refused).await;

    std::fs::remove_file(&filler).expect("free the space");
    let mut n = 0;
    wait_until(Duration::from_secs(20), "a write served once space is back", || {
        n += 1;
        let (app, tally, name) = (app.clone(), tally.clone(), format!("dbf-after-{n}"));
        async move { create(&app, &name, &tally).await == 201 }
    })
    .await;
    for i in 0..20 {
        assert_eq!(create(&app, &format!("dbf-recovered-{i}"), &tally).await, 201);
    }
    let (wrong, acknowledged, refused) = {
        let t = tally.lock().unwrap();
        (t.wrong.clone(), t.acknowledged.clone(), t.refused.clone())
    };
    assert!(wrong.is_empty(), "{wrong:#?}");
    check_sqlite(&db, &acknowledged, &refused).await;
}

/// The SQLite file at `db` is intact, holds each of `acknowledged` exactly once and none of
/// `refused`: a failed batch COMMIT rolls the whole batch back, so nothing answered 503 is
/// half-written (unlike PostgreSQL, where a COMMIT whose connection broke may have applied).
async fn check_sqlite(db: &Path, acknowledged: &[String], refused: &[String]) {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(db).read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(&pool).await.unwrap();
    assert_eq!(integrity, "ok", "the database file is intact");
    let stored: Vec<(String, i64)> = sqlx::query_as(COUNT_NAMES).fetch_all(&pool).await.unwrap();
    assert_each_stored_once(acknowledged, &stored);
    for name in refused {
        assert!(!stored.iter().any(|(n, _)| n == name), "{name} was answered 503 but stored");
    }
    pool.close().await;
}
