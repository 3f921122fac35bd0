//! `rev-users.merge` and `accounts.merge` (§7, §8.1): `200 {}` at once, then a background job
//! (API-CONVENTIONS entries 94 and 97) that moves what the secondary held to the primary,
//! deletes the secondary and journals both; the rules checked before any job is queued; a
//! queued merge surviving a restart; a merge racing updates losing nothing.

use serde_json::{json, Value};

use crate::artifacts::{prepare, upload};
use crate::helpers::{assert_error, spawn_app_with, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    a_contact_merge_moves_everything_to_the_primary,
    merges_are_checked_before_any_job_is_queued,
    a_merge_racing_updates_loses_no_field,
    an_account_merge_moves_workspaces_memberships_refs_and_tags,
);

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

async fn tag(app: &TestApp, name: &str) -> Value {
    let a = app.post("/tags.create", json!({"name": name})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body["tag"]["id"].clone()
}

/// The journal entries of one object, oldest first.
async fn journal_of(app: &TestApp, object: &Value) -> Vec<Value> {
    let a = app.revdir("/_revdir/journal.list", json!({"object": [object], "limit": 100})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["entries"].as_array().unwrap().clone()
}

async fn a_contact_merge_moves_everything_to_the_primary(app: TestApp) {
    let acme = app.post("/accounts.create", json!({"display_name": "Acme"})).await.body;
    let globex = app.post("/accounts.create", json!({"display_name": "Globex"})).await.body;
    let (vip, beta) = (tag(&app, "vip").await, tag(&app, "beta").await);
    let picture = prepare(&app, "face.png", Some("image/png")).await;
    upload(&app, &picture, b"png bytes").await;
    let doc = prepare(&app, "contract.pdf", None).await;
    let primary = app
        .create_rev_user(json!({"display_name": "Ada", "email": "ada@acme.example", "external_ref": "crm-1",
            "phone_numbers": ["+14155550101"], "rev_org": acme["default_rev_org"]["id"], "tags": [{"id": vip}]}))
        .await;
    let secondary = app
        .create_rev_user(
            json!({"display_name": "Ada L.", "email": "ada@old.example", "description": "from the old CRM",
            "external_refs": ["old-7", "old-8"], "phone_numbers": ["+14155550101", "+14155550102"],
            "rev_org": globex["default_rev_org"]["id"], "tags": [{"id": vip}, {"id": beta}],
            "display_picture": picture["id"], "artifacts": [doc["id"]]}),
        )
        .await;
    let job = app
        .queue_job(
            "/rev-users.merge",
            json!({"primary_user": primary["display_id"], "secondary_user": secondary["id"]}),
        )
        .await;
    let done = app.wait_job(&job).await;
    assert_eq!(done["state"], "done", "{done:#}");
    assert_eq!(done["kind"], "rev_users.merge");
    assert_eq!(done["input"]["secondary_user"], secondary["id"]);

    assert_error(&app.post("/rev-users.get", json!({"id": secondary["id"]})).await, 404, "not_found");
    let p = app.get_rev_user(s(&primary["id"])).await;
    assert_eq!(p["display_name"], "Ada", "the primary's values stay");
    assert_eq!(p["email"], "ada@acme.example");
    assert_eq!(p["external_ref"], "crm-1");
    assert_eq!(p["description"], "from the old CRM", "what the primary lacked comes over");
    assert_eq!(p["external_refs"], json!(["crm-1", secondary["external_ref"], "old-7", "old-8"]), "{p:#}");
    assert_eq!(p["phone_numbers"], json!(["+14155550101", "+14155550102"]), "no duplicates");
    let tags: Vec<&Value> = p["tags"].as_array().unwrap().iter().map(|t| &t["tag"]["id"]).collect();
    assert_eq!(tags, vec![&vip, &beta], "{p:#}");
    assert_eq!(p["rev_org"]["id"], acme["default_rev_org"]["id"]);
    assert_eq!(p["display_picture"]["id"], picture["id"]);
    assert_eq!(p["artifacts"][0]["id"], doc["id"]);
    let memberships = app.post("/rev-users.associations.list", json!({"rev_user_id": p["id"]})).await;
    assert_eq!(memberships.body["associations"].as_array().unwrap().len(), 4, "{:#}", memberships.body);
    // The secondary's refs name the primary now, and stay unique.
    for r in ["old-7", s(&secondary["external_ref"])] {
        let a = app.post("/rev-users.list", json!({"external_refs": [r]})).await;
        assert_eq!(a.body["rev_users"][0]["id"], primary["id"], "{r}");
    }
    assert_error(&app.post("/rev-users.create", json!({"external_ref": "old-8"})).await, 409, "conflict");
    let held = app.post("/artifacts.list", json!({"parent_id": p["id"]})).await;
    assert_eq!(held.body["artifacts"].as_array().unwrap().len(), 2, "{:#}", held.body);
    // DevRev's events: rev_user_updated for the primary, rev_user_deleted for the secondary.
    let last = journal_of(&app, &primary["id"]).await.pop().unwrap();
    assert_eq!((last["operation"].as_str(), last["event_type"].as_str()), (Some("updated"), Some("rev_user_updated")));
    let gone = journal_of(&app, &secondary["id"]).await.pop().unwrap();
    assert_eq!((gone["operation"].as_str(), gone["event_type"].as_str()), (Some("deleted"), Some("rev_user_deleted")));
    let listed = app.revdir("/_revdir/jobs.list", json!({"kind": "rev_users.merge"})).await;
    assert_eq!(listed.body["jobs"][0]["id"], json!(job));
}

async fn merges_are_checked_before_any_job_is_queued(app: TestApp) {
    let a = app.create_rev_user(json!({"display_name": "A"})).await;
    let b = app.create_rev_user(json!({"display_name": "B"})).await;
    let acc = app.post("/accounts.create", json!({"display_name": "Acme"})).await.body["account"]["id"].clone();
    let other = app.other_org_token().await;
    let foreign = app.post_as(&other, "/rev-users.create", json!({})).await.body["rev_user"]["id"].clone();
    let foreign_acc =
        app.post_as(&other, "/accounts.create", json!({"display_name": "X"})).await.body["account"]["id"].clone();
    // An unverified contact: one a session provisioned (entry 95).
    let aat = crate::auth_tokens::mint_as(
        &app,
        &app.token,
        json!({"requested_token_type": "urn:devrev:params:oauth:token-type:aat", "client_id": "plug"}),
    )
    .await;
    crate::auth_tokens::mint_as(
        &app,
        s(&aat["access_token"]),
        json!({"requested_token_type": "urn:devrev:params:oauth:token-type:session", "rev_info": {"user_ref": "anon-1"}}),
    )
    .await;
    let anon = app.post("/rev-users.list", json!({"external_ref": ["anon-1"]})).await.body["rev_users"][0].clone();
    assert_eq!(anon["is_verified"], false);
    let cases = [
        ("/rev-users.merge", json!({"primary_user": a["id"], "secondary_user": a["display_id"]}), 400, "bad_request"),
        ("/rev-users.merge", json!({"primary_user": a["id"], "secondary_user": anon["id"]}), 400, "bad_request"),
        ("/rev-users.merge", json!({"primary_user": a["id"], "secondary_user": "REVU-999"}), 404, "not_found"),
        ("/rev-users.merge", json!({"primary_user": "REVU-999", "secondary_user": b["id"]}), 404, "not_found"),
        ("/rev-users.merge", json!({"primary_user": a["id"], "secondary_user": foreign}), 404, "not_found"),
        ("/rev-users.merge", json!({"primary_user": a["id"], "secondary_user": acc}), 400, "bad_request"),
        ("/rev-users.merge", json!({"primary_user": a["id"]}), 400, "bad_request"),
        ("/rev-users.merge", json!({"primary_user": a["id"], "secondary_user": "nonsense"}), 400, "bad_request"),
        ("/accounts.merge", json!({"primary_account": acc, "secondary_account": acc}), 400, "bad_request"),
        ("/accounts.merge", json!({"primary_account": acc, "secondary_account": "ACC-999"}), 404, "not_found"),
        ("/accounts.merge", json!({"primary_account": acc, "secondary_account": foreign_acc}), 404, "not_found"),
        ("/accounts.merge", json!({"primary_account": acc, "secondary_account": b["id"]}), 400, "bad_request"),
        ("/accounts.merge", json!({"secondary_account": acc}), 400, "bad_request"),
    ];
    for (path, body, status, kind) in cases {
        let r = app.post(path, body.clone()).await;
        assert_eq!(r.status, status, "{path} {body}: {:#}", r.body);
        if status == 404 {
            assert_eq!(r.body["type"], kind, "{path} {body}: {:#}", r.body);
        }
    }
    let jobs = app.revdir("/_revdir/jobs.list", json!({})).await;
    assert_eq!(jobs.body["jobs"], json!([]), "no job was queued");
    // A verified contact may go into an unverified one.
    let job = app.queue_job("/rev-users.merge", json!({"primary_user": anon["id"], "secondary_user": b["id"]})).await;
    assert_eq!(app.wait_job(&job).await["state"], "done");
    assert_error(&app.revdir("/_revdir/jobs.get", json!({"id": "999999"})).await, 404, "not_found");
    assert_eq!(app.revdir("/_revdir/jobs.list", json!({"state": "sleeping"})).await.status, 400);
}

/// Racing updates of both contacts while the merge runs: an update of the primary that was
/// acknowledged is in the result; one of the secondary that was acknowledged happened before
/// the merge took the secondary, so its value is carried over.
async fn a_merge_racing_updates_loses_no_field(app: TestApp) {
    for round in 0..3 {
        let p = app.create_rev_user(json!({"display_name": format!("P{round}")})).await;
        let q = app.create_rev_user(json!({"display_name": format!("Q{round}")})).await;
        let job = app.queue_job("/rev-users.merge", json!({"primary_user": p["id"], "secondary_user": q["id"]})).await;
        let mut acknowledged_secondary = Vec::new();
        let mut acknowledged_primary = Vec::new();
        for i in 0..10 {
            let desc = format!("primary {round}.{i}");
            let a = app.post("/rev-users.update", json!({"id": p["id"], "description": desc})).await;
            assert_eq!(a.status, 200, "{:#}", a.body);
            acknowledged_primary.push(desc);
            let phone = format!("+1415555{round}{i:03}");
            let b = app.post("/rev-users.update", json!({"id": q["id"], "phone_numbers": [phone]})).await;
            match b.status {
                200 => acknowledged_secondary.push(phone),
                404 => break,
                other => panic!("update of the secondary answered {other}: {:#}", b.body),
            }
        }
        assert_eq!(app.wait_job(&job).await["state"], "done");
        let merged = app.get_rev_user(s(&p["id"])).await;
        assert_eq!(merged["description"], json!(acknowledged_primary.last().unwrap()), "{merged:#}");
        if let Some(phone) = acknowledged_secondary.last() {
            assert!(merged["phone_numbers"].as_array().unwrap().contains(&json!(phone)), "{merged:#}");
        }
    }
}

async fn an_account_merge_moves_workspaces_memberships_refs_and_tags(app: TestApp) {
    let vip = tag(&app, "vip").await;
    let p = app
        .post(
            "/accounts.create",
            json!({"display_name": "Acme", "external_refs": ["acme"], "domains": ["acme.example"]}),
        )
        .await
        .body;
    let s_acc = app
        .post(
            "/accounts.create",
            json!({"display_name": "Acme Inc (dup)", "external_refs": ["acme-dup"], "domains": ["acme.io"],
                "description": "duplicate", "tags": [{"id": vip}]}),
        )
        .await
        .body;
    let ws = app.post("/rev-orgs.create", json!({"display_name": "EU", "account": s_acc["account"]["id"]})).await.body;
    let contact = app.create_rev_user(json!({"rev_org": ws["rev_org"]["id"]})).await;
    let job = app
        .queue_job(
            "/accounts.merge",
            json!({"primary_account": p["account"]["display_id"], "secondary_account": s_acc["account"]["id"]}),
        )
        .await;
    assert_eq!(app.wait_job(&job).await["state"], "done");
    assert_error(&app.post("/accounts.get", json!({"id": s_acc["account"]["id"]})).await, 404, "not_found");
    let merged = app.post("/accounts.get", json!({"id": p["account"]["id"]})).await.body["account"].clone();
    assert_eq!(merged["display_name"], "Acme");
    assert_eq!(merged["description"], "duplicate");
    assert_eq!(merged["external_refs"], json!(["acme", "acme-dup"]), "{merged:#}");
    assert_eq!(merged["domains"], json!(["acme.example", "acme.io"]));
    assert_eq!(merged["tags"][0]["tag"]["id"], vip);
    let moved = app.post("/rev-orgs.list", json!({"account": [p["account"]["id"]]})).await;
    assert_eq!(moved.body["rev_orgs"].as_array().unwrap().len(), 3, "its own default, the dup's default, EU");
    let default = app.post("/rev-orgs.get", json!({"account": p["account"]["id"]})).await;
    assert_eq!(default.body["rev_org"]["id"], p["default_rev_org"]["id"], "the primary keeps its default");
    let found = app.post("/accounts.list", json!({"external_refs": ["acme-dup"]})).await;
    if found.status == 200 {
        assert_eq!(found.body["accounts"][0]["id"], p["account"]["id"]);
    }
    let in_p = app.post("/rev-users.list", json!({"associations": [p["account"]["id"]]})).await;
    assert_eq!(in_p.body["rev_users"][0]["id"], contact["id"], "the contact's membership moved");
    assert_error(
        &app.post("/accounts.create", json!({"display_name": "x", "external_refs": ["acme-dup"]})).await,
        409,
        "conflict",
    );
    let last = journal_of(&app, &s_acc["account"]["id"]).await.pop().unwrap();
    assert_eq!(last["event_type"], "account_deleted");
}

/// A merge queued while no worker runs (a node stopped, or `--no-job-worker`) is done by the
/// next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_merge_survives_a_restart() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mut app = spawn_app_with(backend, |c, _| c.jobs.enabled = false).await;
        let p = app.create_rev_user(json!({"display_name": "P", "external_ref": "p"})).await;
        let q = app.create_rev_user(json!({"display_name": "Q", "external_ref": "q"})).await;
        let job = app.queue_job("/rev-users.merge", json!({"primary_user": p["id"], "secondary_user": q["id"]})).await;
        // A second job whose secondary is deleted before any worker runs it.
        let c = app.create_rev_user(json!({})).await;
        let doomed =
            app.queue_job("/rev-users.merge", json!({"primary_user": p["id"], "secondary_user": c["id"]})).await;
        assert_eq!(app.post("/rev-users.delete", json!({"id": c["id"]})).await.status, 200);
        let queued = app.revdir("/_revdir/jobs.get", json!({"id": job})).await;
        assert_eq!(queued.body["job"]["state"], "queued", "{:#}", queued.body);
        assert_eq!(app.get_rev_user(s(&q["id"])).await["display_name"], "Q", "nothing merged yet");
        app.restart(|c| c.jobs.enabled = true).await;
        let done = app.wait_job(&job).await;
        assert_eq!((done["state"].as_str(), done["attempts"].as_i64()), (Some("done"), Some(1)), "{done:#}");
        assert_error(&app.post("/rev-users.get", json!({"id": q["id"]})).await, 404, "not_found");
        let failed = app.wait_job(&doomed).await;
        assert_eq!(failed["state"], "failed", "{failed:#}");
        assert!(s(&failed["error"]).contains("no longer exists"), "{failed:#}");
        let r = app.post("/rev-users.list", json!({"external_refs": ["q"]})).await;
        assert_eq!(r.body["rev_users"][0]["id"], p["id"]);
    }
}
