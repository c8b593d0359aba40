//! Section alignment across two versions, by heading and content together,
//! so that renames, moves, splits and merges are recognised as such.
//!
//! STUB: aligns by identical heading only.

use crate::model::Section;
use crate::normalize::heading_key;
use crate::report::SectionStatus;

/// One entry of an alignment. An old index may appear in several pairs (a
/// split) and so may a new index (a merge).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// Index into the old sections, if this section exists there.
    pub old: Option<usize>,
    /// Index into the new sections, if this section exists there.
    pub new: Option<usize>,
    /// What happened to it.
    pub status: SectionStatus,
    /// Body similarity 0–1.
    pub similarity: f64,
}

/// Align `old` and `new` sections. The result is in new-document order, with
/// removed sections placed where they used to be.
pub fn align(old: &[Section], new: &[Section]) -> Vec<Pair> {
    let mut used = vec![false; old.len()];
    let mut pairs = Vec::new();
    for (j, n) in new.iter().enumerate() {
        let found = old
            .iter()
            .enumerate()
            .position(|(i, o)| !used[i] && heading_key(&o.heading) == heading_key(&n.heading));
        match found {
            Some(i) => {
                used[i] = true;
                let status = if old[i].paragraphs == n.paragraphs {
                    SectionStatus::Unchanged
                } else {
                    SectionStatus::Modified
                };
                pairs.push(Pair {
                    old: Some(i),
                    new: Some(j),
                    status,
                    similarity: 1.0,
                });
            }
            None => pairs.push(Pair {
                old: None,
                new: Some(j),
                status: SectionStatus::Added,
                similarity: 0.0,
            }),
        }
    }
    for (i, u) in used.iter().enumerate() {
        if !u {
            pairs.push(Pair {
                old: Some(i),
                new: None,
                status: SectionStatus::Removed,
                similarity: 0.0,
            });
        }
    }
    pairs
}
