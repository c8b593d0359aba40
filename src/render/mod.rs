//! Renderers for a diff report: text (coloured at a terminal), Markdown,
//! JSON (the spec's schema) and a self-contained HTML page.
//!
//! Every renderer reads the [`Report`] for what changed and the two
//! [`Document`]s for the section texts. The report and the documents come
//! from the same diff, but renderers never index into them blindly: a
//! section reference that does not resolve renders as empty text rather
//! than panicking.

mod html;
mod json;
mod markdown;
mod text;

use crate::model::Document;
use crate::report::{Event, Report, SectionChange, SectionRef, SectionStatus, Summary};
use crate::textdiff::{WordChange, word_diff};

/// Output formats of `policywatch diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, coloured when `color` is set.
    Text,
    /// Markdown for issues, tickets and chat.
    Markdown,
    /// The `policywatch.diff/1` JSON.
    Json,
    /// One self-contained side-by-side HTML page.
    Html,
}

impl Format {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Json => "json",
            Format::Html => "html",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            "html" | "htm" => Ok(Format::Html),
            other => Err(format!(
                "unknown output format {other:?}: expected text, markdown, json or html"
            )),
        }
    }
}

/// Options shared by all renderers.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Include unchanged sections.
    pub all: bool,
    /// Use ANSI colours (text format only).
    pub color: bool,
}

/// Render a report. The documents give renderers the section texts.
pub fn render(
    report: &Report,
    old: &Document,
    new: &Document,
    format: Format,
    opts: RenderOptions,
) -> String {
    let view = View { report, old, new };
    match format {
        Format::Text => text::render(&view, opts),
        Format::Markdown => markdown::render(&view, opts),
        Format::Json => json::render(report, opts),
        Format::Html => html::render(&view, opts),
    }
}

/// A report together with the documents it was computed from.
pub(crate) struct View<'a> {
    pub report: &'a Report,
    pub old: &'a Document,
    pub new: &'a Document,
}

impl View<'_> {
    /// The sections a renderer shows: changed ones, plus unchanged ones with `--all`.
    pub fn sections(&self, opts: RenderOptions) -> impl Iterator<Item = &SectionChange> {
        self.report
            .sections
            .iter()
            .filter(move |s| opts.all || s.status != SectionStatus::Unchanged)
    }

    /// The body text of a section on the old side, empty when absent.
    pub fn old_body(&self, sc: &SectionChange) -> String {
        body(self.old, sc.old.as_ref())
    }

    /// The body text of a section on the new side, empty when absent.
    pub fn new_body(&self, sc: &SectionChange) -> String {
        body(self.new, sc.new.as_ref())
    }
}

fn body(doc: &Document, r: Option<&SectionRef>) -> String {
    r.and_then(|r| doc.sections.get(r.index))
        .map(|s| s.body_text())
        .unwrap_or_default()
}

/// Events, most severe first; ties keep the engine's order.
pub(crate) fn sorted_events(report: &Report) -> Vec<&Event> {
    let mut events: Vec<&Event> = report.events.iter().collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.severity));
    events
}

/// How a section is named in output: its heading path, new side first.
pub(crate) fn section_title(sc: &SectionChange) -> String {
    let r = sc.new.as_ref().or(sc.old.as_ref());
    let Some(r) = r else {
        return "(no section)".into();
    };
    let path: Vec<&str> = r
        .path
        .iter()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
        .collect();
    if !path.is_empty() {
        path.join(" › ")
    } else if !r.heading.is_empty() {
        r.heading.clone()
    } else {
        "(preamble)".into()
    }
}

/// For a renamed section, the old heading, when it differs from the shown one.
pub(crate) fn old_heading_if_renamed(sc: &SectionChange) -> Option<&str> {
    match (&sc.old, &sc.new) {
        (Some(o), Some(n)) if o.heading != n.heading => Some(o.heading.as_str()),
        _ => None,
    }
}

/// Where an event shows: the section heading on each side, collapsed when equal.
pub(crate) fn event_section(e: &Event) -> Option<String> {
    match (e.section.old.as_deref(), e.section.new.as_deref()) {
        (Some(o), Some(n)) if o == n => Some(n.to_string()),
        (Some(o), Some(n)) => Some(format!("{o} → {n}")),
        (Some(o), None) => Some(o.to_string()),
        (None, Some(n)) => Some(n.to_string()),
        (None, None) => None,
    }
    .filter(|s| !s.is_empty())
}

/// One line of counts: "1 section modified, 2 added · +12 −3 words".
pub(crate) fn summary_counts(s: &Summary) -> String {
    let mut parts = Vec::new();
    let mut push = |n: usize, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    push(s.sections_modified, "modified");
    push(s.sections_added, "added");
    push(s.sections_removed, "removed");
    push(s.sections_moved, "moved");
    push(s.sections_renamed, "renamed");
    let sections = if parts.is_empty() {
        "no section changed".to_string()
    } else {
        let n: usize = s.sections_modified
            + s.sections_added
            + s.sections_removed
            + s.sections_moved
            + s.sections_renamed;
        format!(
            "{} {}: {}",
            n,
            if n == 1 { "section" } else { "sections" },
            parts.join(", ")
        )
    };
    format!("{sections}; +{} −{} words", s.words_added, s.words_removed)
}

/// Collapse all runs of white space (including paragraph breaks) to one space,
/// for renderers that show a sentence on one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A piece of a word-level diff, after runs have been grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// On both sides.
    Same(String),
    /// Old side only.
    Del(String),
    /// New side only.
    Ins(String),
}

/// A word-level diff grouped for reading: within a run of changes, the
/// deleted words come first as one piece and the inserted words second, and
/// the single spaces between changed words are absorbed into the run, so
/// "14 months" → "26 weeks" reads `[-14 months-]{+26 weeks+}` rather than
/// alternating word by word.
pub(crate) fn word_pieces(old: &str, new: &str) -> Vec<Piece> {
    let changes = word_diff(old, new);
    let is_change = |c: Option<&WordChange>| {
        matches!(c, Some(WordChange::Delete(_)) | Some(WordChange::Insert(_)))
    };
    let mut out = Vec::new();
    let mut del = String::new();
    let mut ins = String::new();
    let flush = |out: &mut Vec<Piece>, del: &mut String, ins: &mut String| {
        if !del.is_empty() {
            out.push(Piece::Del(std::mem::take(del)));
        }
        if !ins.is_empty() {
            out.push(Piece::Ins(std::mem::take(ins)));
        }
    };
    for (i, c) in changes.iter().enumerate() {
        match c {
            WordChange::Delete(t) => del.push_str(t),
            WordChange::Insert(t) => ins.push_str(t),
            WordChange::Equal(t) => {
                let between_changes = i > 0
                    && is_change(changes.get(i - 1))
                    && is_change(changes.get(i + 1))
                    && t.chars().all(char::is_whitespace)
                    && !t.contains('\n');
                if between_changes {
                    del.push_str(t);
                    ins.push_str(t);
                } else {
                    flush(&mut out, &mut del, &mut ins);
                    match out.last_mut() {
                        Some(Piece::Same(s)) => s.push_str(t),
                        _ => out.push(Piece::Same(t.clone())),
                    }
                }
            }
        }
    }
    flush(&mut out, &mut del, &mut ins);
    out
}

/// Split a changed piece into leading white space, the words, and trailing
/// white space, so markers hug the words (`~~a b~~ `, not `~~a b ~~`).
pub(crate) fn split_ws(s: &str) -> (&str, &str, &str) {
    let trimmed_start = s.trim_start();
    let lead = &s[..s.len() - trimmed_start.len()];
    let core = trimmed_start.trim_end();
    let trail = &trimmed_start[core.len()..];
    (lead, core, trail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{SCHEMA, Severity, Sides};

    #[test]
    fn word_pieces_group_runs() {
        let p = word_pieces(
            "We keep logs for 14 months in total.",
            "We keep logs for 26 weeks in total.",
        );
        assert!(p.contains(&Piece::Del("14 months".into())), "{p:?}");
        assert!(p.contains(&Piece::Ins("26 weeks".into())), "{p:?}");
        let old: String = p
            .iter()
            .filter_map(|x| match x {
                Piece::Same(s) | Piece::Del(s) => Some(s.as_str()),
                Piece::Ins(_) => None,
            })
            .collect();
        assert_eq!(old, "We keep logs for 14 months in total.");
    }

    #[test]
    fn word_pieces_rebuild_both_sides() {
        let (a, b) = (
            "alpha beta  gamma\n\ndelta",
            "alpha gamma\n\nepsilon delta zeta",
        );
        let p = word_pieces(a, b);
        let side = |keep_del: bool| -> String {
            p.iter()
                .filter_map(|x| match x {
                    Piece::Same(s) => Some(s.as_str()),
                    Piece::Del(s) if keep_del => Some(s.as_str()),
                    Piece::Ins(s) if !keep_del => Some(s.as_str()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(side(true), a);
        assert_eq!(side(false), b);
    }

    #[test]
    fn split_ws_keeps_all_text() {
        assert_eq!(split_ws("  a b \n"), ("  ", "a b", " \n"));
        assert_eq!(split_ws("   "), ("   ", "", ""));
        assert_eq!(split_ws("x"), ("", "x", ""));
    }

    #[test]
    fn format_names_round_trip() {
        for f in [Format::Text, Format::Markdown, Format::Json, Format::Html] {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert!("pdf".parse::<Format>().is_err());
    }

    #[test]
    fn dangling_section_refs_render_without_panic() {
        let doc = Document::from_text("a", "# A\n\nText.\n").unwrap();
        let info = crate::report::DocInfo {
            label: "a".into(),
            sha256: String::new(),
            language: "en".into(),
            sections: 1,
            words: 2,
        };
        let r = |i| SectionRef {
            index: i,
            heading: "Gone".into(),
            path: vec![],
        };
        let report = Report {
            schema: SCHEMA.into(),
            old: info.clone(),
            new: info,
            summary: Summary {
                substantive: true,
                ..Summary::default()
            },
            sections: vec![SectionChange {
                status: SectionStatus::Modified,
                similarity: 0.5,
                old: Some(r(99)),
                new: Some(r(42)),
                edits: vec![],
            }],
            events: vec![Event {
                kind: "section.removed".into(),
                subject: None,
                from: None,
                to: None,
                severity: Severity::Low,
                section: Sides::default(),
                evidence: Sides::default(),
            }],
        };
        for f in [Format::Text, Format::Markdown, Format::Json, Format::Html] {
            for color in [false, true] {
                let out = render(&report, &doc, &doc, f, RenderOptions { all: true, color });
                assert!(out.contains("Gone"), "{f:?}: {out}");
            }
        }
    }
}
