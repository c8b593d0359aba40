//! The diff pipeline: align sections, diff their sentences, detect events and
//! summarise. Pure: no I/O.
//!
//! STUB: minimal orchestration.

use crate::align::align;
use crate::model::{Document, count_words};
use crate::report::{DocInfo, Report, SCHEMA, SectionChange, SectionRef, SectionStatus, Summary};
use crate::textdiff::{sentence_edits, split_sentences};

fn info(doc: &Document) -> DocInfo {
    DocInfo {
        label: doc.label.clone(),
        sha256: doc.sha256.clone(),
        language: doc.language.clone(),
        sections: doc.sections.len(),
        words: doc.word_count(),
    }
}

fn section_ref(doc: &Document, index: usize) -> SectionRef {
    let s = &doc.sections[index];
    SectionRef {
        index,
        heading: s.heading.clone(),
        path: s.path.clone(),
    }
}

/// Compare two versions of a policy.
pub fn diff(old: &Document, new: &Document) -> Report {
    let pairs = align(&old.sections, &new.sections);
    let mut summary = Summary::default();
    let mut sections = Vec::new();
    for p in &pairs {
        let old_sents = p
            .old
            .map(|i| split_sentences(&old.sections[i].body_text()))
            .unwrap_or_default();
        let new_sents = p
            .new
            .map(|i| split_sentences(&new.sections[i].body_text()))
            .unwrap_or_default();
        let edits = if p.status == SectionStatus::Unchanged {
            Vec::new()
        } else {
            sentence_edits(&old_sents, &new_sents)
        };
        for e in &edits {
            summary.words_removed += e.old.as_deref().map(count_words).unwrap_or(0);
            summary.words_added += e.new.as_deref().map(count_words).unwrap_or(0);
        }
        match p.status {
            SectionStatus::Added => summary.sections_added += 1,
            SectionStatus::Removed => summary.sections_removed += 1,
            SectionStatus::Modified => summary.sections_modified += 1,
            SectionStatus::Moved => summary.sections_moved += 1,
            SectionStatus::Renamed => summary.sections_renamed += 1,
            SectionStatus::Unchanged => {}
        }
        sections.push(SectionChange {
            status: p.status,
            similarity: p.similarity,
            old: p.old.map(|i| section_ref(old, i)),
            new: p.new.map(|i| section_ref(new, i)),
            edits,
        });
    }
    let events = crate::detect::detect(old, new, &pairs);
    summary.max_severity = events.iter().map(|e| e.severity).max();
    summary.substantive = sections
        .iter()
        .any(|s| s.status != SectionStatus::Unchanged)
        || !events.is_empty();
    Report {
        schema: SCHEMA.to_string(),
        old: info(old),
        new: info(new),
        summary,
        sections,
        events,
    }
}
