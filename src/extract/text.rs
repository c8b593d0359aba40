//! Plain text: one block per line, blank runs kept as paragraph-break markers.

use super::Sink;
use crate::model::BlockKind;

/// Every non-blank line becomes a [`BlockKind::Line`]; a run of blank lines
/// becomes one empty `Line`, the paragraph-break marker segmentation uses.
/// Nothing is dropped or reordered: deciding what is a heading or chrome is
/// segmentation's job.
pub(crate) fn extract_text(text: &str, sink: &mut Sink) {
    for line in text.lines() {
        if line.trim().is_empty() {
            sink.paragraph_break();
        } else {
            sink.push(BlockKind::Line, line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Block;

    fn run(text: &str) -> Vec<Block> {
        let mut sink = Sink::default();
        extract_text(text, &mut sink);
        sink.finish()
    }

    #[test]
    fn lines_and_one_marker_per_blank_run() {
        let blocks = run("\n\nTitle\n\n\n \nFirst line\nSecond  line\n\n");
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["Title", "", "First line", "Second line"]);
        assert!(blocks.iter().all(|b| b.kind == BlockKind::Line));
    }

    #[test]
    fn keeps_markup_looking_lines_as_lines() {
        let blocks = run("1.\nCommitment\n# not markdown here");
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[2].text, "# not markdown here");
    }
}
