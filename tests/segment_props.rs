//! Property tests of normalisation and segmentation: nothing lost, nothing
//! duplicated, no panics, idempotent folds, Markdown that reads back the
//! same.

use policywatch::model::{Block, BlockKind, InputFormat, Section};
use policywatch::normalize::{heading_key, normalize_text};
use policywatch::segment::{segment, to_markdown};
use proptest::prelude::*;

/// Words as the crate counts them: runs of alphanumerics.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Plain-text blocks as the extraction contract gives them.
fn contract_blocks(lines: &[String]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut blank = false;
    for line in lines {
        let text = normalize_text(line);
        if text.is_empty() {
            blank = true;
            continue;
        }
        if blank && !blocks.is_empty() {
            blocks.push(Block::new(BlockKind::Line, ""));
        }
        blank = false;
        blocks.push(Block::new(BlockKind::Line, text));
    }
    blocks
}

fn section_words(sections: &[Section]) -> Vec<String> {
    sections
        .iter()
        .flat_map(|s| std::iter::once(&s.heading).chain(&s.paragraphs))
        .flat_map(|t| words(t))
        .collect()
}

fn is_subsequence(needle: &[String], hay: &[String]) -> bool {
    let mut it = hay.iter();
    needle.iter().all(|n| it.any(|h| h == n))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Lines that exercise the heuristics: titles, numbering, lettered labels,
/// chrome, dates, prose, bullets, odd glyphs, and arbitrary text.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Privacy Policy".to_string()),
        Just("Contents".to_string()),
        Just("1.".to_string()),
        Just("2.3".to_string()),
        Just("Free Download".to_string()),
        Just("Follow us".to_string()),
        Just("English".to_string()),
        Just("Deutsch".to_string()),
        Just("© 2021 Example Inc. All rights reserved.".to_string()),
        Just("Newer Comments".to_string()),
        Just("Effective January".to_string()),
        Just("1, 2020".to_string()),
        Just("Safety &amp.".to_string()),
        Just("a) E-mail Address: We capture your email when you buy.".to_string()),
        Just("• Analytics cookies: we count visits to the site.".to_string()),
        Just("What Is Personal Data?".to_string()),
        Just("DATA RETENTION".to_string()),
        Just("We keep analytics data for 14 months and then delete it for good.".to_string()),
        Just("we share data with\u{a0}processors such as Paddle and Zendesk".to_string()),
        Just(
            "__ddna__coupon stores a *coupon* code, see [docs] <here> & &amp; \\ ~~x~~".to_string()
        ),
        "[#*_`~<>\\[\\]&\\\\|=+ a-z0-9.-]{1,20}",
        "[A-Z][a-z]{2,9}( [a-z]{2,8}){0,4}",
        "[A-Z][a-z]{2,9}( [a-z]{2,8}){5,14}\\.",
        "\\PC{0,40}",
    ]
}

fn block() -> impl Strategy<Value = Block> {
    (0u8..5, line()).prop_map(|(k, text)| {
        let kind = match k {
            0 => BlockKind::Heading(1 + text.len() as u8 % 6),
            1 => BlockKind::Paragraph,
            2 => BlockKind::ListItem,
            3 => BlockKind::TableRow,
            _ => BlockKind::Line,
        };
        Block::new(kind, text)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn plain_segmentation_loses_and_duplicates_no_text(lines in prop::collection::vec(line(), 0..60)) {
        let input: Vec<String> = lines.iter().flat_map(|l| words(&normalize_text(l))).collect();
        let (sections, chrome) = segment(&contract_blocks(&lines), InputFormat::Text);
        let kept = section_words(&sections);
        let dropped: Vec<String> = chrome.iter().flat_map(|c| words(c)).collect();
        prop_assert!(is_subsequence(&kept, &input), "section words out of order");
        prop_assert!(is_subsequence(&dropped, &input), "chrome words out of order");
        let mut all = kept.clone();
        all.extend(dropped);
        prop_assert_eq!(sorted(all), sorted(input));
        for s in &sections {
            prop_assert!(s.paragraphs.iter().all(|p| !p.is_empty() && p.trim() == p));
            prop_assert!(s.level <= 6);
            prop_assert_eq!(s.path.is_empty(), s.level == 0);
        }
    }

    #[test]
    fn markup_segmentation_loses_and_duplicates_no_text(blocks in prop::collection::vec(block(), 0..60)) {
        let input: Vec<String> = blocks.iter().flat_map(|b| words(&normalize_text(&b.text))).collect();
        let (sections, chrome) = segment(&blocks, InputFormat::Markdown);
        let kept = section_words(&sections);
        let dropped: Vec<String> = chrome.iter().flat_map(|c| words(c)).collect();
        prop_assert!(is_subsequence(&kept, &input));
        prop_assert!(is_subsequence(&dropped, &input));
        let mut all = kept;
        all.extend(dropped);
        prop_assert_eq!(sorted(all), sorted(input));
    }

    #[test]
    fn segment_never_panics_on_arbitrary_text(text in "\\PC{0,400}", raw in prop::collection::vec(any::<u8>(), 0..400)) {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let _ = segment(&contract_blocks(&lines), InputFormat::Text);
        let lossy = String::from_utf8_lossy(&raw).into_owned();
        let lines: Vec<String> = lossy.lines().map(str::to_string).collect();
        let _ = segment(&contract_blocks(&lines), InputFormat::Text);
        // Unnormalised blocks straight in, too.
        let blocks: Vec<Block> = lossy.lines().map(|l| Block::new(BlockKind::Line, l)).collect();
        let (sections, _) = segment(&blocks, InputFormat::Text);
        let _ = to_markdown(&sections);
    }

    #[test]
    fn normalize_text_is_idempotent(text in "(\\PC|[\u{a0}\u{202f}\u{2009}\u{200b}\u{ad}\u{feff}\u{2018}\u{201c}\u{2013}\u{2014}\u{2026}\u{2022}\u{301}\u{327} \n\t-])*") {
        let once = normalize_text(&text);
        prop_assert_eq!(normalize_text(&once), once.clone());
        prop_assert!(!once.contains('\u{a0}') && !once.contains("  ") && once.trim() == once, "not folded: {:?}", once);
    }

    #[test]
    fn heading_key_is_idempotent(text in "(\\PC|[0-9.)( IVXivxab:\u{a0}\u{130}])*") {
        let key = heading_key(&text);
        prop_assert_eq!(heading_key(&key), key);
    }

    #[test]
    fn markdown_reads_back_the_same(blocks in prop::collection::vec(block(), 0..40)) {
        let (sections, _) = segment(&blocks, InputFormat::Markdown);
        let md = to_markdown(&sections);
        let (again, chrome) = segment(&read_markdown(&md), InputFormat::Markdown);
        prop_assert!(chrome.is_empty(), "chrome on re-read: {:?}", chrome);
        prop_assert_eq!(again, sections);
    }
}

/// A minimal reader of exactly what `to_markdown` writes, following the
/// extraction contract (ATX headings, blank-line-separated paragraphs,
/// CommonMark backslash escapes of ASCII punctuation, and `\1.` for an
/// escaped list number). It checks that the output is unambiguous; the
/// test against the real extractor is `markdown_round_trip_through_real_extract`.
fn read_markdown(md: &str) -> Vec<Block> {
    md.split("\n\n")
        .filter(|chunk| !chunk.is_empty())
        .map(|chunk| {
            let hashes = chunk.bytes().take_while(|b| *b == b'#').count();
            if (1..=6).contains(&hashes) && chunk.as_bytes().get(hashes) == Some(&b' ') {
                Block::new(
                    BlockKind::Heading(hashes as u8),
                    unescape(&chunk[hashes + 1..]),
                )
            } else {
                Block::new(BlockKind::Paragraph, unescape(chunk))
            }
        })
        .collect()
}

fn unescape(text: &str) -> String {
    let text = match text.strip_prefix('\\') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&n) if c == '\\' && n.is_ascii_punctuation() => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// Extract + segment of `to_markdown(sections)` gives the same sections, on
/// the seeds and a Basecamp version, through the real Markdown reader.
#[test]
fn markdown_round_trip_through_real_extract() {
    use policywatch::{Document, ParseOptions};
    for name in [
        "seeds/000_9809253ca9da665a.txt",
        "seeds/001_d3e9af7cc998c5db.txt",
        "seeds/002_e5a96dd1cf53a070.txt",
        "seeds/003_fdf34e4267794e7a.txt",
        "seeds/004_7e01e4ee1ba5f623.txt",
        "basecamp/privacy-policy/050-2020-06-25-0018933.md",
    ] {
        let path = format!("{}/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let doc = Document::parse(name, &bytes, &ParseOptions::default()).expect("parse");
        let md = doc.to_markdown();
        let opts = ParseOptions {
            format: Some(InputFormat::Markdown),
            ..ParseOptions::default()
        };
        let again = Document::parse("md", md.as_bytes(), &opts).expect("reparse");
        assert_eq!(again.sections, doc.sections, "{name}");
    }
}
