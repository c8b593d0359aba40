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
pub struct Sentence<'a> {
    /// Index of its section.
    pub section: usize,
    /// The sentence as written.
    pub text: &'a str,
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
pub struct DocFacts<'a> {
    /// The sentences facts point into, borrowed from the document.
    pub sentences: Vec<Sentence<'a>>,
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

impl DocFacts<'_> {
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
struct Line<'a> {
    section: usize,
    text: &'a str,
    heading: bool,
    /// Index of its text among the distinct sentences of both versions.
    id: usize,
}

/// The sentences of both versions, each distinct text listed once: the two
/// versions are mostly the same text, so most sentences need facts once.
struct Prepared<'a> {
    old: Vec<Line<'a>>,
    new: Vec<Line<'a>>,
    distinct: Vec<&'a str>,
}

/// The sentences of a document, headings included: headings take part in the
/// date search only (a wrapped "Effective January" may have been taken for a
/// heading); facts come from bodies. Each gets the id of its text in `ids`,
/// which lists texts not seen before in `distinct`.
fn lines<'a>(
    doc: &'a Document,
    ids: &mut foldhash::HashMap<&'a str, usize>,
    distinct: &mut Vec<&'a str>,
) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let mut push = |section: usize, text: &'a str, heading: bool| {
        let id = *ids.entry(text).or_insert_with(|| {
            distinct.push(text);
            distinct.len() - 1
        });
        lines.push(Line {
            section,
            text,
            heading,
            id,
        });
    };
    for (section, s) in doc.sections.iter().enumerate() {
        if !s.heading.is_empty() {
            push(section, &s.heading, true);
        }
        for p in &s.paragraphs {
            for text in crate::textdiff::sentences(p) {
                push(section, text, false);
            }
        }
    }
    lines
}

/// A document's facts from its lines, given the facts of every distinct
/// sentence.
fn assemble<'a>(
    lex: &Lexicon,
    doc: &Document,
    lines: &[Line<'a>],
    facts_of: &[SentenceFacts],
) -> DocFacts<'a> {
    let mut facts = DocFacts::default();
    let month_first = doc.language == "en";
    for (idx, line) in lines.iter().enumerate() {
        let Some(sf) = facts_of.get(line.id) else {
            continue;
        };
        let occ = facts.sentences.len();
        facts.sentences.push(Sentence {
            section: line.section,
            text: line.text,
        });

        if facts.effective.is_none() && !sf.date_cues.is_empty() {
            let next = lines.get(idx + 1).map(|l| l.text);
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

/// Extract the facts of one document with the languages in `active`.
pub fn extract<'a>(lex: &'static Lexicon, doc: &'a Document, active: u32) -> DocFacts<'a> {
    Extraction::new(lex, doc, doc, active).finish().0
}

/// Distinct sentences handed out per claim: small enough that two threads
/// finish together, large enough that claiming costs nothing.
const CHUNK: usize = 16;

/// Fact extraction for a pair of versions that several threads can share.
/// Threads that call [`Extraction::help`] take chunks of distinct sentences
/// until none are left. [`Extraction::finish`] then puts
/// the documents' facts together. Sentence facts are pure, so who computes
/// which chunk changes nothing in the result.
pub struct Extraction<'a> {
    lex: &'static Lexicon,
    old: &'a Document,
    new: &'a Document,
    active: u32,
    coppa: Option<u16>,
    prepared: std::sync::OnceLock<Prepared<'a>>,
    /// The first distinct sentence not yet claimed.
    next: std::sync::atomic::AtomicUsize,
    /// Finished chunks: their first sentence and the facts of each.
    done: std::sync::Mutex<Vec<(usize, Vec<SentenceFacts>)>>,
}

impl<'a> Extraction<'a> {
    /// A job over both versions with the languages in `active`.
    pub fn new(lex: &'static Lexicon, old: &'a Document, new: &'a Document, active: u32) -> Self {
        let coppa = lex
            .subjects
            .iter()
            .position(|s| s.family == Family::LegalFramework && s.name == "COPPA")
            .map(|i| i as u16);
        Extraction {
            lex,
            old,
            new,
            active,
            coppa,
            prepared: std::sync::OnceLock::new(),
            next: std::sync::atomic::AtomicUsize::new(0),
            done: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn prepared(&self) -> &Prepared<'a> {
        self.prepared.get_or_init(|| {
            let mut ids = foldhash::HashMap::default();
            let mut distinct = Vec::new();
            let old = lines(self.old, &mut ids, &mut distinct);
            let new = lines(self.new, &mut ids, &mut distinct);
            Prepared { old, new, distinct }
        })
    }

    /// Compute sentence facts, a chunk at a time, until none are left. The
    /// first thread to call splits both versions into sentences; another
    /// that comes meanwhile waits for it.
    pub fn help(&self) {
        use std::sync::atomic::Ordering;
        let prepared = self.prepared();
        let distinct = &prepared.distinct;
        let mut mine = Vec::new();
        loop {
            let start = self.next.fetch_add(CHUNK, Ordering::Relaxed);
            if start >= distinct.len() {
                break;
            }
            let chunk = &distinct[start..(start + CHUNK).min(distinct.len())];
            let facts = chunk
                .iter()
                .map(|text| sentence_facts(self.lex, text, self.active, self.coppa))
                .collect();
            mine.push((start, facts));
        }
        // A panic elsewhere poisons the lock but leaves the list whole.
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        done.append(&mut mine);
    }

    /// The facts of the old and the new version, if the facts of every
    /// distinct sentence are in, so that a thread done with its share can
    /// put the documents' facts together while another is still busy.
    /// `None` while any chunk is unclaimed or being computed.
    pub fn assemble_if_complete(&self) -> Option<(DocFacts<'a>, DocFacts<'a>)> {
        let prepared = self.prepared.get()?;
        let mut chunks = {
            let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
            let have: usize = done.iter().map(|(_, f)| f.len()).sum();
            if have < prepared.distinct.len() {
                return None;
            }
            std::mem::take(&mut *done)
        };
        chunks.sort_unstable_by_key(|(start, _)| *start);
        let facts_of: Vec<SentenceFacts> = chunks.into_iter().flat_map(|(_, f)| f).collect();
        Some((
            assemble(self.lex, self.old, &prepared.old, &facts_of),
            assemble(self.lex, self.new, &prepared.new, &facts_of),
        ))
    }

    /// The facts of the old and the new version. Computes whatever no
    /// thread has, so it is correct however many helped.
    pub fn finish(self) -> (DocFacts<'a>, DocFacts<'a>) {
        self.help();
        // Every chunk is claimed now, and each thread that claimed some
        // recorded them before its `help` returned: the facts are complete.
        self.assemble_if_complete().unwrap_or_default()
    }
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
