//! `/tags.*`: create, get (both twins), list, update, delete (§8.3) on both backends.

use serde_json::{json, Value};

use crate::helpers::{assert_error, send, Answer, TestApp};
use crate::on_both_backends;
use crate::spec::assert_valid_response;

on_both_backends!(
    create_get_delete,
    create_requires_a_name,
    duplicate_names_are_a_400_and_write_nothing,
    racing_duplicate_names_are_a_400_too,
    update_replaces_allowed_values_and_keeps_the_rest,
    style_colour_must_be_rrggbb,
    deleting_a_tag_removes_it_from_tagged_objects,
    list_filters_by_name_and_pages,
    ids_in_either_form_and_bad_ids,
    another_orgs_tags_are_not_found,
);

/// Creates a tag; asserts 201.
async fn create_tag(app: &TestApp, body: Value) -> Value {
    let a = app.post("/tags.create", body).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body["tag"].clone()
}

/// Reads a tag through `tags.get`; asserts 200.
async fn get_tag(app: &TestApp, id: &Value) -> Value {
    let a = app.post("/tags.get", json!({ "id": id })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["tag"].clone()
}

/// Every tag of the caller's org, by `tags.list`.
async fn all_tags(app: &TestApp) -> Vec<Value> {
    let a = app.post("/tags.list", json!({ "limit": 100 })).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["tags"].as_array().unwrap().clone()
}

/// `devo/<org>` of the admin's dev org.
async fn org_segment(app: &TestApp) -> String {
    let a = app.post("/dev-orgs.get", json!({})).await;
    let don = a.body["dev_org"]["id"].as_str().unwrap();
    don.rsplit(':').next().unwrap().to_owned()
}

async fn create_get_delete(app: TestApp) {
    let tag = create_tag(
        &app,
        json!({"name": "vip", "description": "key customers", "allowed_values": ["gold", "silver"],
            "style_new": {"color": "#ff8800"}}),
    )
    .await;
    let org = org_segment(&app).await;
    let n = tag["display_id"].as_str().unwrap().strip_prefix("TAG-").unwrap().to_owned();
    assert!(n.parse::<u64>().is_ok(), "{tag:#}");
    assert_eq!(tag["id"], format!("don:core:dvrv-us-1:{org}:tag/{n}"));
    assert_eq!(tag["name"], "vip");
    assert_eq!(tag["description"], "key customers");
    assert_eq!(tag["allowed_values"], json!(["gold", "silver"]));
    assert_eq!(tag["style_new"], json!({"color": "#ff8800"}));
    assert!(tag.get("type").is_none(), "full objects carry no type: {tag:#}");
    assert_eq!(tag["created_by"]["type"], "dev_user", "summaries do");
    assert_eq!(tag["created_by"], tag["modified_by"]);
    assert_eq!(tag["created_date"], tag["modified_date"]);

    // Both id forms and both twins read the same tag.
    assert_eq!(get_tag(&app, &tag["id"]).await, tag);
    assert_eq!(get_tag(&app, &tag["display_id"]).await, tag);
    for id in [tag["id"].as_str().unwrap(), tag["display_id"].as_str().unwrap()] {
        let a = app.get("/tags.get", &format!("id={id}")).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["tag"], tag);
    }

    let a = app.post("/tags.delete", json!({"id": tag["display_id"]})).await;
    assert_eq!((a.status, &a.body), (200, &json!({})));
    let a = app.post("/tags.get", json!({"id": tag["id"]})).await;
    assert_error(&a, 404, "not_found");
    let a = app.get("/tags.get", &format!("id={}", tag["display_id"].as_str().unwrap())).await;
    assert_error(&a, 404, "not_found");
    let a = app.post("/tags.delete", json!({"id": tag["id"]})).await;
    assert_error(&a, 404, "not_found");
    assert!(all_tags(&app).await.is_empty());
}

async fn create_requires_a_name(app: TestApp) {
    let a = app.post("/tags.create", json!({"description": "no name"})).await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(a.body["field_name"], "name");
    let a = app.post("/tags.create", json!({"name": 7})).await;
    assert_error(&a, 400, "unexpected_json_type");
    assert_eq!(a.body["field_name"], "name");
    let a = app.post("/tags.create", json!({"name": "   "})).await;
    assert_eq!(a.status, 400, "a blank name is no name: {:#}", a.body);
    assert_eq!(a.body["field_name"], "name");
    assert!(all_tags(&app).await.is_empty(), "refused creates write nothing");
    // The first tag that is created gets the first number: refusals consumed none.
    assert_eq!(create_tag(&app, json!({"name": "ok"})).await["display_id"], "TAG-1");
}

async fn duplicate_names_are_a_400_and_write_nothing(app: TestApp) {
    let vip = create_tag(&app, json!({"name": "vip", "description": "first"})).await;
    // tags.create declares no 409, so the duplicate is a DevRev-shaped 400 (the spec
    // check in `app.post` fails on any undeclared status).
    let a = app.post("/tags.create", json!({"name": "vip", "description": "second"})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "name");
    assert!(a.body["message"].as_str().is_some_and(|m| m.contains("vip")), "{:#}", a.body);
    assert_eq!(all_tags(&app).await, vec![vip.clone()], "nothing written");

    // Renaming onto a taken name is refused the same way; renaming to itself is fine.
    let beta = create_tag(&app, json!({"name": "beta"})).await;
    let a = app.post("/tags.update", json!({"id": beta["id"], "name": "vip", "description": "changed"})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "name");
    assert_eq!(get_tag(&app, &beta["id"]).await, beta, "a refused update writes nothing");
    let a = app.post("/tags.update", json!({"id": vip["id"], "name": "vip"})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);

    // A freed name can be taken again.
    let a = app.post("/tags.delete", json!({"id": vip["id"]})).await;
    assert_eq!(a.status, 200);
    let again = create_tag(&app, json!({"name": "vip"})).await;
    assert_ne!(again["id"], vip["id"], "a new tag, not the old one revived");
}

/// Sends `bodies` to `path` all at once; every answer is checked against the spec.
async fn concurrently(app: &TestApp, path: &'static str, bodies: Vec<Value>) -> Vec<Answer> {
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let req = app.raw.post(format!("{}{path}", app.addr)).bearer_auth(&app.token).json(&body);
            tokio::spawn(send(req))
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        let a = t.await.unwrap();
        assert_valid_response(path, "POST", a.status, &a.body);
        answers.push(a);
    }
    answers
}

async fn racing_duplicate_names_are_a_400_too(app: TestApp) {
    // Racing creates of one name: the loser may only learn of the winner from the unique
    // index, and must still get the declared 400, never a 409 or a 500.
    let answers = concurrently(&app, "/tags.create", (0..8).map(|_| json!({"name": "race"})).collect()).await;
    assert_eq!(answers.iter().filter(|a| a.status == 201).count(), 1, "{answers:#?}");
    for a in answers.iter().filter(|a| a.status != 201) {
        assert_error(a, 400, "value_not_permitted");
    }
    // Racing renames of different tags onto one free name: the same.
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(create_tag(&app, json!({"name": format!("t{i}")})).await["id"].clone());
    }
    let bodies = ids.iter().map(|id| json!({"id": id, "name": "target"})).collect();
    let answers = concurrently(&app, "/tags.update", bodies).await;
    assert_eq!(answers.iter().filter(|a| a.status == 200).count(), 1, "{answers:#?}");
    for a in answers.iter().filter(|a| a.status != 200) {
        assert_error(a, 400, "value_not_permitted");
    }
    let names: Vec<String> = all_tags(&app).await.iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names.iter().filter(|n| *n == "target").count(), 1, "{names:?}");
    assert_eq!(names.len(), 9);
}

async fn update_replaces_allowed_values_and_keeps_the_rest(app: TestApp) {
    let tag = create_tag(
        &app,
        json!({"name": "tier", "description": "plan", "allowed_values": ["gold", "silver"],
            "style_new": {"color": "#112233"}}),
    )
    .await;
    let id = tag["id"].clone();
    let contact = app.create_rev_user(json!({"tags": [{"id": id, "value": "silver"}]})).await;

    let a = app.post("/tags.update", json!({"id": id, "allowed_values": {"set": ["bronze", "gold"]}})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let t = a.body["tag"].clone();
    assert_eq!(t["allowed_values"], json!(["bronze", "gold"]), "{{set}} replaces the whole list");
    for keep in ["id", "display_id", "name", "description", "style_new", "created_by", "created_date"] {
        assert_eq!(t[keep], tag[keep], "{keep} kept");
    }
    assert!(t["modified_date"].as_str().unwrap() > tag["modified_date"].as_str().unwrap(), "modified_date moves");
    assert_eq!(t, get_tag(&app, &id).await, "the answer is what is stored");

    // Each field alone; the others stay.
    let a = app.post("/tags.update", json!({"id": tag["display_id"], "description": "billing plan"})).await;
    assert_eq!(a.body["tag"]["description"], "billing plan");
    assert_eq!(a.body["tag"]["allowed_values"], json!(["bronze", "gold"]));
    assert!(a.body["tag"]["modified_date"].as_str().unwrap() > t["modified_date"].as_str().unwrap());
    let a = app.post("/tags.update", json!({"id": id, "name": "plan"})).await;
    assert_eq!(a.body["tag"]["name"], "plan");
    assert_eq!(a.body["tag"]["description"], "billing plan");
    // §8.3: narrowing allowed_values does not rewrite existing applications, and tagged
    // objects show the tag as it is now.
    let c = app.get_rev_user(contact["id"].as_str().unwrap()).await;
    assert_eq!(c["tags"][0]["value"], "silver", "{c:#}");
    assert_eq!(c["tags"][0]["tag"]["name"], "plan");
    let a = app.post("/tags.update", json!({"id": id, "style_new": {"color": "#AABBCC"}})).await;
    assert_eq!(a.body["tag"]["style_new"]["color"], "#AABBCC");
    assert_eq!(a.body["tag"]["name"], "plan");
    let before = a.body["tag"].clone();
    let a = app.post("/tags.update", json!({"id": id})).await;
    assert_eq!(a.status, 200);
    for keep in ["name", "description", "allowed_values", "style_new"] {
        assert_eq!(a.body["tag"][keep], before[keep], "an id-only update keeps {keep}");
    }

    // `{set: []}` clears the values; a plain array is not the wire form.
    for plain in [json!(["x"]), json!([["x"]]), json!([])] {
        let a = app.post("/tags.update", json!({"id": id, "allowed_values": plain})).await;
        assert_error(&a, 400, "unexpected_json_type");
        assert_eq!(a.body["field_name"], "allowed_values", "{plain}");
        assert_eq!((a.body["expected"].as_str(), a.body["actual"].as_str()), (Some("object"), Some("array")));
    }
    assert_eq!(get_tag(&app, &id).await["allowed_values"], json!(["bronze", "gold"]), "refused: unchanged");
    let a = app.post("/tags.update", json!({"id": id, "allowed_values": {"set": []}})).await;
    assert_eq!(a.status, 200);
    assert!(a.body["tag"].get("allowed_values").is_none(), "{:#}", a.body);

    let a = app.post("/tags.update", json!({"name": "x"})).await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(a.body["field_name"], "id");
    let a = app.post("/tags.update", json!({"id": "TAG-999", "name": "x"})).await;
    assert_error(&a, 404, "not_found");
}

async fn style_colour_must_be_rrggbb(app: TestApp) {
    let ok = create_tag(&app, json!({"name": "ok", "style_new": {"color": "#A1b2C3"}})).await;
    assert_eq!(ok["style_new"]["color"], "#A1b2C3");
    for bad in ["red", "#12345", "#1234567", "123456", "#GGGGGG", "", "#12 345"] {
        let a = app.post("/tags.create", json!({"name": format!("t{bad}"), "style_new": {"color": bad}})).await;
        assert_error(&a, 400, "value_not_permitted");
        assert_eq!(a.body["field_name"], "style_new.color", "{bad}");
        let a = app.post("/tags.update", json!({"id": ok["id"], "name": "renamed", "style_new": {"color": bad}})).await;
        assert_error(&a, 400, "value_not_permitted");
        assert_eq!(a.body["field_name"], "style_new.color", "{bad}");
    }
    let a = app.post("/tags.create", json!({"name": "n", "style_new": {"color": 255}})).await;
    assert_error(&a, 400, "unexpected_json_type");
    assert_eq!(all_tags(&app).await, vec![ok.clone()], "no refused create or update wrote anything");
}

async fn deleting_a_tag_removes_it_from_tagged_objects(app: TestApp) {
    let vip = create_tag(&app, json!({"name": "vip", "allowed_values": ["gold"]})).await;
    let beta = create_tag(&app, json!({"name": "beta"})).await;
    let user =
        app.create_rev_user(json!({"tags": [{"id": vip["id"], "value": "gold"}, {"id": beta["display_id"]}]})).await;
    assert_eq!(user["tags"].as_array().unwrap().len(), 2, "{user:#}");
    let account = app
        .post("/accounts.create", json!({"display_name": "Acme", "tags": [{"id": vip["id"], "value": "gold"}]}))
        .await;
    assert_eq!(account.status, 201, "{:#}", account.body);
    let account_id = account.body["account"]["id"].clone();
    assert_eq!(account.body["account"]["tags"][0]["tag"]["id"], vip["id"]);

    let a = app.post("/tags.delete", json!({"id": vip["id"]})).await;
    assert_eq!(a.status, 200);
    let now = app.get_rev_user(user["id"].as_str().unwrap()).await;
    assert_eq!(now["tags"], json!([{"tag": {"id": beta["id"], "display_id": beta["display_id"], "name": "beta"}}]));
    let a = app.post("/accounts.get", json!({"id": account_id})).await;
    assert!(a.body["account"].get("tags").is_none(), "{:#}", a.body);
    // A contact's list filter on the deleted tag finds nothing (it is simply an unknown tag).
    let a = app.post("/rev-users.list", json!({"tags": [vip["id"]]})).await;
    assert_eq!(a.body["rev_users"], json!([]), "{:#}", a.body);

    let a = app.post("/tags.delete", json!({"id": beta["display_id"]})).await;
    assert_eq!(a.status, 200);
    let now = app.get_rev_user(user["id"].as_str().unwrap()).await;
    assert!(now.get("tags").is_none(), "{now:#}");
    // A deleted tag can no longer be applied.
    let a = app.post("/rev-users.update", json!({"id": user["id"], "tags": [{"id": beta["id"]}]})).await;
    assert_error(&a, 400, "value_not_permitted");
}

async fn list_filters_by_name_and_pages(app: TestApp) {
    let mut made = Vec::new();
    for name in ["alpha", "bravo", "charlie", "delta", "echo"] {
        made.push(create_tag(&app, json!({"name": name})).await);
    }
    let a = app.post("/tags.list", json!({})).await;
    assert_eq!(a.body["tags"].as_array().unwrap().len(), 5);
    assert!(a.body.get("next_cursor").is_none() && a.body.get("prev_cursor").is_none(), "{:#}", a.body);
    for t in a.body["tags"].as_array().unwrap() {
        assert!(t.get("type").is_none());
    }

    let a = app.post("/tags.list", json!({"name": ["bravo", "delta", "nope"]})).await;
    let names: Vec<&str> = a.body["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"bravo") && names.contains(&"delta"), "{names:?}");
    let g = app.get("/tags.list", "name=bravo,delta").await;
    assert_eq!(g.status, 200, "{:#}", g.body);
    assert_eq!(g.body["tags"], a.body["tags"], "GET twin, comma list");

    // Pages of two by name, walking forward to the end and back again.
    let mut seen = Vec::new();
    let mut body = json!({"limit": 2, "sort_by": ["name:asc"]});
    let mut pages = 0;
    loop {
        let a = app.post("/tags.list", body.clone()).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        pages += 1;
        seen.extend(a.body["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()));
        match a.body.get("next_cursor") {
            Some(c) => body["cursor"] = c.clone(),
            None => break,
        }
        assert!(pages < 10, "pagination must end");
    }
    assert_eq!(seen, ["alpha", "bravo", "charlie", "delta", "echo"]);
    assert_eq!(pages, 3);
    let a = app.post("/tags.list", json!({"limit": 2, "sort_by": ["name:desc"]})).await;
    let names: Vec<&str> = a.body["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["echo", "delta"]);

    let a = app.post("/tags.list", json!({"sort_by": ["colour"]})).await;
    assert_error(&a, 400, "invalid_field");
}

async fn ids_in_either_form_and_bad_ids(app: TestApp) {
    let tag = create_tag(&app, json!({"name": "vip"})).await;
    for id in [&tag["id"], &tag["display_id"]] {
        let a = app.post("/tags.update", json!({"id": id, "description": "x"})).await;
        assert_eq!(a.status, 200, "{id}: {:#}", a.body);
    }
    for path in ["/tags.get", "/tags.update", "/tags.delete"] {
        for bad in ["", "nope", "TAG-", "TAG-x"] {
            let a = app.post(path, json!({"id": bad})).await;
            assert_error(&a, 400, "invalid_id");
            assert_eq!(a.body["field_name"], "id");
        }
        for wrong in ["REVU-1", "ACC-1", "don:identity:dvrv-us-1:devo/abc:account/1"] {
            let a = app.post(path, json!({"id": wrong})).await;
            assert_error(&a, 400, "unexpected_id_type");
        }
        let a = app.post(path, json!({})).await;
        assert_error(&a, 400, "missing_required_field");
        assert_eq!(a.body["field_name"], "id");
    }
    let a = app.get("/tags.get", "").await;
    assert_error(&a, 400, "missing_required_field");
    assert_eq!(get_tag(&app, &tag["id"]).await["name"], "vip", "nothing deleted by refused deletes");
}

async fn another_orgs_tags_are_not_found(app: TestApp) {
    let tag = create_tag(&app, json!({"name": "vip", "allowed_values": ["gold"]})).await;
    let other = app.other_org_token().await;
    // The other org has no tag at all, so its answer for our DON must equal its answer for a
    // display id it simply does not have: nothing tells it our tag exists.
    let missing = app.post_as(&other, "/tags.get", json!({"id": tag["display_id"]})).await;
    assert_error(&missing, 404, "not_found");
    let foreign = app.post_as(&other, "/tags.get", json!({"id": tag["id"]})).await;
    assert_eq!((foreign.status, &foreign.body), (missing.status, &missing.body));
    for id in [&tag["id"], &tag["display_id"]] {
        let a = app.post_as(&other, "/tags.update", json!({"id": id, "name": "stolen"})).await;
        assert_error(&a, 404, "not_found");
        let a = app.post_as(&other, "/tags.delete", json!({"id": id})).await;
        assert_error(&a, 404, "not_found");
        // Nor can it be applied there.
        let a = app.post_as(&other, "/rev-users.create", json!({"tags": [{"id": id, "value": "gold"}]})).await;
        assert_error(&a, 400, "value_not_permitted");
    }
    let a = app.post_as(&other, "/tags.list", json!({})).await;
    assert_eq!(a.body["tags"], json!([]), "another org's tags never appear");
    let a = app.post_as(&other, "/tags.list", json!({"name": ["vip"]})).await;
    assert_eq!(a.body["tags"], json!([]));
    // Names are unique per dev org, not per server.
    let a = app.post_as(&other, "/tags.create", json!({"name": "vip"})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(get_tag(&app, &tag["id"]).await, tag, "untouched");
}
