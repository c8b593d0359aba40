//! The lexicon compiler, shared by `build.rs` and the library.
//!
//! `build.rs` parses the human-edited TOML files under `lexicons/` with this
//! module, compiles every pattern into one byte trie per case mode and writes
//! the result as a compact binary blob that the library embeds; at run time
//! the blob is only decoded, never parsed or compiled. That moved TOML
//! parsing and automaton construction (about a third of a small `diff`
//! process's instructions) from every start to the build.
//!
//! This file must not refer to the rest of the crate (`crate::…`): the build
//! script includes it with `#[path]`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;

/// Fold a text for matching, keeping byte offsets identical between the two
/// results: `(lowercased, original case)`. Curly quotes, odd spaces and dashes
/// become their ASCII forms so "we’ll" and "we'll" match alike. Runs of ASCII,
/// nearly all of a policy, are copied whole rather than char by char: this
/// folds every sentence of both versions.
pub fn fold(text: &str) -> (String, String) {
    let mut lower = String::with_capacity(text.len());
    let mut cased = String::with_capacity(text.len());
    for piece in Pieces(text) {
        match piece {
            Piece::Ascii(run) => {
                push_ascii_lower(&mut lower, run);
                cased.push_str(run);
            }
            Piece::Char(c) => {
                let c = fold_char(c);
                lower.push(lower_same_len(c));
                cased.push(c);
            }
        }
    }
    (lower, cased)
}

/// Only the lowercased half of [`fold`].
pub fn fold_lower(text: &str) -> String {
    let mut lower = String::with_capacity(text.len());
    for piece in Pieces(text) {
        match piece {
            Piece::Ascii(run) => push_ascii_lower(&mut lower, run),
            Piece::Char(c) => lower.push(lower_same_len(fold_char(c))),
        }
    }
    lower
}

fn push_ascii_lower(out: &mut String, run: &str) {
    let at = out.len();
    out.push_str(run);
    out[at..].make_ascii_lowercase();
}

/// A maximal run of ASCII, or one non-ASCII char.
enum Piece<'a> {
    Ascii(&'a str),
    Char(char),
}

/// A text as [`Piece`]s, in order.
struct Pieces<'a>(&'a str);

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    #[inline]
    fn next(&mut self) -> Option<Piece<'a>> {
        let rest = self.0;
        let n = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        if n > 0 {
            self.0 = &rest[n..];
            return Some(Piece::Ascii(&rest[..n]));
        }
        let c = rest.chars().next()?;
        self.0 = &rest[c.len_utf8()..];
        Some(Piece::Char(c))
    }
}

#[inline]
fn fold_char(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => '"',
        '\u{00A0}' | '\u{2007}' | '\u{202F}' | '\u{2009}' | '\u{200A}' => ' ',
        '\u{2010}' | '\u{2011}' => '-',
        c => c,
    }
}

/// The lowercase of `c` when it is one char of the same UTF-8 length, so
/// that offsets agree between the lowercased and the cased text.
#[inline]
fn lower_same_len(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lc = c.to_lowercase();
    match (lc.next(), lc.next()) {
        (Some(l), None) if l.len_utf8() == c.len_utf8() => l,
        _ => c,
    }
}

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

const FAMILIES: [Family; 8] = [
    Family::TransferMechanism,
    Family::LegalFramework,
    Family::ThirdParty,
    Family::DataCategory,
    Family::Purpose,
    Family::UserRight,
    Family::Tracking,
    Family::Contact,
];

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
        FAMILIES
            .iter()
            .copied()
            .find(|f| *f != Family::Contact && f.prefix() == name)
    }
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
    /// What is kept, by index into the lexicon's retention subjects.
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
    /// A canonical subject, by index into the lexicon's subjects.
    Subject(u16),
}

impl TermKind {
    fn encode(self) -> (u8, u16) {
        use TermKind::*;
        match self {
            Negator => (0, 0),
            ClauseBreak => (1, 0),
            ListIntro => (2, 0),
            DateCue => (3, 0),
            RetentionVerb => (4, 0),
            RetentionIndefinite => (5, 0),
            RetentionSubject(i) => (6, i),
            SaleVerb => (7, 0),
            SalePassive => (8, 0),
            SaleActor => (9, 0),
            SaleObject => (10, 0),
            SaleExclude => (11, 0),
            SaleSharing => (12, 0),
            AiTrain => (13, 0),
            AiModel => (14, 0),
            ChildCue => (15, 0),
            PhoneCue => (16, 0),
            Subject(i) => (17, i),
        }
    }

    fn decode(tag: u8, arg: u16) -> Option<TermKind> {
        use TermKind::*;
        Some(match tag {
            0 => Negator,
            1 => ClauseBreak,
            2 => ListIntro,
            3 => DateCue,
            4 => RetentionVerb,
            5 => RetentionIndefinite,
            6 => RetentionSubject(arg),
            7 => SaleVerb,
            8 => SalePassive,
            9 => SaleActor,
            10 => SaleObject,
            11 => SaleExclude,
            12 => SaleSharing,
            13 => AiTrain,
            14 => AiModel,
            15 => ChildCue,
            16 => PhoneCue,
            17 => Subject(arg),
            _ => return None,
        })
    }
}

/// One pattern's meaning, with where it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// What it means.
    pub kind: TermKind,
    /// The language it belongs to (index into the lexicon's languages);
    /// `None` for the language-neutral topic lexicons.
    pub lang: Option<u8>,
}

/// How a pattern must sit in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternShape {
    /// The match must not continue a word on the left.
    pub left: bool,
    /// The match must not run on into a word on the right (false for `stem*`).
    pub right: bool,
}

/// A byte trie of the patterns, in flat arrays so it decodes without
/// rebuilding. Each node is one block of `u32` words: the pattern ending
/// there plus one (0 for none), then its edges in one of two forms.
/// - Sparse (nearly every node has one or two children): the number of
///   edges, then one word per edge (label in the top byte, the child's block
///   offset in the low 24 bits), sorted by label, searched in order.
/// - Dense (the few wide nodes near the root, where walks start and a search
///   of dozens of edges cost the most): [`DENSE`] plus the number of byte
///   classes, then the child's offset per class (0 for none), read directly.
///   `classes` maps each byte to its class, 0 for bytes no pattern holds.
///
/// A step of a walk reads one block, so it costs one cache miss rather than
/// three; blocks are laid out breadth first so the hot first levels are
/// close together. The root's children are also in `root`, a 256-entry
/// table, because every walk starts there. The words are kept as
/// little-endian bytes so that the embedded form is used where it lies,
/// without copying it to the heap at every start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trie {
    /// The block offset of the root's child per first byte (0 for none).
    pub root: Cow<'static, [u8]>,
    /// The node blocks; the root's is at offset 0.
    pub blocks: Cow<'static, [u8]>,
    /// The class of each byte in dense blocks (0 for none).
    pub classes: Cow<'static, [u8]>,
    /// The first two steps of every walk, from small tables rather than
    /// from the nodes (the first node's read was the hottest load of a
    /// small diff): per first byte, the pattern ending after it plus one;
    /// per pair of byte classes, the node after two bytes (0 for none).
    /// Derived from the arrays above when a trie is built or decoded.
    starts: Starts,
}

/// See [`Trie`]'s `starts`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Starts {
    first_out: Vec<u32>,
    classes: usize,
    pairs: Vec<u32>,
}

/// The `i`th little-endian `u32` of `bytes`.
#[inline]
fn u32_at(bytes: &[u8], i: usize) -> u32 {
    let b = &bytes[4 * i..4 * i + 4];
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le_bytes(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Block offsets must fit the 24 bits of an edge word.
const MAX_OFFSET: usize = 1 << 24;

/// Marks a dense block in its second word.
const DENSE: u32 = 1 << 31;

/// Nodes with at least this many children get a dense block: a direct read
/// beats searching five or more edges, and there are few enough such nodes
/// (about a hundred) that their rows stay small.
const DENSE_MIN: usize = 5;

impl Trie {
    fn build(patterns: &[String]) -> Result<Trie, LexiconError> {
        // Build with maps, then lay the nodes out breadth first.
        let mut children: Vec<BTreeMap<u8, u32>> = vec![BTreeMap::new()];
        let mut output = vec![0u32];
        for (pid, p) in patterns.iter().enumerate() {
            let mut node = 0usize;
            for &b in p.as_bytes() {
                let next = match children[node].get(&b) {
                    Some(&n) => n as usize,
                    None => {
                        let n = children.len();
                        children.push(BTreeMap::new());
                        output.push(0);
                        children[node].insert(b, n as u32);
                        n
                    }
                };
                node = next;
            }
            output[node] = pid as u32 + 1;
        }
        let mut classes = vec![0u8; 256];
        let mut nclasses = 0usize;
        for b in children.iter().flat_map(|c| c.keys()) {
            if classes[*b as usize] == 0 {
                nclasses += 1;
                // Class 0 means "none", so 255 distinct bytes at most.
                classes[*b as usize] = u8::try_from(nclasses)
                    .map_err(|_| err("(all)", "patterns use more than 255 distinct bytes"))?;
            }
        }
        let dense = |n: usize| n >= DENSE_MIN;
        let mut order = vec![0usize];
        let mut k = 0;
        while k < order.len() {
            order.extend(children[order[k]].values().map(|&c| c as usize));
            k += 1;
        }
        let mut offset = vec![0usize; children.len()];
        let mut at = 0;
        for &n in &order {
            offset[n] = at;
            let len = children[n].len();
            at += 2 + if dense(len) { nclasses } else { len };
        }
        if at >= MAX_OFFSET {
            return Err(err(
                "(all)",
                "too many patterns for the trie's 24-bit offsets",
            ));
        }
        let mut blocks = Vec::with_capacity(at);
        for &n in &order {
            blocks.push(output[n]);
            let edges = &children[n];
            if dense(edges.len()) {
                blocks.push(DENSE | nclasses as u32);
                let mut row = vec![0u32; nclasses];
                for (b, c) in edges {
                    row[classes[*b as usize] as usize - 1] = offset[*c as usize] as u32;
                }
                blocks.extend(row);
            } else {
                blocks.push(edges.len() as u32);
                blocks.extend(
                    edges
                        .iter()
                        .map(|(b, c)| u32::from(*b) << 24 | offset[*c as usize] as u32),
                );
            }
        }
        let mut root = vec![0u32; 256];
        for (b, c) in &children[0] {
            root[*b as usize] = offset[*c as usize] as u32;
        }
        Ok(Trie {
            root: Cow::Owned(le_bytes(&root)),
            blocks: Cow::Owned(le_bytes(&blocks)),
            classes: Cow::Owned(classes),
            starts: Starts::default(),
        }
        .with_starts())
    }

    /// The trie with its start tables, derived from its arrays, which must
    /// be [`Trie::sound`] (as they are before any walk).
    fn with_starts(mut self) -> Trie {
        let (root, blocks, classes) = (&self.root, &self.blocks, &self.classes);
        let word = |i: usize| (4 * i + 4 <= blocks.len()).then(|| u32_at(blocks, i));
        let n = classes.iter().copied().max().unwrap_or(0) as usize;
        let mut first_out = vec![0u32; 256];
        let mut pairs = vec![0u32; n * n];
        for (b0, out) in first_out.iter_mut().enumerate() {
            let o1 = if root.len() == 1024 {
                u32_at(root, b0) as usize
            } else {
                0
            };
            let c0 = classes.get(b0).copied().unwrap_or(0) as usize;
            let (Some(first), Some(head)) = (word(o1), word(o1 + 1)) else {
                continue;
            };
            if o1 == 0 || c0 == 0 {
                continue;
            }
            *out = first;
            // The first node's edges as (class, child), read in place.
            for k in 0..(head & !DENSE) as usize {
                let Some(e) = word(o1 + 2 + k) else {
                    break;
                };
                let (c1, o2) = if head & DENSE != 0 {
                    (k + 1, e)
                } else {
                    let label = (e >> 24) as usize;
                    (
                        classes.get(label).copied().unwrap_or(0) as usize,
                        e & 0x00FF_FFFF,
                    )
                };
                if (1..=n).contains(&c1) {
                    pairs[(c0 - 1) * n + (c1 - 1)] = o2;
                }
            }
        }
        self.starts = Starts {
            first_out,
            classes: n,
            pairs,
        };
        self
    }

    /// Whether the arrays are consistent: every block and every child in
    /// range, sparse edges sorted, dense rows as wide as there are classes,
    /// every output a pattern. Walks index the arrays with checks, so a
    /// broken form could only panic or miss a pattern, never read out of
    /// bounds. Release builds run it only in the tests: the only form they
    /// decode is the one build.rs wrote.
    pub(crate) fn sound(&self, patterns: usize) -> bool {
        let words = self.blocks.len() / 4;
        if self.root.len() != 1024
            || self.classes.len() != 256
            || !self.blocks.len().is_multiple_of(4)
            || words < 2
        {
            return false;
        }
        let nclasses = self.classes.iter().copied().max().unwrap_or(0) as usize;
        let in_range = |c: usize| c + 2 <= words;
        let mut o = 0;
        while o < words {
            if o + 2 > words {
                return false;
            }
            let n = u32_at(&self.blocks, o + 1);
            let len = (n & !DENSE) as usize;
            // A dense row as wide as there are classes keeps `block`'s
            // reads inside this block.
            if o + 2 + len > words || (n & DENSE != 0 && len != nclasses) {
                return false;
            }
            let (out, edges) = self.block(o);
            if out as usize > patterns
                || edges.iter().any(|&(_, c)| !in_range(c))
                || edges.windows(2).any(|w| w[0].0 >= w[1].0)
            {
                return false;
            }
            o += 2 + len;
        }
        (0..256).all(|b| in_range(u32_at(&self.root, b) as usize))
    }

    /// Call `found(end, pattern)` for every pattern that occurs in `text` at
    /// byte `start`, shortest first. Always inlined: the scans call it
    /// from two loops, and left to itself the compiler then made each of
    /// some 10,000 walks per document a call.
    #[inline(always)]
    pub fn matches_at(&self, text: &[u8], start: usize, mut found: impl FnMut(usize, usize)) {
        let Some(&first) = text.get(start) else {
            return;
        };
        if u32_at(&self.root, first as usize) == 0 {
            return;
        }
        let first_out = self.starts.first_out.get(first as usize).copied();
        if let Some(out) = first_out.filter(|&out| out != 0) {
            found(start + 1, out as usize - 1);
        }
        let Some(&second) = text.get(start + 1) else {
            return;
        };
        let class = |b: u8| self.classes[b as usize] as usize;
        let (c0, c1) = (class(first), class(second));
        if c0 == 0 || c1 == 0 {
            return;
        }
        let n = self.starts.classes;
        let mut o = self
            .starts
            .pairs
            .get((c0 - 1) * n + (c1 - 1))
            .map_or(0, |&o| o as usize);
        if o == 0 {
            return;
        }
        let mut end = start + 2;
        loop {
            let out = u32_at(&self.blocks, o);
            if out != 0 {
                found(end, out as usize - 1);
            }
            let Some(&b) = text.get(end) else {
                return;
            };
            match self.child(o, b) {
                Some(child) => o = child,
                None => return,
            }
            end += 1;
        }
    }

    /// The child of block `o` along byte `b`.
    #[inline(always)]
    fn child(&self, o: usize, b: u8) -> Option<usize> {
        let n = u32_at(&self.blocks, o + 1);
        if n & DENSE != 0 {
            let class = self.classes[b as usize] as usize;
            if class == 0 {
                return None;
            }
            let c = u32_at(&self.blocks, o + 1 + class) as usize;
            return (c != 0).then_some(c);
        }
        // At most DENSE_MIN - 1 edges, and most often one.
        (0..n as usize).find_map(|k| {
            let e = u32_at(&self.blocks, o + 2 + k);
            ((e >> 24) as u8 == b).then_some((e & 0x00FF_FFFF) as usize)
        })
    }

    /// A block's output and its edges as (label, child), in either form;
    /// for reading the trie back, not for walks.
    fn block(&self, o: usize) -> (u32, Vec<(u8, usize)>) {
        let n = u32_at(&self.blocks, o + 1);
        let edges = if n & DENSE != 0 {
            (0..=255u8)
                .filter_map(|b| self.child(o, b).map(|c| (b, c)))
                .collect()
        } else {
            (0..n as usize)
                .map(|k| {
                    let e = u32_at(&self.blocks, o + 2 + k);
                    ((e >> 24) as u8, (e & 0x00FF_FFFF) as usize)
                })
                .collect()
        };
        (u32_at(&self.blocks, o), edges)
    }

    /// Whether some pattern starts with byte `b`.
    #[inline]
    pub fn starts_with_byte(&self, b: u8) -> bool {
        u32_at(&self.root, b as usize) != 0
    }
}

/// A compiled pattern set: the trie, and per pattern its shape and terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patterns {
    /// The trie of the patterns' (folded) spellings.
    pub trie: Trie,
    /// Per pattern: its shape.
    pub shapes: Vec<PatternShape>,
    /// Per pattern `p`: its terms are `terms[term_starts[p]..term_starts[p + 1]]`.
    pub term_starts: Vec<u32>,
    /// Every term of every pattern, pattern after pattern.
    pub terms: Vec<Term>,
}

impl Patterns {
    /// Every term spelled like pattern `p`.
    #[inline]
    pub fn terms_of(&self, p: usize) -> &[Term] {
        &self.terms[self.term_starts[p] as usize..self.term_starts[p + 1] as usize]
    }

    /// The patterns' spellings, by pattern id, read back from the trie.
    pub fn texts(&self) -> Vec<String> {
        let mut out = vec![Vec::new(); self.shapes.len()];
        let mut stack = vec![(0usize, Vec::new())];
        while let Some((node, path)) = stack.pop() {
            let (output, edges) = self.trie.block(node);
            if let Some(p) = (output as usize).checked_sub(1) {
                out[p] = path.clone();
            }
            for (label, child) in edges {
                let mut next = path.clone();
                next.push(label);
                stack.push((child, next));
            }
        }
        out.into_iter()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect()
    }
}

/// A language's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageInfo {
    /// ISO 639-1 code.
    pub code: String,
    /// Common function words, for language identification.
    pub stopwords: Vec<String>,
    /// Whether a negator may also follow its trigger in the clause (German,
    /// Dutch and Swedish put "nicht", "niet", "inte" after the verb).
    pub negation_after: bool,
}

/// One canonical subject, as the files say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledSubject {
    /// Its family.
    pub family: Family,
    /// The canonical name.
    pub name: String,
    /// Severity override when it appears (`info`, `low`, `medium`, `high`).
    pub severity_added: Option<String>,
    /// Severity override when it disappears.
    pub severity_removed: Option<String>,
}

/// Every lexicon file, compiled: what the library decodes at start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Compiled {
    /// Known languages, in file order.
    pub languages: Vec<LanguageInfo>,
    /// Canonical subjects of every family.
    pub subjects: Vec<CompiledSubject>,
    /// Canonical names of what a retention period applies to.
    pub retention_subjects: Vec<String>,
    /// Patterns matched on the lowercased text.
    pub lower: Patterns,
    /// Patterns matched on the original case.
    pub cased: Patterns,
    /// Month names (folded) and their numbers, sorted.
    pub months: Vec<(String, u32)>,
    /// Duration unit words (folded) and their unit (`days`, `weeks`…), sorted.
    pub units: Vec<(String, String)>,
    /// Number words (folded) and their values, sorted.
    pub numbers: Vec<(String, u32)>,
    /// Words right before a number that make it a look-back.
    pub not_before: Vec<String>,
    /// Words before a number that make it an age.
    pub age_before: Vec<String>,
    /// Words after a duration that make it an age.
    pub age_after: Vec<String>,
}

/// A lexicon file that does not parse or says something inconsistent.
#[derive(Debug)]
pub struct LexiconError {
    /// The file name under `lexicons/`.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lexicon {}: {}", self.file, self.message)
    }
}

impl std::error::Error for LexiconError {}

fn err(file: &str, message: impl Into<String>) -> LexiconError {
    LexiconError {
        file: file.to_string(),
        message: message.into(),
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
    severity_added: Option<String>,
    #[serde(default)]
    severity_removed: Option<String>,
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
        let (lower, cased) = fold(text);
        let text = if lowercase { lower } else { cased };
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

    fn build(self) -> Result<Patterns, LexiconError> {
        let mut term_starts = vec![0u32];
        let mut terms = Vec::new();
        for list in self.terms {
            terms.extend(list);
            term_starts.push(terms.len() as u32);
        }
        Ok(Patterns {
            trie: Trie::build(&self.patterns)?,
            shapes: self.shapes,
            term_starts,
            terms,
        })
    }
}

fn fold_list(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|s| fold_lower(s.trim()))
        .filter(|s| !s.is_empty())
        .collect()
}

const SEVERITIES: &[&str] = &["info", "low", "medium", "high"];
const UNITS: &[&str] = &["days", "weeks", "months", "years"];

/// Whether a lexicon file is a topic file (it names a `family`) rather than
/// a language file (it names a `language`).
pub fn is_topic_file(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .strip_prefix("family")
            .is_some_and(|r| r.trim_start().starts_with('='))
    })
}

/// Parse and compile lexicon files: `(file name, TOML text)` of the topic
/// files, then of the language files in language order.
pub fn compile(topics: &[(&str, &str)], langs: &[(&str, &str)]) -> Result<Compiled, LexiconError> {
    let mut lower = PatternSet::default();
    let mut cased = PatternSet::default();
    let mut subjects: Vec<CompiledSubject> = Vec::new();
    let mut subject_index: HashMap<(Family, String), u16> = HashMap::new();
    let mut retention_subjects: Vec<String> = Vec::new();
    let mut languages = Vec::new();
    let mut months = BTreeMap::new();
    let mut units = BTreeMap::new();
    let mut numbers = BTreeMap::new();
    let mut not_before = Vec::new();
    let mut age_before = Vec::new();
    let mut age_after = Vec::new();

    let mut subject_id = |family: Family, name: &str, subjects: &mut Vec<CompiledSubject>| -> u16 {
        let key = (family, name.to_string());
        if let Some(&id) = subject_index.get(&key) {
            return id;
        }
        let id = subjects.len() as u16;
        subjects.push(CompiledSubject {
            family,
            name: name.to_string(),
            severity_added: None,
            severity_removed: None,
        });
        subject_index.insert(key, id);
        id
    };
    let severity = |file: &str, s: Option<String>| -> Result<Option<String>, LexiconError> {
        match s {
            Some(s) if !SEVERITIES.contains(&s.as_str()) => {
                Err(err(file, format!("unknown severity {s:?}")))
            }
            s => Ok(s),
        }
    };

    for (file, text) in topics {
        let parsed: TopicFile = toml::from_str(text).map_err(|e| err(file, e.to_string()))?;
        let family = Family::from_name(&parsed.family)
            .ok_or_else(|| err(file, format!("unknown family {:?}", parsed.family)))?;
        for s in parsed.subject {
            let id = subject_id(family, &s.name, &mut subjects);
            let added = severity(file, s.severity_added)?;
            let removed = severity(file, s.severity_removed)?;
            let info = &mut subjects[id as usize];
            info.severity_added = added.or(info.severity_added.take());
            info.severity_removed = removed.or(info.severity_removed.take());
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
        if li >= 32 {
            return Err(err(file, "more than 32 languages"));
        }
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
            let key = fold_lower(name);
            if key.is_empty() || !key.chars().all(char::is_alphabetic) {
                return Err(err(file, format!("month {name:?} is not one word")));
            }
            months.insert(key, *n);
        }
        for (name, unit) in &parsed.durations.units {
            if !UNITS.contains(&unit.as_str()) {
                return Err(err(file, format!("unit {name:?} maps to unknown {unit:?}")));
            }
            units.insert(fold_lower(name), unit.clone());
        }
        for (name, n) in &parsed.durations.numbers {
            numbers.insert(fold_lower(name), *n);
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

    Ok(Compiled {
        languages,
        subjects,
        retention_subjects,
        lower: lower.build()?,
        cased: cased.build()?,
        months: months.into_iter().collect(),
        units: units.into_iter().collect(),
        numbers: numbers.into_iter().collect(),
        not_before,
        age_before,
        age_after,
    })
}

// ---- binary form -------------------------------------------------------
//
// Little-endian u32 counts and values, strings as length + UTF-8 bytes.
// Written and read only by this file, for one build of one crate: no
// versioning is needed.

/// Writes the binary form.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    /// A length and raw bytes.
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn strs(&mut self, v: &[String]) {
        self.u32(v.len() as u32);
        for s in v {
            self.str(s);
        }
    }
    fn u32s(&mut self, v: &[u32]) {
        self.u32(v.len() as u32);
        for x in v {
            self.u32(*x);
        }
    }
    fn opt(&mut self, s: &Option<String>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }
    fn patterns(&mut self, p: &Patterns) {
        for bytes in [&p.trie.root, &p.trie.blocks, &p.trie.classes] {
            self.bytes(bytes);
        }
        self.u32(p.shapes.len() as u32);
        for shape in &p.shapes {
            self.u8(u8::from(shape.left) | (u8::from(shape.right) << 1));
        }
        self.u32s(&p.term_starts);
        self.u32(p.terms.len() as u32);
        for t in &p.terms {
            let (tag, arg) = t.kind.encode();
            self.u8(tag);
            self.u32(u32::from(arg));
            self.u8(t.lang.unwrap_or(u8::MAX));
        }
    }
}

/// Reads the binary form; `None` on any inconsistency.
struct Reader {
    data: &'static [u8],
    at: usize,
}

impl Reader {
    fn take(&mut self, n: usize) -> Option<&'static [u8]> {
        let data = self.data;
        let head = data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(head)
    }
    fn rest(&self) -> usize {
        self.data.len() - self.at
    }
    /// [`Writer::bytes`]: borrowed from the form, not copied.
    fn bytes(&mut self) -> Option<Cow<'static, [u8]>> {
        let n = self.len()?;
        Some(Cow::Borrowed(self.take(n)?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn len(&mut self) -> Option<usize> {
        let n = self.u32()? as usize;
        // Every element takes at least one byte: a corrupt count cannot
        // make us allocate more than the blob's size.
        (n <= self.rest()).then_some(n)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn str(&mut self) -> Option<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.len()?;
        (0..n).map(|_| self.str()).collect()
    }
    fn u32s(&mut self) -> Option<Vec<u32>> {
        let n = self.len()?;
        let bytes = self.take(n.checked_mul(4)?)?;
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
    fn opt(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.str()?)),
            _ => None,
        }
    }
    fn patterns(&mut self) -> Option<Patterns> {
        let root = self.bytes()?;
        let blocks = self.bytes()?;
        let classes = self.bytes()?;
        let n = self.len()?;
        let shapes: Vec<PatternShape> = self
            .take(n)?
            .iter()
            .map(|s| PatternShape {
                left: s & 1 != 0,
                right: s & 2 != 0,
            })
            .collect();
        let term_starts = self.u32s()?;
        let n = self.len()?;
        let mut terms = Vec::with_capacity(n);
        for _ in 0..n {
            let tag = self.u8()?;
            let arg = u16::try_from(self.u32()?).ok()?;
            let lang = self.u8()?;
            terms.push(Term {
                kind: TermKind::decode(tag, arg)?,
                lang: (lang != u8::MAX).then_some(lang),
            });
        }
        let trie = Trie {
            root,
            blocks,
            classes,
            starts: Starts::default(),
        };
        // The full walk visits every block, a tenth of a small diff's start-up.
        // The form is written by build.rs from our own data files, and the
        // unit tests walk the embedded one; release builds keep the cheap checks.
        let sound = (!cfg!(debug_assertions) || trie.sound(shapes.len()))
            && trie.root.len() == 1024
            && trie.classes.len() == 256
            && term_starts.len() == shapes.len() + 1
            && term_starts.windows(2).all(|w| w[0] <= w[1])
            && term_starts
                .last()
                .is_some_and(|&e| e as usize == terms.len());
        sound.then(|| Patterns {
            trie: trie.with_starts(),
            shapes,
            term_starts,
            terms,
        })
    }
}

impl Compiled {
    /// The binary form that [`Compiled::from_bytes`] reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(self.languages.len() as u32);
        for l in &self.languages {
            w.str(&l.code);
            w.strs(&l.stopwords);
            w.u8(u8::from(l.negation_after));
        }
        w.u32(self.subjects.len() as u32);
        for s in &self.subjects {
            let family = FAMILIES.iter().position(|f| *f == s.family).unwrap_or(0);
            w.u8(family as u8);
            w.str(&s.name);
            w.opt(&s.severity_added);
            w.opt(&s.severity_removed);
        }
        w.strs(&self.retention_subjects);
        w.patterns(&self.lower);
        w.patterns(&self.cased);
        for map in [&self.months, &self.numbers] {
            w.u32(map.len() as u32);
            for (k, v) in map {
                w.str(k);
                w.u32(*v);
            }
        }
        w.u32(self.units.len() as u32);
        for (k, v) in &self.units {
            w.str(k);
            w.str(v);
        }
        w.strs(&self.not_before);
        w.strs(&self.age_before);
        w.strs(&self.age_after);
        w.0
    }

    /// Decode [`Compiled::to_bytes`]; `None` if the bytes are not such a form.
    pub fn from_bytes(bytes: &'static [u8]) -> Option<Compiled> {
        let mut r = Reader { data: bytes, at: 0 };
        let n = r.len()?;
        let mut languages = Vec::with_capacity(n);
        for _ in 0..n {
            languages.push(LanguageInfo {
                code: r.str()?,
                stopwords: r.strs()?,
                negation_after: r.u8()? != 0,
            });
        }
        let n = r.len()?;
        let mut subjects = Vec::with_capacity(n);
        for _ in 0..n {
            subjects.push(CompiledSubject {
                family: *FAMILIES.get(r.u8()? as usize)?,
                name: r.str()?,
                severity_added: r.opt()?,
                severity_removed: r.opt()?,
            });
        }
        let retention_subjects = r.strs()?;
        let lower = r.patterns()?;
        let cased = r.patterns()?;
        let mut pairs = || -> Option<Vec<(String, u32)>> {
            let n = r.len()?;
            (0..n).map(|_| Some((r.str()?, r.u32()?))).collect()
        };
        let months = pairs()?;
        let numbers = pairs()?;
        let n = r.len()?;
        let units = (0..n)
            .map(|_| Some((r.str()?, r.str()?)))
            .collect::<Option<Vec<_>>>()?;
        let c = Compiled {
            languages,
            subjects,
            retention_subjects,
            lower,
            cased,
            months,
            units,
            numbers,
            not_before: r.strs()?,
            age_before: r.strs()?,
            age_after: r.strs()?,
        };
        (r.rest() == 0).then_some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Folding by ASCII runs gives what folding char by char gives.
        #[test]
        fn fold_by_runs_matches_fold_by_chars(text in "[a-zA-Z .\u{2019}\u{a0}ÉéİK\u{212a}ẞß\u{201c}-]{0,40}") {
            let by_chars: (String, String) = text
                .chars()
                .map(|c| {
                    let c = fold_char(c);
                    (lower_same_len(c), c)
                })
                .unzip();
            proptest::prop_assert_eq!(fold(&text), by_chars.clone());
            proptest::prop_assert_eq!(fold_lower(&text), by_chars.0);
        }
    }

    /// A wide node gets a dense block and a narrow one a sparse block, and
    /// walks through both find exactly what a naive search finds.
    #[test]
    fn dense_and_sparse_blocks_find_every_pattern() {
        let patterns: Vec<String> = [
            "a", "ab", "ac", "ad", "ae", "af", "ag", "abc", "b", "bx", "by", "zz", "é", "a b",
        ]
        .map(String::from)
        .to_vec();
        let trie = Trie::build(&patterns).unwrap();
        assert!(trie.sound(patterns.len()));
        let kind = |b: u8| u32_at(&trie.blocks, u32_at(&trie.root, b as usize) as usize + 1);
        assert_ne!(kind(b'a') & DENSE, 0, "'a' has 7 children");
        assert_eq!(kind(b'b') & DENSE, 0, "'b' has 2");

        // Ends in a one-byte pattern: the walk has no second byte to read.
        let text = "ab abc ac ad ae af ag a b bx by b zz é q aé a";
        let bytes = text.as_bytes();
        let mut got = Vec::new();
        let mut want = Vec::new();
        for s in 0..bytes.len() {
            trie.matches_at(bytes, s, |e, p| got.push((s, e, p)));
            for (p, pattern) in patterns.iter().enumerate() {
                if bytes[s..].starts_with(pattern.as_bytes()) {
                    want.push((s, s + pattern.len(), p));
                }
            }
        }
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        assert!(got.len() > 20);
    }
}
