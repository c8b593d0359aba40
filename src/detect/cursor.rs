//! Regex-like steps over a folded text, for the few shapes (dates,
//! durations) that are read by hand instead of with regexes: regexes over
//! the lexicons' word lists cost more to compile than a small diff costs in
//! all, and these shapes are simple enough to read directly. Each step
//! returns the byte offset where the match continues; offsets are always on
//! char boundaries.

use super::lexicon::Lexicon;

/// A regex `\w` character: letters, digits, marks, `_`, joiners.
pub fn is_word(c: char) -> bool {
    c.is_alphanumeric()
        || c == '_'
        || matches!(c, '\u{0300}'..='\u{036F}' | '\u{200C}' | '\u{200D}')
}

/// The scanned text, with regex-like steps over byte offsets (always on
/// char boundaries). Each step returns where the match continues.
pub struct Text<'a>(pub &'a str);

impl<'a> Text<'a> {
    /// `\b` after a word character ending at `i`.
    pub fn word_end(&self, i: usize) -> bool {
        !self.0[i..].chars().next().is_some_and(is_word)
    }

    /// `\d{min,max}` where a further digit could never continue the match:
    /// the whole run of digits at `i`, if its length fits.
    pub fn digits(&self, i: usize, min: usize, max: usize) -> Option<usize> {
        let n = self.0.as_bytes()[i..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        (min..=max).contains(&n).then_some(i + n)
    }

    /// `\s*` (greedy; every shape continues with a non-space).
    pub fn skip_spaces(&self, i: usize) -> usize {
        self.spaces(i).unwrap_or(i)
    }

    /// `\s+` (greedy; every shape continues with a non-space).
    pub fn spaces(&self, i: usize) -> Option<usize> {
        let n: usize = self.0[i..]
            .chars()
            .take_while(|c| c.is_whitespace())
            .map(char::len_utf8)
            .sum();
        (n > 0).then_some(i + n)
    }

    /// A literal at `i`.
    pub fn lit(&self, i: usize, lit: &str) -> Option<usize> {
        self.0[i..].starts_with(lit).then_some(i + lit.len())
    }

    /// `lit?` where the rest cannot start with `lit`'s first char otherwise.
    pub fn opt(&self, i: usize, lit: &str) -> usize {
        self.lit(i, lit).unwrap_or(i)
    }

    /// `[-/]`-style class of ASCII characters: the one found and the end.
    pub fn class(&self, i: usize, set: &[u8]) -> Option<(u8, usize)> {
        let b = *self.0.as_bytes().get(i)?;
        set.contains(&b).then_some((b, i + 1))
    }

    /// `(MONTH)` followed by something that is not a letter: the lexicon's
    /// month names are whole words of letters, so the alternation (longest
    /// first) can only succeed with the whole run of letters at `i`.
    pub fn month(&self, lex: &Lexicon, i: usize) -> Option<(u32, usize)> {
        let len: usize = self.0[i..]
            .chars()
            .take_while(|c| c.is_alphabetic())
            .map(char::len_utf8)
            .sum();
        if len == 0 {
            return None;
        }
        Some((*lex.months.get(&self.0[i..i + len])?, i + len))
    }

    /// `(\d{4})\b`: the year's digits and their end.
    pub fn year(&self, i: usize) -> Option<(&'a str, usize)> {
        let e = self.digits(i, 4, 4)?;
        self.word_end(e).then(|| (&self.0[i..e], e))
    }
}

/// The first of `alternatives` (then none) after which `rest` matches, like
/// a regex group `(?:a|b|…)?` followed by `rest`.
pub fn either<T>(
    t: &Text,
    i: usize,
    alternatives: &[&str],
    rest: impl Fn(usize) -> Option<T>,
) -> Option<T> {
    alternatives
        .iter()
        .filter_map(|a| t.lit(i, a))
        .chain(Some(i))
        .find_map(rest)
}

/// Like [`either`] for words that need spaces after them: `(?:de\s+|of\s+)?`.
pub fn either_word<T>(
    t: &Text,
    i: usize,
    words: &[&str],
    rest: impl Fn(usize) -> Option<T>,
) -> Option<T> {
    words
        .iter()
        .filter_map(|w| t.spaces(t.lit(i, w)?))
        .chain(Some(i))
        .find_map(rest)
}

/// The leftmost start at or after `from` where `shape` matches: a char
/// for which `first` holds, at a word boundary (`\b` before a word char).
pub fn leftmost<T>(
    t: &Text,
    from: usize,
    first: impl Fn(char) -> bool,
    shape: impl Fn(usize) -> Option<T>,
) -> Option<(usize, T)> {
    let mut prev_word = t.0[..from].chars().next_back().is_some_and(is_word);
    for (i, c) in t.0[from..].char_indices() {
        let i = from + i;
        if !prev_word
            && first(c)
            && let Some(found) = shape(i)
        {
            return Some((i, found));
        }
        prev_word = is_word(c);
    }
    None
}
