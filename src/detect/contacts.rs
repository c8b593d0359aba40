//! Contact points: e-mail addresses, phone numbers and postal addresses a
//! policy gives for privacy requests.

use std::sync::LazyLock;

use regex::Regex;

use super::cursor::{Text, is_word};

/// Street words of a US address, in the order a regex alternation of
/// them would try.
const US_STREETS: &[&str] = &[
    "Ave",
    "Avenue",
    "St",
    "Street",
    "Rd",
    "Road",
    "Blvd",
    "Boulevard",
    "Dr",
    "Drive",
    "Lane",
    "Ln",
    "Way",
    "Pl",
    "Place",
    "Plaza",
    "Square",
    "Sq",
    "Court",
    "Ct",
    "Pkwy",
    "Parkway",
    "Hwy",
    "Highway",
];

/// `\b` at `i` between any two chars.
fn boundary(t: &Text, i: usize) -> bool {
    let before = t.0[..i].chars().next_back().is_some_and(is_word);
    let after = t.0[i..].chars().next().is_some_and(is_word);
    before != after
}

/// A US street address ending in a state and ZIP code, at `p`: its end.
/// Read by hand because the regex it stands for (below, with `\d` read as
/// ASCII digits) cost more to compile than the rest of a small diff:
///
/// ```text
/// \b\d{1,6}\s+[A-Z][A-Za-z0-9.'\-\x20]{1,40}?\b(?:Ave|Avenue|…|Highway)\b\.?
/// (?:[^.;:\n]{0,80}?),\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?
/// (?:,?\s*(?:USA|U\.S\.A\.|United\ States))?
/// ```
///
/// Lazy repetitions are tried shortest first, alternatives in order, as a
/// regex's leftmost-first search does.
fn us_address_at(t: &Text, p: usize) -> Option<usize> {
    let b = t.0.as_bytes();
    let q = t.spaces(t.digits(p, 1, 6)?)?;
    if !b.get(q)?.is_ascii_uppercase() {
        return None;
    }
    let street_class = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'\'' | b'-' | b' ');
    let run = b[q + 1..].iter().take_while(|c| street_class(**c)).count();
    (1..=run.min(40)).find_map(|n| {
        let r = q + 1 + n;
        if !boundary(t, r) {
            return None;
        }
        US_STREETS.iter().find_map(|w| {
            let e = t.lit(r, w)?;
            if !boundary(t, e) {
                return None;
            }
            let dots: &[usize] = if b.get(e) == Some(&b'.') {
                &[e + 1, e]
            } else {
                &[e]
            };
            dots.iter().find_map(|&d| us_address_tail(t, d))
        })
    })
}

/// `(?:[^.;:\n]{0,80}?),\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?(?:,?\s*(?:USA|…))?`.
fn us_address_tail(t: &Text, d: usize) -> Option<usize> {
    let b = t.0.as_bytes();
    for (m, (i, c)) in t.0[d..].char_indices().enumerate() {
        if m > 80 || matches!(c, '.' | ';' | ':' | '\n') {
            return None;
        }
        if c != ',' {
            continue;
        }
        let s = t.skip_spaces(d + i + 1);
        if !(b.get(s).is_some_and(u8::is_ascii_uppercase)
            && b.get(s + 1).is_some_and(u8::is_ascii_uppercase))
        {
            continue;
        }
        let Some(z) = t.spaces(s + 2) else { continue };
        if !(z + 5 <= b.len() && b[z..z + 5].iter().all(u8::is_ascii_digit)) {
            continue;
        }
        let mut end = z + 5;
        if b.get(end) == Some(&b'-')
            && end + 5 <= b.len()
            && b[end + 1..end + 5].iter().all(u8::is_ascii_digit)
        {
            end += 5;
        }
        let k = t.skip_spaces(t.opt(end, ","));
        if let Some(e) = ["USA", "U.S.A.", "United States"]
            .iter()
            .find_map(|w| t.lit(k, w))
        {
            end = e;
        }
        return Some(end);
    }
    None
}

/// A phone number at `p`: its end. Stands for the regex
/// `(?:\+|\b)\d[\d ()./-]{7,18}\d\b` (with `\d` read as ASCII digits).
fn phone_at(t: &Text, p: usize) -> Option<usize> {
    let b = t.0.as_bytes();
    let first = if b[p] == b'+' { p + 1 } else { p };
    if !b.get(first)?.is_ascii_digit() {
        return None;
    }
    let class = |c: &u8| c.is_ascii_digit() || matches!(c, b' ' | b'(' | b')' | b'.' | b'/' | b'-');
    let run = b[first + 1..].iter().take_while(|c| class(c)).count();
    // Greedy: the longest repetition after which a digit ends on a boundary.
    (7..=run.saturating_sub(1).min(18)).rev().find_map(|k| {
        let last = first + 1 + k;
        (b[last].is_ascii_digit() && t.word_end(last + 1)).then_some(last + 1)
    })
}

/// Every match of `at`, leftmost first and not overlapping, like a regex's
/// `find_iter`; `start` says where a match may start.
fn find_all(
    text: &str,
    start: impl Fn(&Text, usize) -> bool,
    at: impl Fn(&Text, usize) -> Option<usize>,
) -> Vec<(usize, usize)> {
    let t = Text(text);
    let mut out = Vec::new();
    let mut from = 0;
    while from < text.len() {
        let found = text[from..]
            .char_indices()
            .map(|(i, _)| from + i)
            .find_map(|i| Some((i, start(&t, i).then(|| at(&t, i))??)));
        let Some((s, e)) = found else { break };
        out.push((s, e));
        from = e.max(s + 1);
    }
    out
}

fn us_addresses(text: &str) -> Vec<(usize, usize)> {
    find_all(
        text,
        |t, i| !t.0[..i].chars().next_back().is_some_and(is_word),
        us_address_at,
    )
}

fn phones(text: &str) -> Vec<(usize, usize)> {
    find_all(
        text,
        |t, i| t.0.as_bytes()[i] == b'+' || !t.0[..i].chars().next_back().is_some_and(is_word),
        phone_at,
    )
}

/// A European address ending in a postcode and town. Kept apart from
/// [`us_address_at`] because its Unicode letter classes make it costly to compile
/// (most of a small diff's start-up): it is built only for a sentence holding
/// one of [`EU_STREET_WORDS`].
static POSTAL_EU: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \b[A-ZÄÖÜ][\p{L}.\-]+(?:straße|strasse|str\.|gatan|vägen|weg|laan|straat|gade)\s+\d{1,5}[a-z]?,\s*(?:[A-Z]{1,2}-)?\d{4,5}\s+\p{Lu}\p{L}+
      | \b\d{1,4},?\s+(?:rue|avenue|boulevard|place|calle|avenida|via|rua)\s+[\p{L}'\x20\-]{2,40}?,\s*(?:[A-Z]{1,2}-)?\d{4,5}\s+\p{Lu}\p{L}+
    ",
    )
    .unwrap()
});

/// Every [`POSTAL_EU`] match contains one of these words (the regex is case
/// sensitive), so a sentence without them cannot hold a European address.
const EU_STREET_WORDS: &[&str] = &[
    "straße",
    "strasse",
    "str.",
    "gatan",
    "vägen",
    "weg",
    "laan",
    "straat",
    "gade",
    "rue",
    "avenue",
    "boulevard",
    "place",
    "calle",
    "avenida",
    "via",
    "rua",
];

/// Postal addresses in a sentence, leftmost first and never overlapping,
/// as one alternation of both patterns (US first) would find them.
fn postal_matches(sentence: &str) -> Vec<(usize, usize)> {
    let mut found: Vec<((usize, usize), u8)> =
        us_addresses(sentence).into_iter().map(|m| (m, 0)).collect();
    if EU_STREET_WORDS.iter().any(|w| sentence.contains(w)) {
        found.extend(
            POSTAL_EU
                .find_iter(sentence)
                .map(|m| ((m.start(), m.end()), 1)),
        );
    }
    found.sort_by_key(|(m, rank)| (m.0, *rank));
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (m, _) in found {
        if out.last().is_none_or(|last| m.0 >= last.1) {
            out.push(m);
        }
    }
    out
}

/// The spans of e-mail addresses in `text`: what the regex
/// `(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b`
/// finds, read by hand because building that regex costs more than a small
/// diff costs to run. The boundaries are Unicode, as in the regex, so
/// "jürgen@firma.de" holds no address and "Müller.hans@firma.de" holds
/// none that starts inside a word; the letters are ASCII (the regex's case
/// folding would also let the Kelvin sign and the long s in).
fn emails(text: &str) -> Vec<(usize, usize)> {
    fn is_local(c: u8) -> bool {
        c.is_ascii_alphanumeric() || b"._%+-".contains(&c)
    }
    let b = text.as_bytes();
    let mut out = Vec::new();
    // Where the search resumes: matches never overlap.
    let mut from = 0;
    for (at, _) in text.match_indices('@') {
        if at < from {
            continue;
        }
        let mut run = at;
        while run > from && is_local(b[run - 1]) {
            run -= 1;
        }
        // The leftmost start is a letter or digit at a word boundary.
        let start = (run..at).find(|&p| b[p].is_ascii_alphanumeric() && !word_before(text, p));
        if let (Some(start), Some(end)) = (start, domain_end(text, at + 1)) {
            out.push((start, end));
            from = end;
        }
    }
    out
}

/// Where the domain of an e-mail address starting at `d` ends: after the
/// last dot-separated label that can end it (two or more letters followed by
/// a word boundary), as the regex's greedy repetition would choose.
fn domain_end(text: &str, d: usize) -> Option<usize> {
    let b = text.as_bytes();
    let is_label = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
    let mut labels = Vec::new();
    let mut i = d;
    loop {
        let start = i;
        while i < b.len() && is_label(b[i]) {
            i += 1;
        }
        if i == start {
            break;
        }
        labels.push(start..i);
        if b.get(i) != Some(&b'.') {
            break;
        }
        i += 1;
    }
    labels.iter().skip(1).rev().find_map(|label| {
        let letters = b[label.clone()]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let end = label.start + letters;
        let boundary = !text[end..]
            .chars()
            .next()
            .is_some_and(regex_syntax::is_word_character);
        (letters >= 2 && boundary).then_some(end)
    })
}

/// Whether a regex word character (`\w`, Unicode) ends just before byte `i`.
fn word_before(text: &str, i: usize) -> bool {
    text[..i]
        .chars()
        .next_back()
        .is_some_and(regex_syntax::is_word_character)
}

/// One contact point: the key it is compared by and how it is displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Comparison key: lowercased e-mail, phone digits, address letters and digits.
    pub key: String,
    /// The subject shown in the event.
    pub display: String,
}

/// Contact points in one sentence (original text). `phone_context` says
/// whether the sentence talks about calling (a phone cue was found).
pub fn find(sentence: &str, phone_context: bool) -> Vec<Contact> {
    let mut out = Vec::new();
    if sentence.contains('@') {
        for (start, end) in emails(sentence) {
            let email = sentence[start..end].to_lowercase();
            out.push(Contact {
                key: email.clone(),
                display: email,
            });
        }
    }
    let has_digit = sentence.bytes().any(|b| b.is_ascii_digit());
    if !has_digit {
        return out;
    }
    // Every postal pattern ends in a postcode of four or five digits.
    let postcode = sentence.as_bytes().windows(6).any(|w| {
        w[..4].iter().all(u8::is_ascii_digit)
            && (w[4].is_ascii_digit() || (w[4] == b' ' && w[5].is_ascii_uppercase()))
    });
    // `then` keeps the regex uncompiled (it is costly to build) until a
    // sentence may hold what it finds.
    for m in postcode
        .then(|| postal_matches(sentence))
        .into_iter()
        .flatten()
    {
        let display = sentence[m.0..m.1]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let key: String = display
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        out.push(Contact { key, display });
    }
    let phone_like = phone_context || sentence.contains('+');
    for (s, e) in phone_like.then(|| phones(sentence)).into_iter().flatten() {
        let text = sentence[s..e].trim();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        // International numbers may be short; national ones have ten digits
        // or more (nine-digit runs are company registration numbers).
        let min = if text.starts_with('+') { 8 } else { 10 };
        if !(min..=15).contains(&digits.len()) {
            continue;
        }
        // Dates, ZIP codes and section numbers look like digits too: only a
        // number in a phone context or written in international form counts.
        if !(phone_context || text.starts_with('+')) {
            continue;
        }
        if out.iter().any(|c| c.display.contains(text)) {
            continue;
        }
        let key = if text.starts_with('+') {
            format!("+{digits}")
        } else {
            digits
        };
        out.push(Contact {
            key,
            display: text.to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn displays(s: &str, phone: bool) -> Vec<String> {
        find(s, phone).into_iter().map(|c| c.display).collect()
    }

    #[test]
    fn emails_phones_and_addresses() {
        assert_eq!(
            displays(
                "Write to [privacy@37signals.com](mailto:privacy@37signals.com).",
                false
            ),
            ["privacy@37signals.com", "privacy@37signals.com"]
        );
        assert_eq!(
            displays("or calling us at +1 610 557 9515.", true),
            ["+1 610 557 9515"]
        );
        assert_eq!(
            displays(
                "or at 37signals LLC, 2045 W Grand Ave Ste B, PMB 53289, Chicago, IL 60612 USA.",
                false
            ),
            ["2045 W Grand Ave Ste B, PMB 53289, Chicago, IL 60612 USA"]
        );
        assert_eq!(
            displays("Schreiben Sie an Musterstraße 12, 10115 Berlin.", false),
            ["Musterstraße 12, 10115 Berlin"]
        );
        assert_eq!(
            displays("Écrivez au 12 rue de la Paix, 75002 Paris.", false),
            ["12 rue de la Paix, 75002 Paris"]
        );
    }

    #[test]
    fn numbers_without_phone_context_are_not_phones() {
        assert!(find("Section 2703(f) of 18 U.S.C. 1234567890", false).is_empty());
    }

    /// The e-mail regex the scanner replaced, with its letter classes kept
    /// ASCII under case folding (no Kelvin sign or long s); its `\b` stays
    /// Unicode.
    static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(?i-u:[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})\b")
            .unwrap()
    });

    /// The regexes the scanners replaced, as they were.
    static REFERENCE: LazyLock<(Regex, Regex)> = LazyLock::new(|| {
        let phone = Regex::new(r"(?:\+|\b)\d[\d ()./-]{7,18}\d\b").unwrap();
        let us = Regex::new(
            r"(?x)
            \b\d{1,6}\s+[A-Z][A-Za-z0-9.'\-\x20]{1,40}?\b(?:Ave|Avenue|St|Street|Rd|Road|Blvd|Boulevard|Dr|Drive|Lane|Ln|Way|Pl|Place|Plaza|Square|Sq|Court|Ct|Pkwy|Parkway|Hwy|Highway)\b\.?
            (?:[^.;:\n]{0,80}?)
            ,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?
            (?:,?\s*(?:USA|U\.S\.A\.|United\ States))?
        ",
        )
        .unwrap();
        (phone, us)
    });

    fn same_as_reference(text: &str) {
        let spans = |re: &Regex| -> Vec<(usize, usize)> {
            re.find_iter(text).map(|m| (m.start(), m.end())).collect()
        };
        assert_eq!(emails(text), spans(&EMAIL), "e-mails in {text:?}");
        assert_eq!(phones(text), spans(&REFERENCE.0), "phones in {text:?}");
        assert_eq!(
            us_addresses(text),
            spans(&REFERENCE.1),
            "addresses in {text:?}"
        );
    }

    #[test]
    fn scanners_agree_with_the_regexes_on_every_bundled_line() {
        let mut found = 0;
        for (_, text) in crate::testdata::texts("") {
            for line in text.lines() {
                same_as_reference(line);
                found += phones(line).len() + us_addresses(line).len();
            }
        }
        assert!(found > 50, "only {found} phones and addresses");
    }

    #[test]
    fn scanners_agree_with_the_regexes_on_tricky_cases() {
        for text in [
            "2045 W Grand Ave Ste B, PMB 53289, Chicago, IL 60612 USA.",
            "1 Infinite Loop Dr., Cupertino, CA 95014-2083, U.S.A.",
            "12 Avenue Road, Suite 5, Springfield, XX 123456 United States",
            "call +1 (610) 557-9515 or 1-800-555-0199x or 555.123.4567.",
            "+46 8 123 456 78, 0123456789012345678901",
            "99 Main Street; London, UK 12345",
            "123 Oak Lane, Town, AB  12345, USA and 456 Elm St, Ville, CD 67890",
            "Write to privacy@37signals.com or DPO@Example.CO.uk.",
            "a@b.com-x, x_y@b.c0m, é.a@b.com, -a@b.com, a@@b.com a@b..com",
            "mail.a@b.c.de2 a@b.c.d9.fr_ a.b@c.d@e.fg @x.yz q@x.y",
            "jürgen@firma.de, Müller.hans@firma.de, x@y.deñ, 邮箱：a@b.com, ²a@b.com",
        ] {
            same_as_reference(text);
        }
    }

    proptest::proptest! {
        /// The e-mail scanner agrees with its regex on arbitrary mixes of the
        /// characters its classes and boundaries care about.
        #[test]
        fn emails_agree_with_the_regex(text in "[aZ9_.%+@ éü日²\u{301}-]{0,40}") {
            let reference: Vec<(usize, usize)> =
                EMAIL.find_iter(&text).map(|m| (m.start(), m.end())).collect();
            proptest::prop_assert_eq!(emails(&text), reference);
        }
    }

    proptest::proptest! {
        #[test]
        fn scanners_agree_with_the_regexes_on_noise(
            parts in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just("1"), proptest::strategy::Just("12345"),
                proptest::strategy::Just("2045"), proptest::strategy::Just(" "),
                proptest::strategy::Just("+"), proptest::strategy::Just("("),
                proptest::strategy::Just(")"), proptest::strategy::Just("-"),
                proptest::strategy::Just("."), proptest::strategy::Just(","),
                proptest::strategy::Just(";"), proptest::strategy::Just("\n"),
                proptest::strategy::Just("Main"), proptest::strategy::Just("St"),
                proptest::strategy::Just("Ave"), proptest::strategy::Just("Avenue"),
                proptest::strategy::Just("IL"), proptest::strategy::Just("USA"),
                proptest::strategy::Just("United States"), proptest::strategy::Just("é"),
                proptest::strategy::Just("x"), proptest::strategy::Just("_"),
                proptest::strategy::Just("'"), proptest::strategy::Just("W"),
            ], 0..24)
        ) {
            same_as_reference(&parts.concat());
        }
    }
}
