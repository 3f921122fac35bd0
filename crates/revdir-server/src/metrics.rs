//! Prometheus metrics (`--metrics-listen`): the process-wide recorder, the request-counting
//! middleware, and the separate listener that serves `GET /metrics` in the text format.
//!
//! Labels carry only what is the same for every org: the route (never the URL), the method,
//! the status class, an outcome. The store records its own (connection waits, SQLite group
//! commit) through the `metrics` facade; see [`revdir_store::metrics`].

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use revdir_core::store::Store;

use crate::middleware::operation_name;

/// Requests answered, by `operation`, `method` and `status_class`.
pub const HTTP_REQUESTS_TOTAL: &str = "revdir_http_requests_total";
/// Seconds until a request's response head was ready, by `operation`.
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "revdir_http_request_duration_seconds";
/// Requests being answered now.
pub const HTTP_REQUESTS_IN_FLIGHT: &str = "revdir_http_requests_in_flight";
/// Requests answered 429 by the rate limit.
pub const RATE_LIMIT_REJECTIONS_TOTAL: &str = "revdir_rate_limit_rejections_total";
/// Connections of the store's pool, sampled at each scrape.
pub const DB_POOL_CONNECTIONS: &str = "revdir_db_pool_connections";
/// Idle connections of the store's pool, sampled at each scrape.
pub const DB_POOL_IDLE: &str = "revdir_db_pool_idle";
/// Webhook deliveries whose outcome was recorded, by `outcome`.
pub const WEBHOOK_DELIVERIES_TOTAL: &str = "revdir_webhook_deliveries_total";
/// Seconds the oldest due, pending webhook delivery has been due, sampled at each scrape.
pub const WEBHOOK_OUTBOX_LAG_SECONDS: &str = "revdir_webhook_outbox_lag_seconds";
/// Background jobs finished, retried or failed, by `kind` and `outcome`.
pub const JOBS_TOTAL: &str = "revdir_jobs_total";
/// Background jobs queued or running, sampled at each scrape.
pub const JOB_QUEUE_DEPTH: &str = "revdir_job_queue_depth";

/// The operation label of a request that matched no route: never the raw path, which would
/// let any client mint new series (and could carry ids).
pub const UNKNOWN_OPERATION: &str = "unknown";

/// Bucket bounds of the latency histograms, in seconds.
const SECONDS_BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Bucket bounds of the group-commit batch size (up to the writer's `MAX_BATCH`, 128).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];
/// How often histograms are drained into their buckets between scrapes, so that a server
/// nobody scrapes does not keep every sample.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);
/// Longest a scrape waits for the store's outbox query before it leaves the gauge as it was.
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(2);

/// The one recorder of the process, once installed.
static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new()
        .set_buckets(SECONDS_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(revdir_store::metrics::SQLITE_BATCH_SIZE.to_owned()), BATCH_BUCKETS)
}

/// Installs the Prometheus recorder as the process's global recorder, once; later calls (a
/// second server in the same process, as in the tests) get the same handle, so they share
/// one registry.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = builder().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "metric buckets refused; histograms become summaries");
                PrometheusBuilder::new()
            });
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if let Err(e) = metrics::set_global_recorder(recorder) {
                tracing::warn!(error = %e, "another metrics recorder is installed; /metrics stays empty");
            }
            describe();
            // A counter appears at its first increment; from zero, a dashboard's rate() of a
            // server that never rejected shows 0 rather than no data.
            metrics::counter!(RATE_LIMIT_REJECTIONS_TOTAL).increment(0);
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new().name("revdir-metrics-upkeep".into()).spawn(move || loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            });
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "no metrics upkeep thread; histograms drain at each scrape only");
            }
            handle
        })
        .clone()
}

/// Whether the recorder is installed: without it the middleware skips its bookkeeping.
fn enabled() -> bool {
    HANDLE.get().is_some()
}

/// The `# HELP` lines.
fn describe() {
    use revdir_store::metrics as store;
    metrics::describe_counter!(HTTP_REQUESTS_TOTAL, "Requests answered, by operation, method and status class.");
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "Time until a request's response head was ready, by operation."
    );
    metrics::describe_gauge!(HTTP_REQUESTS_IN_FLIGHT, "Requests being answered now.");
    metrics::describe_counter!(RATE_LIMIT_REJECTIONS_TOTAL, "Requests answered 429 by the rate limit.");
    metrics::describe_gauge!(DB_POOL_CONNECTIONS, "Connections of the database pool.");
    metrics::describe_gauge!(DB_POOL_IDLE, "Idle connections of the database pool.");
    metrics::describe_histogram!(
        store::DB_ACQUIRE_SECONDS,
        metrics::Unit::Seconds,
        "Wait for a database connection and the start of its transaction, by kind (write, read, fast)."
    );
    metrics::describe_histogram!(store::SQLITE_BATCH_SIZE, "Write requests per committed SQLite group-commit batch.");
    metrics::describe_histogram!(
        store::SQLITE_COMMIT_SECONDS,
        metrics::Unit::Seconds,
        "COMMIT latency of a SQLite group-commit batch."
    );
    metrics::describe_counter!(WEBHOOK_DELIVERIES_TOTAL, "Webhook deliveries whose outcome was recorded, by outcome.");
    metrics::describe_gauge!(
        WEBHOOK_OUTBOX_LAG_SECONDS,
        metrics::Unit::Seconds,
        "How long the oldest due, pending webhook delivery has been due."
    );
}

/// The method label: the methods the API serves, `other` for the rest (any token is a valid
/// HTTP method, so passing them through would let a client mint series).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Decrements the in-flight gauge when the request ends, also when it is dropped (a client
/// hanging up, the timeout).
struct InFlight;

impl InFlight {
    fn enter() -> Self {
        metrics::gauge!(HTTP_REQUESTS_IN_FLIGHT).increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!(HTTP_REQUESTS_IN_FLIGHT).decrement(1.0);
    }
}

/// Middleware: counts each request by operation, method and status class, times it, and
/// keeps the in-flight gauge. Does nothing while no recorder is installed.
pub async fn track_requests(req: Request, next: Next) -> Response {
    if !enabled() {
        return next.run(req).await;
    }
    let operation = match operation_name(&req) {
        unmatched if unmatched == "-" => UNKNOWN_OPERATION.to_owned(),
        matched => matched,
    };
    let method = method_label(req.method());
    let started = Instant::now();
    let in_flight = InFlight::enter();
    let response = next.run(req).await;
    drop(in_flight);
    let class = status_class(response.status());
    metrics::histogram!(HTTP_REQUEST_DURATION_SECONDS, "operation" => operation.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS_TOTAL, "operation" => operation, "method" => method, "status_class" => class)
        .increment(1);
    response
}

/// Counts a request the rate limit answered 429.
pub fn rate_limit_rejected() {
    metrics::counter!(RATE_LIMIT_REJECTIONS_TOTAL).increment(1);
}

/// Counts a webhook delivery whose outcome was recorded: `delivered`, `failed_retrying`,
/// `failed`, `suppressed` or `cancelled`.
pub fn delivery_finished(outcome: &'static str) {
    metrics::counter!(WEBHOOK_DELIVERIES_TOTAL, "outcome" => outcome).increment(1);
}

/// What the metrics listener serves from.
#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    store: Arc<dyn Store>,
}

/// The metrics listener's router: `GET /metrics` and nothing else.
pub fn metrics_router(handle: PrometheusHandle, store: Arc<dyn Store>) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(Scrape { handle, store })
}

/// Samples the store's gauges, then renders every metric in Prometheus' text format.
async fn scrape(State(s): State<Scrape>) -> Response {
    let pool = s.store.pool_stats();
    metrics::gauge!(DB_POOL_CONNECTIONS).set(f64::from(pool.connections));
    metrics::gauge!(DB_POOL_IDLE).set(f64::from(pool.idle));
    match tokio::time::timeout(SAMPLE_TIMEOUT, s.store.outbox_lag(revdir_core::clock::system_now())).await {
        Ok(Ok(lag_ms)) => metrics::gauge!(WEBHOOK_OUTBOX_LAG_SECONDS).set(lag_ms as f64 / 1000.0),
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: reading the outbox lag failed"),
        Err(_) => tracing::warn!("metrics: the outbox lag query did not answer in time"),
    }
    match tokio::time::timeout(SAMPLE_TIMEOUT, s.store.job_queue_depth()).await {
        Ok(Ok(depth)) => metrics::gauge!(JOB_QUEUE_DEPTH).set(depth as f64),
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: reading the job queue depth failed"),
        Err(_) => tracing::warn!("metrics: the job queue depth query did not answer in time"),
    }
    s.handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], s.handle.render()).into_response()
}
