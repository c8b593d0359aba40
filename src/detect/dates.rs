//! The policy's "last updated" / "effective" date, in any lexicon language:
//! "Last updated: June 25, 2020", "Senast uppdaterad: 29 oktober 2024",
//! "Dernière mise à jour : 3 mars 2024", "Stand: 01.02.2024",
//! "Effective January" + "1, 2020" on the next line.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::lexicon::{Lexicon, lexicon};

struct DateRes {
    iso: Regex,
    numeric: Regex,
    day_month_year: Regex,
    month_day_year: Regex,
    month_year: Regex,
}

static RES: LazyLock<Option<DateRes>> = LazyLock::new(|| {
    let lex = lexicon()?;
    let m = &lex.month_alternation;
    let re = |p: String| Regex::new(&p).ok();
    Some(DateRes {
        // "2022-03-01", and the "2022/03/01" of update histories.
        iso: re(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b".to_string())?,
        numeric: re(r"\b(\d{1,2})([./])(\d{1,2})[./](\d{4})\b".to_string())?,
        day_month_year: re(format!(
            r"\b(\d{{1,2}})(?:st|nd|rd|th|er|e|º|°|\.)?\s+(?:de\s+|of\s+)?({m})\.?,?\s+(?:de\s+)?(\d{{4}})\b"
        ))?,
        month_day_year: re(format!(
            r"\b({m})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
        ))?,
        month_year: re(format!(r"\b({m})\.?\s+(?:de\s+)?(\d{{4}})\b"))?,
    })
});

fn ymd(y: &str, m: u32, d: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, m, d.parse().ok()?)
}

/// The first date in a lowercased, folded text, with its start offset.
/// `month_first` reads `06/25/2020` the US way when both readings are valid.
pub fn first_date(lex: &Lexicon, lower: &str, month_first: bool) -> Option<(usize, NaiveDate)> {
    let res = RES.as_ref()?;
    let month = |name: &str| lex.months.get(name).copied();
    let mut best: Option<(usize, NaiveDate)> = None;
    let mut consider = |pos: usize, d: Option<NaiveDate>| {
        if let Some(d) = d
            && best.is_none_or(|(p, _)| pos < p)
        {
            best = Some((pos, d));
        }
    };
    if let Some(c) = res.iso.captures(lower) {
        let m = c[2].parse().ok();
        consider(c.get(0)?.start(), m.and_then(|m| ymd(&c[1], m, &c[3])));
    }
    if let Some(c) = res.numeric.captures(lower) {
        let (a, b): (u32, u32) = (c[1].parse().ok()?, c[3].parse().ok()?);
        // Dotted dates are day-first everywhere; slashed ones follow the language.
        let us = month_first && &c[2] == "/";
        let (m, d) = if us && a <= 12 || b > 12 {
            (a, b)
        } else {
            (b, a)
        };
        consider(c.get(0)?.start(), ymd(&c[4], m, &d.to_string()));
    }
    if let Some(c) = res.day_month_year.captures(lower) {
        consider(
            c.get(0)?.start(),
            month(&c[2]).and_then(|m| ymd(&c[3], m, &c[1])),
        );
    }
    if let Some(c) = res.month_day_year.captures(lower) {
        consider(
            c.get(0)?.start(),
            month(&c[1]).and_then(|m| ymd(&c[3], m, &c[2])),
        );
    }
    if let Some(c) = res.month_year.captures(lower) {
        // Only when no fuller date starts at the same month name.
        consider(
            c.get(0)?.start() + 1,
            month(&c[1]).and_then(|m| ymd(&c[2], m, "1")),
        );
    }
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
        assert_eq!(d("nothing here 2024"), None);
        assert_eq!(d("February 30, 2024"), None);
    }

    #[test]
    fn wrapped_date_is_found_on_the_next_line() {
        let lex = lexicon().unwrap();
        let line = "effective january";
        let got = date_after_cue(lex, line, "effective".len(), Some("1, 2020"), true);
        assert_eq!(got.map(|d| d.to_string()).as_deref(), Some("2020-01-01"));
    }
}
