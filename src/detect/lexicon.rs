//! Lexicon loading: the TOML data files under `lexicons/` are embedded,
//! parsed once and compiled into one multi-pattern automaton, so that adding
//! a vendor or a language is a data change and a sentence is scanned once.

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::Regex;
use serde::Deserialize;

use crate::report::Severity;

/// The topic lexicons: canonical subjects and their aliases, language-neutral.
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

/// The per-language lexicons: phrase patterns, negators, dates, durations.
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

/// The fact families whose facts are a canonical subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `transfer_mechanism.*`
    TransferMechanism,
    /// `legal_framework.*`
    LegalFramework,
    /// `third_party.*`
    ThirdParty,
    /// `data_category.*`
    DataCategory,
    /// `purpose.*`
    Purpose,
    /// `user_right.*`
    UserRight,
    /// `tracking.*`
    Tracking,
    /// `contact.*`
    Contact,
}

impl Family {
    /// The event kind prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::TransferMechanism => "transfer_mechanism",
            Family::LegalFramework => "legal_framework",
            Family::ThirdParty => "third_party",
            Family::DataCategory => "data_category",
            Family::Purpose => "purpose",
            Family::UserRight => "user_right",
            Family::Tracking => "tracking",
            Family::Contact => "contact",
        }
    }

    fn from_name(name: &str) -> Option<Family> {
        Some(match name {
            "transfer_mechanism" => Family::TransferMechanism,
            "legal_framework" => Family::LegalFramework,
            "third_party" => Family::ThirdParty,
            "data_category" => Family::DataCategory,
            "purpose" => Family::Purpose,
            "user_right" => Family::UserRight,
            "tracking" => Family::Tracking,
            _ => return None,
        })
    }
}

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

/// What a matched pattern means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// A negator ("not", "ne", "nicht", "inte").
    Negator,
    /// A word or mark that starts a new clause and so ends a negator's scope.
    ClauseBreak,
    /// "such as", "including": a list that carries a negator's scope further.
    ListIntro,
    /// "last updated", "effective", "Senast uppdaterad".
    DateCue,
    /// retain, keep, store, delete, conserver, speichern, spara…
    RetentionVerb,
    /// indefinitely, permanently…
    RetentionIndefinite,
    /// What is kept, by index into [`Lexicon::retention_subjects`].
    RetentionSubject(u16),
    /// sell, sold, vendre, verkaufen… (needs a first-person actor)
    SaleVerb,
    /// "be sold", "säljas": a passive sale verb that needs no actor.
    SalePassive,
    /// we, us, our, nous, wir, vi…
    SaleActor,
    /// data, information, données…
    SaleObject,
    /// Context that makes "sell" not about personal data (a business sale).
    SaleExclude,
    /// "cross-context behavioral advertising": sharing for advertising.
    SaleSharing,
    /// train, training…
    AiTrain,
    /// AI, machine learning, models…
    AiModel,
    /// children, minors, Kinder, barn…
    ChildCue,
    /// phone, call, téléphone…
    PhoneCue,
    /// A canonical subject, by index into [`Lexicon::subjects`].
    Subject(u16),
}

/// One pattern's meaning, with where it applies.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    /// What it means.
    pub kind: TermKind,
    /// The language it belongs to (index into [`Lexicon::languages`]); `None`
    /// for the language-neutral topic lexicons.
    pub lang: Option<u8>,
}

/// How a pattern must sit in the text.
#[derive(Debug, Clone, Copy)]
pub struct PatternShape {
    /// The match must not continue a word on the left.
    pub left: bool,
    /// The match must not run on into a word on the right (false for `stem*`).
    pub right: bool,
}

/// A language's settings.
#[derive(Debug, Clone)]
pub struct LanguageInfo {
    /// ISO 639-1 code.
    pub code: String,
    /// Common function words, for language identification.
    pub stopwords: Vec<String>,
    /// Whether a negator may also follow its trigger in the clause (German,
    /// Dutch and Swedish put "nicht", "niet", "inte" after the verb).
    pub negation_after: bool,
}

/// A compiled multi-pattern matcher: patterns, their shapes and meanings.
pub struct Matcher {
    /// The automaton.
    pub ac: AhoCorasick,
    /// Per automaton pattern: its shape.
    pub shapes: Vec<PatternShape>,
    /// Per automaton pattern: every term spelled that way.
    pub terms: Vec<Vec<Term>>,
}

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
    /// Finds durations in lowercased text (compiled on first use).
    pub duration_re: LazyRegex,
    /// Words right before a number that make it a look-back ("past 12 months").
    pub duration_not_before: Vec<String>,
    /// Words before a number that make it an age ("under 16 years").
    pub age_before: Vec<String>,
    /// Words after a duration that make it an age ("16 years of age").
    pub age_after: Vec<String>,
    /// Month-name alternation for the date patterns.
    pub month_alternation: String,
}

/// A regex compiled on first use. Its pattern is built from the embedded
/// lexicons (escaped alternations), so compiling it cannot fail in practice;
/// the unit tests compile it. Many documents never need it, and compiling a
/// long alternation is a large share of a process's start-up.
pub struct LazyRegex {
    pattern: String,
    re: OnceLock<Regex>,
}

impl LazyRegex {
    fn new(pattern: String) -> LazyRegex {
        LazyRegex {
            pattern,
            re: OnceLock::new(),
        }
    }

    /// The compiled regex; one that never matches if the pattern is broken.
    pub fn get(&self) -> &Regex {
        self.re.get_or_init(|| match Regex::new(&self.pattern) {
            Ok(re) => re,
            Err(e) => {
                tracing::error!("lexicon regex: {e}");
                // An empty class matches nothing.
                Regex::new(r"[^\s\S]").unwrap()
            }
        })
    }
}

impl std::ops::Deref for LazyRegex {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        self.get()
    }
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

// ---- file shapes -------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicFile {
    family: String,
    #[serde(default)]
    subject: Vec<TopicSubject>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicSubject {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    case_sensitive: Vec<String>,
    #[serde(default)]
    severity_added: Option<Severity>,
    #[serde(default)]
    severity_removed: Option<Severity>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LangFile {
    language: String,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    negators: Vec<String>,
    #[serde(default)]
    negation_after: bool,
    #[serde(default)]
    clause_breaks: Vec<String>,
    #[serde(default)]
    list_intro: Vec<String>,
    #[serde(default)]
    dates: DatesLex,
    #[serde(default)]
    durations: DurationsLex,
    #[serde(default)]
    retention: RetentionLex,
    #[serde(default)]
    sale: SaleLex,
    #[serde(default)]
    ai_training: AiLex,
    #[serde(default)]
    children: ChildrenLex,
    #[serde(default)]
    contact: ContactLex,
    #[serde(default)]
    user_rights: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    data_categories: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    purposes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    tracking: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    third_parties: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    transfer_mechanisms: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    legal_frameworks: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DatesLex {
    #[serde(default)]
    cues: Vec<String>,
    #[serde(default)]
    months: BTreeMap<String, u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DurationsLex {
    #[serde(default)]
    units: BTreeMap<String, String>,
    #[serde(default)]
    numbers: BTreeMap<String, u32>,
    #[serde(default)]
    not_before: Vec<String>,
    #[serde(default)]
    age_before: Vec<String>,
    #[serde(default)]
    age_after: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RetentionLex {
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    indefinite: Vec<String>,
    #[serde(default)]
    subjects: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SaleLex {
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    passive: Vec<String>,
    #[serde(default)]
    actors: Vec<String>,
    #[serde(default)]
    objects: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    sharing: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AiLex {
    #[serde(default)]
    train: Vec<String>,
    #[serde(default)]
    models: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ChildrenLex {
    #[serde(default)]
    cues: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ContactLex {
    #[serde(default)]
    phone_cues: Vec<String>,
}

/// A lexicon file that does not parse or says something inconsistent.
#[derive(Debug, thiserror::Error)]
#[error("lexicon {file}: {message}")]
pub struct LexiconError {
    /// The file name under `lexicons/`.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

fn err(file: &str, message: impl Into<String>) -> LexiconError {
    LexiconError {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Collects patterns (deduplicated by spelling) and their meanings.
#[derive(Default)]
struct PatternSet {
    index: HashMap<String, usize>,
    patterns: Vec<String>,
    shapes: Vec<PatternShape>,
    terms: Vec<Vec<Term>>,
}

impl PatternSet {
    fn add(&mut self, raw: &str, term: Term, lowercase: bool) {
        let raw = raw.trim();
        let (text, prefix) = match raw.strip_suffix('*') {
            Some(stem) => (stem, true),
            None => (raw, false),
        };
        let text = if lowercase {
            crate::detect::scan::fold(text).0
        } else {
            crate::detect::scan::fold(text).1
        };
        if text.is_empty() {
            return;
        }
        let first_word = text.chars().next().is_some_and(char::is_alphanumeric);
        let last_word = text.chars().last().is_some_and(char::is_alphanumeric);
        let id = match self.index.get(&text) {
            Some(&id) => id,
            None => {
                let id = self.patterns.len();
                self.index.insert(text.clone(), id);
                self.patterns.push(text);
                self.shapes.push(PatternShape {
                    left: first_word,
                    right: last_word && !prefix,
                });
                self.terms.push(Vec::new());
                id
            }
        };
        // A stem and a whole word spelled alike: the looser shape wins.
        if prefix {
            self.shapes[id].right = false;
        }
        let list = &mut self.terms[id];
        if !list
            .iter()
            .any(|t| t.kind == term.kind && t.lang == term.lang)
        {
            list.push(term);
        }
    }

    fn build(self) -> Result<Matcher, LexiconError> {
        // A contiguous NFA builds in a fraction of a DFA's time and memory
        // and scans sentences nearly as fast; the automaton is built on every
        // process start, so building cost is what a `diff` pays most.
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&self.patterns)
            .map_err(|e| err("(all)", e.to_string()))?;
        Ok(Matcher {
            ac,
            shapes: self.shapes,
            terms: self.terms,
        })
    }
}

fn fold_list(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|s| crate::detect::scan::fold(s.trim()).0)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parse and compile the embedded lexicons.
pub fn build() -> Result<Lexicon, LexiconError> {
    build_from(TOPIC_FILES, LANGUAGE_FILES)
}

fn build_from(topics: &[(&str, &str)], langs: &[(&str, &str)]) -> Result<Lexicon, LexiconError> {
    let mut lower = PatternSet::default();
    let mut cased = PatternSet::default();
    let mut subjects: Vec<SubjectInfo> = Vec::new();
    let mut subject_index: HashMap<(Family, String), u16> = HashMap::new();
    let mut retention_subjects: Vec<String> = Vec::new();
    let mut languages = Vec::new();
    let mut months = HashMap::new();
    let mut units = HashMap::new();
    let mut numbers = HashMap::new();
    let mut not_before = Vec::new();
    let mut age_before = Vec::new();
    let mut age_after = Vec::new();

    let mut subject_id = |family: Family, name: &str, subjects: &mut Vec<SubjectInfo>| -> u16 {
        let key = (family, name.to_string());
        if let Some(&id) = subject_index.get(&key) {
            return id;
        }
        let id = subjects.len() as u16;
        subjects.push(SubjectInfo {
            family,
            name: name.to_string(),
            severity_added: None,
            severity_removed: None,
        });
        subject_index.insert(key, id);
        id
    };

    for (file, text) in topics {
        let parsed: TopicFile = toml::from_str(text).map_err(|e| err(file, e.to_string()))?;
        let family = Family::from_name(&parsed.family)
            .ok_or_else(|| err(file, format!("unknown family {:?}", parsed.family)))?;
        for s in parsed.subject {
            let id = subject_id(family, &s.name, &mut subjects);
            let info = &mut subjects[id as usize];
            info.severity_added = s.severity_added.or(info.severity_added);
            info.severity_removed = s.severity_removed.or(info.severity_removed);
            let term = Term {
                kind: TermKind::Subject(id),
                lang: None,
            };
            if s.aliases.is_empty() && s.case_sensitive.is_empty() {
                lower.add(&s.name, term, true);
            }
            for a in &s.aliases {
                lower.add(a, term, true);
            }
            for a in &s.case_sensitive {
                cased.add(a, term, false);
            }
        }
    }

    for (li, (file, text)) in langs.iter().enumerate() {
        let parsed: LangFile = toml::from_str(text).map_err(|e| err(file, e.to_string()))?;
        let lang = Some(li as u8);
        let add_all = |list: &[String], kind: TermKind, set: &mut PatternSet| {
            for p in list {
                set.add(p, Term { kind, lang }, true);
            }
        };
        add_all(&parsed.negators, TermKind::Negator, &mut lower);
        add_all(&parsed.clause_breaks, TermKind::ClauseBreak, &mut lower);
        add_all(&parsed.list_intro, TermKind::ListIntro, &mut lower);
        // Date cues are unambiguous enough to apply whatever the detected
        // language: a short page saying "Senast uppdaterad" may be taken for
        // English, and its date must still be read.
        for p in &parsed.dates.cues {
            let term = Term {
                kind: TermKind::DateCue,
                lang: None,
            };
            lower.add(p, term, true);
        }
        add_all(&parsed.retention.verbs, TermKind::RetentionVerb, &mut lower);
        add_all(
            &parsed.retention.indefinite,
            TermKind::RetentionIndefinite,
            &mut lower,
        );
        add_all(&parsed.sale.verbs, TermKind::SaleVerb, &mut lower);
        add_all(&parsed.sale.passive, TermKind::SalePassive, &mut lower);
        add_all(&parsed.sale.actors, TermKind::SaleActor, &mut lower);
        add_all(&parsed.sale.objects, TermKind::SaleObject, &mut lower);
        add_all(&parsed.sale.exclude, TermKind::SaleExclude, &mut lower);
        add_all(&parsed.sale.sharing, TermKind::SaleSharing, &mut lower);
        add_all(&parsed.ai_training.train, TermKind::AiTrain, &mut lower);
        add_all(&parsed.ai_training.models, TermKind::AiModel, &mut lower);
        add_all(&parsed.children.cues, TermKind::ChildCue, &mut lower);
        add_all(&parsed.contact.phone_cues, TermKind::PhoneCue, &mut lower);

        for (name, phrases) in &parsed.retention.subjects {
            let id = match retention_subjects.iter().position(|s| s == name) {
                Some(i) => i,
                None => {
                    retention_subjects.push(name.clone());
                    retention_subjects.len() - 1
                }
            } as u16;
            add_all(phrases, TermKind::RetentionSubject(id), &mut lower);
        }
        let families = [
            (Family::UserRight, &parsed.user_rights),
            (Family::DataCategory, &parsed.data_categories),
            (Family::Purpose, &parsed.purposes),
            (Family::Tracking, &parsed.tracking),
            (Family::ThirdParty, &parsed.third_parties),
            (Family::TransferMechanism, &parsed.transfer_mechanisms),
            (Family::LegalFramework, &parsed.legal_frameworks),
        ];
        for (family, map) in families {
            for (name, phrases) in map {
                let id = subject_id(family, name, &mut subjects);
                add_all(phrases, TermKind::Subject(id), &mut lower);
            }
        }

        for (name, n) in &parsed.dates.months {
            if !(1..=12).contains(n) {
                return Err(err(file, format!("month {name:?} = {n} is not 1–12")));
            }
            months.insert(crate::detect::scan::fold(name).0, *n);
        }
        for (name, unit) in &parsed.durations.units {
            let u = Unit::parse(unit)
                .ok_or_else(|| err(file, format!("unit {name:?} maps to unknown {unit:?}")))?;
            units.insert(crate::detect::scan::fold(name).0, u);
        }
        for (name, n) in &parsed.durations.numbers {
            numbers.insert(crate::detect::scan::fold(name).0, *n);
        }
        not_before.extend(fold_list(&parsed.durations.not_before));
        age_before.extend(fold_list(&parsed.durations.age_before));
        age_after.extend(fold_list(&parsed.durations.age_after));
        languages.push(LanguageInfo {
            code: parsed.language.clone(),
            stopwords: parsed.stopwords.iter().map(|w| w.to_lowercase()).collect(),
            negation_after: parsed.negation_after,
        });
    }

    let alternation = |keys: Vec<&String>| -> String {
        let mut keys: Vec<&String> = keys;
        keys.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        keys.iter()
            .map(|k| regex::escape(k))
            .collect::<Vec<_>>()
            .join("|")
    };
    let unit_alt = alternation(units.keys().collect());
    let number_alt = alternation(numbers.keys().collect());
    let month_alternation = alternation(months.keys().collect());
    let duration_re = LazyRegex::new(format!(
        r"\b(?:(\d{{1,4}})(?:\s*(?:-|–|to|à|a|bis|till|och|tot|e)\s*(\d{{1,4}}))?|({number_alt}))(?:\s*\(\d{{1,4}}\))?(?:\s*-\s*|\s+|\s*)({unit_alt})\b"
    ));

    Ok(Lexicon {
        languages,
        subjects,
        retention_subjects,
        lower: lower.build()?,
        cased: cased.build()?,
        months,
        units,
        numbers,
        duration_re,
        duration_not_before: not_before,
        age_before,
        age_after,
        month_alternation,
    })
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
        // The lazily compiled duration regex must compile, not fall back.
        assert!(Regex::new(&lex.duration_re.pattern).is_ok());
        assert!(lex.duration_re.is_match("12 months"));
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
