//! Language identification by stop words. Policies are long, so a small
//! stop-word vote is both fast and accurate enough to pick lexicons. The
//! stop words live in the language lexicons (`lexicons/*.toml`), so a new
//! language is a data change here too.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// Words looked at, at most: enough to decide, cheap on a 1 MB policy.
const MAX_WORDS: usize = 20_000;
/// Fewer stop-word hits than this and we do not trust the vote.
const MIN_HITS: usize = 5;

/// FNV-1a: the keys are short words of our own lexicons, so a fast
/// non-keyed hash is safe here and much cheaper than SipHash per word.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type WordMap = HashMap<String, u32, BuildHasherDefault<Fnv>>;

/// Stop word → bit set of the languages it belongs to, plus the codes.
static STOPWORDS: LazyLock<(WordMap, Vec<String>)> = LazyLock::new(|| {
    let mut map = WordMap::default();
    let mut codes = Vec::new();
    if let Some(lex) = crate::detect::lexicon::lexicon() {
        for (i, l) in lex.languages.iter().enumerate() {
            codes.push(l.code.clone());
            for w in &l.stopwords {
                *map.entry(w.clone()).or_default() |= 1 << i;
            }
        }
    }
    (map, codes)
});

/// Guess the ISO 639-1 code of the text; `en` when unsure.
pub fn detect_language<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let (map, codes) = &*STOPWORDS;
    if codes.is_empty() {
        return "en".to_string();
    }
    let mut votes = vec![0usize; codes.len()];
    let mut seen = 0usize;
    let mut word = String::new();
    'outer: for text in texts {
        for w in text.split(|c: char| !c.is_alphanumeric() && c != '\'') {
            if w.is_empty() {
                continue;
            }
            seen += 1;
            if seen > MAX_WORDS {
                break 'outer;
            }
            word.clear();
            if w.is_ascii() {
                word.push_str(w);
                word.make_ascii_lowercase();
            } else {
                word.extend(w.chars().flat_map(char::to_lowercase));
            }
            if let Some(&mask) = map.get(word.as_str()) {
                // A word shared by several languages counts for none: it
                // cannot tell them apart.
                if mask.count_ones() == 1 {
                    votes[mask.trailing_zeros() as usize] += 1;
                }
            }
        }
    }
    let mut ranked: Vec<(usize, usize)> = votes.iter().copied().enumerate().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let (best, hits) = ranked[0];
    let runner_up = ranked.get(1).map_or(0, |r| r.1);
    // Unsure: too little evidence, or no clear winner.
    if hits < MIN_HITS || hits * 4 < runner_up * 5 {
        return "en".to_string();
    }
    codes[best].clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(text: &str) -> String {
        detect_language(std::iter::once(text))
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
