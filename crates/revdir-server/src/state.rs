//! `AppState`: what every handler shares.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use revdir_core::store::Store;
use revdir_core::time::Timestamp;
use tokio::sync::Notify;

use crate::artifacts::Artifacts;
use crate::operator::OperatorKey;
use crate::outbound::UrlPolicy;
use crate::rate_limit::RateLimit;
use crate::tokens::TokenKeys;

/// Shared handles: the store and the token keys.
#[derive(Clone)]
pub struct AppState {
    /// The storage backend chosen at start-up.
    pub store: Arc<dyn Store>,
    /// Signs and verifies tokens.
    pub keys: TokenKeys,
    /// Artifact blobs, tickets and URLs.
    pub artifacts: Artifacts,
    /// Per-actor rate limit (§8.6); `None` when off.
    pub rate_limit: Option<RateLimit>,
    /// The key of the operator routes (`/_revdir/orgs.create`); `None` leaves them unserved.
    pub operator_key: Option<OperatorKey>,
    /// Where webhooks may point.
    pub url_policy: UrlPolicy,
    /// Set when the shutdown signal arrives, before in-flight requests are drained, so that
    /// `/_revdir/ready` answers 503 from then on.
    pub shutting_down: Arc<AtomicBool>,
    /// Wakes this node's webhook delivery worker after a write, so that its events go out
    /// at once rather than at the next poll.
    pub delivery_wake: Arc<Notify>,
    /// Wakes this node's job worker after a request queued a job.
    pub job_wake: Arc<Notify>,
    /// Whether the emulator's test-only controls are served (`--emulator`).
    pub emulator: bool,
}

impl AppState {
    /// The system clock. A request's time is its scope's `now` (the org's clock under the
    /// emulator); this is for what belongs to no org: workers, probes, operator routes.
    pub fn system_now(&self) -> Timestamp {
        revdir_core::clock::system_now()
    }

    /// Tells this node's delivery worker that new deliveries may be due.
    pub fn wake_deliveries(&self) {
        self.delivery_wake.notify_one();
    }

    /// Tells this node's job worker that a job was queued.
    pub fn wake_jobs(&self) {
        self.job_wake.notify_one();
    }

    /// Whether the shutdown signal has arrived.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}
