//! Webhook deliveries (§9): what the delivery worker claims, renders, signs and reports.
//! Rendering and the retry rules are pure and live here; the worker does the I/O.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::journal::{rebuild_before, JournalEntry, Operation};
use crate::time::Timestamp;

/// What a claimed delivery carries.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryBody {
    /// The verification handshake, or a probe of a degraded endpoint.
    Verify {
        /// The challenge the endpoint must echo.
        challenge: String,
    },
    /// An event of the change journal.
    Change(Box<JournalEntry>),
    /// A ready payload (`webhooks.fetch`): the event's object under its type's key.
    Payload(Value),
}

/// A delivery a worker holds a lease on.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedDelivery {
    /// The delivery's number.
    pub id: i64,
    /// The dev org.
    pub dev_org: String,
    /// The webhook's DON.
    pub webhook_id: String,
    /// Where to POST.
    pub url: String,
    /// The HMAC key.
    pub secret: String,
    /// The webhook's own headers, sent with every delivery.
    pub headers: Vec<(String, String)>,
    /// Origins whose changes this webhook does not want (echo suppression).
    pub exclude_origins: Vec<String>,
    /// Whether the endpoint is degraded: events fail without an attempt until a probe
    /// succeeds.
    pub degraded: bool,
    /// Whether the webhook may receive events now (`active`); verify requests go regardless.
    pub active: bool,
    /// The event's id, the same on every attempt.
    pub event_id: String,
    /// The event's type, such as `rev_user_updated` or `verify`.
    pub event_type: String,
    /// Which attempt this is, from 1.
    pub attempt: u32,
    /// The emulator forced this attempt to fail: it is recorded failed and not sent.
    pub forced_failure: bool,
    /// The emulator asks for each event to be sent twice, to exercise receivers' dedupe.
    pub send_twice: bool,
    /// The claim's fence: the outcome is kept only while it is still current.
    pub fence: i64,
    /// What to send.
    pub body: DeliveryBody,
}

impl ClaimedDelivery {
    /// Whether this is a verify request (handshake or probe).
    pub fn is_verify(&self) -> bool {
        matches!(self.body, DeliveryBody::Verify { .. })
    }

    /// The request body for this attempt, stamped with `now`: `{id, webhook_id, timestamp,
    /// type, <type>: {…}}` (§8.7).
    pub fn render(&self, now: Timestamp) -> Value {
        let payload = match &self.body {
            DeliveryBody::Verify { challenge } => json!({ "challenge": challenge }),
            DeliveryBody::Payload(v) => v.clone(),
            DeliveryBody::Change(entry) => change_payload(entry),
        };
        json!({
            "id": self.event_id,
            "webhook_id": self.webhook_id,
            "timestamp": now.to_rfc3339(),
            "type": self.event_type,
            self.event_type.clone(): payload,
        })
    }
}

/// The event payload of a change: `{<object>: …}` for a create, `{<object>: …, old_<object>: …}`
/// for an update, `{id, old_<object>: …}` for a delete; webhooks carry no old copy (§8.7).
pub fn change_payload(entry: &JournalEntry) -> Value {
    let name = crate::journal::object_name(entry.object_kind).unwrap_or("object");
    let object = entry.object.clone().unwrap_or(Value::Null);
    let with_old = name != "webhook";
    match entry.operation {
        Operation::Created => json!({ name: object }),
        Operation::Updated if with_old => {
            json!({ name: object.clone(), format!("old_{name}"): rebuild_before(&object, &entry.changes) })
        }
        Operation::Updated => json!({ name: object }),
        Operation::Deleted if with_old => json!({ "id": entry.object_id, format!("old_{name}"): object }),
        Operation::Deleted => json!({ "id": entry.object_id }),
    }
}

/// `X-DevRev-Signature`: the lowercase hex HMAC-SHA256 of the exact body bytes, keyed by the
/// secret's bytes (§8.7).
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// How one attempt went, as the delivery log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    /// When it started.
    pub started_at: Timestamp,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// The headers sent (the signature included, the secret never).
    pub request_headers: Vec<(String, String)>,
    /// The exact body sent.
    pub request_body: String,
    /// The endpoint's HTTP status, if it answered.
    pub status: Option<u16>,
    /// The first 20 KB of its answer.
    pub response_body: Option<String>,
    /// Why the attempt failed: `timeout`, `connect`, `status`, `challenge`, `refused_address`,
    /// `forced` (the emulator's forced failure).
    pub error_class: Option<String>,
}

/// What became of a claimed delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The endpoint took it (and, for a verify request, echoed the challenge).
    Delivered(AttemptRecord),
    /// The attempt failed; `retry_at` is when the next one is due, if any is left.
    Failed {
        /// The attempt.
        attempt: AttemptRecord,
        /// When to try again; `None` when this was the last attempt.
        retry_at: Option<Timestamp>,
    },
    /// Not sent, and never will be, with the reason: the webhook is gone or inactive, the
    /// change's origin is excluded, or the endpoint is degraded.
    Skipped {
        /// The final state: `suppressed`, `cancelled` or `failed`.
        state: &'static str,
        /// Why.
        reason: String,
    },
}

/// When the next attempt after failed attempt number `attempt` (from 1) is due, given the
/// delays between attempts (DevRev: 30 s, then 3 min); `None` after the last.
pub fn next_attempt(delays_ms: &[u64], attempt: u32, now: Timestamp) -> Option<Timestamp> {
    let i = usize::try_from(attempt).ok()?.checked_sub(1)?;
    delays_ms.get(i).map(|d| Timestamp::from_millis(now.millis() + i64::try_from(*d).unwrap_or(i64::MAX / 2)))
}

/// DevRev's delays between the three attempts of a delivery (§8.7), in milliseconds.
pub const DEVREV_RETRY_DELAYS_MS: [u64; 2] = [30_000, 180_000];

/// One delivery as the lab shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryView {
    /// The delivery's number.
    pub id: i64,
    /// The webhook's DON.
    pub webhook_id: String,
    /// The event's id.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The changed object's DON, for events of changes.
    pub object: Option<String>,
    /// `pending`, `delivered`, `failed`, `suppressed`, `cancelled` or `superseded`.
    pub state: String,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<Timestamp>,
    /// Why it failed or was skipped.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it ended.
    pub finished_at: Option<Timestamp>,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<AttemptRecord>,
}

/// Which deliveries the lab lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeliveryFilter {
    /// Only those of this webhook (local id).
    pub webhook: Option<String>,
    /// Only these event types.
    pub event_types: Option<Vec<String>>,
    /// Only events of this object (DON).
    pub object: Option<String>,
    /// Only deliveries in these states.
    pub states: Option<Vec<String>>,
    /// Only deliveries queued in this time range.
    pub created: Option<crate::refs::TimeRange>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_lowercase_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let now = Timestamp::from_millis(1_000);
        let d = DEVREV_RETRY_DELAYS_MS;
        assert_eq!(next_attempt(&d, 1, now), Some(Timestamp::from_millis(31_000)));
        assert_eq!(next_attempt(&d, 2, now), Some(Timestamp::from_millis(181_000)));
        assert_eq!(next_attempt(&d, 3, now), None);
    }
}
