//! `/_revdir/journal.list`: every write of the identity families leaves one entry per object
//! it changed, with the fields before and after, in the write's own transaction (§9).

use serde_json::{json, Value};

use crate::helpers::{assert_error, send, Answer, TestApp};
use crate::on_both_backends;

on_both_backends!(
    a_contacts_life_is_journaled_field_by_field,
    a_write_that_changes_nothing_or_fails_records_nothing,
    accounts_workspaces_and_their_contacts_are_journaled,
    tags_dev_users_and_sys_users_are_journaled,
    what_a_session_token_provisions_is_journaled,
    filters_and_cursor_pages,
    bad_requests_and_other_orgs,
);

/// Reads the journal with `body`; asserts 200.
async fn journal(app: &TestApp, body: Value) -> Value {
    let a = journal_as(app, &app.token, body).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body
}

async fn journal_as(app: &TestApp, token: &str, body: Value) -> Answer {
    send(app.raw.post(format!("{}/_revdir/journal.list", app.addr)).bearer_auth(token).json(&body)).await
}

/// Every entry about `object`, oldest first.
async fn entries_of(app: &TestApp, object: &Value) -> Vec<Value> {
    journal(app, json!({ "object": [object], "limit": 100 })).await["entries"].as_array().unwrap().clone()
}

/// The change of `field` in an entry, if it changed.
fn change<'a>(entry: &'a Value, field: &str) -> Option<&'a Value> {
    entry["changes"].as_array().unwrap().iter().find(|c| c["field"] == field)
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect()
}

async fn post_with(app: &TestApp, path: &str, headers: &[(&str, &str)], body: Value) -> Answer {
    let mut req = app.raw.post(format!("{}{path}", app.addr)).bearer_auth(&app.token).json(&body);
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    send(req).await
}

async fn a_contacts_life_is_journaled_field_by_field(app: TestApp) {
    let created = post_with(
        &app,
        "/rev-users.create",
        &[("x-devrev-origin", "sync-1"), ("x-request-id", "req-create-1")],
        json!({"display_name": "Ada", "email": "ada@example.com", "phone_numbers": ["+16502530000"]}),
    )
    .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["rev_user"]["id"].clone();
    // A row-only update (the one-statement path) and a wider one (tags, clearing a field).
    let a = app.post("/rev-users.update", json!({"id": id, "display_name": "Ada L."})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let tag = app.post("/tags.create", json!({"name": "vip"})).await.body["tag"]["id"].clone();
    let a = app
        .post("/rev-users.update", json!({"id": id, "phone_numbers": [], "tags": [{"id": tag}], "external_ref": "x-1"}))
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let a = app.post("/rev-users.delete", json!({"id": id})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);

    let entries = entries_of(&app, &id).await;
    let ops: Vec<&str> = entries.iter().map(|e| e["operation"].as_str().unwrap()).collect();
    assert_eq!(ops, ["created", "updated", "updated", "deleted"]);
    let versions: Vec<i64> = entries.iter().map(|e| e["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, [1, 2, 3, 4], "each object's version only goes up");
    let events: Vec<&str> = entries.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    assert_eq!(events, ["rev_user_created", "rev_user_updated", "rev_user_updated", "rev_user_deleted"]);
    for e in &entries {
        assert_eq!(e["object_type"], "rev_user");
        assert!(e["actor"].as_str().unwrap().contains(":devu/1"), "{e:#}");
        assert!(e["token_id"].is_string(), "{e:#}");
        assert!(e["request_id"].is_string(), "every request has an id: {e:#}");
    }
    let create = &entries[0];
    assert_eq!(create["origin"], "sync-1");
    assert_eq!(create["request_id"], "req-create-1");
    assert_eq!(change(create, "display_name").unwrap()["before"], Value::Null);
    assert_eq!(change(create, "display_name").unwrap()["after"], "Ada");
    assert_eq!(create["snapshot"]["email"], "ada@example.com");

    let rename = &entries[1];
    assert_eq!(rename["origin"], Value::Null, "no origin was declared");
    assert_eq!(change(rename, "display_name").unwrap()["before"], "Ada");
    assert_eq!(change(rename, "display_name").unwrap()["after"], "Ada L.");
    assert!(change(rename, "email").is_none(), "a field the update left alone did not change");
    assert!(names(&rename["unchanged"]).contains(&"email"), "{rename:#}");
    assert!(names(&rename["cleared"]).is_empty());

    let wide = &entries[2];
    assert_eq!(change(wide, "phone_numbers").unwrap()["before"], json!(["+16502530000"]));
    assert_eq!(names(&wide["cleared"]), ["phone_numbers"]);
    assert_eq!(change(wide, "external_ref").unwrap()["after"], "x-1");
    let tags_after = &change(wide, "tags").unwrap()["after"];
    assert_eq!(tags_after[0]["tag"]["id"], tag, "{wide:#}");
    assert!(names(&wide["unchanged"]).contains(&"display_name"));

    let delete = &entries[3];
    assert_eq!(change(delete, "display_name").unwrap()["before"], "Ada L.");
    assert_eq!(change(delete, "display_name").unwrap()["after"], Value::Null);
    assert_eq!(delete["snapshot"]["display_name"], "Ada L.", "a delete keeps the object as it was");
}

async fn a_write_that_changes_nothing_or_fails_records_nothing(app: TestApp) {
    let contact = app.create_rev_user(json!({"display_name": "Grace", "email": "grace@example.com"})).await;
    let id = contact["id"].clone();
    let a = app.post("/rev-users.update", json!({"id": id, "display_name": "Grace"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let a = app.post("/rev-users.update", json!({"id": id, "email": "not an email"})).await;
    assert_eq!(a.status, 400, "{:#}", a.body);
    let a = app
        .post("/rev-users.update", json!({"id": id, "phone_numbers": ["+1 650 253 0000"], "tags": [{"id": "TAG-999"}]}))
        .await;
    assert_eq!(a.status / 100, 4, "{:#}", a.body);
    let entries = entries_of(&app, &id).await;
    assert_eq!(entries.len(), 1, "only the create: {entries:#?}");
    assert_eq!(entries[0]["operation"], "created");
}

async fn accounts_workspaces_and_their_contacts_are_journaled(app: TestApp) {
    let a = app.post("/accounts.create", json!({"display_name": "Acme"})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let account = a.body["account"]["id"].clone();
    let workspace = a.body["default_rev_org"]["id"].clone();
    let contact = app.create_rev_user(json!({"display_name": "Linus", "account": account})).await;
    let a = app.post("/accounts.update", json!({"id": account, "tier": "gold"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let a = app.post("/rev-orgs.update", json!({"id": workspace, "description": "HQ"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let a = app.post("/accounts.delete", json!({"id": account})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);

    let account_entries = entries_of(&app, &account).await;
    let ops: Vec<&str> = account_entries.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    assert_eq!(ops, ["account_created", "account_updated", "account_deleted"]);
    assert_eq!(change(&account_entries[1], "tier").unwrap()["after"], "gold");
    let ws_entries = entries_of(&app, &workspace).await;
    let ops: Vec<&str> = ws_entries.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    assert_eq!(ops, ["rev_org_created", "rev_org_updated", "rev_org_deleted"]);
    assert_eq!(change(&ws_entries[1], "description").unwrap()["before"], Value::Null);
    // The contact leaves the deleted workspace: that is a change of the contact too.
    let contact_entries = entries_of(&app, &contact["id"]).await;
    let last = contact_entries.last().unwrap();
    assert_eq!(last["operation"], "updated");
    assert_eq!(change(last, "rev_org").unwrap()["before"]["id"], workspace);
    assert_eq!(change(last, "rev_org").unwrap()["after"], Value::Null);
}

async fn tags_dev_users_and_sys_users_are_journaled(app: TestApp) {
    let tag = app.post("/tags.create", json!({"name": "beta"})).await.body["tag"]["id"].clone();
    let a = app.post("/tags.update", json!({"id": tag, "name": "gamma"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let a = app.post("/tags.delete", json!({"id": tag})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let entries = entries_of(&app, &tag).await;
    let events: Vec<&str> = entries.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    assert_eq!(events, ["tag_created", "tag_updated", "tag_deleted"]);
    assert_eq!(change(&entries[1], "name").unwrap()["before"], "beta");

    let me = app.post("/dev-users.self", json!({})).await.body["dev_user"]["id"].clone();
    let a = app.post("/dev-users.update", json!({"id": me, "display_name": "Boss"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let entries = entries_of(&app, &me).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["event_type"], "dev_user_updated");
    assert_eq!(change(&entries[0], "display_name").unwrap()["after"], "Boss");

    let sys = app.post("/sys-users.list", json!({})).await.body["sys_users"][0]["id"].clone();
    let a = app.post("/sys-users.update", json!({"id": sys, "full_name": "Automation"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let entries = entries_of(&app, &sys).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["object_type"], "sys_user");
    assert_eq!(entries[0]["event_type"], Value::Null, "sys users emit no events (§8.7)");
    assert_eq!(change(&entries[0], "full_name").unwrap()["after"], "Automation");
}

/// A session token for a new customer creates its contact, account and workspace: creates
/// like any other, journaled with the events they emit.
async fn what_a_session_token_provisions_is_journaled(app: TestApp) {
    const AAT: &str = "urn:devrev:params:oauth:token-type:aat";
    const SESSION: &str = "urn:devrev:params:oauth:token-type:session";
    let aat = crate::auth_tokens::access(
        &crate::auth_tokens::mint_as(&app, &app.token, json!({"requested_token_type": AAT, "client_id": "portal"}))
            .await,
    );
    let rev_info = json!({"user_ref": "cust-1", "account_ref": "acme", "workspace_ref": "acme-eu",
        "user_traits": {"display_name": "Cust One"}});
    crate::auth_tokens::mint_as(&app, &aat, json!({"requested_token_type": SESSION, "rev_info": rev_info})).await;
    let entries = journal(&app, json!({"limit": 100})).await["entries"].as_array().unwrap().clone();
    let events: Vec<&str> = entries.iter().filter_map(|e| e["event_type"].as_str()).collect();
    assert_eq!(events, ["account_created", "rev_org_created", "rev_user_created"], "{entries:#?}");
    assert_eq!(change(&entries[2], "display_name").unwrap()["after"], "Cust One");
    // Minting again for the same customer finds the contact: nothing more is journaled.
    let rev_info = json!({"user_ref": "cust-1"});
    crate::auth_tokens::mint_as(&app, &aat, json!({"requested_token_type": SESSION, "rev_info": rev_info})).await;
    assert_eq!(journal(&app, json!({"limit": 100})).await["entries"].as_array().unwrap().len(), 3);
}

async fn filters_and_cursor_pages(app: TestApp) {
    let mut ids = Vec::new();
    for i in 0..5 {
        let c = post_with(
            &app,
            "/rev-users.create",
            &[("idempotency-key", &format!("k-{i}"))],
            json!({"display_name": format!("P{i}")}),
        )
        .await;
        assert_eq!(c.status, 201, "{:#}", c.body);
        ids.push(c.body["rev_user"]["id"].clone());
    }
    let tag = app.post("/tags.create", json!({"name": "t"})).await.body["tag"]["id"].clone();
    // Pages of two, resumed by cursor, see every entry once, in order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut body = json!({"limit": 2, "object_type": ["rev_user"]});
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let page = journal(&app, body).await;
        let entries = page["entries"].as_array().unwrap();
        if entries.is_empty() {
            assert_eq!(page["next_cursor"].as_str(), cursor.as_deref(), "an empty page keeps the cursor");
            break;
        }
        assert!(entries.len() <= 2);
        seen.extend(entries.iter().map(|e| e["object"].clone()));
        cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ids);
    let only_tags = journal(&app, json!({"object_type": ["tag"]})).await;
    assert_eq!(only_tags["entries"].as_array().unwrap().len(), 1);
    assert_eq!(only_tags["entries"][0]["object"], tag);
    let by_origin = journal(&app, json!({"origin": ["k-3"]})).await;
    assert_eq!(by_origin["entries"].as_array().unwrap().len(), 1);
    assert_eq!(by_origin["entries"][0]["object"], ids[3]);
    let deleted = journal(&app, json!({"operation": ["deleted"]})).await;
    assert!(deleted["entries"].as_array().unwrap().is_empty());
    let me = app.post("/dev-users.self", json!({})).await.body["dev_user"]["id"].clone();
    let mine = journal(&app, json!({"actor": [me], "limit": 100})).await;
    assert_eq!(mine["entries"].as_array().unwrap().len(), 6);
    let future = journal(&app, json!({"occurred_at": {"after": "2999-01-01T00:00:00Z"}})).await;
    assert!(future["entries"].as_array().unwrap().is_empty());
    // The display id of a contact names it too; so does the GET twin.
    let display = ids[0].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let a =
        send(app.raw.get(format!("{}/_revdir/journal.list?object=REVU-{display}", app.addr)).bearer_auth(&app.token))
            .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["entries"].as_array().unwrap().len(), 1);
}

async fn bad_requests_and_other_orgs(app: TestApp) {
    app.create_rev_user(json!({"display_name": "Secret"})).await;
    for body in [
        json!({"limit": 0}),
        json!({"limit": 101}),
        json!({"cursor": "nope"}),
        json!({"operation": ["merged"]}),
        json!({"object_type": ["work"]}),
        json!({"occurred_at": {"after": "yesterday"}}),
        json!({"unknown": 1}),
    ] {
        let a = journal_as(&app, &app.token, body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {:#}", a.body);
        assert!(a.body["message"].is_string(), "{body}: {:#}", a.body);
    }
    let a = send(app.raw.post(format!("{}/_revdir/journal.list", app.addr)).json(&json!({}))).await;
    assert_error(&a, 401, "unauthenticated");
    let other = app.other_org_token().await;
    let theirs = journal_as(&app, &other, json!({"limit": 100})).await;
    assert_eq!(theirs.status, 200, "{:#}", theirs.body);
    assert!(
        theirs.body["entries"].as_array().unwrap().is_empty(),
        "another org's journal shows none of this org's changes: {:#}",
        theirs.body
    );
}

/// On PostgreSQL a transaction can take a journal id and commit after a later one. The
/// reader must not hand out a cursor past the earlier id before that transaction ends: here
/// a transaction of the org holds the org's journal lock (as every journaling write does)
/// with a row that took its id first, a contact is created and committed after it, and a
/// journal read waits for the slow transaction and then returns both, in id order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_committing_out_of_id_order_is_not_skipped_on_postgres() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await;
    let org_don = app.post("/dev-orgs.get", json!({})).await.body["dev_org"]["id"].as_str().unwrap().to_owned();
    let org = org_don.rsplit('/').next().unwrap().to_owned();
    let pool = sqlx::PgPool::connect(app.config.db.expose()).await.unwrap();
    let mut slow = pool.begin().await.unwrap();
    // The key of the org's journal lock, as `JOURNAL_WRITE_GUARD` takes it.
    sqlx::query("SELECT pg_advisory_xact_lock_shared(1918985826, hashtext($1))")
        .bind(&org)
        .execute(&mut *slow)
        .await
        .unwrap();
    let early: i64 = sqlx::query_scalar(
        "INSERT INTO changes (dev_org_id, object_kind, object_id, operation, version, occurred_at, fields) VALUES \
         ($1, 'tag', $2, 'created', 1, 0, '[]') RETURNING id",
    )
    .bind(&org)
    .bind(format!("{org_don}:tag/999"))
    .fetch_one(&mut *slow)
    .await
    .unwrap();
    let contact = app.create_rev_user(json!({"display_name": "Late"})).await;
    let reader = {
        let (addr, token, raw) = (app.addr.clone(), app.token.clone(), app.raw.clone());
        tokio::spawn(async move {
            send(raw.post(format!("{addr}/_revdir/journal.list")).bearer_auth(token).json(&json!({"limit": 100}))).await
        })
    };
    let mut reader = std::pin::pin!(reader);
    // The read must not answer while the earlier id is uncommitted; a bounded wait shows it
    // is blocked rather than done.
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), &mut reader).await.is_err(),
        "the journal answered while a transaction holding an earlier id was still open"
    );
    slow.commit().await.unwrap();
    let page = reader.await.unwrap();
    assert_eq!(page.status, 200, "{:#}", page.body);
    let ids: Vec<i64> =
        page.body["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().parse().unwrap()).collect();
    let objects: Vec<&Value> = page.body["entries"].as_array().unwrap().iter().map(|e| &e["object"]).collect();
    assert!(ids.contains(&early), "the late-committing change is in the page: {ids:?}");
    assert!(objects.contains(&&contact["id"]));
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "entries come in id order: {ids:?}");
}
