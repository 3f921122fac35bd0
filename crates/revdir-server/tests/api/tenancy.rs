//! Total isolation of dev orgs (§8, docs/API-CONVENTIONS.md entry 2): with org A's token,
//! every operation the server serves is walked against org B's objects — their DONs, display
//! ids that exist only in B, list filters naming B's ids and values, and cursors minted for
//! B — and nothing of B is revealed, changed or counted.
//!
//! The operations are listed from the server itself: every path of DevRev's spec is probed
//! without a token, and a route that answers 401 is served. Each served operation (and its
//! GET twin) must appear in the walk, so an operation added later fails this test until it
//! is walked too.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::auth_tokens::mint_as;
use crate::helpers::{send, TestApp};
use crate::on_both_backends;

on_both_backends!(another_orgs_objects_are_invisible_to_every_operation);

const PAT: &str = "urn:devrev:params:oauth:token-type:pat";
const AAT: &str = "urn:devrev:params:oauth:token-type:aat";
const SYS: &str = "urn:devrev:params:oauth:token-type:sys";
const SESSION: &str = "urn:devrev:params:oauth:token-type:session";

/// The paths and methods DevRev's spec declares.
fn spec_operations() -> Vec<(String, String)> {
    let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/devrev-identity-openapi.yaml");
    let doc: Value = yaml_serde::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post"] {
            if item.get(method).is_some() {
                out.push((path.clone(), method.to_uppercase()));
            }
        }
    }
    out
}

/// The operations this server serves: those that answer 401 without a token (unknown
/// routes answer 404 `route not found`).
async fn served_operations(app: &TestApp) -> BTreeSet<(String, String)> {
    let mut served = BTreeSet::new();
    for (path, method) in spec_operations() {
        let req = match method.as_str() {
            "GET" => app.raw.get(format!("{}{path}", app.addr)),
            _ => app.raw.post(format!("{}{path}", app.addr)).json(&json!({})),
        };
        let a = send(req).await;
        match a.status {
            401 => {
                crate::spec::assert_valid_response(&path, &method, a.status, &a.body);
                served.insert((path, method));
            }
            404 => assert_eq!(a.body, json!({"message": "route not found"}), "{method} {path}"),
            other => panic!("{method} {path} without a token answered {other}: {:#}", a.body),
        }
    }
    served
}

/// Org B's objects, made with B's admin token.
struct OrgB {
    token: String,
    org: String,
    ids: BTreeMap<&'static str, String>,
}

impl OrgB {
    fn id(&self, name: &str) -> Value {
        json!(self.ids.get(name).unwrap_or_else(|| panic!("no {name}")))
    }
}

async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let a = app.post_as(token, path, body.clone()).await;
    assert!(a.status == 200 || a.status == 201, "{path} {body}: {:#}", a.body);
    a.body
}

/// Gives org B rev users, accounts, a workspace, tags, artifacts (one uploaded and shown as a
/// picture), dev users with an identity, tokens of every kind, schema fragments, and cursors.
async fn populate_b(app: &TestApp) -> OrgB {
    let t = app.other_org_token().await;
    let mut ids = BTreeMap::new();
    let org_don = ok(app, &t, "/dev-orgs.get", json!({})).await["dev_org"]["id"].as_str().unwrap().to_owned();
    let org = org_don.rsplit('/').next().unwrap().to_owned();
    for i in 1..=5 {
        let u = ok(
            app,
            &t,
            "/rev-users.create",
            json!({"display_name": format!("Bsecret-ru-{i}"), "email": format!("bsecret-{i}@b.example"),
                "external_ref": format!("bsecret-ext-{i}"), "phone_numbers": [format!("+1415555010{i}")]}),
        )
        .await;
        if i == 1 {
            ids.insert("revu", u["rev_user"]["id"].as_str().unwrap().to_owned());
        }
    }
    for i in 1..=4 {
        let a = ok(app, &t, "/accounts.create", json!({"display_name": format!("Bsecret-acc-{i}")})).await;
        if i == 1 {
            ids.insert("account", a["account"]["id"].as_str().unwrap().to_owned());
            ids.insert("default_revo", a["default_rev_org"]["id"].as_str().unwrap().to_owned());
        }
    }
    let ws = ok(
        app,
        &t,
        "/rev-orgs.create",
        json!({"display_name": "Bsecret-ws", "account": ids["account"], "external_ref": "bsecret-ws-ref"}),
    )
    .await;
    ids.insert("revo", ws["rev_org"]["id"].as_str().unwrap().to_owned());
    for i in 1..=4 {
        let tag = ok(app, &t, "/tags.create", json!({"name": format!("bsecret-tag-{i}")})).await;
        if i == 1 {
            ids.insert("tag", tag["tag"]["id"].as_str().unwrap().to_owned());
        }
    }
    let mut first_artifact = None;
    for i in 1..=3 {
        let p = ok(
            app,
            &t,
            "/artifacts.prepare",
            json!({"file_name": format!("bsecret-file-{i}.txt"), "file_type": "text/plain"}),
        )
        .await;
        if i == 1 {
            first_artifact = Some(p);
        }
    }
    let p = first_artifact.unwrap();
    let mut form = reqwest::multipart::Form::new();
    for f in p["form_data"].as_array().unwrap() {
        form = form.text(f["key"].as_str().unwrap().to_owned(), f["value"].as_str().unwrap().to_owned());
    }
    form = form.part("file", reqwest::multipart::Part::bytes(b"bsecret bytes".to_vec()).file_name("bsecret.txt"));
    assert_eq!(send(app.raw.post(p["url"].as_str().unwrap()).multipart(form)).await.status, 204);
    ids.insert("artifact", p["id"].as_str().unwrap().to_owned());
    ok(
        app,
        &t,
        "/rev-users.update",
        json!({"id": ids["revu"], "display_picture": ids["artifact"], "tags": [{"id": ids["tag"]}]}),
    )
    .await;
    for i in 1..=3 {
        let d =
            ok(app, &t, "/dev-users.create", json!({"email": format!("bsecret-dev-{i}@b.example"), "state": "shadow"}))
                .await;
        if i == 1 {
            ids.insert("devu", d["dev_user"]["id"].as_str().unwrap().to_owned());
        }
    }
    ok(
        app,
        &t,
        "/dev-users.identities.link",
        json!({"dev_user": ids["devu"], "issuer": "bsecret-idp", "id": "bsecret-id"}),
    )
    .await;
    ids.insert("admin", format!("don:identity:dvrv-us-1:devo/{org}:devu/1"));
    ids.insert("sysu", format!("don:identity:dvrv-us-1:devo/{org}:sysu/1"));
    let pat = mint_as(app, &t, json!({"requested_token_type": PAT, "token_hint": "bsecret-hint"})).await;
    let pat = pat["access_token"].as_str().unwrap().to_owned();
    ids.insert("pat", pat.clone());
    let jti = crate::auth_tokens::claims(&pat)["jti"].as_str().unwrap().to_owned();
    ids.insert("pat_don", format!("don:identity:dvrv-us-1:devo/{org}:token/{jti}"));
    ids.insert("pat_jti", jti);
    let aat = mint_as(app, &t, json!({"requested_token_type": AAT, "client_id": "bsecret-client"})).await;
    let aat = aat["access_token"].as_str().unwrap().to_owned();
    ids.insert("svcacc", crate::auth_tokens::claims(&aat)["sub"].as_str().unwrap().to_owned());
    ids.insert("aat", aat.clone());
    let session =
        mint_as(app, &aat, json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "bsecret-ext-1"}})).await;
    let session = session["access_token"].as_str().unwrap().to_owned();
    ids.insert("session_sub", crate::auth_tokens::claims(&session)["sub"].as_str().unwrap().to_owned());
    ids.insert("session", session);
    let sut = mint_as(app, &t, json!({"requested_token_type": SYS})).await;
    ids.insert("sut", sut["access_token"].as_str().unwrap().to_owned());
    let tenant = json!({"type": "tenant_fragment", "leaf_type": "rev_user", "description": "bsecret fields",
        "fields": [{"name": "bsecretfield", "field_type": "text"}]});
    let frag = ok(app, &t, "/schemas.custom.set", tenant).await;
    ids.insert("fragment", frag["id"].as_str().unwrap().to_owned());
    let subtype = json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "bsecret subtype",
        "subtype": "bsecretsub", "fields": [{"name": "bsecretsubfield", "field_type": "text"}]});
    ok(app, &t, "/schemas.custom.set", subtype).await;
    for (name, path, key) in [
        ("revu_cursor", "/rev-users.list", "next_cursor"),
        ("account_cursor", "/accounts.list", "next_cursor"),
        ("revo_cursor", "/rev-orgs.list", "next_cursor"),
        ("tag_cursor", "/tags.list", "next_cursor"),
        ("devu_cursor", "/dev-users.list", "next_cursor"),
        ("fragment_cursor", "/schemas.custom.list", "next_cursor"),
    ] {
        let page = ok(app, &t, path, json!({"limit": 1})).await;
        ids.insert(name, page[key].as_str().unwrap_or_else(|| panic!("{path}: {page:#}")).to_owned());
    }
    let hook = ok(
        app,
        &t,
        "/webhooks.create",
        json!({"url": "http://127.0.0.1:9/bsecret-hook", "secret": "bsecret-whsecret", "event_types": ["rev_user_created"],
            "headers": [{"name": "X-Bsecret", "value": "bsecret-header"}]}),
    )
    .await;
    ids.insert("webhook", hook["webhook"]["id"].as_str().unwrap().to_owned());
    let sorted = ok(app, &t, "/rev-users.list", json!({"limit": 1, "sort_by": ["email:desc"]})).await;
    ids.insert("revu_sorted_cursor", sorted["next_cursor"].as_str().unwrap().to_owned());
    // A finished job of B's: an export of one of its contacts.
    let job = app.raw.post(format!("{}/rev-users.personal-data", app.addr)).bearer_auth(&t);
    let job = job.json(&json!({"email": "bsecret-2@b.example"})).send().await.unwrap();
    let job = job.headers()["x-revdir-job"].to_str().unwrap().to_owned();
    let wait = app.raw.post(format!("{}/_revdir/jobs.wait", app.addr)).bearer_auth(&t);
    let done = send(wait.json(&json!({"id": job, "timeout_ms": 20_000}))).await;
    assert_eq!(done.body["job"]["state"], "done", "{:#}", done.body);
    ids.insert("job", job);
    OrgB { token: t, org, ids }
}

/// Everything B can see of itself, to compare before and after the walk.
async fn snapshot(app: &TestApp, b: &OrgB) -> Vec<Value> {
    let t = &b.token;
    let mut out = Vec::new();
    for (path, body) in [
        ("/rev-users.list", json!({"limit": 100})),
        ("/accounts.list", json!({"limit": 100})),
        ("/rev-orgs.list", json!({"limit": 100})),
        ("/tags.list", json!({"limit": 100})),
        ("/dev-users.list", json!({"limit": 100})),
        ("/sys-users.list", json!({"limit": 100})),
        ("/schemas.custom.list", json!({"limit": 100})),
        ("/artifacts.get", json!({"id": b.id("artifact")})),
        ("/artifacts.list", json!({"parent_id": b.id("revu")})),
        ("/auth-tokens.list", json!({})),
        ("/auth-tokens.list", json!({"subject": b.id("svcacc")})),
        ("/webhooks.list", json!({})),
        ("/dev-orgs.get", json!({})),
    ] {
        let a = app.post_as(t, path, body).await;
        assert_eq!(a.status, 200, "{path}: {:#}", a.body);
        out.push(a.body);
    }
    // B's tokens of every kind still work.
    for name in ["pat", "aat", "session", "sut"] {
        let a = app.post_as(b.ids[name].as_str(), "/auth-tokens.info", json!({})).await;
        assert_eq!(a.status, 200, "B's {name} still works: {:#}", a.body);
        out.push(a.body);
    }
    out
}

/// Every `bsecret…` word of a text: names, emails, refs and hints only B uses.
fn secrets(text: &str) -> BTreeSet<String> {
    let lower = text.to_lowercase();
    let mut out = BTreeSet::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("bsecret") {
        let start = from + at;
        let end = lower[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.@".contains(c)))
            .map_or(lower.len(), |e| start + e);
        out.insert(lower[start..end].trim_end_matches(['.', '-']).to_owned());
        from = end.max(start + 1);
    }
    out
}

/// A GET twin's query string: scalars as text, string lists in the quoted comma form,
/// anything else JSON-encoded.
pub(crate) fn to_query(body: &Value) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in body.as_object().unwrap() {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Array(items) if items.iter().all(Value::is_string) => {
                items.iter().map(|s| format!("\"{}\"", s.as_str().unwrap())).collect::<Vec<_>>().join(",")
            }
            Value::Number(_) | Value::Bool(_) => v.to_string(),
            _ => v.to_string(),
        };
        q.append_pair(k, &text);
    }
    q.finish()
}

/// One request of the walk: A's token against B's objects, and the statuses it may get.
struct Probe {
    path: &'static str,
    body: Value,
    expect: &'static [u16],
}

fn probes(b: &OrgB, a_user: &Value, a_revo: &Value, a_hook: &Value) -> Vec<Probe> {
    let p = |path: &'static str, body: Value, expect: &'static [u16]| Probe { path, body, expect };
    let id = |n: &str| b.id(n);
    let nested_session = id("session_sub");
    vec![
        // accounts.*
        p("/accounts.create", json!({"display_name": "A two", "owned_by": [id("devu")]}), &[400]),
        p("/accounts.get", json!({"id": id("account")}), &[404]),
        p("/accounts.get", json!({"id": "ACC-4"}), &[404]),
        p("/accounts.update", json!({"id": id("account"), "display_name": "pwned"}), &[404]),
        p("/accounts.delete", json!({"id": id("account")}), &[404]),
        p("/accounts.list", json!({"owned_by": [id("devu")]}), &[200]),
        p("/accounts.list", json!({"created_by": [id("admin")], "tags": [id("tag")]}), &[200]),
        p("/accounts.list", json!({"cursor": id("account_cursor")}), &[200]),
        p("/accounts.list", json!({"display_name": ["Bsecret-acc-2"]}), &[200]),
        p("/accounts.export", json!({"owned_by": [id("devu")], "first": 500}), &[200]),
        p("/accounts.export", json!({"created_by": [id("admin")], "tags": [id("tag")]}), &[200]),
        p("/accounts.export", json!({"display_name": ["Bsecret-acc-2"], "sort_by": ["display_name:desc"]}), &[200]),
        // artifacts.*
        p("/artifacts.prepare", json!({"file_name": "a.txt"}), &[200]),
        p("/artifacts.get", json!({"id": id("artifact")}), &[404]),
        p("/artifacts.get", json!({"id": "ARTIFACT-3"}), &[404]),
        p("/artifacts.list", json!({"parent_id": id("revu")}), &[200, 404]),
        p("/artifacts.locate", json!({"id": id("artifact")}), &[404]),
        p("/artifacts.versions.prepare", json!({"id": id("artifact")}), &[400]),
        p("/artifacts.versions.delete", json!({"id": id("artifact"), "version": "1"}), &[400]),
        // auth-tokens.*
        p("/auth-tokens.create", json!({"requested_token_type": SESSION, "rev_info": {"user_id": id("revu")}}), &[400]),
        p(
            "/auth-tokens.create",
            json!({"requested_token_type": SESSION, "rev_info": {"user_id": nested_session}}),
            &[400],
        ),
        p("/auth-tokens.create", json!({"requested_token_type": AAT, "act_as": id("svcacc")}), &[400]),
        p("/auth-tokens.create", json!({"requested_token_type": SYS, "act_as": id("sysu")}), &[400]),
        p("/auth-tokens.get", json!({"token_id": id("pat_don")}), &[404]),
        p("/auth-tokens.get", json!({"token_id": id("pat_jti")}), &[404]),
        p("/auth-tokens.list", json!({"subject": id("admin")}), &[200]),
        p("/auth-tokens.list", json!({"subject": id("svcacc"), "client_id": "bsecret-client"}), &[200]),
        p("/auth-tokens.update", json!({"token_id": id("pat_don"), "token_hint": "pwned"}), &[404]),
        p("/auth-tokens.delete", json!({"token_id": id("pat_don")}), &[404]),
        p("/auth-tokens.delete", json!({"token_id": id("pat_jti")}), &[404]),
        p("/auth-tokens.self.delete", json!({"requested_token_type": AAT}), &[200]),
        p("/auth-tokens.info", json!({}), &[200]),
        // dev-orgs.get
        p("/dev-orgs.get", json!({}), &[200]),
        // dev-users.*
        p("/dev-users.get", json!({"id": id("devu")}), &[404]),
        p("/dev-users.get", json!({"id": "DEVU-4"}), &[404]),
        p("/dev-users.list", json!({"email": ["bsecret-dev-2@b.example"]}), &[200]),
        p("/dev-users.list", json!({"external_identity": [{"issuer": "bsecret-idp"}]}), &[200]),
        p("/dev-users.list", json!({"cursor": id("devu_cursor")}), &[200]),
        p("/dev-users.update", json!({"id": id("devu"), "display_name": "pwned"}), &[400]),
        p("/dev-users.update", json!({"id": "DEVU-1", "reports_to": id("devu")}), &[400]),
        p("/dev-users.self", json!({}), &[200]),
        p("/dev-users.self.update", json!({"reports_to": id("admin")}), &[400]),
        p("/dev-users.activate", json!({"id": id("devu")}), &[404]),
        p("/dev-users.deactivate", json!({"id": id("devu")}), &[404]),
        p("/dev-users.deactivate", json!({"id": "DEVU-4"}), &[404]),
        p("/dev-users.identities.link", json!({"dev_user": id("devu"), "issuer": "x", "id": "y"}), &[404]),
        p(
            "/dev-users.identities.link",
            json!({"dev_user": "DEVU-1", "issuer": "bsecret-idp", "id": "bsecret-id"}),
            &[200],
        ),
        p("/dev-users.identities.unlink", json!({"dev_user": id("devu"), "issuer": "bsecret-idp"}), &[404]),
        p("/dev-users.merge", json!({"primary_user": "DEVU-1", "secondary_user": id("devu")}), &[404]),
        p("/dev-users.merge", json!({"primary_user": id("admin"), "secondary_user": "DEVU-1"}), &[404]),
        p("/dev-users.create", json!({"email": "a2@a.example", "state": "shadow", "reports_to": id("devu")}), &[400]),
        p("/dev-users.create", json!({"email": "bsecret-dev-2@b.example", "state": "shadow"}), &[201]),
        // rev-orgs.*
        p("/rev-orgs.create", json!({"display_name": "x", "account": id("account")}), &[400]),
        p("/rev-orgs.get", json!({"id": id("revo")}), &[404]),
        p("/rev-orgs.get", json!({"account": id("account")}), &[404]),
        p("/rev-orgs.list", json!({"account": [id("account")]}), &[200]),
        p("/rev-orgs.list", json!({"cursor": id("revo_cursor"), "external_ref": ["bsecret-ws-ref"]}), &[200]),
        p("/rev-orgs.update", json!({"id": id("revo"), "display_name": "pwned"}), &[404]),
        p("/rev-orgs.update", json!({"id": a_revo, "account": id("account")}), &[400]),
        p("/rev-orgs.delete", json!({"id": id("default_revo")}), &[404]),
        // rev-users.*
        p("/rev-users.get", json!({"id": id("revu")}), &[404]),
        p("/rev-users.get", json!({"id": "REVU-5"}), &[404]),
        p("/rev-users.get", json!({"id": id("session_sub")}), &[404]),
        p("/rev-users.list", json!({"rev_org": [id("revo")], "created_by": [id("admin")]}), &[200]),
        p("/rev-users.list", json!({"associations": [id("account")]}), &[200]),
        p("/rev-users.list", json!({"tags": [id("tag")]}), &[200]),
        p("/rev-users.list", json!({"external_ref": ["bsecret-ext-3"], "email": ["bsecret-3@b.example"]}), &[200]),
        p("/rev-users.list", json!({"external_refs": ["bsecret-ext-4"], "phone_numbers": ["+14155550104"]}), &[200]),
        p("/rev-users.list", json!({"cursor": id("revu_cursor")}), &[200]),
        p("/rev-users.list", json!({"cursor": id("revu_sorted_cursor"), "sort_by": ["email:desc"]}), &[200]),
        p("/rev-users.scan", json!({}), &[200]),
        p("/rev-users.scan", json!({"rev_org": [id("revo")], "created_by": [id("admin")]}), &[200]),
        p("/rev-users.scan", json!({"associations": [id("account")], "tags": [id("tag")]}), &[200]),
        p("/rev-users.scan", json!({"external_ref": ["bsecret-ext-3"], "email": ["bsecret-3@b.example"]}), &[200]),
        p("/rev-users.scan", json!({"external_refs": ["bsecret-ext-4"], "phone_numbers": ["+14155550104"]}), &[200]),
        // B's list cursor in the default order has the form of a scan cursor: in A it only
        // means "after that id", among A's contacts.
        p("/rev-users.scan", json!({"cursor": id("revu_cursor")}), &[200]),
        p("/rev-users.scan", json!({"cursor": id("revu_sorted_cursor")}), &[400]),
        p("/rev-users.update", json!({"id": id("revu"), "display_name": "pwned"}), &[404]),
        p("/rev-users.update", json!({"id": a_user, "tags": [{"id": id("tag")}]}), &[400]),
        p("/rev-users.update", json!({"id": a_user, "display_picture": id("artifact")}), &[400]),
        p("/rev-users.update", json!({"id": a_user, "artifacts": {"set": [id("artifact")]}}), &[400]),
        p(
            "/rev-users.update",
            json!({"id": a_user, "custom_schema_spec": {"tenant_fragment": true}, "custom_fields": {"tnt__bsecretfield": "x"}}),
            &[400],
        ),
        p("/rev-users.update", json!({"id": a_user, "custom_schema_fragments": {"set": [id("fragment")]}}), &[400]),
        p("/rev-users.delete", json!({"id": id("revu")}), &[404]),
        p("/rev-users.delete", json!({"id": "REVU-5"}), &[404]),
        p("/rev-users.create", json!({"rev_org": id("revo")}), &[400]),
        p("/rev-users.create", json!({"account": id("account")}), &[400]),
        p("/rev-users.create", json!({"tags": [{"id": id("tag")}], "display_picture": id("artifact")}), &[400]),
        p("/rev-users.create", json!({"artifacts": [id("artifact")]}), &[400]),
        p("/rev-users.create", json!({"external_ref": "bsecret-ext-2"}), &[201]),
        // schemas.*
        p("/schemas.custom.get", json!({"id": id("fragment")}), &[404]),
        p("/schemas.custom.list", json!({}), &[200]),
        p("/schemas.custom.list", json!({"cursor": id("fragment_cursor")}), &[200, 400]),
        p("/schemas.custom.list", json!({"subtype": ["bsecretsub"], "leaf_type": ["rev_user"]}), &[200]),
        p(
            "/schemas.custom.set",
            json!({"type": "custom_type_fragment", "leaf_type": "rev_user", "description": "A's", "subtype": "bsecretsub"}),
            &[201],
        ),
        p(
            "/schemas.aggregated.get",
            json!({"leaf_type": "rev_user", "custom_schema_fragments": [id("fragment")]}),
            &[400, 404],
        ),
        p(
            "/schemas.aggregated.get",
            json!({"leaf_type": "rev_user", "custom_schema_spec": {"tenant_fragment": true}}),
            &[200, 404],
        ),
        p("/schemas.stock.get", json!({"leaf_type": "rev_user"}), &[200]),
        p("/schemas.stock.list", json!({}), &[200]),
        p("/schemas.subtypes.list", json!({"leaf_types": ["rev_user"]}), &[200]),
        p("/schemas.subtypes.prepare-update", json!({"leaf_type": "rev_user", "object": id("revu")}), &[404]),
        p(
            "/schemas.subtypes.prepare-update",
            json!({"leaf_type": "rev_user", "new_subtype": "nosuchsubtype"}),
            &[400, 404],
        ),
        // sys-users.*
        p("/sys-users.list", json!({"cursor": id("revu_cursor")}), &[200]),
        p("/sys-users.update", json!({"id": id("sysu"), "display_name": "pwned"}), &[404]),
        p("/sys-users.update", json!({"id": "SYSU-1", "display_picture": id("artifact")}), &[400]),
        // tags.*
        p("/tags.get", json!({"id": id("tag")}), &[404]),
        p("/tags.get", json!({"id": "TAG-4"}), &[404]),
        p("/tags.list", json!({"name": ["bsecret-tag-2"]}), &[200]),
        p("/tags.list", json!({"cursor": id("tag_cursor")}), &[200]),
        p("/tags.update", json!({"id": id("tag"), "name": "pwned"}), &[404]),
        p("/tags.delete", json!({"id": id("tag")}), &[404]),
        p("/tags.delete", json!({"id": "TAG-4"}), &[404]),
        p("/tags.create", json!({"name": "bsecret-tag-1"}), &[201]),
        // webhooks.*
        p("/webhooks.get", json!({"id": id("webhook")}), &[404]),
        p("/webhooks.list", json!({}), &[200]),
        p(
            "/webhooks.update",
            json!({"id": id("webhook"), "url": "http://127.0.0.1:9/pwned", "action": "deactivate"}),
            &[404],
        ),
        p("/webhooks.update", json!({"id": id("webhook"), "headers": {"remove": ["X-Bsecret"]}}), &[404]),
        p("/webhooks.delete", json!({"id": id("webhook")}), &[404]),
        p("/webhooks.fetch", json!({"id": id("webhook"), "object": "DEVU-1"}), &[404]),
        p("/webhooks.fetch", json!({"id": a_hook, "object": id("revu")}), &[404]),
        p("/webhooks.fetch", json!({"id": a_hook, "object": id("revo")}), &[404]),
        p("/webhooks.fetch", json!({"id": a_hook, "object": id("tag")}), &[404]),
        p("/webhooks.create", json!({"url": "http://127.0.0.1:9/bsecret-hook", "secret": "bsecret-whsecret"}), &[201]),
        // rev-users.associations.*, link, unlink
        p(
            "/rev-users.associations.add",
            json!({"rev_user_id": id("revu"), "associations": [{"associated_to": a_revo}]}),
            &[404],
        ),
        p(
            "/rev-users.associations.add",
            json!({"rev_user_id": a_user, "associations": [{"associated_to": id("revo")}]}),
            &[400],
        ),
        p(
            "/rev-users.associations.add",
            json!({"rev_user_id": a_user, "associations": [{"associated_to": id("account")}]}),
            &[400],
        ),
        p(
            "/rev-users.associations.add",
            json!({"rev_user_id": "REVU-5", "associations": [{"associated_to": a_revo}]}),
            &[404],
        ),
        p("/rev-users.associations.list", json!({"rev_user_id": id("revu")}), &[404]),
        p("/rev-users.associations.list", json!({"rev_user_id": "REVU-5"}), &[404]),
        p("/rev-users.associations.remove", json!({"rev_user_id": id("revu"), "associations": [id("revo")]}), &[404]),
        p(
            "/rev-users.associations.remove",
            json!({"rev_user_id": a_user, "associations": [id("revo"), id("account")]}),
            &[204],
        ),
        p("/rev-users.link", json!({"id": id("revu"), "rev_org": a_revo}), &[404]),
        p("/rev-users.link", json!({"user_don": id("revu"), "rev_org_don": a_revo}), &[404]),
        p("/rev-users.link", json!({"id": a_user, "rev_org": id("revo")}), &[400]),
        p("/rev-users.unlink", json!({"id": id("revu"), "rev_org": a_revo}), &[404]),
        p("/rev-users.unlink", json!({"id": a_user, "rev_org": id("default_revo")}), &[400]),
        // merges and personal data: another org's objects cannot be merged, exported or erased
        p("/rev-users.merge", json!({"primary_user": a_user, "secondary_user": id("revu")}), &[404]),
        p("/rev-users.merge", json!({"primary_user": id("revu"), "secondary_user": a_user}), &[404]),
        p("/rev-users.merge", json!({"primary_user": a_user, "secondary_user": "REVU-5"}), &[404]),
        p("/accounts.merge", json!({"primary_account": "ACC-1", "secondary_account": id("account")}), &[404]),
        p("/accounts.merge", json!({"primary_account": id("account"), "secondary_account": "ACC-1"}), &[404]),
        p("/accounts.merge", json!({"primary_account": "ACC-1", "secondary_account": "ACC-4"}), &[404]),
        p("/rev-users.personal-data", json!({"email": "bsecret-3@b.example"}), &[404]),
        p("/rev-users.delete-personal-data", json!({"email": "bsecret-3@b.example"}), &[404]),
    ]
}

/// Checks one answer: a declared status, nothing of B beyond what A's requests named so far
/// (`known`: A may reuse B's names and refs; they are not B's while they live in A).
#[track_caller]
fn check(b: &OrgB, what: &str, known: &str, probe: &Probe, status: u16, body: &Value) {
    assert!(probe.expect.contains(&status), "{what}: answered {status}, expected {:?}: {body:#}", probe.expect);
    let text = body.to_string();
    let request = probe.body.to_string();
    if !request.contains(&b.org) {
        assert!(!text.contains(&b.org), "{what} reveals B's org: {body:#}");
    }
    for s in secrets(&text) {
        assert!(known.contains(&s), "{what} reveals B's {s}: {body:#}");
    }
    for name in ["pat", "aat", "session", "sut"] {
        assert!(!text.contains(b.ids[name].as_str()), "{what} reveals B's {name}");
    }
}

async fn another_orgs_objects_are_invisible_to_every_operation(app: TestApp) {
    let b = populate_b(&app).await;
    let a_user = app.create_rev_user(json!({"display_name": "A user"})).await["id"].clone();
    let a_acc = app.post("/accounts.create", json!({"display_name": "A account"})).await;
    let a_revo = a_acc.body["default_rev_org"]["id"].clone();
    assert_eq!(app.post("/tags.create", json!({"name": "a-tag"})).await.status, 201);
    let a_hook = app.post("/webhooks.create", json!({"url": "http://127.0.0.1:9/a-hook"})).await;
    assert_eq!(a_hook.status, 201, "{:#}", a_hook.body);
    let a_hook = a_hook.body["webhook"]["id"].clone();
    let before = snapshot(&app, &b).await;

    let served = served_operations(&app).await;
    let walk = probes(&b, &a_user, &a_revo, &a_hook);
    let mut walked = BTreeSet::new();
    let mut known = String::new();
    for probe in &walk {
        let request = probe.body.to_string();
        known.push_str(&request.to_lowercase());
        let a = app.post(probe.path, probe.body.clone()).await;
        check(&b, &format!("POST {} {request}", probe.path), &known, probe, a.status, &a.body);
        walked.insert((probe.path.to_owned(), "POST".to_owned()));
        if served.contains(&(probe.path.to_owned(), "GET".to_owned())) {
            let query = to_query(&probe.body);
            let a = app.get(probe.path, &query).await;
            check(&b, &format!("GET {}?{query}", probe.path), &known, probe, a.status, &a.body);
            walked.insert((probe.path.to_owned(), "GET".to_owned()));
        }
    }
    let missing: Vec<_> = served.difference(&walked).collect();
    assert!(
        missing.is_empty(),
        "served operations the tenancy walk does not cover (add them to probes()): {missing:?}"
    );
    assert!(served.len() >= 60, "the probe found the routes: {served:?}");

    // Nothing of B changed, and B's tokens of every kind still work.
    assert_eq!(snapshot(&app, &b).await, before, "B is exactly as it was");

    // Nothing of B is counted in A: A's lists hold exactly what A made.
    let b_org = b.org.as_str();
    let count = |path: &'static str, key: &'static str| {
        let app = &app;
        async move {
            let a = app.post(path, json!({"limit": 100})).await;
            assert!(!a.body.to_string().contains(b_org));
            a.body[key].as_array().unwrap().len()
        }
    };
    assert_eq!(count("/rev-users.list", "rev_users").await, 2);
    assert_eq!(count("/accounts.list", "accounts").await, 1);
    assert_eq!(count("/rev-users.scan", "rev_users").await, 2);
    assert_eq!(count("/accounts.export", "accounts").await, 1);
    assert_eq!(count("/rev-orgs.list", "rev_orgs").await, 1);
    assert_eq!(count("/tags.list", "tags").await, 2);
    assert_eq!(count("/dev-users.list", "dev_users").await, 2);
    assert_eq!(count("/sys-users.list", "sys_users").await, 1);
    assert_eq!(count("/schemas.custom.list", "result").await, 1);
    assert_eq!(count("/webhooks.list", "webhooks").await, 2);
    let tokens = app.post("/auth-tokens.list", json!({})).await;
    assert_eq!(tokens.body["tokens"].as_array().unwrap().len(), 1, "{:#}", tokens.body);
    let subtypes = app.post("/schemas.subtypes.list", json!({"leaf_types": ["rev_user"]})).await;
    assert_eq!(subtypes.body["subtypes"].as_array().unwrap().len(), 1, "only A's own bsecretsub: {:#}", subtypes.body);
    revdir_routes_show_nothing_of_b(&app, &b).await;
}

/// revdir's own org-scoped routes (`/_revdir/journal.list`, the webhook lab and the jobs), walked with
/// A's token against B's objects: nothing of B is shown, found or changed.
async fn revdir_routes_show_nothing_of_b(app: &TestApp, b: &OrgB) {
    let revdir = |path: &str, token: &str, body: Value| {
        let req = app.raw.post(format!("{}/_revdir/{path}", app.addr)).bearer_auth(token).json(&body);
        crate::helpers::send(req)
    };
    let b_delivery = revdir("webhooks.deliveries.list", &b.token, json!({})).await.body["deliveries"][0]["id"].clone();
    assert!(b_delivery.is_string(), "B's webhook queued its verify request");
    let journal = revdir("journal.list", &app.token, json!({"limit": 100})).await;
    assert_eq!(journal.status, 200);
    assert!(!journal.body.to_string().contains(&b.org), "A's journal shows nothing of B");
    let named = revdir("journal.list", &app.token, json!({"object": [b.id("revu")]})).await;
    assert_eq!(named.body["entries"], json!([]));
    let deliveries = revdir("webhooks.deliveries.list", &app.token, json!({"webhook": b.id("webhook")})).await;
    assert_eq!(deliveries.body["deliveries"], json!([]));
    let waited = revdir(
        "webhooks.deliveries.wait",
        &app.token,
        json!({"webhook": b.id("webhook"), "state": ["pending"], "timeout_ms": 100}),
    )
    .await;
    assert_eq!((waited.body["complete"].clone(), waited.body["deliveries"].clone()), (json!(false), json!([])));
    assert_eq!(revdir("webhooks.deliveries.resend", &app.token, json!({"id": b_delivery})).await.status, 404);
    let recovered = revdir("webhooks.deliveries.recover", &app.token, json!({"webhook": b.id("webhook")})).await;
    assert_eq!(recovered.body["recovered"], 0);
    let excluded = revdir(
        "webhooks.exclude-origins.set",
        &app.token,
        json!({"webhook": b.id("webhook"), "exclude_origins": ["x"]}),
    )
    .await;
    assert_eq!(excluded.status, 404, "{:#}", excluded.body);
    for op in ["jobs.get", "jobs.wait"] {
        let a = revdir(op, &app.token, json!({"id": b.ids["job"]})).await;
        assert_eq!(a.status, 404, "{op}: {:#}", a.body);
    }
    let jobs = revdir("jobs.list", &app.token, json!({})).await;
    assert_eq!(jobs.status, 200);
    assert!(!jobs.body.to_string().contains(&b.org), "A's jobs show nothing of B: {:#}", jobs.body);
    let b_sees = revdir("webhooks.deliveries.list", &b.token, json!({})).await;
    assert_eq!(b_sees.body["deliveries"].as_array().unwrap().len(), 1, "B's log is as it was: {:#}", b_sees.body);
}
