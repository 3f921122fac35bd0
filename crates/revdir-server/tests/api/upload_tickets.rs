//! An upload ticket is used once (API-CONVENTIONS entry 75): a replay, even a racing one,
//! answers 403 `forbidden` and changes neither the bytes nor the metadata of the version it
//! names, with bytes in the database and in an object store, on both engines.

use serde_json::{json, Value};

use crate::artifacts::{download, pattern, prepare, upload, upload_as, walk};
use crate::helpers::{assert_error, send, spawn_app_with, Answer, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(a_replayed_ticket_changes_nothing, of_racing_uploads_with_one_ticket_one_stores);

/// Asserts the refusal of a used ticket.
#[track_caller]
fn assert_used(a: &Answer) {
    assert_error(a, 403, "forbidden");
    assert!(a.body["message"].as_str().unwrap().contains("used already"), "{:#}", a.body);
}

/// What `artifacts.get` shows of `version` (the default one when `None`).
async fn shown(app: &TestApp, id: &str, version: Option<&str>) -> Value {
    let mut body = json!({"id": id});
    if let Some(v) = version {
        body["version"] = json!(v);
    }
    let a = app.post("/artifacts.get", body).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body
}

async fn a_replayed_ticket_changes_nothing(app: TestApp) {
    let prepared = prepare(&app, "face.png", Some("image/png")).await;
    let id = prepared["id"].as_str().unwrap().to_owned();
    upload(&app, &prepared, &pattern(500, 1)).await;
    let contact = app.create_rev_user(json!({"display_name": "Ada", "display_picture": id})).await;
    let before = shown(&app, &id, None).await;
    // The same form again, with other bytes and under another part name.
    assert_used(&upload_as(&app, &prepared, &pattern(700, 2), "file").await);
    assert_used(&upload_as(&app, &prepared, &pattern(500, 3), "other").await);
    assert_eq!(shown(&app, &id, None).await, before, "metadata unchanged");
    assert_eq!(download(&app, &id, None).await, ("image/png".to_owned(), pattern(500, 1)), "bytes unchanged");
    assert_eq!(app.get_rev_user(contact["id"].as_str().unwrap()).await, contact, "the picture unchanged");
    // A new version has a ticket of its own, used once too; version 1 stays as it was.
    let v2 = app.post("/artifacts.versions.prepare", json!({"id": id})).await;
    assert_eq!(v2.status, 200, "{:#}", v2.body);
    upload(&app, &v2.body, &pattern(40, 4)).await;
    let v2_before = shown(&app, &id, Some("2")).await;
    assert_used(&upload_as(&app, &v2.body, &pattern(41, 5), "file").await);
    assert_eq!(shown(&app, &id, Some("2")).await, v2_before);
    assert_eq!(download(&app, &id, Some("2")).await.1, pattern(40, 4));
    assert_eq!(download(&app, &id, Some("1")).await.1, pattern(500, 1));
    // Version 1's ticket still cannot touch version 1 after version 2 exists.
    assert_used(&upload_as(&app, &prepared, &pattern(9, 6), "file").await);
    assert_eq!(shown(&app, &id, Some("1")).await["version"], before["version"]);
}

/// Sends `uploads` uploads of one prepared form at once, each with its own bytes
/// (`pattern(100 + i, i)`); answers each one's status, in order.
async fn race(app: &TestApp, prepared: &Value, uploads: u8) -> Vec<u16> {
    let url = prepared["url"].as_str().unwrap().to_owned();
    let fields: Vec<(String, String)> = prepared["form_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["key"].as_str().unwrap().to_owned(), f["value"].as_str().unwrap().to_owned()))
        .collect();
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(usize::from(uploads)));
    let mut tasks = Vec::new();
    for i in 0..uploads {
        let (raw, url, fields, start) = (app.raw.clone(), url.clone(), fields.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in fields {
                form = form.text(k, v);
            }
            let bytes = pattern(100 + usize::from(i), i);
            form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name("r.bin"));
            start.wait().await;
            let a = send(raw.post(url).multipart(form)).await;
            if a.status != 204 {
                assert_used(&a);
            }
            a.status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses
}

/// Checks a race's outcome: one upload stored, and the artifact holds the winner's bytes.
async fn assert_one_winner(app: &TestApp, prepared: &Value, statuses: &[u16]) {
    assert_eq!(statuses.iter().filter(|s| **s == 204).count(), 1, "{statuses:?}");
    let winner = statuses.iter().position(|s| *s == 204).unwrap();
    let expected = pattern(100 + winner, u8::try_from(winner).unwrap());
    let id = prepared["id"].as_str().unwrap();
    assert_eq!(shown(app, id, None).await["artifact"]["file"]["size"], expected.len());
    assert_eq!(download(app, id, None).await.1, expected);
}

async fn of_racing_uploads_with_one_ticket_one_stores(app: TestApp) {
    for round in 0..3 {
        let prepared = prepare(&app, &format!("race{round}.bin"), None).await;
        let statuses = race(&app, &prepared, 6).await;
        assert_one_winner(&app, &prepared, &statuses).await;
    }
}

/// With bytes in an object store: a replay leaves the stored object alone and removes the
/// one it wrote, so one object remains per uploaded version, however many uploads raced.
async fn with_an_object_store(backend: Backend) {
    let blobs = tempfile::tempdir().unwrap();
    let url = format!("file://{}", blobs.path().display());
    let app = spawn_app_with(backend, |c, _| c.artifacts.blob_store = Some(url.clone())).await;
    let prepared = prepare(&app, "kept.bin", None).await;
    upload(&app, &prepared, &pattern(300, 7)).await;
    let objects = walk(blobs.path());
    assert_eq!(objects.len(), 1, "{objects:?}");
    let before = shown(&app, prepared["id"].as_str().unwrap(), None).await;
    assert_used(&upload_as(&app, &prepared, &pattern(301, 8), "file").await);
    assert_eq!(walk(blobs.path()), objects, "the replay's object is gone, the stored one stays");
    assert_eq!(std::fs::read(&objects[0]).unwrap(), pattern(300, 7));
    assert_eq!(shown(&app, prepared["id"].as_str().unwrap(), None).await, before);
    assert_eq!(download(&app, prepared["id"].as_str().unwrap(), None).await.1, pattern(300, 7));
    let raced = prepare(&app, "raced.bin", None).await;
    let statuses = race(&app, &raced, 6).await;
    assert_one_winner(&app, &raced, &statuses).await;
    assert_eq!(walk(blobs.path()).len(), 2, "one object per uploaded version");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_store_tickets_are_used_once_on_sqlite() {
    with_an_object_store(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_store_tickets_are_used_once_on_postgres() {
    with_an_object_store(Backend::Postgres).await;
}
