//! The document model: what a policy looks like once it has been extracted,
//! normalised and split into sections.
//!
//! Everything downstream (alignment, diff, detection, the store's normalised
//! Markdown) works on [`Document`], never on raw bytes, so that the way a page
//! was fetched or encoded cannot leak into what we say changed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ParseError;

/// The formats a policy can arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Plain text, typically scraped from a web page (page chrome and all).
    Text,
    /// Markdown, with or without YAML front matter.
    Markdown,
    /// HTML; the main content is extracted unless a selector says otherwise.
    Html,
    /// PDF; text is extracted and headings recovered from the layout.
    Pdf,
}

impl InputFormat {
    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Text => "text",
            InputFormat::Markdown => "markdown",
            InputFormat::Html => "html",
            InputFormat::Pdf => "pdf",
        }
    }

    /// The file extension a raw snapshot of this format is stored with.
    pub fn extension(self) -> &'static str {
        match self {
            InputFormat::Text => "txt",
            InputFormat::Markdown => "md",
            InputFormat::Html => "html",
            InputFormat::Pdf => "pdf",
        }
    }
}

impl std::str::FromStr for InputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "txt" | "plain" => Ok(InputFormat::Text),
            "markdown" | "md" => Ok(InputFormat::Markdown),
            "html" | "htm" => Ok(InputFormat::Html),
            "pdf" => Ok(InputFormat::Pdf),
            other => Err(format!(
                "unknown input format {other:?}: expected text, markdown, html or pdf"
            )),
        }
    }
}

/// How to read one input. Every field is optional: by default the format is
/// detected from the content and HTML main content is found automatically.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Force a format instead of detecting it (`--input-format`).
    pub format: Option<InputFormat>,
    /// A CSS selector for the policy's content in HTML (`--select`); overrides
    /// the readability-style extractor.
    pub select: Option<String>,
    /// CSS selectors of elements to drop from HTML before extraction (`--remove`).
    pub remove: Vec<String>,
    /// A language hint (ISO 639-1, e.g. `sv`); detected from the text if absent.
    pub language: Option<String>,
    /// The HTTP `Content-Type`, when the input was fetched; it names a charset
    /// and helps format detection.
    pub content_type: Option<String>,
}

/// What a block of extracted text is, as far as markup or layout tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlockKind {
    /// A heading known from markup (Markdown `#`, HTML `<h1>`…, PDF layout), with its level 1–6.
    Heading(u8),
    /// A paragraph known from markup.
    Paragraph,
    /// A list item known from markup.
    ListItem,
    /// A table row, cells joined with ` | `.
    TableRow,
    /// A line of plain text whose role is unknown; segmentation decides
    /// whether it is a heading, body text or page chrome.
    Line,
}

/// One unit of extracted text, before segmentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// What the block is.
    pub kind: BlockKind,
    /// Its text, already normalised by [`crate::normalize::normalize_text`].
    pub text: String,
}

impl Block {
    /// A block of the given kind.
    pub fn new(kind: BlockKind, text: impl Into<String>) -> Self {
        Block {
            kind,
            text: text.into(),
        }
    }
}

/// The output of extraction: which format was read and the blocks found in it.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The format the input was read as (detected or forced).
    pub format: InputFormat,
    /// The blocks of text, in reading order.
    pub blocks: Vec<Block>,
}

/// One section of a policy: a heading and the body text under it, up to the
/// next heading of any level. Sections are kept flat, in document order; the
/// tree is expressed by `level` and `path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The heading as displayed (normalised spacing, original case). Empty for
    /// the preamble: text before the first heading.
    pub heading: String,
    /// 1 for top-level headings, deeper numbers for sub-sections, 0 for the preamble.
    pub level: u8,
    /// The headings from the outermost ancestor down to this section's own.
    pub path: Vec<String>,
    /// The body, one entry per paragraph, list item or table row, normalised.
    pub paragraphs: Vec<String>,
}

impl Section {
    /// The body as one string, paragraphs separated by blank lines.
    pub fn body_text(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// Words in heading and body.
    pub fn word_count(&self) -> usize {
        count_words(&self.heading)
            + self
                .paragraphs
                .iter()
                .map(|p| count_words(p))
                .sum::<usize>()
    }
}

/// A parsed, normalised, segmented policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Where the document came from (a file name, URL or `source@rev`).
    pub label: String,
    /// SHA-256 of the raw input bytes, hex.
    pub sha256: String,
    /// The format it was read as.
    pub format: InputFormat,
    /// ISO 639-1 language code, detected or given.
    pub language: String,
    /// The sections in document order.
    pub sections: Vec<Section>,
    /// Text judged to be page chrome (menus, footers, language pickers…). It
    /// is kept so that nothing is silently lost, but it is never diffed.
    pub chrome: Vec<String>,
}

impl Document {
    /// Parse raw bytes into a document: detect the format and encoding,
    /// extract text, normalise it and split it into sections.
    pub fn parse(label: &str, bytes: &[u8], opts: &ParseOptions) -> Result<Document, ParseError> {
        let extracted = crate::extract::extract(bytes, opts)?;
        let (sections, chrome) = crate::segment::segment_owned(extracted.blocks, extracted.format);
        let language = match &opts.language {
            Some(lang) => lang.to_ascii_lowercase(),
            None => crate::lang::detect_language(sections.iter().flat_map(|s| {
                std::iter::once(s.heading.as_str()).chain(s.paragraphs.iter().map(String::as_str))
            })),
        };
        Ok(Document {
            label: label.to_string(),
            sha256: sha256_hex(bytes),
            format: extracted.format,
            language,
            sections,
            chrome,
        })
    }

    /// Parse text that is already in memory, detecting its format.
    pub fn from_text(label: &str, text: &str) -> Result<Document, ParseError> {
        Document::parse(label, text.as_bytes(), &ParseOptions::default())
    }

    /// Words in all sections (chrome excluded).
    pub fn word_count(&self) -> usize {
        self.sections.iter().map(Section::word_count).sum()
    }

    /// The normalised version as Markdown with section headings: what the
    /// store keeps as `version.md`. Parsing it again yields the same sections.
    pub fn to_markdown(&self) -> String {
        crate::segment::to_markdown(&self.sections)
    }
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Count words the way every summary in this crate does: runs of
/// alphanumeric characters.
pub fn count_words(text: &str) -> usize {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count()
}
