//! The emulator's snapshots and reset (`SnapshotStore`, issue 16; API-CONVENTIONS 110–116).
//!
//! A snapshot copies every row of the org in each table of `crate::snapshot_tables::SNAPSHOTTED`
//! into that table's mirror `snap_<table>`, tagged with the snapshot's id; a restore deletes
//! the org's rows and copies the mirror's back, all in one transaction and all in SQL, so
//! every value (BLOBs included) comes back with its type and no row passes through Rust. The
//! column lists come from the live schema, so a column added to a table later is saved as
//! soon as its mirror has it (the schema test checks that it does).
//!
//! Ids: rows keep the ids they had. Per-org ids (users, accounts, tags, …) come back with
//! the org's `id_counters`, which the snapshot holds too. Global ids (`changes`,
//! `webhook_deliveries`, `jobs`) were issued to this org and are never issued again (SQLite's
//! AUTOINCREMENT keeps its high-water mark in `sqlite_sequence`; a PostgreSQL identity never
//! goes back), so restored rows cannot collide with another org's, and new rows still take
//! ids above every restored one.

use tokio::sync::OnceCell;

use super::*;
use crate::snapshot_tables::SNAPSHOTTED;
use revdir_core::snapshots::{SnapshotName, SnapshotRecord, INITIAL, RESERVED_PREFIX};

/// A snapshotted table and the comma-separated list of its insertable columns.
struct TableColumns {
    table: &'static str,
    columns: String,
}

/// The column lists, read from the schema once per process (per backend: this module is
/// compiled once for each). Every store of a backend runs the same migrations.
static COLUMNS: OnceCell<Vec<TableColumns>> = OnceCell::const_new();

/// The snapshotted tables with their column lists, parents first.
async fn tables(conn: &mut Conn) -> StoreResult<&'static [TableColumns]> {
    let all = COLUMNS
        .get_or_try_init(|| async move {
            let mut out = Vec::with_capacity(SNAPSHOTTED.len());
            for &table in SNAPSHOTTED {
                let names: Vec<String> = sqlx::query_scalar::<Db, String>(TABLE_COLUMNS)
                    .bind(table)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(db_err)?;
                if names.is_empty() {
                    return Err(StoreError::Internal(anyhow::anyhow!("snapshotted table {table} has no columns")));
                }
                out.push(TableColumns { table, columns: names.join(", ") });
            }
            Ok(out)
        })
        .await?;
    Ok(all.as_slice())
}

/// A snapshot's row: id, name, time, size.
#[derive(sqlx::FromRow)]
struct SnapshotRow {
    id: i64,
    name: String,
    created_at: i64,
    row_count: i64,
}

impl From<SnapshotRow> for SnapshotRecord {
    fn from(r: SnapshotRow) -> Self {
        Self { name: r.name, created_date: Timestamp::from_millis(r.created_at), rows: r.row_count }
    }
}

/// The org's snapshot named `name`, if any.
async fn find(conn: &mut Conn, org: &str, name: &str) -> StoreResult<Option<SnapshotRow>> {
    sqlx::query_as::<Db, SnapshotRow>(
        "SELECT id, name, created_at, row_count FROM snapshots WHERE dev_org_id = $1 AND name = $2",
    )
    .bind(org)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)
}

/// Saves the org's state as `name` in the transaction `conn`; a 409 when the name is taken.
/// The caller makes the transaction's reads consistent (`CONSISTENT_READ`) where needed.
pub(super) async fn take_snapshot(
    conn: &mut Conn,
    org: &str,
    name: &str,
    now: Timestamp,
) -> StoreResult<SnapshotRecord> {
    if find(conn, org, name).await?.is_some() {
        return Err(StoreError::Conflict(format!("snapshot {name} already exists; delete it first to take it again")));
    }
    let id: i64 = sqlx::query_scalar::<Db, i64>(
        "INSERT INTO snapshots (dev_org_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(org)
    .bind(name)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    let mut rows = 0_u64;
    for t in tables(conn).await? {
        let sql = format!(
            "INSERT INTO snap_{table} (snapshot_id, {cols}) SELECT $1, {cols} FROM {table} WHERE dev_org_id = $2",
            table = t.table,
            cols = t.columns
        );
        rows += sqlx::query::<Db>(&sql).bind(id).bind(org).execute(&mut *conn).await.map_err(db_err)?.rows_affected();
    }
    let rows = i64::try_from(rows).unwrap_or(i64::MAX);
    sqlx::query::<Db>("UPDATE snapshots SET row_count = $1 WHERE id = $2")
        .bind(rows)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(SnapshotRecord { name: name.to_owned(), created_date: now, rows })
}

/// What a restore does with `auth_tokens`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tokens {
    /// `snapshots.restore`: the snapshot's tokens, plus the calling token as it is now.
    AsSaved,
    /// `orgs.reset`: every token whose user exists afterwards, plus the snapshot's.
    KeepLiving,
}

/// Waits for the org's journaling writes in flight and holds them off until the commit
/// (PostgreSQL; SQLite's one writer has nothing to wait for), so that no write of the org
/// commits between the deletes and the inserts of a restore. A write that locked a row
/// before reaching its journal entry then waits for this lock while the restore waits for
/// its row: PostgreSQL breaks that deadlock after `deadlock_timeout` (1 s by default),
/// usually by failing the write, which the write path runs again (40P01 is a lost race).
/// Giving up sooner (a `lock_timeout`) was tried: under a steady stream of writes the
/// restore then lost every attempt and answered 503.
async fn hold_org_writes(conn: &mut Conn, org: &str) -> StoreResult<()> {
    if let Some(guard) = JOURNAL_READ_GUARD {
        sqlx::query::<Db>(guard).bind(org).execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

/// A 409 unless the calling user exists, active, in the state about to be restored: its
/// token would stop working, so the caller must use a token of a user the state holds.
async fn caller_survives(conn: &mut Conn, scope: &DevOrgScope, snapshot: i64, what: &str) -> StoreResult<()> {
    let state: Option<String> = sqlx::query_scalar::<Db, String>(
        "SELECT state FROM snap_users WHERE snapshot_id = $1 AND kind = $2 AND id = $3",
    )
    .bind(snapshot)
    .bind(code(scope.actor.kind))
    .bind(scope.actor.id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    if state.as_deref() == Some("active") {
        return Ok(());
    }
    let who = display_id(scope.actor.kind, scope.actor.id.to_string()).unwrap_or_else(|| scope.actor.id.to_string());
    Err(StoreError::Conflict(format!(
        "{what} does not hold the calling user {who} as an active user, so the calling token would stop working; \
         call with a token of a user it holds (such as the admin's)"
    )))
}

/// Deletes the org's tokens whose user no longer exists, except the calling token.
async fn drop_orphan_tokens(conn: &mut Conn, scope: &DevOrgScope) -> StoreResult<()> {
    sqlx::query::<Db>(
        "DELETE FROM auth_tokens WHERE dev_org_id = $1 AND jti <> $2 AND NOT EXISTS (SELECT 1 FROM users u \
         WHERE u.dev_org_id = auth_tokens.dev_org_id AND u.kind = auth_tokens.subject_kind \
         AND u.id = auth_tokens.subject_id)",
    )
    .bind(&scope.dev_org)
    .bind(&scope.token_id)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Replaces the org's rows with snapshot `snapshot`'s, in the transaction `conn`.
async fn put_back(conn: &mut Conn, scope: &DevOrgScope, snapshot: i64, tokens: Tokens) -> StoreResult<()> {
    let org = scope.dev_org.as_str();
    let all = tables(conn).await?;
    for t in all.iter().rev() {
        let (sql, keep_caller) = match (t.table, tokens) {
            ("auth_tokens", Tokens::KeepLiving) => continue,
            ("auth_tokens", Tokens::AsSaved) => {
                ("DELETE FROM auth_tokens WHERE dev_org_id = $1 AND jti <> $2".to_owned(), true)
            }
            (table, _) => (format!("DELETE FROM {table} WHERE dev_org_id = $1"), false),
        };
        let q = sqlx::query::<Db>(&sql).bind(org);
        let q = if keep_caller { q.bind(&scope.token_id) } else { q };
        q.execute(&mut *conn).await.map_err(db_err)?;
    }
    for t in all {
        let (table, cols) = (t.table, &t.columns);
        let filter = match (table, tokens) {
            ("auth_tokens", Tokens::AsSaved) => " AND s.jti <> $2",
            ("auth_tokens", Tokens::KeepLiving) => {
                " AND NOT EXISTS (SELECT 1 FROM auth_tokens t WHERE t.jti = s.jti) AND s.jti <> $2"
            }
            _ => "",
        };
        let sql = format!(
            "INSERT INTO {table} ({cols}){OVERRIDING_IDENTITY} SELECT {cols} FROM snap_{table} s WHERE s.snapshot_id = \
             $1{filter}"
        );
        let q = sqlx::query::<Db>(&sql).bind(snapshot);
        let q = if filter.is_empty() { q } else { q.bind(&scope.token_id) };
        q.execute(&mut *conn).await.map_err(db_err)?;
    }
    if tokens == Tokens::KeepLiving {
        drop_orphan_tokens(conn, scope).await?;
    }
    Ok(())
}

/// `orgs.reset` of an org created before snapshots existed, which has no initial snapshot:
/// everything but the org, its bootstrap users (`DEVU-1`, `SYSU-1`) and their tokens is
/// deleted, and the bootstrap users lose their links to what was deleted. Id counters are
/// kept, so new objects take ids never used before.
async fn reset_without_initial(conn: &mut Conn, scope: &DevOrgScope) -> StoreResult<()> {
    let org = scope.dev_org.as_str();
    let bootstrap = [code(ObjectKind::DevUser), code(ObjectKind::SysUser)];
    if scope.actor.id != 1 || !bootstrap.contains(&code(scope.actor.kind)) {
        return Err(StoreError::Conflict(
            "a reset keeps only the org's bootstrap users (DEVU-1, SYSU-1), so the calling token would stop working; \
             call with a token of one of them"
                .into(),
        ));
    }
    for t in tables(conn).await?.iter().rev() {
        if matches!(t.table, "users" | "auth_tokens" | "id_counters") {
            continue;
        }
        sqlx::query::<Db>(&format!("DELETE FROM {} WHERE dev_org_id = $1", t.table))
            .bind(org)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    sqlx::query::<Db>("DELETE FROM users WHERE dev_org_id = $1 AND NOT (id = 1 AND kind IN ($2, $3))")
        .bind(org)
        .bind(bootstrap[0])
        .bind(bootstrap[1])
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    sqlx::query::<Db>(
        "UPDATE users SET display_picture_id = NULL, artifact_ids = '[]', reports_to_id = NULL, primary_identity_id = \
         NULL, external_ref = NULL, external_refs = '[]', custom_fields = '{}', custom_schema_fragments = '[]', \
         subtype = NULL WHERE dev_org_id = $1",
    )
    .bind(org)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    drop_orphan_tokens(conn, scope).await
}

/// Starts a transaction's consistent view, where the backend needs it; first statement only.
async fn consistent_read(conn: &mut Conn) -> StoreResult<()> {
    if let Some(sql) = CONSISTENT_READ {
        sqlx::query::<Db>(sql).execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

#[async_trait]
impl SnapshotStore for Backend {
    async fn create_snapshot(
        &self,
        scope: &DevOrgScope,
        name: &SnapshotName,
        now: Timestamp,
    ) -> StoreResult<SnapshotRecord> {
        self.write(|tx| {
            Box::pin(async move {
                consistent_read(tx).await?;
                take_snapshot(tx, &scope.dev_org, name.as_str(), now).await
            })
        })
        .await
    }

    async fn restore_snapshot(&self, scope: &DevOrgScope, name: &SnapshotName) -> StoreResult<SnapshotRecord> {
        self.write(|tx| {
            Box::pin(async move {
                hold_org_writes(tx, &scope.dev_org).await?;
                let row = find(tx, &scope.dev_org, name.as_str())
                    .await?
                    .ok_or_else(|| StoreError::not_found("snapshot", name.as_str()))?;
                caller_survives(tx, scope, row.id, &format!("snapshot {}", name.as_str())).await?;
                put_back(tx, scope, row.id, Tokens::AsSaved).await?;
                Ok(row.into())
            })
        })
        .await
    }

    async fn list_snapshots(&self, scope: &DevOrgScope) -> StoreResult<Vec<SnapshotRecord>> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let rows = sqlx::query_as::<Db, SnapshotRow>(
            "SELECT id, name, created_at, row_count FROM snapshots WHERE dev_org_id = $1 AND substr(name, 1, 2) <> $2 \
             ORDER BY created_at, id",
        )
        .bind(&scope.dev_org)
        .bind(RESERVED_PREFIX)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn delete_snapshot(&self, scope: &DevOrgScope, name: &SnapshotName) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                let gone = sqlx::query::<Db>("DELETE FROM snapshots WHERE dev_org_id = $1 AND name = $2")
                    .bind(&scope.dev_org)
                    .bind(name.as_str())
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if gone == 0 {
                    return Err(StoreError::not_found("snapshot", name.as_str()));
                }
                Ok(())
            })
        })
        .await
    }

    async fn reset_org(&self, scope: &DevOrgScope) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                hold_org_writes(tx, &scope.dev_org).await?;
                match find(tx, &scope.dev_org, INITIAL).await? {
                    Some(row) => {
                        caller_survives(tx, scope, row.id, "the org's initial state").await?;
                        put_back(tx, scope, row.id, Tokens::KeepLiving).await
                    }
                    None => reset_without_initial(tx, scope).await,
                }
            })
        })
        .await
    }

    async fn mark_initial(&self, dev_org: &str, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                consistent_read(tx).await?;
                sqlx::query::<Db>("DELETE FROM snapshots WHERE dev_org_id = $1 AND name = $2")
                    .bind(dev_org)
                    .bind(INITIAL)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                take_snapshot(tx, dev_org, INITIAL, now).await.map(drop)
            })
        })
        .await
    }
}
