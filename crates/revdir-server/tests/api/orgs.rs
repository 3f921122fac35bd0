//! `/accounts.*`, `/rev-orgs.*`, `/dev-orgs.get` and `/dev-users.self` (§4, §8.1), plus the
//! server-wide answers every route shares: unknown routes and methods, `x-devrev-version`.

use serde_json::{json, Value};

use crate::helpers::{assert_error, send, TestApp};
use crate::on_both_backends;

on_both_backends!(
    accounts_create_returns_the_account_and_its_default_workspace,
    accounts_create_requires_a_display_name,
    account_external_refs_are_unique_per_org,
    accounts_update_keeps_omitted_fields,
    accounts_list_filters_and_pages,
    deleting_an_account_deletes_its_workspaces,
    rev_orgs_create_get_update_delete,
    rev_orgs_create_requires_an_existing_account,
    rev_org_external_ref_is_unique_per_org,
    rev_orgs_get_by_account_and_bad_input,
    deleting_a_rev_org_detaches_its_contacts,
    another_orgs_accounts_and_rev_orgs_are_not_found,
    dev_orgs_get_and_dev_users_self,
    unknown_routes_and_methods_are_route_not_found,
    api_version_header,
);

/// Creates an account; asserts 201 and returns `(account, default_rev_org)`.
async fn create_account(app: &TestApp, body: Value) -> (Value, Value) {
    let a = app.post("/accounts.create", body).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    (a.body["account"].clone(), a.body["default_rev_org"].clone())
}

/// Creates a rev org; asserts 201.
async fn create_rev_org(app: &TestApp, body: Value) -> Value {
    let a = app.post("/rev-orgs.create", body).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body["rev_org"].clone()
}

/// Reads an account; asserts 200.
async fn get_account(app: &TestApp, id: &Value) -> Value {
    let a = app.post("/accounts.get", json!({ "id": id })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["account"].clone()
}

/// Reads a rev org; asserts 200.
async fn get_rev_org(app: &TestApp, id: &Value) -> Value {
    let a = app.post("/rev-orgs.get", json!({ "id": id })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["rev_org"].clone()
}

/// Every account of the caller's org.
async fn all_accounts(app: &TestApp) -> Vec<Value> {
    let a = app.post("/accounts.list", json!({ "limit": 100 })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["accounts"].as_array().unwrap().clone()
}

/// Every rev org of the caller's org.
async fn all_rev_orgs(app: &TestApp) -> Vec<Value> {
    let a = app.post("/rev-orgs.list", json!({ "limit": 100 })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["rev_orgs"].as_array().unwrap().clone()
}

/// The caller's own dev user (`dev-users.self`).
async fn me(app: &TestApp) -> Value {
    let a = app.post("/dev-users.self", json!({})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["dev_user"].clone()
}

/// `don:identity:dvrv-us-1:devo/<org>` of the caller's dev org.
async fn org_don(app: &TestApp) -> String {
    let a = app.post("/dev-orgs.get", json!({})).await;
    a.body["dev_org"]["id"].as_str().unwrap().to_owned()
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

// ---------------------------------------------------------------------------------------
// Accounts

async fn accounts_create_returns_the_account_and_its_default_workspace(app: TestApp) {
    let me = me(&app).await;
    let org = org_don(&app).await;
    let (account, ws) = create_account(&app, json!({"display_name": "Acme", "description": "anvils"})).await;

    let n = text(&account["display_id"]).strip_prefix("ACC-").unwrap();
    assert!(n.parse::<u64>().is_ok(), "{account:#}");
    assert_eq!(account["id"], format!("{org}:account/{n}"));
    assert_eq!(account["display_name"], "Acme");
    assert_eq!(account["description"], "anvils");
    assert!(account.get("type").is_none(), "full objects carry no type: {account:#}");
    // §8.1: owned_by defaults to the caller; external_refs to the account's own DON.
    let owners = account["owned_by"].as_array().unwrap();
    assert_eq!(owners.len(), 1, "{account:#}");
    assert_eq!(owners[0]["id"], me["id"]);
    assert_eq!(owners[0]["display_id"], me["display_id"]);
    assert_eq!(owners[0]["type"], "dev_user", "summaries carry a type");
    assert_eq!(account["external_refs"], json!([account["id"]]));
    assert_eq!(account["created_by"]["id"], me["id"]);
    assert_eq!(account["created_by"]["type"], "dev_user");
    assert_eq!(account["created_date"], account["modified_date"]);

    // The default workspace: same name, its account summary points back.
    let local = text(&ws["display_id"]).strip_prefix("REV-").unwrap();
    assert!(!local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric()), "{ws:#}");
    assert_eq!(ws["id"], format!("{org}:revo/{local}"));
    assert!(ws.get("type").is_none(), "{ws:#}");
    assert_eq!(ws["display_name"], "Acme");
    assert_eq!(ws["account"]["id"], account["id"]);
    assert_eq!(ws["account"]["display_id"], account["display_id"]);
    assert_eq!(ws["account"]["display_name"], "Acme");
    assert_eq!(ws["external_ref"], account["id"], "the tutorial's default workspace ref");
    assert_eq!(ws["created_by"]["id"], me["id"]);

    // Read back in both id forms and on both twins.
    assert_eq!(get_account(&app, &account["id"]).await, account);
    assert_eq!(get_account(&app, &account["display_id"]).await, account);
    let g = app.get("/accounts.get", &format!("id={}", text(&account["display_id"]))).await;
    assert_eq!((g.status, &g.body["account"]), (200, &account));
    assert_eq!(get_rev_org(&app, &ws["id"]).await, ws);
    assert_eq!(get_rev_org(&app, &ws["display_id"]).await, ws);
    for acc in [&account["id"], &account["display_id"]] {
        let a = app.post("/rev-orgs.get", json!({"account": acc})).await;
        assert_eq!((a.status, &a.body["rev_org"]), (200, &ws), "rev-orgs.get by account: {:#}", a.body);
        let g = app.get("/rev-orgs.get", &format!("account={}", text(acc))).await;
        assert_eq!((g.status, &g.body["rev_org"]), (200, &ws));
    }

    // Explicit owners and refs are kept as given.
    let (b, _) = create_account(
        &app,
        json!({"display_name": "Beta", "owned_by": [me["display_id"]], "external_refs": ["crm-7", "sf-7"]}),
    )
    .await;
    assert_eq!(b["owned_by"][0]["id"], me["id"]);
    assert_eq!(b["external_refs"], json!(["crm-7", "sf-7"]));
    let a = app.post("/accounts.create", json!({"display_name": "Gamma", "owned_by": ["DEVU-999"]})).await;
    assert_eq!(a.status, 400, "an unknown owner: {:#}", a.body);
    assert_eq!(a.body["field_name"], "owned_by");
    let a = app.post("/accounts.create", json!({"display_name": "Gamma", "owned_by": ["REVU-1"]})).await;
    assert_error(&a, 400, "unexpected_id_type");
    assert_eq!(all_accounts(&app).await.len(), 2, "refused creates write nothing");
}

async fn accounts_create_requires_a_display_name(app: TestApp) {
    let a = app.post("/accounts.create", json!({"description": "nameless"})).await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(a.body["field_name"], "display_name");
    let a = app.post("/accounts.create", json!({"display_name": ["Acme"]})).await;
    assert_error(&a, 400, "unexpected_json_type");
    assert_eq!(a.body["field_name"], "display_name");
    let a = app.post("/accounts.create", json!({"display_name": ""})).await;
    assert_eq!(a.status, 400, "{:#}", a.body);
    assert_eq!(a.body["field_name"], "display_name");
    assert!(all_accounts(&app).await.is_empty(), "no account");
    assert!(all_rev_orgs(&app).await.is_empty(), "and no default workspace");
    let (first, _) = create_account(&app, json!({"display_name": "Acme"})).await;
    assert_eq!(first["display_id"], "ACC-1", "refusals consumed no number");
}

async fn account_external_refs_are_unique_per_org(app: TestApp) {
    let (a, _) = create_account(&app, json!({"display_name": "A", "external_refs": ["crm-1"]})).await;
    let r = app.post("/accounts.create", json!({"display_name": "B", "external_refs": ["x-9", "crm-1"]})).await;
    assert_error(&r, 409, "conflict");
    assert!(text(&r.body["message"]).contains("crm-1"), "{:#}", r.body);
    // An account's default ref (its DON) is taken like any other.
    let (d, _) = create_account(&app, json!({"display_name": "D"})).await;
    let r = app.post("/accounts.create", json!({"display_name": "B", "external_refs": [d["id"]]})).await;
    assert_error(&r, 409, "conflict");
    assert!(text(&r.body["message"]).contains(text(&d["display_id"])), "names the holder: {:#}", r.body);
    assert_eq!(all_accounts(&app).await, vec![a.clone(), d], "a refused create writes nothing");
    assert_eq!(all_rev_orgs(&app).await.len(), 2, "not even the default workspace");

    let (b, _) = create_account(&app, json!({"display_name": "B", "external_refs": ["crm-2"]})).await;
    let r =
        app.post("/accounts.update", json!({"id": b["id"], "display_name": "B2", "external_refs": ["crm-1"]})).await;
    assert_error(&r, 409, "conflict");
    assert!(text(&r.body["message"]).contains(text(&a["display_id"])), "names the holder: {:#}", r.body);
    assert_eq!(get_account(&app, &b["id"]).await, b, "a refused update writes nothing");
    // Its own values again are fine; a freed value can be taken by another account.
    let r = app.post("/accounts.update", json!({"id": a["id"], "external_refs": ["crm-1", "crm-1b"]})).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let r = app.post("/accounts.update", json!({"id": a["id"], "external_refs": ["crm-1b"]})).await;
    assert_eq!(r.body["account"]["external_refs"], json!(["crm-1b"]));
    let r = app.post("/accounts.update", json!({"id": b["id"], "external_refs": ["crm-1"]})).await;
    assert_eq!(r.status, 200, "freed: {:#}", r.body);
    // Another dev org has its own namespace.
    let other = app.other_org_token().await;
    let r = app.post_as(&other, "/accounts.create", json!({"display_name": "A", "external_refs": ["crm-1b"]})).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
}

async fn accounts_update_keeps_omitted_fields(app: TestApp) {
    let (created, ws) = create_account(
        &app,
        json!({"display_name": "Acme", "description": "anvils", "domains": ["acme.com"], "tier": "gold",
            "websites": ["https://acme.com"], "external_refs": ["crm-1"]}),
    )
    .await;
    let id = created["id"].clone();
    let cases: Vec<(Value, &str, Value)> = vec![
        (json!({"display_name": "Acme Corp"}), "display_name", json!("Acme Corp")),
        (json!({"description": "rockets"}), "description", json!("rockets")),
        (json!({"domains": ["acme.com", "acme.io"]}), "domains", json!(["acme.com", "acme.io"])),
        (json!({"tier": "platinum"}), "tier", json!("platinum")),
        (json!({"websites": {"set": ["https://acme.io"]}}), "websites", json!(["https://acme.io"])),
        (json!({"external_refs": ["crm-2"]}), "external_refs", json!(["crm-2"])),
    ];
    let mut previous = created.clone();
    for (patch, field, expected) in cases {
        let mut body = patch;
        body["id"] = id.clone();
        let a = app.post("/accounts.update", body).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let acc = &a.body["account"];
        assert_eq!(acc[field], expected, "{field}");
        for (k, v) in previous.as_object().unwrap() {
            if k != field && k != "modified_date" && k != "modified_by" {
                assert_eq!(&acc[k], v, "{k} changed although only {field} was sent");
            }
        }
        assert!(text(&acc["modified_date"]) > text(&previous["modified_date"]), "modified_date moves forward");
        assert_eq!(acc["created_date"], created["created_date"]);
        assert!(acc.get("type").is_none());
        assert_eq!(*acc, get_account(&app, &id).await, "the answer is what is stored");
        previous = acc.clone();
    }
    let now = get_rev_org(&app, &ws["id"]).await;
    assert_eq!(now["account"]["display_name"], "Acme Corp", "summaries show the account as it is now");
    assert_eq!(now["display_name"], "Acme", "the workspace keeps its own name");
    // By display id; tier null clears it; owned_by [] is refused.
    let a = app.post("/accounts.update", json!({"id": created["display_id"], "tier": null})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert!(a.body["account"].get("tier").is_none(), "{:#}", a.body);
    assert_eq!(a.body["account"]["display_name"], "Acme Corp");
    let before = a.body["account"].clone();
    let a = app.post("/accounts.update", json!({"id": id, "owned_by": [], "display_name": "x"})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "owned_by");
    assert_eq!(get_account(&app, &id).await, before, "nothing written");
    let a = app.post("/accounts.update", json!({"display_name": "x"})).await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(a.body["field_name"], "id");
    let a = app.post("/accounts.update", json!({"id": "ACC-999", "display_name": "x"})).await;
    assert_error(&a, 404, "not_found");
}

async fn accounts_list_filters_and_pages(app: TestApp) {
    let mut ids = Vec::new();
    for (i, name) in ["Acme", "Beta", "Gamma"].iter().enumerate() {
        let (a, _) = create_account(&app, json!({"display_name": name, "external_refs": [format!("crm-{i}")]})).await;
        ids.push(a["id"].clone());
    }
    let all = all_accounts(&app).await;
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|a| a.get("type").is_none()));
    let a = app.post("/accounts.list", json!({"display_name": ["Beta"]})).await;
    assert_eq!(a.body["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(a.body["accounts"][0]["id"], ids[1]);
    let a = app.post("/accounts.list", json!({"external_refs": ["crm-2", "nope"]})).await;
    assert_eq!(a.body["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(a.body["accounts"][0]["id"], ids[2]);
    let g = app.get("/accounts.list", "external_refs=crm-0,crm-2&sort_by=display_name:desc").await;
    let names: Vec<&str> = g.body["accounts"].as_array().unwrap().iter().map(|a| text(&a["display_name"])).collect();
    assert_eq!(names, ["Gamma", "Acme"]);
    let a = app.post("/accounts.list", json!({"limit": 2, "sort_by": ["display_name"]})).await;
    assert_eq!(a.body["accounts"].as_array().unwrap().len(), 2);
    let cursor = a.body["next_cursor"].clone();
    assert!(cursor.is_string(), "{:#}", a.body);
    let a = app.post("/accounts.list", json!({"limit": 2, "sort_by": ["display_name"], "cursor": cursor})).await;
    assert_eq!(a.body["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(a.body["accounts"][0]["display_name"], "Gamma");
    assert!(a.body.get("next_cursor").is_none(), "omitted at the end: {:#}", a.body);

    let a = app.post("/rev-orgs.list", json!({"account": [ids[0]]})).await;
    assert_eq!(a.body["rev_orgs"].as_array().unwrap().len(), 1, "{:#}", a.body);
    assert_eq!(a.body["rev_orgs"][0]["account"]["id"], ids[0]);
}

async fn deleting_an_account_deletes_its_workspaces(app: TestApp) {
    let (account, ws) = create_account(&app, json!({"display_name": "Acme", "external_refs": ["crm-1"]})).await;
    let extra =
        create_rev_org(&app, json!({"display_name": "Acme EU", "account": account["id"], "external_ref": "ws-eu"}))
            .await;
    let (keep, keep_ws) = create_account(&app, json!({"display_name": "Keep"})).await;
    let c1 = app.create_rev_user(json!({"account": account["display_id"]})).await;
    let c2 = app.create_rev_user(json!({"rev_org": extra["id"]})).await;
    let c3 = app.create_rev_user(json!({"rev_org": keep_ws["id"]})).await;
    assert_eq!(c1["rev_org"]["id"], ws["id"]);

    let a = app.post("/accounts.delete", json!({"id": account["display_id"]})).await;
    assert_eq!((a.status, &a.body), (200, &json!({})));
    let a = app.post("/accounts.get", json!({"id": account["id"]})).await;
    assert_error(&a, 404, "not_found");
    for w in [&ws, &extra] {
        let a = app.post("/rev-orgs.get", json!({"id": w["id"]})).await;
        assert_error(&a, 404, "not_found");
    }
    let a = app.post("/rev-orgs.get", json!({"account": account["id"]})).await;
    assert_error(&a, 404, "not_found");
    assert_eq!(all_accounts(&app).await, vec![keep.clone()]);
    assert_eq!(all_rev_orgs(&app).await, vec![keep_ws.clone()]);
    // Their contacts stay, without a workspace; other contacts are untouched.
    for c in [&c1, &c2] {
        let now = app.get_rev_user(text(&c["id"])).await;
        assert!(now.get("rev_org").is_none(), "{now:#}");
    }
    assert_eq!(app.get_rev_user(text(&c3["id"])).await["rev_org"]["id"], keep_ws["id"]);
    // The refs the account and its workspaces held are free again.
    let (_, _) = create_account(&app, json!({"display_name": "Acme again", "external_refs": ["crm-1"]})).await;
    create_rev_org(&app, json!({"display_name": "EU again", "account": keep["id"], "external_ref": "ws-eu"})).await;
    let a = app.post("/accounts.delete", json!({"id": account["id"]})).await;
    assert_error(&a, 404, "not_found");
}

// ---------------------------------------------------------------------------------------
// Rev orgs

async fn rev_orgs_create_get_update_delete(app: TestApp) {
    let org = org_don(&app).await;
    let me = me(&app).await;
    let (account, _) = create_account(&app, json!({"display_name": "Acme"})).await;
    let ws = create_rev_org(
        &app,
        json!({"display_name": "Acme EU", "account": account["display_id"], "description": "Europe",
            "domain": "eu.acme.com", "external_ref": "ws-eu", "tier": "gold", "environment": "production"}),
    )
    .await;
    let local = text(&ws["display_id"]).strip_prefix("REV-").unwrap();
    assert_eq!(ws["id"], format!("{org}:revo/{local}"));
    assert!(ws.get("type").is_none(), "{ws:#}");
    assert_eq!(ws["display_name"], "Acme EU");
    assert_eq!(ws["description"], "Europe");
    assert_eq!(ws["domain"], "eu.acme.com");
    assert_eq!(ws["external_ref"], "ws-eu");
    assert_eq!(
        ws["account"],
        json!({"id": account["id"], "display_id": account["display_id"], "display_name": "Acme"})
    );
    assert_eq!(ws["created_by"]["id"], me["id"]);
    assert_eq!(ws["created_by"]["type"], "dev_user");
    // The account's DON works as well as its display id.
    let ws2 = create_rev_org(&app, json!({"display_name": "Acme US", "account": account["id"]})).await;
    assert_eq!(ws2["account"]["id"], account["id"]);
    assert!(ws2.get("external_ref").is_none(), "{ws2:#}");
    assert_ne!(ws2["id"], ws["id"]);

    assert_eq!(get_rev_org(&app, &ws["id"]).await, ws);
    assert_eq!(get_rev_org(&app, &ws["display_id"]).await, ws);
    let g = app.get("/rev-orgs.get", &format!("id={}", text(&ws["id"]))).await;
    assert_eq!((g.status, &g.body["rev_org"]), (200, &ws));

    let a = app.post("/rev-orgs.update", json!({"id": ws["display_id"], "display_name": "Acme Europe"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let updated = a.body["rev_org"].clone();
    assert_eq!(updated["display_name"], "Acme Europe");
    for keep in ["id", "display_id", "description", "domain", "external_ref", "account", "created_by", "created_date"] {
        assert_eq!(updated[keep], ws[keep], "{keep} kept");
    }
    assert!(text(&updated["modified_date"]) > text(&ws["modified_date"]), "modified_date moves forward");
    assert_eq!(get_rev_org(&app, &ws["id"]).await, updated);
    let a = app.post("/rev-orgs.update", json!({"id": ws["id"], "description": "EMEA"})).await;
    assert_eq!(a.body["rev_org"]["description"], "EMEA");
    assert_eq!(a.body["rev_org"]["display_name"], "Acme Europe");
    let a = app.post("/rev-orgs.update", json!({"id": ws["id"], "external_ref": "ws-emea"})).await;
    assert_eq!(a.body["rev_org"]["external_ref"], "ws-emea");
    let a = app.post("/rev-orgs.update", json!({"id": "REV-nope1234", "display_name": "x"})).await;
    assert_error(&a, 404, "not_found");

    let a = app.post("/rev-orgs.delete", json!({"id": ws["id"]})).await;
    assert_eq!((a.status, &a.body), (200, &json!({})));
    for id in [&ws["id"], &ws["display_id"]] {
        let a = app.post("/rev-orgs.get", json!({"id": id})).await;
        assert_error(&a, 404, "not_found");
    }
    let a = app.post("/rev-orgs.delete", json!({"id": ws["display_id"]})).await;
    assert_error(&a, 404, "not_found");
    assert_eq!(get_account(&app, &account["id"]).await, account, "the account is untouched");
    assert_eq!(all_rev_orgs(&app).await.len(), 2, "default + Acme US");
}

async fn rev_orgs_create_requires_an_existing_account(app: TestApp) {
    let (account, _) = create_account(&app, json!({"display_name": "Acme"})).await;
    let a = app.post("/rev-orgs.create", json!({"display_name": "No account"})).await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(a.body["field_name"], "account");
    let a = app.post("/rev-orgs.create", json!({"account": account["id"]})).await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(a.body["field_name"], "display_name");
    let a = app.post("/rev-orgs.create", json!({"display_name": "x", "account": "ACC-999"})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "account");
    let a = app.post("/rev-orgs.create", json!({"display_name": "x", "account": "nope"})).await;
    assert_error(&a, 400, "invalid_id");
    assert_eq!(a.body["field_name"], "account");
    let a = app.post("/rev-orgs.create", json!({"display_name": "x", "account": "REV-abc"})).await;
    assert_error(&a, 400, "unexpected_id_type");
    assert_eq!(all_rev_orgs(&app).await.len(), 1, "only the default workspace");
}

async fn rev_org_external_ref_is_unique_per_org(app: TestApp) {
    let (account, default_ws) = create_account(&app, json!({"display_name": "Acme"})).await;
    let one =
        create_rev_org(&app, json!({"display_name": "One", "account": account["id"], "external_ref": "ws-1"})).await;
    let r = app
        .post("/rev-orgs.create", json!({"display_name": "Two", "account": account["id"], "external_ref": "ws-1"}))
        .await;
    assert_error(&r, 409, "conflict");
    assert!(text(&r.body["message"]).contains(text(&one["display_id"])), "names the holder: {:#}", r.body);
    // The default workspace holds the account's DON as its ref.
    let r = app
        .post(
            "/rev-orgs.create",
            json!({"display_name": "Two", "account": account["id"], "external_ref": account["id"]}),
        )
        .await;
    assert_error(&r, 409, "conflict");
    assert!(text(&r.body["message"]).contains(text(&default_ws["display_id"])), "{:#}", r.body);
    assert_eq!(all_rev_orgs(&app).await.len(), 2, "refused creates write nothing");

    let two =
        create_rev_org(&app, json!({"display_name": "Two", "account": account["id"], "external_ref": "ws-2"})).await;
    let r =
        app.post("/rev-orgs.update", json!({"id": two["id"], "external_ref": "ws-1", "display_name": "changed"})).await;
    assert_error(&r, 409, "conflict");
    assert_eq!(get_rev_org(&app, &two["id"]).await, two, "a refused update writes nothing");
    let r = app.post("/rev-orgs.update", json!({"id": one["id"], "external_ref": "ws-1"})).await;
    assert_eq!(r.status, 200, "its own value again: {:#}", r.body);
    // Account refs and workspace refs are separate namespaces.
    let (acc2, _) = create_account(&app, json!({"display_name": "B", "external_refs": ["ws-1"]})).await;
    assert_eq!(acc2["external_refs"], json!(["ws-1"]));
    let other = app.other_org_token().await;
    let (_, other_ws) = {
        let a = app.post_as(&other, "/accounts.create", json!({"display_name": "Theirs"})).await;
        assert_eq!(a.status, 201);
        (a.body["account"].clone(), a.body["default_rev_org"].clone())
    };
    let r = app.post_as(&other, "/rev-orgs.update", json!({"id": other_ws["id"], "external_ref": "ws-1"})).await;
    assert_eq!(r.status, 200, "another org may use the same ref: {:#}", r.body);
}

async fn rev_orgs_get_by_account_and_bad_input(app: TestApp) {
    let (account, ws) = create_account(&app, json!({"display_name": "Acme"})).await;
    // More workspaces do not change which one is the default.
    create_rev_org(&app, json!({"display_name": "Aaa first by name", "account": account["id"]})).await;
    let a = app.post("/rev-orgs.get", json!({"account": account["display_id"]})).await;
    assert_eq!(a.body["rev_org"]["id"], ws["id"], "{:#}", a.body);
    let a = app.post("/rev-orgs.get", json!({"account": "ACC-999"})).await;
    assert_error(&a, 404, "not_found");
    let a = app.post("/rev-orgs.get", json!({})).await;
    assert_error(&a, 400, "missing_required_field");
    let g = app.get("/rev-orgs.get", "").await;
    assert_error(&g, 400, "missing_required_field");
    let a = app.post("/rev-orgs.get", json!({"account": ws["id"]})).await;
    assert_error(&a, 400, "unexpected_id_type");
    assert_eq!(a.body["field_name"], "account");
    for path in [
        "/rev-orgs.get",
        "/rev-orgs.update",
        "/rev-orgs.delete",
        "/accounts.get",
        "/accounts.update",
        "/accounts.delete",
    ] {
        let a = app.post(path, json!({"id": "nope"})).await;
        assert_error(&a, 400, "invalid_id");
        assert_eq!(a.body["field_name"], "id");
        let a = app.post(path, json!({"id": "TAG-1"})).await;
        assert_error(&a, 400, "unexpected_id_type");
        assert_eq!(a.body["field_name"], "id");
    }
}

async fn deleting_a_rev_org_detaches_its_contacts(app: TestApp) {
    let (account, default_ws) = create_account(&app, json!({"display_name": "Acme"})).await;
    let ws = create_rev_org(&app, json!({"display_name": "EU", "account": account["id"]})).await;
    let inside = app.create_rev_user(json!({"display_name": "in", "rev_org": ws["display_id"]})).await;
    let outside = app.create_rev_user(json!({"display_name": "out", "rev_org": default_ws["id"]})).await;
    assert_eq!(inside["rev_org"]["id"], ws["id"]);
    let a = app.post("/rev-users.list", json!({"rev_org": [ws["id"]]})).await;
    assert_eq!(a.body["rev_users"].as_array().unwrap().len(), 1);

    let a = app.post("/rev-orgs.delete", json!({"id": ws["display_id"]})).await;
    assert_eq!((a.status, &a.body), (200, &json!({})));
    let now = app.get_rev_user(text(&inside["id"])).await;
    assert!(now.get("rev_org").is_none(), "detached, not deleted: {now:#}");
    assert_eq!(now["display_name"], "in");
    assert_eq!(app.get_rev_user(text(&outside["id"])).await["rev_org"]["id"], default_ws["id"]);
    assert_eq!(get_account(&app, &account["id"]).await, account, "the account stays");
    // Contacts may no longer be put there.
    let a = app.post("/rev-users.create", json!({"rev_org": ws["id"]})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "rev_org");
}

async fn another_orgs_accounts_and_rev_orgs_are_not_found(app: TestApp) {
    let (account, ws) = create_account(&app, json!({"display_name": "Mine", "external_refs": ["crm-1"]})).await;
    let other = app.other_org_token().await;
    // The other org has no accounts or workspaces: its answers for our ids must be the very
    // answers it gives for ids it simply lacks, so nothing tells it ours exist.
    let cases: [(&str, &str, Value, Value); 5] = [
        ("/accounts.get", "id", account["id"].clone(), account["display_id"].clone()),
        ("/accounts.delete", "id", account["id"].clone(), account["display_id"].clone()),
        ("/rev-orgs.get", "id", ws["id"].clone(), ws["display_id"].clone()),
        ("/rev-orgs.delete", "id", ws["id"].clone(), ws["display_id"].clone()),
        ("/rev-orgs.get", "account", account["id"].clone(), account["display_id"].clone()),
    ];
    for (path, field, don, display) in cases {
        let missing = app.post_as(&other, path, json!({ field: display })).await;
        assert_error(&missing, 404, "not_found");
        let foreign = app.post_as(&other, path, json!({ field: don })).await;
        assert_eq!((foreign.status, &foreign.body), (missing.status, &missing.body), "{path}");
    }
    for (path, id) in [("/accounts.update", &account["id"]), ("/rev-orgs.update", &ws["id"])] {
        let a = app.post_as(&other, path, json!({"id": id, "display_name": "stolen"})).await;
        assert_error(&a, 404, "not_found");
    }
    // Our account cannot anchor their workspaces or contacts either.
    let a = app.post_as(&other, "/rev-orgs.create", json!({"display_name": "x", "account": account["id"]})).await;
    assert_error(&a, 400, "value_not_permitted");
    let a = app.post_as(&other, "/rev-users.create", json!({"rev_org": ws["id"]})).await;
    assert_error(&a, 400, "value_not_permitted");
    let a = app.post_as(&other, "/rev-users.create", json!({"account": account["id"]})).await;
    assert_error(&a, 400, "value_not_permitted");
    for (path, key) in [("/accounts.list", "accounts"), ("/rev-orgs.list", "rev_orgs")] {
        let a = app.post_as(&other, path, json!({})).await;
        assert_eq!(a.body[key], json!([]), "{path}: another org's objects never appear");
    }
    let a = app.post_as(&other, "/accounts.list", json!({"external_refs": ["crm-1"]})).await;
    assert_eq!(a.body["accounts"], json!([]));
    let a = app.post_as(&other, "/rev-orgs.list", json!({"account": [account["id"]]})).await;
    assert_eq!(a.body["rev_orgs"], json!([]));
    // Ours are untouched.
    assert_eq!(get_account(&app, &account["id"]).await, account);
    assert_eq!(get_rev_org(&app, &ws["id"]).await, ws);
}

// ---------------------------------------------------------------------------------------
// Dev org, dev user self

async fn dev_orgs_get_and_dev_users_self(app: TestApp) {
    let a = app.post("/dev-orgs.get", json!({})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let org = a.body["dev_org"].clone();
    let local = text(&org["id"]).strip_prefix("don:identity:dvrv-us-1:devo/").unwrap().to_owned();
    assert!(!local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric()), "{org:#}");
    assert_eq!(org["display_id"], format!("DEV-{local}"));
    assert!(org["dev_slug"].as_str().is_some_and(|s| !s.is_empty()), "{org:#}");
    assert!(org.get("type").is_none());
    let g = app.get("/dev-orgs.get", "").await;
    assert_eq!((g.status, &g.body), (200, &a.body), "GET twin");

    let me = me(&app).await;
    assert_eq!(me["id"], format!("{}:devu/1", text(&org["id"])), "the bootstrapped admin");
    assert_eq!(me["display_id"], "DEVU-1");
    assert_eq!(me["state"], "active");
    assert!(me.get("type").is_none(), "{me:#}");
    let g = app.get("/dev-users.self", "").await;
    assert_eq!((g.status, &g.body["dev_user"]), (200, &me));

    // Another org's token sees its own org and admin.
    let other = app.other_org_token().await;
    let a = app.post_as(&other, "/dev-orgs.get", json!({})).await;
    assert_eq!(a.status, 200);
    assert_ne!(a.body["dev_org"]["id"], org["id"]);
    assert_ne!(a.body["dev_org"]["dev_slug"], org["dev_slug"]);
    let b = app.post_as(&other, "/dev-users.self", json!({})).await;
    assert_eq!(b.body["dev_user"]["id"], format!("{}:devu/1", text(&a.body["dev_org"]["id"])));

    // Without a token: 401 unauthenticated.
    let r = app.raw.post(format!("{}/dev-orgs.get", app.addr)).json(&json!({}));
    let a = app.send_checked("/dev-orgs.get", "POST", r).await;
    assert_error(&a, 401, "unauthenticated");
}

// ---------------------------------------------------------------------------------------
// Routing and versioning

async fn unknown_routes_and_methods_are_route_not_found(app: TestApp) {
    let route_not_found = json!({"message": "route not found"});
    let reqs = [
        app.raw.post(format!("{}/widgets.create", app.addr)).bearer_auth(&app.token).json(&json!({})),
        app.raw.get(format!("{}/widgets.list", app.addr)).bearer_auth(&app.token),
        app.raw.post(format!("{}/", app.addr)).bearer_auth(&app.token).json(&json!({})),
        app.raw.post(format!("{}/tags.create/extra", app.addr)).bearer_auth(&app.token).json(&json!({})),
        // Unknown routes answer before authentication.
        app.raw.post(format!("{}/widgets.create", app.addr)).json(&json!({})),
        // Mutations are POST-only; other methods on known paths are unknown routes.
        app.raw.get(format!("{}/rev-users.update", app.addr)).bearer_auth(&app.token),
        app.raw.get(format!("{}/tags.delete?id=TAG-1", app.addr)).bearer_auth(&app.token),
        app.raw.get(format!("{}/accounts.create", app.addr)).bearer_auth(&app.token),
        app.raw.put(format!("{}/tags.get", app.addr)).bearer_auth(&app.token).json(&json!({"id": "TAG-1"})),
        app.raw.delete(format!("{}/rev-orgs.delete", app.addr)).bearer_auth(&app.token),
    ];
    for req in reqs {
        let shown = format!("{req:?}");
        let a = send(req).await;
        assert_eq!(a.status, 404, "{shown}: {:#}", a.body);
        assert_eq!(a.body, route_not_found, "{shown}: exactly, with no type");
    }
}

async fn api_version_header(app: TestApp) {
    let post = |version: &str, path: &str, body: Value| {
        app.raw
            .post(format!("{}{path}", app.addr))
            .bearer_auth(&app.token)
            .header("x-devrev-version", version)
            .json(&body)
    };
    let a = app.send_checked("/tags.list", "POST", post("2024-01-24", "/tags.list", json!({}))).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let a = app
        .send_checked("/accounts.create", "POST", post("2024-01-24", "/accounts.create", json!({"display_name": "Ok"})))
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let g = app
        .raw
        .get(format!("{}/dev-orgs.get", app.addr))
        .bearer_auth(&app.token)
        .header("x-devrev-version", "2024-01-24");
    assert_eq!(app.send_checked("/dev-orgs.get", "GET", g).await.status, 200);

    for bad in ["2020-01-01", "", "latest"] {
        let a = app.send_checked("/tags.list", "POST", post(bad, "/tags.list", json!({}))).await;
        assert_error(&a, 400, "invalid_api_version");
        assert_eq!(a.body["value"], bad);
    }
    // A refused version applies nothing.
    let a = app
        .send_checked("/accounts.create", "POST", post("2020-01-01", "/accounts.create", json!({"display_name": "No"})))
        .await;
    assert_error(&a, 400, "invalid_api_version");
    assert_eq!(a.body["value"], "2020-01-01");
    let names: Vec<String> = all_accounts(&app).await.iter().map(|a| text(&a["display_name"]).to_owned()).collect();
    assert_eq!(names, ["Ok"]);
    let g = app
        .raw
        .get(format!("{}/accounts.list", app.addr))
        .bearer_auth(&app.token)
        .header("x-devrev-version", "2020-01-01");
    let a = app.send_checked("/accounts.list", "GET", g).await;
    assert_error(&a, 400, "invalid_api_version");
}
