//! Text normalisation: the folds that make cosmetic differences disappear
//! before anything is compared (NFC, odd spaces, quote/dash/bullet glyphs,
//! line wrapping).
//!
//! STUB: replaced by the segmentation work.

/// Normalise one block of text for storage and comparison.
pub fn normalize_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The key two headings are compared by: normalised and case-folded.
pub fn heading_key(heading: &str) -> String {
    normalize_text(heading).to_lowercase()
}
