//! Sentence- and word-level diffs inside aligned sections, built on `similar`.
//!
//! Sentences are the unit of the report's edits: small enough to read, large
//! enough that detection can quote them as evidence. Words are for renderers
//! and for the summary's counts.

use std::hash::Hash;
use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use crate::report::{Edit, EditOp};

/// A piece of a word-level diff, for the terminal and HTML renderers.
/// Consecutive pieces never share a variant; a deletion is always given
/// before the insertion that replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordChange {
    /// Text on both sides.
    Equal(String),
    /// Text only on the old side.
    Delete(String),
    /// Text only on the new side.
    Insert(String),
}

/// Abbreviations after which a period never ends a sentence, in the
/// languages we read (lower case, without the period).
const NEVER_ENDS: &[&str] = &[
    // English
    "mr", "mrs", "ms", "dr", "prof", "st", "vs", "cf", "approx", "esp", "incl", "excl", "resp",
    "dept", "jr", "sr", "viz", "al", // German
    "bzw", "vgl", "ggf", "inkl", "zzgl", "evtl", "sog", "gem", "ziff", "lit", "ca", "abs", "str",
    "hr", "fr", // French
    "mme", "mlle", "av", "bd", "cf", // Spanish, Portuguese, Italian
    "sra", "srta", "dra", "ej", "pág", "núm", "dott", "sig", "ecc", "pag", "sez", "tít",
    // Dutch, Swedish
    "bijv", "mevr", "dhr", "blz", "nr", "resp", "jfr", "kap",
];

/// Words that introduce a number: a period after them ends no sentence when
/// a digit follows ("No. 5", "Art. 6", "Abs. 1").
const BEFORE_NUMBER: &[&str] = &[
    "no", "nos", "nr", "art", "arts", "sec", "para", "par", "fig", "vol", "ch", "chap", "p", "pp",
    "tel", "fax", "nº", "núm", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec",
];

/// Split text into sentences. Line breaks always end a sentence (paragraphs
/// and list items stay whole, with or without a final period). A `.`, `!`,
/// `?` or `…` ends one when white space and then anything but a lower-case
/// letter follow, unless the period belongs to an abbreviation ("e.g.",
/// "U.S.", "z.B.", "Inc." before lower case, "No. 5"), an initial, or a list
/// number opening the sentence ("1. Introduction").
pub fn split_sentences(text: &str) -> Vec<String> {
    sentences(text).into_iter().map(str::to_string).collect()
}

/// [`split_sentences`] as slices of `text`: detection and the diff only read
/// the sentences, and copying every sentence of both versions was a fifth of
/// diffing a 1 MB pair.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        split_line(line, &mut out);
    }
    out
}

fn split_line<'a>(line: &'a str, out: &mut Vec<&'a str>) {
    let at = |i: usize| line[i..].chars().next();
    let mut start = 0; // byte offset of the current sentence
    let mut k = 0;
    while let Some(t) = next_terminator(line, k) {
        let Some(c) = at(t) else { break };
        // The terminator run and closing quotes or brackets belong to the sentence.
        let mut e = t + c.len_utf8();
        while let Some(x) = at(e).filter(|x| matches!(x, '.' | '!' | '?' | '…')) {
            e += x.len_utf8();
        }
        while let Some(x) = at(e).filter(|x| matches!(x, '"' | '\'' | '”' | '’' | '»' | ')' | ']'))
        {
            e += x.len_utf8();
        }
        if !at(e).is_some_and(char::is_whitespace) {
            k = e;
            continue;
        }
        let mut nx = e;
        while let Some(x) = at(nx).filter(|x| x.is_whitespace()) {
            nx += x.len_utf8();
        }
        if nx < line.len() && is_boundary(line, start, t, c, &line[nx..]) {
            push_trimmed(&line[start..e], out);
            start = nx;
        }
        k = nx;
    }
    push_trimmed(&line[start..], out);
}

/// Byte offset of the first `.`, `!`, `?` or `…` at or after byte `k`.
/// Searched bytewise with `memchr` (`…` is the only one of them that starts
/// with 0xE2, a lead byte, so a hit is always a char boundary): this runs over
/// every sentence of both versions, and a byte-at-a-time loop was most of the
/// sentence splitter's time.
fn next_terminator(line: &str, k: usize) -> Option<usize> {
    const ELLIPSIS: &[u8] = "…".as_bytes();
    let rest = &line.as_bytes()[k..];
    let punct = memchr::memchr3(b'.', b'!', b'?', rest);
    // An ellipsis counts only before the first ASCII terminator, so each
    // byte is searched once over the whole line.
    let before = &rest[..punct.unwrap_or(rest.len())];
    let mut from = 0;
    while let Some(off) = memchr::memchr(0xE2, &before[from..]) {
        let e = from + off;
        if rest[e..].starts_with(ELLIPSIS) {
            return Some(k + e);
        }
        from = e + 1;
    }
    punct.map(|p| k + p)
}

fn push_trimmed<'a>(s: &'a str, out: &mut Vec<&'a str>) {
    let t = s.trim();
    if !t.is_empty() {
        out.push(t);
    }
}

/// Does the terminator `term` at byte `at` end the sentence begun at `start`,
/// given the characters that follow the white space after it?
fn is_boundary(line: &str, start: usize, at: usize, term: char, next: &str) -> bool {
    let Some(nc) = next.chars().next() else {
        return true;
    };
    if nc.is_lowercase() && !is_list_marker(next) {
        return false;
    }
    if term != '.' {
        return true;
    }
    let before = &line[start..at];
    let token = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_start_matches(['(', '[', '"', '“', '‘', '«', '\'']);
    // "EU-U.S." is judged by its last part.
    let token = token.rsplit(['-', '/', '–']).next().unwrap_or(token);
    if token.is_empty() {
        return true;
    }
    if is_listed_abbreviation(token, nc.is_ascii_digit()) {
        return false;
    }
    // Dotted abbreviations: e.g. i.e. U.S. z.B. d.h. p.ex. t.ex. bl.a.
    if token.contains('.')
        && token
            .split('.')
            .all(|p| !p.is_empty() && p.chars().count() <= 3 && p.chars().all(char::is_alphabetic))
    {
        return false;
    }
    let mut chars = token.chars();
    // An initial: "J. Smith", "M. Dupont", "p. ej.".
    if let (Some(first), None) = (chars.next(), chars.next())
        && first.is_alphabetic()
    {
        return false;
    }
    // A list number opening the sentence: "1. Introduction", "IV. Rights".
    let opens_sentence = before.trim() == token;
    if opens_sentence
        && (token.chars().all(|c| c.is_ascii_digit() || c == '.')
            || token.chars().all(|c| "IVXLivxl".contains(c)))
    {
        return false;
    }
    true
}

/// Is `token` in [`NEVER_ENDS`], or in [`BEFORE_NUMBER`] when a digit
/// follows? Every entry has at most [`LONGEST_LISTED`] chars, and lower-casing
/// never makes fewer chars, so longer tokens are not lower-cased at all.
fn is_listed_abbreviation(token: &str, digit_follows: bool) -> bool {
    if token.chars().nth(LONGEST_LISTED).is_some() {
        return false;
    }
    let listed = |lower: &str| {
        NEVER_ENDS.contains(&lower) || (digit_follows && BEFORE_NUMBER.contains(&lower))
    };
    if token.is_ascii() {
        let mut buf = [0u8; LONGEST_LISTED];
        let buf = &mut buf[..token.len()];
        buf.copy_from_slice(token.as_bytes());
        buf.make_ascii_lowercase();
        std::str::from_utf8(buf).is_ok_and(listed)
    } else {
        listed(&token.to_lowercase())
    }
}

/// The most chars of any entry of [`NEVER_ENDS`] and [`BEFORE_NUMBER`].
const LONGEST_LISTED: usize = 6;

/// "a) …", "(b) …", "iv) …": a new list item may start in lower case.
fn is_list_marker(next: &str) -> bool {
    let mut it = next.chars().peekable();
    if it.peek() == Some(&'(') {
        it.next();
    }
    let mut letters = 0;
    while let Some(&c) = it.peek() {
        if c.is_alphabetic() && letters < 4 {
            letters += 1;
            it.next();
        } else {
            break;
        }
    }
    letters > 0 && it.next() == Some(')')
}

/// Hashed lower-case words of a sentence, as a sorted set.
fn word_set(s: &str) -> Vec<u64> {
    use std::hash::{Hash, Hasher};
    let mut out: Vec<u64> = s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            w.to_lowercase().hash(&mut h);
            h.finish()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Dice similarity of two sentences' word sets (the same measure the
/// aligner uses for sections).
fn sentence_similarity(a: &[u64], b: &[u64]) -> f64 {
    crate::align::features::dice(a, b)
}

/// Two sentences this similar are one sentence rewritten.
const SAME_SENTENCE: f64 = 0.4;
/// Blocks larger than this (old × new sentences) are not refined pairwise.
const MAX_REFINE_CELLS: usize = 1024;

/// Sentence-level edits between two sentence lists (patience diff). A
/// rewritten sentence comes out as one `replace` of that sentence; runs of
/// inserted or deleted sentences are grouped into one edit each.
pub fn sentence_edits(old: &[String], new: &[String]) -> Vec<Edit> {
    sentence_edits_at(old, new)
        .into_iter()
        .map(|p| p.edit)
        .collect()
}

/// A sentence edit with where it applies: the index of its first old and
/// first new sentence (for an insert, the old position it is inserted at;
/// for a delete, the new position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedEdit {
    /// Index of the first old sentence the edit covers or sits before.
    pub old_at: usize,
    /// Index of the first new sentence the edit covers or sits before.
    pub new_at: usize,
    /// The edit.
    pub edit: Edit,
}

/// [`sentence_edits`] with positions, so that the diff of a split or merged
/// section can hand each edit to the part it belongs to.
pub fn sentence_edits_at<S: AsRef<str> + Hash + Eq>(old: &[S], new: &[S]) -> Vec<PlacedEdit> {
    let ops = similar::capture_diff_slices(similar::Algorithm::Patience, old, new);
    let mut edits = Vec::new();
    for op in ops {
        let (or, nr) = (op.old_range(), op.new_range());
        match op.tag() {
            similar::DiffTag::Equal => {}
            similar::DiffTag::Replace => refine(old, new, or, nr, &mut edits),
            _ => push_gap(old, new, or, nr, &mut edits),
        }
    }
    edits
}

/// Pair the sentences of a replaced block by similarity, in order (a small
/// LCS-style dynamic programme over the block), so each rewritten sentence
/// is its own `replace`.
fn refine<S: AsRef<str>>(
    old: &[S],
    new: &[S],
    or: Range<usize>,
    nr: Range<usize>,
    edits: &mut Vec<PlacedEdit>,
) {
    let (m, n) = (or.len(), nr.len());
    if m * n > MAX_REFINE_CELLS {
        push_gap(old, new, or, nr, edits);
        return;
    }
    let (o0, n0) = (or.start, nr.start);
    let os: Vec<Vec<u64>> = old[or.clone()]
        .iter()
        .map(|s| word_set(s.as_ref()))
        .collect();
    let ns: Vec<Vec<u64>> = new[nr.clone()]
        .iter()
        .map(|s| word_set(s.as_ref()))
        .collect();
    let sim: Vec<f64> = (0..m * n)
        .map(|c| sentence_similarity(&os[c / n], &ns[c % n]))
        .collect();
    // best[a][b]: best total similarity pairing old[a..] with new[b..].
    let w = n + 1;
    let mut best = vec![0.0f64; (m + 1) * w];
    for a in (0..m).rev() {
        for b in (0..n).rev() {
            let mut v = best[(a + 1) * w + b].max(best[a * w + b + 1]);
            let s = sim[a * n + b];
            if s >= SAME_SENTENCE {
                v = v.max(best[(a + 1) * w + b + 1] + s);
            }
            best[a * w + b] = v;
        }
    }
    let (mut a, mut b) = (0, 0);
    let (mut ga, mut gb) = (0, 0); // start of the current unpaired gap
    while a < m && b < n {
        let s = sim[a * n + b];
        if s >= SAME_SENTENCE && best[a * w + b] == best[(a + 1) * w + b + 1] + s {
            push_gap(old, new, o0 + ga..o0 + a, n0 + gb..n0 + b, edits);
            edits.push(PlacedEdit {
                old_at: o0 + a,
                new_at: n0 + b,
                edit: Edit {
                    op: EditOp::Replace,
                    old: Some(old[o0 + a].as_ref().to_string()),
                    new: Some(new[n0 + b].as_ref().to_string()),
                },
            });
            a += 1;
            b += 1;
            ga = a;
            gb = b;
        } else if best[a * w + b] == best[(a + 1) * w + b] {
            a += 1;
        } else {
            b += 1;
        }
    }
    push_gap(old, new, o0 + ga..or.end, n0 + gb..nr.end, edits);
}

/// Unpaired sentences: a delete, an insert, or a replace when both sides
/// have some (the text was rewritten beyond recognition).
fn push_gap<S: AsRef<str>>(
    old: &[S],
    new: &[S],
    or: Range<usize>,
    nr: Range<usize>,
    edits: &mut Vec<PlacedEdit>,
) {
    let join = |s: &[S]| {
        (!s.is_empty()).then(|| {
            let parts: Vec<&str> = s.iter().map(AsRef::as_ref).collect();
            parts.join(" ")
        })
    };
    let op = match (or.is_empty(), nr.is_empty()) {
        (true, true) => return,
        (false, true) => EditOp::Delete,
        (true, false) => EditOp::Insert,
        (false, false) => EditOp::Replace,
    };
    edits.push(PlacedEdit {
        old_at: or.start,
        new_at: nr.start,
        edit: Edit {
            op,
            old: join(&old[or]),
            new: join(&new[nr]),
        },
    });
}

fn tokens(s: &str) -> Vec<&str> {
    s.split_word_bounds().collect()
}

fn is_word(token: &str) -> bool {
    token.chars().any(char::is_alphanumeric)
}

/// Word-level diff of two strings over Unicode word boundaries (words, white
/// space and punctuation are separate tokens). White space sitting between
/// two changes is folded into them, so a rewritten phrase reads as one
/// deletion and one insertion.
pub fn word_diff(old: &str, new: &str) -> Vec<WordChange> {
    let (ot, nt) = (tokens(old), tokens(new));
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &ot, &nt);
    // Raw runs: (tag, text); 0 = equal, 1 = delete, 2 = insert.
    let mut runs: Vec<(u8, String, String)> = Vec::new(); // (tag, old text, new text)
    for op in ops {
        match op {
            similar::DiffOp::Equal { old_index, len, .. } => {
                runs.push((0, ot[old_index..old_index + len].concat(), String::new()))
            }
            similar::DiffOp::Delete {
                old_index, old_len, ..
            } => runs.push((
                1,
                ot[old_index..old_index + old_len].concat(),
                String::new(),
            )),
            similar::DiffOp::Insert {
                new_index, new_len, ..
            } => runs.push((
                1,
                String::new(),
                nt[new_index..new_index + new_len].concat(),
            )),
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => runs.push((
                1,
                ot[old_index..old_index + old_len].concat(),
                nt[new_index..new_index + new_len].concat(),
            )),
        }
    }
    // Fold white-space-only equal runs between changes into the changes.
    let last = runs.len().saturating_sub(1);
    for k in 1..last {
        if runs[k].0 == 0
            && runs[k - 1].0 == 1
            && runs[k + 1].0 == 1
            && runs[k].1.chars().all(char::is_whitespace)
        {
            let ws = std::mem::take(&mut runs[k].1);
            runs[k] = (1, ws.clone(), ws);
        }
    }
    let mut out = Vec::new();
    let (mut del, mut ins) = (String::new(), String::new());
    let flush = |del: &mut String, ins: &mut String, out: &mut Vec<WordChange>| {
        if !del.is_empty() {
            out.push(WordChange::Delete(std::mem::take(del)));
        }
        if !ins.is_empty() {
            out.push(WordChange::Insert(std::mem::take(ins)));
        }
    };
    for (tag, o, n) in runs {
        if tag == 0 {
            flush(&mut del, &mut ins, &mut out);
            if let Some(WordChange::Equal(prev)) = out.last_mut() {
                prev.push_str(&o);
            } else if !o.is_empty() {
                out.push(WordChange::Equal(o));
            }
        } else {
            del.push_str(&o);
            ins.push_str(&n);
        }
    }
    flush(&mut del, &mut ins, &mut out);
    out
}

/// Words deleted and inserted between two texts: only the words that
/// changed, not whole sentences. Returns `(removed, added)`.
pub fn changed_words(old: &str, new: &str) -> (usize, usize) {
    let (ot, nt) = (tokens(old), tokens(new));
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &ot, &nt);
    let count = |ts: &[&str]| ts.iter().filter(|t| is_word(t)).count();
    let (mut removed, mut added) = (0, 0);
    for op in ops {
        let (or, nr) = (op.old_range(), op.new_range());
        if op.tag() != similar::DiffTag::Equal {
            removed += count(&ot[or]);
            added += count(&nt[nr]);
        }
    }
    (removed, added)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Vec<String> {
        split_sentences(text)
    }

    proptest::proptest! {
        /// The bytewise terminator search finds what `str::find` with the
        /// same char set finds.
        #[test]
        fn terminators_are_found_like_str_find(line in "[a.!?…€ ─é\u{2026}]{0,30}", k in 0usize..30) {
            let k = line.char_indices().map(|(i, _)| i).find(|&i| i >= k).unwrap_or(line.len());
            let want = line[k..].find(['.', '!', '?', '…']).map(|o| k + o);
            proptest::prop_assert_eq!(next_terminator(&line, k), want);
        }

        /// The allocation-free abbreviation lookup agrees with lower-casing
        /// the token and searching both lists.
        #[test]
        fn listed_abbreviations_match_a_plain_lookup(
            token in "(Mr|mR|APPROX|approx|Approxi|No|nÚm|PÁG|K\u{212a}|İ|Art|x|[a-zA-ZéÚİ\u{212a}]{0,8})",
            digit in proptest::bool::ANY,
        ) {
            let lower = token.to_lowercase();
            let want = NEVER_ENDS.contains(&lower.as_str())
                || (digit && BEFORE_NUMBER.contains(&lower.as_str()));
            proptest::prop_assert_eq!(is_listed_abbreviation(&token, digit), want);
        }
    }

    #[test]
    fn longest_listed_bounds_both_lists() {
        let longest = NEVER_ENDS
            .iter()
            .chain(BEFORE_NUMBER)
            .map(|w| w.chars().count())
            .max();
        assert_eq!(longest, Some(LONGEST_LISTED));
    }

    #[test]
    fn plain_sentences() {
        assert_eq!(
            s("We collect data. We keep it! Why? Because."),
            vec!["We collect data.", "We keep it!", "Why?", "Because."]
        );
    }

    #[test]
    fn english_abbreviations_stay_inside() {
        assert_eq!(
            s(
                "We use vendors, e.g. Google and i.e. Stripe. We rely on the EU-U.S. Privacy Shield. Next."
            ),
            vec![
                "We use vendors, e.g. Google and i.e. Stripe.",
                "We rely on the EU-U.S. Privacy Shield.",
                "Next."
            ]
        );
        assert_eq!(
            s("See section No. 5 of the terms. Mr. Smith signed."),
            vec!["See section No. 5 of the terms.", "Mr. Smith signed."]
        );
        assert_eq!(
            s("Basecamp, Inc. and its affiliates (Acme Ltd. etc.) agree."),
            vec!["Basecamp, Inc. and its affiliates (Acme Ltd. etc.) agree."]
        );
        // "Inc." before a capital ends a sentence, as "etc." does.
        assert_eq!(
            s("Made by Acme Inc. We agree."),
            vec!["Made by Acme Inc.", "We agree."]
        );
    }

    #[test]
    fn other_languages() {
        assert_eq!(
            s("Wir speichern z.B. Namen, d.h. Ihre Daten bzw. Kontakte. Sie haben Rechte."),
            vec![
                "Wir speichern z.B. Namen, d.h. Ihre Daten bzw. Kontakte.",
                "Sie haben Rechte."
            ]
        );
        assert_eq!(
            s("Nous utilisons p.ex. Google. Vous avez des droits."),
            vec!["Nous utilisons p.ex. Google.", "Vous avez des droits."]
        );
        assert_eq!(
            s("¿Qué datos? Usamos p. ej. Google. Vi sparar t.ex. loggar. Klart."),
            vec![
                "¿Qué datos?",
                "Usamos p. ej. Google.",
                "Vi sparar t.ex. loggar.",
                "Klart."
            ]
        );
        assert_eq!(
            s("Conforme o Art. 6 da LGPD. Gem. Abs. 2 DSGVO."),
            vec!["Conforme o Art. 6 da LGPD.", "Gem. Abs. 2 DSGVO."]
        );
    }

    #[test]
    fn numbers_urls_and_emails_stay_whole() {
        assert_eq!(
            s(
                "Fees rise 1.5 percent. Visit https://example.com/a.b?c=1. Mail privacy@example.com. Done."
            ),
            vec![
                "Fees rise 1.5 percent.",
                "Visit https://example.com/a.b?c=1.",
                "Mail privacy@example.com.",
                "Done."
            ]
        );
        assert_eq!(
            s("Updated in 2018. Then again."),
            vec!["Updated in 2018.", "Then again."]
        );
    }

    #[test]
    fn list_items_and_markers() {
        assert_eq!(
            s("1. Introduction to this policy\n* Names and emails\n* Billing address"),
            vec![
                "1. Introduction to this policy",
                "* Names and emails",
                "* Billing address"
            ]
        );
        assert_eq!(
            s("a) E-mail address: we use it. b) Phone: we call. (c) Post: never."),
            vec![
                "a) E-mail address: we use it.",
                "b) Phone: we call.",
                "(c) Post: never."
            ]
        );
        assert_eq!(
            s("He said \"stop.\" Then left."),
            vec!["He said \"stop.\"", "Then left."]
        );
    }

    #[test]
    fn splitting_loses_no_words() {
        let text = "A b. C d? E… f g. 1. H i.\n\nJ k! L";
        let joined = s(text).join(" ");
        assert_eq!(
            joined.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rewritten_sentence_is_one_replace() {
        let old = strings(&[
            "We keep logs for 14 months.",
            "We never sell data.",
            "Contact us.",
        ]);
        let new = strings(&[
            "We keep logs for 26 months.",
            "We never sell data.",
            "Contact us.",
        ]);
        assert_eq!(
            sentence_edits(&old, &new),
            vec![Edit {
                op: EditOp::Replace,
                old: Some(old[0].clone()),
                new: Some(new[0].clone())
            }]
        );
    }

    #[test]
    fn replaced_block_is_paired_sentence_by_sentence() {
        let old = strings(&[
            "Intro.",
            "We keep logs for 14 months.",
            "We use Google Analytics.",
            "End.",
        ]);
        let new = strings(&[
            "Intro.",
            "We keep server logs for 26 months.",
            "A wholly new sentence appears here.",
            "We use Google Analytics and Mixpanel.",
            "End.",
        ]);
        let ops: Vec<(EditOp, Option<&str>, Option<&str>)> = sentence_edits(&old, &new)
            .iter()
            .map(|e| (e.op, e.old.as_deref(), e.new.as_deref()))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(op, o, n)| (op, o.map(|_| ""), n.map(|_| "")))
            .collect();
        assert_eq!(
            ops.iter().map(|o| o.0).collect::<Vec<_>>(),
            vec![EditOp::Replace, EditOp::Insert, EditOp::Replace]
        );
        let edits = sentence_edits(&old, &new);
        assert_eq!(
            edits[1].new.as_deref(),
            Some("A wholly new sentence appears here.")
        );
        assert_eq!(edits[2].old.as_deref(), Some("We use Google Analytics."));
    }

    #[test]
    fn inserts_and_deletes() {
        let old = strings(&["A one.", "B two."]);
        let new = strings(&["B two.", "C three.", "D four."]);
        let edits = sentence_edits(&old, &new);
        assert_eq!(edits.len(), 2);
        assert_eq!(
            (edits[0].op, edits[0].old.as_deref()),
            (EditOp::Delete, Some("A one."))
        );
        assert_eq!(
            (edits[1].op, edits[1].new.as_deref()),
            (EditOp::Insert, Some("C three. D four."))
        );
        assert!(sentence_edits(&old, &old).is_empty());
    }

    #[test]
    fn word_diff_reassembles_both_sides() {
        let (a, b) = (
            "We keep logs for 14 months, then delete them.",
            "We keep server logs for 26 months, then erase them.",
        );
        let d = word_diff(a, b);
        let old: String = d
            .iter()
            .filter_map(|c| match c {
                WordChange::Equal(t) | WordChange::Delete(t) => Some(t.as_str()),
                WordChange::Insert(_) => None,
            })
            .collect();
        let new: String = d
            .iter()
            .filter_map(|c| match c {
                WordChange::Equal(t) | WordChange::Insert(t) => Some(t.as_str()),
                WordChange::Delete(_) => None,
            })
            .collect();
        assert_eq!((old.as_str(), new.as_str()), (a, b));
        assert!(d.contains(&WordChange::Delete("14".into())));
        assert!(d.contains(&WordChange::Insert("26".into())));
        assert!(d.contains(&WordChange::Insert("server ".into())));
    }

    #[test]
    fn word_diff_is_unicode_aware() {
        let d = word_diff(
            "Vi sparar data i högst 24 månader.",
            "Vi sparar data i högst 12 månader.",
        );
        assert_eq!(
            d,
            vec![
                WordChange::Equal("Vi sparar data i högst ".into()),
                WordChange::Delete("24".into()),
                WordChange::Insert("12".into()),
                WordChange::Equal(" månader.".into()),
            ]
        );
    }

    #[test]
    fn adjacent_changes_merge_across_white_space() {
        let d = word_diff("we sell your data", "we share their data");
        assert_eq!(
            d,
            vec![
                WordChange::Equal("we ".into()),
                WordChange::Delete("sell your".into()),
                WordChange::Insert("share their".into()),
                WordChange::Equal(" data".into()),
            ]
        );
    }

    #[test]
    fn changed_words_counts_only_changed_words() {
        assert_eq!(
            changed_words(
                "We keep logs for 14 months.",
                "We keep server logs for 26 months."
            ),
            (1, 2)
        );
        assert_eq!(changed_words("", "Three new words"), (0, 3));
        assert_eq!(changed_words("same text", "same text"), (0, 0));
    }
}
