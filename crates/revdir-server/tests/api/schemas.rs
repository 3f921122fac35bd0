//! `/schemas.*` (§6) on both backends: fragment sets, versions and in-place changes,
//! descriptors of every field type, refused definitions, stock fragments, aggregated
//! schemas, subtypes and subtype changes, tenancy.

use serde_json::{json, Value};

use crate::helpers::{assert_error, Answer, TestApp};
use crate::on_both_backends;

on_both_backends!(
    tenant_fragment_is_created_read_and_changed_in_place,
    setting_new_content_chains_a_new_version,
    removing_a_field_needs_deleted_fields,
    descriptors_of_every_field_type_round_trip,
    bad_definitions_are_refused_and_write_nothing,
    stock_fragments_describe_built_in_fields,
    aggregated_schema_merges_fragments,
    subtypes_are_listed_and_changes_prepared,
    custom_list_filters_and_pages,
    fragments_are_per_dev_org,
    racing_sets_chain_one_version_after_another,
    typed_client_sets_and_reads_fragments,
);

/// Sets a fragment; asserts 201 and answers its DON.
pub async fn set_fragment(app: &TestApp, body: Value) -> String {
    let a = app.post("/schemas.custom.set", body.clone()).await;
    assert_eq!(a.status, 201, "{body}: {:#}", a.body);
    a.body["id"].as_str().unwrap().to_owned()
}

/// Reads a fragment; asserts 200.
pub async fn get_fragment(app: &TestApp, id: &str) -> Value {
    let a = app.post("/schemas.custom.get", json!({ "id": id })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["fragment"].clone()
}

/// `devo/<org>` of the admin's dev org.
pub async fn org_segment(app: &TestApp) -> String {
    let a = app.post("/dev-orgs.get", json!({})).await;
    a.body["dev_org"]["id"].as_str().unwrap().rsplit(':').next().unwrap().to_owned()
}

/// A tenant fragment body for `leaf` with `fields`.
pub fn tenant(leaf: &str, fields: Value) -> Value {
    json!({"type": "tenant_fragment", "leaf_type": leaf, "description": "tenant fields", "fields": fields})
}

/// Asserts a `customization_validation_error` with `subtype` naming `field`.
#[track_caller]
pub fn assert_customization(a: &Answer, subtype: &str, field: &str) {
    assert_error(a, 400, "customization_validation_error");
    assert_eq!(
        (a.body["subtype"].as_str(), a.body["field_name"].as_str()),
        (Some(subtype), Some(field)),
        "{:#}",
        a.body
    );
    assert!(a.body["reason"].as_str().is_some_and(|r| !r.is_empty()), "{:#}", a.body);
}

async fn list(app: &TestApp, body: Value) -> Vec<Value> {
    let a = app.post("/schemas.custom.list", body).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["result"].as_array().unwrap().clone()
}

async fn tenant_fragment_is_created_read_and_changed_in_place(app: TestApp) {
    let org = org_segment(&app).await;
    let body = tenant("rev_user", json!([{"name": "tier", "field_type": "text", "is_filterable": true}]));
    let id = set_fragment(&app, body.clone()).await;
    assert!(id.starts_with(&format!("don:core:dvrv-us-1:{org}:tenant_fragment/")), "{id}");
    let f = get_fragment(&app, &id).await;
    assert_eq!(f["type"], "tenant_fragment");
    assert_eq!(f["fragment_type"], "tenant");
    assert_eq!(f["leaf_type"], "rev_user");
    assert_eq!(f["description"], "tenant fields");
    assert_eq!(f["fields"], body["fields"]);
    assert_eq!(f["is_deprecated"], false);
    assert!(f.get("old_fragment_ref").is_none() && f.get("new_fragment_ref").is_none(), "{f:#}");
    assert_eq!(f["created_by"]["type"], "dev_user");
    // The same content again is the same version.
    assert_eq!(set_fragment(&app, body.clone()).await, id);
    // §6.4: is_deprecated changes in place, without a new version.
    let mut deprecated = body.clone();
    deprecated["is_deprecated"] = json!(true);
    assert_eq!(set_fragment(&app, deprecated).await, id);
    let f2 = get_fragment(&app, &id).await;
    assert_eq!(f2["is_deprecated"], true);
    assert!(f2["modified_date"].as_str() > f["modified_date"].as_str());
    assert_eq!(list(&app, json!({})).await.len(), 0, "deprecated fragments are not listed by default");
    assert_eq!(list(&app, json!({"is_deprecated": true})).await.len(), 1);
    // Absent is_deprecated keeps the current value.
    assert_eq!(set_fragment(&app, body.clone()).await, id);
    assert_eq!(get_fragment(&app, &id).await["is_deprecated"], true);
    let mut live = body.clone();
    live["is_deprecated"] = json!(false);
    set_fragment(&app, live).await;
    assert_eq!(list(&app, json!({})).await.len(), 1);
    // The GET twin answers the same.
    let g = app.get("/schemas.custom.get", &format!("id={id}")).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body["fragment"], get_fragment(&app, &id).await);
}

async fn setting_new_content_chains_a_new_version(app: TestApp) {
    let v1 = set_fragment(&app, tenant("account", json!([{"name": "a", "field_type": "text"}]))).await;
    let v2 = set_fragment(
        &app,
        tenant("account", json!([{"name": "a", "field_type": "text"}, {"name": "b", "field_type": "int"}])),
    )
    .await;
    assert_ne!(v1, v2);
    let old = get_fragment(&app, &v1).await;
    let new = get_fragment(&app, &v2).await;
    assert_eq!(old["new_fragment_ref"], json!({"type": "tenant_fragment", "id": v2}));
    assert_eq!(new["old_fragment_ref"], json!({"type": "tenant_fragment", "id": v1}));
    assert!(new.get("new_fragment_ref").is_none());
    assert_eq!(old["fields"].as_array().unwrap().len(), 1, "old versions are immutable");
    // A description change is new content too.
    let mut body = tenant("account", json!([{"name": "a", "field_type": "text"}, {"name": "b", "field_type": "int"}]));
    body["description"] = json!("changed");
    let v3 = set_fragment(&app, body).await;
    assert_ne!(v3, v2);
    let listed = list(&app, json!({"leaf_type": ["account"]})).await;
    assert_eq!(listed.iter().map(|f| f["id"].clone()).collect::<Vec<_>>(), vec![json!(v3)], "only current versions");
    // Subtype fragments: subtype_display_name changes in place.
    let st = json!({"type": "custom_type_fragment", "leaf_type": "account", "description": "d", "subtype": "partner",
        "subtype_display_name": "Partner", "fields": [{"name": "level", "field_type": "int"}]});
    let s1 = set_fragment(&app, st.clone()).await;
    let mut renamed = st.clone();
    renamed["subtype_display_name"] = json!("Channel partner");
    assert_eq!(set_fragment(&app, renamed).await, s1);
    let f = get_fragment(&app, &s1).await;
    assert_eq!((f["subtype"].as_str(), f["subtype_display_name"].as_str()), (Some("partner"), Some("Channel partner")));
    assert!(s1.contains(":custom_type_fragment/"), "{s1}");
}

async fn removing_a_field_needs_deleted_fields(app: TestApp) {
    let fields = json!([{"name": "a", "field_type": "text"}, {"name": "b", "field_type": "int"}]);
    let v1 = set_fragment(&app, tenant("rev_org", fields)).await;
    let without_b = tenant("rev_org", json!([{"name": "a", "field_type": "text"}]));
    let a = app.post("/schemas.custom.set", without_b.clone()).await;
    assert_customization(&a, "field_dropped", "b");
    let changed_type =
        tenant("rev_org", json!([{"name": "a", "field_type": "int"}, {"name": "b", "field_type": "int"}]));
    let a = app.post("/schemas.custom.set", changed_type).await;
    assert_customization(&a, "invalid_argument", "a");
    let mut both = tenant("rev_org", json!([{"name": "a", "field_type": "text"}, {"name": "b", "field_type": "int"}]));
    both["deleted_fields"] = json!(["b"]);
    let a = app.post("/schemas.custom.set", both).await;
    assert_customization(&a, "invalid_argument", "deleted_fields");
    assert_eq!(list(&app, json!({})).await[0]["id"], v1, "refused sets write nothing");
    let mut ok = without_b.clone();
    ok["deleted_fields"] = json!(["b"]);
    let v2 = set_fragment(&app, ok.clone()).await;
    assert_ne!(v1, v2);
    // Repeating the same set is idempotent: unknown names in deleted_fields are ignored.
    assert_eq!(set_fragment(&app, ok).await, v2);
    // A dropped field comes back only with its old type.
    let back_as_text =
        tenant("rev_org", json!([{"name": "a", "field_type": "text"}, {"name": "b", "field_type": "text"}]));
    assert_customization(&app.post("/schemas.custom.set", back_as_text).await, "invalid_argument", "b");
    let back = tenant("rev_org", json!([{"name": "a", "field_type": "text"}, {"name": "b", "field_type": "int"}]));
    let v3 = set_fragment(&app, back).await;
    assert_ne!(v3, v2);
}

/// One descriptor of every field type, with the constraints each type takes.
pub fn every_type() -> Value {
    Value::Array(vec![
        json!({"name": "text_f", "field_type": "text", "min_len": 2, "max_len": 8, "prefix": "a", "suffix": "z",
            "contains": "m", "pattern": "^a[a-z]*z$", "is_filterable": true, "description": "text",
            "ui": {"display_name": "Text", "order": 1, "is_hidden": false, "client_overrides": [{"client_name": "web", "view_overrides": [{"view_name": "list", "is_hidden": true}]}]}}),
        json!({"name": "rich_f", "field_type": "rich_text", "max_len": 20}),
        json!({"name": "tokens_f", "field_type": "tokens", "eq_len": 3}),
        json!({"name": "int_f", "field_type": "int", "gte": 0, "lt": 100, "default_value": 7, "is_filterable": true}),
        json!({"name": "double_f", "field_type": "double", "is_filterable": true}),
        json!({"name": "bool_f", "field_type": "bool", "default_value": false, "is_filterable": true}),
        json!({"name": "enum_f", "field_type": "enum", "allowed_values": ["gold", "silver"], "is_filterable": true,
            "translated_values": {"gold": "Or"}}),
        json!({"name": "uenum_f", "field_type": "uenum", "allowed_values": [
            {"id": 1, "label": "Low", "ordinal": 1}, {"id": 2, "label": "High", "ordinal": 2, "is_deprecated": true}]}),
        json!({"name": "date_f", "field_type": "date"}),
        json!({"name": "ts_f", "field_type": "timestamp"}),
        json!({"name": "id_f", "field_type": "id", "id_type": ["rev_user", "account"], "is_filterable": true}),
        json!({"name": "json_f", "field_type": "json_value"}),
        json!({"name": "struct_f", "field_type": "struct"}),
        json!({"name": "composite_f", "field_type": "composite", "composite_type": "address"}),
        json!({"name": "unknown_f", "field_type": "unknown"}),
        json!({"name": "texts_f", "field_type": "array", "base_type": "text", "min_items": 1, "max_items": 3,
            "max_len": 5, "is_filterable": true}),
        json!({"name": "ints_f", "field_type": "array", "base_type": "int", "eq_items": 2, "gt": 0}),
        json!({"name": "enums_f", "field_type": "array", "base_type": "enum", "allowed_values": ["a", "b"]}),
        json!({"name": "ids_f", "field_type": "array", "base_type": "id", "id_type": ["tag"]}),
        json!({"name": "dates_f", "field_type": "array", "base_type": "date"}),
        json!({"name": "bools_f", "field_type": "array", "base_type": "bool"}),
        json!({"name": "doubles_f", "field_type": "array", "base_type": "double"}),
        json!({"name": "tss_f", "field_type": "array", "base_type": "timestamp"}),
        json!({"name": "uenums_f", "field_type": "array", "base_type": "uenum", "allowed_values": [{"id": 5, "label": "Five", "ordinal": 1}]}),
        json!({"name": "riches_f", "field_type": "array", "base_type": "rich_text"}),
        json!({"name": "tokenss_f", "field_type": "array", "base_type": "tokens"}),
        json!({"name": "jsons_f", "field_type": "array", "base_type": "json_value"}),
        json!({"name": "structs_f", "field_type": "array", "base_type": "struct"}),
        json!({"name": "composites_f", "field_type": "array", "base_type": "composite", "composite_type": "address"}),
    ])
}

/// The composite types `every_type` refers to.
pub fn composites() -> Value {
    json!([{"name": "address", "description": "postal address", "fields": [
        {"name": "city", "field_type": "text"}, {"name": "zip", "field_type": "int"}]}])
}

async fn descriptors_of_every_field_type_round_trip(app: TestApp) {
    let mut body = tenant("rev_user", every_type());
    body["composite_schemas"] = composites();
    body["conditions"] = json!([{"expression": "custom_fields.enum_f == \"gold\"",
        "effects": [{"fields": ["int_f"], "require": true}]}]);
    let id = set_fragment(&app, body.clone()).await;
    let f = get_fragment(&app, &id).await;
    assert_eq!(f["fields"], body["fields"], "every descriptor comes back as it was set");
    assert_eq!(f["composite_schemas"], body["composite_schemas"]);
    assert_eq!(f["conditions"], body["conditions"]);
    let pruned = list(&app, json!({"prune": ["fields"]})).await;
    assert!(pruned[0].get("fields").is_none(), "{:#}", pruned[0]);
}

async fn bad_definitions_are_refused_and_write_nothing(app: TestApp) {
    let field = |f: Value| tenant("rev_user", json!([f]));
    let cases: Vec<(Value, &str, &str, &str)> = vec![
        (field(json!({"name": "e", "field_type": "enum"})), "customization_validation_error", "invalid_argument", "e"),
        (
            field(json!({"name": "p", "field_type": "text", "pattern": "("})),
            "customization_validation_error",
            "invalid_argument",
            "p",
        ),
        (
            field(json!({"name": "i", "field_type": "int", "max_len": 3})),
            "customization_validation_error",
            "invalid_argument",
            "i",
        ),
        (field(json!({"name": "a", "field_type": "array"})), "customization_validation_error", "invalid_argument", "a"),
        (
            field(json!({"name": "t", "field_type": "text", "base_type": "int"})),
            "customization_validation_error",
            "invalid_argument",
            "t",
        ),
        (
            field(json!({"name": "d", "field_type": "int", "default_value": "seven"})),
            "customization_validation_error",
            "invalid_argument",
            "d",
        ),
        (
            field(json!({"name": "r", "field_type": "int", "gt": 3, "lt": 4})),
            "customization_validation_error",
            "invalid_argument",
            "r",
        ),
        (
            field(json!({"name": "c", "field_type": "composite", "composite_type": "nowhere"})),
            "customization_validation_error",
            "invalid_argument",
            "c",
        ),
        (
            field(json!({"name": "bad-name", "field_type": "text"})),
            "customization_validation_error",
            "invalid_argument",
            "bad-name",
        ),
        (
            tenant("rev_user", json!([{"name": "x", "field_type": "text"}, {"name": "x", "field_type": "int"}])),
            "customization_validation_error",
            "invalid_argument",
            "x",
        ),
        (
            json!({"type": "tenant_fragment", "leaf_type": "rev_user", "description": "d",
                "fields": [{"name": "x", "field_type": "text"}], "conditions": [{"expression": "custom_fields.x ==", "effects": []}]}),
            "customization_validation_error",
            "expression_parse_error",
            "conditions[0].expression",
        ),
        (
            json!({"type": "tenant_fragment", "leaf_type": "rev_user", "description": "d",
                "fields": [{"name": "x", "field_type": "text"}], "conditions": [{"expression": "custom_fields.x == 'a'", "effects": [{"fields": ["y"], "require": true}]}]}),
            "customization_validation_error",
            "field_not_in_schema",
            "conditions[0].effects[0].fields",
        ),
        (tenant("issue", json!([])), "value_not_permitted", "", "leaf_type"),
        (
            json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "d"}),
            "missing_required_field",
            "",
            "subtype",
        ),
        (
            json!({"type": "app_fragment", "leaf_type": "rev_user", "description": "d", "app": "tnt"}),
            "value_not_permitted",
            "",
            "app",
        ),
        (
            json!({"type": "app_fragment", "leaf_type": "rev_user", "description": "d"}),
            "missing_required_field",
            "",
            "app",
        ),
        (
            json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "d", "subtype": "a b"}),
            "value_not_permitted",
            "",
            "subtype",
        ),
        (
            json!({"type": "tenant_fragment", "leaf_type": "rev_user", "description": "d", "subtype": "x"}),
            "value_not_permitted",
            "",
            "subtype",
        ),
        (
            json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "d", "subtype": "x", "stage_diagram": "don:core:dvrv-us-1:devo/0:stage_diagram/1"}),
            "value_not_permitted",
            "",
            "stage_diagram",
        ),
        (
            json!({"type": "tenant_fragment", "leaf_type": "rev_user", "description": "d", "is_custom_leaf_type": true}),
            "value_not_permitted",
            "",
            "is_custom_leaf_type",
        ),
        (
            json!({"type": "tenant_fragment", "leaf_type": "rev_user", "description": "d", "stock_field_overrides": [{"name": "nope"}]}),
            "customization_validation_error",
            "field_not_in_schema",
            "stock_field_overrides[0].name",
        ),
        (json!({"type": "tenant_fragment", "leaf_type": "rev_user"}), "missing_required_field", "", "description"),
        (
            json!({"type": "bogus_fragment", "leaf_type": "rev_user", "description": "d"}),
            "invalid_enum_value",
            "",
            "type",
        ),
    ];
    for (body, kind, subtype, field) in cases {
        let a = app.post("/schemas.custom.set", body.clone()).await;
        if kind == "customization_validation_error" {
            assert_customization(&a, subtype, field);
        } else {
            assert_error(&a, 400, kind);
            assert_eq!(a.body["field_name"], field, "{body}: {:#}", a.body);
        }
    }
    assert!(list(&app, json!({"is_deprecated": false})).await.is_empty());
    assert!(list(&app, json!({"is_deprecated": true})).await.is_empty());
}

async fn stock_fragments_describe_built_in_fields(app: TestApp) {
    let a = app.post("/schemas.stock.get", json!({"leaf_type": "rev_user"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let f = &a.body["fragment"];
    assert_eq!(f["id"], "don:core:dvrv-us-1:stock_sf/4");
    assert_eq!(f["leaf_type"], "rev_user");
    let names: Vec<&str> = f["fields"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    for n in ["display_name", "email", "phone_numbers", "external_ref", "rev_org", "tags", "created_date"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let by_id = app.post("/schemas.stock.get", json!({"id": "don:core:dvrv-us-1:stock_sf/4"})).await;
    assert_eq!(by_id.body, a.body);
    let g = app.get("/schemas.stock.get", "leaf_type=rev_user").await;
    assert_eq!(g.body, a.body);
    assert_error(
        &app.post("/schemas.stock.get", json!({"id": "don:core:dvrv-us-1:stock_sf/99"})).await,
        404,
        "not_found",
    );
    assert_error(&app.post("/schemas.stock.get", json!({"leaf_type": "issue"})).await, 404, "not_found");
    assert_error(&app.post("/schemas.stock.get", json!({"id": "REVU-1"})).await, 400, "invalid_id");
    assert_error(&app.post("/schemas.stock.get", json!({})).await, 400, "missing_required_field");
    // Objects name their leaf type's stock fragment.
    let u = app.create_rev_user(json!({})).await;
    assert_eq!(u["stock_schema_fragment"], "don:core:dvrv-us-1:stock_sf/4");
    let all = app.post("/schemas.stock.list", json!({})).await;
    let leafs: Vec<&str> =
        all.body["result"].as_array().unwrap().iter().map(|f| f["leaf_type"].as_str().unwrap()).collect();
    assert_eq!(leafs, ["account", "dev_user", "rev_org", "rev_user"]);
    let one = app.post("/schemas.stock.list", json!({"leaf_type": ["account"], "prune": ["fields"]})).await;
    assert_eq!(one.body["result"].as_array().unwrap().len(), 1);
    assert_eq!(one.body["result"][0]["fields"], json!([]));
    // Paging walks the four leaf types in either direction.
    let p1 = app.post("/schemas.stock.list", json!({"limit": 3, "sort_by": ["leaf_type:desc"]})).await;
    assert_eq!(p1.body["result"][0]["leaf_type"], "rev_user");
    assert!(p1.body.get("prev_cursor").is_none());
    let cursor = p1.body["next_cursor"].as_str().unwrap();
    let p2 =
        app.post("/schemas.stock.list", json!({"limit": 3, "sort_by": ["leaf_type:desc"], "cursor": cursor})).await;
    assert_eq!(p2.body["result"].as_array().unwrap().len(), 1);
    assert_eq!(p2.body["result"][0]["leaf_type"], "account");
    assert!(p2.body.get("next_cursor").is_none());
    let back = p2.body["prev_cursor"].as_str().unwrap();
    let p0 = app.post("/schemas.stock.list", json!({"limit": 3, "sort_by": ["leaf_type:desc"], "cursor": back})).await;
    assert_eq!(p0.body["result"], p1.body["result"]);
    let g = app.get("/schemas.stock.list", "leaf_type=account,rev_org").await;
    assert_eq!(g.body["result"].as_array().unwrap().len(), 2);
}

async fn aggregated_schema_merges_fragments(app: TestApp) {
    let t = set_fragment(
        &app,
        json!({"type": "tenant_fragment", "leaf_type": "rev_user", "description": "t",
            "fields": [{"name": "tier", "field_type": "text"}],
            "stock_field_overrides": [{"name": "display_name", "is_required": true}]}),
    )
    .await;
    let s = set_fragment(
        &app,
        json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "s", "subtype": "vip",
            "subtype_display_name": "VIP", "fields": [{"name": "since", "field_type": "date"}],
            "stock_field_overrides": [{"name": "display_name", "is_required": false}]}),
    )
    .await;
    set_fragment(
        &app,
        json!({"type": "app_fragment", "leaf_type": "rev_user", "description": "a", "app": "crm",
            "fields": [{"name": "score", "field_type": "int"}]}),
    )
    .await;
    let body = json!({"leaf_type": "rev_user", "custom_schema_spec": {"subtype": "vip", "apps": ["crm"]}});
    let a = app.post("/schemas.aggregated.get", body.clone()).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let schema = &a.body["schema"];
    let names: Vec<&str> =
        schema["custom_fields"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["tnt__tier", "ctype__since", "crm__score"]);
    assert_eq!(schema["subtype"], "vip");
    assert_eq!(schema["subtype_display_name"], "VIP");
    assert_eq!(schema["apps"], json!(["crm"]));
    assert!(!schema["stock_fields"].as_array().unwrap().is_empty());
    assert_eq!(
        schema["stock_field_overrides"],
        json!([{"name": "display_name", "is_required": false}]),
        "subtype wins"
    );
    let g = app
        .get("/schemas.aggregated.get", "leaf_type=rev_user&custom_schema_spec.subtype=vip&custom_schema_spec.apps=crm")
        .await;
    assert_eq!(g.body, a.body);
    // Explicit ids must be current versions.
    let by_ids =
        app.post("/schemas.aggregated.get", json!({"leaf_type": "rev_user", "custom_schema_fragments": [s]})).await;
    assert_eq!(by_ids.status, 200, "{:#}", by_ids.body);
    assert_eq!(by_ids.body["schema"]["subtype"], "vip");
    set_fragment(
        &app,
        tenant("rev_user", json!([{"name": "tier", "field_type": "text"}, {"name": "x", "field_type": "int"}])),
    )
    .await;
    let stale =
        app.post("/schemas.aggregated.get", json!({"leaf_type": "rev_user", "custom_schema_fragments": [t]})).await;
    assert_error(&stale, 400, "stale_schema_fragments");
    let by_stock =
        app.post("/schemas.aggregated.get", json!({"stock_schema_fragment": "don:core:dvrv-us-1:stock_sf/4"})).await;
    assert_eq!(by_stock.body["schema"]["leaf_type"], "rev_user");
    assert_error(
        &app.post(
            "/schemas.aggregated.get",
            json!({"leaf_type": "rev_user", "custom_schema_spec": {"subtype": "nope"}}),
        )
        .await,
        404,
        "not_found",
    );
    assert_error(&app.post("/schemas.aggregated.get", json!({})).await, 400, "missing_required_field");
}

async fn subtypes_are_listed_and_changes_prepared(app: TestApp) {
    let gold = set_fragment(
        &app,
        json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "g", "subtype": "gold",
            "subtype_display_name": "Gold", "fields": [{"name": "level", "field_type": "int"}, {"name": "note", "field_type": "text"},
            {"name": "since", "field_type": "date"}]}),
    )
    .await;
    let silver = set_fragment(
        &app,
        json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "s", "subtype": "silver",
            "fields": [{"name": "level", "field_type": "text"}, {"name": "since", "field_type": "date"},
            {"name": "perk", "field_type": "text", "default_value": "coffee"}]}),
    )
    .await;
    set_fragment(
        &app,
        json!({"type": "custom_type_fragment", "leaf_type": "account", "description": "o", "subtype": "old",
            "is_deprecated": true}),
    )
    .await;
    let a = app.post("/schemas.subtypes.list", json!({"leaf_types": ["rev_user", "account"]})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let mut subtypes = a.body["subtypes"].as_array().unwrap().clone();
    subtypes.sort_by_key(|s| s["value"].as_str().unwrap().to_owned());
    assert_eq!(
        subtypes,
        vec![
            json!({"value": "gold", "leaf_type": "rev_user", "display_name": "Gold", "fragment_id": gold}),
            json!({"value": "silver", "leaf_type": "rev_user", "fragment_id": silver}),
        ],
        "deprecated subtypes are not listed"
    );
    let g = app.get("/schemas.subtypes.list", "leaf_types=rev_user").await;
    assert_eq!(g.body["subtypes"].as_array().unwrap().len(), 2);
    let u = app
        .create_rev_user(json!({"custom_schema_spec": {"subtype": "gold"},
            "custom_fields": {"ctype__level": 3, "ctype__note": "n", "ctype__since": "2024-01-01"}}))
        .await;
    let p = app
        .post(
            "/schemas.subtypes.prepare-update",
            json!({"leaf_type": "rev_user", "object": u["id"], "new_subtype": "silver"}),
        )
        .await;
    assert_eq!(p.status, 200, "{:#}", p.body);
    assert_eq!(p.body["new_custom_schema_fragments"], json!([silver]));
    assert_eq!(p.body["added_fields"], json!([{"name": "ctype__perk", "default_value": "coffee"}]));
    let mut dropped = p.body["dropped_fields"].as_array().unwrap().clone();
    dropped.sort_by_key(|d| d["name"].as_str().unwrap().to_owned());
    let kinds: Vec<(&str, &str)> =
        dropped.iter().map(|d| (d["name"].as_str().unwrap(), d["conflict_type"].as_str().unwrap())).collect();
    assert_eq!(kinds, [("ctype__level", "incompatible_type"), ("ctype__note", "absent_in_new")]);
    // Applying the change does what was announced.
    let a = app.post("/rev-users.update", json!({"id": u["id"], "custom_schema_spec": {"subtype": "silver"}})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["rev_user"]["subtype"], "silver");
    assert_eq!(a.body["rev_user"]["custom_fields"], json!({"ctype__since": "2024-01-01", "ctype__perk": "coffee"}));
    let none =
        app.post("/schemas.subtypes.prepare-update", json!({"leaf_type": "rev_user", "new_subtype": "gold"})).await;
    assert_eq!(none.body["new_custom_schema_fragments"], json!([gold]));
    assert_error(
        &app.post("/schemas.subtypes.prepare-update", json!({"leaf_type": "rev_user", "new_subtype": "nope"})).await,
        404,
        "not_found",
    );
    assert_error(
        &app.post("/schemas.subtypes.prepare-update", json!({"leaf_type": "rev_user", "object": "REVU-999"})).await,
        404,
        "not_found",
    );
    assert_error(&app.post("/schemas.subtypes.prepare-update", json!({})).await, 400, "missing_required_field");
}

async fn custom_list_filters_and_pages(app: TestApp) {
    for leaf in ["rev_user", "account", "rev_org"] {
        set_fragment(&app, tenant(leaf, json!([]))).await;
    }
    set_fragment(
        &app,
        json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "d", "subtype": "a"}),
    )
    .await;
    set_fragment(&app, json!({"type": "app_fragment", "leaf_type": "account", "description": "d", "app": "crm"})).await;
    assert_eq!(list(&app, json!({})).await.len(), 5);
    assert_eq!(list(&app, json!({"leaf_type": ["rev_user"]})).await.len(), 2);
    assert_eq!(list(&app, json!({"types": ["tenant_fragment"]})).await.len(), 3);
    assert_eq!(list(&app, json!({"subtype": ["a"]})).await[0]["subtype"], "a");
    assert_eq!(list(&app, json!({"app": ["crm"]})).await[0]["app"], "crm");
    assert!(list(&app, json!({"app": ["other"]})).await.is_empty());
    assert!(list(&app, json!({"is_custom_leaf_type": true})).await.is_empty());
    let g = app.get("/schemas.custom.list", "types=custom_type_fragment,app_fragment").await;
    assert_eq!(g.body["result"].as_array().unwrap().len(), 2);
    let p1 = app.post("/schemas.custom.list", json!({"limit": 2, "sort_by": ["leaf_type"]})).await;
    let leafs: Vec<&str> =
        p1.body["result"].as_array().unwrap().iter().map(|f| f["leaf_type"].as_str().unwrap()).collect();
    assert_eq!(leafs, ["account", "account"]);
    let mut seen = 2;
    let mut cursor = p1.body["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let p = app.post("/schemas.custom.list", json!({"limit": 2, "sort_by": ["leaf_type"], "cursor": c})).await;
        seen += p.body["result"].as_array().unwrap().len();
        cursor = p.body["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 5);
    assert_error(&app.post("/schemas.custom.list", json!({"sort_by": ["bogus"]})).await, 400, "invalid_field");
}

async fn fragments_are_per_dev_org(app: TestApp) {
    let id = set_fragment(&app, tenant("rev_user", json!([{"name": "x", "field_type": "text"}]))).await;
    let other = app.other_org_token().await;
    assert_error(&app.post_as(&other, "/schemas.custom.get", json!({"id": id})).await, 404, "not_found");
    let a = app.post_as(&other, "/schemas.custom.list", json!({})).await;
    assert_eq!(a.body["result"], json!([]));
    // Another org's fragment cannot be attached, and its fields do not exist there.
    let a = app.post_as(&other, "/rev-users.create", json!({"custom_schema_fragments": [id]})).await;
    assert_customization(&a, "fragment_not_found", "custom_schema_fragments");
    let a = app
        .post_as(
            &other,
            "/rev-users.create",
            json!({"custom_schema_spec": {"tenant_fragment": true}, "custom_fields": {"tnt__x": "v"}}),
        )
        .await;
    assert_customization(&a, "field_not_in_schema", "tnt__x");
    assert_error(&app.post("/schemas.custom.get", json!({"id": "REVU-1"})).await, 400, "unexpected_id_type");
    assert_error(&app.post("/schemas.custom.get", json!({"id": "tenant_fragment/1"})).await, 400, "invalid_id");
    let wrong_kind = id.replace("tenant_fragment", "app_fragment");
    assert_error(&app.post("/schemas.custom.get", json!({"id": wrong_kind})).await, 404, "not_found");
}

async fn racing_sets_chain_one_version_after_another(app: TestApp) {
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..6 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let fields: Vec<Value> = (0..=i).map(|n| json!({"name": format!("f{n}"), "field_type": "int"})).collect();
            // Each set keeps the fields of every other set (it lists them all, or deletes them).
            let mut body = tenant("rev_user", json!(fields));
            body["deleted_fields"] = json!((i + 1..6).map(|n| format!("f{n}")).collect::<Vec<_>>());
            app.post("/schemas.custom.set", body).await
        }));
    }
    for t in tasks {
        let a = t.await.unwrap();
        assert_eq!(a.status, 201, "{:#}", a.body);
    }
    // Walk the chain back from the current version: one linear history, no forks.
    let current = list(&app, json!({})).await;
    assert_eq!(current.len(), 1, "one current version");
    let mut id = current[0]["id"].as_str().unwrap().to_owned();
    let mut versions = 1;
    loop {
        let f = get_fragment(&app, &id).await;
        let Some(old) = f["old_fragment_ref"]["id"].as_str() else { break };
        assert_eq!(get_fragment(&app, old).await["new_fragment_ref"]["id"], id.as_str());
        id = old.to_owned();
        versions += 1;
    }
    assert!(versions >= 2, "{versions}");
}

async fn typed_client_sets_and_reads_fragments(app: TestApp) {
    use revdir_api::schemas::{
        CustomSchemaFragmentType, CustomSchemaFragmentsGetRequest, CustomSchemaFragmentsSetRequest,
        SchemaFieldDescriptor,
    };
    let field: SchemaFieldDescriptor = serde_json::from_value(json!({"name": "plan", "field_type": "enum",
        "allowed_values": ["free", "pro"], "default_value": "free"}))
    .unwrap();
    let mut request: CustomSchemaFragmentsSetRequest =
        serde_json::from_value(json!({"type": "app_fragment", "description": "typed", "leaf_type": "rev_user"}))
            .unwrap();
    request.kind = CustomSchemaFragmentType::TenantFragment;
    request.fields = Some(vec![field.clone()]);
    let set = app.client.schemas_custom_set(&request).await.unwrap();
    let got = app.client.schemas_custom_get(&CustomSchemaFragmentsGetRequest { id: set.id.clone() }).await.unwrap();
    assert_eq!(got.fragment.id, set.id);
    assert_eq!(got.fragment.fields, Some(vec![field]));
}
