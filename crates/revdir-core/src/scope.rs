//! Who is calling, on behalf of which dev org: the first argument of every store call.

use crate::refs::{UserRef, UserSummaryData};
use crate::time::Timestamp;

/// The authenticated actor making a request.
pub type Actor = UserRef;

/// A caller known from its token's signature alone: the signature, issuer and expiry claim
/// were checked, the token's stored record not yet. A write may check that record in its
/// own statement rather than in a statement before it (see
/// `RevUserStore::update_rev_user_row_as`), which saves a round trip to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCaller {
    /// The dev org the token's subject names.
    pub dev_org: String,
    /// The user the token's subject names.
    pub actor: Actor,
    /// The token's `jti`, which keys its stored record.
    pub jti: String,
    /// Where the request came from, for the change journal.
    pub context: ChangeContext,
}

/// What the change journal records about the request behind a write, besides its actor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeContext {
    /// The request's `X-Request-Id`.
    pub request_id: Option<String>,
    /// The origin the caller declared (`X-DevRev-Origin`, else its `Idempotency-Key`), so a
    /// webhook can leave out the changes its own subscriber made (echo suppression).
    pub origin: Option<String>,
}

/// The tenancy boundary: every store call is confined to `dev_org`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevOrgScope {
    /// The caller's dev org (local id).
    pub dev_org: String,
    /// The user the token belongs to; recorded as `created_by`/`modified_by`.
    pub actor: Actor,
    /// The actor's summary as read along with its token, so a write can render its
    /// `modified_by` without reading it again; `None` outside a request (the CLI).
    pub actor_summary: Option<UserSummaryData>,
    /// The token's `jti`, kept for audit.
    pub token_id: String,
    /// Where the request came from, for the change journal.
    pub context: ChangeContext,
    /// The org's time when the request arrived: the system clock, or the org's own clock
    /// under the emulator (API-CONVENTIONS entry 130). Everything the request records or
    /// checks in time uses it.
    pub now: Timestamp,
}
