//! The webhook lab (`/_revdir/webhooks.*`): revdir's own routes to inspect, wait for and
//! re-send webhook deliveries, and to leave out a subscriber's own changes. Not DevRev
//! operations; they follow DevRev's conventions.

use serde::{Deserialize, Serialize};

use crate::common::DateTimeFilter;

/// A header as it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentHeader {
    /// Its name, lower-cased.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// When it started (RFC 3339).
    pub started_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// The headers sent, the signature among them.
    pub request_headers: Vec<SentHeader>,
    /// The exact body sent.
    pub request_body: String,
    /// The endpoint's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The first 20 KB of its answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// Why it failed: `timeout`, `connect`, `status`, `challenge` or `refused_address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_class: Option<String>,
}

/// One event queued for one webhook, with its attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The delivery's number (the id `resend` takes).
    pub id: String,
    /// The webhook's DON.
    pub webhook_id: String,
    /// The event's id, the same on every attempt and re-send.
    pub event_id: String,
    /// The event's type, such as `rev_user_updated` or `verify`.
    pub event_type: String,
    /// The DON of the object the event is about, for events of changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// `pending`, `delivered`, `failed`, `suppressed`, `cancelled`, `superseded` or
    /// `recovered` (queued again by `recover`).
    pub state: String,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due, while pending (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// Why it failed or was not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it was queued (RFC 3339).
    pub created_at: String,
    /// When it ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<DeliveryAttempt>,
}

/// `webhooks.deliveries.list` request; every given filter must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesListRequest {
    /// Only deliveries to this webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    /// Only these event types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<Vec<String>>,
    /// Only events about this object (a DON or display id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Only deliveries in these states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Vec<String>>,
    /// Only deliveries queued in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTimeFilter>,
    /// Most deliveries to return, newest first (1–100, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `webhooks.deliveries.list` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveriesListResponse {
    /// The deliveries, newest first.
    pub deliveries: Vec<Delivery>,
}

/// `webhooks.deliveries.wait` request: answers once the webhook has `count` deliveries that
/// match, or when `timeout_ms` has passed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesWaitRequest {
    /// The webhook.
    pub webhook: String,
    /// How many matching deliveries to wait for (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Only these event types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<Vec<String>>,
    /// Only events about this object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Only deliveries in these states (default `delivered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Vec<String>>,
    /// Longest wait in milliseconds (default 10,000, at most 60,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// `webhooks.deliveries.wait` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveriesWaitResponse {
    /// Whether `count` matching deliveries were there before the timeout.
    pub complete: bool,
    /// The matching deliveries, oldest first.
    pub deliveries: Vec<Delivery>,
}

/// `webhooks.deliveries.resend` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesResendRequest {
    /// The delivery to send again (its event keeps its id).
    pub id: String,
}

/// `webhooks.deliveries.resend` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveriesResendResponse {
    /// The new delivery.
    pub delivery: Delivery,
}

/// `webhooks.deliveries.recover` request: queues again every failed delivery of a webhook
/// queued in a time range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesRecoverRequest {
    /// The webhook.
    pub webhook: String,
    /// Which failed deliveries, by when they were queued; all without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTimeFilter>,
}

/// `webhooks.deliveries.recover` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveriesRecoverResponse {
    /// How many deliveries were queued again.
    pub recovered: u64,
}

/// `webhooks.exclude-origins.set` request: the webhook receives no event of a change whose
/// request declared one of these origins (`X-DevRev-Origin` or `Idempotency-Key`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcludeOriginsSetRequest {
    /// The webhook.
    pub webhook: String,
    /// The origins to leave out; empty to receive every change again.
    pub exclude_origins: Vec<String>,
}

/// `webhooks.verify` request (emulator only): marks a webhook verified without the handshake,
/// for endpoints that cannot answer it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookVerifyRequest {
    /// The webhook.
    pub webhook: String,
}

/// `webhooks.failures.set` request (emulator only): forced delivery failures of a webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailuresSetRequest {
    /// The webhook.
    pub webhook: String,
    /// The next this many event deliveries fail without being sent (the retries follow as
    /// scheduled); 0 stops forcing failures.
    #[serde(default)]
    pub fail_next: u32,
    /// Send each event twice (the same bytes), to exercise receivers' dedupe.
    #[serde(default)]
    pub send_twice: bool,
}
