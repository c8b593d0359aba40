//! policywatch: watch privacy policies and terms of service, keep every
//! version in git, and say what changed in what the policy *says*.
//!
//! The engine is pure and usable as a library:
//!
//! ```
//! use policywatch::{diff, Document};
//! let old = Document::from_text("old.md", "# Transfers\n\nWe rely on the EU-U.S. Privacy Shield.\n").unwrap();
//! let new = Document::from_text("new.md", "# Transfers\n\nWe rely on Standard Contractual Clauses.\n").unwrap();
//! let report = diff(&old, &new);
//! assert!(report.summary.substantive);
//! ```
//!
//! Pipeline: [`extract`] (bytes to blocks) → [`normalize`] → [`segment`]
//! (blocks to sections) → [`align`] (sections across versions) → [`textdiff`]
//! (sentences and words) → [`detect`] (typed events) → [`report`] →
//! [`render`]. The tracker adds [`config`], [`fetch`], [`store`] and [`db`]; the daemon
//! adds [`schedule`] and [`notify`].

#![deny(unsafe_code)]

pub mod align;
pub mod config;
pub mod daemon;
pub mod db;
pub mod detect;
pub mod diff;
pub mod error;
pub mod extract;
pub mod fetch;
pub mod lang;
pub mod model;
pub mod normalize;
pub mod notify;
pub mod render;
pub mod report;
pub mod schedule;
pub mod segment;
pub mod store;
mod swar;
#[cfg(test)]
mod testdata;
pub mod textdiff;
pub mod tracker;
pub mod worker;

pub use diff::diff;
pub use error::ParseError;
pub use model::{Document, ParseOptions};
pub use report::{Event, Report, Severity};
