//! Config errors that point at the file, line and column, name the key and
//! say what was expected.

use std::ops::Range;
use std::path::PathBuf;

use thiserror::Error;

/// Why a config file could not be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error(
        "cannot read config file {}: {source}; pass --config FILE, set POLICYWATCH_CONFIG, or create ./config.toml",
        path.display()
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but is not a valid config.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        /// The file name as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What is wrong and what was expected, naming the key.
        message: String,
    },
    /// An id asked for on the command line is not in the config.
    #[error("{file}: no source with id {id:?}; known ids: {known}")]
    UnknownSource {
        /// The file name.
        file: String,
        /// The id asked for.
        id: String,
        /// The ids in the file, comma-separated.
        known: String,
    },
}

/// Turns byte offsets into line/column and tells which table an offset is in.
pub(crate) struct Locator<'a> {
    pub(crate) file: String,
    pub(crate) text: &'a str,
}

impl Locator<'_> {
    /// 1-based line and column of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// An error at a span with a message.
    pub(crate) fn at(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.line_col(span.start);
        ConfigError::Invalid {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The table that contains an offset, as a reader would name it:
    /// `[fetch]`, `[[source]] #2`, or `the top level`.
    pub(crate) fn table_at(&self, offset: usize) -> String {
        // Include the line the offset is on: a span may start at a header.
        let offset = offset.min(self.text.len());
        let end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        let before = self.text.get(..end).unwrap_or("");
        let mut current = String::from("the top level");
        let mut counts: std::collections::HashMap<String, usize> = Default::default();
        for line in before.lines() {
            let t = line.trim();
            if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split_once("]]")) {
                let name = name.0.trim().to_string();
                let n = counts.entry(name.clone()).or_default();
                *n += 1;
                current = format!("[[{name}]] #{n}");
            } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split_once(']')) {
                current = format!("[{}]", name.0.trim());
            }
        }
        current
    }

    /// Rewrites a toml/serde error into our style: unknown and missing keys
    /// name the table, type errors name the key.
    pub(crate) fn toml_error(&self, err: &toml::de::Error) -> ConfigError {
        let span = err.span().unwrap_or(0..0);
        let table = self.table_at(span.start);
        let msg = err.message().trim();
        let message = if let Some(rest) = msg.strip_prefix("unknown field ") {
            let (key, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let key = key.trim_matches('`');
            let expected = expected.trim_start_matches("one of ").replace('`', "");
            if expected.is_empty() {
                format!("unknown key {key:?} in {table}; remove it")
            } else {
                format!("unknown key {key:?} in {table}; expected one of {expected}")
            }
        } else if let Some(rest) = msg.strip_prefix("missing field ") {
            let key = rest.trim_matches('`');
            format!("missing key {key:?} in {table}; add it, e.g. {key} = \"…\"")
        } else if let Some(key) = self.key_at(span.start) {
            format!("key {key:?} in {table}: {msg}")
        } else {
            format!("in {table}: {msg}")
        };
        self.at(span, message)
    }

    /// The key whose value starts at `offset`, read from `key = ` before it.
    fn key_at(&self, offset: usize) -> Option<String> {
        let before = self.text.get(..offset)?;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let lhs = before[line_start..].trim_end().strip_suffix('=')?;
        let key = lhs.rsplit([',', '{']).next()?.trim().trim_matches('"');
        (!key.is_empty()).then(|| key.to_string())
    }
}
