//! Segmentation: blocks to a flat list of sections with levels and paths,
//! with page chrome set aside.
//!
//! Two modes:
//! - **markup** (Markdown, HTML, PDF, or any input whose extraction found
//!   headings): headings come from the markup and are trusted; paragraphs
//!   are never promoted to headings.
//! - **plain** (scraped text, only [`BlockKind::Line`] blocks): the policy is
//!   located among the page chrome and headings are recognised from the
//!   lines' shape and context (the `plain` module).
//!
//! Both modes run in time linear in the input.

mod chrome;
mod features;
mod markdown;
mod plain;

pub use markdown::to_markdown;

use crate::model::{Block, BlockKind, InputFormat, Section};
use crate::normalize::normalize_text;

/// Split blocks into sections; returns the sections and the page chrome
/// found (menus, pickers, footers…), in document order.
///
/// Text before the first heading becomes a preamble section (empty heading,
/// level 0) when any is left after chrome removal. A heading at level L
/// closes every open section at level L or deeper; `path` lists the open
/// headings from the outermost down.
pub fn segment(blocks: &[Block], format: InputFormat) -> (Vec<Section>, Vec<String>) {
    let normal = blocks
        .iter()
        .map(|b| Block::new(b.kind, normalize_text(&b.text)))
        .collect();
    segment_owned(normal, format)
}

/// [`segment`] of blocks taken by value whose text is normal already, as
/// extraction leaves it ([`crate::extract::extract`] normalises every block,
/// and normalising is idempotent): their text moves into the sections, not
/// copied (a megabyte on a 1 MB policy), and is not checked again.
pub(crate) fn segment_owned(
    blocks: Vec<Block>,
    format: InputFormat,
) -> (Vec<Section>, Vec<String>) {
    let mut builder = Builder::default();
    let mut chrome = Vec::new();
    let markup = format != InputFormat::Text || blocks.iter().any(|b| b.kind != BlockKind::Line);
    if markup {
        segment_markup(blocks, &mut builder, &mut chrome);
    } else {
        let mut lines = Vec::with_capacity(blocks.len());
        let mut pending_break = false;
        for b in &blocks {
            let text = b.text.as_str();
            if text.is_empty() {
                pending_break = true;
            } else {
                lines.push(plain::PlainLine {
                    text,
                    break_before: pending_break,
                });
                pending_break = false;
            }
        }
        plain::segment_plain(&lines, &mut builder, &mut chrome);
    }
    (builder.sections, chrome)
}

/// Markup mode: trust the headings, keep paragraphs as they come, drop
/// one-line chrome (buttons, cookie banners, pickers) and tables of
/// contents introduced by a "Contents" heading.
fn segment_markup(blocks: Vec<Block>, b: &mut Builder, chrome: &mut Vec<String>) {
    let mut in_contents = false;
    // Line blocks in markup input (plain lines between markup) are joined
    // like wrapped text: a break or finished sentence ends a paragraph.
    let mut para = String::new();
    let mut para_ends_sentence = true;
    let mut pending_break = false;
    for block in blocks {
        let (kind, text) = (block.kind, block.text);
        if kind == BlockKind::Line && text.is_empty() {
            pending_break = true;
            continue;
        }
        if text.is_empty() {
            continue;
        }
        let is_heading = matches!(kind, BlockKind::Heading(_));
        if is_heading {
            in_contents = chrome::is_contents_label(&text);
        } else if in_contents && !is_toc_entry(kind, &text) {
            // Prose under a "Contents" heading is policy text: the table
            // of contents ends where the prose starts.
            in_contents = false;
        }
        if in_contents || chrome::is_line_chrome(&text) {
            chrome.push(text);
            pending_break = true;
            continue;
        }
        match kind {
            BlockKind::Heading(level) => {
                flush(b, &mut para);
                b.heading(text, level.clamp(1, 6));
            }
            BlockKind::Line => {
                let continues = !pending_break
                    && !para.is_empty()
                    && !para_ends_sentence
                    && !features::starts_enumerated(&text);
                para_ends_sentence = features::ends_terminal(&text);
                if continues {
                    para.push(' ');
                    para.push_str(&text);
                } else {
                    flush(b, &mut para);
                    para = text;
                }
            }
            BlockKind::Paragraph | BlockKind::ListItem | BlockKind::TableRow => {
                flush(b, &mut para);
                b.paragraph(text);
            }
        }
        pending_break = false;
    }
    flush(b, &mut para);
}

/// An entry of a table of contents: a list item or a short label, not a
/// sentence.
fn is_toc_entry(kind: BlockKind, text: &str) -> bool {
    let words = features::words_capped(text, 16);
    let short = words <= 12 && !features::ends_terminal(text);
    short || (kind == BlockKind::ListItem && words <= 16)
}

fn flush(b: &mut Builder, para: &mut String) {
    if !para.is_empty() {
        b.paragraph(std::mem::take(para));
    }
}

/// Builds the flat section list, tracking the open headings for paths.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    pub(crate) sections: Vec<Section>,
    open: Vec<(u8, String)>,
}

impl Builder {
    /// Open a section at `level`, closing open sections at that level or deeper.
    pub(crate) fn heading(&mut self, text: String, level: u8) {
        while self.open.last().is_some_and(|(l, _)| *l >= level) {
            self.open.pop();
        }
        self.open.push((level, text.clone()));
        let path = self.open.iter().map(|(_, h)| h.clone()).collect();
        self.sections.push(Section {
            heading: text,
            level,
            path,
            paragraphs: Vec::new(),
        });
    }

    /// Add a paragraph to the current section, opening the preamble if no
    /// heading came yet.
    pub(crate) fn paragraph(&mut self, text: String) {
        if text.is_empty() {
            return;
        }
        if self.sections.is_empty() {
            self.sections.push(Section {
                heading: String::new(),
                level: 0,
                path: Vec::new(),
                paragraphs: Vec::new(),
            });
        }
        if let Some(last) = self.sections.last_mut() {
            last.paragraphs.push(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(level: u8, t: &str) -> Block {
        Block::new(BlockKind::Heading(level), t)
    }
    fn p(t: &str) -> Block {
        Block::new(BlockKind::Paragraph, t)
    }

    #[test]
    fn markup_paths_follow_levels() {
        let blocks = [
            p("Intro text before any heading."),
            h(1, "Privacy policy"),
            h(2, "What we collect"),
            h(3, "Billing"),
            p("Card data."),
            h(2, "Your rights"),
            h(1, "Appendix"),
        ];
        let (sections, chrome) = segment(&blocks, InputFormat::Markdown);
        assert!(chrome.is_empty());
        let paths: Vec<Vec<String>> = sections.iter().map(|s| s.path.clone()).collect();
        assert_eq!(sections[0].level, 0);
        assert_eq!(paths[0], Vec::<String>::new());
        assert_eq!(paths[3], ["Privacy policy", "What we collect", "Billing"]);
        assert_eq!(paths[4], ["Privacy policy", "Your rights"]);
        assert_eq!(paths[5], ["Appendix"]);
        assert_eq!(sections[3].paragraphs, ["Card data."]);
    }

    #[test]
    fn markup_never_promotes_paragraphs() {
        let blocks = [
            h(1, "Privacy policy"),
            p("*Last updated: June 25, 2020*"),
            p("**Important**"),
            p("Short line"),
            Block::new(BlockKind::ListItem, "Name"),
        ];
        let (sections, _) = segment(&blocks, InputFormat::Markdown);
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0].paragraphs.len(), 4);
    }

    #[test]
    fn markup_contents_and_buttons_are_chrome() {
        let blocks = [
            h(1, "Privacy policy"),
            p("Free Download"),
            h(2, "Contents"),
            Block::new(BlockKind::ListItem, "Cookies"),
            h(2, "Cookies"),
            p("We use cookies."),
        ];
        let (sections, chrome) = segment(&blocks, InputFormat::Html);
        let heads: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(heads, ["Privacy policy", "Cookies"]);
        assert_eq!(chrome, ["Free Download", "Contents", "Cookies"]);
    }

    #[test]
    fn prose_under_a_contents_heading_is_kept() {
        let blocks = [
            h(2, "1.3. Inhaltsverzeichnis"),
            Block::new(BlockKind::ListItem, "Rechtsgrundlage"),
            p("In dieser Datenschutzerklärung wird Folgendes erläutert:"),
            Block::new(BlockKind::ListItem, "welche Daten wir erheben;"),
        ];
        let (sections, chrome) = segment(&blocks, InputFormat::Markdown);
        assert_eq!(chrome, ["1.3. Inhaltsverzeichnis", "Rechtsgrundlage"]);
        assert_eq!(sections[0].paragraphs.len(), 2);
    }

    #[test]
    fn paragraph_break_markers_never_become_text() {
        let blocks = [
            Block::new(BlockKind::Line, "Privacy Policy"),
            Block::new(BlockKind::Line, ""),
            Block::new(
                BlockKind::Line,
                "We keep your data safe and never sell it to anyone.",
            ),
            Block::new(BlockKind::Line, ""),
            Block::new(BlockKind::Line, ""),
        ];
        let (sections, chrome) = segment(&blocks, InputFormat::Text);
        assert_eq!(sections.len(), 1);
        assert_eq!(
            sections[0].paragraphs,
            ["We keep your data safe and never sell it to anyone."]
        );
        assert!(chrome.is_empty());
        assert!(
            sections
                .iter()
                .all(|s| s.paragraphs.iter().all(|p| !p.is_empty()))
        );
    }

    #[test]
    fn empty_input_gives_nothing() {
        let (sections, chrome) = segment(&[], InputFormat::Text);
        assert!(sections.is_empty() && chrome.is_empty());
    }

    /// 0 → "Aaa", 1 → "Aab"…: distinct heading names without digits, which
    /// could read as years or postal codes. Callers add a suffix so that no
    /// name is a function word ("And").
    fn letters(mut i: usize) -> String {
        let mut out = String::new();
        for _ in 0..3 {
            out.insert(0, char::from(b'a' + (i % 26) as u8));
            i /= 26;
        }
        out[..1].to_uppercase() + &out[1..]
    }

    fn synthetic(sections: usize) -> Vec<Block> {
        let mut blocks = Vec::new();
        for i in 0..sections {
            blocks.push(Block::new(
                BlockKind::Line,
                format!("Heading {}q", letters(i)),
            ));
            for _ in 0..5 {
                blocks.push(Block::new(
                    BlockKind::Line,
                    "We retain analytics data for fourteen months and then delete it, as the law requires of us in every country.",
                ));
            }
        }
        blocks
    }

    #[test]
    fn two_thousand_sections_in_a_megabyte() {
        let blocks = synthetic(2000);
        let bytes: usize = blocks.iter().map(|b| b.text.len() + 1).sum();
        assert!(bytes > 1_000_000);
        let (sections, chrome) = segment(&blocks, InputFormat::Text);
        assert_eq!(sections.len(), 2000);
        assert!(chrome.is_empty());
        assert_eq!(
            sections[1999].heading,
            format!("Heading {}q", letters(1999))
        );
        assert_eq!(sections[1].heading, "Heading Aabq");
    }
}
