//! `/auth-tokens.*` (§8.5) on both backends: minting every kind revdir issues, reading,
//! listing, hints, revocation (immediate, on every node), expiry, `auth-tokens.info`, what
//! sys users, service accounts and rev users may do with their tokens.

use std::time::Duration;

use base64::Engine as _;
use revdir_core::ids::ObjectKind;
use revdir_core::refs::UserRef;
use revdir_server::startup::{open, Application};
use secrecy::ExposeSecret as _;
use serde_json::{json, Value};

use crate::dev_users::org_id;
use crate::helpers::{assert_error, send_checked, TestApp};
use crate::on_both_backends;

on_both_backends!(
    personal_access_tokens_from_mint_to_revocation,
    revoked_and_expired_tokens_fail_on_every_node,
    sys_user_tokens_act_as_the_sys_user,
    application_tokens_mint_session_tokens,
    session_tokens_touch_only_their_contact,
    self_delete_revokes_the_callers_tokens,
    mint_requests_are_checked,
    racing_mints_provision_one_contact_and_one_service_account,
);

const PAT: &str = "urn:devrev:params:oauth:token-type:pat";
const AAT: &str = "urn:devrev:params:oauth:token-type:aat";
const SYS: &str = "urn:devrev:params:oauth:token-type:sys";
const SESSION: &str = "urn:devrev:params:oauth:token-type:session";

/// Mints a token with `token`; asserts 201 and answers the whole response.
pub async fn mint_as(app: &TestApp, token: &str, body: Value) -> Value {
    let a = app.post_as(token, "/auth-tokens.create", body.clone()).await;
    assert_eq!(a.status, 201, "{body}: {:#}", a.body);
    assert_eq!(a.body["token_type"], "bearer");
    a.body
}

/// The access token of a minted response.
pub fn access(minted: &Value) -> String {
    minted["access_token"].as_str().unwrap().to_owned()
}

/// The claims of a JWT, decoded without checking it.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// The DON of a token, from its claims.
fn token_don(token: &str) -> String {
    let c = claims(token);
    let org = c["sub"].as_str().unwrap().split(':').nth(3).unwrap().to_owned();
    format!("don:identity:dvrv-us-1:{org}:token/{}", c["jti"].as_str().unwrap())
}

async fn status_with(app: &TestApp, token: &str) -> u16 {
    app.post_as(token, "/auth-tokens.info", json!({})).await.status
}

async fn personal_access_tokens_from_mint_to_revocation(app: TestApp) {
    let minted = mint_as(
        &app,
        &app.token,
        json!({"requested_token_type": PAT, "expires_in": 30, "token_hint": "ci", "scope": "read write"}),
    )
    .await;
    assert_eq!(minted["expires_in"], 30 * 86_400);
    assert_eq!(minted["scope"], "read write");
    assert!(minted.get("client_id").is_none() && minted.get("refresh_token").is_none());
    let pat = access(&minted);
    let c = claims(&pat);
    assert_eq!(c["token_type"], PAT);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 30 * 86_400);
    let me = app.post_as(&pat, "/dev-users.self", json!({})).await;
    assert_eq!(me.body["dev_user"]["display_id"], "DEVU-1");
    let info = app.post_as(&pat, "/auth-tokens.info", json!({})).await;
    assert_eq!(info.status, 200, "{:#}", info.body);
    let org = org_id(&app).await;
    assert_eq!(info.body["organization"]["id"], format!("don:identity:dvrv-us-1:devo/{org}"));
    assert_eq!(info.body["organization"]["display_id"], format!("DEV-{org}"));
    assert!(info.body["organization"]["slug"].as_str().is_some());
    assert_eq!(info.body["user"]["type"], "dev_user");
    assert_eq!(info.body["user"]["display_id"], "DEVU-1");
    assert_eq!(info.body["user"]["display_name"], "admin");
    assert_eq!(
        info.body["token"],
        json!({"issuer": "revdir", "subject": c["sub"], "issued_at": c["iat"], "expiry": c["exp"]})
    );
    let g = app.send_checked(
        "/auth-tokens.info",
        "GET",
        app.raw.get(format!("{}/auth-tokens.info", app.addr)).header("authorization", &pat),
    );
    assert_eq!(g.await.body, info.body);
    let id = token_don(&pat);
    let listed = app.post("/auth-tokens.list", json!({})).await;
    assert_eq!(listed.status, 200, "{:#}", listed.body);
    let tokens = listed.body["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2, "the bootstrap token and the new one: {:#}", listed.body);
    let t = tokens.iter().find(|t| t["id"] == json!(id)).unwrap().clone();
    assert_eq!(t["requested_token_type"], PAT);
    assert_eq!(t["status"], "active");
    assert_eq!(t["token_hint"], "ci");
    assert_eq!(t["scopes"], json!(["read", "write"]));
    assert_eq!(t["subject"], c["sub"]);
    assert_eq!(t["created_by"]["display_id"], "DEVU-1");
    assert!(t["expires_at"].as_str().is_some() && t["issued_at"] == t["created_date"]);
    assert!(!listed.body.to_string().contains(&pat), "token values are never shown again");
    let got = app.post("/auth-tokens.get", json!({"token_id": id})).await;
    assert_eq!((got.status, &got.body["token"]), (200, &t));
    let bare = app.get("/auth-tokens.get", &format!("token_id={}", c["jti"].as_str().unwrap())).await;
    assert_eq!((bare.status, &bare.body["token"]), (200, &t));
    let u = app.post("/auth-tokens.update", json!({"token_id": id, "token_hint": "deploy"})).await;
    assert_eq!(u.status, 200, "{:#}", u.body);
    assert_eq!(u.body["token"]["token_hint"], "deploy");
    assert!(u.body["token"]["modified_date"].as_str() > t["modified_date"].as_str());
    assert_eq!(u.body["token"]["expires_at"], t["expires_at"], "only the hint changes");
    let d = app.post("/auth-tokens.delete", json!({"token_id": id})).await;
    assert_eq!(d.status, 200, "{:#}", d.body);
    let refused = app.post_as(&pat, "/dev-users.self", json!({})).await;
    assert_error(&refused, 401, "unauthenticated");
    assert!(refused.body["detail"].as_str().unwrap().contains("revoked"));
    let got = app.post("/auth-tokens.get", json!({"token_id": id})).await;
    assert_eq!(got.body["token"]["status"], "revoked");
    assert_eq!(app.post("/auth-tokens.delete", json!({"token_id": id})).await.status, 200, "revoking twice is fine");
    // Without a token_id the calling token revokes itself.
    let other = access(&mint_as(&app, &app.token, json!({"requested_token_type": PAT})).await);
    assert_eq!(app.post_as(&other, "/auth-tokens.delete", json!({})).await.status, 200);
    assert_eq!(status_with(&app, &other).await, 401);
    assert_eq!(status_with(&app, &app.token).await, 200);
    assert_error(&app.post("/auth-tokens.get", json!({"token_id": "nope0"})).await, 404, "not_found");
    assert_error(&app.post("/auth-tokens.get", json!({"token_id": "not a token"})).await, 400, "invalid_id");
    let wrong =
        app.post("/auth-tokens.get", json!({"token_id": format!("don:identity:dvrv-us-1:devo/{org}:devu/1")})).await;
    assert_error(&wrong, 400, "unexpected_id_type");
    assert_error(
        &app.post("/auth-tokens.update", json!({"token_id": "nope0", "token_hint": "x"})).await,
        404,
        "not_found",
    );
    assert_error(&app.post("/auth-tokens.delete", json!({"token_id": "nope0"})).await, 404, "not_found");
}

/// Starts a second node on the same database.
async fn second_node(app: &TestApp) -> (String, tokio::sync::oneshot::Sender<()>) {
    let node = Application::build(&app.config).await.unwrap();
    assert!(node.bootstrap.is_none());
    let addr = format!("http://{}", node.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(node.run_until_stopped(async {
        let _ = rx.await;
    }));
    (addr, tx)
}

async fn revoked_and_expired_tokens_fail_on_every_node(app: TestApp) {
    let (node2, _stop) = second_node(&app).await;
    let on2 = |token: String| {
        let app = &app;
        let node2 = node2.clone();
        async move {
            let req = app.raw.post(format!("{node2}/dev-users.self")).bearer_auth(token).json(&json!({}));
            send_checked("/dev-users.self", "POST", req).await
        }
    };
    let pat = access(&mint_as(&app, &app.token, json!({"requested_token_type": PAT})).await);
    assert_eq!(on2(pat.clone()).await.status, 200);
    assert_eq!(app.post("/auth-tokens.delete", json!({"token_id": token_don(&pat)})).await.status, 200);
    let revoked = on2(pat.clone()).await;
    assert_eq!(revoked.status, 401, "revoked on node 1, refused on node 2 at once");
    assert_error(&revoked, 401, "unauthenticated");
    assert_eq!(status_with(&app, &pat).await, 401);
    // A token past its expiry fails on its next use everywhere.
    let state = open(&app.config).await.unwrap();
    let org = org_id(&app).await;
    let admin = UserRef { kind: ObjectKind::DevUser, id: 1 };
    let short = state
        .keys
        .mint_pat_lasting(state.store.as_ref(), &org, admin, revdir_core::clock::system_now(), 2)
        .await
        .unwrap();
    let short = short.expose_secret().to_owned();
    assert_eq!(on2(short.clone()).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = on2(short.clone()).await;
    assert_eq!(expired.status, 401);
    assert_error(&expired, 401, "unauthenticated");
    assert!(expired.body["detail"].as_str().unwrap().contains("expired"), "{:#}", expired.body);
    let a = app.post_as(&short, "/dev-users.self", json!({})).await;
    assert_error(&a, 401, "unauthenticated");
    assert!(a.body["detail"].as_str().unwrap().contains("expired"), "{:#}", a.body);
    let listed = app.post("/auth-tokens.list", json!({})).await;
    let statuses: Vec<&str> =
        listed.body["tokens"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["active", "revoked", "expired"]);
}

async fn sys_user_tokens_act_as_the_sys_user(app: TestApp) {
    let minted = mint_as(&app, &app.token, json!({"requested_token_type": SYS})).await;
    let sut = access(&minted);
    let info = app.post_as(&sut, "/auth-tokens.info", json!({})).await;
    assert_eq!(
        (info.body["user"]["type"].as_str(), info.body["user"]["display_id"].as_str()),
        (Some("sys_user"), Some("SYSU-1"))
    );
    let created = app.post_as(&sut, "/rev-users.create", json!({"display_name": "Via bot"})).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let by = &created.body["rev_user"]["created_by"];
    assert_eq!((by["type"].as_str(), by["display_id"].as_str()), (Some("sys_user"), Some("SYSU-1")));
    let id = created.body["rev_user"]["id"].clone();
    let by_admin =
        app.post("/rev-users.create", json!({"display_name": "Via admin"})).await.body["rev_user"]["id"].clone();
    let updated = app.post_as(&sut, "/rev-users.update", json!({"id": by_admin, "display_name": "Bot was here"})).await;
    assert_eq!(updated.status, 200, "{:#}", updated.body);
    let m = &updated.body["rev_user"]["modified_by"];
    assert_eq!(
        (m["type"].as_str(), m["display_id"].as_str(), m["display_name"].as_str()),
        (Some("sys_user"), Some("SYSU-1"), Some("devrev-bot"))
    );
    assert_eq!(updated.body["rev_user"]["created_by"]["type"], "dev_user");
    let read = app.get_rev_user(by_admin.as_str().unwrap()).await;
    assert_eq!(read["modified_by"]["type"], "sys_user", "recorded, not just answered");
    assert_eq!(updated.body["rev_user"], read, "creator and modifier differ, and the answer is the next get");
    // A sys user renaming itself sees its new name as its own modifier.
    let me = app.post_as(&sut, "/sys-users.update", json!({"id": "SYSU-1", "display_name": "bot-two"})).await;
    assert_eq!(me.status, 200, "{:#}", me.body);
    assert_eq!(me.body["sys_user"]["modified_by"]["display_name"], "bot-two");
    let acc = app.post_as(&sut, "/accounts.create", json!({"display_name": "Bot account"})).await;
    assert_eq!(acc.status, 201, "{:#}", acc.body);
    assert_eq!(acc.body["account"]["created_by"]["type"], "sys_user");
    let me = app.post_as(&sut, "/sys-users.update", json!({"id": "SYSU-1", "full_name": "The Bot"})).await;
    assert_eq!(me.body["sys_user"]["modified_by"]["type"], "sys_user");
    assert_error(&app.post_as(&sut, "/dev-users.self", json!({})).await, 403, "forbidden");
    assert_error(
        &app.post_as(&sut, "/auth-tokens.create", json!({"requested_token_type": PAT})).await,
        403,
        "forbidden",
    );
    mint_as(&app, &sut, json!({"requested_token_type": SYS, "act_as": "SYSU-1"})).await;
    let missing = app.post("/auth-tokens.create", json!({"requested_token_type": SYS, "act_as": "SYSU-9"})).await;
    assert_error(&missing, 400, "value_not_permitted");
    assert_eq!(missing.body["field_name"], "act_as");
    assert_eq!(app.get_rev_user(id.as_str().unwrap()).await["created_by"]["type"], "sys_user");
}

async fn application_tokens_mint_session_tokens(app: TestApp) {
    let aat_minted = mint_as(&app, &app.token, json!({"requested_token_type": AAT, "client_id": "portal"})).await;
    assert_eq!(aat_minted["client_id"], "portal");
    let aat = access(&aat_minted);
    let generated = mint_as(&app, &app.token, json!({"requested_token_type": AAT})).await;
    assert!(generated["client_id"].as_str().unwrap().starts_with("revdir-app-"), "{generated:#}");
    let info = app.post_as(&aat, "/auth-tokens.info", json!({})).await;
    assert_eq!(info.body["user"]["type"], "service_account");
    assert_eq!(info.body["user"]["display_id"], info.body["user"]["id"], "service accounts have no display id");
    for (path, body) in [
        ("/rev-users.list", json!({})),
        ("/accounts.create", json!({"display_name": "x"})),
        ("/dev-orgs.get", json!({})),
        ("/tags.list", json!({})),
        ("/dev-users.self", json!({})),
    ] {
        assert_error(&app.post_as(&aat, path, body).await, 403, "forbidden");
    }
    assert_error(
        &app.post_as(&aat, "/auth-tokens.create", json!({"requested_token_type": PAT})).await,
        403,
        "forbidden",
    );
    assert_error(
        &app.post_as(&aat, "/auth-tokens.create", json!({"requested_token_type": AAT})).await,
        403,
        "forbidden",
    );
    let rev_info = json!({"user_ref": "cust-1", "account_ref": "acme", "workspace_ref": "acme-eu",
        "user_traits": {"display_name": "Cust One", "email": "c1@acme.io", "phone_numbers": ["+14155550100"]},
        "account_traits": {"display_name": "Acme", "domains": ["acme.io"]}, "workspace_traits": {"display_name": "Acme EU"}});
    let session = mint_as(&app, &aat, json!({"requested_token_type": SESSION, "rev_info": rev_info})).await;
    assert_eq!(session["expires_in"], 86_400, "a session lasts a day unless asked otherwise");
    let session = access(&session);
    let sub = claims(&session)["sub"].as_str().unwrap().to_owned();
    assert!(sub.contains(":revo/") && sub.contains(":revu/"), "the session subject nests the workspace: {sub}");
    let me = app.post_as(&session, "/auth-tokens.info", json!({})).await;
    assert_eq!(me.body["user"]["type"], "rev_user");
    assert_eq!(me.body["user"]["display_name"], "Cust One");
    assert_eq!(me.body["token"]["subject"], json!(sub));
    let users = app.post("/rev-users.list", json!({"external_ref": ["cust-1"]})).await;
    let users = users.body["rev_users"].as_array().unwrap().clone();
    assert_eq!(users.len(), 1);
    let u = &users[0];
    assert_eq!((u["email"].as_str(), u["phone_numbers"][0].as_str()), (Some("c1@acme.io"), Some("+14155550100")));
    assert_eq!(u["created_by"]["type"], "service_account");
    assert_eq!(u["rev_org"]["display_name"], "Acme EU");
    let accounts = app.post("/accounts.list", json!({"external_refs": ["acme"]})).await;
    let account = accounts.body["accounts"][0].clone();
    assert_eq!((account["display_name"].as_str(), account["domains"][0].as_str()), (Some("Acme"), Some("acme.io")));
    let ws = app.post("/rev-orgs.get", json!({"id": u["rev_org"]["id"]})).await;
    assert_eq!(ws.body["rev_org"]["external_ref"], "acme-eu");
    assert_eq!(ws.body["rev_org"]["account"]["id"], account["id"]);
    // The same contact again: found, not created twice.
    let again = access(
        &mint_as(&app, &aat, json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "cust-1"}})).await,
    );
    assert_eq!(claims(&again)["sub"], json!(sub));
    let count = app.post("/rev-users.list", json!({})).await.body["rev_users"].as_array().unwrap().len();
    assert_eq!(count, 1);
    // A new contact in an existing account, without a workspace ref, joins its default workspace.
    let plain = access(
        &mint_as(
            &app,
            &aat,
            json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "cust-2", "account_ref": "acme"}}),
        )
        .await,
    );
    assert_eq!(app.post_as(&plain, "/auth-tokens.info", json!({})).await.status, 200);
    // A workspace of another account is refused.
    let other = app.post("/accounts.create", json!({"display_name": "Other"})).await;
    let other_ws = other.body["default_rev_org"]["id"].clone();
    let other_ref = app.post("/rev-orgs.update", json!({"id": other_ws, "external_ref": "other-ws"})).await;
    assert_eq!(other_ref.status, 200, "{:#}", other_ref.body);
    let clash = app
        .post_as(
            &aat,
            "/auth-tokens.create",
            json!({"requested_token_type": SESSION,
            "rev_info": {"user_ref": "cust-3", "account_ref": "acme", "workspace_ref": "other-ws"}}),
        )
        .await;
    assert_error(&clash, 400, "value_not_permitted");
    assert_eq!(clash.body["field_name"], "rev_info.workspace_ref");
    let unknown_ws = app
        .post_as(
            &aat,
            "/auth-tokens.create",
            json!({"requested_token_type": SESSION,
            "rev_info": {"user_ref": "cust-3", "workspace_ref": "nowhere"}}),
        )
        .await;
    assert_error(&unknown_ws, 400, "value_not_permitted");
    // By id: a contact the caller names directly.
    let made = app.create_rev_user(json!({"display_name": "Known"})).await;
    let by_id = access(
        &mint_as(
            &app,
            &app.token,
            json!({"requested_token_type": SESSION, "rev_info": {"user_id": made["display_id"]}}),
        )
        .await,
    );
    let known = app.post_as(&by_id, "/auth-tokens.info", json!({})).await;
    assert_eq!(known.body["user"]["id"], made["id"]);
    // The AAT lists its own tokens, with their client id.
    let own = app.post_as(&aat, "/auth-tokens.list", json!({})).await;
    assert_eq!(own.status, 200, "{:#}", own.body);
    let own = own.body["tokens"].as_array().unwrap().clone();
    assert_eq!(own.len(), 1);
    assert_eq!((own[0]["client_id"].as_str(), own[0]["requested_token_type"].as_str()), (Some("portal"), Some(AAT)));
    let admins = app.post_as(&aat, "/auth-tokens.list", json!({"subject": "DEVU-1"})).await;
    assert_error(&admins, 403, "forbidden");
    let by_client =
        app.post("/auth-tokens.list", json!({"subject": info.body["user"]["id"], "client_id": "portal"})).await;
    assert_eq!(by_client.body["tokens"].as_array().unwrap().len(), 1);
}

async fn session_tokens_touch_only_their_contact(app: TestApp) {
    let other = app.create_rev_user(json!({"display_name": "Someone else"})).await;
    let minted =
        mint_as(&app, &app.token, json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "me-1"}})).await;
    let session = access(&minted);
    let sub = claims(&session)["sub"].as_str().unwrap().to_owned();
    let me = app.post_as(&session, "/rev-users.get", json!({"id": sub})).await;
    assert_eq!(me.status, 200, "{:#}", me.body);
    let my_id = me.body["rev_user"]["display_id"].as_str().unwrap().to_owned();
    assert_eq!(app.post_as(&session, "/rev-users.get", json!({"id": my_id})).await.status, 200);
    let renamed = app
        .post_as(
            &session,
            "/rev-users.update",
            json!({"id": my_id, "display_name": "Me", "phone_numbers": ["+14155550100"]}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:#}", renamed.body);
    assert_eq!(renamed.body["rev_user"]["modified_by"]["type"], "rev_user");
    assert_eq!(renamed.body["rev_user"]["modified_by"]["display_id"], json!(my_id));
    // The contact changed itself, so its modifier summary already carries the new name.
    assert_eq!(renamed.body["rev_user"]["modified_by"]["display_name"], "Me");
    let again = app.post_as(&session, "/rev-users.get", json!({"id": my_id})).await;
    assert_eq!(again.body, renamed.body, "the update's answer is what the next get shows");
    for (path, body) in [
        ("/rev-users.get", json!({"id": other["id"]})),
        ("/rev-users.update", json!({"id": other["id"], "display_name": "x"})),
        ("/rev-users.update", json!({"id": my_id, "external_ref": "mine-now"})),
        ("/rev-users.update", json!({"id": my_id, "tags": []})),
        ("/rev-users.update", json!({"id": my_id, "display_picture": null})),
        ("/rev-users.list", json!({})),
        ("/rev-users.create", json!({})),
        ("/rev-users.delete", json!({"id": my_id})),
        ("/accounts.list", json!({})),
        ("/rev-orgs.list", json!({})),
        ("/tags.create", json!({"name": "mine"})),
        ("/artifacts.prepare", json!({"file_name": "a.png"})),
        ("/dev-orgs.get", json!({})),
        ("/dev-users.list", json!({})),
        ("/sys-users.list", json!({})),
        ("/auth-tokens.create", json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "x"}})),
        ("/auth-tokens.list", json!({"subject": "DEVU-1"})),
        ("/auth-tokens.get", json!({"token_id": token_don(&app.token)})),
        ("/auth-tokens.delete", json!({"token_id": token_don(&app.token)})),
    ] {
        let a = app.post_as(&session, path, body.clone()).await;
        assert_error(&a, 403, "forbidden");
        assert!(!a.body.to_string().contains("Someone else"), "{path} {body}: {:#}", a.body);
    }
    assert_eq!(app.get_rev_user(other["id"].as_str().unwrap()).await, other, "refused calls change nothing");
    assert_eq!(app.get_rev_user(&my_id).await["external_ref"], "me-1");
    let own = app.post_as(&session, "/auth-tokens.list", json!({})).await;
    assert_eq!(own.body["tokens"].as_array().unwrap().len(), 1);
    assert_eq!(status_with(&app, &app.token).await, 200, "the admin's token was not revoked");
    assert_eq!(app.post_as(&session, "/auth-tokens.delete", json!({})).await.status, 200);
    assert_error(&app.post_as(&session, "/rev-users.get", json!({"id": my_id})).await, 401, "unauthenticated");
    // Deleting the contact ends its sessions too.
    let s2 = access(
        &mint_as(&app, &app.token, json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "me-1"}})).await,
    );
    assert_eq!(status_with(&app, &s2).await, 200);
    assert_eq!(app.post("/rev-users.delete", json!({"id": my_id})).await.status, 200);
    assert_eq!(status_with(&app, &s2).await, 401);
}

async fn self_delete_revokes_the_callers_tokens(app: TestApp) {
    let p1 = access(&mint_as(&app, &app.token, json!({"requested_token_type": PAT})).await);
    let p2 = access(&mint_as(&app, &app.token, json!({"requested_token_type": PAT})).await);
    let sut = access(&mint_as(&app, &app.token, json!({"requested_token_type": SYS})).await);
    let aat = access(&mint_as(&app, &app.token, json!({"requested_token_type": AAT})).await);
    let none = app
        .post_as(
            &p1,
            "/auth-tokens.self.delete",
            json!({"requested_token_type": "urn:devrev:params:oauth:token-type:super"}),
        )
        .await;
    assert_eq!(none.status, 200, "{:#}", none.body);
    assert_eq!(status_with(&app, &p1).await, 200, "a kind revdir never mints revokes nothing");
    let d = app.post_as(&p1, "/auth-tokens.self.delete", json!({"requested_token_type": PAT})).await;
    assert_eq!(d.status, 200, "{:#}", d.body);
    for t in [&p1, &p2, &app.token] {
        assert_eq!(status_with(&app, t).await, 401, "every PAT of the caller is revoked");
    }
    assert_eq!(status_with(&app, &sut).await, 200, "other users' tokens stay");
    assert_eq!(status_with(&app, &aat).await, 200);
    let listed = app.post_as(&sut, "/auth-tokens.list", json!({"subject": "DEVU-1"})).await;
    assert!(listed.body["tokens"].as_array().unwrap().iter().all(|t| t["status"] == "revoked"), "{:#}", listed.body);
    assert_eq!(app.post_as(&sut, "/auth-tokens.self.delete", json!({})).await.status, 200);
    assert_eq!(status_with(&app, &sut).await, 401);
    assert_eq!(status_with(&app, &aat).await, 200);
}

async fn mint_requests_are_checked(app: TestApp) {
    let count = || async { app.post("/auth-tokens.list", json!({})).await.body["tokens"].as_array().unwrap().len() };
    let before = count().await;
    let cases = [
        (json!({}), "missing_required_field", Some("requested_token_type")),
        (
            json!({"requested_token_type": "urn:devrev:params:oauth:token-type:super"}),
            "value_not_permitted",
            Some("requested_token_type"),
        ),
        (json!({"requested_token_type": "bogus"}), "invalid_enum_value", Some("requested_token_type")),
        (json!({"requested_token_type": PAT, "expires_in": 0}), "value_not_permitted", Some("expires_in")),
        (json!({"requested_token_type": PAT, "expires_in": 3651}), "value_not_permitted", Some("expires_in")),
        (json!({"requested_token_type": PAT, "expires_in": -1}), "value_not_permitted", Some("expires_in")),
        (json!({"requested_token_type": PAT, "client_id": "x"}), "value_not_permitted", Some("client_id")),
        (json!({"requested_token_type": PAT, "act_as": "SYSU-1"}), "value_not_permitted", Some("act_as")),
        (
            json!({"requested_token_type": PAT, "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange"}),
            "value_not_permitted",
            Some("grant_type"),
        ),
        (json!({"requested_token_type": PAT, "subject_token": "t"}), "bad_request", None),
        (json!({"requested_token_type": SESSION}), "missing_required_field", Some("rev_info")),
        (json!({"requested_token_type": SESSION, "rev_info": {}}), "missing_required_field", Some("rev_info.user_ref")),
        (
            json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "u", "user_traits": {"email": "nope"}}}),
            "value_not_permitted",
            Some("rev_info.user_traits.email"),
        ),
        (
            json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "u", "user_traits": {"custom_fields": {}}}}),
            "bad_request",
            None,
        ),
        (
            json!({"requested_token_type": SESSION, "rev_info": {"user_id": "REVU-77"}}),
            "value_not_permitted",
            Some("rev_info.user_id"),
        ),
        (json!({"requested_token_type": SYS, "act_as": "DEVU-1"}), "unexpected_id_type", Some("act_as")),
        (
            json!({"requested_token_type": AAT, "act_as": "don:identity:dvrv-us-1:devo/x:svcacc/9"}),
            "value_not_permitted",
            Some("act_as"),
        ),
    ];
    for (body, kind, field) in cases {
        let a = app.post("/auth-tokens.create", body.clone()).await;
        assert_error(&a, 400, kind);
        if let Some(field) = field {
            assert_eq!(a.body["field_name"], field, "{body}: {:#}", a.body);
        }
    }
    assert_eq!(count().await, before, "refused requests record no token");
    assert_eq!(app.post("/rev-users.list", json!({})).await.body["rev_users"], json!([]), "nor a contact");
    let long = mint_as(&app, &app.token, json!({"requested_token_type": PAT, "expires_in": 3650})).await;
    assert_eq!(long["expires_in"], 3650 * 86_400);
}

async fn racing_mints_provision_one_contact_and_one_service_account(app: TestApp) {
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let body = if i % 2 == 0 {
                json!({"requested_token_type": SESSION, "rev_info": {"user_ref": "race-1", "account_ref": "race-acc"}})
            } else {
                json!({"requested_token_type": AAT, "client_id": "race-app"})
            };
            let a = app.post("/auth-tokens.create", body).await;
            assert_eq!(a.status, 201, "{:#}", a.body);
            claims(a.body["access_token"].as_str().unwrap())["sub"].as_str().unwrap().to_owned()
        }));
    }
    let mut subjects = std::collections::BTreeSet::new();
    for t in tasks {
        subjects.insert(t.await.unwrap());
    }
    assert_eq!(subjects.len(), 2, "one contact and one service account: {subjects:?}");
    let users = app.post("/rev-users.list", json!({"external_ref": ["race-1"]})).await;
    assert_eq!(users.body["rev_users"].as_array().unwrap().len(), 1);
    let accounts = app.post("/accounts.list", json!({})).await;
    assert_eq!(accounts.body["accounts"].as_array().unwrap().len(), 1);
}
