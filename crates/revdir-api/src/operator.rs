//! `/_revdir/orgs.create`: revdir's own operator API, which DevRev does not have.
//!
//! An operator (holding the key given by `--operator-key`) creates dev orgs on a running
//! server; each comes with its admin dev user, `devrev-bot` and an admin token.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dev_orgs::DevOrg;

/// A request to create a dev org.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgsCreateRequest {
    /// The new org's display name (`revdir` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// The new dev org and its admin's token, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgsCreateResponse {
    /// The new org.
    pub dev_org: DevOrg,
    /// A personal access token of the org's admin (`DEVU-1`).
    pub admin_token: String,
}

impl fmt::Debug for OrgsCreateResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrgsCreateResponse")
            .field("dev_org", &self.dev_org)
            .field("admin_token", &"[redacted]")
            .finish()
    }
}
