//! `policywatch import SOURCE DIR`: backfill a history from dated files.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{NaiveDate, TimeDelta, Utc};

use super::{CheckResult, Fetched, Handle, TrackerError, lock};
use crate::config::Source;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Files read.
    pub files: usize,
    /// New versions recorded.
    pub versions: usize,
    /// Files identical to the version before them.
    pub unchanged: usize,
    /// Files older than the source's newest version, not imported.
    pub skipped: usize,
    /// Files that failed (with the reason), e.g. not a policy.
    pub failed: Vec<(PathBuf, String)>,
    /// Changes (new versions after the first) and their events.
    pub changes: usize,
    /// Events over all changes.
    pub events: usize,
    /// The most severe events of the history, for a summary line.
    pub highlights: Vec<Highlight>,
}

/// One notable event found while importing.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    /// The version it came with.
    pub seq: u32,
    /// The date of that version's file.
    pub date: NaiveDate,
    /// The event.
    pub event: crate::report::Event,
}

/// How many highlights an import keeps.
const HIGHLIGHTS: usize = 8;

/// The dated files of a folder, oldest first. Accepted names are
/// `2020-01-01.md` (any extension) and the corpus layout
/// `NNN-YYYY-MM-DD-anything.md`, ordered by `NNN` then date. Other files
/// (READMEs, `history.tsv`) are ignored.
pub fn dated_files(dir: &Path) -> Result<Vec<(NaiveDate, PathBuf)>, TrackerError> {
    let err = |problem: String| TrackerError::Import {
        path: dir.display().to_string(),
        problem,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        err(format!(
            "cannot read the folder ({e}); give a folder of dated files such as 2020-01-01.md"
        ))
    })?;
    let mut found: Vec<(Option<u32>, NaiveDate, String, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((seq, date)) = parse_name(&name) {
            found.push((seq, date, name, path));
        }
    }
    if found.is_empty() {
        return Err(err(
            "no dated files found; name them YYYY-MM-DD.ext or NNN-YYYY-MM-DD-*.ext".into(),
        ));
    }
    found.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    Ok(found.into_iter().map(|(_, d, _, p)| (d, p)).collect())
}

fn parse_name(name: &str) -> Option<(Option<u32>, NaiveDate)> {
    let date_at = |s: &str| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok();
    if let Some(date) = date_at(name) {
        return Some((None, date));
    }
    let (seq, rest) = name.split_once('-')?;
    if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((seq.parse().ok(), date_at(rest)?))
}

pub(super) fn run(
    handle: &Handle,
    source: &Source,
    dir: &Path,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportReport, TrackerError> {
    let files = dated_files(dir)?;
    let newest = lock(&handle.stores)
        .db
        .last_version(&source.id)?
        .map(|v| v.fetched_at);
    let mut report = ImportReport {
        files: files.len(),
        ..ImportReport::default()
    };
    let mut previous = None;
    for (i, (date, path)) in files.iter().enumerate() {
        progress(i, files.len());
        // Several versions on one day keep their order: a second apart.
        let base = date.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
        let mut fetched_at = base;
        if let Some(prev) = previous
            && fetched_at <= prev
        {
            fetched_at = prev + TimeDelta::seconds(1);
        }
        previous = Some(fetched_at);
        if newest.is_some_and(|n| fetched_at <= n) {
            report.skipped += 1;
            continue;
        }
        let bytes = std::fs::read(path).map_err(|e| TrackerError::Import {
            path: path.display().to_string(),
            problem: format!("cannot read the file: {e}"),
        })?;
        let fetched = Fetched {
            bytes,
            content_type: None,
            http_status: None,
            fetched_at: fetched_at.min(Utc::now()),
            conditional: None,
            alerts: false,
        };
        match handle.record_fetched(source, fetched, Instant::now()) {
            CheckResult::NewVersion {
                first, events, seq, ..
            } => {
                report.versions += 1;
                if !first {
                    report.changes += 1;
                    report.events += events.len();
                    report
                        .highlights
                        .extend(events.into_iter().map(|event| Highlight {
                            seq,
                            date: *date,
                            event,
                        }));
                }
            }
            CheckResult::Unchanged | CheckResult::SnapshotOnly | CheckResult::NotModified => {
                report.unchanged += 1
            }
            CheckResult::Failed(why) | CheckResult::Suspicious(why) => {
                report.failed.push((path.clone(), why))
            }
        }
    }
    progress(files.len(), files.len());
    report.highlights = pick_highlights(std::mem::take(&mut report.highlights));
    Ok(report)
}

/// The most telling events of a history: one per kind and subject (a
/// subject that flaps back and forth is one story), most severe first,
/// section bookkeeping last; then shown oldest first, as a story.
fn pick_highlights(all: Vec<Highlight>) -> Vec<Highlight> {
    let mut seen = std::collections::HashSet::new();
    let mut picked: Vec<Highlight> = all
        .into_iter()
        .filter(|h| seen.insert((h.event.kind.clone(), h.event.subject.clone())))
        .collect();
    picked.sort_by_key(|h| {
        (
            std::cmp::Reverse(h.event.severity),
            h.event.kind.starts_with("section.") || h.event.kind.starts_with("effective_date."),
        )
    });
    picked.truncate(HIGHLIGHTS);
    picked.sort_by_key(|h| h.seq);
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_naming_layouts() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(parse_name("2020-01-01.md"), Some((None, d("2020-01-01"))));
        assert_eq!(parse_name("2021-06-30.html"), Some((None, d("2021-06-30"))));
        assert_eq!(
            parse_name("012-2020-04-08-50cc20f.md"),
            Some((Some(12), d("2020-04-08")))
        );
        assert_eq!(parse_name("README.md"), None);
        assert_eq!(parse_name("history.tsv"), None);
        assert_eq!(parse_name("12-notadate.md"), None);
    }

    #[test]
    fn lists_a_folder_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "010-2020-03-27-a.md",
            "002-2018-05-24-b.md",
            "README.md",
            "011-2020-04-08-c.md",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let files = dated_files(dir.path()).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|(_, p)| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "002-2018-05-24-b.md",
                "010-2020-03-27-a.md",
                "011-2020-04-08-c.md"
            ]
        );
        let empty = tempfile::tempdir().unwrap();
        let err = dated_files(empty.path()).unwrap_err().to_string();
        assert!(err.contains("no dated files"), "{err}");
    }
}
