//! The emulator's throwaway orgs and per-org clocks (issue 16; API-CONVENTIONS entries
//! 130–132): `orgs.create {ttl_seconds}`, `orgs.list`, `orgs.delete` with the operator key,
//! `clock.get`/`clock.set` with an org's own token, and everything that reads an org's time
//! following its clock. Without `--emulator` none of these routes exist.

use std::time::{Duration, Instant};

use revdir_server::startup::ServerConfig;
use serde_json::{json, Value};

use crate::helpers::{assert_error, send, spawn_app, Backend, TestApp};
use crate::on_both_backends_configured;

const KEY: &str = "an operator key of some length";

fn emulator(c: &mut ServerConfig) {
    c.emulator = true;
    c.operator_key = Some(KEY.to_owned().into());
}

on_both_backends_configured!(super::emulator;
    throwaway_orgs_are_created_listed_and_deleted,
    an_orgs_clock_drives_its_dates_tokens_and_tickets_only,
    an_org_expires_on_its_own_clock,
    clocks_survive_a_restart_and_bad_settings_are_refused,
    webhooks_are_stamped_and_retried_on_the_orgs_clock,
    an_org_is_created_with_its_seed_or_not_at_all,
    two_orgs_of_one_id_seed_answer_byte_for_byte_alike,
);

async fn operator(app: &TestApp, path: &str, body: Value) -> crate::helpers::Answer {
    send(app.raw.post(format!("{}{path}", app.addr)).bearer_auth(KEY).json(&body)).await
}

async fn new_org(app: &TestApp, body: Value) -> (Value, String) {
    let a = operator(app, "/_revdir/orgs.create", body).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    (a.body.clone(), a.body["admin_token"].as_str().unwrap().to_owned())
}

async fn listed(app: &TestApp) -> Vec<String> {
    let a = operator(app, "/_revdir/orgs.list", json!({})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["dev_orgs"].as_array().unwrap().iter().map(|o| o["dev_org"]["id"].as_str().unwrap().to_owned()).collect()
}

async fn clock_set(app: &TestApp, token: &str, body: Value) -> Value {
    let a = app.revdir_as(token, "/_revdir/clock.set", body).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["clock"].clone()
}

async fn throwaway_orgs_are_created_listed_and_deleted(app: TestApp) {
    let (created, token) = new_org(&app, json!({"display_name": "ci job 7", "ttl_seconds": 3600})).await;
    let org = created["dev_org"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["sys_users"][0]["display_name"], "devrev-bot", "{created:#}");
    assert!(created["expires_at"].is_string());
    assert_eq!(app.post_as(&token, "/dev-orgs.get", json!({})).await.body["dev_org"]["id"], json!(org));
    assert!(listed(&app).await.contains(&org));
    // Without the operator key: 401; with a wrong one: 401.
    let anon = send(app.raw.post(format!("{}/_revdir/orgs.list", app.addr)).json(&json!({}))).await;
    assert_eq!(anon.status, 401);
    let wrong =
        send(app.raw.post(format!("{}/_revdir/orgs.list", app.addr)).bearer_auth(&token).json(&json!({}))).await;
    assert_eq!(wrong.status, 401, "an org's token is no operator key");
    let gone = operator(&app, "/_revdir/orgs.delete", json!({"id": org})).await;
    assert_eq!((gone.status, &gone.body), (200, &json!({})));
    assert!(!listed(&app).await.contains(&org));
    assert_error(&app.post_as(&token, "/dev-orgs.get", json!({})).await, 401, "unauthenticated");
    assert_eq!(operator(&app, "/_revdir/orgs.delete", json!({"id": org})).await.status, 404);
    // The other orgs are untouched.
    assert_eq!(app.post("/dev-orgs.get", json!({})).await.status, 200);
    for bad in [json!({"ttl_seconds": 0}), json!({"ttl_seconds": -5}), json!({"ttl_seconds": "soon"})] {
        assert_eq!(operator(&app, "/_revdir/orgs.create", bad.clone()).await.status, 400, "{bad}");
    }
}

async fn an_orgs_clock_drives_its_dates_tokens_and_tickets_only(app: TestApp) {
    let (_, token) = new_org(&app, json!({})).await;
    let clock = clock_set(&app, &token, json!({"mode": "frozen", "at": "2030-01-01T00:00:00Z"})).await;
    assert_eq!((clock["mode"].as_str(), clock["now"].as_str()), (Some("frozen"), Some("2030-01-01T00:00:00.000Z")));
    let u = app.post_as(&token, "/rev-users.create", json!({"display_name": "Ada"})).await.body["rev_user"].clone();
    assert_eq!(u["created_date"], "2030-01-01T00:00:00.000Z");
    // Another org on the same server keeps the system clock.
    let other = app.create_rev_user(json!({})).await;
    assert!(other["created_date"].as_str().unwrap() < "2030", "{other:#}");
    // A frozen clock stays frozen; an object's modified_date still moves forward, by the
    // millisecond revdir always adds when the clock has not moved (entry 130).
    let renamed = app.post_as(&token, "/rev-users.update", json!({"id": u["id"], "display_name": "Ada L."})).await;
    assert_eq!(renamed.body["rev_user"]["modified_date"], "2030-01-01T00:00:00.001Z", "{:#}", renamed.body);
    // A token minted for one day fails after the clock advances two; the admin token never.
    let pat = app
        .post_as(
            &token,
            "/auth-tokens.create",
            json!({"requested_token_type": "urn:devrev:params:oauth:token-type:pat", "expires_in": 1}),
        )
        .await;
    assert_eq!(pat.status, 201, "{:#}", pat.body);
    let pat = pat.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.post_as(&pat, "/dev-orgs.get", json!({})).await.status, 200);
    let prepared = app.post_as(&token, "/artifacts.prepare", json!({"file_name": "a.txt"})).await.body;
    let clock = clock_set(&app, &token, json!({"advance_seconds": 2 * 86_400})).await;
    assert_eq!((clock["mode"].as_str(), clock["now"].as_str()), (Some("frozen"), Some("2030-01-03T00:00:00.000Z")));
    assert_error(&app.post_as(&pat, "/dev-orgs.get", json!({})).await, 401, "unauthenticated");
    assert_eq!(app.post_as(&token, "/dev-orgs.get", json!({})).await.status, 200);
    // The upload ticket, valid for an hour of the org's time, has expired too.
    let upload = crate::artifacts::upload_as(&app, &prepared, b"late", "file").await;
    assert_eq!(upload.status, 403, "{:#}", upload.body);
    // Ten years on, the admin token still works.
    clock_set(&app, &token, json!({"advance_seconds": 10.0 * 365.0 * 86_400.0})).await;
    assert_eq!(app.post_as(&token, "/dev-orgs.get", json!({})).await.status, 200);
    // An offset clock runs: two reads a little apart differ; back to the system clock.
    let offset = clock_set(&app, &token, json!({"mode": "offset", "at": "2031-06-01T12:00:00Z"})).await;
    assert_eq!(offset["mode"], "offset");
    let read = app.revdir_as(&token, "/_revdir/clock.get", json!({})).await.body["clock"].clone();
    assert!(read["now"].as_str().unwrap().starts_with("2031-06-01T12:00"), "{read:#}");
    let back = clock_set(&app, &token, json!({"mode": "system"})).await;
    assert!(back["now"].as_str().unwrap() < "2030", "{back:#}");
    let got = app.post_as(&token, "/rev-users.create", json!({})).await.body["rev_user"]["created_date"].clone();
    assert!(got.as_str().unwrap() < "2030", "{got}");
}

async fn an_org_expires_on_its_own_clock(app: TestApp) {
    let (created, token) = new_org(&app, json!({"ttl_seconds": 120})).await;
    let org = created["dev_org"]["id"].as_str().unwrap().to_owned();
    app.post_as(&token, "/rev-users.create", json!({"display_name": "doomed"})).await;
    clock_set(&app, &token, json!({"advance_seconds": 60})).await;
    assert_eq!(app.post_as(&token, "/dev-orgs.get", json!({})).await.status, 200, "not yet");
    clock_set(&app, &token, json!({"advance_seconds": 61})).await;
    // At once its tokens answer as for an org that does not exist …
    assert_error(&app.post_as(&token, "/rev-users.list", json!({})).await, 401, "unauthenticated");
    // … and within seconds it is gone with everything in it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while listed(&app).await.contains(&org) {
        assert!(Instant::now() < deadline, "the expired org was not deleted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.post("/dev-orgs.get", json!({})).await.status, 200, "the default org lives on");
}

async fn clocks_survive_a_restart_and_bad_settings_are_refused(mut app: TestApp) {
    let (_, token) = new_org(&app, json!({})).await;
    clock_set(&app, &token, json!({"mode": "frozen", "at": "2029-02-03T04:05:06Z"})).await;
    for bad in [
        json!({"mode": "sideways"}),
        json!({"mode": "system", "advance_seconds": 5}),
        json!({"advance_seconds": -1}),
        json!({"at": "yesterday"}),
        json!({"advance_seconds": "1"}),
    ] {
        let a = app.revdir_as(&token, "/_revdir/clock.set", bad.clone()).await;
        assert_eq!(a.status, 400, "{bad}: {:#}", a.body);
    }
    app.restart(|_| {}).await;
    let read = app.revdir_as(&token, "/_revdir/clock.get", json!({})).await.body["clock"].clone();
    assert_eq!(read["now"], "2029-02-03T04:05:06.000Z", "{read:#}");
    // A rev user's session token may not move the clock: only dev and sys users may.
    let a = app.revdir_as("not-a-token", "/_revdir/clock.get", json!({})).await;
    assert_eq!(a.status, 401);
}

/// Without `--emulator` none of the control plane exists, whatever the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_plane_does_not_exist_in_a_directory() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        for path in ["/_revdir/clock.get", "/_revdir/clock.set", "/_revdir/orgs.list", "/_revdir/orgs.delete"] {
            let a = app.revdir(path, json!({})).await;
            assert_eq!((a.status, &a.body), (404, &json!({"message": "route not found"})), "{path}");
        }
    }
}

/// In emulator mode with no `--operator-key`, one is generated, stored with the data (the
/// same after a restart) and printed by `revdir env` (tested with the CLI).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_generates_and_keeps_an_operator_key() {
    let mut app = crate::helpers::spawn_app_with(Backend::Sqlite, |c, _| c.emulator = true).await;
    let state = revdir_server::startup::open(&app.config).await.unwrap();
    let key = state.store.server_setting(revdir_server::operator::STORED_KEY_SETTING, None).await.unwrap().unwrap();
    assert!(key.len() >= 32);
    let list = |app: &TestApp, key: String| {
        let req = app.raw.post(format!("{}/_revdir/orgs.list", app.addr)).bearer_auth(key).json(&json!({}));
        send(req)
    };
    assert_eq!(list(&app, key.clone()).await.status, 200);
    app.restart(|_| {}).await;
    assert_eq!(list(&app, key).await.status, 200, "the same key after a restart");
}

async fn webhooks_are_stamped_and_retried_on_the_orgs_clock(app: TestApp) {
    let (_, token) = new_org(&app, json!({})).await;
    clock_set(&app, &token, json!({"mode": "frozen", "at": "2031-05-01T00:00:00Z"})).await;
    let receiver = crate::receiver::Receiver::start().await;
    let hook = app
        .post_as(&token, "/webhooks.create", json!({"url": receiver.url, "event_types": ["tag_created"]}))
        .await
        .body["webhook"]["id"]
        .clone();
    // The handshake goes out stamped with the org's time; the receiver answers it.
    let handshake =
        receiver.wait_for("the handshake", 1, Duration::from_secs(10), |r| r.body["type"] == "verify").await;
    assert_eq!(handshake[0].body["timestamp"], "2031-05-01T00:00:00.000Z");
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.post_as(&token, "/webhooks.get", json!({"id": hook})).await.body["webhook"]["status"] != "active" {
        assert!(Instant::now() < deadline, "the webhook did not become active");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The event's first attempt fails; DevRev's next one is 30 s later on the org's clock.
    receiver.fail_next(1);
    app.post_as(&token, "/tags.create", json!({"name": "in-the-future"})).await;
    let is_tag = |r: &crate::receiver::Received| r.body["type"] == "tag_created";
    let first = receiver.wait_for("the first attempt", 1, Duration::from_secs(10), is_tag).await;
    assert_eq!(first[0].body["timestamp"], "2031-05-01T00:00:00.000Z", "stamped with the org's time");
    // The org's time stands still, so no retry comes by itself; moving it brings the retry.
    clock_set(&app, &token, json!({"advance_seconds": 31})).await;
    let both = receiver.wait_for("the retry", 2, Duration::from_secs(10), is_tag).await;
    assert_eq!(both[1].body["id"], both[0].body["id"], "the same event");
    assert_eq!(both[1].body["timestamp"], "2031-05-01T00:00:31.000Z");
}

async fn an_org_is_created_with_its_seed_or_not_at_all(app: TestApp) {
    let seed = json!({"accounts": [{"ref": "acme", "display_name": "Acme"}],
        "tags": [{"name": "vip"}],
        "rev_users": [{"display_name": "Ada", "account": "acme", "tags": [{"id": "vip"}]}]});
    let (_, token) = new_org(&app, json!({"display_name": "seeded", "seed": seed})).await;
    let users = app.post_as(&token, "/rev-users.list", json!({})).await.body["rev_users"].clone();
    assert_eq!(users.as_array().unwrap().len(), 1, "{users:#}");
    assert_eq!(users[0]["tags"][0]["tag"]["name"], "vip");
    // Its reset point includes the seed; reset also clears the clock.
    app.post_as(&token, "/rev-users.create", json!({"display_name": "extra"})).await;
    clock_set(&app, &token, json!({"mode": "frozen", "at": "2033-01-01T00:00:00Z"})).await;
    assert_eq!(app.revdir_as(&token, "/_revdir/orgs.reset", json!({})).await.status, 200);
    let users = app.post_as(&token, "/rev-users.list", json!({})).await.body["rev_users"].clone();
    assert_eq!(users.as_array().unwrap().len(), 1, "back to the seed: {users:#}");
    let clock = app.revdir_as(&token, "/_revdir/clock.get", json!({})).await.body["clock"].clone();
    assert_eq!(clock["mode"], "system");
    let before = listed(&app).await.len();
    let bad = json!({"rev_users": [{"display_name": "Bad", "phone_numbers": ["not a number"]}]});
    let a = operator(&app, "/_revdir/orgs.create", json!({"seed": bad})).await;
    assert_eq!(a.status, 400, "{:#}", a.body);
    assert!(a.body.to_string().contains("rev_users[0].phone_numbers[0]"), "{:#}", a.body);
    let dangling = json!({"rev_users": [{"display_name": "Lost", "rev_org": "nowhere"}]});
    assert_eq!(operator(&app, "/_revdir/orgs.create", json!({"seed": dangling})).await.status, 400);
    assert_eq!(listed(&app).await.len(), before, "no org was left behind");
}

/// Runs one script of requests in a fresh org of `id_seed`, frozen at one instant, and
/// answers every response body with the org's own id replaced by `ORG`.
async fn replay(app: &TestApp, id_seed: Value) -> Vec<String> {
    let (created, token) = new_org(app, json!({"id_seed": id_seed})).await;
    let org = created["dev_org"]["id"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    clock_set(app, &token, json!({"mode": "frozen", "at": "2032-02-02T02:02:02Z"})).await;
    let mut bodies = Vec::new();
    let account = app.post_as(&token, "/accounts.create", json!({"display_name": "Acme"})).await.body;
    bodies.push(account.clone());
    let workspace = app
        .post_as(&token, "/rev-orgs.create", json!({"display_name": "EU", "account": account["account"]["id"]}))
        .await;
    bodies.push(workspace.body.clone());
    let contact = json!({"display_name": "Ada", "rev_org": workspace.body["rev_org"]["id"]});
    bodies.push(app.post_as(&token, "/rev-users.create", contact).await.body);
    bodies.push(app.post_as(&token, "/webhooks.create", json!({"url": "http://127.0.0.1:9/hook"})).await.body);
    let pat = json!({"requested_token_type": "urn:devrev:params:oauth:token-type:pat", "token_hint": "ci"});
    assert_eq!(app.post_as(&token, "/auth-tokens.create", pat).await.status, 201);
    // The admin token was minted when the org was made, before its clock could be frozen:
    // its dates are the one thing that differs, so the comparison takes the script's token.
    let tokens = app.post_as(&token, "/auth-tokens.list", json!({})).await.body;
    bodies.push(json!(tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["token_hint"] == "ci")
        .collect::<Vec<_>>()));
    for path in ["/rev-users.list", "/rev-orgs.list", "/accounts.list", "/webhooks.list"] {
        bodies.push(app.post_as(&token, path, json!({})).await.body);
    }
    // The request id it returns (none was sent), and the journal that records it; journal
    // entry numbers are the server's, shared by every org, so they are left out.
    let raw = app.raw.post(format!("{}/tags.create", app.addr)).bearer_auth(&token).json(&json!({"name": "t"}));
    let answered = raw.send().await.unwrap();
    bodies.push(json!(answered.headers()["x-request-id"].to_str().unwrap()));
    let mut journal = app.revdir_as(&token, "/_revdir/journal.list", json!({"limit": 100})).await.body;
    for entry in journal["entries"].as_array_mut().unwrap() {
        entry.as_object_mut().unwrap().remove("id");
    }
    bodies.push(journal["entries"].clone());
    bodies.into_iter().map(|b| b.to_string().replace(&org, "ORG")).collect()
}

async fn two_orgs_of_one_id_seed_answer_byte_for_byte_alike(app: TestApp) {
    let first = replay(&app, json!("seed-42")).await;
    let second = replay(&app, json!("seed-42")).await;
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a, b, "one seed, one answer");
    }
    assert!(first.iter().any(|b| b.contains("revo/")), "the workspaces' random ids are in the comparison");
    assert!(first.iter().any(|b| b.contains("token/")), "and the tokens' ids");
    assert!(first.iter().any(|b| b.contains("request_id")), "and the request ids the journal records");
    // Another seed draws other ids.
    let other = replay(&app, json!(7)).await;
    assert_ne!(first[0], other[0], "a rev org id differs under another seed");
    assert_eq!(operator(&app, "/_revdir/orgs.create", json!({"id_seed": {"x": 1}})).await.status, 400);
    // A request id the client sends is its own, seed or not.
    let (_, token) = new_org(&app, json!({"id_seed": "seed-42"})).await;
    let req = app.raw.post(format!("{}/rev-users.list", app.addr)).bearer_auth(&token).header("x-request-id", "mine");
    assert_eq!(req.json(&json!({})).send().await.unwrap().headers()["x-request-id"], "mine");
}
