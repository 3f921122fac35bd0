//! `revdir serve --emulator` as a user types it: the operator key it generates is printed by
//! `revdir env`, opens `/_revdir/orgs.*`, and the org it creates moves its own clock.
#![expect(clippy::unwrap_used, reason = "test helpers abort the test on any failed step")]

mod common;

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt as _;
use serde_json::{json, Value};

use common::Node;

fn env_vars(db: &str, addr: &str) -> Vec<(String, String)> {
    let listen = addr.trim_start_matches("http://");
    let out =
        Command::cargo_bin("revdir").unwrap().args(["env", "--db", db, "--listen", listen, "--http"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect()
}

fn post(addr: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let r =
            reqwest::Client::new().post(format!("{addr}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    })
}

#[test]
fn env_prints_the_emulators_operator_key_which_opens_the_control_plane() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db").display().to_string();
    let node = Node::start(&db, &["--emulator"]);
    let vars = env_vars(&db, &node.addr);
    let key = vars.iter().find(|(k, _)| k == "REVDIR_OPERATOR_KEY").map(|(_, v)| v.clone()).unwrap_or_default();
    assert!(!key.is_empty(), "the key is printed");
    assert_eq!(env_vars(&db, &node.addr).iter().find(|(k, _)| k == "REVDIR_OPERATOR_KEY").unwrap().1, key, "stable");
    let (status, created) =
        post(&node.addr, &key, "/_revdir/orgs.create", json!({"display_name": "ci", "ttl_seconds": 600}));
    assert_eq!(status, 201, "{created:#}");
    let token = created["admin_token"].as_str().unwrap();
    let (status, clock) =
        post(&node.addr, token, "/_revdir/clock.set", json!({"mode": "frozen", "at": "2031-01-01T00:00:00Z"}));
    assert_eq!((status, clock["clock"]["now"].as_str()), (200, Some("2031-01-01T00:00:00.000Z")), "{clock:#}");
    let (status, listed) = post(&node.addr, &key, "/_revdir/orgs.list", json!({}));
    assert_eq!(status, 200);
    let ours = listed["dev_orgs"].as_array().unwrap().iter().find(|o| o["dev_org"]["id"] == created["dev_org"]["id"]);
    assert_eq!(ours.unwrap()["clock_mode"], "frozen", "{listed:#}");
    // Without --emulator the same store has no control plane, even for the key.
    drop(node);
    let plain = Node::start(&db, &[]);
    let (status, _) = post(&plain.addr, &key, "/_revdir/orgs.list", json!({}));
    assert_eq!(status, 404, "a directory has no orgs.list");
}

/// Runs `revdir <args>` against a server with an org's token in the environment, as after
/// `eval "$(revdir env)"`; answers the JSON it printed.
fn control(addr: &str, token: &str, args: &[&str]) -> Value {
    let out = Command::cargo_bin("revdir")
        .unwrap()
        .args(args)
        .env("DEVREV_BASE_URL", addr)
        .env("DEVREV_API_TOKEN", token)
        .output()
        .unwrap();
    assert!(out.status.success(), "revdir {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn snapshots_clocks_faults_and_reset_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db").display().to_string();
    let node = Node::start(&db, &["--emulator", "--operator-key", "a key long enough for the operator"]);
    let (_, created) = post(&node.addr, "a key long enough for the operator", "/_revdir/orgs.create", json!({}));
    let t = created["admin_token"].as_str().unwrap();
    let clock = control(&node.addr, t, &["clock", "set", "--frozen", "2031-01-01T00:00:00Z"]);
    assert_eq!(clock["clock"]["now"], "2031-01-01T00:00:00.000Z");
    let clock = control(&node.addr, t, &["clock", "set", "--advance", "60"]);
    assert_eq!(
        (clock["clock"]["mode"].as_str(), clock["clock"]["now"].as_str()),
        (Some("frozen"), Some("2031-01-01T00:01:00.000Z"))
    );
    assert_eq!(control(&node.addr, t, &["snapshot", "create", "empty"])["snapshot"]["name"], "empty");
    assert_eq!(post(&node.addr, t, "/rev-users.create", json!({"display_name": "Ada"})).0, 201);
    control(&node.addr, t, &["snapshot", "restore", "empty"]);
    let (_, listed) = post(&node.addr, t, "/rev-users.list", json!({}));
    assert_eq!(listed["rev_users"], json!([]), "restored");
    assert_eq!(control(&node.addr, t, &["snapshot", "list"])["snapshots"][0]["name"], "empty");
    control(&node.addr, t, &["faults", "set", r#"[{"operation": "rev-users.list", "status": 503, "count": 1}]"#]);
    assert_eq!(post(&node.addr, t, "/rev-users.list", json!({})).0, 503);
    assert_eq!(post(&node.addr, t, "/rev-users.list", json!({})).0, 200);
    assert_eq!(control(&node.addr, t, &["faults", "list"])["rules"][0]["faulted"], 1);
    control(&node.addr, t, &["faults", "clear"]);
    control(&node.addr, t, &["snapshot", "delete", "empty"]);
    control(&node.addr, t, &["reset"]);
    assert_eq!(control(&node.addr, t, &["clock", "get"])["clock"]["mode"], "system", "reset puts the clock back");
    // Without a token, a clear error and a non-zero exit.
    let out =
        Command::cargo_bin("revdir").unwrap().args(["clock", "get"]).env_remove("DEVREV_API_TOKEN").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DEVREV_API_TOKEN"));
}
