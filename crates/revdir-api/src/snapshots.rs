//! The emulator's snapshots and reset (`/_revdir/snapshots.*`, `/_revdir/orgs.reset`):
//! revdir's own routes, served only under `--emulator`. Not DevRev operations; they follow
//! DevRev's conventions.

use serde::{Deserialize, Serialize};

/// `snapshots.create`, `.restore` and `.delete`: the snapshot's name in the caller's org.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotNameRequest {
    /// The snapshot's name (required; names starting with `__` are reserved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A saved state of an org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Its name, unique within the org.
    pub name: String,
    /// When it was taken (RFC 3339).
    pub created_date: String,
    /// How many rows it holds over every table it saved.
    pub rows: i64,
}

/// The answer of `snapshots.create` and `snapshots.restore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotResponse {
    /// The snapshot created or restored.
    pub snapshot: Snapshot,
}

/// The answer of `snapshots.list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotsListResponse {
    /// The org's snapshots, oldest first (revdir's own reserved ones left out).
    pub snapshots: Vec<Snapshot>,
}
