//! The result of a diff, shaped exactly like the JSON contract in
//! `spec/events.md` (`policywatch.diff/1`). Field names here are a public
//! contract: scripts, alert rules, webhooks and the `events` table read them.

use serde::{Deserialize, Serialize};

/// The schema tag of a diff report.
pub const SCHEMA: &str = "policywatch.diff/1";

/// How much an event matters. Ordered: `Info < Low < Medium < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Dates, renames, moves, contacts.
    Info,
    /// Sections added or removed, legal frameworks.
    Low,
    /// New third parties, data categories, purposes, tracking…
    Medium,
    /// Removed rights, weakened sale stance, AI training, longer retention…
    High,
}

impl Severity {
    /// The lowercase name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            other => Err(format!(
                "unknown severity {other:?}: expected info, low, medium or high"
            )),
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value on each side of a change; either side may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sides<T> {
    /// The old version's side.
    pub old: Option<T>,
    /// The new version's side.
    pub new: Option<T>,
}

/// One typed change in what the policy says. See `spec/events.md` for the kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// e.g. `transfer_mechanism.removed`.
    pub kind: String,
    /// The canonical subject (a mechanism, law, vendor, right…), where the kind has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The normalised old value, for kinds that compare values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The normalised new value, for kinds that compare values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// How much it matters.
    pub severity: Severity,
    /// The heading of the section on each side where the change shows.
    pub section: Sides<String>,
    /// The sentence on each side that shows the change.
    pub evidence: Sides<String>,
}

impl Event {
    /// One line a person reads in an alert: "Privacy Shield dropped",
    /// "retention 14 months → 26 months".
    pub fn headline(&self) -> String {
        let subject = self.subject.as_deref().unwrap_or("");
        let arrow = |from: &Option<String>, to: &Option<String>| {
            format!(
                "{} → {}",
                from.as_deref().unwrap_or("none"),
                to.as_deref().unwrap_or("none")
            )
        };
        let (family, action) = self.kind.split_once('.').unwrap_or((&self.kind, ""));
        let what = match family {
            "section" => "section",
            "effective_date" => "effective date",
            "transfer_mechanism" => "transfer mechanism",
            "legal_framework" => "legal framework",
            "retention" => "retention",
            "third_party" => "third party",
            "data_category" => "data collected",
            "purpose" => "purpose",
            "ai_training" => "AI training",
            "user_right" => "user right",
            "children" => "children's age",
            "tracking" => "tracking",
            "contact" => "contact",
            "source" => "source",
            other => other,
        };
        match (family, action) {
            ("ai_training", "added") => "now trains AI models on your data or content".into(),
            ("ai_training", "removed") => "no longer says it trains AI models on your data".into(),
            ("section", "renamed") => format!("section renamed: {}", arrow(&self.from, &self.to)),
            ("retention", "changed") => {
                let what = if subject.is_empty() {
                    "retention".to_string()
                } else {
                    format!("{subject} retention")
                };
                format!("{what} {}", arrow(&self.from, &self.to))
            }
            ("retention", "added") => {
                let to = self.to.as_deref().unwrap_or("a period");
                let kept = match to {
                    "indefinitely" => "kept indefinitely".to_string(),
                    t => format!("kept for {t}"),
                };
                match subject {
                    "" => format!("new retention period: {to}"),
                    s => format!("{s} {kept} (new retention period)"),
                }
            }
            ("retention", "removed") => {
                let from = self.from.as_deref().unwrap_or("a period");
                match subject {
                    "" => format!("retention period dropped (was {from})"),
                    s => format!("{s} retention period dropped (was {from})"),
                }
            }
            ("sale", "changed") => {
                format!("stance on selling data: {}", arrow(&self.from, &self.to))
            }
            (_, "changed") | (_, "age_changed") => {
                format!("{what} {}", arrow(&self.from, &self.to))
            }
            ("source", "failing") => format!("source {subject} is failing"),
            ("source", "recovered") => format!("source {subject} recovered"),
            (_, "added") => format!("{what} added: {subject}"),
            (_, "removed") => format!("{what} dropped: {subject}"),
            (_, "moved") => format!("section moved: {subject}"),
            _ => format!("{} {subject}", self.kind),
        }
    }
}

/// Facts about one side of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocInfo {
    /// The input's label (file name, URL, `source@rev`).
    pub label: String,
    /// SHA-256 of the raw input.
    pub sha256: String,
    /// ISO 639-1 language code.
    pub language: String,
    /// Number of sections.
    pub sections: usize,
    /// Number of words (page chrome excluded).
    pub words: usize,
}

/// Counts over the whole diff.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// False when the versions differ only cosmetically; such a diff has no events.
    pub substantive: bool,
    /// Sections on the new side only.
    pub sections_added: usize,
    /// Sections on the old side only.
    pub sections_removed: usize,
    /// Aligned sections whose text changed (in place).
    pub sections_modified: usize,
    /// Aligned sections that changed place in the order.
    pub sections_moved: usize,
    /// Aligned sections whose heading changed.
    pub sections_renamed: usize,
    /// Words inserted, over all sections.
    pub words_added: usize,
    /// Words deleted, over all sections.
    pub words_removed: usize,
    /// The highest event severity, or null when there are no events.
    pub max_severity: Option<Severity>,
}

/// What happened to a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionStatus {
    /// Same heading, same place, same text (after normalisation).
    Unchanged,
    /// Same section, text edited.
    Modified,
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// Same section, new place in the order (may also be edited).
    Moved,
    /// Same section by content, new heading (may also be edited).
    Renamed,
}

impl SectionStatus {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SectionStatus::Unchanged => "unchanged",
            SectionStatus::Modified => "modified",
            SectionStatus::Added => "added",
            SectionStatus::Removed => "removed",
            SectionStatus::Moved => "moved",
            SectionStatus::Renamed => "renamed",
        }
    }
}

/// Points at a section on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionRef {
    /// Position in that document's section list, from 0.
    pub index: usize,
    /// Its heading.
    pub heading: String,
    /// Headings from the outermost ancestor down to this one.
    pub path: Vec<String>,
}

/// A sentence-level edit operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EditOp {
    /// A sentence only in the new version.
    Insert,
    /// A sentence only in the old version.
    Delete,
    /// A sentence rewritten.
    Replace,
}

/// One sentence-level edit inside a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    /// What kind of edit.
    pub op: EditOp,
    /// The old sentence(s), null for an insert.
    pub old: Option<String>,
    /// The new sentence(s), null for a delete.
    pub new: Option<String>,
}

/// One entry of the section alignment, with its edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionChange {
    /// What happened to the section.
    pub status: SectionStatus,
    /// Text similarity of the two sides, 0–1 (0 when one side is missing).
    pub similarity: f64,
    /// The old side, null for an added section.
    pub old: Option<SectionRef>,
    /// The new side, null for a removed section.
    pub new: Option<SectionRef>,
    /// Sentence-level edits, empty for unchanged sections.
    pub edits: Vec<Edit>,
}

/// The whole result of comparing two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The old version.
    pub old: DocInfo,
    /// The new version.
    pub new: DocInfo,
    /// Counts.
    pub summary: Summary,
    /// Section alignment, in new-document order with removed sections placed
    /// where they used to be. Unchanged sections are present here; renderers
    /// leave them out unless `--all` is given.
    pub sections: Vec<SectionChange>,
    /// The typed events, most severe first.
    pub events: Vec<Event>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, subject: Option<&str>, from: Option<&str>, to: Option<&str>) -> Event {
        Event {
            kind: kind.into(),
            subject: subject.map(Into::into),
            from: from.map(Into::into),
            to: to.map(Into::into),
            severity: Severity::High,
            section: Sides::default(),
            evidence: Sides::default(),
        }
    }

    #[test]
    fn headlines_read_like_alerts() {
        let cases = [
            (
                ev(
                    "transfer_mechanism.removed",
                    Some("Privacy Shield"),
                    None,
                    None,
                ),
                "transfer mechanism dropped: Privacy Shield",
            ),
            (
                ev(
                    "retention.changed",
                    Some("analytics"),
                    Some("14 months"),
                    Some("26 months"),
                ),
                "analytics retention 14 months → 26 months",
            ),
            (
                ev(
                    "retention.added",
                    Some("support tickets"),
                    None,
                    Some("2 years"),
                ),
                "support tickets kept for 2 years (new retention period)",
            ),
            (
                ev("retention.removed", None, Some("30 days"), None),
                "retention period dropped (was 30 days)",
            ),
            (
                ev("ai_training.added", None, None, None),
                "now trains AI models on your data or content",
            ),
            (
                ev("children.age_changed", None, Some("13"), Some("16")),
                "children's age 13 → 16",
            ),
            (
                ev("section.renamed", None, Some("A"), Some("B")),
                "section renamed: A → B",
            ),
            (
                ev("sale.changed", None, Some("no sale"), Some("sale")),
                "stance on selling data: no sale → sale",
            ),
            (
                ev("third_party.added", Some("OpenAI"), None, None),
                "third party added: OpenAI",
            ),
        ];
        for (event, want) in cases {
            assert_eq!(event.headline(), want);
        }
    }
}
