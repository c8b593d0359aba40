//! Repairs what a crash can leave: commits at the tip of the branch that
//! the database never recorded, and git's own lock files of a ref update
//! that was cut short. See the protocol in [`super`].

use git2::Oid;

use super::{Result, Store, StoreError};
use crate::db::Db;

/// What [`reconcile`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Commits removed from the branch because the database did not know
    /// them (newest first). Their work is redone by the next check.
    pub rolled_back: Vec<Oid>,
    /// Where the branch points now.
    pub tip: Option<Oid>,
    /// Stale git lock files deleted (a kill during a ref update).
    pub removed_locks: Vec<std::path::PathBuf>,
}

/// Makes git agree with the database after a crash: deletes stale git lock
/// files, then rolls the branch back to the newest commit the database
/// refers to. Call it only while holding the [`super::StoreLock`]. Refuses (without touching
/// anything) when the database refers to commits the branch lacks, or
/// knows none of a history longer than one commit — that is a wrong or
/// lost database, not a crash.
pub fn reconcile(store: &Store, db: &Db) -> Result<ReconcileReport> {
    let db_err = |e: crate::db::DbError| StoreError::Inconsistent {
        store: store.path.clone(),
        what: format!("cannot read the database: {e}"),
    };
    let removed_locks = store.remove_stale_git_locks()?;
    let commits = store.commits()?;
    let on_branch: std::collections::HashSet<String> =
        commits.iter().map(|c| c.to_string()).collect();
    let recorded = db.recorded_commits().map_err(db_err)?;
    if let Some((source, missing)) = recorded.iter().find(|(_, c)| !on_branch.contains(c)) {
        return Err(StoreError::Inconsistent {
            store: store.path.clone(),
            what: format!(
                "the database records commit {missing} of source {source:?}, which the store's branch does not have; \
                 is [database] path pointing at the database of another store? Restore the matching store or database"
            ),
        });
    }
    let known: std::collections::HashSet<&str> = recorded.iter().map(|(_, c)| c.as_str()).collect();
    let keep = commits
        .iter()
        .rposition(|c| known.contains(c.to_string().as_str()));
    let unknown = commits.len() - keep.map_or(0, |i| i + 1);
    if keep.is_none() && commits.len() > 1 {
        return Err(StoreError::Inconsistent {
            store: store.path.clone(),
            what: format!(
                "the database records none of the store's {} commits; point [database] path at the right database, or move the store away to start afresh",
                commits.len()
            ),
        });
    }
    let tip = keep.map(|i| commits[i]);
    let rolled_back: Vec<Oid> = commits[commits.len() - unknown..]
        .iter()
        .rev()
        .copied()
        .collect();
    if !rolled_back.is_empty() {
        store.roll_back(tip)?;
    }
    Ok(ReconcileReport {
        rolled_back,
        tip,
        removed_locks,
    })
}
