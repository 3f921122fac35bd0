//! Fault plans (`/_revdir/faults.*`, issue 16, API-CONVENTIONS "Emulator: fault plans"):
//! deterministic errors and latency on an org's DevRev operations, counted exactly, stored
//! with the org, and only under `--emulator`.

use std::time::{Duration, Instant};

use revdir_server::ServerConfig;
use serde_json::{json, Value};

use crate::auth_tokens::{access, claims, mint_as};
use crate::helpers::{assert_error, Answer, TestApp};
use crate::spec::assert_valid_response;
use crate::{on_both_backends, on_both_backends_configured};

on_both_backends_configured!(
    super::emulator;
    two_503s_then_success_exactly,
    a_429_carries_retry_after_and_its_header,
    a_500_carries_a_reference_id,
    after_lets_requests_through_and_count_limits_the_faults,
    a_rule_for_one_token_spares_the_others,
    a_star_rule_faults_every_operation_but_the_control_plane,
    latency_delays_the_answer,
    a_faulted_write_writes_nothing,
    another_orgs_requests_never_meet_the_plan,
    a_restart_keeps_the_rules_and_their_counters,
    bad_rules_are_refused_with_the_path_of_the_bad_value,
);
on_both_backends!(without_the_emulator_the_routes_do_not_exist);

/// Emulator mode.
fn emulator(c: &mut ServerConfig) {
    c.emulator = true;
}

async fn set(app: &TestApp, rules: Value) -> Answer {
    app.revdir("/_revdir/faults.set", json!({ "rules": rules })).await
}

async fn set_ok(app: &TestApp, rules: Value) -> Value {
    let a = set(app, rules).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body
}

async fn list(app: &TestApp) -> Vec<Value> {
    let a = app.revdir("/_revdir/faults.list", json!({})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["rules"].as_array().unwrap().clone()
}

/// A contact to update, and the update request.
async fn contact(app: &TestApp) -> String {
    app.create_rev_user(json!({"display_name": "Ada", "email": "ada@example.com"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn rename(app: &TestApp, id: &str, name: &str) -> Answer {
    app.post("/rev-users.update", json!({"id": id, "display_name": name})).await
}

/// Sends `POST path` with `token` and returns the status, body and headers, the body checked
/// against the spec.
async fn raw(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = app.raw.post(format!("{}{path}", app.addr)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
    assert_valid_response(path, "POST", status, &body);
    (status, body, headers)
}

async fn two_503s_then_success_exactly(app: TestApp) {
    let id = contact(&app).await;
    let plan = set_ok(&app, json!([{"operation": "rev-users.update", "status": 503, "count": 2}])).await;
    assert_eq!(plan["rules"][0]["seen"], 0);
    for n in 1..=2 {
        let (status, body, headers) =
            raw(&app, &app.token, "/rev-users.update", json!({"id": id, "display_name": "B"})).await;
        assert_eq!((status, body["type"].as_str()), (503, Some("service_unavailable")), "attempt {n}: {body:#}");
        // DevRev's 503 declares no Retry-After; only the 429 does.
        assert!(headers.get("retry-after").is_none());
    }
    let third = rename(&app, &id, "B").await;
    assert_eq!(third.status, 200, "{:#}", third.body);
    assert_eq!(rename(&app, &id, "C").await.status, 200);
    let rules = list(&app).await;
    assert_eq!((rules[0]["seen"].as_i64(), rules[0]["faulted"].as_i64()), (Some(4), Some(2)));
    // Other operations were never counted.
    assert_eq!(app.post("/rev-users.get", json!({"id": id})).await.status, 200);
    assert_eq!(list(&app).await[0]["seen"], 4);
}

async fn a_429_carries_retry_after_and_its_header(app: TestApp) {
    set_ok(&app, json!([{"operation": "rev-users.list", "status": 429, "retry_after": 7, "count": 1}])).await;
    let (status, body, headers) = raw(&app, &app.token, "/rev-users.list", json!({})).await;
    assert_eq!(status, 429, "{body:#}");
    assert_eq!(body["type"], "too_many_requests");
    assert_eq!(body["retry_after"], 7);
    assert_eq!(headers["retry-after"], "7");
    // Without retry_after the rule answers one second.
    set_ok(&app, json!([{"operation": "rev-users.list", "status": 429}])).await;
    let (_, body, headers) = raw(&app, &app.token, "/rev-users.list", json!({})).await;
    assert_eq!((body["retry_after"].as_i64(), &headers["retry-after"]), (Some(1), &"1".parse().unwrap()));
}

async fn a_500_carries_a_reference_id(app: TestApp) {
    set_ok(&app, json!([{"operation": "accounts.list", "status": 500, "count": 2}])).await;
    let first = app.post("/accounts.list", json!({})).await;
    let second = app.post("/accounts.list", json!({})).await;
    assert_error(&first, 500, "internal_error");
    let (a, b) = (first.body["reference_id"].as_str().unwrap(), second.body["reference_id"].as_str().unwrap());
    assert!(!a.is_empty() && a != b, "each fault has its own reference id: {a} {b}");
    set_ok(&app, json!([{"operation": "accounts.list", "status": 500, "reference_id": "ref-1", "message": "boom"}]))
        .await;
    let fixed = app.post("/accounts.list", json!({})).await;
    assert_eq!((fixed.body["reference_id"].as_str(), fixed.body["message"].as_str()), (Some("ref-1"), Some("boom")));
}

async fn after_lets_requests_through_and_count_limits_the_faults(app: TestApp) {
    set_ok(&app, json!([{"operation": "rev-users.list", "status": 503, "after": 2, "count": 1}])).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.post("/rev-users.list", json!({})).await.status);
    }
    assert_eq!(statuses, [200, 200, 503, 200, 200]);
    // Without count, every request after `after` is faulted until the plan is cleared.
    set_ok(&app, json!([{"operation": "rev-users.list", "status": 404, "after": 1}])).await;
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(app.post("/rev-users.list", json!({})).await.status);
    }
    assert_eq!(got, [200, 404, 404, 404]);
    assert_eq!(list(&app).await[0]["faulted"], 3);
    let cleared = app.revdir("/_revdir/faults.clear", json!({})).await;
    assert_eq!(cleared.status, 200);
    assert!(list(&app).await.is_empty());
    assert_eq!(app.post("/rev-users.list", json!({})).await.status, 200);
}

async fn a_rule_for_one_token_spares_the_others(app: TestApp) {
    let other = access(
        &mint_as(&app, &app.token, json!({"requested_token_type": "urn:devrev:params:oauth:token-type:pat"})).await,
    );
    let c = claims(&other);
    let jti = c["jti"].as_str().unwrap();
    let org = c["sub"].as_str().unwrap().split(':').nth(3).unwrap();
    let don = format!("don:identity:dvrv-us-1:{org}:token/{jti}");
    for token_id in [don.as_str(), jti] {
        let plan = set_ok(&app, json!([{"operation": "*", "token": token_id, "status": 403}])).await;
        assert_eq!(plan["rules"][0]["token"], don.as_str(), "the rule names the token by its DON");
        assert_error(&app.post_as(&other, "/rev-users.list", json!({})).await, 403, "forbidden");
        assert_eq!(app.post("/rev-users.list", json!({})).await.status, 200);
        assert_eq!(list(&app).await[0]["seen"], 1, "the other token's requests do not match");
    }
}

async fn a_star_rule_faults_every_operation_but_the_control_plane(app: TestApp) {
    set_ok(&app, json!([{"operation": "*", "status": 400}])).await;
    for op in ["/rev-users.list", "/accounts.list", "/tags.list", "/dev-users.self"] {
        assert_error(&app.post(op, json!({})).await, 400, "bad_request");
    }
    // GET twins fault too: the operation is the route's.
    let get = app.get("/rev-users.list", "").await;
    assert_error(&get, 400, "bad_request");
    // The control plane and revdir's own routes never fault.
    assert_eq!(list(&app).await[0]["seen"], 5);
    assert_eq!(app.revdir("/_revdir/journal.list", json!({})).await.status, 200);
    assert_eq!(app.revdir("/_revdir/faults.clear", json!({})).await.status, 200);
}

async fn latency_delays_the_answer(app: TestApp) {
    set_ok(&app, json!([{"operation": "rev-users.list", "latency_ms": 400, "count": 1}])).await;
    let started = Instant::now();
    assert_eq!(app.post("/rev-users.list", json!({})).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400), "{:?}", started.elapsed());
    // Latency and an error together: the error comes after the wait.
    set_ok(&app, json!([{"operation": "rev-users.list", "latency_ms": 300, "status": 503}])).await;
    let started = Instant::now();
    assert_error(&app.post("/rev-users.list", json!({})).await, 503, "service_unavailable");
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
}

async fn a_faulted_write_writes_nothing(app: TestApp) {
    let id = contact(&app).await;
    set_ok(
        &app,
        json!([
            {"operation": "rev-users.create", "status": 500},
            {"operation": "rev-users.update", "status": 503},
        ]),
    )
    .await;
    assert_error(
        &app.post("/rev-users.create", json!({"display_name": "Bo", "email": "bo@example.com"})).await,
        500,
        "internal_error",
    );
    assert_error(&rename(&app, &id, "Changed").await, 503, "service_unavailable");
    app.revdir("/_revdir/faults.clear", json!({})).await;
    let users = app.post("/rev-users.list", json!({})).await;
    assert_eq!(users.body["rev_users"].as_array().unwrap().len(), 1, "{:#}", users.body);
    assert_eq!(app.get_rev_user(&id).await["display_name"], "Ada");
    let journal = app.revdir("/_revdir/journal.list", json!({})).await;
    assert_eq!(journal.body["entries"].as_array().map(Vec::len), Some(1), "only the first create: {:#}", journal.body);
}

async fn another_orgs_requests_never_meet_the_plan(app: TestApp) {
    set_ok(&app, json!([{"operation": "*", "status": 503}])).await;
    let b = app.other_org_token().await;
    assert_eq!(app.post_as(&b, "/rev-users.list", json!({})).await.status, 200);
    let bs = app.raw.post(format!("{}/_revdir/faults.list", app.addr)).bearer_auth(&b).json(&json!({}));
    let bs = crate::helpers::send(bs).await;
    assert_eq!((bs.status, bs.body["rules"].as_array().map(Vec::len)), (200, Some(0)));
    assert_eq!(list(&app).await[0]["seen"], 0);
    assert_error(&app.post("/rev-users.list", json!({})).await, 503, "service_unavailable");
}

async fn a_restart_keeps_the_rules_and_their_counters(mut app: TestApp) {
    set_ok(&app, json!([{"operation": "rev-users.list", "status": 503, "after": 1, "count": 2}])).await;
    assert_eq!(app.post("/rev-users.list", json!({})).await.status, 200);
    assert_eq!(app.post("/rev-users.list", json!({})).await.status, 503);
    app.restart(|_| {}).await;
    let rules = list(&app).await;
    assert_eq!((rules[0]["seen"].as_i64(), rules[0]["faulted"].as_i64()), (Some(2), Some(1)));
    assert_eq!(app.post("/rev-users.list", json!({})).await.status, 503);
    assert_eq!(app.post("/rev-users.list", json!({})).await.status, 200);
}

async fn bad_rules_are_refused_with_the_path_of_the_bad_value(app: TestApp) {
    for (rules, kind, field) in [
        (json!([{"status": 503}]), "missing_required_field", "rules[0].operation"),
        (
            json!([{"operation": "*", "status": 503}, {"operation": "x.y", "status": 418}]),
            "value_not_permitted",
            "rules[1].status",
        ),
        (json!([{"operation": "x.y", "status": 503, "type": "conflict"}]), "value_not_permitted", "rules[0].type"),
        (json!([{"operation": "x.y", "status": 503, "retry_after": 2}]), "value_not_permitted", "rules[0].retry_after"),
        (json!([{"operation": "x.y", "status": 503, "count": 0}]), "value_not_permitted", "rules[0].count"),
        (json!([{"operation": "x.y", "after": -1, "status": 503}]), "value_not_permitted", "rules[0].after"),
        (json!([{"operation": "x.y", "latency_ms": 600000}]), "value_not_permitted", "rules[0].latency_ms"),
        (json!([{"operation": "x.y", "token": "no such token!", "status": 503}]), "invalid_id", "rules[0].token"),
        (
            json!([{"operation": "x.y", "token": "don:identity:dvrv-us-1:devo/abc:devu/1", "status": 503}]),
            "unexpected_id_type",
            "rules[0].token",
        ),
    ] {
        let a = set(&app, rules.clone()).await;
        assert_eq!((a.status, a.body["type"].as_str()), (400, Some(kind)), "{rules}: {:#}", a.body);
        assert_eq!(a.body["field_name"], field, "{rules}: {:#}", a.body);
    }
    let neither = set(&app, json!([{"operation": "x.y"}])).await;
    assert_error(&neither, 400, "bad_request");
    let typo = set(&app, json!([{"operation": "x.y", "status": 503, "latency": 5}])).await;
    assert_eq!(typo.status, 400, "unknown fields are refused: {:#}", typo.body);
    assert!(list(&app).await.is_empty(), "a refused plan leaves none");
}

async fn without_the_emulator_the_routes_do_not_exist(app: TestApp) {
    for path in ["/_revdir/faults.set", "/_revdir/faults.list", "/_revdir/faults.clear"] {
        let a = app.revdir(path, json!({"rules": []})).await;
        assert_eq!((a.status, &a.body), (404, &json!({"message": "route not found"})), "{path}");
    }
}

/// Several nodes share one PostgreSQL (a SQLite file serves one node, docs/ARCHITECTURE.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_on_two_nodes_are_counted_exactly_on_postgres() {
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Postgres, |c, _| emulator(c)).await;
    concurrent_requests_on_two_nodes_are_counted_exactly(app).await;
}

async fn concurrent_requests_on_two_nodes_are_counted_exactly(app: TestApp) {
    // A second node over the same store: the plan and its counters are shared.
    let node = revdir_server::Application::build(&app.config).await.unwrap();
    let second = format!("http://{}", node.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(node.run_until_stopped(async {
        let _ = stopped.await;
    }));
    set_ok(&app, json!([{"operation": "rev-users.list", "status": 503, "after": 5, "count": 7}])).await;
    let requests = (0..24).map(|i| {
        let addr = if i % 2 == 0 { app.addr.clone() } else { second.clone() };
        let req = app.raw.post(format!("{addr}/rev-users.list")).bearer_auth(&app.token).json(&json!({}));
        crate::helpers::send_checked("/rev-users.list", "POST", req)
    });
    let answers = futures_util::future::join_all(requests).await;
    let faulted = answers.iter().filter(|a| a.status == 503).count();
    assert_eq!(faulted, 7, "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    assert!(answers.iter().all(|a| a.status == 503 || a.status == 200));
    let rules = list(&app).await;
    assert_eq!((rules[0]["seen"].as_i64(), rules[0]["faulted"].as_i64()), (Some(24), Some(7)));
    let _ = stop.send(());
}
