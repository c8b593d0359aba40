//! Extraction: raw bytes in any supported format to blocks of text.
//!
//! [`extract`] sniffs the format ([`detect_format`]), finds the character set
//! and repairs mojibake ([`encoding`]), then hands the text to the reader of
//! that format: [`text`], [`markdown`], [`html`] or [`pdf`]. Every block's
//! text goes through [`crate::normalize::normalize_text`].

pub mod encoding;
pub mod html;
pub mod markdown;
pub mod pdf;
pub mod text;

use std::borrow::Cow;

use crate::error::ParseError;
use crate::model::{Block, BlockKind, Extracted, InputFormat, ParseOptions};
use crate::normalize::{normalize_owned, normalize_text};

/// Detect the format and encoding of `bytes` and extract its blocks of text.
pub fn extract(bytes: &[u8], opts: &ParseOptions) -> Result<Extracted, ParseError> {
    let format = match opts.format {
        Some(f) => f,
        None if is_pdf(bytes) => InputFormat::Pdf,
        None if looks_binary(bytes) => return Err(ParseError::Binary),
        None => InputFormat::Text, // refined below, once the text is decoded
    };
    if format == InputFormat::Pdf {
        let blocks = pdf::extract_pdf(bytes)?;
        return finish(format, blocks);
    }
    let look_for_meta = opts.format.is_none_or(|f| f == InputFormat::Html);
    let decoded = encoding::decode(bytes, opts.content_type.as_deref(), look_for_meta);
    let repaired = encoding::repair_mojibake(&decoded.text);
    let text = strip_controls(&repaired);
    let format = match opts.format {
        Some(f) => f,
        None => detect_format(&text, opts.content_type.as_deref()),
    };
    let mut sink = Sink::default();
    match format {
        InputFormat::Text => text::extract_text(&text, &mut sink),
        InputFormat::Markdown => markdown::extract_markdown(&text, &mut sink),
        InputFormat::Html => html::extract_html(&text, opts, &mut sink)?,
        InputFormat::Pdf => unreachable!("handled above"),
    }
    finish(format, sink.finish())
}

fn finish(format: InputFormat, blocks: Vec<Block>) -> Result<Extracted, ParseError> {
    if blocks.iter().all(|b| b.text.is_empty()) {
        return Err(ParseError::Empty);
    }
    Ok(Extracted { format, blocks })
}

/// Collects blocks, normalising their text and keeping paragraph-break
/// markers (empty `Line` blocks) single and away from the ends.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    blocks: Vec<Block>,
    pending_break: bool,
}

impl Sink {
    /// Add a block; text that normalises to nothing is dropped (for a `Line`
    /// it counts as a blank line).
    pub(crate) fn push(&mut self, kind: BlockKind, raw: &str) {
        self.add(kind, normalize_text(raw));
    }

    /// [`Sink::push`] of text the caller owns: already normal text (most
    /// of it) is kept as it is rather than copied.
    pub(crate) fn push_owned(&mut self, kind: BlockKind, raw: String) {
        self.add(kind, normalize_owned(raw));
    }

    fn add(&mut self, kind: BlockKind, text: String) {
        if text.is_empty() {
            if kind == BlockKind::Line {
                self.paragraph_break();
            }
            return;
        }
        if self.pending_break {
            self.blocks.push(Block::new(BlockKind::Line, String::new()));
            self.pending_break = false;
        }
        self.blocks.push(Block::new(kind, text));
    }

    /// Mark a paragraph break (emitted only between two blocks).
    pub(crate) fn paragraph_break(&mut self) {
        if !self.blocks.is_empty() {
            self.pending_break = true;
        }
    }

    /// The blocks collected so far.
    pub(crate) fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The blocks, in order.
    pub(crate) fn finish(self) -> Vec<Block> {
        self.blocks
    }
}

/// `%PDF-` within the first KiB, as PDF readers accept.
pub fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// NUL bytes or many control characters, and not UTF-16 text.
pub fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(8192)];
    if sample.is_empty() || encoding::looks_like_utf16(bytes) {
        return false;
    }
    if sample.contains(&0) {
        return true;
    }
    let controls = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f)
        .count();
    controls * 20 > sample.len()
}

/// Drop C0/C1 control characters (NULs included) that no policy text has,
/// turn form feeds into newlines and CRLF or lone CR line ends into `\n`.
fn strip_controls(text: &str) -> Cow<'_, str> {
    let bad = |c: char| (c.is_control() && !matches!(c, '\t' | '\n')) || c == '\r';
    // Byte scan first: C0 controls and DEL are single bytes (a branch-free
    // pass the compiler vectorises), C1 controls are C2 80–C2 9F (memchr for
    // the rare C2 lead byte). This looks at every byte of every input.
    let b = text.as_bytes();
    let c0 = b.iter().fold(false, |acc, &x| {
        acc | ((x < 0x20) & (x != b'\t') & (x != b'\n')) | (x == 0x7f)
    });
    let suspect = c0
        || memchr::memchr_iter(0xC2, b)
            .any(|i| b.get(i + 1).is_some_and(|n| (0x80..0xA0).contains(n)));
    if !suspect {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\u{0c}' | '\u{0b}' | '\u{85}' => out.push('\n'),
            c if bad(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Detect the format of decoded text. PDF is recognised from bytes instead
/// (see [`is_pdf`]). `content_type` is a hint: `text/html` and
/// `text/markdown` are believed when the content does not contradict them.
pub fn detect_format(text: &str, content_type: Option<&str>) -> InputFormat {
    let mut end = text.len().min(64 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];
    let ct = content_type
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if looks_html(sample, ct.contains("html")) {
        return InputFormat::Html;
    }
    if ct.contains("markdown") || looks_markdown(sample) {
        return InputFormat::Markdown;
    }
    InputFormat::Text
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Tag openings (after the `<`) that mark HTML rather than text with a stray `<`.
const BLOCK_TAGS: [&[u8]; 16] = [
    b"p>", b"p ", b"div", b"h1", b"h2", b"h3", b"h4", b"li", b"ul", b"ol", b"table", b"tr", b"br",
    b"body", b"section", b"article",
];

/// Block-level tags in the sample, counted in one pass over its `<`s.
fn count_block_tags(sample: &str) -> usize {
    let b = sample.as_bytes();
    b.iter()
        .enumerate()
        .filter(|(_, c)| **c == b'<')
        .filter(|(i, _)| {
            let rest = &b[i + 1..];
            BLOCK_TAGS
                .iter()
                .any(|t| rest.len() >= t.len() && rest[..t.len()].eq_ignore_ascii_case(t))
        })
        .count()
}

fn looks_html(sample: &str, hinted: bool) -> bool {
    let head = sample.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if starts_with_ci(head, "<!doctype html") || starts_with_ci(head, "<html") {
        return true;
    }
    if starts_with_ci(head, "<?xml")
        && head
            .as_bytes()
            .iter()
            .take(1024)
            .map(u8::to_ascii_lowercase)
            .collect::<Vec<u8>>()
            .windows(5)
            .any(|w| w == b"<html")
    {
        return true;
    }
    if !sample.contains('<') {
        return false;
    }
    let tags = count_block_tags(sample);
    if hinted && tags > 0 {
        return true;
    }
    let lines = sample
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
        .max(1);
    // Markdown may carry many inline tags (<br> in table cells) but also has
    // Markdown's own signals; a fragment of HTML has only tags.
    (tags >= 3 && tags * 10 >= lines * 3 || tags >= 20 && tags >= lines) && !looks_markdown(sample)
}

/// Strong Markdown signals: front matter, ATX or setext headings, links.
/// List markers alone are not enough: scraped text has "- " bullets too.
fn looks_markdown(sample: &str) -> bool {
    if markdown::front_matter_len(sample).is_some() {
        return true;
    }
    let mut prev_text = false;
    let mut strong = 0usize;
    for line in sample.lines() {
        let t = line.trim_start_matches(' ');
        let indent = line.len() - t.len();
        if indent <= 3 {
            let hashes = t.bytes().take_while(|&b| b == b'#').count();
            if (1..=6).contains(&hashes)
                && t[hashes..].starts_with([' ', '\t'])
                && !t[hashes..].trim().is_empty()
            {
                strong += 1;
            }
            let tt = t.trim_end();
            if prev_text
                && tt.len() >= 3
                && (tt.bytes().all(|b| b == b'=') || tt.bytes().all(|b| b == b'-'))
            {
                strong += 1;
            }
        }
        if line.contains("](") {
            strong += 1;
        }
        prev_text = !line.trim().is_empty();
        if strong >= 1 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats() {
        assert_eq!(
            detect_format("<!DOCTYPE html><p>x", None),
            InputFormat::Html
        );
        assert_eq!(detect_format("  <html><body>x", None), InputFormat::Html);
        assert_eq!(
            detect_format("<div><p>a</p><p>b</p><p>c</p></div>", None),
            InputFormat::Html
        );
        assert_eq!(
            detect_format("---\ntitle: x\n---\nText", None),
            InputFormat::Markdown
        );
        assert_eq!(
            detect_format("# Title\n\nBody", None),
            InputFormat::Markdown
        );
        assert_eq!(
            detect_format("Title\n=====\n\nBody", None),
            InputFormat::Markdown
        );
        assert_eq!(
            detect_format("See [this](https://x.y).", None),
            InputFormat::Markdown
        );
        assert_eq!(
            detect_format("Title\n\n- a\n- b\n", None),
            InputFormat::Text
        );
        assert_eq!(
            detect_format("1.\nCommitment\nWe do.", None),
            InputFormat::Text
        );
        assert_eq!(detect_format("a < b and c > d", None), InputFormat::Text);
        assert_eq!(
            detect_format("Body", Some("text/markdown")),
            InputFormat::Markdown
        );
        assert_eq!(
            detect_format("<b>x</b><p>y", Some("text/html; charset=utf-8")),
            InputFormat::Html
        );
    }

    #[test]
    fn binary_and_pdf_sniffing() {
        assert!(is_pdf(b"%PDF-1.7\n"));
        assert!(!is_pdf(b"just text"));
        assert!(looks_binary(b"\x7fELF\x02\x01\x01\x00\x00\x00"));
        assert!(!looks_binary("Plain text\twith tabs\n".as_bytes()));
        let utf16: Vec<u8> = "Hello there"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(!looks_binary(&utf16));
    }

    #[test]
    fn strips_controls() {
        assert_eq!(strip_controls("a\u{0}b\u{7}c\u{0c}d"), "abc\nd");
        assert_eq!(strip_controls("a\r\nb\rc\n"), "a\nb\nc\n");
    }

    #[test]
    fn sink_keeps_markers_single_and_inside() {
        let mut sink = Sink::default();
        sink.paragraph_break();
        sink.push(BlockKind::Line, "a");
        sink.paragraph_break();
        sink.push(BlockKind::Line, " \u{a0} ");
        sink.push(BlockKind::Line, "b");
        sink.paragraph_break();
        let texts: Vec<String> = sink.finish().into_iter().map(|b| b.text).collect();
        assert_eq!(texts, ["a", "", "b"]);
    }
}
