//! The recording protocol in one call: compare a fetch with the last
//! version, commit to git if something changed, then write the database in
//! one transaction. See the consistency notes in [`super`].

use chrono::{DateTime, Utc};
use git2::Oid;
use thiserror::Error;

use super::{CommitMeta, RecordKind, Store, StoreError, sha256_hex};
use crate::db::{
    CheckRecorded, Conditional, Db, DbError, NewCheck, NewDelivery, NewVersion, Outcome,
    VersionRecord, VersionRecorded, VersionRow,
};
use crate::report::{Event, Summary};

/// A successful fetch, extracted and normalised, ready to record.
#[derive(Debug, Clone)]
pub struct Fetched<'a> {
    /// The source.
    pub source_id: &'a str,
    /// Where it came from (after redirects).
    pub url: &'a str,
    /// The raw bytes as fetched.
    pub raw: &'a [u8],
    /// Snapshot extension (`InputFormat::extension`).
    pub ext: &'a str,
    /// The normalised Markdown (`segment::to_markdown`).
    pub normalised: &'a str,
    /// Words of policy text.
    pub word_count: usize,
    /// Input format name (`InputFormat::as_str`).
    pub format: &'a str,
    /// When the check started.
    pub started_at: DateTime<Utc>,
    /// When the body arrived (commit time; for imports, the file's date).
    pub fetched_at: DateTime<Utc>,
    /// How long the check took.
    pub duration_ms: u64,
    /// The HTTP status (none for files).
    pub http_status: Option<u16>,
    /// New validators to remember.
    pub conditional: Option<Conditional>,
}

/// What the diff of the previous and the new version found.
#[derive(Debug, Clone, Default)]
pub struct Detected {
    /// The diff summary.
    pub summary: Summary,
    /// The events.
    pub events: Vec<Event>,
    /// Webhook deliveries (indexes into `events`).
    pub deliveries: Vec<NewDelivery>,
}

/// What the diff callback gets.
#[derive(Debug)]
pub struct DiffInput<'a> {
    /// The previous version's row.
    pub previous: &'a VersionRow,
    /// The previous version's normalised text, read from git.
    pub old_text: &'a str,
    /// The new version's position.
    pub new_seq: u32,
    /// The new version's commit (already on the branch).
    pub new_commit: Oid,
}

/// What [`record_fetch`] recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Same text and same snapshot: only a check row.
    Unchanged(CheckRecorded),
    /// Same text, new snapshot: a commit and a check row, no events.
    SnapshotOnly {
        /// The commit.
        commit: Oid,
        /// The check.
        check: CheckRecorded,
    },
    /// New text: a commit, a version, its change, events and deliveries.
    NewVersion {
        /// The commit.
        commit: Oid,
        /// The previous version, if any.
        previous: Option<Box<VersionRow>>,
        /// The rows written.
        version: VersionRecorded,
    },
}

/// Why recording failed. A failure after the git commit leaves a commit the
/// database does not know; [`super::reconcile`] repairs it at the next start.
#[derive(Debug, Error)]
pub enum RecordError {
    /// The git side.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database side.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Records one good fetch: unchanged, snapshot-only or a new version.
/// `diff` is called only for a new version that has a predecessor, after
/// the git commit and before the database transaction.
pub fn record_fetch(
    store: &Store,
    db: &mut Db,
    f: &Fetched<'_>,
    failure_threshold: u32,
    diff: impl FnOnce(DiffInput<'_>) -> Detected,
) -> Result<Recorded, RecordError> {
    let previous = db.last_version(f.source_id)?;
    let raw_sha = sha256_hex(f.raw);
    let mut check = NewCheck {
        duration_ms: f.duration_ms,
        http_status: f.http_status,
        bytes: Some(f.raw.len() as u64),
        conditional: f.conditional.clone(),
        snapshot_sha256: Some(raw_sha.clone()),
        ..NewCheck::new(f.source_id, f.started_at, Outcome::Unchanged)
    };
    let same_text = previous
        .as_ref()
        .is_some_and(|p| p.text_sha256 == sha256_hex(f.normalised.as_bytes()));
    // The common case of a watch pass: nothing changed, git is not touched.
    if same_text && db.snapshot_sha256(f.source_id)?.as_deref() == Some(raw_sha.as_str()) {
        return Ok(Recorded::Unchanged(
            db.record_check(&check, failure_threshold)?,
        ));
    }
    let meta = CommitMeta {
        url: f.url.to_string(),
        http_status: f.http_status,
    };
    // With the same text, only the snapshot can change: no version.md write.
    let text = (!same_text).then_some(f.normalised);
    let committed =
        store.commit_version(f.source_id, Some((f.raw, f.ext)), text, f.fetched_at, &meta)?;
    let Some(c) = committed else {
        return Ok(Recorded::Unchanged(
            db.record_check(&check, failure_threshold)?,
        ));
    };
    check.commit = Some(c.id.to_string());
    if c.kind == RecordKind::SnapshotOnly {
        check.outcome = Outcome::SnapshotOnly;
        let rec = db.record_check(&check, failure_threshold)?;
        return Ok(Recorded::SnapshotOnly {
            commit: c.id,
            check: rec,
        });
    }
    check.outcome = Outcome::NewVersion;
    let detected = match &previous {
        None => Detected::default(),
        Some(p) => {
            let old_text = store.read_version(f.source_id, oid(store, &p.version_commit)?)?;
            diff(DiffInput {
                previous: p,
                old_text: &old_text,
                new_seq: p.seq + 1,
                new_commit: c.id,
            })
        }
    };
    let record = VersionRecord {
        check,
        version: NewVersion {
            version_commit: c.id.to_string(),
            snapshot_commit: Some(c.id.to_string()),
            raw_sha256: c
                .snapshot_sha256
                .clone()
                .unwrap_or_else(|| sha256_hex(f.raw)),
            text_sha256: c
                .text_sha256
                .clone()
                .unwrap_or_else(|| sha256_hex(f.normalised.as_bytes())),
            fetched_at: f.fetched_at,
            word_count: f.word_count,
            format: f.format.to_string(),
            url: f.url.to_string(),
        },
        summary: previous.as_ref().map(|_| &detected.summary),
        events: &detected.events,
        deliveries: detected.deliveries.clone(),
    };
    let version = db.record_version_with_change(&record, failure_threshold)?;
    Ok(Recorded::NewVersion {
        commit: c.id,
        previous: previous.map(Box::new),
        version,
    })
}

fn oid(store: &Store, hex: &str) -> Result<Oid, StoreError> {
    Oid::from_str(hex).map_err(|source| StoreError::Git {
        path: store.path().to_path_buf(),
        source,
    })
}
