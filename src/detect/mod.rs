//! Event detection: facts are extracted per document with data-file lexicons,
//! compared, and tied to the sections where the text changed.
//!
//! STUB: section events only.

use crate::align::Pair;
use crate::model::Document;
use crate::report::{Event, SectionStatus, Severity, Sides};

/// Detect the typed events between two versions, most severe first.
pub fn detect(old: &Document, new: &Document, pairs: &[Pair]) -> Vec<Event> {
    let mut events = Vec::new();
    for p in pairs {
        let (kind, heading) = match (p.status, p.old, p.new) {
            (SectionStatus::Added, _, Some(j)) => {
                ("section.added", new.sections[j].heading.clone())
            }
            (SectionStatus::Removed, Some(i), _) => {
                ("section.removed", old.sections[i].heading.clone())
            }
            _ => continue,
        };
        events.push(Event {
            kind: kind.into(),
            subject: Some(heading),
            from: None,
            to: None,
            severity: Severity::Low,
            section: Sides::default(),
            evidence: Sides::default(),
        });
    }
    events
}
