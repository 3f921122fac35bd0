//! Two `revdir serve` processes on one PostgreSQL behave as one server: 32 concurrent
//! updaters of the same contacts, spread over both nodes, lose no field; external_ref stays
//! unique across nodes; a read on either node sees every answered write.
#![expect(clippy::unwrap_used, reason = "test helpers abort the test on any failed step")]

mod common;

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt as _;
use serde_json::{json, Value};

use common::Node;

/// POSTs `body` to the spec'd operation `path` on `addr`; the answer is checked against the spec.
async fn post(client: &reqwest::Client, addr: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = client.post(format!("{addr}{path}")).header("authorization", token).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    revdir_spec_check::assert_valid_response(path, "POST", status, &body);
    (status, body)
}

fn value_for(field: &str, contact: usize, round: usize) -> Value {
    match field {
        "email" => json!(format!("c{contact}r{round}@example.com")),
        "phone_numbers" => json!([format!("+1415555{:04}", contact * 100 + round)]),
        _ => json!(format!("{field}-{contact}-{round}")),
    }
}

#[test]
fn two_nodes_on_one_postgresql_behave_as_one_server() {
    let base = std::env::var("REVDIR_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("revdir_multinode_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(&base).await.expect("PostgreSQL reachable");
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&pool).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&pool).await.unwrap();
    });
    let sep = if base.contains('?') { '&' } else { '?' };
    let db = format!("{base}{sep}options[search_path]={schema}");
    let out = Command::cargo_bin("revdir").unwrap().args(["token", "create", "--db", &db]).output().unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let nodes = [Node::start(&db, &[]), Node::start(&db, &[])];
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr.clone()).collect();

    rt.block_on(async {
        let client = reqwest::Client::new();
        let mut contacts = Vec::new();
        for i in 0..8 {
            let (s, body) =
                post(&client, &addrs[i % 2], &token, "/rev-users.create", json!({"display_name": "x"})).await;
            assert_eq!(s, 201);
            contacts.push(body["rev_user"]["id"].as_str().unwrap().to_owned());
        }
        // 8 contacts x 4 fields = 32 updaters, each owning one (contact, field) pair and
        // alternating nodes; after each answer, the other node must read what was written.
        let fields = ["display_name", "description", "email", "phone_numbers"];
        let mut tasks = Vec::new();
        for (c, id) in contacts.iter().enumerate() {
            for field in fields {
                let (client, addrs, token, id) = (client.clone(), addrs.clone(), token.clone(), id.clone());
                tasks.push(tokio::spawn(async move {
                    for round in 0..8 {
                        let (writer, reader) = (&addrs[round % 2], &addrs[(round + 1) % 2]);
                        let value = value_for(field, c, round);
                        let (s, body) =
                            post(&client, writer, &token, "/rev-users.update", json!({"id": id, field: value})).await;
                        assert_eq!(s, 200, "{body}");
                        let (s, read) = post(&client, reader, &token, "/rev-users.get", json!({"id": id})).await;
                        assert_eq!(s, 200);
                        assert_eq!(read["rev_user"][field], value, "the other node sees the answered write");
                    }
                }));
            }
        }
        for t in tasks {
            t.await.unwrap();
        }
        for (c, id) in contacts.iter().enumerate() {
            for addr in &addrs {
                let (_, read) = post(&client, addr, &token, "/rev-users.get", json!({"id": id})).await;
                for field in fields {
                    assert_eq!(read["rev_user"][field], value_for(field, c, 7), "{field} of contact {c} was lost");
                }
            }
        }
        // external_ref uniqueness holds across nodes: of 16 racing claims, one wins.
        let mut claims = Vec::new();
        for i in 0..16 {
            let (client, addr, token, id) =
                (client.clone(), addrs[i % 2].clone(), token.clone(), contacts[i % 8].clone());
            claims.push(tokio::spawn(async move {
                post(&client, &addr, &token, "/rev-users.update", json!({"id": id, "external_ref": "crm-shared"})).await
            }));
        }
        let mut winners = std::collections::HashSet::new();
        for c in claims {
            let (s, body) = c.await.unwrap();
            match s {
                200 => {
                    winners.insert(body["rev_user"]["id"].as_str().unwrap().to_owned());
                }
                409 => assert_eq!(body["type"], "conflict"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one contact holds crm-shared: {winners:?}");
        for addr in &addrs {
            let (_, listed) =
                post(&client, addr, &token, "/rev-users.list", json!({"external_ref": ["crm-shared"]})).await;
            assert_eq!(listed["rev_users"].as_array().unwrap().len(), 1);
        }
    });
    drop(nodes);
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(&base).await.unwrap();
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&pool).await.unwrap();
    });
}
