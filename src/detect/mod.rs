//! Event detection: facts are extracted per document with data-file lexicons,
//! compared, and tied to the sections where the text changed.
//!
//! - [`compile`] compiles the TOML data files under `lexicons/` into byte
//!   tries (run by `build.rs`); [`lexicon`] decodes that embedded form;
//! - [`scan`] folds a sentence once, finds every pattern in one pass and
//!   reads negation from the clause;
//! - [`facts`] turns a document into facts (family, subject, value) with
//!   their sentences, using [`dates`], [`durations`] and [`contacts`];
//! - [`compare`] compares the facts of both versions and builds events.

pub mod compare;
pub mod compile;
pub mod contacts;
mod cursor;
pub mod dates;
pub mod durations;
pub mod facts;
pub mod lexicon;
pub mod scan;

use crate::align::Pair;
use crate::model::Document;
use crate::report::Event;

/// The bit set of lexicon languages to apply: both documents' languages
/// plus English, which policies in other languages quote ("cookies").
fn active_languages(lex: &lexicon::Lexicon, old: &Document, new: &Document) -> u32 {
    [old.language.as_str(), new.language.as_str(), "en"]
        .iter()
        .filter_map(|code| lex.language_index(code))
        .fold(0u32, |acc, i| acc | (1 << i))
}

/// Extract one document's facts (exposed for tools and tests).
pub fn document_facts(doc: &Document) -> Option<facts::DocFacts<'_>> {
    let lex = lexicon::lexicon()?;
    Some(facts::extract(lex, doc, active_languages(lex, doc, doc)))
}

/// Detect the typed events between two versions, most severe first.
pub fn detect(old: &Document, new: &Document, pairs: &[Pair]) -> Vec<Event> {
    let mut section_events = Vec::new();
    compare::section_events(old, new, pairs, &mut section_events);
    ordered(
        fact_events(old, new, pairs, pair_facts(old, new)),
        section_events,
    )
}

/// Fact events, then section events, most severe first: the order of
/// [`detect`], for callers that build the two apart.
pub fn ordered(mut fact_events: Vec<Event>, section_events: Vec<Event>) -> Vec<Event> {
    fact_events.extend(section_events);
    // Stable: within a severity, facts keep their document order.
    fact_events.sort_by_key(|e| std::cmp::Reverse(e.severity));
    fact_events
}

/// The facts of both versions, for [`fact_events`].
pub fn pair_facts<'a>(
    old: &'a Document,
    new: &'a Document,
) -> Option<(facts::DocFacts<'a>, facts::DocFacts<'a>)> {
    extraction(old, new).map(facts::Extraction::finish)
}

/// Fact extraction for both versions, for threads to share. Facts do not
/// depend on the alignment, so [`crate::diff()`] extracts them while it
/// aligns. `None` when the embedded lexicons failed to load.
pub fn extraction<'a>(old: &'a Document, new: &'a Document) -> Option<facts::Extraction<'a>> {
    let lex = lexicon::lexicon()?;
    Some(facts::Extraction::new(
        lex,
        old,
        new,
        active_languages(lex, old, new),
    ))
}

/// The events of [`detect`] that come from comparing facts, in document
/// order; [`ordered`] adds the section events and sorts by severity.
pub fn fact_events(
    old: &Document,
    new: &Document,
    pairs: &[Pair],
    facts: Option<(facts::DocFacts<'_>, facts::DocFacts<'_>)>,
) -> Vec<Event> {
    let mut events = Vec::new();
    if let (Some(lex), Some((of, nf))) = (lexicon::lexicon(), facts) {
        let ctx = compare::Ctx::new(old, new, &of, &nf, pairs);
        compare::value_events(&ctx, &mut events);
        compare::subject_events(&ctx, lex, &mut events);
        compare::retention_events(&ctx, &mut events);
    }
    events
}

#[cfg(test)]
mod tests;
