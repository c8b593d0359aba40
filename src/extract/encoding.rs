//! Character sets: find the encoding of raw bytes, decode them, and repair
//! UTF-8 that was once decoded as Latin-1/Windows-1252 ("FranÃ§ais").

use std::borrow::Cow;
use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
use regex::bytes::Regex;

/// How the encoding of an input was decided (useful in tests and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingSource {
    /// A byte order mark.
    Bom,
    /// The `charset` parameter of the HTTP `Content-Type`.
    ContentType,
    /// A `<meta charset>` or `http-equiv` tag.
    Meta,
    /// The bytes are valid UTF-8.
    Utf8,
    /// UTF-16 recognised from the pattern of NUL bytes, without a BOM.
    Utf16Pattern,
    /// Statistical detection (chardetng).
    Detected,
}

/// Text decoded from bytes, with the encoding that was used.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The decoded text, mojibake not yet repaired.
    pub text: Cow<'a, str>,
    /// The encoding used.
    pub encoding: &'static Encoding,
    /// How it was chosen.
    pub source: EncodingSource,
}

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i-u)<meta\b[^>]{0,512}?charset\s*=\s*["']?\s*([a-z0-9_:.\-]{1,40})"#).unwrap()
});

/// The charset named by a `Content-Type` value, if any.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        Encoding::for_label(v.trim().trim_matches(['"', '\'']).as_bytes())
    })
}

/// The charset declared by a `<meta>` tag near the top of an HTML page.
pub fn charset_from_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    // Browsers only look at the first 1024 bytes; be a little more generous.
    let head = &bytes[..bytes.len().min(4096)];
    // Every match starts with `<meta`: text and Markdown inputs have none,
    // and then the regex (costly to compile, on every start) is not built.
    if !head.windows(5).any(|w| w.eq_ignore_ascii_case(b"<meta")) {
        return None;
    }
    let caps = META_CHARSET.captures(head)?;
    let enc = Encoding::for_label(caps.get(1)?.as_bytes())?;
    // A page that is parsed as ASCII-compatible bytes cannot really be UTF-16
    // (the HTML standard says so too).
    if enc == UTF_16LE || enc == UTF_16BE {
        Some(UTF_8)
    } else {
        Some(enc)
    }
}

/// Guess UTF-16 without a BOM from where the NUL bytes fall in ASCII-heavy text.
fn utf16_by_nul_pattern(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    // ASCII text in UTF-16LE has a NUL in every second (odd) byte.
    if odd * 10 >= pairs * 7 && even * 10 <= pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 7 && odd * 10 <= pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Is this encoding a legacy single- or multi-byte one (not Unicode)?
fn is_legacy(enc: &'static Encoding) -> bool {
    enc != UTF_8 && enc != UTF_16LE && enc != UTF_16BE
}

/// Decode bytes: BOM, then UTF-16 by NUL pattern, then the declared charset
/// (HTTP header, `<meta>`), then valid UTF-8, then statistical detection.
///
/// A declared legacy charset loses to bytes that are valid, non-ASCII UTF-8:
/// servers and templates often declare ISO-8859-1 for UTF-8 pages, while
/// Latin-1 text that happens to be valid UTF-8 is vanishingly rare.
pub fn decode<'a>(bytes: &'a [u8], content_type: Option<&str>, look_for_meta: bool) -> Decoded<'a> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text,
            encoding: enc,
            source: EncodingSource::Bom,
        };
    }
    let declared = content_type
        .and_then(charset_from_content_type)
        .map(|e| (e, EncodingSource::ContentType))
        .or_else(|| {
            look_for_meta
                .then(|| charset_from_meta(bytes))
                .flatten()
                .map(|e| (e, EncodingSource::Meta))
        });
    // ASCII text in UTF-16 is valid UTF-8 too (NULs and all): check it first.
    if let Some(enc) = utf16_by_nul_pattern(bytes) {
        let (text, _) = enc.decode_without_bom_handling(bytes);
        return Decoded {
            text,
            encoding: enc,
            source: EncodingSource::Utf16Pattern,
        };
    }
    let utf8 = std::str::from_utf8(bytes).ok();
    if let Some((enc, source)) = declared {
        // Mislabelled pages are common both ways: UTF-8 bytes declared as a
        // legacy charset, and legacy bytes declared as UTF-8 (which would
        // otherwise decode to replacement characters).
        let overruled = (is_legacy(enc) && utf8.is_some_and(|s| !s.is_ascii()))
            || (enc == UTF_8 && utf8.is_none());
        if !overruled {
            let (text, _) = enc.decode_without_bom_handling(bytes);
            return Decoded {
                text,
                encoding: enc,
                source,
            };
        }
    }
    if let Some(s) = utf8 {
        return Decoded {
            text: Cow::Borrowed(s),
            encoding: UTF_8,
            source: EncodingSource::Utf8,
        };
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let enc = detector.guess(None, chardetng::Utf8Detection::Allow);
    let (text, _) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text,
        encoding: enc,
        source: EncodingSource::Detected,
    }
}

/// Does this look like UTF-16 text without a BOM? (Used by the binary check,
/// which must not reject it for its NUL bytes.)
pub fn looks_like_utf16(bytes: &[u8]) -> bool {
    Encoding::for_bom(bytes).is_some_and(|(e, _)| e != UTF_8)
        || utf16_by_nul_pattern(bytes).is_some()
}

/// The byte a character had in Windows-1252 (or Latin-1 for the C1 range,
/// which is how the five bytes undefined in 1252 usually survive), if any.
fn cp1252_byte(c: char) -> Option<u8> {
    if (c as u32) < 0x100 {
        return Some(c as u32 as u8);
    }
    Some(match c {
        '\u{20AC}' => 0x80,
        '\u{201A}' => 0x82,
        '\u{0192}' => 0x83,
        '\u{201E}' => 0x84,
        '\u{2026}' => 0x85,
        '\u{2020}' => 0x86,
        '\u{2021}' => 0x87,
        '\u{02C6}' => 0x88,
        '\u{2030}' => 0x89,
        '\u{0160}' => 0x8A,
        '\u{2039}' => 0x8B,
        '\u{0152}' => 0x8C,
        '\u{017D}' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '\u{2022}' => 0x95,
        '\u{2013}' => 0x96,
        '\u{2014}' => 0x97,
        '\u{02DC}' => 0x98,
        '\u{2122}' => 0x99,
        '\u{0161}' => 0x9A,
        '\u{203A}' => 0x9B,
        '\u{0153}' => 0x9C,
        '\u{017E}' => 0x9E,
        '\u{0178}' => 0x9F,
        _ => return None,
    })
}

/// Characters that start a UTF-8 multi-byte sequence when read as 1252:
/// bytes 0xC2–0xF4. Without one, a run cannot be mojibake.
fn is_lead(c: char) -> bool {
    ('\u{C2}'..='\u{F4}').contains(&c)
}

/// Try to undo one layer of UTF-8-read-as-1252 on a run of non-ASCII characters.
fn repair_run(run: &str, bytes: &mut Vec<u8>) -> Option<String> {
    if !run.chars().any(is_lead) {
        return None;
    }
    bytes.clear();
    for c in run.chars() {
        bytes.push(cp1252_byte(c)?);
    }
    let fixed = std::str::from_utf8(bytes).ok()?;
    // A legitimate run that happens to form valid UTF-8 would decode to
    // controls or noncharacters far more often than to letters; refuse those.
    if fixed
        .chars()
        .any(|c| c.is_control() || ('\u{FDD0}'..='\u{FDEF}').contains(&c) || c == '\u{FFFE}')
    {
        return None;
    }
    Some(fixed.to_string())
}

/// Repair mojibake: UTF-8 text that was decoded as Windows-1252 or Latin-1
/// ("FranÃ§ais" → "Français", "Â©" → "©", "â€™" → "’").
///
/// Works run by run: each maximal run of non-ASCII characters is re-encoded
/// as 1252 and decoded as UTF-8; only runs that decode cleanly are replaced,
/// so runs whose bytes were partly lost, and legitimate text ("Ã" in
/// Portuguese, Swedish "å ä ö"), are left alone. Applied up to twice, for
/// text that was mangled twice.
pub fn repair_mojibake(text: &str) -> Cow<'_, str> {
    let mut current = Cow::Borrowed(text);
    for _ in 0..2 {
        match repair_once(&current) {
            Some(fixed) => current = Cow::Owned(fixed),
            None => break,
        }
    }
    current
}

fn repair_once(text: &str) -> Option<String> {
    // Every lead character (U+00C2–U+00F4) is encoded as C3 xx in UTF-8;
    // a byte scan rules most texts out cheaply.
    if !text.as_bytes().contains(&0xC3) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut scratch = Vec::new();
    let mut changed = false;
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| !c.is_ascii()) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let len = tail.find(|c: char| c.is_ascii()).unwrap_or(tail.len());
        let run = &tail[..len];
        match repair_run(run, &mut scratch) {
            Some(fixed) => {
                out.push_str(&fixed);
                changed = true;
            }
            None => out.push_str(run),
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::WINDOWS_1252;

    #[test]
    fn legacy_bytes_declared_as_utf8_are_detected_not_replaced() {
        let (bytes, _, _) = WINDOWS_1252.encode("<p>Cette politique existe en Français et en Español pour nos clients européens. © 2024</p>");
        let d = decode(&bytes, Some("text/html; charset=utf-8"), true);
        assert!(
            d.text.contains("Français") && d.text.contains("européens"),
            "{}",
            d.text
        );
        assert!(!d.text.contains('\u{FFFD}'));
        assert_eq!(d.source, EncodingSource::Detected);
    }

    #[test]
    fn repairs_latin1_mojibake() {
        assert_eq!(repair_mojibake("FranÃ§ais EspaÃ±ol"), "Français Español");
        assert_eq!(repair_mojibake("Â© DigiDNA, Â®"), "© DigiDNA, ®");
        assert_eq!(repair_mojibake("PortuguÃªs"), "Português");
    }

    #[test]
    fn repairs_cp1252_punctuation() {
        assert_eq!(repair_mojibake("donâ€™t"), "don\u{2019}t");
    }

    #[test]
    fn leaves_broken_and_legit_runs() {
        // Bytes lost: not valid UTF-8 any more, keep as is.
        assert_eq!(repair_mojibake("PÑÑÑÐºÐ¸Ð¹"), "PÑÑÑÐºÐ¸Ð¹");
        for legit in [
            "Français",
            "NÃO SÃO",
            "å ä ö, Förändring",
            "Ã iMazing",
            "naïve café",
        ] {
            assert_eq!(repair_mojibake(legit), legit);
        }
    }

    #[test]
    fn repairs_double_mojibake() {
        let once: String = "é".bytes().map(char::from).collect();
        let twice: String = once.as_bytes().iter().map(|&b| char::from(b)).collect();
        assert_eq!(repair_mojibake(&twice), "é");
    }

    #[test]
    fn content_type_and_meta() {
        assert_eq!(
            charset_from_content_type("text/html; charset=\"ISO-8859-1\""),
            Some(WINDOWS_1252)
        );
        assert_eq!(charset_from_content_type("text/html"), None);
        assert_eq!(
            charset_from_meta(b"<html><head><meta charset=\"windows-1252\">"),
            Some(WINDOWS_1252)
        );
        assert_eq!(
            charset_from_meta(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-15\">"
            ),
            Encoding::for_label(b"iso-8859-15")
        );
    }

    #[test]
    fn decodes_utf16_without_bom() {
        let bytes: Vec<u8> = "Privacy policy text"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let d = decode(&bytes, None, false);
        assert_eq!(d.text, "Privacy policy text");
        assert_eq!(d.source, EncodingSource::Utf16Pattern);
    }

    #[test]
    fn valid_utf8_beats_declared_latin1() {
        let d = decode(
            "Données".as_bytes(),
            Some("text/html; charset=iso-8859-1"),
            false,
        );
        assert_eq!(d.text, "Données");
    }
}
