//! `spawn_app`: a real revdir on a random loopback port over a real SQLite file or a fresh
//! PostgreSQL schema, plus request helpers that check every answer against the spec.

use std::sync::atomic::{AtomicU64, Ordering};

use revdir_server::startup::{admin_token, open, Application, ServerConfig};
use revdir_store::{DatabaseUrl, StoreOptions};
use secrecy::ExposeSecret as _;
use serde_json::Value;

use crate::spec::assert_valid_response;

/// Which storage engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh schema in the PostgreSQL named by `REVDIR_TEST_PG`.
    Postgres,
}

/// The PostgreSQL server tests use.
pub fn pg_base_url() -> String {
    std::env::var("REVDIR_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Drops the test's PostgreSQL schema when the test ends, even when it fails.
struct PgSchema(String);

impl Drop for PgSchema {
    fn drop(&mut self) {
        let schema = self.0.clone();
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(pool) = sqlx::PgPool::connect(&pg_base_url()).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&pool).await;
                }
            });
        })
        .join();
    }
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub addr: String,
    /// `http://127.0.0.1:<port>` of the metrics listener, when the configuration opened one.
    pub metrics_addr: Option<String>,
    /// The bootstrapped admin's token.
    pub token: String,
    /// A plain HTTP client.
    pub raw: reqwest::Client,
    /// The typed client, with the admin token.
    pub client: revdir_client::Client,
    /// How the server was configured (to open the same store again).
    pub config: ServerConfig,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
    _schema: Option<PgSchema>,
}

static SCHEMA_SEQ: AtomicU64 = AtomicU64::new(0);

/// Starts a server on `127.0.0.1:0` over a fresh database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_, _| {}).await
}

/// Starts a server like [`spawn_app`], letting `configure` adjust its configuration first;
/// it also gets the test's temporary directory for files the server should use.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut ServerConfig, &std::path::Path)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        revdir_server::telemetry::init();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, schema) = match backend {
        Backend::Sqlite => (dir.path().join("revdir.db").display().to_string(), None),
        Backend::Postgres => {
            let name = format!(
                "revdir_t_{}_{}_{}",
                std::process::id(),
                SCHEMA_SEQ.fetch_add(1, Ordering::Relaxed),
                uuid::Uuid::new_v4().simple()
            );
            let pool = sqlx::PgPool::connect(&pg_base_url()).await.expect(
                "PostgreSQL must be reachable at REVDIR_TEST_PG (default postgres://postgres@127.0.0.1:5432/test)",
            );
            sqlx::query(&format!("CREATE SCHEMA {name}")).execute(&pool).await.expect("create schema");
            pool.close().await;
            let base = pg_base_url();
            let sep = if base.contains('?') { '&' } else { '?' };
            (format!("{base}{sep}options[search_path]={name}"), Some(PgSchema(name)))
        }
    };
    let mut config = ServerConfig {
        store: StoreOptions { max_connections: 8, ..StoreOptions::default() },
        ..ServerConfig::new(DatabaseUrl::new(db), "127.0.0.1:0")
    };
    configure(&mut config, dir.path());
    let app = Application::build(&config).await.expect("server builds");
    let token = app.bootstrap.as_ref().expect("a fresh store bootstraps").admin_token.expose_secret().to_owned();
    let addr = format!("http://{}", app.local_addr().expect("bound"));
    let metrics_addr = app.metrics_addr().map(|a| format!("http://{a}"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = rx.await;
    }));
    TestApp {
        client: revdir_client::Client::new(&addr, &token),
        addr,
        metrics_addr,
        token,
        raw: reqwest::Client::new(),
        config,
        shutdown: Some(tx),
        _dir: dir,
        _schema: schema,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// An HTTP answer: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Decoded body.
    pub body: Value,
}

impl TestApp {
    /// POSTs `body` to `path` with the admin token; the answer is checked against the spec.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.post_as(&self.token, path, body).await
    }

    /// POSTs with a given `Authorization` value's token (sent as `Bearer <token>`).
    pub async fn post_as(&self, token: &str, path: &str, body: Value) -> Answer {
        let req = self.raw.post(format!("{}{path}", self.addr)).bearer_auth(token).json(&body);
        self.send_checked(path, "POST", req).await
    }

    /// GETs `path?query` with the admin token; the answer is checked against the spec.
    pub async fn get(&self, path: &str, query: &str) -> Answer {
        let req = self.raw.get(format!("{}{path}?{query}", self.addr)).bearer_auth(&self.token);
        self.send_checked(path, "GET", req).await
    }

    /// Sends a prepared request for an operation the spec declares and checks the answer.
    pub async fn send_checked(&self, path: &str, method: &str, req: reqwest::RequestBuilder) -> Answer {
        send_checked(path, method, req).await
    }

    /// Stops the server and starts it again over the same store, with `configure` applied to
    /// its configuration first, as an operator restarting a node does. The token stays valid.
    pub async fn restart(&mut self, configure: impl FnOnce(&mut ServerConfig)) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        configure(&mut self.config);
        let app = Application::build(&self.config).await.expect("server rebuilds");
        self.addr = format!("http://{}", app.local_addr().expect("bound"));
        self.client = revdir_client::Client::new(&self.addr, &self.token);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until_stopped(async {
            let _ = rx.await;
        }));
        self.shutdown = Some(tx);
    }

    /// POSTs to one of revdir's own routes (`/_revdir/…`, not in DevRev's spec, so unchecked).
    pub async fn revdir(&self, path: &str, body: Value) -> Answer {
        self.revdir_as(&self.token, path, body).await
    }

    /// [`TestApp::revdir`] with another token.
    pub async fn revdir_as(&self, token: &str, path: &str, body: Value) -> Answer {
        send(self.raw.post(format!("{}{path}", self.addr)).bearer_auth(token).json(&body)).await
    }

    /// Waits (bounded, by long-polling `/_revdir/jobs.wait`) for a job to end; returns it.
    pub async fn wait_job(&self, id: &str) -> Value {
        for _ in 0..6 {
            let a = self.revdir("/_revdir/jobs.wait", serde_json::json!({"id": id, "timeout_ms": 10_000})).await;
            assert_eq!(a.status, 200, "{:#}", a.body);
            if matches!(a.body["job"]["state"].as_str(), Some("done" | "failed")) {
                return a.body["job"].clone();
            }
        }
        panic!("job {id} did not end within a minute");
    }

    /// POSTs an operation that queues a job; asserts `200 {}` and returns the job's id from
    /// the `X-Revdir-Job` header.
    pub async fn queue_job(&self, path: &str, body: Value) -> String {
        let response = self
            .raw
            .post(format!("{}{path}", self.addr))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let job = response.headers().get("x-revdir-job").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = response.text().await.expect("body read");
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_valid_response(path, "POST", status, &body);
        assert_eq!((status, &body), (200, &serde_json::json!({})), "{path} answers 200 {{}}");
        job.expect("the queued job is named in X-Revdir-Job")
    }

    /// A token of a brand-new, separate dev org on the same server.
    pub async fn other_org_token(&self) -> String {
        let state = open(&self.config).await.expect("open store");
        admin_token(&state, true).await.expect("new org").expose_secret().to_owned()
    }

    /// Creates a contact and returns it; asserts 201.
    pub async fn create_rev_user(&self, body: Value) -> Value {
        let a = self.post("/rev-users.create", body).await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        a.body["rev_user"].clone()
    }

    /// Reads a contact back; asserts 200.
    pub async fn get_rev_user(&self, id: &str) -> Value {
        let a = self.post("/rev-users.get", serde_json::json!({ "id": id })).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        a.body["rev_user"].clone()
    }
}

/// Sends a request and decodes whatever comes back.
pub async fn send(req: reqwest::RequestBuilder) -> Answer {
    let response = req.send().await.expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, body }
}

/// Sends a prepared request for the spec'd operation `method path` and checks the answer against
/// the spec; it needs no [`TestApp`], so racing tasks and requests to other nodes use it too.
pub async fn send_checked(path: &str, method: &str, req: reqwest::RequestBuilder) -> Answer {
    let answer = send(req).await;
    assert_valid_response(path, method, answer.status, &answer.body);
    answer
}

/// Asserts a DevRev error answer of `status` and `type`.
#[track_caller]
pub fn assert_error(a: &Answer, status: u16, kind: &str) {
    assert_eq!(a.status, status, "{:#}", a.body);
    assert_eq!(a.body["type"], kind, "{:#}", a.body);
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await).await;
                }
            }
        )*
    };
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on PostgreSQL, on a server
/// whose configuration `$configure` (a `|config: &mut ServerConfig| …` closure) adjusts.
#[macro_export]
macro_rules! on_both_backends_configured {
    ($configure:expr; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::helpers::spawn_app_with($crate::helpers::Backend::Sqlite, |c, _| ($configure)(c)).await;
                    super::$name(app).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let app = $crate::helpers::spawn_app_with($crate::helpers::Backend::Postgres, |c, _| ($configure)(c)).await;
                    super::$name(app).await;
                }
            }
        )*
    };
}
