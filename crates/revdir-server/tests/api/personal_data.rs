//! `rev-users.personal-data` and `rev-users.delete-personal-data` (§7; API-CONVENTIONS entry
//! 96): an export job that stores everything about a contact as an artifact held by it, and
//! an erasure job after which no read, list, journal entry, delivery or stored byte shows the
//! contact's email, phone numbers, names or description.

use std::time::Duration;

use serde_json::{json, Value};

use crate::artifacts::{download, prepare, upload, walk};
use crate::helpers::{assert_error, send, spawn_app_with, Backend, TestApp};
use crate::on_both_backends;
use crate::receiver::Receiver;

on_both_backends!(an_export_gathers_everything_about_the_contact, personal_data_requests_check_their_input);

/// What a contact called Grace holds that is personal, in every form it takes.
const SECRETS: &[&str] =
    &["grace.hopper@navy.example", "+14155550199", "Grace Hopper", "Amazing Grace", "Rear admiral, COBOL"];

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Creates Grace (a picture, an attachment, a tag, a workspace, a renamed history).
async fn grace(app: &TestApp) -> (Value, Value) {
    let acc = app.post("/accounts.create", json!({"display_name": "Navy"})).await.body;
    let tag = app.post("/tags.create", json!({"name": "pioneer"})).await.body["tag"]["id"].clone();
    let file = prepare(app, "notes.txt", Some("text/plain")).await;
    upload(app, &file, b"Grace's notes").await;
    let u = app
        .create_rev_user(json!({"display_name": "Amazing Grace", "email": "Grace.Hopper@Navy.example",
            "phone_numbers": ["+14155550199"], "description": "Rear admiral, COBOL", "external_ref": "grace-ext",
            "rev_org": acc["default_rev_org"]["id"], "tags": [{"id": tag}], "artifacts": [file["id"]]}))
        .await;
    let renamed = app.post("/rev-users.update", json!({"id": u["id"], "display_name": "Grace Hopper"})).await;
    assert_eq!(renamed.status, 200, "{:#}", renamed.body);
    (u, file)
}

/// Asserts that `text` shows none of Grace's personal values.
#[track_caller]
fn no_secrets(what: &str, text: &str) {
    let lower = text.to_lowercase();
    for secret in SECRETS {
        assert!(!lower.contains(&secret.to_lowercase()), "{what} still shows {secret}: {text}");
    }
}

async fn export(app: &TestApp, email: &str) -> Value {
    let job = app.queue_job("/rev-users.personal-data", json!({"email": email})).await;
    let done = app.wait_job(&job).await;
    assert_eq!(done["state"], "done", "{done:#}");
    done
}

async fn an_export_gathers_everything_about_the_contact(app: TestApp) {
    let (u, _) = grace(&app).await;
    let done = export(&app, "grace.hopper@NAVY.example").await;
    let artifact = done["result"]["artifact"].clone();
    assert_eq!(done["input"]["rev_users"], json!([u["id"]]));
    // Findable under the contact (entry 96).
    let held = app.post("/artifacts.list", json!({"parent_id": u["id"]})).await;
    let ids: Vec<&Value> = held.body["artifacts"].as_array().unwrap().iter().map(|a| &a["id"]).collect();
    assert!(ids.contains(&&artifact), "{:#}", held.body);
    let got = app.post("/artifacts.get", json!({"id": artifact})).await.body;
    assert_eq!(got["artifact"]["file"]["type"], "application/json", "{got:#}");
    let (ct, bytes) = download(&app, s(&artifact), None).await;
    assert_eq!(ct, "application/json");
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let c = &doc["rev_users"][0];
    assert_eq!(c["rev_user"]["id"], u["id"]);
    assert_eq!(c["rev_user"]["email"], "Grace.Hopper@Navy.example");
    assert_eq!(c["rev_user"]["tags"][0]["tag"]["name"], "pioneer");
    assert_eq!(c["associations"].as_array().unwrap().len(), 2, "{c:#}");
    let files: Vec<&Value> = c["artifacts"].as_array().unwrap().iter().map(|a| &a["file"]["name"]).collect();
    assert!(files.contains(&&json!("notes.txt")), "{c:#}");
    let ops: Vec<&str> = c["journal"].as_array().unwrap().iter().map(|e| s(&e["operation"])).collect();
    assert_eq!(ops, vec!["created", "updated"], "{c:#}");
    assert_eq!(c["journal"][1]["changes"][0]["before"], "Amazing Grace");
}

async fn personal_data_requests_check_their_input(app: TestApp) {
    for path in ["/rev-users.personal-data", "/rev-users.delete-personal-data"] {
        assert_error(&app.post(path, json!({"email": "nobody@example.com"})).await, 404, "not_found");
        for body in [json!({"email": "  "}), json!({}), json!({"email": 7})] {
            assert_eq!(app.post(path, body.clone()).await.status, 400, "{path} {body}");
        }
    }
    let other = app.other_org_token().await;
    app.post_as(&other, "/rev-users.create", json!({"email": "theirs@b.example"})).await;
    for path in ["/rev-users.personal-data", "/rev-users.delete-personal-data"] {
        assert_error(&app.post(path, json!({"email": "theirs@b.example"})).await, 404, "not_found");
    }
    assert_eq!(app.revdir("/_revdir/jobs.list", json!({})).await.body["jobs"], json!([]));
}

/// The erasure, on both engines: the worker that delivers webhooks is off until the erasure
/// is done, so the events about Grace are still undelivered when it runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_leaves_no_trace() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mut app = spawn_app_with(backend, |c, _| {
            c.emulator = true;
            c.deliveries.enabled = false;
        })
        .await;
        let receiver = Receiver::start().await;
        let hook = app
            .post(
                "/webhooks.create",
                json!({"url": receiver.url, "event_types": ["rev_user_created", "rev_user_updated", "rev_user_deleted"]}),
            )
            .await
            .body["webhook"]["id"]
            .clone();
        let verify = send(
            app.raw
                .post(format!("{}/_revdir/webhooks.verify", app.addr))
                .bearer_auth(&app.token)
                .json(&json!({"webhook": hook})),
        )
        .await;
        assert_eq!(verify.status, 200, "{:#}", verify.body);
        let (u, file) = grace(&app).await;
        let exported = export(&app, "grace.hopper@navy.example").await["result"]["artifact"].clone();

        let job = app.queue_job("/rev-users.delete-personal-data", json!({"email": "GRACE.HOPPER@navy.example"})).await;
        let done = app.wait_job(&job).await;
        assert_eq!((done["state"].as_str(), &done["result"]["erased"]), (Some("done"), &json!(1)), "{done:#}");

        assert_error(&app.post("/rev-users.get", json!({"id": u["id"]})).await, 404, "not_found");
        for id in [&file["id"], &exported] {
            assert_error(&app.post("/artifacts.get", json!({"id": id})).await, 404, "not_found");
        }
        let listed = app.post("/rev-users.list", json!({"limit": 100})).await;
        no_secrets("rev-users.list", &listed.body.to_string());
        let by_email = app.post("/rev-users.list", json!({"email": ["grace.hopper@navy.example"]})).await;
        assert_eq!(by_email.body["rev_users"], json!([]));
        let journal = app.revdir("/_revdir/journal.list", json!({"limit": 100})).await;
        assert!(journal.body["entries"].as_array().unwrap().len() >= 3, "{:#}", journal.body);
        no_secrets("the journal", &journal.body.to_string());
        let deliveries = send(
            app.raw
                .post(format!("{}/_revdir/webhooks.deliveries.list", app.addr))
                .bearer_auth(&app.token)
                .json(&json!({})),
        )
        .await;
        assert_eq!(deliveries.status, 200);
        no_secrets("the delivery log", &deliveries.body.to_string());
        let jobs = app.revdir("/_revdir/jobs.list", json!({})).await;
        no_secrets("the job list", &jobs.body.to_string());
        // Its external ref is free again; nothing is left to export or erase.
        assert_eq!(app.post("/rev-users.create", json!({"external_ref": "grace-ext"})).await.status, 201);
        assert_error(
            &app.post("/rev-users.personal-data", json!({"email": "grace.hopper@navy.example"})).await,
            404,
            "not_found",
        );

        // The events still queued about Grace go out redacted.
        app.restart(|c| c.deliveries.enabled = true).await;
        let gone = receiver
            .wait_for("the delete event", 1, Duration::from_secs(20), |r| r.body["type"] == "rev_user_deleted")
            .await;
        assert_eq!(gone[0].body["rev_user_deleted"]["id"], u["id"]);
        for r in receiver.all() {
            no_secrets("a delivery", &String::from_utf8_lossy(&r.raw));
        }
    }
}

/// With an object store, the erased contact's bytes leave the store too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_deletes_object_store_bytes() {
    let blobs = tempfile::tempdir().unwrap();
    let url = format!("file://{}", blobs.path().display());
    let app = spawn_app_with(Backend::Sqlite, |c, _| c.artifacts.blob_store = Some(url.clone())).await;
    grace(&app).await;
    export(&app, "grace.hopper@navy.example").await;
    assert_eq!(walk(blobs.path()).len(), 2, "the attachment and the export");
    let job = app.queue_job("/rev-users.delete-personal-data", json!({"email": "grace.hopper@navy.example"})).await;
    assert_eq!(app.wait_job(&job).await["state"], "done");
    assert!(walk(blobs.path()).is_empty(), "{:?}", walk(blobs.path()));
}
