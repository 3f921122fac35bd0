//! `rev-users.scan` (§7, docs/API-CONVENTIONS.md entries 98 and 99): every contact matching the list's filters,
//! in ascending id order, by pages of 100 the server chooses, `next_cursor` absent at the
//! end; a scan running while others write returns each contact that stayed unchanged
//! exactly once and no contact twice.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::helpers::{assert_error, send_checked, Answer, TestApp};
use crate::on_both_backends;
use crate::tenancy::to_query;

on_both_backends!(
    scan_walks_every_contact_by_pages_of_100,
    scan_applies_the_list_filters,
    scan_refuses_bad_cursors_and_filters_like_list,
    scan_survives_writes_between_pages,
    scan_survives_a_concurrent_writer,
);

/// The scan's page size (docs/API-CONVENTIONS.md entry 98).
const PAGE: usize = 100;

/// The number in a counter display id (`REVU-12` → 12).
fn number(display_id: &str) -> i64 {
    display_id.rsplit('-').next().unwrap().parse().unwrap()
}

/// The contacts' display ids, in answer order.
fn display_ids(a: &Answer) -> Vec<String> {
    a.body["rev_users"]
        .as_array()
        .unwrap_or_else(|| panic!("no rev_users in {:#}", a.body))
        .iter()
        .map(|u| u["display_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Creates `n` contacts named `scan-<i>` over 8 connections at once; returns their display
/// ids in ascending order.
async fn create_many(app: &TestApp, n: usize) -> Vec<String> {
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let (raw, addr, token) = (app.raw.clone(), app.addr.clone(), app.token.clone());
        tasks.spawn(async move {
            let mut made = Vec::new();
            for i in (worker..n).step_by(8) {
                let req = raw
                    .post(format!("{addr}/rev-users.create"))
                    .bearer_auth(&token)
                    .json(&json!({"display_name": format!("scan-{i}")}));
                let a = send_checked("/rev-users.create", "POST", req).await;
                assert_eq!(a.status, 201, "{:#}", a.body);
                made.push(a.body["rev_user"]["display_id"].as_str().unwrap().to_owned());
            }
            made
        });
    }
    let mut all: Vec<String> = tasks.join_all().await.into_iter().flatten().collect();
    all.sort_by_key(|d| number(d));
    all
}

/// One scan page through POST (`get` false) or the GET twin; asserts 200, no
/// `prev_cursor`, and at most a page of contacts in ascending id order.
async fn page(app: &TestApp, get: bool, body: &Value) -> Answer {
    let a = if get {
        app.get("/rev-users.scan", &to_query(body)).await
    } else {
        app.post("/rev-users.scan", body.clone()).await
    };
    assert_eq!(a.status, 200, "{body}: {:#}", a.body);
    assert!(a.body.get("prev_cursor").is_none(), "a scan has no prev_cursor: {:#}", a.body);
    let numbers: Vec<i64> = display_ids(&a).iter().map(|d| number(d)).collect();
    assert!(numbers.len() <= PAGE, "at most {PAGE} a page: {}", numbers.len());
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "ascending ids: {numbers:?}");
    a
}

/// Scans to the end with `filters`; returns every page's display ids. Every page but the
/// last is full and has a `next_cursor`; the last has none (absent, never null).
async fn scan_all(app: &TestApp, get: bool, filters: Value) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut body = filters.clone();
    loop {
        let a = page(app, get, &body).await;
        pages.push(display_ids(&a));
        match a.body.get("next_cursor") {
            Some(c) => {
                assert!(c.is_string(), "next_cursor is a string: {:#}", a.body);
                assert_eq!(pages.last().unwrap().len(), PAGE, "only the last page is short");
                body["cursor"] = c.clone();
            }
            None => break,
        }
    }
    pages
}

async fn scan_walks_every_contact_by_pages_of_100(app: TestApp) {
    let empty = page(&app, false, &json!({})).await;
    assert_eq!(empty.body, json!({"rev_users": []}), "an empty org: one empty page, no cursor");

    // Exactly two pages' worth: the second page is full and still the last.
    let mut made = create_many(&app, 2 * PAGE).await;
    let pages = scan_all(&app, false, json!({})).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [PAGE, PAGE]);
    assert_eq!(pages.concat(), made);

    made.extend(create_many(&app, 50).await);
    made.sort_by_key(|d| number(d));
    for get in [false, true] {
        let pages = scan_all(&app, get, json!({})).await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [PAGE, PAGE, 50], "GET twin: {get}");
        assert_eq!(pages.concat(), made, "every contact once, ascending (GET twin: {get})");
    }

    // The scan's objects are the list's, field for field.
    let scanned = app.post("/rev-users.scan", json!({})).await;
    let listed = app.post("/rev-users.list", json!({"limit": 100})).await;
    assert_eq!(scanned.body["rev_users"], listed.body["rev_users"]);

    // The list's paging fields mean nothing here: the server chooses order and page size.
    let a = page(&app, false, &json!({"limit": 5, "sort_by": ["display_name:desc"], "mode": "before"})).await;
    assert_eq!(display_ids(&a), made[..PAGE]);

    // A cursor resumes after its contact even once that contact is gone.
    let first = page(&app, false, &json!({})).await;
    let last_seen = first.body["rev_users"][PAGE - 1]["id"].clone();
    assert_eq!(app.post("/rev-users.delete", json!({"id": last_seen})).await.status, 200);
    let next = page(&app, true, &json!({"cursor": first.body["next_cursor"]})).await;
    assert_eq!(display_ids(&next), made[PAGE..2 * PAGE]);
}

async fn scan_applies_the_list_filters(app: TestApp) {
    let acme = app.post("/accounts.create", json!({"display_name": "Acme"})).await;
    let (account, ra) = (acme.body["account"].clone(), acme.body["default_rev_org"].clone());
    let rb = app.post("/rev-orgs.create", json!({"display_name": "Acme EU", "account": account["id"]})).await;
    let rb = rb.body["rev_org"].clone();
    let vip = app.post("/tags.create", json!({"name": "vip", "allowed_values": ["gold", "silver"]})).await;
    let vip = vip.body["tag"]["display_id"].as_str().unwrap().to_owned();
    let users = [
        json!({"display_name": "ada", "email": "Ada@Example.com", "external_ref": "crm-1",
            "phone_numbers": ["+14155550100"], "rev_org": ra["id"], "tags": [{"id": vip, "value": "gold"}]}),
        json!({"display_name": "grace", "email": "grace@example.com", "external_ref": "crm-2",
            "external_refs": ["crm-2", "zd-2"], "rev_org": rb["id"], "tags": [{"id": vip, "value": "silver"}]}),
        json!({"display_name": "linus", "email": "linus@example.com", "phone_numbers": ["+14155550101"]}),
    ];
    let mut u = Vec::new();
    for body in users {
        u.push(app.create_rev_user(body).await["display_id"].as_str().unwrap().to_owned());
    }
    let after = app.get_rev_user(&u[1]).await["created_date"].clone();
    let cases: Vec<(Value, Vec<&String>)> = vec![
        (json!({}), vec![&u[0], &u[1], &u[2]]),
        (json!({"email": ["ADA@EXAMPLE.COM", "linus@example.com"]}), vec![&u[0], &u[2]]),
        (json!({"email": []}), vec![]),
        (json!({"external_ref": ["crm-2", "nope"]}), vec![&u[1]]),
        (json!({"external_refs": ["zd-2"]}), vec![&u[1]]),
        (json!({"phone_numbers": ["+14155550101"]}), vec![&u[2]]),
        (json!({"rev_org": [rb["display_id"]]}), vec![&u[1]]),
        (json!({"associations": [account["display_id"]]}), vec![&u[0], &u[1]]),
        (json!({"created_by": ["DEVU-1"]}), vec![&u[0], &u[1], &u[2]]),
        (json!({"created_date": {"after": after}}), vec![&u[1], &u[2]]),
        (json!({"is_verified": false}), vec![]),
        (json!({"tags": [format!("{vip}=gold")]}), vec![&u[0]]),
        (json!({"tags": [vip], "email": ["grace@example.com"]}), vec![&u[1]]),
        (json!({"rev_org": [ra["id"]], "phone_numbers": ["+14155550101"]}), vec![]),
    ];
    for (filters, expected) in cases {
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        let scanned = page(&app, false, &filters).await;
        assert_eq!(display_ids(&scanned), expected, "scan {filters}");
        let mut list = filters.clone();
        list["limit"] = json!(100);
        assert_eq!(display_ids(&app.post("/rev-users.list", list).await), expected, "list {filters}");
        // The GET twin, where the filter has a flat query form.
        if filters.as_object().unwrap().values().all(|v| !v.is_object()) {
            assert_eq!(display_ids(&page(&app, true, &filters).await), expected, "GET scan {filters}");
        }
    }
    let g = app.get("/rev-users.scan", &format!("created_date.after={}", after.as_str().unwrap())).await;
    assert_eq!(display_ids(&g), [u[1].clone(), u[2].clone()]);
}

async fn scan_refuses_bad_cursors_and_filters_like_list(app: TestApp) {
    create_many(&app, 3).await;
    let forged = |v: Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap());
    let sorted = app.post("/rev-users.list", json!({"limit": 1, "sort_by": ["email:desc"]})).await;
    let backwards = app.post("/rev-users.list", json!({"limit": 1, "mode": "before"})).await;
    let bad_cursors = [
        json!("garbage"),
        json!(forged(json!({"b": false, "s": [], "k": ["1"]}))),
        json!(forged(json!({"b": false, "s": [], "k": [1, 2]}))),
        json!(forged(json!({"b": false, "s": [], "k": []}))),
        sorted.body["next_cursor"].clone(),
        backwards.body["prev_cursor"].clone(),
    ];
    for cursor in bad_cursors {
        assert!(cursor.is_string(), "{cursor}");
        let scan = app.post("/rev-users.scan", json!({"cursor": cursor})).await;
        assert_error(&scan, 400, "bad_request");
        let get = app.get("/rev-users.scan", &to_query(&json!({"cursor": cursor}))).await;
        assert_error(&get, 400, "bad_request");
    }
    // The same 400, body for body, as the list gives a cursor it never issued.
    let list = app.post("/rev-users.list", json!({"cursor": "garbage"})).await;
    let scan = app.post("/rev-users.scan", json!({"cursor": "garbage"})).await;
    assert_eq!(scan.body, list.body);

    // The list's filter errors, from the list's parser.
    for filters in [
        json!({"created_by": ["not-an-id"]}),
        json!({"rev_org": ["ACC-1"]}),
        json!({"created_date": {"after": "yesterday"}}),
        json!({"tags": ["nope"]}),
    ] {
        let scan = app.post("/rev-users.scan", filters.clone()).await;
        let list = app.post("/rev-users.list", filters.clone()).await;
        assert_eq!(scan.status, 400, "{filters}: {:#}", scan.body);
        assert_eq!((scan.status, &scan.body), (list.status, &list.body), "{filters}");
    }
    // An empty cursor starts from the beginning, as in the list.
    assert_eq!(display_ids(&page(&app, false, &json!({"cursor": ""})).await).len(), 3);
}

/// Counts how often each display id was returned.
fn counts(seen: &[String]) -> HashMap<&str, usize> {
    let mut out: HashMap<&str, usize> = HashMap::new();
    for d in seen {
        *out.entry(d.as_str()).or_default() += 1;
    }
    out
}

async fn scan_survives_writes_between_pages(app: TestApp) {
    let made = create_many(&app, PAGE + 50).await;
    let p1 = page(&app, false, &json!({})).await;
    let mut seen = display_ids(&p1);
    assert_eq!(seen, made[..PAGE]);

    // Between pages: delete, update and rename contacts on both sides of the cursor, and
    // create new ones.
    let (seen_deleted, unseen_deleted) = (&made[3], &made[PAGE + 10]);
    let (seen_updated, unseen_updated) = (&made[5], &made[PAGE + 20]);
    for id in [seen_deleted, unseen_deleted] {
        assert_eq!(app.post("/rev-users.delete", json!({"id": id})).await.status, 200);
    }
    for (i, id) in [seen_updated, unseen_updated].into_iter().enumerate() {
        let a =
            app.post("/rev-users.update", json!({"id": id, "display_name": "moved", "email": format!("m{i}@x.io")}));
        assert_eq!(a.await.status, 200);
    }
    let newcomers = create_many(&app, 3).await;

    let mut body = json!({"cursor": p1.body["next_cursor"]});
    loop {
        let a = page(&app, false, &body).await;
        seen.extend(display_ids(&a));
        match a.body.get("next_cursor") {
            Some(c) => body["cursor"] = c.clone(),
            None => break,
        }
    }
    let counts = counts(&seen);
    assert!(counts.values().all(|&c| c == 1), "no contact twice: {seen:?}");
    let changed: HashSet<&String> = [seen_deleted, unseen_deleted, seen_updated, unseen_updated].into_iter().collect();
    for d in made.iter().filter(|d| !changed.contains(d)) {
        assert_eq!(counts.get(d.as_str()), Some(&1), "{d} stayed unchanged and was returned once");
    }
    assert!(!counts.contains_key(unseen_deleted.as_str()), "deleted before it was reached");
    assert_eq!(counts.get(unseen_updated.as_str()), Some(&1), "updated before it was reached: returned once");
    assert_eq!(counts.get(seen_updated.as_str()), Some(&1), "updated after it was returned: not again");
    for d in &newcomers {
        assert_eq!(counts.get(d.as_str()), Some(&1), "created ahead of the cursor: returned once");
    }
    let numbers: Vec<i64> = seen.iter().map(|d| number(d)).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "ascending across pages: {numbers:?}");
}

async fn scan_survives_a_concurrent_writer(app: TestApp) {
    // Three pages of contacts nobody touches, and ten the writer changes.
    let untouched = create_many(&app, 3 * PAGE).await;
    let targets = create_many(&app, 10).await;
    let stop = Arc::new(AtomicBool::new(false));
    // The writer publishes how many rounds it has finished; after each page the scanner
    // waits for one more, so writes land between every two pages.
    let (rounds_tx, mut rounds) = tokio::sync::watch::channel(0usize);
    let writer = {
        let (raw, addr, token, stop) = (app.raw.clone(), app.addr.clone(), app.token.clone(), stop.clone());
        let targets = targets.clone();
        tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let call = |path: &'static str, body: Value| {
                    let req = raw.post(format!("{addr}{path}")).bearer_auth(&token).json(&body);
                    async move { send_checked(path, "POST", req).await }
                };
                let created = call("/rev-users.create", json!({"display_name": format!("new-{n}")})).await;
                assert_eq!(created.status, 201, "{:#}", created.body);
                let target = &targets[n % targets.len()];
                let updated = call("/rev-users.update", json!({"id": target, "display_name": format!("w-{n}")})).await;
                assert!(updated.status == 200 || updated.status == 404, "{:#}", updated.body);
                if n % 3 == 2 {
                    // Delete this round's new contact, and some targets now and then.
                    let deleted = call("/rev-users.delete", json!({"id": created.body["rev_user"]["id"]})).await;
                    assert_eq!(deleted.status, 200, "{:#}", deleted.body);
                    let gone = call("/rev-users.delete", json!({"id": targets[(n / 3) % targets.len()]})).await;
                    assert!(gone.status == 200 || gone.status == 404, "{:#}", gone.body);
                }
                n += 1;
                rounds_tx.send_replace(n);
            }
            n
        })
    };
    let mut seen = Vec::new();
    let mut body = json!({});
    let mut pages = 0;
    loop {
        let a = page(&app, n_th_get(seen.len()), &body).await;
        seen.extend(display_ids(&a));
        pages += 1;
        match a.body.get("next_cursor") {
            Some(c) => body["cursor"] = c.clone(),
            None => break,
        }
        let answered = *rounds.borrow_and_update();
        rounds.wait_for(|&n| n > answered).await.expect("the writer is running");
    }
    stop.store(true, Ordering::Relaxed);
    let writes = writer.await.unwrap();
    assert!(pages >= 4 && writes >= pages - 1, "the writer ran between pages: {writes} rounds, {pages} pages");
    let counts = counts(&seen);
    assert!(counts.values().all(|&c| c == 1), "no contact twice: {seen:?}");
    for d in &untouched {
        assert_eq!(counts.get(d.as_str()), Some(&1), "{d} stayed unchanged and was returned once");
    }
}

/// Alternates the scan's pages between POST and the GET twin: one cursor serves both.
fn n_th_get(seen_so_far: usize) -> bool {
    (seen_so_far / PAGE) % 2 == 1
}
