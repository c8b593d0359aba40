//! PDF: text through pdf-extract's output-device API, with headings recovered
//! from the layout (larger font sizes, short numbered or ALL-CAPS lines).
//!
//! pdf-extract panics on some malformed or unusual files instead of
//! returning errors, so every call into it is guarded with `catch_unwind`.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

use super::Sink;
use crate::error::ParseError;
use crate::model::{Block, BlockKind};

/// One visual line of a page.
#[derive(Debug, Default, Clone)]
struct PdfLine {
    text: String,
    /// The largest font size on the line, in points.
    size: f64,
    /// Vertical position of the baseline, growing down the page.
    y: f64,
    page: u32,
}

/// Collects characters into lines, remembering font sizes.
#[derive(Default)]
struct Collector {
    lines: Vec<PdfLine>,
    cur: PdfLine,
    page: u32,
    last_end: f64,
    /// Characters per font size (in half points): the body size is the mode.
    chars_by_size: HashMap<i64, usize>,
}

impl Collector {
    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.cur);
        if !line.text.trim().is_empty() {
            self.lines.push(line);
        }
    }
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        page_num: u32,
        _media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.end_line();
        self.page = page_num;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.end_line();
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        // The same arithmetic as pdf-extract's plain-text device: the text
        // matrix scales the nominal size; y is flipped to grow downwards.
        let sx = font_size * (trm.m11 + trm.m21);
        let sy = font_size * (trm.m12 + trm.m22);
        let size = (sx * sy).abs().sqrt();
        let size = if size.is_finite() && size > 0.0 {
            size
        } else {
            1.0
        };
        let (x, y) = (trm.m31, -trm.m32);
        let has_text = !self.cur.text.is_empty();
        if has_text && ((y - self.cur.y).abs() > size * 0.5 || x < self.last_end - size * 2.0) {
            self.end_line();
        }
        if self.cur.text.is_empty() {
            self.cur.y = y;
            self.cur.page = self.page;
        } else if x > self.last_end + size * 0.15 && !self.cur.text.ends_with(' ') {
            self.cur.text.push(' ');
        }
        self.cur.text.push_str(char);
        self.cur.size = self.cur.size.max(size);
        if !char.trim().is_empty() {
            *self
                .chars_by_size
                .entry((size * 2.0).round() as i64)
                .or_default() += 1;
        }
        self.last_end = x + width * size;
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Extract the blocks of a PDF.
pub(crate) fn extract_pdf(bytes: &[u8]) -> Result<Vec<Block>, ParseError> {
    let collected = catch_unwind(AssertUnwindSafe(|| -> Result<Collector, ParseError> {
        let mut doc =
            pdf_extract::Document::load_mem(bytes).map_err(|e| ParseError::Pdf(e.to_string()))?;
        if doc.is_encrypted() && doc.decrypt("").is_err() {
            return Err(ParseError::Pdf(
                "the PDF is encrypted with a password".to_string(),
            ));
        }
        let mut collector = Collector::default();
        pdf_extract::output_doc(&doc, &mut collector)
            .map_err(|e| ParseError::Pdf(e.to_string()))?;
        collector.end_line();
        Ok(collector)
    }));
    let collector = match collected {
        Ok(result) => result?,
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unsupported PDF structure");
            return Err(ParseError::Pdf(format!("pdf-extract gave up: {why}")));
        }
    };
    let mut sink = Sink::default();
    lines_to_blocks(&collector.lines, &collector.chars_by_size, &mut sink);
    Ok(sink.finish())
}

/// Page numbers and "Page 3 of 9" running footers.
fn is_page_number(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_prefix("page").unwrap_or(&t).trim();
    !t.is_empty()
        && t.split(|c: char| c == '/' || c.is_whitespace())
            .filter(|w| !w.is_empty() && *w != "of")
            .all(|w| w.bytes().all(|b| b.is_ascii_digit()))
}

fn is_bullet(text: &str) -> Option<&str> {
    let t = text.trim_start();
    let first = t.chars().next()?;
    matches!(
        first,
        '•' | '◦' | '▪' | '■' | '●' | '○' | '–' | '-' | '*' | '·'
    )
    .then(|| t[first.len_utf8()..].trim_start())
    .filter(|rest| !rest.is_empty())
}

/// A short body-size line that reads as a title: "3. Your Rights",
/// "2.1 Cookies", "YOUR RIGHTS". Returns the extra depth from its numbering.
fn title_like(text: &str) -> Option<u8> {
    let t = text.trim();
    let words = t.split_whitespace().count();
    if t.len() > 90 || words > 12 || t.ends_with(['.', ',', ';', ':']) {
        return None;
    }
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 4 && letters.iter().all(|c| c.is_uppercase()) {
        return Some(0);
    }
    let number_len = t
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let number = &t[..number_len];
    let rest = &t[number_len..];
    if number_len == 0 || !number.starts_with(|c: char| c.is_ascii_digit()) || number.len() > 8 {
        return None;
    }
    let starts_upper = rest.starts_with(' ') && rest.trim_start().starts_with(char::is_uppercase);
    if !starts_upper || words < 2 {
        return None;
    }
    let depth = number.trim_end_matches('.').matches('.').count();
    Some(depth.min(3) as u8)
}

fn lines_to_blocks(lines: &[PdfLine], chars_by_size: &HashMap<i64, usize>, sink: &mut Sink) {
    let body_key = chars_by_size
        .iter()
        .max_by_key(|(size, count)| (**count, -**size))
        .map_or(0, |(size, _)| *size);
    let body = body_key as f64 / 2.0;
    // Sizes clearly larger than the body, largest first: heading levels.
    let mut heading_sizes: Vec<i64> = lines
        .iter()
        .filter(|l| l.size > body * 1.12 && l.text.chars().count() <= 200)
        .map(|l| (l.size * 2.0).round() as i64)
        .collect();
    heading_sizes.sort_unstable_by(|a, b| b.cmp(a));
    heading_sizes.dedup();
    let level_of = |line: &PdfLine| -> Option<u8> {
        let key = (line.size * 2.0).round() as i64;
        if let Some(rank) = heading_sizes.iter().position(|s| *s == key) {
            return Some((rank + 1).min(6) as u8);
        }
        title_like(&line.text).map(|depth| (heading_sizes.len() + 1 + depth as usize).min(6) as u8)
    };

    let mut buf = String::new();
    let mut kind = BlockKind::Paragraph;
    let mut prev: Option<&PdfLine> = None;
    for line in lines {
        if is_page_number(&line.text) {
            continue;
        }
        let gap_break = prev
            .is_some_and(|p| p.page == line.page && (line.y - p.y) > p.size.max(line.size) * 1.9);
        if let Some(level) = level_of(line) {
            let continues = matches!(kind, BlockKind::Heading(l) if l == level)
                && !gap_break
                && prev.is_some_and(|p| level_of(p) == Some(level));
            if continues {
                buf.push(' ');
                buf.push_str(line.text.trim());
            } else {
                sink.push(kind, &buf);
                buf.clear();
                buf.push_str(line.text.trim());
                kind = BlockKind::Heading(level);
            }
        } else if let Some(item) = is_bullet(&line.text) {
            sink.push(kind, &buf);
            buf.clear();
            buf.push_str(item);
            kind = BlockKind::ListItem;
        } else if gap_break || matches!(kind, BlockKind::Heading(_)) || buf.is_empty() {
            sink.push(kind, &buf);
            buf.clear();
            buf.push_str(line.text.trim());
            kind = BlockKind::Paragraph;
        } else {
            join_wrapped(&mut buf, line.text.trim());
        }
        prev = Some(line);
    }
    sink.push(kind, &buf);
}

/// Join a wrapped line, undoing end-of-line hyphenation ("informa-" "tion").
fn join_wrapped(buf: &mut String, next: &str) {
    let hyphenated = buf.ends_with('-')
        && buf[..buf.len() - 1].ends_with(char::is_alphabetic)
        && next.starts_with(char::is_lowercase);
    if hyphenated {
        buf.pop();
    } else {
        buf.push(' ');
    }
    buf.push_str(next);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, size: f64, y: f64) -> PdfLine {
        PdfLine {
            text: text.into(),
            size,
            y,
            page: 1,
        }
    }

    #[test]
    fn headings_from_sizes_and_titles() {
        let lines = vec![
            line("Privacy Policy", 20.0, 10.0),
            line("We collect little. We keep logs for", 10.0, 40.0),
            line("fourteen months and then delete infor-", 10.0, 52.0),
            line("mation.", 10.0, 64.0),
            line("3. YOUR RIGHTS", 10.0, 100.0),
            line("• access", 10.0, 112.0),
            line("7", 10.0, 140.0),
        ];
        let chars = HashMap::from([(20, 300), (40, 14)]);
        let mut sink = Sink::default();
        lines_to_blocks(&lines, &chars, &mut sink);
        let got: Vec<(BlockKind, String)> = sink
            .finish()
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect();
        assert_eq!(got[0], (BlockKind::Heading(1), "Privacy Policy".into()));
        assert_eq!(got[1].0, BlockKind::Paragraph);
        assert!(got[1].1.ends_with("delete information."), "{}", got[1].1);
        assert_eq!(got[2], (BlockKind::Heading(2), "3. YOUR RIGHTS".into()));
        assert_eq!(got[3], (BlockKind::ListItem, "access".into()));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn title_like_lines() {
        assert_eq!(title_like("3. Your Rights"), Some(0));
        assert_eq!(title_like("2.1 Cookies and Beacons"), Some(1));
        assert_eq!(title_like("YOUR RIGHTS"), Some(0));
        assert_eq!(
            title_like("1. We collect your name when you sign up."),
            None
        );
        assert_eq!(title_like("2020"), None);
    }

    #[test]
    fn malformed_pdf_is_an_error() {
        let err = extract_pdf(b"%PDF-1.4\nthis is not a pdf").unwrap_err();
        assert!(matches!(err, ParseError::Pdf(_)));
    }
}
