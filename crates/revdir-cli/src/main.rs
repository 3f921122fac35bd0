//! `revdir`: run the server, migrate the store, mint tokens, back up and restore.

mod backup;
mod emulator;
mod journal;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use revdir_core::ids::ObjectKind;
use revdir_core::refs::UserRef;
use revdir_core::scope::DevOrgScope;
use revdir_server::artifacts::ArtifactsConfig;
use revdir_server::deliveries::DeliveryConfig;
use revdir_server::outbound::UrlPolicy;
use revdir_server::seed::SeedDocument;
use revdir_server::startup::{admin_token, bootstrap, open, Application, RateLimitConfig, ServerConfig};
use revdir_server::state::AppState;
use revdir_server::telemetry::LogFormat;
use revdir_server::tls::{default_data_dir, TlsPaths};
use revdir_store::{DatabaseUrl, StoreOptions};
use secrecy::ExposeSecret as _;

/// A DevRev-compatible user directory server.
#[derive(Debug, Parser)]
#[command(name = "revdir", version, about)]
struct Cli {
    /// Log lines as `text` or as one JSON object per line (`json`), on stderr.
    #[arg(long, global = true, env = "REVDIR_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormatArg,
    #[command(subcommand)]
    command: Command,
}

/// `--log-format`'s values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormatArg {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl From<LogFormatArg> for LogFormat {
    fn from(f: LogFormatArg) -> Self {
        match f {
            LogFormatArg::Text => Self::Text,
            LogFormatArg::Json => Self::Json,
        }
    }
}

/// Where the data lives.
#[derive(Debug, clap::Args)]
struct DbArgs {
    /// Database URL: `postgres://…`, `sqlite://PATH` or a bare SQLite path.
    #[arg(long, env = "REVDIR_DB", default_value = "revdir.db", hide_env_values = true)]
    db: String,
    /// SQLite only: `synchronous=NORMAL` (faster; an answered write can be lost on power
    /// failure, never on a crash of revdir itself).
    #[arg(long, env = "REVDIR_SQLITE_RELAXED_SYNC", default_value_t = false)]
    sqlite_relaxed_sync: bool,
}

impl DbArgs {
    fn config(&self, listen: String) -> ServerConfig {
        ServerConfig {
            store: StoreOptions { sqlite_relaxed_sync: self.sqlite_relaxed_sync, ..StoreOptions::default() },
            ..ServerConfig::new(DatabaseUrl::new(self.db.clone()), listen)
        }
    }

    /// The directory holding `tls/`: `--data-dir`, else the SQLite file's directory, else
    /// the current directory.
    fn data_dir(&self, data_dir: Option<PathBuf>) -> PathBuf {
        data_dir.unwrap_or_else(|| default_data_dir(&DatabaseUrl::new(self.db.clone())))
    }
}

/// `revdir serve`'s options beyond the database and address.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Serve HTTPS (HTTP/2 and HTTP/1.1) with a certificate for localhost, 127.0.0.1 and ::1
    /// signed by a local CA that is created once in the data directory (`tls/ca.pem`).
    #[arg(long, env = "REVDIR_TLS", default_value_t = false)]
    tls: bool,
    /// Where `tls/` lives; default: the SQLite file's directory (the current directory for
    /// PostgreSQL).
    #[arg(long, env = "REVDIR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Requests each authenticated user may make per window; rate limiting is off without it.
    #[arg(long, env = "REVDIR_RATE_LIMIT", value_parser = clap::value_parser!(u64).range(1..))]
    rate_limit: Option<u64>,
    /// Rate-limit window in seconds (fixed windows, as DevRev's five minutes).
    #[arg(long, env = "REVDIR_RATE_WINDOW", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    rate_window: u64,
    /// Redis URL (`redis://[:password@]host:port/db`): rate-limit counters live there, shared
    /// by every node that names the same Redis.
    #[arg(long, env = "REVDIR_REDIS", hide_env_values = true)]
    redis: Option<String>,
    /// Object store for artifact bytes (`file:///dir`, `s3://bucket/prefix` with the usual
    /// `AWS_*` variables); by default the bytes live in the database next to their records.
    #[arg(long, env = "REVDIR_BLOB_STORE")]
    blob_store: Option<String>,
    /// Base URL clients reach this server at, used in artifact upload and download URLs;
    /// by default the request's Host header is used.
    #[arg(long, env = "REVDIR_PUBLIC_URL")]
    public_url: Option<String>,
    /// Largest artifact upload in bytes.
    #[arg(long, env = "REVDIR_MAX_UPLOAD_BYTES", default_value_t = revdir_server::artifacts::DEFAULT_MAX_UPLOAD_BYTES)]
    max_upload_bytes: usize,
    /// Key of the operator routes (`POST /_revdir/orgs.create`, sent as `Authorization: Bearer
    /// <key>`), at least 16 bytes; without it those routes are not served.
    #[arg(long, env = "REVDIR_OPERATOR_KEY", hide_env_values = true)]
    operator_key: Option<String>,
    /// Seconds to keep accepting requests after SIGTERM or ctrl-c, with `/_revdir/ready`
    /// answering 503, before draining in-flight requests and exiting; give a load balancer
    /// its probe interval or so to stop sending traffic.
    #[arg(long, env = "REVDIR_SHUTDOWN_DELAY", default_value_t = 0)]
    shutdown_delay: u64,
    /// Let webhooks point at private and loopback addresses (10/8, 192.168/16, 127/8, …) even
    /// when the server does not listen on loopback, where they are allowed anyway.
    /// Link-local and cloud metadata addresses stay refused.
    #[arg(long, env = "REVDIR_WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
    webhook_allow_private: bool,
    /// Delays between a webhook delivery's attempts, in milliseconds (DevRev's: 30 s, then
    /// 3 min); after the last, the delivery has failed.
    #[arg(long, env = "REVDIR_WEBHOOK_RETRY_DELAYS_MS", value_delimiter = ',', default_value = "30000,180000")]
    webhook_retry_delays_ms: Vec<u64>,
    /// Days after which delivered and failed webhook deliveries and journal entries are
    /// deleted (never a change still waiting to be delivered); 0 keeps them all.
    #[arg(long, env = "REVDIR_RETENTION_DAYS", default_value_t = 7)]
    retention_days: u64,
    /// Run no webhook delivery worker on this node (another node delivers).
    #[arg(long, env = "REVDIR_NO_WEBHOOK_WORKER")]
    no_webhook_worker: bool,
    /// Run no background job worker on this node (merges and personal-data jobs wait for
    /// another node, or for a restart without this flag).
    #[arg(long, env = "REVDIR_NO_JOB_WORKER")]
    no_job_worker: bool,
    /// Emulator mode: also serve the test-only controls under /_revdir/ (verify a webhook
    /// without the handshake, forced delivery failures). Never on a shared directory.
    #[arg(long, env = "REVDIR_EMULATOR")]
    emulator: bool,
    /// Emulator mode: a seed file (YAML or JSON) loaded into the default dev org when this
    /// start creates it (a fresh store). A bad document stops the start, naming the bad value.
    #[arg(long, env = "REVDIR_SEED", requires = "emulator")]
    seed: Option<PathBuf>,
    /// Serve Prometheus metrics at `GET /metrics` on this separate address (plain HTTP, no
    /// token: keep it private); off by default.
    #[arg(long, env = "REVDIR_METRICS_LISTEN")]
    metrics_listen: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API. Runs pending migrations first; refuses a database a newer revdir migrated.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, env = "REVDIR_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Print `export` lines for clients, for `eval "$(revdir env)"`: DEVREV_BASE_URL, a fresh
    /// admin token as DEVREV_API_TOKEN and, when the local CA exists, SSL_CERT_FILE,
    /// REQUESTS_CA_BUNDLE and NODE_EXTRA_CA_CERTS naming it.
    Env {
        #[command(flatten)]
        db: DbArgs,
        /// The address the server listens on.
        #[arg(long, env = "REVDIR_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Where `tls/` lives; default: the SQLite file's directory.
        #[arg(long, env = "REVDIR_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// Print an http:// base URL and no CA variables even when the local CA exists.
        #[arg(long)]
        http: bool,
    },
    /// Run pending database migrations and exit. Refuses a database a newer revdir migrated.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Load a seed file (`--file`: YAML or JSON of tags, schemas, accounts, rev orgs, contacts
    /// and webhooks, all or nothing), or bulk-create contacts (`--rev-users`, for benchmarks
    /// and demos: contact n gets `user{n}@example.com` and external ref `REVU-n`).
    /// Bootstraps an empty store first.
    Seed {
        #[command(flatten)]
        db: DbArgs,
        /// The seed document to load.
        #[arg(long, conflicts_with = "rev_users", required_unless_present = "rev_users")]
        file: Option<PathBuf>,
        /// How many contacts to create.
        #[arg(long)]
        rev_users: Option<u64>,
        /// The dev org: `default`, or a dev org's id.
        #[arg(long, default_value = "default")]
        org: String,
    },
    /// Manage tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage dev orgs.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Print a running server's change journal, one change per entry (`--follow` keeps
    /// printing new ones); needs the org's admin token (`DEVREV_API_TOKEN`, as `revdir env`
    /// exports it).
    Journal(journal::JournalArgs),
    /// Copy a SQLite store into a new file while the server keeps serving and writing, and
    /// check the copy. For PostgreSQL it prints the pg_dump command to use instead.
    Backup(backup::BackupArgs),
    /// Replace a SQLite store with a backup, after checking it is a revdir store of a schema
    /// this binary knows; refused while any revdir process has the store open.
    Restore(backup::RestoreArgs),
    /// Save, restore, list or delete snapshots of the org's state (a running `serve --emulator`).
    Snapshot {
        #[command(flatten)]
        target: emulator::Target,
        #[command(subcommand)]
        command: emulator::SnapshotCommand,
    },
    /// Put the org back into its state right after creation (a running `serve --emulator`).
    Reset {
        #[command(flatten)]
        target: emulator::Target,
    },
    /// Read or move the org's clock (a running `serve --emulator`).
    Clock {
        #[command(flatten)]
        target: emulator::Target,
        #[command(subcommand)]
        command: emulator::ClockCommand,
    },
    /// Set, list or clear the org's fault rules (a running `serve --emulator`).
    Faults {
        #[command(flatten)]
        target: emulator::Target,
        #[command(subcommand)]
        command: emulator::FaultsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create a dev org (with its admin DEVU-1 and devrev-bot) and print its admin's token,
    /// alone on stdout; the org's id goes to stderr. A running server serves it at once.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// The org's display name.
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Print a new token of the default dev org's admin (bootstrapping an empty store).
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// Create a fresh dev org (with its own admin and sys user) and print its admin's token.
        #[arg(long)]
        new_org: bool,
    },
}

/// Installs the SIGINT and SIGTERM handlers at once and returns what resolves on the first
/// signal. Call it before announcing readiness: a handler installed only when the server
/// first polls the future would leave a signal sent right after `revdir listening on` to the
/// default action, which kills the process without finishing in-flight requests.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{signal, SignalKind};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let on = |s: &mut Option<tokio::signal::unix::Signal>| {
                let s = s.take();
                async move {
                    match s {
                        Some(mut s) => {
                            s.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                }
            };
            let (interrupt, terminate) = (on(&mut interrupt), on(&mut terminate));
            tokio::select! {
                () = interrupt => {},
                () = terminate => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing in-flight requests");
    }
}

/// The scope `revdir seed` writes in: the admin (`DEVU-1`) of the default dev org
/// (bootstrapping an empty store) or of the dev org named by id.
async fn seed_scope(state: &AppState, org: &str) -> anyhow::Result<DevOrgScope> {
    let scope = |dev_org: String| DevOrgScope {
        dev_org,
        actor: UserRef { kind: ObjectKind::DevUser, id: 1 },
        token_id: "revdir-seed".to_owned(),
        actor_summary: None,
        context: Default::default(),
        now: revdir_core::clock::system_now(),
    };
    if org == "default" {
        bootstrap(state).await?;
        let default = state
            .store
            .default_dev_org()
            .await
            .map_err(|e| anyhow::anyhow!("reading the default dev org: {e}"))?
            .ok_or_else(|| anyhow::anyhow!("the store has no default dev org"))?;
        return Ok(DevOrgScope { actor: default.admin, ..scope(default.org.id) });
    }
    let scope = scope(org.to_owned());
    state.store.get_dev_org(&scope).await.map_err(|e| anyhow::anyhow!("dev org {org}: {e}"))?;
    Ok(scope)
}

/// The base URL a client on this machine uses for a server listening on `listen`: an
/// unspecified address (`0.0.0.0`, `[::]`) becomes the loopback address.
fn client_base_url(scheme: &str, listen: &str) -> anyhow::Result<String> {
    let Ok(addr) = listen.parse::<SocketAddr>() else {
        return Ok(format!("{scheme}://{listen}"));
    };
    anyhow::ensure!(addr.port() != 0, "--listen names port 0; pass the port the server printed");
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    Ok(format!("{scheme}://{}", SocketAddr::new(ip, addr.port())))
}

/// `value` quoted for a POSIX shell.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// The `export` lines of `revdir env`.
fn env_lines(base_url: &str, token: &str, ca: Option<&Path>) -> Vec<String> {
    let mut vars = vec![("DEVREV_BASE_URL", base_url.to_owned()), ("DEVREV_API_TOKEN", token.to_owned())];
    if let Some(ca) = ca {
        let ca = ca.display().to_string();
        vars.extend([("SSL_CERT_FILE", ca.clone()), ("REQUESTS_CA_BUNDLE", ca.clone()), ("NODE_EXTRA_CA_CERTS", ca)]);
    }
    vars.into_iter().map(|(k, v)| format!("export {k}={}", shell_quote(&v))).collect()
}

fn say(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    revdir_server::telemetry::init_with(cli.log_format.into());
    match cli.command {
        Command::Serve { db, listen, serve } => {
            let mut config = db.config(listen);
            if serve.tls {
                config.tls = Some(db.data_dir(serve.data_dir));
            }
            config.rate_limit = serve.rate_limit.map(|limit| RateLimitConfig::new(limit, serve.rate_window));
            config.redis = serve.redis.map(secrecy::SecretString::from);
            config.artifacts = ArtifactsConfig {
                blob_store: serve.blob_store,
                public_url: serve.public_url,
                max_upload_bytes: Some(serve.max_upload_bytes),
            };
            config.operator_key = serve.operator_key.map(secrecy::SecretString::from);
            config.shutdown_delay = std::time::Duration::from_secs(serve.shutdown_delay);
            config.webhook_allow_private = serve.webhook_allow_private.then_some(true);
            config.deliveries = DeliveryConfig {
                probe_delay_ms: serve.webhook_retry_delays_ms.first().copied().unwrap_or(30_000),
                retry_delays_ms: serve.webhook_retry_delays_ms,
                retention: (serve.retention_days > 0)
                    .then(|| std::time::Duration::from_secs(serve.retention_days.saturating_mul(86_400))),
                enabled: !serve.no_webhook_worker,
                ..DeliveryConfig::default()
            };
            config.jobs.enabled = !serve.no_job_worker;
            config.emulator = serve.emulator;
            if let Some(file) = &serve.seed {
                let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
                config.seed = Some(SeedDocument::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?);
            }
            config.metrics_listen = serve.metrics_listen;
            tracing::info!(db = %config.db, tls = config.tls.is_some(), rate_limit = ?serve.rate_limit,
                redis = config.redis.is_some(), "starting");
            let app = Application::build(&config).await.context("starting the server")?;
            if let Some(b) = &app.bootstrap {
                say(&format!("revdir bootstrapped dev org {}; admin token (shown once):", b.dev_org))?;
                say(b.admin_token.expose_secret())?;
            }
            let addr = app.local_addr()?;
            let shutdown = shutdown_signal();
            if let Some(metrics) = app.metrics_addr() {
                say(&format!("revdir metrics on http://{metrics}/metrics"))?;
            }
            say(&format!("revdir listening on {}://{addr}", app.scheme()))?;
            app.run_until_stopped(shutdown).await?;
        }
        Command::Env { db, listen, data_dir, http } => {
            let paths = TlsPaths::new(&db.data_dir(data_dir));
            let ca = if !http && paths.has_ca() {
                Some(std::path::absolute(paths.ca_cert()).context("resolving the CA's path")?)
            } else {
                None
            };
            let base_url = client_base_url(if ca.is_some() { "https" } else { "http" }, &listen)?;
            let state = open(&db.config(String::new())).await.context("opening the store")?;
            let token = admin_token(&state, false).await?;
            for line in env_lines(&base_url, token.expose_secret(), ca.as_deref()) {
                say(&line)?;
            }
            // The operator key an emulator generated, for `/_revdir/orgs.*`.
            let stored = state.store.server_setting(revdir_server::operator::STORED_KEY_SETTING, None).await;
            if let Some(key) = stored.map_err(|e| anyhow::anyhow!("reading the operator key: {e}"))? {
                say(&format!("export REVDIR_OPERATOR_KEY={}", shell_quote(&key)))?;
            }
        }
        Command::Migrate { db } => {
            revdir_store::migrate(&DatabaseUrl::new(db.db.clone())).await.context("migrating")?;
            say("migrations applied")?;
        }
        Command::Seed { db, file: Some(file), org, .. } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let doc = SeedDocument::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let state = open(&db.config(String::new())).await.context("opening the store")?;
            let scope = seed_scope(&state, &org).await?;
            // The operator's own file: its webhooks may point anywhere, as with
            // --webhook-allow-private.
            let urls = UrlPolicy { allow_private: true };
            let report = revdir_server::seed::load(state.store.as_ref(), &scope, &doc, &urls, scope.now)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was loaded", file.display()))?;
            say(&serde_json::to_string(&report)?)?;
        }
        Command::Seed { db, rev_users, org, .. } => {
            let rev_users = rev_users.unwrap_or_default();
            let state = open(&db.config(String::new())).await.context("opening the store")?;
            let scope = seed_scope(&state, &org).await?;
            let started = std::time::Instant::now();
            let n = state
                .store
                .seed_rev_users(&scope, rev_users, revdir_core::clock::system_now())
                .await
                .map_err(|e| anyhow::anyhow!("seeding: {e}"))?;
            say(&format!(
                "seeded {n} contacts into dev org {} in {:.2} s",
                scope.dev_org,
                started.elapsed().as_secs_f64()
            ))?;
        }
        Command::Token { command: TokenCommand::Create { db, new_org } } => {
            let state = open(&db.config(String::new())).await.context("opening the store")?;
            let token = admin_token(&state, new_org).await?;
            say(token.expose_secret())?;
        }
        Command::Journal(args) => journal::run(args, say).await?,
        Command::Snapshot { target, command } => {
            emulator::run(target, emulator::Control::Snapshot(command), say).await?
        }
        Command::Reset { target } => emulator::run(target, emulator::Control::Reset, say).await?,
        Command::Clock { target, command } => emulator::run(target, emulator::Control::Clock(command), say).await?,
        Command::Faults { target, command } => emulator::run(target, emulator::Control::Faults(command), say).await?,
        Command::Backup(args) => backup::backup(args, say).await?,
        Command::Restore(args) => backup::restore(args, say).await?,
        Command::Org { command: OrgCommand::Create { db, display_name } } => {
            let state = open(&db.config(String::new())).await.context("opening the store")?;
            let (org, token) =
                revdir_server::operator::create_org(state.store.as_ref(), &state.keys, display_name).await?;
            eprintln!("created dev org {} ({})", org.id, org.slug);
            say(token.expose_secret())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_are_quoted_exports_with_loopback_urls() {
        assert_eq!(client_base_url("https", "0.0.0.0:8443").unwrap(), "https://127.0.0.1:8443");
        assert_eq!(client_base_url("http", "[::]:80").unwrap(), "http://[::1]:80");
        assert_eq!(client_base_url("http", "localhost:8080").unwrap(), "http://localhost:8080");
        assert!(client_base_url("http", "127.0.0.1:0").is_err());
        let lines = env_lines("https://127.0.0.1:1", "t0k", Some(Path::new("/d/it's/ca.pem")));
        assert_eq!(lines[0], "export DEVREV_BASE_URL='https://127.0.0.1:1'");
        assert_eq!(lines[1], "export DEVREV_API_TOKEN='t0k'");
        assert_eq!(lines[2], r"export SSL_CERT_FILE='/d/it'\''s/ca.pem'");
        assert_eq!(lines.len(), 5);
        assert_eq!(env_lines("http://x", "t", None).len(), 2);
    }
}
