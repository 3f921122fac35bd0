//! Backups, restores and upgrades as an operator runs them: `revdir backup` under load,
//! `revdir restore` and what it refuses, and a binary that refuses a newer schema.
#![expect(clippy::unwrap_used, reason = "test helpers abort the test on any failed step")]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt as _;
use common::{Node, PgSchema};
use revdir_spec_check::assert_valid_response;
use serde_json::{json, Value};

/// A migration version no revdir has: what a newer revdir would have applied.
const FUTURE_MIGRATION: i64 = 99_999_999_999_999;

/// What a finished `revdir` command said.
struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `revdir args…` to its end, killing it (and failing the test) after 60 s: a `serve`
/// that should have refused to start must not hang the test.
fn revdir(args: &[&str]) -> Ran {
    let out = tempfile::tempdir().unwrap();
    let (stdout, stderr) = (out.path().join("stdout"), out.path().join("stderr"));
    let mut child = Command::cargo_bin("revdir")
        .unwrap()
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("revdir {args:?} still ran after 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    Ran { ok: status.success(), stdout: read(&stdout), stderr: read(&stderr) }
}

/// Runs `revdir args…`, which must fail saying `needle` on stderr.
fn refused(args: &[&str], needle: &str) -> String {
    let ran = revdir(args);
    assert!(!ran.ok, "revdir {args:?} succeeded: {}", ran.stdout);
    assert!(ran.stderr.contains(needle), "revdir {args:?} did not say {needle:?}: {}", ran.stderr);
    ran.stderr
}

/// Runs `revdir args…`, which must succeed; returns its stdout.
fn succeeded(args: &[&str]) -> String {
    let ran = revdir(args);
    assert!(ran.ok, "revdir {args:?} failed: {}", ran.stderr);
    ran.stdout
}

/// A new admin token of the store `db` (bootstrapping it when empty).
fn token(db: &str) -> String {
    succeeded(&["token", "create", "--db", db]).trim().to_owned()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// POSTs `body` to `path`; returns the status and body, checked against the spec.
async fn post(http: &reqwest::Client, addr: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = http.post(format!("{addr}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    assert_valid_response(path, "POST", status, &body);
    (status, body)
}

/// Waits, up to `bound`, until `done` holds.
fn wait_until(what: &str, bound: Duration, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < bound, "{what}: not within {bound:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Records, as a writer that keeps creating contacts sees it, which creates were answered.
async fn create_until_stopped(
    http: reqwest::Client,
    addr: String,
    token: String,
    w: usize,
    stop: Arc<AtomicBool>,
    answered: Arc<Mutex<Vec<String>>>,
) {
    for n in 0_u64.. {
        if stop.load(Relaxed) {
            break;
        }
        let (status, body) =
            post(&http, &addr, &token, "/rev-users.create", json!({"display_name": format!("w{w}-{n}")})).await;
        assert_eq!(status, 201, "the server stopped serving writes: {body}");
        answered.lock().unwrap().push(body["rev_user"]["id"].as_str().unwrap().to_owned());
    }
}

/// Writers keep creating contacts through a running server while `revdir backup` copies its
/// store. Every create answered before the backup started is in the copy once it is
/// restored elsewhere and served, and the server kept answering writes all along.
#[test]
fn a_backup_under_load_holds_every_write_answered_before_it_began() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db").display().to_string();
    let token = token(&db);
    let node = Node::start(&db, &[]);
    let rt = runtime();
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(Mutex::new(Vec::new()));
    let http = reqwest::Client::new();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (http, addr, token) = (http.clone(), node.addr.clone(), token.clone());
            rt.spawn(create_until_stopped(http, addr, token, w, stop.clone(), answered.clone()))
        })
        .collect();
    let count = || answered.lock().unwrap().len();
    wait_until("200 creates answered", Duration::from_secs(60), || count() >= 200);

    // Everything answered so far was answered before the backup started.
    let before: Vec<String> = answered.lock().unwrap().clone();
    let backup = dir.path().join("live.backup").display().to_string();
    let said = succeeded(&["backup", "--db", &db, "--to", &backup]);
    assert!(said.contains("integrity checked"), "{said}");
    let after_backup = count();
    eprintln!("answered: {} before the backup, {} when it ended", before.len(), after_backup);
    wait_until("the server answers writes after the backup", Duration::from_secs(30), || count() >= after_backup + 50);
    stop.store(true, Relaxed);
    for w in writers {
        rt.block_on(w).unwrap();
    }

    let elsewhere = tempfile::tempdir().unwrap();
    let restored = elsewhere.path().join("restored.db").display().to_string();
    let said = succeeded(&["restore", "--from", &backup, "--db", &restored]);
    assert!(said.contains("restored"), "{said}");
    let copy = Node::start(&restored, &[]);
    let missing: Vec<String> = rt.block_on(async {
        let mut missing = Vec::new();
        for ids in before.chunks(before.len().div_ceil(4)) {
            let (http, addr, token, ids) = (http.clone(), copy.addr.clone(), token.clone(), ids.to_vec());
            missing.push(tokio::spawn(async move {
                let mut gone = Vec::new();
                for id in ids {
                    let (status, _) = post(&http, &addr, &token, "/rev-users.get", json!({"id": id})).await;
                    if status != 200 {
                        gone.push(id);
                    }
                }
                gone
            }));
        }
        let mut all = Vec::new();
        for m in missing {
            all.extend(m.await.unwrap());
        }
        all
    });
    assert!(
        missing.is_empty(),
        "{} of {} creates answered before the backup are not in it: {missing:?}",
        missing.len(),
        before.len()
    );
}

/// A store at this binary's schema, a backup of it and an admin token it holds, in `dir`.
fn store_and_backup(dir: &Path) -> (String, String, String) {
    let db = dir.join("source.db").display().to_string();
    let backup = dir.join("source.backup").display().to_string();
    let token = token(&db);
    succeeded(&["backup", "--db", &db, "--to", &backup]);
    (db, backup, token)
}

/// Runs `sql` on the SQLite file at `path`.
fn sqlite(path: &str, sql: &str) {
    runtime().block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let mut conn = sqlx::ConnectOptions::connect(&options).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        sqlx::Connection::close(conn).await.unwrap();
    });
}

/// The statement recording that a newer revdir applied [`FUTURE_MIGRATION`] (`checksum` is
/// the SQL of a one-byte blob).
fn future_migration(table: &str, checksum: &str) -> String {
    format!(
        "INSERT INTO {table} (version, description, success, checksum, execution_time) \
         VALUES ({FUTURE_MIGRATION}, 'from a newer revdir', true, {checksum}, 0)"
    )
}

#[test]
fn restore_refuses_what_is_no_revdir_store_of_a_known_schema_and_a_store_a_server_holds() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).display().to_string();
    let (source, backup, source_token) = store_and_backup(dir.path());
    let target = d("target.db");

    std::fs::write(d("junk"), "not a database, just words long enough to fill a header page").unwrap();
    refused(&["restore", "--from", &d("junk"), "--db", &target], "not a SQLite database");
    sqlite(&d("other.db"), "CREATE TABLE t (x)");
    refused(&["restore", "--from", &d("other.db"), "--db", &target], "not a revdir store");
    std::fs::copy(&backup, d("newer.backup")).unwrap();
    sqlite(&d("newer.backup"), &future_migration("_sqlx_migrations", "x'00'"));
    refused(&["restore", "--from", &d("newer.backup"), "--db", &target], &FUTURE_MIGRATION.to_string());
    refused(&["backup", "--db", &source, "--to", &backup], "refusing to overwrite");
    assert!(!Path::new(&target).exists(), "a refused restore wrote the target");

    // A store a running server holds is not replaced, --force or not, and keeps serving.
    let other_token = token(&target);
    let node = Node::start(&target, &[]);
    refused(&["restore", "--from", &backup, "--db", &target, "--force"], "a running revdir has it open");
    let rt = runtime();
    let http = reqwest::Client::new();
    let (status, _) = rt.block_on(post(&http, &node.addr, &other_token, "/dev-users.self", json!({})));
    assert_eq!(status, 200, "the held store changed under its server");
    drop(node);

    // Stopped, the store is still not replaced without --force; with it, it is.
    refused(&["restore", "--from", &backup, "--db", &target], "pass --force");
    succeeded(&["restore", "--from", &backup, "--db", &target, "--force"]);
    let node = Node::start(&target, &[]);
    let (status, _) = rt.block_on(post(&http, &node.addr, &source_token, "/dev-users.self", json!({})));
    assert_eq!(status, 200, "the source's token does not work on the restored store");
    let (status, _) = rt.block_on(post(&http, &node.addr, &other_token, "/dev-users.self", json!({})));
    assert_eq!(status, 401, "the replaced store's token still works");
}

#[test]
fn backup_and_restore_of_postgresql_name_pg_dump_and_pg_restore() {
    let url = "postgres://revdir:s3cret@db.internal:5432/revdir";
    let said = refused(&["backup", "--db", url, "--to", "/nonexistent/x"], "pg_dump --format=custom");
    assert!(said.contains("pg_restore") && !said.contains("s3cret"), "{said}");
    refused(&["restore", "--from", "/nonexistent/x", "--db", url], "pg_restore --clean");
}

/// What `serve`, `migrate` and `token create` say on a database a newer revdir migrated.
fn every_command_refuses_the_newer_schema(db: &str) {
    for command in [&["serve", "--listen", "127.0.0.1:0"][..], &["migrate"], &["token", "create"]] {
        let args: Vec<&str> = command.iter().copied().chain(["--db", db]).collect();
        let said = refused(&args, "the database's schema is newer than this revdir");
        assert!(said.contains(&FUTURE_MIGRATION.to_string()) && said.contains("forward-only"), "{said}");
    }
}

#[test]
fn a_binary_older_than_the_schema_refuses_to_start_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("newer.db").display().to_string();
    succeeded(&["migrate", "--db", &db]);
    sqlite(&db, &future_migration("_sqlx_migrations", "x'00'"));
    every_command_refuses_the_newer_schema(&db);
}

#[test]
fn a_binary_older_than_the_schema_refuses_to_start_on_postgresql() {
    let schema = PgSchema::create("backup_newer");
    succeeded(&["migrate", "--db", &schema.url]);
    PgSchema::run(&future_migration(&format!("{}._sqlx_migrations", schema.name), "'\\x00'::bytea"));
    every_command_refuses_the_newer_schema(&schema.url);
}
