//! Sentence- and word-level diffs inside aligned sections, built on `similar`.
//!
//! STUB: sentence splitting on `. `.

use crate::report::{Edit, EditOp};

/// A piece of a word-level diff, for the terminal and HTML renderers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordChange {
    /// Text on both sides.
    Equal(String),
    /// Text only on the old side.
    Delete(String),
    /// Text only on the new side.
    Insert(String),
}

/// Split text into sentences.
pub fn split_sentences(text: &str) -> Vec<String> {
    text.split_inclusive(". ")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Sentence-level edits between two sentence lists.
pub fn sentence_edits(old: &[String], new: &[String]) -> Vec<Edit> {
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, old, new);
    let mut edits = Vec::new();
    for op in ops {
        match op {
            similar::DiffOp::Equal { .. } => {}
            similar::DiffOp::Delete {
                old_index, old_len, ..
            } => edits.push(Edit {
                op: EditOp::Delete,
                old: Some(old[old_index..old_index + old_len].join(" ")),
                new: None,
            }),
            similar::DiffOp::Insert {
                new_index, new_len, ..
            } => edits.push(Edit {
                op: EditOp::Insert,
                old: None,
                new: Some(new[new_index..new_index + new_len].join(" ")),
            }),
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => edits.push(Edit {
                op: EditOp::Replace,
                old: Some(old[old_index..old_index + old_len].join(" ")),
                new: Some(new[new_index..new_index + new_len].join(" ")),
            }),
        }
    }
    edits
}

/// Word-level diff of two strings.
pub fn word_diff(old: &str, new: &str) -> Vec<WordChange> {
    similar::TextDiff::from_words(old, new)
        .iter_all_changes()
        .map(|c| match c.tag() {
            similar::ChangeTag::Equal => WordChange::Equal(c.value().to_string()),
            similar::ChangeTag::Delete => WordChange::Delete(c.value().to_string()),
            similar::ChangeTag::Insert => WordChange::Insert(c.value().to_string()),
        })
        .collect()
}
