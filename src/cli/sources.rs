//! `policywatch sources`: the watch list and each source's last check.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::GlobalArgs;
use super::common::{DataFormat, load_config, open_read, print_json};

/// Arguments of `policywatch sources`.
#[derive(Debug, Args)]
pub struct SourcesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// Print the watch list.
pub fn run(args: &SourcesArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = load_config(global)?;
    let (_, mut db) = open_read(&config)?;
    db.sync_sources(&config.sources, chrono::Utc::now())?;
    let status = db.sources_status()?;
    let configured: Vec<_> = status
        .iter()
        .filter(|s| config.source(&s.id).is_some())
        .collect();
    if args.format == DataFormat::Json {
        print_json(&configured)?;
        return Ok(ExitCode::SUCCESS);
    }
    for s in configured {
        let last = match (&s.last_checked_at, &s.last_outcome) {
            (Some(at), Some(outcome)) => format!("{} {}", at.format("%Y-%m-%d %H:%M"), outcome),
            _ => "never checked".into(),
        };
        println!(
            "{:<28} {:>4} versions  {:<32} {}",
            s.id, s.versions, last, s.url
        );
        if let Some(err) = s.last_error.as_ref().filter(|_| s.consecutive_failures > 0) {
            println!(
                "{:<28} {} failures in a row: {err}",
                "", s.consecutive_failures
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
