//! The JSON renderer: the `policywatch.diff/1` schema of `spec/events.md`,
//! which is the serde shape of [`Report`], pretty-printed.

use super::RenderOptions;
use crate::report::{Report, SectionStatus};

pub(super) fn render(report: &Report, opts: RenderOptions) -> String {
    // Without --all the spec leaves unchanged sections out; filtering a
    // borrowed copy keeps the report itself untouched for other renderers.
    let shown;
    let report = if opts.all {
        report
    } else {
        let mut r = report.clone();
        r.sections.retain(|s| s.status != SectionStatus::Unchanged);
        shown = r;
        &shown
    };
    // Serialising plain data with string keys cannot fail; an empty object
    // keeps the output valid JSON should that ever change.
    let mut out = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}
