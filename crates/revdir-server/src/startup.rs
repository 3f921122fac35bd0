//! Start-up: connect and migrate the store, bootstrap an empty store, bind, serve, stop.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::header::AUTHORIZATION;
use axum::Router;
use revdir_core::store::{NewDevOrg, Store};
use revdir_store::{DatabaseUrl, StoreOptions};
use secrecy::SecretString;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

use crate::artifacts::{Artifacts, ArtifactsConfig, BlobBackend};
use crate::deliveries::DeliveryConfig;
use crate::error::ApiError;
use crate::jobs::JobConfig;
use crate::middleware::{access_log, api_version, panic_response, request_span, route_not_found};
use crate::operator::OperatorKey;
use crate::outbound::{listens_on_loopback, UrlPolicy};
use crate::rate_limit::{InProcessLimiter, RateLimit, RateLimiter, RedisLimiter, DEFAULT_REDIS_PREFIX};
use crate::routes::api_router;
use crate::seed::{admin_scope, SeedDocument};
use crate::state::AppState;
use crate::tokens::{TokenKeys, DEFAULT_PAT_DAYS};

/// Longest a request may take before it is answered 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Which database to use (`postgres://…`, `sqlite://PATH` or a bare path).
    pub db: DatabaseUrl,
    /// Address to listen on; port 0 picks a free one.
    pub listen: String,
    /// Storage tuning.
    pub store: StoreOptions,
    /// Per-actor rate limit (§8.6); `None` (the default) turns it off.
    pub rate_limit: Option<RateLimitConfig>,
    /// Redis URL: when set, rate-limit counters live there and are shared by every node.
    pub redis: Option<SecretString>,
    /// Serve HTTPS with the local CA's certificate, made in this directory when missing
    /// (see [`crate::tls`]); `None` serves plain HTTP.
    pub tls: Option<PathBuf>,
    /// Where artifact bytes live, upload limits and the public base URL.
    pub artifacts: ArtifactsConfig,
    /// The key that unlocks the operator routes (`/_revdir/orgs.create`); `None` (the
    /// default) leaves them unserved.
    pub operator_key: Option<SecretString>,
    /// How long the server keeps accepting requests after the shutdown signal, with
    /// `/_revdir/ready` answering 503, before it drains: time for a load balancer to notice.
    /// Zero (the default) drains at once.
    pub shutdown_delay: Duration,
    /// Whether webhooks may point at private and loopback addresses; `None` (the default)
    /// allows them exactly when `listen` is a loopback address.
    pub webhook_allow_private: Option<bool>,
    /// How webhook deliveries are made: timeout, retry schedule, retention; whether this
    /// node runs a delivery worker at all.
    pub deliveries: DeliveryConfig,
    /// How background jobs (merges, personal data) run; whether this node runs a job worker.
    pub jobs: JobConfig,
    /// Emulator mode (`revdir serve --emulator`): serves the test-only controls under
    /// `/_revdir/`, which answer 404 otherwise.
    pub emulator: bool,
    /// Emulator mode only: a seed document loaded into the default dev org when this start
    /// creates it (a fresh store); a later start over the same store loads nothing.
    pub seed: Option<SeedDocument>,
    /// Address of the separate listener serving Prometheus metrics at `/metrics`; `None`
    /// (the default) records no metrics and opens no listener.
    pub metrics_listen: Option<String>,
}

impl ServerConfig {
    /// A configuration with everything optional off: no rate limit, no Redis, plain HTTP.
    pub fn new(db: DatabaseUrl, listen: impl Into<String>) -> Self {
        Self {
            db,
            listen: listen.into(),
            store: StoreOptions::default(),
            rate_limit: None,
            redis: None,
            tls: None,
            artifacts: ArtifactsConfig::default(),
            operator_key: None,
            shutdown_delay: Duration::ZERO,
            webhook_allow_private: None,
            deliveries: DeliveryConfig::default(),
            jobs: JobConfig::default(),
            emulator: false,
            seed: None,
            metrics_listen: None,
        }
    }
}

/// A fixed-window rate limit per authenticated actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Requests allowed per window.
    pub limit: u64,
    /// Window length in seconds (DevRev's is 300).
    pub window_secs: u64,
    /// Prefix of the Redis keys (default [`DEFAULT_REDIS_PREFIX`]); nodes that share a limit
    /// share the prefix.
    pub redis_prefix: String,
}

impl RateLimitConfig {
    /// `limit` requests per `window_secs`, with the default Redis prefix.
    pub fn new(limit: u64, window_secs: u64) -> Self {
        Self { limit, window_secs, redis_prefix: DEFAULT_REDIS_PREFIX.to_owned() }
    }
}

/// What a first start on an empty store created.
#[derive(Debug)]
pub struct Bootstrap {
    /// The new default dev org.
    pub dev_org: String,
    /// A token of its admin, shown once.
    pub admin_token: SecretString,
}

/// A built server, bound and ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    /// The state's shutting-down flag, set when the shutdown signal arrives.
    shutting_down: Arc<AtomicBool>,
    shutdown_delay: Duration,
    /// The webhook delivery worker this node runs while it serves, if any.
    worker: Option<(AppState, DeliveryConfig)>,
    /// The background job worker this node runs while it serves, if any.
    job_worker: Option<(AppState, JobConfig)>,
    /// The emulator's reaper of expired orgs, under `--emulator`.
    reaper: Option<AppState>,
    /// The metrics listener and what it serves, when `--metrics-listen` is set.
    metrics: Option<(TcpListener, Router)>,
    /// Set when this start bootstrapped an empty store.
    pub bootstrap: Option<Bootstrap>,
}

/// Connects to the store and loads the signing key.
///
/// # Errors
/// When the database cannot be reached or migrated.
pub async fn open(config: &ServerConfig) -> anyhow::Result<AppState> {
    let store: Arc<dyn Store> = revdir_store::connect(&config.db, config.store).await?;
    let keys = TokenKeys::load(store.as_ref()).await?;
    let rate_limit = match &config.rate_limit {
        None => None,
        Some(rl) => {
            let limiter: Arc<dyn RateLimiter> = match &config.redis {
                Some(url) => Arc::new(RedisLimiter::connect(url, rl.redis_prefix.clone()).await?),
                None => Arc::new(InProcessLimiter::new()),
            };
            let window_secs = i64::try_from(rl.window_secs.max(1)).unwrap_or(i64::MAX);
            Some(RateLimit { limit: rl.limit, window_secs, limiter })
        }
    };
    let blobs = BlobBackend::from_config(config.artifacts.blob_store.as_deref())?;
    let artifacts = Artifacts::new(&config.artifacts, blobs, keys.expose_key(), config.tls.is_some());
    let operator_key = match (config.operator_key.clone(), config.emulator) {
        (Some(key), _) => Some(OperatorKey::new(key)?),
        // The emulator always has one: generated once, stored with the data (so every node
        // and every restart agree), and printed by `revdir env`.
        (None, true) => {
            let fresh: String = rand::random::<[u8; 24]>().iter().map(|b| format!("{b:02x}")).collect();
            let key = store
                .server_setting(crate::operator::STORED_KEY_SETTING, Some(&fresh))
                .await
                .map_err(|e| anyhow::anyhow!("storing the emulator's operator key: {e}"))?
                .unwrap_or(fresh);
            Some(OperatorKey::new(SecretString::from(key))?)
        }
        (None, false) => None,
    };
    let url_policy = UrlPolicy {
        allow_private: config.webhook_allow_private.unwrap_or_else(|| listens_on_loopback(&config.listen)),
    };
    Ok(AppState {
        store,
        keys,
        rate_limit,
        artifacts,
        operator_key,
        url_policy,
        shutting_down: Arc::default(),
        delivery_wake: Arc::default(),
        job_wake: Arc::default(),
        emulator: config.emulator,
    })
}

/// Creates the default dev org when the store has none; returns its admin token then.
///
/// # Errors
/// When the store fails.
pub async fn bootstrap(app: &AppState) -> anyhow::Result<Option<Bootstrap>> {
    let now = revdir_core::clock::system_now();
    let Some(NewDevOrg { org, admin }) =
        app.store.bootstrap(now).await.map_err(|e| anyhow::anyhow!("bootstrap: {e}"))?
    else {
        return Ok(None);
    };
    let admin_token = mint_admin(app, &org.id, admin, now).await?;
    Ok(Some(Bootstrap { dev_org: org.id, admin_token }))
}

/// An admin's token: under the emulator one that never expires, so that moving the org's
/// clock never locks a test out of it (API-CONVENTIONS entry 131); else a 365-day PAT.
async fn mint_admin(
    app: &AppState,
    org: &str,
    admin: revdir_core::refs::UserRef,
    now: revdir_core::time::Timestamp,
) -> anyhow::Result<SecretString> {
    if app.emulator {
        app.keys.mint_pat_forever(app.store.as_ref(), org, admin, now).await
    } else {
        app.keys.mint_pat(app.store.as_ref(), org, admin, now, DEFAULT_PAT_DAYS).await
    }
}

/// Mints an admin token: of the default dev org (bootstrapping an empty store first), or of
/// a brand-new dev org.
///
/// # Errors
/// When the store fails.
pub async fn admin_token(app: &AppState, new_org: bool) -> anyhow::Result<SecretString> {
    if new_org {
        let (_, token) =
            crate::operator::create_org_with(app.store.as_ref(), &app.keys, None, app.emulator, None).await?;
        return Ok(token);
    }
    let now = revdir_core::clock::system_now();
    bootstrap(app).await?;
    let default = app
        .store
        .default_dev_org()
        .await
        .map_err(|e| anyhow::anyhow!("reading the default dev org: {e}"))?
        .ok_or_else(|| anyhow::anyhow!("the store has no default dev org"))?;
    mint_admin(app, &default.org.id, default.admin, now).await
}

/// Loads a seed document into the default dev org, as its admin.
///
/// # Errors
/// The document's one error (naming the bad value's path), or a store failure.
pub async fn seed_default_org(app: &AppState, doc: &SeedDocument) -> anyhow::Result<crate::seed::SeedReport> {
    let default = app
        .store
        .default_dev_org()
        .await
        .map_err(|e| anyhow::anyhow!("reading the default dev org: {e}"))?
        .ok_or_else(|| anyhow::anyhow!("the store has no default dev org"))?;
    let scope = admin_scope(default.org.id, default.admin);
    let report = crate::seed::load(app.store.as_ref(), &scope, doc, &app.url_policy, scope.now)
        .await
        .map_err(|e| anyhow::anyhow!("seed: {e}"))?;
    // The default org was created by this start: its reset point includes the seed.
    app.store.mark_initial(&scope.dev_org, scope.now).await.map_err(|e| anyhow::anyhow!("seed: {e}"))?;
    tracing::info!(dev_org = %scope.dev_org, ?report, "seed loaded");
    Ok(report)
}

/// The complete router with every layer.
pub fn router(state: AppState) -> Router {
    api_router(state.emulator)
        // Inside the rate limit: a request over its limit gets its 429 without counting
        // against the fault plan, and the plan reuses the scope the limit authenticated.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::middleware::faults))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::middleware::rate_limit))
        .fallback(route_not_found)
        .method_not_allowed_fallback(route_not_found)
        .layer(axum::middleware::from_fn(api_version))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(|_: tower::BoxError| async {
                    ApiError::Unavailable("the request took longer than the server allows".into())
                }))
                .timeout(REQUEST_TIMEOUT),
        )
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| request_span(req)))
        .layer(axum::middleware::from_fn(access_log))
        .layer(axum::middleware::from_fn(crate::metrics::track_requests))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::middleware::wake_deliveries))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(crate::middleware::note_client_request_id))
        .layer(SetSensitiveRequestHeadersLayer::new([AUTHORIZATION]))
        .with_state(state)
}

impl Application {
    /// Connects, migrates, bootstraps and binds.
    ///
    /// # Errors
    /// When the store cannot be opened or the address cannot be bound.
    pub async fn build(config: &ServerConfig) -> anyhow::Result<Self> {
        let state = open(config).await?;
        let tls = match &config.tls {
            Some(data_dir) => {
                let paths = crate::tls::TlsPaths::new(data_dir);
                crate::tls::ensure_certificates(&paths)?;
                Some(crate::tls::server_config(&paths)?)
            }
            None => None,
        };
        let bootstrap = bootstrap(&state).await?;
        if let (Some(doc), Some(_), true) = (&config.seed, &bootstrap, config.emulator) {
            seed_default_org(&state, doc).await?;
        }
        let listener = TcpListener::bind(&config.listen).await?;
        let shutting_down = state.shutting_down.clone();
        let worker = config.deliveries.enabled.then(|| (state.clone(), config.deliveries.clone()));
        let job_worker = config.jobs.enabled.then(|| (state.clone(), config.jobs.clone()));
        let reaper = config.emulator.then(|| state.clone());
        let metrics = match &config.metrics_listen {
            Some(addr) => {
                let handle = crate::metrics::install();
                let listener = TcpListener::bind(addr).await?;
                Some((listener, crate::metrics::metrics_router(handle, state.store.clone())))
            }
            None => None,
        };
        Ok(Self {
            listener,
            worker,
            job_worker,
            reaper,
            metrics,
            router: router(state),
            tls,
            shutting_down,
            shutdown_delay: config.shutdown_delay,
            bootstrap,
        })
    }

    /// `https` when serving TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The bound address (with the real port when 0 was asked for).
    ///
    /// # Errors
    /// When the socket has no address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The metrics listener's bound address, when `metrics_listen` was set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests. From the moment it
    /// resolves `/_revdir/ready` answers 503; new requests are still accepted for the
    /// configured shutdown delay, then the server stops accepting and drains.
    ///
    /// # Errors
    /// When serving fails.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let worker = self.worker.map(|(state, config)| {
            let (policy, wake) = (state.url_policy, state.delivery_wake.clone());
            tokio::spawn(crate::deliveries::run(state, config, policy, wake))
        });
        let job_worker = self.job_worker.map(|(state, config)| {
            let wake = state.job_wake.clone();
            tokio::spawn(crate::jobs::run(state, config, wake))
        });
        let reaper = self.reaper.map(|state| tokio::spawn(crate::emulator::reap_expired_orgs(state)));
        // Plain HTTP even when the API serves TLS: scrapers reach it on a private address.
        let metrics = self.metrics.map(|(listener, router)| {
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router).await {
                    tracing::warn!(error = %e, "the metrics listener failed");
                }
            })
        });
        let (flag, delay) = (self.shutting_down, self.shutdown_delay);
        let shutdown = async move {
            shutdown.await;
            flag.store(true, Ordering::SeqCst);
            tracing::info!(delay_ms = delay.as_millis(), "shutdown signalled: not ready; draining after the delay");
            // The configured drain delay: the point is to keep serving while the load
            // balancer sees the 503s and stops sending traffic here.
            tokio::time::sleep(delay).await;
        };
        match self.tls {
            Some(config) => {
                let listener = crate::tls::TlsListener::new(self.listener, config)?;
                axum::serve(listener, self.router).with_graceful_shutdown(shutdown).await?;
            }
            None => axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await?,
        }
        // Deliveries in flight are left to their leases: another node, or this one after a
        // restart, finishes them.
        // So are jobs: a job commits its work and its end in one transaction, so an aborted
        // one is simply claimed again once its lease runs out.
        for worker in [worker, job_worker, reaper].into_iter().flatten() {
            worker.abort();
        }
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        Ok(())
    }
}
