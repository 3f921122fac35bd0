//! `/_revdir/orgs.create`: revdir's own operator API, which DevRev does not have.
//!
//! An operator (holding the key given by `--operator-key`) creates dev orgs on a running
//! server; each comes with its admin dev user, `devrev-bot` and an admin token.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dev_orgs::DevOrg;

/// A request to create a dev org.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrgsCreateRequest {
    /// The new org's display name (`revdir` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Emulator only: the org and everything in it are deleted once its own clock passes
    /// its creation plus this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<i64>,
    /// Emulator only: a seed for reproducible ids (not built yet: refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_seed: Option<serde_json::Value>,
    /// Emulator only: a seed document to load into the new org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<serde_json::Value>,
}

/// The new dev org and its admin's token, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgsCreateResponse {
    /// The new org.
    pub dev_org: DevOrg,
    /// A personal access token of the org's admin (`DEVU-1`).
    pub admin_token: String,
    /// The org's sys users (`devrev-bot`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sys_users: Vec<crate::sys_users::SysUser>,
    /// When the org expires, on its own clock, when it was created with a time-to-live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// One dev org as `/_revdir/orgs.list` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgListed {
    /// The org.
    pub dev_org: DevOrg,
    /// Its clock's mode (`system`, `frozen`, `offset`).
    pub clock_mode: String,
    /// Its time now.
    pub now: String,
    /// When it expires, on its own clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// `/_revdir/orgs.list` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgsListResponse {
    /// Every dev org, oldest first.
    pub dev_orgs: Vec<OrgListed>,
}

/// `/_revdir/orgs.delete` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgsDeleteRequest {
    /// The org's DON (or its bare id).
    pub id: String,
}

/// `/_revdir/clock.set` request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClockSetRequest {
    /// `system`, `frozen` or `offset`; the clock's current mode when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The instant to set (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Seconds to move the clock forward from where it is (or from `at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance_seconds: Option<f64>,
}

/// An org's clock as `/_revdir/clock.get` and `.set` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockView {
    /// `system`, `frozen` or `offset`.
    pub mode: String,
    /// The org's time now.
    pub now: String,
    /// A frozen clock's instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen_at: Option<String>,
    /// An offset clock's offset from the system clock, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_seconds: Option<f64>,
}

/// `/_revdir/clock.get` and `.set` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockResponse {
    /// The clock.
    pub clock: ClockView,
}

impl fmt::Debug for OrgsCreateResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrgsCreateResponse")
            .field("dev_org", &self.dev_org)
            .field("admin_token", &"[redacted]")
            .finish()
    }
}
