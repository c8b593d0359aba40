//! What alignment compares sections by: a folded heading key, a hash of the
//! body, and a sorted set of hashed word 3-shingles.

use crate::model::Section;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Final avalanche so shingle hashes spread well in hash maps (splitmix64).
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Hashes of the words of `text`, lower-cased, where a word is a run of
/// ASCII letters and digits or of any non-ASCII bytes. Working on bytes keeps
/// this at about a nanosecond per byte; folding only ASCII case is enough
/// for a similarity signal.
pub fn word_hashes(text: &str, out: &mut Vec<u64>) {
    let mut h = FNV_OFFSET;
    let mut in_word = false;
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b >= 0x80 {
            in_word = true;
            h = (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(FNV_PRIME);
        } else if in_word {
            out.push(mix(h));
            h = FNV_OFFSET;
            in_word = false;
        }
    }
    if in_word {
        out.push(mix(h));
    }
}

/// Heading key with cosmetic differences folded away: letter case,
/// punctuation, spacing and leading numbering ("2.", "1.3", "IV.", "a)",
/// "(b)"). Renumbering a section is not renaming it. Headings arrive
/// normalised (NFC, folded glyphs), so keeping alphanumeric runs suffices.
pub fn fold_heading(heading: &str) -> String {
    let mut rest = heading.trim();
    for _ in 0..3 {
        let Some(end) = rest.find(char::is_whitespace) else {
            // A heading that is nothing but a number keeps it: it is all we have.
            break;
        };
        if !is_numbering(&rest[..end]) {
            break;
        }
        rest = rest[end..].trim_start();
    }
    let mut out = String::with_capacity(rest.len());
    let mut gap = false;
    for c in rest.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// A 64-bit hash of a string, for map keys.
pub fn hash_str(s: &str) -> u64 {
    let mut h = FNV_OFFSET;
    for &b in s.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    mix(h)
}

/// A hasher for keys that are already well-mixed 64-bit hashes: SipHash
/// over them was a tenth of alignment's time.
#[derive(Default, Clone, Copy)]
pub struct PremixedHasher(u64);

impl std::hash::Hasher for PremixedHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = mix(self.0 ^ x);
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

/// A hash map keyed by pre-mixed hashes or small integers.
pub type FastMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<PremixedHasher>>;

/// "1.", "1.2.3", "12", "iv.", "a)", "(b)", "§3", "art." is not numbering.
fn is_numbering(token: &str) -> bool {
    let t = token
        .trim_start_matches(['(', '[', '§'])
        .trim_end_matches(['.', ')', ']', ':', '-']);
    if t.is_empty() {
        return false;
    }
    let had_marker = t.len() != token.len();
    if t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return t.chars().any(|c| c.is_ascii_digit());
    }
    if !had_marker {
        return false;
    }
    // Roman numerals and single letters only count with a marker ("iv." or "a)").
    let single_letter = t.chars().count() == 1 && t.chars().all(char::is_alphabetic);
    let roman = t.len() <= 5 && t.chars().all(|c| "ivxlcIVXLC".contains(c));
    single_letter || roman
}

/// A hash of the body with white space (including paragraph breaks) folded,
/// so re-wrapping is not a change. Text is normalised before it gets here,
/// so ASCII white space is the only kind left to fold.
pub fn body_hash(section: &Section) -> u64 {
    // The body as one single-spaced byte string, so that wrapping and
    // paragraph breaks fold away, hashed eight bytes at a time as it is
    // read. Normalised paragraphs are nearly always single-spaced already,
    // so they are fed whole; only the others are split into words.
    let mut canon = Canon {
        h: FNV_OFFSET,
        pending: 0,
        fill: 0,
        len: 0,
    };
    for p in &section.paragraphs {
        if single_spaced(p.as_bytes()) {
            canon.word(p.as_bytes());
        } else {
            p.split_ascii_whitespace()
                .for_each(|w| canon.word(w.as_bytes()));
        }
    }
    let h = mix(canon.h ^ canon.pending);
    mix(h ^ canon.len)
}

/// The running hash of a single-spaced body.
struct Canon {
    h: u64,
    /// Bytes not hashed yet, little-endian.
    pending: u64,
    /// How many bytes `pending` holds.
    fill: u32,
    len: u64,
}

impl Canon {
    fn byte(&mut self, b: u8) {
        self.pending |= u64::from(b) << (8 * self.fill);
        self.fill += 1;
        if self.fill == 8 {
            self.h = mix(self.h ^ self.pending);
            self.pending = 0;
            self.fill = 0;
        }
    }

    /// Append `text` (which holds no white space but single spaces), with a
    /// space before it unless it is the first.
    fn word(&mut self, mut text: &[u8]) {
        if self.len > 0 {
            self.byte(b' ');
            self.len += 1;
        }
        self.len += text.len() as u64;
        while self.fill != 0 && !text.is_empty() {
            self.byte(text[0]);
            text = &text[1..];
        }
        let mut chunks = text.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.h = mix(self.h ^ w);
        }
        chunks.remainder().iter().for_each(|&b| self.byte(b));
    }
}

/// Whether `p` is non-empty, has no white space at its ends, no two spaces
/// in a row and no white space but spaces: its own single-spaced form.
fn single_spaced(p: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (p.first(), p.last()) else {
        return false;
    };
    if first.is_ascii_whitespace() || last.is_ascii_whitespace() {
        return false;
    }
    // No early exit, so that the loop compiles to vector code.
    let bad = p.iter().zip(&p[1..]).fold(false, |bad, (&a, &b)| {
        bad | (a == b' ' && b == b' ') | (a != b' ' && a.is_ascii_whitespace())
    });
    !bad
}

/// Sorted, deduplicated hashes of the body's word 3-shingles (unigrams when
/// the body has fewer than three words).
pub fn shingles(section: &Section) -> Vec<u64> {
    let mut words = Vec::new();
    let mut out = Vec::new();
    for_each_shingle(section, &mut words, |s| out.push(s));
    out.sort_unstable();
    out.dedup();
    out
}

/// Every shingle of the body in text order (repeats included), without
/// building a set: scanning a whole document for an index needs no more.
/// `words` is scratch space, reused across calls.
pub fn for_each_shingle(section: &Section, words: &mut Vec<u64>, mut f: impl FnMut(u64)) {
    words.clear();
    for p in &section.paragraphs {
        word_hashes(p, words);
    }
    if words.len() < 3 {
        words.iter().for_each(|&w| f(w));
    } else {
        for w in words.windows(3) {
            f(mix(w[0] ^ w[1].rotate_left(21) ^ w[2].rotate_left(42)));
        }
    }
}

/// Hashed, sorted, deduplicated words of a folded heading.
pub fn heading_words(folded: &str) -> Vec<u64> {
    let mut out = Vec::new();
    word_hashes(folded, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

/// Size of the intersection of two sorted sets.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Dice coefficient of two sorted sets; two empty sets are identical.
pub fn dice(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    2.0 * intersection(a, b) as f64 / (a.len() + b.len()) as f64
}

/// Jaccard index of two sorted sets; two empty sets are identical.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let i = intersection(a, b);
    i as f64 / (a.len() + b.len() - i) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_and_case_fold_away() {
        assert_eq!(fold_heading("2. Data Retention"), "data retention");
        assert_eq!(fold_heading("DATA RETENTION"), "data retention");
        assert_eq!(fold_heading("1.3 Data retention:"), "data retention");
        assert_eq!(fold_heading("IV. Data retention"), "data retention");
        assert_eq!(fold_heading("a) E-mail Address:"), "e mail address");
        assert_eq!(fold_heading("(b) Cookies"), "cookies");
    }

    #[test]
    fn words_that_look_like_numbering_stay() {
        // "I" without a marker is a word, not a roman numeral.
        assert_eq!(fold_heading("I agree"), "i agree");
        assert_eq!(fold_heading("3."), "3");
        assert_eq!(fold_heading(""), "");
    }

    #[test]
    fn shingles_ignore_case_and_punctuation() {
        let a = Section {
            heading: String::new(),
            level: 1,
            path: vec![],
            paragraphs: vec!["We keep logs, for 14 months.".into()],
        };
        let mut b = a.clone();
        b.paragraphs = vec!["we keep LOGS for 14 months".into()];
        assert_eq!(shingles(&a), shingles(&b));
        assert_eq!(shingles(&a).len(), 4);
    }

    #[test]
    fn body_hash_folds_wrapping_only() {
        let a = Section {
            heading: String::new(),
            level: 1,
            path: vec![],
            paragraphs: vec!["One two.".into(), "Three.".into()],
        };
        let mut b = a.clone();
        b.paragraphs = vec!["One two. Three.".into()];
        assert_eq!(body_hash(&a), body_hash(&b));
        b.paragraphs = vec!["One two. three.".into()];
        assert_ne!(body_hash(&a), body_hash(&b));
        b.paragraphs = vec!["  One\ttwo.\n\n Three. ".into(), String::new()];
        assert_eq!(body_hash(&a), body_hash(&b));
    }

    proptest::proptest! {
        /// Fed whole or word by word, a body hashes the same as its
        /// single-spaced form in one paragraph: white space never counts.
        #[test]
        fn body_hash_ignores_white_space(words in proptest::collection::vec("[a-zé.]{1,12}", 0..40),
                                         gaps in proptest::collection::vec("( |  |\t|\n| \n )", 40)) {
            let mut paragraphs = vec![String::new()];
            for (w, gap) in words.iter().zip(&gaps) {
                if gap.contains('\n') {
                    paragraphs.push(String::new());
                }
                let p = paragraphs.last_mut().unwrap();
                p.push_str(w);
                p.push_str(if gap.contains('\t') { "\t" } else if gap == "  " { "  " } else { " " });
            }
            let section = |paragraphs| Section { heading: String::new(), level: 1, path: vec![], paragraphs };
            let canon = words.join(" ");
            proptest::prop_assert_eq!(body_hash(&section(paragraphs)), body_hash(&section(vec![canon])));
        }
    }

    #[test]
    fn set_measures() {
        assert_eq!(intersection(&[1, 2, 3], &[2, 3, 4]), 2);
        assert!((dice(&[1, 2, 3], &[2, 3, 4]) - 2.0 / 3.0).abs() < 1e-9);
        assert!((jaccard(&[1, 2, 3], &[2, 3, 4]) - 0.5).abs() < 1e-9);
        assert_eq!(dice(&[], &[]), 1.0);
    }
}
