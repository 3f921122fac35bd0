//! Artifacts (§8.4): prepare → presigned multipart upload → get → locate → download, versions,
//! and `display_picture`/`artifacts` on rev users and sys users.

use revdir_server::artifacts::{Ticket, TicketPurpose};
use revdir_server::startup::{open, Application};
use serde_json::{json, Value};

use crate::helpers::{assert_error, send, send_checked, spawn_app_with, Answer, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    upload_cycle_with_real_bytes,
    upload_refuses_bad_tickets_and_bodies,
    versions_prepare_get_locate_delete,
    pictures_and_attachments_on_contacts,
    pictures_on_sys_users,
    one_parent_per_artifact_even_under_a_race,
    deleting_a_contact_releases_what_it_held,
    another_orgs_artifacts_are_unknown,
    a_restart_keeps_records_and_bytes,
);

/// Prepares an artifact and returns the prepare answer's body.
pub(crate) async fn prepare(app: &TestApp, name: &str, file_type: Option<&str>) -> Value {
    let mut body = json!({"file_name": name});
    if let Some(t) = file_type {
        body["file_type"] = json!(t);
    }
    let a = app.post("/artifacts.prepare", body).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert!(a.body["url"].as_str().unwrap().starts_with("http://127.0.0.1:"), "absolute URL: {:#}", a.body);
    a.body
}

/// Uploads `bytes` to a prepare answer's URL the way S3 clients do: every form field, then
/// the file (as a part named `part_name`), and no Authorization header.
pub(crate) async fn upload_as(app: &TestApp, prepared: &Value, bytes: &[u8], part_name: &str) -> Answer {
    let mut form = reqwest::multipart::Form::new();
    for f in prepared["form_data"].as_array().unwrap() {
        form = form.text(f["key"].as_str().unwrap().to_owned(), f["value"].as_str().unwrap().to_owned());
    }
    form = form.part(part_name.to_owned(), reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("upload.bin"));
    send(app.raw.post(prepared["url"].as_str().unwrap()).multipart(form)).await
}

pub(crate) async fn upload(app: &TestApp, prepared: &Value, bytes: &[u8]) {
    let a = upload_as(app, prepared, bytes, "file").await;
    assert_eq!(a.status, 204, "{:#}", a.body);
}

/// Locates and downloads an artifact (optionally a version); returns content type and bytes.
pub(crate) async fn download(app: &TestApp, id: &str, version: Option<&str>) -> (String, Vec<u8>) {
    let mut body = json!({"id": id});
    if let Some(v) = version {
        body["version"] = json!(v);
    }
    let a = app.post("/artifacts.locate", body).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert!(a.body["expires_at"].is_string());
    let r = app.raw.get(a.body["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    (ct, r.bytes().await.unwrap().to_vec())
}

/// `len` bytes of a pattern that `seed` varies.
pub(crate) fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

async fn upload_cycle_with_real_bytes(app: TestApp) {
    let prepared = prepare(&app, "ada.png", Some("image/png")).await;
    let id = prepared["id"].as_str().unwrap().to_owned();
    let bytes = pattern(300_000, 7);
    // Before the upload there is nothing to download.
    assert_error(&app.post("/artifacts.locate", json!({"id": id})).await, 404, "not_found");
    // The file part may have any name, as with S3.
    let a = upload_as(&app, &prepared, &bytes, "whatever").await;
    assert_eq!(a.status, 204, "{:#}", a.body);
    let got = app.post("/artifacts.get", json!({"id": id})).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["artifact"]["file"], json!({"type": "image/png", "name": "ada.png", "size": 300_000}));
    assert_eq!(got.body["version"]["version"], "1");
    assert_eq!(got.body["artifact"]["display_id"], "ARTIFACT-1");
    let (ct, downloaded) = download(&app, "ARTIFACT-1", None).await;
    assert_eq!(ct, "image/png");
    assert_eq!(downloaded, bytes);
    // GET twins answer the same.
    let twin = app.get("/artifacts.get", &format!("id={}", urlencode(&id))).await;
    assert_eq!(twin.body, got.body);
    // Without a file_type, the uploaded part's media type is used.
    let p2 = prepare(&app, "notes.txt", None).await;
    let mut form = reqwest::multipart::Form::new();
    for f in p2["form_data"].as_array().unwrap() {
        form = form.text(f["key"].as_str().unwrap().to_owned(), f["value"].as_str().unwrap().to_owned());
    }
    form =
        form.part("file", reqwest::multipart::Part::text("hello").file_name("n.txt").mime_str("text/plain").unwrap());
    assert_eq!(send(app.raw.post(p2["url"].as_str().unwrap()).multipart(form)).await.status, 204);
    let (ct, body) = download(&app, p2["id"].as_str().unwrap(), None).await;
    assert_eq!((ct.as_str(), body.as_slice()), ("text/plain", b"hello".as_slice()));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn upload_refuses_bad_tickets_and_bodies(app: TestApp) {
    let prepared = prepare(&app, "x.bin", None).await;
    let url = prepared["url"].as_str().unwrap().to_owned();
    let file = || reqwest::multipart::Part::bytes(vec![1, 2, 3]).file_name("x.bin");
    // No ticket.
    let a = send(app.raw.post(&url).multipart(reqwest::multipart::Form::new().part("file", file()))).await;
    assert_error(&a, 400, "missing_required_field");
    // A forged ticket, and a download ticket used for an upload.
    for ticket in ["forged.ticket", "e30.AAAA"] {
        let form = reqwest::multipart::Form::new().text("ticket", ticket).part("file", file());
        assert_error(&send(app.raw.post(&url).multipart(form)).await, 403, "forbidden");
    }
    // An expired ticket signed with the real key.
    let state = open(&app.config).await.unwrap();
    let org = state.store.default_dev_org().await.unwrap().unwrap().org.id;
    let expired = state.artifacts.sign(&Ticket {
        org: org.clone(),
        artifact: 1,
        version: 1,
        exp: revdir_core::clock::system_now().seconds() - 1,
        purpose: TicketPurpose::Upload,
    });
    let form = reqwest::multipart::Form::new().text("ticket", expired).part("file", file());
    let a = send(app.raw.post(&url).multipart(form)).await;
    assert_error(&a, 403, "forbidden");
    assert!(a.body["message"].as_str().unwrap().contains("expired"));
    // Not multipart at all.
    assert_error(&send(app.raw.post(&url).body("plain")).await, 400, "bad_request");
    // No file part.
    let ticket =
        prepared["form_data"].as_array().unwrap().iter().find(|f| f["key"] == "ticket").unwrap()["value"].clone();
    let form = reqwest::multipart::Form::new().text("ticket", ticket.as_str().unwrap().to_owned());
    assert_error(&send(app.raw.post(&url).multipart(form)).await, 400, "missing_required_field");
    // Nothing was stored by any of these.
    assert_error(&app.post("/artifacts.locate", json!({"id": prepared["id"]})).await, 404, "not_found");
    let got = app.post("/artifacts.get", json!({"id": prepared["id"]})).await;
    assert!(got.body["artifact"]["file"].get("size").is_none(), "{:#}", got.body);
    // Download URLs need their ticket too.
    let a = send(app.raw.get(format!("{}/_revdir/artifacts/download?ticket=forged.x", app.addr))).await;
    assert_error(&a, 403, "forbidden");
    let a = send(app.raw.get(format!("{}/_revdir/artifacts/download", app.addr))).await;
    assert_error(&a, 400, "missing_required_field");
}

async fn versions_prepare_get_locate_delete(app: TestApp) {
    let prepared = prepare(&app, "doc.bin", Some("application/octet-stream")).await;
    let id = prepared["id"].as_str().unwrap().to_owned();
    upload(&app, &prepared, &pattern(10, 1)).await;
    let v2 = app.post("/artifacts.versions.prepare", json!({"id": id})).await;
    assert_eq!(v2.status, 200, "{:#}", v2.body);
    // Until version 2 is uploaded, the artifact shows its latest uploaded version.
    assert_eq!(app.post("/artifacts.get", json!({"id": id})).await.body["version"]["version"], "1");
    upload(&app, &v2.body, &pattern(20, 2)).await;
    let got = app.post("/artifacts.get", json!({"id": id})).await;
    assert_eq!(got.body["version"]["version"], "2");
    assert_eq!(got.body["artifact"]["file"]["size"], 20);
    let v1 = app.post("/artifacts.get", json!({"id": id, "version": "1"})).await;
    assert_eq!(v1.body["artifact"]["file"]["size"], 10);
    assert_eq!(download(&app, &id, Some("1")).await.1, pattern(10, 1));
    assert_eq!(download(&app, &id, None).await.1, pattern(20, 2));
    assert_error(&app.post("/artifacts.get", json!({"id": id, "version": "9"})).await, 404, "not_found");
    assert_error(&app.post("/artifacts.get", json!({"id": id, "version": "x"})).await, 400, "value_not_permitted");
    // Deleting version 2 falls back to version 1; deleting the last deletes the artifact.
    assert_eq!(app.post("/artifacts.versions.delete", json!({"id": id, "version": "2"})).await.status, 200);
    assert_eq!(download(&app, &id, None).await.1, pattern(10, 1));
    assert_error(
        &app.post("/artifacts.versions.delete", json!({"id": id, "version": "2"})).await,
        400,
        "value_not_permitted",
    );
    assert_eq!(app.post("/artifacts.versions.delete", json!({"id": id, "version": "1"})).await.status, 200);
    assert_error(&app.post("/artifacts.get", json!({"id": id})).await, 404, "not_found");
}

async fn pictures_and_attachments_on_contacts(app: TestApp) {
    let pic = prepare(&app, "face.png", Some("image/png")).await;
    upload(&app, &pic, b"png bytes").await;
    let doc = prepare(&app, "contract.pdf", Some("application/pdf")).await;
    let doc2 = prepare(&app, "annex.pdf", None).await;
    let u = app
        .create_rev_user(json!({"display_name": "Ada", "display_picture": "ARTIFACT-1", "artifacts": [doc["id"]]}))
        .await;
    assert_eq!(u["display_picture"]["id"], pic["id"]);
    assert_eq!(u["display_picture"]["display_id"], "ARTIFACT-1");
    assert_eq!(u["display_picture"]["file"], json!({"type": "image/png", "name": "face.png", "size": 9}));
    assert_eq!(u["artifacts"][0]["id"], doc["id"]);
    let id = u["id"].clone();
    // Omitted: unchanged. Re-setting the same picture: fine.
    let a =
        app.post("/rev-users.update", json!({"id": id, "display_name": "Ada L.", "display_picture": pic["id"]})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["rev_user"]["display_picture"]["id"], pic["id"]);
    let a = app.post("/rev-users.update", json!({"id": id, "artifacts": {"set": [doc2["id"], doc["id"]]}})).await;
    assert_eq!(a.body["rev_user"]["artifacts"].as_array().unwrap().len(), 2);
    assert_eq!(a.body["rev_user"]["display_picture"]["id"], pic["id"], "omitted picture stays");
    let listed = app.post("/artifacts.list", json!({"parent_id": id})).await;
    assert_eq!(listed.body["artifacts"].as_array().unwrap().len(), 3, "{:#}", listed.body);
    // null clears the picture; {set: []} detaches all.
    let a = app.post("/rev-users.update", json!({"id": id, "display_picture": null, "artifacts": {"set": []}})).await;
    assert!(a.body["rev_user"].get("display_picture").is_none() && a.body["rev_user"].get("artifacts").is_none());
    assert_eq!(app.post("/artifacts.list", json!({"parent_id": id})).await.body["artifacts"], json!([]));
    assert_eq!(app.get_rev_user(id.as_str().unwrap()).await, a.body["rev_user"]);
    // Wrong kinds and unknown artifacts.
    let tag = app.post("/tags.create", json!({"name": "t"})).await.body["tag"]["id"].clone();
    let a = app.post("/rev-users.update", json!({"id": id, "display_picture": tag})).await;
    assert_error(&a, 400, "unexpected_id_type");
    assert_eq!(a.body["field_name"], "display_picture");
    let a = app.post("/rev-users.update", json!({"id": id, "display_picture": "ARTIFACT-999"})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "display_picture");
    let a = app.post("/rev-users.update", json!({"id": id, "artifacts": {"set": ["ARTIFACT-999"]}})).await;
    assert_error(&a, 400, "value_not_permitted");
    let a = app.post("/rev-users.update", json!({"id": id, "display_picture": 5})).await;
    assert_error(&a, 400, "unexpected_json_type");
}

async fn pictures_on_sys_users(app: TestApp) {
    let pic = prepare(&app, "bot.png", Some("image/png")).await;
    upload(&app, &pic, b"bot").await;
    let a = app.post("/sys-users.update", json!({"id": "SYSU-1", "display_picture": pic["id"]})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["sys_user"]["display_picture"]["file"]["name"], "bot.png");
    let a = app.post("/sys-users.update", json!({"id": "SYSU-1", "full_name": "Bot"})).await;
    assert_eq!(a.body["sys_user"]["display_picture"]["id"], pic["id"], "omitted picture stays");
    // A contact cannot take the bot's picture.
    let a = app.post("/rev-users.create", json!({"display_picture": pic["id"]})).await;
    assert_error(&a, 400, "artifact_already_attached_to_a_parent");
    assert!(a.body["existing_parent"].as_str().unwrap().ends_with(":sysu/1"));
    let a = app.post("/sys-users.update", json!({"id": "SYSU-1", "display_picture": null})).await;
    assert!(a.body["sys_user"].get("display_picture").is_none());
    // Released: now a contact may use it.
    assert_eq!(app.post("/rev-users.create", json!({"display_picture": pic["id"]})).await.status, 201);
}

async fn one_parent_per_artifact_even_under_a_race(app: TestApp) {
    let pic = prepare(&app, "shared.png", None).await;
    let a = app.create_rev_user(json!({"display_name": "A"})).await;
    let b = app.create_rev_user(json!({"display_name": "B"})).await;
    let x = app.post("/rev-users.update", json!({"id": a["id"], "display_picture": pic["id"]})).await;
    assert_eq!(x.status, 200);
    let y =
        app.post("/rev-users.update", json!({"id": b["id"], "display_name": "B2", "display_picture": pic["id"]})).await;
    assert_error(&y, 400, "artifact_already_attached_to_a_parent");
    assert_eq!(y.body["existing_parent"], a["id"]);
    assert_eq!(y.body["is_same"], false);
    assert_eq!(app.get_rev_user(b["id"].as_str().unwrap()).await, b, "the refused request wrote nothing");
    // Race: many contacts try to take one free artifact at once; exactly one wins.
    let free = prepare(&app, "race.png", None).await;
    let mut contacts = Vec::new();
    for i in 0..6 {
        contacts.push(app.create_rev_user(json!({"display_name": format!("r{i}")})).await["id"].clone());
    }
    let mut tasks = Vec::new();
    for c in contacts {
        let (raw, addr, token, pic) = (app.raw.clone(), app.addr.clone(), app.token.clone(), free["id"].clone());
        tasks.push(tokio::spawn(async move {
            let req = raw
                .post(format!("{addr}/rev-users.update"))
                .bearer_auth(token)
                .json(&json!({"id": c, "display_picture": pic}));
            send_checked("/rev-users.update", "POST", req).await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 5, "{statuses:?}");
    // Each loser learns which contact won, as the unraced refusal above does.
    let winner = answers.iter().find(|a| a.status == 200).unwrap().body["rev_user"]["id"].clone();
    for loser in answers.iter().filter(|a| a.status != 200) {
        assert_error(loser, 400, "artifact_already_attached_to_a_parent");
        assert_eq!(loser.body["existing_parent"], winner, "{:#}", loser.body);
        assert_eq!(loser.body["is_same"], false, "{:#}", loser.body);
    }
}

async fn deleting_a_contact_releases_what_it_held(app: TestApp) {
    let pic = prepare(&app, "p.png", None).await;
    let doc = prepare(&app, "d.pdf", None).await;
    let a = app.create_rev_user(json!({"display_picture": pic["id"], "artifacts": [doc["id"]]})).await;
    assert_eq!(app.post("/rev-users.delete", json!({"id": a["id"]})).await.status, 200);
    let b = app.create_rev_user(json!({"display_picture": pic["id"], "artifacts": [doc["id"]]})).await;
    assert_eq!(b["display_picture"]["id"], pic["id"]);
    assert_eq!(
        app.post("/artifacts.list", json!({"parent_id": b["display_id"]})).await.body["artifacts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

async fn another_orgs_artifacts_are_unknown(app: TestApp) {
    let pic = prepare(&app, "mine.png", None).await;
    upload(&app, &pic, b"mine").await;
    let other = app.other_org_token().await;
    for path in ["/artifacts.get", "/artifacts.locate"] {
        assert_error(&app.post_as(&other, path, json!({"id": pic["id"]})).await, 404, "not_found");
    }
    let a = app.post_as(&other, "/rev-users.create", json!({"display_picture": pic["id"]})).await;
    assert_error(&a, 400, "value_not_permitted");
    let a = app.post_as(&other, "/artifacts.versions.prepare", json!({"id": pic["id"]})).await;
    assert_error(&a, 400, "value_not_permitted");
    let a = app.post_as(&other, "/artifacts.versions.delete", json!({"id": pic["id"], "version": "1"})).await;
    assert_error(&a, 400, "value_not_permitted");
    let mine = app.create_rev_user(json!({"display_picture": pic["id"]})).await;
    let listed = app.post_as(&other, "/artifacts.list", json!({"parent_id": mine["id"]})).await;
    assert_eq!(listed.body["artifacts"], json!([]));
    assert_eq!(download(&app, pic["id"].as_str().unwrap(), None).await.1, b"mine");
}

async fn a_restart_keeps_records_and_bytes(app: TestApp) {
    let pic = prepare(&app, "keep.bin", None).await;
    upload(&app, &pic, &pattern(4096, 9)).await;
    let again = Application::build(&app.config).await.unwrap();
    let addr = format!("http://{}", again.local_addr().unwrap());
    tokio::spawn(again.run_until_stopped(std::future::pending()));
    let req = app.raw.post(format!("{addr}/artifacts.locate")).bearer_auth(&app.token).json(&json!({"id": pic["id"]}));
    let located = send_checked("/artifacts.locate", "POST", req).await;
    assert_eq!(located.status, 200, "{:#}", located.body);
    let bytes = app.raw.get(located.body["url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.to_vec(), pattern(4096, 9));
}

/// The object-store backend, on a local filesystem store: same cycle, bytes in files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_store_backend_on_local_files() {
    let blobs = tempfile::tempdir().unwrap();
    let url = format!("file://{}", blobs.path().display());
    let app = spawn_app_with(Backend::Sqlite, |c, _| {
        c.artifacts.blob_store = Some(url.clone());
        c.artifacts.max_upload_bytes = Some(1000);
    })
    .await;
    let prepared = prepare(&app, "big.bin", None).await;
    upload(&app, &prepared, &pattern(900, 3)).await;
    assert_eq!(download(&app, prepared["id"].as_str().unwrap(), None).await.1, pattern(900, 3));
    let files: Vec<_> = walk(blobs.path());
    assert_eq!(files.len(), 1, "one object written: {files:?}");
    assert_eq!(std::fs::read(&files[0]).unwrap(), pattern(900, 3));
    // Over the configured limit: refused, nothing stored.
    let p2 = prepare(&app, "too-big.bin", None).await;
    let a = upload_as(&app, &p2, &pattern(1001, 4), "file").await;
    assert_error(&a, 400, "bad_request");
    assert_eq!(walk(blobs.path()).len(), 1);
    // Deleting the version deletes its object.
    assert_eq!(app.post("/artifacts.versions.delete", json!({"id": prepared["id"]})).await.status, 200);
    assert!(walk(blobs.path()).is_empty());
}

/// Every file below `dir`.
pub(crate) fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
