//! The compiled lexicons: `build.rs` parses the TOML data files under
//! `lexicons/` and compiles them (see [`super::compile`]); this module decodes
//! that embedded form once per process, which costs a small fraction of
//! parsing and compiling it, so adding a vendor or a language stays a data
//! change and a sentence is still scanned once.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::compile::{Compiled, Patterns};
pub use super::compile::{Family, LanguageInfo, LexiconError, PatternShape, Term, TermKind};
use crate::report::Severity;

/// The lexicons as `build.rs` compiled them.
static COMPILED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/lexicons.bin"));

/// One canonical subject of a family.
#[derive(Debug, Clone)]
pub struct SubjectInfo {
    /// Its family.
    pub family: Family,
    /// The canonical name, as the spec spells it.
    pub name: String,
    /// A lexicon's override of the default severity when it appears.
    pub severity_added: Option<Severity>,
    /// A lexicon's override of the default severity when it disappears.
    pub severity_removed: Option<Severity>,
}

/// A compiled multi-pattern matcher: the trie of the patterns, their
/// shapes and meanings.
pub type Matcher = Patterns;

/// Every lexicon, compiled.
pub struct Lexicon {
    /// Known languages, in file order.
    pub languages: Vec<LanguageInfo>,
    /// Canonical subjects of every family.
    pub subjects: Vec<SubjectInfo>,
    /// Canonical names of what a retention period applies to.
    pub retention_subjects: Vec<String>,
    /// Patterns matched on the lowercased text.
    pub lower: Matcher,
    /// Patterns matched on the original case (acronyms such as `CPA`).
    pub cased: Matcher,
    /// Month names (lowercase, all languages) to month numbers.
    pub months: HashMap<String, u32>,
    /// Duration units (lowercase) to the normalised unit.
    pub units: HashMap<String, Unit>,
    /// Number words (lowercase) to numbers.
    pub numbers: HashMap<String, u32>,
    /// Number words, longest first (the order a regex alternation of
    /// them would try).
    pub number_words: Vec<(String, u32)>,
    /// Per first byte: the indices into `number_words` of the words that
    /// start with it, in the same order (most words start none).
    pub number_by_first_byte: Vec<Vec<u16>>,
    /// Duration unit words, longest first.
    pub unit_words: Vec<(String, Unit)>,
    /// Per first byte: the indices into `unit_words` of the words that
    /// start with it, in the same order.
    pub unit_by_first_byte: Vec<Vec<u16>>,
    /// Words right before a number that make it a look-back ("past 12 months").
    pub duration_not_before: Vec<String>,
    /// Words before a number that make it an age ("under 16 years").
    pub age_before: Vec<String>,
    /// Words after a duration that make it an age ("16 years of age").
    pub age_after: Vec<String>,
}

/// A normalised duration unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// days
    Days,
    /// weeks
    Weeks,
    /// months
    Months,
    /// years
    Years,
}

impl Unit {
    /// The plural spelling the spec uses.
    pub fn plural(self) -> &'static str {
        match self {
            Unit::Days => "days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
            Unit::Years => "years",
        }
    }

    /// The singular spelling (for `1 year`).
    pub fn singular(self) -> &'static str {
        match self {
            Unit::Days => "day",
            Unit::Weeks => "week",
            Unit::Months => "month",
            Unit::Years => "year",
        }
    }

    /// Approximate length in days, to compare durations.
    pub fn days(self) -> u32 {
        match self {
            Unit::Days => 1,
            Unit::Weeks => 7,
            Unit::Months => 30,
            Unit::Years => 365,
        }
    }

    fn parse(s: &str) -> Option<Unit> {
        Some(match s {
            "days" => Unit::Days,
            "weeks" => Unit::Weeks,
            "months" => Unit::Months,
            "years" => Unit::Years,
            _ => return None,
        })
    }
}

fn err(file: &str, message: impl Into<String>) -> LexiconError {
    LexiconError {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Longest first, then alphabetically: so "months" is tried before "month".
fn longest_first<T: Copy>(map: &HashMap<String, T>) -> Vec<(String, T)> {
    let mut v: Vec<(String, T)> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
    v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    v
}

/// For each byte, the indices of the `words` that start with it, in order.
fn by_first_byte<T>(words: &[(String, T)]) -> Vec<Vec<u16>> {
    let mut index = vec![Vec::new(); 256];
    for (i, (w, _)) in words.iter().enumerate() {
        if let Some(&b) = w.as_bytes().first() {
            index[b as usize].push(i as u16);
        }
    }
    index
}

impl Lexicon {
    /// The runtime lexicon from its compiled form.
    pub fn from_compiled(c: Compiled) -> Result<Lexicon, LexiconError> {
        let severity = |s: &Option<String>| -> Result<Option<Severity>, LexiconError> {
            s.as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e: String| err("(compiled)", e))
        };
        let subjects = c
            .subjects
            .iter()
            .map(|s| {
                Ok(SubjectInfo {
                    family: s.family,
                    name: s.name.clone(),
                    severity_added: severity(&s.severity_added)?,
                    severity_removed: severity(&s.severity_removed)?,
                })
            })
            .collect::<Result<Vec<_>, LexiconError>>()?;
        let units = c
            .units
            .iter()
            .map(|(k, u)| {
                Unit::parse(u)
                    .map(|u| (k.clone(), u))
                    .ok_or_else(|| err("(compiled)", format!("unknown unit {u:?}")))
            })
            .collect::<Result<HashMap<_, _>, LexiconError>>()?;
        let numbers: HashMap<String, u32> = c.numbers.into_iter().collect();
        let number_words = longest_first(&numbers);
        let unit_words = longest_first(&units);
        let number_by_first_byte = by_first_byte(&number_words);
        let unit_by_first_byte = by_first_byte(&unit_words);
        Ok(Lexicon {
            languages: c.languages,
            subjects,
            retention_subjects: c.retention_subjects,
            lower: c.lower,
            cased: c.cased,
            months: c.months.into_iter().collect(),
            units,
            numbers,
            number_words,
            number_by_first_byte,
            unit_words,
            unit_by_first_byte,
            duration_not_before: c.not_before,
            age_before: c.age_before,
            age_after: c.age_after,
        })
    }
}

/// Decode the lexicons that `build.rs` compiled into the binary.
pub fn build() -> Result<Lexicon, LexiconError> {
    let c = Compiled::from_bytes(COMPILED)
        .ok_or_else(|| err("(compiled)", "the embedded form does not decode"))?;
    Lexicon::from_compiled(c)
}

static LEXICON: LazyLock<Option<Lexicon>> = LazyLock::new(|| match build() {
    Ok(l) => Some(l),
    Err(e) => {
        tracing::error!("{e}");
        None
    }
});

/// The compiled embedded lexicons, or `None` if a data file is broken (the
/// unit tests make sure that never ships).
pub fn lexicon() -> Option<&'static Lexicon> {
    LEXICON.as_ref()
}

impl Lexicon {
    /// The index of a language code, if there is a lexicon for it.
    pub fn language_index(&self, code: &str) -> Option<u8> {
        self.languages
            .iter()
            .position(|l| l.code == code)
            .map(|i| i as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::compile::compile;

    /// The topic lexicons, in the order `build.rs` compiles them.
    const TOPIC_FILES: &[(&str, &str)] = &[
        (
            "transfer_mechanisms.toml",
            include_str!("../../lexicons/transfer_mechanisms.toml"),
        ),
        (
            "legal_frameworks.toml",
            include_str!("../../lexicons/legal_frameworks.toml"),
        ),
        (
            "third_parties.toml",
            include_str!("../../lexicons/third_parties.toml"),
        ),
    ];

    /// The language lexicons, in the order `build.rs` compiles them.
    const LANGUAGE_FILES: &[(&str, &str)] = &[
        ("en.toml", include_str!("../../lexicons/en.toml")),
        ("fr.toml", include_str!("../../lexicons/fr.toml")),
        ("de.toml", include_str!("../../lexicons/de.toml")),
        ("es.toml", include_str!("../../lexicons/es.toml")),
        ("sv.toml", include_str!("../../lexicons/sv.toml")),
        ("it.toml", include_str!("../../lexicons/it.toml")),
        ("nl.toml", include_str!("../../lexicons/nl.toml")),
        ("pt.toml", include_str!("../../lexicons/pt.toml")),
    ];

    fn build_from(
        topics: &[(&str, &str)],
        langs: &[(&str, &str)],
    ) -> Result<Lexicon, LexiconError> {
        Lexicon::from_compiled(compile(topics, langs)?)
    }

    #[test]
    fn the_embedded_form_is_the_lexicon_files_compiled() {
        let files = crate::testdata::LEXICON_FILES.len();
        assert_eq!(files, TOPIC_FILES.len() + LANGUAGE_FILES.len());
        let fresh = compile(TOPIC_FILES, LANGUAGE_FILES).unwrap();
        let embedded = Compiled::from_bytes(COMPILED).unwrap();
        assert!(fresh == embedded, "build.rs compiled something else");
        // Release builds skip this walk when they decode the form.
        for p in [&embedded.lower, &embedded.cased] {
            assert!(p.trie.sound(p.shapes.len()));
        }
        assert!(Compiled::from_bytes(&COMPILED[..COMPILED.len() - 1]).is_none());
    }

    /// The trie finds exactly what an Aho-Corasick automaton over the same
    /// patterns finds, on every sentence of the bundled snapshots.
    #[test]
    fn the_trie_matches_like_aho_corasick() {
        use aho_corasick::{AhoCorasick, MatchKind};
        let c = Compiled::from_bytes(COMPILED).unwrap();
        let texts: Vec<_> = crate::testdata::texts("seeds/")
            .map(|(_, text)| crate::detect::compile::fold(text))
            .collect();
        let mut total = 0;
        for (patterns, lowercase) in [(&c.lower, true), (&c.cased, false)] {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(patterns.texts())
                .unwrap();
            for (lower, cased) in &texts {
                let text = if lowercase { lower } else { cased };
                let mut want: Vec<(usize, usize, usize)> = ac
                    .find_overlapping_iter(text.as_str())
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                    .collect();
                let mut got = Vec::new();
                for (i, _) in text.char_indices() {
                    patterns
                        .trie
                        .matches_at(text.as_bytes(), i, |e, p| got.push((i, e, p)));
                }
                want.sort();
                got.sort();
                assert_eq!(got, want);
                total += got.len();
            }
        }
        assert!(total > 1000, "only {total} matches");
    }

    /// Spec subjects, per family, that the lexicons must spell exactly so.
    const SPEC_MECHANISMS: &[&str] = &[
        "Privacy Shield",
        "Data Privacy Framework",
        "Standard Contractual Clauses",
        "Binding Corporate Rules",
        "Adequacy Decision",
        "Safe Harbor",
    ];
    const SPEC_RIGHTS: &[&str] = &[
        "access",
        "rectification",
        "erasure",
        "restriction",
        "portability",
        "objection",
        "withdraw consent",
        "opt out of sale",
        "opt out of targeted advertising",
        "non-discrimination",
        "complaint",
        "appeal",
        "automated decisions",
        "limit sensitive data",
    ];
    const SPEC_TRACKING: &[&str] = &[
        "cookies",
        "pixel",
        "web beacons",
        "fingerprinting",
        "session replay",
        "local storage",
        "SDK",
    ];
    const SPEC_LAWS: &[&str] = &[
        "GDPR", "UK GDPR", "CCPA", "CPRA", "COPPA", "CalOPPA", "LGPD", "PIPEDA", "FADP",
        "UAE PDPL", "APPI", "PIPL", "DPDP", "VCDPA", "CPA", "CTDPA", "UCPA",
    ];
    /// Spec data categories plus the few this crate adds (the spec's list ends in "…").
    const DATA_CATEGORIES: &[&str] = &[
        "precise location",
        "biometric data",
        "health data",
        "financial data",
        "government identifiers",
        "contacts",
        "photos and videos",
        "audio recordings",
        "browsing history",
        "device identifiers",
        "IP address",
        "genetic data",
        "payment card data",
    ];
    const PURPOSES: &[&str] = &[
        "targeted advertising",
        "profiling",
        "marketing",
        "research",
        "product improvement",
    ];

    #[test]
    fn every_lexicon_parses_and_compiles() {
        let lex = build().unwrap();
        assert_eq!(lex.languages.len(), LANGUAGE_FILES.len());
        for code in ["en", "fr", "de", "es", "sv", "it", "nl", "pt"] {
            assert!(lex.language_index(code).is_some(), "{code}");
        }
        assert!(lex.months.len() >= 60);
        assert!(!lex.units.is_empty() && !lex.numbers.is_empty());
        assert!(
            lex.months
                .keys()
                .all(|m| m.chars().all(char::is_alphabetic))
        );
        assert_eq!(
            lex.unit_words[0].0.len(),
            lex.unit_words.iter().map(|u| u.0.len()).max().unwrap()
        );
    }

    #[test]
    fn every_subject_is_a_spec_subject_or_a_vendor() {
        let lex = build().unwrap();
        for s in &lex.subjects {
            let ok = match s.family {
                Family::TransferMechanism => SPEC_MECHANISMS.contains(&s.name.as_str()),
                Family::UserRight => SPEC_RIGHTS.contains(&s.name.as_str()),
                Family::Tracking => SPEC_TRACKING.contains(&s.name.as_str()),
                Family::DataCategory => DATA_CATEGORIES.contains(&s.name.as_str()),
                Family::Purpose => PURPOSES.contains(&s.name.as_str()),
                // Laws beyond the spec's list ("…") are allowed but must be
                // acronyms or short names, never sentences.
                Family::LegalFramework => {
                    SPEC_LAWS.contains(&s.name.as_str()) || s.name.split(' ').count() <= 4
                }
                Family::ThirdParty => !s.name.is_empty() && s.name.len() < 40,
                Family::Contact => false,
            };
            assert!(ok, "{:?} subject {:?} is not in the spec", s.family, s.name);
        }
        for law in SPEC_LAWS {
            assert!(
                lex.subjects
                    .iter()
                    .any(|s| s.family == Family::LegalFramework && s.name == *law),
                "{law} missing"
            );
        }
        for m in SPEC_MECHANISMS {
            assert!(lex.subjects.iter().any(|s| s.name == *m), "{m} missing");
        }
        for r in SPEC_RIGHTS {
            assert!(lex.subjects.iter().any(|s| s.name == *r), "{r} missing");
        }
        let vendors = lex
            .subjects
            .iter()
            .filter(|s| s.family == Family::ThirdParty)
            .count();
        assert!(vendors >= 120, "only {vendors} vendors");
    }

    #[test]
    fn a_broken_lexicon_is_an_error_not_a_panic() {
        let e = build_from(&[("bad.toml", "family = 3")], &[]);
        assert!(e.is_err());
        let e = build_from(
            &[],
            &[(
                "xx.toml",
                "language = \"xx\"\n[durations.units]\nfoo = \"fortnights\"",
            )],
        );
        assert!(e.is_err());
    }
}
