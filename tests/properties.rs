//! Property tests of the diff engine: self-diffs are empty, nothing panics on
//! arbitrary or hostile input, alignment covers both sides, and the text
//! diff primitives lose no text.

use policywatch::align::align;
use policywatch::model::{InputFormat, Section};
use policywatch::report::SectionStatus;
use policywatch::textdiff::{WordChange, split_sentences, word_diff};
use policywatch::{Document, ParseOptions, diff};
use proptest::prelude::*;

/// Words from a small vocabulary, so that generated sections overlap.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("data".to_string()),
        Just("cookies".to_string()),
        Just("we".to_string()),
        Just("share".to_string()),
        Just("Privacy".to_string()),
        Just("Shield".to_string()),
        Just("e.g.".to_string()),
        Just("14".to_string()),
        Just("months.".to_string()),
        Just("Ünïcödé".to_string()),
        "[a-z]{1,8}",
    ]
}

fn sentence() -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..12).prop_map(|w| {
        let mut s = w.join(" ");
        s.push('.');
        s
    })
}

fn section() -> impl Strategy<Value = Section> {
    (
        prop::collection::vec(word(), 0..4),
        prop::collection::vec(prop::collection::vec(sentence(), 1..4), 0..4),
    )
        .prop_map(|(h, paras)| {
            let heading = h.join(" ");
            Section {
                level: if heading.is_empty() { 0 } else { 1 },
                path: vec![heading.clone()],
                heading,
                paragraphs: paras.into_iter().map(|p| p.join(" ")).collect(),
            }
        })
}

fn document(sections: Vec<Section>) -> Document {
    Document {
        label: "generated".into(),
        sha256: String::new(),
        format: InputFormat::Markdown,
        language: "en".into(),
        sections,
        chrome: Vec::new(),
    }
}

fn markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::collection::vec(word(), 1..4),
            prop::collection::vec(sentence(), 0..5),
        ),
        1..8,
    )
    .prop_map(|secs| {
        secs.into_iter()
            .map(|(h, body)| format!("## {}\n\n{}\n", h.join(" "), body.join(" ")))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Fragments hostile HTML is made of: unclosed and misnested tags, scripts,
/// comments, CDATA, entities (valid, invalid, NUL), odd encodings.
fn html() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<h1>".to_string()),
        Just("</h1>".to_string()),
        Just("<h2>Privacy".to_string()),
        Just("<div".to_string()),
        Just("</div></div></div>".to_string()),
        Just("<script>alert('x')</script>".to_string()),
        Just("<style>p{}</style>".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("<![CDATA[".to_string()),
        Just("&amp;&lt;&#0;&#x110000;&bogus;".to_string()),
        Just("<table><tr><td>a<td>b".to_string()),
        Just("<ul><li>one<li>two".to_string()),
        Just("<meta charset=\"windows-1252\">".to_string()),
        Just("<p>We use cookies. We keep logs for 14 months.</p>".to_string()),
        Just("\u{0}\u{feff}\u{202e}".to_string()),
        Just("<nav>Home | Login</nav><footer>© 2024</footer>".to_string()),
        Just("<html><body>".to_string()),
        "[<>/=\"a-z &;#]{0,20}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn parse(label: &str, text: &str) -> Option<Document> {
    Document::parse(label, text.as_bytes(), &ParseOptions::default()).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn self_diff_of_sections_is_empty(secs in prop::collection::vec(section(), 0..12)) {
        let d = document(secs);
        let r = diff(&d, &d);
        prop_assert!(r.events.is_empty());
        prop_assert!(!r.summary.substantive);
        prop_assert_eq!(r.summary.words_added + r.summary.words_removed, 0);
        prop_assert!(r.sections.iter().all(|s| s.status == SectionStatus::Unchanged));
    }

    #[test]
    fn self_diff_of_parsed_markdown_is_empty(md in markdown()) {
        if let Some(d) = parse("doc.md", &md) {
            let r = diff(&d, &d);
            prop_assert!(r.events.is_empty());
            prop_assert!(!r.summary.substantive);
        }
    }

    #[test]
    fn diff_never_panics_on_arbitrary_utf8(a in any::<String>(), b in any::<String>()) {
        if let (Some(x), Some(y)) = (parse("a", &a), parse("b", &b)) {
            let r = diff(&x, &y);
            prop_assert_eq!(r.old.sections, x.sections.len());
        }
    }

    #[test]
    fn diff_never_panics_on_hostile_html(a in html(), b in html()) {
        if let (Some(x), Some(y)) = (parse("a.html", &a), parse("b.html", &b)) {
            let r = diff(&x, &y);
            prop_assert!(r.events.windows(2).all(|w| w[0].severity >= w[1].severity));
        }
    }

    #[test]
    fn alignment_covers_both_sides(
        old in prop::collection::vec(section(), 0..16),
        new in prop::collection::vec(section(), 0..16),
    ) {
        let pairs = align(&old, &new);
        for i in 0..old.len() {
            prop_assert!(pairs.iter().any(|p| p.old == Some(i)), "old {} missing", i);
        }
        for j in 0..new.len() {
            prop_assert!(pairs.iter().any(|p| p.new == Some(j)), "new {} missing", j);
        }
        for p in &pairs {
            prop_assert!(p.old.is_some() || p.new.is_some());
            prop_assert!(p.old.is_none_or(|i| i < old.len()));
            prop_assert!(p.new.is_none_or(|j| j < new.len()));
            prop_assert!((0.0..=1.0).contains(&p.similarity));
        }
        // New-document order.
        let news: Vec<usize> = pairs.iter().filter_map(|p| p.new).collect();
        prop_assert!(news.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn sentence_splitting_loses_no_text(text in "[A-Za-zé0-9 .!?…()\"\n-]{0,200}") {
        let joined = split_sentences(&text).concat();
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        prop_assert_eq!(squash(&joined), squash(&text));
    }

    #[test]
    fn word_diff_reassembles_both_sides(a in any::<String>(), b in any::<String>()) {
        let d = word_diff(&a, &b);
        let side = |keep_old: bool| -> String {
            d.iter()
                .filter_map(|c| match c {
                    WordChange::Equal(t) => Some(t.as_str()),
                    WordChange::Delete(t) if keep_old => Some(t.as_str()),
                    WordChange::Insert(t) if !keep_old => Some(t.as_str()),
                    _ => None,
                })
                .collect()
        };
        prop_assert_eq!(side(true), a);
        prop_assert_eq!(side(false), b);
    }
}
