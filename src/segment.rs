//! Segmentation: blocks to a flat list of sections with levels and paths,
//! with page chrome set aside.
//!
//! STUB: markup headings only.

use crate::model::{Block, BlockKind, InputFormat, Section};

/// Split blocks into sections; returns the sections and the page chrome found.
pub fn segment(blocks: &[Block], _format: InputFormat) -> (Vec<Section>, Vec<String>) {
    let mut sections: Vec<Section> = Vec::new();
    for b in blocks {
        match b.kind {
            BlockKind::Heading(level) => sections.push(Section {
                heading: b.text.clone(),
                level,
                path: vec![b.text.clone()],
                paragraphs: Vec::new(),
            }),
            _ => {
                if sections.is_empty() {
                    sections.push(Section {
                        heading: String::new(),
                        level: 0,
                        path: Vec::new(),
                        paragraphs: Vec::new(),
                    });
                }
                if let Some(last) = sections.last_mut() {
                    last.paragraphs.push(b.text.clone());
                }
            }
        }
    }
    (sections, Vec::new())
}

/// Render sections as Markdown; parsing the result yields the same sections.
pub fn to_markdown(sections: &[Section]) -> String {
    let mut out = String::new();
    for s in sections {
        if s.level > 0 {
            out.push_str(&"#".repeat(s.level as usize));
            out.push(' ');
            out.push_str(&s.heading);
            out.push_str("\n\n");
        }
        for p in &s.paragraphs {
            out.push_str(p);
            out.push_str("\n\n");
        }
    }
    out
}
