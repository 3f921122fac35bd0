//! `<db>.lock`, next to a SQLite store: who may replace the store.
//!
//! Every revdir process that opens the store (`serve`, `token create`, `org create`, `seed`,
//! `backup`, …) holds a shared `flock` on the lock file for as long as it has the store open;
//! `revdir restore` takes it exclusively, without waiting, before it replaces the file. So a
//! restore never swaps a database under a process that has it open, and nothing opens a
//! store while a restore replaces it. The kernel drops the lock when the process exits, even
//! on `kill -9`, so there is nothing stale to clean up. The lock file itself is never
//! deleted: removing it while another process opens it would let two holders lock two
//! different files.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use fs4::TryLockError;

/// A lock held on `<db>.lock`, released when dropped (or when the process exits).
#[derive(Debug)]
pub(crate) struct StoreLock {
    _file: File,
}

/// The lock file of the SQLite store at `db`: its name with `.lock` appended.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Opens (creating if missing) the lock file. `flock` needs no write access, so a lock file
/// another user made (root running `revdir restore` beside a service's own user) is opened
/// read-only.
fn open(path: &Path) -> std::io::Result<File> {
    match OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path) {
        Err(e) if e.kind() == ErrorKind::PermissionDenied && path.exists() => File::open(path),
        opened => opened,
    }
}

impl StoreLock {
    /// The lock of a process that uses the store at `db`. `None` when the lock file cannot be
    /// made because the directory is read-only to this process: then no restore can write
    /// there either, so there is nothing to guard against.
    ///
    /// # Errors
    /// When a restore holds the lock, or the lock file cannot be opened for another reason.
    pub(crate) fn shared(db: &Path) -> anyhow::Result<Option<Self>> {
        let path = lock_path(db);
        let file = match open(&path) {
            Ok(file) => file,
            Err(e) if matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem) => {
                tracing::warn!(lock = %path.display(), error = %e, "cannot make the store's lock file; \
                    `revdir restore` will not see that this process has the store open");
                return Ok(None);
            }
            Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
        };
        match fs4::FileExt::try_lock_shared(&file) {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(TryLockError::WouldBlock) => anyhow::bail!(
                "a `revdir restore` is replacing {} (it holds {} exclusively); try again once it has finished",
                db.display(),
                path.display()
            ),
            Err(TryLockError::Error(e)) => Err(e).with_context(|| format!("locking {}", path.display())),
        }
    }

    /// The lock of `revdir restore`: no other process may have the store at `db` open.
    ///
    /// # Errors
    /// When another process holds the lock (a running server, or any revdir command using
    /// the store), or the lock file cannot be made.
    pub(crate) fn exclusive(db: &Path) -> anyhow::Result<Self> {
        let path = lock_path(db);
        let file = open(&path).with_context(|| format!("opening {}", path.display()))?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => anyhow::bail!(
                "refusing to restore over {}: a running revdir has it open (it holds {}); stop the server \
                 (and any other revdir command using this store) first",
                db.display(),
                path.display()
            ),
            Err(TryLockError::Error(e)) => Err(e).with_context(|| format!("locking {}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_holders_coexist_and_keep_an_exclusive_locker_out() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        assert_eq!(lock_path(&db), dir.path().join("a.db.lock"));
        let one = StoreLock::shared(&db).unwrap();
        let two = StoreLock::shared(&db).unwrap();
        let refused = StoreLock::exclusive(&db).unwrap_err().to_string();
        assert!(refused.contains("a running revdir has it open"), "{refused}");
        drop((one, two));
        let restoring = StoreLock::exclusive(&db).unwrap();
        let refused = StoreLock::shared(&db).unwrap_err().to_string();
        assert!(refused.contains("is replacing"), "{refused}");
        drop(restoring);
        assert!(StoreLock::shared(&db).unwrap().is_some());
    }
}
