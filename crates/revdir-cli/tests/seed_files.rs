//! Seed files from the shell: `revdir seed --file FILE [--org ID]` and `revdir serve
//! --emulator --seed FILE`, each loading all or nothing.
#![expect(clippy::unwrap_used, reason = "test helpers abort the test on any failed step")]

mod common;

use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt as _;
use serde_json::{json, Value};

use common::Node;

const DOC: &str = "
tags: [{name: vip, allowed_values: [gold]}]
accounts: [{ref: acme, display_name: Acme}]
rev_orgs: [{ref: acme-eu, display_name: Acme EU, account: acme}]
rev_users: [{ref: ada, display_name: Ada, email: ada@acme.example.com, rev_org: acme-eu, tags: [{id: vip, value: gold}]}]
";

/// The same document with a bad phone number on its second contact.
const BAD: &str = "
accounts: [{ref: acme, display_name: Acme}]
rev_users:
  - {display_name: Bo, account: acme}
  - {display_name: Cy, phone_numbers: ['+14155550100', 'not a phone']}
";

fn revdir(args: &[&str]) -> Output {
    Command::cargo_bin("revdir").unwrap().args(args).stdin(Stdio::null()).output().unwrap()
}

fn token(db: &str) -> String {
    let out = revdir(&["token", "create", "--db", db]);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// POSTs `body` to the spec'd operation `path`; the answer is checked against the spec.
fn call(addr: &str, token: &str, path: &str, body: Value) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let r =
            reqwest::Client::new().post(format!("{addr}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(Value::Null);
        revdir_spec_check::assert_valid_response(path, "POST", status, &body);
        assert_eq!(status, 200, "{path}: {body:#}");
        body
    })
}

/// The contacts of the token's org, by display name.
fn contacts(addr: &str, token: &str) -> Vec<Value> {
    call(addr, token, "/rev-users.list", json!({"sort_by": ["display_name:asc"]}))["rev_users"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn revdir_seed_loads_a_file_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("seeded.db").display().to_string();
    let good = dir.path().join("good.yaml");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&good, DOC).unwrap();
    std::fs::write(&bad, BAD).unwrap();

    let out = revdir(&["seed", "--db", &db, "--file", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["rev_users"].as_u64(), report["accounts"].as_u64()), (Some(1), Some(1)), "{report:#}");
    assert!(report["refs"]["ada"].as_str().unwrap().contains(":revu/"), "{report:#}");

    let out = revdir(&["seed", "--db", &db, "--file", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rev_users[1].phone_numbers[1]") && stderr.contains("nothing was loaded"), "{stderr}");

    // Into another org, by id (`org create` names it on stderr and prints its token).
    let other = revdir(&["org", "create", "--db", &db]);
    assert!(other.status.success());
    let other_token = String::from_utf8(other.stdout).unwrap().trim().to_owned();
    let stderr = String::from_utf8(other.stderr).unwrap();
    let org_id = stderr.split("created dev org ").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();

    let node = Node::start(&db, &[]);
    let admin = token(&db);
    let ada = &contacts(&node.addr, &admin);
    assert_eq!(ada.len(), 1, "the bad file loaded nothing: {ada:#?}");
    assert_eq!(ada[0]["display_name"], "Ada");
    assert_eq!(ada[0]["rev_org"]["display_name"], "Acme EU");
    let accounts = call(&node.addr, &admin, "/accounts.list", json!({}));
    assert_eq!(accounts["accounts"].as_array().unwrap().len(), 1, "{accounts:#}");

    let out = revdir(&["seed", "--db", &db, "--org", &org_id, "--file", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(contacts(&node.addr, &other_token).len(), 1, "loaded into the named org");
    assert_eq!(contacts(&node.addr, &admin).len(), 1, "and not into the default org");
}

#[test]
fn serve_emulator_seed_loads_into_a_fresh_default_org() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("emulator.db").display().to_string();
    let good = dir.path().join("good.json");
    // JSON is a seed format too.
    let doc = json!({
        "tags": [{"name": "vip", "allowed_values": ["gold"]}],
        "rev_users": [{"display_name": "Ada", "tags": [{"id": "vip", "value": "gold"}]}],
    });
    std::fs::write(&good, doc.to_string()).unwrap();
    let node = Node::start(&db, &["--emulator", "--seed", good.to_str().unwrap()]);
    let admin = token(&db);
    let ada = contacts(&node.addr, &admin);
    assert_eq!(ada.len(), 1);
    assert_eq!(ada[0]["tags"][0]["value"], "gold");
    drop(node);
    // A later start over the same store keeps what is there and loads nothing again.
    let node = Node::start(&db, &["--emulator", "--seed", good.to_str().unwrap()]);
    assert_eq!(contacts(&node.addr, &admin).len(), 1);
    drop(node);

    // A bad seed stops the start with the bad value's path.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, BAD).unwrap();
    let fresh = dir.path().join("fresh.db").display().to_string();
    let out =
        revdir(&["serve", "--db", &fresh, "--listen", "127.0.0.1:0", "--emulator", "--seed", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rev_users[1].phone_numbers[1]"), "{stderr}");
    // --seed needs --emulator.
    let out = revdir(&["serve", "--db", &fresh, "--listen", "127.0.0.1:0", "--seed", good.to_str().unwrap()]);
    assert!(!out.status.success());
}
