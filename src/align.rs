//! Section alignment across two versions, by heading and content together,
//! so that renames, moves, splits and merges are recognised as such.
//!
//! Passes, cheapest first, each only over what the previous ones left:
//! 1. same folded heading and same body (hash map);
//! 2. same folded heading (a rewritten section keeps its heading);
//! 3. same body under another heading (a pure rename);
//! 4. content similarity over hashed word 3-shingles. Candidates come from an
//!    inverted index of *rare* shingles with a cap per section, never from an
//!    all-pairs matrix, so the whole alignment is O(n log n) in sections and
//!    linear in text;
//! 5. splits and merges: a leftover section mostly contained in one section
//!    of the other side becomes a part of it.
//!
//! Moves are the matched sections off a longest increasing subsequence of old
//! indices taken in new order.

pub(crate) mod features;
mod lis;

use std::cell::OnceCell;
use std::cmp::Reverse;
use std::collections::VecDeque;

use features::FastMap as HashMap;

use crate::model::Section;
use crate::report::SectionStatus;

pub use features::fold_heading;

/// How a pair takes part in a split or merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// One old section became several new ones; the old index appears in
    /// one pair per part.
    Split,
    /// Several old sections became one new one; the new index appears in one
    /// pair per part.
    Merge,
}

/// One entry of an alignment. An old index may appear in several pairs (a
/// split) and so may a new index (a merge).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// Index into the old sections, if this section exists there.
    pub old: Option<usize>,
    /// Index into the new sections, if this section exists there.
    pub new: Option<usize>,
    /// What happened to it. Parts of a split or merge other than the main
    /// one are `Modified`.
    pub status: SectionStatus,
    /// Body similarity 0–1: Dice over word 3-shingles for one-to-one pairs,
    /// containment of the part for the extra parts of a split or merge.
    pub similarity: f64,
    /// Set when the pair belongs to a split or merge.
    pub relation: Option<Relation>,
}

/// Shingles shared by more sections than this are too common to suggest a
/// pairing (boilerplate, repeated clauses) and are left out of the index.
const COMMON_SHINGLE: usize = 8;
/// Candidates scored per leftover section.
const CANDIDATES: usize = 8;
/// Containment is only trusted for sections with at least this many shingles.
const MIN_CONTAINED: usize = 6;
/// Dice at or above which two leftover sections are the same section.
const SAME_DICE: f64 = 0.5;
/// Dice needed when one side has fewer than [`MIN_CONTAINED`] shingles.
const TINY_SAME_DICE: f64 = 0.8;
/// Lower Dice accepted when the headings agree too.
const WEAK_DICE: f64 = 0.3;
/// Heading word Jaccard that counts as "headings agree".
const SAME_HEADING: f64 = 0.5;
/// Containment at which one section is the other, grown or cut.
const SAME_CONTAINED: f64 = 0.7;
/// Containment at which a leftover section is a part of a split or merge.
const PART_CONTAINED: f64 = 0.6;

/// Per-side features, shingles computed only for sections that need them.
struct Side<'a> {
    secs: &'a [Section],
    /// Hashes of the folded headings.
    keys: Vec<u64>,
    hashes: Vec<u64>,
    shingles: Vec<OnceCell<Vec<u64>>>,
    heads: Vec<OnceCell<Vec<u64>>>,
}

impl<'a> Side<'a> {
    fn new(secs: &'a [Section]) -> Self {
        Side {
            secs,
            keys: secs
                .iter()
                .map(|s| features::hash_str(&fold_heading(&s.heading)))
                .collect(),
            hashes: secs.iter().map(features::body_hash).collect(),
            shingles: secs.iter().map(|_| OnceCell::new()).collect(),
            heads: secs.iter().map(|_| OnceCell::new()).collect(),
        }
    }

    fn sh(&self, i: usize) -> &[u64] {
        self.shingles[i].get_or_init(|| features::shingles(&self.secs[i]))
    }

    fn head(&self, i: usize) -> &[u64] {
        self.heads[i].get_or_init(|| features::heading_words(&fold_heading(&self.secs[i].heading)))
    }

    fn has_body(&self, i: usize) -> bool {
        self.secs[i].paragraphs.iter().any(|p| !p.trim().is_empty())
    }
}

/// A scored candidate pairing of old `i` and new `j`.
#[derive(Debug, Clone, Copy)]
struct Edge {
    i: usize,
    j: usize,
    dice: f64,
    /// Share of the old section's shingles found in the new one.
    cont_old: f64,
    /// Share of the new section's shingles found in the old one.
    cont_new: f64,
    old_len: usize,
    new_len: usize,
    head: f64,
}

impl Edge {
    fn new(o: &Side, n: &Side, i: usize, j: usize) -> Edge {
        let (a, b) = (o.sh(i), n.sh(j));
        let inter = features::intersection(a, b) as f64;
        let ratio = |len: usize| if len == 0 { 0.0 } else { inter / len as f64 };
        Edge {
            i,
            j,
            dice: features::dice(a, b),
            cont_old: ratio(a.len()),
            cont_new: ratio(b.len()),
            old_len: a.len(),
            new_len: b.len(),
            head: features::jaccard(o.head(i), n.head(j)),
        }
    }

    /// Score as a one-to-one pairing, if it is acceptable as one.
    fn one_to_one(&self) -> Option<f64> {
        let mut cont: f64 = 0.0;
        if self.old_len >= MIN_CONTAINED && self.cont_old >= SAME_CONTAINED {
            cont = cont.max(self.cont_old);
        }
        if self.new_len >= MIN_CONTAINED && self.cont_new >= SAME_CONTAINED {
            cont = cont.max(self.cont_new);
        }
        // A few words in common mean little: tiny sections need more.
        let tiny = self.old_len.min(self.new_len) < MIN_CONTAINED;
        let (same, weak) = if tiny {
            (TINY_SAME_DICE, SAME_DICE)
        } else {
            (SAME_DICE, WEAK_DICE)
        };
        let ok =
            self.dice >= same || (self.dice >= weak && self.head >= SAME_HEADING) || cont > 0.0;
        ok.then(|| self.dice.max(0.8 * cont) + 0.15 * self.head)
    }
}

/// The state of matching while passes run.
struct Matching {
    old_to_new: Vec<Option<usize>>,
    new_to_old: Vec<Option<usize>>,
}

impl Matching {
    fn link(&mut self, i: usize, j: usize) {
        self.old_to_new[i] = Some(j);
        self.new_to_old[j] = Some(i);
    }
}

/// Align `old` and `new` sections. The result is in new-document order, with
/// removed sections placed where they used to be. Every old and every new
/// index appears in at least one pair.
pub fn align(old: &[Section], new: &[Section]) -> Vec<Pair> {
    let o = Side::new(old);
    let n = Side::new(new);
    let mut m = Matching {
        old_to_new: vec![None; old.len()],
        new_to_old: vec![None; new.len()],
    };
    match_exact(&o, &n, &mut m);
    match_same_heading(&o, &n, &mut m);
    match_same_body(&o, &n, &mut m);

    let left_old: Vec<usize> = (0..old.len())
        .filter(|&i| m.old_to_new[i].is_none())
        .collect();
    let left_new: Vec<usize> = (0..new.len())
        .filter(|&j| m.new_to_old[j].is_none())
        .collect();
    let mut extra_new: Vec<Vec<usize>> = vec![Vec::new(); old.len()];
    let mut extra_old: Vec<Vec<usize>> = vec![Vec::new(); new.len()];
    if !left_old.is_empty() || !left_new.is_empty() {
        let edges = candidate_edges(&o, &n, &m, &left_old, &left_new);
        match_similar(&edges, &mut m);
        match_parts(&edges, &mut m, &mut extra_new, &mut extra_old);
        match_same_place(&o, &n, &mut m, &extra_new, &extra_old);
    }
    assemble(&o, &n, &m, &extra_new, &extra_old)
}

/// Pass 1: same folded heading and same body, first come first served.
fn match_exact(o: &Side, n: &Side, m: &mut Matching) {
    let mut by: HashMap<(u64, u64), VecDeque<usize>> = HashMap::default();
    for i in 0..o.secs.len() {
        by.entry((o.keys[i], o.hashes[i])).or_default().push_back(i);
    }
    for j in 0..n.secs.len() {
        if let Some(i) = by
            .get_mut(&(n.keys[j], n.hashes[j]))
            .and_then(VecDeque::pop_front)
        {
            m.link(i, j);
        }
    }
}

/// Pass 2: same folded heading. Repeated headings pair by content when the
/// group is small, in order otherwise.
fn match_same_heading(o: &Side, n: &Side, m: &mut Matching) {
    let mut groups: HashMap<u64, (Vec<usize>, Vec<usize>)> = HashMap::default();
    for i in (0..o.secs.len()).filter(|&i| m.old_to_new[i].is_none()) {
        groups.entry(o.keys[i]).or_default().0.push(i);
    }
    for j in (0..n.secs.len()).filter(|&j| m.new_to_old[j].is_none()) {
        if let Some(g) = groups.get_mut(&n.keys[j]) {
            g.1.push(j);
        }
    }
    let mut keys: Vec<u64> = groups.keys().copied().collect();
    keys.sort_unstable();
    for key in keys {
        let (olds, news) = &groups[&key];
        if olds.is_empty() || news.is_empty() {
            continue;
        }
        if olds.len() * news.len() <= 64 && olds.len() > 1 && news.len() > 1 {
            let mut cands: Vec<(f64, usize, usize)> = Vec::new();
            for &i in olds {
                for &j in news {
                    cands.push((features::dice(o.sh(i), n.sh(j)), i, j));
                }
            }
            cands.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
            for (_, i, j) in cands {
                if m.old_to_new[i].is_none() && m.new_to_old[j].is_none() {
                    m.link(i, j);
                }
            }
        } else {
            for (&i, &j) in olds.iter().zip(news) {
                m.link(i, j);
            }
        }
    }
}

/// Pass 3: the same non-empty body under a different heading.
fn match_same_body(o: &Side, n: &Side, m: &mut Matching) {
    let mut by: HashMap<u64, VecDeque<usize>> = HashMap::default();
    for i in (0..o.secs.len()).filter(|&i| m.old_to_new[i].is_none() && o.has_body(i)) {
        by.entry(o.hashes[i]).or_default().push_back(i);
    }
    if by.is_empty() {
        return;
    }
    for j in 0..n.secs.len() {
        if m.new_to_old[j].is_some() || !n.has_body(j) {
            continue;
        }
        if let Some(i) = by.get_mut(&n.hashes[j]).and_then(VecDeque::pop_front) {
            m.link(i, j);
        }
    }
}

/// An inverted-index posting list; dropped once the shingle proves common.
#[derive(Default)]
struct Posting {
    ids: Vec<u32>,
    common: bool,
}

/// For each query section, up to [`CANDIDATES`] target sections sharing the
/// most rare shingles with it. Only shingles that occur in some query are
/// indexed, so the map stays as small as the leftovers.
fn candidates(q: &Side, queries: &[usize], t: &Side, targets: &[usize]) -> Vec<(usize, usize)> {
    let mut index: HashMap<u64, Posting> = HashMap::default();
    for &qi in queries {
        for &s in q.sh(qi) {
            index.entry(s).or_default();
        }
    }
    let mut scratch = Vec::new();
    for &ti in targets {
        let id = ti as u32;
        let mut add = |s: u64| {
            if let Some(p) = index.get_mut(&s) {
                // Repeats within one section are adjacent in the list.
                if p.common || p.ids.last() == Some(&id) {
                    return;
                }
                p.ids.push(id);
                if p.ids.len() > COMMON_SHINGLE {
                    p.common = true;
                    p.ids = Vec::new();
                }
            }
        };
        match t.shingles[ti].get() {
            Some(set) => set.iter().for_each(|&s| add(s)),
            // Most targets are never candidates: stream their shingles
            // rather than build and sort a set for each.
            None => features::for_each_shingle(&t.secs[ti], &mut scratch, add),
        }
    }
    let mut out = Vec::new();
    let mut counts: HashMap<u32, u32> = HashMap::default();
    let mut best: Vec<(Reverse<u32>, u32)> = Vec::new();
    for &qi in queries {
        counts.clear();
        for s in q.sh(qi) {
            if let Some(p) = index.get(s) {
                for &ti in &p.ids {
                    *counts.entry(ti).or_default() += 1;
                }
            }
        }
        // Top candidates by shared shingles, ties to the earlier section.
        best.clear();
        best.extend(counts.iter().map(|(&ti, &c)| (Reverse(c), ti)));
        if best.len() > CANDIDATES {
            best.select_nth_unstable(CANDIDATES);
            best.truncate(CANDIDATES);
        }
        out.extend(best.iter().map(|&(_, ti)| (qi, ti as usize)));
    }
    out
}

/// Scored candidate pairs for the leftovers of both sides. A leftover may
/// pair with a leftover of the other side, or be a split or merge part of a
/// matched section; but a section that gave text away to a split part (or
/// took text in from a merged one) cannot still equal its partner, so only
/// leftovers and changed matched sections are scanned, not whole documents.
fn candidate_edges(
    o: &Side,
    n: &Side,
    m: &Matching,
    left_old: &[usize],
    left_new: &[usize],
) -> Vec<Edge> {
    let changed_old: Vec<usize> = (0..o.secs.len())
        .filter(|&i| m.old_to_new[i].is_none_or(|j| o.hashes[i] != n.hashes[j]))
        .collect();
    let changed_new: Vec<usize> = (0..n.secs.len())
        .filter(|&j| m.new_to_old[j].is_none_or(|i| o.hashes[i] != n.hashes[j]))
        .collect();
    let mut ij: Vec<(usize, usize)> = Vec::new();
    if !left_new.is_empty() {
        ij.extend(
            candidates(n, left_new, o, &changed_old)
                .into_iter()
                .map(|(j, i)| (i, j)),
        );
    }
    if !left_old.is_empty() {
        ij.extend(candidates(o, left_old, n, &changed_new));
    }
    ij.sort_unstable();
    ij.dedup();
    ij.into_iter().map(|(i, j)| Edge::new(o, n, i, j)).collect()
}

/// Pass 4: greedy one-to-one pairing of leftovers, best score first.
fn match_similar(edges: &[Edge], m: &mut Matching) {
    let mut scored: Vec<(f64, usize, usize)> = edges
        .iter()
        .filter(|e| m.old_to_new[e.i].is_none() && m.new_to_old[e.j].is_none())
        .filter_map(|e| e.one_to_one().map(|s| (s, e.i, e.j)))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    for (_, i, j) in scored {
        if m.old_to_new[i].is_none() && m.new_to_old[j].is_none() {
            m.link(i, j);
        }
    }
}

/// Pass 5: splits, then merges. A part with no main pair is promoted to be
/// the main pair; a group of one is then a plain one-to-one pair.
fn match_parts(
    edges: &[Edge],
    m: &mut Matching,
    extra_new: &mut [Vec<usize>],
    extra_old: &mut [Vec<usize>],
) {
    let n_new = m.new_to_old.len();
    let n_old = m.old_to_new.len();
    // Best container for each leftover new section.
    let mut split_of: Vec<Option<(f64, usize)>> = vec![None; n_new];
    for e in edges {
        if m.new_to_old[e.j].is_some() || e.new_len < MIN_CONTAINED || e.cont_new < PART_CONTAINED {
            continue;
        }
        if split_of[e.j].is_none_or(|(c, i)| e.cont_new > c || (e.cont_new == c && e.i < i)) {
            split_of[e.j] = Some((e.cont_new, e.i));
        }
    }
    let mut is_part_new = vec![false; n_new];
    for (j, s) in split_of.iter().enumerate() {
        if let Some((_, i)) = s {
            extra_new[*i].push(j);
            is_part_new[j] = true;
        }
    }
    // Merges: a leftover old section mostly contained in a new section that
    // is not already part of a split.
    let mut merge_of: Vec<Option<(f64, usize)>> = vec![None; n_old];
    for e in edges {
        if m.old_to_new[e.i].is_some()
            || !extra_new[e.i].is_empty()
            || is_part_new[e.j]
            || e.old_len < MIN_CONTAINED
            || e.cont_old < PART_CONTAINED
        {
            continue;
        }
        if m.new_to_old[e.j].is_some_and(|k| !extra_new[k].is_empty()) {
            continue;
        }
        if merge_of[e.i].is_none_or(|(c, j)| e.cont_old > c || (e.cont_old == c && e.j < j)) {
            merge_of[e.i] = Some((e.cont_old, e.j));
        }
    }
    for (i, s) in merge_of.iter().enumerate() {
        if let Some((_, j)) = s {
            extra_old[*j].push(i);
        }
    }
    for (i, parts) in extra_new.iter_mut().enumerate() {
        if m.old_to_new[i].is_none() && !parts.is_empty() {
            let j = parts.remove(0);
            m.link(i, j);
        }
    }
    for (j, parts) in extra_old.iter_mut().enumerate() {
        if m.new_to_old[j].is_none() && !parts.is_empty() {
            let i = parts.remove(0);
            m.link(i, j);
        }
    }
}

/// Pass 6: the same place. One leftover old section and one leftover new
/// section alone between the same two aligned neighbours (or the same end of
/// the document), at the same level and sharing a heading word, are one
/// section rewritten and renamed ("Deleted data" → "When you delete data in
/// your product accounts", a retitled H1), not a removal plus an addition.
/// One linear walk over the old sections.
fn match_same_place(
    o: &Side,
    n: &Side,
    m: &mut Matching,
    extra_new: &[Vec<usize>],
    extra_old: &[Vec<usize>],
) {
    let (n_old, n_new) = (o.secs.len(), n.secs.len());
    let part_old: Vec<bool> = {
        let mut v = vec![false; n_old];
        extra_old.iter().flatten().for_each(|&i| v[i] = true);
        v
    };
    let part_new: Vec<bool> = {
        let mut v = vec![false; n_new];
        extra_new.iter().flatten().for_each(|&j| v[j] = true);
        v
    };
    let mut a = 0;
    while a < n_old {
        if m.old_to_new[a].is_some() {
            a += 1;
            continue;
        }
        let mut b = a;
        while b < n_old && m.old_to_new[b].is_none() {
            b += 1;
        }
        // Old gap a..b; its neighbours' partners bound the new gap.
        let lo = if a == 0 {
            Some(0)
        } else {
            m.old_to_new[a - 1].map(|j| j + 1)
        };
        let hi = if b == n_old {
            Some(n_new)
        } else {
            m.old_to_new[b]
        };
        if let (Some(lo), Some(hi)) = (lo, hi)
            && b - a == 1
            && hi == lo + 1
        {
            let (i, j) = (a, lo);
            if m.new_to_old[j].is_none()
                && !part_old[i]
                && !part_new[j]
                && o.secs[i].level == n.secs[j].level
                && o.sh(i).len() >= MIN_CONTAINED
                && n.sh(j).len() >= MIN_CONTAINED
                && shared_stems(&o.secs[i].heading, &n.secs[j].heading) >= 2
            {
                m.link(i, j);
            }
        }
        a = b;
    }
}

/// Heading words of three letters or more, crudely stemmed ("deleted" and
/// "delete" agree), that two headings share. One shared word ("Old part",
/// "New part") says nothing; two do.
fn shared_stems(a: &str, b: &str) -> usize {
    fn stems(h: &str) -> Vec<String> {
        let mut v: Vec<String> = fold_heading(h)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3)
            .map(|w| {
                let w = w.to_lowercase();
                let cut = ["ing", "ed", "es", "s", "e"]
                    .iter()
                    .find_map(|suf| w.strip_suffix(suf).filter(|r| r.len() >= 3));
                cut.unwrap_or(&w).to_string()
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
    let sb = stems(b);
    stems(a)
        .iter()
        .filter(|w| sb.binary_search(w).is_ok())
        .count()
}

/// Statuses, similarities and the output order.
fn assemble(
    o: &Side,
    n: &Side,
    m: &Matching,
    extra_new: &[Vec<usize>],
    extra_old: &[Vec<usize>],
) -> Vec<Pair> {
    let main: Vec<(usize, usize)> = (0..n.secs.len())
        .filter_map(|j| m.new_to_old[j].map(|i| (i, j)))
        .collect();
    let olds_in_new_order: Vec<usize> = main.iter().map(|&(i, _)| i).collect();
    let mut in_order = vec![false; o.secs.len()];
    for p in lis::longest_increasing(&olds_in_new_order) {
        in_order[main[p].0] = true;
    }
    let part_of_old: Vec<bool> = {
        let mut v = vec![false; o.secs.len()];
        for list in extra_old {
            for &i in list {
                v[i] = true;
            }
        }
        v
    };

    let mut container_of_new: Vec<Option<usize>> = vec![None; n.secs.len()];
    for (i, parts) in extra_new.iter().enumerate() {
        for &j in parts {
            container_of_new[j] = Some(i);
        }
    }

    let mut out: Vec<Pair> = Vec::with_capacity(o.secs.len().max(n.secs.len()));
    let mut last_pos_of_old: Vec<Option<usize>> = vec![None; o.secs.len()];
    let mut push = |out: &mut Vec<Pair>, p: Pair| {
        if let Some(i) = p.old {
            last_pos_of_old[i] = Some(out.len());
        }
        out.push(p);
    };
    for j in 0..n.secs.len() {
        let merged = !extra_old[j].is_empty();
        let mut here: Vec<Pair> = Vec::new();
        if let Some(i) = m.new_to_old[j] {
            let relation = if !extra_new[i].is_empty() {
                Some(Relation::Split)
            } else if merged {
                Some(Relation::Merge)
            } else {
                None
            };
            let same_body = o.hashes[i] == n.hashes[j];
            let status = if o.keys[i] != n.keys[j] {
                SectionStatus::Renamed
            } else if !in_order[i] {
                SectionStatus::Moved
            } else if !same_body {
                SectionStatus::Modified
            } else {
                SectionStatus::Unchanged
            };
            // Shingles ignore case and punctuation; a changed body must
            // still not read as 1.00.
            let similarity = if same_body {
                1.0
            } else {
                features::dice(o.sh(i), n.sh(j)).min(0.99)
            };
            here.push(Pair {
                old: Some(i),
                new: Some(j),
                status,
                similarity,
                relation,
            });
        }
        for &i in &extra_old[j] {
            here.push(Pair {
                old: Some(i),
                new: Some(j),
                status: SectionStatus::Modified,
                similarity: containment(o.sh(i), n.sh(j)),
                relation: Some(Relation::Merge),
            });
        }
        if m.new_to_old[j].is_none() {
            // A split part: its container is the old section listing it.
            if let Some(i) = container_of_new[j] {
                here.push(Pair {
                    old: Some(i),
                    new: Some(j),
                    status: SectionStatus::Modified,
                    similarity: containment(n.sh(j), o.sh(i)),
                    relation: Some(Relation::Split),
                });
            } else {
                here.push(Pair {
                    old: None,
                    new: Some(j),
                    status: SectionStatus::Added,
                    similarity: 0.0,
                    relation: None,
                });
            }
        }
        here.sort_by_key(|p| p.old);
        for p in here {
            push(&mut out, p);
        }
    }

    // Removed sections go right after the in-order section that preceded
    // them in the old version.
    let mut keyed: Vec<((usize, u8, usize), Pair)> = out
        .into_iter()
        .enumerate()
        .map(|(pos, p)| ((pos + 1, 0, 0), p))
        .collect();
    let mut anchor = 0;
    for i in 0..o.secs.len() {
        let matched = m.old_to_new[i].is_some() || part_of_old[i];
        if matched {
            if let (true, Some(p)) = (in_order[i], last_pos_of_old[i]) {
                anchor = p + 1;
            }
            continue;
        }
        keyed.push((
            (anchor, 1, i),
            Pair {
                old: Some(i),
                new: None,
                status: SectionStatus::Removed,
                similarity: 0.0,
                relation: None,
            },
        ));
    }
    keyed.sort_by_key(|(k, _)| *k);
    keyed.into_iter().map(|(_, p)| p).collect()
}

/// Share of `part`'s shingles found in `whole`.
fn containment(part: &[u64], whole: &[u64]) -> f64 {
    if part.is_empty() {
        return 0.0;
    }
    features::intersection(part, whole) as f64 / part.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use SectionStatus::*;

    fn sec(heading: &str, body: &[&str]) -> Section {
        Section {
            heading: heading.to_string(),
            level: 1,
            path: vec![heading.to_string()],
            paragraphs: body.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Deterministic pseudo-random prose: distinct sections get distinct text.
    fn prose(seed: u64, words: usize) -> String {
        const SYL: [&str; 16] = [
            "da", "ta", "pri", "va", "cy", "con", "sent", "pro", "ces", "sor", "re", "ten", "ti",
            "on", "mar", "ket",
        ];
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut out = Vec::with_capacity(words);
        for _ in 0..words {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = 2 + (x % 3) as usize;
            let w: String = (0..n)
                .map(|k| SYL[((x >> (4 * k + 8)) & 15) as usize])
                .collect();
            out.push(w);
        }
        out.join(" ") + "."
    }

    fn statuses(pairs: &[Pair]) -> Vec<(Option<usize>, Option<usize>, SectionStatus)> {
        pairs.iter().map(|p| (p.old, p.new, p.status)).collect()
    }

    fn covers_all(pairs: &[Pair], n_old: usize, n_new: usize) -> bool {
        (0..n_old).all(|i| pairs.iter().any(|p| p.old == Some(i)))
            && (0..n_new).all(|j| pairs.iter().any(|p| p.new == Some(j)))
    }

    const COOKIES: &str = "We use cookies to keep you signed in and to remember your preferences. \
        Cookies are small text files stored by your browser. You can block them in your \
        browser settings, but some features will stop working.";
    const RETENTION: &str = "We keep your account data for as long as your account is active. \
        After you cancel, we delete it within 30 days, except backups, which roll off \
        within 60 days. Billing records are kept for seven years for tax purposes.";
    const RIGHTS: &str = "You have the right to access, correct and delete your personal data. \
        You may also object to processing and ask for a copy in a portable format. \
        Write to privacy@example.com and we will answer within 30 days.";
    const SECURITY: &str = "All data is encrypted in transit with TLS and at rest with AES. \
        Access to production systems is limited to a small team and is logged. \
        We run regular penetration tests with outside firms.";

    #[test]
    fn identical_documents_are_unchanged_in_order() {
        let d = vec![sec("Cookies", &[COOKIES]), sec("Retention", &[RETENTION])];
        let pairs = align(&d, &d);
        assert_eq!(
            statuses(&pairs),
            vec![(Some(0), Some(0), Unchanged), (Some(1), Some(1), Unchanged)]
        );
        assert!(
            pairs
                .iter()
                .all(|p| p.similarity == 1.0 && p.relation.is_none())
        );
    }

    #[test]
    fn heading_case_and_numbering_are_cosmetic() {
        let old = vec![
            sec("1. Cookies", &[COOKIES]),
            sec("2. Retention", &[RETENTION]),
        ];
        let new = vec![
            sec("1. COOKIES", &[COOKIES]),
            sec("3) retention", &[RETENTION]),
        ];
        let pairs = align(&old, &new);
        assert!(pairs.iter().all(|p| p.status == Unchanged), "{pairs:?}");
    }

    #[test]
    fn rewritten_section_under_same_heading_is_modified() {
        let old = vec![sec("Cookies", &[COOKIES]), sec("Retention", &[RETENTION])];
        let new = vec![sec("Cookies", &[SECURITY]), sec("Retention", &[RETENTION])];
        let pairs = align(&old, &new);
        assert_eq!(pairs[0].status, Modified);
        assert_eq!((pairs[0].old, pairs[0].new), (Some(0), Some(0)));
        assert!(pairs[0].similarity < 0.2);
        assert_eq!(pairs[1].status, Unchanged);
    }

    #[test]
    fn renamed_section_with_light_edits_is_renamed() {
        let edited = RETENTION.replace("seven years", "ten years");
        let old = vec![sec("Cookies", &[COOKIES]), sec("Retention", &[RETENTION])];
        let new = vec![
            sec("Cookies", &[COOKIES]),
            sec("How long we keep your data", &[&edited]),
        ];
        let pairs = align(&old, &new);
        assert_eq!(statuses(&pairs)[1], (Some(1), Some(1), Renamed));
        assert!(pairs[1].similarity > 0.8 && pairs[1].similarity < 1.0);
    }

    #[test]
    fn pure_rename_matches_by_body() {
        let old = vec![sec("Security", &[SECURITY])];
        let new = vec![sec("Keeping data safe", &[SECURITY])];
        assert_eq!(
            statuses(&align(&old, &new)),
            vec![(Some(0), Some(0), Renamed)]
        );
    }

    #[test]
    fn moved_section_is_moved_and_the_rest_unchanged() {
        let old = vec![
            sec("Cookies", &[COOKIES]),
            sec("Retention", &[RETENTION]),
            sec("Rights", &[RIGHTS]),
            sec("Security", &[SECURITY]),
        ];
        let new = vec![
            old[1].clone(),
            old[2].clone(),
            old[3].clone(),
            old[0].clone(),
        ];
        let pairs = align(&old, &new);
        assert_eq!(
            statuses(&pairs),
            vec![
                (Some(1), Some(0), Unchanged),
                (Some(2), Some(1), Unchanged),
                (Some(3), Some(2), Unchanged),
                (Some(0), Some(3), Moved),
            ]
        );
    }

    #[test]
    fn moved_and_renamed_is_reported_once_as_renamed() {
        let old = vec![
            sec("Cookies", &[COOKIES]),
            sec("Retention", &[RETENTION]),
            sec("Rights", &[RIGHTS]),
        ];
        let new = vec![
            old[1].clone(),
            old[2].clone(),
            sec("Cookies and similar technologies", &[COOKIES]),
        ];
        let pairs = align(&old, &new);
        assert_eq!(pairs.len(), 3);
        assert_eq!(statuses(&pairs)[2], (Some(0), Some(2), Renamed));
    }

    #[test]
    fn added_and_removed_sections_keep_their_places() {
        let old = vec![
            sec("Cookies", &[COOKIES]),
            sec("Retention", &[RETENTION]),
            sec("Rights", &[RIGHTS]),
        ];
        let new = vec![
            sec("Cookies", &[COOKIES]),
            sec("Rights", &[RIGHTS]),
            sec("Security", &[SECURITY]),
        ];
        let pairs = align(&old, &new);
        assert_eq!(
            statuses(&pairs),
            vec![
                (Some(0), Some(0), Unchanged),
                (Some(1), None, Removed),
                (Some(2), Some(1), Unchanged),
                (None, Some(2), Added),
            ]
        );
    }

    #[test]
    fn removed_first_section_comes_first() {
        let old = vec![sec("Cookies", &[COOKIES]), sec("Retention", &[RETENTION])];
        let new = vec![sec("Retention", &[RETENTION])];
        assert_eq!(
            statuses(&align(&old, &new)),
            vec![(Some(0), None, Removed), (Some(1), Some(0), Unchanged)]
        );
    }

    #[test]
    fn split_pairs_the_old_section_with_each_part() {
        let old = vec![
            sec("Intro", &[RIGHTS]),
            sec("Data we collect", &[COOKIES, RETENTION]),
        ];
        let new = vec![
            sec("Intro", &[RIGHTS]),
            sec("Cookies", &[COOKIES]),
            sec(
                "How long we keep data",
                &[&RETENTION.replace("seven", "ten")],
            ),
        ];
        let pairs = align(&old, &new);
        assert!(covers_all(&pairs, 2, 3));
        assert!(
            pairs
                .iter()
                .all(|p| p.status != Added && p.status != Removed),
            "{pairs:?}"
        );
        let parts: Vec<_> = pairs
            .iter()
            .filter(|p| p.relation == Some(Relation::Split))
            .map(|p| (p.old, p.new))
            .collect();
        assert_eq!(parts, vec![(Some(1), Some(1)), (Some(1), Some(2))]);
    }

    #[test]
    fn split_keeping_the_heading_on_one_part() {
        let old = vec![sec("Data we collect", &[COOKIES, RETENTION])];
        let new = vec![
            sec("Data we collect", &[COOKIES]),
            sec("Retention", &[RETENTION]),
        ];
        let pairs = align(&old, &new);
        assert_eq!(pairs.len(), 2);
        assert!(
            pairs
                .iter()
                .all(|p| p.old == Some(0) && p.relation == Some(Relation::Split))
        );
        assert_eq!(pairs[0].status, Modified);
    }

    #[test]
    fn merge_pairs_each_old_part_with_the_new_section() {
        let old = vec![
            sec("Cookies", &[COOKIES]),
            sec("Retention", &[RETENTION]),
            sec("Rights", &[RIGHTS]),
        ];
        let new = vec![
            sec("Cookies and retention", &[COOKIES, RETENTION]),
            sec("Rights", &[RIGHTS]),
        ];
        let pairs = align(&old, &new);
        assert!(covers_all(&pairs, 3, 2));
        let parts: Vec<_> = pairs
            .iter()
            .filter(|p| p.relation == Some(Relation::Merge))
            .map(|p| (p.old, p.new))
            .collect();
        assert_eq!(parts, vec![(Some(0), Some(0)), (Some(1), Some(0))]);
        assert!(
            pairs
                .iter()
                .all(|p| p.status != Added && p.status != Removed),
            "{pairs:?}"
        );
        assert_eq!(pairs.last().map(|p| p.status), Some(Unchanged));
    }

    #[test]
    fn unrelated_sections_are_added_and_removed() {
        let old = vec![sec("Cookies", &[COOKIES])];
        let new = vec![sec("Security", &[SECURITY])];
        assert_eq!(
            statuses(&align(&old, &new)),
            vec![(Some(0), None, Removed), (None, Some(0), Added)]
        );
    }

    #[test]
    fn tiny_sections_sharing_a_word_are_not_a_rename() {
        let old = vec![sec("Intro", &["Hello."]), sec("Old part", &["Gone text."])];
        let new = vec![sec("Intro", &["Hello."]), sec("New part", &["Fresh text."])];
        assert_eq!(
            statuses(&align(&old, &new)),
            vec![
                (Some(0), Some(0), Unchanged),
                (Some(1), None, Removed),
                (None, Some(1), Added)
            ]
        );
    }

    #[test]
    fn rewritten_section_in_the_same_place_is_renamed() {
        let old = vec![
            sec("Security", &[SECURITY]),
            sec("Deleted data", &[RETENTION]),
            sec("Cookies", &[COOKIES]),
        ];
        let new = vec![
            sec("Security", &[SECURITY]),
            sec("When you delete data in your accounts", &[RIGHTS]),
            sec("Cookies", &[COOKIES]),
        ];
        assert_eq!(statuses(&align(&old, &new))[1], (Some(1), Some(1), Renamed));
    }

    #[test]
    fn retitled_first_section_is_renamed() {
        let old = vec![
            sec("Basecamp privacy policy", &[RIGHTS]),
            sec("Cookies", &[COOKIES]),
        ];
        let new = vec![
            sec("Privacy policy", &[SECURITY]),
            sec("Cookies", &[COOKIES]),
        ];
        assert_eq!(statuses(&align(&old, &new))[0], (Some(0), Some(0), Renamed));
    }

    #[test]
    fn same_place_with_one_shared_word_is_no_rename() {
        let old = vec![
            sec("Security", &[SECURITY]),
            sec("Data retention", &[RETENTION]),
        ];
        let new = vec![sec("Security", &[SECURITY]), sec("Data sharing", &[RIGHTS])];
        let st = statuses(&align(&old, &new));
        assert!(st.contains(&(Some(1), None, Removed)), "{st:?}");
    }

    #[test]
    fn empty_sides() {
        let d = vec![sec("Cookies", &[COOKIES])];
        assert_eq!(statuses(&align(&[], &d)), vec![(None, Some(0), Added)]);
        assert_eq!(statuses(&align(&d, &[])), vec![(Some(0), None, Removed)]);
        assert!(align(&[], &[]).is_empty());
    }

    /// 2,000 sections with every kind of change at known places.
    #[test]
    fn two_thousand_sections() {
        let n = 2000;
        let old: Vec<Section> = (0..n)
            .map(|k| {
                let h = format!("{}. Topic {}", k + 1, prose(k as u64 + 7, 3));
                sec(&h, &[&prose(k as u64, 60), &prose(k as u64 + 100_000, 40)])
            })
            .collect();
        let mut new: Vec<Section> = Vec::new();
        let mut expect: Vec<(usize, SectionStatus)> = Vec::new(); // by old index
        for (k, s) in old.iter().enumerate() {
            match k % 100 {
                10 => continue, // removed
                20 => {
                    let mut s = s.clone();
                    s.heading = format!("Renamed heading {k}");
                    s.paragraphs[0] = s.paragraphs[0].replacen(' ', " extra ", 1);
                    new.push(s);
                    expect.push((k, Renamed));
                }
                30 => {
                    let mut s = s.clone();
                    s.paragraphs[1] = prose(k as u64 + 555_555, 40);
                    new.push(s);
                    expect.push((k, Modified));
                }
                40 => {
                    new.push(s.clone());
                    expect.push((k, Unchanged));
                    new.push(sec(
                        &format!("Brand new {k}"),
                        &[&prose(k as u64 + 9_999_999, 50)],
                    ));
                }
                _ => {
                    new.push(s.clone());
                    expect.push((k, Unchanged));
                }
            }
        }
        // Move section 5 to the end.
        let pos = new
            .iter()
            .position(|s| s.heading == old[5].heading)
            .unwrap();
        let moved = new.remove(pos);
        new.push(moved);
        let pairs = align(&old, &new);
        assert!(covers_all(&pairs, old.len(), new.len()));
        for (k, st) in expect {
            let want = if k == 5 { Moved } else { st };
            let p = pairs.iter().find(|p| p.old == Some(k)).unwrap();
            assert_eq!(p.status, want, "old section {k}");
            assert_eq!(new[p.new.unwrap()].paragraphs.len(), 2);
        }
        let count = |st| pairs.iter().filter(|p| p.status == st).count();
        assert_eq!(count(Removed), 20);
        assert_eq!(count(Added), 20);
        assert_eq!(count(Moved), 1);
        assert_eq!(count(Renamed), 20);
        assert_eq!(count(Modified), 20);
        // Order: new-document order, with removed old section 10 right after old 9.
        let news: Vec<usize> = pairs.iter().filter_map(|p| p.new).collect();
        assert!(news.windows(2).all(|w| w[0] < w[1]));
        let r = pairs.iter().position(|p| p.old == Some(10)).unwrap();
        assert_eq!(pairs[r - 1].old, Some(9));
    }
}
