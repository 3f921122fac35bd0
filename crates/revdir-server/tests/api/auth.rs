//! Authentication (§1, §8.5): every operation needs a valid, known, unexpired token.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use revdir_core::ids::ObjectKind;
use revdir_core::scope::UserRef;
use revdir_core::time::Timestamp;
use revdir_server::startup::open;
use serde_json::{json, Value};

use crate::helpers::{assert_error, send, TestApp};
use crate::on_both_backends;

on_both_backends!(
    bearer_and_bare_tokens_are_accepted,
    bad_tokens_are_unauthenticated,
    expired_and_unknown_tokens_are_unauthenticated,
    every_operation_requires_a_token,
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
    let now = Timestamp::now().seconds();
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
    let expired = state.keys.mint_pat(state.store.as_ref(), &org.org.id, admin, Timestamp::now(), -1).await.unwrap();
    let a = app.post_as(secrecy::ExposeSecret::expose_secret(&expired), "/dev-orgs.get", json!({})).await;
    assert_error(&a, 401, "unauthenticated");
    assert!(a.body["detail"].as_str().unwrap().contains("expired"));
    // Correctly signed, but never issued: no record with that jti.
    let now = Timestamp::now().seconds();
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
