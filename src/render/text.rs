//! The terminal renderer: events first, then the changed sections with
//! sentence edits and word-level highlights.
//!
//! Without colour, word changes use git's `--word-diff=plain` markers,
//! `[-deleted-]{+inserted+}`, so the output stays readable in a pipe or a log.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Effects, Style};

use super::{
    Piece, RenderOptions, View, event_section, old_heading_if_renamed, one_line, section_title,
    sorted_events, split_ws, summary_counts, word_pieces,
};
use crate::report::{EditOp, SectionStatus, Severity};

/// Styles for each role; all plain when colour is off.
struct Palette {
    on: bool,
}

impl Palette {
    fn style(&self, s: Style) -> Style {
        if self.on { s } else { Style::new() }
    }
    fn paint(&self, s: Style, text: &str) -> String {
        let s = self.style(s);
        if self.on {
            format!("{s}{text}{s:#}")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, t: &str) -> String {
        self.paint(Style::new().bold(), t)
    }
    fn dim(&self, t: &str) -> String {
        self.paint(Style::new().dimmed(), t)
    }
    fn del(&self, t: &str) -> String {
        if self.on {
            self.paint(
                Style::new()
                    .fg_color(Some(AnsiColor::Red.into()))
                    .effects(Effects::STRIKETHROUGH),
                t,
            )
        } else {
            format!("[-{t}-]")
        }
    }
    fn ins(&self, t: &str) -> String {
        if self.on {
            self.paint(
                Style::new()
                    .fg_color(Some(AnsiColor::Green.into()))
                    .effects(Effects::UNDERLINE),
                t,
            )
        } else {
            format!("{{+{t}+}}")
        }
    }
    fn red(&self, t: &str) -> String {
        self.paint(Style::new().fg_color(Some(AnsiColor::Red.into())), t)
    }
    fn green(&self, t: &str) -> String {
        self.paint(Style::new().fg_color(Some(AnsiColor::Green.into())), t)
    }
    fn severity(&self, sev: Severity) -> String {
        let label = format!("[{:<6}]", sev.as_str().to_ascii_uppercase());
        let color = match sev {
            Severity::High => AnsiColor::Red,
            Severity::Medium => AnsiColor::Yellow,
            Severity::Low => AnsiColor::Cyan,
            Severity::Info => AnsiColor::Blue,
        };
        let mut style = Style::new().fg_color(Some(color.into()));
        if sev == Severity::High {
            style = style.bold();
        }
        self.paint(style, &label)
    }
    fn status(&self, status: SectionStatus) -> String {
        let (mark, color) = match status {
            SectionStatus::Added => ("+", AnsiColor::Green),
            SectionStatus::Removed => ("-", AnsiColor::Red),
            SectionStatus::Modified => ("~", AnsiColor::Yellow),
            SectionStatus::Moved => (">", AnsiColor::Magenta),
            SectionStatus::Renamed => ("»", AnsiColor::Magenta),
            SectionStatus::Unchanged => ("=", AnsiColor::BrightBlack),
        };
        self.paint(
            Style::new().fg_color(Some(color.into())).bold(),
            &format!("{mark} {:<9}", status.as_str()),
        )
    }
}

/// Word-level highlights of one rewritten sentence, on one line.
fn inline_word_diff(p: &Palette, old: &str, new: &str) -> String {
    let mut out = String::new();
    for piece in word_pieces(&one_line(old), &one_line(new)) {
        match piece {
            Piece::Same(s) => out.push_str(&s),
            Piece::Del(s) | Piece::Ins(s) if s.trim().is_empty() => out.push_str(&s),
            Piece::Del(s) => {
                let (lead, core, trail) = split_ws(&s);
                let _ = write!(out, "{lead}{}{trail}", p.del(core));
            }
            Piece::Ins(s) => {
                let (lead, core, trail) = split_ws(&s);
                let _ = write!(out, "{lead}{}{trail}", p.ins(core));
            }
        }
    }
    out
}

pub(super) fn render(view: &View<'_>, opts: RenderOptions) -> String {
    let p = Palette { on: opts.color };
    let report = view.report;
    let mut out = String::new();

    let verdict = if report.summary.substantive {
        p.paint(Style::new().bold(), "substantive change")
    } else {
        p.paint(
            Style::new().fg_color(Some(AnsiColor::Green.into())),
            "no substantive change",
        )
    };
    let _ = writeln!(
        out,
        "{} → {}: {verdict}",
        p.bold(&report.old.label),
        p.bold(&report.new.label)
    );
    let mut counts = summary_counts(&report.summary);
    if let Some(max) = report.summary.max_severity {
        let _ = write!(counts, "; highest severity {max}");
    }
    let _ = writeln!(out, "{}", p.dim(&counts));

    let events = sorted_events(report);
    if !events.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold(&format!("Events ({})", events.len())));
        for e in events {
            let _ = write!(out, "  {} {}", p.severity(e.severity), e.headline());
            if let Some(section) = event_section(e) {
                let _ = write!(out, "  {}", p.dim(&format!("in {section}")));
            }
            out.push('\n');
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
            let _ = writeln!(out, "\n{}", p.bold(heading));
            first = false;
        }
        let _ = write!(
            out,
            "{} {}",
            p.status(sc.status),
            p.bold(&section_title(sc))
        );
        if let Some(old) = old_heading_if_renamed(sc) {
            let _ = write!(out, " {}", p.dim(&format!("(was {old})")));
        }
        if sc.old.is_some() && sc.new.is_some() && sc.status != SectionStatus::Unchanged {
            let _ = write!(
                out,
                " {}",
                p.dim(&format!("(similarity {:.2})", sc.similarity))
            );
        }
        out.push('\n');
        if sc.status == SectionStatus::Unchanged {
            for para in view.new_body(sc).split("\n\n").filter(|s| !s.is_empty()) {
                let _ = writeln!(out, "    {}", one_line(para));
            }
            continue;
        }
        for edit in &sc.edits {
            let old = edit.old.as_deref().unwrap_or("");
            let new = edit.new.as_deref().unwrap_or("");
            let line = match edit.op {
                EditOp::Replace => format!("  ~ {}", inline_word_diff(&p, old, new)),
                EditOp::Delete => {
                    format!("  {} {}", p.red("-"), p.red(&one_line(old)))
                }
                EditOp::Insert => {
                    format!("  {} {}", p.green("+"), p.green(&one_line(new)))
                }
            };
            let _ = writeln!(out, "{line}");
        }
    }
    out
}
