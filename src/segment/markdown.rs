//! Sections back to Markdown: the normalised form the store keeps as
//! `version.md`. Parsing the output again must give the same sections, so
//! paragraph text that Markdown would read as markup is escaped.

use crate::model::Section;

/// Render sections as Markdown: ATX headings by level (the preamble has
/// none), paragraphs separated by blank lines. Parsing the result yields
/// the same sections.
pub fn to_markdown(sections: &[Section]) -> String {
    let size: usize = sections
        .iter()
        .map(|s| s.heading.len() + 10 + s.paragraphs.iter().map(|p| p.len() + 3).sum::<usize>())
        .sum();
    let mut out = String::with_capacity(size);
    for s in sections {
        if s.level > 0 && !s.heading.is_empty() {
            for _ in 0..s.level.min(6) {
                out.push('#');
            }
            out.push(' ');
            push_heading(&mut out, &s.heading);
            out.push_str("\n\n");
        }
        for p in &s.paragraphs {
            push_paragraph(&mut out, p);
            out.push_str("\n\n");
        }
    }
    out
}

/// A trailing run of `#` after a space would be read as an ATX closing
/// sequence and dropped; escape its first `#`.
fn push_heading(out: &mut String, heading: &str) {
    let body = heading.trim_end_matches('#');
    if body.len() < heading.len() && (body.is_empty() || body.ends_with(' ')) {
        push_inline(out, body);
        out.push('\\');
        out.push_str(&heading[body.len()..]);
    } else {
        if heading.starts_with('#') {
            out.push('\\');
        }
        push_inline(out, heading);
    }
}

/// Backslash-escape the first character of a paragraph that would
/// otherwise start a heading, list, quote, table, fence or thematic break,
/// and the inline markup characters anywhere in it.
fn push_paragraph(out: &mut String, p: &str) {
    if needs_block_escape(p) {
        out.push('\\');
    }
    push_inline(out, p);
}

/// Escape what a Markdown reader would take as inline markup: backslashes,
/// emphasis and strike-through runs (`*`, `_`, `~`), code spans, links and
/// HTML, and `&` where it could start an entity. Policy text rarely has
/// these, so the stored Markdown stays readable.
fn push_inline(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'\\' | b'*' | b'_' | b'~' | b'`' | b'[' | b']' | b'<' => true,
            b'&' => bytes
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == b'#'),
            _ => false,
        };
        if escape {
            out.push_str(&text[copied..i]);
            out.push('\\');
            copied = i;
        }
    }
    out.push_str(&text[copied..]);
}

/// Block-level markup that a paragraph's first characters would open and
/// that inline escaping does not already neutralise.
fn needs_block_escape(p: &str) -> bool {
    let bytes = p.as_bytes();
    match bytes.first() {
        Some(b'#' | b'-' | b'+' | b'>' | b'|' | b'=') => true,
        Some(b) if b.is_ascii_digit() => {
            // An ordered-list marker: up to nine digits then "." or ")".
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            digits <= 9
                && matches!(bytes.get(digits), Some(b'.' | b')'))
                && matches!(bytes.get(digits + 1), None | Some(b' '))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(heading: &str, level: u8, paragraphs: &[&str]) -> Section {
        Section {
            heading: heading.to_string(),
            level,
            path: vec![heading.to_string()],
            paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn renders_headings_and_paragraphs() {
        let md = to_markdown(&[
            Section {
                heading: String::new(),
                level: 0,
                path: vec![],
                paragraphs: vec!["Preamble.".into()],
            },
            section("Privacy Policy", 1, &["First.", "Second."]),
            section("a) E-mail Address", 3, &[]),
        ]);
        assert_eq!(
            md,
            "Preamble.\n\n# Privacy Policy\n\nFirst.\n\nSecond.\n\n### a) E-mail Address\n\n"
        );
    }

    #[test]
    fn escapes_markup_lookalikes() {
        let md = to_markdown(&[section(
            "C#",
            1,
            &[
                "# not a heading",
                "\\ backslash",
                "- not a bullet",
                "1. not a list",
                "2020 was fine",
                "-5% is fine",
                "```code",
                "> quote",
                "| a | b |",
                "*stars* and __ddna__coupon",
                "Safety &amp. and Identity & access, [link] <b>",
            ],
        )]);
        assert_eq!(
            md,
            concat!(
                "# C#\n\n",
                "\\# not a heading\n\n",
                "\\\\ backslash\n\n",
                "\\- not a bullet\n\n",
                "\\1. not a list\n\n",
                "2020 was fine\n\n",
                "\\-5% is fine\n\n",
                "\\`\\`\\`code\n\n",
                "\\> quote\n\n",
                "\\| a | b |\n\n",
                "\\*stars\\* and \\_\\_ddna\\_\\_coupon\n\n",
                "Safety \\&amp. and Identity & access, \\[link\\] \\<b>\n\n",
            )
        );
    }

    #[test]
    fn escapes_closing_hashes_in_headings() {
        let md = to_markdown(&[section("Section #", 2, &[])]);
        assert_eq!(md, "## Section \\#\n\n");
    }
}
