//! Facts of one document: what it says, sentence by sentence, as
//! (family, subject, value) with the section and sentence that say it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::contacts;
use super::dates;
use super::durations::{self, Duration};
use super::lexicon::{Family, Lexicon, TermKind};
use super::scan::Scanned;
use crate::model::Document;

/// A sentence of the document, with the section it is in.
#[derive(Debug, Clone)]
pub struct Sentence {
    /// Index of its section.
    pub section: usize,
    /// The sentence as written.
    pub text: String,
}

/// Where a fact is said: an index into [`DocFacts::sentences`].
pub type Occ = usize;

/// A subject-valued fact (a mechanism, law, vendor, right, contact…).
#[derive(Debug, Clone)]
pub struct SubjectFact {
    /// The subject as shown in events.
    pub display: String,
    /// Every sentence that states it.
    pub occ: Vec<Occ>,
}

/// A stated retention value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Retention {
    /// A period.
    Period(Duration),
    /// "indefinitely", "permanently".
    Indefinite,
}

impl Retention {
    /// The normalised value for `from` / `to`.
    pub fn value(&self) -> String {
        match self {
            Retention::Period(d) => d.normalised(),
            Retention::Indefinite => "indefinitely".to_string(),
        }
    }

    /// Length in days, indefinite being the longest.
    pub fn days(&self) -> u64 {
        match self {
            Retention::Period(d) => d.days(),
            Retention::Indefinite => u64::MAX,
        }
    }
}

/// One stated retention period.
#[derive(Debug, Clone)]
pub struct RetentionFact {
    /// What is kept, when the text says.
    pub subject: Option<String>,
    /// For how long.
    pub value: Retention,
    /// Where.
    pub occ: Occ,
}

/// The policy's stance on selling personal data, weakest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stance {
    /// "we do not sell".
    NoSale,
    /// Nothing said.
    Unstated,
    /// Sharing for cross-context advertising.
    Sharing,
    /// "we may sell".
    Sale,
}

impl Stance {
    /// The spec's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::NoSale => "no sale",
            Stance::Unstated => "unstated",
            Stance::Sharing => "sharing for advertising",
            Stance::Sale => "sale",
        }
    }
}

/// Everything one document says that events are made of.
#[derive(Debug, Default)]
pub struct DocFacts {
    /// The sentences facts point into.
    pub sentences: Vec<Sentence>,
    /// Subject facts by family and comparison key.
    pub subjects: BTreeMap<(Family, String), SubjectFact>,
    /// Retention periods, in document order.
    pub retention: Vec<RetentionFact>,
    /// Sale-stance statements.
    pub sale: Vec<(Stance, Occ)>,
    /// Minimum ages the policy addresses (COPPA citations left out).
    pub ages: Vec<(u32, Occ)>,
    /// Sentences saying data or content trains AI models.
    pub ai_training: Vec<Occ>,
    /// The "last updated" / "effective" date.
    pub effective: Option<(NaiveDate, Occ)>,
}

impl DocFacts {
    /// The document's overall sale stance and the sentence that sets it.
    pub fn stance(&self) -> (Stance, Option<Occ>) {
        let pick = |s: Stance| self.sale.iter().find(|(x, _)| *x == s).map(|(_, o)| *o);
        for s in [Stance::Sale, Stance::Sharing, Stance::NoSale] {
            if let Some(o) = pick(s) {
                return (s, Some(o));
            }
        }
        (Stance::Unstated, None)
    }

    /// The highest minimum age stated, with its sentence.
    pub fn age(&self) -> Option<(u32, Occ)> {
        self.ages
            .iter()
            .copied()
            .max_by_key(|(a, o)| (*a, usize::MAX - o))
    }
}

fn ends_with_any(text: &str, words: &[String]) -> bool {
    let t = text.trim_end();
    words.iter().any(|w| {
        t.ends_with(w.as_str())
            && !t[..t.len() - w.len()]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
    })
}

/// Ages in a children sentence: a number 6–21 right after "under", "aged"…
/// or right before "years (old)".
fn ages(lex: &Lexicon, lower: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        let n: u32 = lower[i..j].parse().unwrap_or(0);
        let next_is_word = lower[j..].chars().next().is_some_and(char::is_alphanumeric);
        if (6..=21).contains(&n) && !next_is_word {
            let before = &lower[..i];
            let after = lower[j..].trim_start_matches([' ', '-', '+']);
            let after_years = lex.units.iter().any(|(w, u)| {
                *u == super::lexicon::Unit::Years
                    && after.starts_with(w.as_str())
                    && !after[w.len()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric)
            });
            if ends_with_any(before, &lex.age_before) || after_years {
                out.push(n);
            }
        }
        i = j;
    }
    out
}

/// What one sentence says, independent of where it is: computed once per
/// distinct sentence and shared between the two versions, which are mostly
/// the same text.
#[derive(Debug, Clone, Default)]
pub struct SentenceFacts {
    subjects: Vec<(Family, String, String)>,
    retention: Vec<(Option<String>, Retention)>,
    sale: Vec<Stance>,
    ages: Vec<u32>,
    ai_training: bool,
    date_cues: Vec<usize>,
    /// The folded text the cue offsets point into, kept only when there are cues.
    date_text: String,
}

/// Facts of sentences already seen, by text. foldhash, not SipHash: hashing
/// the sentences was a tenth of fact extraction, and its seed is still random
/// per process, so crafted sentences cannot pick collisions.
pub type Cache = foldhash::HashMap<String, SentenceFacts>;

/// `text` without its Markdown link targets: `[text](https://vendor.example/…)`
/// keeps `[text]`. The visible text is what the policy says; a URL behind it
/// (a signing service hosting a PDF) names no processor. A target is what a
/// regex `\]\([^)\s]*\)` would match; read by hand because that regex,
/// with its Unicode space class, costs more to build than a small diff.
fn strip_link_targets(text: &str) -> Cow<'_, str> {
    if !text.contains("](") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        out.push_str(&rest[..=i]);
        let target = &rest[i + 2..];
        rest = match target.find(|c: char| c == ')' || c.is_whitespace()) {
            Some(end) if target[end..].starts_with(')') => &target[end + 1..],
            // Not a target: go on from the `(`.
            _ => &rest[i + 1..],
        };
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn sentence_facts(lex: &Lexicon, text: &str, active: u32, coppa: Option<u16>) -> SentenceFacts {
    let visible = strip_link_targets(text);
    let scanned = Scanned::new(lex, &visible, active);
    let mut f = SentenceFacts {
        date_cues: scanned.of(TermKind::DateCue).map(|h| h.end).collect(),
        ..SentenceFacts::default()
    };
    if !f.date_cues.is_empty() {
        f.date_text = scanned.lower.clone();
    }
    for h in &scanned.hits {
        let TermKind::Subject(id) = h.term.kind else {
            continue;
        };
        if scanned.negated(h.start, h.end) {
            continue;
        }
        let info = &lex.subjects[id as usize];
        f.subjects
            .push((info.family, info.name.clone(), info.name.clone()));
    }

    if scanned.has(TermKind::RetentionVerb) {
        let subject = scanned.hits.iter().find_map(|h| match h.term.kind {
            TermKind::RetentionSubject(i) => Some(lex.retention_subjects[i as usize].clone()),
            _ => None,
        });
        for found in durations::find(lex, &scanned.lower) {
            f.retention
                .push((subject.clone(), Retention::Period(found.duration)));
        }
        if scanned
            .of(TermKind::RetentionIndefinite)
            .any(|h| !scanned.negated(h.start, h.end))
        {
            f.retention.push((subject.clone(), Retention::Indefinite));
        }
    }

    if !scanned.has(TermKind::SaleExclude) {
        let object = scanned.has(TermKind::SaleObject);
        let actor = scanned.has(TermKind::SaleActor);
        for h in &scanned.hits {
            let negated = || scanned.negated(h.start, h.end);
            let stance = match h.term.kind {
                // A denial is a stance whoever the subject is ("iZotope
                // will not sell"); an affirmation needs a first-person
                // actor, so "the right to know what is sold" is none.
                TermKind::SaleVerb if object && negated() => Stance::NoSale,
                TermKind::SaleVerb if object && actor => Stance::Sale,
                TermKind::SalePassive if object && negated() => Stance::NoSale,
                TermKind::SalePassive if object => Stance::Sale,
                TermKind::SaleSharing if negated() => Stance::NoSale,
                TermKind::SaleSharing => Stance::Sharing,
                _ => continue,
            };
            f.sale.push(stance);
        }
    }

    f.ai_training = scanned.has(TermKind::AiModel)
        && scanned
            .of(TermKind::AiTrain)
            .any(|h| !scanned.negated(h.start, h.end));

    if scanned.has(TermKind::ChildCue)
        && !scanned
            .hits
            .iter()
            .any(|h| Some(h.term.kind) == coppa.map(TermKind::Subject))
    {
        f.ages = ages(lex, &scanned.lower);
    }

    for c in contacts::find(&scanned.cased, scanned.has(TermKind::PhoneCue)) {
        f.subjects.push((Family::Contact, c.key, c.display));
    }
    f
}

/// One sentence or heading of a document, in document order.
struct Line {
    section: usize,
    text: String,
    heading: bool,
}

/// The sentences of a document, headings included: headings take part in the
/// date search only (a wrapped "Effective January" may have been taken for a
/// heading); facts come from bodies.
fn lines(doc: &Document) -> Vec<Line> {
    let mut lines = Vec::new();
    for (section, s) in doc.sections.iter().enumerate() {
        if !s.heading.is_empty() {
            lines.push(Line {
                section,
                text: s.heading.clone(),
                heading: true,
            });
        }
        for p in &s.paragraphs {
            lines.extend(
                crate::textdiff::split_sentences(p)
                    .into_iter()
                    .map(|text| Line {
                        section,
                        text,
                        heading: false,
                    }),
            );
        }
    }
    lines
}

/// Fill `cache` with the facts of every line not in it yet.
fn fill(lex: &Lexicon, lines: &[Line], active: u32, cache: &mut Cache) {
    let coppa = lex
        .subjects
        .iter()
        .position(|s| s.family == Family::LegalFramework && s.name == "COPPA")
        .map(|i| i as u16);
    for line in lines {
        if !cache.contains_key(line.text.as_str()) {
            let f = sentence_facts(lex, &line.text, active, coppa);
            cache.insert(line.text.clone(), f);
        }
    }
}

/// A document's facts from its lines, whose sentence facts are all in `cache`.
fn assemble(lex: &Lexicon, doc: &Document, lines: &[Line], cache: &Cache) -> DocFacts {
    let mut facts = DocFacts::default();
    let month_first = doc.language == "en";
    for (idx, line) in lines.iter().enumerate() {
        let Some(sf) = cache.get(line.text.as_str()) else {
            continue;
        };
        let occ = facts.sentences.len();
        facts.sentences.push(Sentence {
            section: line.section,
            text: line.text.clone(),
        });

        if facts.effective.is_none() && !sf.date_cues.is_empty() {
            let next = lines.get(idx + 1).map(|l| l.text.as_str());
            facts.effective = sf
                .date_cues
                .iter()
                .find_map(|&end| dates::date_after_cue(lex, &sf.date_text, end, next, month_first))
                .map(|d| (d, occ));
        }
        if line.heading {
            continue;
        }
        for (family, key, display) in &sf.subjects {
            facts
                .subjects
                .entry((*family, key.clone()))
                .or_insert_with(|| SubjectFact {
                    display: display.clone(),
                    occ: Vec::new(),
                })
                .occ
                .push(occ);
        }
        for (subject, value) in &sf.retention {
            facts.retention.push(RetentionFact {
                subject: subject.clone(),
                value: *value,
                occ,
            });
        }
        facts.sale.extend(sf.sale.iter().map(|s| (*s, occ)));
        facts.ages.extend(sf.ages.iter().map(|a| (*a, occ)));
        if sf.ai_training {
            facts.ai_training.push(occ);
        }
    }
    facts
}

/// Extract the facts of a document with the languages in `active`, reusing
/// (and filling) `cache` for sentences seen before.
pub fn extract(lex: &Lexicon, doc: &Document, active: u32, cache: &mut Cache) -> DocFacts {
    let lines = lines(doc);
    fill(lex, &lines, active, cache);
    assemble(lex, doc, &lines, cache)
}

/// Below this much old text, a second thread costs more than it saves.
const PARALLEL_MIN_BYTES: usize = 16 * 1024;

/// The facts of both versions. Sentence facts are pure, so the old
/// version's sentences are shared between this thread and a second one;
/// the new version then only needs its sentences the old one lacks, which
/// for a typical revision are few.
pub fn extract_pair(
    lex: &Lexicon,
    old: &Document,
    new: &Document,
    active: u32,
) -> (DocFacts, DocFacts) {
    let (old_lines, new_lines) = (lines(old), lines(new));
    let total: usize = old_lines.iter().map(|l| l.text.len()).sum();
    let mut cache = Cache::default();
    if total < PARALLEL_MIN_BYTES {
        fill(lex, &old_lines, active, &mut cache);
    } else {
        // Split where half the old text lies, so both halves take about as long.
        let mut seen = 0;
        let mid = old_lines
            .iter()
            .position(|l| {
                seen += l.text.len();
                seen >= total / 2
            })
            .unwrap_or(0);
        let (first, second) = old_lines.split_at(mid);
        std::thread::scope(|s| {
            let other = std::thread::Builder::new().spawn_scoped(s, || {
                let mut cache = Cache::default();
                fill(lex, second, active, &mut cache);
                cache
            });
            fill(lex, first, active, &mut cache);
            match other.map(|h| h.join()) {
                Ok(Ok(other)) => cache.extend(other),
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                // No thread to be had: this one does both halves.
                Err(_) => fill(lex, second, active, &mut cache),
            }
        });
    }
    fill(lex, &new_lines, active, &mut cache);
    (
        assemble(lex, old, &old_lines, &cache),
        assemble(lex, new, &new_lines, &cache),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The link-target scanner agrees with the regex it replaced.
    #[test]
    fn link_targets_match_their_reference_regex() {
        let reference = regex::Regex::new(r"\]\([^)\s]*\)").unwrap();
        for t in [
            "Signed with [DocuSign](https://docusign.example/a.pdf) today.",
            "[a](x) and [b](y) and [c]( z)",
            "[a](x y) then [b](z)",
            "no link here",
            "[a](unclosed",
            "[a]()",
            "]((x))",
            "[é](ü\u{a0}v) [ok](w)",
            "]](x)",
            "](",
        ] {
            assert_eq!(
                strip_link_targets(t),
                reference.replace_all(t, "]"),
                "{t:?}"
            );
        }
    }
}
