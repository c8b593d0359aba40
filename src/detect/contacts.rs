//! Contact points: e-mail addresses, phone numbers and postal addresses a
//! policy gives for privacy requests.

use std::sync::LazyLock;

use regex::Regex;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").unwrap()
});

static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:\+|\b)\d[\d ()./-]{7,18}\d\b").unwrap());

/// A US-style street address ending in a state and ZIP code.
static POSTAL_US: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \b\d{1,6}\s+[A-Z][A-Za-z0-9.'\-\x20]{1,40}?\b(?:Ave|Avenue|St|Street|Rd|Road|Blvd|Boulevard|Dr|Drive|Lane|Ln|Way|Pl|Place|Plaza|Square|Sq|Court|Ct|Pkwy|Parkway|Hwy|Highway)\b\.?
        (?:[^.;:\n]{0,80}?)
        ,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?
        (?:,?\s*(?:USA|U\.S\.A\.|United\ States))?
    ",
    )
    .unwrap()
});

/// A European address ending in a postcode and town. Kept apart from
/// [`POSTAL_US`] because its Unicode letter classes make it costly to compile
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
fn postal_matches(sentence: &str) -> Vec<regex::Match<'_>> {
    let mut found: Vec<(regex::Match<'_>, u8)> =
        POSTAL_US.find_iter(sentence).map(|m| (m, 0)).collect();
    if EU_STREET_WORDS.iter().any(|w| sentence.contains(w)) {
        found.extend(POSTAL_EU.find_iter(sentence).map(|m| (m, 1)));
    }
    found.sort_by_key(|(m, rank)| (m.start(), *rank));
    let mut out: Vec<regex::Match<'_>> = Vec::new();
    for (m, _) in found {
        if out.last().is_none_or(|last| m.start() >= last.end()) {
            out.push(m);
        }
    }
    out
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
        for m in EMAIL.find_iter(sentence) {
            let email = m.as_str().trim_end_matches('.').to_lowercase();
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
        let display = m.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
        let key: String = display
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        out.push(Contact { key, display });
    }
    let phone_like = phone_context || sentence.contains('+');
    for m in phone_like
        .then(|| PHONE.find_iter(sentence))
        .into_iter()
        .flatten()
    {
        let text = m.as_str().trim();
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
}
