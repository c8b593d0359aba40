//! The SQLite log: sources, every check, versions, changes, events and the
//! webhook outbox.
//!
//! [`Db`] owns one connection. It is `Send` but not `Sync` and never
//! blocks on async: callers in async code run it on a dedicated thread or
//! in `spawn_blocking`. The file uses WAL (readers never block the single
//! writer), foreign keys are enforced and a busy timeout rides out short
//! lock waits from another reader such as `policywatch log`.
//!
//! The schema is versioned by `PRAGMA user_version`; migrations are the
//! numbered files under `src/db/migrations/`, each applied in its own
//! transaction. A database newer than this binary is refused.
//!
//! Write transactions are IMMEDIATE: they take the write lock up front, so
//! a concurrent reader never turns them into a mid-transaction BUSY error.
//!
//! All times are stored as UTC RFC 3339 text with milliseconds, so that
//! text order is time order and the indexes serve range queries.

mod outbox;
mod types;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use thiserror::Error;

use crate::report::{Event, Severity, Sides};
pub use outbox::{delivery_id, notice_delivery_id};
pub use types::*;

/// Numbered migrations; position + 1 is the schema version it produces.
const MIGRATIONS: &[(&str, &str)] = &[("001_initial", include_str!("migrations/001_initial.sql"))];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Why a database operation failed.
#[derive(Debug, Error)]
pub enum DbError {
    /// SQLite reported an error.
    #[error(
        "database {path}: {source}; check that the file is a policywatch database and the disk is writable"
    )]
    Sqlite {
        /// The database file.
        path: String,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The database's folder could not be created.
    #[error(
        "cannot create the folder of database {path}: {source}; check [database] path in config.toml"
    )]
    Io {
        /// The database file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was written by a newer policywatch.
    #[error(
        "database {path} has schema version {found}, newer than this policywatch understands ({known}); upgrade policywatch"
    )]
    TooNew {
        /// The database file.
        path: String,
        /// Its `user_version`.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// A source id that the database does not know.
    #[error(
        "database {path}: unknown source {id:?}; add it to config.toml and run `policywatch check` first"
    )]
    UnknownSource {
        /// The database file.
        path: String,
        /// The id.
        id: String,
    },
    /// A new version whose text equals the last version's.
    #[error(
        "source {source_id:?}: the new version has the same text as version {seq}; record the check as unchanged or snapshot-only instead"
    )]
    DuplicateVersion {
        /// The source.
        source_id: String,
        /// The existing version's position.
        seq: u32,
    },
    /// A stored value that does not parse (a hand-edited database).
    #[error("database {path}: bad value in {column}: {value:?}")]
    BadValue {
        /// The database file.
        path: String,
        /// Table and column.
        column: String,
        /// The value.
        value: String,
    },
    /// A delivery id that is not in the outbox.
    #[error("no webhook delivery with id {0:?}; list them with `policywatch webhook deliveries`")]
    UnknownDelivery(String),
    /// A delivery's event index out of range.
    #[error(
        "delivery for webhook {webhook:?} names event #{index} but only {count} events were given"
    )]
    BadEventIndex {
        /// Webhook name.
        webhook: String,
        /// The index.
        index: usize,
        /// Number of events.
        count: usize,
    },
}

/// Result alias for this module.
pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// Formats a time the way it is stored.
pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The end of a UTC day as stored (for "in force that day" queries).
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_milli_opt(23, 59, 59, 999)
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// An open policywatch database.
pub struct Db {
    conn: Connection,
    path: String,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Db> {
        let name = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // A missing folder would give SQLite's opaque "unable to open".
            std::fs::create_dir_all(parent).map_err(|source| DbError::Io {
                path: name.clone(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| DbError::Sqlite {
            path: name.clone(),
            source,
        })?;
        Db::setup(conn, name)
    }

    /// An in-memory database (tests, dry runs).
    pub fn open_in_memory() -> Result<Db> {
        let conn = Connection::open_in_memory().map_err(|source| DbError::Sqlite {
            path: ":memory:".into(),
            source,
        })?;
        Db::setup(conn, ":memory:".into())
    }

    fn setup(conn: Connection, path: String) -> Result<Db> {
        let mut db = Db { conn, path };
        let sql =
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";
        db.conn.execute_batch(sql).map_err(|e| db.err(e))?;
        db.conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| db.err(e))?;
        db.migrate()?;
        Ok(db)
    }

    /// The file it was opened from.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }

    fn err(&self, source: rusqlite::Error) -> DbError {
        sqlite_err(&self.path)(source)
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<()> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(DbError::TooNew {
                path: self.path.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        for (i, (_name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let err = sqlite_err(&self.path);
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            tx.execute_batch(sql).map_err(err)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(())
    }

    /// Adds the sources of the config, or updates their name, URL and type.
    /// Sources removed from the config keep their history.
    pub fn sync_sources(
        &mut self,
        sources: &[crate::config::Source],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let err = sqlite_err(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO sources (id, name, url, type, added_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(id) DO UPDATE SET name = excluded.name, url = excluded.url, type = excluded.type",
                )
                .map_err(err)?;
            for s in sources {
                stmt.execute(params![s.id, s.name, s.url.as_str(), s.doc_type, ts(now)])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Adds one source (or updates it), without a config.
    pub fn upsert_source(
        &mut self,
        id: &str,
        name: &str,
        url: &str,
        doc_type: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO sources (id, name, url, type, added_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, url = excluded.url, type = excluded.type",
                params![id, name, url, doc_type, ts(now)],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn require_source(&self, id: &str) -> Result<()> {
        let found: Option<i64> = self
            .conn
            .query_row("SELECT 1 FROM sources WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        match found {
            Some(_) => Ok(()),
            None => Err(DbError::UnknownSource {
                path: self.path.clone(),
                id: id.to_string(),
            }),
        }
    }

    /// The stored ETag / Last-Modified of a source.
    pub fn conditional(&self, source_id: &str) -> Result<Conditional> {
        self.conn
            .query_row(
                "SELECT etag, last_modified FROM sources WHERE id = ?1",
                [source_id],
                |r| {
                    Ok(Conditional {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| DbError::UnknownSource {
                path: self.path.clone(),
                id: source_id.into(),
            })
    }

    /// SHA-256 of the raw snapshot the store holds for a source, as last recorded.
    pub fn snapshot_sha256(&self, source_id: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT snapshot_sha256 FROM sources WHERE id = ?1",
                [source_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| DbError::UnknownSource {
                path: self.path.clone(),
                id: source_id.into(),
            })
    }

    /// Replaces the stored ETag / Last-Modified of a source.
    pub fn set_conditional(&self, source_id: &str, c: &Conditional) -> Result<()> {
        self.require_source(source_id)?;
        self.conn
            .execute(
                "UPDATE sources SET etag = ?2, last_modified = ?3 WHERE id = ?1",
                params![source_id, c.etag, c.last_modified],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records a check that produced no version (unchanged, not modified,
    /// snapshot only, failed, suspicious) and updates the source's health.
    /// `failure_threshold` is `[watch] failure_threshold`.
    pub fn record_check(
        &mut self,
        check: &NewCheck,
        failure_threshold: u32,
    ) -> Result<CheckRecorded> {
        self.require_source(&check.source_id)?;
        let err = sqlite_err(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let rec = insert_check(&tx, check, None, failure_threshold).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(rec)
    }

    /// Records a new version with its check, change, events and webhook
    /// deliveries in ONE transaction: either all of it is stored or none.
    /// `seq` is the next position; the change's old side is the source's
    /// previous version.
    pub fn record_version_with_change(
        &mut self,
        rec: &VersionRecord<'_>,
        failure_threshold: u32,
    ) -> Result<VersionRecorded> {
        let source_id = rec.check.source_id.as_str();
        self.require_source(source_id)?;
        for d in &rec.deliveries {
            if let Some(&index) = d.event_indexes.iter().find(|&&i| i >= rec.events.len()) {
                return Err(DbError::BadEventIndex {
                    webhook: d.webhook.clone(),
                    index,
                    count: rec.events.len(),
                });
            }
        }
        let last = self.last_version(source_id)?;
        if let Some(last) = last
            .as_ref()
            .filter(|l| l.text_sha256 == rec.version.text_sha256)
        {
            return Err(DbError::DuplicateVersion {
                source_id: source_id.into(),
                seq: last.seq,
            });
        }
        let seq = last.as_ref().map_or(1, |l| l.seq + 1);
        let err = sqlite_err(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let v = &rec.version;
        tx.execute(
            "INSERT INTO versions (source_id, seq, snapshot_commit, version_commit, raw_sha256, text_sha256, fetched_at, word_count, format, url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![source_id, seq, v.snapshot_commit, v.version_commit, v.raw_sha256, v.text_sha256, ts(v.fetched_at), v.word_count as i64, v.format, v.url],
        )
        .map_err(err)?;
        let version_id = tx.last_insert_rowid();
        let check =
            insert_check(&tx, &rec.check, Some(version_id), failure_threshold).map_err(err)?;
        let detected_at = ts(rec.check.started_at.max(v.fetched_at));
        let change_id = match rec.summary {
            None => None,
            Some(s) => {
                let json = serde_json::to_string(s).unwrap_or_else(|_| "{}".into());
                tx.execute(
                    "INSERT INTO changes (source_id, old_version_id, new_version_id, summary, substantive, sections_added, sections_removed,
                       sections_modified, words_added, words_removed, event_count, max_severity, detected_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    params![
                        source_id,
                        last.as_ref().map(|l| l.id),
                        version_id,
                        json,
                        s.substantive,
                        s.sections_added as i64,
                        s.sections_removed as i64,
                        s.sections_modified as i64,
                        s.words_added as i64,
                        s.words_removed as i64,
                        rec.events.len() as i64,
                        s.max_severity.map(Severity::as_str),
                        detected_at
                    ],
                )
                .map_err(err)?;
                Some(tx.last_insert_rowid())
            }
        };
        let mut event_ids = Vec::with_capacity(rec.events.len());
        for e in rec.events {
            event_ids.push(
                insert_event(&tx, e, source_id, change_id, Some(version_id), &detected_at)
                    .map_err(err)?,
            );
        }
        let mut delivery_ids = Vec::with_capacity(rec.deliveries.len());
        for d in &rec.deliveries {
            let id = delivery_id(&d.webhook, source_id, &v.version_commit);
            let ids: Vec<i64> = d.event_indexes.iter().map(|&i| event_ids[i]).collect();
            outbox::insert(&tx, &id, d, source_id, change_id, &ids, &detected_at).map_err(err)?;
            delivery_ids.push(id);
        }
        tx.commit().map_err(err)?;
        Ok(VersionRecorded {
            version_id,
            seq,
            change_id,
            event_ids,
            delivery_ids,
            check,
        })
    }

    /// The newest version of a source.
    pub fn last_version(&self, source_id: &str) -> Result<Option<VersionRow>> {
        self.version_where(source_id, "ORDER BY seq DESC LIMIT 1", None)
    }

    /// The version at a 1-based position.
    pub fn version_by_seq(&self, source_id: &str, seq: u32) -> Result<Option<VersionRow>> {
        self.version_where(source_id, "AND seq = ?2", Some(seq.to_string()))
    }

    /// The version in force at the end of a UTC day: the newest fetched on or before it.
    pub fn version_at(&self, source_id: &str, day: NaiveDate) -> Result<Option<VersionRow>> {
        self.version_where(
            source_id,
            "AND fetched_at <= ?2 ORDER BY seq DESC LIMIT 1",
            Some(ts(end_of_day(day))),
        )
    }

    /// The version recorded for a commit (full hex id).
    pub fn version_by_commit(&self, source_id: &str, commit: &str) -> Result<Option<VersionRow>> {
        self.version_where(
            source_id,
            "AND version_commit = ?2",
            Some(commit.to_string()),
        )
    }

    fn version_where(
        &self,
        source_id: &str,
        tail: &str,
        arg: Option<String>,
    ) -> Result<Option<VersionRow>> {
        let sql = format!("{VERSION_COLUMNS} WHERE source_id = ?1 {tail}");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let row = match arg {
            None => stmt.query_row(params![source_id], version_row).optional(),
            Some(a) => stmt
                .query_row(params![source_id, a], version_row)
                .optional(),
        };
        row.map_err(|e| self.err(e))?
            .transpose()
            .map_err(|c| self.bad(c))
    }

    fn bad(&self, (column, value): (String, String)) -> DbError {
        DbError::BadValue {
            path: self.path.clone(),
            column,
            value,
        }
    }

    /// All versions of a source, oldest first.
    pub fn versions(&self, source_id: &str) -> Result<Vec<VersionRow>> {
        let sql = format!("{VERSION_COLUMNS} WHERE source_id = ?1 ORDER BY seq");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([source_id], version_row)
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|r| r.map_err(|c| self.bad(c)))
            .collect()
    }

    /// Events, newest first, filtered for `policywatch log`.
    pub fn events(&self, f: &EventFilter) -> Result<Vec<EventRow>> {
        let mut sql = String::from(
            "SELECT e.id, e.source_id, v.seq, e.detected_at, e.kind, e.subject, e.from_value, e.to_value, e.severity,
                    e.section_old, e.section_new, e.evidence_old, e.evidence_new
             FROM events e LEFT JOIN versions v ON v.id = e.version_id WHERE 1 = 1",
        );
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut push = |clause: &str, v: rusqlite::types::Value| {
            args.push(v);
            sql.push_str(&format!(" AND {clause} ?{}", args.len()));
        };
        if let Some(s) = &f.source {
            push("e.source_id =", s.clone().into());
        }
        if let Some(k) = &f.kind {
            push("e.kind GLOB", k.clone().into());
        }
        if let Some(m) = f.min_severity {
            push("e.severity_rank >=", (m as i64).into());
        }
        if let Some(t) = f.since {
            push("e.detected_at >=", ts(t).into());
        }
        if let Some(v) = f.version_id {
            push("e.version_id =", v.into());
        }
        sql.push_str(" ORDER BY e.detected_at DESC, e.id DESC");
        if let Some(l) = f.limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), event_row)
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|r| r.map_err(|c| self.bad(c)))
            .collect()
    }

    /// Every source with its last check and health, by id.
    pub fn sources_status(&self) -> Result<Vec<SourceStatus>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, s.name, s.url, s.type, s.added_at, s.last_checked_at, s.last_success_at, s.last_outcome, s.last_error,
                        s.consecutive_failures, s.health,
                        (SELECT COUNT(*) FROM versions v WHERE v.source_id = s.id),
                        (SELECT MAX(fetched_at) FROM versions v WHERE v.source_id = s.id)
                 FROM sources s ORDER BY s.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    SourceStatus {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        url: r.get(2)?,
                        doc_type: r.get(3)?,
                        added_at: DateTime::<Utc>::MIN_UTC,
                        last_checked_at: None,
                        last_success_at: None,
                        last_outcome: r.get(7)?,
                        last_error: r.get(8)?,
                        consecutive_failures: r.get(9)?,
                        health: r.get(10)?,
                        versions: r.get(11)?,
                        last_version_at: None,
                    },
                    [
                        r.get::<_, Option<String>>(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(12)?,
                    ],
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(mut s, [added, checked, success, last_v])| {
                let t = |v: Option<String>, c: &str| v.map(|v| parse_ts(&v, c)).transpose();
                s.added_at = t(added, "sources.added_at")?.unwrap_or(DateTime::<Utc>::MIN_UTC);
                s.last_checked_at = t(checked, "sources.last_checked_at")?;
                s.last_success_at = t(success, "sources.last_success_at")?;
                s.last_version_at = t(last_v, "versions.fetched_at")?;
                Ok(s)
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|c| self.bad(c))
    }

    /// Whether any version or check refers to this git commit (full hex id).
    pub fn knows_commit(&self, commit: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM versions WHERE version_commit = ?1 OR snapshot_commit = ?1)
                     OR EXISTS (SELECT 1 FROM checks WHERE commit_id = ?1)",
                [commit],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Every git commit the database refers to, with the source it belongs to.
    pub fn recorded_commits(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT source_id, version_commit FROM versions
                 UNION SELECT source_id, snapshot_commit FROM versions WHERE snapshot_commit IS NOT NULL
                 UNION SELECT source_id, commit_id FROM checks WHERE commit_id IS NOT NULL",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e));
        #[allow(clippy::let_and_return)] // the statement must outlive the rows
        rows
    }

    /// Checks of a source, newest first (at most `limit`).
    pub fn checks(&self, source_id: &str, limit: usize) -> Result<Vec<CheckRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, started_at, duration_ms, outcome, http_status, bytes, error, version_id, commit_id
                 FROM checks WHERE source_id = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![source_id, limit as i64], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(3)?,
                    CheckRow {
                        id: r.get(0)?,
                        started_at: DateTime::<Utc>::MIN_UTC,
                        duration_ms: r.get(2)?,
                        outcome: Outcome::Failed,
                        http_status: r.get(4)?,
                        bytes: r.get(5)?,
                        error: r.get(6)?,
                        version_id: r.get(7)?,
                        commit: r.get(8)?,
                    },
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(t, o, row)| {
                let started_at = parse_ts(&t, "checks.started_at").map_err(|c| self.bad(c))?;
                let outcome = o
                    .parse()
                    .map_err(|_| self.bad(("checks.outcome".into(), o.clone())))?;
                Ok(CheckRow {
                    started_at,
                    outcome,
                    ..row
                })
            })
            .collect()
    }

    /// The raw connection, for read-only reports this API lacks.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

const VERSION_COLUMNS: &str = "SELECT id, source_id, seq, snapshot_commit, version_commit, raw_sha256, text_sha256, fetched_at, word_count, format, url FROM versions";

type Parsed<T> = std::result::Result<T, (String, String)>;

/// Parses a stored time; the error names the column and value.
fn parse_ts(s: &str, column: &str) -> Parsed<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| (column.to_string(), s.to_string()))
}

fn version_row(r: &Row<'_>) -> rusqlite::Result<Parsed<VersionRow>> {
    let fetched: String = r.get(7)?;
    let row = VersionRow {
        id: r.get(0)?,
        source_id: r.get(1)?,
        seq: r.get(2)?,
        snapshot_commit: r.get(3)?,
        version_commit: r.get(4)?,
        raw_sha256: r.get(5)?,
        text_sha256: r.get(6)?,
        fetched_at: DateTime::<Utc>::MIN_UTC,
        word_count: r.get(8)?,
        format: r.get(9)?,
        url: r.get(10)?,
    };
    Ok(
        parse_ts(&fetched, "versions.fetched_at").map(|t| VersionRow {
            fetched_at: t,
            ..row
        }),
    )
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<Parsed<EventRow>> {
    let detected: String = r.get(3)?;
    let severity: String = r.get(8)?;
    let event = Event {
        kind: r.get(4)?,
        subject: r.get(5)?,
        from: r.get(6)?,
        to: r.get(7)?,
        severity: Severity::Info,
        section: Sides {
            old: r.get(9)?,
            new: r.get(10)?,
        },
        evidence: Sides {
            old: r.get(11)?,
            new: r.get(12)?,
        },
    };
    let (id, source, version) = (r.get(0)?, r.get(1)?, r.get(2)?);
    Ok((|| {
        let severity = severity
            .parse()
            .map_err(|_| ("events.severity".to_string(), severity.clone()))?;
        Ok(EventRow {
            id,
            source,
            version,
            detected_at: parse_ts(&detected, "events.detected_at")?,
            event: Event { severity, ..event },
        })
    })())
}

fn insert_event(
    tx: &rusqlite::Transaction<'_>,
    e: &Event,
    source_id: &str,
    change_id: Option<i64>,
    version_id: Option<i64>,
    at: &str,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO events (change_id, source_id, version_id, kind, subject, from_value, to_value, severity, severity_rank,
                             section_old, section_new, evidence_old, evidence_new, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        change_id,
        source_id,
        version_id,
        e.kind,
        e.subject,
        e.from,
        e.to,
        e.severity.as_str(),
        e.severity as i64,
        e.section.old,
        e.section.new,
        e.evidence.old,
        e.evidence.new,
        at
    ])?;
    Ok(tx.last_insert_rowid())
}

fn insert_check(
    tx: &rusqlite::Transaction<'_>,
    c: &NewCheck,
    version_id: Option<i64>,
    threshold: u32,
) -> rusqlite::Result<CheckRecorded> {
    tx.execute(
        "INSERT INTO checks (source_id, started_at, duration_ms, outcome, http_status, bytes, error, produced_version, version_id, commit_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            c.source_id,
            ts(c.started_at),
            c.duration_ms as i64,
            c.outcome.as_str(),
            c.http_status,
            c.bytes.map(|b| b as i64),
            c.error,
            version_id.is_some(),
            version_id,
            c.commit
        ],
    )?;
    let check_id = tx.last_insert_rowid();
    let (failures, health): (u32, String) = tx.query_row(
        "SELECT consecutive_failures, health FROM sources WHERE id = ?1",
        [&c.source_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let failing = health == "failing";
    let (failures, transition, now_failing) = if c.outcome.is_failure() {
        let n = failures.saturating_add(1);
        let trips = !failing && n >= threshold.max(1);
        (
            n,
            trips.then_some(HealthTransition::Failing),
            failing || trips,
        )
    } else {
        (0, failing.then_some(HealthTransition::Recovered), false)
    };
    let now = ts(c.started_at);
    tx.execute(
        "UPDATE sources SET last_checked_at = ?2, last_outcome = ?3, consecutive_failures = ?4, health = ?5,
             last_error = CASE WHEN ?6 THEN ?7 ELSE NULL END,
             last_success_at = CASE WHEN ?6 THEN last_success_at ELSE ?2 END
         WHERE id = ?1",
        params![
            c.source_id,
            now,
            c.outcome.as_str(),
            failures,
            if now_failing { "failing" } else { "ok" },
            c.outcome.is_failure(),
            c.error
        ],
    )?;
    if let Some(sha) = &c.snapshot_sha256 {
        tx.execute(
            "UPDATE sources SET snapshot_sha256 = ?2 WHERE id = ?1",
            params![c.source_id, sha],
        )?;
    }
    if let Some(cond) = &c.conditional {
        tx.execute(
            "UPDATE sources SET etag = ?2, last_modified = ?3 WHERE id = ?1",
            params![c.source_id, cond.etag, cond.last_modified],
        )?;
    }
    let notice = match transition {
        Some(HealthTransition::Failing) => c.notices.failing.as_ref(),
        Some(HealthTransition::Recovered) => c.notices.recovered.as_ref(),
        None => None,
    };
    let mut notice_deliveries = Vec::new();
    if let Some(n) = notice {
        let event_id = insert_event(tx, &n.event, &c.source_id, None, None, &now)?;
        for d in &n.deliveries {
            let id = notice_delivery_id(&d.webhook, &c.source_id, &n.event.kind, c.started_at);
            outbox::insert(tx, &id, d, &c.source_id, None, &[event_id], &now)?;
            notice_deliveries.push(id);
        }
    }
    Ok(CheckRecorded {
        check_id,
        consecutive_failures: failures,
        transition,
        notice_deliveries,
    })
}

/// Wraps an SQLite error with the database's path. A free function, so that
/// it can be used while a transaction borrows the connection.
fn sqlite_err(path: &str) -> impl Fn(rusqlite::Error) -> DbError + Copy + '_ {
    move |source| DbError::Sqlite {
        path: path.to_string(),
        source,
    }
}
