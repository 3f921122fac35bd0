//! Many concurrent writers: on SQLite they share group-commit batches, yet each request stays
//! atomic and isolated — a failing request rolls back alone with its own error.

use serde_json::json;

use crate::helpers::{assert_error, send_checked, TestApp};
use crate::on_both_backends;

on_both_backends!(concurrent_writes_succeed_or_fail_alone);

async fn concurrent_writes_succeed_or_fail_alone(app: TestApp) {
    let mut tasks = Vec::new();
    for i in 0..48 {
        let (raw, addr, token) = (app.raw.clone(), app.addr.clone(), app.token.clone());
        // Every third request claims the same external_ref: exactly one of those may win.
        let external_ref = if i % 3 == 0 { "shared-ref".to_owned() } else { format!("own-{i}") };
        tasks.push(tokio::spawn(async move {
            let req = raw
                .post(format!("{addr}/rev-users.create"))
                .bearer_auth(token)
                .json(&json!({"display_name": format!("c{i}"), "external_ref": external_ref, "phone_numbers": ["+14155550100"]}));
            (i, send_checked("/rev-users.create", "POST", req).await)
        }));
    }
    let mut created = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        let (i, answer) = t.await.unwrap();
        match answer.status {
            201 => created.push(answer.body["rev_user"]["display_id"].as_str().unwrap().to_owned()),
            409 => {
                assert_eq!(i % 3, 0, "only the shared ref may conflict");
                assert_error(&answer, 409, "conflict");
                conflicts += 1;
            }
            other => panic!("request {i} answered {other}: {}", answer.body),
        }
    }
    assert_eq!(conflicts, 15, "16 requests shared one ref; one won");
    assert_eq!(created.len(), 33);
    // Exactly the answered creates are stored: refused ones left no trace, ids have no gaps.
    let listed = app.post("/rev-users.list", json!({"limit": 100, "sort_by": ["display_id"]})).await;
    let mut ids: Vec<String> = listed.body["rev_users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["display_id"].as_str().unwrap().to_owned())
        .collect();
    let mut answered = created.clone();
    ids.sort();
    answered.sort();
    assert_eq!(ids, answered);
    let holders = app.post("/rev-users.list", json!({"external_ref": ["shared-ref"]})).await;
    assert_eq!(holders.body["rev_users"].as_array().unwrap().len(), 1);
    let numbers: std::collections::BTreeSet<u32> =
        created.iter().map(|d| d.trim_start_matches("REVU-").parse().unwrap()).collect();
    assert_eq!(numbers, (1..=33).collect(), "counters roll back with refused requests");
}
