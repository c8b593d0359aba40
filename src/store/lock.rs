//! One writer per store: `check` and `watch` hold an OS file lock on
//! `<store>.lock` next to the repository for as long as they run. The OS
//! drops the lock when the process dies, so a SIGKILL leaves no stale lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::StoreError;

/// A held store lock; released on drop (or process exit).
#[derive(Debug)]
pub struct StoreLock {
    file: File,
    path: PathBuf,
}

/// The lock file of a store: `<store>.lock` beside it (outside the repo, so
/// git never sees it).
pub fn lock_path(store: &Path) -> PathBuf {
    let mut name = store
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "store".into());
    name.push(".lock");
    store.with_file_name(name)
}

impl StoreLock {
    /// Takes the lock; with `wait` blocks until the holder exits, without it
    /// fails at once naming the holder's pid.
    pub fn acquire(store: &Path, wait: bool) -> Result<StoreLock, StoreError> {
        let path = lock_path(store);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if wait => file.lock().map_err(io)?,
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim();
                return Err(StoreError::Locked {
                    store: store.to_path_buf(),
                    pid: if pid.is_empty() {
                        "unknown".into()
                    } else {
                        pid.to_string()
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Only the holder writes its pid, so readers see a whole number.
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(StoreLock { file, path })
    }

    /// The pid of the process holding the lock (`"unknown"` if it wrote
    /// none yet), or `None` when nobody holds it. Probes with a shared lock
    /// released at once, so it never blocks and never writes.
    pub fn holder(store: &Path) -> Option<String> {
        let mut file = File::open(lock_path(store)).ok()?;
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                None
            }
            Err(_) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim();
                Some(if pid.is_empty() {
                    "unknown".into()
                } else {
                    pid.to_string()
                })
            }
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}
