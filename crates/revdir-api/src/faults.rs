//! `/_revdir/faults.set`, `.list`, `.clear`: the emulator's fault plans (revdir's own
//! operations, not DevRev's), which make an org's API requests fail or slow down on purpose.

use serde::{Deserialize, Serialize};

/// One fault rule as a request gives it. Every field but `operation` is optional; a rule
/// needs an error (`status`) or added latency (`latency_ms`), or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRuleInput {
    /// The operation the rule applies to, as its path without the slash
    /// (`rev-users.update`), or `*` for every operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Only requests made with this token: its id (DON) or bare `jti`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Matching requests let through before the rule takes effect (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// Matching requests faulted once `after` have gone through; absent: every one after
    /// them, until the rules are cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// The HTTP status of the error to answer with: 400, 401, 403, 404, 409, 429, 500 or 503.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The error's `type`; by default the one DevRev sends with `status`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The error's `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// 429 only: the `retry_after` field and `Retry-After` header, in seconds (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
    /// 500 only: the `reference_id` to answer with; a fresh one per fault by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    /// Milliseconds to wait before answering (with the error) or handling the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<i64>,
}

/// `faults.set` request: the org's new rules, replacing any it had.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsSetRequest {
    /// The rules, in the order they are tried.
    pub rules: Vec<FaultRuleInput>,
}

/// A stored rule with its counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The operation, or `*`.
    pub operation: String,
    /// The token's id (DON), when the rule is limited to one token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Matching requests let through first.
    pub after: i64,
    /// Matching requests faulted after those; absent: all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// The error's status, when the rule answers with an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The error's `type`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The error's `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The 429's `retry_after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
    /// The 500's fixed `reference_id`, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    /// Added latency in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<i64>,
    /// Matching requests so far (let through and faulted).
    pub seen: i64,
    /// Requests the rule has faulted so far.
    pub faulted: i64,
}

/// `faults.set` and `faults.list` response: the org's rules, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultsListResponse {
    /// The rules with their counters.
    pub rules: Vec<FaultRule>,
}
