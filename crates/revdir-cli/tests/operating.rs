//! Operating the real binary: JSON logs (`--log-format json`) and a SIGTERM while a request
//! is in flight (`ready` answers 503 at once, the request still completes).
#![expect(clippy::unwrap_used, reason = "test helpers abort the test on any failed step")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt as _;
use serde_json::{json, Value};

/// A running `revdir serve` whose stderr lines are collected as they come.
struct Server {
    child: Child,
    url: String,
    token: String,
    /// What it printed on stdout up to its listening line.
    stdout: Vec<String>,
    stderr: Arc<Mutex<Vec<String>>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts `revdir serve --db <db> --listen 127.0.0.1:0 <extra>` with `RUST_LOG` as given
    /// (unset for `None`) and waits for its listening line.
    fn start(db: &str, extra: &[&str], rust_log: Option<&str>) -> Self {
        let mut cmd = Command::cargo_bin("revdir").unwrap();
        cmd.args(["serve", "--db", db, "--listen", "127.0.0.1:0"]).args(extra).env("NO_COLOR", "1");
        match rust_log {
            Some(filter) => cmd.env("RUST_LOG", filter),
            None => cmd.env_remove("RUST_LOG"),
        };
        let mut child =
            cmd.env_remove("REVDIR_LOG_FORMAT").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                lines.lock().unwrap().push(line.unwrap());
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut printed = Vec::new();
        loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "revdir exited before listening: {printed:?}");
            let line = line.trim_end().to_owned();
            let ready = line.starts_with("revdir listening on ");
            printed.push(line);
            if ready {
                break;
            }
        }
        let url = printed.last().unwrap().trim_start_matches("revdir listening on ").to_owned();
        let at = printed
            .iter()
            .position(|l| l.contains("admin token"))
            .unwrap_or_else(|| panic!("a fresh store bootstraps: {printed:?}"));
        let token = printed[at + 1].clone();
        Self { child, url, token, stdout: printed, stderr, stderr_reader: Some(stderr_reader) }
    }

    /// Sends SIGTERM.
    fn terminate(&self) {
        assert!(Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap().success());
    }

    /// Waits (20 s at most) for the process to exit; returns whether it exited 0 and every
    /// line it wrote to stderr.
    fn wait(mut self) -> (bool, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "revdir did not exit within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        };
        self.stderr_reader.take().unwrap().join().unwrap();
        let lines = self.stderr.lock().unwrap().clone();
        (status.success(), lines)
    }

    /// Waits (10 s at most) until a stderr line, parsed as JSON, satisfies `pred`.
    fn await_log(&self, what: &str, pred: impl Fn(&Value) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.stderr.lock().unwrap().iter().any(|l| serde_json::from_str(l).is_ok_and(|v| pred(&v)));
            if found {
                return;
            }
            assert!(Instant::now() < deadline, "no log line {what} within 10 s: {:#?}", self.stderr.lock().unwrap());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// POSTs `body` with the server's admin token; returns status, `x-request-id` and body.
async fn post(http: &reqwest::Client, server_url: &str, token: &str, path: &str, body: Value) -> (u16, String, Value) {
    let r = http.post(format!("{server_url}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let id = r.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    (status, id, r.json().await.unwrap_or(Value::Null))
}

#[test]
fn json_logs_are_one_object_per_line_with_the_request_fields() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db").display().to_string();
    let server = Server::start(&db, &["--log-format", "json"], None);
    let (url, token) = (server.url.clone(), server.token.clone());
    let http = reqwest::Client::new();
    let (create_id, user_id) = runtime().block_on(async {
        let (status, create_id, body) =
            post(&http, &url, &token, "/rev-users.create", json!({"display_name": "Ada"})).await;
        assert_eq!(status, 201, "{body}");
        let user = body["rev_user"]["id"].as_str().unwrap().to_owned();
        let (status, _, body) =
            post(&http, &url, &token, "/rev-users.update", json!({"id": user, "display_name": "Ada L."})).await;
        assert_eq!(status, 200, "{body}");
        let (status, _, _) = post(&http, &url, &token, "/rev-users.get", json!({"id": user})).await;
        assert_eq!(status, 200);
        let (status, _, _) = post(&http, &url, "not-a-token", "/rev-users.list", json!({})).await;
        assert_eq!(status, 401);
        let (status, _, _) = post(&http, &url, &token, &format!("/no-such-route/{user}"), json!({})).await;
        assert_eq!(status, 404);
        let ready = http.get(format!("{url}/_revdir/ready")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        (create_id, user)
    });
    server.terminate();
    let (ok, lines) = server.wait();
    assert!(ok);

    assert!(lines.len() >= 6, "{lines:#?}");
    let mut requests = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("stderr line {n} is not JSON ({e}): {line}"));
        assert!(v["timestamp"].as_str().is_some_and(|t| t.starts_with("20")), "line {n}: {line}");
        assert!(v["level"].is_string(), "line {n}: {line}");
        assert!(!line.contains(&token), "line {n} holds the token");
        if v["message"] == "request" {
            requests.push(v);
        }
    }
    let operations: Vec<&str> = requests.iter().map(|r| r["operation"].as_str().unwrap()).collect();
    assert_eq!(
        operations,
        ["rev-users.create", "rev-users.update", "rev-users.get", "rev-users.list", "-", "_revdir/ready"],
        "one line per request, in order"
    );
    let statuses: Vec<u64> = requests.iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [201, 200, 200, 401, 404, 200]);
    for r in &requests {
        assert_eq!(r["level"], "INFO");
        assert!(r["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{r}");
        assert!(uuid_like(r["request_id"].as_str().unwrap()), "{r}");
        assert!(!r.to_string().contains(&user_id), "no ids in the request line: {r}");
    }
    assert_eq!(requests[0]["request_id"], create_id.as_str(), "the id the client got back");
}

/// Whether `s` looks like the UUIDs revdir makes request ids of.
fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[test]
fn sigterm_makes_ready_503_at_once_and_lets_the_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db").display().to_string();
    // Debug for tower_http: its "started processing request" line shows the request arrived.
    let server = Server::start(&db, &["--log-format", "json", "--shutdown-delay", "2"], Some("info,tower_http=debug"));
    let (url, token) = (server.url.clone(), server.token.clone());
    let addr = url.trim_start_matches("http://").to_owned();
    let rt = runtime();
    // sqlx hands a dropped connection back to its pool on a task: drops need the runtime.
    let _in_runtime = rt.enter();
    let http = reqwest::Client::new();

    // Another connection holds SQLite's write lock, so the create below waits for it.
    let lock_pool = rt.block_on(sqlx::SqlitePool::connect(&format!("sqlite://{db}"))).unwrap();
    let mut locker = rt.block_on(lock_pool.acquire()).unwrap();
    rt.block_on(sqlx::query("BEGIN IMMEDIATE").execute(&mut *locker)).unwrap();

    let in_flight = {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        rt.spawn(async move { post(&http, &url, &token, "/rev-users.create", json!({"display_name": "Late"})).await })
    };
    server.await_log("showing the create arrived", |v| {
        v["message"] == "started processing request" && v["span"]["operation"] == "rev-users.create"
    });

    server.terminate();
    // Ready turns 503 at once (within a second of the signal); health stays 200 meanwhile.
    let deadline = Instant::now() + Duration::from_secs(1);
    let not_ready = loop {
        let r = rt.block_on(http.get(format!("{url}/_revdir/ready")).send()).unwrap();
        if r.status() == 503 {
            break rt.block_on(r.json::<Value>()).unwrap();
        }
        assert!(Instant::now() < deadline, "ready still answers {} after SIGTERM", r.status());
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(not_ready["type"], "service_unavailable");
    assert_eq!(not_ready["detail"], "the server is shutting down");
    assert_eq!(rt.block_on(http.get(format!("{url}/_revdir/health")).send()).unwrap().status(), 200);

    // After the delay the server stops accepting and drains; the create is still waiting.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting connections 10 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!in_flight.is_finished(), "the create waits for the write lock");

    rt.block_on(sqlx::query("ROLLBACK").execute(&mut *locker)).unwrap();
    let (status, _, body) = rt.block_on(in_flight).unwrap();
    assert_eq!(status, 201, "the request in flight completes: {body}");
    let (ok, lines) = server.wait();
    assert!(ok, "exit 0 after draining: {lines:#?}");
    drop(locker);

    // The contact it acknowledged is in the store.
    let name: (String,) = rt
        .block_on(sqlx::query_as("SELECT display_name FROM users WHERE display_name = 'Late'").fetch_one(&lock_pool))
        .unwrap();
    assert_eq!(name.0, "Late");
}

#[test]
fn metrics_listen_serves_prometheus_text_on_its_own_port() {
    let help = Command::cargo_bin("revdir").unwrap().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("--metrics-listen") && help.contains("REVDIR_METRICS_LISTEN"), "{help}");

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db").display().to_string();
    let server = Server::start(&db, &["--metrics-listen", "127.0.0.1:0"], None);
    let metrics_url = server
        .stdout
        .iter()
        .find_map(|l| l.strip_prefix("revdir metrics on "))
        .unwrap_or_else(|| panic!("the metrics address is printed: {:?}", server.stdout))
        .to_owned();
    let (url, token) = (server.url.clone(), server.token.clone());
    let http = reqwest::Client::new();
    runtime().block_on(async {
        let (status, _, _) = post(&http, &url, &token, "/dev-orgs.get", json!({})).await;
        assert_eq!(status, 200);
        let scrape = http.get(&metrics_url).send().await.unwrap();
        assert_eq!(scrape.status(), 200);
        let text = scrape.text().await.unwrap();
        assert!(
            text.contains(
                "revdir_http_requests_total{operation=\"dev-orgs.get\",method=\"POST\",status_class=\"2xx\"}"
            ),
            "{text}"
        );
        assert!(!text.contains(&token));
        let on_api = http.get(format!("{url}/metrics")).send().await.unwrap();
        assert_eq!(on_api.status(), 404, "never on the API port");
    });
}
