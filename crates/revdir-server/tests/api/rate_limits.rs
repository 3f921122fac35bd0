//! Rate limits (§8.6, API conventions "Auth and transport"): fixed windows per authenticated
//! actor, `X-RateLimit-*` headers on every authenticated answer, 429 `too_many_requests` with
//! `retry_after` and `Retry-After` once a window is exhausted; in process, or shared through
//! Redis by several nodes.
//!
//! Each scenario starts extra servers, with a limit, over the store of the `TestApp` it is
//! given (same database, same signing key, so the app's tokens work on them).

use revdir_server::startup::{Application, RateLimitConfig};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_backends;
use crate::spec::assert_valid_response;

on_both_backends!(limits_count_per_actor_and_answer_429_when_exhausted);

/// Window long enough that no scenario straddles two windows by accident; see `settle`.
const WINDOW: u64 = 3600;

/// A server with a rate limit, stopped when dropped.
struct Limited {
    addr: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn limited(app: &TestApp, limit: u64, redis_prefix: Option<&str>) -> Limited {
    let mut config = app.config.clone();
    let mut rl = RateLimitConfig::new(limit, WINDOW);
    if let Some(prefix) = redis_prefix {
        rl.redis_prefix = prefix.to_owned();
        let url = std::env::var("REVDIR_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        config.redis = Some(url.into());
    }
    config.rate_limit = Some(rl);
    let server = Application::build(&config).await.expect("limited server builds (and reaches Redis if asked)");
    let addr = format!("http://{}", server.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until_stopped(async {
        let _ = rx.await;
    }));
    Limited { addr, _stop: tx }
}

/// Waits for the next window when the current one ends within 30 s, so a scenario's
/// requests all fall into one window.
async fn settle() {
    let left = WINDOW as i64 - revdir_core::clock::system_now().seconds().rem_euclid(WINDOW as i64);
    if left < 30 {
        tokio::time::sleep(std::time::Duration::from_secs(left as u64 + 1)).await;
    }
}

/// One answer with the headers a rate-limit test looks at.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: Value,
    limit: Option<u64>,
    remaining: Option<u64>,
    reset: Option<i64>,
    retry_after: Option<i64>,
}

fn header<T: std::str::FromStr>(r: &reqwest::Response, name: &str) -> Option<T> {
    r.headers().get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// Calls `dev-orgs.get` (POST, or its GET twin) on `addr` with an `Authorization` value.
async fn call(addr: &str, authorization: Option<&str>, get: bool) -> Reply {
    let client = reqwest::Client::new();
    let url = format!("{addr}/dev-orgs.get");
    let mut req = if get { client.get(url) } else { client.post(url).json(&json!({})) };
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let r = req.send().await.unwrap();
    let reply = Reply {
        status: r.status().as_u16(),
        limit: header(&r, "x-ratelimit-limit"),
        remaining: header(&r, "x-ratelimit-remaining"),
        reset: header(&r, "x-ratelimit-reset"),
        retry_after: header(&r, "retry-after"),
        body: serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null),
    };
    assert_valid_response("/dev-orgs.get", if get { "GET" } else { "POST" }, reply.status, &reply.body);
    reply
}

#[track_caller]
fn assert_too_many(r: &Reply, limit: u64) {
    assert_eq!(r.status, 429, "{r:?}");
    assert_eq!(r.body["type"], "too_many_requests", "{r:?}");
    assert!(r.body["message"].is_string(), "{r:?}");
    let retry = r.body["retry_after"].as_i64().expect("retry_after in the body");
    assert_eq!(r.retry_after, Some(retry), "Retry-After equals retry_after: {r:?}");
    assert!((1..=WINDOW as i64).contains(&retry), "{r:?}");
    assert_eq!((r.limit, r.remaining), (Some(limit), Some(0)), "{r:?}");
}

async fn limits_count_per_actor_and_answer_429_when_exhausted(app: TestApp) {
    let other = app.other_org_token().await;
    settle().await;
    let server = limited(&app, 5, None).await;
    let bearer = format!("Bearer {}", app.token);

    // Unauthenticated requests are answered 401 by the handler, uncounted and unlabelled.
    let anonymous = call(&server.addr, None, false).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.limit, None, "no rate-limit headers without an actor");
    let forged = call(&server.addr, Some("Bearer eyJhbGciOiJIUzI1NiJ9.e30.AAAA"), false).await;
    assert_eq!(forged.status, 401);

    // Five allowed: Bearer and bare forms and the GET twin count for the same actor.
    let now = revdir_core::clock::system_now().seconds();
    let mut resets = Vec::new();
    for (i, (auth, get)) in
        [(&bearer, false), (&app.token, false), (&bearer, true), (&bearer, false), (&app.token, true)]
            .into_iter()
            .enumerate()
    {
        let r = call(&server.addr, Some(auth), get).await;
        assert_eq!(r.status, 200, "request {i}: {r:?}");
        assert_eq!(r.limit, Some(5));
        assert_eq!(r.remaining, Some(4 - i as u64), "request {i}");
        assert_eq!(r.retry_after, None);
        resets.push(r.reset.expect("X-RateLimit-Reset"));
    }
    let reset = resets[0];
    assert!(resets.iter().all(|r| *r == reset), "one window: {resets:?}");
    assert!(reset > now && reset <= now + WINDOW as i64 + 1, "reset {reset} is the window's end (now {now})");
    assert_eq!(reset % WINDOW as i64, 0, "fixed windows are aligned");

    // The sixth is refused, and so is the next, in either form.
    let sixth = call(&server.addr, Some(&bearer), false).await;
    assert_too_many(&sixth, 5);
    assert_eq!(sixth.reset, Some(reset));
    assert!(sixth.retry_after.unwrap() <= reset - now);
    assert_too_many(&call(&server.addr, Some(&app.token), true).await, 5);

    // Another actor (another dev org's admin) has its own window.
    let theirs = call(&server.addr, Some(&format!("Bearer {other}")), false).await;
    assert_eq!(theirs.status, 200, "{theirs:?}");
    assert_eq!((theirs.limit, theirs.remaining), (Some(5), Some(4)));

    // A server without a limit (the default) sends no rate-limit headers at all.
    let unlimited = call(&app.addr, Some(&bearer), false).await;
    assert_eq!(unlimited.status, 200);
    assert_eq!((unlimited.limit, unlimited.remaining, unlimited.reset), (None, None, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_redis_limit() {
    let app = spawn_app(Backend::Sqlite).await;
    settle().await;
    let prefix = format!("revdir-test:{}:", uuid::Uuid::new_v4().simple());
    let a = limited(&app, 4, Some(&prefix)).await;
    let b = limited(&app, 4, Some(&prefix)).await;
    let token = app.token.as_str();
    let mut remaining = Vec::new();
    for node in [&a, &b, &a, &b] {
        let r = call(&node.addr, Some(token), false).await;
        assert_eq!(r.status, 200, "{r:?}");
        remaining.push(r.remaining.unwrap());
    }
    assert_eq!(remaining, [3, 2, 1, 0], "both nodes count into one window");
    assert_too_many(&call(&a.addr, Some(token), false).await, 4);
    assert_too_many(&call(&b.addr, Some(token), true).await, 4);

    // A node with a different prefix (another deployment) has its own counters.
    let c = limited(&app, 4, Some(&format!("{prefix}other:"))).await;
    let fresh = call(&c.addr, Some(token), false).await;
    assert_eq!((fresh.status, fresh.remaining), (200, Some(3)));
}
