//! The git store: every snapshot and version of every source, in one repository.
//!
//! Layout, at stable paths so `git log -p acme/version.md` tells a story:
//! - `<source-id>/snapshot.<ext>`: the raw bytes as fetched (`html`, `pdf`, `md`, `txt`);
//! - `<source-id>/version.md`: the normalised Markdown with section headings.
//!
//! The repository is **bare** and history is linear on `refs/heads/main`.
//! Trees are built in memory from blobs (no work tree, no index), which is
//! faster, never leaves a half-written checkout behind after a crash, and
//! keeps the commit step to "write objects, then move one ref" — the single
//! atomic step the consistency protocol below relies on. `git clone STORE`
//! gives anyone a normal checkout.
//!
//! A commit is made only when something changed. A commit that changes
//! `version.md` is a *new version*; one that changes only the snapshot is a
//! *snapshot-only* record (page chrome churn), which raises no events.
//! Author and committer time are the fetch time; the message names the
//! source and the kind of record, and trailers carry `Source-URL`,
//! `Snapshot-SHA256`, `Text-SHA256`, `HTTP-Status` and `Tool-Version`.
//!
//! # Consistency with the database
//!
//! Git and SQLite are two stores; a SIGKILL may land anywhere. The protocol:
//! 1. take the [`StoreLock`] (one writer per store);
//! 2. at start, run [`reconcile`];
//! 3. per record: write blobs and trees, then commit (objects first, then
//!    one atomic ref update) with [`Store::commit_version`];
//! 4. then ONE SQLite transaction with the check, version, change, events
//!    and outbox rows ([`crate::db::Db::record_version_with_change`]), or the
//!    check with its commit id for a snapshot-only record
//!    ([`crate::db::Db::record_check`]).
//!
//! The tracker's `Handle::record_fetched` (shared by `check`, `watch` and
//! `import`) runs 3 and 4 for one good fetch; it diffs against the previous
//! version between reading it and committing, outside the lock on the
//! stores, so that CPU work of several sources runs in parallel.
//!
//! Kill windows: before 3 nothing happened; inside 3 only unreferenced
//! objects exist (harmless, never read); between 3 and 4 the branch has a
//! commit the database does not know; inside 4 SQLite rolls the
//! transaction back, the same state; after 4 both agree. So the only
//! repairable state is "unknown commits at the tip of the branch", and
//! [`reconcile`] rolls the branch back to the newest commit the database
//! knows (saving the old tip under `refs/policywatch/rolled-back/…`). The
//! next check fetches again and redoes the work. Hence: no version without
//! its events (one transaction), no duplicate versions (UNIQUE constraints,
//! and a rolled-back commit is never recorded), no orphans (every commit on
//! the branch is referenced by a version or a check).

mod lock;
mod reconcile;
mod revision;

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use git2::{FileMode, Oid, Repository, Signature, Sort, Time};
use sha2::{Digest, Sha256};
use thiserror::Error;

pub use lock::{StoreLock, lock_path};
pub use reconcile::{ReconcileReport, reconcile};
pub use revision::{Revision, Versioned, resolve_in};

/// The one branch of the store.
pub const BRANCH: &str = "refs/heads/main";

/// Name and e-mail of commits.
const COMMITTER: (&str, &str) = ("policywatch", "policywatch@localhost");

/// Why a store operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// libgit2 reported an error.
    #[error("git store {}: {source}; check that it is a policywatch store (a git repository) and is writable", path.display())]
    Git {
        /// The repository.
        path: PathBuf,
        /// The git error.
        source: git2::Error,
    },
    /// A file system error (lock file, folders).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Another process holds the store lock.
    #[error("another policywatch check or watch is using {} (pid {pid}); wait for it or pass --wait", store.display())]
    Locked {
        /// The store.
        store: PathBuf,
        /// The holder's pid, as written in the lock file.
        pid: String,
    },
    /// A revision that names no version.
    #[error(
        "{source_id}{rev}: no such version ({why}); list the versions with `policywatch history {source_id}`"
    )]
    UnknownRevision {
        /// The source.
        source_id: String,
        /// The revision as written.
        rev: String,
        /// Why it matched nothing.
        why: String,
    },
    /// A file missing from a commit.
    #[error(
        "commit {commit} of the store has no {path}; list the versions with `policywatch history {source_id}`"
    )]
    MissingFile {
        /// The source.
        source_id: String,
        /// The commit.
        commit: String,
        /// The path inside it.
        path: String,
    },
    /// The store and the database disagree in a way that cannot be repaired automatically.
    #[error("store {} and database disagree: {what}", store.display())]
    Inconsistent {
        /// The store.
        store: PathBuf,
        /// What is wrong and what to do.
        what: String,
    },
}

/// Result alias for this module.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What kind of record a commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// `version.md` changed (or appeared).
    NewVersion,
    /// Only the raw snapshot changed.
    SnapshotOnly,
}

/// Facts for the commit message trailers.
#[derive(Debug, Clone, Default)]
pub struct CommitMeta {
    /// Where it was fetched from.
    pub url: String,
    /// The HTTP status (none for `file:` sources and imports).
    pub http_status: Option<u16>,
}

/// A commit that [`Store::commit_version`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The commit id.
    pub id: Oid,
    /// New version or snapshot only.
    pub kind: RecordKind,
    /// SHA-256 hex of the raw snapshot, when one was given.
    pub snapshot_sha256: Option<String>,
    /// SHA-256 hex of the normalised text, when given.
    pub text_sha256: Option<String>,
}

/// One version of a source in git history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The commit that wrote this `version.md`.
    pub commit: Oid,
    /// Its commit time (the fetch time).
    pub time: DateTime<Utc>,
    /// Its first message line.
    pub summary: String,
}

impl Versioned for HistoryEntry {
    fn commit_hex(&self) -> String {
        self.commit.to_string()
    }
    fn time(&self) -> DateTime<Utc> {
        self.time
    }
}

/// SHA-256 hex of some bytes (the hashes in trailers and the database).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The path of a source's normalised version.
pub fn version_path(source_id: &str) -> String {
    format!("{source_id}/version.md")
}

/// The git store.
pub struct Store {
    repo: Repository,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Creates the bare repository in a hidden sibling folder and renames it
/// into place, so a process killed while git writes its skeleton leaves no
/// half-made store that every later run would refuse to open.
fn init_atomically(path: &Path) -> Result<Repository> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let staging = parent.join(format!(".{name}.init-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    let mut opts = git2::RepositoryInitOptions::new();
    opts.bare(true).initial_head("main").mkpath(true);
    Repository::init_opts(&staging, &opts).map_err(|source| StoreError::Git {
        path: staging.clone(),
        source,
    })?;
    // An empty folder at `path` (made by hand, or by an earlier kill right
    // after mkdir) is replaced; rename will not overwrite a non-empty one.
    if path.exists() {
        let _ = std::fs::remove_dir(path);
    }
    if let Err(e) = std::fs::rename(&staging, path) {
        let _ = std::fs::remove_dir_all(&staging);
        // Another process may have created it first: use theirs.
        return Repository::open(path).map_err(|_| StoreError::Io {
            path: path.to_path_buf(),
            source: e,
        });
    }
    Repository::open(path).map_err(|source| StoreError::Git {
        path: path.to_path_buf(),
        source,
    })
}

impl Store {
    /// Opens the repository at `path`, creating a bare one if the folder is
    /// missing or empty.
    pub fn open_or_init(path: &Path) -> Result<Store> {
        let git = |source| StoreError::Git {
            path: path.to_path_buf(),
            source,
        };
        let empty = match std::fs::read_dir(path) {
            Ok(mut entries) => entries.next().is_none(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let repo = if empty {
            init_atomically(path)?
        } else {
            Repository::open(path).map_err(git)?
        };
        Ok(Store {
            repo,
            path: path.to_path_buf(),
        })
    }

    /// The repository folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn git(&self, source: git2::Error) -> StoreError {
        StoreError::Git {
            path: self.path.clone(),
            source,
        }
    }

    /// The newest commit of the branch (none in a new store).
    pub fn tip(&self) -> Result<Option<Oid>> {
        match self.repo.refname_to_id(BRANCH) {
            Ok(id) => Ok(Some(id)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(self.git(e)),
        }
    }

    /// Records a fetch: writes `<id>/snapshot.<ext>` (when `raw` is given) and
    /// `<id>/version.md` (when `normalised` is given) and commits, only if
    /// either changed. Returns the commit, or `None` when nothing changed.
    /// A snapshot with a new extension replaces the old one.
    pub fn commit_version(
        &self,
        source_id: &str,
        raw: Option<(&[u8], &str)>,
        normalised: Option<&str>,
        fetched_at: DateTime<Utc>,
        meta: &CommitMeta,
    ) -> Result<Option<Committed>> {
        let parent = match self.tip()? {
            Some(id) => Some(self.repo.find_commit(id).map_err(|e| self.git(e))?),
            None => None,
        };
        let root = parent
            .as_ref()
            .map(|c| c.tree())
            .transpose()
            .map_err(|e| self.git(e))?;
        let old_sub = match root.as_ref().and_then(|t| t.get_name(source_id)) {
            Some(entry) => Some(self.repo.find_tree(entry.id()).map_err(|e| self.git(e))?),
            None => None,
        };
        let old_version = old_sub
            .as_ref()
            .and_then(|t| t.get_name("version.md"))
            .map(|e| e.id());

        let mut sub = self
            .repo
            .treebuilder(old_sub.as_ref())
            .map_err(|e| self.git(e))?;
        let snapshot_sha256 = raw.map(|(bytes, _)| sha256_hex(bytes));
        if let Some((bytes, ext)) = raw {
            let name = format!("snapshot.{ext}");
            let stale: Vec<String> = old_sub
                .iter()
                .flat_map(|t| t.iter())
                .filter_map(|e| e.name().ok().map(str::to_string))
                .filter(|n| n.starts_with("snapshot.") && *n != name)
                .collect();
            for n in stale {
                sub.remove(&n).map_err(|e| self.git(e))?;
            }
            let blob = self.blob(bytes, old_sub.as_ref(), &name)?;
            sub.insert(&name, blob, FileMode::Blob.into())
                .map_err(|e| self.git(e))?;
        }
        let text_sha256 = normalised.map(|t| sha256_hex(t.as_bytes()));
        let mut new_version = old_version;
        if let Some(text) = normalised {
            let blob = self.blob(text.as_bytes(), old_sub.as_ref(), "version.md")?;
            sub.insert("version.md", blob, FileMode::Blob.into())
                .map_err(|e| self.git(e))?;
            new_version = Some(blob);
        }
        let sub_id = sub.write().map_err(|e| self.git(e))?;
        if old_sub.as_ref().map(|t| t.id()) == Some(sub_id) {
            return Ok(None);
        }
        let mut top = self
            .repo
            .treebuilder(root.as_ref())
            .map_err(|e| self.git(e))?;
        top.insert(source_id, sub_id, FileMode::Tree.into())
            .map_err(|e| self.git(e))?;
        let tree = self
            .repo
            .find_tree(top.write().map_err(|e| self.git(e))?)
            .map_err(|e| self.git(e))?;

        let kind = if new_version != old_version {
            RecordKind::NewVersion
        } else {
            RecordKind::SnapshotOnly
        };
        let message = commit_message(
            source_id,
            kind,
            meta,
            snapshot_sha256.as_deref(),
            text_sha256.as_deref(),
        );
        let time = Time::new(fetched_at.timestamp(), 0);
        let sig = Signature::new(COMMITTER.0, COMMITTER.1, &time).map_err(|e| self.git(e))?;
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        // update_ref fails if the branch moved since we read it: a second
        // writer that ignored the lock cannot silently fork history.
        let id = self
            .repo
            .commit(Some(BRANCH), &sig, &sig, &message, &tree, &parents)
            .map_err(|e| self.git(e))?;
        Ok(Some(Committed {
            id,
            kind,
            snapshot_sha256,
            text_sha256,
        }))
    }

    /// The blob id of `bytes`, written only when the tree does not already
    /// hold it under `name` (an unchanged check then writes nothing).
    fn blob(&self, bytes: &[u8], tree: Option<&git2::Tree<'_>>, name: &str) -> Result<Oid> {
        let id = Oid::hash_object(git2::ObjectType::Blob, bytes).map_err(|e| self.git(e))?;
        if tree
            .and_then(|t| t.get_name(name))
            .is_some_and(|e| e.id() == id)
        {
            return Ok(id);
        }
        self.repo.blob(bytes).map_err(|e| self.git(e))
    }

    /// The bytes of a file in a commit.
    pub fn read_file(&self, commit: Oid, path: &str) -> Result<Vec<u8>> {
        let source_id = path.split('/').next().unwrap_or(path).to_string();
        let missing = || StoreError::MissingFile {
            source_id: source_id.clone(),
            commit: commit.to_string(),
            path: path.to_string(),
        };
        let c = self.repo.find_commit(commit).map_err(|e| self.git(e))?;
        let tree = c.tree().map_err(|e| self.git(e))?;
        let entry = tree.get_path(Path::new(path)).map_err(|_| missing())?;
        let blob = self.repo.find_blob(entry.id()).map_err(|_| missing())?;
        Ok(blob.content().to_vec())
    }

    /// The normalised text of a source at a commit.
    pub fn read_version(&self, source_id: &str, commit: Oid) -> Result<String> {
        let bytes = self.read_file(commit, &version_path(source_id))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The raw snapshot of a source at a commit, with its extension.
    pub fn read_snapshot(&self, source_id: &str, commit: Oid) -> Result<(Vec<u8>, String)> {
        let c = self.repo.find_commit(commit).map_err(|e| self.git(e))?;
        let tree = c.tree().map_err(|e| self.git(e))?;
        let sub = tree
            .get_name(source_id)
            .and_then(|e| self.repo.find_tree(e.id()).ok());
        let name = sub
            .iter()
            .flat_map(|t| t.iter())
            .filter_map(|e| e.name().ok().map(str::to_string))
            .find(|n| n.starts_with("snapshot."));
        match name {
            Some(n) => {
                let bytes = self.read_file(commit, &format!("{source_id}/{n}"))?;
                Ok((bytes, n.trim_start_matches("snapshot.").to_string()))
            }
            None => Err(StoreError::MissingFile {
                source_id: source_id.to_string(),
                commit: commit.to_string(),
                path: format!("{source_id}/snapshot.*"),
            }),
        }
    }

    /// The newest raw snapshot taken while the version of `version_commit`
    /// was in force: later snapshot-only commits (page chrome churn) belong
    /// to it. Returns the bytes, the extension and the commit read.
    pub fn snapshot_of_version(
        &self,
        source_id: &str,
        version_commit: Oid,
    ) -> Result<(Vec<u8>, String, Oid)> {
        let path = version_path(source_id);
        let blob_at = |id: Oid| -> Result<Option<Oid>> {
            let c = self.repo.find_commit(id).map_err(|e| self.git(e))?;
            let tree = c.tree().map_err(|e| self.git(e))?;
            Ok(tree.get_path(Path::new(&path)).ok().map(|e| e.id()))
        };
        let version_blob = blob_at(version_commit)?;
        let mut last = version_commit;
        let commits = self.commits()?;
        let start = commits
            .iter()
            .position(|c| *c == version_commit)
            .map_or(commits.len(), |i| i + 1);
        for &id in &commits[start..] {
            if blob_at(id)? != version_blob {
                break;
            }
            last = id;
        }
        let (bytes, ext) = self.read_snapshot(source_id, last)?;
        Ok((bytes, ext, last))
    }

    /// Every commit of the branch, oldest first.
    pub fn commits(&self) -> Result<Vec<Oid>> {
        let Some(tip) = self.tip()? else {
            return Ok(Vec::new());
        };
        let mut walk = self.repo.revwalk().map_err(|e| self.git(e))?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .map_err(|e| self.git(e))?;
        walk.push(tip).map_err(|e| self.git(e))?;
        walk.collect::<Result<Vec<_>, _>>().map_err(|e| self.git(e))
    }

    /// The versions of a source: commits that changed `<id>/version.md`, oldest first.
    pub fn history(&self, source_id: &str) -> Result<Vec<HistoryEntry>> {
        let path = version_path(source_id);
        let mut out = Vec::new();
        let mut last: Option<Oid> = None;
        for id in self.commits()? {
            let c = self.repo.find_commit(id).map_err(|e| self.git(e))?;
            let tree = c.tree().map_err(|e| self.git(e))?;
            let blob = tree.get_path(Path::new(&path)).ok().map(|e| e.id());
            if blob.is_some() && blob != last {
                out.push(HistoryEntry {
                    commit: id,
                    time: Utc
                        .timestamp_opt(c.time().seconds(), 0)
                        .single()
                        .unwrap_or_default(),
                    summary: c.summary().ok().flatten().unwrap_or("").to_string(),
                });
            }
            last = blob;
        }
        Ok(out)
    }

    /// Resolves a revision of a source to its history entry.
    pub fn resolve(&self, source_id: &str, rev: &Revision) -> Result<HistoryEntry> {
        let history = self.history(source_id)?;
        let i = resolve_in(&history, source_id, rev)?;
        Ok(history[i].clone())
    }

    /// The full message of a commit (with its trailers).
    pub fn message(&self, commit: Oid) -> Result<String> {
        let c = self.repo.find_commit(commit).map_err(|e| self.git(e))?;
        Ok(c.message().unwrap_or("").to_string())
    }

    /// Moves the branch to `to` (or deletes it for `None`), keeping the old
    /// tip reachable under `refs/policywatch/rolled-back/<old-id>`.
    /// Deletes git's own lock files (`refs/heads/main.lock`, `HEAD.lock`,
    /// `packed-refs.lock`, …) that a process killed in the middle of a ref
    /// update leaves behind; git would refuse every later commit. Only for a
    /// holder of the [`StoreLock`]: then no other writer can own them.
    /// Returns the files removed.
    fn remove_stale_git_locks(&self) -> Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        let mut dirs = vec![self.path.clone(), self.path.join("refs")];
        while let Some(dir) = dirs.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(StoreError::Io { path: dir, source }),
            };
            for entry in entries.filter_map(std::result::Result::ok) {
                let path = entry.path();
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                if is_dir && dir != self.path {
                    dirs.push(path);
                } else if !is_dir && path.extension().is_some_and(|x| x == "lock") {
                    std::fs::remove_file(&path).map_err(|source| StoreError::Io {
                        path: path.clone(),
                        source,
                    })?;
                    removed.push(path);
                }
            }
        }
        Ok(removed)
    }

    fn roll_back(&self, to: Option<Oid>) -> Result<()> {
        if let Some(old) = self.tip()? {
            let name = format!("refs/policywatch/rolled-back/{old}");
            self.repo
                .reference(&name, old, true, "policywatch reconcile: rolled back")
                .map_err(|e| self.git(e))?;
        }
        match to {
            Some(id) => {
                self.repo
                    .reference(BRANCH, id, true, "policywatch reconcile")
                    .map_err(|e| self.git(e))?;
            }
            None => {
                if let Ok(mut r) = self.repo.find_reference(BRANCH) {
                    r.delete().map_err(|e| self.git(e))?;
                }
            }
        }
        Ok(())
    }

    /// Whether a commit object exists in the repository.
    pub fn has_commit(&self, commit: &str) -> bool {
        Oid::from_str(commit)
            .ok()
            .is_some_and(|id| self.repo.find_commit(id).is_ok())
    }
}

fn commit_message(
    source_id: &str,
    kind: RecordKind,
    meta: &CommitMeta,
    snap: Option<&str>,
    text: Option<&str>,
) -> String {
    let what = match kind {
        RecordKind::NewVersion => "new version",
        RecordKind::SnapshotOnly => "snapshot only (normalised text unchanged)",
    };
    let mut m = format!("{source_id}: {what}\n\n");
    m.push_str(&format!("Source-URL: {}\n", meta.url));
    if let Some(s) = snap {
        m.push_str(&format!("Snapshot-SHA256: {s}\n"));
    }
    if let Some(t) = text {
        m.push_str(&format!("Text-SHA256: {t}\n"));
    }
    if let Some(status) = meta.http_status {
        m.push_str(&format!("HTTP-Status: {status}\n"));
    }
    m.push_str(&format!(
        "Tool-Version: policywatch {}\n",
        env!("CARGO_PKG_VERSION")
    ));
    m
}
