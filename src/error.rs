//! Errors of the pure engine (parse, segment, diff). Modules with I/O
//! (store, database, fetch) have their own error enums next to their code.

use thiserror::Error;

/// Why an input could not be read as a policy.
#[derive(Debug, Error)]
pub enum ParseError {
    /// The bytes look binary and are not a PDF.
    #[error(
        "input looks binary (not text, HTML, Markdown or PDF); pass a policy document or force a format with --input-format"
    )]
    Binary,
    /// No text was left after extraction.
    #[error(
        "no policy text found after extraction; check the input, or use --select to point at the content"
    )]
    Empty,
    /// A PDF that could not be read.
    #[error("cannot read PDF: {0}")]
    Pdf(String),
    /// A CSS selector that does not parse or matches nothing.
    #[error("CSS selector {selector:?}: {problem}")]
    Selector {
        /// The selector as given.
        selector: String,
        /// What is wrong with it.
        problem: String,
    },
}
