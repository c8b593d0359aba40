//! Text normalisation: the folds that make cosmetic differences disappear
//! before anything is compared.
//!
//! [`normalize_text`] folds odd spaces, zero-width characters, quote, dash
//! and ellipsis glyphs, applies Unicode NFC, strips a leading bullet and
//! collapses whitespace (so line wrapping is cosmetic). [`heading_key`] adds
//! what makes two headings "the same heading": numbering and letter case do
//! not count.
//!
//! Every function here is idempotent: normalising normalised text returns it
//! unchanged, which the property tests check.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// What one input character becomes before NFC and whitespace collapsing.
enum Fold {
    Keep(char),
    Space,
    Drop,
    Str(&'static str),
}

/// The per-character fold table. Kept as a `match` so the compiler builds a
/// jump table; it is the hot loop of the whole parse.
fn fold_char(c: char) -> Fold {
    match c {
        // Non-breaking, narrow and typographic spaces: scrapes differ in
        // which one a `&nbsp;` became, so they all mean "a space".
        '\u{00A0}'
        | '\u{202F}'
        | '\u{2000}'..='\u{200A}'
        | '\u{205F}'
        | '\u{3000}'
        | '\u{1680}'
        | '\u{0085}'
        | '\u{2028}'
        | '\u{2029}' => Fold::Space,
        // Zero-width characters, word joiner, BOM and soft hyphen are
        // invisible; whether a page carries them is cosmetic.
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => Fold::Drop,
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2039}'
        | '\u{203A}' => Fold::Keep('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}'
        | '\u{2033}' => Fold::Keep('"'),
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => Fold::Keep('-'),
        '\u{2026}' => Fold::Str("..."),
        c if c.is_whitespace() => Fold::Space,
        c => Fold::Keep(c),
    }
}

/// Bullet glyphs that may open a list item in scraped text. ASCII `-`, `*`
/// and `+` count only when a space follows (so "-5%" keeps its sign); the
/// typographic dashes were already folded to `-`.
const BULLET_GLYPHS: &[char] = &[
    '•', '·', '▪', '◦', '●', '‣', '⁃', '∙', '■', '□', '▫', '○', '►', '▸', '➢', '➤', '✓', '✔', '-',
    '*', '+',
];

/// True when `text` needs no work at all: ASCII, single spaces, no
/// leading/trailing space, no other whitespace and no leading bullet.
pub(crate) fn is_already_normal(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    // Each test is a branch-free scan the compiler vectorises; together
    // they are far cheaper than one branchy per-byte loop (or a substring
    // search for the double space). This runs over every block twice.
    text.is_ascii()
        && !bytes
            .iter()
            .fold(false, |acc, &b| acc | (b.wrapping_sub(b'\t') < 5))
        && !bytes
            .windows(2)
            .fold(false, |acc, p| acc | ((p[0] == b' ') & (p[1] == b' ')))
        && strip_bullet(text).len() == text.len()
}

/// [`normalize_text`] without an allocation when the text is already
/// normal, which is the common case for text that came out of extraction.
pub fn normalize_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if is_already_normal(text) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(normalize_text(text))
    }
}

/// [`normalize_text`] of text the caller owns: already normal text (most
/// text that came out of extraction) is returned as it is, not copied.
pub fn normalize_owned(text: String) -> String {
    if is_already_normal(&text) {
        text
    } else {
        normalize_text(&text)
    }
}

/// Strip leading bullet glyphs (each followed by a space), repeatedly, so
/// that "• - item" and "item" normalise alike and stripping is idempotent.
fn strip_bullet(mut text: &str) -> &str {
    loop {
        let mut chars = text.chars();
        let Some(first) = chars.next() else {
            return text;
        };
        if !BULLET_GLYPHS.contains(&first) {
            return text;
        }
        let rest = chars.as_str();
        match rest.strip_prefix(' ') {
            Some(after) => text = after,
            // A bullet alone on its line is nothing but the bullet.
            None if rest.is_empty() => return rest,
            None => return text,
        }
    }
}

/// Is `b` white space to [`normalize_text`] (ASCII white space or VT)?
#[inline]
fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0B
}

/// Where the run of plain ASCII that goes on at `from` ends: ASCII bytes,
/// white space only as a single space before another plain byte. Eight
/// bytes at a time: the byte loop was 2 % of a small diff's whole process.
fn plain_run_end(bytes: &[u8], from: usize) -> usize {
    use crate::swar::{ONES, between, non_ascii};
    let plain = |b: u8| b.is_ascii() && !is_space(b);
    let mut end = from;
    while let Some(chunk) = bytes.get(end..end + 8) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let x = u64::from_le_bytes(eight);
        let space = between(x, b' ', b' ');
        let white = between(x, 0x09, 0x0D) | space;
        let high = non_ascii(x);
        let next_plain = bytes.get(end + 8).is_some_and(|&b| plain(b));
        let plain_after = ((!white & !high & ONES) >> 8) | (u64::from(next_plain) << 56);
        let stops = high | (white & !(space & plain_after));
        if stops != 0 {
            return end + stops.trailing_zeros() as usize / 8;
        }
        end += 8;
    }
    while let Some(&c) = bytes.get(end) {
        if !c.is_ascii() {
            break;
        }
        if is_space(c) {
            match bytes.get(end + 1) {
                Some(&next) if c == b' ' && plain(next) => {
                    end += 2;
                    continue;
                }
                _ => break,
            }
        }
        end += 1;
    }
    end
}

/// Normalise one block of text for storage and comparison.
///
/// Applies, in this order: the glyph folds (odd spaces to a space;
/// zero-width characters, BOM and soft hyphens removed; curly and angle
/// quotes to `'`/`"`; dashes and minus to `-`; `…` to `...`), Unicode NFC,
/// whitespace collapsing (newlines included, so line wrapping is cosmetic)
/// with trimming, and finally the removal of leading bullet glyphs.
///
/// ASCII text that is already single-spaced is returned by a fast path
/// without any per-character work beyond one scan.
pub fn normalize_text(text: &str) -> String {
    if is_already_normal(text) {
        return text.to_string();
    }
    // One pass folds glyphs and collapses whitespace; NFC, when a kept
    // character needs it, runs afterwards. NFC never creates or removes
    // spaces (canonical mappings contain none), so the order is safe.
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut needs_nfc_check = false;
    let push = |out: &mut String, pending: &mut bool, c: char| {
        if *pending && !out.is_empty() {
            out.push(' ');
        }
        *pending = false;
        out.push(c);
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            if is_space(b) {
                pending_space = true;
                i += 1;
                continue;
            }
            // Copy the whole run of plain ASCII at once, single spaces
            // between words included: most of any text. A space is taken
            // only with the plain byte after it, so a run never ends in one.
            let end = plain_run_end(bytes, i + 1);
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push_str(&text[i..end]);
            i = end;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        match fold_char(c) {
            Fold::Keep(k) => {
                needs_nfc_check |= !k.is_ascii();
                push(&mut out, &mut pending_space, k);
            }
            Fold::Space => pending_space = true,
            Fold::Drop => {}
            Fold::Str(s) => {
                for k in s.chars() {
                    push(&mut out, &mut pending_space, k);
                }
            }
        }
    }
    if needs_nfc_check && is_nfc_quick(out.chars()) != IsNormalized::Yes {
        out = out.nfc().collect();
    }
    let stripped = strip_bullet(&out);
    if stripped.len() == out.len() {
        out
    } else {
        stripped.to_string()
    }
}

/// True when two texts differ only in ways [`normalize_text`] folds away.
pub fn is_cosmetically_equal(a: &str, b: &str) -> bool {
    a == b || normalize_text(a) == normalize_text(b)
}

/// If `text` starts with a section number ("1.", "2.3", "1)", "a)", "(b)",
/// "IV."), the number and the rest after the following space.
///
/// Bare numbers without a dot count only up to two digits, so "2020 update"
/// is not numbered.
pub fn split_numbering(text: &str) -> Option<(&str, &str)> {
    let (head, rest) = text.split_once(' ')?;
    if rest.is_empty() || !is_numbering_token(head) {
        return None;
    }
    Some((head, rest))
}

/// True for a token that is only a section number: "1", "1.", "2.3",
/// "2.3.", "1)", "a)", "a.", "(b)", "(iv)", "IV.", "iv)".
pub fn is_numbering_token(token: &str) -> bool {
    let t = token.as_bytes();
    if t.is_empty() || t.len() > 12 {
        return false;
    }
    // "(a)", "(12)", "(iv)"
    if t[0] == b'(' {
        return t.len() >= 3
            && t[t.len() - 1] == b')'
            && t.len() <= 6
            && t[1..t.len() - 1].iter().all(|b| b.is_ascii_alphanumeric());
    }
    let (body, closer) = match t[t.len() - 1] {
        b'.' | b')' => (&t[..t.len() - 1], Some(t[t.len() - 1])),
        _ => (t, None),
    };
    if body.is_empty() {
        return false;
    }
    if body[0].is_ascii_digit() {
        // Dotted decimal: 1, 1.2, 1.2.3 with one or two digits per part.
        let mut parts = 0;
        for part in body.split(|b| *b == b'.') {
            if part.is_empty() || part.len() > 2 || !part.iter().all(u8::is_ascii_digit) {
                return false;
            }
            parts += 1;
        }
        return parts >= 1;
    }
    let Some(closer) = closer else {
        return false;
    };
    if body.len() == 1 && body[0].is_ascii_alphabetic() {
        return true;
    }
    let roman = body
        .iter()
        .all(|b| matches!(b.to_ascii_uppercase(), b'I' | b'V' | b'X' | b'L' | b'C'));
    roman && body.len() <= 6 && (closer == b'.' || closer == b')')
}

/// The key two headings are compared by.
///
/// [`normalize_text`], then section numbering ("1.", "2.3", "a)", "IV.")
/// and trailing colons and periods stripped, then case-folded: a heading
/// renumbered or re-cased is the same heading.
pub fn heading_key(heading: &str) -> String {
    // Each step can expose more to fold: trimming "*:" leaves a lone bullet
    // "*" that normalising removes, lower-casing "İ" yields text that NFC
    // changes. Repeat until nothing changes; every step but NFC shortens
    // the text, so a few rounds always suffice.
    let mut key = heading_key_step(heading);
    for _ in 0..8 {
        let again = heading_key_step(&key);
        if again == key {
            break;
        }
        key = again;
    }
    key
}

/// One round of [`heading_key`]: normalise, drop numbering and trailing
/// punctuation, lower-case.
fn heading_key_step(heading: &str) -> String {
    let normal = normalize_cow(heading);
    let mut rest: &str = &normal;
    while let Some((_, after)) = split_numbering(rest) {
        rest = after;
    }
    rest.trim_end_matches([':', '.', ' ']).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The char-by-char loop that the run-copying one replaced.
    fn reference(text: &str) -> String {
        let mut out = String::new();
        let mut pending = false;
        let mut nfc = false;
        let push = |out: &mut String, pending: &mut bool, c: char| {
            if *pending && !out.is_empty() {
                out.push(' ');
            }
            *pending = false;
            out.push(c);
        };
        for c in text.chars() {
            if c.is_ascii() {
                if c.is_ascii_whitespace() || c == '\u{b}' {
                    pending = true;
                } else {
                    push(&mut out, &mut pending, c);
                }
                continue;
            }
            match fold_char(c) {
                Fold::Keep(k) => {
                    nfc |= !k.is_ascii();
                    push(&mut out, &mut pending, k);
                }
                Fold::Space => pending = true,
                Fold::Drop => {}
                Fold::Str(s) => s.chars().for_each(|k| push(&mut out, &mut pending, k)),
            }
        }
        if nfc && is_nfc_quick(out.chars()) != IsNormalized::Yes {
            out = out.nfc().collect();
        }
        strip_bullet(&out).to_string()
    }

    proptest::proptest! {
        #[test]
        fn normalises_like_the_char_by_char_reference(
            text in "[a. \t\n\u{b}\u{a0}\u{2019}\u{2014}\u{2026}\u{200b}•é\u{301}-]{0,40}"
        ) {
            proptest::prop_assert_eq!(normalize_text(&text), reference(&text));
        }

        /// The eight-at-a-time run end is the byte loop's, wherever it starts.
        #[test]
        fn plain_runs_end_where_the_byte_loop_ends_them(
            text in "([ab.]{1,3}[ \t]){0,12}[ab. \t\n\u{b}\u{c}\r\u{a0}é]{0,12}",
            from in 0usize..40,
        ) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let mut end = from;
            while let Some(&c) = bytes.get(end) {
                if !c.is_ascii() {
                    break;
                }
                if is_space(c) {
                    match bytes.get(end + 1) {
                        Some(&next) if c == b' ' && next.is_ascii() && !is_space(next) => {
                            end += 2;
                            continue;
                        }
                        _ => break,
                    }
                }
                end += 1;
            }
            proptest::prop_assert_eq!(plain_run_end(bytes, from), end);
        }
    }

    #[test]
    fn fast_path_returns_input() {
        assert_eq!(normalize_text("We keep data."), "We keep data.");
        assert_eq!(normalize_text("-5% off"), "-5% off");
    }

    #[test]
    fn folds_nbsp_and_odd_spaces() {
        assert_eq!(normalize_text("Privacy\u{a0}Shield"), "Privacy Shield");
        assert_eq!(
            normalize_text("a\u{202f}b\u{2009}c\u{2003}d\u{3000}e"),
            "a b c d e"
        );
    }

    #[test]
    fn folds_ascii_control_whitespace() {
        assert_eq!(normalize_text("a\u{b}b\u{c}c"), "a b c");
    }

    #[test]
    fn cow_borrows_normal_text() {
        assert!(matches!(
            normalize_cow("We keep data."),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(normalize_cow("a\u{a0}b"), "a b");
    }

    #[test]
    fn drops_zero_width_and_soft_hyphen() {
        assert_eq!(normalize_text("\u{feff}pri\u{ad}vacy\u{200b}"), "privacy");
    }

    #[test]
    fn folds_quotes_dashes_ellipsis() {
        assert_eq!(
            normalize_text("\u{201c}we\u{201d} \u{2018}us\u{2019} \u{ab}x\u{bb} \u{201e}y\u{201c}"),
            "\"we\" 'us' \"x\" \"y\""
        );
        assert_eq!(
            normalize_text("EU\u{2013}US \u{2014} ok\u{2026}"),
            "EU-US - ok..."
        );
        assert_eq!(normalize_text("\u{2212}5"), "-5");
    }

    #[test]
    fn applies_nfc() {
        assert_eq!(normalize_text("Franc\u{327}ais"), "Fran\u{e7}ais");
    }

    #[test]
    fn collapses_whitespace_and_wrapping() {
        assert_eq!(
            normalize_text("  we keep\n  your data\t\tfor\r\n14 months "),
            "we keep your data for 14 months"
        );
    }

    #[test]
    fn strips_bullets_but_not_signs() {
        assert_eq!(normalize_text("• Analytics"), "Analytics");
        assert_eq!(normalize_text("- item"), "item");
        assert_eq!(
            normalize_text("\u{2013} Identifiers: name"),
            "Identifiers: name"
        );
        assert_eq!(normalize_text("* - nested"), "nested");
        assert_eq!(normalize_text("-5% of users"), "-5% of users");
        assert_eq!(normalize_text("*important*"), "*important*");
        assert_eq!(normalize_text("•"), "");
    }

    #[test]
    fn cosmetic_equality() {
        assert!(is_cosmetically_equal(
            "\u{201c}Privacy\u{a0}Shield\u{201d}",
            "\"Privacy Shield\""
        ));
        assert!(!is_cosmetically_equal("14 months", "26 months"));
    }

    #[test]
    fn numbering_tokens() {
        for t in [
            "1", "1.", "2.3", "2.3.", "1)", "a)", "a.", "(b)", "(iv)", "IV.", "iv)",
        ] {
            assert!(is_numbering_token(t), "{t}");
        }
        for t in ["2020", "a", "Art.", "1,", "(", "()", "Data", "ii"] {
            assert!(!is_numbering_token(t), "{t}");
        }
    }

    #[test]
    fn heading_key_strips_numbering_case_and_colons() {
        assert_eq!(
            heading_key("1. Commitment and General Principles"),
            "commitment and general principles"
        );
        assert_eq!(heading_key("2.3 Cookies:"), "cookies");
        assert_eq!(heading_key("a) E-mail Address:"), "e-mail address");
        assert_eq!(heading_key("IV. YOUR RIGHTS."), "your rights");
        assert_eq!(heading_key("Your\u{a0}Rights"), "your rights");
        assert_eq!(heading_key("2020 Update"), "2020 update");
    }

    #[test]
    fn idempotent_on_tricky_inputs() {
        for s in [
            "e\u{200b}\u{301}",
            "- - x",
            "\u{130}stanbul",
            "1. 2. a) Foo:",
            " \u{301}",
            "\u{2000}x",
            // Trimming the colon leaves a lone bullet, which normalising drops.
            "*:",
            "1. - :",
        ] {
            let once = normalize_text(s);
            assert_eq!(normalize_text(&once), once, "{s:?}");
            let key = heading_key(s);
            assert_eq!(heading_key(&key), key, "{s:?}");
        }
    }
}
