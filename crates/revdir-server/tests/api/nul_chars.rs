//! A NUL character (U+0000) is a 400 naming the field, the same on both engines
//! (API-CONVENTIONS entry 74): in JSON bodies, in query strings, in custom-field values and
//! in nested array items, and nothing is written.

use serde_json::{json, Value};

use crate::artifacts::prepare;
use crate::helpers::{assert_error, send, Answer, TestApp};
use crate::on_both_backends;
use crate::schemas::{set_fragment, tenant};

on_both_backends!(
    nul_in_a_contact_field_writes_nothing,
    nul_in_a_created_object_creates_nothing,
    nul_in_a_query_string_or_list_filter_is_refused,
    nul_in_an_upload_form_stores_nothing,
);

/// Asserts the 400 of a NUL in `field`.
#[track_caller]
fn assert_nul(a: &Answer, field: &str) {
    assert_error(a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], field, "{:#}", a.body);
    assert!(a.body["reason"].as_str().unwrap().contains("U+0000"), "{:#}", a.body);
}

/// A contact with a custom text field and a custom text array, and the tag `vip`.
async fn contact_with_custom_fields(app: &TestApp) -> Value {
    set_fragment(
        app,
        tenant(
            "rev_user",
            json!([
                {"name": "note", "field_type": "text", "is_filterable": true},
                {"name": "labels", "field_type": "array", "base_type": "text"}
            ]),
        ),
    )
    .await;
    let tag = app.post("/tags.create", json!({"name": "vip", "allowed_values": ["gold"]})).await;
    assert_eq!(tag.status, 201, "{:#}", tag.body);
    app.create_rev_user(json!({
        "display_name": "Ada", "description": "first programmer", "external_ref": "ada",
        "tags": [{"id": tag.body["tag"]["id"], "value": "gold"}],
        "custom_schema_spec": {"tenant_fragment": true},
        "custom_fields": {"tnt__note": "fine", "tnt__labels": ["a", "b"]}
    }))
    .await
}

async fn nul_in_a_contact_field_writes_nothing(app: TestApp) {
    let user = contact_with_custom_fields(&app).await;
    let spec = json!({"tenant_fragment": true});
    let cases = [
        (json!({"display_name": "A\u{0}da"}), "display_name"),
        (json!({"description": "\u{0}"}), "description"),
        (json!({"external_ref": "ada\u{0}"}), "external_ref"),
        (json!({"external_refs": ["ada", "x\u{0}y"]}), "external_refs[1]"),
        (json!({"tags": [{"id": "TAG-1", "value": "go\u{0}ld"}]}), "tags[0].value"),
        (json!({"custom_schema_spec": spec, "custom_fields": {"tnt__note": "n\u{0}"}}), "custom_fields.tnt__note"),
        (
            json!({"custom_schema_spec": spec, "custom_fields": {"tnt__labels": ["a", "\u{0}"]}}),
            "custom_fields.tnt__labels[1]",
        ),
    ];
    for (mut body, field) in cases {
        // Each body also carries a valid change, which must not be written either.
        body["id"] = user["id"].clone();
        body["email"] = json!("changed@example.com");
        assert_nul(&app.post("/rev-users.update", body).await, field);
        assert_eq!(app.get_rev_user(user["id"].as_str().unwrap()).await, user, "{field}: nothing written");
    }
    // The same text without the NUL is accepted: the refusal is about the character alone.
    let a = app.post("/rev-users.update", json!({"id": user["id"], "display_name": "Ada"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
}

/// How many objects `path` lists.
async fn count(app: &TestApp, path: &str, key: &str) -> usize {
    let a = app.post(path, json!({"limit": 100})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body[key].as_array().unwrap().len()
}

async fn nul_in_a_created_object_creates_nothing(app: TestApp) {
    let users = count(&app, "/rev-users.list", "rev_users").await;
    for (body, field) in [
        (json!({"display_name": "\u{0}"}), "display_name"),
        (json!({"display_name": "Ada", "description": "a\u{0}"}), "description"),
        (json!({"display_name": "Ada", "external_ref": "\u{0}ada"}), "external_ref"),
    ] {
        assert_nul(&app.post("/rev-users.create", body).await, field);
    }
    assert_eq!(count(&app, "/rev-users.list", "rev_users").await, users, "no contact created");
    let tag = app.post("/tags.create", json!({"name": "vip"})).await;
    assert_eq!(tag.status, 201, "{:#}", tag.body);
    assert_nul(&app.post("/tags.create", json!({"name": "v\u{0}ip"})).await, "name");
    assert_eq!(count(&app, "/tags.list", "tags").await, 1, "no tag created");
    let id = tag.body["tag"]["id"].clone();
    assert_nul(&app.post("/tags.update", json!({"id": id, "name": "vip\u{0}"})).await, "name");
    assert_nul(
        &app.post("/tags.update", json!({"id": id, "allowed_values": ["a", "\u{0}"]})).await,
        "allowed_values[1]",
    );
    let got = app.post("/tags.get", json!({"id": id})).await;
    assert_eq!(got.body["tag"], tag.body["tag"], "the tag unchanged");
}

async fn nul_in_a_query_string_or_list_filter_is_refused(app: TestApp) {
    contact_with_custom_fields(&app).await;
    // GET twins: percent-encoded, in a list item, under a nested key, and JSON-escaped.
    for (query, field) in [
        ("email=a%00b", "email"),
        ("email=a@example.com,%00", "email"),
        ("created_date.after=%00", "created_date.after"),
        (r#"custom_fields={"tnt__note":"f\u0000"}"#, "custom_fields.tnt__note"),
    ] {
        assert_nul(&app.get("/rev-users.list", query).await, field);
    }
    assert_nul(&app.get("/rev-users.get", "id=REVU-1%00").await, "id");
    assert_nul(&app.get("/tags.list", "name=v%00ip").await, "name");
    // The POST form of the same filters.
    let a = app.post("/rev-users.list", json!({"email": ["a@example.com", "\u{0}"]})).await;
    assert_nul(&a, "email[1]");
    let a = app.post("/rev-users.list", json!({"custom_fields": {"tnt__note": ["\u{0}"]}})).await;
    assert_nul(&a, "custom_fields.tnt__note[0]");
    // The escape outside JSON is six characters of text, a filter like any other.
    let a = app.get("/rev-users.list", r"email=%5Cu0000").await;
    assert_eq!((a.status, a.body["rev_users"].as_array().map(Vec::len)), (200, Some(0)), "{:#}", a.body);
}

async fn nul_in_an_upload_form_stores_nothing(app: TestApp) {
    let prepared = prepare(&app, "x.bin", None).await;
    let mut form = reqwest::multipart::Form::new();
    for f in prepared["form_data"].as_array().unwrap() {
        form = form.text(f["key"].as_str().unwrap().to_owned(), f["value"].as_str().unwrap().to_owned());
    }
    form = form
        .text("Content-Type", "text/pl\u{0}ain")
        .part("file", reqwest::multipart::Part::bytes(b"abc".to_vec()).file_name("x.bin"));
    let a = send(app.raw.post(prepared["url"].as_str().unwrap()).multipart(form)).await;
    assert_nul(&a, "Content-Type");
    assert_error(&app.post("/artifacts.locate", json!({"id": prepared["id"]})).await, 404, "not_found");
}
