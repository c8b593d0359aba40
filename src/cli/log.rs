//! `policywatch log`: the recorded events, newest first.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use policywatch::Severity;
use policywatch::db::EventFilter;

use super::GlobalArgs;
use super::common::{DataFormat, load_config, open_read, parse_since, print_json};
use super::style::Painter;

/// Arguments of `policywatch log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this source.
    #[arg(long, value_name = "ID")]
    pub source: Option<String>,
    /// Only kinds matching this glob, e.g. `retention.*`.
    #[arg(long, value_name = "GLOB")]
    pub kind: Option<String>,
    /// Only events at least this severe: info, low, medium, high.
    #[arg(long, value_name = "MIN")]
    pub severity: Option<Severity>,
    /// Only events detected on or after this date (2024-03-01) or time.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// At most this many events.
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// Print the events.
pub fn run(args: &LogArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = load_config(global)?;
    if let Some(id) = &args.source {
        config.select_sources(std::slice::from_ref(id))?;
    }
    let (_, db) = open_read(&config)?;
    let filter = EventFilter {
        source: args.source.clone(),
        kind: args.kind.clone(),
        min_severity: args.severity,
        since: args.since.as_deref().map(parse_since).transpose()?,
        version_id: None,
        limit: args.limit,
    };
    let rows = db.events(&filter)?;
    if args.format == DataFormat::Json {
        print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    let paint = Painter::new(global.color.enabled(true));
    for row in &rows {
        let version = row.version.map(|v| format!("@{v}")).unwrap_or_default();
        let section = row
            .event
            .section
            .new
            .as_ref()
            .or(row.event.section.old.as_ref())
            .filter(|s| !s.is_empty())
            .map(|s| format!("  [{s}]"))
            .unwrap_or_default();
        println!(
            "{}  {}{}  {} {}{}",
            row.detected_at.format("%Y-%m-%d"),
            paint.bold(&row.source),
            version,
            paint.severity(row.event.severity),
            row.event.headline(),
            section
        );
    }
    if rows.is_empty() {
        eprintln!("no events match; `policywatch check` records them");
    }
    Ok(ExitCode::SUCCESS)
}
