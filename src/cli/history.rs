//! `policywatch history SOURCE`: the versions of a source.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use policywatch::db::EventFilter;

use super::GlobalArgs;
use super::common::{DataFormat, load_config, open_read, print_json};
use super::style::Painter;

/// Arguments of `policywatch history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The source id.
    pub source: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// Headline events shown per version in text output.
const HEADLINES: usize = 3;

/// Print the versions, oldest first, with their headline events.
pub fn run(args: &HistoryArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = load_config(global)?;
    config.select_sources(std::slice::from_ref(&args.source))?;
    let (_, db) = open_read(&config)?;
    let versions = db.versions(&args.source)?;
    let paint = Painter::new(global.color.enabled(true));
    let mut out = Vec::new();
    for v in &versions {
        let mut events = db.events(&EventFilter {
            version_id: Some(v.id),
            ..EventFilter::default()
        })?;
        // Most severe first within a version.
        events.sort_by_key(|e| std::cmp::Reverse(e.event.severity));
        if args.format == DataFormat::Json {
            out.push(json!({
                "source": v.source_id,
                "version": v.seq,
                "commit": v.version_commit,
                "fetched_at": v.fetched_at,
                "words": v.word_count,
                "format": v.format,
                "events": events.iter().map(|e| &e.event).collect::<Vec<_>>(),
            }));
            continue;
        }
        println!(
            "@{:<4} {}  {:>6} words  {}  {}",
            v.seq,
            v.fetched_at.format("%Y-%m-%d %H:%M"),
            v.word_count,
            &v.version_commit[..v.version_commit.len().min(10)],
            match events.len() {
                0 if v.seq == 1 => "first version".to_string(),
                0 => "no events".to_string(),
                n => format!("{n} event{}", if n == 1 { "" } else { "s" }),
            }
        );
        for e in events.iter().take(HEADLINES) {
            println!(
                "        {} {}",
                paint.severity(e.event.severity),
                e.event.headline()
            );
        }
        if events.len() > HEADLINES {
            println!("        … {} more", events.len() - HEADLINES);
        }
    }
    if args.format == DataFormat::Json {
        print_json(&out)?;
    } else if versions.is_empty() {
        eprintln!(
            "{}: no versions yet; run `policywatch check --source {}`",
            args.source, args.source
        );
    }
    Ok(ExitCode::SUCCESS)
}
