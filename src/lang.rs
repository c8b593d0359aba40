//! Language identification by stop words. Policies are long, so a small
//! stop-word vote is both fast and accurate enough to pick lexicons.
//!
//! STUB: replaced by the detection work.

/// Guess the ISO 639-1 code of the text; `en` when unsure.
pub fn detect_language<'a>(_texts: impl Iterator<Item = &'a str>) -> String {
    "en".to_string()
}
