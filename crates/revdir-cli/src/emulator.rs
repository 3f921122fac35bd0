//! The emulator's controls from a shell (issue 16): `revdir snapshot`, `revdir reset`,
//! `revdir clock` and `revdir faults` call a running `revdir serve --emulator` over HTTP with
//! the org's admin token (`DEVREV_API_TOKEN`, as `revdir env` exports it) and print its
//! answer as JSON.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// Where the server is and whose org to act on.
#[derive(Debug, Args)]
pub struct Target {
    /// The server's base URL (what `revdir env` exports).
    #[arg(long, env = "DEVREV_BASE_URL", default_value = "http://127.0.0.1:8080", global = true)]
    url: String,
    /// An admin token of the dev org (a dev user's or sys user's).
    #[arg(long, env = "DEVREV_API_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
}

/// `revdir snapshot …`.
#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Save the org's whole state as NAME.
    Create {
        /// The snapshot's name.
        name: String,
    },
    /// Put the org back into the state saved as NAME.
    Restore {
        /// The snapshot's name.
        name: String,
    },
    /// List the org's snapshots.
    List,
    /// Delete the snapshot NAME.
    Delete {
        /// The snapshot's name.
        name: String,
    },
}

/// `revdir clock …`.
#[derive(Debug, Subcommand)]
pub enum ClockCommand {
    /// Print the org's clock.
    Get,
    /// Set the org's clock: frozen at an instant, running with an offset from an instant, or
    /// the system clock; `--advance` moves it forward.
    Set {
        /// Freeze the clock at this RFC 3339 instant (or where it is, with `--advance`).
        #[arg(long, value_name = "AT", num_args = 0..=1, default_missing_value = "", conflicts_with_all = ["offset", "system"])]
        frozen: Option<String>,
        /// Let the clock run from this RFC 3339 instant (or from where it is, with `--advance`).
        #[arg(long, value_name = "AT", num_args = 0..=1, default_missing_value = "", conflicts_with = "system")]
        offset: Option<String>,
        /// Back to the system clock.
        #[arg(long)]
        system: bool,
        /// Seconds to move the clock forward.
        #[arg(long, value_name = "SECONDS")]
        advance: Option<f64>,
    },
}

/// `revdir faults …`.
#[derive(Debug, Subcommand)]
pub enum FaultsCommand {
    /// Replace the org's fault rules with RULES, a JSON array (or `@file` holding one).
    Set {
        /// The rules, as `/_revdir/faults.set` takes them.
        rules: String,
    },
    /// Print the org's fault rules with their counters.
    List,
    /// Remove the org's fault rules.
    Clear,
}

/// What one of these commands asks the server.
pub enum Control {
    /// `revdir snapshot …`.
    Snapshot(SnapshotCommand),
    /// `revdir reset`.
    Reset,
    /// `revdir clock …`.
    Clock(ClockCommand),
    /// `revdir faults …`.
    Faults(FaultsCommand),
}

/// The `/_revdir/…` path and body a command sends.
///
/// # Errors
/// When `faults set` cannot read or parse its rules.
fn request(control: Control) -> anyhow::Result<(&'static str, Value)> {
    let instant = |at: String| (!at.is_empty()).then_some(at);
    Ok(match control {
        Control::Snapshot(SnapshotCommand::Create { name }) => ("/_revdir/snapshots.create", json!({ "name": name })),
        Control::Snapshot(SnapshotCommand::Restore { name }) => ("/_revdir/snapshots.restore", json!({ "name": name })),
        Control::Snapshot(SnapshotCommand::List) => ("/_revdir/snapshots.list", json!({})),
        Control::Snapshot(SnapshotCommand::Delete { name }) => ("/_revdir/snapshots.delete", json!({ "name": name })),
        Control::Reset => ("/_revdir/orgs.reset", json!({})),
        Control::Clock(ClockCommand::Get) => ("/_revdir/clock.get", json!({})),
        Control::Clock(ClockCommand::Set { frozen, offset, system, advance }) => {
            let (mode, at) = match (frozen, offset, system) {
                (Some(at), _, _) => (Some("frozen"), instant(at)),
                (_, Some(at), _) => (Some("offset"), instant(at)),
                (_, _, true) => (Some("system"), None),
                _ => (None, None),
            };
            let mut body = json!({});
            if let Some(m) = mode {
                body["mode"] = json!(m);
            }
            if let Some(at) = at {
                body["at"] = json!(at);
            }
            if let Some(s) = advance {
                body["advance_seconds"] = json!(s);
            }
            ("/_revdir/clock.set", body)
        }
        Control::Faults(FaultsCommand::Set { rules }) => {
            let text = match rules.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?,
                None => rules,
            };
            let rules: Value = serde_json::from_str(&text).context("the rules are not JSON")?;
            ("/_revdir/faults.set", json!({ "rules": rules }))
        }
        Control::Faults(FaultsCommand::List) => ("/_revdir/faults.list", json!({})),
        Control::Faults(FaultsCommand::Clear) => ("/_revdir/faults.clear", json!({})),
    })
}

/// Sends a control to the server and prints its answer.
///
/// # Errors
/// When the token is missing, the server cannot be reached, or it refuses the request.
pub async fn run(
    target: Target,
    control: Control,
    mut print: impl FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let token = target.token.context("no token: pass --token or set DEVREV_API_TOKEN (eval \"$(revdir env)\")")?;
    let (path, body) = request(control)?;
    let client = revdir_client::Client::new(&target.url, token);
    let answer: Value = client.call(path, &body).await.with_context(|| format!("{path} failed"))?;
    print(&serde_json::to_string_pretty(&answer)?)
}
