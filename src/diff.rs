//! The diff pipeline: align sections, diff their sentences, detect events and
//! summarise. Pure: no I/O.

use std::cell::OnceCell;
use std::collections::HashMap;

use crate::align::{Pair, Relation, align};
use crate::model::{Document, count_words};
use crate::report::{
    DocInfo, Edit, EditOp, Report, SCHEMA, SectionChange, SectionRef, SectionStatus, Summary,
};
use crate::textdiff::{changed_words, sentence_edits_at, sentences};

fn info(doc: &Document) -> DocInfo {
    DocInfo {
        label: doc.label.clone(),
        sha256: doc.sha256.clone(),
        language: doc.language.clone(),
        sections: doc.sections.len(),
        words: word_count(doc),
    }
}

/// [`Document::word_count`] without the per-word iterator machinery: on a
/// 50 KB pair it was a tenth of the diff's time. Same definition: runs of
/// alphanumeric characters.
fn word_count(doc: &Document) -> usize {
    fn is_word(b: u8) -> bool {
        b.is_ascii_alphanumeric()
    }
    /// Words starting in a run of ASCII: where a word byte follows a
    /// non-word one, eight bytes at a time.
    fn ascii_starts(run: &[u8], in_word: bool) -> usize {
        use crate::swar::word_mask;
        let mut n = 0;
        // Bit 0 of the byte before the current chunk's first.
        let mut prev = u64::from(in_word);
        let mut count = |chunk: u64| {
            let w = word_mask(chunk);
            n += (w & !((w << 8) | prev)).count_ones() as usize;
            prev = w >> 56;
        };
        let mut chunks = run.chunks_exact(8);
        for c in &mut chunks {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(c);
            count(u64::from_le_bytes(bytes));
        }
        // Zero padding is no word byte.
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        count(u64::from_le_bytes(tail));
        n
    }
    fn words(text: &str) -> usize {
        let bytes = text.as_bytes();
        if bytes.is_ascii() {
            return ascii_starts(bytes, false);
        }
        // Runs of ASCII (most of any paragraph, even one with curly
        // quotes) between chars decoded one by one.
        let (mut n, mut in_word) = (0, false);
        let mut i = 0;
        while i < bytes.len() {
            let end = bytes[i..]
                .iter()
                .position(|b| !b.is_ascii())
                .map_or(bytes.len(), |k| i + k);
            let run = &bytes[i..end];
            if let Some(&last) = run.last() {
                n += ascii_starts(run, in_word);
                in_word = is_word(last);
            }
            i = end;
            if let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) {
                i += c.len_utf8();
                let w = c.is_alphanumeric();
                n += usize::from(w & !in_word);
                in_word = w;
            }
        }
        n
    }
    doc.sections
        .iter()
        .map(|s| words(&s.heading) + s.paragraphs.iter().map(|p| words(p)).sum::<usize>())
        .sum()
}

fn section_ref(doc: &Document, index: usize) -> SectionRef {
    let s = &doc.sections[index];
    SectionRef {
        index,
        heading: s.heading.clone(),
        path: s.path.clone(),
    }
}

/// Sentences of each section, split at most once and only when needed.
struct Sentences<'a> {
    doc: &'a Document,
    cache: Vec<OnceCell<Vec<&'a str>>>,
}

impl<'a> Sentences<'a> {
    fn new(doc: &'a Document) -> Self {
        Sentences {
            doc,
            cache: doc.sections.iter().map(|_| OnceCell::new()).collect(),
        }
    }

    fn get(&self, i: usize) -> &[&'a str] {
        let doc = self.doc;
        self.cache[i].get_or_init(|| {
            doc.sections[i]
                .paragraphs
                .iter()
                .flat_map(|p| sentences(p))
                .collect()
        })
    }
}

/// Round to two decimals, as the report shows similarities.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Compare two versions of a policy. Fact extraction needs no alignment, so
/// the helper thread ([`crate::worker`]) works on it while this one aligns
/// the sections and diffs their sentences; whichever is done first helps the
/// other's share of the facts. Each thread also counts one version's words.
pub fn diff(old: &Document, new: &Document) -> Report {
    let job = crate::detect::extraction(old, new);
    let second = || {
        let facts = job.as_ref().and_then(|job| {
            job.help();
            job.assemble_if_complete()
        });
        (info(old), facts)
    };
    let ((pairs, sections, mut summary, section_events, new_info), (old_info, facts)) =
        crate::worker::join(
            || {
                let pairs = align(&old.sections, &new.sections);
                let (sections, summary) = section_changes(old, new, &pairs);
                let mut section_events = Vec::new();
                crate::detect::compare::section_events(old, new, &pairs, &mut section_events);
                if let Some(job) = &job {
                    job.help();
                }
                (pairs, sections, summary, section_events, info(new))
            },
            second,
        );
    // The helper's half assembled them unless this one was still computing
    // a chunk when it looked.
    let facts = job.map(|job| facts.unwrap_or_else(|| job.finish()));

    let events = crate::detect::ordered(
        crate::detect::fact_events(old, new, &pairs, facts),
        section_events,
    );
    summary.max_severity = events.first().map(|e| e.severity);
    // Heading case and numbering are already folded by the alignment, so an
    // all-unchanged alignment means only cosmetic differences.
    summary.substantive =
        pairs.iter().any(|p| p.status != SectionStatus::Unchanged) || !events.is_empty();
    Report {
        schema: SCHEMA.to_string(),
        old: old_info,
        new: new_info,
        summary,
        sections,
        events,
    }
}

/// The report's sections, with their sentence edits, and the summary's
/// counts of them.
fn section_changes(
    old: &Document,
    new: &Document,
    pairs: &[Pair],
) -> (Vec<SectionChange>, Summary) {
    let mut summary = Summary::default();
    let mut sections = Vec::with_capacity(pairs.len());
    for (p, edits) in pairs.iter().zip(pair_edits(old, new, pairs)) {
        for e in &edits {
            let (removed, added) = edit_words(e);
            summary.words_removed += removed;
            summary.words_added += added;
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
            similarity: round2(p.similarity),
            old: p.old.map(|i| section_ref(old, i)),
            new: p.new.map(|j| section_ref(new, j)),
            edits,
        });
    }
    (sections, summary)
}

/// Words removed and added by one edit: for a replace, only the words that
/// differ inside it.
fn edit_words(e: &Edit) -> (usize, usize) {
    match (e.op, e.old.as_deref(), e.new.as_deref()) {
        (EditOp::Replace, Some(o), Some(n)) => changed_words(o, n),
        (_, o, n) => (o.map_or(0, count_words), n.map_or(0, count_words)),
    }
}

/// The sentence edits of every pair, in pair order. A split is diffed once,
/// old section against its parts in order, and each edit goes to the part
/// where it lands; a merge likewise. That way text that only moved between
/// parts counts as no change, and nothing is counted twice.
fn pair_edits(old: &Document, new: &Document, pairs: &[Pair]) -> Vec<Vec<Edit>> {
    let os = Sentences::new(old);
    let ns = Sentences::new(new);
    let mut out: Vec<Vec<Edit>> = vec![Vec::new(); pairs.len()];
    let mut done = vec![false; pairs.len()];
    // Members of each split (by old index) and merge (by new index).
    let mut groups: HashMap<(Relation, usize), Vec<usize>> = HashMap::new();
    for (q, p) in pairs.iter().enumerate() {
        match (p.relation, p.old, p.new) {
            (Some(Relation::Split), Some(i), _) => {
                groups.entry((Relation::Split, i)).or_default().push(q)
            }
            (Some(Relation::Merge), _, Some(j)) => {
                groups.entry((Relation::Merge, j)).or_default().push(q)
            }
            _ => {}
        }
    }
    for k in 0..pairs.len() {
        if done[k] {
            continue;
        }
        let p = &pairs[k];
        if p.status == SectionStatus::Unchanged {
            done[k] = true;
            continue;
        }
        match (p.relation, p.old, p.new) {
            (Some(Relation::Split), Some(i), _) => {
                let group = groups
                    .get(&(Relation::Split, i))
                    .cloned()
                    .unwrap_or_default();
                let parts: Vec<&[&str]> = group
                    .iter()
                    .map(|&q| pairs[q].new.map_or(&[][..], |j| ns.get(j)))
                    .collect();
                let placed = distribute(os.get(i), &parts, false);
                for (&q, edits) in group.iter().zip(placed) {
                    out[q] = edits;
                    done[q] = true;
                }
            }
            (Some(Relation::Merge), _, Some(j)) => {
                let group = groups
                    .get(&(Relation::Merge, j))
                    .cloned()
                    .unwrap_or_default();
                let parts: Vec<&[&str]> = group
                    .iter()
                    .map(|&q| pairs[q].old.map_or(&[][..], |i| os.get(i)))
                    .collect();
                let placed = distribute(ns.get(j), &parts, true);
                for (&q, edits) in group.iter().zip(placed) {
                    out[q] = edits;
                    done[q] = true;
                }
            }
            _ => {
                let o = p.old.map_or(&[][..], |i| os.get(i));
                let n = p.new.map_or(&[][..], |j| ns.get(j));
                out[k] = sentence_edits_at(o, n)
                    .into_iter()
                    .map(|e| e.edit)
                    .collect();
                done[k] = true;
            }
        }
    }
    out
}

/// Diff `whole` against the concatenation of `parts` and give each edit to
/// the part it falls in. `parts_are_old` says which side the parts are on.
fn distribute(whole: &[&str], parts: &[&[&str]], parts_are_old: bool) -> Vec<Vec<Edit>> {
    let joined: Vec<&str> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    let mut bounds = Vec::with_capacity(parts.len());
    let mut acc = 0;
    for p in parts {
        acc += p.len();
        bounds.push(acc);
    }
    let placed = if parts_are_old {
        sentence_edits_at(&joined, whole)
    } else {
        sentence_edits_at(whole, &joined)
    };
    let mut out: Vec<Vec<Edit>> = vec![Vec::new(); parts.len()];
    for e in placed {
        let at = if parts_are_old { e.old_at } else { e.new_at };
        let part = bounds
            .iter()
            .position(|&b| at < b)
            .unwrap_or(parts.len().saturating_sub(1));
        if let Some(slot) = out.get_mut(part) {
            slot.push(e.edit);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InputFormat, Section};

    fn sec(heading: &str, body: &[&str]) -> Section {
        Section {
            heading: heading.to_string(),
            level: 1,
            path: vec![heading.to_string()],
            paragraphs: body.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn doc(label: &str, sections: Vec<Section>) -> Document {
        Document {
            label: label.into(),
            sha256: String::new(),
            format: InputFormat::Markdown,
            language: "en".into(),
            sections,
            chrome: Vec::new(),
        }
    }

    const COOKIES: &str = "We use cookies to keep you signed in and to remember your preferences. \
        Cookies are small text files stored by your browser. You can block them in your \
        browser settings, but some features will stop working.";
    const RETENTION: &str = "We keep your account data for as long as your account is active. \
        After you cancel, we delete it within 30 days, except backups, which roll off \
        within 60 days. Billing records are kept for seven years for tax purposes.";

    #[test]
    fn word_count_matches_the_model() {
        let d = doc(
            "a",
            vec![
                sec(
                    "Été 2024: naïve — data",
                    &["Vi sparar data i högst 24 månader.", "e-mail: a@b.c"],
                ),
                sec("", &["", "  ", "日本語 テキスト 123abc"]),
                sec(
                    "Plain ASCII",
                    &["We keep it for 30 days, then -- delete_it."],
                ),
            ],
        );
        assert_eq!(word_count(&d), d.word_count());
    }

    proptest::proptest! {
        /// Mixed ASCII and other text, in any arrangement, counts as the
        /// model counts.
        #[test]
        fn word_count_matches_the_model_on_any_text(
            text in r"[a-zA-Z0-9 .,'’—éß日\u{a0}\u{2009}_@\[`{/:\x00\x7f-]{0,80}",
        ) {
            let d = doc("a", vec![sec(&text, &[&text, "x"])]);
            proptest::prop_assert_eq!(word_count(&d), d.word_count());
        }
    }

    #[test]
    fn a_document_against_itself_is_not_substantive() {
        let d = doc(
            "a",
            vec![sec("Cookies", &[COOKIES]), sec("Retention", &[RETENTION])],
        );
        let r = diff(&d, &d);
        assert!(!r.summary.substantive);
        assert!(r.events.is_empty());
        assert_eq!(r.summary, Summary::default());
        assert!(
            r.sections
                .iter()
                .all(|s| s.status == SectionStatus::Unchanged && s.edits.is_empty())
        );
    }

    #[test]
    fn heading_case_numbering_and_wrapping_are_cosmetic() {
        let old = doc(
            "a",
            vec![
                sec("1. Cookies", &[COOKIES]),
                sec("2. Retention", &[RETENTION]),
            ],
        );
        let (first, rest) = RETENTION.split_once(". ").unwrap();
        let new = doc(
            "b",
            vec![
                sec("1. COOKIES", &[COOKIES]),
                sec("2) retention", &[&format!("{first}."), rest]),
            ],
        );
        let r = diff(&old, &new);
        assert!(!r.summary.substantive, "{:?}", r.sections);
        assert_eq!((r.summary.words_added, r.summary.words_removed), (0, 0));
    }

    #[test]
    fn counts_only_the_words_that_changed() {
        let old = doc(
            "a",
            vec![sec("Cookies", &[COOKIES]), sec("Retention", &[RETENTION])],
        );
        let edited = RETENTION.replace("seven years", "ten full years");
        let new = doc(
            "b",
            vec![sec("Cookies", &[COOKIES]), sec("Retention", &[&edited])],
        );
        let r = diff(&old, &new);
        assert!(r.summary.substantive);
        assert_eq!(r.summary.sections_modified, 1);
        assert_eq!((r.summary.words_removed, r.summary.words_added), (1, 2));
        let changed = &r.sections[1];
        assert_eq!(changed.status, SectionStatus::Modified);
        assert_eq!(changed.edits.len(), 1);
        assert_eq!(changed.edits[0].op, EditOp::Replace);
        assert_eq!(
            changed.edits[0].new.as_deref(),
            Some("Billing records are kept for ten full years for tax purposes.")
        );
        // Rounded to two decimals.
        assert_eq!(
            changed.similarity,
            (changed.similarity * 100.0).round() / 100.0
        );
        assert!(changed.similarity > 0.7 && changed.similarity < 1.0);
    }

    #[test]
    fn added_and_removed_sections_count_their_words() {
        let old = doc("a", vec![sec("Cookies", &[COOKIES])]);
        let new = doc(
            "b",
            vec![sec("Cookies", &[COOKIES]), sec("Retention", &[RETENTION])],
        );
        let r = diff(&old, &new);
        assert_eq!(r.summary.sections_added, 1);
        assert_eq!(r.summary.words_added, count_words(RETENTION));
        let back = diff(&new, &old);
        assert_eq!(back.summary.sections_removed, 1);
        assert_eq!(back.summary.words_removed, count_words(RETENTION));
        assert_eq!(back.summary.max_severity.is_some(), !back.events.is_empty());
    }

    #[test]
    fn a_split_moves_text_without_counting_it_as_changed() {
        let old = doc("a", vec![sec("Data we collect", &[COOKIES, RETENTION])]);
        let new = doc(
            "b",
            vec![
                sec("Data we collect", &[COOKIES]),
                sec("Retention", &[RETENTION]),
            ],
        );
        let r = diff(&old, &new);
        assert_eq!(r.summary.sections_added + r.summary.sections_removed, 0);
        assert_eq!((r.summary.words_added, r.summary.words_removed), (0, 0));
        assert!(r.summary.substantive);
    }

    #[test]
    fn events_are_most_severe_first() {
        let old = doc("a", vec![sec("Cookies", &[COOKIES])]);
        let new = doc("b", vec![sec("Retention", &[RETENTION])]);
        let r = diff(&old, &new);
        assert!(r.events.windows(2).all(|w| w[0].severity >= w[1].severity));
        assert_eq!(
            r.summary.max_severity,
            r.events.iter().map(|e| e.severity).max()
        );
    }

    /// `diff` extracts facts on the helper thread and builds section events
    /// apart from fact events; its events must still be exactly
    /// `detect::detect`'s, in the same order.
    #[test]
    fn events_are_those_of_detect_in_the_same_order() {
        let versions: Vec<Document> = crate::testdata::texts("basecamp/privacy-policy/")
            .map(|(path, text)| {
                Document::parse(path, text.as_bytes(), &crate::ParseOptions::default())
                    .unwrap_or_else(|e| panic!("{path}: {e}"))
            })
            .collect();
        assert!(versions.len() > 90, "the Basecamp history is bundled");
        let mut with_events = 0;
        for w in versions.windows(2) {
            let report = diff(&w[0], &w[1]);
            let pairs = align(&w[0].sections, &w[1].sections);
            assert_eq!(
                report.events,
                crate::detect::detect(&w[0], &w[1], &pairs),
                "{} -> {}",
                w[0].label,
                w[1].label
            );
            with_events += usize::from(!report.events.is_empty());
        }
        assert!(with_events > 30, "only {with_events} pairs had events");
    }
}
