//! Prometheus metrics (`metrics_listen`): served on their own listener, never on the API port;
//! the request, rate-limit, database and webhook series appear with org-independent labels.
//!
//! Every server of the test process shares one registry, so these tests look for names and
//! labels, and for counters going up, never for exact totals.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{send, spawn_app, Backend, TestApp};
use crate::on_both_backends_configured;
use crate::receiver::Receiver;

/// Requests per actor per window: more than the admin's requests here, few enough to exhaust.
const LIMIT: u64 = 8;

/// A metrics listener on a free port, and a rate limit low enough to exhaust.
fn with_metrics(c: &mut revdir_server::startup::ServerConfig) {
    c.metrics_listen = Some("127.0.0.1:0".into());
    c.rate_limit = Some(revdir_server::startup::RateLimitConfig::new(LIMIT, 3600));
}

on_both_backends_configured!(super::with_metrics; requests_database_and_webhooks_are_measured_without_ids);

/// How long to wait for the delivery worker's counter.
const WAIT: Duration = Duration::from_secs(15);

/// GETs `/metrics` from the metrics listener; asserts 200 in Prometheus' text format.
async fn scrape(app: &TestApp) -> String {
    let base = app.metrics_addr.as_ref().expect("the metrics listener is open");
    let response = app.raw.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    response.text().await.unwrap()
}

/// The value of the series `name{labels}` whose label set contains every one of `labels`
/// (`key="value"` each), summed over the series that match.
fn value(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, v)) = line.rsplit_once(' ') else { continue };
        let (series_name, set) = series.split_once('{').unwrap_or((series, ""));
        if series_name == name && labels.iter().all(|l| set.contains(l)) {
            *found.get_or_insert(0.0) += v.parse::<f64>().unwrap();
        }
    }
    found
}

/// Every label value in the exposition.
fn label_values(text: &str) -> Vec<String> {
    let mut values = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((_, rest)) = line.split_once('{') else { continue };
        let Some((set, _)) = rest.rsplit_once('}') else { continue };
        values.extend(
            set.split("\",").filter_map(|pair| pair.split_once("=\"")).map(|(_, v)| v.trim_end_matches('"').to_owned()),
        );
    }
    values
}

async fn requests_database_and_webhooks_are_measured_without_ids(app: TestApp) {
    let is_sqlite = !app.config.db.is_postgres();
    // A 200, a 404 of an unknown route whose path holds an id, a 400.
    let user = app.create_rev_user(json!({"display_name": "Ada", "emails": ["ada@example.com"]})).await;
    let id = user["id"].as_str().unwrap().to_owned();
    app.get_rev_user(&id).await;
    let unknown = send(app.raw.post(format!("{}/no-such-route/{id}", app.addr)).bearer_auth(&app.token)).await;
    assert_eq!(unknown.status, 404);
    let bad = app.post("/rev-users.get", json!({})).await;
    assert_eq!(bad.status, 400, "{:#}", bad.body);
    // Another org's admin exhausts its window.
    let other = app.other_org_token().await;
    let mut statuses = Vec::new();
    for _ in 0..=LIMIT {
        statuses.push(app.post_as(&other, "/dev-orgs.get", json!({})).await.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count() as u64, LIMIT, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429));
    // A webhook whose handshake the receiver answers: one delivery, delivered.
    let receiver = Receiver::start().await;
    let hook = app.post("/webhooks.create", json!({"url": receiver.url, "event_types": ["rev_user_created"]})).await;
    assert_eq!(hook.status, 201, "{:#}", hook.body);

    // The worker counts the outcome just after the store records it: wait for the series.
    let deadline = Instant::now() + WAIT;
    let text = loop {
        let text = scrape(&app).await;
        if value(&text, "revdir_webhook_deliveries_total", &["outcome=\"delivered\""]).is_some() {
            break text;
        }
        assert!(Instant::now() < deadline, "no delivered webhook counted within {WAIT:?}:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let counted = |op: &str, class: &str| {
        let labels = [format!("operation=\"{op}\""), "method=\"POST\"".to_owned(), format!("status_class=\"{class}\"")];
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        value(&text, "revdir_http_requests_total", &labels)
    };
    assert!(counted("rev-users.create", "2xx").is_some_and(|n| n >= 1.0), "{text}");
    assert!(counted("rev-users.get", "2xx").is_some(), "{text}");
    assert!(counted("rev-users.get", "4xx").is_some(), "the 400: {text}");
    assert!(counted("unknown", "4xx").is_some(), "the unknown route, by a fixed name: {text}");
    assert!(counted("dev-orgs.get", "4xx").is_some(), "the 429: {text}");
    for series in [
        "revdir_http_request_duration_seconds_bucket{operation=\"rev-users.create\",le=\"+Inf\"}",
        "revdir_http_request_duration_seconds_count{operation=\"rev-users.create\"}",
        "revdir_http_requests_in_flight ",
        "revdir_rate_limit_rejections_total ",
        "revdir_db_pool_connections ",
        "revdir_db_pool_idle ",
        "revdir_db_acquire_seconds_bucket{kind=\"write\"",
        "revdir_db_acquire_seconds_bucket{kind=\"read\"",
        "revdir_webhook_outbox_lag_seconds ",
        "# TYPE revdir_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(series), "{series} is missing:\n{text}");
    }
    if is_sqlite {
        for series in [
            "revdir_sqlite_group_commit_batch_size_bucket{le=\"1\"}",
            "revdir_sqlite_group_commit_seconds_bucket{le=\"+Inf\"}",
        ] {
            assert!(text.contains(series), "{series} is missing:\n{text}");
        }
    }
    assert!(value(&text, "revdir_rate_limit_rejections_total", &[]).is_some_and(|n| n >= 1.0));
    assert!(value(&text, "revdir_db_pool_connections", &[]).is_some_and(|n| n >= 1.0), "{text}");

    // No label carries an id, an email or the token.
    for v in label_values(&text) {
        assert!(!v.contains("don:") && !v.contains('@') && !v.contains(&app.token) && !v.contains(&other), "{v}");
        assert!(!v.contains(&id) && !v.contains("REVU-"), "{v}");
    }

    // Counters go up.
    let before = counted("rev-users.create", "2xx").unwrap();
    app.create_rev_user(json!({"display_name": "Grace"})).await;
    let text = scrape(&app).await;
    let labels = ["operation=\"rev-users.create\"", "method=\"POST\"", "status_class=\"2xx\""];
    let after = value(&text, "revdir_http_requests_total", &labels).unwrap();
    assert!(after > before, "{before} -> {after}");

    // The API port does not serve them.
    let on_api = send(app.raw.get(format!("{}/metrics", app.addr))).await;
    assert_eq!(on_api.status, 404);
    assert_eq!(on_api.body["message"], "route not found", "{:#}", on_api.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_setting_no_metrics_listener_opens() {
    let app = spawn_app(Backend::Sqlite).await;
    assert!(app.config.metrics_listen.is_none(), "off by default");
    assert!(app.metrics_addr.is_none());
    let on_api = send(app.raw.get(format!("{}/metrics", app.addr))).await;
    assert_eq!(on_api.status, 404);
}
