//! The storage traits: one per family, gathered in [`Store`].
//!
//! Every method is one whole request step in one transaction, takes the caller's
//! [`DevOrgScope`] first (except start-up and authentication, which precede any scope) and
//! never sees wire types. Another dev org's object is `NotFound`, like a missing one.

use async_trait::async_trait;

use crate::artifacts::{ArtifactDraft, ArtifactView, BlobLocation, ParentRef, Upload, UploadOutcome, VersionRecord};
use crate::associations::{AssociationChange, RevOrgLink};
use crate::auth_tokens::{IssuedSubject, TokenFilter, TokenIssue, TokenKind, TokenView};
use crate::clock::{OrgClock, OrgTime};
use crate::custom::{CustomState, FragmentCatalog, FragmentFilter, FragmentRef, FragmentSet, FragmentView, LeafType};
use crate::deliveries::{ClaimedDelivery, DeliveryFilter, DeliveryView, Outcome};
use crate::dev_users::{
    DevUserDraft, DevUserFilter, DevUserMerge, DevUserPatch, DevUserView, IdentityLink, IdentityUnlink, StateChange,
};
use crate::error::StoreError;
use crate::faults::{FaultRule, FaultRuleRecord};
use crate::ids::ParsedId;
use crate::jobs::{ClaimedJob, JobDone, JobFilter, JobKind, JobRecord, MergePair};
use crate::journal::{JournalCursor, JournalFilter, JournalPage};
use crate::orgs::{
    AccountDraft, AccountFilter, AccountPatch, AccountView, DevOrgRecord, RevOrgDraft, RevOrgFilter, RevOrgPatch,
    RevOrgView,
};
use crate::pagination::{Page, PageRequest};
use crate::refs::{OrgSummaryData, TimeRange, UserRef, UserSummaryData};
use crate::scope::{DevOrgScope, SignedCaller};
use crate::snapshots::{SnapshotName, SnapshotRecord};
use crate::tags::{TagDraft, TagPatch, TagView};
use crate::time::Timestamp;
use crate::users::{RevUserDraft, RevUserFilter, RevUserPatch, SysUserPatch, UserView};
use crate::webhooks::{WebhookDraft, WebhookFetch, WebhookPatch, WebhookView};

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A dev org just created, with its administrator.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDevOrg {
    /// The org.
    pub org: DevOrgRecord,
    /// Its admin dev user (`DEVU-1`).
    pub admin: UserRef,
}

/// What the store keeps about an issued token: never the token itself.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    /// The token's `jti`.
    pub jti: String,
    /// Dev org the token acts in.
    pub dev_org: String,
    /// The user the token authenticates.
    pub subject: UserRef,
    /// Token kind, such as `pat`.
    pub token_type: String,
    /// Issue time.
    pub issued_at: Timestamp,
    /// Expiry, if any.
    pub expires_at: Option<Timestamp>,
    /// Whether the token was revoked.
    pub revoked: bool,
}

/// Dev orgs and their bootstrap.
#[async_trait]
pub trait DevOrgStore {
    /// Creates the first dev org, its admin and built-in sys user when the store has none.
    /// Returns the new org, or `None` when one already existed. Safe to run from several
    /// processes at once: exactly one creates.
    async fn bootstrap(&self, now: Timestamp) -> StoreResult<Option<NewDevOrg>>;
    /// Creates another dev org with its admin and built-in sys user.
    async fn create_dev_org(&self, display_name: Option<String>, now: Timestamp) -> StoreResult<NewDevOrg>;
    /// The first (default) dev org and its admin, if bootstrapped.
    async fn default_dev_org(&self) -> StoreResult<Option<NewDevOrg>>;
    /// The caller's dev org.
    async fn get_dev_org(&self, scope: &DevOrgScope) -> StoreResult<DevOrgRecord>;
    /// The summary of one user of the caller's org.
    async fn user_summary(&self, scope: &DevOrgScope, user: UserRef) -> StoreResult<UserSummaryData>;
    /// The org's clock and expiry; `None` when the org does not exist.
    async fn org_time(&self, dev_org: &str) -> StoreResult<Option<OrgTime>>;
    /// Sets the org's clock.
    async fn set_org_clock(&self, dev_org: &str, clock: OrgClock) -> StoreResult<()>;
    /// Sets (or clears) when the org expires, on its own clock.
    async fn set_org_expiry(&self, dev_org: &str, expires_at: Option<Timestamp>) -> StoreResult<()>;
    /// Gives the org a seed for reproducible ids (the emulator's `orgs.create {id_seed}`).
    async fn set_id_seed(&self, dev_org: &str, seed: &str) -> StoreResult<()>;
    /// `len` letters and digits from the org's seeded generator; `None` for an org without a
    /// seed (the caller draws its own).
    async fn org_random(&self, dev_org: &str, len: usize) -> StoreResult<Option<String>>;
    /// Every dev org with its time, oldest first.
    async fn list_dev_orgs(&self) -> StoreResult<Vec<(DevOrgRecord, OrgTime)>>;
    /// Deletes a dev org and everything in it; answers whether it existed.
    async fn delete_dev_org(&self, dev_org: &str) -> StoreResult<bool>;
    /// A server-wide setting; with `fresh`, stored first when there is none (of racing
    /// callers, one value wins and all get it).
    async fn server_setting(&self, name: &str, fresh: Option<&str>) -> StoreResult<Option<String>>;
}

/// Signing keys and token records (§8.5).
#[async_trait]
pub trait TokenStore {
    /// The HS256 signing key shared by every node; created on first use.
    async fn signing_key(&self, fresh: Vec<u8>) -> StoreResult<Vec<u8>>;
    /// Records an issued token.
    async fn insert_token(&self, token: &TokenRecord) -> StoreResult<()>;
    /// Looks up a token record and its subject's summary (`None` when the subject is gone;
    /// it may act only while its state is active).
    async fn token(&self, dev_org: &str, jti: &str) -> StoreResult<Option<(TokenRecord, Option<UserSummaryData>)>>;
    /// Records a token minted through the API (§8.5), after resolving its subject: the
    /// caller, a sys user, a service account (created for a new `client_id`) or a session's
    /// rev user (found by external ref or created, with its account and workspace), all in
    /// one transaction.
    async fn issue_token(&self, scope: &DevOrgScope, issue: TokenIssue, now: Timestamp) -> StoreResult<IssuedSubject>;
    /// A token's record.
    async fn get_token(&self, scope: &DevOrgScope, jti: &ParsedId) -> StoreResult<TokenView>;
    /// The token records a filter matches, oldest first.
    async fn list_tokens(&self, scope: &DevOrgScope, filter: &TokenFilter) -> StoreResult<Vec<TokenView>>;
    /// Replaces a token's hint.
    async fn update_token_hint(
        &self,
        scope: &DevOrgScope,
        jti: &ParsedId,
        hint: Option<String>,
        now: Timestamp,
    ) -> StoreResult<TokenView>;
    /// Revokes a token; revoking a revoked token changes nothing.
    async fn revoke_token(&self, scope: &DevOrgScope, jti: &ParsedId, now: Timestamp) -> StoreResult<()>;
    /// Revokes every unrevoked token of `subject` (of `kind`, when given); returns how many.
    async fn revoke_tokens_of(
        &self,
        scope: &DevOrgScope,
        subject: UserRef,
        kind: Option<TokenKind>,
        now: Timestamp,
    ) -> StoreResult<u64>;
}

/// Dev users (§8.2).
#[async_trait]
pub trait DevUserStore {
    /// The calling dev user.
    async fn get_dev_user(&self, scope: &DevOrgScope, id: i64) -> StoreResult<UserView>;
    /// Creates a shadow dev user.
    async fn create_dev_user(
        &self,
        scope: &DevOrgScope,
        draft: DevUserDraft,
        now: Timestamp,
    ) -> StoreResult<DevUserView>;
    /// Reads a dev user with its dev-user-only fields.
    async fn dev_user(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<DevUserView>;
    /// Lists dev users.
    async fn list_dev_users(
        &self,
        scope: &DevOrgScope,
        filter: DevUserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<DevUserView>>;
    /// Applies a patch to a dev user.
    async fn update_dev_user(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        patch: DevUserPatch,
        now: Timestamp,
    ) -> StoreResult<DevUserView>;
    /// Activates or deactivates a dev user (deactivation also revokes its tokens).
    async fn change_dev_user_state(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        change: StateChange,
        now: Timestamp,
    ) -> StoreResult<DevUserView>;
    /// Links an external identity, replacing the user's identity of the same issuer.
    async fn link_identity(&self, scope: &DevOrgScope, link: IdentityLink, now: Timestamp) -> StoreResult<DevUserView>;
    /// Unlinks the identity of an issuer; unlinking what is not linked changes nothing.
    async fn unlink_identity(
        &self,
        scope: &DevOrgScope,
        unlink: IdentityUnlink,
        now: Timestamp,
    ) -> StoreResult<DevUserView>;
    /// Merges the secondary dev user into the primary: what it owned moves, its tokens are
    /// revoked and it is deactivated.
    async fn merge_dev_users(&self, scope: &DevOrgScope, merge: DevUserMerge, now: Timestamp) -> StoreResult<()>;
}

/// Rev users (contacts).
#[async_trait]
pub trait RevUserStore {
    /// Creates a contact.
    async fn create_rev_user(&self, scope: &DevOrgScope, draft: RevUserDraft, now: Timestamp) -> StoreResult<UserView>;
    /// Reads a contact.
    async fn get_rev_user(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<UserView>;
    /// Applies a patch to a contact.
    async fn update_rev_user(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        patch: RevUserPatch,
        now: Timestamp,
    ) -> StoreResult<UserView>;
    /// Applies a patch that changes only the contact's own row (display name, email, phone
    /// numbers, description) in one statement that also checks the caller's token record as
    /// authentication does: known in the caller's dev org, not revoked, not expired at `now`,
    /// its subject the caller, and that user active. `Ok(None)` when the patch changes more,
    /// no contact matched, or the record refused the caller: nothing was written, and the
    /// caller authenticates and updates the usual way, which gives the right answer.
    async fn update_rev_user_row_as(
        &self,
        caller: &SignedCaller,
        id: &ParsedId,
        patch: &RevUserPatch,
        now: Timestamp,
    ) -> StoreResult<Option<UserView>>;
    /// Deletes a contact.
    async fn delete_rev_user(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()>;
    /// Lists contacts.
    async fn list_rev_users(
        &self,
        scope: &DevOrgScope,
        filter: RevUserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<UserView>>;
    /// One page of a scan of contacts (`page` from [`PageRequest::scan`]): those matching
    /// `filter` after the cursor's id, in ascending id order, keyed on the primary key, so a
    /// page costs the same at any size and depth. Ids never change or return, so a contact
    /// that exists unchanged through a whole scan is returned exactly once, and none twice.
    /// The page has no `prev_cursor`.
    async fn scan_rev_users(
        &self,
        scope: &DevOrgScope,
        filter: RevUserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<UserView>>;
    /// Bulk-creates `count` contacts for benchmarks and demos, in large transactions: contact
    /// `n` gets display name `User n`, email `user{n}@example.com`, a phone number and the
    /// external ref `REVU-n`, registered for uniqueness like `create_rev_user` does. Returns
    /// how many were created.
    async fn seed_rev_users(&self, scope: &DevOrgScope, count: u64, now: Timestamp) -> StoreResult<u64>;
}

/// Sys users.
#[async_trait]
pub trait SysUserStore {
    /// Lists sys users.
    async fn list_sys_users(&self, scope: &DevOrgScope, page: PageRequest) -> StoreResult<Page<UserView>>;
    /// Applies a patch to a sys user.
    async fn update_sys_user(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        patch: SysUserPatch,
        now: Timestamp,
    ) -> StoreResult<UserView>;
    /// Applies a patch that changes only the sys user's own row (display name, full name) in
    /// one statement that also checks the caller's token record; see
    /// [`RevUserStore::update_rev_user_row_as`].
    async fn update_sys_user_row_as(
        &self,
        caller: &SignedCaller,
        id: &ParsedId,
        patch: &SysUserPatch,
        now: Timestamp,
    ) -> StoreResult<Option<UserView>>;
}

/// Accounts.
#[async_trait]
pub trait AccountStore {
    /// Creates an account and its default rev org.
    async fn create_account(
        &self,
        scope: &DevOrgScope,
        draft: AccountDraft,
        now: Timestamp,
    ) -> StoreResult<(AccountView, RevOrgView)>;
    /// Reads an account.
    async fn get_account(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<AccountView>;
    /// Applies a patch.
    async fn update_account(
        &self,
        scope: &DevOrgScope,
        patch: AccountPatch,
        now: Timestamp,
    ) -> StoreResult<AccountView>;
    /// Deletes an account, its rev orgs, and detaches their contacts.
    async fn delete_account(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()>;
    /// Lists accounts; `accounts.export` calls it too, with a page from
    /// [`PageRequest::export`].
    async fn list_accounts(
        &self,
        scope: &DevOrgScope,
        filter: AccountFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AccountView>>;
}

/// Rev orgs (workspaces).
#[async_trait]
pub trait RevOrgStore {
    /// Creates a workspace.
    async fn create_rev_org(&self, scope: &DevOrgScope, draft: RevOrgDraft, now: Timestamp) -> StoreResult<RevOrgView>;
    /// Reads a workspace.
    async fn get_rev_org(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<RevOrgView>;
    /// Reads an account's default workspace.
    async fn get_default_rev_org(&self, scope: &DevOrgScope, account: &ParsedId) -> StoreResult<RevOrgView>;
    /// Applies a patch.
    async fn update_rev_org(&self, scope: &DevOrgScope, patch: RevOrgPatch, now: Timestamp) -> StoreResult<RevOrgView>;
    /// Deletes a workspace and detaches its contacts.
    async fn delete_rev_org(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()>;
    /// Lists workspaces.
    async fn list_rev_orgs(
        &self,
        scope: &DevOrgScope,
        filter: RevOrgFilter,
        page: PageRequest,
    ) -> StoreResult<Page<RevOrgView>>;
}

/// Tags.
#[async_trait]
pub trait TagStore {
    /// Creates a tag.
    async fn create_tag(&self, scope: &DevOrgScope, draft: TagDraft, now: Timestamp) -> StoreResult<TagView>;
    /// Reads a tag.
    async fn get_tag(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<TagView>;
    /// Applies a patch.
    async fn update_tag(&self, scope: &DevOrgScope, patch: TagPatch, now: Timestamp) -> StoreResult<TagView>;
    /// Deletes a tag and removes it from every object.
    async fn delete_tag(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()>;
    /// Lists tags, optionally by name.
    async fn list_tags(
        &self,
        scope: &DevOrgScope,
        names: Option<Vec<String>>,
        page: PageRequest,
    ) -> StoreResult<Page<TagView>>;
}

/// Artifacts and their versions' bytes (§8.4).
#[async_trait]
pub trait ArtifactStore {
    /// Creates an artifact with a first, not yet uploaded, version.
    async fn prepare_artifact(
        &self,
        scope: &DevOrgScope,
        draft: ArtifactDraft,
        now: Timestamp,
    ) -> StoreResult<ArtifactView>;
    /// Adds a new, not yet uploaded, version; the view describes it.
    async fn prepare_artifact_version(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        now: Timestamp,
    ) -> StoreResult<ArtifactView>;
    /// Reads an artifact at `version`, or at its latest uploaded (else latest) version.
    async fn get_artifact(&self, scope: &DevOrgScope, id: &ParsedId, version: Option<i64>)
        -> StoreResult<ArtifactView>;
    /// The artifacts an object holds.
    async fn list_artifacts(&self, scope: &DevOrgScope, parent: &ParentRef) -> StoreResult<Vec<ArtifactView>>;
    /// Deletes a version for good (the latest when `None`); deleting the only version deletes
    /// the artifact. Returns the external blob keys to remove once committed.
    async fn delete_artifact_version(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        version: Option<i64>,
    ) -> StoreResult<Vec<String>>;
    /// Stores a version's uploaded bytes (inline, in the same transaction) or their external
    /// key, once: a version that has its bytes already keeps them, and the answer says so.
    /// The check and the write are one transaction, so of two racing uploads one stores.
    /// Authorised by an upload ticket, so it takes the dev org instead of a scope.
    async fn upload_artifact(
        &self,
        dev_org: &str,
        artifact: i64,
        version: i64,
        upload: Upload,
        now: Timestamp,
    ) -> StoreResult<UploadOutcome>;
    /// A version's bytes (or external key) and media type, for a download ticket.
    async fn artifact_content(
        &self,
        dev_org: &str,
        artifact: i64,
        version: i64,
    ) -> StoreResult<(String, VersionRecord, BlobLocation)>;
}

/// Custom schema fragments (§6).
#[async_trait]
pub trait SchemaStore {
    /// Creates or updates a fragment (`schemas.custom.set`): a first version, an in-place
    /// change, or a new version chained to the current one (`custom::plan_set`). Returns
    /// the lineage's current version.
    async fn set_fragment(&self, scope: &DevOrgScope, cmd: FragmentSet, now: Timestamp) -> StoreResult<FragmentRef>;
    /// Reads any version of a fragment.
    async fn get_fragment(&self, scope: &DevOrgScope, id: FragmentRef) -> StoreResult<FragmentView>;
    /// Lists current fragment versions.
    async fn list_fragments(
        &self,
        scope: &DevOrgScope,
        filter: FragmentFilter,
        page: PageRequest,
    ) -> StoreResult<Page<FragmentView>>;
    /// Reads the current versions of every fragment of `leaves`, and where the fragment ids
    /// `refs` stand, in one transaction.
    async fn fragment_catalog(
        &self,
        scope: &DevOrgScope,
        leaves: &[LeafType],
        refs: &[i64],
    ) -> StoreResult<FragmentCatalog>;
    /// Reads an object's stored custom state and the fragments of its leaf type, in one
    /// transaction (for `schemas.subtypes.prepare-update`).
    async fn custom_state(
        &self,
        scope: &DevOrgScope,
        leaf: LeafType,
        id: &ParsedId,
    ) -> StoreResult<(CustomState, FragmentCatalog)>;
}

/// Webhooks (§8.7): their records, subscriptions and verify challenges; the delivery
/// worker sends what these calls queue.
#[async_trait]
pub trait WebhookStore {
    /// Creates an `unverified` webhook (generating its secret when asked) and queues its
    /// first verify challenge.
    async fn create_webhook(
        &self,
        scope: &DevOrgScope,
        draft: WebhookDraft,
        now: Timestamp,
    ) -> StoreResult<WebhookView>;
    /// Reads a webhook.
    async fn get_webhook(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<WebhookView>;
    /// Every webhook of the dev org, in creation order.
    async fn list_webhooks(&self, scope: &DevOrgScope) -> StoreResult<Vec<WebhookView>>;
    /// Applies a patch ([`WebhookPatch::apply`]), queueing or cancelling verify challenges
    /// as it says.
    async fn update_webhook(
        &self,
        scope: &DevOrgScope,
        patch: WebhookPatch,
        now: Timestamp,
    ) -> StoreResult<WebhookView>;
    /// Deletes a webhook and its subscriptions.
    async fn delete_webhook(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()>;
    /// Queues the delivery of an object of the dev org to a webhook, as its family's
    /// `_updated` event; `NotFound` when either is missing.
    async fn fetch_for_webhook(&self, scope: &DevOrgScope, fetch: WebhookFetch, now: Timestamp) -> StoreResult<()>;
}

/// Whether the database can serve this binary, for the readiness route (`/_revdir/ready`).
#[async_trait]
pub trait HealthStore {
    /// `Ok` when the database answers and the migrations it has applied are exactly the ones
    /// this binary embeds; otherwise [`StoreError::Unavailable`] with a reason that names no
    /// org and no driver detail (it is served without authentication).
    async fn readiness(&self) -> StoreResult<()>;
    /// The connection pool's size and idle connections now, for the metrics scrape.
    fn pool_stats(&self) -> PoolStats;
}

/// A snapshot of the store's connection pool (on SQLite the read pool: its one write
/// connection belongs to the group-commit writer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Connections open, in use or idle.
    pub connections: u32,
    /// Connections open and idle.
    pub idle: u32,
}

/// The change journal (§9).
#[async_trait]
pub trait JournalStore {
    /// The caller's org's changes after `after` that `filter` matches, oldest first, at most
    /// `limit`; on PostgreSQL only changes of transactions older than every one still
    /// running, so that a later read from the returned cursor misses none.
    async fn read_journal(
        &self,
        scope: &DevOrgScope,
        filter: &JournalFilter,
        after: JournalCursor,
        limit: u32,
    ) -> StoreResult<JournalPage>;
}

/// Webhook deliveries (§9): the worker's claims and outcomes, and the webhook lab's reads
/// and re-sends.
#[async_trait]
pub trait DeliveryStore {
    /// Claims up to `limit` deliveries due at `now` for worker `node`, each under a lease
    /// until `lease_until` and a new fence; deliveries whose webhook is gone come back too,
    /// so that the worker cancels them. With `org_clocks` (the emulator), "due" is on each
    /// delivery's org's clock, `now` being the system's.
    async fn claim_deliveries(
        &self,
        node: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        org_clocks: bool,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Records what became of a claimed delivery, unless its fence is no longer current
    /// (another worker claimed it after this lease ran out): then nothing is recorded and the
    /// answer is `false`. A verify request answered marks the webhook verified and not
    /// degraded; an event's last failed attempt marks it degraded and queues a probe, due
    /// `probe_delay_ms` later.
    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        outcome: Outcome,
        now: Timestamp,
        probe_delay_ms: u64,
    ) -> StoreResult<bool>;
    /// The caller's org's deliveries a filter matches, newest first, at most `limit`.
    async fn list_deliveries(
        &self,
        scope: &DevOrgScope,
        filter: &DeliveryFilter,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryView>>;
    /// Queues one event again for its webhook, with the same event id.
    async fn resend_delivery(&self, scope: &DevOrgScope, delivery: i64, now: Timestamp) -> StoreResult<DeliveryView>;
    /// Queues again every failed delivery of a webhook (local id) queued in `window`;
    /// answers how many.
    async fn recover_deliveries(
        &self,
        scope: &DevOrgScope,
        webhook: &str,
        window: &TimeRange,
        now: Timestamp,
    ) -> StoreResult<u64>;
    /// The emulator's handshake bypass: marks a webhook (local id) verified (`unverified`
    /// becomes `active`), cancels its pending challenges and ends a degraded state.
    async fn verify_without_handshake(&self, scope: &DevOrgScope, webhook: &str, now: Timestamp) -> StoreResult<()>;
    /// The emulator's forced failures: the next `fail_next` event deliveries of a webhook
    /// (local id) fail without being sent, and while `send_twice` holds each event is sent
    /// twice.
    async fn force_delivery_failures(
        &self,
        scope: &DevOrgScope,
        webhook: &str,
        fail_next: u32,
        send_twice: bool,
    ) -> StoreResult<()>;
    /// Sets the origins whose changes a webhook (local id) does not receive.
    async fn set_excluded_origins(&self, scope: &DevOrgScope, webhook: &str, origins: &[String]) -> StoreResult<()>;
    /// Deletes, at most `batch` at a time, finished deliveries and journal entries older
    /// than `before`; never a change that a pending delivery still needs. Answers how many
    /// rows went.
    async fn prune(&self, before: Timestamp, batch: u32) -> StoreResult<u64>;
    /// How long the oldest pending delivery that is due at `now` has been due, in
    /// milliseconds; 0 when none is. One indexed read, for the metrics scrape.
    async fn outbox_lag(&self, now: Timestamp) -> StoreResult<i64>;
}

/// A contact's memberships of accounts and rev orgs (§7), and its `rev_org` summary with
/// them (API-CONVENTIONS entry 93).
#[async_trait]
pub trait AssociationStore {
    /// Associates a contact with accounts and rev orgs (each rev org's account too).
    async fn add_associations(&self, scope: &DevOrgScope, change: AssociationChange, now: Timestamp)
        -> StoreResult<()>;
    /// One page of a contact's memberships, accounts first, each kind by id.
    async fn list_associations(
        &self,
        scope: &DevOrgScope,
        rev_user: &ParsedId,
        page: PageRequest,
    ) -> StoreResult<Page<OrgSummaryData>>;
    /// Takes a contact out of accounts and rev orgs; naming one it is not in is no error.
    async fn remove_associations(
        &self,
        scope: &DevOrgScope,
        change: AssociationChange,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// `rev-users.link`: associates the contact with the rev org and makes it its `rev_org`.
    async fn link_rev_org(&self, scope: &DevOrgScope, link: RevOrgLink, now: Timestamp) -> StoreResult<UserView>;
    /// `rev-users.unlink`: takes the contact out of the rev org.
    async fn unlink_rev_org(&self, scope: &DevOrgScope, link: RevOrgLink, now: Timestamp) -> StoreResult<UserView>;
}

/// Background jobs: queued by a request, claimed by any node's worker under a lease and a
/// fence, run in one transaction each (`../shared/ARCHITECTURE.md` §9).
#[async_trait]
pub trait JobStore {
    /// Checks a `rev-users.merge` (both contacts exist; §7's verified rule) and queues it.
    async fn queue_rev_user_merge(&self, scope: &DevOrgScope, pair: MergePair, now: Timestamp) -> StoreResult<i64>;
    /// Checks an `accounts.merge` (both accounts exist) and queues it.
    async fn queue_account_merge(&self, scope: &DevOrgScope, pair: MergePair, now: Timestamp) -> StoreResult<i64>;
    /// Queues an export or erasure of every contact with `email` (lowercase); 404 when none has it.
    async fn queue_personal_data(
        &self,
        scope: &DevOrgScope,
        email: &str,
        kind: JobKind,
        now: Timestamp,
    ) -> StoreResult<i64>;
    /// Takes up to `limit` due jobs (queued, or running with an expired lease) for `node`;
    /// with `org_clocks` (the emulator), "due" is on each job's org's clock.
    async fn claim_jobs(
        &self,
        node: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        org_clocks: bool,
    ) -> StoreResult<Vec<ClaimedJob>>;
    /// Runs a merge or erasure in one transaction that also marks the job done; `None` when
    /// the job's fence moved on (another worker owns it now) and nothing was written.
    async fn run_job(&self, job: &ClaimedJob, now: Timestamp) -> StoreResult<Option<JobDone>>;
    /// Everything stored about an export's contacts, as the export's JSON document.
    async fn gather_personal_data(&self, job: &ClaimedJob) -> StoreResult<serde_json::Value>;
    /// Stores an export as an artifact held by its first contact and marks the job done, in
    /// one transaction; `None` when the fence moved on.
    async fn finish_export(
        &self,
        job: &ClaimedJob,
        file_name: &str,
        upload: Upload,
        now: Timestamp,
    ) -> StoreResult<Option<JobDone>>;
    /// Records a failure: queued again at `retry_at`, or failed for good without one.
    async fn fail_job(
        &self,
        job: &ClaimedJob,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// One job of the caller's org.
    async fn get_job(&self, scope: &DevOrgScope, id: &str) -> StoreResult<JobRecord>;
    /// The caller's org's jobs, newest first.
    async fn list_jobs(&self, scope: &DevOrgScope, filter: &JobFilter) -> StoreResult<Vec<JobRecord>>;
    /// How many jobs are queued or running, for the metrics scrape.
    async fn job_queue_depth(&self) -> StoreResult<i64>;
}

/// Fault plans of the emulator (`/_revdir/faults.*`): an org's rules and their counters.
#[async_trait]
pub trait FaultStore {
    /// Replaces the caller's org's rules (counters start at 0); returns them.
    async fn set_faults(&self, scope: &DevOrgScope, rules: &[FaultRule]) -> StoreResult<Vec<FaultRuleRecord>>;
    /// The caller's org's rules with their counters, in order.
    async fn list_faults(&self, scope: &DevOrgScope) -> StoreResult<Vec<FaultRuleRecord>>;
    /// Removes the caller's org's rules.
    async fn clear_faults(&self, scope: &DevOrgScope) -> StoreResult<()>;
    /// Counts a request of `operation` made with the caller's token against every rule of
    /// the org that matches it, atomically, and returns those rules with their new counts,
    /// in order. No rules, no write.
    async fn count_fault_matches(&self, scope: &DevOrgScope, operation: &str) -> StoreResult<Vec<FaultRuleRecord>>;
}

/// The emulator's snapshots and reset (issue 16): an org's whole state saved under a name and
/// put back in one transaction, other orgs untouched (API-CONVENTIONS entries 110–116).
#[async_trait]
pub trait SnapshotStore {
    /// Saves the caller's org's state as `name`; a 409 when the org already has that name.
    async fn create_snapshot(
        &self,
        scope: &DevOrgScope,
        name: &SnapshotName,
        now: Timestamp,
    ) -> StoreResult<SnapshotRecord>;
    /// Puts the caller's org back into the state saved as `name`, keeping the calling token;
    /// a 404 for a name the org does not have, a 409 when the snapshot lacks the caller.
    async fn restore_snapshot(&self, scope: &DevOrgScope, name: &SnapshotName) -> StoreResult<SnapshotRecord>;
    /// The caller's org's snapshots, oldest first, without revdir's reserved ones.
    async fn list_snapshots(&self, scope: &DevOrgScope) -> StoreResult<Vec<SnapshotRecord>>;
    /// Deletes the caller's org's snapshot `name`; a 404 when there is none.
    async fn delete_snapshot(&self, scope: &DevOrgScope, name: &SnapshotName) -> StoreResult<()>;
    /// Puts the caller's org back into its state right after creation (its initial
    /// snapshot), keeping every token whose user still exists and the calling token.
    async fn reset_org(&self, scope: &DevOrgScope) -> StoreResult<()>;
    /// (Re)takes the initial snapshot of `dev_org`, the state `reset_org` returns to: for the
    /// code that fills a new org (seeds) after creating it.
    async fn mark_initial(&self, dev_org: &str, now: Timestamp) -> StoreResult<()>;
}

/// Everything a revdir server needs from storage.
pub trait Store:
    DevOrgStore
    + TokenStore
    + DevUserStore
    + RevUserStore
    + SysUserStore
    + AccountStore
    + RevOrgStore
    + TagStore
    + ArtifactStore
    + SchemaStore
    + WebhookStore
    + HealthStore
    + JournalStore
    + DeliveryStore
    + AssociationStore
    + JobStore
    + FaultStore
    + SnapshotStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: DevOrgStore
        + TokenStore
        + DevUserStore
        + RevUserStore
        + SysUserStore
        + AccountStore
        + RevOrgStore
        + TagStore
        + ArtifactStore
        + SchemaStore
        + WebhookStore
        + HealthStore
        + JournalStore
        + DeliveryStore
        + AssociationStore
        + JobStore
        + FaultStore
        + SnapshotStore
        + Send
        + Sync
{
}
