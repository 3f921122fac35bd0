//! Fault plans (emulator only): the rules `faults.set` stores on an org, and what a request
//! that matches them gets. Pure: the store counts matches, the server waits and answers.
//!
//! A rule matches a request by operation (`*` for all) and optionally by token. Each match
//! bumps the rule's `seen`; the match numbered `seen` is faulted when
//! `after < seen <= after + count` (no `count`: every match after `after`).

use revdir_api::faults::{FaultRule as WireRule, FaultRuleInput, FaultsSetRequest};
use revdir_api::{ErrorBody, ErrorKind};

use crate::auth_tokens::{parse_token_id, token_don};
use crate::error::ValidationError;

/// Most rules an org may hold.
pub const MAX_RULES: usize = 100;
/// Longest added latency, well under the server's 60 s request timeout.
pub const MAX_LATENCY_MS: i64 = 30_000;

/// The error a firing rule answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultError {
    /// HTTP status.
    pub status: u16,
    /// The error's `type`, consistent with `status`.
    pub error_type: String,
    /// The `message`; a default one per type when absent.
    pub message: Option<String>,
    /// 429: seconds for `retry_after` and `Retry-After`.
    pub retry_after: Option<i64>,
    /// 500: a fixed `reference_id`; a fresh one per fault when absent.
    pub reference_id: Option<String>,
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Operation name, or `*`.
    pub operation: String,
    /// The `jti` of the only token the rule applies to.
    pub token_jti: Option<String>,
    /// Matches let through first.
    pub after: i64,
    /// Matches faulted after those; `None`: all.
    pub count: Option<i64>,
    /// The error to answer with, if any.
    pub error: Option<FaultError>,
    /// Added latency (0: none).
    pub latency_ms: i64,
}

/// A stored rule and how many requests it has matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRuleRecord {
    /// The rule.
    pub rule: FaultRule,
    /// Requests it has matched so far.
    pub seen: i64,
}

/// What a matching request suffers: the first firing rule's error (in rule order) and the
/// latency of every firing rule, added up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FaultOutcome {
    /// The error to answer with instead of handling the request.
    pub error: Option<FaultError>,
    /// Milliseconds to wait first.
    pub latency_ms: i64,
}

/// The `type` DevRev sends with each error status, and the other types a fault may name for
/// it (400's without fields of their own).
fn types_of(status: u16) -> Option<&'static [&'static str]> {
    Some(match status {
        400 => &["bad_request", "parse_error", "stale_schema_fragments"],
        401 => &["unauthenticated"],
        403 => &["forbidden"],
        404 => &["not_found"],
        409 => &["conflict"],
        429 => &["too_many_requests"],
        500 => &["internal_error"],
        503 => &["service_unavailable"],
        _ => return None,
    })
}

/// The error statuses of DevRev's spec.
const STATUSES: [u16; 8] = [400, 401, 403, 404, 409, 429, 500, 503];

/// Whether `name` looks like an operation (`family.verb`, lowercase, hyphens and dots), and is
/// not one of revdir's own `/_revdir/` routes, which never fault.
fn is_operation_name(name: &str) -> bool {
    name.contains('.')
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

fn non_negative(field: &str, value: Option<i64>) -> Result<Option<i64>, ValidationError> {
    match value {
        Some(v) if v < 0 => Err(ValidationError::not_permitted(field, "must not be negative")),
        other => Ok(other),
    }
}

/// Parses one rule; `at` is its path in the request (`rules[2]`).
fn parse_rule(org: &str, at: &str, r: &FaultRuleInput) -> Result<FaultRule, ValidationError> {
    let field = |name: &str| format!("{at}.{name}");
    let operation = r.operation.as_deref().ok_or_else(|| ValidationError::missing(&field("operation")))?;
    if operation != "*" && !is_operation_name(operation) {
        return Err(ValidationError::not_permitted(
            &field("operation"),
            format!("'{operation}' is not an operation name such as rev-users.update, nor *"),
        ));
    }
    let token_jti = r
        .token
        .as_deref()
        .map(|t| {
            let id = parse_token_id(&field("token"), t)?;
            id.local_in(org)
                .map(str::to_owned)
                .ok_or_else(|| ValidationError::not_permitted(&field("token"), "the token belongs to another dev org"))
        })
        .transpose()?;
    let after = non_negative(&field("after"), r.after)?.unwrap_or(0);
    let count = match r.count {
        Some(c) if c < 1 => return Err(ValidationError::not_permitted(&field("count"), "must be at least 1")),
        other => other,
    };
    let latency_ms = non_negative(&field("latency_ms"), r.latency_ms)?.unwrap_or(0);
    if latency_ms > MAX_LATENCY_MS {
        return Err(ValidationError::not_permitted(&field("latency_ms"), format!("must be at most {MAX_LATENCY_MS}")));
    }
    let error = match r.status {
        None => {
            for (name, given) in [
                ("type", r.error_type.is_some()),
                ("message", r.message.is_some()),
                ("retry_after", r.retry_after.is_some()),
                ("reference_id", r.reference_id.is_some()),
            ] {
                if given {
                    return Err(ValidationError::not_permitted(&field(name), "needs a status"));
                }
            }
            None
        }
        Some(status) => Some(parse_error(at, status, r)?),
    };
    if error.is_none() && latency_ms == 0 {
        return Err(ValidationError::bad_request(format!("{at}: a rule needs a status, a latency_ms, or both")));
    }
    Ok(FaultRule { operation: operation.to_owned(), token_jti, after, count, error, latency_ms })
}

/// The error part of a rule with a `status`.
fn parse_error(at: &str, status: u16, r: &FaultRuleInput) -> Result<FaultError, ValidationError> {
    let field = |name: &str| format!("{at}.{name}");
    let types = types_of(status).ok_or_else(|| {
        ValidationError::not_in(
            &field("status"),
            format!("{status} is not an error status of DevRev's API"),
            STATUSES.iter().map(u16::to_string).collect(),
        )
    })?;
    let error_type = match r.error_type.as_deref() {
        None => types[0].to_owned(),
        Some(t) if types.contains(&t) => t.to_owned(),
        Some(t) => {
            return Err(ValidationError::not_in(
                &field("type"),
                format!("'{t}' is not sent with status {status}"),
                types.iter().map(|t| (*t).to_owned()).collect(),
            ))
        }
    };
    if r.retry_after.is_some() && status != 429 {
        return Err(ValidationError::not_permitted(&field("retry_after"), "only a 429 carries retry_after"));
    }
    if r.reference_id.is_some() && status != 500 {
        return Err(ValidationError::not_permitted(&field("reference_id"), "only a 500 carries reference_id"));
    }
    let retry_after = non_negative(&field("retry_after"), r.retry_after)?.or((status == 429).then_some(1));
    Ok(FaultError { status, error_type, message: r.message.clone(), retry_after, reference_id: r.reference_id.clone() })
}

/// Parses `faults.set`'s rules for the dev org `org`.
///
/// # Errors
/// A 400 naming the first bad value by its path (`rules[1].status`).
pub fn parse_rules(org: &str, req: &FaultsSetRequest) -> Result<Vec<FaultRule>, ValidationError> {
    if req.rules.len() > MAX_RULES {
        return Err(ValidationError::not_permitted("rules", format!("at most {MAX_RULES} rules")));
    }
    req.rules.iter().enumerate().map(|(i, r)| parse_rule(org, &format!("rules[{i}]"), r)).collect()
}

impl FaultRule {
    /// Whether the match numbered `seen` (from 1) is faulted.
    pub fn fires_at(&self, seen: i64) -> bool {
        seen > self.after && self.count.is_none_or(|c| seen <= self.after.saturating_add(c))
    }
}

impl FaultRuleRecord {
    /// Requests the rule has faulted so far.
    pub fn faulted(&self) -> i64 {
        let past = (self.seen - self.rule.after).max(0);
        self.rule.count.map_or(past, |c| past.min(c))
    }

    /// The rule's wire form in org `org`.
    pub fn render(&self, org: &str) -> WireRule {
        let r = &self.rule;
        let e = r.error.as_ref();
        WireRule {
            operation: r.operation.clone(),
            token: r.token_jti.as_ref().map(|j| token_don(org, j)),
            after: r.after,
            count: r.count,
            status: e.map(|e| e.status),
            error_type: e.map(|e| e.error_type.clone()),
            message: e.and_then(|e| e.message.clone()),
            retry_after: e.and_then(|e| e.retry_after),
            reference_id: e.and_then(|e| e.reference_id.clone()),
            latency_ms: (r.latency_ms > 0).then_some(r.latency_ms),
            seen: self.seen,
            faulted: self.faulted(),
        }
    }
}

/// What a request suffers, given every rule it matched with the counts including it (in rule
/// order); `None` when no rule fires.
pub fn outcome(matched: &[FaultRuleRecord]) -> Option<FaultOutcome> {
    let firing: Vec<&FaultRule> = matched.iter().filter(|m| m.rule.fires_at(m.seen)).map(|m| &m.rule).collect();
    if firing.is_empty() {
        return None;
    }
    Some(FaultOutcome {
        error: firing.iter().find_map(|r| r.error.clone()),
        latency_ms: firing.iter().map(|r| r.latency_ms).sum(),
    })
}

impl FaultError {
    /// The DevRev error body; `fresh_reference` gives a 500 without a fixed reference id one.
    pub fn body(&self, fresh_reference: impl FnOnce() -> String) -> ErrorBody {
        let (kind, message) = match self.error_type.as_str() {
            "bad_request" => (ErrorKind::BadRequest, "Bad request"),
            "parse_error" => (ErrorKind::ParseError, "The request body could not be parsed"),
            "stale_schema_fragments" => (ErrorKind::StaleSchemaFragments, "Stale schema fragments"),
            "unauthenticated" => (ErrorKind::Unauthenticated, "Authentication failed"),
            "forbidden" => (ErrorKind::Forbidden, "Forbidden"),
            "not_found" => (ErrorKind::NotFound, "Not found"),
            "conflict" => (ErrorKind::Conflict, "Conflict"),
            "too_many_requests" => {
                (ErrorKind::TooManyRequests { retry_after: self.retry_after }, "Rate limit exceeded")
            }
            "internal_error" => (
                ErrorKind::InternalError {
                    reference_id: Some(self.reference_id.clone().unwrap_or_else(fresh_reference)),
                },
                "Internal error",
            ),
            _ => (ErrorKind::ServiceUnavailable, "Service temporarily unavailable"),
        };
        ErrorBody {
            message: Some(self.message.clone().unwrap_or_else(|| message.to_owned())),
            detail: Some("injected by the dev org's fault plan (/_revdir/faults.set)".to_owned()),
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(v: serde_json::Value) -> Result<FaultRule, ValidationError> {
        let req: FaultsSetRequest = serde_json::from_value(serde_json::json!({ "rules": [v] })).unwrap();
        parse_rules("ORG", &req).map(|mut r| r.remove(0))
    }

    #[test]
    fn windows_follow_after_and_count() {
        let r = rule(serde_json::json!({"operation": "x.y", "status": 503, "after": 1, "count": 2})).unwrap();
        let fired: Vec<bool> = (1..=5).map(|s| r.fires_at(s)).collect();
        assert_eq!(fired, [false, true, true, false, false]);
        let forever = rule(serde_json::json!({"operation": "*", "latency_ms": 5})).unwrap();
        assert!((1..100).all(|s| forever.fires_at(s)));
        assert_eq!(FaultRuleRecord { rule: r, seen: 5 }.faulted(), 2);
    }

    #[test]
    fn bad_rules_name_their_path() {
        for (v, field) in [
            (serde_json::json!({"status": 503}), "rules[0].operation"),
            (serde_json::json!({"operation": "x.y", "status": 418}), "rules[0].status"),
            (serde_json::json!({"operation": "x.y", "status": 503, "type": "conflict"}), "rules[0].type"),
            (serde_json::json!({"operation": "x.y", "status": 503, "retry_after": 3}), "rules[0].retry_after"),
            (serde_json::json!({"operation": "x.y", "status": 503, "count": 0}), "rules[0].count"),
            (
                serde_json::json!({"operation": "x.y", "token": "don:identity:dvrv-us-1:devo/OTHER:token/abc", "status": 503}),
                "rules[0].token",
            ),
            (serde_json::json!({"operation": "/x.y", "status": 503}), "rules[0].operation"),
        ] {
            let e = rule(v.clone()).unwrap_err();
            assert!(serde_json::to_string(&e.kind).unwrap().contains(field), "{v}: {e:?}");
        }
        assert!(rule(serde_json::json!({"operation": "x.y"})).is_err());
    }

    #[test]
    fn the_first_firing_error_wins_and_latencies_add_up() {
        let a = rule(serde_json::json!({"operation": "*", "latency_ms": 10})).unwrap();
        let b = rule(serde_json::json!({"operation": "x.y", "status": 429, "latency_ms": 5})).unwrap();
        let c = rule(serde_json::json!({"operation": "x.y", "status": 500})).unwrap();
        let out = outcome(&[
            FaultRuleRecord { rule: a, seen: 1 },
            FaultRuleRecord { rule: b, seen: 1 },
            FaultRuleRecord { rule: c, seen: 1 },
        ])
        .unwrap();
        assert_eq!(out.latency_ms, 15);
        let e = out.error.unwrap();
        assert_eq!((e.status, e.retry_after), (429, Some(1)));
    }
}
