//! A contact's memberships (§7): `rev-users.associations.add/list/remove`, the deprecated
//! `rev-users.link`/`unlink`, the `associations` list filter, and how the contact's `rev_org`
//! summary follows them (API-CONVENTIONS entry 93).

use serde_json::{json, Value};

use crate::helpers::{assert_error, TestApp};
use crate::on_both_backends;

on_both_backends!(
    adding_a_workspace_brings_its_account_and_the_summary_follows,
    association_lists_page_on_both_twins,
    link_and_unlink_with_their_deprecated_aliases,
    bad_associations_are_refused_and_nothing_is_written,
    deleting_a_workspace_moves_its_contacts_to_another,
    a_session_provisions_its_contacts_memberships,
);

/// An account and its default workspace: `(account id, workspace id)`.
async fn account(app: &TestApp, name: &str) -> (Value, Value) {
    let a = app.post("/accounts.create", json!({"display_name": name})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    (a.body["account"]["id"].clone(), a.body["default_rev_org"]["id"].clone())
}

async fn workspace(app: &TestApp, account: &Value, name: &str) -> Value {
    let a = app.post("/rev-orgs.create", json!({"display_name": name, "account": account})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body["rev_org"]["id"].clone()
}

/// Every membership of a contact, as `(type, id)` pairs in list order.
async fn memberships(app: &TestApp, user: &Value) -> Vec<(String, String)> {
    let a = app.post("/rev-users.associations.list", json!({"rev_user_id": user, "limit": 100})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["associations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let to = &x["associated_to"];
            (to["type"].as_str().unwrap().to_owned(), to["id"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn pair(kind: &str, id: &Value) -> (String, String) {
    (kind.to_owned(), id.as_str().unwrap().to_owned())
}

/// The contacts a list filter finds, by id.
async fn found(app: &TestApp, filter: Value) -> Vec<Value> {
    let a = app.post("/rev-users.list", filter).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["rev_users"].as_array().unwrap().iter().map(|u| u["id"].clone()).collect()
}

async fn adding_a_workspace_brings_its_account_and_the_summary_follows(app: TestApp) {
    let (acme, acme_ws) = account(&app, "Acme").await;
    let (globex, globex_ws) = account(&app, "Globex").await;
    let u = app.create_rev_user(json!({"display_name": "Ada", "rev_org": acme_ws})).await;
    let loner = app.create_rev_user(json!({"display_name": "Loner"})).await;
    assert_eq!(memberships(&app, &u["id"]).await, vec![pair("account", &acme), pair("rev_org", &acme_ws)]);
    assert!(memberships(&app, &loner["id"]).await.is_empty());

    let a = app
        .post(
            "/rev-users.associations.add",
            json!({"rev_user_id": u["id"], "associations": [{"associated_to": globex_ws}]}),
        )
        .await;
    assert_eq!((a.status, &a.body), (201, &json!({})));
    let mut want =
        vec![pair("account", &acme), pair("account", &globex), pair("rev_org", &acme_ws), pair("rev_org", &globex_ws)];
    want.sort();
    let mut got = memberships(&app, &u["id"]).await;
    got.sort();
    assert_eq!(got, want, "a rev org brings its account (§7)");
    assert_eq!(app.get_rev_user(u["id"].as_str().unwrap()).await["rev_org"]["id"], acme_ws, "the summary stays");
    // Adding twice is no error and adds nothing.
    let again = app
        .post(
            "/rev-users.associations.add",
            json!({"rev_user_id": u["id"], "associations": [{"associated_to": globex}]}),
        )
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(memberships(&app, &u["id"]).await.len(), 4);

    assert_eq!(found(&app, json!({"associations": [globex]})).await, vec![u["id"].clone()]);
    assert_eq!(found(&app, json!({"associations": [globex_ws]})).await, vec![u["id"].clone()]);
    assert_eq!(found(&app, json!({"rev_org": [globex_ws]})).await, Vec::<Value>::new(), "rev_org is the summary");
    assert_eq!(found(&app, json!({"associations": [globex], "rev_org": [acme_ws]})).await, vec![u["id"].clone()]);
    assert!(found(&app, json!({"associations": [globex], "rev_org": [globex_ws]})).await.is_empty(), "AND");

    // Removing the summary's workspace moves the summary to the one left; 204, no body.
    let a =
        app.post("/rev-users.associations.remove", json!({"rev_user_id": u["id"], "associations": [acme_ws]})).await;
    assert_eq!((a.status, &a.body), (204, &Value::Null));
    let after = app.get_rev_user(u["id"].as_str().unwrap()).await;
    assert_eq!(after["rev_org"]["id"], globex_ws, "{after:#}");
    assert!(
        memberships(&app, &u["id"]).await.contains(&pair("account", &acme)),
        "the account stays: it was an association of its own"
    );
    let journal = app.revdir("/_revdir/journal.list", json!({"object": [u["id"]], "operation": ["updated"]})).await;
    let last = journal.body["entries"].as_array().unwrap().last().unwrap().clone();
    let fields: Vec<&str> = last["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"rev_org"), "{last:#}");
    // Removing the last workspace leaves no summary; an account alone shows none.
    let a = app
        .post("/rev-users.associations.remove", json!({"rev_user_id": u["id"], "associations": [globex_ws, acme]}))
        .await;
    assert_eq!(a.status, 204);
    let after = app.get_rev_user(u["id"].as_str().unwrap()).await;
    assert!(after.get("rev_org").is_none(), "{after:#}");
    assert_eq!(memberships(&app, &u["id"]).await, vec![pair("account", &globex)]);
    // A contact with no workspace shows the first one it joins.
    app.post(
        "/rev-users.associations.add",
        json!({"rev_user_id": loner["id"], "associations": [{"associated_to": acme_ws}]}),
    )
    .await;
    assert_eq!(app.get_rev_user(loner["id"].as_str().unwrap()).await["rev_org"]["id"], acme_ws);
}

async fn association_lists_page_on_both_twins(app: TestApp) {
    let u = app.create_rev_user(json!({})).await;
    let mut accounts = Vec::new();
    for i in 0..5 {
        accounts.push(account(&app, &format!("Acc {i}")).await.0);
    }
    let add: Vec<Value> = accounts.iter().map(|a| json!({"associated_to": a})).collect();
    assert_eq!(
        app.post("/rev-users.associations.add", json!({"rev_user_id": u["id"], "associations": add})).await.status,
        201
    );
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut body = json!({"rev_user_id": u["display_id"], "limit": 2});
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let a = app.post("/rev-users.associations.list", body).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let page = a.body["associations"].as_array().unwrap();
        assert!(page.len() <= 2);
        seen.extend(page.iter().map(|x| x["associated_to"]["id"].clone()));
        for x in page {
            assert_eq!(x["associated_to"]["type"], "account");
            assert!(x["associated_to"]["display_name"].as_str().unwrap().starts_with("Acc "));
        }
        match a.body.get("next_cursor") {
            Some(c) => cursor = Some(c.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    let mut want = accounts.clone();
    want.sort_by_key(|v| v.to_string());
    seen.sort_by_key(|v| v.to_string());
    assert_eq!(seen, want, "every membership once");
    let q = format!("rev_user_id={}&limit=3", u["display_id"].as_str().unwrap());
    let a = app.get("/rev-users.associations.list", &q).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["associations"].as_array().unwrap().len(), 3);
    assert!(a.body.get("next_cursor").is_some());
    let bad = app.post("/rev-users.associations.list", json!({"rev_user_id": u["id"], "cursor": "nope"})).await;
    assert_error(&bad, 400, "bad_request");
}

async fn link_and_unlink_with_their_deprecated_aliases(app: TestApp) {
    let (acme, acme_ws) = account(&app, "Acme").await;
    let second = workspace(&app, &acme, "Acme EU").await;
    let u = app.create_rev_user(json!({"display_name": "Ada", "rev_org": acme_ws})).await;
    let a = app.post("/rev-users.link", json!({"id": u["id"], "rev_org": second})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["rev_user"]["rev_org"]["id"], second, "link makes it the contact's workspace");
    assert_eq!(a.body["rev_user"]["rev_org"]["display_name"], "Acme EU");
    assert_eq!(memberships(&app, &u["id"]).await.len(), 3, "both workspaces and their account");
    let a = app.post("/rev-users.unlink", json!({"user_don": u["id"], "rev_org_don": second})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["rev_user"]["rev_org"]["id"], acme_ws, "falls back to the workspace left");
    let a = app.post("/rev-users.unlink", json!({"id": u["display_id"], "rev_org": acme_ws})).await;
    assert_eq!(a.status, 200);
    assert!(a.body["rev_user"].get("rev_org").is_none(), "{:#}", a.body);
    let a = app.post("/rev-users.link", json!({"user_don": u["id"], "rev_org_don": second})).await;
    assert_eq!(a.body["rev_user"]["rev_org"]["id"], second);
    assert_eq!(a.body["rev_user"]["modified_by"]["type"], "dev_user");
    // The current names win over their aliases.
    let a = app.post("/rev-users.link", json!({"id": u["id"], "user_don": "REVU-999", "rev_org": acme_ws})).await;
    assert_eq!(a.body["rev_user"]["rev_org"]["id"], acme_ws);
}

async fn bad_associations_are_refused_and_nothing_is_written(app: TestApp) {
    let (acme, acme_ws) = account(&app, "Acme").await;
    let u = app.create_rev_user(json!({"rev_org": acme_ws})).await;
    let tag = app.post("/tags.create", json!({"name": "t"})).await.body["tag"]["id"].clone();
    let before = memberships(&app, &u["id"]).await;
    let cases = [
        (
            "/rev-users.associations.add",
            json!({"rev_user_id": u["id"], "associations": [{"associated_to": tag}]}),
            400,
            None,
        ),
        (
            "/rev-users.associations.add",
            json!({"rev_user_id": u["id"], "associations": [{"associated_to": "REV-nosuch"}]}),
            400,
            None,
        ),
        (
            "/rev-users.associations.add",
            json!({"rev_user_id": u["id"], "associations": [{"associated_to": acme}, {"associated_to": "ACC-999"}]}),
            400,
            None,
        ),
        ("/rev-users.associations.add", json!({"rev_user_id": u["id"], "associations": [{}]}), 400, None),
        (
            "/rev-users.associations.add",
            json!({"rev_user_id": "REVU-999", "associations": [{"associated_to": acme}]}),
            404,
            Some("not_found"),
        ),
        ("/rev-users.associations.add", json!({"rev_user_id": acme, "associations": []}), 400, None),
        ("/rev-users.associations.add", json!({"associations": []}), 400, None),
        (
            "/rev-users.associations.remove",
            json!({"rev_user_id": "REVU-999", "associations": [acme]}),
            404,
            Some("not_found"),
        ),
        ("/rev-users.associations.remove", json!({"rev_user_id": u["id"], "associations": ["not an id"]}), 400, None),
        ("/rev-users.associations.list", json!({"rev_user_id": "REVU-999"}), 404, Some("not_found")),
        ("/rev-users.associations.list", json!({"rev_user_id": u["id"], "limit": 0}), 400, None),
        ("/rev-users.link", json!({"id": u["id"]}), 400, None),
        ("/rev-users.link", json!({"rev_org": acme_ws}), 400, None),
        ("/rev-users.link", json!({"id": u["id"], "rev_org": acme}), 400, None),
        ("/rev-users.link", json!({"id": u["id"], "rev_org": "REV-nosuch"}), 400, None),
        ("/rev-users.link", json!({"id": "REVU-999", "rev_org": acme_ws}), 404, Some("not_found")),
        ("/rev-users.unlink", json!({"id": u["id"], "rev_org": "REV-nosuch"}), 400, None),
    ];
    for (path, body, status, kind) in cases {
        let a = app.post(path, body.clone()).await;
        assert_eq!(a.status, status, "{path} {body}: {:#}", a.body);
        // A 400's type names the fault (`unexpected_id_type`, `value_not_permitted`, …).
        if let Some(kind) = kind {
            assert_eq!(a.body["type"], kind, "{path} {body}: {:#}", a.body);
        }
    }
    assert_eq!(memberships(&app, &u["id"]).await, before, "nothing written");
    assert_eq!(app.get_rev_user(u["id"].as_str().unwrap()).await["rev_org"]["id"], acme_ws);
}

async fn deleting_a_workspace_moves_its_contacts_to_another(app: TestApp) {
    let (acme, acme_ws) = account(&app, "Acme").await;
    let second = workspace(&app, &acme, "Acme EU").await;
    let (globex, globex_ws) = account(&app, "Globex").await;
    let u = app.create_rev_user(json!({"rev_org": second})).await;
    let add = json!({"rev_user_id": u["id"], "associations": [{"associated_to": acme_ws}]});
    assert_eq!(app.post("/rev-users.associations.add", add).await.status, 201);
    assert_eq!(app.post("/rev-orgs.delete", json!({"id": second})).await.status, 200);
    let after = app.get_rev_user(u["id"].as_str().unwrap()).await;
    assert_eq!(after["rev_org"]["id"], acme_ws, "{after:#}");
    assert_eq!(memberships(&app, &u["id"]).await, vec![pair("account", &acme), pair("rev_org", &acme_ws)]);
    // A deleted account takes its workspaces and memberships with it.
    let v = app.create_rev_user(json!({"rev_org": globex_ws})).await;
    assert_eq!(app.post("/accounts.delete", json!({"id": globex})).await.status, 200);
    assert!(memberships(&app, &v["id"]).await.is_empty());
    assert!(app.get_rev_user(v["id"].as_str().unwrap()).await.get("rev_org").is_none());
    assert!(found(&app, json!({"associations": [globex]})).await.is_empty());
}

async fn a_session_provisions_its_contacts_memberships(app: TestApp) {
    let aat = crate::auth_tokens::mint_as(
        &app,
        &app.token,
        json!({"requested_token_type": "urn:devrev:params:oauth:token-type:aat", "client_id": "plug"}),
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = crate::auth_tokens::mint_as(
        &app,
        &aat,
        json!({"requested_token_type": "urn:devrev:params:oauth:token-type:session",
            "rev_info": {"user_ref": "visitor-1", "account_ref": "acme-ref", "account_traits": {"display_name": "Acme"}}}),
    )
    .await;
    let sub = crate::auth_tokens::claims(session["access_token"].as_str().unwrap())["sub"].as_str().unwrap().to_owned();
    let list = app.post("/rev-users.list", json!({"external_ref": ["visitor-1"]})).await;
    let u = list.body["rev_users"][0].clone();
    assert!(sub.ends_with(u["id"].as_str().unwrap().rsplit(':').next().unwrap()), "{sub} {u:#}");
    assert_eq!(u["is_verified"], false, "a session's contact is unverified (entry 95)");
    let kinds: Vec<String> = memberships(&app, &u["id"]).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, vec!["account", "rev_org"], "its account and workspace");
}
