//! The five seeds against later versions we wrote ourselves
//! (`snapshots/seeds-later/`, changes listed in its README) and against
//! cosmetic-only variants (`snapshots/seeds-cosmetic/`).
//!
//! Each later version must yield the events a privacy analyst would require;
//! reasonable extra events (another section.moved, an optional mechanism) are
//! not forbidden, only ones that are plainly wrong. Each cosmetic variant must
//! yield no event and `substantive: false`.

use policywatch::{Document, Event, ParseOptions, Report, diff};

macro_rules! snapshot {
    ($path:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/", $path))
    };
}

fn run(old: &[u8], new: &[u8]) -> Report {
    let opts = ParseOptions::default();
    let old = Document::parse("old", old, &opts).expect("seed parses");
    let new = Document::parse("new", new, &opts).expect("later version parses");
    diff(&old, &new)
}

/// Lowercase, white space collapsed, typographic quotes folded.
fn norm(s: &str) -> String {
    s.replace(['\u{2019}', '\u{2018}'], "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A heading compared without its numbering ("7.", "e)", "(a)") or a trailing colon,
/// which a segmenter may keep or drop.
fn heading(s: &str) -> String {
    let n = norm(s);
    let mut t = n.as_str();
    if let Some((first, rest)) = t.split_once(' ') {
        let label = first.trim_start_matches('(');
        let is_number = label.ends_with('.') || label.ends_with(')');
        let core = label.trim_end_matches(['.', ')']);
        if is_number
            && !core.is_empty()
            && (core.chars().all(|c| c.is_ascii_digit())
                || (core.len() == 1 && core.chars().all(|c| c.is_ascii_lowercase())))
        {
            t = rest;
        }
    }
    t.trim_end_matches(':').trim().to_string()
}

fn same(kind: &str, want: &str, got: Option<&str>) -> bool {
    let Some(got) = got else { return false };
    if kind.starts_with("section.") {
        heading(want) == heading(got)
    } else if kind.starts_with("contact.") {
        norm(got).contains(&norm(want))
    } else {
        norm(want) == norm(got)
    }
}

/// Is there an event of this kind whose subject/from/to equal the given ones
/// (a `None` is not compared)?
fn has(
    events: &[Event],
    kind: &str,
    subject: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> bool {
    events.iter().any(|e| {
        e.kind == kind
            && subject.is_none_or(|s| same(kind, s, e.subject.as_deref()))
            && from.is_none_or(|s| same(kind, s, e.from.as_deref()))
            && to.is_none_or(|s| same(kind, s, e.to.as_deref()))
    })
}

fn listing(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| {
            format!(
                "  {} subject={:?} from={:?} to={:?}",
                e.kind, e.subject, e.from, e.to
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A required event: kind, subject, from, to (`None` is not compared).
type Want<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// Check every requirement and report all the missing ones at once.
fn require(report: &Report, wants: &[Want<'_>]) {
    let missing: Vec<String> = wants
        .iter()
        .filter(|(k, s, f, t)| !has(&report.events, k, *s, *f, *t))
        .map(|(k, s, f, t)| format!("  {k} subject={s:?} from={f:?} to={t:?}"))
        .collect();
    assert!(
        missing.is_empty(),
        "missing events:\n{}\nreported:\n{}",
        missing.join("\n"),
        listing(&report.events)
    );
    assert!(
        report.summary.substantive,
        "a real change must be substantive"
    );
}

fn forbid(report: &Report, kind: &str, subject: &str) {
    assert!(
        !has(&report.events, kind, Some(subject), None, None),
        "wrong event {kind} {subject:?}; reported:\n{}",
        listing(&report.events)
    );
}

fn assert_cosmetic(report: &Report) {
    assert!(
        report.events.is_empty(),
        "a cosmetic-only variant yields no events; reported:\n{}",
        listing(&report.events)
    );
    assert!(
        !report.summary.substantive,
        "a cosmetic-only variant is not substantive"
    );
}

#[test]
fn seed_000_imazing_later() {
    let r = run(
        snapshot!("seeds/000_9809253ca9da665a.txt"),
        snapshot!("seeds-later/000.txt"),
    );
    require(
        &r,
        &[
            // The update history's newest entry is the policy's date.
            ("effective_date.changed", None, None, Some("2022-03-01")),
            (
                "retention.changed",
                None,
                Some("14 months"),
                Some("26 months"),
            ),
            ("third_party.added", Some("Sentry"), None, None),
            ("third_party.removed", Some("DevMate"), None, None),
            (
                "section.removed",
                Some("License Management, before iMazing 2.13"),
                None,
                None,
            ),
            (
                "section.renamed",
                None,
                Some("License Management, iMazing 2.13 and above"),
                Some("License Management"),
            ),
        ],
    );
    for still_there in ["Microsoft App Center", "Mailchimp", "Paddle", "Zendesk"] {
        forbid(&r, "third_party.removed", still_there);
    }
}

#[test]
fn seed_001_imypass_swedish_later() {
    let r = run(
        snapshot!("seeds/001_d3e9af7cc998c5db.txt"),
        snapshot!("seeds-later/001.txt"),
    );
    require(
        &r,
        &[
            (
                "effective_date.changed",
                None,
                Some("2024-10-29"),
                Some("2026-03-12"),
            ),
            ("retention.added", None, None, Some("24 months")),
            ("third_party.added", Some("Paddle"), None, None),
            ("section.added", Some("Dina rättigheter"), None, None),
            ("user_right.added", Some("access"), None, None),
            ("user_right.added", Some("rectification"), None, None),
            ("user_right.added", Some("erasure"), None, None),
            ("user_right.added", Some("complaint"), None, None),
            ("contact.added", Some("privacy@imypass.com"), None, None),
        ],
    );
    forbid(&r, "third_party.removed", "Google Analytics");
    forbid(&r, "third_party.removed", "Fastspring");
}

#[test]
fn seed_002_imaga_later() {
    let r = run(
        snapshot!("seeds/002_e5a96dd1cf53a070.txt"),
        snapshot!("seeds-later/002.txt"),
    );
    require(
        &r,
        &[
            (
                "effective_date.changed",
                None,
                Some("2025-09-11"),
                Some("2027-03-03"),
            ),
            (
                "retention.changed",
                None,
                Some("14 months"),
                Some("26 months"),
            ),
            ("ai_training.added", None, None, None),
            ("children.age_changed", None, Some("18"), Some("16")),
            ("third_party.added", Some("HubSpot"), None, None),
            ("user_right.removed", Some("portability"), None, None),
            (
                "section.renamed",
                None,
                Some("Data Retention"),
                Some("How Long We Keep Your Information"),
            ),
            ("section.moved", Some("Data Security"), None, None),
        ],
    );
    // The no-sale stance, the other rights and the transfer mechanisms did not change.
    assert!(
        !r.events.iter().any(|e| e.kind == "sale.changed"),
        "the sale stance did not change:\n{}",
        listing(&r.events)
    );
    for right in [
        "access",
        "rectification",
        "erasure",
        "objection",
        "complaint",
    ] {
        forbid(&r, "user_right.removed", right);
    }
    forbid(
        &r,
        "transfer_mechanism.removed",
        "Standard Contractual Clauses",
    );
}

#[test]
fn seed_003_private_privacy_later() {
    let r = run(
        snapshot!("seeds/003_fdf34e4267794e7a.txt"),
        snapshot!("seeds-later/003.txt"),
    );
    require(
        &r,
        &[
            (
                "section.added",
                Some("Deleting Your Information"),
                None,
                None,
            ),
            ("section.added", Some("e) Crash Reports"), None, None),
            (
                "section.renamed",
                None,
                Some("Storing the User Files and Data"),
                Some("How We Store Your Files and Data"),
            ),
            ("user_right.added", Some("erasure"), None, None),
            ("contact.added", Some("privacy@example.com"), None, None),
            (
                "data_category.added",
                Some("device identifiers"),
                None,
                None,
            ),
        ],
    );
    forbid(&r, "tracking.removed", "cookies");
}

#[test]
fn seed_004_izotope_later() {
    let r = run(
        snapshot!("seeds/004_7e01e4ee1ba5f623.txt"),
        snapshot!("seeds-later/004.txt"),
    );
    require(
        &r,
        &[
            (
                "effective_date.changed",
                None,
                Some("2020-01-01"),
                Some("2023-10-01"),
            ),
            (
                "transfer_mechanism.removed",
                Some("Privacy Shield"),
                None,
                None,
            ),
            (
                "transfer_mechanism.added",
                Some("Data Privacy Framework"),
                None,
                None,
            ),
            ("retention.added", None, None, Some("7 years")),
            (
                "section.renamed",
                None,
                Some(
                    "Privacy Shield For EEA & Swiss Individuals Whose Data Is Transferred Into The United States",
                ),
                Some(
                    "Data Privacy Framework For EEA, UK & Swiss Individuals Whose Data Is Transferred Into The United States",
                ),
            ),
        ],
    );
    // SCCs (now named) and adequacy decisions are still relied on.
    forbid(
        &r,
        "transfer_mechanism.removed",
        "Standard Contractual Clauses",
    );
    forbid(&r, "transfer_mechanism.removed", "Adequacy Decision");
    forbid(&r, "legal_framework.removed", "GDPR");
    forbid(&r, "legal_framework.removed", "CCPA");
}

#[test]
fn seed_000_cosmetic_variant_is_not_a_change() {
    assert_cosmetic(&run(
        snapshot!("seeds/000_9809253ca9da665a.txt"),
        snapshot!("seeds-cosmetic/000.txt"),
    ));
}

#[test]
fn seed_001_cosmetic_variant_is_not_a_change() {
    assert_cosmetic(&run(
        snapshot!("seeds/001_d3e9af7cc998c5db.txt"),
        snapshot!("seeds-cosmetic/001.txt"),
    ));
}

#[test]
fn seed_002_cosmetic_variant_is_not_a_change() {
    assert_cosmetic(&run(
        snapshot!("seeds/002_e5a96dd1cf53a070.txt"),
        snapshot!("seeds-cosmetic/002.txt"),
    ));
}

#[test]
fn seed_003_cosmetic_variant_is_not_a_change() {
    assert_cosmetic(&run(
        snapshot!("seeds/003_fdf34e4267794e7a.txt"),
        snapshot!("seeds-cosmetic/003.txt"),
    ));
}

#[test]
fn seed_004_cosmetic_variant_is_not_a_change() {
    assert_cosmetic(&run(
        snapshot!("seeds/004_7e01e4ee1ba5f623.txt"),
        snapshot!("seeds-cosmetic/004.txt"),
    ));
}

#[test]
fn heading_comparison_ignores_numbering_case_and_colons() {
    assert_eq!(heading("e) Crash Reports:"), "crash reports");
    assert_eq!(heading("7. Newsletter Policy"), "newsletter policy");
    assert_eq!(heading("(a) understanding"), "understanding");
    assert_eq!(heading("Data Retention"), "data retention");
    // A real first word is kept.
    assert_eq!(heading("Data. Retention"), "data. retention");
}
