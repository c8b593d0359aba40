//! `eval`: measure the diff engine against hand-labelled version pairs.
//!
//! ```text
//! cargo run --release --bin eval [-- --labels eval/basecamp-privacy.toml]
//!                                 [--format text|json] [--verbose]
//! cargo run --release --bin eval -- --corpus-stats ../shared/corpus/ota
//! ```
//!
//! It prints precision, recall and F1 per event kind and overall, and the
//! false alarms on cosmetic-only pairs. The matching rule is documented in
//! `eval/README.md`. It is a measuring tool: it exits 0 whatever the scores,
//! and 2 only when its input cannot be read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use policywatch::{Document, Event, ParseOptions};
use serde::{Deserialize, Serialize};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "eval",
    about = "Precision and recall of policywatch's events on labelled pairs"
)]
struct Args {
    /// The labels file; paths inside it are relative to its folder.
    #[arg(long, default_value = "eval/basecamp-privacy.toml")]
    labels: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Text)]
    format: OutFormat,
    /// Also list the misses and false positives of every pair.
    #[arg(long)]
    verbose: bool,
    /// Instead of the labels, run over an Open Terms Archive pair corpus
    /// (a folder with index.tsv and pairs/NNNN/{old,new}.md) and report
    /// events per pair and events on pairs tagged cosmetic.
    #[arg(long, value_name = "DIR")]
    corpus_stats: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutFormat {
    Text,
    Json,
}

/// The labels file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelsFile {
    /// Folder of the documents, relative to the labels file's folder.
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    pair: Vec<LabelledPair>,
}

/// One labelled version pair.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelledPair {
    old: String,
    new: String,
    #[serde(default)]
    subject: String,
    cosmetic: bool,
    #[serde(default)]
    note: String,
    #[serde(default)]
    events: Vec<Expected>,
    #[serde(default)]
    optional: Vec<Expected>,
}

/// An expected event: the kind, and whichever fields the label pins down.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject_contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
}

impl Expected {
    /// How many fields besides the kind the label gives; more specific labels
    /// are matched first.
    fn specificity(&self) -> usize {
        [&self.subject, &self.subject_contains, &self.from, &self.to]
            .iter()
            .filter(|f| f.is_some())
            .count()
    }

    fn matches(&self, ev: &Event) -> bool {
        let eq = |want: &Option<String>, got: &Option<String>| match want {
            None => true,
            Some(w) => got.as_deref().is_some_and(|g| norm(g) == norm(w)),
        };
        norm(&self.kind) == norm(&ev.kind)
            && eq(&self.subject, &ev.subject)
            && eq(&self.from, &ev.from)
            && eq(&self.to, &ev.to)
            && match &self.subject_contains {
                None => true,
                Some(part) => ev
                    .subject
                    .as_deref()
                    .is_some_and(|s| norm(s).contains(&norm(part))),
            }
    }

    fn describe(&self) -> String {
        let mut s = self.kind.clone();
        if let Some(x) = &self.subject {
            s.push_str(&format!(" subject={x:?}"));
        }
        if let Some(x) = &self.subject_contains {
            s.push_str(&format!(" subject~{x:?}"));
        }
        if let Some(x) = &self.from {
            s.push_str(&format!(" from={x:?}"));
        }
        if let Some(x) = &self.to {
            s.push_str(&format!(" to={x:?}"));
        }
        s
    }
}

/// Case-insensitive comparison form: trimmed, inner white space collapsed.
fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn describe_event(ev: &Event) -> String {
    let mut s = ev.kind.clone();
    if let Some(x) = &ev.subject {
        s.push_str(&format!(" subject={x:?}"));
    }
    if let Some(x) = &ev.from {
        s.push_str(&format!(" from={x:?}"));
    }
    if let Some(x) = &ev.to {
        s.push_str(&format!(" to={x:?}"));
    }
    s
}

/// Maximum one-to-one matching of labels to detected events (Kuhn's
/// augmenting paths; pairs have a handful of events, so this is cheap).
/// Labels are tried most-specific first. Returns, per label, the index of
/// the detected event it took. `taken` marks detected events already used.
fn match_labels(labels: &[Expected], detected: &[Event], taken: &[bool]) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(labels[i].specificity()));
    let mut owner: Vec<Option<usize>> = vec![None; detected.len()];
    fn augment(
        l: usize,
        labels: &[Expected],
        detected: &[Event],
        taken: &[bool],
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for d in 0..detected.len() {
            if taken[d] || seen[d] || !labels[l].matches(&detected[d]) {
                continue;
            }
            seen[d] = true;
            let free = match owner[d] {
                None => true,
                Some(other) => augment(other, labels, detected, taken, seen, owner),
            };
            if free {
                owner[d] = Some(l);
                return true;
            }
        }
        false
    }
    for &l in &order {
        let mut seen = vec![false; detected.len()];
        augment(l, labels, detected, taken, &mut seen, &mut owner);
    }
    let mut by_label = vec![None; labels.len()];
    for (d, o) in owner.iter().enumerate() {
        if let Some(l) = o {
            by_label[*l] = Some(d);
        }
    }
    by_label
}

/// The outcome of one pair.
#[derive(Debug, Default, Serialize)]
struct PairOutcome {
    old: String,
    new: String,
    subject: String,
    note: String,
    cosmetic: bool,
    substantive: bool,
    detected: usize,
    /// (kind, matched?) for every required label.
    #[serde(skip)]
    required: Vec<(String, bool)>,
    misses: Vec<String>,
    false_positives: Vec<String>,
    /// Kinds of the unmatched, non-optional detected events.
    #[serde(skip)]
    fp_kinds: Vec<String>,
    optional_hits: usize,
    cosmetic_false_alarms: usize,
}

/// Score one pair's detected events against its labels.
fn score_pair(p: &LabelledPair, detected: &[Event], substantive: bool) -> PairOutcome {
    let none_taken = vec![false; detected.len()];
    let req = match_labels(&p.events, detected, &none_taken);
    let mut taken = vec![false; detected.len()];
    for d in req.iter().flatten() {
        taken[*d] = true;
    }
    let opt = match_labels(&p.optional, detected, &taken);
    let mut optional_taken = vec![false; detected.len()];
    for d in opt.iter().flatten() {
        optional_taken[*d] = true;
    }
    let mut out = PairOutcome {
        old: p.old.clone(),
        new: p.new.clone(),
        subject: p.subject.clone(),
        note: p.note.clone(),
        cosmetic: p.cosmetic,
        substantive,
        detected: detected.len(),
        optional_hits: opt.iter().flatten().count(),
        ..PairOutcome::default()
    };
    for (label, hit) in p.events.iter().zip(&req) {
        out.required.push((label.kind.clone(), hit.is_some()));
        if hit.is_none() {
            out.misses.push(label.describe());
        }
    }
    for (d, ev) in detected.iter().enumerate() {
        if !taken[d] && !optional_taken[d] {
            out.false_positives.push(describe_event(ev));
            out.fp_kinds.push(ev.kind.clone());
        }
    }
    if p.cosmetic {
        // An effective-date event the label itself lists is not an alarm.
        out.cosmetic_false_alarms = detected
            .iter()
            .enumerate()
            .filter(|(d, ev)| !(taken[*d] && ev.kind == "effective_date.changed"))
            .count();
    }
    out
}

/// True positives, false positives and misses.
#[derive(Debug, Default, Clone, Copy, Serialize)]
struct Counts {
    tp: usize,
    fp: usize,
    #[serde(rename = "fn")]
    misses: usize,
}

impl Counts {
    fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.misses)
    }
    fn f1(&self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        if p + r == 0.0 {
            Some(0.0)
        } else {
            Some(2.0 * p * r / (p + r))
        }
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

#[derive(Debug, Serialize)]
struct Scores {
    #[serde(flatten)]
    counts: Counts,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
}

impl From<Counts> for Scores {
    fn from(c: Counts) -> Self {
        Scores {
            counts: c,
            precision: c.precision(),
            recall: c.recall(),
            f1: c.f1(),
        }
    }
}

#[derive(Debug, Serialize)]
struct Summary {
    labels: String,
    pairs: usize,
    cosmetic_pairs: usize,
    overall: Scores,
    per_kind: BTreeMap<String, Scores>,
    cosmetic_false_alarms: usize,
    cosmetic_pairs_with_alarms: usize,
    cosmetic_pairs_marked_substantive: usize,
    optional_hits: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<PairOutcome>,
}

fn summarise(labels: &Path, outcomes: Vec<PairOutcome>, verbose: bool) -> Summary {
    let mut overall = Counts::default();
    let mut per_kind: BTreeMap<String, Counts> = BTreeMap::new();
    for o in &outcomes {
        for (kind, hit) in &o.required {
            let c = per_kind.entry(kind.clone()).or_default();
            if *hit {
                c.tp += 1;
                overall.tp += 1;
            } else {
                c.misses += 1;
                overall.misses += 1;
            }
        }
        for kind in &o.fp_kinds {
            per_kind.entry(kind.clone()).or_default().fp += 1;
            overall.fp += 1;
        }
    }
    let cosmetic: Vec<&PairOutcome> = outcomes.iter().filter(|o| o.cosmetic).collect();
    Summary {
        labels: labels.display().to_string(),
        pairs: outcomes.len(),
        cosmetic_pairs: cosmetic.len(),
        overall: overall.into(),
        per_kind: per_kind.into_iter().map(|(k, c)| (k, c.into())).collect(),
        cosmetic_false_alarms: cosmetic.iter().map(|o| o.cosmetic_false_alarms).sum(),
        cosmetic_pairs_with_alarms: cosmetic
            .iter()
            .filter(|o| o.cosmetic_false_alarms > 0)
            .count(),
        cosmetic_pairs_marked_substantive: cosmetic.iter().filter(|o| o.substantive).count(),
        optional_hits: outcomes.iter().map(|o| o.optional_hits).sum(),
        details: if verbose { outcomes } else { Vec::new() },
    }
}

fn fmt_score(x: Option<f64>) -> String {
    x.map_or_else(|| "  –  ".to_string(), |v| format!("{v:.3}"))
}

fn print_text(s: &Summary) {
    println!(
        "labels: {}  ({} pairs, {} cosmetic)",
        s.labels, s.pairs, s.cosmetic_pairs
    );
    println!();
    println!(
        "{:<28} {:>4} {:>4} {:>4}  {:>9} {:>6} {:>6}",
        "kind", "TP", "FP", "FN", "precision", "recall", "F1"
    );
    let row = |name: &str, sc: &Scores| {
        println!(
            "{:<28} {:>4} {:>4} {:>4}  {:>9} {:>6} {:>6}",
            name,
            sc.counts.tp,
            sc.counts.fp,
            sc.counts.misses,
            fmt_score(sc.precision),
            fmt_score(sc.recall),
            fmt_score(sc.f1)
        );
    };
    for (kind, sc) in &s.per_kind {
        row(kind, sc);
    }
    println!("{}", "-".repeat(70));
    row("overall", &s.overall);
    println!();
    println!(
        "cosmetic pairs: {} false alarms on {} of {} pairs; {} marked substantive",
        s.cosmetic_false_alarms,
        s.cosmetic_pairs_with_alarms,
        s.cosmetic_pairs,
        s.cosmetic_pairs_marked_substantive
    );
    println!("optional events reported (not scored): {}", s.optional_hits);
    for o in &s.details {
        if o.misses.is_empty() && o.false_positives.is_empty() {
            continue;
        }
        println!();
        println!(
            "{} -> {}{}  ({})",
            o.old,
            o.new,
            if o.cosmetic { " [cosmetic]" } else { "" },
            o.subject
        );
        println!("  label note: {}", o.note);
        for m in &o.misses {
            println!("  miss: {m}");
        }
        for f in &o.false_positives {
            println!("  false positive: {f}");
        }
    }
}

fn parse_file(path: &Path) -> Result<Document> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Document::parse(
        &path.display().to_string(),
        &bytes,
        &ParseOptions::default(),
    )
    .with_context(|| format!("cannot parse {}", path.display()))
}

fn load_labels(path: &Path) -> Result<LabelsFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read labels file {}", path.display()))?;
    let labels: LabelsFile =
        toml::from_str(&text).with_context(|| format!("bad labels file {}", path.display()))?;
    if labels.pair.is_empty() {
        bail!("labels file {} has no [[pair]] entries", path.display());
    }
    Ok(labels)
}

fn run_labels(args: &Args) -> Result<()> {
    let labels = load_labels(&args.labels)?;
    let folder = args.labels.parent().unwrap_or(Path::new("."));
    let base = match &labels.base {
        Some(b) => folder.join(b),
        None => folder.to_path_buf(),
    };
    let mut outcomes = Vec::with_capacity(labels.pair.len());
    for p in &labels.pair {
        let old = parse_file(&base.join(&p.old))
            .with_context(|| format!("in labels file {}", args.labels.display()))?;
        let new = parse_file(&base.join(&p.new))
            .with_context(|| format!("in labels file {}", args.labels.display()))?;
        let report = policywatch::diff(&old, &new);
        outcomes.push(score_pair(p, &report.events, report.summary.substantive));
    }
    let summary = summarise(&args.labels, outcomes, args.verbose);
    match args.format {
        OutFormat::Text => print_text(&summary),
        OutFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).context("cannot serialise the summary")?
        ),
    }
    Ok(())
}

/// What the regex tags of the OTA index hint at, as an event kind (and
/// subject) that should fire on such a pair. Hints, not labels.
const TAG_HINTS: &[(&str, &str, Option<&str>)] = &[
    (
        "privacy_shield_dropped",
        "transfer_mechanism.removed",
        Some("Privacy Shield"),
    ),
    (
        "dpf_added",
        "transfer_mechanism.added",
        Some("Data Privacy Framework"),
    ),
    ("retention_changed", "retention.", None),
    ("third_party_added", "third_party.added", None),
    ("heading_change", "section.", None),
];

#[derive(Debug, Default, Serialize)]
struct CorpusStats {
    dir: String,
    pairs: usize,
    skipped: Vec<String>,
    events: usize,
    pairs_with_events: usize,
    substantive_pairs: usize,
    events_per_kind: BTreeMap<String, usize>,
    cosmetic_pairs: usize,
    cosmetic_false_alarms: usize,
    cosmetic_pairs_with_alarms: usize,
    /// tag -> (pairs with the tag, pairs where the hinted event fired).
    tag_hints: BTreeMap<String, (usize, usize)>,
}

fn run_corpus_stats(dir: &Path, format: OutFormat) -> Result<()> {
    let index = dir.join("index.tsv");
    if !index.is_file() {
        eprintln!(
            "eval: skipping corpus stats: {} not found (the corpus is optional)",
            index.display()
        );
        return Ok(());
    }
    let text = std::fs::read_to_string(&index)
        .with_context(|| format!("cannot read {}", index.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .with_context(|| format!("{} has no {name:?} column", index.display()))
    };
    let (id_col, tags_col) = (col("id")?, col("tags")?);
    let mut st = CorpusStats {
        dir: dir.display().to_string(),
        ..CorpusStats::default()
    };
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split('\t').collect();
        let (Some(id), Some(tags)) = (cells.get(id_col), cells.get(tags_col)) else {
            st.skipped.push(format!("malformed index line: {line:.40}"));
            continue;
        };
        let pair_dir = dir.join("pairs").join(id);
        let docs = parse_file(&pair_dir.join("old.md"))
            .and_then(|o| Ok((o, parse_file(&pair_dir.join("new.md"))?)));
        let (old, new) = match docs {
            Ok(d) => d,
            Err(e) => {
                st.skipped.push(format!("{id}: {e:#}"));
                continue;
            }
        };
        let report = policywatch::diff(&old, &new);
        st.pairs += 1;
        st.events += report.events.len();
        st.pairs_with_events += usize::from(!report.events.is_empty());
        st.substantive_pairs += usize::from(report.summary.substantive);
        for ev in &report.events {
            *st.events_per_kind.entry(ev.kind.clone()).or_default() += 1;
        }
        let tags: Vec<&str> = tags.split(',').map(str::trim).collect();
        if tags.contains(&"cosmetic") {
            st.cosmetic_pairs += 1;
            st.cosmetic_false_alarms += report.events.len();
            st.cosmetic_pairs_with_alarms += usize::from(!report.events.is_empty());
        }
        for (tag, kind, subject) in TAG_HINTS {
            if !tags.contains(tag) {
                continue;
            }
            let fired = report.events.iter().any(|ev| {
                ev.kind.starts_with(kind)
                    && subject
                        .is_none_or(|s| ev.subject.as_deref().is_some_and(|x| norm(x) == norm(s)))
            });
            let e = st.tag_hints.entry((*tag).to_string()).or_default();
            e.0 += 1;
            e.1 += usize::from(fired);
        }
    }
    match format {
        OutFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&st).context("cannot serialise the corpus stats")?
        ),
        OutFormat::Text => {
            println!("corpus: {}  ({} pairs diffed)", st.dir, st.pairs);
            println!(
                "events: {} ({:.2} per pair); pairs with events: {}; substantive: {}",
                st.events,
                ratio(st.events, st.pairs).unwrap_or(0.0),
                st.pairs_with_events,
                st.substantive_pairs
            );
            for (k, n) in &st.events_per_kind {
                println!("  {k:<28} {n:>5}");
            }
            println!(
                "pairs tagged cosmetic: {}; false alarms: {} on {} pairs",
                st.cosmetic_pairs, st.cosmetic_false_alarms, st.cosmetic_pairs_with_alarms
            );
            println!("regex tag hints (pairs tagged / pairs where the hinted event fired):");
            for (tag, (n, hit)) in &st.tag_hints {
                println!("  {tag:<24} {n:>4} / {hit:>4}");
            }
            for s in &st.skipped {
                println!("skipped: {s}");
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match &args.corpus_stats {
        Some(dir) => run_corpus_stats(dir, args.format),
        None => run_labels(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eval: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use policywatch::Severity;
    use policywatch::report::Sides;

    fn ev(kind: &str, subject: Option<&str>, from: Option<&str>, to: Option<&str>) -> Event {
        Event {
            kind: kind.into(),
            subject: subject.map(Into::into),
            from: from.map(Into::into),
            to: to.map(Into::into),
            severity: Severity::Info,
            section: Sides::default(),
            evidence: Sides::default(),
        }
    }

    fn label(toml_line: &str) -> Expected {
        toml::from_str(toml_line).unwrap()
    }

    #[test]
    fn matching_ignores_case_and_spacing_and_unset_fields() {
        let l = label("kind = \"section.added\"\nsubject = \"Billing  information \"");
        assert!(l.matches(&ev(
            "section.added",
            Some("billing Information"),
            None,
            None
        )));
        assert!(!l.matches(&ev(
            "section.removed",
            Some("Billing information"),
            None,
            None
        )));
        let open = label("kind = \"retention.added\"");
        assert!(open.matches(&ev(
            "retention.added",
            Some("logs"),
            None,
            Some("indefinite")
        )));
        let contains = label("kind = \"contact.added\"\nsubject_contains = \"2045 W Grand\"");
        assert!(contains.matches(&ev(
            "contact.added",
            Some("Basecamp, LLC, 2045 W Grand Ave Ste B, Chicago"),
            None,
            None
        )));
        assert!(!contains.matches(&ev("contact.added", None, None, None)));
    }

    #[test]
    fn specific_labels_win_over_open_ones() {
        // Listed open-first: a greedy matcher would give "30 days" to the open label.
        let labels = vec![
            label("kind = \"retention.added\""),
            label("kind = \"retention.added\"\nto = \"30 days\""),
        ];
        let detected = vec![
            ev("retention.added", None, None, Some("30 days")),
            ev("retention.added", None, None, Some("indefinite")),
        ];
        let m = match_labels(&labels, &detected, &[false, false]);
        assert_eq!(m, vec![Some(1), Some(0)]);
    }

    #[test]
    fn scores_count_misses_false_positives_and_optional() {
        let pair: LabelledPair = toml::from_str(
            r#"
            old = "a"
            new = "b"
            cosmetic = false
            events = [ { kind = "effective_date.changed", from = "2020-01-01", to = "2020-02-01" },
                       { kind = "section.added", subject = "X" } ]
            optional = [ { kind = "section.moved", subject = "Y" } ]
            "#,
        )
        .unwrap();
        let detected = vec![
            ev(
                "effective_date.changed",
                None,
                Some("2020-01-01"),
                Some("2020-02-01"),
            ),
            ev("section.moved", Some("y"), None, None),
            ev("tracking.added", Some("cookies"), None, None),
        ];
        let o = score_pair(&pair, &detected, true);
        assert_eq!(o.misses, vec!["section.added subject=\"X\"".to_string()]);
        assert_eq!(o.fp_kinds, vec!["tracking.added".to_string()]);
        assert_eq!(o.optional_hits, 1);
        let s = summarise(Path::new("l.toml"), vec![o], false);
        assert_eq!(
            (
                s.overall.counts.tp,
                s.overall.counts.fp,
                s.overall.counts.misses
            ),
            (1, 1, 1)
        );
        assert_eq!(s.overall.precision, Some(0.5));
    }

    #[test]
    fn cosmetic_alarms_spare_a_listed_effective_date() {
        let pair: LabelledPair = toml::from_str(
            r#"
            old = "a"
            new = "b"
            cosmetic = true
            events = [ { kind = "effective_date.changed" } ]
            "#,
        )
        .unwrap();
        let detected = vec![
            ev(
                "effective_date.changed",
                None,
                Some("2020-01-01"),
                Some("2020-02-01"),
            ),
            ev("section.renamed", None, Some("A"), Some("a.")),
        ];
        assert_eq!(score_pair(&pair, &detected, true).cosmetic_false_alarms, 1);
    }

    #[test]
    fn the_shipped_labels_parse_and_point_at_existing_files() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/basecamp-privacy.toml");
        let labels = load_labels(&path).unwrap();
        assert!(labels.pair.len() >= 40);
        assert!(labels.pair.iter().filter(|p| p.cosmetic).count() >= 8);
        let base = path
            .parent()
            .unwrap()
            .join(labels.base.as_deref().unwrap_or("."));
        for p in &labels.pair {
            assert!(base.join(&p.old).is_file(), "{}", p.old);
            assert!(base.join(&p.new).is_file(), "{}", p.new);
            assert!(!p.note.is_empty(), "{} has no note", p.new);
        }
    }
}
