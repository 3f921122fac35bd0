//! A typed async client for DevRev's identity API, as served by revdir (or by DevRev).
//!
//! Every operation is one method taking the request type of `revdir-api` and returning its
//! response type; failures decode DevRev's error body into [`Error::Api`].
//!
//! # Examples
//! ```no_run
//! # async fn demo() -> Result<(), revdir_client::Error> {
//! use revdir_api::rev_users::RevUsersUpdateRequest;
//! let client = revdir_client::Client::new("http://127.0.0.1:8080", "<token>");
//! let updated = client
//!     .rev_users_update(&RevUsersUpdateRequest { id: "REVU-1".into(), display_name: Some("Ada".into()), ..Default::default() })
//!     .await?;
//! println!("{}", updated.rev_user.id);
//! # Ok(()) }
//! ```

use revdir_api::accounts::*;
use revdir_api::common::Empty;
use revdir_api::dev_orgs::{DevOrgsGetRequest, DevOrgsGetResponse};
use revdir_api::dev_users::{DevUsersSelfRequest, DevUsersSelfResponse};
use revdir_api::rev_orgs::*;
use revdir_api::rev_users::*;
use revdir_api::schemas::*;
use revdir_api::sys_users::*;
use revdir_api::tags::*;
use revdir_api::ErrorBody;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with a DevRev error body.
    #[error("HTTP {status}: {body:?}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The decoded error.
        body: Box<ErrorBody>,
    },
    /// The request could not be sent or the answer not decoded.
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
    /// The answer was not the expected JSON.
    #[error("unexpected response (HTTP {status}): {text}")]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// The raw body.
        text: String,
    },
}

/// A client bound to one server and token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).field("token", &"[redacted]").finish()
    }
}

macro_rules! operations {
    ($($(#[$doc:meta])* $name:ident: $path:literal, $req:ty => $resp:ty;)*) => {
        impl Client {
            $(
                $(#[$doc])*
                ///
                /// # Errors
                /// [`Error::Api`] with the server's error body, or a transport failure.
                pub async fn $name(&self, request: &$req) -> Result<$resp, Error> {
                    self.call($path, request).await
                }
            )*
        }
    };
}

impl Client {
    /// A client for the server at `base` (such as `http://127.0.0.1:8080`) using `token`.
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        Self { http: reqwest::Client::new(), base: base.into().trim_end_matches('/').to_owned(), token: token.into() }
    }

    /// POSTs `request` as JSON to `/path` and decodes the answer.
    ///
    /// # Errors
    /// [`Error::Api`] with the server's error body, or a transport failure.
    pub async fn call<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        path: &str,
        request: &Req,
    ) -> Result<Resp, Error> {
        let response =
            self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(request).send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        if (200..300).contains(&status) {
            // A 204 has no body: it decodes as an empty object.
            let body = if text.is_empty() { "{}" } else { text.as_str() };
            return serde_json::from_str(body).map_err(|_| Error::Unexpected { status, text });
        }
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => Err(Error::Api { status, body: Box::new(body) }),
            Err(_) => Err(Error::Unexpected { status, text }),
        }
    }
}

operations! {
    /// `dev-orgs.get`.
    dev_orgs_get: "/dev-orgs.get", DevOrgsGetRequest => DevOrgsGetResponse;
    /// `dev-users.self`.
    dev_users_self: "/dev-users.self", DevUsersSelfRequest => DevUsersSelfResponse;
    /// `rev-users.create`.
    rev_users_create: "/rev-users.create", RevUsersCreateRequest => RevUsersCreateResponse;
    /// `rev-users.get`.
    rev_users_get: "/rev-users.get", RevUsersGetRequest => RevUsersGetResponse;
    /// `rev-users.list`.
    rev_users_list: "/rev-users.list", RevUsersListRequest => RevUsersListResponse;
    /// `rev-users.scan`: one page of a scan of every matching contact; repeat with its
    /// `next_cursor` until there is none.
    rev_users_scan: "/rev-users.scan", RevUsersScanRequest => RevUsersScanResponse;
    /// `rev-users.update`.
    rev_users_update: "/rev-users.update", RevUsersUpdateRequest => RevUsersUpdateResponse;
    /// `rev-users.delete`.
    rev_users_delete: "/rev-users.delete", RevUsersDeleteRequest => Empty;
    /// `sys-users.list`.
    sys_users_list: "/sys-users.list", SysUsersListRequest => SysUsersListResponse;
    /// `sys-users.update`.
    sys_users_update: "/sys-users.update", SysUsersUpdateRequest => SysUsersUpdateResponse;
    /// `accounts.create`.
    accounts_create: "/accounts.create", AccountsCreateRequest => AccountsCreateResponse;
    /// `accounts.get`.
    accounts_get: "/accounts.get", AccountsGetRequest => AccountsGetResponse;
    /// `accounts.list`.
    accounts_list: "/accounts.list", AccountsListRequest => AccountsListResponse;
    /// `accounts.export`: the first `first` matching accounts (50 by default, at most 500).
    accounts_export: "/accounts.export", AccountsExportRequest => AccountsExportResponse;
    /// `accounts.update`.
    accounts_update: "/accounts.update", AccountsUpdateRequest => AccountsUpdateResponse;
    /// `accounts.delete`.
    accounts_delete: "/accounts.delete", AccountsDeleteRequest => Empty;
    /// `rev-orgs.create`.
    rev_orgs_create: "/rev-orgs.create", RevOrgsCreateRequest => RevOrgsCreateResponse;
    /// `rev-orgs.get`.
    rev_orgs_get: "/rev-orgs.get", RevOrgsGetRequest => RevOrgsGetResponse;
    /// `rev-orgs.list`.
    rev_orgs_list: "/rev-orgs.list", RevOrgsListRequest => RevOrgsListResponse;
    /// `rev-orgs.update`.
    rev_orgs_update: "/rev-orgs.update", RevOrgsUpdateRequest => RevOrgsUpdateResponse;
    /// `rev-orgs.delete`.
    rev_orgs_delete: "/rev-orgs.delete", RevOrgsDeleteRequest => Empty;
    /// `tags.create`.
    tags_create: "/tags.create", TagsCreateRequest => TagsCreateResponse;
    /// `tags.get`.
    tags_get: "/tags.get", TagsGetRequest => TagsGetResponse;
    /// `tags.list`.
    tags_list: "/tags.list", TagsListRequest => TagsListResponse;
    /// `tags.update`.
    tags_update: "/tags.update", TagsUpdateRequest => TagsUpdateResponse;
    /// `tags.delete`.
    tags_delete: "/tags.delete", TagsDeleteRequest => Empty;
}

// Memberships, merges and personal data (§7, §8.1). The merges and personal-data operations
// answer `{}` at once; their job runs in the background (`/_revdir/jobs.wait`).
operations! {
    /// `rev-users.associations.add`.
    rev_users_associations_add: "/rev-users.associations.add",
        revdir_api::rev_user_associations::RevUsersAssociationsAddRequest => Empty;
    /// `rev-users.associations.list`.
    rev_users_associations_list: "/rev-users.associations.list",
        revdir_api::rev_user_associations::RevUsersAssociationsListRequest
        => revdir_api::rev_user_associations::RevUsersAssociationsListResponse;
    /// `rev-users.associations.remove` (answers 204).
    rev_users_associations_remove: "/rev-users.associations.remove",
        revdir_api::rev_user_associations::RevUsersAssociationsRemoveRequest => Empty;
    /// `rev-users.link` (deprecated in the spec).
    rev_users_link: "/rev-users.link",
        revdir_api::rev_user_associations::RevUserRevOrgLinkRequest
        => revdir_api::rev_user_associations::RevUserRevOrgLinkResponse;
    /// `rev-users.unlink` (deprecated in the spec).
    rev_users_unlink: "/rev-users.unlink",
        revdir_api::rev_user_associations::RevUserRevOrgLinkRequest
        => revdir_api::rev_user_associations::RevUserRevOrgLinkResponse;
    /// `rev-users.merge`.
    rev_users_merge: "/rev-users.merge", revdir_api::jobs::RevUsersMergeRequest => Empty;
    /// `accounts.merge`.
    accounts_merge: "/accounts.merge", revdir_api::jobs::AccountsMergeRequest => Empty;
    /// `rev-users.personal-data`: an export job.
    rev_users_personal_data: "/rev-users.personal-data", revdir_api::jobs::RevUsersPersonalDataRequest => Empty;
    /// `rev-users.delete-personal-data`: an erasure job.
    rev_users_delete_personal_data: "/rev-users.delete-personal-data",
        revdir_api::jobs::RevUsersPersonalDataRequest => Empty;
    /// revdir's `/_revdir/jobs.list`.
    revdir_jobs_list: "/_revdir/jobs.list", revdir_api::jobs::JobsListRequest => revdir_api::jobs::JobsListResponse;
    /// revdir's `/_revdir/jobs.wait`: the job once it ends (or as it is when the wait runs out).
    revdir_jobs_wait: "/_revdir/jobs.wait", revdir_api::jobs::JobsWaitRequest => revdir_api::jobs::JobsGetResponse;
}

// The emulator's clock (with an org's token) and throwaway orgs (with the operator key as the
// client's token), `revdir serve --emulator` only.
operations! {
    /// `/_revdir/clock.get`.
    revdir_clock_get: "/_revdir/clock.get", Empty => revdir_api::operator::ClockResponse;
    /// `/_revdir/clock.set`.
    revdir_clock_set: "/_revdir/clock.set", revdir_api::operator::ClockSetRequest => revdir_api::operator::ClockResponse;
    /// `/_revdir/orgs.list` (operator key).
    revdir_orgs_list: "/_revdir/orgs.list", Empty => revdir_api::operator::OrgsListResponse;
    /// `/_revdir/orgs.delete` (operator key).
    revdir_orgs_delete: "/_revdir/orgs.delete", revdir_api::operator::OrgsDeleteRequest => Empty;
}

// Custom schemas (§6).
operations! {
    /// `schemas.custom.set`: creates or updates a custom schema fragment.
    schemas_custom_set: "/schemas.custom.set", CustomSchemaFragmentsSetRequest => CustomSchemaFragmentsSetResponse;
    /// `schemas.custom.get`.
    schemas_custom_get: "/schemas.custom.get", CustomSchemaFragmentsGetRequest => CustomSchemaFragmentsGetResponse;
    /// `schemas.custom.list`.
    schemas_custom_list: "/schemas.custom.list", CustomSchemaFragmentsListRequest => CustomSchemaFragmentsListResponse;
    /// `schemas.stock.get`.
    schemas_stock_get: "/schemas.stock.get", StockSchemaFragmentsGetRequest => StockSchemaFragmentsGetResponse;
    /// `schemas.stock.list`.
    schemas_stock_list: "/schemas.stock.list", StockSchemaFragmentsListRequest => StockSchemaFragmentsListResponse;
    /// `schemas.aggregated.get`.
    schemas_aggregated_get: "/schemas.aggregated.get", AggregatedSchemaGetRequest => AggregatedSchemaGetResponse;
    /// `schemas.subtypes.list`.
    schemas_subtypes_list: "/schemas.subtypes.list", SubtypesListRequest => SubtypesListResponse;
    /// `schemas.subtypes.prepare-update`.
    schemas_subtypes_prepare_update: "/schemas.subtypes.prepare-update",
        SchemasSubtypePrepareUpdateGetRequest => SchemasSubtypePrepareUpdateGetResponse;
}

// Dev users (§8.2).
operations! {
    /// `dev-users.create`: a shadow dev user.
    dev_users_create: "/dev-users.create", revdir_api::dev_users::DevUsersCreateRequest => revdir_api::dev_users::DevUsersCreateResponse;
    /// `dev-users.get`.
    dev_users_get: "/dev-users.get", revdir_api::dev_users::DevUsersGetRequest => revdir_api::dev_users::DevUsersGetResponse;
    /// `dev-users.list`.
    dev_users_list: "/dev-users.list", revdir_api::dev_users::DevUsersListRequest => revdir_api::dev_users::DevUsersListResponse;
    /// `dev-users.update`.
    dev_users_update: "/dev-users.update", revdir_api::dev_users::DevUsersUpdateRequest => revdir_api::dev_users::DevUsersUpdateResponse;
    /// `dev-users.self.update`.
    dev_users_self_update: "/dev-users.self.update",
        revdir_api::dev_users::DevUsersSelfUpdateRequest => revdir_api::dev_users::DevUsersSelfUpdateResponse;
    /// `dev-users.activate`.
    dev_users_activate: "/dev-users.activate",
        revdir_api::dev_users::DevUsersActivateRequest => revdir_api::dev_users::DevUsersActivateResponse;
    /// `dev-users.deactivate`: the user's tokens stop working at once.
    dev_users_deactivate: "/dev-users.deactivate",
        revdir_api::dev_users::DevUsersDeactivateRequest => revdir_api::dev_users::DevUsersDeactivateResponse;
    /// `dev-users.identities.link`.
    dev_users_identities_link: "/dev-users.identities.link",
        revdir_api::dev_users::DevUsersIdentitiesLinkRequest => revdir_api::dev_users::DevUsersIdentitiesLinkResponse;
    /// `dev-users.identities.unlink`.
    dev_users_identities_unlink: "/dev-users.identities.unlink",
        revdir_api::dev_users::DevUsersIdentitiesUnlinkRequest => revdir_api::dev_users::DevUsersIdentitiesUnlinkResponse;
    /// `dev-users.merge`.
    dev_users_merge: "/dev-users.merge", revdir_api::dev_users::DevUsersMergeRequest => revdir_api::dev_users::DevUsersMergeResponse;
}

// Auth tokens (§8.5).
operations! {
    /// `auth-tokens.create`: the answer holds the token, shown this once.
    auth_tokens_create: "/auth-tokens.create",
        revdir_api::auth_tokens::AuthTokensCreateRequest => revdir_api::auth_tokens::AuthTokensCreateResponse;
    /// `auth-tokens.get`.
    auth_tokens_get: "/auth-tokens.get", revdir_api::auth_tokens::AuthTokensGetRequest => revdir_api::auth_tokens::AuthTokensGetResponse;
    /// `auth-tokens.list`.
    auth_tokens_list: "/auth-tokens.list", revdir_api::auth_tokens::AuthTokensListRequest => revdir_api::auth_tokens::AuthTokensListResponse;
    /// `auth-tokens.update`: only the hint changes.
    auth_tokens_update: "/auth-tokens.update",
        revdir_api::auth_tokens::AuthTokensUpdateRequest => revdir_api::auth_tokens::AuthTokensUpdateResponse;
    /// `auth-tokens.delete`: revokes a token (the calling one without `token_id`).
    auth_tokens_delete: "/auth-tokens.delete", revdir_api::auth_tokens::AuthTokensDeleteRequest => Empty;
    /// `auth-tokens.self.delete`: revokes the caller's tokens of a kind.
    auth_tokens_self_delete: "/auth-tokens.self.delete", revdir_api::auth_tokens::AuthTokensSelfDeleteRequest => Empty;
    /// `auth-tokens.info`: the calling token's org, user and claims.
    auth_tokens_info: "/auth-tokens.info", revdir_api::auth_tokens::AuthTokensInfoRequest => revdir_api::auth_tokens::AuthTokensInfoResponse;
}

// revdir's own routes for a dev org's admin (not DevRev's).
operations! {
    /// `/_revdir/journal.list`: the org's change journal, oldest first, from a cursor.
    revdir_journal_list: "/_revdir/journal.list", revdir_api::journal::JournalListRequest => revdir_api::journal::JournalListResponse;
}

// The emulator's snapshots and reset (`revdir serve --emulator` only; not DevRev's).
operations! {
    /// `/_revdir/snapshots.create`: saves the org's whole state under a name.
    revdir_snapshots_create: "/_revdir/snapshots.create",
        revdir_api::snapshots::SnapshotNameRequest => revdir_api::snapshots::SnapshotResponse;
    /// `/_revdir/snapshots.restore`: puts the org back into a saved state, in one transaction.
    revdir_snapshots_restore: "/_revdir/snapshots.restore",
        revdir_api::snapshots::SnapshotNameRequest => revdir_api::snapshots::SnapshotResponse;
    /// `/_revdir/snapshots.list`: the org's snapshots, oldest first.
    revdir_snapshots_list: "/_revdir/snapshots.list", Empty => revdir_api::snapshots::SnapshotsListResponse;
    /// `/_revdir/snapshots.delete`: forgets a snapshot.
    revdir_snapshots_delete: "/_revdir/snapshots.delete", revdir_api::snapshots::SnapshotNameRequest => Empty;
    /// `/_revdir/orgs.reset`: the org back to its state right after creation.
    revdir_orgs_reset: "/_revdir/orgs.reset", Empty => Empty;
}

// revdir's operator API (not DevRev's): build the client with the operator key as its token.
operations! {
    /// `/_revdir/orgs.create`: a new dev org and its admin's token.
    revdir_orgs_create: "/_revdir/orgs.create", revdir_api::operator::OrgsCreateRequest => revdir_api::operator::OrgsCreateResponse;
}
