//! `/webhooks.*`: create, get (both twins), list (both twins), update, delete and fetch
//! (§8.7, docs/API-CONVENTIONS.md entries 76–82) on both backends, the URL policy's refusals,
//! and the verify and fetch deliveries they queue for the delivery worker (read from the
//! database beside the server).

use serde_json::{json, Value};

use crate::auth_tokens::{access, mint_as};
use crate::helpers::{assert_error, Answer, TestApp};
use crate::on_both_backends_configured;

// These scenarios read the deliveries a request queues straight from the database, so the
// server runs no delivery worker that would send them meanwhile.
on_both_backends_configured!(
    |c: &mut revdir_server::startup::ServerConfig| c.deliveries.enabled = false;
    create_with_and_without_a_secret,
    secrets_must_be_8_to_32_bytes,
    header_rules,
    event_types_add_remove_and_set,
    url_or_secret_changes_and_actions_move_the_status,
    get_list_and_delete,
    fetch_queues_the_object_as_updated,
    bad_urls_are_refused,
    ids_in_the_wrong_form_or_of_another_org,
    only_dev_and_sys_users_manage_webhooks,
);

// Private webhook targets refused, although the test server listens on loopback (where
// they are allowed by default).
on_both_backends_configured!(
    |c: &mut revdir_server::startup::ServerConfig| {
        c.webhook_allow_private = Some(false);
        c.deliveries.enabled = false;
    };
    private_targets_are_refused_unless_allowed
);

const HOOK: &str = "http://127.0.0.1:9/hook";
const SESSION: &str = "urn:devrev:params:oauth:token-type:session";
const SYS: &str = "urn:devrev:params:oauth:token-type:sys";

async fn create(app: &TestApp, body: Value) -> Value {
    let a = app.post("/webhooks.create", body).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body["webhook"].clone()
}

async fn update(app: &TestApp, body: Value) -> Value {
    let a = app.post("/webhooks.update", body).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["webhook"].clone()
}

async fn get(app: &TestApp, id: &Value) -> Value {
    let a = app.post("/webhooks.get", json!({ "id": id })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["webhook"].clone()
}

async fn list(app: &TestApp) -> Vec<Value> {
    let a = app.post("/webhooks.list", json!({})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["webhooks"].as_array().unwrap().clone()
}

#[track_caller]
fn assert_not_permitted(a: &Answer, field: &str) {
    assert_error(a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], field, "{:#}", a.body);
}

/// A delivery row the store queued: webhook local id, event type, state, payload, event id.
type Delivery = (String, String, String, Option<String>, String);

/// Every queued delivery, oldest first, read from the test's own database.
async fn deliveries(app: &TestApp) -> Vec<Delivery> {
    let sql = "SELECT webhook_id, event_type, state, payload, event_id FROM webhook_deliveries ORDER BY id";
    let url = app.config.db.expose();
    if app.config.db.is_postgres() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{url}")).await.unwrap();
        sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
    }
}

/// The event types a webhook's subscription rows hold, sorted.
async fn subscriptions(app: &TestApp, local: &str) -> Vec<String> {
    let sql = "SELECT event_type FROM webhook_subscriptions WHERE webhook_id = $1 ORDER BY event_type";
    let url = app.config.db.expose();
    let rows: Vec<(String,)> = if app.config.db.is_postgres() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(sql).bind(local).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{url}")).await.unwrap();
        sqlx::query_as(sql).bind(local).fetch_all(&pool).await.unwrap()
    };
    rows.into_iter().map(|(t,)| t).collect()
}

/// Sets a webhook's status as the delivery worker does once its endpoint answered.
async fn set_status(app: &TestApp, local: &str, status: &str) {
    let sql = "UPDATE webhooks SET status = $1 WHERE id = $2";
    let url = app.config.db.expose();
    if app.config.db.is_postgres() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql).bind(status).bind(local).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{url}")).await.unwrap();
        sqlx::query(sql).bind(status).bind(local).execute(&pool).await.unwrap();
    }
}

/// The pending verify challenges of a webhook.
async fn pending_verifies(app: &TestApp, local: &str) -> Vec<Delivery> {
    deliveries(app).await.into_iter().filter(|d| d.0 == local && d.1 == "verify" && d.2 == "pending").collect()
}

fn local_of(id: &Value) -> String {
    id.as_str().unwrap().rsplit('/').next().unwrap().to_owned()
}

async fn create_with_and_without_a_secret(app: TestApp) {
    let given = create(
        &app,
        json!({"url": HOOK, "secret": "s3cret-value", "event_types": ["rev_user_created", "work_created"],
            "headers": [{"name": "X-Api-Key", "value": "k1"}]}),
    )
    .await;
    let id = given["id"].as_str().unwrap();
    assert!(id.starts_with("don:integration:dvrv-us-1:devo/") && id.ends_with(":webhook/1"), "{id}");
    assert!(given.get("display_id").is_none(), "webhooks have no display id: {given:#}");
    assert_eq!(given["status"], "unverified");
    assert_eq!(given["secret"], "s3cret-value");
    assert_eq!(given["url"], HOOK);
    assert_eq!(given["event_types"], json!(["rev_user_created", "work_created"]));
    assert_eq!(given["headers"], json!([{"name": "X-Api-Key", "value": "k1"}]));
    assert_eq!(given["created_by"]["display_id"], "DEVU-1");
    assert_eq!(given["created_date"], given["modified_date"]);

    for body in [json!({"url": "https://8.8.8.8/hook"}), json!({"url": HOOK, "secret": ""})] {
        let generated = create(&app, body).await;
        let secret = generated["secret"].as_str().unwrap();
        assert!((8..=32).contains(&secret.len()), "{secret}");
        assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()), "{secret}");
        assert_eq!(generated["event_types"], json!([]));
        assert_eq!(generated["headers"], json!([]));
    }
    let all = list(&app).await;
    assert_eq!(all.len(), 3);
    assert_eq!(all[0], given, "listed in creation order, exactly as created");
    assert!(all[1]["id"].as_str().unwrap().ends_with(":webhook/2"));
    assert_ne!(all[1]["secret"], all[2]["secret"], "every generated secret is fresh");
    assert_eq!(get(&app, &given["id"]).await, given);

    // A verify challenge waits for each new webhook.
    let rows = deliveries(&app).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (n, row) in rows.iter().enumerate() {
        let local = (n + 1).to_string();
        assert_eq!((row.0.as_str(), row.1.as_str(), row.2.as_str()), (local.as_str(), "verify", "pending"));
        let payload: Value = serde_json::from_str(row.3.as_deref().unwrap()).unwrap();
        let challenge = payload["challenge"].as_str().unwrap();
        assert!(challenge.len() == 32 && challenge.bytes().all(|b| b.is_ascii_alphanumeric()), "{challenge}");
        assert!(row.4.starts_with(&format!("{}:event/verify-", all[n]["id"].as_str().unwrap())), "{}", row.4);
    }
    assert_eq!(subscriptions(&app, "1").await, ["rev_user_created", "work_created"]);
}

async fn secrets_must_be_8_to_32_bytes(app: TestApp) {
    for bad in ["short", "1234567", &"x".repeat(33)] {
        let a = app.post("/webhooks.create", json!({"url": HOOK, "secret": bad})).await;
        assert_not_permitted(&a, "secret");
        assert!(!a.body.to_string().contains(bad), "a secret is never echoed: {:#}", a.body);
    }
    assert!(list(&app).await.is_empty(), "nothing was created");
    let w = create(&app, json!({"url": HOOK, "secret": "x".repeat(32)})).await;
    let a = app.post("/webhooks.update", json!({"id": w["id"], "secret": "1234567"})).await;
    assert_not_permitted(&a, "secret");
    assert_eq!(get(&app, &w["id"]).await, w, "nothing changed");
    let a = app.post("/webhooks.create", json!({"secret": "12345678"})).await;
    assert_error(&a, 400, "missing_required_field");
}

async fn header_rules(app: TestApp) {
    let h = |n: &str, v: &str| json!({"name": n, "value": v});
    for (name, field) in [("X Api", "headers[0].name"), ("X:Y", "headers[0].name"), ("", "headers[0].name")] {
        let a = app.post("/webhooks.create", json!({"url": HOOK, "headers": [h(name, "v")]})).await;
        assert_not_permitted(&a, field);
    }
    let a = app.post("/webhooks.create", json!({"url": HOOK, "headers": [h("Ok", "v"), h("Host", "x")]})).await;
    assert_not_permitted(&a, "headers[1].name");
    let a = app.post("/webhooks.create", json!({"url": HOOK, "headers": [h("X-Inject", "a\r\nB: c")]})).await;
    assert_not_permitted(&a, "headers[0].value");
    assert!(list(&app).await.is_empty());

    let eight: Vec<Value> = (1..=8).map(|i| h(&format!("X-H{i}"), "v")).collect();
    let w = create(&app, json!({"url": HOOK, "headers": eight})).await;
    assert_eq!(w["headers"].as_array().unwrap().len(), 8);
    let a = app.post("/webhooks.update", json!({"id": w["id"], "headers": {"add": [h("X-H9", "v")]}})).await;
    assert_not_permitted(&a, "headers");
    assert_eq!(get(&app, &w["id"]).await, w, "a refused update writes nothing");

    // add replaces a header of the same name (regardless of case); remove ignores absent names.
    let w = update(
        &app,
        json!({"id": w["id"], "headers": {"remove": ["X-H2", "X-H3", "absent"], "add": [h("x-h1", "new"), h("X-Ten", "t")]}}),
    )
    .await;
    let names: Vec<&str> = w["headers"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["x-h1", "X-H4", "X-H5", "X-H6", "X-H7", "X-H8", "X-Ten"]);
    assert_eq!(w["headers"][0]["value"], "new");
    let w = update(&app, json!({"id": w["id"], "headers": {"set": [h("Only", "1")]}})).await;
    assert_eq!(w["headers"], json!([h("Only", "1")]));
    let a = app.post("/webhooks.update", json!({"id": w["id"], "headers": {"set": [], "remove": ["Only"]}})).await;
    assert_not_permitted(&a, "headers");
    let a = app.post("/webhooks.update", json!({"id": w["id"], "headers": {"add": [h("bad name", "v")]}})).await;
    assert_not_permitted(&a, "headers.add[0].name");
    assert_eq!(w["status"], "unverified", "headers leave the status alone");
}

async fn event_types_add_remove_and_set(app: TestApp) {
    let w = create(&app, json!({"url": HOOK, "event_types": ["rev_user_created", "rev_user_created", "part_created"]}))
        .await;
    assert_eq!(w["event_types"], json!(["rev_user_created", "part_created"]), "repeats are dropped");
    let local = local_of(&w["id"]);
    let edit = json!({"id": w["id"], "event_types": {"add": ["rev_user_created", "tag_deleted"], "remove": ["account_created"]}});
    let w = update(&app, edit.clone()).await;
    assert_eq!(w["event_types"], json!(["rev_user_created", "part_created", "tag_deleted"]));
    let again = update(&app, edit).await;
    assert_eq!(again["event_types"], w["event_types"], "adding present and removing absent types is a no-op");
    let w = update(&app, json!({"id": w["id"], "event_types": {"remove": ["part_created"]}})).await;
    assert_eq!(w["event_types"], json!(["rev_user_created", "tag_deleted"]));
    assert_eq!(subscriptions(&app, &local).await, ["rev_user_created", "tag_deleted"]);
    let w = update(&app, json!({"id": w["id"], "event_types": {"set": ["work_updated", "verify"]}})).await;
    assert_eq!(w["event_types"], json!(["work_updated", "verify"]));
    assert_eq!(subscriptions(&app, &local).await, ["verify", "work_updated"]);

    let a = app
        .post(
            "/webhooks.update",
            json!({"id": w["id"], "event_types": {"set": ["tag_created"], "add": ["tag_deleted"]}}),
        )
        .await;
    assert_not_permitted(&a, "event_types");
    let a = app.post("/webhooks.update", json!({"id": w["id"], "event_types": {"set": [], "remove": []}})).await;
    assert_not_permitted(&a, "event_types");
    let a = app.post("/webhooks.create", json!({"url": HOOK, "event_types": ["rev_user_exploded"]})).await;
    assert_error(&a, 400, "invalid_enum_value");
    assert_eq!(get(&app, &w["id"]).await, w, "refused updates write nothing");
    let w = update(&app, json!({"id": w["id"], "event_types": {"set": []}})).await;
    assert_eq!(w["event_types"], json!([]));
    assert!(subscriptions(&app, &local).await.is_empty());
}

async fn url_or_secret_changes_and_actions_move_the_status(app: TestApp) {
    let w = create(&app, json!({"url": HOOK, "secret": "first-secret"})).await;
    let (id, local) = (w["id"].clone(), local_of(&w["id"]));
    let first_verify = pending_verifies(&app, &local).await;
    assert_eq!(first_verify.len(), 1);

    // The worker verified it; a new URL takes it back to unverified with a new challenge.
    set_status(&app, &local, "active").await;
    assert_eq!(get(&app, &id).await["status"], "active");
    let w = update(&app, json!({"id": id, "url": "http://127.0.0.1:10/other"})).await;
    assert_eq!((w["status"].as_str(), w["url"].as_str()), (Some("unverified"), Some("http://127.0.0.1:10/other")));
    let pending = pending_verifies(&app, &local).await;
    assert_eq!(pending.len(), 1, "the older challenge is superseded");
    assert_ne!(pending[0].4, first_verify[0].4);

    // The same URL again changes nothing; a new secret does, and an empty one is generated.
    set_status(&app, &local, "active").await;
    assert_eq!(update(&app, json!({"id": id, "url": "http://127.0.0.1:10/other"})).await["status"], "active");
    let w = update(&app, json!({"id": id, "secret": "second-secret"})).await;
    assert_eq!((w["status"].as_str(), w["secret"].as_str()), (Some("unverified"), Some("second-secret")));
    set_status(&app, &local, "active").await;
    let w = update(&app, json!({"id": id, "secret": ""})).await;
    assert_eq!(w["status"], "unverified");
    let secret = w["secret"].as_str().unwrap();
    assert!(secret != "second-secret" && (8..=32).contains(&secret.len()), "{secret}");

    // deactivate: inactive, pending challenges cancelled; endpoint changes keep it inactive.
    let w = update(&app, json!({"id": id, "action": "deactivate"})).await;
    assert_eq!(w["status"], "inactive");
    assert!(pending_verifies(&app, &local).await.is_empty());
    let w = update(&app, json!({"id": id, "url": HOOK, "secret": "third-secret"})).await;
    assert_eq!(w["status"], "inactive");
    assert!(pending_verifies(&app, &local).await.is_empty(), "no challenge while inactive");

    // activate: back to unverified with a new challenge, active once the endpoint answers.
    let w = update(&app, json!({"id": id, "action": "activate"})).await;
    assert_eq!(w["status"], "unverified");
    assert_eq!(pending_verifies(&app, &local).await.len(), 1);
    set_status(&app, &local, "active").await;
    let before = get(&app, &id).await;
    let w = update(&app, json!({"id": id, "action": "activate"})).await;
    assert_eq!(w["status"], "active", "activating an active webhook changes nothing");
    assert_eq!(w["secret"], before["secret"]);
    assert!(w["modified_date"].as_str() > before["modified_date"].as_str());
    let w = update(&app, json!({"id": id, "action": "deactivate", "url": "http://127.0.0.1:11/x"})).await;
    assert_eq!(w["status"], "inactive");
    let a = app.post("/webhooks.update", json!({"id": id, "action": "pause"})).await;
    assert_error(&a, 400, "invalid_enum_value");
}

async fn get_list_and_delete(app: TestApp) {
    let one = create(&app, json!({"url": HOOK, "event_types": ["tag_created"]})).await;
    let two = create(&app, json!({"url": "https://8.8.8.8/two"})).await;
    let q =
        url::form_urlencoded::Serializer::new(String::new()).append_pair("id", one["id"].as_str().unwrap()).finish();
    let a = app.get("/webhooks.get", &q).await;
    assert_eq!((a.status, &a.body["webhook"]), (200, &one));
    let a = app.get("/webhooks.list", "").await;
    assert_eq!((a.status, &a.body["webhooks"]), (200, &json!([one, two])));

    let a = app.post("/webhooks.delete", json!({"id": one["id"]})).await;
    assert_eq!((a.status, &a.body), (200, &json!({})));
    assert_error(&app.post("/webhooks.get", json!({"id": one["id"]})).await, 404, "not_found");
    assert_error(&app.post("/webhooks.delete", json!({"id": one["id"]})).await, 404, "not_found");
    assert_error(&app.post("/webhooks.update", json!({"id": one["id"], "url": HOOK})).await, 404, "not_found");
    assert_eq!(list(&app).await, [two]);
    assert!(subscriptions(&app, "1").await.is_empty(), "its subscriptions went with it");
    assert!(pending_verifies(&app, "1").await.is_empty(), "and so did its pending challenge");
    let three = create(&app, json!({"url": HOOK})).await;
    assert!(three["id"].as_str().unwrap().ends_with(":webhook/3"), "ids are never reused");
}

async fn fetch_queues_the_object_as_updated(app: TestApp) {
    let w = create(&app, json!({"url": HOOK, "event_types": ["rev_user_updated"]})).await;
    let local = local_of(&w["id"]);
    let user = app.create_rev_user(json!({"display_name": "Ada"})).await;
    let acc = app.post("/accounts.create", json!({"display_name": "Acme"})).await.body;
    let tag = app.post("/tags.create", json!({"name": "vip"})).await.body["tag"].clone();
    for (object, event_type, key, want_id) in [
        (user["display_id"].clone(), "rev_user_updated", "rev_user", user["id"].clone()),
        (acc["account"]["id"].clone(), "account_updated", "account", acc["account"]["id"].clone()),
        (acc["default_rev_org"]["id"].clone(), "rev_org_updated", "rev_org", acc["default_rev_org"]["id"].clone()),
        (tag["display_id"].clone(), "tag_updated", "tag", tag["id"].clone()),
        (json!("DEVU-1"), "dev_user_updated", "dev_user", Value::Null),
    ] {
        let a = app.post("/webhooks.fetch", json!({"id": w["id"], "object": object})).await;
        assert_eq!((a.status, &a.body), (200, &json!({})), "{object}");
        let last = deliveries(&app).await.pop().unwrap();
        assert_eq!((last.0.as_str(), last.1.as_str(), last.2.as_str()), (local.as_str(), event_type, "pending"));
        assert!(last.4.starts_with(&format!("{}:event/fetch-", w["id"].as_str().unwrap())), "{}", last.4);
        let payload: Value = serde_json::from_str(last.3.as_deref().unwrap()).unwrap();
        assert_eq!(payload.as_object().unwrap().len(), 1, "{payload:#}");
        if want_id.is_null() {
            assert_eq!(payload[key]["display_id"], "DEVU-1");
        } else {
            assert_eq!(payload[key]["id"], want_id, "{payload:#}");
        }
    }
    let read_back = app.get_rev_user(user["id"].as_str().unwrap()).await;
    let last_user = deliveries(&app).await.into_iter().find(|d| d.1 == "rev_user_updated").unwrap();
    let payload: Value = serde_json::from_str(last_user.3.as_deref().unwrap()).unwrap();
    assert_eq!(payload["rev_user"], read_back, "the object as the API shows it");

    let count = deliveries(&app).await.len();
    assert_error(&app.post("/webhooks.fetch", json!({"id": w["id"], "object": "REVU-999"})).await, 404, "not_found");
    let gone = w["id"].as_str().unwrap().replace(":webhook/1", ":webhook/99");
    assert_error(&app.post("/webhooks.fetch", json!({"id": gone, "object": user["id"]})).await, 404, "not_found");
    let a = app.post("/webhooks.fetch", json!({"id": w["id"], "object": "ARTIFACT-1"})).await;
    assert_error(&a, 400, "unexpected_id_type");
    assert_eq!(a.body["field_name"], "object");
    assert_error(&app.post("/webhooks.fetch", json!({"id": w["id"]})).await, 400, "missing_required_field");
    assert_eq!(deliveries(&app).await.len(), count, "refused fetches queue nothing");
}

#[track_caller]
fn assert_url_refused(a: &Answer) {
    assert_error(a, 400, "bad_request");
    assert!(a.body["message"].as_str().unwrap().starts_with("url: "), "{:#}", a.body);
}

async fn bad_urls_are_refused(app: TestApp) {
    for url in [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://0.0.0.0:9/",
        "http://224.0.0.1/",
        "not a url",
    ] {
        let a = app.post("/webhooks.create", json!({"url": url})).await;
        assert_url_refused(&a);
    }
    let a = app.post("/webhooks.create", json!({"url": "http://user:hunter2@127.0.0.1:9/"})).await;
    assert_url_refused(&a);
    assert!(!a.body.to_string().contains("hunter2"), "{:#}", a.body);
    assert_not_permitted(&app.post("/webhooks.create", json!({"url": "  "})).await, "url");
    assert!(list(&app).await.is_empty(), "nothing was created");
    assert!(deliveries(&app).await.is_empty());

    let w = create(&app, json!({"url": HOOK})).await;
    assert_url_refused(&app.post("/webhooks.update", json!({"id": w["id"], "url": "http://169.254.169.254/"})).await);
    assert_eq!(get(&app, &w["id"]).await, w, "a refused URL changes nothing");
}

async fn private_targets_are_refused_unless_allowed(app: TestApp) {
    for url in ["http://10.0.0.1/hook", "http://127.0.0.1:9/hook", "http://[::1]:9/", "http://192.168.1.20/"] {
        let a = app.post("/webhooks.create", json!({"url": url})).await;
        assert_url_refused(&a);
        assert!(a.body["message"].as_str().unwrap().contains("private"), "{:#}", a.body);
    }
    let w = create(&app, json!({"url": "https://8.8.8.8/hook"})).await;
    assert_url_refused(&app.post("/webhooks.update", json!({"id": w["id"], "url": "http://172.16.0.1/"})).await);
    assert_eq!(list(&app).await, [w]);
}

async fn ids_in_the_wrong_form_or_of_another_org(app: TestApp) {
    let w = create(&app, json!({"url": HOOK})).await;
    for (id, kind) in [("nope", "invalid_id"), ("WEBHOOK-1", "invalid_id"), ("TAG-1", "unexpected_id_type")] {
        let a = app.post("/webhooks.get", json!({"id": id})).await;
        assert_error(&a, 400, kind);
        assert_eq!(a.body["field_name"], "id");
    }
    let tag_don = w["id"].as_str().unwrap().replace("don:integration:", "don:core:").replace(":webhook/", ":tag/");
    assert_error(&app.post("/webhooks.delete", json!({"id": tag_don})).await, 400, "unexpected_id_type");

    // Another org's webhook is a missing one, and never listed.
    let other = app.other_org_token().await;
    let theirs = app.post_as(&other, "/webhooks.create", json!({"url": HOOK, "secret": "their-secret"})).await;
    assert_eq!(theirs.status, 201, "{:#}", theirs.body);
    let their_id = theirs.body["webhook"]["id"].clone();
    assert!(their_id.as_str().unwrap().ends_with(":webhook/1"), "ids count per org");
    for (path, body) in [
        ("/webhooks.get", json!({"id": their_id})),
        ("/webhooks.update", json!({"id": their_id, "action": "deactivate"})),
        ("/webhooks.delete", json!({"id": their_id})),
        ("/webhooks.fetch", json!({"id": their_id, "object": "DEVU-1"})),
    ] {
        let a = app.post(path, body).await;
        assert_error(&a, 404, "not_found");
        assert!(!a.body.to_string().contains("their-secret"));
    }
    assert_eq!(list(&app).await, [w]);
    let a = app.post_as(&other, "/webhooks.get", json!({"id": their_id})).await;
    assert_eq!(a.body["webhook"], theirs.body["webhook"], "theirs is untouched");
}

async fn only_dev_and_sys_users_manage_webhooks(app: TestApp) {
    let w = create(&app, json!({"url": HOOK})).await;
    let session = access(
        &mint_as(&app, &app.token, json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "me-1"}})).await,
    );
    for (path, body) in [
        ("/webhooks.list", json!({})),
        ("/webhooks.get", json!({"id": w["id"]})),
        ("/webhooks.create", json!({"url": HOOK})),
        ("/webhooks.update", json!({"id": w["id"], "action": "deactivate"})),
        ("/webhooks.delete", json!({"id": w["id"]})),
        ("/webhooks.fetch", json!({"id": w["id"], "object": "DEVU-1"})),
    ] {
        assert_error(&app.post_as(&session, path, body).await, 403, "forbidden");
    }
    let sys = access(&mint_as(&app, &app.token, json!({"requested_token_type": SYS})).await);
    let made = app.post_as(&sys, "/webhooks.create", json!({"url": HOOK})).await;
    assert_eq!(made.status, 201, "{:#}", made.body);
    assert_eq!(made.body["webhook"]["created_by"]["type"], "sys_user");
    assert_eq!(list(&app).await.len(), 2);
    assert_eq!(get(&app, &w["id"]).await, w);
}
