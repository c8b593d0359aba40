//! The Markdown renderer, for tickets, pull requests and chat: a summary, an
//! events table and the changed sections with `~~deleted~~` / `**inserted**`
//! word diffs. Policy text is escaped so that its own punctuation (`*`, `_`,
//! `|`, `<`…) cannot turn into markup.

use std::fmt::Write as _;

use super::{
    Piece, RenderOptions, View, event_section, old_heading_if_renamed, one_line, section_title,
    sorted_events, split_ws, summary_counts, word_pieces,
};
use crate::report::{EditOp, SectionStatus};

/// Escape text for inline Markdown (also safe inside a table cell). Line
/// breaks become spaces: every caller puts the text on one line.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '!'
            | '$' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Escape text that starts a line, where `- x`, `+ x` or `1. x` would
/// otherwise become a list item.
pub(crate) fn escape_line(s: &str) -> String {
    guard_line_start(escape(s))
}

fn guard_line_start(mut s: String) -> String {
    if s.starts_with(['-', '+']) {
        s.insert(0, '\\');
        return s;
    }
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    let marker = s[digits..].chars().next();
    let after = s[digits..].chars().nth(1);
    if (1..=9).contains(&digits)
        && matches!(marker, Some('.') | Some(')'))
        && after.is_none_or(char::is_whitespace)
    {
        s.insert(digits, '\\');
    }
    s
}

/// Inline word diff of one rewritten sentence.
fn inline_word_diff(old: &str, new: &str) -> String {
    let mut out = String::new();
    for piece in word_pieces(&one_line(old), &one_line(new)) {
        let (mark, s) = match &piece {
            Piece::Same(s) => {
                out.push_str(&escape(s));
                continue;
            }
            Piece::Del(s) => ("~~", s),
            Piece::Ins(s) => ("**", s),
        };
        let (lead, core, trail) = split_ws(s);
        if core.is_empty() {
            out.push_str(lead);
            continue;
        }
        let _ = write!(out, "{lead}{mark}{}{mark}{trail}", escape(core));
    }
    guard_line_start(out)
}

pub(super) fn render(view: &View<'_>, opts: RenderOptions) -> String {
    let report = view.report;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Policy diff: {} → {}\n",
        escape(&report.old.label),
        escape(&report.new.label)
    );
    let verdict = if report.summary.substantive {
        "**Substantive change**"
    } else {
        "**No substantive change**"
    };
    let _ = write!(out, "{verdict}: {}", summary_counts(&report.summary));
    if let Some(max) = report.summary.max_severity {
        let _ = write!(out, "; highest severity **{max}**");
    }
    out.push_str(".\n");

    let events = sorted_events(report);
    if !events.is_empty() {
        let _ = writeln!(out, "\n### Events\n");
        out.push_str("| Severity | Event | Section |\n| --- | --- | --- |\n");
        for e in events {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                e.severity,
                escape(&e.headline()),
                event_section(e).map(|s| escape(&s)).unwrap_or_default()
            );
        }
    }

    let mut first = true;
    for sc in view.sections(opts) {
        if first {
            let heading = if opts.all {
                "Sections"
            } else {
                "Changed sections"
            };
            let _ = writeln!(out, "\n### {heading}");
            first = false;
        }
        let mut status = sc.status.as_str().to_string();
        if let Some(s) = status.get_mut(0..1) {
            s.make_ascii_uppercase();
        }
        let _ = write!(out, "\n#### {status}: {}", escape(&section_title(sc)));
        if let Some(old) = old_heading_if_renamed(sc) {
            let _ = write!(out, " (was {})", escape(old));
        }
        if sc.old.is_some() && sc.new.is_some() && sc.status != SectionStatus::Unchanged {
            let _ = write!(out, " (similarity {:.2})", sc.similarity);
        }
        out.push_str("\n\n");
        if sc.status == SectionStatus::Unchanged {
            for para in view.new_body(sc).split("\n\n").filter(|s| !s.is_empty()) {
                let _ = writeln!(out, "{}\n", escape_line(para));
            }
            continue;
        }
        for edit in &sc.edits {
            let old = edit.old.as_deref().unwrap_or("");
            let new = edit.new.as_deref().unwrap_or("");
            let line = match edit.op {
                EditOp::Replace => inline_word_diff(old, new),
                EditOp::Delete => format!("~~{}~~", escape(&one_line(old))),
                EditOp::Insert => format!("**{}**", escape(&one_line(new))),
            };
            let _ = writeln!(out, "- {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(escape("a*b_c|d"), "a\\*b\\_c\\|d");
        assert_eq!(escape("<script>"), "\\<script\\>");
        assert_eq!(escape_line("- item"), "\\- item");
        assert_eq!(escape_line("1. first"), "1\\. first");
        assert_eq!(escape_line("1.5 million"), "1.5 million");
        assert_eq!(escape("- mid-sentence"), "- mid-sentence");
        assert_eq!(escape("line\nbreak"), "line break");
        assert_eq!(escape("AT&T"), "AT&amp;T");
    }

    #[test]
    fn word_diff_uses_strike_and_bold() {
        let s = inline_word_diff("Kept for 14 months.", "Kept for 26 months.");
        assert_eq!(s, "Kept for ~~14~~**26** months.");
    }
}
