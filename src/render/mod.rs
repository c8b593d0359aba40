//! Renderers for a diff report: text (coloured at a terminal), Markdown,
//! JSON (the spec's schema) and a self-contained HTML page.
//!
//! STUB: JSON only.

use crate::model::Document;
use crate::report::Report;

/// Output formats of `policywatch diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, coloured when `color` is set.
    Text,
    /// Markdown for issues, tickets and chat.
    Markdown,
    /// The `policywatch.diff/1` JSON.
    Json,
    /// One self-contained side-by-side HTML page.
    Html,
}

/// Options shared by all renderers.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Include unchanged sections.
    pub all: bool,
    /// Use ANSI colours (text format only).
    pub color: bool,
}

/// Render a report. The documents give renderers the section texts.
pub fn render(
    report: &Report,
    _old: &Document,
    _new: &Document,
    _format: Format,
    _opts: RenderOptions,
) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}
