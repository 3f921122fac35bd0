//! Start-up: connect and migrate the store, bootstrap an empty store, bind, serve, stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header::AUTHORIZATION;
use axum::Router;
use revdir_core::store::{NewDevOrg, Store};
use revdir_core::time::Timestamp;
use revdir_store::{DatabaseUrl, StoreOptions};
use secrecy::SecretString;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::middleware::{api_version, panic_response, route_not_found};
use crate::routes::api_router;
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
    Ok(AppState { store, keys })
}

/// Creates the default dev org when the store has none; returns its admin token then.
///
/// # Errors
/// When the store fails.
pub async fn bootstrap(app: &AppState) -> anyhow::Result<Option<Bootstrap>> {
    let now = Timestamp::now();
    let Some(NewDevOrg { org, admin }) = app.store.bootstrap(now).await.map_err(|e| anyhow::anyhow!("bootstrap: {e}"))?
    else {
        return Ok(None);
    };
    let admin_token = app.keys.mint_pat(app.store.as_ref(), &org.id, admin, now, DEFAULT_PAT_DAYS).await?;
    Ok(Some(Bootstrap { dev_org: org.id, admin_token }))
}

/// Mints an admin token: of the default dev org (bootstrapping an empty store first), or of
/// a brand-new dev org.
///
/// # Errors
/// When the store fails.
pub async fn admin_token(app: &AppState, new_org: bool) -> anyhow::Result<SecretString> {
    let now = Timestamp::now();
    let created = if new_org {
        app.store.create_dev_org(None, now).await.map_err(|e| anyhow::anyhow!("creating a dev org: {e}"))?
    } else {
        bootstrap(app).await?;
        app.store
            .default_dev_org()
            .await
            .map_err(|e| anyhow::anyhow!("reading the default dev org: {e}"))?
            .ok_or_else(|| anyhow::anyhow!("the store has no default dev org"))?
    };
    app.keys.mint_pat(app.store.as_ref(), &created.org.id, created.admin, now, DEFAULT_PAT_DAYS).await
}

/// The complete router with every layer.
pub fn router(state: AppState) -> Router {
    api_router()
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
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
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
        let bootstrap = bootstrap(&state).await?;
        let listener = TcpListener::bind(&config.listen).await?;
        Ok(Self { listener, router: router(state), bootstrap })
    }

    /// The bound address (with the real port when 0 was asked for).
    ///
    /// # Errors
    /// When the socket has no address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    ///
    /// # Errors
    /// When serving fails.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await?;
        Ok(())
    }
}
