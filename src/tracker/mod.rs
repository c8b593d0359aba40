//! The tracker: one check of a source, from fetch to git commit to SQLite
//! row, and the backfill of a history from dated files.
//!
//! Work is split so that the CPU-heavy part (extract, segment, diff, detect)
//! runs on blocking threads in parallel, while the two stores are written by
//! one writer at a time behind a mutex. The write protocol (git commit first,
//! then one SQLite transaction) and the crash repair are described in
//! [`crate::store`].

mod import;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::config::values::fill_diff_url;
use crate::config::{Config, Source};
use crate::db::{
    Db, DbError, HealthNotices, NewCheck, NewDelivery, NewVersion, Notice, Outcome, SourceStatus,
    VersionRecord, delivery_id, notice_delivery_id,
};
use crate::fetch::{FetchError, FetchOutcome, Fetcher, GuardOptions, check_body, parse_options};
use crate::model::{Document, InputFormat, ParseOptions, sha256_hex};
use crate::notify::{ChangeContext, PayloadFormat, VersionRef, build_payload};
use crate::report::{Event, Severity, Sides, Summary};
use crate::store::{CommitMeta, Store, StoreError, StoreLock, reconcile};

pub use import::{Highlight, ImportReport, dated_files};

/// Webhook bodies are bounded to this many bytes; evidence is trimmed first.
const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// Why the tracker could not run at all (a single source failing is not an
/// error: it is a [`CheckResult::Failed`]).
#[derive(Debug, Error)]
pub enum TrackerError {
    /// The git store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// An import folder problem.
    #[error("{path}: {problem}")]
    Import {
        /// The folder or file.
        path: String,
        /// What is wrong and what to do.
        problem: String,
    },
    /// A new config cannot be applied to the running tracker.
    #[error("config not reloaded: {0}")]
    Reload(String),
    /// A worker thread panicked; a bug.
    #[error("internal error: a worker thread failed: {0}")]
    Worker(String),
}

/// What one check of one source found.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckResult {
    /// Same snapshot as last time: nothing to do.
    Unchanged,
    /// The server said 304 Not Modified.
    NotModified,
    /// The raw snapshot changed but the normalised text did not: the
    /// snapshot was stored, no change was recorded (page-chrome churn).
    SnapshotOnly,
    /// A new version; `events` is empty for the first one.
    NewVersion {
        /// 1-based position of the version.
        seq: u32,
        /// Whether this is the source's first version.
        first: bool,
        /// The diff summary against the previous version.
        summary: Option<Summary>,
        /// The events, most severe first.
        events: Vec<Event>,
    },
    /// A guard fired (bot wall, tiny page, sudden shrink): not a version.
    Suspicious(String),
    /// The fetch or the extraction failed.
    Failed(String),
}

impl CheckResult {
    /// Whether this result counts as a failed check for the exit code.
    pub fn is_failure(&self) -> bool {
        matches!(self, CheckResult::Failed(_) | CheckResult::Suspicious(_))
    }
}

/// The result of checking one source.
#[derive(Debug, Clone)]
pub struct SourceReport {
    /// The source id.
    pub source: String,
    /// What happened.
    pub result: CheckResult,
    /// Wall time of the check.
    pub elapsed_ms: u64,
    /// The history imported from the source's `backfill` folder before its
    /// first check, if that happened now.
    pub backfill: Option<ImportReport>,
}

/// The two stores, written by one thread at a time.
struct Stores {
    store: Store,
    db: Db,
}

/// An open tracker: the lock, the stores and the HTTP client.
pub struct Tracker {
    // Behind locks so the daemon can reload them while checks run; each
    // check takes a snapshot when it starts and keeps it to the end.
    config: RwLock<Arc<Config>>,
    stores: Arc<Mutex<Stores>>,
    fetcher: RwLock<Fetcher>,
    // Held for the tracker's lifetime: one writer per store.
    _lock: StoreLock,
}

impl std::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("config", &self.config().file)
            .finish_non_exhaustive()
    }
}

impl Tracker {
    /// Take the store lock (waiting for it if `wait`), open the store and
    /// the database, repair what a crash may have left, and register the
    /// config's sources.
    pub fn open(config: Config, wait: bool) -> Result<Tracker, TrackerError> {
        let lock = StoreLock::acquire(&config.store.path, wait)?;
        let store = Store::open_or_init(&config.store.path)?;
        let mut db = Db::open(&config.database.path)?;
        let repaired = reconcile(&store, &db)?;
        if !repaired.removed_locks.is_empty() {
            tracing::warn!(
                files = ?repaired.removed_locks,
                "removed git lock files left by an interrupted run"
            );
        }
        if !repaired.rolled_back.is_empty() {
            tracing::warn!(
                commits = repaired.rolled_back.len(),
                "rolled back store commits that the database never recorded (an earlier run was interrupted)"
            );
        }
        db.sync_sources(&config.sources, Utc::now())?;
        let fetcher = Fetcher::new(config.fetch.fetch_options())?;
        Ok(Tracker {
            config: RwLock::new(Arc::new(config)),
            stores: Arc::new(Mutex::new(Stores { store, db })),
            fetcher: RwLock::new(fetcher),
            _lock: lock,
        })
    }

    /// The config in force.
    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Switch a running tracker to a new, already validated config (the
    /// daemon's reload). Checks already running finish with the old one.
    /// The store and the database cannot move while they are open.
    pub fn reload(&self, config: Config) -> Result<(), TrackerError> {
        let old = self.config();
        for (what, before, after) in [
            ("[store] path", &old.store.path, &config.store.path),
            ("[database] path", &old.database.path, &config.database.path),
        ] {
            if before != after {
                return Err(TrackerError::Reload(format!(
                    "{what} changed from {} to {}; restart the daemon to move it",
                    before.display(),
                    after.display()
                )));
            }
        }
        lock(&self.stores)
            .db
            .sync_sources(&config.sources, Utc::now())?;
        if config.fetch != old.fetch {
            let fetcher = Fetcher::new(config.fetch.fetch_options())?;
            *self
                .fetcher
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = fetcher;
        }
        *self
            .config
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(config);
        Ok(())
    }

    /// Every source's last check and health, from the database.
    pub fn sources_status(&self) -> Result<Vec<SourceStatus>, TrackerError> {
        Ok(lock(&self.stores).db.sources_status()?)
    }

    /// Check the given sources once, concurrently within the fetch limits.
    /// `done` is called as each source finishes (for progress output).
    pub async fn check(
        &self,
        sources: Vec<Source>,
        done: impl Fn(&SourceReport) + Send + Sync + 'static,
    ) -> Vec<SourceReport> {
        let done = Arc::new(done);
        let mut tasks = tokio::task::JoinSet::new();
        for (index, source) in sources.into_iter().enumerate() {
            let this = self.handle();
            let done = done.clone();
            tasks.spawn(async move {
                let report = this.check_one(source).await;
                done(&report);
                (index, report)
            });
        }
        let mut reports = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(r) => reports.push(r),
                Err(e) => tracing::error!(error = %e, "a check task failed"),
            }
        }
        reports.sort_by_key(|(i, _)| *i);
        reports.into_iter().map(|(_, r)| r).collect()
    }

    fn handle(&self) -> Handle {
        Handle {
            config: self.config(),
            stores: self.stores.clone(),
            fetcher: self
                .fetcher
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
        }
    }

    /// Backfill a source's history from a folder of dated files (see
    /// [`dated_files`]), oldest first, as if each had been fetched that day.
    pub fn import(
        &self,
        source: &Source,
        dir: &Path,
        progress: impl FnMut(usize, usize),
    ) -> Result<ImportReport, TrackerError> {
        import::run(&self.handle(), source, dir, progress)
    }
}

/// What a check task needs; cheap to clone into tasks.
#[derive(Clone)]
pub(crate) struct Handle {
    config: Arc<Config>,
    stores: Arc<Mutex<Stores>>,
    fetcher: Fetcher,
}

fn lock(stores: &Mutex<Stores>) -> MutexGuard<'_, Stores> {
    // A panic while holding the lock leaves the stores as consistent as a
    // crash would, which reconcile handles; keep going.
    stores
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A fetched body and what is known about it.
pub(crate) struct Fetched {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub http_status: Option<u16>,
    pub fetched_at: DateTime<Utc>,
    pub conditional: Option<crate::db::Conditional>,
    /// A live check (webhook alerts and health notices) rather than an
    /// import of history, whose changes are old news and must not page anyone.
    pub alerts: bool,
}

impl Handle {
    async fn check_one(&self, source: Source) -> SourceReport {
        let started = Instant::now();
        let backfill = match self.backfill(&source).await {
            Ok(b) => b,
            Err(e) => {
                return SourceReport {
                    source: source.id.clone(),
                    result: CheckResult::Failed(format!("backfill: {e}")),
                    elapsed_ms: started.elapsed().as_millis() as u64,
                    backfill: None,
                };
            }
        };
        let result = self.check_inner(&source, Instant::now(), Utc::now()).await;
        SourceReport {
            source: source.id.clone(),
            result,
            elapsed_ms: started.elapsed().as_millis() as u64,
            backfill,
        }
    }

    /// Import the source's `backfill` folder if it has one and no history yet.
    async fn backfill(&self, source: &Source) -> Result<Option<ImportReport>, TrackerError> {
        let Some(dir) = source.backfill.clone() else {
            return Ok(None);
        };
        let this = self.clone();
        let source = source.clone();
        tokio::task::spawn_blocking(move || {
            if lock(&this.stores).db.last_version(&source.id)?.is_some() {
                return Ok(None);
            }
            import::run(&this, &source, &dir, |_, _| {}).map(Some)
        })
        .await
        .map_err(|e| TrackerError::Worker(e.to_string()))?
    }

    async fn check_inner(
        &self,
        source: &Source,
        started: Instant,
        started_at: DateTime<Utc>,
    ) -> CheckResult {
        let id = source.id.clone();
        let conditional = {
            let stores = self.stores.clone();
            let id = id.clone();
            match tokio::task::spawn_blocking(move || lock(&stores).db.conditional(&id)).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => return CheckResult::Failed(e.to_string()),
                Err(e) => return CheckResult::Failed(format!("internal error: {e}")),
            }
        };
        let request = source.fetch_request(conditional.etag, conditional.last_modified);
        let outcome = self.fetcher.fetch(&request).await;
        let this = self.clone();
        let source = source.clone();
        let joined = tokio::task::spawn_blocking(move || match outcome {
            Ok(FetchOutcome::NotModified { .. }) => {
                let mut check = NewCheck::new(&source.id, started_at, Outcome::NotModified);
                check.http_status = Some(304);
                check.duration_ms = started.elapsed().as_millis() as u64;
                this.finish_check(&source, check, CheckResult::NotModified, true)
            }
            Ok(FetchOutcome::Fetched {
                status,
                content_type,
                etag,
                last_modified,
                body,
                ..
            }) => {
                let fetched = Fetched {
                    bytes: body,
                    content_type,
                    http_status: (source.url.scheme() != "file").then_some(status),
                    fetched_at: started_at,
                    conditional: Some(crate::db::Conditional {
                        etag,
                        last_modified,
                    }),
                    alerts: true,
                };
                this.record_fetched(&source, fetched, started)
            }
            Err(e) => {
                let mut check = NewCheck::new(&source.id, started_at, Outcome::Failed);
                check.http_status = e.status();
                check.error = Some(e.to_string());
                check.duration_ms = started.elapsed().as_millis() as u64;
                this.finish_check(&source, check, CheckResult::Failed(e.to_string()), true)
            }
        })
        .await;
        joined.unwrap_or_else(|e| CheckResult::Failed(format!("internal error: {e}")))
    }

    /// Record a check that made no version; a database error becomes the result.
    fn finish_check(
        &self,
        source: &Source,
        mut check: NewCheck,
        result: CheckResult,
        alerts: bool,
    ) -> CheckResult {
        if alerts {
            check.notices = self.health_notices(source, &check);
        }
        let threshold = self.config.watch.failure_threshold;
        match lock(&self.stores).db.record_check(&check, threshold) {
            Ok(_) => result,
            Err(e) => CheckResult::Failed(format!("could not record the check: {e}")),
        }
    }

    /// The `source.failing` / `source.recovered` notice this check would
    /// send if it changes the source's health (the database decides).
    fn health_notices(&self, source: &Source, check: &NewCheck) -> HealthNotices {
        let (kind, evidence) = if check.outcome.is_failure() {
            // The spec: "evidence: the last error".
            (
                "source.failing",
                check
                    .error
                    .clone()
                    .unwrap_or_else(|| format!("check {}", check.outcome.as_str())),
            )
        } else {
            (
                "source.recovered",
                format!("checked successfully again ({})", check.outcome.as_str()),
            )
        };
        let event = Event {
            kind: kind.into(),
            subject: Some(source.id.clone()),
            from: None,
            to: None,
            // Both kinds share one severity so a webhook that gets the
            // alarm also gets the all-clear.
            severity: Severity::Medium,
            section: Sides::default(),
            evidence: Sides {
                old: None,
                new: Some(evidence),
            },
        };
        let ctx = ChangeContext {
            kind: kind.into(),
            source: source.id.clone(),
            source_name: source.name.clone(),
            url: source.url.to_string(),
            old_version: None,
            new_version: None,
            detected_at: check.started_at.to_rfc3339(),
            diff_command: None,
            diff_url: None,
        };
        let deliveries = self.outbox_rows(source, &ctx, std::slice::from_ref(&event), |webhook| {
            notice_delivery_id(webhook, &source.id, kind, check.started_at)
        });
        let notice = Some(Notice { event, deliveries });
        if check.outcome.is_failure() {
            HealthNotices {
                failing: notice,
                recovered: None,
            }
        } else {
            HealthNotices {
                failing: None,
                recovered: notice,
            }
        }
    }

    /// The heart of a check, shared with import: compare a fetched body with
    /// the last version and record what it is. Runs on a blocking thread.
    pub(crate) fn record_fetched(
        &self,
        source: &Source,
        fetched: Fetched,
        started: Instant,
    ) -> CheckResult {
        let raw_sha = sha256_hex(&fetched.bytes);
        let new_check = |outcome| {
            let mut c = NewCheck::new(&source.id, fetched.fetched_at, outcome);
            c.http_status = fetched.http_status;
            c.bytes = Some(fetched.bytes.len() as u64);
            c.conditional = fetched.conditional.clone();
            c.duration_ms = started.elapsed().as_millis() as u64;
            c
        };

        // Cheap reads first, so an unchanged source costs one hash.
        let (last, old_text) = {
            let stores = lock(&self.stores);
            let stored_sha = match stores.db.snapshot_sha256(&source.id) {
                Ok(s) => s,
                Err(e) => return CheckResult::Failed(e.to_string()),
            };
            if stored_sha.as_deref() == Some(raw_sha.as_str()) {
                drop(stores);
                return self.finish_check(
                    source,
                    new_check(Outcome::Unchanged),
                    CheckResult::Unchanged,
                    fetched.alerts,
                );
            }
            let last = match stores.db.last_version(&source.id) {
                Ok(l) => l,
                Err(e) => return CheckResult::Failed(e.to_string()),
            };
            let old_text = match &last {
                Some(l) => match git2::Oid::from_str(&l.version_commit)
                    .map_err(|e| e.to_string())
                    .and_then(|oid| {
                        stores
                            .store
                            .read_version(&source.id, oid)
                            .map_err(|e| e.to_string())
                    }) {
                    Ok(t) => Some(t),
                    Err(e) => return CheckResult::Failed(e),
                },
                None => None,
            };
            (last, old_text)
        };

        // Extraction, guards and the diff run without the lock.
        let opts = parse_options(
            &source.parse_options(),
            fetched.content_type.as_deref(),
            source.url.as_str(),
            &fetched.bytes,
        );
        let doc = match Document::parse(source.url.as_str(), &fetched.bytes, &opts) {
            Ok(d) => d,
            Err(e) => {
                let msg = format!("{}: {e}", source.url);
                let mut check = new_check(Outcome::Failed);
                check.error = Some(msg.clone());
                return self.finish_check(source, check, CheckResult::Failed(msg), fetched.alerts);
            }
        };
        let words = doc.word_count();
        let guard_opts = GuardOptions {
            min_words: self.config.fetch.min_words,
            shrink_threshold: self.config.fetch.shrink_threshold,
            ..GuardOptions::default()
        };
        let raw_text =
            String::from_utf8_lossy(&fetched.bytes[..fetched.bytes.len().min(64 * 1024)]);
        let guard = check_body(
            fetched.http_status.unwrap_or(200),
            &raw_text,
            words,
            last.as_ref().map(|l| l.word_count.max(0) as usize),
            &guard_opts,
        );
        if !guard.is_ok() {
            let msg = guard.describe();
            let mut check = new_check(Outcome::Suspicious);
            check.error = Some(msg.clone());
            // Keep the old validators: the next fetch must not get a 304 for a bot wall.
            check.conditional = None;
            return self.finish_check(source, check, CheckResult::Suspicious(msg), fetched.alerts);
        }
        let markdown = doc.to_markdown();
        let text_sha = sha256_hex(markdown.as_bytes());
        let meta = CommitMeta {
            url: source.url.to_string(),
            http_status: fetched.http_status,
        };
        let ext = doc.format.extension();
        // Git first, then SQLite: see the consistency protocol in crate::store.
        let commit = |stores: &mut Stores| {
            stores.store.commit_version(
                &source.id,
                Some((&fetched.bytes, ext)),
                Some(&markdown),
                fetched.fetched_at,
                &meta,
            )
        };

        if last.as_ref().is_some_and(|l| l.text_sha256 == text_sha) {
            let mut stores = lock(&self.stores);
            let committed = match commit(&mut stores) {
                Ok(c) => c,
                Err(e) => return CheckResult::Failed(e.to_string()),
            };
            let mut check = new_check(Outcome::SnapshotOnly);
            check.commit = committed.map(|c| c.id.to_string());
            check.snapshot_sha256 = Some(raw_sha);
            if fetched.alerts {
                check.notices = self.health_notices(source, &check);
            }
            let threshold = self.config.watch.failure_threshold;
            return match stores.db.record_check(&check, threshold) {
                Ok(_) => CheckResult::SnapshotOnly,
                Err(e) => CheckResult::Failed(e.to_string()),
            };
        }

        let seq = last.as_ref().map_or(1, |l| l.seq + 1);
        let label = |n: u32| format!("{}@{n}", source.id);
        let (summary, events) = match (&last, &old_text) {
            (Some(l), Some(old_text)) => {
                // Both sides are compared as stored, normalised Markdown, so a
                // later `diff SOURCE@a SOURCE@b` says exactly the same.
                let md = ParseOptions {
                    format: Some(InputFormat::Markdown),
                    language: source.language.clone(),
                    ..ParseOptions::default()
                };
                let old = Document::parse(&label(l.seq), old_text.as_bytes(), &md);
                let new = Document::parse(&label(seq), markdown.as_bytes(), &md);
                match (old, new) {
                    (Ok(old), Ok(new)) => {
                        let report = crate::diff(&old, &new);
                        (Some(report.summary), report.events)
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        return CheckResult::Failed(format!(
                            "cannot re-read the stored version of {}: {e}",
                            source.id
                        ));
                    }
                }
            }
            _ => (None, Vec::new()),
        };

        let mut stores = lock(&self.stores);
        let committed = match commit(&mut stores) {
            Ok(Some(c)) => c,
            Ok(None) => {
                return CheckResult::Failed(format!(
                    "{}: the store already holds this text but the database does not; run `policywatch check` again to repair",
                    source.id
                ));
            }
            Err(e) => return CheckResult::Failed(e.to_string()),
        };
        let commit = committed.id.to_string();
        let deliveries = if fetched.alerts {
            self.deliveries(source, &last, seq, &commit, &fetched, &events)
        } else {
            Vec::new()
        };
        let mut check = new_check(Outcome::NewVersion);
        check.commit = Some(commit.clone());
        check.snapshot_sha256 = Some(raw_sha.clone());
        if fetched.alerts {
            check.notices = self.health_notices(source, &check);
        }
        let record = VersionRecord {
            check,
            version: NewVersion {
                version_commit: commit.clone(),
                snapshot_commit: Some(commit),
                raw_sha256: raw_sha,
                text_sha256: text_sha,
                fetched_at: fetched.fetched_at,
                word_count: words,
                format: doc.format.as_str().to_string(),
                url: source.url.to_string(),
            },
            summary: summary.as_ref(),
            events: &events,
            deliveries,
        };
        let threshold = self.config.watch.failure_threshold;
        match stores.db.record_version_with_change(&record, threshold) {
            Ok(rec) => CheckResult::NewVersion {
                seq: rec.seq,
                first: last.is_none(),
                summary,
                events,
            },
            Err(e) => CheckResult::Failed(e.to_string()),
        }
    }

    /// The outbox rows for a new version's events: one per webhook that
    /// wants at least one of them.
    fn deliveries(
        &self,
        source: &Source,
        last: &Option<crate::db::VersionRow>,
        seq: u32,
        commit: &str,
        fetched: &Fetched,
        events: &[Event],
    ) -> Vec<NewDelivery> {
        if events.is_empty() {
            return Vec::new();
        }
        let ctx = ChangeContext {
            kind: "change".into(),
            source: source.id.clone(),
            source_name: source.name.clone(),
            url: source.url.to_string(),
            old_version: last.as_ref().map(|l| VersionRef {
                seq: l.seq.into(),
                commit: l.version_commit.clone(),
                fetched_at: l.fetched_at.to_rfc3339(),
            }),
            new_version: Some(VersionRef {
                seq: seq.into(),
                commit: commit.to_string(),
                fetched_at: fetched.fetched_at.to_rfc3339(),
            }),
            detected_at: Utc::now().to_rfc3339(),
            diff_command: last
                .as_ref()
                .map(|l| format!("policywatch diff {id}@{} {id}@{seq}", l.seq, id = source.id)),
            diff_url: last.as_ref().zip(self.config.store.diff_url.as_ref()).map(
                |(l, template)| {
                    fill_diff_url(
                        template,
                        &[
                            ("source", &source.id),
                            ("old", &l.version_commit),
                            ("new", commit),
                            ("old_seq", &l.seq.to_string()),
                            ("new_seq", &seq.to_string()),
                        ],
                    )
                },
            ),
        };
        self.outbox_rows(source, &ctx, events, |webhook| {
            delivery_id(webhook, &source.id, commit)
        })
    }

    /// One outbox row per webhook that wants at least one of `events`, its
    /// body built now so that what is queued is exactly what is sent.
    fn outbox_rows(
        &self,
        source: &Source,
        ctx: &ChangeContext,
        events: &[Event],
        id_of: impl Fn(&str) -> String,
    ) -> Vec<NewDelivery> {
        self.config
            .webhooks
            .iter()
            .filter_map(|w| {
                let picked: Vec<usize> = events
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| w.wants(&source.id, &e.kind, e.severity))
                    .map(|(i, _)| i)
                    .collect();
                if picked.is_empty() {
                    return None;
                }
                let chosen: Vec<Event> = picked.iter().map(|&i| events[i].clone()).collect();
                let format = w.format.as_str().parse().unwrap_or(PayloadFormat::Json);
                let id = id_of(&w.name);
                let body = build_payload(format, ctx, &id, &chosen, MAX_PAYLOAD_BYTES);
                Some(NewDelivery {
                    webhook: w.name.clone(),
                    event_indexes: picked,
                    payload: String::from_utf8_lossy(&body).into_owned(),
                })
            })
            .collect()
    }
}
