//! The policy's "last updated" / "effective" date, in any lexicon language:
//! "Last updated: June 25, 2020", "Senast uppdaterad: 29 oktober 2024",
//! "Dernière mise à jour : 3 mars 2024", "Stand: 01.02.2024",
//! "Effective January" + "1, 2020" on the next line.
//!
//! The five date shapes are read by a small hand-written scanner, not by
//! regexes: compiling regexes with the month names of every language cost
//! more instructions than the rest of a small diff, for a search over about
//! a hundred characters. Each shape's doc gives the regex it stands for; the
//! scanner takes the same leftmost match with the same captures (with ASCII
//! digits for `\d`).

use chrono::NaiveDate;

use super::cursor::{Text, either, either_word, leftmost};
use super::lexicon::Lexicon;

fn ymd(y: &str, m: u32, d: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, m, d.parse().ok()?)
}

/// `\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b`: "2022-03-01", and the
/// "2022/03/01" of update histories.
fn iso(t: &Text, i: usize) -> Option<Option<NaiveDate>> {
    let y1 = t.digits(i, 4, 4)?;
    let (_, m0) = t.class(y1, b"-/")?;
    let m1 = t.digits(m0, 1, 2)?;
    let (_, d0) = t.class(m1, b"-/")?;
    let d1 = t.digits(d0, 1, 2)?;
    if !t.word_end(d1) {
        return None;
    }
    let m = t.0[m0..m1].parse().ok();
    Some(m.and_then(|m| ymd(&t.0[i..y1], m, &t.0[d0..d1])))
}

/// `\b(\d{1,2})([./])(\d{1,2})[./](\d{4})\b`: "01.02.2024", "06/25/2020".
/// `month_first` reads a slashed date the US way when both readings are valid.
fn numeric(t: &Text, i: usize, month_first: bool) -> Option<Option<NaiveDate>> {
    let a1 = t.digits(i, 1, 2)?;
    let (sep, b0) = t.class(a1, b"./")?;
    let b1 = t.digits(b0, 1, 2)?;
    let (_, y0) = t.class(b1, b"./")?;
    let (year, _) = t.year(y0)?;
    let (a, b): (u32, u32) = (t.0[i..a1].parse().ok()?, t.0[b0..b1].parse().ok()?);
    // Dotted dates are day-first everywhere; slashed ones follow the language.
    let us = month_first && sep == b'/';
    let (m, d) = if us && a <= 12 || b > 12 {
        (a, b)
    } else {
        (b, a)
    };
    Some(ymd(year, m, &d.to_string()))
}

/// `\b(\d{1,2})(?:st|nd|rd|th|er|e|º|°|\.)?\s+(?:de\s+|of\s+)?(MONTH)\.?,?\s+(?:de\s+)?(\d{4})\b`:
/// "29 oktober 2024", "1er mars 2024", "5 de marzo de 2024", "1. Februar 2024".
fn day_month_year(lex: &Lexicon, t: &Text, i: usize) -> Option<Option<NaiveDate>> {
    let d1 = t.digits(i, 1, 2)?;
    let suffixes = ["st", "nd", "rd", "th", "er", "e", "º", "°", "."];
    either(t, d1, &suffixes, |s| {
        either_word(t, t.spaces(s)?, &["de", "of"], |p| {
            let (m, m1) = t.month(lex, p)?;
            let y = t.spaces(t.opt(t.opt(m1, "."), ","))?;
            either_word(t, y, &["de"], |q| {
                let (year, _) = t.year(q)?;
                Some(ymd(year, m, &t.0[i..d1]))
            })
        })
    })
}

/// `\b(MONTH)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`: "June 25, 2020",
/// "Sept. 3, 2021", "january 1st, 2020".
fn month_day_year(lex: &Lexicon, t: &Text, i: usize) -> Option<Option<NaiveDate>> {
    let (m, m1) = t.month(lex, i)?;
    let d0 = t.spaces(t.opt(m1, "."))?;
    let d1 = t.digits(d0, 1, 2)?;
    either(t, d1, &["st", "nd", "rd", "th"], |s| {
        let (year, _) = t.year(t.spaces(t.opt(s, ","))?)?;
        Some(ymd(year, m, &t.0[d0..d1]))
    })
}

/// `\b(MONTH)\.?\s+(?:de\s+)?(\d{4})\b`: "février 2024", "marzo de 2024".
fn month_year(lex: &Lexicon, t: &Text, i: usize) -> Option<Option<NaiveDate>> {
    let (m, m1) = t.month(lex, i)?;
    let y = t.spaces(t.opt(m1, "."))?;
    either_word(t, y, &["de"], |q| {
        let (year, _) = t.year(q)?;
        Some(ymd(year, m, "1"))
    })
}

/// The first date in a lowercased, folded text, with its start offset.
/// `month_first` reads `06/25/2020` the US way when both readings are valid.
pub fn first_date(lex: &Lexicon, lower: &str, month_first: bool) -> Option<(usize, NaiveDate)> {
    let t = Text(lower);
    let mut best: Option<(usize, NaiveDate)> = None;
    let mut consider = |found: Option<(usize, Option<NaiveDate>)>, shift: usize| {
        if let Some((pos, Some(d))) = found {
            let pos = pos + shift;
            if best.is_none_or(|(p, _)| pos < p) {
                best = Some((pos, d));
            }
        }
    };
    let digit = |c: char| c.is_ascii_digit();
    let letter = |c: char| c.is_alphabetic();
    consider(leftmost(&t, 0, digit, |i| iso(&t, i)), 0);
    consider(leftmost(&t, 0, digit, |i| numeric(&t, i, month_first)), 0);
    consider(leftmost(&t, 0, digit, |i| day_month_year(lex, &t, i)), 0);
    consider(leftmost(&t, 0, letter, |i| month_day_year(lex, &t, i)), 0);
    // Only when no fuller date starts at the same month name.
    consider(leftmost(&t, 0, letter, |i| month_year(lex, &t, i)), 1);
    best
}

/// The effective date after a cue: search the text following the cue in
/// `line`, then (when the date was wrapped) the start of `next`.
pub fn date_after_cue(
    lex: &Lexicon,
    line: &str,
    cue_end: usize,
    next: Option<&str>,
    month_first: bool,
) -> Option<NaiveDate> {
    let rest = &line[cue_end..];
    let window: String = rest.chars().take(60).collect();
    let joined = match next {
        Some(n) if rest.chars().count() < 30 => {
            let n: String = super::scan::fold(n).0.chars().take(40).collect();
            format!("{window} {n}")
        }
        _ => window,
    };
    first_date(lex, &joined, month_first)
        .filter(|(pos, _)| *pos < 40)
        .map(|(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::lexicon::lexicon;
    use proptest::prelude::*;
    use regex::Regex;

    fn d(text: &str) -> Option<String> {
        let lex = lexicon().unwrap();
        let lower = crate::detect::scan::fold(text).0;
        first_date(lex, &lower, true).map(|(_, d)| d.to_string())
    }

    #[test]
    fn parses_many_spellings() {
        assert_eq!(d("June 25, 2020").as_deref(), Some("2020-06-25"));
        assert_eq!(d("january 1st, 2020").as_deref(), Some("2020-01-01"));
        assert_eq!(d("29 oktober 2024").as_deref(), Some("2024-10-29"));
        assert_eq!(d("3 mars 2024").as_deref(), Some("2024-03-03"));
        assert_eq!(d("1er mars 2024").as_deref(), Some("2024-03-01"));
        assert_eq!(d("01.02.2024").as_deref(), Some("2024-02-01"));
        assert_eq!(d("2024-02-01").as_deref(), Some("2024-02-01"));
        assert_eq!(d("2022/03/01: removed").as_deref(), Some("2022-03-01"));
        assert_eq!(d("5 de marzo de 2024").as_deref(), Some("2024-03-05"));
        assert_eq!(d("1. Februar 2024").as_deref(), Some("2024-02-01"));
        assert_eq!(d("12 settembre 2023").as_deref(), Some("2023-09-12"));
        assert_eq!(d("7 de setembro de 2023").as_deref(), Some("2023-09-07"));
        assert_eq!(d("Sept. 3, 2021").as_deref(), Some("2021-09-03"));
        assert_eq!(d("février 2024").as_deref(), Some("2024-02-01"));
        assert_eq!(d("06/25/2020").as_deref(), Some("2020-06-25"));
        assert_eq!(d("nothing here 2024"), None);
        assert_eq!(d("February 30, 2024"), None);
        assert_eq!(d("2024-123-4 and 12024-01-01"), None);
    }

    #[test]
    fn wrapped_date_is_found_on_the_next_line() {
        let lex = lexicon().unwrap();
        let line = "effective january";
        let got = date_after_cue(lex, line, "effective".len(), Some("1, 2020"), true);
        assert_eq!(got.map(|d| d.to_string()).as_deref(), Some("2020-01-01"));
    }

    /// The regexes the scanner replaced, as they were.
    struct Reference {
        iso: Regex,
        numeric: Regex,
        day_month_year: Regex,
        month_day_year: Regex,
        month_year: Regex,
    }

    static REFERENCE: std::sync::LazyLock<Reference> = std::sync::LazyLock::new(reference);

    fn reference() -> Reference {
        let lex = lexicon().unwrap();
        let mut keys: Vec<&String> = lex.months.keys().collect();
        keys.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let m = keys
            .iter()
            .map(|k| regex::escape(k))
            .collect::<Vec<_>>()
            .join("|");
        let re = |p: String| Regex::new(&p).unwrap();
        Reference {
            iso: re(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b".to_string()),
            numeric: re(r"\b(\d{1,2})([./])(\d{1,2})[./](\d{4})\b".to_string()),
            day_month_year: re(format!(
                r"\b(\d{{1,2}})(?:st|nd|rd|th|er|e|º|°|\.)?\s+(?:de\s+|of\s+)?({m})\.?,?\s+(?:de\s+)?(\d{{4}})\b"
            )),
            month_day_year: re(format!(
                r"\b({m})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
            )),
            month_year: re(format!(r"\b({m})\.?\s+(?:de\s+)?(\d{{4}})\b")),
        }
    }

    /// The former regex implementation of [`first_date`].
    fn reference_first_date(
        r: &Reference,
        lower: &str,
        month_first: bool,
    ) -> Option<(usize, NaiveDate)> {
        let lex = lexicon().unwrap();
        let month = |name: &str| lex.months.get(name).copied();
        let mut best: Option<(usize, NaiveDate)> = None;
        let mut consider = |pos: usize, d: Option<NaiveDate>| {
            if let Some(d) = d
                && best.is_none_or(|(p, _)| pos < p)
            {
                best = Some((pos, d));
            }
        };
        if let Some(c) = r.iso.captures(lower) {
            let m = c[2].parse().ok();
            consider(c.get(0)?.start(), m.and_then(|m| ymd(&c[1], m, &c[3])));
        }
        if let Some(c) = r.numeric.captures(lower) {
            let (a, b): (u32, u32) = (c[1].parse().ok()?, c[3].parse().ok()?);
            let us = month_first && &c[2] == "/";
            let (m, d) = if us && a <= 12 || b > 12 {
                (a, b)
            } else {
                (b, a)
            };
            consider(c.get(0)?.start(), ymd(&c[4], m, &d.to_string()));
        }
        if let Some(c) = r.day_month_year.captures(lower) {
            consider(
                c.get(0)?.start(),
                month(&c[2]).and_then(|m| ymd(&c[3], m, &c[1])),
            );
        }
        if let Some(c) = r.month_day_year.captures(lower) {
            consider(
                c.get(0)?.start(),
                month(&c[1]).and_then(|m| ymd(&c[3], m, &c[2])),
            );
        }
        if let Some(c) = r.month_year.captures(lower) {
            consider(
                c.get(0)?.start() + 1,
                month(&c[1]).and_then(|m| ymd(&c[2], m, "1")),
            );
        }
        best
    }

    fn same_as_reference(r: &Reference, text: &str) {
        let lex = lexicon().unwrap();
        let lower = crate::detect::scan::fold(text).0;
        for month_first in [true, false] {
            assert_eq!(
                first_date(lex, &lower, month_first),
                reference_first_date(r, &lower, month_first),
                "{lower:?}"
            );
        }
    }

    #[test]
    fn agrees_with_the_regexes_on_every_bundled_line() {
        let r = &*REFERENCE;
        let mut lines = 0;
        for (_, text) in crate::testdata::texts("") {
            for line in text.lines() {
                // Date windows are about a hundred characters.
                let chars: Vec<char> = line.chars().collect();
                for chunk in chars.chunks(100) {
                    same_as_reference(r, &chunk.iter().collect::<String>());
                    lines += 1;
                }
            }
        }
        assert!(lines > 10_000, "only {lines} windows");
    }

    proptest! {
        #[test]
        fn agrees_with_the_regexes_on_date_like_noise(
            parts in proptest::collection::vec(prop_oneof![
                Just("1"), Just("12"), Just("123"), Just("2024"), Just("20245"), Just("0"),
                Just("-"), Just("/"), Just("."), Just(","), Just(" "), Just("  "), Just("\n"),
                Just("\u{a0}"), Just("st"), Just("er"), Just("e"), Just("º"), Just("de "),
                Just("of"), Just("de"), Just("june"), Just("mars"), Just("sept"), Just("märz"),
                Just("février"), Just("x"), Just("é"), Just("_"), Just("may"), Just("oktober"),
            ], 0..14)
        ) {
            same_as_reference(&REFERENCE, &parts.concat());
        }
    }
}
