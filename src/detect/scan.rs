//! Scanning one sentence: fold it once, run the lexicon automata once, and
//! answer "is this trigger negated?" from the clause around it.

use super::lexicon::{Lexicon, Matcher, Term, TermKind};

pub use super::compile::fold;

/// One pattern found in a sentence.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Byte offset in the folded sentence.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
    /// What it means.
    pub term: Term,
}

/// A folded sentence and everything the lexicons found in it.
pub struct Scanned {
    /// Lowercased, folded text.
    pub lower: String,
    /// Folded text in its original case.
    pub cased: String,
    /// Hits of active languages, in order of start.
    pub hits: Vec<Hit>,
    negation_after: bool,
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// Every pattern occurrence, overlapping ones included, by walking the trie
/// from each position where a pattern may start.
fn collect(m: &Matcher, text: &str, active: u32, out: &mut Vec<Hit>) {
    if !(b'a'..=b'z').any(|b| m.trie.starts_with_byte(b)) {
        return collect_sparse(m, text, active, out);
    }
    let bytes = text.as_bytes();
    let mut prev_word = false;
    let mut s = 0;
    while s < bytes.len() {
        let b = bytes[s];
        let (word, len) = if b.is_ascii() {
            (b.is_ascii_alphanumeric(), 1)
        } else {
            let c = text[s..].chars().next().unwrap_or(' ');
            (c.is_alphanumeric(), c.len_utf8())
        };
        // Inside a word only patterns that start with punctuation may start
        // (one starting with a letter must not continue a word on its left);
        // most bytes start no pattern at all.
        if !(prev_word && word) && m.trie.starts_with_byte(b) {
            walk(m, text, s, prev_word, active, out);
        }
        prev_word = word;
        s += len;
        if word && len == 1 {
            // The rest of an ASCII word continues a word: nothing starts there.
            s += crate::swar::alnum_run(&bytes[s..]);
        }
    }
}

/// [`collect`] for patterns none of which starts with a lowercase letter
/// (the case-sensitive names and acronyms start with capitals): jump from one
/// such byte to the next and read the character before it, rather than
/// follow every character to know whether a word is going on. Each such
/// byte leads a character (patterns are UTF-8), so the positions, and the
/// hits, are those of the character-by-character scan.
fn collect_sparse(m: &Matcher, text: &str, active: u32, out: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    let mut s = 0;
    while let Some(skip) = bytes
        .get(s..)
        .and_then(|rest| rest.iter().position(|&b| m.trie.starts_with_byte(b)))
    {
        s += skip;
        let prev_word = is_word(text.get(..s).and_then(|t| t.chars().next_back()));
        let word = is_word(text.get(s..).and_then(|t| t.chars().next()));
        if !(prev_word && word) {
            walk(m, text, s, prev_word, active, out);
        }
        s += 1;
    }
}

/// The patterns of `m` that occur in `text` at byte `s` and fit their word
/// boundaries, as hits of the `active` languages.
#[inline(always)]
fn walk(m: &Matcher, text: &str, s: usize, prev_word: bool, active: u32, out: &mut Vec<Hit>) {
    m.trie.matches_at(text.as_bytes(), s, |e, pid| {
        let shape = m.shapes[pid];
        if shape.left && prev_word {
            return;
        }
        if shape.right && is_word(text[e..].chars().next()) {
            return;
        }
        for t in m.terms_of(pid) {
            let on = match t.lang {
                None => true,
                Some(l) => active & (1 << l) != 0,
            };
            if on {
                out.push(Hit {
                    start: s,
                    end: e,
                    term: *t,
                });
            }
        }
    });
}

impl Scanned {
    /// Scan one sentence with the languages in the `active` bit set.
    pub fn new(lex: &Lexicon, sentence: &str, active: u32) -> Scanned {
        let (lower, cased) = fold(sentence);
        let mut hits = Vec::new();
        collect(&lex.lower, &lower, active, &mut hits);
        if !lex.cased.terms.is_empty() {
            collect(&lex.cased, &cased, active, &mut hits);
        }
        // A subject inside a longer mention of the same family ("Google"
        // inside "Google Analytics") is not a mention of its own.
        let snapshot = hits.clone();
        hits.retain(|h| {
            let TermKind::Subject(id) = h.term.kind else {
                return true;
            };
            !snapshot.iter().any(|o| {
                matches!(o.term.kind, TermKind::Subject(other)
                    if lex.subjects[other as usize].family == lex.subjects[id as usize].family)
                    && o.start <= h.start
                    && o.end >= h.end
                    && (o.end - o.start) > (h.end - h.start)
            })
        });
        hits.sort_by_key(|h| (h.start, h.end));
        let negation_after = lex
            .languages
            .iter()
            .enumerate()
            .any(|(i, l)| l.negation_after && active & (1 << i) != 0);
        Scanned {
            lower,
            cased,
            hits,
            negation_after,
        }
    }

    /// Hits of one kind.
    pub fn of(&self, kind: TermKind) -> impl Iterator<Item = &Hit> {
        self.hits.iter().filter(move |h| h.term.kind == kind)
    }

    /// Whether any hit of this kind is present.
    pub fn has(&self, kind: TermKind) -> bool {
        self.of(kind).next().is_some()
    }

    /// Whether a negator governs the trigger at `start..end`: one shortly
    /// before it in the same clause (or further, when a list such as "we do
    /// not collect sensitive data (such as …, precise location" carries it),
    /// or, for languages that place the negator after the verb, one shortly
    /// after it in the same clause.
    pub fn negated(&self, start: usize, end: usize) -> bool {
        let breaks = || self.of(TermKind::ClauseBreak);
        let clause_start = breaks()
            .filter(|b| b.end <= start)
            .map(|b| b.end)
            .max()
            .unwrap_or(0);
        let before = self.of(TermKind::Negator).any(|n| {
            n.end <= start
                && n.start >= clause_start
                && (start - n.end <= NEGATION_REACH
                    || self
                        .of(TermKind::ListIntro)
                        .any(|l| l.start >= n.end && l.end <= start))
        });
        if before || !self.negation_after {
            return before;
        }
        let clause_end = breaks()
            .filter(|b| b.start >= end)
            .map(|b| b.start)
            .min()
            .unwrap_or(self.lower.len());
        self.of(TermKind::Negator)
            .any(|n| n.start >= end && n.end <= clause_end && n.start - end <= NEGATION_REACH)
    }
}

/// How far (in bytes of text) a negator reaches without a list to carry it:
/// "we do not, under any circumstances, sell" but not a comma-joined clause
/// that happens to follow "n'assurant pas un niveau adéquat".
const NEGATION_REACH: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keeps_offsets_aligned() {
        let (l, c) = fold("We’ll NEVER sell İstanbul\u{a0}data");
        assert_eq!(l.len(), c.len());
        assert!(l.starts_with("we'll never sell"));
        assert!(c.starts_with("We'll NEVER"));
        assert!(l.contains(" data"));
    }

    /// [`collect`]'s character-by-character scan, whatever the patterns.
    fn char_by_char(m: &Matcher, text: &str) -> Vec<(usize, usize, Term)> {
        let (mut out, mut prev_word, mut s) = (Vec::new(), false, 0);
        while let Some(c) = text.get(s..).and_then(|t| t.chars().next()) {
            let word = c.is_alphanumeric();
            if !(prev_word && word) && m.trie.starts_with_byte(text.as_bytes()[s]) {
                walk(m, text, s, prev_word, u32::MAX, &mut out);
            }
            prev_word = word;
            s += c.len_utf8();
        }
        out.into_iter().map(|h| (h.start, h.end, h.term)).collect()
    }

    /// Both scans (the dense one with its word skips for the lowercase
    /// patterns, the sparse one for the case-sensitive ones) find what the
    /// character-by-character scan finds, hit for hit and in the same order.
    fn scans_find_what_char_by_char_finds(text: &str) {
        let lex = crate::detect::lexicon::lexicon().expect("the embedded lexicons decode");
        let (lower, cased) = fold(text);
        for (m, folded) in [(&lex.lower, &lower), (&lex.cased, &cased)] {
            let mut got = Vec::new();
            collect(m, folded, u32::MAX, &mut got);
            let got: Vec<_> = got.into_iter().map(|h| (h.start, h.end, h.term)).collect();
            assert_eq!(got, char_by_char(m, folded), "{text:?}");
        }
    }

    #[test]
    fn scans_find_what_char_by_char_finds_on_every_bundled_line() {
        let lex = crate::detect::lexicon::lexicon().expect("the embedded lexicons decode");
        // One set of each kind, so both scans are exercised.
        assert!(!(b'a'..=b'z').any(|b| lex.cased.trie.starts_with_byte(b)));
        assert!((b'a'..=b'z').any(|b| lex.lower.trie.starts_with_byte(b)));
        let mut lines = 0;
        for (_, text) in crate::testdata::texts("") {
            for line in text.lines() {
                scans_find_what_char_by_char_finds(line);
                lines += 1;
            }
        }
        assert!(lines > 1000, "only {lines} lines");
    }

    proptest::proptest! {
        /// The same on arbitrary mixes of capitals, words, scripts and
        /// punctuation around names and phrases of the lexicons.
        #[test]
        fn scans_agree_with_char_by_char(
            text in "[a-zA-Z0-9 .,'()-]{0,10}(EU|US|AI|CCPA|GDPR|Privacy Shield|SCC|ÉU|İ|\\u{212a}|é|we do not sell|google analytics|cookies)?[A-Za-zÄé ,.]{0,10}(EU|US|AI|third parties)?[a-z .;]{0,5}"
        ) {
            scans_find_what_char_by_char_finds(&text);
        }
    }
}
