//! Snapshot tests of every renderer on a small, realistic pair, plus the
//! escaping guarantees of the HTML and Markdown renderers.
//!
//! The pair is built from Markdown strings so the snapshots depend only on
//! the engine, not on files. When the engine improves (better alignment,
//! typed events), re-accept the snapshots after reading the change.

use policywatch::render::{Format, RenderOptions, render};
use policywatch::{Document, diff};
use proptest::prelude::*;

const OLD: &str = "\
# Privacy Policy

Last updated: 1 March 2024.

# Data We Collect

We collect your email address and IP address. We use cookies to remember you.

# Data Retention

We keep server logs for 14 months. We delete backups every year.

# International Transfers

We rely on the EU-U.S. Privacy Shield Framework.
";

const NEW: &str = "\
# Privacy Policy

Last updated: 1 May 2024.

# Data We Collect

We collect your email address and IP address. We use cookies to remember you.

# Data Retention

We keep server logs for 26 months. We delete backups every year. We keep support tickets for 2 years.

# Your Rights

You may ask us to delete your data.
";

fn pair() -> (Document, Document) {
    let old = Document::from_text("old.md", OLD).expect("old parses");
    let new = Document::from_text("new.md", NEW).expect("new parses");
    (old, new)
}

fn rendered(format: Format, all: bool) -> String {
    let (old, new) = pair();
    let report = diff(&old, &new);
    render(
        &report,
        &old,
        &new,
        format,
        RenderOptions { all, color: false },
    )
}

#[test]
fn text_snapshot() {
    let out = rendered(Format::Text, false);
    assert!(!out.contains('\u{1b}'), "no ANSI escapes without colour");
    insta::assert_snapshot!("text", out);
}

#[test]
fn text_all_snapshot() {
    let out = rendered(Format::Text, true);
    assert!(out.contains("unchanged"));
    insta::assert_snapshot!("text_all", out);
}

#[test]
fn text_colour_uses_ansi() {
    let (old, new) = pair();
    let report = diff(&old, &new);
    let opts = RenderOptions {
        all: false,
        color: true,
    };
    let out = render(&report, &old, &new, Format::Text, opts);
    assert!(out.contains("\u{1b}["), "colour on means ANSI escapes");
    assert!(!out.contains("[-"), "colour replaces the plain markers");
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", rendered(Format::Markdown, false));
}

#[test]
fn json_snapshot() {
    let out = rendered(Format::Json, false);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["schema"], "policywatch.diff/1");
    let sections = v["sections"].as_array().expect("sections array");
    assert!(sections.iter().all(|s| s["status"] != "unchanged"));
    insta::assert_snapshot!("json", out);
}

#[test]
fn json_all_keeps_unchanged_sections() {
    let out = rendered(Format::Json, true);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let sections = v["sections"].as_array().expect("sections array");
    assert!(sections.iter().any(|s| s["status"] == "unchanged"));
}

#[test]
fn html_snapshot() {
    let out = rendered(Format::Html, false);
    assert!(out.starts_with("<!DOCTYPE html>"));
    assert!(!out.contains("<script"), "no scripts");
    assert!(!out.contains("<link"), "no external stylesheets");
    insta::assert_snapshot!("html", out);
}

const HOSTILE: &str = "\
# Data <script>alert(1)</script>

We value <script>alert(1)</script> privacy & \"quotes\" 'too'.
";

const HOSTILE_NEW: &str = "\
# Data <script>alert(1)</script>

We value <script>alert(2)</script> privacy & <img src=x onerror=alert(3)>.

# <b>New</b> section

Text that spells a tag: &lt;iframe src=\"https://evil.example\"&gt;&lt;/iframe&gt;
";

fn hostile(format: Format) -> String {
    let old = Document::from_text("<script>alert('old')</script>", HOSTILE).expect("parses");
    let new = Document::from_text("new\"><script>alert(0)</script>", HOSTILE_NEW).expect("parses");
    let report = diff(&old, &new);
    render(
        &report,
        &old,
        &new,
        format,
        RenderOptions {
            all: true,
            color: false,
        },
    )
}

/// Every tag the HTML renderer itself emits; anything else came from input.
const OWN_TAGS: &[&str] = &[
    "!DOCTYPE",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "span",
    "section",
    "ul",
    "li",
    "blockquote",
    "article",
    "div",
    "strong",
    "del",
    "ins",
];

fn foreign_tags(html: &str) -> Vec<String> {
    let re = regex::Regex::new(r"</?([A-Za-z!][A-Za-z0-9]*)").unwrap();
    re.captures_iter(html)
        .map(|c| c[1].to_string())
        .filter(|t| !OWN_TAGS.contains(&t.as_str()))
        .collect()
}

#[test]
fn html_escapes_policy_text_and_labels() {
    let out = hostile(Format::Html);
    assert!(!out.to_ascii_lowercase().contains("<script"), "{out}");
    assert!(!out.contains("<img"), "{out}");
    assert!(!out.contains("<iframe"), "{out}");
    assert!(!out.contains("<b>"), "{out}");
    assert!(out.contains("&lt;script&gt;"), "the text is shown, escaped");
    assert!(
        out.contains("new&quot;&gt;&lt;script&gt;"),
        "labels are escaped"
    );
    assert_eq!(foreign_tags(&out), Vec::<String>::new());
}

#[test]
fn markdown_escapes_policy_text_and_labels() {
    let out = hostile(Format::Markdown);
    // Markdown escapes with a backslash: every `<` and `>` must carry one.
    let bare = out
        .char_indices()
        .filter(|&(i, c)| (c == '<' || c == '>') && !out[..i].ends_with('\\'))
        .count();
    assert_eq!(bare, 0, "{out}");
    assert!(out.contains("\\<script\\>alert("), "{out}");
    assert!(out.contains("\\<iframe"), "{out}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the policy text and labels, the HTML page contains only the
    /// renderer's own tags.
    #[test]
    fn html_never_lets_markup_through(
        a in "[#<>&\"' a-zA-Z/=\n]{1,80}",
        b in "[#<>&\"' a-zA-Z/=\n]{1,80}",
        label in "[<>&\"' a-z/]{0,20}",
    ) {
        let (Ok(old), Ok(new)) = (Document::from_text(&label, &a), Document::from_text(&label, &b)) else {
            return Ok(());
        };
        let report = diff(&old, &new);
        for all in [false, true] {
            let out = render(&report, &old, &new, Format::Html, RenderOptions { all, color: false });
            prop_assert_eq!(foreign_tags(&out), Vec::<String>::new());
        }
    }
}
