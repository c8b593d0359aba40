//! Durations: "14 months", "fourteen (14) months", "30-day", "5-7 years",
//! "i högst 24 månader", normalised to `N days|weeks|months|years`.
//! Ages ("under 16 years of age") and look-backs ("in the past 12 months")
//! are not durations a policy keeps data for.

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

/// Durations in a lowercased, folded sentence that are neither ages nor
/// look-back windows.
pub fn find(lex: &Lexicon, lower: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for caps in lex.duration_re.captures_iter(lower) {
        let Some(whole) = caps.get(0) else { continue };
        let n = if let Some(hi) = caps.get(2) {
            hi.as_str().parse::<u32>().ok()
        } else if let Some(d) = caps.get(1) {
            d.as_str().parse::<u32>().ok()
        } else {
            caps.get(3)
                .and_then(|w| lex.numbers.get(w.as_str()).copied())
        };
        let unit = caps.get(4).and_then(|u| lex.units.get(u.as_str()).copied());
        let (Some(n), Some(unit)) = (n, unit) else {
            continue;
        };
        if n == 0 {
            continue;
        }
        let before = &lower[..whole.start()];
        let after = lower[whole.end()..].trim_start();
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
            start: whole.start(),
            end: whole.end(),
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
}
