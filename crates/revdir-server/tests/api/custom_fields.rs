//! Custom fields on rev users, accounts and rev orgs (§6.3–6.5) on both backends: values of
//! every field type, every validation subtype, per-key merges, fragments and subtypes on
//! objects, reads against current fragment versions, conditions, and list filters.

use serde_json::{json, Value};

use crate::helpers::{assert_error, Answer, TestApp};
use crate::on_both_backends;
use crate::schemas::{assert_customization, composites, every_type, org_segment, set_fragment, tenant};

on_both_backends!(
    every_field_type_takes_its_values_and_refuses_others,
    keys_merge_and_null_clears,
    every_validation_subtype_is_reported_and_writes_nothing,
    fragments_subtypes_and_apps_on_objects,
    reads_follow_the_current_fragment_versions,
    defaults_required_and_immutable_fields,
    conditions_apply_their_effects,
    accounts_and_rev_orgs_take_custom_fields,
    lists_filter_on_custom_fields,
);

/// Updates a contact; asserts 200 and answers it.
async fn update(app: &TestApp, id: &Value, body: Value) -> Value {
    let mut body = body;
    body["id"] = id.clone();
    let a = app.post("/rev-users.update", body.clone()).await;
    assert_eq!(a.status, 200, "{body}: {:#}", a.body);
    a.body["rev_user"].clone()
}

/// Posts an update expected to fail; asserts the contact did not change.
async fn refused(app: &TestApp, user: &Value, body: Value) -> Answer {
    let mut body = body;
    body["id"] = user["id"].clone();
    let a = app.post("/rev-users.update", body).await;
    assert_eq!(a.status, 400, "{:#}", a.body);
    assert_eq!(&app.get_rev_user(user["id"].as_str().unwrap()).await, user, "a refused update writes nothing");
    a
}

fn spec() -> Value {
    json!({"tenant_fragment": true})
}

async fn every_field_type_takes_its_values_and_refuses_others(app: TestApp) {
    let org = org_segment(&app).await;
    let mut body = tenant("rev_user", every_type());
    body["composite_schemas"] = composites();
    let fragment = set_fragment(&app, body).await;
    let created = app.create_rev_user(json!({"custom_schema_spec": spec()})).await;
    assert_eq!(created["custom_schema_fragments"], json!([fragment]));
    assert_eq!(created["custom_fields"], json!({"tnt__int_f": 7, "tnt__bool_f": false}), "defaults fill in");
    let n = created["display_id"].as_str().unwrap().strip_prefix("REVU-").unwrap().to_owned();
    let me = format!("don:identity:dvrv-us-1:{org}:revu/{n}");
    let values = json!({
        "tnt__text_f": "amz", "tnt__rich_f": "**bold**", "tnt__tokens_f": "abc", "tnt__int_f": 42,
        "tnt__double_f": 2.5, "tnt__bool_f": true, "tnt__enum_f": "gold", "tnt__uenum_f": 2,
        "tnt__date_f": "2024-02-29", "tnt__ts_f": "2024-02-29T10:00:00.5+01:00", "tnt__id_f": created["display_id"],
        "tnt__json_f": {"any": [1, null]}, "tnt__struct_f": {"a": 1}, "tnt__composite_f": {"city": "Paris", "zip": 75001},
        "tnt__texts_f": ["a", "bb"], "tnt__ints_f": [1, 2], "tnt__enums_f": ["a", "b", "a"], "tnt__ids_f": ["TAG-1"],
        "tnt__dates_f": ["2024-01-01"], "tnt__bools_f": [true, false], "tnt__doubles_f": [1.5, 2],
        "tnt__tss_f": ["2024-01-01T00:00:00Z"], "tnt__uenums_f": [5], "tnt__riches_f": ["x"], "tnt__tokenss_f": ["y"],
        "tnt__jsons_f": [1, "a", {"b": 2}], "tnt__structs_f": [{}], "tnt__composites_f": [{"city": "Oslo"}]
    });
    let mut expected = values.clone();
    // Ids are stored (and answered) as DONs of the caller's org.
    expected["tnt__id_f"] = json!(me);
    expected["tnt__ids_f"] = json!([format!("don:core:dvrv-us-1:{org}:tag/1")]);
    let u = update(&app, &created["id"], json!({"custom_schema_spec": spec(), "custom_fields": values})).await;
    assert_eq!(u["custom_fields"], expected);
    assert_eq!(app.get_rev_user(u["id"].as_str().unwrap()).await, u);
    let other_org = "don:identity:dvrv-us-1:devo/Other1:revu/1";
    let own_org = format!("don:identity:dvrv-us-1:{org}");
    let cases: Vec<(&str, Value, &str)> = vec![
        ("tnt__text_f", json!(5), "wrong_type"),
        ("tnt__text_f", json!("amzzzzzzzz"), "invalid_argument"),
        ("tnt__text_f", json!("bmz"), "invalid_argument"),
        ("tnt__text_f", json!("az"), "invalid_argument"),
        ("tnt__text_f", json!("amz!z"), "invalid_argument"),
        ("tnt__rich_f", json!("x".repeat(21)), "invalid_argument"),
        ("tnt__tokens_f", json!("ab"), "invalid_argument"),
        ("tnt__int_f", json!(100), "invalid_argument"),
        ("tnt__int_f", json!(-1), "invalid_argument"),
        ("tnt__int_f", json!(1.5), "wrong_type"),
        ("tnt__int_f", json!("3"), "wrong_type"),
        ("tnt__double_f", json!("2.5"), "wrong_type"),
        ("tnt__bool_f", json!("true"), "wrong_type"),
        ("tnt__enum_f", json!("bronze"), "enum_out_of_range"),
        ("tnt__enum_f", json!(1), "wrong_type"),
        ("tnt__uenum_f", json!(3), "enum_out_of_range"),
        ("tnt__uenum_f", json!("1"), "wrong_type"),
        ("tnt__date_f", json!("2023-02-29"), "date_parse_error"),
        ("tnt__date_f", json!("29/02/2024"), "date_parse_error"),
        ("tnt__date_f", json!(20240229), "wrong_type"),
        ("tnt__ts_f", json!("2024-02-29"), "timestamp_parse_error"),
        ("tnt__ts_f", json!("yesterday"), "timestamp_parse_error"),
        ("tnt__id_f", json!("nonsense"), "id_parse_error"),
        ("tnt__id_f", json!("TAG-1"), "id_type_not_allowed"),
        ("tnt__id_f", json!(own_org), "bad_id_type"),
        ("tnt__id_f", json!(other_org), "invalid_argument"),
        ("tnt__struct_f", json!([1]), "wrong_type"),
        ("tnt__unknown_f", json!(1), "unsupported_type"),
        ("tnt__texts_f", json!([]), "invalid_argument"),
        ("tnt__texts_f", json!(["a", "b", "c", "d"]), "invalid_argument"),
        ("tnt__texts_f", json!(["toolong"]), "invalid_argument"),
        ("tnt__texts_f", json!("a"), "wrong_type"),
        ("tnt__texts_f", json!([null]), "wrong_type"),
        ("tnt__ints_f", json!([1]), "invalid_argument"),
        ("tnt__ints_f", json!([0, 1]), "invalid_argument"),
        ("tnt__enums_f", json!(["c"]), "enum_out_of_range"),
        ("tnt__ids_f", json!([created["display_id"]]), "id_type_not_allowed"),
        ("tnt__dates_f", json!(["x"]), "date_parse_error"),
        ("tnt__bools_f", json!([1]), "wrong_type"),
        ("tnt__uenums_f", json!([6]), "enum_out_of_range"),
        ("tnt__tss_f", json!(["2024"]), "timestamp_parse_error"),
    ];
    for (key, value, subtype) in cases {
        let a = refused(&app, &u, json!({"custom_schema_spec": spec(), "custom_fields": {key: value}})).await;
        assert_customization(&a, subtype, key);
    }
    for (value, field, subtype) in [
        (json!({"city": 5}), "tnt__composite_f.city", "wrong_type"),
        (json!({"street": "x"}), "tnt__composite_f.street", "field_not_in_schema"),
        (json!("Paris"), "tnt__composite_f", "wrong_type"),
    ] {
        let a = refused(&app, &u, json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__composite_f": value}}))
            .await;
        assert_customization(&a, subtype, field);
    }
    let a = refused(
        &app,
        &u,
        json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__composites_f": [{"city": "a"}, {"zip": "x"}]}}),
    )
    .await;
    assert_customization(&a, "wrong_type", "tnt__composites_f.zip");
    // Null clears any type, except fields of type unknown, which never hold a value.
    let cleared = update(
        &app,
        &u["id"],
        json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__json_f": null, "tnt__unknown_f": null}}),
    )
    .await;
    assert!(cleared["custom_fields"].get("tnt__json_f").is_none());
}

async fn keys_merge_and_null_clears(app: TestApp) {
    set_fragment(
        &app,
        tenant(
            "rev_user",
            json!([{"name": "a", "field_type": "text"}, {"name": "b", "field_type": "int"},
            {"name": "c", "field_type": "bool"}]),
        ),
    )
    .await;
    let u = app
        .create_rev_user(
            json!({"display_name": "Ada", "custom_schema_spec": spec(), "custom_fields": {"tnt__a": "x", "tnt__b": 1}}),
        )
        .await;
    assert_eq!(u["custom_fields"], json!({"tnt__a": "x", "tnt__b": 1}));
    let v = update(&app, &u["id"], json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__a": "y"}})).await;
    assert_eq!(v["custom_fields"], json!({"tnt__a": "y", "tnt__b": 1}), "absent keys keep their values");
    let v = update(
        &app,
        &u["id"],
        json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__b": null, "tnt__c": false}}),
    )
    .await;
    assert_eq!(v["custom_fields"], json!({"tnt__a": "y", "tnt__c": false}), "null clears a key");
    let w = update(&app, &u["id"], json!({"display_name": "Ada L."})).await;
    assert_eq!(w["custom_fields"], v["custom_fields"], "other updates keep custom fields");
    assert_eq!(w["custom_schema_fragments"], v["custom_schema_fragments"]);
    let x = update(&app, &u["id"], json!({"custom_schema_spec": spec(), "custom_fields": {}})).await;
    assert_eq!(x["custom_fields"], v["custom_fields"]);
    assert!(x["modified_date"].as_str() > w["modified_date"].as_str());
    let y = update(
        &app,
        &u["id"],
        json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__a": null, "tnt__c": null}}),
    )
    .await;
    assert!(y.get("custom_fields").is_none(), "no values, no custom_fields: {y:#}");
    assert!(y["custom_schema_fragments"].is_array(), "the fragment stays attached");
}

async fn every_validation_subtype_is_reported_and_writes_nothing(app: TestApp) {
    let v1 = set_fragment(
        &app,
        tenant("rev_user", json!([{"name": "a", "field_type": "text"}, {"name": "gone", "field_type": "int"},
            {"name": "req", "field_type": "int", "is_required": true}, {"name": "imm", "field_type": "text", "is_immutable": true}])),
    )
    .await;
    let account_tenant = set_fragment(&app, tenant("account", json!([]))).await;
    set_fragment(
        &app,
        json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "d", "subtype": "gold",
        "fields": [{"name": "level", "field_type": "int"}]}),
    )
    .await;
    set_fragment(
        &app,
        json!({"type": "app_fragment", "leaf_type": "rev_user", "description": "d", "app": "crm",
        "fields": [{"name": "score", "field_type": "int"}]}),
    )
    .await;
    let u = app
        .create_rev_user(
            json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__a": "x", "tnt__req": 1, "tnt__imm": "fixed"}}),
        )
        .await;
    // A new version drops `gone`; the old version's id is now stale.
    let mut v2_body = tenant(
        "rev_user",
        json!([{"name": "a", "field_type": "text"},
        {"name": "req", "field_type": "int", "is_required": true}, {"name": "imm", "field_type": "text", "is_immutable": true}]),
    );
    v2_body["deleted_fields"] = json!(["gone"]);
    let v2 = set_fragment(&app, v2_body).await;
    let u = app.get_rev_user(u["id"].as_str().unwrap()).await;
    assert_eq!(u["custom_schema_fragments"], json!([v2]));
    let org = org_segment(&app).await;
    let unknown = format!("don:core:dvrv-us-1:{org}:tenant_fragment/999");
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"custom_fields": {"plain": 1}, "custom_schema_spec": spec()}), "field_not_in_schema", "plain"),
        (json!({"custom_fields": {"tnt__a": "y"}}), "field_not_in_schema", "tnt__a"),
        (json!({"custom_fields": {"tnt__nope": 1}, "custom_schema_spec": spec()}), "field_not_in_schema", "tnt__nope"),
        (
            json!({"custom_fields": {"ctype__level": 1}, "custom_schema_spec": spec()}),
            "field_not_in_schema",
            "ctype__level",
        ),
        (
            json!({"custom_fields": {"crm__score": 1}, "custom_schema_spec": spec()}),
            "field_not_in_schema",
            "crm__score",
        ),
        (
            json!({"custom_fields": {"other__score": 1}, "custom_schema_spec": {"apps": ["crm"]}}),
            "field_not_in_schema",
            "other__score",
        ),
        (json!({"custom_fields": {"tnt__gone": 1}, "custom_schema_spec": spec()}), "field_dropped", "tnt__gone"),
        (json!({"custom_fields": {"tnt__a": 1}, "custom_schema_spec": spec()}), "wrong_type", "tnt__a"),
        (json!({"custom_fields": {"tnt__imm": "other"}, "custom_schema_spec": spec()}), "field_immutable", "tnt__imm"),
        (json!({"custom_fields": {"tnt__imm": null}, "custom_schema_spec": spec()}), "field_immutable", "tnt__imm"),
        (
            json!({"custom_fields": {"tnt__req": null}, "custom_schema_spec": {"tenant_fragment": true, "validate_required_fields": true}}),
            "field_required",
            "tnt__req",
        ),
        (json!({"custom_schema_spec": {"subtype": "silver"}}), "fragment_not_found", "custom_schema_spec.subtype"),
        (json!({"custom_schema_spec": {"apps": ["erp"]}}), "fragment_not_found", "custom_schema_spec.apps"),
        (json!({"custom_schema_spec": {"subtype": "Not valid"}}), "fragment_not_found", "custom_schema_spec.subtype"),
        (json!({"custom_schema_fragments": {"set": [unknown]}}), "fragment_not_found", "custom_schema_fragments"),
        (
            json!({"custom_schema_fragments": {"set": [account_tenant]}}),
            "fragment_not_found",
            "custom_schema_fragments",
        ),
        (json!({"custom_schema_fragments": {"set": [v2, v2]}}), "invalid_argument", "custom_schema_fragments"),
        (
            json!({"custom_schema_spec": {"subtype": "gold", "drop": {"subtype": true}}}),
            "invalid_argument",
            "custom_schema_spec.drop.subtype",
        ),
        (
            json!({"custom_schema_spec": {"apps": ["crm"], "drop": {"apps": ["crm"]}}}),
            "invalid_argument",
            "custom_schema_spec.drop.apps",
        ),
    ];
    for (body, subtype, field) in cases {
        let a = refused(&app, &u, body.clone()).await;
        assert_customization(&a, subtype, field);
    }
    // Superseded fragment ids are stale, whatever else the request holds.
    let a =
        refused(&app, &u, json!({"custom_schema_fragments": {"set": [v1]}, "custom_fields": {"tnt__a": "y"}})).await;
    assert_error(&a, 400, "stale_schema_fragments");
    assert!(a.body["message"].as_str().unwrap().contains(&v2), "{:#}", a.body);
    let a = refused(&app, &u, json!({"custom_schema_fragments": {"set": ["REVU-1"]}})).await;
    assert_error(&a, 400, "unexpected_id_type");
    let a = refused(&app, &u, json!({"custom_schema_fragments": {"set": ["nope"]}})).await;
    assert_error(&a, 400, "invalid_id");
    // Creates refuse the same way and create nothing.
    let a = app
        .post(
            "/rev-users.create",
            json!({"display_name": "ghost", "custom_fields": {"tnt__a": 1}, "custom_schema_spec": spec()}),
        )
        .await;
    assert_customization(&a, "wrong_type", "tnt__a");
    let listed = app.post("/rev-users.list", json!({})).await;
    assert_eq!(listed.body["rev_users"].as_array().unwrap().len(), 1, "{:#}", listed.body);
}

async fn fragments_subtypes_and_apps_on_objects(app: TestApp) {
    let t = set_fragment(&app, tenant("rev_user", json!([{"name": "a", "field_type": "text"}]))).await;
    let gold = set_fragment(
        &app,
        json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "d",
        "subtype": "gold", "fields": [{"name": "level", "field_type": "int"}]}),
    )
    .await;
    let crm = set_fragment(
        &app,
        json!({"type": "app_fragment", "leaf_type": "rev_user", "description": "d", "app": "crm",
        "fields": [{"name": "score", "field_type": "int"}]}),
    )
    .await;
    let u = app
        .create_rev_user(json!({"custom_schema_spec": {"tenant_fragment": true, "subtype": "gold", "apps": ["crm"]},
            "custom_fields": {"tnt__a": "x", "ctype__level": 2, "crm__score": 9}}))
        .await;
    assert_eq!(u["subtype"], "gold");
    assert_eq!(u["custom_schema_fragments"], json!([t, gold, crm]));
    assert_eq!(u["stock_schema_fragment"], "don:core:dvrv-us-1:stock_sf/4");
    assert_eq!(u["custom_fields"], json!({"tnt__a": "x", "ctype__level": 2, "crm__score": 9}));
    // A request naming only one fragment leaves the others alone.
    let v =
        update(&app, &u["id"], json!({"custom_schema_spec": {"apps": ["crm"]}, "custom_fields": {"crm__score": 10}}))
            .await;
    assert_eq!(v["custom_fields"], json!({"tnt__a": "x", "ctype__level": 2, "crm__score": 10}));
    let v = update(&app, &u["id"], json!({"custom_schema_spec": {"drop": {"apps": ["crm"]}}})).await;
    assert_eq!(v["custom_schema_fragments"], json!([t, gold]));
    assert_eq!(v["custom_fields"], json!({"tnt__a": "x", "ctype__level": 2}));
    let v = update(&app, &u["id"], json!({"custom_schema_spec": {"drop": {"subtype": true}}})).await;
    assert!(v.get("subtype").is_none(), "{v:#}");
    assert_eq!(v["custom_schema_fragments"], json!([t]));
    assert_eq!(v["custom_fields"], json!({"tnt__a": "x"}));
    // Explicit fragment ids replace the list and name their fragments.
    let v = update(
        &app,
        &u["id"],
        json!({"custom_schema_fragments": {"set": [t, gold]}, "custom_fields": {"ctype__level": 5}}),
    )
    .await;
    assert_eq!((v["subtype"].as_str(), v["custom_schema_fragments"].clone()), (Some("gold"), json!([t, gold])));
    assert_eq!(v["custom_fields"], json!({"tnt__a": "x", "ctype__level": 5}));
    let v = update(&app, &u["id"], json!({"custom_schema_fragments": {"set": []}})).await;
    assert!(
        v.get("custom_schema_fragments").is_none() && v.get("custom_fields").is_none() && v.get("subtype").is_none(),
        "{v:#}"
    );
    assert_eq!(app.get_rev_user(u["id"].as_str().unwrap()).await, v);
    // The deprecated create form takes a plain list.
    let w = app.create_rev_user(json!({"custom_schema_fragments": [gold], "custom_fields": {"ctype__level": 1}})).await;
    assert_eq!(w["subtype"], "gold");
    // The typed client reads the same shapes.
    let typed = app
        .client
        .rev_users_get(&revdir_api::rev_users::RevUsersGetRequest { id: w["id"].as_str().unwrap().to_owned() })
        .await
        .unwrap()
        .rev_user;
    assert_eq!(typed.subtype.as_deref(), Some("gold"));
    assert_eq!(typed.custom_schema_fragments, Some(vec![gold]));
}

async fn reads_follow_the_current_fragment_versions(app: TestApp) {
    let v1 = set_fragment(
        &app,
        tenant("rev_user", json!([{"name": "a", "field_type": "text"}, {"name": "b", "field_type": "int"}])),
    )
    .await;
    let u =
        app.create_rev_user(json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__a": "x", "tnt__b": 1}})).await;
    assert_eq!(u["custom_schema_fragments"], json!([v1]));
    let mut body =
        tenant("rev_user", json!([{"name": "a", "field_type": "text"}, {"name": "c", "field_type": "bool"}]));
    body["deleted_fields"] = json!(["b"]);
    let v2 = set_fragment(&app, body).await;
    let read = app.get_rev_user(u["id"].as_str().unwrap()).await;
    assert_eq!(read["custom_schema_fragments"], json!([v2]), "reads show the current version");
    assert_eq!(read["custom_fields"], json!({"tnt__a": "x"}), "values of removed fields are not shown");
    assert_eq!(read["modified_date"], u["modified_date"], "reading changes nothing");
    let listed = app.post("/rev-users.list", json!({})).await;
    assert_eq!(listed.body["rev_users"][0], read);
    let v = update(&app, &u["id"], json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__c": true}})).await;
    assert_eq!(v["custom_fields"], json!({"tnt__a": "x", "tnt__c": true}));
    let a = app.post("/rev-users.update", json!({"id": u["id"], "custom_schema_fragments": {"set": [v1]}})).await;
    assert_error(&a, 400, "stale_schema_fragments");
}

async fn defaults_required_and_immutable_fields(app: TestApp) {
    set_fragment(
        &app,
        tenant("rev_user", json!([
            {"name": "plan", "field_type": "enum", "allowed_values": ["free", "pro"], "default_value": "free", "is_required": true},
            {"name": "seats", "field_type": "int", "is_required": true},
            {"name": "code", "field_type": "text", "is_immutable": true}])),
    )
    .await;
    let strict = json!({"tenant_fragment": true, "validate_required_fields": true});
    let a = app.post("/rev-users.create", json!({"custom_schema_spec": strict})).await;
    assert_customization(&a, "field_required", "tnt__seats");
    let u = app
        .create_rev_user(json!({"custom_schema_spec": strict, "custom_fields": {"tnt__seats": 3, "tnt__code": "X"}}))
        .await;
    assert_eq!(u["custom_fields"], json!({"tnt__plan": "free", "tnt__seats": 3, "tnt__code": "X"}));
    let a = refused(&app, &u, json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__code": "Y"}})).await;
    assert_customization(&a, "field_immutable", "tnt__code");
    let same = update(&app, &u["id"], json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__code": "X"}})).await;
    assert_eq!(same["custom_fields"]["tnt__code"], "X");
    // Required fields are enforced only with validate_required_fields.
    let a = refused(&app, &same, json!({"custom_schema_spec": strict, "custom_fields": {"tnt__seats": null}})).await;
    assert_customization(&a, "field_required", "tnt__seats");
    let lax =
        update(&app, &u["id"], json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__seats": null}})).await;
    assert!(lax["custom_fields"].get("tnt__seats").is_none());
    // An immutable field without a value may be set once.
    let v = app.create_rev_user(json!({"custom_schema_spec": spec()})).await;
    let v =
        update(&app, &v["id"], json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__code": "first"}})).await;
    assert_eq!(v["custom_fields"]["tnt__code"], "first");
}

async fn conditions_apply_their_effects(app: TestApp) {
    let mut body = tenant(
        "rev_user",
        json!([
        {"name": "plan", "field_type": "enum", "allowed_values": ["free", "pro", "enterprise"]},
        {"name": "seats", "field_type": "int"}, {"name": "region", "field_type": "text"}, {"name": "locked", "field_type": "bool"}]),
    );
    body["conditions"] = json!([
        {"expression": "custom_fields.plan == \"pro\"", "effects": [{"fields": ["seats"], "require": true}]},
        {"expression": "custom_fields.plan == 'free'", "effects": [{"fields": ["region"], "invalid": true}]},
        {"expression": "custom_fields.locked == true", "effects": [{"fields": ["plan"], "immutable": true}]},
        {"expression": "custom_fields.plan == 'enterprise' && !(custom_fields.region == null)",
            "effects": [{"fields": ["region"], "allowed_values": ["eu", "us"]}]}
    ]);
    set_fragment(&app, body).await;
    let strict = json!({"tenant_fragment": true, "validate_required_fields": true});
    let a = app
        .post("/rev-users.create", json!({"custom_schema_spec": strict, "custom_fields": {"tnt__plan": "pro"}}))
        .await;
    assert_customization(&a, "field_required", "tnt__seats");
    let u = app
        .create_rev_user(json!({"custom_schema_spec": strict, "custom_fields": {"tnt__plan": "pro", "tnt__seats": 5}}))
        .await;
    let a = refused(
        &app,
        &u,
        json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__plan": "free", "tnt__region": "x"}}),
    )
    .await;
    assert_customization(&a, "invalid_argument", "tnt__region");
    let a = refused(
        &app,
        &u,
        json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__plan": "enterprise", "tnt__region": "apac"}}),
    )
    .await;
    assert_customization(&a, "enum_out_of_range", "tnt__region");
    let v = update(
        &app,
        &u["id"],
        json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__plan": "enterprise", "tnt__region": "eu"}}),
    )
    .await;
    assert_eq!(v["custom_fields"]["tnt__region"], "eu");
    let v = update(&app, &u["id"], json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__locked": true}})).await;
    let a = refused(&app, &v, json!({"custom_schema_spec": spec(), "custom_fields": {"tnt__plan": "pro"}})).await;
    assert_customization(&a, "field_immutable", "tnt__plan");
}

async fn accounts_and_rev_orgs_take_custom_fields(app: TestApp) {
    let at = set_fragment(
        &app,
        tenant("account", json!([{"name": "tier_level", "field_type": "int", "is_filterable": true}])),
    )
    .await;
    set_fragment(
        &app,
        json!({"type": "custom_type_fragment", "leaf_type": "account", "description": "d", "subtype": "partner",
        "fields": [{"name": "program", "field_type": "text", "is_filterable": true}]}),
    )
    .await;
    let rt = set_fragment(
        &app,
        tenant(
            "rev_org",
            json!([{"name": "region", "field_type": "enum", "allowed_values": ["eu", "us"], "is_filterable": true}]),
        ),
    )
    .await;
    let a = app
        .post(
            "/accounts.create",
            json!({"display_name": "Acme", "custom_schema_spec": spec(), "custom_fields": {"tnt__tier_level": 2}}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let acme = a.body["account"].clone();
    assert_eq!(acme["custom_fields"], json!({"tnt__tier_level": 2}));
    assert_eq!(acme["custom_schema_fragments"], json!([at]));
    assert_eq!(acme["stock_schema_fragment"], "don:core:dvrv-us-1:stock_sf/1");
    assert_eq!(a.body["default_rev_org"]["stock_schema_fragment"], "don:core:dvrv-us-1:stock_sf/3");
    assert!(a.body["default_rev_org"].get("custom_fields").is_none());
    let b = app
        .post(
            "/accounts.create",
            json!({"display_name": "Beta", "schema_fragment_ids": [at], "custom_fields": {"tnt__tier_level": 5}}),
        )
        .await;
    assert_eq!(b.status, 201, "{:#}", b.body);
    let beta = b.body["account"].clone();
    let a = app
        .post(
            "/accounts.create",
            json!({"display_name": "Bad", "custom_schema_spec": spec(), "custom_fields": {"tnt__tier_level": "x"}}),
        )
        .await;
    assert_customization(&a, "wrong_type", "tnt__tier_level");
    let u = app
        .post("/accounts.update", json!({"id": acme["id"], "custom_schema_spec": {"subtype": "partner"}, "custom_fields": {"ctype__program": "gold"}}))
        .await;
    assert_eq!(u.status, 200, "{:#}", u.body);
    assert_eq!(u.body["account"]["subtype"], "partner");
    assert_eq!(u.body["account"]["custom_fields"], json!({"tnt__tier_level": 2, "ctype__program": "gold"}));
    let listed = app.post("/accounts.list", json!({"subtype": ["partner"]})).await;
    let names: Vec<&str> =
        listed.body["accounts"].as_array().unwrap().iter().map(|a| a["display_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Acme"]);
    let listed = app.post("/accounts.list", json!({"custom_fields": {"tnt__tier_level": 5}})).await;
    assert_eq!(listed.body["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["accounts"][0]["id"], beta["id"]);
    let g = app.get("/accounts.list", "custom_fields.ctype__program=gold").await;
    assert_eq!(g.body["accounts"][0]["id"], acme["id"]);
    assert_eq!(app.post("/accounts.get", json!({"id": acme["id"]})).await.body["account"], u.body["account"]);
    // Rev orgs: the create takes custom_schema_fragments and custom_fields.
    let r = app
        .post(
            "/rev-orgs.create",
            json!({"display_name": "EU", "account": acme["id"], "custom_schema_fragments": [rt],
            "custom_fields": {"tnt__region": "eu"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let eu = r.body["rev_org"].clone();
    assert_eq!(eu["custom_fields"], json!({"tnt__region": "eu"}));
    assert_eq!(eu["custom_schema_fragments"], json!([rt]));
    let r = app
        .post(
            "/rev-orgs.create",
            json!({"display_name": "US", "account": acme["id"], "custom_schema_spec": spec(),
            "custom_fields": {"tnt__region": "us"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let us = r.body["rev_org"].clone();
    let a = app
        .post(
            "/rev-orgs.update",
            json!({"id": eu["id"], "custom_schema_spec": spec(), "custom_fields": {"tnt__region": "apac"}}),
        )
        .await;
    assert_customization(&a, "enum_out_of_range", "tnt__region");
    let v = app
        .post(
            "/rev-orgs.update",
            json!({"id": eu["id"], "custom_schema_spec": spec(), "custom_fields": {"tnt__region": "us"}}),
        )
        .await;
    assert_eq!(v.status, 200, "{:#}", v.body);
    assert_eq!(v.body["rev_org"]["custom_fields"], json!({"tnt__region": "us"}));
    let v = app.post("/rev-orgs.update", json!({"id": eu["id"], "custom_schema_fragments": []})).await;
    assert!(v.body["rev_org"].get("custom_fields").is_none(), "{:#}", v.body);
    let listed = app.post("/rev-orgs.list", json!({"custom_fields": {"tnt__region": "us"}})).await;
    let ids: Vec<&Value> = listed.body["rev_orgs"].as_array().unwrap().iter().map(|r| &r["id"]).collect();
    assert_eq!(ids, [&us["id"]]);
    let g = app.get("/rev-orgs.list", "custom_field_filter=tnt__region:eu,us").await;
    assert_eq!(g.status, 200, "{:#}", g.body);
    assert_eq!(g.body["rev_orgs"].as_array().unwrap().len(), 1);
    let p = app.post("/rev-orgs.list", json!({"custom_field_filter": ["tnt__region:us"]})).await;
    assert_eq!(p.body, g.body);
}

async fn lists_filter_on_custom_fields(app: TestApp) {
    set_fragment(
        &app,
        tenant(
            "rev_user",
            json!([
            {"name": "tier", "field_type": "text", "is_filterable": true},
            {"name": "seats", "field_type": "int", "is_filterable": true},
            {"name": "vip", "field_type": "bool", "is_filterable": true},
            {"name": "score", "field_type": "double", "is_filterable": true},
            {"name": "plan", "field_type": "enum", "allowed_values": ["free", "pro"], "is_filterable": true},
            {"name": "labels", "field_type": "array", "base_type": "text", "is_filterable": true},
            {"name": "owner", "field_type": "id", "is_filterable": true},
            {"name": "secret", "field_type": "text"}]),
        ),
    )
    .await;
    set_fragment(
        &app,
        json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "d", "subtype": "gold",
        "fields": [{"name": "level", "field_type": "int", "is_filterable": true}]}),
    )
    .await;
    let u1 = app
        .create_rev_user(json!({"display_name": "u1", "custom_schema_spec": {"tenant_fragment": true, "subtype": "gold"},
            "custom_fields": {"tnt__tier": "gold", "tnt__seats": 3, "tnt__vip": true, "tnt__score": 1.5, "tnt__plan": "pro",
            "tnt__labels": ["a", "b"], "tnt__owner": "REVU-1", "ctype__level": 2}}))
        .await;
    let u2 = app
        .create_rev_user(json!({"display_name": "u2", "custom_schema_spec": spec(),
            "custom_fields": {"tnt__tier": "silver", "tnt__seats": 10, "tnt__vip": false, "tnt__score": 2, "tnt__plan": "free",
            "tnt__labels": ["b"]}}))
        .await;
    let u3 = app.create_rev_user(json!({"display_name": "u3"})).await;
    let names = |a: &Answer| -> Vec<String> {
        assert_eq!(a.status, 200, "{:#}", a.body);
        a.body["rev_users"].as_array().unwrap().iter().map(|u| u["display_name"].as_str().unwrap().to_owned()).collect()
    };
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"tnt__tier": "gold"}), vec!["u1"]),
        (json!({"tnt__tier": ["gold", "silver"]}), vec!["u1", "u2"]),
        (json!({"tnt__seats": 10}), vec!["u2"]),
        (json!({"tnt__seats": "3"}), vec!["u1"]),
        (json!({"tnt__vip": true}), vec!["u1"]),
        (json!({"tnt__vip": "false"}), vec!["u2"]),
        (json!({"tnt__score": 2}), vec!["u2"]),
        (json!({"tnt__score": 1.5}), vec!["u1"]),
        (json!({"tnt__plan": "free"}), vec!["u2"]),
        (json!({"tnt__labels": "a"}), vec!["u1"]),
        (json!({"tnt__labels": ["b"]}), vec!["u1", "u2"]),
        (json!({"tnt__tier": null}), vec!["u3"]),
        (json!({"tnt__tier": ["silver", null]}), vec!["u2", "u3"]),
        (json!({"tnt__tier": "gold", "tnt__seats": 10}), vec![]),
        (json!({"tnt__tier": []}), vec![]),
        (json!({"tnt__owner": "REVU-1"}), vec!["u1"]),
        (json!({"ctype__level": 2}), vec!["u1"]),
    ];
    for (filter, expected) in cases {
        let a = app.post("/rev-users.list", json!({"custom_fields": filter.clone()})).await;
        assert_eq!(names(&a), expected, "{filter}");
    }
    for (filter, subtype, field) in [
        (json!({"tnt__seats": "many"}), "wrong_type", "tnt__seats"),
        (json!({"tnt__secret": "x"}), "invalid_argument", "tnt__secret"),
        (json!({"tnt__nope": "x"}), "field_not_in_schema", "tnt__nope"),
        (json!({"nope": "x"}), "field_not_in_schema", "nope"),
    ] {
        assert_customization(&app.post("/rev-users.list", json!({"custom_fields": filter})).await, subtype, field);
    }
    // GET twins: dotted keys, a JSON-encoded object, repeated keys.
    for (query, expected) in [
        ("custom_fields.tnt__tier=gold", vec!["u1"]),
        ("custom_fields.tnt__seats=10", vec!["u2"]),
        ("custom_fields.tnt__vip=true", vec!["u1"]),
        ("custom_fields[tnt__plan]=free", vec!["u2"]),
        ("custom_fields=%7B%22tnt__tier%22%3A%5B%22gold%22%2C%22silver%22%5D%7D", vec!["u1", "u2"]),
        ("custom_fields.tnt__tier=gold&custom_fields.tnt__tier=silver", vec!["u1", "u2"]),
        // The TypeScript SDK's form for an array inside an object.
        ("custom_fields%5Btnt__tier%5D%5B0%5D=gold&custom_fields%5Btnt__tier%5D%5B1%5D=silver", vec!["u1", "u2"]),
        ("custom_fields.tnt__tier=gold&limit=1", vec!["u1"]),
    ] {
        let g = app.get("/rev-users.list", query).await;
        assert_eq!(names(&g), expected, "{query}");
    }
    // Paging keeps the filter.
    let p = app.post("/rev-users.list", json!({"custom_fields": {"tnt__labels": "b"}, "limit": 1})).await;
    assert_eq!(names(&p), ["u1"]);
    let c = p.body["next_cursor"].as_str().unwrap();
    let p2 = app.post("/rev-users.list", json!({"custom_fields": {"tnt__labels": "b"}, "limit": 1, "cursor": c})).await;
    assert_eq!(names(&p2), ["u2"]);
    assert!(p2.body.get("next_cursor").is_none());
    let _ = (u1, u2, u3);
}
