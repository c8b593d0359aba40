//! Section trees of the five seed policies (web pages scraped as plain text,
//! page chrome and all) and of one Basecamp Markdown version.
//!
//! Each seed is segmented twice, and both must give the same heading list:
//! - from blocks built exactly as the extraction contract specifies for
//!   plain text (one `Line` per non-blank line, one empty `Line` per run of
//!   blank lines), which pins segmentation down independently of extraction;
//! - through `Document::parse`, the real pipeline.

use policywatch::model::{Block, BlockKind, InputFormat, Section};
use policywatch::normalize::{heading_key, normalize_text};
use policywatch::segment::segment;
use policywatch::{Document, ParseOptions};

fn seed_bytes(name: &str) -> Vec<u8> {
    let path = format!("{}/snapshots/seeds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Blocks exactly as the extraction contract gives plain text.
fn contract_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut blank = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            blank = true;
            continue;
        }
        if blank && !blocks.is_empty() {
            blocks.push(Block::new(BlockKind::Line, ""));
        }
        blank = false;
        blocks.push(Block::new(BlockKind::Line, normalize_text(line)));
    }
    blocks
}

fn segment_seed(name: &str) -> (Vec<Section>, Vec<String>) {
    let text = String::from_utf8_lossy(&seed_bytes(name)).into_owned();
    segment(&contract_blocks(&text), InputFormat::Text)
}

fn parse_seed(name: &str) -> Document {
    Document::parse(name, &seed_bytes(name), &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn headings(sections: &[Section]) -> Vec<(u8, String)> {
    sections
        .iter()
        .map(|s| (s.level, s.heading.clone()))
        .collect()
}

fn expected(list: &[(u8, &str)]) -> Vec<(u8, String)> {
    list.iter().map(|(l, h)| (*l, h.to_string())).collect()
}

/// Headings compared by their words only, so that entity and mojibake
/// repairs in extraction ("&amp." → "&") do not matter.
fn loose(h: &str) -> String {
    h.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && *w != "amp")
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// No chrome word in any heading or paragraph; each appears in chrome.
fn assert_chrome(sections: &[Section], chrome: &[String], words: &[&str]) {
    for w in words {
        for s in sections {
            assert!(!s.heading.contains(w), "{w:?} in heading {:?}", s.heading);
            for p in &s.paragraphs {
                assert!(!p.contains(w), "{w:?} in paragraph {p:?}");
            }
        }
        assert!(chrome.iter().any(|c| c.contains(w)), "{w:?} not in chrome");
    }
}

const SEED_000: &[(u8, &str)] = &[
    (1, "Privacy Policy"),
    (2, "1. Commitment and General Principles"),
    (2, "2. Purposes of data processing"),
    (2, "3. User management and right to information"),
    (2, "4. Nondisclosure of information"),
    (2, "5. Safety &amp. confidentiality"),
    (2, "6. Anonymous Data &amp. Cookie Policy"),
    (3, "What is a cookie?"),
    (3, "What cookies do you set precisely?"),
    (3, "Google Analytics"),
    (3, "How to manage existing cookies?"),
    (2, "7. Newsletter Policy"),
    (2, "8. Collected Data by Service"),
    (3, "Payment Platforms"),
    (3, "License Management, before iMazing 2.13"),
    (3, "License Management, iMazing 2.13 and above"),
    (3, "Customer Support"),
    (3, "Mailing"),
    (3, "Crash Reporting and App Analytics"),
    (2, "9. Links to 3rd party websites"),
    (2, "10. Updates to this Privacy Policy"),
    (2, "11. Contact"),
];

const SEED_001: &[(u8, &str)] = &[
    (1, "Integritetspolicy"),
    (2, "Hemsida"),
    (2, "Småkakor"),
    (2, "säkerhet"),
    (2, "Insamling och användning av personlig information"),
    (2, "Information vi kan samla in"),
    (2, "Syftet med datainsamlingen"),
    (2, "Informationsdelning"),
    (2, "Dina val"),
    (2, "e-handel"),
    (2, "Programvara aktivering"),
    (2, "Tredjepartsanalysverktyg"),
];

const SEED_002: &[(u8, &str)] = &[
    (1, "Privacy Policy"),
    (2, "Introduction"),
    (2, "Information We Collect"),
    (2, "How We Use Your Information"),
    (2, "Legal Bases for Processing (EU/UK Users)"),
    (2, "Cookies and Tracking Technologies"),
    (2, "How We Share and Disclose Information"),
    (2, "International Data Transfers"),
    (2, "Data Security"),
    (2, "Data Retention"),
    (2, "Your Rights"),
    (2, "Children's Privacy"),
    (2, "California Privacy Rights"),
    (2, "Changes to this Privacy Policy"),
    (2, "Contact Us"),
];

const SEED_003: &[(u8, &str)] = &[
    (1, "Private Privacy"),
    (2, "Data: The Way We Collect and Use it"),
    (2, "What We Do With Collected Information"),
    (3, "a) E-mail Address"),
    (3, "b) Information Based on Purchases"),
    (3, "c) Cookies and IP Address"),
    (3, "d) Uploaded Files"),
    (2, "Storing the User Files and Data"),
];

const SEED_004: &[(u8, &str)] = &[
    (1, "Privacy Policy"),
    (2, "Introduction"),
    (
        2,
        "What Is Personal Data And Who Is Responsible For Looking After My Personal Data?",
    ),
    (2, "Data Collected and Its Use"),
    (2, "Data Integrity and Security"),
    (2, "Lawful Grounds For Using Your Personal Data"),
    (2, "Your Right To Make A Complaint And How To Contact Us"),
    (2, "Non-Personal Data"),
    (2, "Cookies and Web Beacons"),
    (2, "Surveys and Responsive Requests"),
    (2, "Information Sharing and Disclosure"),
    (2, "Recipients"),
    (2, "International Transfers"),
    (2, "Other Sites"),
    (2, "How Long Will We Keep Your Personal Data For?"),
    (2, "Your Rights"),
    (2, "No Fee Usually Required"),
    (2, "What We May Need From You"),
    (2, "Choice and Access; Time Limit To Respond"),
    (2, "Acceptance of Privacy Policy"),
    (2, "Children's Privacy"),
    (2, "California Notices"),
    (
        2,
        "Privacy Shield For EEA & Swiss Individuals Whose Data Is Transferred Into The United States",
    ),
    (2, "Important Information for California Residents"),
    (2, "How to exercise your rights"),
    (2, "Personal information that we collect, use and disclose"),
    (2, "Contact Information"),
];

const SEEDS: &[(&str, &[(u8, &str)])] = &[
    ("000_9809253ca9da665a.txt", SEED_000),
    ("001_d3e9af7cc998c5db.txt", SEED_001),
    ("002_e5a96dd1cf53a070.txt", SEED_002),
    ("003_fdf34e4267794e7a.txt", SEED_003),
    ("004_7e01e4ee1ba5f623.txt", SEED_004),
];

#[test]
fn seed_headings_from_contract_blocks() {
    for (name, list) in SEEDS {
        let (sections, _) = segment_seed(name);
        assert_eq!(headings(&sections), expected(list), "{name}");
    }
}

#[test]
fn seed_headings_through_document_parse() {
    for (name, list) in SEEDS {
        let doc = parse_seed(name);
        // Compared by words: extraction repairs entities and mojibake.
        let actual: Vec<(u8, String)> = headings(&doc.sections)
            .iter()
            .map(|(l, h)| (*l, loose(h)))
            .collect();
        let wanted: Vec<(u8, String)> = list.iter().map(|(l, h)| (*l, loose(h))).collect();
        assert_eq!(actual, wanted, "{name}");
    }
}

#[test]
fn seed_000_chrome_is_set_aside() {
    let (sections, chrome) = segment_seed("000_9809253ca9da665a.txt");
    assert_chrome(
        &sections,
        &chrome,
        &[
            "Free Download",
            "Deutsch",
            "Buy Now",
            "Contents",
            "All rights reserved",
            "Got it",
        ],
    );
    // The table of contents must not duplicate sections.
    let commitment = sections
        .iter()
        .filter(|s| s.heading.contains("Commitment and General Principles"))
        .count();
    assert_eq!(commitment, 1);
    let doc = parse_seed("000_9809253ca9da665a.txt");
    assert_chrome(
        &doc.sections,
        &doc.chrome,
        &["Free Download", "Deutsch", "Contents"],
    );
}

#[test]
fn seed_000_body_is_kept() {
    let (sections, _) = segment_seed("000_9809253ca9da665a.txt");
    let google = sections
        .iter()
        .find(|s| s.heading == "Google Analytics")
        .expect("Google Analytics section");
    assert!(
        google
            .paragraphs
            .iter()
            .any(|p| p.contains("minimum option of 14 months of inactivity"))
    );
    assert_eq!(
        google.path,
        [
            "Privacy Policy",
            "6. Anonymous Data &amp. Cookie Policy",
            "Google Analytics"
        ]
    );
    let contact = sections.last().expect("sections");
    assert_eq!(contact.heading, "11. Contact");
    assert!(contact.paragraphs[0].starts_with("If you have questions"));
}

#[test]
fn seed_003_blog_chrome_is_set_aside() {
    let (sections, chrome) = segment_seed("003_fdf34e4267794e7a.txt");
    assert_chrome(
        &sections,
        &chrome,
        &[
            "Newer Comments",
            "Filed to",
            "Home / Support",
            "Latest Tips",
        ],
    );
    let email = &sections[3];
    assert_eq!(email.heading, "a) E-mail Address");
    assert!(email.paragraphs[0].starts_with("We usually capture the email details"));
    let doc = parse_seed("003_fdf34e4267794e7a.txt");
    assert_chrome(&doc.sections, &doc.chrome, &["Newer Comments"]);
}

#[test]
fn seed_004_footer_chrome_and_nbsp() {
    let (sections, chrome) = segment_seed("004_7e01e4ee1ba5f623.txt");
    assert_chrome(
        &sections,
        &chrome,
        &[
            "Follow us",
            "Useful Links",
            "Copyright",
            "Manage Cookie Settings",
            "izotope.com/en/privacy-policy.html",
        ],
    );
    // "Effective January" / "1, 2020" is one date line, not a heading.
    assert_eq!(sections[0].paragraphs[0], "Effective January 1, 2020");
    // The seed has U+00A0 inside "Privacy Shield": it normalises away.
    let raw = String::from_utf8_lossy(&seed_bytes("004_7e01e4ee1ba5f623.txt")).into_owned();
    assert!(raw.contains("Privacy\u{a0}Shield"));
    assert_eq!(
        normalize_text("the Privacy\u{a0}Shield"),
        "the Privacy Shield"
    );
    let doc = parse_seed("004_7e01e4ee1ba5f623.txt");
    let all: Vec<&String> = doc.sections.iter().flat_map(|s| &s.paragraphs).collect();
    assert!(all.iter().all(|p| !p.contains('\u{a0}')));
    assert!(
        all.iter()
            .any(|p| p.contains("if they are part of the Privacy Shield which"))
    );
}

#[test]
fn seed_001_and_002_have_no_false_chrome() {
    let (_, chrome) = segment_seed("001_d3e9af7cc998c5db.txt");
    assert_eq!(chrome, ["Navigering"]);
    let (sections, chrome) = segment_seed("002_e5a96dd1cf53a070.txt");
    assert!(chrome.is_empty(), "{chrome:?}");
    let contact = sections.last().expect("sections");
    assert!(
        contact
            .paragraphs
            .iter()
            .any(|p| p.contains("welcome@imaga.co"))
    );
    assert!(
        contact
            .paragraphs
            .last()
            .is_some_and(|p| p.starts_with("Thank you for trusting Imaga"))
    );
}

#[test]
fn basecamp_markdown_headings() {
    let path = format!(
        "{}/snapshots/basecamp/privacy-policy/050-2020-06-25-0018933.md",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let opts = ParseOptions {
        format: Some(InputFormat::Markdown),
        ..ParseOptions::default()
    };
    let doc = Document::parse("050.md", &bytes, &opts).expect("parse");
    let want: &[(u8, &str)] = &[
        (1, "Privacy policy"),
        (2, "What we collect and why"),
        (3, "Identity & access"),
        (3, "Billing information"),
        (3, "Geolocation data"),
        (3, "Website interactions"),
        (3, "Cookies and Do Not Track"),
        (3, "Voluntary correspondence"),
        (3, "Information we do not collect"),
        (2, "When we access or share your information"),
        (2, "Location of Site and Data"),
        (2, "Your Rights With Respect to Your Information"),
        (2, "How we secure your data"),
        (2, "When you delete data in your product accounts"),
        (2, "EU-US and Swiss-US Privacy Shield policy"),
        (
            3,
            "We comply with the frameworks for EU, UK, and Swiss data that are transferred into the United States",
        ),
        (3, "We commit to resolving all complaints"),
        (2, "Changes & questions"),
    ];
    let actual: Vec<(u8, String)> = doc
        .sections
        .iter()
        .filter(|s| s.level > 0)
        .map(|s| (s.level, s.heading.clone()))
        .collect();
    assert_eq!(actual, expected(want));
    let billing = &doc
        .sections
        .iter()
        .find(|s| s.heading == "Billing information")
        .expect("billing");
    assert_eq!(
        billing.path,
        [
            "Privacy policy",
            "What we collect and why",
            "Billing information"
        ]
    );
}

/// A cosmetic variant of a seed: typographic quotes and dashes made plain,
/// non-breaking spaces made ordinary, one heading re-cased, and long lines
/// re-wrapped mid-sentence before a lower-case word.
fn cosmetic_variant(text: &str, recase: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = line
            .replace(['\u{2019}', '\u{2018}'], "'")
            .replace(['\u{201c}', '\u{201d}'], "\"")
            .replace('\u{2013}', "-")
            .replace('\u{a0}', " ");
        let line = if line.trim() == recase {
            line.to_uppercase()
        } else {
            line
        };
        // Wrap at the first " the " past 60 bytes, as a narrower scrape would.
        match line
            .char_indices()
            .find(|(i, _)| *i > 60 && line[*i..].starts_with(" the "))
        {
            Some((i, _)) if line.len() > 120 => {
                out.push_str(&line[..i]);
                out.push('\n');
                out.push_str(&line[i + 1..]);
            }
            _ => out.push_str(&line),
        }
        out.push('\n');
    }
    out
}

fn assert_same_sections(a: &[Section], b: &[Section], name: &str) {
    assert_eq!(a.len(), b.len(), "{name}: section count");
    for (x, y) in a.iter().zip(b) {
        assert_eq!(
            heading_key(&x.heading),
            heading_key(&y.heading),
            "{name}: heading"
        );
        assert_eq!(x.level, y.level, "{name}: level of {:?}", x.heading);
        assert_eq!(
            x.paragraphs, y.paragraphs,
            "{name}: body of {:?}",
            x.heading
        );
    }
}

#[test]
fn cosmetic_variants_segment_identically() {
    for (name, recase) in [
        ("000_9809253ca9da665a.txt", "Google Analytics"),
        ("002_e5a96dd1cf53a070.txt", "Data Retention"),
        (
            "003_fdf34e4267794e7a.txt",
            "Storing the User Files and Data",
        ),
        ("004_7e01e4ee1ba5f623.txt", "Your Rights"),
    ] {
        let text = String::from_utf8_lossy(&seed_bytes(name)).into_owned();
        let variant = cosmetic_variant(&text, recase);
        assert!(
            variant.lines().count() > text.lines().count() + 3,
            "{name}: nothing re-wrapped"
        );
        let (a, _) = segment(&contract_blocks(&text), InputFormat::Text);
        let (b, _) = segment(&contract_blocks(&variant), InputFormat::Text);
        assert_same_sections(&a, &b, name);
    }
}
