//! Durations: "14 months", "fourteen (14) months", "30-day", "5-7 years",
//! "i högst 24 månader", normalised to `N days|weeks|months|years`.
//! Ages ("under 16 years of age") and look-backs ("in the past 12 months")
//! are not durations a policy keeps data for.

use super::cursor::{Text, leftmost};
use super::lexicon::{Lexicon, Unit};

/// A normalised duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    /// How many units.
    pub n: u32,
    /// Which unit.
    pub unit: Unit,
}

impl Duration {
    /// The spec's spelling: `14 months`, `1 year`.
    pub fn normalised(&self) -> String {
        if self.n == 1 {
            format!("1 {}", self.unit.singular())
        } else {
            format!("{} {}", self.n, self.unit.plural())
        }
    }

    /// Approximate length in days, for "longer" and "shorter".
    pub fn days(&self) -> u64 {
        u64::from(self.n) * u64::from(self.unit.days())
    }
}

/// A duration found in text, with its byte span in the folded sentence.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    /// The duration.
    pub duration: Duration,
    /// Start byte.
    pub start: usize,
    /// End byte.
    pub end: usize,
}

fn ends_with_word(text: &str, word: &str) -> bool {
    let text = text.trim_end();
    text.ends_with(word)
        && !text[..text.len() - word.len()]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
}

/// Separators of a range ("5-7 years", "1 a 3 años", "2 bis 3 Jahre"), in
/// the order a regex alternation would try them.
const RANGE: &[&str] = &["-", "–", "to", "à", "a", "bis", "till", "och", "tot", "e"];

/// How a duration's number was written.
#[derive(Debug, Clone, Copy)]
enum Number<'a> {
    /// Digits (the upper end of a range when there is one).
    Digits(&'a str),
    /// A number word of the lexicons.
    Word(&'a str),
}

/// `(?:\s*\(\d{1,4}\))?(?:\s*-\s*|\s+|\s*)(UNIT)\b` after the number: the
/// unit, where its word starts, and the end of the match. The lexicons' unit
/// words start with a letter, so the three separators come down to spaces,
/// an optional hyphen and spaces.
fn unit_after(lex: &Lexicon, t: &Text, i: usize) -> Option<(Unit, usize, usize)> {
    let unit = |i: usize| {
        let mut k = t.skip_spaces(i);
        if let Some(h) = t.lit(k, "-") {
            k = t.skip_spaces(h);
        }
        let first = *t.0.as_bytes().get(k)?;
        lex.unit_by_first_byte[first as usize]
            .iter()
            .find_map(|&n| {
                let (w, u) = &lex.unit_words[n as usize];
                let e = t.lit(k, w)?;
                t.word_end(e).then_some((*u, k, e))
            })
    };
    // "fourteen (14) months"
    let paren = t
        .lit(t.skip_spaces(i), "(")
        .and_then(|p| t.digits(p, 1, 4))
        .and_then(|d| t.lit(d, ")"));
    paren.and_then(unit).or_else(|| unit(i))
}

/// `(\d{1,4})(?:\s*(?:RANGE)\s*(\d{1,4}))?` or `(NUMBER WORD)`, then
/// [`unit_after`], at `i`.
fn duration_at<'a>(
    lex: &Lexicon,
    t: &Text<'a>,
    i: usize,
) -> Option<(Number<'a>, (Unit, usize, usize))> {
    if let Some(d) = t.digits(i, 1, 4) {
        let range = RANGE.iter().find_map(|sep| {
            let s = t.lit(t.skip_spaces(d), sep)?;
            let h0 = t.skip_spaces(s);
            let h1 = t.digits(h0, 1, 4)?;
            Some((Number::Digits(&t.0[h0..h1]), unit_after(lex, t, h1)?))
        });
        return range.or_else(|| Some((Number::Digits(&t.0[i..d]), unit_after(lex, t, d)?)));
    }
    let first = *t.0.as_bytes().get(i)?;
    lex.number_by_first_byte[first as usize]
        .iter()
        .find_map(|&k| {
            let w = &lex.number_words[k as usize].0;
            let e = t.lit(i, w)?;
            Some((Number::Word(&t.0[i..e]), unit_after(lex, t, e)?))
        })
}

/// Durations in a lowercased, folded sentence that are neither ages nor
/// look-back windows.
pub fn find(lex: &Lexicon, lower: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let t = Text(lower);
    let mut from = 0;
    // Leftmost, non-overlapping, like a regex's `captures_iter`.
    while let Some((start, (number, (unit, _, end)))) =
        leftmost(&t, from, char::is_alphanumeric, |i| duration_at(lex, &t, i))
    {
        from = end;
        let n = match number {
            Number::Digits(d) => d.parse::<u32>().ok(),
            Number::Word(w) => lex.numbers.get(w).copied(),
        };
        let Some(n) = n else {
            continue;
        };
        if n == 0 {
            continue;
        }
        let before = &lower[..start];
        let after = lower[end..].trim_start();
        if lex
            .duration_not_before
            .iter()
            .any(|w| ends_with_word(before, w))
            || lex.age_before.iter().any(|w| ends_with_word(before, w))
            || lex.age_after.iter().any(|w| {
                after.starts_with(w.as_str())
                    && !after[w.len()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric)
            })
        {
            continue;
        }
        out.push(Found {
            duration: Duration { n, unit },
            start,
            end,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::lexicon::build;

    fn norm(text: &str) -> Vec<String> {
        let lex = build().unwrap();
        let lower = crate::detect::scan::fold(text).0;
        find(&lex, &lower)
            .iter()
            .map(|f| f.duration.normalised())
            .collect()
    }

    #[test]
    fn english_durations() {
        assert_eq!(norm("kept for 14 months"), ["14 months"]);
        assert_eq!(norm("kept for one year"), ["1 year"]);
        assert_eq!(norm("a 30-day window"), ["30 days"]);
        assert_eq!(norm("fourteen (14) months"), ["14 months"]);
        assert_eq!(norm("for 5-7 years"), ["7 years"]);
        assert_eq!(norm("two weeks"), ["2 weeks"]);
    }

    #[test]
    fn ages_and_lookbacks_are_not_durations() {
        assert!(norm("children under 16 years of age").is_empty());
        assert!(norm("persons aged 13 years").is_empty());
        assert!(norm("anyone 18 years old").is_empty());
        assert!(norm("in the past 12 months we collected").is_empty());
        assert!(norm("during the preceding 12 months").is_empty());
    }

    #[test]
    fn other_languages() {
        assert_eq!(norm("i högst 24 månader"), ["24 months"]);
        assert_eq!(norm("pendant 3 ans"), ["3 years"]);
        assert_eq!(norm("für 26 Monate"), ["26 months"]);
        assert_eq!(norm("durante 2 años"), ["2 years"]);
        assert_eq!(norm("per 12 mesi"), ["12 months"]);
        assert_eq!(norm("gedurende 7 jaar"), ["7 years"]);
        assert_eq!(norm("durante 90 dias"), ["90 days"]);
        assert_eq!(norm("pendant treize mois"), ["13 months"]);
    }

    /// The regex the scanner replaced, as it was built from the lexicons.
    static REFERENCE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        let lex = build().unwrap();
        let alt = |words: Vec<&String>| {
            let mut keys = words;
            keys.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
            keys.iter()
                .map(|k| regex::escape(k))
                .collect::<Vec<_>>()
                .join("|")
        };
        let unit_alt = alt(lex.units.keys().collect());
        let number_alt = alt(lex.numbers.keys().collect());
        regex::Regex::new(&format!(
            r"\b(?:(\d{{1,4}})(?:\s*(?:-|–|to|à|a|bis|till|och|tot|e)\s*(\d{{1,4}}))?|({number_alt}))(?:\s*\(\d{{1,4}}\))?(?:\s*-\s*|\s+|\s*)({unit_alt})\b"
        ))
        .unwrap()
    });

    /// (start, end, number text, unit text) of every regex match.
    fn reference(lower: &str) -> Vec<(usize, usize, String, String)> {
        REFERENCE
            .captures_iter(lower)
            .map(|c| {
                let n = c.get(2).or(c.get(1)).or(c.get(3)).unwrap().as_str();
                (
                    c.get(0).unwrap().start(),
                    c.get(0).unwrap().end(),
                    n.to_string(),
                    c[4].to_string(),
                )
            })
            .collect()
    }

    fn scanned(lex: &Lexicon, lower: &str) -> Vec<(usize, usize, String, String)> {
        let t = Text(lower);
        let mut out = Vec::new();
        let mut from = 0;
        while let Some((start, (number, (_, unit_start, end)))) =
            leftmost(&t, from, char::is_alphanumeric, |i| duration_at(lex, &t, i))
        {
            from = end;
            let n = match number {
                Number::Digits(d) | Number::Word(d) => d.to_string(),
            };
            out.push((start, end, n, lower[unit_start..end].to_string()));
        }
        out
    }

    fn same_as_reference(lex: &Lexicon, text: &str) {
        let lower = crate::detect::scan::fold(text).0;
        assert_eq!(scanned(lex, &lower), reference(&lower), "{lower:?}");
    }

    #[test]
    fn agrees_with_the_regex_on_every_bundled_line() {
        let lex = build().unwrap();
        let mut found = 0;
        for (_, text) in crate::testdata::texts("") {
            for line in text.lines() {
                same_as_reference(&lex, line);
                found += reference(&crate::detect::scan::fold(line).0).len();
            }
        }
        assert!(found > 100, "only {found} durations");
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_regex_on_duration_like_noise(
            parts in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just("1"), proptest::strategy::Just("12"),
                proptest::strategy::Just("12345"), proptest::strategy::Just(" "),
                proptest::strategy::Just("-"), proptest::strategy::Just("–"),
                proptest::strategy::Just("("), proptest::strategy::Just(")"),
                proptest::strategy::Just("to"), proptest::strategy::Just("tot"),
                proptest::strategy::Just("a"), proptest::strategy::Just("e"),
                proptest::strategy::Just("month"), proptest::strategy::Just("months"),
                proptest::strategy::Just("s"), proptest::strategy::Just("ans"),
                proptest::strategy::Just("twenty"), proptest::strategy::Just("twenty-four"),
                proptest::strategy::Just("four"), proptest::strategy::Just("år"),
                proptest::strategy::Just("x"), proptest::strategy::Just("_"),
                proptest::strategy::Just("é"), proptest::strategy::Just("days"),
                proptest::strategy::Just("quatre-vingt-dix"), proptest::strategy::Just("jours"),
            ], 0..12)
        ) {
            let lex = crate::detect::lexicon::lexicon().unwrap();
            same_as_reference(lex, &parts.concat());
        }
    }
}
