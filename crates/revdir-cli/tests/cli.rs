//! The `revdir` binary as a user runs it: serve, token create, migrate, signals, restarts.
#![expect(clippy::unwrap_used, reason = "test helpers abort the test on any failed step")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt as _;
use common::PgSchema;
use revdir_spec_check::assert_valid_response;
use serde_json::{json, Value};

/// A running `revdir serve` and the lines it printed before it was ready.
struct Server {
    child: Child,
    addr: String,
    printed: Vec<String>,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(db: &str) -> Self {
        let mut child = Command::cargo_bin("revdir")
            .unwrap()
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut printed = Vec::new();
        loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "revdir exited before listening: {printed:?}");
            let line = line.trim_end().to_owned();
            let ready = line.starts_with("revdir listening on http://");
            printed.push(line);
            if ready {
                break;
            }
        }
        let addr = printed.last().unwrap().trim_start_matches("revdir listening on ").to_owned();
        Self { child, addr, printed, _stdout: stdout }
    }

    /// The admin token printed by a bootstrapping start, if any.
    fn bootstrap_token(&self) -> Option<&str> {
        self.printed.iter().position(|l| l.contains("admin token")).map(|i| self.printed[i + 1].as_str())
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill").args([sig, &self.child.id().to_string()]).status().unwrap().success();
        assert!(ok);
    }

    fn wait(mut self) -> std::process::ExitStatus {
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("revdir did not exit within 10 s");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POSTs `body` to the spec'd operation `path`; the answer is checked against the spec.
fn call(addr: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{addr}{path}"))
            .header("authorization", token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(Value::Null);
        assert_valid_response(path, "POST", status, &body);
        (status, body)
    })
}

fn token_create(db: &str, new_org: bool) -> String {
    let mut cmd = Command::cargo_bin("revdir").unwrap();
    cmd.args(["token", "create", "--db", db]);
    if new_org {
        cmd.arg("--new-org");
    }
    let out = cmd.stderr(Stdio::null()).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "the token alone on stdout: {stdout:?}");
    lines[0].to_owned()
}

#[test]
fn first_start_bootstraps_once_and_later_starts_print_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("revdir.db").display().to_string();
    let first = Server::start(&db);
    let token = first.bootstrap_token().expect("first start prints a token").to_owned();
    assert_eq!(first.printed.iter().filter(|l| l.starts_with("revdir listening on")).count(), 1);
    let (status, body) = call(&first.addr, &token, "/sys-users.list", json!({}));
    assert_eq!(status, 200);
    assert_eq!(body["sys_users"][0]["display_name"], "devrev-bot");
    assert_eq!(body["sys_users"][0]["display_id"], "SYSU-1");
    let (_, me) = call(&first.addr, &format!("Bearer {token}"), "/dev-users.self", json!({}));
    assert_eq!(me["dev_user"]["display_id"], "DEVU-1");
    first.signal("-TERM");
    assert!(first.wait().success(), "SIGTERM exits 0");

    let second = Server::start(&db);
    assert_eq!(second.printed.len(), 1, "no secret on a later start: {:?}", second.printed);
    let (status, _) = call(&second.addr, &token, "/dev-orgs.get", json!({}));
    assert_eq!(status, 200, "the first token still works after a restart");
    second.signal("-INT");
    assert!(second.wait().success(), "SIGINT exits 0");
}

#[test]
fn token_create_prints_working_tokens_for_the_default_and_new_orgs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db").display().to_string();
    // On an empty store, token create bootstraps first.
    let admin = token_create(&db, false);
    let other = token_create(&db, true);
    let server = Server::start(&db);
    assert!(server.bootstrap_token().is_none(), "already bootstrapped by token create");
    let (s1, org1) = call(&server.addr, &admin, "/dev-orgs.get", json!({}));
    let (s2, org2) = call(&server.addr, &other, "/dev-orgs.get", json!({}));
    assert_eq!((s1, s2), (200, 200));
    assert_ne!(org1["dev_org"]["id"], org2["dev_org"]["id"]);
    let (_, created) = call(&server.addr, &admin, "/rev-users.create", json!({"display_name": "Ada"}));
    let id = created["rev_user"]["id"].clone();
    let (status, _) = call(&server.addr, &other, "/rev-users.get", json!({"id": id}));
    assert_eq!(status, 404, "the new org cannot see the default org's contact");
    let (_, sys) = call(&server.addr, &other, "/sys-users.list", json!({}));
    assert_eq!(sys["sys_users"][0]["display_name"], "devrev-bot", "a new org gets its own sys user");
}

#[test]
fn an_answered_write_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("durable.db").display());
    let token = token_create(&db, false);
    let server = Server::start(&db);
    let (status, created) = call(&server.addr, &token, "/rev-users.create", json!({"display_name": "durable"}));
    assert_eq!(status, 201);
    let id = created["rev_user"]["id"].clone();
    let (status, _) = call(&server.addr, &token, "/rev-users.update", json!({"id": id, "email": "d@example.com"}));
    assert_eq!(status, 200);
    server.signal("-KILL");
    let _ = server.wait();
    let again = Server::start(&db);
    let (status, read) = call(&again.addr, &token, "/rev-users.get", json!({"id": id}));
    assert_eq!(status, 200);
    assert_eq!(read["rev_user"]["email"], "d@example.com");
}

#[test]
fn migrate_runs_alone_and_env_vars_configure_serve() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db").display().to_string();
    // The processes run in their own directory, where the default store (`revdir.db`) would go.
    let cwd = tempfile::tempdir().unwrap();
    let default_db = cwd.path().join("revdir.db");
    let out =
        Command::cargo_bin("revdir").unwrap().args(["migrate", "--db", &db]).current_dir(cwd.path()).output().unwrap();
    assert!(out.status.success());
    assert!(std::path::Path::new(&db).exists());
    // A port picked here, so that the printed address shows REVDIR_LISTEN was obeyed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::cargo_bin("revdir")
        .unwrap()
        .arg("serve")
        .env("REVDIR_DB", &db)
        .env("REVDIR_LISTEN", format!("127.0.0.1:{port}"))
        .current_dir(cwd.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = Vec::new();
    while !printed.last().is_some_and(|l: &String| l.starts_with("revdir listening on ")) {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "exited early: {printed:?}");
        printed.push(line.trim_end().to_owned());
    }
    let addr = printed.last().unwrap().trim_start_matches("revdir listening on ").to_owned();
    assert_eq!(addr, format!("http://127.0.0.1:{port}"));
    // migrate alone does not bootstrap: this start does, on the store REVDIR_DB names.
    let token = printed.iter().position(|l| l.contains("admin token")).map(|i| printed[i + 1].clone());
    let token = token.expect("the first serve on a migrated store bootstraps");
    let (status, created) = call(&addr, &token, "/rev-users.create", json!({"display_name": "via env"}));
    assert_eq!(status, 201, "{created}");
    let _ = child.kill();
    let _ = child.wait();
    assert!(!default_db.exists(), "nothing was written to the default store");

    // The contact and the token live in the named file: a server started on it by flag has both.
    let again = Server::start(&db);
    assert!(again.bootstrap_token().is_none(), "the named file was bootstrapped by the env-configured serve");
    let (status, read) = call(&again.addr, &token, "/rev-users.get", json!({"id": created["rev_user"]["id"]}));
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["rev_user"]["display_name"], "via env");
}

#[test]
fn serves_postgresql_by_url() {
    let base = std::env::var("REVDIR_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("revdir_cli_{}", std::process::id());
    let psql = |sql: String| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let pool = sqlx::PgPool::connect(&base).await.expect("PostgreSQL reachable");
            sqlx::query(&sql).execute(&pool).await.unwrap();
        });
    };
    psql(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    psql(format!("CREATE SCHEMA {schema}"));
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options[search_path]={schema}");
    let server = Server::start(&url);
    let token = server.bootstrap_token().expect("bootstraps").to_owned();
    let (status, body) = call(&server.addr, &token, "/rev-users.create", json!({"email": "pg@example.com"}));
    assert_eq!(status, 201, "{body}");
    drop(server);
    psql(format!("DROP SCHEMA {schema} CASCADE"));
}

fn seed(db: &str, n: u64) -> String {
    let out = Command::cargo_bin("revdir")
        .unwrap()
        .args(["seed", "--db", db, "--rev-users", &n.to_string()])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "revdir seed failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn seed_bulk_creates_contacts_that_behave_like_created_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("seeded.db").display().to_string();
    // On an empty store seed bootstraps first; a second seed continues the numbering
    // (and ends in a partial multi-row statement).
    assert!(seed(&db, 2_500).starts_with("seeded 2500 contacts"));
    assert!(seed(&db, 7).starts_with("seeded 7 contacts"));
    // The load is checkpointed into the file: no write-ahead log is left for the server's
    // first requests to copy.
    let wal = std::fs::metadata(format!("{db}-wal")).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal, 0, "the write-ahead log after seeding holds {wal} bytes");
    let token = token_create(&db, false);
    let server = Server::start(&db);

    let (status, body) = call(&server.addr, &token, "/rev-users.list", json!({"email": ["User1234@example.com"]}));
    assert_eq!(status, 200, "{body}");
    let found = body["rev_users"].as_array().unwrap();
    assert_eq!(found.len(), 1, "exactly the one contact: {body}");
    let c = &found[0];
    assert_eq!(c["display_id"], "REVU-1234");
    assert_eq!(c["display_name"], "User 1234");
    assert_eq!(c["email"], "user1234@example.com");
    assert_eq!(c["phone_numbers"], json!(["+14155551234"]));
    assert_eq!(c["external_ref"], "REVU-1234");
    assert_eq!(c["external_refs"], json!(["REVU-1234"]));
    assert_eq!(c["state"], "active");
    assert_eq!(c["created_by"]["display_id"], "DEVU-1");

    let (_, last) = call(&server.addr, &token, "/rev-users.list", json!({"email": ["user2507@example.com"]}));
    assert_eq!(last["rev_users"][0]["display_id"], "REVU-2507");
    let (_, none) = call(&server.addr, &token, "/rev-users.list", json!({"email": ["user2508@example.com"]}));
    assert_eq!(none["rev_users"], json!([]));

    let (status, created) = call(&server.addr, &token, "/rev-users.create", json!({"display_name": "After"}));
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["rev_user"]["display_id"], "REVU-2508", "a normal create takes the next id");
    let (status, body) =
        call(&server.addr, &token, "/rev-users.create", json!({"display_name": "Dup", "external_ref": "REVU-17"}));
    assert_eq!(status, 409, "seeded external refs are registered for uniqueness: {body}");
    assert_eq!(body["type"], "conflict", "{body}");
    let (status, body) =
        call(&server.addr, &token, "/rev-users.update", json!({"id": "REVU-99", "display_name": "Changed"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rev_user"]["external_ref"], "REVU-99");
}

#[test]
fn every_answered_write_survives_kill_9_under_load_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    every_answered_write_survives_kill_9_under_load(&dir.path().join("group.db").display().to_string());
}

#[test]
fn every_answered_write_survives_kill_9_under_load_on_postgresql() {
    let schema = PgSchema::create("cli_kill9");
    every_answered_write_survives_kill_9_under_load(&schema.url);
}

/// How many writers keep requests in flight while the server is killed.
const KILL_WRITERS: usize = 16;

/// What one writer saw answered before the server died.
#[derive(Default)]
struct Answered {
    /// The contacts whose creation was answered.
    created: Vec<String>,
    /// The writer's own contact (its first), which it renames `w<writer>-<n>` for n = 0, 1, …
    contact: Option<String>,
    /// The last rename answered.
    renamed: Option<u64>,
    /// The last rename sent.
    sent: u64,
}

/// One writer: creates a contact, renames its own, and again, until the server stops answering.
async fn write_until_killed(
    client: reqwest::Client,
    addr: String,
    token: String,
    w: usize,
    count: Arc<AtomicUsize>,
) -> Answered {
    let post = |path: &'static str, body: Value| {
        client.post(format!("{addr}{path}")).header("authorization", &token).json(&body).send()
    };
    let mut mine = Answered::default();
    for n in 0_u64.. {
        let Ok(r) = post("/rev-users.create", json!({"display_name": format!("w{w}")})).await else { break };
        assert_eq!(r.status(), 201);
        let Ok(body) = r.json::<Value>().await else { break };
        assert_valid_response("/rev-users.create", "POST", 201, &body);
        let id = body["rev_user"]["id"].as_str().unwrap().to_owned();
        mine.created.push(id.clone());
        count.fetch_add(1, Relaxed);
        let contact = mine.contact.get_or_insert(id).clone();
        mine.sent = n;
        let Ok(r) = post("/rev-users.update", json!({"id": contact, "display_name": format!("w{w}-{n}")})).await else {
            break;
        };
        assert_eq!(r.status(), 200);
        let Ok(body) = r.json::<Value>().await else { break };
        assert_valid_response("/rev-users.update", "POST", 200, &body);
        mine.renamed = Some(n);
        count.fetch_add(1, Relaxed);
    }
    mine
}

/// Writers keep creating contacts and renaming each its own (the one-statement update)
/// until the server, killed with SIGKILL while their requests are in flight, stops
/// answering. Answers mean durable: after a restart every answered create is there, and
/// each writer's contact carries its last answered rename or a later one it sent (a rename
/// sent but unanswered may or may not have been written).
fn every_answered_write_survives_kill_9_under_load(db: &str) {
    let token = token_create(db, false);
    let server = Server::start(db);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let answers: Vec<Answered> = rt.block_on(async {
        let client = reqwest::Client::new();
        let count = Arc::new(AtomicUsize::new(0));
        let writers: Vec<_> = (0..KILL_WRITERS)
            .map(|w| {
                tokio::spawn(write_until_killed(client.clone(), server.addr.clone(), token.clone(), w, count.clone()))
            })
            .collect();
        // Kill once the writers are well under way: their next requests are in flight.
        for _ in 0..600 {
            if count.load(Relaxed) >= 8 * KILL_WRITERS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(count.load(Relaxed) >= 8 * KILL_WRITERS, "the writers got too few answers in 30 s");
        server.signal("-KILL");
        let mut answers = Vec::new();
        for w in writers {
            answers.push(w.await.unwrap());
        }
        answers
    });
    let _ = server.wait();
    let again = Server::start(db);
    for (w, mine) in answers.iter().enumerate() {
        for id in &mine.created {
            let (status, _) = call(&again.addr, &token, "/rev-users.get", json!({"id": id}));
            assert_eq!(status, 200, "{id} was answered 201 but is gone after kill -9");
        }
        // A writer may have had no create answered before the kill.
        let Some(contact) = &mine.contact else { continue };
        let (_, read) = call(&again.addr, &token, "/rev-users.get", json!({"id": contact}));
        let name = read["rev_user"]["display_name"].as_str().unwrap();
        let survived: Option<u64> = name.strip_prefix(&format!("w{w}-")).map(|n| n.parse().unwrap());
        assert!(survived <= Some(mine.sent), "writer {w}: {name:?} was never sent");
        assert!(survived >= mine.renamed, "writer {w}: {name:?} although rename {:?} was answered", mine.renamed);
    }
}

#[test]
fn org_create_adds_a_dev_org_a_running_server_serves_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("orgs.db").display().to_string();
    let server = Server::start(&db);
    let admin = server.bootstrap_token().unwrap().to_owned();
    let out = Command::cargo_bin("revdir")
        .unwrap()
        .args(["org", "create", "--db", &db, "--display-name", "Team B"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "the token alone on stdout: {stdout:?}");
    let token = lines[0];
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("created dev org") && !stderr.contains(token), "{stderr}");
    let (status, org) = call(&server.addr, token, "/dev-orgs.get", json!({}));
    assert_eq!(status, 200, "no restart needed: {org}");
    assert_eq!(org["dev_org"]["display_name"], "Team B");
    assert!(stderr.contains(org["dev_org"]["id"].as_str().unwrap().rsplit('/').next().unwrap()), "{stderr}");
    let (_, default) = call(&server.addr, &admin, "/dev-orgs.get", json!({}));
    assert_ne!(default["dev_org"]["id"], org["dev_org"]["id"]);
    let (_, me) = call(&server.addr, token, "/dev-users.self", json!({}));
    assert_eq!(me["dev_user"]["display_id"], "DEVU-1");
}

/// `revdir journal` prints a running server's changes; with `--follow` it prints each new
/// change as it is made.
#[test]
fn journal_prints_changes_and_follows_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("revdir.db").display().to_string();
    let server = Server::start(&db);
    let token = server.bootstrap_token().unwrap().to_owned();
    let (status, _) = call(&server.addr, &token, "/rev-users.create", json!({"display_name": "Ada"}));
    assert_eq!(status, 201);
    let out = Command::cargo_bin("revdir")
        .unwrap()
        .args(["journal", "--url", &server.addr])
        .env("DEVREV_API_TOKEN", &token)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("created rev_user") && text.contains("display_name: null -> \"Ada\""), "{text}");

    let mut follower = Command::cargo_bin("revdir")
        .unwrap()
        .args(["journal", "--url", &server.addr, "--follow", "--json", "--type", "tag"])
        .env("DEVREV_API_TOKEN", &token)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(follower.stdout.take().unwrap());
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines() {
            if lines_tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    let (status, tag) = call(&server.addr, &token, "/tags.create", json!({"name": "followed"}));
    assert_eq!(status, 201);
    let line = lines_rx.recv_timeout(Duration::from_secs(10)).expect("the follower printed the new tag");
    let entry: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(entry["object"], tag["tag"]["id"]);
    assert_eq!(entry["event_type"], "tag_created");
    let _ = follower.kill();
    let _ = follower.wait();
}
