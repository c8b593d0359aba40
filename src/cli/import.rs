//! `policywatch import SOURCE DIR`: backfill a history from dated files.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::Args;
use indicatif::ProgressBar;

use policywatch::tracker::Tracker;

use super::GlobalArgs;
use super::common::{DataFormat, load_config, print_json};

/// Arguments of `policywatch import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The source id (from the config) to import into.
    pub source: String,
    /// A folder of dated files: `2020-01-01.md` or `NNN-YYYY-MM-DD-*.md`.
    pub dir: PathBuf,
    /// Wait for another check or watch on the same store instead of refusing.
    #[arg(long)]
    pub wait: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// Import, oldest first. Exit 1 if any file failed.
pub fn run(args: &ImportArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = load_config(global)?;
    let source = config
        .select_sources(std::slice::from_ref(&args.source))?
        .into_iter()
        .next()
        .cloned()
        .ok_or_else(|| anyhow!("{}: unknown source", args.source))?;
    let tracker = Tracker::open(config, args.wait)?;
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    let report = tracker.import(&source, &args.dir, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    if args.format == DataFormat::Json {
        print_json(&serde_json::json!({
            "source": source.id,
            "files": report.files,
            "versions": report.versions,
            "unchanged": report.unchanged,
            "skipped": report.skipped,
            "changes": report.changes,
            "events": report.events,
            "failed": report.failed.iter().map(|(p, why)| serde_json::json!({"file": p, "error": why})).collect::<Vec<_>>(),
        }))?;
    } else {
        println!(
            "{}: {} files, {} versions, {} changes with {} events ({} identical to the one before, {} older than the history, skipped)",
            source.id,
            report.files,
            report.versions,
            report.changes,
            report.events,
            report.unchanged,
            report.skipped
        );
        for (path, why) in &report.failed {
            println!("  failed: {}: {why}", path.display());
        }
        if report.changes > 0 {
            println!("see them with: policywatch log --source {}", source.id);
        }
    }
    Ok(ExitCode::from(if report.failed.is_empty() { 0 } else { 1 }))
}
