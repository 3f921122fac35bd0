//! A webhook receiver that really listens (on `127.0.0.1:0`): it records every request,
//! answers verify challenges, and fails on demand, so tests see deliveries as an
//! integration's endpoint does.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// When it arrived.
    pub at: Instant,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its exact body.
    pub raw: Bytes,
    /// The body as JSON.
    pub body: Value,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Received {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether `X-DevRev-Signature` is the lowercase hex HMAC-SHA256 of the raw body keyed
    /// by `secret`, computed here independently of the server's code.
    pub fn signed_with(&self, secret: &str) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(&self.raw);
        let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        self.header("x-devrev-signature") == Some(expected.as_str())
    }
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    arrived: tokio::sync::Notify,
    fail_next: AtomicUsize,
    redirect_next: AtomicUsize,
    wrong_challenge: AtomicBool,
}

/// A running receiver.
#[derive(Clone)]
pub struct Receiver {
    /// Its URL.
    pub url: String,
    inner: Arc<Inner>,
}

async fn hook(State(inner): State<Arc<Inner>>, headers: HeaderMap, raw: Bytes) -> axum::response::Response {
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let fail = inner.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    let redirect =
        !fail && inner.redirect_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    let answered = if fail {
        500
    } else if redirect {
        307
    } else {
        200
    };
    inner.received.lock().unwrap_or_else(PoisonError::into_inner).push(Received {
        at: Instant::now(),
        headers,
        raw,
        body: body.clone(),
        answered,
    });
    inner.arrived.notify_waiters();
    if fail {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": "on purpose"}))).into_response();
    }
    if redirect {
        return (StatusCode::TEMPORARY_REDIRECT, [(axum::http::header::LOCATION, "/hook")]).into_response();
    }
    if body["type"] == "verify" {
        let challenge = if inner.wrong_challenge.load(Ordering::SeqCst) {
            json!("wrong")
        } else {
            body["verify"]["challenge"].clone()
        };
        return Json(json!({ "challenge": challenge })).into_response();
    }
    Json(json!({})).into_response()
}

impl Receiver {
    /// Starts a receiver on a free loopback port.
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new().route("/hook", post(hook)).with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, inner }
    }

    /// Answers the next `n` requests 500.
    pub fn fail_next(&self, n: usize) {
        self.inner.fail_next.store(n, Ordering::SeqCst);
    }

    /// Answers the next `n` requests with a redirect to itself.
    pub fn redirect_next(&self, n: usize) {
        self.inner.redirect_next.store(n, Ordering::SeqCst);
    }

    /// Echoes a wrong challenge to verify requests while `on`.
    pub fn echo_wrong_challenge(&self, on: bool) {
        self.inner.wrong_challenge.store(on, Ordering::SeqCst);
    }

    /// Every request so far.
    pub fn all(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Waits (at most `within`) until `count` requests match `pred`; answers them, or
    /// panics naming what it was waiting for.
    pub async fn wait_for(
        &self,
        what: &str,
        count: usize,
        within: Duration,
        pred: impl Fn(&Received) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let arrived = self.inner.arrived.notified();
            let matching: Vec<Received> = self.all().into_iter().filter(|r| pred(r)).collect();
            if matching.len() >= count {
                return matching;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waited {within:?} for {count} × {what}; got {}: {:#?}",
                matching.len(),
                self.all().iter().map(|r| &r.body).collect::<Vec<_>>()
            );
            let _ = tokio::time::timeout(left, arrived).await;
        }
    }
}
