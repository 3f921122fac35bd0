//! `revdir backup` and `revdir restore` of a SQLite store.
//!
//! A backup is `VACUUM INTO` from a read-only connection: one read transaction, so the copy is
//! the store as of one moment (every write committed before it began, none after), taken while
//! the server keeps writing (WAL lets readers and the writer run side by side). The copy is a
//! single file in rollback-journal mode, checked (`integrity_check`, revdir's migrations table)
//! and only then given its name, which it never takes from an existing file. It copies any
//! revdir schema, a newer revdir's too: that revdir can restore it.
//!
//! A restore checks the file the same way, takes `<db>.lock` exclusively (so no revdir process
//! has the store open; see `lock.rs`), copies the file beside the store with `VACUUM INTO`
//! (which also folds in a `-wal` the backup may have gained), removes the store's old `-wal`,
//! `-shm` and `-journal` (SQLite would otherwise play an old log onto the new file), and
//! renames the copy over the store.

use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _};

use super::lock::StoreLock;
use super::{options, sql, MIGRATOR};
use crate::schema::{mismatch, Pending};
use crate::DatabaseUrl;

/// What a checked copy of a store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyInfo {
    /// The copy's size in bytes.
    pub bytes: u64,
    /// The latest migration the copy has applied: its schema version.
    pub schema_version: i64,
    /// Whether the copy's schema is older than this binary's (start-up migrates it forward).
    pub older_schema: bool,
}

/// The file of the SQLite store a URL names; an error for an in-memory database.
fn store_file(opts: &SqliteConnectOptions) -> anyhow::Result<PathBuf> {
    let path = opts.get_filename();
    let text = path.to_string_lossy();
    anyhow::ensure!(
        !text.is_empty() && !text.starts_with(":memory:") && !text.starts_with("file:"),
        "an in-memory SQLite database has no file to back up or restore"
    );
    Ok(path.to_path_buf())
}

/// The SQLite store file `db` names (for `<db>.lock`), `None` for an in-memory one.
pub(super) fn store_file_of(opts: &SqliteConnectOptions) -> Option<PathBuf> {
    store_file(opts).ok()
}

/// A read-only connection to the SQLite file at `path`, which must exist.
async fn open_read_only(path: &Path) -> anyhow::Result<sqlx::SqliteConnection> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await
        .with_context(|| format!("opening {}", path.display()))
}

/// `path` as SQL text for `VACUUM INTO`.
fn sql_path(path: &Path) -> anyhow::Result<&str> {
    path.to_str().with_context(|| format!("{} is not valid UTF-8", path.display()))
}

/// Refuses `path` if anything is there, a dangling symlink included.
fn refuse_existing(path: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(std::fs::symlink_metadata(path).is_err(), "refusing to overwrite {}: it exists", path.display());
    Ok(())
}

/// A name beside `path` for a file being written, unique to this process.
fn partial_name(path: &Path, what: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{what}-{}", std::process::id()));
    PathBuf::from(name)
}

/// Removes `path` if it is there.
fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e).with_context(|| format!("removing {}", path.display())),
        _ => Ok(()),
    }
}

/// Flushes the file at `path` and then its directory's entry for it to disk.
fn sync_file_and_dir(path: &Path) -> anyhow::Result<()> {
    File::open(path).and_then(|f| f.sync_all()).with_context(|| format!("syncing {}", path.display()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("syncing {}", dir.display()))
}

/// Checks that the SQLite file at `path` is a revdir store this binary can run on: the file is
/// sound (`PRAGMA integrity_check`), has revdir's migrations table, and its migrations are this
/// binary's or a prefix of them (an older store: start-up migrates it forward), never a newer
/// revdir's.
///
/// # Errors
/// When the file cannot be opened, is not a SQLite database, is damaged, or is not a revdir
/// store of a schema this binary knows.
pub async fn check_copy(path: &Path) -> anyhow::Result<CopyInfo> {
    check_file(path, Schema::Known).await
}

/// Which schemas [`check_file`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schema {
    /// This binary's or an older one: what this binary can run on (restore).
    Known,
    /// Any revdir schema, a newer revdir's too (backup).
    Any,
}

/// Checks that the SQLite file at `path` is sound and a revdir store of the schemas `schema`
/// accepts.
async fn check_file(path: &Path, schema: Schema) -> anyhow::Result<CopyInfo> {
    let bytes = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    let mut conn = open_read_only(path).await?;
    let checked = async {
        let problems: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check(5)")
            .fetch_all(&mut conn)
            .await
            .with_context(|| format!("{} is not a SQLite database", path.display()))?;
        let ok = problems.len() == 1 && problems[0].0 == "ok";
        let problems: Vec<String> = problems.into_iter().map(|p| p.0).collect();
        anyhow::ensure!(ok, "{} is damaged: {}", path.display(), problems.join("; "));
        let applied = sql::applied_migrations(&mut conn).await?;
        anyhow::ensure!(!applied.is_empty(), "{} is not a revdir store: it has no _sqlx_migrations", path.display());
        let reason = match schema {
            Schema::Known => mismatch(&MIGRATOR, &applied, Pending::Allowed),
            Schema::Any => None,
        };
        if let Some(reason) = reason {
            anyhow::bail!("{} is not a revdir store of a schema this binary knows: {reason}", path.display());
        }
        let schema_version = applied.iter().map(|a| a.0).max().unwrap_or_default();
        Ok(CopyInfo {
            bytes,
            schema_version,
            older_schema: applied.len() < MIGRATOR.iter().filter(|m| !m.migration_type.is_down_migration()).count(),
        })
    }
    .await;
    conn.close().await.ok();
    checked
}

/// Copies the store `from` is connected to into a new file at `to` with `VACUUM INTO`: one
/// read transaction, so a consistent snapshot while others keep writing.
async fn vacuum_into(mut from: sqlx::SqliteConnection, to: &Path) -> anyhow::Result<()> {
    let copied = sqlx::query("VACUUM INTO $1").bind(sql_path(to)?).execute(&mut from).await;
    from.close().await.ok();
    copied.with_context(|| format!("copying into {}", to.display())).map(drop)
}

/// Backs up the SQLite store `db` names into the new file `to`, while a server may keep
/// serving and writing it, and checks the copy: a sound SQLite file with revdir's
/// migrations table.
///
/// # Errors
/// When `to` exists, `db` is no SQLite store file, or the copy fails or fails its check (the
/// partial copy is removed then).
pub async fn backup(db: &DatabaseUrl, to: &Path) -> anyhow::Result<CopyInfo> {
    anyhow::ensure!(!db.is_postgres(), "revdir backup copies SQLite stores; use pg_dump for PostgreSQL");
    let source = store_file(&options(db.expose())?)?;
    anyhow::ensure!(source.is_file(), "there is no SQLite store at {}", source.display());
    refuse_existing(to)?;
    // A restore must not replace the store while it is being copied.
    let _lock = StoreLock::shared(&source)?;
    let partial = partial_name(to, "partial");
    remove_if_present(&partial)?;
    let made = async {
        vacuum_into(open_read_only(&source).await?, &partial).await?;
        let info = check_file(&partial, Schema::Any).await.context("checking the copy")?;
        sync_file_and_dir(&partial)?;
        // A hard link gives the copy its name only if nothing took the name meanwhile.
        match std::fs::hard_link(&partial, to) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                anyhow::bail!("refusing to overwrite {}: it appeared during the backup", to.display())
            }
            // A file system without hard links: check again and rename.
            Err(_) => {
                refuse_existing(to)?;
                std::fs::rename(&partial, to).with_context(|| format!("naming the copy {}", to.display()))?;
            }
        }
        sync_file_and_dir(to)?;
        Ok(info)
    }
    .await;
    remove_if_present(&partial)?;
    made
}

/// Replaces the SQLite store `db` names with the backup `from`, after checking it with
/// [`check_copy`]. No revdir process may have the store open (see `lock.rs`), and an existing
/// store is replaced only with `force`.
///
/// # Errors
/// When `from` is not a revdir store of a schema this binary knows, a revdir process has the
/// store open, the store exists and `force` is off, or the copy fails.
pub async fn restore(from: &Path, db: &DatabaseUrl, force: bool) -> anyhow::Result<CopyInfo> {
    anyhow::ensure!(!db.is_postgres(), "revdir restore writes SQLite stores; use pg_restore for PostgreSQL");
    let target = store_file(&options(db.expose())?)?;
    let info = check_copy(from).await?;
    let _lock = StoreLock::exclusive(&target)?;
    let wal = sibling(&target, "-wal");
    let holds_data = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.len() > 0);
    if !force && (holds_data(&target) || holds_data(&wal)) {
        anyhow::bail!("refusing to overwrite the existing store {}; pass --force to replace it", target.display());
    }
    let partial = partial_name(&target, "restoring");
    remove_if_present(&partial)?;
    let restored = async {
        vacuum_into(open_read_only(from).await?, &partial).await?;
        check_copy(&partial).await.context("checking the copy")?;
        keep_owner_and_mode(&target, &partial)?;
        sync_file_and_dir(&partial)?;
        // The old store's logs belong to the old file: left beside the new one, SQLite would
        // play them onto it.
        for suffix in ["-wal", "-shm", "-journal"] {
            remove_if_present(&sibling(&target, suffix))?;
        }
        std::fs::rename(&partial, &target).with_context(|| format!("moving the copy to {}", target.display()))?;
        sync_file_and_dir(&target)
    }
    .await;
    remove_if_present(&partial)?;
    restored.map(|()| info)
}

/// Gives `copy` the owner and permissions of the store it replaces, if there is one: root
/// restoring the store of a service that runs as its own user must not leave it a file that
/// user cannot write. Changing the owner is left out where this user may not (then the copy
/// is this user's, who could replace the store, so it is theirs to use).
#[cfg(unix)]
fn keep_owner_and_mode(store: &Path, copy: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(old) = std::fs::metadata(store) else { return Ok(()) };
    std::fs::set_permissions(copy, old.permissions()).with_context(|| format!("setting {}'s mode", copy.display()))?;
    match std::os::unix::fs::chown(copy, Some(old.uid()), Some(old.gid())) {
        Err(e) if e.kind() != ErrorKind::PermissionDenied => {
            Err(e).with_context(|| format!("setting {}'s owner", copy.display()))
        }
        _ => Ok(()),
    }
}

/// Elsewhere the copy keeps what it was created with.
#[cfg(not(unix))]
fn keep_owner_and_mode(_store: &Path, _copy: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// `path` with `suffix` appended to its name (SQLite's `-wal`, `-shm`, `-journal`).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
