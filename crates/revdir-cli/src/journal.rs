//! `revdir journal`: reads a running server's change journal (`/_revdir/journal.list`) over
//! HTTP with an admin token, one line per change, and with `--follow` keeps polling from the
//! last cursor, so changes appear as they are made.

use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use revdir_api::common::DateTimeFilter;
use revdir_api::journal::{JournalEntry, JournalListRequest};

/// How often `--follow` asks for new changes.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(500);

/// Arguments of `revdir journal`.
#[derive(Debug, Args)]
pub struct JournalArgs {
    /// The server's base URL (what `revdir env` exports).
    #[arg(long, env = "DEVREV_BASE_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An admin token of the dev org (a dev user's or sys user's).
    #[arg(long, env = "DEVREV_API_TOKEN", hide_env_values = true)]
    token: String,
    /// Keep reading: print each new change as it is made, until interrupted.
    #[arg(long)]
    follow: bool,
    /// Only changes of this object (a DON or display id); repeatable.
    #[arg(long)]
    object: Vec<String>,
    /// Only changes of this object type (`rev_user`, `account`, `tag`, …); repeatable.
    #[arg(long = "type")]
    object_type: Vec<String>,
    /// Only this operation (`created`, `updated`, `deleted`); repeatable.
    #[arg(long)]
    operation: Vec<String>,
    /// Only changes made at or after this RFC 3339 time.
    #[arg(long)]
    since: Option<String>,
    /// Print each entry as one line of JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn some_list(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

/// One change as a line of text: id, time, operation, type, object, version, actor,
/// origin, and each changed field with its values.
fn line(e: &JournalEntry) -> String {
    let mut out = format!("#{} {} {} {} {} v{}", e.id, e.occurred_at, e.operation, e.object_type, e.object, e.version);
    if let Some(actor) = &e.actor {
        out.push_str(&format!(" by {actor}"));
    }
    if let Some(origin) = &e.origin {
        out.push_str(&format!(" origin={origin}"));
    }
    for c in &e.changes {
        out.push_str(&format!("\n    {}: {} -> {}", c.field, c.before, c.after));
    }
    out
}

/// Runs `revdir journal`.
///
/// # Errors
/// When the server cannot be reached or refuses the request.
pub async fn run(args: JournalArgs, mut print: impl FnMut(&str) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let client = revdir_client::Client::new(&args.url, &args.token);
    let mut request = JournalListRequest {
        limit: Some(100),
        object: some_list(&args.object),
        object_type: some_list(&args.object_type),
        operation: some_list(&args.operation),
        occurred_at: args.since.clone().map(|after| DateTimeFilter { after: Some(after), before: None }),
        ..JournalListRequest::default()
    };
    loop {
        let page = client.revdir_journal_list(&request).await.context("reading the journal")?;
        for entry in &page.entries {
            if args.json {
                print(&serde_json::to_string(entry)?)?;
            } else {
                print(&line(entry))?;
            }
        }
        let more = page.entries.len() == 100;
        request.cursor = Some(page.next_cursor);
        if !more {
            if !args.follow {
                return Ok(());
            }
            tokio::time::sleep(FOLLOW_INTERVAL).await;
        }
    }
}
