//! Which tables an emulator snapshot saves: the one list the snapshot code, the migrations'
//! `snap_<table>` mirrors and the schema test (`tests/api/snapshots.rs`) agree on.
//!
//! A table with a `dev_org_id` column holds org data, so it must be either snapshotted or
//! listed in [`NOT_SNAPSHOTTED`] with the reason; the schema test reads the live schema of
//! both engines and fails otherwise, so a table added later cannot be forgotten silently.
//! A snapshotted table needs a mirror `snap_<table>` (in a migration of both engines) with
//! all its columns but generated ones, plus `snapshot_id`.

/// The tables a snapshot saves and a restore puts back, parents before children: a restore
/// deletes in reverse order and inserts in this order, so foreign keys hold at every step.
pub const SNAPSHOTTED: &[&str] = &[
    "id_counters",
    "users",
    "dev_user_identities",
    "accounts",
    "rev_orgs",
    "rev_user_associations",
    "external_refs",
    "tags",
    "tag_links",
    "artifacts",
    "artifact_versions",
    "artifact_blobs",
    "schema_fragments",
    "auth_tokens",
    "changes",
    "object_versions",
    "webhooks",
    "webhook_subscriptions",
    "webhook_deliveries",
    "webhook_attempts",
    "jobs",
];

/// Tables with a `dev_org_id` column that a snapshot leaves alone: control-plane state,
/// which describes how the emulator treats the org rather than what the org holds. Each
/// entry names the table and why it is left out.
pub const NOT_SNAPSHOTTED: &[(&str, &str)] = &[
    // The saved states themselves: restoring one must not drop the others.
    ("snapshots", "the snapshots themselves"),
    ("fault_rules", "the emulator's fault plans are control state, not the org's data; orgs.reset clears them"),
    // A test that restores a snapshot keeps its fault plan as it set it (the org's clock
    // lives in `dev_orgs`, which is not snapshotted either).
];
