//! The emulator's snapshots and reset (issue 16; API-CONVENTIONS entries 110–116): an org's
//! whole state saved and put back exactly, other orgs untouched, names per org, the calling
//! token kept, a restart keeping snapshots, and no route at all without `--emulator`. Plus
//! the schema guard: every table holding org data is snapshotted or excluded on purpose.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use revdir_api::common::Empty;
use revdir_api::snapshots::SnapshotNameRequest;
use revdir_core::scope::DevOrgScope;
use revdir_server::startup::{open, ServerConfig};
use revdir_store::snapshot_tables::{NOT_SNAPSHOTTED, SNAPSHOTTED};
use serde_json::{json, Value};

use crate::artifacts::{download, pattern, prepare, upload};
use crate::helpers::{assert_error, send, Answer, Backend, TestApp};
use crate::{on_both_backends, on_both_backends_configured};

/// Emulator mode, without a delivery worker, so that deliveries stay as the test left them.
fn emulator(c: &mut ServerConfig) {
    c.emulator = true;
    c.deliveries.enabled = false;
}

on_both_backends_configured!(
    super::emulator;
    restore_puts_back_exactly_the_saved_state,
    names_are_per_org_and_checked,
    other_orgs_are_untouched_by_restore_and_reset,
    reset_returns_to_the_state_after_creation,
    reset_of_an_org_without_an_initial_snapshot,
    the_calling_token_survives_a_restore,
    snapshots_survive_a_restart,
    a_restore_that_would_lock_out_the_caller_is_refused,
    mark_initial_moves_the_point_reset_returns_to,
    contacts_may_not_call_them,
    snapshots_are_deleted_with_their_org,
    restores_racing_writes_answer_every_request,
    every_table_with_org_data_is_snapshotted_or_excluded,
);

on_both_backends!(no_route_exists_without_the_emulator);

/// POSTs to one of revdir's own routes with `token`.
async fn revdir_as(app: &TestApp, token: &str, path: &str, body: Value) -> Answer {
    send(app.raw.post(format!("{}{path}", app.addr)).bearer_auth(token).json(&body)).await
}

/// Asserts a 200 or 201 and answers the body.
#[track_caller]
fn ok(a: &Answer) -> Value {
    assert!(matches!(a.status, 200 | 201), "{:#}", a.body);
    a.body.clone()
}

/// What the org behind `token` shows through its lists and its journal: compared before a
/// snapshot and after its restore.
async fn state(app: &TestApp, token: &str) -> Value {
    let mut out = serde_json::Map::new();
    for path in [
        "/rev-users.list",
        "/accounts.list",
        "/rev-orgs.list",
        "/tags.list",
        "/dev-users.list",
        "/sys-users.list",
        "/webhooks.list",
        "/schemas.custom.list",
    ] {
        out.insert(path.to_owned(), ok(&app.post_as(token, path, json!({"limit": 100})).await));
    }
    for path in ["/_revdir/journal.list", "/_revdir/webhooks.deliveries.list"] {
        out.insert(path.to_owned(), ok(&revdir_as(app, token, path, json!({"limit": 100})).await));
    }
    Value::Object(out)
}

/// Creates, with `token`, a tag, an account with a workspace, a contact tagged and in that
/// workspace, and a webhook (whose verify request is queued).
async fn fill(app: &TestApp, token: &str, tag: &str) {
    let tag = ok(&app.post_as(token, "/tags.create", json!({"name": tag, "allowed_values": ["gold"]})).await);
    let tag_id = tag["tag"]["id"].as_str().unwrap().to_owned();
    let account = ok(&app.post_as(token, "/accounts.create", json!({"display_name": "Acme"})).await);
    let account_id = account["account"]["id"].as_str().unwrap().to_owned();
    let ws =
        ok(&app.post_as(token, "/rev-orgs.create", json!({"display_name": "Acme EU", "account": account_id})).await);
    let ws_id = ws["rev_org"]["id"].as_str().unwrap().to_owned();
    ok(&app
        .post_as(
            token,
            "/rev-users.create",
            json!({"display_name": "Ada", "email": "ada@acme.example.com", "rev_org": ws_id,
                   "external_ref": "ada-1", "tags": [{"id": tag_id, "value": "gold"}]}),
        )
        .await);
    ok(&app
        .post_as(
            token,
            "/webhooks.create",
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["rev_user_updated"]}),
        )
        .await);
}

async fn restore_puts_back_exactly_the_saved_state(app: TestApp) {
    fill(&app, &app.token, "vip").await;
    let prepared = prepare(&app, "doc.bin", Some("application/octet-stream")).await;
    upload(&app, &prepared, &pattern(64, 7)).await;
    let artifact = prepared["id"].as_str().unwrap().to_owned();
    let before = state(&app, &app.token).await;
    let created = ok(&app.revdir("/_revdir/snapshots.create", json!({"name": "seeded"})).await);
    assert_eq!(created["snapshot"]["name"], "seeded");
    assert!(created["snapshot"]["created_date"].is_string());
    assert!(created["snapshot"]["rows"].as_i64().unwrap() > 10, "{created:#}");

    // Change, delete and create: every family moves away from the snapshot.
    let ada = before["/rev-users.list"]["rev_users"][0]["id"].as_str().unwrap().to_owned();
    ok(&app.post("/rev-users.update", json!({"id": ada, "display_name": "Ada L.", "tags": []})).await);
    let tag = before["/tags.list"]["tags"][0]["id"].as_str().unwrap().to_owned();
    ok(&app.post("/tags.delete", json!({"id": tag})).await);
    ok(&app.post("/accounts.create", json!({"display_name": "Later"})).await);
    app.create_rev_user(json!({"display_name": "Bob", "external_ref": "bob-1"})).await;
    let v2 = ok(&app.post("/artifacts.versions.prepare", json!({"id": artifact})).await);
    upload(&app, &v2, &pattern(32, 9)).await;
    assert_ne!(state(&app, &app.token).await, before);

    let restored = ok(&app.revdir("/_revdir/snapshots.restore", json!({"name": "seeded"})).await);
    assert_eq!(restored["snapshot"], created["snapshot"]);
    assert_eq!(state(&app, &app.token).await, before);
    assert_eq!(download(&app, &artifact, None).await.1, pattern(64, 7), "the bytes of the saved version");
    assert_error(&app.post("/artifacts.get", json!({"id": artifact, "version": "2"})).await, 404, "not_found");

    // Ids go on from the snapshot's counters, and unique values freed by the restore are free.
    let bob = app.create_rev_user(json!({"display_name": "Bob", "external_ref": "bob-1"})).await;
    assert_eq!(bob["display_id"], "REVU-2", "{bob:#}");
    let journal = ok(&app.revdir("/_revdir/journal.list", json!({"limit": 100})).await);
    let n = before["/_revdir/journal.list"]["entries"].as_array().unwrap().len();
    assert_eq!(journal["entries"].as_array().unwrap().len(), n + 1, "the restored journal, then the new change");
    // A second restore of the same snapshot gives the same state again.
    ok(&app.revdir("/_revdir/snapshots.restore", json!({"name": "seeded"})).await);
    assert_eq!(state(&app, &app.token).await, before);
}

async fn names_are_per_org_and_checked(app: TestApp) {
    let b = app.other_org_token().await;
    let path = |op: &str| format!("/_revdir/snapshots.{op}");
    ok(&app.revdir(&path("create"), json!({"name": "s"})).await);
    assert_error(&app.revdir(&path("create"), json!({"name": "s"})).await, 409, "conflict");
    for op in ["create", "restore", "delete"] {
        assert_error(&app.revdir(&path(op), json!({})).await, 400, "missing_required_field");
        assert_error(&app.revdir(&path(op), json!({"name": " "})).await, 400, "value_not_permitted");
        assert_error(&app.revdir(&path(op), json!({"name": "__initial"})).await, 400, "value_not_permitted");
        assert_error(&app.revdir(&path(op), json!({"name": 7})).await, 400, "unexpected_json_type");
        // B sees none of A's names: each is unknown to B.
        if op != "create" {
            assert_error(&revdir_as(&app, &b, &path(op), json!({"name": "s"})).await, 404, "not_found");
            assert_error(&app.revdir(&path(op), json!({"name": "nope"})).await, 404, "not_found");
        }
    }
    assert_eq!(ok(&revdir_as(&app, &b, &path("list"), json!({})).await), json!({"snapshots": []}));
    // B takes the same name for its own snapshot.
    ok(&revdir_as(&app, &b, &path("create"), json!({"name": "s"})).await);
    ok(&app.revdir(&path("create"), json!({"name": "t"})).await);
    let listed = ok(&app.revdir(&path("list"), json!({})).await);
    let names: Vec<_> = listed["snapshots"].as_array().unwrap().iter().map(|s| s["name"].clone()).collect();
    assert_eq!(names, [json!("s"), json!("t")], "oldest first, the initial snapshot hidden");
    assert_eq!(ok(&app.revdir(&path("delete"), json!({"name": "s"})).await), json!({}));
    assert_error(&app.revdir(&path("restore"), json!({"name": "s"})).await, 404, "not_found");
    assert_eq!(ok(&revdir_as(&app, &b, &path("list"), json!({})).await)["snapshots"][0]["name"], "s");
}

async fn other_orgs_are_untouched_by_restore_and_reset(app: TestApp) {
    let b = app.other_org_token().await;
    ok(&app.revdir("/_revdir/snapshots.create", json!({"name": "empty"})).await);
    fill(&app, &app.token, "vip").await;
    fill(&app, &b, "vip").await;
    let b_state = state(&app, &b).await;
    ok(&app.revdir("/_revdir/snapshots.restore", json!({"name": "empty"})).await);
    assert_eq!(state(&app, &b).await, b_state, "A's restore changed nothing of B");
    assert_eq!(ok(&app.post("/rev-users.list", json!({})).await)["rev_users"], json!([]));
    fill(&app, &app.token, "vip").await;
    assert_eq!(ok(&app.revdir("/_revdir/orgs.reset", json!({})).await), json!({}));
    assert_eq!(state(&app, &b).await, b_state, "A's reset changed nothing of B");
    // B's own objects still take fresh ids next to A's restored global ids (journal, deliveries).
    app.create_rev_user(json!({"display_name": "A again"})).await;
    ok(&app.post_as(&b, "/rev-users.create", json!({"display_name": "B again"})).await);
}

async fn reset_returns_to_the_state_after_creation(app: TestApp) {
    let initial = state(&app, &app.token).await;
    fill(&app, &app.token, "vip").await;
    ok(&app.revdir("/_revdir/snapshots.create", json!({"name": "kept"})).await);
    // A token minted after creation for a user the initial state holds keeps working.
    let minted = ok(&app
        .post("/auth-tokens.create", json!({"requested_token_type": "urn:devrev:params:oauth:token-type:pat"}))
        .await);
    let minted = minted["access_token"].as_str().unwrap().to_owned();
    assert_eq!(ok(&revdir_as(&app, &minted, "/_revdir/orgs.reset", json!({})).await), json!({}));
    assert_eq!(state(&app, &app.token).await, initial);
    assert_eq!(app.post_as(&minted, "/dev-users.self", json!({})).await.status, 200);
    // Snapshots are not org data: a reset keeps them, and they still restore.
    ok(&app.revdir("/_revdir/snapshots.restore", json!({"name": "kept"})).await);
    assert_eq!(ok(&app.post("/tags.list", json!({})).await)["tags"][0]["name"], "vip");
    ok(&app.revdir("/_revdir/orgs.reset", json!({})).await);
    assert_eq!(state(&app, &app.token).await, initial);
}

/// A connection pool on the test's SQLite file (its URL is a bare path).
async fn sqlite_pool(app: &TestApp) -> sqlx::SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(app.config.db.expose());
    sqlx::SqlitePool::connect_with(options).await.unwrap()
}

/// Runs one statement on the test's database, as an org created before the snapshot
/// migration would need; answers the rows affected.
async fn exec(app: &TestApp, sql: &str) -> u64 {
    if app.config.db.is_postgres() {
        let pool = sqlx::PgPool::connect(app.config.db.expose()).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap().rows_affected()
    } else {
        let pool = sqlite_pool(app).await;
        sqlx::query(sql).execute(&pool).await.unwrap().rows_affected()
    }
}

async fn reset_of_an_org_without_an_initial_snapshot(app: TestApp) {
    let initial = state(&app, &app.token).await;
    assert_eq!(exec(&app, "DELETE FROM snapshots WHERE name = '__initial'").await, 1);
    fill(&app, &app.token, "vip").await;
    let sys = ok(&app
        .post("/auth-tokens.create", json!({"requested_token_type": "urn:devrev:params:oauth:token-type:sys"}))
        .await);
    let sys = sys["access_token"].as_str().unwrap().to_owned();
    ok(&revdir_as(&app, &sys, "/_revdir/orgs.reset", json!({})).await);
    let after = state(&app, &app.token).await;
    for list in
        ["/rev-users.list", "/accounts.list", "/rev-orgs.list", "/tags.list", "/webhooks.list", "/dev-users.list"]
    {
        assert_eq!(after[list], initial[list], "{list}");
    }
    assert_eq!(after["/_revdir/journal.list"]["entries"], json!([]));
    // Ids go on from where they were: nothing deleted is named again.
    let next = app.create_rev_user(json!({"display_name": "New"})).await;
    assert_eq!(next["display_id"], "REVU-2");
}

async fn the_calling_token_survives_a_restore(app: TestApp) {
    let pat = json!({"requested_token_type": "urn:devrev:params:oauth:token-type:pat"});
    let before = ok(&app.post("/auth-tokens.create", pat.clone()).await)["access_token"].as_str().unwrap().to_owned();
    ok(&app.revdir("/_revdir/snapshots.create", json!({"name": "s"})).await);
    let caller = ok(&app.post("/auth-tokens.create", pat.clone()).await)["access_token"].as_str().unwrap().to_owned();
    let other = ok(&app.post("/auth-tokens.create", pat).await)["access_token"].as_str().unwrap().to_owned();
    ok(&revdir_as(&app, &caller, "/_revdir/snapshots.restore", json!({"name": "s"})).await);
    for (name, token, status) in [("caller", &caller, 200), ("saved", &before, 200), ("admin", &app.token, 200)] {
        assert_eq!(app.post_as(token, "/dev-users.self", json!({})).await.status, status, "{name}");
    }
    // A token minted after the snapshot by someone else is gone with the rest of that state.
    assert_error(&app.post_as(&other, "/dev-users.self", json!({})).await, 401, "unauthenticated");
}

async fn a_restore_that_would_lock_out_the_caller_is_refused(app: TestApp) {
    ok(&app.revdir("/_revdir/snapshots.create", json!({"name": "s"})).await);
    // As if the admin had been deactivated when the snapshot was taken.
    let edited = exec(&app, "UPDATE snap_users SET state = 'deactivated' WHERE kind = 'devu' AND id = 1").await;
    assert!(edited >= 1);
    app.create_rev_user(json!({"display_name": "Stays"})).await;
    let before = state(&app, &app.token).await;
    assert_error(&app.revdir("/_revdir/snapshots.restore", json!({"name": "s"})).await, 409, "conflict");
    assert_eq!(state(&app, &app.token).await, before, "a refused restore changes nothing");
}

async fn mark_initial_moves_the_point_reset_returns_to(app: TestApp) {
    app.create_rev_user(json!({"display_name": "Seeded"})).await;
    let seeded = state(&app, &app.token).await;
    let store = open(&app.config).await.unwrap().store;
    let org = store.default_dev_org().await.unwrap().unwrap().org.id;
    store.mark_initial(&org, revdir_core::clock::system_now()).await.unwrap();
    app.create_rev_user(json!({"display_name": "Later"})).await;
    ok(&app.revdir("/_revdir/orgs.reset", json!({})).await);
    assert_eq!(state(&app, &app.token).await, seeded);
    let listed = ok(&app.revdir("/_revdir/snapshots.list", json!({})).await);
    assert_eq!(listed["snapshots"], json!([]), "the initial snapshot stays hidden");
}

async fn contacts_may_not_call_them(app: TestApp) {
    let session = json!({"requested_token_type": "urn:devrev:params:oauth:token-type:session",
                         "rev_info": {"user_ref": "me-1"}});
    let session = ok(&app.post("/auth-tokens.create", session).await)["access_token"].as_str().unwrap().to_owned();
    for path in ["snapshots.create", "snapshots.restore", "snapshots.list", "snapshots.delete", "orgs.reset"] {
        let a = revdir_as(&app, &session, &format!("/_revdir/{path}"), json!({"name": "s"})).await;
        assert_error(&a, 403, "forbidden");
    }
}

/// The one number a query answers, on the test's database.
async fn count(app: &TestApp, sql: &str) -> i64 {
    if app.config.db.is_postgres() {
        let pool = sqlx::PgPool::connect(app.config.db.expose()).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    } else {
        sqlx::query_scalar(sql).fetch_one(&sqlite_pool(app).await).await.unwrap()
    }
}

async fn snapshots_are_deleted_with_their_org(app: TestApp) {
    let b = app.other_org_token().await;
    fill(&app, &b, "vip").await;
    ok(&revdir_as(&app, &b, "/_revdir/snapshots.create", json!({"name": "b"})).await);
    ok(&app.revdir("/_revdir/snapshots.create", json!({"name": "a"})).await);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM snapshots").await, 4, "two initial ones, a and b");
    // No route deletes an org yet; its row goes as orgs.delete will make it go.
    exec(&app, "DELETE FROM dev_orgs WHERE id <> (SELECT value FROM server_settings WHERE name = 'default_dev_org')")
        .await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM snapshots").await, 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM snap_users").await, 4, "A's admin and bot, twice");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM snap_tags").await, 0, "B's tag went with B");
}

async fn restores_racing_writes_answer_every_request(app: TestApp) {
    fill(&app, &app.token, "vip").await;
    let saved = state(&app, &app.token).await;
    ok(&app.revdir("/_revdir/snapshots.create", json!({"name": "s"})).await);
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (raw, url, token) = (app.raw.clone(), format!("{}/rev-users.create", app.addr), app.token.clone());
            tokio::spawn(async move {
                for i in 0..10 {
                    let body = json!({"display_name": format!("w{w}-{i}"), "external_ref": format!("w{w}-{i}")});
                    let a = send(raw.post(&url).bearer_auth(&token).json(&body)).await;
                    assert_eq!(a.status, 201, "a write racing restores: {:#}", a.body);
                }
            })
        })
        .collect();
    for _ in 0..2 {
        ok(&app.revdir("/_revdir/snapshots.restore", json!({"name": "s"})).await);
    }
    for w in writers {
        w.await.unwrap();
    }
    ok(&app.revdir("/_revdir/snapshots.restore", json!({"name": "s"})).await);
    assert_eq!(state(&app, &app.token).await, saved);
}

async fn snapshots_survive_a_restart(mut app: TestApp) {
    fill(&app, &app.token, "vip").await;
    let before = state(&app, &app.token).await;
    ok(&app.revdir("/_revdir/snapshots.create", json!({"name": "durable"})).await);
    ok(&app.revdir("/_revdir/orgs.reset", json!({})).await);
    app.restart(|_| {}).await;
    // Through the typed client this time.
    let listed = app.client.revdir_snapshots_list(&Empty {}).await.unwrap();
    assert_eq!(listed.snapshots.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["durable"]);
    let durable = SnapshotNameRequest { name: Some("durable".into()) };
    let restored = app.client.revdir_snapshots_restore(&durable).await.unwrap();
    assert_eq!(restored.snapshot, listed.snapshots[0]);
    assert_eq!(state(&app, &app.token).await, before);
    app.client.revdir_orgs_reset(&Empty {}).await.unwrap();
    app.client.revdir_snapshots_delete(&durable).await.unwrap();
    let gone = app.client.revdir_snapshots_delete(&durable).await.unwrap_err();
    assert!(matches!(gone, revdir_client::Error::Api { status: 404, .. }), "{gone:?}");
}

async fn no_route_exists_without_the_emulator(app: TestApp) {
    for path in ["snapshots.create", "snapshots.restore", "snapshots.list", "snapshots.delete", "orgs.reset"] {
        let a = app.revdir(&format!("/_revdir/{path}"), json!({"name": "s"})).await;
        assert_eq!((a.status, a.body.clone()), (404, json!({"message": "route not found"})), "{path}");
    }
}

/// Every `(table, column)` of the live schema, generated columns left out.
async fn live_columns(app: &TestApp) -> BTreeMap<String, BTreeSet<String>> {
    let rows: Vec<(String, String)> = if app.config.db.is_postgres() {
        let pool = sqlx::PgPool::connect(app.config.db.expose()).await.unwrap();
        sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = \
             current_schema() AND is_generated = 'NEVER'",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    } else {
        let pool = sqlite_pool(app).await;
        sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_xinfo(m.name) p WHERE m.type = 'table' AND \
             p.hidden = 0",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, column) in rows {
        out.entry(table).or_default().insert(column);
    }
    out
}

async fn every_table_with_org_data_is_snapshotted_or_excluded(app: TestApp) {
    let schema = live_columns(&app).await;
    let excluded: BTreeSet<&str> = NOT_SNAPSHOTTED.iter().map(|(t, _)| *t).collect();
    for (table, columns) in &schema {
        let mirror = table.strip_prefix("snap_").is_some_and(|t| SNAPSHOTTED.contains(&t));
        if columns.contains("dev_org_id") && !mirror {
            assert!(
                SNAPSHOTTED.contains(&table.as_str()) || excluded.contains(table.as_str()),
                "table {table} holds org data (dev_org_id) but is neither in snapshot_tables::SNAPSHOTTED nor in \
                 NOT_SNAPSHOTTED with a reason; add it to one, and for SNAPSHOTTED add a snap_{table} mirror"
            );
        }
    }
    for table in SNAPSHOTTED {
        let columns = schema.get(*table).unwrap_or_else(|| panic!("snapshotted table {table} does not exist"));
        let mirror = schema.get(&format!("snap_{table}")).unwrap_or_else(|| panic!("snap_{table} is missing"));
        assert!(mirror.contains("snapshot_id"), "snap_{table} has no snapshot_id");
        let lacking: Vec<_> = columns.difference(mirror).collect();
        assert!(lacking.is_empty(), "snap_{table} lacks columns {lacking:?} of {table}");
    }
}

/// Measures a restore of an org holding 10,000 contacts (run with `--ignored --nocapture`;
/// README "Snapshots and reset" has the numbers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check"]
async fn restore_of_ten_thousand_contacts_is_timed() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = crate::helpers::spawn_app_with(backend, |c, _| emulator(c)).await;
        let state = open(&app.config).await.unwrap();
        let org = state.store.default_dev_org().await.unwrap().unwrap();
        let scope = DevOrgScope {
            dev_org: org.org.id.clone(),
            actor: org.admin,
            actor_summary: None,
            token_id: String::new(),
            context: Default::default(),
            now: revdir_core::clock::system_now(),
        };
        state.store.seed_rev_users(&scope, 10_000, revdir_core::clock::system_now()).await.unwrap();
        let started = Instant::now();
        ok(&app.revdir("/_revdir/snapshots.create", json!({"name": "10k"})).await);
        let create = started.elapsed();
        state.store.seed_rev_users(&scope, 1_000, revdir_core::clock::system_now()).await.unwrap();
        let mut restores = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            ok(&app.revdir("/_revdir/snapshots.restore", json!({"name": "10k"})).await);
            restores.push(started.elapsed());
        }
        restores.sort();
        let started = Instant::now();
        ok(&app.revdir("/_revdir/orgs.reset", json!({})).await);
        let reset = started.elapsed();
        println!(
            "{backend:?}: create {create:?}, restore median {:?} (min {:?}, max {:?}), reset {reset:?}",
            restores[2], restores[0], restores[4]
        );
    }
}
