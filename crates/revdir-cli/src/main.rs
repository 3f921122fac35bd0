//! `revdir`: run the server, migrate the store, mint tokens.

use std::io::Write as _;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use revdir_server::startup::{admin_token, open, Application, ServerConfig};
use revdir_store::{DatabaseUrl, StoreOptions};
use secrecy::ExposeSecret as _;

/// A DevRev-compatible user directory server.
#[derive(Debug, Parser)]
#[command(name = "revdir", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives.
#[derive(Debug, clap::Args)]
struct DbArgs {
    /// Database URL: `postgres://…`, `sqlite://PATH` or a bare SQLite path.
    #[arg(long, env = "REVDIR_DB", default_value = "revdir.db")]
    db: String,
    /// SQLite only: `synchronous=NORMAL` (faster; an answered write can be lost on power
    /// failure, never on a crash of revdir itself).
    #[arg(long, env = "REVDIR_SQLITE_RELAXED_SYNC", default_value_t = false)]
    sqlite_relaxed_sync: bool,
}

impl DbArgs {
    fn config(&self, listen: String) -> ServerConfig {
        ServerConfig {
            db: DatabaseUrl::new(self.db.clone()),
            listen,
            store: StoreOptions { sqlite_relaxed_sync: self.sqlite_relaxed_sync, ..StoreOptions::default() },
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, env = "REVDIR_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Run pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
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

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn say(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    revdir_server::telemetry::init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { db, listen } => {
            let config = db.config(listen);
            tracing::info!(db = %config.db, "starting");
            let app = Application::build(&config).await.context("starting the server")?;
            if let Some(b) = &app.bootstrap {
                say(&format!("revdir bootstrapped dev org {}; admin token (shown once):", b.dev_org))?;
                say(b.admin_token.expose_secret())?;
            }
            let addr = app.local_addr()?;
            say(&format!("revdir listening on http://{addr}"))?;
            app.run_until_stopped(shutdown_signal()).await?;
        }
        Command::Migrate { db } => {
            revdir_store::migrate(&DatabaseUrl::new(db.db.clone())).await.context("migrating")?;
            say("migrations applied")?;
        }
        Command::Token { command: TokenCommand::Create { db, new_org } } => {
            let state = open(&db.config(String::new())).await.context("opening the store")?;
            let token = admin_token(&state, new_org).await?;
            say(token.expose_secret())?;
        }
    }
    Ok(())
}
