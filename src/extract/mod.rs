//! Extraction: raw bytes in any supported format to blocks of text.
//!
//! STUB: reads UTF-8 (lossily) as plain text, one block per line.

use crate::error::ParseError;
use crate::model::{Block, BlockKind, Extracted, InputFormat, ParseOptions};
use crate::normalize::normalize_text;

/// Detect the format and encoding of `bytes` and extract its blocks of text.
pub fn extract(bytes: &[u8], opts: &ParseOptions) -> Result<Extracted, ParseError> {
    let text = String::from_utf8_lossy(bytes);
    let mut blocks = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(h) = t.strip_prefix('#') {
            let level = 1 + h.chars().take_while(|c| *c == '#').count();
            blocks.push(Block::new(
                BlockKind::Heading(level.min(6) as u8),
                normalize_text(h.trim_start_matches('#')),
            ));
        } else {
            blocks.push(Block::new(BlockKind::Line, normalize_text(t)));
        }
    }
    if blocks.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(Extracted {
        format: opts.format.unwrap_or(InputFormat::Text),
        blocks,
    })
}
