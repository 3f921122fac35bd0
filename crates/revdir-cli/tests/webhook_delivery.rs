//! Webhook delivery as an operator runs it, with `revdir serve` processes and a receiver that
//! really listens: a node killed with SIGKILL while deliveries are in flight loses no event
//! (SQLite, restarted on the same file), and two nodes on one PostgreSQL deliver 1,000
//! events to one receiver with none lost and none twice.
#![expect(clippy::unwrap_used, reason = "test helpers abort the test on any failed step")]

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt as _;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing;
use axum::{Json, Router};
use serde_json::{json, Value};

use common::Node;

/// Retries after 200 ms and 400 ms, so a failed attempt does not hold a test up.
const QUICK_RETRIES: &[&str] = &["--webhook-retry-delays-ms", "200,400"];

/// How many times each event id arrived (answered 200), and how slowly to answer.
#[derive(Default)]
struct Seen {
    events: Mutex<HashMap<String, usize>>,
    answer_after: Mutex<Duration>,
    arrived: tokio::sync::Notify,
}

async fn hook(State(seen): State<Arc<Seen>>, raw: Bytes) -> Json<Value> {
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let pause = *seen.answer_after.lock().unwrap();
    tokio::time::sleep(pause).await;
    if body["type"] == "verify" {
        return Json(json!({"challenge": body["verify"]["challenge"]}));
    }
    *seen.events.lock().unwrap().entry(body["id"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
    seen.arrived.notify_waiters();
    Json(json!({}))
}

async fn receiver(seen: Arc<Seen>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = Router::new().route("/hook", routing::post(hook)).with_state(seen);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn post(client: &reqwest::Client, addr: &str, token: &str, path: &str, body: Value) -> Value {
    let r = client.post(format!("{addr}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status == 200 || status == 201, "{path}: {status} {body:#}");
    body
}

/// Creates a webhook for `types` and waits until its handshake is answered.
async fn active_webhook(client: &reqwest::Client, addr: &str, token: &str, url: &str, types: &[&str]) -> Value {
    let hook = post(client, addr, token, "/webhooks.create", json!({"url": url, "event_types": types})).await;
    let id = hook["webhook"]["id"].clone();
    let waited = post(
        client,
        addr,
        token,
        "/_revdir/webhooks.deliveries.wait",
        json!({"webhook": id, "event_type": ["verify"]}),
    )
    .await;
    assert_eq!(waited["complete"], true, "{waited:#}");
    id
}

/// Waits (at most `within`) until `want` distinct events arrived; answers the counts.
async fn until_received(seen: &Seen, want: usize, within: Duration) -> HashMap<String, usize> {
    let deadline = Instant::now() + within;
    loop {
        let arrived = seen.arrived.notified();
        let got = seen.events.lock().unwrap().clone();
        let left = deadline.saturating_duration_since(Instant::now());
        if got.len() >= want || left.is_zero() {
            return got;
        }
        let _ = tokio::time::timeout(left, arrived).await;
    }
}

fn admin_token(db: &str) -> String {
    let out = Command::cargo_bin("revdir").unwrap().args(["token", "create", "--db", db]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_node_killed_mid_delivery_loses_no_event_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("revdir.db").display().to_string();
    let token = admin_token(&db);
    let mut node = Node::start(&db, QUICK_RETRIES);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let seen = Arc::new(Seen::default());
        let url = receiver(seen.clone()).await;
        active_webhook(&client, &node.addr, &token, &url, &["rev_user_created"]).await;
        // A slow endpoint keeps deliveries in flight when the node dies.
        *seen.answer_after.lock().unwrap() = Duration::from_millis(300);
        let mut created = Vec::new();
        for i in 0..40 {
            let c =
                post(&client, &node.addr, &token, "/rev-users.create", json!({"display_name": format!("k{i}")})).await;
            created.push(c["rev_user"]["id"].as_str().unwrap().to_owned());
        }
        node.kill_9();
        let before = seen.events.lock().unwrap().len();
        assert!(before < created.len(), "the kill came while deliveries were still due ({before} delivered)");
        *seen.answer_after.lock().unwrap() = Duration::ZERO;
        let _restarted = Node::start(&db, QUICK_RETRIES);
        // Leases of the killed node's claims run out after 10 s; then the new process
        // finishes them.
        let got = until_received(&seen, created.len(), Duration::from_secs(60)).await;
        assert_eq!(
            got.len(),
            created.len(),
            "every acknowledged write's event arrived: {} of {}",
            got.len(),
            created.len()
        );
    });
}

#[test]
fn two_nodes_on_one_postgresql_deliver_each_event_once() {
    let base = std::env::var("REVDIR_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("revdir_delivery_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let drop_schema = |rt: &tokio::runtime::Runtime| {
        rt.block_on(async {
            let pool = sqlx::PgPool::connect(&base).await.expect("PostgreSQL reachable");
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&pool).await.unwrap();
        });
    };
    drop_schema(&rt);
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(&base).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&pool).await.unwrap();
    });
    let sep = if base.contains('?') { '&' } else { '?' };
    let db = format!("{base}{sep}options[search_path]={schema}");
    let token = admin_token(&db);
    let nodes = [Node::start(&db, QUICK_RETRIES), Node::start(&db, QUICK_RETRIES)];
    rt.block_on(async {
        let client = reqwest::Client::new();
        let seen = Arc::new(Seen::default());
        let url = receiver(seen.clone()).await;
        active_webhook(&client, &nodes[0].addr, &token, &url, &["tag_created"]).await;
        let mut writers = Vec::new();
        for w in 0..8 {
            let (client, token) = (client.clone(), token.clone());
            let addr = nodes[w % 2].addr.clone();
            writers.push(tokio::spawn(async move {
                for i in 0..125 {
                    post(&client, &addr, &token, "/tags.create", json!({"name": format!("t-{w}-{i}")})).await;
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        let got = until_received(&seen, 1_000, Duration::from_secs(120)).await;
        assert_eq!(got.len(), 1_000, "every event arrived");
        let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "no event arrived twice: {twice:?}");
    });
    drop(nodes);
    drop_schema(&rt);
}
