//! `/_revdir/orgs.create`: the operator creates dev orgs on a running server, guarded by the
//! operator key; without a configured key the route does not exist.

use serde_json::{json, Value};

use crate::helpers::{assert_error, send, spawn_app, Backend, TestApp};

const KEY: &str = "an operator key of some length";

macro_rules! with_operator_key {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use crate::helpers::{spawn_app_with, Backend};
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = spawn_app_with(Backend::Sqlite, |c, _| c.operator_key = Some(super::KEY.to_owned().into())).await;
                    super::$name(app).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let app = spawn_app_with(Backend::Postgres, |c, _| c.operator_key = Some(super::KEY.to_owned().into())).await;
                    super::$name(app).await;
                }
            }
        )*
    };
}

with_operator_key!(operator_creates_isolated_dev_orgs, operator_key_is_required);

async fn create(app: &TestApp, key: Option<&str>, body: Value) -> crate::helpers::Answer {
    let mut req = app.raw.post(format!("{}/_revdir/orgs.create", app.addr)).json(&body);
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    send(req).await
}

async fn operator_creates_isolated_dev_orgs(app: TestApp) {
    let a = create(&app, Some(KEY), json!({"display_name": "Team B"})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let org = a.body["dev_org"].clone();
    assert_eq!(org["display_name"], "Team B");
    let token = a.body["admin_token"].as_str().unwrap().to_owned();
    let got = app.post_as(&token, "/dev-orgs.get", json!({})).await;
    assert_eq!((got.status, &got.body["dev_org"]), (200, &org));
    assert_ne!(app.post("/dev-orgs.get", json!({})).await.body["dev_org"]["id"], org["id"]);
    let me = app.post_as(&token, "/dev-users.self", json!({})).await;
    assert_eq!(me.body["dev_user"]["display_id"], "DEVU-1");
    let bots = app.post_as(&token, "/sys-users.list", json!({})).await;
    assert_eq!(bots.body["sys_users"][0]["display_name"], "devrev-bot");
    // The typed client, with the key as its token; a bare key works too.
    let client = revdir_client::Client::new(&app.addr, KEY);
    let typed = client.revdir_orgs_create(&revdir_api::operator::OrgsCreateRequest::default()).await.unwrap();
    assert_eq!(typed.dev_org.display_name.as_deref(), Some("revdir"));
    assert!(!format!("{typed:?}").contains(&typed.admin_token), "Debug hides the token");
    let bare =
        send(app.raw.post(format!("{}/_revdir/orgs.create", app.addr)).header("authorization", KEY).json(&json!({})))
            .await;
    assert_eq!(bare.status, 201, "{:#}", bare.body);
    let blank = create(&app, Some(KEY), json!({"display_name": " "})).await;
    assert_eq!((blank.status, blank.body["type"].as_str()), (400, Some("value_not_permitted")));
}

async fn operator_key_is_required(app: TestApp) {
    for key in [None, Some("wrong key of a similar length!!"), Some(""), Some(&app.token[..])] {
        let a = create(&app, key, json!({})).await;
        assert_eq!((a.status, a.body["type"].as_str()), (401, Some("unauthenticated")), "{key:?}: {:#}", a.body);
        assert!(!a.body.to_string().contains(KEY));
    }
    // An admin token is not an operator key, and the operator key is not a token.
    assert_error(&app.post_as(KEY, "/dev-orgs.get", json!({})).await, 401, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_the_route_does_not_exist() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        let a = create(&app, Some(KEY), json!({})).await;
        assert_eq!((a.status, &a.body), (404, &json!({"message": "route not found"})));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_operator_keys_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = revdir_server::ServerConfig::new(
        revdir_store::DatabaseUrl::new(dir.path().join("r.db").display().to_string()),
        "127.0.0.1:0",
    );
    config.operator_key = Some("short".to_owned().into());
    let err = revdir_server::Application::build(&config).await.err().expect("a short key is refused");
    assert!(err.to_string().contains("operator key"), "{err:#}");
}
