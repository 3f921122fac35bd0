//! `POST /rev-users.create`, `/rev-users.get` (both twins) and `/rev-users.delete` (§7).

use serde_json::{json, Value};

use crate::helpers::{assert_error, TestApp};
use crate::on_both_backends;

on_both_backends!(
    create_fills_the_documented_defaults,
    create_keeps_what_is_given,
    create_in_a_rev_org_or_an_account,
    unknown_workspaces_are_refused_and_nothing_is_created,
    create_decode_and_validation_errors_write_nothing,
    get_by_either_id_and_on_both_twins,
    delete_then_not_found_and_refs_freed,
);

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Every contact of the caller's org.
async fn all_users(app: &TestApp) -> Vec<Value> {
    let a = app.post("/rev-users.list", json!({ "limit": 100 })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["rev_users"].as_array().unwrap().clone()
}

async fn create_fills_the_documented_defaults(app: TestApp) {
    let me = app.post("/dev-users.self", json!({})).await.body["dev_user"].clone();
    let org = app.post("/dev-orgs.get", json!({})).await.body["dev_org"]["id"].clone();
    let a = app.post("/rev-users.create", json!({})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let u = a.body["rev_user"].clone();
    assert_eq!(u["display_id"], "REVU-1");
    assert_eq!(u["id"], format!("{}:revu/1", text(&org)));
    // §7: external_ref defaults to the display id, external_refs to [external_ref].
    assert_eq!(u["external_ref"], "REVU-1");
    assert_eq!(u["external_refs"], json!(["REVU-1"]));
    assert_eq!(u["is_verified"], true);
    assert_eq!(u["state"], "active");
    assert!(u.get("rev_org").is_none(), "no workspace unless asked: {u:#}");
    assert!(u.get("type").is_none(), "full objects carry no type: {u:#}");
    assert_eq!(u["created_by"]["type"], "dev_user", "summaries do");
    assert_eq!(u["created_by"]["id"], me["id"]);
    assert_eq!(u["created_by"], u["modified_by"]);
    assert_eq!(u["created_date"], u["modified_date"]);
    let date = text(&u["created_date"]);
    assert_eq!(date.len(), "2025-01-10T09:15:00.000Z".len(), "milliseconds: {date}");
    for absent in ["email", "phone_numbers", "description", "tags"] {
        assert!(u.get(absent).is_none(), "{absent} not invented: {u:#}");
    }
    // The next one takes the next number, and so its own default ref.
    let v = app.create_rev_user(json!({"display_name": "Ada"})).await;
    assert_eq!(v["display_id"], "REVU-2");
    assert_eq!(v["external_ref"], "REVU-2");
}

async fn create_keeps_what_is_given(app: TestApp) {
    let tag = app.post("/tags.create", json!({"name": "vip", "allowed_values": ["gold"]})).await.body["tag"].clone();
    let u = app
        .create_rev_user(json!({"display_name": "Ada", "description": "first", "email": "ada@example.com",
            "phone_numbers": ["+14155550100"], "external_ref": "crm-1",
            "tags": [{"id": tag["display_id"], "value": "gold"}]}))
        .await;
    assert_eq!(u["display_name"], "Ada");
    assert_eq!(u["description"], "first");
    assert_eq!(u["email"], "ada@example.com");
    assert_eq!(u["phone_numbers"], json!(["+14155550100"]));
    assert_eq!(u["external_ref"], "crm-1");
    assert_eq!(u["external_refs"], json!(["crm-1"]), "follows external_ref");
    assert_eq!(u["tags"][0]["tag"]["id"], tag["id"]);
    assert_eq!(u["tags"][0]["value"], "gold");
    assert_eq!(u["is_verified"], true);
    assert_eq!(app.get_rev_user(text(&u["id"])).await, u, "the answer is what is stored");

    let v = app.create_rev_user(json!({"external_ref": "crm-2", "external_refs": ["crm-2", "zd-2"]})).await;
    assert_eq!(v["external_ref"], "crm-2");
    assert_eq!(v["external_refs"], json!(["crm-2", "zd-2"]));
    let w = app.create_rev_user(json!({"external_refs": ["zd-3"]})).await;
    assert_eq!(w["external_refs"], json!(["zd-3"]));
    assert_eq!(w["external_ref"], w["display_id"], "external_ref still defaults");
}

async fn create_in_a_rev_org_or_an_account(app: TestApp) {
    let created = app.post("/accounts.create", json!({"display_name": "Acme"})).await;
    assert_eq!(created.status, 201);
    let account = created.body["account"].clone();
    let default_ws = created.body["default_rev_org"].clone();
    let ws = app.post("/rev-orgs.create", json!({"display_name": "Acme EU", "account": account["id"]})).await;
    assert_eq!(ws.status, 201);
    let ws = ws.body["rev_org"].clone();

    for id in [&ws["id"], &ws["display_id"]] {
        let u = app.create_rev_user(json!({"rev_org": id})).await;
        assert_eq!(
            u["rev_org"],
            json!({"type": "rev_org", "id": ws["id"], "display_id": ws["display_id"], "display_name": "Acme EU"}),
            "{id}"
        );
        assert_eq!(app.get_rev_user(text(&u["id"])).await["rev_org"], u["rev_org"]);
    }
    // An account means its default workspace, whichever workspace is newer.
    for id in [&account["id"], &account["display_id"]] {
        let u = app.create_rev_user(json!({"account": id})).await;
        assert_eq!(u["rev_org"]["id"], default_ws["id"], "{id}: {u:#}");
        assert_eq!(u["rev_org"]["type"], "rev_org");
        assert_eq!(u["rev_org"]["display_name"], "Acme");
    }
    let a = app.post("/rev-users.list", json!({"rev_org": [default_ws["display_id"]]})).await;
    assert_eq!(a.body["rev_users"].as_array().unwrap().len(), 2, "{:#}", a.body);
    let a = app.post("/rev-users.list", json!({"rev_org": [ws["id"]]})).await;
    assert_eq!(a.body["rev_users"].as_array().unwrap().len(), 2, "{:#}", a.body);
}

async fn unknown_workspaces_are_refused_and_nothing_is_created(app: TestApp) {
    let created = app.post("/accounts.create", json!({"display_name": "Acme"})).await;
    let account = created.body["account"].clone();
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"rev_org": "REV-nope1234"}), "rev_org", "value_not_permitted"),
        (json!({"rev_org": "don:identity:dvrv-us-1:devo/zzz:revo/abc"}), "rev_org", "value_not_permitted"),
        (json!({"account": "ACC-999"}), "account", "value_not_permitted"),
        (json!({"rev_org": "nope"}), "rev_org", "invalid_id"),
        (json!({"rev_org": account["id"]}), "rev_org", "unexpected_id_type"),
        (json!({"account": "REV-abc"}), "account", "unexpected_id_type"),
        (json!({"account": ""}), "account", "invalid_id"),
    ];
    for (body, field, kind) in cases {
        let mut body = body;
        body["display_name"] = json!("should not exist");
        body["external_ref"] = json!("crm-1");
        let a = app.post("/rev-users.create", body.clone()).await;
        assert_error(&a, 400, kind);
        assert_eq!(a.body["field_name"], field, "{body}");
    }
    assert!(all_users(&app).await.is_empty(), "nothing created");
    // No number and no external ref were consumed by the refusals.
    let u = app.create_rev_user(json!({"external_ref": "crm-1"})).await;
    assert_eq!(u["display_id"], "REVU-1");
}

async fn create_decode_and_validation_errors_write_nothing(app: TestApp) {
    app.create_rev_user(json!({"external_ref": "crm-1", "email": "taken@example.com"})).await;
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (json!({"display_name": 5}), 400, "unexpected_json_type", "display_name"),
        (json!({"phone_numbers": "+14155550100"}), 400, "unexpected_json_type", "phone_numbers"),
        (json!({"email": "not an email"}), 400, "value_not_permitted", "email"),
        (json!({"phone_numbers": ["4155550100"]}), 400, "value_not_permitted", "phone_numbers"),
        (json!({"tags": [{"id": "TAG-9"}]}), 400, "value_not_permitted", "tags[0].id"),
        (json!({"tags": [{"value": "x"}]}), 400, "missing_required_field", "tags[0].id"),
        (json!({"external_ref": "crm-1"}), 409, "conflict", ""),
        (json!({"external_refs": ["zd-1", "crm-1"]}), 409, "conflict", ""),
    ];
    for (body, status, kind, field) in cases {
        let a = app.post("/rev-users.create", body.clone()).await;
        assert_error(&a, status, kind);
        if !field.is_empty() {
            assert_eq!(a.body["field_name"], field, "{body}");
        }
    }
    let a = app.post("/rev-users.create", json!({"display_picture": "ARTIFACT-1"})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(all_users(&app).await.len(), 1, "no refused create wrote anything");
    assert_eq!(app.create_rev_user(json!({})).await["display_id"], "REVU-2");
}

async fn get_by_either_id_and_on_both_twins(app: TestApp) {
    let u = app.create_rev_user(json!({"display_name": "Ada", "email": "ada@example.com"})).await;
    for id in [text(&u["id"]), text(&u["display_id"])] {
        assert_eq!(app.get_rev_user(id).await, u);
        let g = app.get("/rev-users.get", &format!("id={id}")).await;
        assert_eq!((g.status, &g.body["rev_user"]), (200, &u), "GET twin");
    }
    let a = app.post("/rev-users.get", json!({"id": "REVU-999"})).await;
    assert_error(&a, 404, "not_found");
    let g = app.get("/rev-users.get", "id=REVU-999").await;
    assert_error(&g, 404, "not_found");
    let a = app.post("/rev-users.get", json!({})).await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(a.body["field_name"], "id");
    let g = app.get("/rev-users.get", "").await;
    assert_error(&g, 400, "missing_required_field");
    let a = app.post("/rev-users.get", json!({"id": "DEVU-1"})).await;
    assert_error(&a, 400, "unexpected_id_type");
    let a = app.post("/rev-users.get", json!({"id": "REVU-x"})).await;
    assert_error(&a, 400, "invalid_id");
}

async fn delete_then_not_found_and_refs_freed(app: TestApp) {
    let tag = app.post("/tags.create", json!({"name": "vip"})).await.body["tag"].clone();
    let u = app.create_rev_user(json!({"external_ref": "crm-1", "tags": [{"id": tag["id"]}]})).await;
    let keep = app.create_rev_user(json!({"external_ref": "crm-2"})).await;
    for (i, id) in [&u["display_id"], &u["id"]].into_iter().enumerate() {
        let a = app.post("/rev-users.delete", json!({"id": id})).await;
        if i == 0 {
            assert_eq!((a.status, &a.body), (200, &json!({})));
        } else {
            assert_error(&a, 404, "not_found");
        }
        let a = app.post("/rev-users.get", json!({"id": id})).await;
        assert_error(&a, 404, "not_found");
    }
    let ids: Vec<Value> = all_users(&app).await.iter().map(|u| u["id"].clone()).collect();
    assert_eq!(ids, vec![keep["id"].clone()], "gone from lists; the other contact stays");
    let a = app.post("/rev-users.list", json!({"tags": [tag["id"]]})).await;
    assert_eq!(a.body["rev_users"], json!([]), "its tag links went with it");
    // Its external ref is free again; its number is not reused.
    let again = app.create_rev_user(json!({"external_ref": "crm-1"})).await;
    assert_eq!(again["display_id"], "REVU-3");
    let a = app.post("/rev-users.delete", json!({"id": "nope"})).await;
    assert_error(&a, 400, "invalid_id");
    let a = app.post("/rev-users.delete", json!({})).await;
    assert_error(&a, 400, "missing_required_field");
}
