//! Cheap per-line features shared by the chrome and heading heuristics.
//! Everything here looks at one normalised line and does no allocation.

use crate::normalize::{is_numbering_token, split_numbering};

/// Words the way the whole crate counts them (runs of alphanumerics, as
/// [`crate::model::count_words`]), but counting stops past `cap`: callers
/// only compare the count with a small bound, and need not walk a long
/// paragraph. Exact up to `cap`; any larger count comes back as `cap + 1`.
/// ASCII text (most policies) takes a byte loop.
pub(crate) fn words_capped(text: &str, cap: usize) -> usize {
    let limit = cap.saturating_add(1);
    if !text.is_ascii() {
        return text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(limit)
            .count();
    }
    let mut count = 0;
    let mut in_word = false;
    for &b in text.as_bytes() {
        let alnum = b.is_ascii_alphanumeric();
        if alnum && !in_word {
            count += 1;
            if count == limit {
                break;
            }
        }
        in_word = alnum;
    }
    count
}

/// Does the line end a sentence (or introduce a list, with `:`)? Closing
/// quotes and brackets after the punctuation are looked through. An HTML
/// entity left by a scraper ("Safety &amp.") is not a sentence end.
pub(crate) fn ends_terminal(text: &str) -> bool {
    if text.ends_with("&amp.") || text.ends_with("&amp;") || text.ends_with("&.") {
        return false;
    }
    let trimmed = text.trim_end_matches(['"', '\'', ')', ']', '*', '_']);
    matches!(
        trimmed.chars().last(),
        Some('.' | '!' | '?' | ':' | ';' | '。' | '！' | '？')
    )
}

/// Ends like a sentence but not like a question: question headings are
/// allowed, other punctuation rules a line out as a heading.
pub(crate) fn ends_non_question_terminal(text: &str) -> bool {
    ends_terminal(text) && !text.trim_end_matches(['"', '\'', ')']).ends_with('?')
        || text.ends_with(',')
}

/// The first alphabetic character, if any.
pub(crate) fn first_alpha(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_alphabetic())
}

/// Looks like a web address or e-mail address rather than words.
pub(crate) fn is_address(text: &str) -> bool {
    text.contains("://")
        || text.contains('@')
        || text.starts_with("www.")
        || (!text.contains(' ') && text.contains('/') && text.contains('.'))
}

/// A line that is only a section number: "1.", "2.3", "IV.", "a)".
pub(crate) fn is_bare_numbering(text: &str) -> bool {
    !text.contains(' ') && is_numbering_token(text)
}

/// The nesting depth of a decimal section number ("1." → 1, "2.3" → 2);
/// `None` for letters and roman numerals.
pub(crate) fn decimal_depth(token: &str) -> Option<usize> {
    let body = token.trim_end_matches(['.', ')']);
    if body.starts_with(|c: char| c.is_ascii_digit()) {
        Some(body.split('.').count())
    } else {
        None
    }
}

/// A letter enumerator: "a)", "(b)", "c." (not roman numerals beyond one letter).
pub(crate) fn is_letter_token(token: &str) -> bool {
    let inner = token.trim_start_matches('(').trim_end_matches(['.', ')']);
    inner.len() == 1 && inner.bytes().all(|b| b.is_ascii_alphabetic()) && token.len() >= 2
}

/// The line starts with an enumerator ("1.", "a)", "(iv)") and so opens a
/// list item or section of its own: never a continuation of the line above.
pub(crate) fn starts_enumerated(text: &str) -> bool {
    match split_numbering(text) {
        Some((token, _)) => is_strict_numbering(token),
        None => is_bare_numbering(text),
    }
}

/// A numbering token that cannot be an ordinary number starting a
/// sentence ("8 DPA).", "14 months"): it has a closing `.`/`)`, an opening
/// `(`, or several dotted parts.
pub(crate) fn is_strict_numbering(token: &str) -> bool {
    is_numbering_token(token)
        && (token.ends_with(['.', ')']) || token.starts_with('(') || token.contains('.'))
}

/// A date line ("Last updated: 29 October 2024", "Effective January 1,
/// 2020"): short and carrying a year or an "updated/effective" phrase.
pub(crate) fn is_date_line(text: &str) -> bool {
    if words_capped(text, 10) > 10 {
        return false;
    }
    let lower = text.to_lowercase();
    const DATE_WORDS: &[&str] = &[
        "last updated",
        "last modified",
        "last revised",
        "effective",
        "updated on",
        "senast uppdaterad",
        "dernière mise à jour",
        "mise à jour",
        "en vigueur",
        "stand:",
        "zuletzt aktualisiert",
        "última actualización",
        "ultima modifica",
        "ultimo aggiornamento",
        "laatst bijgewerkt",
        "última atualização",
    ];
    if DATE_WORDS.iter().any(|w| lower.starts_with(w)) {
        return true;
    }
    has_year(text) && words_capped(text, 6) <= 6
}

/// Contains a four-digit year 1900–2099 as a token.
fn has_year(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|t| t.len() == 4 && (t.starts_with("19") || t.starts_with("20")))
}

/// Looks like a body line: prose that a heading can introduce.
#[cfg(test)]
pub(crate) fn is_body_like(text: &str) -> bool {
    LineInfo::of(text).body
}

/// The features of one line that several heuristics need, computed in one
/// pass so that segmentation stays a small constant number of scans per line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineInfo {
    /// Words (alphanumeric runs).
    pub words: usize,
    /// Body-like: prose that a heading can introduce.
    pub body: bool,
    /// Menu-like: a short unpunctuated label.
    pub menu: bool,
}

impl LineInfo {
    pub(crate) fn of(text: &str) -> LineInfo {
        let (w, lower, chars) = if text.is_ascii() {
            Self::count_ascii(text.as_bytes())
        } else {
            Self::count_chars(text)
        };
        let terminal = ends_terminal(text);
        let body = (w >= 5 && terminal && (lower >= 2 || w >= 8)) || (w >= 10 && lower >= 4);
        let menu = (1..=5).contains(&w)
            && chars <= 40
            && !terminal
            && !text.contains(':')
            && !text.contains('@')
            && !is_bare_numbering(text);
        LineInfo {
            words: w,
            body,
            menu,
        }
    }

    /// Words, all-lower-case words and characters of ASCII text. Without
    /// a branch per byte: with one, the word boundaries were mispredicted
    /// often enough to make this 3 % of a small diff's whole process.
    fn count_ascii(bytes: &[u8]) -> (usize, usize, usize) {
        let (mut w, mut lower) = (0usize, 0usize);
        let mut in_word = false;
        // Whether the current (or last) word has only lower-case letters.
        let mut all_lower = true;
        for &b in bytes {
            let word = b.is_ascii_alphanumeric();
            let start = word & !in_word;
            let end = !word & in_word;
            w += usize::from(start);
            lower += usize::from(end & all_lower);
            all_lower = (all_lower | start) & (b.is_ascii_lowercase() | !word);
            in_word = word;
        }
        lower += usize::from(in_word & all_lower);
        (w, lower, bytes.len())
    }

    /// The same counts for any Unicode text.
    fn count_chars(text: &str) -> (usize, usize, usize) {
        let (mut w, mut lower, mut chars) = (0usize, 0usize, 0usize);
        let mut in_word = false;
        let mut all_lower = true;
        for c in text.chars() {
            chars += 1;
            if c.is_alphanumeric() {
                if !in_word {
                    in_word = true;
                    all_lower = true;
                    w += 1;
                }
                all_lower &= c.is_lowercase();
            } else if in_word {
                in_word = false;
                lower += usize::from(all_lower);
            }
        }
        if in_word {
            lower += usize::from(all_lower);
        }
        (w, lower, chars)
    }
}

/// Short enough, and unpunctuated enough, to be a heading line. Context
/// (what follows, paragraph breaks) is decided by the caller.
pub(crate) fn is_heading_shaped(text: &str) -> bool {
    // Counting stops past the largest count a heading may have.
    is_heading_shaped_counted(text, words_capped(text, 16))
}

/// [`is_heading_shaped`] with the word count already known (exact up to
/// 16, as [`words_capped`] gives it).
pub(crate) fn is_heading_shaped_counted(text: &str, w: usize) -> bool {
    text.len() <= 140
        && (1..=16).contains(&w)
        && !ends_non_question_terminal(text)
        && !is_address(text)
        && !is_date_line(text)
        && first_alpha(text).is_some()
        && !is_label_value(text)
        && !has_long_number(text)
        && text.matches(',').count() <= 2
}

/// Postal codes, phone and account numbers: five digits or more in a row.
/// Headings carry at most years and version numbers.
fn has_long_number(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() >= 5)
}

/// "Phone (US): +1 610…", "US: 153 N San Mateo Dr": a label with a value
/// carrying digits is an address or contact line, not a heading.
fn is_label_value(text: &str) -> bool {
    text.split_once(": ")
        .is_some_and(|(_, value)| value.bytes().any(|b| b.is_ascii_digit()))
}

/// A short line typical of navigation menus and footers: a few words, no
/// sentence punctuation, no colon (a colon marks a label with a value, as
/// in an address block), no addresses.
#[cfg(test)]
pub(crate) fn is_menu_like(text: &str) -> bool {
    LineInfo::of(text).menu
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A capped count is the count up to the cap, and `cap + 1` beyond.
        #[test]
        fn capped_count_is_the_count_up_to_the_cap(
            text in r"[a-zA-Z0-9 .,'é—’中\u{301}\u{a0}-]{0,240}",
            cap in 0usize..80,
        ) {
            let full = crate::model::count_words(&text);
            proptest::prop_assert_eq!(words_capped(&text, cap), full.min(cap + 1));
        }

        /// The branch-free ASCII counts are the Unicode ones on ASCII text.
        #[test]
        fn ascii_counts_are_the_char_counts(text in r"[a-zA-Z0-9 .,'_:@-]{0,60}") {
            proptest::prop_assert_eq!(
                LineInfo::count_ascii(text.as_bytes()),
                LineInfo::count_chars(&text)
            );
        }
    }

    #[test]
    fn terminal_punctuation() {
        assert!(ends_terminal("We keep data."));
        assert!(ends_terminal("as follows:"));
        assert!(ends_terminal("(see above.)"));
        assert!(!ends_terminal("Safety &amp."));
        assert!(!ends_terminal("Google Analytics"));
        assert!(ends_non_question_terminal("We keep data."));
        assert!(!ends_non_question_terminal("What is a cookie?"));
    }

    #[test]
    fn date_lines() {
        assert!(is_date_line("Senast uppdaterad: 29 oktober 2024"));
        assert!(is_date_line("Last Updated: September 11, 2025"));
        assert!(is_date_line("Effective January"));
        assert!(is_date_line("1, 2020"));
        assert!(!is_date_line("License Management, before iMazing 2.13"));
        assert!(!is_date_line("Data Retention"));
    }

    #[test]
    fn body_and_heading_shapes() {
        assert!(is_body_like(
            "We only collect personal data for our customers' services."
        ));
        assert!(!is_body_like(
            "US: 153 N San Mateo Dr, San Mateo, 94401, California"
        ));
        assert!(!is_body_like("Email: welcome@imaga.co"));
        assert!(is_heading_shaped(
            "What Is Personal Data And Who Is Responsible For Looking After My Personal Data?"
        ));
        assert!(is_heading_shaped("Data: The Way We Collect and Use it"));
        assert!(!is_heading_shaped("Update history:"));
        assert!(!is_heading_shaped("www.izotope.com"));
        assert!(!is_heading_shaped("1, 2020"));
    }

    #[test]
    fn enumerators() {
        assert!(is_bare_numbering("1."));
        assert!(is_bare_numbering("IV."));
        assert!(!is_bare_numbering("1, 2020"));
        assert_eq!(decimal_depth("2.3"), Some(2));
        assert_eq!(decimal_depth("1."), Some(1));
        assert_eq!(decimal_depth("a)"), None);
        assert!(is_letter_token("a)"));
        assert!(is_letter_token("(b)"));
        assert!(!is_letter_token("1."));
        assert!(starts_enumerated("(a) understanding how"));
        assert!(!starts_enumerated("8 DPA)."));
    }

    #[test]
    fn menu_lines() {
        assert!(is_menu_like("Free Download"));
        assert!(is_menu_like("Press Kit"));
        assert!(!is_menu_like("Phone (UAE): +971 50 883 5307"));
        assert!(!is_menu_like("We use cookies."));
    }
}
