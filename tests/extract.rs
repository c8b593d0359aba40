//! Extraction over real inputs (the bundled seeds and Basecamp history) and
//! built ones: encodings, Markdown, HTML main content, selectors, PDF.

use policywatch::ParseError;
use policywatch::extract::extract;
use policywatch::model::{Block, BlockKind, InputFormat, ParseOptions};
use proptest::prelude::*;

const SEED_000: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/snapshots/seeds/000_9809253ca9da665a.txt"
));
const SEED_001: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/snapshots/seeds/001_d3e9af7cc998c5db.txt"
));
const SEED_002: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/snapshots/seeds/002_e5a96dd1cf53a070.txt"
));
const SEED_004: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/snapshots/seeds/004_7e01e4ee1ba5f623.txt"
));
const BASECAMP_2020: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/snapshots/basecamp/privacy-policy/050-2020-06-25-0018933.md"
));
const MAIN_CONTENT_PAGE: &str = include_str!("fixtures/extract/main_content.html");

fn blocks(bytes: &[u8]) -> Vec<Block> {
    extract(bytes, &ParseOptions::default()).unwrap().blocks
}

fn texts(blocks: &[Block]) -> Vec<&str> {
    blocks.iter().map(|b| b.text.as_str()).collect()
}

fn all_text(blocks: &[Block]) -> String {
    texts(blocks).join("\n")
}

fn with_kind(blocks: &[Block], kind: BlockKind) -> Vec<&str> {
    blocks
        .iter()
        .filter(|b| b.kind == kind)
        .map(|b| b.text.as_str())
        .collect()
}

#[test]
fn seed_000_mojibake_is_repaired() {
    let ex = extract(SEED_000, &ParseOptions::default()).unwrap();
    assert_eq!(ex.format, InputFormat::Text);
    let text = all_text(&ex.blocks);
    for word in [
        "Français",
        "Español",
        "Português",
        "© DigiDNA",
        "iMazing ®",
        "des Tranchées",
    ] {
        assert!(text.contains(word), "{word} missing");
    }
    for broken in ["Ã§", "Ã±", "Ãª", "Â©", "Ã©"] {
        assert!(!text.contains(broken), "{broken} left");
    }
}

#[test]
fn plain_text_keeps_every_line_in_order() {
    for seed in [SEED_000, SEED_001, SEED_002, SEED_004] {
        let text = std::str::from_utf8(seed).unwrap();
        let ex = extract(seed, &ParseOptions::default()).unwrap();
        assert_eq!(ex.format, InputFormat::Text);
        assert!(ex.blocks.iter().all(|b| b.kind == BlockKind::Line));
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        let non_empty = ex.blocks.iter().filter(|b| !b.text.is_empty()).count();
        assert_eq!(lines, non_empty);
        // Markers are single and never at the ends.
        assert!(!ex.blocks.first().unwrap().text.is_empty());
        assert!(!ex.blocks.last().unwrap().text.is_empty());
        assert!(
            ex.blocks
                .windows(2)
                .all(|w| !(w[0].text.is_empty() && w[1].text.is_empty()))
        );
    }
    // The numbered heading split over two lines stays two lines, in order.
    let b = blocks(SEED_000);
    let at = b.iter().position(|x| x.text == "1.").unwrap();
    assert_eq!(b[at + 1].text, "Commitment and General Principles");
}

#[test]
fn swedish_seed_keeps_its_letters() {
    let text = all_text(&blocks(SEED_001));
    assert!(text.contains("Senast uppdaterad"));
    for letter in ['å', 'ä', 'ö'] {
        assert!(text.contains(letter), "{letter} lost");
    }
    assert!(!text.contains('Ã'));
}

#[test]
fn windows_1252_and_latin1_decode() {
    let bytes = b"Donn\xe9es personnelles \x93prot\xe9g\xe9es\x94 \x96 14 mois.\n";
    let b = blocks(bytes);
    assert_eq!(
        b[0].text,
        "Données personnelles \u{201c}protégées\u{201d} \u{2013} 14 mois."
    );
    let opts = ParseOptions {
        content_type: Some("text/plain; charset=ISO-8859-1".into()),
        ..ParseOptions::default()
    };
    let b = extract(b"Integrit\xe4tspolicy f\xf6r oss", &opts)
        .unwrap()
        .blocks;
    assert_eq!(b[0].text, "Integritätspolicy för oss");
}

#[test]
fn utf16_with_bom_decodes() {
    let text = "Integritetspolicy\n\nVi sparar data i 14 månader.\n";
    let mut le = vec![0xff, 0xfe];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xfe, 0xff];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    for bytes in [le, be] {
        let b = blocks(&bytes);
        assert_eq!(
            texts(&b),
            ["Integritetspolicy", "", "Vi sparar data i 14 månader."]
        );
    }
}

#[test]
fn html_meta_charset_is_honoured() {
    let page = b"<!DOCTYPE html><html><head><meta charset=\"windows-1252\"><title>T</title></head>\
        <body><h1>Politique de confidentialit\xe9</h1><p>Vos donn\xe9es \x93personnelles\x94.</p></body></html>";
    let ex = extract(page, &ParseOptions::default()).unwrap();
    assert_eq!(ex.format, InputFormat::Html);
    let text = all_text(&ex.blocks);
    assert!(text.contains("Politique de confidentialité"), "{text}");
    assert!(
        text.contains("Vos données \u{201c}personnelles\u{201d}."),
        "{text}"
    );
}

#[test]
fn format_detection_and_override() {
    let cases: [(&[u8], InputFormat); 5] = [
        (b"<!doctype html><p>Hello policy</p>", InputFormat::Html),
        (b"# Privacy\n\nWe collect nothing.", InputFormat::Markdown),
        (
            b"---\ntitle: Privacy\n---\nWe collect nothing.",
            InputFormat::Markdown,
        ),
        (b"Privacy\n\nWe collect nothing.", InputFormat::Text),
        (
            b"Privacy\n=======\n\nWe collect nothing.",
            InputFormat::Markdown,
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            extract(bytes, &ParseOptions::default()).unwrap().format,
            want
        );
    }
    let forced = ParseOptions {
        format: Some(InputFormat::Text),
        ..ParseOptions::default()
    };
    let ex = extract(b"# Privacy\n\nWe collect nothing.", &forced).unwrap();
    assert_eq!(ex.format, InputFormat::Text);
    assert_eq!(ex.blocks[0], Block::new(BlockKind::Line, "# Privacy"));
}

#[test]
fn binary_and_empty_are_rejected() {
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00";
    assert!(matches!(
        extract(elf, &ParseOptions::default()),
        Err(ParseError::Binary)
    ));
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00";
    assert!(matches!(
        extract(png, &ParseOptions::default()),
        Err(ParseError::Binary)
    ));
    for empty in [
        &b""[..],
        b"  \n\n\t\n",
        b"<html><body><script>x()</script></body></html>",
    ] {
        assert!(matches!(
            extract(empty, &ParseOptions::default()),
            Err(ParseError::Empty)
        ));
    }
}

#[test]
fn basecamp_markdown_front_matter_headings_and_links() {
    let ex = extract(BASECAMP_2020.as_bytes(), &ParseOptions::default()).unwrap();
    assert_eq!(ex.format, InputFormat::Markdown);
    let b = &ex.blocks;
    assert_eq!(b[0], Block::new(BlockKind::Heading(1), "Privacy policy"));
    assert_eq!(
        b[1],
        Block::new(BlockKind::Paragraph, "Last updated: June 25, 2020")
    );
    let headings = with_kind(b, BlockKind::Heading(2));
    assert!(
        headings.contains(&"What we collect and why"),
        "{headings:?}"
    );
    assert!(with_kind(b, BlockKind::Heading(3)).contains(&"Identity & access"));
    let text = all_text(b);
    assert!(
        !text.contains("title: Privacy policy"),
        "front matter leaked"
    );
    assert!(!text.contains("]("), "link syntax leaked");
    assert!(!text.contains("**"), "emphasis leaked");
}

#[test]
fn markdown_links_tables_setext_and_wrapping() {
    let md = "Privacy Notice\n==============\n\nRead [our cookie policy](https://x.y/cookies \"Cookies\")\nand <https://x.y/faq>, or https://x.y/raw_url.\n\
        ![tracking pixel](https://x.y/p.gif)\n\nData kept\n---------\n\n\
        | Data | Retention |\n| :--- | ---: |\n| **Logs** | 14 months |\n| Emails \\| chats | [forever](#x) |\n\n\
        [x]: https://x.y\n";
    let b = blocks(md.as_bytes());
    let got: Vec<(BlockKind, &str)> = b.iter().map(|x| (x.kind, x.text.as_str())).collect();
    assert_eq!(
        got,
        [
            (BlockKind::Heading(1), "Privacy Notice"),
            (
                BlockKind::Paragraph,
                "Read our cookie policy and https://x.y/faq, or https://x.y/raw_url."
            ),
            (BlockKind::Heading(2), "Data kept"),
            (BlockKind::TableRow, "Data | Retention"),
            (BlockKind::TableRow, "Logs | 14 months"),
            (BlockKind::TableRow, "Emails | chats | forever"),
        ]
    );
}

#[test]
fn markdown_rewrapping_is_cosmetic() {
    let a = blocks(b"# T\n\nWe keep logs\nfor 14 months.\n\n- item one\n  wrapped\n");
    let b = blocks(b"# T\n\nWe keep logs for 14 months.\n\n- item one wrapped\n");
    assert_eq!(a, b);
}

#[test]
fn escaped_markdown_round_trips() {
    // Text that would read as markup, escaped the way a Markdown writer does.
    let originals = [
        "# not a heading",
        "- not an item",
        "1. not a list",
        "*stars* and _underscores_ and [brackets](x)",
        "> not a quote",
        "a | b",
    ];
    let escaped = [
        r"\# not a heading",
        r"\- not an item",
        r"1\. not a list",
        r"\*stars\* and \_underscores\_ and \[brackets\](x)",
        r"\> not a quote",
        r"a \| b",
    ];
    let md = format!("# Heading \\#1\n\n{}\n", escaped.join("\n\n"));
    let b = blocks(md.as_bytes());
    assert_eq!(b[0], Block::new(BlockKind::Heading(1), "Heading #1"));
    let got: Vec<&str> = b[1..].iter().map(|x| x.text.as_str()).collect();
    assert_eq!(got, originals);
    assert!(b[1..].iter().all(|x| x.kind == BlockKind::Paragraph));
    // "\1." at the start of a paragraph is also read as an escaped number.
    let b = blocks(b"# T\n\n\\1. Not a list item\n");
    assert_eq!(b[1], Block::new(BlockKind::Paragraph, "1. Not a list item"));
}

#[test]
fn html_main_content_keeps_headings_and_drops_chrome() {
    let ex = extract(MAIN_CONTENT_PAGE.as_bytes(), &ParseOptions::default()).unwrap();
    assert_eq!(ex.format, InputFormat::Html);
    let b = &ex.blocks;
    let text = all_text(b);
    for chrome in [
        "Pricing",
        "Sign in",
        "All rights reserved",
        "Subscribe",
        "trackPageview",
    ] {
        assert!(!text.contains(chrome), "chrome {chrome:?} kept:\n{text}");
    }
    let headings: Vec<&str> = b
        .iter()
        .filter(|x| matches!(x.kind, BlockKind::Heading(_)))
        .map(|x| x.text.as_str())
        .collect();
    for h in [
        "Privacy Policy",
        "Information we collect",
        "How long we keep it",
        "Your rights",
    ] {
        assert!(headings.contains(&h), "heading {h:?} lost: {headings:?}");
    }
    assert!(text.contains("We keep server logs for 14 months."));
    assert!(with_kind(b, BlockKind::ListItem).contains(&"Access the data we hold about you."));
    assert!(with_kind(b, BlockKind::TableRow).contains(&"Server logs | 14 months"));
}

#[test]
fn html_select_and_remove() {
    let select = ParseOptions {
        select: Some("#policy h2, #policy p.keep".into()),
        ..ParseOptions::default()
    };
    let b = extract(MAIN_CONTENT_PAGE.as_bytes(), &select)
        .unwrap()
        .blocks;
    assert_eq!(
        b[0],
        Block::new(BlockKind::Heading(2), "Information we collect")
    );
    assert_eq!(
        with_kind(&b, BlockKind::Paragraph),
        ["We collect your email address when you sign up."]
    );

    let remove = ParseOptions {
        select: Some("#policy".into()),
        remove: vec!["table".into(), "ul".into()],
        ..ParseOptions::default()
    };
    let b = extract(MAIN_CONTENT_PAGE.as_bytes(), &remove)
        .unwrap()
        .blocks;
    assert!(with_kind(&b, BlockKind::TableRow).is_empty());
    assert!(with_kind(&b, BlockKind::ListItem).is_empty());
    assert!(all_text(&b).contains("We keep server logs for 14 months."));

    for (bad, problem) in [
        ("div[", "not a valid CSS selector"),
        ("#nope", "matches no element"),
    ] {
        let opts = ParseOptions {
            select: Some(bad.into()),
            ..ParseOptions::default()
        };
        let err = extract(MAIN_CONTENT_PAGE.as_bytes(), &opts).unwrap_err();
        assert!(matches!(err, ParseError::Selector { .. }));
        assert!(err.to_string().contains(problem), "{err}");
    }
    let bad_remove = ParseOptions {
        remove: vec![":::".into()],
        ..ParseOptions::default()
    };
    assert!(matches!(
        extract(MAIN_CONTENT_PAGE.as_bytes(), &bad_remove),
        Err(ParseError::Selector { .. })
    ));
}

#[test]
fn html_without_main_content_falls_back_to_body() {
    let page =
        "<html><body><nav>Menu</nav><h1>Terms</h1><p>Short.</p><footer>Foot</footer></body></html>";
    let b = blocks(page.as_bytes());
    assert_eq!(
        b,
        [
            Block::new(BlockKind::Heading(1), "Terms"),
            Block::new(BlockKind::Paragraph, "Short.")
        ]
    );
}

#[test]
fn hostile_html_does_not_panic() {
    let nasty = [
        format!("<html>{}", "<div><span>".repeat(30_000)),
        format!("<p title=\"{}\">x</p>", "a".repeat(1_000_000)),
        "<table><tr><td><table><tr><td>x</td></tr></table><p>y</p>".repeat(500),
        "<p>&amp;&#0;&#xFFFFFF;&#99999999;&bogus; \u{0}NUL</p><b><i></b></i>".to_string(),
        "<!doctype html><html><head><title>".to_string(),
    ];
    for page in nasty {
        let _ = extract(page.as_bytes(), &ParseOptions::default());
    }
}

fn tag_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<div>".to_string()),
        Just("</div>".to_string()),
        Just("<p>".to_string()),
        Just("<h2>".to_string()),
        Just("</h2>".to_string()),
        Just("<li>".to_string()),
        Just("<table><tr><td>".to_string()),
        Just("</td><td>".to_string()),
        Just("<br>".to_string()),
        Just("<script>".to_string()),
        Just("<nav>".to_string()),
        Just("<!--".to_string()),
        Just("&amp;".to_string()),
        Just("<".to_string()),
        Just(">".to_string()),
        "[a-zA-Z ]{0,12}",
        "\\PC{0,6}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| format!("<html><body>{}", v.concat()))
}

fn markdown_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("# ".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("---\n".to_string()),
        Just("- ".to_string()),
        Just("1. ".to_string()),
        Just("| a | b |\n|---|---|\n".to_string()),
        Just("[".to_string()),
        Just("](".to_string()),
        Just(")".to_string()),
        Just("**".to_string()),
        Just("_".to_string()),
        Just("`".to_string()),
        Just("\\".to_string()),
        Just("&".to_string()),
        Just(";".to_string()),
        Just("<".to_string()),
        Just(">".to_string()),
        Just("```\n".to_string()),
        "[a-z ]{0,8}",
        "[éøå€✓🙂]{0,40}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| format!("# T\n\n{}", v.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn tag_soup_never_panics(page in tag_soup()) {
        match extract(page.as_bytes(), &ParseOptions::default()) {
            Ok(ex) => {
                prop_assert_eq!(ex.format, InputFormat::Html);
                prop_assert!(ex.blocks.iter().any(|b| !b.text.is_empty()));
            }
            Err(e) => prop_assert!(matches!(e, ParseError::Empty), "unexpected {e}"),
        }
    }

    #[test]
    fn markdown_soup_never_panics(md in markdown_soup()) {
        let ex = extract(md.as_bytes(), &ParseOptions::default()).unwrap();
        prop_assert_eq!(ex.format, InputFormat::Markdown);
        prop_assert_eq!(&ex.blocks[0], &Block::new(BlockKind::Heading(1), "T"));
    }

    #[test]
    fn plain_text_loses_and_reorders_no_line(lines in prop::collection::vec("[a-zA-Z0-9 .,#*|-]{0,30}", 1..40)) {
        let text = lines.join("\n");
        let forced = ParseOptions { format: Some(InputFormat::Text), ..ParseOptions::default() };
        match extract(text.as_bytes(), &forced) {
            Ok(ex) => {
                let want: Vec<String> = lines
                    .iter()
                    .map(|l| policywatch::normalize::normalize_text(l))
                    .filter(|l| !l.is_empty())
                    .collect();
                let got: Vec<&str> = ex.blocks.iter().map(|b| b.text.as_str()).filter(|t| !t.is_empty()).collect();
                prop_assert_eq!(got, want);
            }
            Err(e) => prop_assert!(matches!(e, ParseError::Empty)),
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = extract(text.as_bytes(), &ParseOptions::default());
    }
}

/// A one-page PDF with a 24-point title, a 16-point section heading and
/// 11-point body text, written by hand with correct xref offsets.
fn small_pdf() -> Vec<u8> {
    let content = "BT /F1 24 Tf 72 720 Td (Privacy Policy) Tj ET\n\
        BT /F1 11 Tf 72 690 Td (We collect your email address to send receipts.) Tj ET\n\
        BT /F1 11 Tf 72 676 Td (We keep server logs for fourteen months.) Tj ET\n\
        BT /F1 16 Tf 72 640 Td (Your Rights) Tj ET\n\
        BT /F1 11 Tf 72 615 Td (You may ask us to delete your data at any time.) Tj ET\n";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{obj}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        pdf.extend(format!("{off:010} 00000 n \n").as_bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

#[test]
fn pdf_headings_are_recovered_from_font_sizes() {
    let ex = extract(&small_pdf(), &ParseOptions::default()).unwrap();
    assert_eq!(ex.format, InputFormat::Pdf);
    let got: Vec<(BlockKind, &str)> = ex
        .blocks
        .iter()
        .map(|b| (b.kind, b.text.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (BlockKind::Heading(1), "Privacy Policy"),
            (
                BlockKind::Paragraph,
                "We collect your email address to send receipts. We keep server logs for fourteen months."
            ),
            (BlockKind::Heading(2), "Your Rights"),
            (
                BlockKind::Paragraph,
                "You may ask us to delete your data at any time."
            ),
        ]
    );
}

#[test]
fn malformed_pdf_is_an_error_not_a_panic() {
    let mut pdf = small_pdf();
    pdf.truncate(pdf.len() / 2);
    for bytes in [
        pdf,
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF".to_vec(),
    ] {
        match extract(&bytes, &ParseOptions::default()) {
            Err(ParseError::Pdf(msg)) => assert!(!msg.is_empty()),
            Err(ParseError::Empty) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}
