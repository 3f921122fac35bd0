//! The webhook delivery worker (§9), one per node: it claims due deliveries from the store
//! under a lease, POSTs each (signed, 3-second timeout, no redirects, only to addresses the
//! URL policy allows), and records the outcome through the claim's fence. A write request
//! wakes it; polling backs that up, and is all that tells another node's worker.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use revdir_core::deliveries::{
    next_attempt, signature, AttemptRecord, ClaimedDelivery, DeliveryBody, Outcome, DEVREV_RETRY_DELAYS_MS,
};
use revdir_core::time::Timestamp;
use tokio::sync::{Notify, Semaphore};

use crate::outbound::UrlPolicy;
use crate::state::AppState;

/// Most bytes of an endpoint's answer the delivery log keeps.
const RESPONSE_KEPT: usize = 20 * 1024;
/// How often the worker looks for due deliveries when nothing wakes it.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// The shortest time between two looks, however often writes wake the worker.
const MIN_LOOK_GAP: Duration = Duration::from_millis(10);
/// Rows pruned per transaction.
const PRUNE_BATCH: u32 = 1_000;

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Delays between attempts, in milliseconds (DevRev: 30 s, then 3 min).
    pub retry_delays_ms: Vec<u64>,
    /// How long after a degraded endpoint's failure the next probe goes.
    pub probe_delay_ms: u64,
    /// How long an endpoint has to answer.
    pub timeout: Duration,
    /// How long a claim lasts before another worker may take the delivery over; longer
    /// than the timeout, so a live worker always finishes first.
    pub lease: Duration,
    /// Deliveries in flight at once per node.
    pub concurrency: usize,
    /// Age after which delivered and failed deliveries and journal entries are pruned;
    /// `None` keeps everything.
    pub retention: Option<Duration>,
    /// How often the worker prunes what is older than `retention`.
    pub prune_every: Duration,
    /// Whether the worker runs on this node.
    pub enabled: bool,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            retry_delays_ms: DEVREV_RETRY_DELAYS_MS.to_vec(),
            probe_delay_ms: DEVREV_RETRY_DELAYS_MS[0],
            timeout: Duration::from_secs(3),
            lease: Duration::from_secs(10),
            concurrency: 16,
            retention: Some(Duration::from_secs(7 * 24 * 3600)),
            prune_every: Duration::from_secs(60),
            enabled: true,
        }
    }
}

fn later(now: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_millis(now.millis() + i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2))
}

/// Runs the worker until the process ends.
pub async fn run(app: AppState, config: DeliveryConfig, policy: UrlPolicy, wake: Arc<Notify>) {
    let node = uuid::Uuid::new_v4().to_string();
    let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let config = Arc::new(config);
    let mut last_prune = Instant::now();
    loop {
        let free = u32::try_from(slots.available_permits()).unwrap_or(u32::MAX);
        let mut claimed = 0;
        if free > 0 {
            let now = revdir_core::clock::system_now();
            match app.store.claim_deliveries(&node, now, later(now, config.lease), free, app.emulator).await {
                Ok(deliveries) => {
                    claimed = deliveries.len();
                    for delivery in deliveries {
                        let Ok(permit) = slots.clone().acquire_owned().await else { return };
                        let (app, config) = (app.clone(), config.clone());
                        tokio::spawn(async move {
                            deliver(&app, &config, &policy, delivery).await;
                            drop(permit);
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming webhook deliveries failed"),
            }
        }
        if let Some(age) = config.retention.filter(|_| last_prune.elapsed() >= config.prune_every) {
            last_prune = Instant::now();
            prune(&app, age).await;
        }
        // A full claim may have left more due rows: look again at once.
        if claimed == 0 || claimed < free as usize {
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL_INTERVAL) => {}
            }
            // Every write wakes the worker; under load that would be a look per request.
            // Looking at most every few milliseconds costs deliveries that much latency.
            tokio::time::sleep(MIN_LOOK_GAP).await;
        }
    }
}

async fn prune(app: &AppState, age: Duration) {
    let before =
        Timestamp::from_millis(revdir_core::clock::system_now().millis() - i64::try_from(age.as_millis()).unwrap_or(0));
    loop {
        match app.store.prune(before, PRUNE_BATCH).await {
            Ok(n) if n > 0 => tracing::debug!(rows = n, "pruned old deliveries and journal entries"),
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "pruning old deliveries failed");
                return;
            }
        }
    }
}

/// Whether a delivery is a probe of a degraded endpoint rather than the handshake: probes
/// never run out of attempts.
fn is_probe(d: &ClaimedDelivery) -> bool {
    d.event_id.contains(":event/probe-")
}

/// The origin and actor of the change a delivery carries.
fn change_source(d: &ClaimedDelivery) -> (Option<&str>, Option<&str>) {
    match &d.body {
        DeliveryBody::Change(entry) => (entry.origin.as_deref(), entry.actor.as_deref()),
        _ => (None, None),
    }
}

/// The time of a delivery's org: the system clock, or its own clock under the emulator, on
/// which its retries are scheduled and its event is stamped.
async fn org_time(app: &AppState, d: &ClaimedDelivery) -> revdir_core::time::Timestamp {
    let system = revdir_core::clock::system_now();
    crate::extract::auth::org_now(app, &d.dev_org).await.unwrap_or(system)
}

/// Sends one delivery (or decides not to) and records the outcome.
async fn deliver(app: &AppState, config: &DeliveryConfig, policy: &UrlPolicy, d: ClaimedDelivery) {
    let (origin, _) = change_source(&d);
    let outcome = if d.url.is_empty() {
        Outcome::Skipped { state: "cancelled", reason: "the webhook was deleted".into() }
    } else if !d.is_verify() && !d.active {
        Outcome::Skipped { state: "cancelled", reason: "the webhook is not active".into() }
    } else if origin.is_some_and(|o| d.exclude_origins.iter().any(|x| x == o)) {
        Outcome::Skipped { state: "suppressed", reason: "the change's origin is excluded by this webhook".into() }
    } else if d.degraded && !d.is_verify() {
        Outcome::Skipped { state: "failed", reason: "the endpoint is degraded: failed without an attempt".into() }
    } else if d.forced_failure {
        let now = org_time(app, &d).await;
        let record = AttemptRecord {
            started_at: now,
            duration_ms: 0,
            request_headers: Vec::new(),
            request_body: d.render(now).to_string(),
            status: None,
            response_body: None,
            error_class: Some("forced".to_owned()),
        };
        Outcome::Failed { attempt: record, retry_at: next_attempt(&config.retry_delays_ms, d.attempt, now) }
    } else {
        let record = attempt(config, policy, &d, org_time(app, &d).await).await;
        if record.error_class.is_none() {
            Outcome::Delivered(record)
        } else {
            let now = org_time(app, &d).await;
            let retry_at = if is_probe(&d) {
                Some(later(now, Duration::from_millis(config.probe_delay_ms)))
            } else {
                next_attempt(&config.retry_delays_ms, d.attempt, now)
            };
            Outcome::Failed { attempt: record, retry_at }
        }
    };
    let (result, label) = (describe(&outcome), outcome_label(&outcome));
    match app.store.finish_delivery(&d, outcome, org_time(app, &d).await, config.probe_delay_ms).await {
        Ok(true) => {
            crate::metrics::delivery_finished(label);
            tracing::info!(
            delivery = d.id,
            webhook = %d.webhook_id,
            event_type = %d.event_type,
            attempt = d.attempt,
                result,
                "webhook delivery"
            );
        }
        Ok(false) => tracing::info!(delivery = d.id, "webhook delivery result discarded: the lease had passed on"),
        Err(e) => tracing::warn!(delivery = d.id, error = %e, "recording a webhook delivery failed"),
    }
}

/// The metrics label of an outcome: the log's words, in one snake_case token each.
fn outcome_label(o: &Outcome) -> &'static str {
    match o {
        Outcome::Delivered(_) => "delivered",
        Outcome::Failed { retry_at: Some(_), .. } => "failed_retrying",
        Outcome::Failed { retry_at: None, .. } => "failed",
        Outcome::Skipped { state, .. } => state,
    }
}

fn describe(o: &Outcome) -> &'static str {
    match o {
        Outcome::Delivered(_) => "delivered",
        Outcome::Failed { retry_at: Some(_), .. } => "failed, will retry",
        Outcome::Failed { retry_at: None, .. } => "failed",
        Outcome::Skipped { state, .. } => state,
    }
}

/// One POST to the endpoint, as the delivery log records it.
/// One attempt; `started` is the org's time, which the event's `timestamp` carries.
async fn attempt(
    config: &DeliveryConfig,
    policy: &UrlPolicy,
    d: &ClaimedDelivery,
    started: revdir_core::time::Timestamp,
) -> AttemptRecord {
    let clock = Instant::now();
    let body = d.render(started).to_string();
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("x-devrev-signature".to_owned(), signature(&d.secret, body.as_bytes())),
        ("user-agent".to_owned(), concat!("revdir-webhooks/", env!("CARGO_PKG_VERSION")).to_owned()),
    ];
    let (origin, actor) = change_source(d);
    if let Some(o) = origin {
        headers.push(("x-revdir-origin".to_owned(), o.to_owned()));
    }
    if let Some(a) = actor {
        headers.push(("x-revdir-actor".to_owned(), a.to_owned()));
    }
    headers.extend(d.headers.iter().cloned());
    let mut record = AttemptRecord {
        started_at: started,
        duration_ms: 0,
        request_headers: headers,
        request_body: body,
        status: None,
        response_body: None,
        error_class: None,
    };
    let sent = send(config, policy, &d.url, &record).await;
    if d.send_twice && sent.is_ok() {
        // The emulator's duplicate: the same bytes again, for receivers' dedupe; its own
        // outcome is not recorded.
        let _ = send(config, policy, &d.url, &record).await;
    }
    record.duration_ms = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
    match sent {
        Err(class) => record.error_class = Some(class.to_owned()),
        Ok((status, text)) => {
            record.status = Some(status);
            let ok = (200..300).contains(&status);
            record.error_class = if !ok {
                Some("status".to_owned())
            } else if let DeliveryBody::Verify { challenge } = &d.body {
                let echoed = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("challenge").and_then(|c| c.as_str()).map(|c| c == challenge));
                (echoed != Some(true)).then(|| "challenge".to_owned())
            } else {
                None
            };
            record.response_body = Some(text);
        }
    }
    record
}

/// POSTs the attempt's body to `url`, connecting only to the addresses the policy vetted for
/// it, so a name that resolves elsewhere between the check and the send gains nothing.
async fn send(
    config: &DeliveryConfig,
    policy: &UrlPolicy,
    url: &str,
    record: &AttemptRecord,
) -> Result<(u16, String), &'static str> {
    let addrs: Vec<SocketAddr> = policy.vetted_addrs(url).await.map_err(|_| "refused_address")?;
    let parsed = url::Url::parse(url).map_err(|_| "refused_address")?;
    let host = parsed.host_str().ok_or("refused_address")?.to_owned();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .resolve_to_addrs(&host, &addrs)
        .build()
        .map_err(|_| "connect")?;
    let mut request = client.post(parsed).body(record.request_body.clone());
    for (name, value) in &record.request_headers {
        request = request.header(name, value);
    }
    let mut response = request.send().await.map_err(|e| if e.is_timeout() { "timeout" } else { "connect" })?;
    let status = response.status().as_u16();
    let mut kept = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = RESPONSE_KEPT.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if kept.len() >= RESPONSE_KEPT {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => return Err("timeout"),
            Err(_) => break,
        }
    }
    Ok((status, String::from_utf8_lossy(&kept).into_owned()))
}
