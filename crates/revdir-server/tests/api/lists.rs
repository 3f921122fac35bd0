//! The LIST operations and the GET twins of reads (§1, §4, §7): `rev-users.list` paging,
//! sorting and filters, `sys-users.list`/`sys-users.update`, and light paging of
//! `tags.list`, `accounts.list` and `rev-orgs.list`.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::helpers::{assert_error, send, Answer, TestApp};
use crate::on_both_backends;
use crate::spec::assert_valid_response;

on_both_backends!(
    rev_users_limit_default_and_bounds,
    rev_users_cursor_walks_forward_and_back,
    rev_users_cursors_survive_deleting_the_rest,
    rev_users_mode_before_starts_from_the_end,
    rev_users_sort_by_every_field_and_direction,
    rev_users_bad_sort_and_cursors_are_refused,
    rev_users_paging_survives_concurrent_writes,
    rev_users_paging_by_modified_date_survives_updates,
    rev_users_filters_match_and_combine,
    rev_users_id_filters_never_match_another_org,
    rev_users_filter_errors_name_the_field,
    get_twins_decode_every_query_form,
    get_twins_of_rev_users_get,
    sys_users_list_pages_and_sorts,
    sys_users_update_fields_and_errors,
    tags_list_pages_and_filters_by_name,
    accounts_and_rev_orgs_list_page_and_filter,
);

// ---------------------------------------------------------------------------------------
// Helpers

/// The `display_id`s of the objects under `key`, in answer order.
fn ids_of(a: &Answer, key: &str) -> Vec<String> {
    a.body[key]
        .as_array()
        .unwrap_or_else(|| panic!("no array '{key}' in {:#}", a.body))
        .iter()
        .map(|o| o["display_id"].as_str().unwrap().to_owned())
        .collect()
}

/// `display_id`s of objects.
fn ids(objects: &[Value]) -> Vec<String> {
    objects.iter().map(|o| o["display_id"].as_str().unwrap().to_owned()).collect()
}

/// The number in a counter display id (`REVU-12` → 12).
fn number(display_id: &str) -> i64 {
    display_id.rsplit('-').next().unwrap().parse().unwrap()
}

/// POSTs a list request and asserts 200.
async fn list(app: &TestApp, path: &str, body: Value) -> Answer {
    let a = app.post(path, body.clone()).await;
    assert_eq!(a.status, 200, "{path} {body}: {:#}", a.body);
    a
}

/// Walks a list forward from the start, page by page, checking the cursor rules on each
/// page (`prev_cursor` absent on the first page only, `next_cursor` absent on the last
/// page only); returns every page's `display_id`s.
async fn walk(app: &TestApp, path: &str, key: &str, body: Value) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut request = body.clone();
    loop {
        let a = list(app, path, request.clone()).await;
        if pages.is_empty() {
            assert!(a.body.get("prev_cursor").is_none(), "the first page has no prev_cursor: {:#}", a.body);
        } else {
            assert!(a.body["prev_cursor"].is_string(), "page {} has a prev_cursor: {:#}", pages.len() + 1, a.body);
        }
        pages.push(ids_of(&a, key));
        match a.body.get("next_cursor") {
            Some(c) => {
                assert!(c.is_string(), "cursors are strings, never null: {:#}", a.body);
                assert!(!pages.last().unwrap().is_empty(), "a page with a next_cursor is not empty");
                request = body.clone();
                request["cursor"] = c.clone();
            }
            None => return pages,
        }
        assert!(pages.len() < 200, "the walk never ends");
    }
}

/// Creates `n` contacts named `user-<i>` and returns them in creation order.
async fn create_users(app: &TestApp, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(app.create_rev_user(json!({"display_name": format!("user-{i}")})).await);
    }
    out
}

/// Percent-encodes one query-string component.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Mints a cursor-shaped string with chosen contents (to probe the server's checks).
fn forged_cursor(v: Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap())
}

/// Sorts objects as a list sorted by `field` (ties broken by ascending display id) must be.
fn sorted_by(objects: &[Value], field: &str, desc: bool) -> Vec<String> {
    let key = |o: &Value| -> Value {
        match field {
            "display_id" => json!(number(o["display_id"].as_str().unwrap())),
            // §4: emails compare without regard to case.
            "email" => json!(o["email"].as_str().unwrap_or_default().to_lowercase()),
            f => json!(o[f].as_str().unwrap_or_default()),
        }
    };
    let cmp = |a: &Value, b: &Value| -> Ordering {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_i64().cmp(&y.as_i64()),
            (x, y) => x.as_str().cmp(&y.as_str()),
        }
    };
    let mut v: Vec<&Value> = objects.iter().collect();
    v.sort_by(|a, b| {
        let o = cmp(&key(a), &key(b));
        let o = if desc { o.reverse() } else { o };
        o.then_with(|| number(a["display_id"].as_str().unwrap()).cmp(&number(b["display_id"].as_str().unwrap())))
    });
    v.into_iter().map(|o| o["display_id"].as_str().unwrap().to_owned()).collect()
}

/// Every `rev_users` of a one-page list, as objects.
async fn all_rev_users(app: &TestApp) -> Vec<Value> {
    let a = list(app, "/rev-users.list", json!({"limit": 100})).await;
    assert!(a.body.get("next_cursor").is_none());
    a.body["rev_users"].as_array().unwrap().clone()
}

// ---------------------------------------------------------------------------------------
// rev-users.list: limits, cursors, modes

async fn rev_users_limit_default_and_bounds(app: TestApp) {
    let users = create_users(&app, 51).await;
    let a = list(&app, "/rev-users.list", json!({})).await;
    assert_eq!(ids_of(&a, "rev_users"), ids(&users[..50]), "default limit 50, creation order");
    assert!(a.body["next_cursor"].is_string());
    assert!(a.body.get("prev_cursor").is_none());
    let b = list(&app, "/rev-users.list", json!({"cursor": a.body["next_cursor"]})).await;
    assert_eq!(ids_of(&b, "rev_users"), ids(&users[50..]));
    assert!(b.body.get("next_cursor").is_none(), "the last page has no next_cursor: {:#}", b.body);

    for (limit, expected) in [(1, 1), (2, 2), (50, 50), (51, 51), (100, 51)] {
        let a = list(&app, "/rev-users.list", json!({"limit": limit})).await;
        assert_eq!(ids_of(&a, "rev_users"), ids(&users[..expected]), "limit {limit}");
        assert_eq!(a.body.get("next_cursor").is_some(), expected < 51, "limit {limit}: {:#}", a.body);
    }
    for bad in [0, 101, -1, 1000] {
        let a = app.post("/rev-users.list", json!({"limit": bad})).await;
        assert_error(&a, 400, "value_not_permitted");
        assert_eq!(a.body["field_name"], "limit", "{:#}", a.body);
    }
    let a = app.post("/rev-users.list", json!({"limit": "3"})).await;
    assert_error(&a, 400, "unexpected_json_type");
    assert_eq!(a.body["field_name"], "limit");
    // Beyond int32 it is still a limit outside 1..=100, on both twins.
    let a = app.post("/rev-users.list", json!({"limit": 3_000_000_000_i64})).await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "limit");
    let a = app.get("/rev-users.list", "limit=3000000000").await;
    assert_error(&a, 400, "value_not_permitted");
    assert_eq!(a.body["field_name"], "limit");
}

async fn rev_users_cursor_walks_forward_and_back(app: TestApp) {
    let users = create_users(&app, 7).await;
    let all = ids(&users);
    let pages = walk(&app, "/rev-users.list", "rev_users", json!({"limit": 3})).await;
    assert_eq!(pages, vec![all[0..3].to_vec(), all[3..6].to_vec(), all[6..].to_vec()]);

    // Walk back from the last page with prev_cursor alone: the cursor carries its direction.
    let p1 = list(&app, "/rev-users.list", json!({"limit": 3})).await;
    let p2 = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": p1.body["next_cursor"]})).await;
    let p3 = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": p2.body["next_cursor"]})).await;
    assert_eq!(ids_of(&p3, "rev_users"), all[6..]);
    let back2 = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": p3.body["prev_cursor"]})).await;
    assert_eq!(ids_of(&back2, "rev_users"), all[3..6], "prev_cursor of page 3 gives page 2, in sort order");
    assert!(back2.body["next_cursor"].is_string(), "page 2 reached backwards still has a next page");
    assert!(back2.body["prev_cursor"].is_string());
    let back1 = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": back2.body["prev_cursor"]})).await;
    assert_eq!(ids_of(&back1, "rev_users"), all[0..3]);
    assert!(back1.body.get("prev_cursor").is_none(), "nothing before the first page: {:#}", back1.body);
    let fwd2 = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": back1.body["next_cursor"]})).await;
    assert_eq!(ids_of(&fwd2, "rev_users"), all[3..6], "and forward again");
    // The cursor's own direction wins over `mode`.
    for mode in ["after", "before"] {
        let a =
            list(&app, "/rev-users.list", json!({"limit": 3, "mode": mode, "cursor": p3.body["prev_cursor"]})).await;
        assert_eq!(ids_of(&a, "rev_users"), all[3..6], "mode {mode} with a prev_cursor");
        let a =
            list(&app, "/rev-users.list", json!({"limit": 3, "mode": mode, "cursor": p1.body["next_cursor"]})).await;
        assert_eq!(ids_of(&a, "rev_users"), all[3..6], "mode {mode} with a next_cursor");
    }
    // A cursor may be reused with another limit.
    let a = list(&app, "/rev-users.list", json!({"limit": 10, "cursor": p1.body["next_cursor"]})).await;
    assert_eq!(ids_of(&a, "rev_users"), all[3..]);
    assert!(a.body.get("next_cursor").is_none());
    // Page sizes that divide the set exactly leave no empty trailing page.
    let pages = walk(&app, "/rev-users.list", "rev_users", json!({"limit": 7})).await;
    assert_eq!(pages, vec![all.clone()]);
    let pages = walk(&app, "/rev-users.list", "rev_users", json!({"limit": 1})).await;
    assert_eq!(pages.len(), 7);
    assert_eq!(pages.concat(), all);
    // An empty cursor reads as no cursor.
    let a = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": ""})).await;
    assert_eq!(ids_of(&a, "rev_users"), all[0..3]);
    // Deleting the row a cursor points at does not derail the walk.
    let anchor = p1.body["rev_users"][2]["id"].clone();
    assert_eq!(app.post("/rev-users.delete", json!({"id": anchor})).await.status, 200);
    let a = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": p1.body["next_cursor"]})).await;
    assert_eq!(ids_of(&a, "rev_users"), all[3..6]);
    let a = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": p2.body["prev_cursor"]})).await;
    assert_eq!(ids_of(&a, "rev_users"), all[0..2], "backwards past the deleted anchor");
}

/// A cursor whose neighbours were all deleted gives an empty page whose opposite cursor
/// still leads back to every remaining row, the cursor's own row included.
async fn rev_users_cursors_survive_deleting_the_rest(app: TestApp) {
    let users = create_users(&app, 6).await;
    let all = ids(&users);
    let p1 = list(&app, "/rev-users.list", json!({"limit": 2})).await;
    let p2 = list(&app, "/rev-users.list", json!({"limit": 2, "cursor": p1.body["next_cursor"]})).await;
    assert_eq!(ids_of(&p2, "rev_users"), all[2..4]);
    for u in &users[4..] {
        assert_eq!(app.post("/rev-users.delete", json!({"id": u["id"]})).await.status, 200);
    }
    let empty = list(&app, "/rev-users.list", json!({"limit": 2, "cursor": p2.body["next_cursor"]})).await;
    assert_eq!(empty.body["rev_users"], json!([]));
    assert!(empty.body.get("next_cursor").is_none(), "{:#}", empty.body);
    assert!(empty.body["prev_cursor"].is_string(), "rows remain before: {:#}", empty.body);
    let back = list(&app, "/rev-users.list", json!({"limit": 2, "cursor": empty.body["prev_cursor"]})).await;
    assert_eq!(ids_of(&back, "rev_users"), all[2..4], "back to the last page, its last row included");
    assert!(back.body.get("next_cursor").is_none(), "{:#}", back.body);
    assert!(back.body["prev_cursor"].is_string());

    // The same walking backwards: delete everything before the page, then go back.
    let q1 = list(&app, "/rev-users.list", json!({"limit": 2, "mode": "before"})).await;
    assert_eq!(ids_of(&q1, "rev_users"), all[2..4]);
    for u in &users[..2] {
        assert_eq!(app.post("/rev-users.delete", json!({"id": u["id"]})).await.status, 200);
    }
    let empty = list(&app, "/rev-users.list", json!({"limit": 2, "cursor": q1.body["prev_cursor"]})).await;
    assert_eq!(empty.body["rev_users"], json!([]));
    assert!(empty.body.get("prev_cursor").is_none(), "{:#}", empty.body);
    assert!(empty.body["next_cursor"].is_string(), "rows remain after: {:#}", empty.body);
    let fwd = list(&app, "/rev-users.list", json!({"limit": 2, "cursor": empty.body["next_cursor"]})).await;
    assert_eq!(ids_of(&fwd, "rev_users"), all[2..4], "forward to the first page, its first row included");
    assert!(fwd.body.get("prev_cursor").is_none(), "{:#}", fwd.body);

    // With nothing left at all, an empty page has no cursors.
    for u in &users[2..4] {
        assert_eq!(app.post("/rev-users.delete", json!({"id": u["id"]})).await.status, 200);
    }
    for cursor in [&p2.body["next_cursor"], &q1.body["prev_cursor"]] {
        let a = list(&app, "/rev-users.list", json!({"limit": 2, "cursor": cursor})).await;
        assert_eq!(a.body, json!({"rev_users": []}));
    }
}

async fn rev_users_mode_before_starts_from_the_end(app: TestApp) {
    let all = ids(&create_users(&app, 7).await);
    let a = list(&app, "/rev-users.list", json!({"limit": 3, "mode": "before"})).await;
    assert_eq!(ids_of(&a, "rev_users"), all[4..], "the last three, still in sort order");
    assert!(a.body.get("next_cursor").is_none(), "nothing after the end: {:#}", a.body);
    let b = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": a.body["prev_cursor"]})).await;
    assert_eq!(ids_of(&b, "rev_users"), all[1..4]);
    assert!(b.body["next_cursor"].is_string());
    let c = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": b.body["prev_cursor"]})).await;
    assert_eq!(ids_of(&c, "rev_users"), all[..1]);
    assert!(c.body.get("prev_cursor").is_none(), "{:#}", c.body);
    let d = list(&app, "/rev-users.list", json!({"limit": 3, "cursor": c.body["next_cursor"]})).await;
    assert_eq!(ids_of(&d, "rev_users"), all[1..4]);
    // With a descending sort, `before` starts from the smallest.
    let a = list(&app, "/rev-users.list", json!({"limit": 2, "mode": "before", "sort_by": ["display_id:desc"]})).await;
    assert_eq!(ids_of(&a, "rev_users"), vec![all[1].clone(), all[0].clone()]);
    // mode after without a cursor is the default.
    let a = list(&app, "/rev-users.list", json!({"limit": 3, "mode": "after"})).await;
    assert_eq!(ids_of(&a, "rev_users"), all[..3]);
    let a = app.post("/rev-users.list", json!({"mode": "sideways"})).await;
    assert_error(&a, 400, "invalid_enum_value");
    assert_eq!(a.body["field_name"], "mode");
    assert_eq!(a.body["allowed_values"], json!(["after", "before"]));
}

async fn rev_users_sort_by_every_field_and_direction(app: TestApp) {
    // Values chosen so each field orders the contacts differently from creation order and
    // from each other; emails differ in case to show they sort without regard to it.
    let specs = [
        ("delta", "Carol@example.com", "ext-e"),
        ("alpha", "erin@example.com", "ext-a"),
        ("echo", "alice@example.com", "ext-d"),
        ("charlie", "Bob@example.com", "ext-c"),
        ("bravo", "dave@example.com", "ext-g"),
        ("foxtrot", "frank@example.com", "ext-b"),
        ("alpha", "gina@example.com", "ext-f"),
    ];
    let mut created = Vec::new();
    for (name, email, ext) in specs {
        created.push(app.create_rev_user(json!({"display_name": name, "email": email, "external_ref": ext})).await);
    }
    // No email: it sorts as the empty string, first when ascending.
    created.push(app.create_rev_user(json!({"display_name": "golf", "external_ref": "ext-h"})).await);
    // Touch some contacts in an order unlike creation so modified_date differs.
    tokio::time::sleep(Duration::from_millis(3)).await;
    for i in [4, 0, 2] {
        let a = app.post("/rev-users.update", json!({"id": created[i]["id"], "description": "touched"})).await;
        assert_eq!(a.status, 200);
    }
    let users = all_rev_users(&app).await;
    assert_eq!(users.len(), 8);
    for field in ["created_date", "display_name", "display_id", "email", "modified_date", "external_ref"] {
        for (spec, desc) in
            [(field.to_owned(), false), (format!("{field}:asc"), false), (format!("{field}:desc"), true)]
        {
            let expected = sorted_by(&users, field, desc);
            let a = list(&app, "/rev-users.list", json!({"sort_by": [spec]})).await;
            assert_eq!(ids_of(&a, "rev_users"), expected, "sort_by {spec}");
            // Keyset paging under this order, two at a time, gives the same sequence.
            let pages = walk(&app, "/rev-users.list", "rev_users", json!({"sort_by": [spec], "limit": 2})).await;
            assert_eq!(pages.concat(), expected, "paging with sort_by {spec}");
            // And backwards from the end.
            let mut back = Vec::new();
            let mut req = json!({"sort_by": [spec], "limit": 2, "mode": "before"});
            loop {
                let a = list(&app, "/rev-users.list", req.clone()).await;
                let mut page = ids_of(&a, "rev_users");
                page.extend(back);
                back = page;
                match a.body.get("prev_cursor") {
                    Some(c) => req = json!({"sort_by": [spec], "limit": 2, "cursor": c}),
                    None => break,
                }
            }
            assert_eq!(back, expected, "paging backwards with sort_by {spec}");
        }
    }
    assert_ne!(sorted_by(&users, "modified_date", false), sorted_by(&users, "created_date", false));
    // Several keys: display_name, then newest first among equal names.
    let a = list(&app, "/rev-users.list", json!({"sort_by": ["display_name", "created_date:desc"], "limit": 3})).await;
    let (alpha1, alpha2) = (created[1]["display_id"].clone(), created[6]["display_id"].clone());
    assert_eq!(a.body["rev_users"][0]["display_id"], alpha2, "{:#}", a.body);
    assert_eq!(a.body["rev_users"][1]["display_id"], alpha1);
    assert_eq!(a.body["rev_users"][2]["display_name"], "bravo");
    let b = list(
        &app,
        "/rev-users.list",
        json!({"sort_by": ["display_name", "created_date:desc"], "cursor": a.body["next_cursor"]}),
    )
    .await;
    let names: Vec<&str> =
        b.body["rev_users"].as_array().unwrap().iter().map(|u| u["display_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["charlie", "delta", "echo", "foxtrot", "golf"]);
}

async fn rev_users_bad_sort_and_cursors_are_refused(app: TestApp) {
    create_users(&app, 4).await;
    for bad in [
        json!(["bogus"]),
        json!(["bogus:desc"]),
        json!(["display_name:sideways"]),
        json!(["phone_numbers"]),
        json!(["display_name", "display_name:desc"]),
    ] {
        let a = app.post("/rev-users.list", json!({"sort_by": bad})).await;
        assert_error(&a, 400, "invalid_field");
        assert_eq!(a.body["field_name"], "sort_by", "{bad}: {:#}", a.body);
    }
    let by_name = list(&app, "/rev-users.list", json!({"sort_by": ["display_name"], "limit": 2})).await;
    let cursor = by_name.body["next_cursor"].clone();
    assert!(cursor.is_string());
    for other in [
        json!({}),
        json!({"sort_by": ["email"]}),
        json!({"sort_by": ["display_name:desc"]}),
        json!({"sort_by": ["display_name", "email"]}),
    ] {
        let mut req = other.clone();
        req["cursor"] = cursor.clone();
        let a = app.post("/rev-users.list", req).await;
        assert_error(&a, 400, "bad_request");
    }
    // `display_name` and `display_name:asc` are the same order, so the cursor still fits.
    let a = list(&app, "/rev-users.list", json!({"sort_by": ["display_name:asc"], "cursor": cursor})).await;
    assert_eq!(a.body["rev_users"].as_array().unwrap().len(), 2);
    let forged = [
        json!({"cursor": "garbage"}),
        json!({"cursor": "!!!"}),
        json!({"cursor": forged_cursor(json!([1, 2]))}),
        // The right shape, but text where the id column holds numbers.
        json!({"cursor": forged_cursor(json!({"b": false, "s": [], "k": ["not-a-number"]}))}),
        // More keys than the sort has columns.
        json!({"cursor": forged_cursor(json!({"b": false, "s": [], "k": [1, 2]}))}),
        // A number where display_name holds text.
        json!({"sort_by": ["display_name"],
            "cursor": forged_cursor(json!({"b": false, "s": ["display_name:asc"], "k": [5, 1]}))}),
    ];
    for req in forged {
        let a = app.post("/rev-users.list", req.clone()).await;
        assert_error(&a, 400, "bad_request");
    }
    let a = app.post("/rev-users.list", json!({"cursor": 5})).await;
    assert_error(&a, 400, "unexpected_json_type");
    assert_eq!(a.body["field_name"], "cursor");
    let a = app.post("/rev-users.list", json!({"sort_by": "display_name"})).await;
    assert_error(&a, 400, "unexpected_json_type");
    assert_eq!(a.body["field_name"], "sort_by");
}

/// Pages through the contacts sorted by display id while another task keeps creating and
/// updating contacts: every contact that existed throughout appears exactly once, in order.
async fn rev_users_paging_survives_concurrent_writes(app: TestApp) {
    let originals = ids(&create_users(&app, 12).await);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (raw, addr, token, stop) = (app.raw.clone(), app.addr.clone(), app.token.clone(), stop.clone());
        let targets = originals.clone();
        tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let req = raw
                    .post(format!("{addr}/rev-users.create"))
                    .bearer_auth(&token)
                    .json(&json!({"display_name": format!("new-{n}")}));
                let create = send(req).await;
                assert_valid_response("/rev-users.create", "POST", create.status, &create.body);
                assert_eq!(create.status, 201, "{:#}", create.body);
                let req = raw
                    .post(format!("{addr}/rev-users.update"))
                    .bearer_auth(&token)
                    .json(&json!({"id": targets[n % targets.len()], "display_name": format!("renamed-{n}")}));
                let update = send(req).await;
                assert_valid_response("/rev-users.update", "POST", update.status, &update.body);
                assert_eq!(update.status, 200, "{:#}", update.body);
                n += 1;
            }
            n
        })
    };
    let mut seen = Vec::new();
    let mut req = json!({"sort_by": ["display_id"], "limit": 2});
    loop {
        let a = list(&app, "/rev-users.list", req.clone()).await;
        seen.extend(ids_of(&a, "rev_users"));
        // Make sure writes land between pages.
        tokio::time::sleep(Duration::from_millis(5)).await;
        match a.body.get("next_cursor") {
            // Stop once the originals are behind us, so the writer cannot outrun the walk.
            Some(c) if seen.iter().filter(|d| originals.contains(d)).count() < originals.len() => {
                req = json!({"sort_by": ["display_id"], "limit": 2, "cursor": c});
            }
            _ => break,
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.await.unwrap();
    assert!(writes > 0, "the writer ran during the walk");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no contact repeated: {seen:?}");
    let seen_originals: Vec<String> = seen.iter().filter(|d| originals.contains(d)).cloned().collect();
    assert_eq!(seen_originals, originals, "no contact skipped, all in display-id order");
    let numbers: Vec<i64> = seen.iter().map(|d| number(d)).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "ascending: {numbers:?}");
}

/// Sorted by modified_date, an updated contact moves to the end: contacts nobody touched
/// still appear exactly once, and no contact is lost.
async fn rev_users_paging_by_modified_date_survives_updates(app: TestApp) {
    let users = create_users(&app, 9).await;
    let all = ids(&users);
    let body = json!({"sort_by": ["modified_date"], "limit": 3});
    let p1 = list(&app, "/rev-users.list", body.clone()).await;
    let mut seen = ids_of(&p1, "rev_users");
    assert_eq!(seen, all[..3]);
    // Distinct milliseconds, so "later" is strictly later than every existing row.
    tokio::time::sleep(Duration::from_millis(3)).await;
    let (seen_touched, unseen_touched) = (users[1]["id"].clone(), users[4]["id"].clone());
    for id in [&seen_touched, &unseen_touched] {
        assert_eq!(app.post("/rev-users.update", json!({"id": id, "description": "moved"})).await.status, 200);
    }
    let newcomer = app.create_rev_user(json!({"display_name": "newcomer"})).await;
    let mut req = body.clone();
    req["cursor"] = p1.body["next_cursor"].clone();
    loop {
        let a = list(&app, "/rev-users.list", req.clone()).await;
        seen.extend(ids_of(&a, "rev_users"));
        match a.body.get("next_cursor") {
            Some(c) => req["cursor"] = c.clone(),
            None => break,
        }
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for d in &seen {
        *counts.entry(d.as_str()).or_default() += 1;
    }
    for (i, d) in all.iter().enumerate() {
        let c = counts.get(d.as_str()).copied().unwrap_or_default();
        if i == 1 {
            assert!(c >= 1, "{d} was touched after it was seen; it may come again: {seen:?}");
        } else {
            assert_eq!(c, 1, "{d} appears exactly once: {seen:?}");
        }
    }
    assert_eq!(counts.get(newcomer["display_id"].as_str().unwrap()), Some(&1));
    // The untouched contacts come first, in creation order, then the touched ones.
    let untouched: Vec<String> = [0, 2, 3, 5, 6, 7, 8].iter().map(|&i| all[i].clone()).collect();
    let position = |d: &String| seen.iter().rposition(|s| s == d).unwrap();
    assert!(untouched.windows(2).all(|w| position(&w[0]) < position(&w[1])), "{seen:?}");
    assert!(position(&all[4]) > position(&all[8]), "the touched contact moved to the end: {seen:?}");
}

// ---------------------------------------------------------------------------------------
// rev-users.list filters

/// Everything the filter tests share: three workspaces and two tags of the caller's org.
struct Fixture {
    users: Vec<Value>,
    account_a: Value,
    ra: Value,
    rb: Value,
    rc: Value,
    vip: Value,
    beta: Value,
}

async fn fixture(app: &TestApp) -> Fixture {
    let a = app.post("/accounts.create", json!({"display_name": "Acme"})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let (account_a, ra) = (a.body["account"].clone(), a.body["default_rev_org"].clone());
    let b = app.post("/rev-orgs.create", json!({"display_name": "Acme EU", "account": account_a["display_id"]})).await;
    assert_eq!(b.status, 201, "{:#}", b.body);
    let rb = b.body["rev_org"].clone();
    let c = app.post("/accounts.create", json!({"display_name": "Globex"})).await;
    assert_eq!(c.status, 201, "{:#}", c.body);
    let rc = c.body["default_rev_org"].clone();
    let vip = app.post("/tags.create", json!({"name": "vip", "allowed_values": ["gold", "silver"]})).await.body["tag"]
        .clone();
    let beta = app.post("/tags.create", json!({"name": "beta"})).await.body["tag"].clone();
    let users = vec![
        app.create_rev_user(json!({"display_name": "ada", "email": "Ada@Example.com", "external_ref": "crm-1",
            "phone_numbers": ["+14155550100"], "rev_org": ra["id"], "tags": [{"id": vip["id"], "value": "gold"}]}))
            .await,
        app.create_rev_user(json!({"display_name": "grace", "email": "grace@example.com", "external_ref": "crm-2",
            "external_refs": ["crm-2", "zd-2"], "phone_numbers": ["+447911123456", "+14155550101"],
            "rev_org": rb["display_id"], "tags": [{"id": vip["display_id"], "value": "silver"}, {"id": beta["id"]}]}))
            .await,
        app.create_rev_user(
            json!({"display_name": "hopper", "rev_org": rc["id"], "tags": [{"id": beta["display_id"]}]}),
        )
        .await,
        app.create_rev_user(json!({"display_name": "linus", "email": "linus@example.com"})).await,
    ];
    Fixture { users, account_a, ra, rb, rc, vip, beta }
}

async fn rev_users_filters_match_and_combine(app: TestApp) {
    let f = fixture(&app).await;
    let u = ids(&f.users);
    let (vip, beta) = (&f.vip, &f.beta);
    let vip_gold = format!("{}=gold", vip["display_id"].as_str().unwrap());
    let cases: Vec<(Value, Vec<&String>)> = vec![
        (json!({}), vec![&u[0], &u[1], &u[2], &u[3]]),
        (json!({"email": ["ada@example.com"]}), vec![&u[0]]),
        (json!({"email": ["ADA@EXAMPLE.COM", "grace@example.com"]}), vec![&u[0], &u[1]]),
        (json!({"email": ["nobody@example.com"]}), vec![]),
        (json!({"email": []}), vec![]),
        (json!({"external_ref": ["crm-1"]}), vec![&u[0]]),
        (json!({"external_ref": ["crm-1", "crm-2", "nope"]}), vec![&u[0], &u[1]]),
        (json!({"external_ref": [u[2]]}), vec![&u[2]]),
        (json!({"external_refs": ["zd-2"]}), vec![&u[1]]),
        (json!({"external_refs": ["zd-2", "crm-1"]}), vec![&u[0], &u[1]]),
        (json!({"phone_numbers": ["+14155550101"]}), vec![&u[1]]),
        (json!({"phone_numbers": ["+14155550100", "+447911123456"]}), vec![&u[0], &u[1]]),
        (json!({"phone_numbers": ["+19999999999"]}), vec![]),
        (json!({"rev_org": [f.ra["id"]]}), vec![&u[0]]),
        (json!({"rev_org": [f.rb["display_id"]]}), vec![&u[1]]),
        (json!({"rev_org": [f.ra["display_id"], f.rc["id"]]}), vec![&u[0], &u[2]]),
        (json!({"associations": [f.account_a["display_id"]]}), vec![&u[0], &u[1]]),
        (json!({"associations": [f.rc["id"]]}), vec![&u[2]]),
        (json!({"created_by": ["DEVU-1"]}), vec![&u[0], &u[1], &u[2], &u[3]]),
        (json!({"created_by": [f.users[0]["created_by"]["id"]]}), vec![&u[0], &u[1], &u[2], &u[3]]),
        (json!({"created_by": ["DEVU-999", "SYSU-1"]}), vec![]),
        (json!({"is_verified": true}), vec![&u[0], &u[1], &u[2], &u[3]]),
        (json!({"is_verified": false}), vec![]),
        (json!({"tags": [vip["display_id"]]}), vec![&u[0], &u[1]]),
        (json!({"tags": [vip["id"]]}), vec![&u[0], &u[1]]),
        (json!({"tags": [vip_gold]}), vec![&u[0]]),
        (json!({"tags": [format!("{}=silver", vip["id"].as_str().unwrap())]}), vec![&u[1]]),
        (json!({"tags": [format!("{}=bronze", vip["id"].as_str().unwrap())]}), vec![]),
        (json!({"tags": [vip_gold, beta["display_id"]]}), vec![&u[0], &u[1], &u[2]]),
        (json!({"tags": [beta["id"]]}), vec![&u[1], &u[2]]),
        (json!({"tags": ["TAG-999"]}), vec![]),
        // AND across filters.
        (json!({"email": ["ada@example.com", "grace@example.com"], "tags": [beta["id"]]}), vec![&u[1]]),
        (json!({"rev_org": [f.ra["id"], f.rb["id"]], "phone_numbers": ["+14155550100"]}), vec![&u[0]]),
        (json!({"tags": [beta["id"]], "rev_org": [f.rc["id"]], "is_verified": true}), vec![&u[2]]),
        (json!({"email": ["linus@example.com"], "rev_org": [f.ra["id"]]}), vec![]),
    ];
    for (filter, expected) in cases {
        let a = list(&app, "/rev-users.list", filter.clone()).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids_of(&a, "rev_users"), expected, "filter {filter}");
    }

    // Date ranges: inclusive at both ends; expectations from the stored stamps.
    tokio::time::sleep(Duration::from_millis(3)).await;
    assert_eq!(
        app.post("/rev-users.update", json!({"id": f.users[1]["id"], "description": "later"})).await.status,
        200
    );
    let users = all_rev_users(&app).await;
    let in_range = |field: &str, after: Option<&str>, before: Option<&str>| -> Vec<String> {
        users
            .iter()
            .filter(|u| {
                let d = u[field].as_str().unwrap();
                after.is_none_or(|a| d >= a) && before.is_none_or(|b| d <= b)
            })
            .map(|u| u["display_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let date = |i: usize, field: &str| users[i][field].as_str().unwrap().to_owned();
    for field in ["created_date", "modified_date"] {
        for (after, before) in [
            (Some(date(1, field)), Some(date(2, field))),
            (Some(date(1, field)), None),
            (None, Some(date(1, field))),
            (Some(date(3, field)), Some(date(3, field))),
            (Some("2000-01-01T00:00:00Z".to_owned()), Some("2000-01-02T00:00:00Z".to_owned())),
            (Some("2000-01-01T00:00:00+02:00".to_owned()), None),
        ] {
            let mut range = json!({});
            if let Some(a) = &after {
                range["after"] = json!(a);
            }
            if let Some(b) = &before {
                range["before"] = json!(b);
            }
            let a = list(&app, "/rev-users.list", json!({ field: range })).await;
            let expected = in_range(field, after.as_deref().filter(|a| a.ends_with('Z')), before.as_deref());
            assert_eq!(ids_of(&a, "rev_users"), expected, "{field} {range}");
        }
    }
    // Bounds finer than the stored milliseconds: half a millisecond after a contact's stamp
    // excludes it as `after` and includes it as `before`.
    let finer = date(3, "created_date").replace('Z', "5Z");
    let a = list(&app, "/rev-users.list", json!({"created_date": {"after": finer}})).await;
    assert!(!ids_of(&a, "rev_users").contains(&u[3]), "{finer}: {:#}", a.body);
    let a = list(&app, "/rev-users.list", json!({"created_date": {"before": finer}})).await;
    assert!(ids_of(&a, "rev_users").contains(&u[3]), "{finer}: {:#}", a.body);
    let touched = date(1, "modified_date");
    let a = list(&app, "/rev-users.list", json!({"modified_date": {"after": touched}})).await;
    assert_eq!(ids_of(&a, "rev_users"), vec![u[1].clone()], "only the touched contact was modified since");
    let a = list(
        &app,
        "/rev-users.list",
        json!({"created_date": {"after": date(3, "created_date")}, "modified_date": {"after": touched}}),
    )
    .await;
    assert_eq!(ids_of(&a, "rev_users"), Vec::<String>::new(), "date ranges AND together");
    // Filters and paging together.
    let pages = walk(&app, "/rev-users.list", "rev_users", json!({"tags": [vip["id"], beta["id"]], "limit": 2})).await;
    assert_eq!(pages, vec![vec![u[0].clone(), u[1].clone()], vec![u[2].clone()]]);
}

async fn rev_users_id_filters_never_match_another_org(app: TestApp) {
    let f = fixture(&app).await;
    let other = app.other_org_token().await;
    // The other org's own objects, named by DON.
    let oa = app.post_as(&other, "/accounts.create", json!({"display_name": "Initech"})).await;
    assert_eq!(oa.status, 201, "{:#}", oa.body);
    let foreign_rev_org = oa.body["default_rev_org"]["id"].clone();
    let foreign_account = oa.body["account"]["id"].clone();
    let ot = app.post_as(&other, "/tags.create", json!({"name": "vip"})).await;
    let foreign_tag = ot.body["tag"]["id"].clone();
    let ou = app.post_as(&other, "/rev-users.create", json!({"rev_org": foreign_rev_org})).await;
    assert_eq!(ou.status, 201, "{:#}", ou.body);
    let foreign_admin = ou.body["rev_user"]["created_by"]["id"].clone();
    assert_ne!(foreign_admin, f.users[0]["created_by"]["id"]);
    for filter in [
        json!({"rev_org": [foreign_rev_org]}),
        json!({"associations": [foreign_account]}),
        json!({"associations": [foreign_rev_org]}),
        json!({"created_by": [foreign_admin]}),
        json!({"tags": [foreign_tag]}),
        json!({"tags": [format!("{}=x", foreign_tag.as_str().unwrap())]}),
    ] {
        let a = list(&app, "/rev-users.list", filter.clone()).await;
        assert_eq!(a.body["rev_users"], json!([]), "{filter} names another org's object: {:#}", a.body);
    }
    // Mixed with one of our own ids, only ours counts.
    let a = list(&app, "/rev-users.list", json!({"rev_org": [foreign_rev_org, f.ra["id"]]})).await;
    assert_eq!(ids_of(&a, "rev_users"), vec![f.users[0]["display_id"].as_str().unwrap().to_owned()]);
    let a = list(&app, "/rev-users.list", json!({"tags": [foreign_tag, f.beta["id"]]})).await;
    assert_eq!(ids_of(&a, "rev_users"), ids(&f.users[1..3]));
    // Our DONs, from the other org: its list holds only its own contact.
    let our_filters = [
        json!({"rev_org": [f.ra["id"]]}),
        json!({"created_by": [f.users[0]["created_by"]["id"]]}),
        json!({"tags": [f.vip["id"]]}),
        json!({}),
    ];
    for filter in our_filters {
        let a = app.post_as(&other, "/rev-users.list", filter.clone()).await;
        assert_eq!(a.status, 200);
        let got = ids_of(&a, "rev_users");
        if filter == json!({}) {
            assert_eq!(got, vec![ou.body["rev_user"]["display_id"].as_str().unwrap().to_owned()]);
        } else {
            assert!(got.is_empty(), "{filter} from the other org: {got:?}");
        }
    }
}

async fn rev_users_filter_errors_name_the_field(app: TestApp) {
    create_users(&app, 1).await;
    let cases = [
        (json!({"rev_org": ["bogus"]}), "invalid_id", "rev_org"),
        (json!({"rev_org": ["TAG-1"]}), "unexpected_id_type", "rev_org"),
        (json!({"created_by": ["nope"]}), "invalid_id", "created_by"),
        (json!({"created_by": ["TAG-1"]}), "unexpected_id_type", "created_by"),
        (json!({"tags": ["REVU-1"]}), "unexpected_id_type", "tags"),
        (json!({"tags": ["=gold"]}), "invalid_id", "tags"),
        (json!({"associations": ["REVU-1"]}), "unexpected_id_type", "associations"),
        (json!({"created_date": {"after": "yesterday"}}), "value_not_permitted", "created_date.after"),
        (json!({"modified_date": {"before": "2025-13-01T00:00:00Z"}}), "value_not_permitted", "modified_date.before"),
        (json!({"email": "a@example.com"}), "unexpected_json_type", "email"),
        (json!({"is_verified": "yes"}), "unexpected_json_type", "is_verified"),
        (json!({"created_date": "2025-01-01T00:00:00Z"}), "unexpected_json_type", "created_date"),
    ];
    for (body, kind, field) in cases {
        let a = app.post("/rev-users.list", body.clone()).await;
        assert_error(&a, 400, kind);
        assert!(a.body["field_name"].as_str().unwrap().starts_with(field), "{body}: {:#}", a.body);
    }
    // A custom field filter must name a field of a fragment (none exists here).
    let a = app.post("/rev-users.list", json!({"custom_fields": {"tnt__x": 1}})).await;
    assert_error(&a, 400, "customization_validation_error");
    assert_eq!(
        (a.body["subtype"].as_str(), a.body["field_name"].as_str()),
        (Some("field_not_in_schema"), Some("tnt__x"))
    );
}

// ---------------------------------------------------------------------------------------
// GET twins

/// GETs a read and asserts it answers exactly what the POST twin answers.
async fn same_as_post(app: &TestApp, path: &str, query: &str, body: Value) -> Answer {
    let g = app.get(path, query).await;
    let p = app.post(path, body.clone()).await;
    assert_eq!(g.status, p.status, "GET {path}?{query} vs POST {body}: {:#} / {:#}", g.body, p.body);
    assert_eq!(g.body, p.body, "GET {path}?{query} vs POST {body}");
    g
}

async fn get_twins_decode_every_query_form(app: TestApp) {
    let f = fixture(&app).await;
    let u = ids(&f.users);
    let (a, g) = ("ada@example.com", "grace@example.com");
    let email_forms = [
        format!("email={},{}", enc(a), enc(g)),
        format!("email={a},{g}"),
        format!("email={}", enc(&format!("\"{a}\",\"{g}\""))),
        format!("email=%22{}%22,%22{}%22", enc(a), enc(g)),
        format!("email={a}&email={g}"),
        format!("email[]={a}&email[]={g}"),
        format!("email={}", enc(&format!("[\"{a}\",\"{g}\"]"))),
    ];
    for q in email_forms {
        let r = same_as_post(&app, "/rev-users.list", &q, json!({"email": [a, g]})).await;
        assert_eq!(r.status, 200);
        assert_eq!(ids_of(&r, "rev_users"), u[..2], "{q}");
    }
    let r = same_as_post(
        &app,
        "/rev-users.list",
        &format!("email={}", enc("ADA@EXAMPLE.COM")),
        json!({"email": ["ADA@EXAMPLE.COM"]}),
    )
    .await;
    assert_eq!(ids_of(&r, "rev_users"), u[..1]);

    let users = all_rev_users(&app).await;
    let (lo, hi) = (users[1]["created_date"].as_str().unwrap(), users[2]["created_date"].as_str().unwrap());
    let expected: Vec<String> = users
        .iter()
        .filter(|x| (lo..=hi).contains(&x["created_date"].as_str().unwrap()))
        .map(|x| x["display_id"].as_str().unwrap().to_owned())
        .collect();
    for q in [
        format!("created_date.after={lo}&created_date.before={hi}"),
        format!("created_date[after]={lo}&created_date[before]={hi}"),
        format!("created_date%5Bafter%5D={}&created_date%5Bbefore%5D={}", enc(lo), enc(hi)),
        format!("created_date.after={lo}&created_date[before]={hi}"),
    ] {
        let r = same_as_post(&app, "/rev-users.list", &q, json!({"created_date": {"after": lo, "before": hi}})).await;
        assert_eq!(ids_of(&r, "rev_users"), expected, "{q}");
    }

    let vip = f.vip["display_id"].as_str().unwrap();
    let beta = f.beta["id"].as_str().unwrap();
    let twins: Vec<(String, Value)> = vec![
        (format!("tags={vip}=gold"), json!({"tags": [format!("{vip}=gold")]})),
        (format!("tags={}", enc(&format!("{vip}=gold"))), json!({"tags": [format!("{vip}=gold")]})),
        (format!("tags={vip}=gold,{}", enc(beta)), json!({"tags": [format!("{vip}=gold"), beta]})),
        (
            format!("rev_org={},{}", enc(f.ra["id"].as_str().unwrap()), f.rb["display_id"].as_str().unwrap()),
            json!({"rev_org": [f.ra["id"], f.rb["display_id"]]}),
        ),
        ("phone_numbers=%2B14155550100".to_owned(), json!({"phone_numbers": ["+14155550100"]})),
        ("external_ref=crm-1&external_ref=crm-2".to_owned(), json!({"external_ref": ["crm-1", "crm-2"]})),
        ("external_refs=zd-2".to_owned(), json!({"external_refs": ["zd-2"]})),
        ("created_by=DEVU-1".to_owned(), json!({"created_by": ["DEVU-1"]})),
        ("is_verified=true".to_owned(), json!({"is_verified": true})),
        ("is_verified=false".to_owned(), json!({"is_verified": false})),
        ("limit=2&sort_by=display_name:desc".to_owned(), json!({"limit": 2, "sort_by": ["display_name:desc"]})),
        ("sort_by=email:desc,display_id".to_owned(), json!({"sort_by": ["email:desc", "display_id"]})),
        ("limit=2&mode=before".to_owned(), json!({"limit": 2, "mode": "before"})),
        ("".to_owned(), json!({})),
        ("unknown_param=1".to_owned(), json!({})),
    ];
    for (q, body) in twins {
        let r = same_as_post(&app, "/rev-users.list", &q, body).await;
        assert_eq!(r.status, 200, "{q}: {:#}", r.body);
    }
    let r = app.get("/rev-users.list", "tags=TAG-1=gold").await;
    assert_eq!(r.status, 200);

    // Cursors travel between the twins.
    let g1 = app.get("/rev-users.list", "limit=2&sort_by=display_name").await;
    let p1 = list(&app, "/rev-users.list", json!({"limit": 2, "sort_by": ["display_name"]})).await;
    assert_eq!(g1.body, p1.body);
    let cursor = g1.body["next_cursor"].as_str().unwrap();
    let r = same_as_post(
        &app,
        "/rev-users.list",
        &format!("limit=2&sort_by=display_name&cursor={}", enc(cursor)),
        json!({"limit": 2, "sort_by": ["display_name"], "cursor": cursor}),
    )
    .await;
    assert_eq!(r.body["rev_users"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["rev_users"][0]["display_name"], "hopper");
    let back = app
        .get(
            "/rev-users.list",
            &format!("limit=2&sort_by=display_name&cursor={}", enc(r.body["prev_cursor"].as_str().unwrap())),
        )
        .await;
    assert_eq!(back.body["rev_users"], p1.body["rev_users"]);

    // Errors name the field, on both twins alike.
    let r = same_as_post(&app, "/rev-users.list", "limit=abc", json!({"limit": "abc"})).await;
    assert_error(&r, 400, "unexpected_json_type");
    assert_eq!(r.body["field_name"], "limit");
    assert_eq!(r.body["expected"], "number");
    let r = same_as_post(&app, "/rev-users.list", "mode=sideways", json!({"mode": "sideways"})).await;
    assert_error(&r, 400, "invalid_enum_value");
    assert_eq!(r.body["field_name"], "mode");
    assert_eq!(r.body["value"], "sideways");
    assert_eq!(r.body["allowed_values"], json!(["after", "before"]));
    for (q, body, kind, field) in [
        ("limit=0", json!({"limit": 0}), "value_not_permitted", "limit"),
        ("limit=101", json!({"limit": 101}), "value_not_permitted", "limit"),
        ("sort_by=bogus", json!({"sort_by": ["bogus"]}), "invalid_field", "sort_by"),
        ("is_verified=maybe", json!({"is_verified": "maybe"}), "unexpected_json_type", "is_verified"),
        ("rev_org=bogus", json!({"rev_org": ["bogus"]}), "invalid_id", "rev_org"),
        (
            "created_date.after=yesterday",
            json!({"created_date": {"after": "yesterday"}}),
            "value_not_permitted",
            "created_date.after",
        ),
    ] {
        let r = same_as_post(&app, "/rev-users.list", q, body).await;
        assert_error(&r, 400, kind);
        assert!(r.body["field_name"].as_str().unwrap().starts_with(field), "{q}: {:#}", r.body);
    }
    let r = same_as_post(&app, "/rev-users.list", "cursor=garbage", json!({"cursor": "garbage"})).await;
    assert_error(&r, 400, "bad_request");
}

async fn get_twins_of_rev_users_get(app: TestApp) {
    let u = app.create_rev_user(json!({"display_name": "Ada", "email": "ada@example.com"})).await;
    let display = u["display_id"].as_str().unwrap();
    let don = u["id"].as_str().unwrap();
    for q in [format!("id={display}"), format!("id={}", enc(don)), format!("id=%22{display}%22")] {
        let r = same_as_post(&app, "/rev-users.get", &q, json!({"id": display})).await;
        assert_eq!(r.status, 200, "{q}: {:#}", r.body);
        assert_eq!(r.body["rev_user"], u, "{q}");
    }
    let r = app.get("/rev-users.get", "").await;
    assert_error(&r, 400, "missing_required_field");
    assert_eq!(r.body["field_name"], "id");
    let r = same_as_post(&app, "/rev-users.get", "id=REVU-999", json!({"id": "REVU-999"})).await;
    assert_error(&r, 404, "not_found");
    let r = same_as_post(&app, "/rev-users.get", "id=nope", json!({"id": "nope"})).await;
    assert_error(&r, 400, "invalid_id");
    let r = same_as_post(&app, "/rev-users.get", "id=TAG-1", json!({"id": "TAG-1"})).await;
    assert_error(&r, 400, "unexpected_id_type");
    // A scalar given twice is a list where one value belongs.
    let r = app.get("/rev-users.get", &format!("id={display}&id={display}")).await;
    assert_error(&r, 400, "unexpected_json_type");
    assert_eq!(
        (r.body["field_name"].as_str(), r.body["expected"].as_str(), r.body["actual"].as_str()),
        (Some("id"), Some("string"), Some("array")),
        "{:#}",
        r.body
    );
    let r = app.get("/rev-users.list", "limit=1&limit=2").await;
    assert_error(&r, 400, "unexpected_json_type");
    assert_eq!(
        (r.body["field_name"].as_str(), r.body["expected"].as_str(), r.body["actual"].as_str()),
        (Some("limit"), Some("number"), Some("array")),
        "{:#}",
        r.body
    );
    // Another org's contact is not found through either twin.
    let other = app.other_org_token().await;
    let req = app.raw.get(format!("{}/rev-users.get?id={}", app.addr, enc(don))).bearer_auth(&other);
    let r = app.send_checked("/rev-users.get", "GET", req).await;
    assert_error(&r, 404, "not_found");
}

// ---------------------------------------------------------------------------------------
// sys-users

async fn sys_users_list_pages_and_sorts(app: TestApp) {
    let a = list(&app, "/sys-users.list", json!({})).await;
    let bots = a.body["sys_users"].as_array().unwrap();
    assert_eq!(bots.len(), 1, "{:#}", a.body);
    let bot = &bots[0];
    assert_eq!(bot["display_id"], "SYSU-1");
    assert_eq!(bot["display_name"], "devrev-bot");
    assert_eq!(bot["state"], "active");
    assert!(bot["id"].as_str().unwrap().ends_with(":sysu/1"), "{bot}");
    assert!(bot.get("type").is_none(), "full objects carry no type");
    assert!(a.body.get("next_cursor").is_none() && a.body.get("prev_cursor").is_none());
    for body in [
        json!({"limit": 1}),
        json!({"limit": 100}),
        json!({"mode": "before"}),
        json!({"mode": "before", "limit": 1}),
        json!({"sort_by": ["display_name:desc"]}),
        json!({"sort_by": ["created_date", "display_id:desc"]}),
        json!({"sort_by": ["modified_date:asc"]}),
    ] {
        let r = list(&app, "/sys-users.list", body.clone()).await;
        assert_eq!(r.body, a.body, "{body}");
    }
    for (body, kind, field) in [
        (json!({"limit": 0}), "value_not_permitted", "limit"),
        (json!({"limit": 101}), "value_not_permitted", "limit"),
        (json!({"sort_by": ["bogus"]}), "invalid_field", "sort_by"),
        (json!({"sort_by": ["external_ref"]}), "invalid_field", "sort_by"),
        (json!({"mode": "sideways"}), "invalid_enum_value", "mode"),
        (json!({"limit": "x"}), "unexpected_json_type", "limit"),
    ] {
        let r = app.post("/sys-users.list", body.clone()).await;
        assert_error(&r, 400, kind);
        assert_eq!(r.body["field_name"], field, "{body}");
    }
    let r = app.post("/sys-users.list", json!({"cursor": "garbage"})).await;
    assert_error(&r, 400, "bad_request");
    // A cursor from another sort order is refused here too.
    create_users(&app, 3).await;
    let c = list(&app, "/rev-users.list", json!({"limit": 1, "sort_by": ["display_name"]})).await;
    let r = app.post("/sys-users.list", json!({"cursor": c.body["next_cursor"]})).await;
    assert_error(&r, 400, "bad_request");
    // A cursor past the bot: nothing after it, and the bot before it.
    let past = forged_cursor(json!({"b": false, "s": [], "k": [1]}));
    let r = list(&app, "/sys-users.list", json!({"cursor": past})).await;
    assert_eq!(r.body["sys_users"], json!([]));
    assert!(r.body.get("next_cursor").is_none());
    assert!(r.body["prev_cursor"].is_string(), "{:#}", r.body);
    let back = list(&app, "/sys-users.list", json!({"cursor": r.body["prev_cursor"]})).await;
    assert_eq!(back.body["sys_users"], a.body["sys_users"], "{:#}", r.body);
    // GET twin.
    for (q, body) in [
        ("", json!({})),
        ("limit=1&mode=before", json!({"limit": 1, "mode": "before"})),
        ("sort_by=display_name:desc,created_date", json!({"sort_by": ["display_name:desc", "created_date"]})),
        ("limit=abc", json!({"limit": "abc"})),
        ("mode=sideways", json!({"mode": "sideways"})),
        ("sort_by=email", json!({"sort_by": ["email"]})),
    ] {
        same_as_post(&app, "/sys-users.list", q, body).await;
    }
    // Each dev org has its own bot.
    let other = app.other_org_token().await;
    let r = app.post_as(&other, "/sys-users.list", json!({})).await;
    assert_eq!(r.body["sys_users"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["sys_users"][0]["display_id"], "SYSU-1");
    assert_ne!(r.body["sys_users"][0]["id"], bot["id"]);
}

async fn sys_users_update_fields_and_errors(app: TestApp) {
    let before = list(&app, "/sys-users.list", json!({})).await.body["sys_users"][0].clone();
    let admin = app.create_rev_user(json!({})).await["created_by"].clone();
    tokio::time::sleep(Duration::from_millis(2)).await;
    let r = app.post("/sys-users.update", json!({"id": "SYSU-1", "display_name": "robot"})).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let bot = r.body["sys_user"].clone();
    assert_eq!(bot["display_name"], "robot");
    assert_eq!(bot["full_name"], before["full_name"], "full_name untouched");
    assert_eq!(bot["created_date"], before["created_date"]);
    assert_eq!(bot["id"], before["id"]);
    assert!(bot["modified_date"].as_str().unwrap() > before["modified_date"].as_str().unwrap());
    assert_eq!(bot["modified_by"]["type"], "dev_user", "the caller modified it: {bot}");
    assert_eq!(bot["modified_by"]["id"], admin["id"]);
    assert_eq!(list(&app, "/sys-users.list", json!({})).await.body["sys_users"][0], bot, "list shows the update");

    let r = app.post("/sys-users.update", json!({"id": before["id"], "full_name": "Robot Overlord"})).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["sys_user"]["full_name"], "Robot Overlord");
    assert_eq!(r.body["sys_user"]["display_name"], "robot", "display_name untouched");
    let r = app.post("/sys-users.update", json!({"id": "SYSU-1"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["sys_user"]["full_name"], "Robot Overlord");
    let current = r.body["sys_user"].clone();

    // An artifact that does not exist is refused by name, and nothing else changes.
    let r = app
        .post("/sys-users.update", json!({"id": "SYSU-1", "display_name": "changed", "display_picture": "ARTIFACT-1"}))
        .await;
    assert_error(&r, 400, "value_not_permitted");
    assert_eq!(r.body["field_name"], "display_picture");
    let r = app.post("/sys-users.update", json!({"id": "SYSU-1", "display_name": ""})).await;
    assert_error(&r, 400, "value_not_permitted");
    assert_eq!(r.body["field_name"], "display_name");
    let r = app.post("/sys-users.update", json!({"id": "SYSU-1", "display_name": 5})).await;
    assert_error(&r, 400, "unexpected_json_type");
    let r = app.post("/sys-users.update", json!({"display_name": "x"})).await;
    assert_error(&r, 400, "missing_required_field");
    assert_eq!(r.body["field_name"], "id");
    let r = app.post("/sys-users.update", json!({"id": "SYSU-99", "display_name": "x"})).await;
    assert_error(&r, 404, "not_found");
    let r = app.post("/sys-users.update", json!({"id": "REVU-1", "display_name": "x"})).await;
    assert_error(&r, 400, "unexpected_id_type");
    let r = app.post("/sys-users.update", json!({"id": "garbage"})).await;
    assert_error(&r, 400, "invalid_id");
    let other = app.other_org_token().await;
    let r = app.post_as(&other, "/sys-users.update", json!({"id": before["id"], "display_name": "stolen"})).await;
    assert_error(&r, 404, "not_found");
    assert_eq!(
        list(&app, "/sys-users.list", json!({})).await.body["sys_users"][0],
        current,
        "refused updates write nothing"
    );
}

// ---------------------------------------------------------------------------------------
// tags, accounts, rev orgs

async fn tags_list_pages_and_filters_by_name(app: TestApp) {
    let mut tags = Vec::new();
    for name in ["delta", "alpha", "echo", "charlie", "bravo"] {
        let a = app.post("/tags.create", json!({"name": name})).await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        tags.push(a.body["tag"].clone());
    }
    let all = ids(&tags);
    assert_eq!(walk(&app, "/tags.list", "tags", json!({"limit": 2})).await.concat(), all);
    let a = list(&app, "/tags.list", json!({})).await;
    assert_eq!(ids_of(&a, "tags"), all);
    let by_name = walk(&app, "/tags.list", "tags", json!({"limit": 2, "sort_by": ["name:desc"]})).await.concat();
    let expected: Vec<String> = [2, 0, 3, 4, 1].iter().map(|&i| all[i].clone()).collect();
    assert_eq!(by_name, expected);
    let a = list(&app, "/tags.list", json!({"name": ["alpha", "echo", "nope"]})).await;
    assert_eq!(ids_of(&a, "tags"), vec![all[1].clone(), all[2].clone()]);
    let a = list(&app, "/tags.list", json!({"limit": 2, "mode": "before"})).await;
    assert_eq!(ids_of(&a, "tags"), all[3..]);
    let r = app.post("/tags.list", json!({"sort_by": ["bogus"]})).await;
    assert_error(&r, 400, "invalid_field");
    assert_eq!(r.body["field_name"], "sort_by");
    let r = app.post("/tags.list", json!({"limit": 0})).await;
    assert_error(&r, 400, "value_not_permitted");
    same_as_post(&app, "/tags.list", "name=alpha,echo", json!({"name": ["alpha", "echo"]})).await;
    same_as_post(
        &app,
        "/tags.list",
        "name=alpha&name=echo&sort_by=name:desc",
        json!({"name": ["alpha", "echo"], "sort_by": ["name:desc"]}),
    )
    .await;
    same_as_post(&app, "/tags.list", "limit=2&mode=before", json!({"limit": 2, "mode": "before"})).await;
    let other = app.other_org_token().await;
    let r = app.post_as(&other, "/tags.list", json!({})).await;
    assert_eq!(r.body["tags"], json!([]), "another org's tags never appear");
}

async fn accounts_and_rev_orgs_list_page_and_filter(app: TestApp) {
    let mut accounts = Vec::new();
    let mut workspaces = Vec::new();
    for name in ["Acme", "Globex", "Initech", "Umbrella"] {
        let a = app.post("/accounts.create", json!({"display_name": name})).await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        accounts.push(a.body["account"].clone());
        workspaces.push(a.body["default_rev_org"].clone());
    }
    let extra = app.post("/rev-orgs.create", json!({"display_name": "Acme EU", "account": accounts[0]["id"]})).await;
    assert_eq!(extra.status, 201, "{:#}", extra.body);
    workspaces.push(extra.body["rev_org"].clone());

    let acc = ids(&accounts);
    assert_eq!(
        walk(&app, "/accounts.list", "accounts", json!({"limit": 3})).await,
        vec![acc[..3].to_vec(), acc[3..].to_vec()]
    );
    let a = list(&app, "/accounts.list", json!({"display_name": ["Globex", "Umbrella", "Nope"]})).await;
    assert_eq!(ids_of(&a, "accounts"), vec![acc[1].clone(), acc[3].clone()]);
    let desc =
        walk(&app, "/accounts.list", "accounts", json!({"limit": 3, "sort_by": ["display_name:desc"]})).await.concat();
    assert_eq!(desc, vec![acc[3].clone(), acc[2].clone(), acc[1].clone(), acc[0].clone()]);
    let a = list(&app, "/accounts.list", json!({"limit": 3, "mode": "before"})).await;
    assert_eq!(ids_of(&a, "accounts"), acc[1..]);
    same_as_post(
        &app,
        "/accounts.list",
        "display_name=Globex,Umbrella",
        json!({"display_name": ["Globex", "Umbrella"]}),
    )
    .await;
    same_as_post(
        &app,
        "/accounts.list",
        "limit=3&sort_by=display_name:desc",
        json!({"limit": 3, "sort_by": ["display_name:desc"]}),
    )
    .await;
    let r = app.post("/accounts.list", json!({"sort_by": ["bogus"]})).await;
    assert_error(&r, 400, "invalid_field");
    let r = app.post("/accounts.list", json!({"limit": 101})).await;
    assert_error(&r, 400, "value_not_permitted");

    let ws: HashSet<String> = ids(&workspaces).into_iter().collect();
    let pages = walk(&app, "/rev-orgs.list", "rev_orgs", json!({"limit": 2})).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2, 1]);
    let seen: Vec<String> = pages.concat();
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), ws, "every workspace once");
    assert_eq!(seen.len(), ws.len());
    let by_name =
        walk(&app, "/rev-orgs.list", "rev_orgs", json!({"limit": 2, "sort_by": ["display_name"]})).await.concat();
    let names: Vec<String> = {
        let all = list(&app, "/rev-orgs.list", json!({"sort_by": ["display_name"]})).await;
        assert_eq!(ids_of(&all, "rev_orgs"), by_name);
        all.body["rev_orgs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["display_name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names, ["Acme", "Acme EU", "Globex", "Initech", "Umbrella"]);
    let a = list(&app, "/rev-orgs.list", json!({"display_name": ["Acme EU", "Initech"]})).await;
    let got: HashSet<String> = ids_of(&a, "rev_orgs").into_iter().collect();
    assert_eq!(
        got,
        HashSet::from([
            workspaces[4]["display_id"].as_str().unwrap().to_owned(),
            workspaces[2]["display_id"].as_str().unwrap().to_owned()
        ])
    );
    let a = list(&app, "/rev-orgs.list", json!({"account": [accounts[0]["display_id"]], "sort_by": ["display_name"]}))
        .await;
    assert_eq!(
        ids_of(&a, "rev_orgs"),
        vec![
            workspaces[0]["display_id"].as_str().unwrap().to_owned(),
            workspaces[4]["display_id"].as_str().unwrap().to_owned()
        ]
    );
    same_as_post(
        &app,
        "/rev-orgs.list",
        "display_name=Acme%20EU,Initech",
        json!({"display_name": ["Acme EU", "Initech"]}),
    )
    .await;
    same_as_post(
        &app,
        "/rev-orgs.list",
        &format!("account={}", enc(accounts[0]["id"].as_str().unwrap())),
        json!({"account": [accounts[0]["id"]]}),
    )
    .await;
    let r = app.post("/rev-orgs.list", json!({"sort_by": ["bogus"]})).await;
    assert_error(&r, 400, "invalid_field");
    // Another org sees none of these.
    let other = app.other_org_token().await;
    let r = app.post_as(&other, "/accounts.list", json!({})).await;
    assert_eq!(r.body["accounts"], json!([]));
    let r = app.post_as(&other, "/rev-orgs.list", json!({"account": [accounts[0]["id"]]})).await;
    assert_eq!(r.body["rev_orgs"], json!([]), "another org's account id matches nothing");
}
