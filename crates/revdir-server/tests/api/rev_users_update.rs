//! `POST /rev-users.update`: every field of this slice, every error, nothing half-written.

use serde_json::{json, Value};

use crate::helpers::{assert_error, TestApp};
use crate::on_both_backends;

on_both_backends!(
    updates_each_field_and_keeps_the_rest,
    answer_equals_a_fresh_get,
    phone_numbers_replace_clear_and_validate,
    external_refs_are_unique_per_org,
    tags_replace_and_respect_allowed_values,
    ids_in_either_form_and_bad_ids,
    decode_errors_name_the_field,
    custom_fields_outside_any_schema_are_refused_not_dropped,
    missing_and_foreign_users_are_not_found,
    concurrent_updates_lose_no_field,
);

async fn updates_each_field_and_keeps_the_rest(app: TestApp) {
    let created = app
        .create_rev_user(json!({"display_name": "Ada", "email": "ada@example.com", "description": "first",
            "phone_numbers": ["+14155550100"], "external_ref": "crm-1"}))
        .await;
    let id = created["id"].as_str().unwrap();
    let cases: Vec<(Value, &str, Value)> = vec![
        (json!({"display_name": "Ada L."}), "display_name", json!("Ada L.")),
        (json!({"description": "billing contact"}), "description", json!("billing contact")),
        (json!({"email": "ada@lovelace.dev"}), "email", json!("ada@lovelace.dev")),
        (json!({"external_ref": "crm-2"}), "external_ref", json!("crm-2")),
        (json!({"external_refs": ["crm-2", "zendesk-9"]}), "external_refs", json!(["crm-2", "zendesk-9"])),
    ];
    let mut previous = created.clone();
    for (patch, field, expected) in cases {
        let mut body = patch.clone();
        body["id"] = json!(id);
        let a = app.post("/rev-users.update", body).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let user = &a.body["rev_user"];
        assert_eq!(user[field], expected, "{field}");
        for keep in ["display_id", "created_date", "created_by", "state", "is_verified"] {
            assert_eq!(user[keep], created[keep], "{keep} must never change");
        }
        for (k, v) in previous.as_object().unwrap() {
            if k != field
                && k != "modified_date"
                && k != "modified_by"
                && !(field == "external_ref" && k == "external_refs")
            {
                assert_eq!(&user[k], v, "{k} changed although only {field} was sent");
            }
        }
        assert!(
            user["modified_date"].as_str().unwrap() > previous["modified_date"].as_str().unwrap(),
            "modified_date moves forward"
        );
        assert_eq!(user["modified_by"]["id"], created["created_by"]["id"]);
        assert_eq!(user["modified_by"]["type"], "dev_user");
        previous = user.clone();
    }
    // An update with only the id changes nothing but the modification stamp.
    let a = app.post("/rev-users.update", json!({"id": id})).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["rev_user"]["email"], "ada@lovelace.dev");
    // An empty description clears it.
    let a = app.post("/rev-users.update", json!({"id": id, "description": ""})).await;
    assert!(a.body["rev_user"].get("description").is_none(), "{:#}", a.body);
}

async fn answer_equals_a_fresh_get(app: TestApp) {
    let tag = app.post("/tags.create", json!({"name": "vip", "allowed_values": ["gold"]})).await;
    let u = app.create_rev_user(json!({"display_name": "Grace"})).await;
    let a = app
        .post(
            "/rev-users.update",
            json!({"id": u["display_id"], "email": "g@example.com", "phone_numbers": ["+447911123456"],
                "tags": [{"id": tag.body["tag"]["id"], "value": "gold"}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["rev_user"], app.get_rev_user(u["id"].as_str().unwrap()).await);
    assert!(a.body["rev_user"].get("type").is_none(), "full objects carry no type");
    assert_eq!(a.body["rev_user"]["created_by"]["type"], "dev_user", "summaries do");
    let date = a.body["rev_user"]["modified_date"].as_str().unwrap();
    assert_eq!(date.len(), "2025-01-10T09:15:00.000Z".len(), "milliseconds: {date}");
    // A patch of the row alone takes the one-statement path; its answer still carries the
    // tags, workspace and summaries read along with the row.
    let account = app.post("/accounts.create", json!({"display_name": "Analytical Engines"})).await;
    assert_eq!(account.status, 201, "{:#}", account.body);
    let w = app
        .create_rev_user(json!({"display_name": "Ada", "account": account.body["account"]["id"],
        "tags": [{"id": tag.body["tag"]["id"], "value": "gold"}]}))
        .await;
    let b = app.post("/rev-users.update", json!({"id": w["id"], "description": "first programmer"})).await;
    assert_eq!(b.status, 200, "{:#}", b.body);
    assert_eq!(b.body["rev_user"], app.get_rev_user(w["id"].as_str().unwrap()).await);
    assert_eq!(b.body["rev_user"]["tags"][0]["tag"]["name"], "vip", "{:#}", b.body);
    assert!(b.body["rev_user"]["rev_org"]["display_name"].is_string(), "{:#}", b.body);
}

async fn phone_numbers_replace_clear_and_validate(app: TestApp) {
    let u = app.create_rev_user(json!({"phone_numbers": ["+14155550100"]})).await;
    let id = u["id"].clone();
    let a = app.post("/rev-users.update", json!({"id": id, "phone_numbers": ["+447911123456", "+14155550101"]})).await;
    assert_eq!(a.body["rev_user"]["phone_numbers"], json!(["+447911123456", "+14155550101"]));
    for bad in [json!(["4155550100"]), json!(["+1 415 555 0100"]), json!(["+14155550100", "call me"]), json!([""])] {
        let a = app.post("/rev-users.update", json!({"id": id, "phone_numbers": bad})).await;
        assert_error(&a, 400, "value_not_permitted");
        assert_eq!(a.body["field_name"], "phone_numbers");
    }
    let a = app.post("/rev-users.update", json!({"id": id, "phone_numbers": [5]})).await;
    assert_error(&a, 400, "unexpected_json_type");
    assert_eq!(
        app.get_rev_user(id.as_str().unwrap()).await["phone_numbers"],
        json!(["+447911123456", "+14155550101"]),
        "rejected updates change nothing"
    );
    let a = app.post("/rev-users.update", json!({"id": id, "phone_numbers": []})).await;
    assert_eq!(a.status, 200);
    assert!(a.body["rev_user"].get("phone_numbers").is_none(), "[] clears: {:#}", a.body);
}

async fn external_refs_are_unique_per_org(app: TestApp) {
    let a = app.create_rev_user(json!({"external_ref": "crm-1"})).await;
    let b = app.create_rev_user(json!({"external_ref": "crm-2", "display_name": "B"})).await;
    let r =
        app.post("/rev-users.update", json!({"id": b["id"], "external_ref": "crm-1", "display_name": "changed"})).await;
    assert_error(&r, 409, "conflict");
    assert!(r.body["message"].as_str().unwrap().contains(a["display_id"].as_str().unwrap()), "{:#}", r.body);
    let r = app.post("/rev-users.update", json!({"id": b["id"], "external_refs": ["x", "crm-1"]})).await;
    assert_error(&r, 409, "conflict");
    let b_now = app.get_rev_user(b["id"].as_str().unwrap()).await;
    assert_eq!(b_now, b, "a refused update writes nothing");
    // The same value again on the same contact is fine; a freed value can be taken.
    let r = app.post("/rev-users.update", json!({"id": a["id"], "external_ref": "crm-1"})).await;
    assert_eq!(r.status, 200);
    let r = app.post("/rev-users.update", json!({"id": a["id"], "external_ref": "crm-9"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["rev_user"]["external_refs"], json!(["crm-9"]), "external_refs follows external_ref");
    let r = app.post("/rev-users.update", json!({"id": b["id"], "external_ref": "crm-1"})).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    // Another dev org may use the same value.
    let other = app.other_org_token().await;
    let r = app.post_as(&other, "/rev-users.create", json!({"external_ref": "crm-1"})).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
}

async fn tags_replace_and_respect_allowed_values(app: TestApp) {
    let vip = app.post("/tags.create", json!({"name": "vip", "allowed_values": ["gold", "silver"]})).await.body["tag"]
        .clone();
    let beta = app.post("/tags.create", json!({"name": "beta"})).await.body["tag"].clone();
    let u = app.create_rev_user(json!({})).await;
    let id = u["id"].clone();
    let a = app
        .post(
            "/rev-users.update",
            json!({"id": id, "tags": [{"id": vip["display_id"], "value": "gold"}, {"id": beta["id"]}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let tags = &a.body["rev_user"]["tags"];
    assert_eq!(tags[0]["tag"]["id"], vip["id"]);
    assert_eq!(tags[0]["tag"]["name"], "vip");
    assert_eq!(tags[0]["value"], "gold");
    assert_eq!(tags[1]["tag"]["display_id"], beta["display_id"]);
    assert!(tags[1].get("value").is_none());

    let before = app.get_rev_user(id.as_str().unwrap()).await;
    let a = app.post("/rev-users.update", json!({"id": id, "tags": [{"id": vip["id"], "value": "bronze"}]})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "tags[0].value");
    assert_eq!(a.body["allowed_values"], json!(["gold", "silver"]));
    let a = app.post("/rev-users.update", json!({"id": id, "tags": [{"id": beta["id"], "value": "x"}]})).await;
    assert_error(&a, 400, "value_not_permitted");
    let a = app.post("/rev-users.update", json!({"id": id, "tags": [{"id": "TAG-999"}]})).await;
    assert_error(&a, 400, "value_not_permitted");
    let a = app.post("/rev-users.update", json!({"id": id, "tags": [{"id": "REVU-1"}]})).await;
    assert_error(&a, 400, "unexpected_id_type");
    let a = app.post("/rev-users.update", json!({"id": id, "tags": [{"value": "gold"}]})).await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(a.body["field_name"], "tags[0].id");
    assert_eq!(app.get_rev_user(id.as_str().unwrap()).await, before, "rejected tag updates write nothing");

    let a = app.post("/rev-users.update", json!({"id": id, "tags": [{"id": vip["id"], "value": "silver"}]})).await;
    assert_eq!(a.body["rev_user"]["tags"].as_array().unwrap().len(), 1, "whole-list replace");
    let a = app.post("/rev-users.update", json!({"id": id, "tags": []})).await;
    assert!(a.body["rev_user"].get("tags").is_none());
}

async fn ids_in_either_form_and_bad_ids(app: TestApp) {
    let u = app.create_rev_user(json!({})).await;
    for id in [u["id"].clone(), u["display_id"].clone()] {
        let a = app.post("/rev-users.update", json!({"id": id, "display_name": "x"})).await;
        assert_eq!(a.status, 200, "{id}: {:#}", a.body);
    }
    for bad in ["", "nope", "REVU-", "REVU-abc", "don:identity:dvrv-us-1"] {
        let a = app.post("/rev-users.update", json!({"id": bad})).await;
        assert_error(&a, 400, "invalid_id");
        assert_eq!(a.body["field_name"], "id");
    }
    for wrong in ["TAG-1", "SYSU-1", "don:identity:dvrv-us-1:devo/abc:devu/1"] {
        let a = app.post("/rev-users.update", json!({"id": wrong})).await;
        assert_error(&a, 400, "unexpected_id_type");
    }
}

async fn decode_errors_name_the_field(app: TestApp) {
    let raw = |body: &'static str| {
        app.raw
            .post(format!("{}/rev-users.update", app.addr))
            .bearer_auth(&app.token)
            .header("content-type", "application/json")
            .body(body)
    };
    let a = app.send_checked("/rev-users.update", "POST", raw("{\"id\": ")).await;
    assert_error(&a, 400, "parse_error");
    let a = app.send_checked("/rev-users.update", "POST", raw("[1, 2]")).await;
    assert_error(&a, 400, "bad_request");
    let a = app.post("/rev-users.update", json!({"display_name": "x"})).await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(a.body["field_name"], "id");
    let a = app.post("/rev-users.update", json!({"id": "REVU-1", "display_name": 5})).await;
    assert_error(&a, 400, "unexpected_json_type");
    assert_eq!(a.body["field_name"], "display_name");
    assert_eq!(a.body["expected"], "string");
    assert_eq!(a.body["actual"], "number");
    let a = app.post("/rev-users.update", json!({"id": "REVU-1", "tags": {"id": "TAG-1"}})).await;
    assert_eq!((a.body["expected"].as_str(), a.body["actual"].as_str()), (Some("array"), Some("object")));
    let a = app.post("/rev-users.update", json!({"id": "REVU-1", "email": "not an email"})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "email");
}

/// Custom fields are validated against schema fragments (§6.3); with no fragment defined,
/// every custom field is refused (never dropped) and the rest of the request is not applied.
async fn custom_fields_outside_any_schema_are_refused_not_dropped(app: TestApp) {
    let u = app.create_rev_user(json!({"display_name": "kept"})).await;
    let org = u["id"].as_str().unwrap().split(':').nth(3).unwrap().to_owned();
    let missing = format!("don:core:dvrv-us-1:{org}:tenant_fragment/999");
    for (extra, subtype, field) in [
        (json!({"custom_fields": {"tnt__x": 1}}), "field_not_in_schema", "tnt__x"),
        (
            json!({"custom_fields": {"tnt__x": 1}, "custom_schema_spec": {"tenant_fragment": true}}),
            "field_not_in_schema",
            "tnt__x",
        ),
        (json!({"custom_schema_fragments": {"set": [missing]}}), "fragment_not_found", "custom_schema_fragments"),
        (json!({"custom_schema_spec": {"subtype": "nope"}}), "fragment_not_found", "custom_schema_spec.subtype"),
    ] {
        let mut body = extra.clone();
        body["id"] = u["id"].clone();
        body["display_name"] = json!("changed");
        let a = app.post("/rev-users.update", body).await;
        assert_error(&a, 400, "customization_validation_error");
        assert_eq!(
            (a.body["subtype"].as_str(), a.body["field_name"].as_str()),
            (Some(subtype), Some(field)),
            "{extra}"
        );
    }
    assert_eq!(app.get_rev_user(u["id"].as_str().unwrap()).await, u);
}

async fn missing_and_foreign_users_are_not_found(app: TestApp) {
    let u = app.create_rev_user(json!({"display_name": "mine"})).await;
    let a = app.post("/rev-users.update", json!({"id": "REVU-999", "display_name": "x"})).await;
    assert_error(&a, 404, "not_found");
    let other = app.other_org_token().await;
    for id in [u["id"].clone(), u["display_id"].clone()] {
        let a = app.post_as(&other, "/rev-users.update", json!({"id": id, "display_name": "stolen"})).await;
        assert_error(&a, 404, "not_found");
        let a = app.post_as(&other, "/rev-users.get", json!({"id": id})).await;
        assert_error(&a, 404, "not_found");
        let a = app.post_as(&other, "/rev-users.delete", json!({"id": id})).await;
        assert_error(&a, 404, "not_found");
    }
    let a = app.post_as(&other, "/rev-users.list", json!({})).await;
    assert_eq!(a.body["rev_users"], json!([]), "another org's contacts never appear");
    assert_eq!(app.get_rev_user(u["id"].as_str().unwrap()).await, u);
}

async fn concurrent_updates_lose_no_field(app: TestApp) {
    let u = app.create_rev_user(json!({})).await;
    let id = u["id"].as_str().unwrap().to_owned();
    let fields = ["display_name", "description", "email", "external_ref"];
    let mut tasks = Vec::new();
    for round in 0..6 {
        for field in fields {
            let (raw, addr, token, id) = (app.raw.clone(), app.addr.clone(), app.token.clone(), id.clone());
            let value = if field == "email" { format!("r{round}@example.com") } else { format!("{field}-{round}") };
            tasks.push(tokio::spawn(async move {
                let r = raw
                    .post(format!("{addr}/rev-users.update"))
                    .bearer_auth(token)
                    .json(&json!({"id": id, field: value}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let now = app.get_rev_user(&id).await;
    // The contact started without these fields (and with external_ref REVU-n): each now
    // holds a value some request wrote, so no request's write was lost to another's.
    assert!(now["display_name"].as_str().unwrap().starts_with("display_name-"));
    assert!(now["description"].as_str().unwrap().starts_with("description-"));
    assert!(now["email"].as_str().unwrap().ends_with("@example.com"));
    assert!(now["external_ref"].as_str().unwrap().starts_with("external_ref-"));
}
