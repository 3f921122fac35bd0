//! `accounts.export` (§8.1, docs/API-CONVENTIONS.md entry 100): the filters and `sort_by` of
//! `accounts.list`, the first `first` accounts (1 to 500, 50 by default), ascending id
//! without `sort_by`, and no cursor.

use serde_json::{json, Value};

use crate::helpers::{assert_error, Answer, TestApp};
use crate::on_both_backends;
use crate::tenancy::to_query;

on_both_backends!(export_takes_first_from_1_to_500_defaulting_to_50, export_applies_the_list_filters_and_sort);

/// The accounts' display ids, in answer order; asserts 200 and that nothing but
/// `accounts` came back (no cursor).
fn display_ids(a: &Answer) -> Vec<String> {
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body.as_object().unwrap().keys().collect::<Vec<_>>(), ["accounts"], "{:#}", a.body);
    a.body["accounts"].as_array().unwrap().iter().map(|o| o["display_id"].as_str().unwrap().to_owned()).collect()
}

/// Exports through POST and through the GET twin (for requests with a flat query form);
/// asserts both agree and returns the display ids.
async fn export(app: &TestApp, body: Value) -> Vec<String> {
    let post = display_ids(&app.post("/accounts.export", body.clone()).await);
    if body.as_object().unwrap().values().all(|v| !v.is_object()) {
        let get = display_ids(&app.get("/accounts.export", &to_query(&body)).await);
        assert_eq!(get, post, "GET twin of {body}");
    }
    post
}

/// Creates accounts over 4 connections at once; returns their display ids in ascending order.
async fn create_accounts(app: &TestApp, n: usize) -> Vec<String> {
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let (raw, addr, token) = (app.raw.clone(), app.addr.clone(), app.token.clone());
        tasks.spawn(async move {
            let mut made = Vec::new();
            for i in (worker..n).step_by(4) {
                let req = raw
                    .post(format!("{addr}/accounts.create"))
                    .bearer_auth(&token)
                    .json(&json!({"display_name": format!("acc-{i:03}")}));
                let a = crate::helpers::send_checked("/accounts.create", "POST", req).await;
                assert_eq!(a.status, 201, "{:#}", a.body);
                made.push(a.body["account"]["display_id"].as_str().unwrap().to_owned());
            }
            made
        });
    }
    let mut all: Vec<String> = tasks.join_all().await.into_iter().flatten().collect();
    all.sort_by_key(|d| d.rsplit('-').next().unwrap().parse::<i64>().unwrap());
    all
}

async fn export_takes_first_from_1_to_500_defaulting_to_50(app: TestApp) {
    assert_eq!(export(&app, json!({})).await, Vec::<String>::new(), "nothing to export: an empty list");
    let made = create_accounts(&app, 60).await;
    assert_eq!(export(&app, json!({})).await, made[..50], "50 by default, ascending id");
    assert_eq!(export(&app, json!({"first": 1})).await, made[..1]);
    assert_eq!(export(&app, json!({"first": 59})).await, made[..59]);
    assert_eq!(export(&app, json!({"first": 500})).await, made, "500 is allowed; all 60 come back");
    // Past the list's largest page of 100: the export is not capped by it.
    let more = create_accounts(&app, 60).await;
    let all: Vec<String> = made.iter().chain(&more).cloned().collect();
    let mut sorted_all = all.clone();
    sorted_all.sort_by_key(|d| d.rsplit('-').next().unwrap().parse::<i64>().unwrap());
    assert_eq!(export(&app, json!({"first": 500})).await, sorted_all);
    assert_eq!(export(&app, json!({"first": 101})).await, sorted_all[..101]);

    for first in [json!(0), json!(501), json!(-1)] {
        let a = app.post("/accounts.export", json!({ "first": first })).await;
        assert_error(&a, 400, "bad_request");
        assert!(a.body["message"].as_str().unwrap().contains("first"), "names the field: {:#}", a.body);
        let g = app.get("/accounts.export", &format!("first={first}")).await;
        assert_error(&g, 400, "bad_request");
        assert_eq!(g.body["message"], a.body["message"], "the GET twin says the same");
    }
    let a = app.post("/accounts.export", json!({"first": "ten"})).await;
    assert_eq!(a.status, 400, "{:#}", a.body);
    // No cursor: the list's paging fields mean nothing here.
    assert_eq!(export(&app, json!({"first": 2, "cursor": "anything", "limit": 1})).await, sorted_all[..2]);
}

async fn export_applies_the_list_filters_and_sort(app: TestApp) {
    // Accounts are owned by their creator unless told otherwise: Acme gets another owner.
    let owner = app.post("/dev-users.create", json!({"email": "owner@example.com", "state": "shadow"})).await;
    let owner = owner.body["dev_user"]["id"].clone();
    let vip = app.post("/tags.create", json!({"name": "vip"})).await.body["tag"]["id"].clone();
    let bodies = [
        json!({"display_name": "Acme", "domains": ["acme.com"], "external_refs": ["crm-1"], "tier": "gold",
            "websites": ["https://acme.com"], "owned_by": [owner], "tags": [{"id": vip}]}),
        json!({"display_name": "Beta", "domains": ["beta.io", "beta.com"], "tier": "silver"}),
        json!({"display_name": "Gamma", "external_refs": ["crm-3", "zd-3"], "tier": "gold"}),
    ];
    let mut ids = Vec::new();
    for body in bodies {
        let a = app.post("/accounts.create", body).await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        ids.push(a.body["account"]["display_id"].as_str().unwrap().to_owned());
    }
    let after = app.post("/accounts.get", json!({"id": ids[1]})).await.body["account"]["created_date"].clone();
    let cases: Vec<(Value, Vec<&String>)> = vec![
        (json!({"display_name": ["Beta", "Nope"]}), vec![&ids[1]]),
        (json!({"domains": ["beta.com", "acme.com"]}), vec![&ids[0], &ids[1]]),
        (json!({"external_refs": ["zd-3"]}), vec![&ids[2]]),
        (json!({"tier": ["gold"]}), vec![&ids[0], &ids[2]]),
        (json!({"websites": ["https://acme.com"]}), vec![&ids[0]]),
        (json!({"owned_by": [owner]}), vec![&ids[0]]),
        (json!({"tags": [vip]}), vec![&ids[0]]),
        (json!({"created_by": ["DEVU-1"]}), vec![&ids[0], &ids[1], &ids[2]]),
        (json!({"created_date": {"after": after}}), vec![&ids[1], &ids[2]]),
        (json!({"stage": ["STAGE-1"]}), vec![]),
        (json!({"tier": ["gold"], "display_name": ["Gamma"]}), vec![&ids[2]]),
        (json!({"sort_by": ["display_name:desc"]}), vec![&ids[2], &ids[1], &ids[0]]),
        (json!({"tier": ["gold"], "sort_by": ["display_name:desc"], "first": 1}), vec![&ids[2]]),
    ];
    for (body, expected) in cases {
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(export(&app, body.clone()).await, expected, "export {body}");
        let mut list = body.clone();
        if let Some(first) = list.as_object_mut().unwrap().remove("first") {
            list["limit"] = first;
        }
        let listed = app.post("/accounts.list", list).await;
        assert_eq!(listed.body["accounts"].as_array().unwrap().len(), expected.len(), "the list agrees on {body}");
    }
    // The list's answers to bad filters and sorts.
    for body in [json!({"sort_by": ["tier"]}), json!({"owned_by": ["not-an-id"]}), json!({"tags": ["nope"]})] {
        let export = app.post("/accounts.export", body.clone()).await;
        let list = app.post("/accounts.list", body.clone()).await;
        assert_eq!(export.status, 400, "{body}: {:#}", export.body);
        assert_eq!(export.body, list.body, "{body}");
    }
}
