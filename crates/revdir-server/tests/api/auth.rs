//! Authentication (§1, §8.5): every operation needs a valid, known, unexpired token.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use revdir_core::ids::ObjectKind;
use revdir_core::refs::UserRef;
use revdir_server::startup::open;
use serde_json::{json, Value};

use crate::helpers::{assert_error, send, TestApp};
use crate::on_both_backends;

on_both_backends!(
    bearer_and_bare_tokens_are_accepted,
    bad_tokens_are_unauthenticated,
    expired_and_unknown_tokens_are_unauthenticated,
    every_operation_requires_a_token,
    one_statement_updates_check_the_token_record,
);

async fn bearer_and_bare_tokens_are_accepted(app: TestApp) {
    for header in [format!("Bearer {}", app.token), format!("bearer {}", app.token), app.token.clone()] {
        let req = app.raw.post(format!("{}/dev-orgs.get", app.addr)).header("authorization", header).json(&json!({}));
        let a = app.send_checked("/dev-orgs.get", "POST", req).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
    }
}

/// The stored signing key, read straight from the database the server uses.
async fn signing_key(app: &TestApp) -> Vec<u8> {
    let state = open(&app.config).await.unwrap();
    state.store.signing_key(vec![0; 32]).await.unwrap()
}

fn sign(key: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(key)).unwrap()
}

async fn bad_tokens_are_unauthenticated(app: TestApp) {
    let parts: Vec<&str> = app.token.split('.').collect();
    let now = revdir_core::clock::system_now().seconds();
    let claims = json!({"iss": "revdir", "sub": "don:identity:dvrv-us-1:devo/x:devu/1", "iat": now, "exp": now + 3600,
        "jti": "x", "aud": ["janus"], "token_type": "pat"});
    let forged = sign(b"not the server's key, not at all", &claims);
    // An unsigned token: alg none, the real payload, an empty signature.
    let none_header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);
    let tampered = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
    for (name, header) in [
        ("garbage", "Bearer not-a-token".to_owned()),
        ("empty bearer", "Bearer ".to_owned()),
        ("forged", format!("Bearer {forged}")),
        ("alg none", format!("Bearer {unsigned}")),
        ("tampered", format!("Bearer {tampered}")),
    ] {
        let req = app.raw.post(format!("{}/rev-users.list", app.addr)).header("authorization", header).json(&json!({}));
        let a = app.send_checked("/rev-users.list", "POST", req).await;
        assert_error(&a, 401, "unauthenticated");
        assert!(!a.body.to_string().contains(&app.token), "{name}: the token is never echoed");
    }
    let req = app.raw.post(format!("{}/rev-users.list", app.addr)).json(&json!({}));
    assert_error(&app.send_checked("/rev-users.list", "POST", req).await, 401, "unauthenticated");
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn expired_and_unknown_tokens_are_unauthenticated(app: TestApp) {
    let state = open(&app.config).await.unwrap();
    let org = state.store.default_dev_org().await.unwrap().unwrap();
    let admin = UserRef { kind: ObjectKind::DevUser, id: 1 };
    let expired = state
        .keys
        .mint_pat(state.store.as_ref(), &org.org.id, admin, revdir_core::clock::system_now(), -1)
        .await
        .unwrap();
    let a = app.post_as(secrecy::ExposeSecret::expose_secret(&expired), "/dev-orgs.get", json!({})).await;
    assert_error(&a, 401, "unauthenticated");
    assert!(a.body["detail"].as_str().unwrap().contains("expired"));
    // Correctly signed, but never issued: no record with that jti.
    let now = revdir_core::clock::system_now().seconds();
    let key = signing_key(&app).await;
    let unknown = sign(
        &key,
        &json!({"iss": "revdir", "sub": format!("don:identity:dvrv-us-1:devo/{}:devu/1", org.org.id), "iat": now,
            "exp": now + 3600, "jti": "never-issued", "aud": ["janus"], "token_type": "pat"}),
    );
    assert_error(&app.post_as(&unknown, "/dev-orgs.get", json!({})).await, 401, "unauthenticated");
    // A valid token's record names its subject; a token claiming another subject fails.
    let claims: Value = {
        use base64::Engine as _;
        let payload = app.token.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let mut swapped = claims.clone();
    swapped["sub"] = json!(format!("don:identity:dvrv-us-1:devo/{}:sysu/1", org.org.id));
    assert_error(&app.post_as(&sign(&key, &swapped), "/dev-orgs.get", json!({})).await, 401, "unauthenticated");
    // The genuine token still works.
    assert_eq!(app.post_as(&sign(&key, &claims), "/dev-orgs.get", json!({})).await.status, 200);
}

async fn every_operation_requires_a_token(app: TestApp) {
    let operations = [
        "/dev-orgs.get",
        "/dev-users.self",
        "/accounts.create",
        "/accounts.get",
        "/accounts.list",
        "/accounts.update",
        "/accounts.delete",
        "/rev-orgs.create",
        "/rev-orgs.get",
        "/rev-orgs.list",
        "/rev-orgs.update",
        "/rev-orgs.delete",
        "/rev-users.create",
        "/rev-users.get",
        "/rev-users.list",
        "/rev-users.update",
        "/rev-users.delete",
        "/sys-users.list",
        "/sys-users.update",
        "/tags.create",
        "/tags.get",
        "/tags.list",
        "/tags.update",
        "/tags.delete",
    ];
    for op in operations {
        let a = send(app.raw.post(format!("{}{op}", app.addr)).json(&json!({"id": "REVU-1"}))).await;
        assert_error(&a, 401, "unauthenticated");
        crate::spec::assert_valid_response(op, "POST", a.status, &a.body);
    }
}

/// The claims of a JWT, decoded without checking it.
fn claims_of(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// `rev-users.update` and `sys-users.update` of the row alone check the token's record in
/// the update statement itself: every way a correctly signed token can fail that check
/// answers 401 and changes nothing, whatever else is wrong with the request.
async fn one_statement_updates_check_the_token_record(app: TestApp) {
    let state = open(&app.config).await.unwrap();
    let org = state.store.default_dev_org().await.unwrap().unwrap().org.id;
    let key = signing_key(&app).await;
    let far = revdir_core::clock::system_now().seconds() + 3600;
    let contact = app.create_rev_user(json!({"display_name": "Before", "email": "before@example.com"})).await;
    let id = contact["id"].as_str().unwrap().to_owned();
    let sys_before = app.post("/sys-users.list", json!({})).await.body["sys_users"][0].clone();
    let sys_id = sys_before["id"].as_str().unwrap().to_owned();

    let revoked = crate::auth_tokens::access(
        &crate::auth_tokens::mint_as(
            &app,
            &app.token,
            json!({"requested_token_type": "urn:devrev:params:oauth:token-type:pat"}),
        )
        .await,
    );
    let jti = claims_of(&revoked)["jti"].as_str().unwrap().to_owned();
    let don = format!("don:identity:dvrv-us-1:devo/{org}:token/{jti}");
    assert_eq!(app.post("/auth-tokens.delete", json!({"token_id": don})).await.status, 200);

    // A record that expired while the token's own claim still runs (re-signed with a later exp).
    let admin = UserRef { kind: ObjectKind::DevUser, id: 1 };
    let short = state
        .keys
        .mint_pat_lasting(state.store.as_ref(), &org, admin, revdir_core::clock::system_now(), 1)
        .await
        .unwrap();
    let mut outlived = claims_of(secrecy::ExposeSecret::expose_secret(&short));
    outlived["exp"] = json!(far);
    let outlived = sign(&key, &outlived);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    // A user who may not sign in: a shadow dev user's token.
    crate::dev_users::create_dev_user(&app, "shadow@example.com").await;
    let shadow = crate::dev_users::token_of(&app, ObjectKind::DevUser, 2).await;

    let admin_claims = claims_of(&app.token);
    let mut never_issued = admin_claims.clone();
    never_issued["jti"] = json!("never-issued");
    let mut other_subject = admin_claims.clone();
    other_subject["sub"] = json!(format!("don:identity:dvrv-us-1:devo/{org}:devu/2"));
    let mut sys_subject = admin_claims.clone();
    sys_subject["sub"] = json!(format!("don:identity:dvrv-us-1:devo/{org}:sysu/1"));
    // Another org's genuine token id, presented with this org's admin as subject.
    let foreign = app.other_org_token().await;
    let mut foreign_jti = admin_claims.clone();
    foreign_jti["jti"] = claims_of(&foreign)["jti"].clone();

    let refused = [
        ("revoked", revoked),
        ("record expired", outlived),
        ("user not active", shadow),
        ("never issued", sign(&key, &never_issued)),
        ("subject not the record's", sign(&key, &other_subject)),
        ("sys user claimed", sign(&key, &sys_subject)),
        ("another org's token id", sign(&key, &foreign_jti)),
    ];
    let update = json!({"id": id, "display_name": "After", "email": "after@example.com",
        "phone_numbers": ["+14155550100"], "description": "changed"});
    let bad_body = json!({"id": id, "phone_numbers": ["not a phone number"]});
    let sys_update = json!({"id": sys_id, "display_name": "Renamed"});
    for (why, token) in &refused {
        for (path, body) in [
            ("/rev-users.update", &update),
            ("/rev-users.update", &bad_body),
            ("/rev-users.update", &json!({"id": "REVU-999999", "display_name": "x"})),
            ("/rev-users.update", &json!({"id": id, "display_name": 5})),
            ("/sys-users.update", &sys_update),
        ] {
            let a = app.post_as(token, path, body.clone()).await;
            assert_error(&a, 401, "unauthenticated");
            assert!(!a.body.to_string().contains(token.as_str()), "{why}: the token is never echoed");
        }
    }
    assert_eq!(app.get_rev_user(&id).await, contact, "no refused token changed the contact");
    assert_eq!(app.post("/sys-users.list", json!({})).await.body["sys_users"][0], sys_before);

    // The genuine token updates in one statement, and the answer names it as the modifier.
    let a = app.post("/rev-users.update", update.clone()).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["rev_user"]["display_name"], "After");
    assert_eq!(a.body["rev_user"]["modified_by"]["display_id"], "DEVU-1");
    assert_eq!(a.body["rev_user"], app.get_rev_user(&id).await, "the answer is what is stored");
    let s = app.post("/sys-users.update", sys_update).await;
    assert_eq!(s.status, 200, "{:#}", s.body);
    assert_eq!(s.body["sys_user"]["display_name"], "Renamed");
    assert_eq!(s.body["sys_user"]["modified_by"]["display_id"], "DEVU-1");
    // With a good token, a bad body and a missing contact get their own errors.
    assert_error(&app.post("/rev-users.update", bad_body).await, 400, "value_not_permitted");
    assert_error(
        &app.post("/rev-users.update", json!({"id": "REVU-999999", "display_name": "x"})).await,
        404,
        "not_found",
    );
}
