//! Language identification by stop words. Policies are long, so a small
//! stop-word vote is both fast and accurate enough to pick lexicons. The
//! stop words live in the language lexicons (`lexicons/*.toml`), so a new
//! language is a data change here too.

use std::sync::LazyLock;

/// Words looked at, at most: enough to decide, cheap on a 1 MB policy.
const MAX_WORDS: usize = 20_000;
/// Fewer stop-word hits than this and we do not trust the vote.
const MIN_HITS: usize = 5;

/// A word of at most 16 bytes packed into an integer (little-endian bytes,
/// zero padded): stop words are short, and comparing one integer is much
/// cheaper than hashing and comparing strings for every word of a policy.
fn pack(word: &[u8]) -> Option<u128> {
    if word.is_empty() || word.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..word.len()].copy_from_slice(word);
    Some(u128::from_le_bytes(buf))
}

/// Stop words of every language: an open-addressing table of packed words
/// and their language bit sets, plus the few stop words too long to pack.
struct StopWords {
    slots: Vec<(u128, u32)>,
    shift: u32,
    long: Vec<(String, u32)>,
    codes: Vec<String>,
    /// Byte length of the longest stop word.
    longest: usize,
}

impl StopWords {
    fn slot(&self, key: u128) -> usize {
        let h = ((key as u64) ^ ((key >> 64) as u64).rotate_left(29))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> self.shift) as usize
    }

    fn insert(&mut self, key: u128, mask: u32) {
        let mut i = self.slot(key);
        loop {
            let (k, m) = &mut self.slots[i];
            if *k == key || *k == 0 {
                *k = key;
                *m |= mask;
                return;
            }
            i = (i + 1) & (self.slots.len() - 1);
        }
    }

    /// The language bit set of a lowercased word, 0 for none.
    fn get(&self, word: &str) -> u32 {
        match pack(word.as_bytes()) {
            Some(key) => self.get_packed(key),
            None => self
                .long
                .iter()
                .find(|(w, _)| w == word)
                .map_or(0, |(_, m)| *m),
        }
    }

    /// [`StopWords::get`] of a packed word.
    #[inline]
    fn get_packed(&self, key: u128) -> u32 {
        let mut i = self.slot(key);
        loop {
            let (k, m) = self.slots[i];
            if k == key {
                return m;
            }
            if k == 0 {
                return 0;
            }
            i = (i + 1) & (self.slots.len() - 1);
        }
    }
}

static STOPWORDS: LazyLock<StopWords> = LazyLock::new(|| {
    let languages = crate::detect::lexicon::lexicon().map_or(&[][..], |l| &l.languages[..]);
    let n: usize = languages.iter().map(|l| l.stopwords.len()).sum();
    // At most a quarter full, so probes stay short.
    let size = (4 * n).next_power_of_two().max(16);
    let mut sw = StopWords {
        slots: vec![(0, 0); size],
        shift: 64 - size.trailing_zeros(),
        long: Vec::new(),
        codes: Vec::new(),
        longest: 0,
    };
    for (i, l) in languages.iter().enumerate() {
        sw.codes.push(l.code.clone());
        for w in &l.stopwords {
            sw.longest = sw.longest.max(w.len());
            match pack(w.as_bytes()) {
                Some(key) => sw.insert(key, 1 << i),
                None => match sw.long.iter_mut().find(|(x, _)| x == w) {
                    Some((_, m)) => *m |= 1 << i,
                    None => sw.long.push((w.clone(), 1 << i)),
                },
            }
        }
    }
    sw
});

/// Build the stop-word table (and the lexicons it comes from) now rather
/// than at the first [`detect_language`].
pub fn warm_up() {
    LazyLock::force(&STOPWORDS);
}

/// The UTF-8 length of the char that starts with byte `b`.
fn char_len(b: u8) -> usize {
    match b {
        0..0xC0 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

/// Is the ASCII byte `b` a word character (alphanumeric, or `'`)?
#[inline]
fn is_ascii_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'\''
}

/// The length of the non-ASCII char at byte `i`, if it is a word character.
#[inline]
fn non_ascii_word_char(text: &str, i: usize) -> Option<usize> {
    let c = text.get(i..)?.chars().next()?;
    c.is_alphanumeric().then_some(c.len_utf8())
}

/// Has the vote a clear winner already, one that the rest of a document
/// could hardly overturn? Then the rest need not be read: the vote was
/// over a tenth of parsing a typical policy.
fn is_decided(votes: &[usize], seen: usize) -> bool {
    let (mut best, mut second) = (0, 0);
    for &v in votes {
        if v > best {
            second = best;
            best = v;
        } else if v > second {
            second = v;
        }
    }
    seen >= DECIDED_AFTER_WORDS && best >= DECIDED_VOTES && best >= 4 * second
}

/// Words read, at least, before a clear lead ends the vote early.
const DECIDED_AFTER_WORDS: usize = 1_024;
/// Votes the leader needs, at least, to end the vote early.
const DECIDED_VOTES: usize = 200;

/// Guess the ISO 639-1 code of the text; `en` when unsure.
pub fn detect_language<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let sw = &*STOPWORDS;
    let codes = &sw.codes;
    if codes.is_empty() {
        return "en".to_string();
    }
    let mut votes = vec![0usize; codes.len()];
    let mut seen = 0usize;
    let mut word = String::new();
    // Lowercasing can shrink a char at most threefold (U+212A KELVIN SIGN
    // becomes `k`): a longer word cannot be a stop word, so it is only
    // counted, not lowercased and looked up.
    let longest = 3 * sw.longest;
    'outer: for text in texts {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let first = bytes[i];
            if first.is_ascii() && !is_ascii_word_byte(first) {
                i += 1;
                continue;
            }
            let start = i;
            let mut ascii = true;
            // An ASCII word is lowercased into its packed key as it is read.
            let mut key = 0u128;
            while i < bytes.len() {
                let b = bytes[i];
                if is_ascii_word_byte(b) {
                    if i - start < 16 {
                        key |= u128::from(b.to_ascii_lowercase()) << (8 * (i - start));
                    }
                    i += 1;
                } else if b.is_ascii() {
                    break;
                } else {
                    match non_ascii_word_char(text, i) {
                        Some(len) => {
                            ascii = false;
                            i += len;
                        }
                        None => break,
                    }
                }
            }
            if i == start {
                i += char_len(first);
                continue;
            }
            let w = &text[start..i];
            seen += 1;
            if seen > MAX_WORDS || (seen.is_multiple_of(256) && is_decided(&votes, seen)) {
                break 'outer;
            }
            if w.len() > longest {
                continue;
            }
            let mask = if ascii && w.len() <= 16 {
                sw.get_packed(key)
            } else {
                word.clear();
                word.extend(w.chars().flat_map(char::to_lowercase));
                sw.get(&word)
            };
            // A word shared by several languages counts for none: it
            // cannot tell them apart.
            if mask.count_ones() == 1 {
                votes[mask.trailing_zeros() as usize] += 1;
            }
        }
    }
    verdict(&votes).map_or_else(|| "en".to_string(), |best| codes[best].clone())
}

/// The winning language of a vote, or `None` when unsure: too little
/// evidence, or no clear winner.
fn verdict(votes: &[usize]) -> Option<usize> {
    let mut ranked: Vec<(usize, usize)> = votes.iter().copied().enumerate().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let (best, hits) = *ranked.first()?;
    let runner_up = ranked.get(1).map_or(0, |r| r.1);
    (hits >= MIN_HITS && hits * 4 >= runner_up * 5).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(text: &str) -> String {
        detect_language(std::iter::once(text))
    }

    /// The vote by its definition: every maximal run of word characters
    /// (alphanumeric or `'`), lowercased, looked up whole.
    fn lang_by_definition(text: &str) -> String {
        let sw = &*STOPWORDS;
        let mut votes = vec![0usize; sw.codes.len()];
        let words = text
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS);
        for (i, w) in words.enumerate() {
            let seen = i + 1;
            if seen.is_multiple_of(256) && is_decided(&votes, seen) {
                break;
            }
            let mask = sw.get(&w.to_lowercase());
            if mask.count_ones() == 1 {
                votes[mask.trailing_zeros() as usize] += 1;
            }
        }
        verdict(&votes).map_or_else(|| "en".to_string(), |best| sw.codes[best].clone())
    }

    /// A clear lead over the first thousand words ends the vote: a long
    /// German appendix after an English policy does not turn it.
    #[test]
    fn a_clear_lead_ends_the_vote_early() {
        let english = "we keep the data you give us and we use it for the service ".repeat(100);
        let german = "wir speichern die daten und wir nutzen sie nicht für werbung ".repeat(400);
        let text = format!("{english}{german}");
        assert_eq!(lang(&text), "en");
        assert_eq!(lang(&text), lang_by_definition(&text));
        // The appendix alone reads as German, and is three times as long.
        assert_eq!(lang(&german), "de");
    }

    proptest::proptest! {
        /// The packed, bytewise vote agrees with the vote by definition.
        #[test]
        fn the_fast_vote_is_the_defined_vote(
            words in proptest::collection::vec(
                "(the|and|och|att|der|und|les|et|que|los|y|DE|The|ÄR|för|für|über|qu'il|l'|\\.|, |  |\u{a0}|é|K\u{212a}|[a-zA-Zé]{1,20}|[0-9]{1,3})",
                0..60,
            )
        ) {
            let text = words.join(" ");
            proptest::prop_assert_eq!(lang(&text), lang_by_definition(&text));
        }
    }

    #[test]
    fn identifies_each_lexicon_language() {
        assert_eq!(
            lang(
                "We collect your data and we use it for the purposes of this policy, which you may review at any time."
            ),
            "en"
        );
        assert_eq!(
            lang(
                "Nous collectons vos données pour les finalités décrites dans la présente politique et nous ne les vendons pas."
            ),
            "fr"
        );
        assert_eq!(
            lang(
                "Wir verarbeiten Ihre Daten nur, wenn es für die Erbringung der Dienste erforderlich ist, und auch nicht bei Dritten."
            ),
            "de"
        );
        assert_eq!(
            lang(
                "Tratamos sus datos personales para las finalidades descritas en esta política y nunca los vendemos a terceros con el fin de."
            ),
            "es"
        );
        assert_eq!(
            lang(
                "Vi samlar bara in data i våra användares bästa när det är nödvändigt och vi säljer inte dina uppgifter till tredje part."
            ),
            "sv"
        );
        assert_eq!(
            lang(
                "Trattiamo i dati personali degli utenti per le finalità della presente informativa e non li vendiamo a terzi con il loro."
            ),
            "it"
        );
        assert_eq!(
            lang(
                "Wij verwerken uw gegevens alleen als dat nodig is voor de dienst en wij verkopen deze gegevens niet aan derden met het."
            ),
            "nl"
        );
        assert_eq!(
            lang(
                "Tratamos os seus dados pessoais para as finalidades desta política e não vendemos os seus dados a terceiros pelo que."
            ),
            "pt"
        );
    }

    #[test]
    fn unsure_means_english() {
        assert_eq!(lang(""), "en");
        assert_eq!(lang("12345 — ©"), "en");
        assert_eq!(lang("Google Analytics Mailchimp"), "en");
    }

    #[test]
    fn swedish_seed_is_swedish() {
        let text = include_str!("../snapshots/seeds/001_d3e9af7cc998c5db.txt");
        assert_eq!(lang(text), "sv");
        let text = include_str!("../snapshots/seeds/002_e5a96dd1cf53a070.txt");
        assert_eq!(lang(text), "en");
    }
}
