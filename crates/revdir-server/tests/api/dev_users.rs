//! `/dev-users.*` (§8.2) on both backends: shadow creation, reads, filters and cursors,
//! updates, activation, identities, merges, and deactivated users' tokens.

use revdir_core::ids::ObjectKind;
use revdir_core::refs::UserRef;
use revdir_server::startup::open;
use secrecy::ExposeSecret as _;
use serde_json::{json, Value};

use crate::helpers::{assert_error, TestApp};
use crate::on_both_backends;

on_both_backends!(
    dev_users_create_get_and_self,
    dev_users_create_refuses_bad_input,
    dev_users_update_and_self_update,
    dev_users_list_filters_and_pages,
    deactivated_dev_users_tokens_stop_working,
    identities_link_and_unlink,
    merge_moves_ownership_and_deactivates,
);

/// Creates a shadow dev user; asserts 201.
pub async fn create_dev_user(app: &TestApp, email: &str) -> Value {
    let a = app.post("/dev-users.create", json!({"email": email, "state": "shadow"})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body["dev_user"].clone()
}

/// Reads a dev user; asserts 200.
async fn get_dev_user(app: &TestApp, id: &str) -> Value {
    let a = app.post("/dev-users.get", json!({ "id": id })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["dev_user"].clone()
}

/// The local id of the admin's dev org.
pub async fn org_id(app: &TestApp) -> String {
    let a = app.post("/dev-orgs.get", json!({})).await;
    a.body["dev_org"]["id"].as_str().unwrap().rsplit('/').next().unwrap().to_owned()
}

/// A personal access token of dev user `DEVU-<n>`, minted beside the server (the API mints
/// PATs only for their caller).
pub async fn token_of(app: &TestApp, kind: ObjectKind, n: i64) -> String {
    let org = org_id(app).await;
    let state = open(&app.config).await.unwrap();
    let t = state
        .keys
        .mint_pat(state.store.as_ref(), &org, UserRef { kind, id: n }, revdir_core::clock::system_now(), 1)
        .await
        .unwrap();
    t.expose_secret().to_owned()
}

fn display_ids(list: &Value, key: &str) -> Vec<String> {
    list[key].as_array().unwrap().iter().map(|u| u["display_id"].as_str().unwrap().to_owned()).collect()
}

async fn dev_users_create_get_and_self(app: TestApp) {
    let a = app
        .post(
            "/dev-users.create",
            json!({"email": "Grace@Example.com", "state": "shadow", "full_name": "Grace Hopper", "reports_to": "DEVU-1"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let u = a.body["dev_user"].clone();
    assert_eq!(u["display_id"], "DEVU-2");
    assert_eq!(u["state"], "shadow");
    assert_eq!(u["email"], "Grace@Example.com");
    assert_eq!(u["display_name"], "Grace", "the email's local part names a new dev user");
    assert_eq!(u["full_name"], "Grace Hopper");
    assert_eq!(u["reports_to"]["display_id"], "DEVU-1");
    assert_eq!(u["reports_to"]["type"], "dev_user");
    assert_eq!(u["created_by"]["display_id"], "DEVU-1");
    assert!(u.get("external_identities").is_none() && u.get("primary_identity").is_none());
    assert_eq!(get_dev_user(&app, "DEVU-2").await, u);
    assert_eq!(get_dev_user(&app, u["id"].as_str().unwrap()).await, u);
    let g = app.get("/dev-users.get", &format!("id={}", u["id"].as_str().unwrap())).await;
    assert_eq!((g.status, &g.body["dev_user"]), (200, &u));
    let me = app.post("/dev-users.self", json!({})).await;
    assert_eq!(me.body["dev_user"]["display_id"], "DEVU-1");
    assert_eq!(me.body["dev_user"]["state"], "active");
    assert_error(&app.post("/dev-users.get", json!({"id": "DEVU-99"})).await, 404, "not_found");
    assert_error(&app.post("/dev-users.get", json!({"id": "REVU-1"})).await, 400, "unexpected_id_type");
    assert_error(&app.post("/dev-users.get", json!({})).await, 400, "missing_required_field");
}

async fn dev_users_create_refuses_bad_input(app: TestApp) {
    create_dev_user(&app, "grace@example.com").await;
    let cases = [
        (json!({"email": "x@example.com"}), "missing_required_field", "state"),
        (json!({"email": "x@example.com", "state": "active"}), "invalid_enum_value", "state"),
        (json!({"email": "not an email", "state": "shadow"}), "value_not_permitted", "email"),
        (json!({"email": "GRACE@example.COM", "state": "shadow"}), "value_not_permitted", "email"),
        (
            json!({"email": "x@example.com", "state": "shadow", "reports_to": "DEVU-42"}),
            "value_not_permitted",
            "reports_to",
        ),
        (
            json!({"email": "x@example.com", "state": "shadow", "reports_to": "REVU-1"}),
            "unexpected_id_type",
            "reports_to",
        ),
    ];
    for (body, kind, field) in cases {
        let a = app.post("/dev-users.create", body.clone()).await;
        assert_error(&a, 400, kind);
        assert_eq!(a.body["field_name"], field, "{body}: {:#}", a.body);
    }
    let dup = app.post("/dev-users.create", json!({"email": "GRACE@example.com", "state": "shadow"})).await;
    assert!(dup.body["message"].as_str().unwrap().contains("DEVU-2"), "{:#}", dup.body);
    let custom =
        app.post("/dev-users.create", json!({"email": "x@example.com", "state": "shadow", "custom_fields": {}})).await;
    assert_error(&custom, 400, "bad_request");
    let all = app.post("/dev-users.list", json!({})).await;
    assert_eq!(display_ids(&all.body, "dev_users"), ["DEVU-1", "DEVU-2"], "nothing refused was written");
}

async fn dev_users_update_and_self_update(app: TestApp) {
    let before = create_dev_user(&app, "ada@example.com").await;
    let a = app
        .post(
            "/dev-users.update",
            json!({"id": "DEVU-2", "display_name": "ada", "full_name": "Ada Lovelace", "experience_start_date": "2020-01-02T03:04:05Z",
                "job_history": [{"title": "Engineer", "start_date": "2020-01-02T00:00:00Z", "is_current": true, "location": "London"}],
                "job_title": "developer", "reports_to": "DEVU-1"}),
        )
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let u = &a.body["dev_user"];
    assert_eq!((u["display_name"].as_str(), u["full_name"].as_str()), (Some("ada"), Some("Ada Lovelace")));
    assert_eq!(u["experience_start_date"], "2020-01-02T03:04:05.000Z");
    assert_eq!(
        u["job_history"],
        json!([{"title": "Engineer", "start_date": "2020-01-02T00:00:00.000Z", "is_current": true, "location": "London"}])
    );
    assert_eq!(u["reports_to"]["display_id"], "DEVU-1");
    assert_eq!(u["modified_by"]["display_id"], "DEVU-1");
    assert!(u["modified_date"].as_str() > before["modified_date"].as_str());
    assert_eq!(u["email"], before["email"]);
    // Omitted fields stay; an empty full name clears it.
    let b = app.post("/dev-users.update", json!({"id": "DEVU-2", "full_name": ""})).await;
    assert_eq!(b.status, 200, "{:#}", b.body);
    assert!(b.body["dev_user"].get("full_name").is_none());
    assert_eq!(b.body["dev_user"]["job_history"], u["job_history"]);
    assert_eq!(b.body["dev_user"]["reports_to"], u["reports_to"]);
    // dev-users.update declares no 404: an unknown user is a value not permitted.
    let missing = app.post("/dev-users.update", json!({"id": "DEVU-99", "display_name": "x"})).await;
    assert_error(&missing, 400, "value_not_permitted");
    assert_eq!(missing.body["field_name"], "id");
    for (body, kind, field) in [
        (json!({"id": "DEVU-2", "reports_to": "DEVU-2"}), "value_not_permitted", "reports_to"),
        (json!({"id": "DEVU-2", "reports_to": "DEVU-7"}), "value_not_permitted", "reports_to"),
        (json!({"id": "DEVU-2", "display_name": " "}), "value_not_permitted", "display_name"),
        (json!({"id": "DEVU-2", "experience_start_date": "yesterday"}), "value_not_permitted", "experience_start_date"),
        (json!({"id": "DEVU-2", "job_title": "wizard"}), "invalid_enum_value", "job_title"),
    ] {
        let a = app.post("/dev-users.update", body.clone()).await;
        assert_error(&a, 400, kind);
        assert_eq!(a.body["field_name"], field, "{body}: {:#}", a.body);
    }
    let status =
        app.post("/dev-users.update", json!({"id": "DEVU-2", "job_history": [{"employment_status": 1}]})).await;
    assert_error(&status, 400, "bad_request");
    assert_eq!(get_dev_user(&app, "DEVU-2").await, b.body["dev_user"], "refused updates change nothing");
    let me = app.post("/dev-users.self.update", json!({"display_name": "root", "reports_to": "DEVU-2"})).await;
    assert_eq!(me.status, 200, "{:#}", me.body);
    assert_eq!(
        (me.body["dev_user"]["display_id"].as_str(), me.body["dev_user"]["display_name"].as_str()),
        (Some("DEVU-1"), Some("root"))
    );
    assert_eq!(me.body["dev_user"]["reports_to"]["display_id"], "DEVU-2");
    let bot = token_of(&app, ObjectKind::SysUser, 1).await;
    assert_error(&app.post_as(&bot, "/dev-users.self.update", json!({"display_name": "x"})).await, 403, "forbidden");
}

async fn dev_users_list_filters_and_pages(app: TestApp) {
    for e in ["a@x.io", "b@x.io", "c@x.io", "d@x.io"] {
        create_dev_user(&app, e).await;
    }
    let link = |user: &str, issuer: &str, id: &str| json!({"dev_user": user, "issuer": issuer, "id": id});
    assert_eq!(app.post("/dev-users.identities.link", link("DEVU-2", "github", "1")).await.status, 200);
    assert_eq!(app.post("/dev-users.identities.link", link("DEVU-3", "okta", "2")).await.status, 200);
    let list = |body: Value| {
        let app = &app;
        async move {
            let a = app.post("/dev-users.list", body.clone()).await;
            assert_eq!(a.status, 200, "{body}: {:#}", a.body);
            display_ids(&a.body, "dev_users")
        }
    };
    assert_eq!(list(json!({})).await, ["DEVU-1", "DEVU-2", "DEVU-3", "DEVU-4", "DEVU-5"]);
    assert_eq!(list(json!({"email": ["A@X.IO", "c@x.io"]})).await, ["DEVU-2", "DEVU-4"]);
    assert_eq!(list(json!({"state": ["active"]})).await, ["DEVU-1"]);
    assert_eq!(list(json!({"state": ["shadow", "deactivated"]})).await.len(), 4);
    assert_eq!(list(json!({"external_identity": [{"issuer": "github"}]})).await, ["DEVU-2"]);
    assert_eq!(
        list(json!({"external_identity": [{"issuer": "okta", "id": "2"}, {"id": "1"}]})).await,
        ["DEVU-2", "DEVU-3"]
    );
    assert!(list(json!({"external_identity": [{"issuer": "okta", "id": "1"}]})).await.is_empty());
    assert_eq!(
        list(json!({"created_date": {"type": "preset", "preset_type": "last_n_days", "days": 1}})).await.len(),
        5
    );
    assert!(list(json!({"created_date": {"type": "range", "after": "2999-01-01T00:00:00Z"}})).await.is_empty());
    assert_eq!(
        list(json!({"modified_date": {"before": "2999-01-01T00:00:00Z"}})).await.len(),
        5,
        "type defaults to range"
    );
    // The GET twin, with the spec's dotted external_identity form.
    let g = app.get("/dev-users.list", "external_identity.issuer=github&external_identity.id=1").await;
    assert_eq!(display_ids(&g.body, "dev_users"), ["DEVU-2"]);
    let g = app.get("/dev-users.list", "state=shadow&limit=3&sort_by=email:desc").await;
    assert_eq!(display_ids(&g.body, "dev_users"), ["DEVU-5", "DEVU-4", "DEVU-3"]);
    let next = g.body["next_cursor"].as_str().unwrap().to_owned();
    let g2 = app.get("/dev-users.list", &format!("state=shadow&limit=3&sort_by=email:desc&cursor={next}")).await;
    assert_eq!(display_ids(&g2.body, "dev_users"), ["DEVU-2"]);
    assert!(g2.body.get("next_cursor").is_none());
    let prev = g2.body["prev_cursor"].as_str().unwrap().to_owned();
    let back = app
        .post("/dev-users.list", json!({"state": ["shadow"], "limit": 3, "sort_by": ["email:desc"], "cursor": prev}))
        .await;
    assert_eq!(display_ids(&back.body, "dev_users"), ["DEVU-5", "DEVU-4", "DEVU-3"]);
    let last = app.post("/dev-users.list", json!({"mode": "before", "limit": 2})).await;
    assert_eq!(display_ids(&last.body, "dev_users"), ["DEVU-4", "DEVU-5"]);
    assert_error(&app.post("/dev-users.list", json!({"sort_by": ["bogus"]})).await, 400, "invalid_field");
    assert_error(&app.post("/dev-users.list", json!({"cursor": next})).await, 400, "bad_request");
    assert_error(&app.post("/dev-users.list", json!({"custom_fields": {"tnt__x": 1}})).await, 400, "bad_request");
    let preset = app.post("/dev-users.list", json!({"created_date": {"type": "preset", "days": 2}})).await;
    assert_error(&preset, 400, "missing_required_field");
}

async fn deactivated_dev_users_tokens_stop_working(app: TestApp) {
    create_dev_user(&app, "kim@example.com").await;
    create_dev_user(&app, "lee@example.com").await;
    let shadow = token_of(&app, ObjectKind::DevUser, 3).await;
    assert_error(&app.post_as(&shadow, "/dev-users.self", json!({})).await, 401, "unauthenticated");
    let a = app.post("/dev-users.activate", json!({"id": "DEVU-2"})).await;
    assert_eq!((a.status, &a.body["invite_sent"]), (200, &json!(false)));
    assert_eq!(a.body["dev_user"], get_dev_user(&app, "DEVU-2").await, "the activated user comes along");
    assert_eq!(a.body["dev_user"]["state"], "active");
    let kim = token_of(&app, ObjectKind::DevUser, 2).await;
    let me = app.post_as(&kim, "/dev-users.self", json!({})).await;
    assert_eq!(me.body["dev_user"]["display_id"], "DEVU-2");
    let d = app.post("/dev-users.deactivate", json!({"id": "DEVU-2"})).await;
    assert_eq!((d.status, &d.body), (200, &json!({})));
    let u = get_dev_user(&app, "DEVU-2").await;
    assert_eq!(u["state"], "deactivated");
    assert_eq!(u["modified_by"]["display_id"], "DEVU-1");
    let refused = app.post_as(&kim, "/dev-users.self", json!({})).await;
    assert_error(&refused, 401, "unauthenticated");
    // Reactivation does not revive the tokens deactivation revoked.
    assert_eq!(app.post("/dev-users.activate", json!({"id": "DEVU-2"})).await.status, 200);
    assert_error(&app.post_as(&kim, "/dev-users.self", json!({})).await, 401, "unauthenticated");
    let fresh = token_of(&app, ObjectKind::DevUser, 2).await;
    assert_eq!(app.post_as(&fresh, "/dev-users.self", json!({})).await.status, 200);
    let me = app.post("/dev-users.deactivate", json!({"id": "DEVU-1"})).await;
    assert_error(&me, 400, "value_not_permitted");
    assert_eq!(me.body["field_name"], "id");
    let groups = app
        .post("/dev-users.activate", json!({"id": "DEVU-3", "groups": ["don:identity:dvrv-us-1:devo/x:group/1"]}))
        .await;
    assert_error(&groups, 400, "value_not_permitted");
    assert_eq!(get_dev_user(&app, "DEVU-3").await["state"], "shadow");
    assert_error(&app.post("/dev-users.deactivate", json!({"id": "DEVU-99"})).await, 404, "not_found");
    assert_error(&app.post("/dev-users.activate", json!({"id": "DEVU-99"})).await, 404, "not_found");
}

async fn identities_link_and_unlink(app: TestApp) {
    create_dev_user(&app, "sam@example.com").await;
    let link = |user: &str, issuer: &str, id: &str| json!({"dev_user": user, "issuer": issuer, "id": id, "display_name": "Ada"});
    let a = app.post("/dev-users.identities.link", link("DEVU-1", "github", "ada")).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(
        a.body["dev_user"]["external_identities"],
        json!([{"issuer": "github", "id": "ada", "display_name": "Ada", "is_verified": false}])
    );
    // One identity per issuer: linking again replaces it.
    let a = app.post("/dev-users.identities.link", link("DEVU-1", "github", "ada2")).await;
    assert_eq!(a.body["dev_user"]["external_identities"][0]["id"], "ada2");
    let a = app.post("/dev-users.identities.link", link("DEVU-1", "okta", "00u1")).await;
    let issuers: Vec<&str> = a.body["dev_user"]["external_identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["issuer"].as_str().unwrap())
        .collect();
    assert_eq!(issuers, ["github", "okta"]);
    let taken = app.post("/dev-users.identities.link", link("DEVU-2", "github", "ada2")).await;
    assert_error(&taken, 400, "value_not_permitted");
    assert!(taken.body["message"].as_str().unwrap().contains("DEVU-1"), "{:#}", taken.body);
    let u = app.post("/dev-users.identities.unlink", json!({"dev_user": "DEVU-1", "issuer": "github"})).await;
    assert_eq!(u.status, 200, "{:#}", u.body);
    assert_eq!(u.body["dev_user"]["external_identities"].as_array().unwrap().len(), 1);
    let again = app.post("/dev-users.identities.unlink", json!({"dev_user": "DEVU-1", "issuer": "github"})).await;
    assert_eq!((again.status, &again.body["dev_user"]), (200, &u.body["dev_user"]), "unlinking twice changes nothing");
    // The freed identity can go to someone else.
    assert_eq!(app.post("/dev-users.identities.link", link("DEVU-2", "github", "ada2")).await.status, 200);
    assert_error(&app.post("/dev-users.identities.link", link("DEVU-99", "x", "y")).await, 404, "not_found");
    assert_error(
        &app.post("/dev-users.identities.unlink", json!({"dev_user": "DEVU-99", "issuer": "x"})).await,
        404,
        "not_found",
    );
    let missing = app.post("/dev-users.identities.link", json!({"dev_user": "DEVU-1", "id": "x"})).await;
    assert_error(&missing, 400, "missing_required_field");
    let blank = app.post("/dev-users.identities.link", json!({"dev_user": "DEVU-1", "id": "x", "issuer": ""})).await;
    assert_error(&blank, 400, "value_not_permitted");
}

async fn merge_moves_ownership_and_deactivates(app: TestApp) {
    for e in ["old@example.com", "new@example.com", "report@example.com"] {
        create_dev_user(&app, e).await;
    }
    assert_eq!(app.post("/dev-users.activate", json!({"id": "DEVU-2"})).await.status, 200);
    let old = token_of(&app, ObjectKind::DevUser, 2).await;
    let made = app.post_as(&old, "/accounts.create", json!({"display_name": "Made by old"})).await;
    assert_eq!(made.status, 201, "{:#}", made.body);
    let acc = |name: &str, owners: Value| json!({"display_name": name, "owned_by": owners});
    let a1 = app.post("/accounts.create", acc("One", json!(["DEVU-2", "DEVU-1"]))).await.body["account"]["id"].clone();
    let a2 = app.post("/accounts.create", acc("Two", json!(["DEVU-2", "DEVU-3"]))).await.body["account"]["id"].clone();
    let a3 = app.post("/accounts.create", acc("Three", json!(["DEVU-1"]))).await.body["account"].clone();
    assert_eq!(app.post("/dev-users.update", json!({"id": "DEVU-4", "reports_to": "DEVU-2"})).await.status, 200);
    let link = json!({"dev_user": "DEVU-2", "issuer": "github", "id": "old-handle"});
    assert_eq!(app.post("/dev-users.identities.link", link).await.status, 200);
    let m = app.post("/dev-users.merge", json!({"primary_user": "DEVU-3", "secondary_user": "DEVU-2"})).await;
    assert_eq!((m.status, &m.body), (200, &json!({})));
    let owners = |a: &Value| {
        a["owned_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["display_id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let one = app.post("/accounts.get", json!({"id": a1})).await.body["account"].clone();
    assert_eq!(owners(&one), ["DEVU-3", "DEVU-1"]);
    assert_eq!(one["modified_by"]["display_id"], "DEVU-1");
    let two = app.post("/accounts.get", json!({"id": a2})).await.body["account"].clone();
    assert_eq!(owners(&two), ["DEVU-3"]);
    let three = app.post("/accounts.get", json!({"id": a3["id"]})).await.body["account"].clone();
    assert_eq!(three, a3, "an account the secondary did not own is untouched");
    let made = app.post("/accounts.get", json!({"id": made.body["account"]["id"]})).await.body["account"].clone();
    assert_eq!(made["created_by"]["display_id"], "DEVU-2", "authorship is history and stays");
    assert_eq!(owners(&made), ["DEVU-3"]);
    assert_eq!(get_dev_user(&app, "DEVU-4").await["reports_to"]["display_id"], "DEVU-3");
    let primary = get_dev_user(&app, "DEVU-3").await;
    assert_eq!(primary["external_identities"][0]["id"], "old-handle");
    let secondary = get_dev_user(&app, "DEVU-2").await;
    assert_eq!(secondary["state"], "deactivated");
    assert_eq!(secondary["primary_identity"]["display_id"], "DEVU-3");
    assert!(secondary.get("external_identities").is_none());
    assert_error(&app.post_as(&old, "/dev-users.self", json!({})).await, 401, "unauthenticated");
    for (body, field) in [
        (json!({"primary_user": "DEVU-3", "secondary_user": "DEVU-2"}), "secondary_user"),
        (json!({"primary_user": "DEVU-2", "secondary_user": "DEVU-4"}), "primary_user"),
        (json!({"primary_user": "DEVU-3", "secondary_user": "DEVU-3"}), "secondary_user"),
        (json!({"primary_user": "DEVU-3", "secondary_user": "DEVU-1"}), "secondary_user"),
    ] {
        let a = app.post("/dev-users.merge", body.clone()).await;
        assert_error(&a, 400, "value_not_permitted");
        assert_eq!(a.body["field_name"], field, "{body}: {:#}", a.body);
    }
    assert_error(
        &app.post("/dev-users.merge", json!({"primary_user": "DEVU-3", "secondary_user": "DEVU-99"})).await,
        404,
        "not_found",
    );
    assert_error(&app.post("/dev-users.activate", json!({"id": "DEVU-2"})).await, 400, "value_not_permitted");
    assert_eq!(get_dev_user(&app, "DEVU-3").await, primary, "refused merges change nothing");
}
