//! The git store and the SQLite log, together: the recording protocol,
//! queries for the CLI, the store lock, and repair after a crash at every
//! point (simulated windows, and real SIGKILLs of a child process).

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use git2::Oid;
use policywatch::db::{
    Conditional, Db, DbError, DeliveryStatus, EventFilter, HealthNotices, HealthTransition,
    NewCheck, NewDelivery, NewVersion, Notice, Outcome, VersionRecord,
};
use policywatch::report::{Event, Severity, Sides, Summary};
use policywatch::store::{
    CommitMeta, RecordKind, Revision, Store, StoreError, StoreLock, reconcile, resolve_in,
    sha256_hex,
};

fn t(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, day, hour, 0, 0).unwrap()
}

fn open(dir: &Path) -> (Store, Db) {
    let store = Store::open_or_init(&dir.join("store")).unwrap();
    let mut db = Db::open(&dir.join("db/pw.sqlite")).unwrap();
    for id in ["acme", "beta"] {
        db.upsert_source(
            id,
            id,
            &format!("https://{id}.example/privacy"),
            "Privacy Policy",
            t(1, 0),
        )
        .unwrap();
    }
    (store, db)
}

fn event(kind: &str, subject: &str, severity: Severity) -> Event {
    Event {
        kind: kind.into(),
        subject: Some(subject.into()),
        from: None,
        to: None,
        severity,
        section: Sides {
            old: None,
            new: Some("Sharing".into()),
        },
        evidence: Sides {
            old: None,
            new: Some(format!("We use {subject}.")),
        },
    }
}

/// The recording protocol as the tracker runs it (`Handle::record_fetched`):
/// unchanged bytes cost one check row and leave git alone; otherwise git
/// first (`Store::commit_version`), then ONE database transaction — a check
/// for a snapshot-only record, or the check, version, change, events and
/// outbox rows for a new version. Returns the version's seq when one was made.
fn record(
    store: &Store,
    db: &mut Db,
    source: &str,
    raw: &str,
    text: &str,
    at: DateTime<Utc>,
    events: &[Event],
) -> Option<u32> {
    const THRESHOLD: u32 = 3;
    let raw_sha = sha256_hex(raw.as_bytes());
    let mut check = NewCheck {
        duration_ms: 5,
        http_status: Some(200),
        bytes: Some(raw.len() as u64),
        snapshot_sha256: Some(raw_sha.clone()),
        ..NewCheck::new(source, at, Outcome::Unchanged)
    };
    if db.snapshot_sha256(source).unwrap().as_deref() == Some(raw_sha.as_str()) {
        db.record_check(&check, THRESHOLD).unwrap();
        return None;
    }
    let previous = db.last_version(source).unwrap();
    let text_sha = sha256_hex(text.as_bytes());
    let same_text = previous.as_ref().is_some_and(|p| p.text_sha256 == text_sha);
    let url = format!("https://{source}.example/privacy");
    let meta = CommitMeta {
        url: url.clone(),
        http_status: Some(200),
    };
    let committed = store
        .commit_version(
            source,
            Some((raw.as_bytes(), "html")),
            Some(text),
            at,
            &meta,
        )
        .unwrap();
    if same_text {
        if let Some(c) = &committed {
            assert_eq!(c.kind, RecordKind::SnapshotOnly, "same text, new bytes");
        }
        check.outcome = Outcome::SnapshotOnly;
        check.commit = committed.map(|c| c.id.to_string());
        db.record_check(&check, THRESHOLD).unwrap();
        return None;
    }
    let c = committed.expect("new text makes a commit");
    assert_eq!(c.kind, RecordKind::NewVersion);
    assert_eq!(c.text_sha256.as_deref(), Some(text_sha.as_str()));
    let summary = previous.as_ref().map(|p| {
        // The tracker diffs against the previous text as stored in git.
        let old = store
            .read_version(source, Oid::from_str(&p.version_commit).unwrap())
            .unwrap();
        assert_eq!(sha256_hex(old.as_bytes()), p.text_sha256);
        Summary {
            substantive: true,
            max_severity: events.iter().map(|e| e.severity).max(),
            ..Summary::default()
        }
    });
    let deliveries = if events.is_empty() {
        vec![]
    } else {
        vec![NewDelivery {
            webhook: "ops".into(),
            event_indexes: (0..events.len()).collect(),
            payload: "{}".into(),
        }]
    };
    check.outcome = Outcome::NewVersion;
    check.commit = Some(c.id.to_string());
    let rec = VersionRecord {
        check,
        version: NewVersion {
            version_commit: c.id.to_string(),
            snapshot_commit: Some(c.id.to_string()),
            raw_sha256: raw_sha,
            text_sha256: text_sha,
            fetched_at: at,
            word_count: text.split_whitespace().count(),
            format: "html".into(),
            url,
        },
        summary: summary.as_ref(),
        events,
        deliveries,
    };
    let version = db.record_version_with_change(&rec, THRESHOLD).unwrap();
    assert_eq!(version.seq, previous.map_or(1, |p| p.seq + 1));
    Some(version.seq)
}

/// The invariants of issue 3: git and SQLite agree, no version without its
/// change and events, no duplicates, no orphans.
fn assert_consistent(store: &Store, db: &Db, sources: &[&str]) {
    for s in sources {
        let history = store.history(s).unwrap();
        let versions = db.versions(s).unwrap();
        assert_eq!(
            history.len(),
            versions.len(),
            "{s}: git versions vs database versions"
        );
        for (i, (h, v)) in history.iter().zip(&versions).enumerate() {
            assert_eq!(v.seq as usize, i + 1);
            assert_eq!(h.commit.to_string(), v.version_commit, "{s}@{}", i + 1);
            let text = store.read_version(s, h.commit).unwrap();
            assert_eq!(sha256_hex(text.as_bytes()), v.text_sha256);
            if i > 0 {
                let n: i64 = db
                    .connection()
                    .query_row(
                        "SELECT COUNT(*) FROM changes WHERE new_version_id = ?1",
                        [v.id],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(n, 1, "{s}@{}: a version without its change", i + 1);
                let (expected, stored): (i64, i64) = db
                    .connection()
                    .query_row(
                        "SELECT c.event_count, (SELECT COUNT(*) FROM events e WHERE e.change_id = c.id) FROM changes c WHERE c.new_version_id = ?1",
                        [v.id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap();
                assert_eq!(expected, stored, "{s}@{}: events missing", i + 1);
            }
        }
    }
    // No orphans: every commit on the branch is a version or a recorded check.
    for c in store.commits().unwrap() {
        assert!(
            db.knows_commit(&c.to_string()).unwrap(),
            "orphan commit {c}"
        );
    }
}

#[test]
fn commits_only_when_something_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut db) = open(dir.path());
    let ev = [event("third_party.added", "Mailchimp", Severity::Medium)];
    assert_eq!(
        record(
            &store,
            &mut db,
            "acme",
            "<p>v1</p>",
            "# A\n\nOne.\n",
            t(1, 8),
            &[]
        ),
        Some(1)
    );
    // Same bytes, same text: no commit.
    assert_eq!(
        record(
            &store,
            &mut db,
            "acme",
            "<p>v1</p>",
            "# A\n\nOne.\n",
            t(2, 8),
            &[]
        ),
        None
    );
    assert_eq!(store.commits().unwrap().len(), 1);
    // Chrome churn: snapshot only.
    assert_eq!(
        record(
            &store,
            &mut db,
            "acme",
            "<p>v1</p><nav>x</nav>",
            "# A\n\nOne.\n",
            t(3, 8),
            &[]
        ),
        None
    );
    let tip = store.tip().unwrap().unwrap();
    let msg = store.message(tip).unwrap();
    assert!(
        msg.starts_with("acme: snapshot only (normalised text unchanged)"),
        "{msg}"
    );
    assert_eq!(
        record(
            &store,
            &mut db,
            "acme",
            "<p>v2</p>",
            "# A\n\nTwo.\n",
            t(4, 8),
            &ev
        ),
        Some(2)
    );
    assert_eq!(
        record(
            &store,
            &mut db,
            "beta",
            "<p>b</p>",
            "# B\n\nBee.\n",
            t(4, 9),
            &[]
        ),
        Some(1)
    );

    let tip = store.tip().unwrap().unwrap();
    let c2 = store.resolve("acme", &Revision::Latest).unwrap();
    let msg = store.message(c2.commit).unwrap();
    assert!(msg.starts_with("acme: new version\n"), "{msg}");
    for trailer in [
        "Source-URL: https://acme.example/privacy",
        "Snapshot-SHA256: ",
        "Text-SHA256: ",
        "HTTP-Status: 200",
        "Tool-Version: policywatch ",
    ] {
        assert!(msg.contains(trailer), "{trailer} missing in {msg}");
    }
    assert_eq!(c2.time, t(4, 8), "commit time is the fetch time");
    assert_eq!(store.read_version("acme", tip).unwrap(), "# A\n\nTwo.\n");
    let (raw, ext) = store.read_snapshot("beta", tip).unwrap();
    assert_eq!(
        (raw.as_slice(), ext.as_str()),
        (b"<p>b</p>".as_slice(), "html")
    );
    assert_eq!(store.history("acme").unwrap().len(), 2);
    assert_consistent(&store, &db, &["acme", "beta"]);
    let outcomes: Vec<Outcome> = db
        .checks("acme", 10)
        .unwrap()
        .iter()
        .rev()
        .map(|c| c.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            Outcome::NewVersion,
            Outcome::Unchanged,
            Outcome::SnapshotOnly,
            Outcome::NewVersion
        ]
    );
    let checks = db.checks("acme", 10).unwrap();
    assert!(
        checks[1].commit.is_some() && checks[2].commit.is_none(),
        "snapshot-only keeps its commit id"
    );
    assert_eq!(
        (checks[0].bytes, checks[0].http_status),
        (Some(9), Some(200))
    );
    assert!(checks[0].version_id.is_some());

    // `show --raw` of a version wants the newest snapshot of that version.
    let v1 = store
        .resolve("acme", &Revision::Position(1))
        .unwrap()
        .commit;
    let (raw, _, at) = store.snapshot_of_version("acme", v1).unwrap();
    assert_eq!(
        raw, b"<p>v1</p><nav>x</nav>",
        "the snapshot-only commit belongs to version 1"
    );
    assert_ne!(at, v1);
    let (raw, _, _) = store.snapshot_of_version("acme", c2.commit).unwrap();
    assert_eq!(raw, b"<p>v2</p>");

    // A PDF snapshot replaces the HTML one.
    let meta = CommitMeta {
        url: "u".into(),
        http_status: None,
    };
    let c = store
        .commit_version("beta", Some((b"%PDF-1.4", "pdf")), None, t(5, 0), &meta)
        .unwrap()
        .unwrap();
    assert_eq!(c.kind, RecordKind::SnapshotOnly);
    assert_eq!(store.read_snapshot("beta", c.id).unwrap().1, "pdf");
    assert!(store.read_file(c.id, "beta/snapshot.html").is_err());
}

#[test]
fn revisions_by_position_date_and_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut db) = open(dir.path());
    for (i, day) in [1u32, 10, 20].iter().enumerate() {
        let text = format!("# A\n\nVersion {i}.\n");
        record(
            &store,
            &mut db,
            "acme",
            &text,
            &text,
            t(*day, 12),
            &[event("purpose.added", "marketing", Severity::Medium)],
        );
    }
    let h = store.history("acme").unwrap();
    let at = |rev: &str| {
        store
            .resolve("acme", &Revision::parse(rev).unwrap())
            .unwrap()
            .commit
    };
    assert_eq!(at("1"), h[0].commit);
    assert_eq!(at("latest"), h[2].commit);
    assert_eq!(at("-1"), h[1].commit);
    assert_eq!(at("-2"), h[0].commit);
    assert_eq!(
        at("2024-05-10"),
        h[1].commit,
        "a version fetched that day is in force that day"
    );
    assert_eq!(at("2024-05-15"), h[1].commit);
    assert_eq!(at("2024-06-01"), h[2].commit);
    assert_eq!(at(&h[2].commit.to_string()[..7]), h[2].commit);
    assert_eq!(at(&h[0].commit.to_string()), h[0].commit);

    for bad in ["4", "-3", "2024-04-30", "deadbeef"] {
        let e = store
            .resolve("acme", &Revision::parse(bad).unwrap())
            .unwrap_err();
        assert!(matches!(e, StoreError::UnknownRevision { .. }));
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("acme@{bad}")) && msg.contains("policywatch history acme"),
            "{msg}"
        );
    }
    let e = store
        .resolve("beta", &Revision::Latest)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no versions yet"), "{e}");

    // The database resolves the same revisions the same way.
    let rows = db.versions("acme").unwrap();
    for rev in ["1", "-1", "latest", "2024-05-15"] {
        let i = resolve_in(&rows, "acme", &Revision::parse(rev).unwrap()).unwrap();
        assert_eq!(rows[i].version_commit, at(rev).to_string(), "{rev}");
    }
    let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
    assert_eq!(db.version_at("acme", day(15)).unwrap().unwrap().seq, 2);
    assert_eq!(db.version_at("acme", day(20)).unwrap().unwrap().seq, 3);
    assert!(
        db.version_at("acme", NaiveDate::from_ymd_opt(2024, 4, 1).unwrap())
            .unwrap()
            .is_none()
    );
    assert_eq!(
        db.version_by_seq("acme", 1)
            .unwrap()
            .unwrap()
            .version_commit,
        h[0].commit.to_string()
    );
    assert_eq!(
        db.version_by_commit("acme", &h[1].commit.to_string())
            .unwrap()
            .unwrap()
            .seq,
        2
    );
}

#[test]
fn event_log_filters_and_json_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut db) = open(dir.path());
    record(&store, &mut db, "acme", "1", "# A\n\nOne.\n", t(1, 0), &[]);
    record(&store, &mut db, "beta", "1", "# B\n\nOne.\n", t(1, 0), &[]);
    record(
        &store,
        &mut db,
        "acme",
        "2",
        "# A\n\nTwo.\n",
        t(2, 0),
        &[
            event("retention.changed", "logs", Severity::High),
            event("third_party.added", "Mailchimp", Severity::Medium),
        ],
    );
    record(
        &store,
        &mut db,
        "beta",
        "2",
        "# B\n\nTwo.\n",
        t(3, 0),
        &[event("section.added", "Cookies", Severity::Low)],
    );
    record(
        &store,
        &mut db,
        "acme",
        "3",
        "# A\n\nThree.\n",
        t(4, 0),
        &[event("retention.added", "backups", Severity::Medium)],
    );

    let all = db.events(&EventFilter::default()).unwrap();
    assert_eq!(all.len(), 4);
    assert!(
        all.windows(2).all(|w| w[0].detected_at >= w[1].detected_at),
        "newest first"
    );
    assert_eq!(all[0].event.kind, "retention.added");
    let kinds = |f: EventFilter| {
        db.events(&f)
            .unwrap()
            .into_iter()
            .map(|e| e.event.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(EventFilter {
            kind: Some("retention.*".into()),
            ..Default::default()
        }),
        ["retention.added", "retention.changed"]
    );
    assert_eq!(
        kinds(EventFilter {
            source: Some("beta".into()),
            ..Default::default()
        }),
        ["section.added"]
    );
    assert_eq!(
        kinds(EventFilter {
            min_severity: Some(Severity::High),
            ..Default::default()
        }),
        ["retention.changed"]
    );
    assert_eq!(
        kinds(EventFilter {
            since: Some(t(3, 0)),
            ..Default::default()
        }),
        ["retention.added", "section.added"]
    );
    assert_eq!(
        kinds(EventFilter {
            limit: Some(1),
            ..Default::default()
        })
        .len(),
        1
    );
    let v2 = db.version_by_seq("acme", 2).unwrap().unwrap();
    assert_eq!(
        kinds(EventFilter {
            version_id: Some(v2.id),
            ..Default::default()
        })
        .len(),
        2
    );

    let json = serde_json::to_value(&all[1]).unwrap();
    assert_eq!(json["source"], "beta");
    assert_eq!(json["version"], 2);
    assert_eq!(json["kind"], "section.added");
    assert_eq!(json["severity"], "low");
    assert_eq!(json["subject"], "Cookies");
    assert_eq!(json["section"]["new"], "Sharing");
    assert_eq!(json["evidence"]["old"], serde_json::Value::Null);
    assert_eq!(json["detected_at"], "2024-05-03T00:00:00Z");
    assert!(json.get("id").is_none());

    let status = db.sources_status().unwrap();
    assert_eq!(status.len(), 2);
    assert_eq!((status[0].id.as_str(), status[0].versions), ("acme", 3));
    assert_eq!(status[0].last_version_at, Some(t(4, 0)));
    assert_eq!(status[0].last_outcome.as_deref(), Some("new_version"));

    // Recording the same text again as a version is refused.
    let last = db.last_version("acme").unwrap().unwrap();
    let dup = VersionRecord {
        check: NewCheck::new("acme", t(5, 0), Outcome::NewVersion),
        version: NewVersion {
            version_commit: "0".repeat(40),
            snapshot_commit: None,
            raw_sha256: last.raw_sha256.clone(),
            text_sha256: last.text_sha256.clone(),
            fetched_at: t(5, 0),
            word_count: 1,
            format: "html".into(),
            url: "u".into(),
        },
        summary: None,
        events: &[],
        deliveries: vec![],
    };
    assert!(matches!(
        db.record_version_with_change(&dup, 3),
        Err(DbError::DuplicateVersion { seq: 3, .. })
    ));
}

#[test]
fn checks_health_and_conditional_state() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, mut db) = open(dir.path());
    let notice = |kind: &str| Notice {
        event: Event {
            kind: kind.into(),
            subject: Some("acme".into()),
            from: None,
            to: None,
            severity: Severity::Medium,
            section: Sides::default(),
            evidence: Sides {
                old: None,
                new: Some("HTTP 503".into()),
            },
        },
        deliveries: vec![NewDelivery {
            webhook: "ops".into(),
            event_indexes: vec![0],
            payload: format!("{{\"type\":\"{kind}\"}}"),
        }],
    };
    let notices = HealthNotices {
        failing: Some(notice("source.failing")),
        recovered: Some(notice("source.recovered")),
    };
    let mut fail = NewCheck::new("acme", t(1, 0), Outcome::Failed);
    fail.error = Some("HTTP 503".into());
    fail.notices = notices.clone();
    let r1 = db.record_check(&fail, 3).unwrap();
    let r2 = db.record_check(&fail, 3).unwrap();
    fail.started_at = t(1, 1);
    let r3 = db.record_check(&fail, 3).unwrap();
    fail.started_at = t(1, 2);
    let r4 = db.record_check(&fail, 3).unwrap();
    assert_eq!(
        (r1.transition, r2.transition, r3.transition, r4.transition),
        (None, None, Some(HealthTransition::Failing), None)
    );
    assert_eq!(r4.consecutive_failures, 4);
    // One notice per episode, written with the check that tripped it.
    assert_eq!(
        [&r1, &r2, &r3, &r4].map(|r| r.notice_deliveries.len()),
        [0, 0, 1, 0]
    );
    let s = &db.sources_status().unwrap()[0];
    assert_eq!(
        (s.health.as_str(), s.last_error.as_deref()),
        ("failing", Some("HTTP 503"))
    );
    let mut ok = NewCheck::new("acme", t(2, 0), Outcome::NotModified);
    ok.notices = notices;
    ok.conditional = Some(Conditional {
        etag: Some("\"abc\"".into()),
        last_modified: None,
    });
    let r5 = db.record_check(&ok, 3).unwrap();
    assert_eq!(
        (r5.transition, r5.consecutive_failures),
        (Some(HealthTransition::Recovered), 0)
    );
    assert_eq!(r5.notice_deliveries.len(), 1);
    ok.started_at = t(2, 1);
    let r6 = db.record_check(&ok, 3).unwrap();
    assert_eq!((r6.transition, r6.notice_deliveries.len()), (None, 0));
    let kinds: Vec<String> = db
        .events(&EventFilter {
            kind: Some("source.*".into()),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| e.event.kind)
        .collect();
    assert_eq!(kinds, ["source.recovered", "source.failing"]);
    let queued = db.deliveries(Some(DeliveryStatus::Pending), 10).unwrap();
    assert_eq!(queued.len(), 2);
    assert!(
        queued
            .iter()
            .all(|d| d.webhook == "ops" && d.event_ids.len() == 1)
    );
    assert_eq!(
        db.conditional("acme").unwrap().etag.as_deref(),
        Some("\"abc\"")
    );
    db.set_conditional(
        "acme",
        &Conditional {
            etag: None,
            last_modified: Some("Wed, 01 May 2024 00:00:00 GMT".into()),
        },
    )
    .unwrap();
    assert!(db.conditional("acme").unwrap().last_modified.is_some());
    let checks = db.checks("acme", 10).unwrap();
    assert_eq!(checks.len(), 6);
    assert_eq!(checks[0].outcome, Outcome::NotModified);
    assert_eq!(checks[2].error.as_deref(), Some("HTTP 503"));
    let e = db
        .record_check(&NewCheck::new("ghost", t(1, 0), Outcome::Failed), 3)
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"ghost\"") && e.contains("config.toml"), "{e}");
    assert!(db.conditional("ghost").is_err());
}

#[test]
fn outbox_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut db) = open(dir.path());
    record(&store, &mut db, "acme", "1", "# A\n\nOne.\n", t(1, 0), &[]);
    record(
        &store,
        &mut db,
        "acme",
        "2",
        "# A\n\nTwo.\n",
        t(2, 0),
        &[event("ai_training.added", "", Severity::High)],
    );
    let due = db.due_deliveries(t(2, 0), 10).unwrap();
    assert_eq!(due.len(), 1);
    let d = &due[0];
    assert!(d.id.starts_with("dlv_"));
    assert_eq!(
        (d.webhook.as_str(), d.status, d.attempts, d.event_ids.len()),
        ("ops", DeliveryStatus::Pending, 0, 1)
    );
    assert!(
        db.due_deliveries(t(1, 0), 10).unwrap().is_empty(),
        "not due before it was created"
    );
    db.mark_attempt_failed(&d.id, "HTTP 500", Some(500), t(2, 1))
        .unwrap();
    assert!(db.due_deliveries(t(2, 0), 10).unwrap().is_empty());
    let again = db.due_deliveries(t(2, 1), 10).unwrap();
    assert_eq!(
        (again[0].id.as_str(), again[0].attempts),
        (d.id.as_str(), 1),
        "same id on retry"
    );
    db.mark_delivered(&d.id, Some(200), t(2, 2)).unwrap();
    let done = db.delivery(&d.id).unwrap();
    assert_eq!(
        (done.status, done.attempts, done.delivered_at),
        (DeliveryStatus::Delivered, 2, Some(t(2, 2)))
    );
    db.mark_dead(&d.id, "gone", Some(410)).unwrap();
    assert_eq!(db.delivery_counts().unwrap(), (0, 1));
    assert_eq!(
        db.deliveries(Some(DeliveryStatus::Dead), 10).unwrap().len(),
        1
    );
    db.retry_delivery(&d.id, t(3, 0)).unwrap();
    assert_eq!(db.delivery(&d.id).unwrap().status, DeliveryStatus::Pending);
    let e = db
        .mark_delivered("dlv_nope", None, t(3, 0))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dlv_nope") && e.contains("webhook deliveries"),
        "{e}"
    );
}

#[test]
fn a_new_store_appears_whole_or_not_at_all() {
    // Built beside and renamed into place (a kill during git's init used to
    // leave a half-made folder every later run refused; found by crash.rs).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/store");
    let store = Store::open_or_init(&path).unwrap();
    assert!(store.tip().unwrap().is_none());
    let names: Vec<String> = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["store"], "no staging folder is left behind");
    // An empty folder made by hand is taken over.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    Store::open_or_init(&empty).unwrap();
    assert!(git2::Repository::open_bare(&empty).is_ok());
}

#[test]
fn migrations_are_versioned_and_reopen_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pw.sqlite");
    let db = Db::open(&path).unwrap();
    assert_eq!(
        db.schema_version().unwrap(),
        policywatch::db::SCHEMA_VERSION
    );
    let mode: String = db
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = db
        .connection()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    for table in [
        "sources", "checks", "versions", "changes", "events", "outbox",
    ] {
        let n: i64 = db
            .connection()
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "{table}");
    }
    db.connection()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    drop(db);
    let e = Db::open(&path).unwrap_err().to_string();
    assert!(
        e.contains("schema version 99") && e.contains("upgrade policywatch"),
        "{e}"
    );
}

#[test]
fn store_lock_refuses_a_second_writer() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let held = StoreLock::acquire(&store, false).unwrap();
    assert_eq!(held.path(), dir.path().join("store.lock"));
    let e = StoreLock::acquire(&store, false).unwrap_err().to_string();
    assert!(
        e.contains("another policywatch check or watch is using"),
        "{e}"
    );
    assert!(e.contains(&format!("(pid {})", std::process::id())), "{e}");
    assert!(e.contains("--wait"), "{e}");
    // A waiter gets it once the holder lets go.
    let waiter = {
        let store = store.clone();
        std::thread::spawn(move || StoreLock::acquire(&store, true).map(|_| ()))
    };
    std::thread::sleep(std::time::Duration::from_millis(100));
    drop(held);
    waiter.join().unwrap().unwrap();
    StoreLock::acquire(&store, false).unwrap();
}

#[test]
fn reconcile_repairs_every_kill_window() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut db) = open(dir.path());
    record(&store, &mut db, "acme", "1", "# A\n\nOne.\n", t(1, 0), &[]);
    record(
        &store,
        &mut db,
        "acme",
        "2",
        "# A\n\nTwo.\n",
        t(2, 0),
        &[event("purpose.added", "profiling", Severity::Medium)],
    );
    let good_tip = store.tip().unwrap();
    assert!(reconcile(&store, &db).unwrap().rolled_back.is_empty());

    // Window: objects written, ref not moved.
    drop(store);
    let store = Store::open_or_init(&dir.path().join("store")).unwrap();
    let meta = CommitMeta::default();
    let _ = store
        .commit_version(
            "acme",
            Some((b"3", "html")),
            Some("# A\n\nThree.\n"),
            t(3, 0),
            &meta,
        )
        .unwrap();
    // Window: git commit made, process killed before the database transaction.
    drop((store, db));
    let store = Store::open_or_init(&dir.path().join("store")).unwrap();
    let mut db = Db::open(&dir.path().join("db/pw.sqlite")).unwrap();
    let report = reconcile(&store, &db).unwrap();
    assert_eq!(report.rolled_back.len(), 1);
    assert_eq!(store.tip().unwrap(), good_tip);
    assert_consistent(&store, &db, &["acme", "beta"]);

    // Window: killed inside the database transaction (never committed).
    let c = store
        .commit_version(
            "acme",
            Some((b"3", "html")),
            Some("# A\n\nThree.\n"),
            t(3, 0),
            &meta,
        )
        .unwrap()
        .unwrap();
    {
        let mut raw = rusqlite::Connection::open(dir.path().join("db/pw.sqlite")).unwrap();
        let tx = raw.transaction().unwrap();
        tx.execute(
            "INSERT INTO versions (source_id, seq, version_commit, raw_sha256, text_sha256, fetched_at, word_count, format, url)
             VALUES ('acme', 3, ?1, 'x', 'y', '2024-05-03T00:00:00.000Z', 1, 'html', 'u')",
            [c.id.to_string()],
        )
        .unwrap();
        drop(tx); // rolled back, as SQLite does for a killed writer
    }
    assert_eq!(reconcile(&store, &db).unwrap().rolled_back, vec![c.id]);
    assert_consistent(&store, &db, &["acme", "beta"]);

    // Window: killed while git moved the branch. git's own lock file stays
    // behind and would refuse every later commit (found by tests/crash.rs).
    let stale = dir.path().join("store/refs/heads/main.lock");
    std::fs::write(&stale, "").unwrap();
    assert!(
        store
            .commit_version(
                "acme",
                Some((b"4", "html")),
                Some("# A\n\nFour.\n"),
                t(4, 0),
                &meta
            )
            .is_err(),
        "git refuses to move a locked branch"
    );
    let report = reconcile(&store, &db).unwrap();
    assert_eq!(report.removed_locks, vec![stale.clone()]);
    assert!(!stale.exists());

    // After the repair the work is simply redone, with no duplicate.
    assert_eq!(
        record(
            &store,
            &mut db,
            "acme",
            "3",
            "# A\n\nThree.\n",
            t(3, 0),
            &[]
        ),
        Some(3)
    );
    assert_consistent(&store, &db, &["acme", "beta"]);

    // First commit of a new store, killed before the database: branch removed.
    let dir2 = tempfile::tempdir().unwrap();
    let (store2, db2) = open(dir2.path());
    store2
        .commit_version("acme", None, Some("# A\n"), t(1, 0), &meta)
        .unwrap()
        .unwrap();
    reconcile(&store2, &db2).unwrap();
    assert_eq!(store2.tip().unwrap(), None);

    // A database from elsewhere is refused, not "repaired".
    let dir3 = tempfile::tempdir().unwrap();
    let other = Db::open(&dir3.path().join("x.sqlite")).unwrap();
    let e = reconcile(&store, &other).unwrap_err().to_string();
    assert!(e.contains("records none of the store's"), "{e}");
    assert!(e.contains("[database] path"), "{e}");
    assert_eq!(
        store.history("acme").unwrap().len(),
        3,
        "nothing was touched"
    );
}

/// Child side of the SIGKILL test: records versions in a loop until killed.
#[test]
fn kill_child_writer() {
    let Ok(dir) = std::env::var("PW_KILL_CHILD_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let store = Store::open_or_init(&dir.join("store")).unwrap();
    let mut db = Db::open(&dir.join("db/pw.sqlite")).unwrap();
    reconcile(&store, &db).unwrap();
    let start = db.versions("acme").unwrap().len();
    for i in start.. {
        let text = format!("# A\n\nVersion {i}.\n");
        let at = t(1, 0) + Duration::minutes(i as i64);
        let evs = [
            event("retention.changed", "logs", Severity::High),
            event("third_party.added", "Mailchimp", Severity::Medium),
        ];
        record(
            &store,
            &mut db,
            "acme",
            &format!("<p>{i}</p>"),
            &text,
            at,
            &evs,
        );
        record(
            &store,
            &mut db,
            "beta",
            &format!("<p>{i}</p><nav/>"),
            "# B\n\nSame.\n",
            at,
            &[],
        );
    }
}

#[test]
fn sigkill_at_random_points_leaves_a_repairable_state() {
    let dir = tempfile::tempdir().unwrap();
    let (store, db) = open(dir.path());
    drop((store, db));
    let exe = std::env::current_exe().unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rolled_back = 0;
    for round in 0..12 {
        let mut child = std::process::Command::new(&exe)
            .args([
                "kill_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("PW_KILL_CHILD_DIR", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(std::time::Duration::from_millis(40 + seed % 160));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let store = Store::open_or_init(&dir.path().join("store")).unwrap();
        let db = Db::open(&dir.path().join("db/pw.sqlite")).unwrap();
        let rep = reconcile(&store, &db).unwrap_or_else(|e| panic!("round {round}: {e}"));
        rolled_back += rep.rolled_back.len();
        eprintln!(
            "round {round}: {} versions, rolled back {}",
            db.versions("acme").unwrap().len(),
            rep.rolled_back.len()
        );
        assert_consistent(&store, &db, &["acme", "beta"]);
    }
    let db = Db::open(&dir.path().join("db/pw.sqlite")).unwrap();
    assert!(
        !db.versions("acme").unwrap().is_empty(),
        "the child made progress"
    );
    eprintln!("{rolled_back} unrecorded commits rolled back over 12 kills");
}

#[test]
fn sources_follow_the_config() {
    let cfg = policywatch::config::Config::from_str(
        "[[source]]\nid = \"acme\"\nurl = \"https://acme.example/p\"\nname = \"Acme\"\n[[source]]\nid = \"zeta\"\nurl = \"https://z.example/t\"\ntype = \"Terms of Service\"\n",
        Path::new("/tmp/config.toml"),
    )
    .unwrap();
    let mut db = Db::open_in_memory().unwrap();
    db.sync_sources(&cfg.sources, t(1, 0)).unwrap();
    db.sync_sources(&cfg.sources, t(9, 0)).unwrap();
    let s = db.sources_status().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(
        (s[0].name.as_str(), s[0].added_at),
        ("Acme", t(1, 0)),
        "re-sync keeps added_at"
    );
    assert_eq!(
        (s[1].doc_type.as_str(), s[1].health.as_str()),
        ("Terms of Service", "ok")
    );
    assert_eq!(s[1].last_checked_at, None);
}

#[test]
fn db_and_store_can_move_to_a_blocking_thread() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<Db>();
    assert_send::<Store>();
    assert_send::<StoreLock>();
    let dir = tempfile::tempdir().unwrap();
    let (store, mut db) = open(dir.path());
    let seq = std::thread::spawn(move || {
        record(&store, &mut db, "acme", "1", "# A\n\nOne.\n", t(1, 0), &[])
    })
    .join()
    .unwrap();
    assert_eq!(seq, Some(1));
}

/// Rough throughput of the recording path (run with `--ignored --nocapture`;
/// debug builds are several times slower than release).
#[test]
#[ignore]
fn throughput_of_recording() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_or_init(&dir.path().join("store")).unwrap();
    let mut db = Db::open(&dir.path().join("pw.sqlite")).unwrap();
    let n = 2000;
    let ids: Vec<String> = (0..n).map(|i| format!("src-{i:04}")).collect();
    for id in &ids {
        db.upsert_source(id, id, "https://x.example", "Privacy Policy", t(1, 0))
            .unwrap();
    }
    let repeat = std::env::var("PW_BODY_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let body = "We collect data. ".repeat(repeat);
    for (round, label) in [(0, "first fetch"), (0, "unchanged"), (1, "all changed")] {
        let start = std::time::Instant::now();
        for id in &ids {
            let text = format!("# {id}\n\n{body}{round}\n");
            record(&store, &mut db, id, &text, &text, t(2 + round, 0), &[]);
        }
        eprintln!("{n} sources, {label}: {:?}", start.elapsed());
    }
}
