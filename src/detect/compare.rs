//! Comparing the facts of two documents: a fact on both sides is no event,
//! wherever it moved; what is left becomes events tied to the sections where
//! the text changed.

use std::collections::{HashMap, HashSet};

use super::facts::{DocFacts, Occ, RetentionFact};
use super::lexicon::{Family, Lexicon};
use crate::align::{Pair, Relation};
use crate::model::Document;
use crate::normalize::heading_key;
use crate::report::{Event, SectionStatus, Severity, Sides};

/// Both documents, their facts and which sections changed.
pub struct Ctx<'a> {
    /// The old version.
    pub old: &'a Document,
    /// The new version.
    pub new: &'a Document,
    /// The old version's facts.
    pub of: &'a DocFacts<'a>,
    /// The new version's facts.
    pub nf: &'a DocFacts<'a>,
    /// The alignment.
    pub pairs: &'a [Pair],
    /// Per old section: is it anything but unchanged?
    pub old_changed: Vec<bool>,
    /// Per new section: is it anything but unchanged?
    pub new_changed: Vec<bool>,
}

impl<'a> Ctx<'a> {
    /// Build the context; sections missing from the alignment count as changed.
    pub fn new(
        old: &'a Document,
        new: &'a Document,
        of: &'a DocFacts<'a>,
        nf: &'a DocFacts<'a>,
        pairs: &'a [Pair],
    ) -> Ctx<'a> {
        let mut old_changed = vec![true; old.sections.len()];
        let mut new_changed = vec![true; new.sections.len()];
        for p in pairs
            .iter()
            .filter(|p| p.status == SectionStatus::Unchanged)
        {
            if let Some(i) = p.old.filter(|&i| i < old_changed.len()) {
                old_changed[i] = false;
            }
            if let Some(j) = p.new.filter(|&j| j < new_changed.len()) {
                new_changed[j] = false;
            }
        }
        Ctx {
            old,
            new,
            of,
            nf,
            pairs,
            old_changed,
            new_changed,
        }
    }

    /// The occurrence to show: the first in a changed section, else the first.
    fn pick(occs: &[Occ], facts: &DocFacts, changed: &[bool]) -> Option<Occ> {
        occs.iter()
            .copied()
            .find(|&o| {
                changed
                    .get(facts.sentences[o].section)
                    .copied()
                    .unwrap_or(true)
            })
            .or_else(|| occs.first().copied())
    }

    fn heading(doc: &Document, facts: &DocFacts, occ: Option<Occ>) -> Option<String> {
        let s = facts.sentences.get(occ?)?.section;
        doc.sections
            .get(s)
            .map(|s| s.heading.clone())
            .filter(|h| !h.is_empty())
    }

    /// An event with its section and evidence filled from the occurrences.
    fn event(
        &self,
        kind: String,
        subject: Option<String>,
        from_to: (Option<String>, Option<String>),
        severity: Severity,
        old_occ: Option<Occ>,
        new_occ: Option<Occ>,
    ) -> Event {
        Event {
            kind,
            subject,
            from: from_to.0,
            to: from_to.1,
            severity,
            section: Sides {
                old: Self::heading(self.old, self.of, old_occ),
                new: Self::heading(self.new, self.nf, new_occ),
            },
            evidence: Sides {
                old: old_occ.map(|o| self.of.sentences[o].text.to_string()),
                new: new_occ.map(|o| self.nf.sentences[o].text.to_string()),
            },
        }
    }

    fn pick_old(&self, occs: &[Occ]) -> Option<Occ> {
        Self::pick(occs, self.of, &self.old_changed)
    }

    fn pick_new(&self, occs: &[Occ]) -> Option<Occ> {
        Self::pick(occs, self.nf, &self.new_changed)
    }
}

fn default_severity(family: Family, added: bool, mechanisms_left: bool) -> Severity {
    match (family, added) {
        (Family::TransferMechanism, true) => Severity::Low,
        (Family::TransferMechanism, false) if mechanisms_left => Severity::Medium,
        (Family::TransferMechanism, false) => Severity::High,
        (Family::LegalFramework, _) => Severity::Low,
        (Family::UserRight, true) => Severity::Low,
        (Family::UserRight, false) => Severity::High,
        (Family::Contact, _) => Severity::Info,
        (_, true) => Severity::Medium,
        (_, false) => Severity::Low,
    }
}

/// Events for subject facts: every family with a canonical subject.
pub fn subject_events(ctx: &Ctx, lex: &Lexicon, out: &mut Vec<Event>) {
    let mechanisms_left = ctx
        .nf
        .subjects
        .keys()
        .any(|(f, _)| *f == Family::TransferMechanism);
    let info = |family: Family, name: &str| {
        lex.subjects
            .iter()
            .find(|s| s.family == family && s.name == name)
    };
    for ((family, key), fact) in &ctx.of.subjects {
        if ctx.nf.subjects.contains_key(&(*family, key.clone())) {
            continue;
        }
        let sev = info(*family, key)
            .and_then(|i| i.severity_removed)
            .unwrap_or_else(|| default_severity(*family, false, mechanisms_left));
        out.push(ctx.event(
            format!("{}.removed", family.prefix()),
            Some(fact.display.clone()),
            (None, None),
            sev,
            ctx.pick_old(&fact.occ),
            None,
        ));
    }
    for ((family, key), fact) in &ctx.nf.subjects {
        if ctx.of.subjects.contains_key(&(*family, key.clone())) {
            continue;
        }
        let sev = info(*family, key)
            .and_then(|i| i.severity_added)
            .unwrap_or_else(|| default_severity(*family, true, true));
        out.push(ctx.event(
            format!("{}.added", family.prefix()),
            Some(fact.display.clone()),
            (None, None),
            sev,
            None,
            ctx.pick_new(&fact.occ),
        ));
    }
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_lowercase)
        .collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// Retention events: equal (subject, value) facts cancel out as a multiset;
/// what is left is paired by subject, then by aligned section, then by
/// sentence similarity, so a changed period is one `retention.changed`.
pub fn retention_events(ctx: &Ctx, out: &mut Vec<Event>) {
    let old = &ctx.of.retention;
    let new = &ctx.nf.retention;
    let mut new_used = vec![false; new.len()];
    let mut old_left: Vec<usize> = Vec::new();
    for (i, o) in old.iter().enumerate() {
        let m = new
            .iter()
            .enumerate()
            .position(|(j, n)| !new_used[j] && n.subject == o.subject && n.value == o.value);
        match m {
            Some(j) => new_used[j] = true,
            None => old_left.push(i),
        }
    }
    let mut new_left: Vec<usize> = (0..new.len()).filter(|&j| !new_used[j]).collect();
    let section_of = |facts: &DocFacts, f: &RetentionFact| facts.sentences[f.occ].section;
    let aligned_pairs: HashSet<(usize, usize)> = ctx
        .pairs
        .iter()
        .filter_map(|p| Some((p.old?, p.new?)))
        .collect();
    let aligned = |i: usize, j: usize| {
        aligned_pairs.contains(&(section_of(ctx.of, &old[i]), section_of(ctx.nf, &new[j])))
    };
    // Word sets of the leftover facts' sentences, built once.
    let old_words: HashMap<usize, HashSet<String>> = old_left
        .iter()
        .map(|&i| (i, words(ctx.of.sentences[old[i].occ].text)))
        .collect();
    let new_words: HashMap<usize, HashSet<String>> = new_left
        .iter()
        .map(|&j| (j, words(ctx.nf.sentences[new[j].occ].text)))
        .collect();
    let sim = |i: usize, j: usize| match (old_words.get(&i), new_words.get(&j)) {
        (Some(a), Some(b)) => jaccard(a, b),
        _ => 0.0,
    };
    // The same period whose subject wording changed ("your data" → "your
    // content") in the same place or a similar sentence is no change.
    old_left.retain(|&i| {
        let o = &old[i];
        let same = new_left
            .iter()
            .position(|&j| new[j].value == o.value && (aligned(i, j) || sim(i, j) >= 0.3));
        match same {
            Some(k) => {
                new_left.remove(k);
                false
            }
            None => true,
        }
    });
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut still_old = Vec::new();
    for &i in &old_left {
        let o = &old[i];
        let score = |j: usize| -> f64 {
            let n = &new[j];
            let sim = sim(i, j);
            let same_subject = o.subject.is_some() && o.subject == n.subject;
            let differing_subject = o.subject.is_some() && n.subject.is_some() && !same_subject;
            if differing_subject {
                return 0.0;
            }
            let mut s = sim;
            if same_subject {
                s += 1.0;
            }
            if aligned(i, j) {
                s += 0.5;
            }
            s
        };
        let best = new_left
            .iter()
            .copied()
            .map(|j| (j, score(j)))
            .filter(|(_, s)| *s >= 0.4)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((j, _)) => {
                new_left.retain(|&x| x != j);
                pairs.push((i, j));
            }
            None => still_old.push(i),
        }
    }
    for (i, j) in pairs {
        let (o, n) = (&old[i], &new[j]);
        if o.value == n.value {
            continue;
        }
        let severity = if n.value.days() > o.value.days() {
            Severity::High
        } else {
            Severity::Low
        };
        out.push(ctx.event(
            "retention.changed".into(),
            n.subject.clone().or_else(|| o.subject.clone()),
            (Some(o.value.value()), Some(n.value.value())),
            severity,
            Some(o.occ),
            Some(n.occ),
        ));
    }
    // Several new statements of one period ("blind analytics data after 30
    // days", "blind identifiers after 30 days") are one new period; the one
    // that names what is kept speaks for them.
    still_old.sort_by_key(|&i| (old[i].subject.is_none(), i));
    new_left.sort_by_key(|&j| (new[j].subject.is_none(), j));
    let mut seen = HashSet::new();
    for i in still_old {
        let o = &old[i];
        if !seen.insert(("removed", o.value)) {
            continue;
        }
        out.push(ctx.event(
            "retention.removed".into(),
            o.subject.clone(),
            (Some(o.value.value()), None),
            Severity::Low,
            Some(o.occ),
            None,
        ));
    }
    for j in new_left {
        let n = &new[j];
        if !seen.insert(("added", n.value)) {
            continue;
        }
        let severity = if n.value.days() == u64::MAX {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(ctx.event(
            "retention.added".into(),
            n.subject.clone(),
            (None, Some(n.value.value())),
            severity,
            None,
            Some(n.occ),
        ));
    }
}

/// The single-valued facts: effective date, sale stance, children's age,
/// AI training.
pub fn value_events(ctx: &Ctx, out: &mut Vec<Event>) {
    if let (Some((od, oo)), Some((nd, no))) = (ctx.of.effective, ctx.nf.effective)
        && od != nd
    {
        out.push(ctx.event(
            "effective_date.changed".into(),
            None,
            (Some(od.to_string()), Some(nd.to_string())),
            Severity::Info,
            Some(oo),
            Some(no),
        ));
    }

    let (os, oo) = ctx.of.stance();
    let (ns, no) = ctx.nf.stance();
    if os != ns {
        let severity = if ns > os {
            Severity::High
        } else {
            Severity::Low
        };
        out.push(ctx.event(
            "sale.changed".into(),
            None,
            (Some(os.as_str().into()), Some(ns.as_str().into())),
            severity,
            oo,
            no,
        ));
    }

    if let (Some((oa, oo)), Some((na, no))) = (ctx.of.age(), ctx.nf.age())
        && oa != na
    {
        out.push(ctx.event(
            "children.age_changed".into(),
            None,
            (Some(oa.to_string()), Some(na.to_string())),
            Severity::Medium,
            Some(oo),
            Some(no),
        ));
    }

    match (ctx.of.ai_training.is_empty(), ctx.nf.ai_training.is_empty()) {
        (true, false) => out.push(ctx.event(
            "ai_training.added".into(),
            None,
            (None, None),
            Severity::High,
            None,
            ctx.pick_new(&ctx.nf.ai_training),
        )),
        (false, true) => out.push(ctx.event(
            "ai_training.removed".into(),
            None,
            (None, None),
            Severity::Low,
            ctx.pick_old(&ctx.of.ai_training),
            None,
        )),
        _ => {}
    }
}

/// Parts a section may be split into for each to count as a new section.
const MAX_SPLIT_PARTS: usize = 3;

/// Section events straight from the alignment.
pub fn section_events(old: &Document, new: &Document, pairs: &[Pair], out: &mut Vec<Event>) {
    fn heading(doc: &Document, i: Option<usize>) -> Option<&str> {
        i.and_then(|i| doc.sections.get(i))
            .map(|s| s.heading.as_str())
            .filter(|h| !h.is_empty())
    }
    // A part split off under a heading of its own is a new section to the
    // reader ("Billing Information" broken out of "Identity & access"). A
    // section cut into many parts is a change of markup (bold paragraphs
    // turned headings), not new sections, and headings found in the old
    // version anyway are no event. Merged parts stay silent for the same
    // reason: their text is still there.
    let part_key = |p: &Pair| {
        if p.relation != Some(Relation::Split) || p.status != SectionStatus::Modified {
            return None;
        }
        let (oh, nh) = (heading(old, p.old)?, heading(new, p.new)?);
        let nk = heading_key(nh);
        (heading_key(oh) != nk).then_some(nk)
    };
    let mut parts_of: HashMap<usize, usize> = HashMap::new();
    for p in pairs {
        if let (Some(i), Some(_)) = (p.old, part_key(p)) {
            *parts_of.entry(i).or_default() += 1;
        }
    }
    // Only split parts need the old headings' keys; most diffs have none.
    let old_keys: std::cell::OnceCell<HashSet<String>> = std::cell::OnceCell::new();
    for p in pairs {
        let (oh, nh) = (heading(old, p.old), heading(new, p.new));
        let new_part = part_key(p).is_some_and(|nk| {
            p.old
                .and_then(|i| parts_of.get(&i))
                .is_some_and(|&n| n <= MAX_SPLIT_PARTS)
                && !old_keys
                    .get_or_init(|| {
                        old.sections
                            .iter()
                            .map(|s| heading_key(&s.heading))
                            .collect()
                    })
                    .contains(&nk)
        });
        let status = if new_part {
            SectionStatus::Added
        } else {
            p.status
        };
        let (kind, subject, from, to, severity) = match status {
            SectionStatus::Added if nh.is_some() => {
                ("section.added", nh, None, None, Severity::Low)
            }
            SectionStatus::Removed if oh.is_some() => {
                ("section.removed", oh, None, None, Severity::Low)
            }
            SectionStatus::Renamed if oh != nh && !only_dates_differ(oh, nh) => {
                ("section.renamed", None, oh, nh, Severity::Info)
            }
            SectionStatus::Moved if nh.is_some() => {
                ("section.moved", nh, None, None, Severity::Info)
            }
            _ => continue,
        };
        let owned = |h: Option<&str>| h.map(str::to_string);
        out.push(Event {
            kind: kind.into(),
            subject: owned(subject),
            from: owned(from),
            to: owned(to),
            severity,
            section: match status {
                SectionStatus::Added => Sides {
                    old: None,
                    new: owned(nh),
                },
                SectionStatus::Removed => Sides {
                    old: owned(oh),
                    new: None,
                },
                _ => Sides {
                    old: owned(oh),
                    new: owned(nh),
                },
            },
            evidence: Sides::default(),
        });
    }
}

/// Headings that differ only in a date ("Updated September 18, 2024" →
/// "Updated January 31, 2025", "Stand 19.02.2024"): the date change is what
/// `effective_date.changed` reports, not a new name for the section.
fn only_dates_differ(a: Option<&str>, b: Option<&str>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    let months = super::lexicon::lexicon().map(|l| &l.months);
    let strip = |h: &str| -> Vec<String> {
        let key = heading_key(h);
        key.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
            .filter(|w| {
                !w.is_empty()
                    && !w.chars().any(|c| c.is_ascii_digit())
                    && !months.is_some_and(|m| m.contains_key(&super::scan::fold(w).0))
            })
            .collect()
    };
    let (sa, sb) = (strip(a), strip(b));
    !sa.is_empty() && sa == sb
}

/// [`only_dates_differ`] on two headings, for tests.
#[cfg(test)]
pub(crate) fn only_dates_differ_for_test(a: &str, b: &str) -> bool {
    only_dates_differ(Some(a), Some(b))
}
