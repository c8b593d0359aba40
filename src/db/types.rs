//! What goes into the database and what comes out of it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::report::{Event, Summary};

/// The result of one check of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Fetched, same text and same snapshot as the last version.
    Unchanged,
    /// The server answered 304 to a conditional request.
    NotModified,
    /// A new normalised text: a version, a change and its events.
    NewVersion,
    /// The raw snapshot changed but the normalised text did not.
    SnapshotOnly,
    /// The fetch or the extraction failed.
    Failed,
    /// A guard fired (bot wall, tiny body, sudden shrink); not recorded as a version.
    Suspicious,
}

impl Outcome {
    /// The name stored in `checks.outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Unchanged => "unchanged",
            Outcome::NotModified => "not_modified",
            Outcome::NewVersion => "new_version",
            Outcome::SnapshotOnly => "snapshot_only",
            Outcome::Failed => "failed",
            Outcome::Suspicious => "suspicious",
        }
    }

    /// Whether this outcome counts towards a source's consecutive failures.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Suspicious)
    }
}

impl std::str::FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "unchanged" => Outcome::Unchanged,
            "not_modified" => Outcome::NotModified,
            "new_version" => Outcome::NewVersion,
            "snapshot_only" => Outcome::SnapshotOnly,
            "failed" => Outcome::Failed,
            "suspicious" => Outcome::Suspicious,
            other => return Err(format!("unknown check outcome {other:?}")),
        })
    }
}

/// HTTP validators for a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditional {
    /// The last `ETag`.
    pub etag: Option<String>,
    /// The last `Last-Modified`.
    pub last_modified: Option<String>,
}

/// One check attempt to record.
#[derive(Debug, Clone)]
pub struct NewCheck {
    /// The source.
    pub source_id: String,
    /// When the check started.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: u64,
    /// What happened.
    pub outcome: Outcome,
    /// The final HTTP status, if there was a response.
    pub http_status: Option<u16>,
    /// Body size in bytes, if read.
    pub bytes: Option<u64>,
    /// Why it failed or looked suspicious.
    pub error: Option<String>,
    /// The git commit this check made (snapshot-only or new version).
    pub commit: Option<String>,
    /// New validators to remember; `None` keeps the stored ones.
    pub conditional: Option<Conditional>,
    /// SHA-256 of the raw snapshot the store now holds for this source;
    /// `None` keeps the stored one.
    pub snapshot_sha256: Option<String>,
    /// Notices to record if this check moves the source between ok and
    /// failing, in the same transaction as the check.
    pub notices: HealthNotices,
}

/// An operational notice (`source.failing` or `source.recovered`) and the
/// webhook deliveries that carry it.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The event, as the `events` table and webhooks carry it.
    pub event: Event,
    /// One per webhook that wants it; `event_indexes` is `[0]`.
    pub deliveries: Vec<NewDelivery>,
}

/// The notices a check may trigger. The tracker prepares both, because only
/// the database transaction knows the source's health; the one that applies
/// is written with the check, so a crash can never record the health change
/// without its notice (or the reverse).
#[derive(Debug, Clone, Default)]
pub struct HealthNotices {
    /// Recorded when the check reaches the failure threshold.
    pub failing: Option<Notice>,
    /// Recorded when the first good check follows `source.failing`.
    pub recovered: Option<Notice>,
}

impl NewCheck {
    /// A check with only the required fields; set the others as needed.
    pub fn new(source_id: &str, started_at: DateTime<Utc>, outcome: Outcome) -> NewCheck {
        NewCheck {
            source_id: source_id.to_string(),
            started_at,
            duration_ms: 0,
            outcome,
            http_status: None,
            bytes: None,
            error: None,
            commit: None,
            conditional: None,
            snapshot_sha256: None,
            notices: HealthNotices::default(),
        }
    }
}

/// A source's health changed with this check; notify once per episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthTransition {
    /// It just reached the failure threshold: send `source.failing`.
    Failing,
    /// First good check after `Failing`: send `source.recovered`.
    Recovered,
}

/// What [`crate::db::Db::record_check`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecorded {
    /// `checks.id`.
    pub check_id: i64,
    /// Failures in a row after this check.
    pub consecutive_failures: u32,
    /// Set when this check moved the source between ok and failing.
    pub transition: Option<HealthTransition>,
    /// Outbox ids of the notice recorded with the transition.
    pub notice_deliveries: Vec<String>,
}

/// A new version to record.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// The commit that wrote `<id>/version.md` (and the snapshot).
    pub version_commit: String,
    /// The commit that holds the raw snapshot of this fetch, if one was stored.
    pub snapshot_commit: Option<String>,
    /// SHA-256 hex of the raw bytes.
    pub raw_sha256: String,
    /// SHA-256 hex of the normalised Markdown.
    pub text_sha256: String,
    /// When it was fetched (the commit time).
    pub fetched_at: DateTime<Utc>,
    /// Words of policy text.
    pub word_count: usize,
    /// Input format (`html`, `markdown`, `pdf`, `text`).
    pub format: String,
    /// Where it was fetched from.
    pub url: String,
}

/// A webhook delivery to queue with the events it carries.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The `[[webhook]]` name.
    pub webhook: String,
    /// Indexes into the events being recorded with it.
    pub event_indexes: Vec<usize>,
    /// The request body, ready to send.
    pub payload: String,
}

/// Everything one new version brings, written in one transaction.
#[derive(Debug, Clone)]
pub struct VersionRecord<'a> {
    /// The check that found it (its outcome should be `NewVersion`).
    pub check: NewCheck,
    /// The version.
    pub version: NewVersion,
    /// The diff summary against the previous version; `None` for a first version.
    pub summary: Option<&'a Summary>,
    /// The events of the diff.
    pub events: &'a [Event],
    /// Webhook deliveries for these events.
    pub deliveries: Vec<NewDelivery>,
}

/// What [`crate::db::Db::record_version_with_change`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecorded {
    /// `versions.id`.
    pub version_id: i64,
    /// 1-based position among the source's versions.
    pub seq: u32,
    /// `changes.id`, when a summary was given.
    pub change_id: Option<i64>,
    /// `events.id` in the order given.
    pub event_ids: Vec<i64>,
    /// `outbox.id` of each delivery, in the order given.
    pub delivery_ids: Vec<String>,
    /// The check row and health update.
    pub check: CheckRecorded,
}

/// A stored version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRow {
    /// `versions.id`.
    pub id: i64,
    /// The source.
    pub source_id: String,
    /// 1-based position (`@1` is the first).
    pub seq: u32,
    /// Commit of the raw snapshot, if stored.
    pub snapshot_commit: Option<String>,
    /// Commit of `version.md`.
    pub version_commit: String,
    /// SHA-256 of the raw bytes.
    pub raw_sha256: String,
    /// SHA-256 of the normalised text.
    pub text_sha256: String,
    /// Fetch time.
    pub fetched_at: DateTime<Utc>,
    /// Words.
    pub word_count: i64,
    /// Input format.
    pub format: String,
    /// Fetched from.
    pub url: String,
}

/// Which events to list (`policywatch log`).
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this source.
    pub source: Option<String>,
    /// Only kinds matching this glob (`retention.*`).
    pub kind: Option<String>,
    /// Only at least this severe.
    pub min_severity: Option<crate::report::Severity>,
    /// Only detected at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only this version (`versions.id`).
    pub version_id: Option<i64>,
    /// At most this many (newest first).
    pub limit: Option<usize>,
}

/// One stored event: the spec's fields plus `source`, `version` (the
/// 1-based position of the version it came with) and `detected_at`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    /// `events.id` (not part of the JSON).
    #[serde(skip)]
    pub id: i64,
    /// The source id.
    pub source: String,
    /// The version's position, or null for operational notices.
    pub version: Option<u32>,
    /// When it was detected.
    pub detected_at: DateTime<Utc>,
    /// The event as in the spec.
    #[serde(flatten)]
    pub event: Event,
}

/// One source's state for `policywatch sources` and `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceStatus {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// URL.
    pub url: String,
    /// Terms type.
    #[serde(rename = "type")]
    pub doc_type: String,
    /// First seen.
    pub added_at: DateTime<Utc>,
    /// Last check, whatever its outcome.
    pub last_checked_at: Option<DateTime<Utc>>,
    /// Last check that was not a failure.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Outcome of the last check.
    pub last_outcome: Option<String>,
    /// Error of the last failed check.
    pub last_error: Option<String>,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// `ok` or `failing`.
    pub health: String,
    /// Number of versions.
    pub versions: u32,
    /// Fetch time of the newest version.
    pub last_version_at: Option<DateTime<Utc>>,
}

/// State of a webhook delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The receiver accepted it.
    Delivered,
    /// Given up after too many attempts, too much age, or a permanent error.
    Dead,
}

impl DeliveryStatus {
    /// The name stored in `outbox.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }
}

impl std::str::FromStr for DeliveryStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "delivered" => Ok(DeliveryStatus::Delivered),
            "dead" => Ok(DeliveryStatus::Dead),
            other => Err(format!(
                "unknown delivery status {other:?}: expected pending, delivered or dead"
            )),
        }
    }
}

/// One row of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// Stable delivery id (`X-Policywatch-Delivery`), the same on every retry.
    pub id: String,
    /// The webhook name.
    pub webhook: String,
    /// The source.
    pub source_id: String,
    /// The change it reports, if any.
    pub change_id: Option<i64>,
    /// The events it carries.
    pub event_ids: Vec<i64>,
    /// The request body.
    pub payload: String,
    /// State.
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// When it may be tried next.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The last HTTP status received.
    pub last_status: Option<u16>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the receiver accepted it.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One recorded check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRow {
    /// `checks.id`.
    pub id: i64,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: i64,
    /// What happened.
    pub outcome: Outcome,
    /// Final HTTP status.
    pub http_status: Option<u16>,
    /// Body size.
    pub bytes: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// The version it produced.
    pub version_id: Option<i64>,
    /// The git commit it made.
    pub commit: Option<String>,
}
