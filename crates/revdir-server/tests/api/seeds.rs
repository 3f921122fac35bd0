//! Seed files (issue 16, API-CONVENTIONS "Emulator: seed files"): a document of every kind,
//! refs across kinds, loaded by `serve --emulator --seed` and read back over HTTP; invalid
//! documents answer one error naming the bad value's path and load nothing.

use revdir_core::ids::ObjectKind;
use revdir_core::refs::UserRef;
use revdir_server::seed::{admin_scope, load, SeedDocument};
use revdir_server::startup::open;
use revdir_server::ServerConfig;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::{on_both_backends, on_both_backends_configured};

on_both_backends_configured!(
    super::seeded;
    a_seed_of_every_kind_loads_with_refs_across_kinds,
);
on_both_backends!(an_invalid_document_names_the_bad_value_and_loads_nothing);

/// Every kind, each naming others by ref (and a tag by its name).
pub const DOC: &str = r#"
tags:
  - {name: vip, allowed_values: [gold, silver]}
  - {ref: beta-tag, name: beta}
schemas:
  - ref: crm
    type: tenant_fragment
    leaf_type: rev_user
    description: CRM fields
    fields: [{name: tier, field_type: text}]
accounts:
  - {ref: acme, display_name: Acme, external_refs: [acme-crm], tags: [{id: beta-tag}]}
rev_orgs:
  - {ref: acme-eu, display_name: Acme EU, account: acme}
rev_users:
  - display_name: Ada
    email: ada@acme.example.com
    phone_numbers: ["+14155550100"]
    external_ref: crm-ada
    rev_org: acme-eu
    tags: [{id: vip, value: gold}, {id: beta-tag}]
    custom_schema_fragments: [crm]
    custom_fields: {tnt__tier: platinum}
  - {ref: bo, display_name: Bo, account: acme}
webhooks:
  - {url: "http://127.0.0.1:9/hooks", event_types: [rev_user_created]}
"#;

/// Emulator mode with [`DOC`] loaded at start.
fn seeded(c: &mut ServerConfig) {
    c.emulator = true;
    c.seed = Some(SeedDocument::parse(DOC).unwrap());
}

fn items(a: &Value, key: &str) -> Vec<Value> {
    a[key].as_array().unwrap_or_else(|| panic!("{key}: {a:#}")).clone()
}

async fn a_seed_of_every_kind_loads_with_refs_across_kinds(app: TestApp) {
    let tags = items(&app.post("/tags.list", json!({})).await.body, "tags");
    let mut names: Vec<&str> = tags.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["beta", "vip"]);
    let accounts = items(&app.post("/accounts.list", json!({})).await.body, "accounts");
    assert_eq!(accounts.len(), 1);
    let acme = &accounts[0];
    assert_eq!((acme["display_name"].as_str(), &acme["external_refs"]), (Some("Acme"), &json!(["acme-crm"])));
    assert_eq!(acme["tags"][0]["tag"]["name"], "beta");
    let eu = items(&app.post("/rev-orgs.list", json!({})).await.body, "rev_orgs")
        .into_iter()
        .find(|o| o["display_name"] == "Acme EU")
        .expect("the seeded rev org");
    assert_eq!(eu["account"]["id"], acme["id"], "rev_orgs[0].account named the account by its ref");
    let users = items(&app.post("/rev-users.list", json!({"sort_by": ["display_name:asc"]})).await.body, "rev_users");
    assert_eq!(users.len(), 2);
    let ada = app.get_rev_user(users[0]["id"].as_str().unwrap()).await;
    assert_eq!(ada["rev_org"]["id"], eu["id"]);
    assert_eq!(ada["phone_numbers"], json!(["+14155550100"]));
    assert_eq!(ada["external_ref"], "crm-ada");
    let mut tagged: Vec<(String, Value)> = items(&ada, "tags")
        .iter()
        .map(|t| (t["tag"]["name"].as_str().unwrap().to_owned(), t["value"].clone()))
        .collect();
    tagged.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(tagged, [("beta".to_owned(), Value::Null), ("vip".to_owned(), json!("gold"))]);
    assert_eq!(ada["custom_fields"], json!({"tnt__tier": "platinum"}));
    assert!(ada["custom_schema_fragments"][0].as_str().unwrap().contains(":tenant_fragment/"), "{ada:#}");
    // Bo joined the account: its default workspace.
    assert_eq!(users[1]["display_name"], "Bo");
    let bo = app.get_rev_user(users[1]["id"].as_str().unwrap()).await;
    assert_eq!(bo["rev_org"]["display_name"], "Acme", "{bo:#}");
    let hooks = items(&app.post("/webhooks.list", json!({})).await.body, "webhooks");
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["url"], "http://127.0.0.1:9/hooks");
}

/// Loads `text` into the app's default org, as `revdir seed` and `orgs.create {seed}` do.
async fn load_text(
    app: &TestApp,
    text: &str,
) -> Result<revdir_server::seed::SeedReport, revdir_server::error::ApiError> {
    let doc = SeedDocument::parse(text)?;
    let state = open(&app.config).await.unwrap();
    let org = state.store.default_dev_org().await.unwrap().unwrap();
    let scope = admin_scope(org.org.id, UserRef { kind: ObjectKind::DevUser, id: org.admin.id });
    load(state.store.as_ref(), &scope, &doc, &state.url_policy, scope.now).await
}

/// What an error answers on the wire.
async fn wire(e: revdir_server::error::ApiError) -> (u16, Value) {
    use axum::response::IntoResponse as _;
    let response = e.into_response();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// How many objects of each seeded kind the org has.
async fn counts(app: &TestApp) -> [usize; 5] {
    let mut out = [0; 5];
    for (i, (path, key)) in [
        ("/tags.list", "tags"),
        ("/accounts.list", "accounts"),
        ("/rev-orgs.list", "rev_orgs"),
        ("/rev-users.list", "rev_users"),
        ("/webhooks.list", "webhooks"),
    ]
    .into_iter()
    .enumerate()
    {
        out[i] = items(&app.post(path, json!({})).await.body, key).len();
    }
    out
}

async fn an_invalid_document_names_the_bad_value_and_loads_nothing(app: TestApp) {
    app.create_rev_user(json!({"display_name": "Existing", "external_ref": "taken"})).await;
    let before = counts(&app).await;
    let prefix = "tags: [{name: vip}]\naccounts: [{ref: acme, display_name: Acme}]\n";
    for (doc, status, kind, field) in [
        (
            format!(
                "{prefix}rev_users:\n  - {{display_name: A}}\n  - {{display_name: B, phone_numbers: [\"+14155550100\", \"555-0100\"]}}\n"
            ),
            400,
            "value_not_permitted",
            Some("rev_users[1].phone_numbers[1]"),
        ),
        (format!("{prefix}rev_orgs: [{{display_name: EU, account: nope}}]\n"), 400, "value_not_permitted", Some("rev_orgs[0].account")),
        (format!("{prefix}rev_users: [{{display_name: A, tags: [{{id: gold}}]}}]\n"), 400, "value_not_permitted", Some("rev_users[0].tags[0].id")),
        (
            format!("{prefix}rev_users: [{{display_name: A, external_ref: x1}}, {{display_name: B, external_ref: x1}}]\n"),
            400,
            "value_not_permitted",
            Some("rev_users[1].external_ref"),
        ),
        (format!("{prefix}rev_users: [{{display_name: A, email: 7}}]\n"), 400, "unexpected_json_type", Some("rev_users[0].email")),
        (format!("{prefix}accounts_typo: []\n"), 400, "invalid_field", Some("accounts_typo")),
        (format!("{prefix}rev_orgs: [{{ref: acme, display_name: X, account: acme}}]\n"), 400, "value_not_permitted", Some("rev_orgs[0].ref")),
        // Only the store can tell that another contact holds this ref: what was already
        // created (the tag, the account) is deleted again.
        (format!("{prefix}rev_users: [{{display_name: A, external_ref: taken}}]\n"), 409, "conflict", None),
        ("rev_users: [".to_owned(), 400, "parse_error", None),
        // The store checks custom fields against their fragment (which stays set: fragments
        // cannot be deleted).
        (
            format!(
                "{prefix}schemas: [{{type: tenant_fragment, leaf_type: rev_user, description: d, fields: [{{name: n, \
                 field_type: int}}]}}]\nrev_users: [{{display_name: A, custom_schema_spec: {{tenant_fragment: true}}, \
                 custom_fields: {{tnt__n: x}}}}]\n"
            ),
            400,
            "customization_validation_error",
            Some("rev_users[0].custom_fields.tnt__n"),
        ),
    ] {
        let e = load_text(&app, &doc).await.expect_err(&doc);
        let (got_status, body) = wire(e).await;
        assert_eq!((got_status, body["type"].as_str()), (status, Some(kind)), "{doc}: {body:#}");
        crate::spec::assert_valid_response("/rev-users.create", "POST", got_status, &body);
        if let Some(field) = field {
            assert_eq!(body["field_name"], field, "{doc}: {body:#}");
        }
        if status == 409 {
            assert!(body["message"].as_str().unwrap().starts_with("rev_users[0]"), "{body:#}");
        }
        assert_eq!(counts(&app).await, before, "{doc}: nothing stays loaded");
    }
    // The same document without the clash loads.
    let report =
        load_text(&app, &format!("{prefix}rev_users: [{{ref: a, display_name: A, account: acme}}]\n")).await.unwrap();
    assert_eq!((report.tags, report.accounts, report.rev_users), (1, 1, 1));
    assert!(report.refs["a"].contains(":revu/"), "{report:?}");
}
