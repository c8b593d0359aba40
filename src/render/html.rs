//! The HTML renderer: one self-contained page (inline CSS, no scripts, no
//! external assets) with the events at the top and each changed section
//! side by side, old left and new right, with word-level highlights.
//!
//! Policy text and labels come from the outside world, so every one of them
//! goes through [`escape`]; a Content-Security-Policy that forbids scripts
//! is a second line of defence should a bug ever let markup through.

use std::fmt::Write as _;

use super::{
    Piece, RenderOptions, View, event_section, old_heading_if_renamed, section_title,
    sorted_events, split_ws, summary_counts, word_pieces,
};
use crate::report::{Event, SectionChange, SectionStatus};

/// Escape text for HTML element content and quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light dark; --del: #ffebe9; --del-fg: #82071e; --ins: #dafbe1; --ins-fg: #116329; --line: #d0d7de; --muted: #57606a; }
@media (prefers-color-scheme: dark) { :root { --del: #4b1113; --del-fg: #ffb3ad; --ins: #12361f; --ins-fg: #8ff0a4; --line: #30363d; --muted: #8b949e; } }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin: 0 0 .5rem; } .muted { color: var(--muted); }
.verdict { font-weight: 600; } .verdict.none { color: var(--ins-fg); }
ul.events { list-style: none; padding: 0; } ul.events li { padding: .35rem 0; border-bottom: 1px solid var(--line); }
.badge { display: inline-block; min-width: 4.5em; text-align: center; border-radius: 3px; font-size: .8rem; font-weight: 700; text-transform: uppercase; margin-right: .5rem; color: #fff; }
.sev-high .badge { background: #cf222e; } .sev-medium .badge { background: #bf8700; } .sev-low .badge { background: #0969da; } .sev-info .badge { background: #6e7781; }
blockquote { margin: .3rem 0 0 5.2em; font-size: .9rem; color: var(--muted); }
article { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
.status { font-size: .8rem; text-transform: uppercase; font-weight: 700; margin-right: .4rem; color: var(--muted); }
.sbs { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.side { white-space: pre-wrap; overflow-wrap: anywhere; min-width: 0; }
.side h4 { margin: 0 0 .3rem; font-size: .8rem; text-transform: uppercase; color: var(--muted); }
del { background: var(--del); color: var(--del-fg); } ins { background: var(--ins); color: var(--ins-fg); text-decoration: none; }
.side.absent { color: var(--muted); font-style: italic; }
"#;

/// One side of a side-by-side view, as HTML.
fn side(class: &str, title: &str, heading: Option<&str>, body: Option<String>) -> String {
    let Some(body) = body else {
        return format!(
            "<div class=\"side {class} absent\"><h4>{title}</h4>(not in this version)</div>"
        );
    };
    let heading = heading
        .filter(|h| !h.is_empty())
        .map(|h| format!("<strong>{}</strong>\n", escape(h)))
        .unwrap_or_default();
    format!("<div class=\"side {class}\"><h4>{title}</h4>{heading}{body}</div>")
}

/// Wrap changed words in `<del>`/`<ins>`, leaving surrounding white space
/// outside so highlights hug the words.
fn marked(tag: &str, s: &str) -> String {
    let (lead, core, trail) = split_ws(s);
    if core.is_empty() {
        return escape(s);
    }
    format!(
        "{}<{tag}>{}</{tag}>{}",
        escape(lead),
        escape(core),
        escape(trail)
    )
}

fn event_item(e: &Event) -> String {
    let mut li = format!(
        "<li class=\"sev-{sev}\"><span class=\"badge\">{sev}</span>{}",
        escape(&e.headline()),
        sev = e.severity.as_str()
    );
    if let Some(section) = event_section(e) {
        let _ = write!(li, " <span class=\"muted\">in {}</span>", escape(&section));
    }
    for (label, text) in [("old", &e.evidence.old), ("new", &e.evidence.new)] {
        if let Some(t) = text.as_deref().filter(|t| !t.is_empty()) {
            let _ = write!(
                li,
                "<blockquote><span class=\"muted\">{label}:</span> {}</blockquote>",
                escape(t)
            );
        }
    }
    li.push_str("</li>\n");
    li
}

fn section_article(view: &View<'_>, sc: &SectionChange) -> String {
    let old_body = sc.old.as_ref().map(|_| view.old_body(sc));
    let new_body = sc.new.as_ref().map(|_| view.new_body(sc));
    let (old_html, new_html) = match (&old_body, &new_body) {
        (Some(o), Some(n)) => {
            let (mut l, mut r) = (String::new(), String::new());
            for piece in word_pieces(o, n) {
                match piece {
                    Piece::Same(s) => {
                        let e = escape(&s);
                        l.push_str(&e);
                        r.push_str(&e);
                    }
                    Piece::Del(s) => l.push_str(&marked("del", &s)),
                    Piece::Ins(s) => r.push_str(&marked("ins", &s)),
                }
            }
            (Some(l), Some(r))
        }
        (Some(o), None) => (Some(format!("<del>{}</del>", escape(o))), None),
        (None, Some(n)) => (None, Some(format!("<ins>{}</ins>", escape(n)))),
        (None, None) => (None, None),
    };
    let mut a = format!(
        "<article class=\"{status}\"><h3><span class=\"status\">{status}</span>{}",
        escape(&section_title(sc)),
        status = sc.status.as_str()
    );
    if let Some(old) = old_heading_if_renamed(sc) {
        let _ = write!(a, " <span class=\"muted\">(was {})</span>", escape(old));
    }
    if sc.old.is_some() && sc.new.is_some() && sc.status != SectionStatus::Unchanged {
        let _ = write!(
            a,
            " <span class=\"muted\">similarity {:.2}</span>",
            sc.similarity
        );
    }
    a.push_str("</h3>\n<div class=\"sbs\">");
    a.push_str(&side(
        "old",
        "Old",
        sc.old.as_ref().map(|r| r.heading.as_str()),
        old_html,
    ));
    a.push_str(&side(
        "new",
        "New",
        sc.new.as_ref().map(|r| r.heading.as_str()),
        new_html,
    ));
    a.push_str("</div></article>\n");
    a
}

pub(super) fn render(view: &View<'_>, opts: RenderOptions) -> String {
    let report = view.report;
    let (old_label, new_label) = (escape(&report.old.label), escape(&report.new.label));
    let lang = escape(&report.new.language);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"generator\" content=\"policywatch\">\n\
         <title>Policy diff: {old_label} → {new_label}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let _ = writeln!(
        out,
        "<header><h1>Policy diff</h1><p><span class=\"old\">{old_label}</span> → <span class=\"new\">{new_label}</span></p>"
    );
    let (class, verdict) = if report.summary.substantive {
        ("verdict", "Substantive change")
    } else {
        ("verdict none", "No substantive change")
    };
    let mut counts = summary_counts(&report.summary);
    if let Some(max) = report.summary.max_severity {
        let _ = write!(counts, "; highest severity {max}");
    }
    let _ = writeln!(
        out,
        "<p class=\"{class}\">{verdict}</p><p class=\"muted\">{}</p></header>",
        escape(&counts)
    );

    let events = sorted_events(report);
    if !events.is_empty() {
        let _ = writeln!(
            out,
            "<section><h2>Events ({})</h2>\n<ul class=\"events\">",
            events.len()
        );
        for e in events {
            out.push_str(&event_item(e));
        }
        out.push_str("</ul></section>\n");
    }

    let shown: Vec<&SectionChange> = view.sections(opts).collect();
    if !shown.is_empty() {
        let heading = if opts.all {
            "Sections"
        } else {
            "Changed sections"
        };
        let _ = writeln!(out, "<section><h2>{heading} ({})</h2>", shown.len());
        for sc in shown {
            out.push_str(&section_article(view, sc));
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_attributes() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
