//! `policywatch check [--source ID …]`: one pass over the watch list.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use policywatch::notify::{Deliverer, DeliveryPass};
use policywatch::tracker::{CheckResult, SourceReport, Tracker};

use super::GlobalArgs;
use super::common::{DataFormat, load_config, print_json};
use super::style::Painter;

/// Arguments of `policywatch check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check only these sources (repeatable); all by default.
    #[arg(long = "source", value_name = "ID")]
    pub sources: Vec<String>,
    /// Wait for another check or watch on the same store instead of refusing.
    #[arg(long)]
    pub wait: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// Run one pass. Exit 0 when every source was checked, 1 when any failed.
pub fn run(args: &CheckArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = load_config(global)?;
    let selected: Vec<_> = config
        .select_sources(&args.sources)?
        .into_iter()
        .cloned()
        .collect();
    // No webhooks, no HTTP client to build.
    let deliverer = (!config.webhooks.is_empty()).then(|| {
        Deliverer::new(
            config.webhooks.clone(),
            &config.database.path,
            &config.fetch.user_agent,
        )
    });
    // Bounded, so a hanging receiver cannot hold up a cron'd check.
    let budget = config
        .webhooks
        .iter()
        .map(|w| w.timeout)
        .max()
        .unwrap_or_default()
        + Duration::from_secs(5);
    let tracker = Tracker::open(config, args.wait)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let paint = Painter::new(global.color.enabled(true));
    let text = args.format == DataFormat::Text;

    let bar = if text && std::io::stderr().is_terminal() && selected.len() > 1 {
        let bar = ProgressBar::new(selected.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} sources {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let bar = Arc::new(bar);
    let printer = {
        let bar = bar.clone();
        move |r: &SourceReport| {
            if text {
                bar.suspend(|| print!("{}", line(r, &paint)));
            }
            bar.inc(1);
        }
    };
    let reports = runtime.block_on(tracker.check(selected, printer));
    bar.finish_and_clear();

    if !text {
        let rows: Vec<_> = reports.iter().map(report_json).collect();
        print_json(&rows)?;
    }
    let failed = reports.iter().filter(|r| r.result.is_failure()).count();
    if text && reports.len() > 1 {
        println!(
            "{} sources checked, {} new versions, {} failed",
            reports.len(),
            reports
                .iter()
                .filter(|r| matches!(r.result, CheckResult::NewVersion { .. }))
                .count(),
            failed
        );
    }
    // Alerts queued now or earlier get one attempt; failures stay in the
    // outbox for `watch` or the next check, and never change the exit code.
    // Delivering needs no store lock: release it for a waiting watch or check.
    drop(tracker);
    let line = match deliverer {
        None => None,
        Some(Ok(d)) => {
            match runtime.block_on(async { tokio::time::timeout(budget, d.deliver_due()).await }) {
                Ok(pass) => alerts_line(&pass),
                Err(_) => Some(format!(
                    "alerts: not all sent within {}s; the rest stay queued for policywatch watch or the next check",
                    budget.as_secs()
                )),
            }
        }
        Some(Err(e)) => Some(format!(
            "policywatch: alerts not sent now, they stay queued: {e}"
        )),
    };
    if let Some(line) = line {
        // stdout stays one JSON document with --format json
        if text {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    Ok(ExitCode::from(if failed > 0 { 1 } else { 0 }))
}

/// `alerts: 2 delivered, 1 will be retried (…)`, or nothing when no alert was due.
fn alerts_line(pass: &DeliveryPass) -> Option<String> {
    if pass.total() == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if pass.delivered > 0 {
        parts.push(format!("{} delivered", pass.delivered));
    }
    if pass.retrying > 0 {
        parts.push(format!(
            "{} will be retried (run policywatch watch, or check again)",
            pass.retrying
        ));
    }
    if pass.dead > 0 {
        parts.push(format!(
            "{} failed for good (policywatch webhook deliveries --status dead)",
            pass.dead
        ));
    }
    Some(format!("alerts: {}", parts.join(", ")))
}

/// How many headline events are printed per source.
const HEADLINES: usize = 6;

fn line(r: &SourceReport, paint: &Painter) -> String {
    let id = paint.bold(&r.source);
    let mut out = String::new();
    if let Some(b) = &r.backfill {
        out.push_str(&format!(
            "{} {id}  history imported: {} versions, {} changes, {} events\n",
            paint.green("+"),
            b.versions,
            b.changes,
            b.events
        ));
        for h in &b.highlights {
            out.push_str(&format!(
                "      {} {}  @{:<3} {}\n",
                h.date,
                paint.severity(h.event.severity),
                h.seq,
                h.event.headline()
            ));
        }
        if b.events > b.highlights.len() {
            out.push_str(&format!(
                "      … all of them: policywatch log --source {}\n",
                r.source
            ));
        }
    }
    out.push_str(&result_line(r, &id, paint));
    out
}

fn result_line(r: &SourceReport, id: &str, paint: &Painter) -> String {
    match &r.result {
        CheckResult::Unchanged => format!("  {id}  unchanged\n"),
        CheckResult::NotModified => format!("  {id}  unchanged (not modified)\n"),
        CheckResult::SnapshotOnly => {
            format!("  {id}  unchanged text (page changed cosmetically; snapshot stored)\n")
        }
        CheckResult::NewVersion {
            seq, first: true, ..
        } => format!("{} {id}  first version @{seq}\n", paint.green("+")),
        CheckResult::NewVersion { seq, events, .. } => {
            let mut out = format!(
                "{} {id}  new version @{seq}: {} event{}\n",
                paint.green("+"),
                events.len(),
                if events.len() == 1 { "" } else { "s" }
            );
            for e in events.iter().take(HEADLINES) {
                out.push_str(&format!(
                    "      {} {}\n",
                    paint.severity(e.severity),
                    e.headline()
                ));
            }
            if events.len() > HEADLINES {
                out.push_str(&format!(
                    "      … {} more: policywatch log --source {}\n",
                    events.len() - HEADLINES,
                    r.source
                ));
            }
            out
        }
        CheckResult::Suspicious(why) => {
            format!(
                "{} {id}  suspicious, not recorded: {why}\n",
                paint.yellow("?")
            )
        }
        CheckResult::Failed(why) => format!("{} {id}  failed: {why}\n", paint.red("✗")),
    }
}

fn report_json(r: &SourceReport) -> serde_json::Value {
    let (outcome, seq, events, error) = match &r.result {
        CheckResult::Unchanged => ("unchanged", None, None, None),
        CheckResult::NotModified => ("not_modified", None, None, None),
        CheckResult::SnapshotOnly => ("snapshot_only", None, None, None),
        CheckResult::NewVersion { seq, events, .. } => {
            ("new_version", Some(*seq), Some(events.clone()), None)
        }
        CheckResult::Suspicious(why) => ("suspicious", None, None, Some(why.clone())),
        CheckResult::Failed(why) => ("failed", None, None, Some(why.clone())),
    };
    let backfill = r.backfill.as_ref().map(|b| {
        json!({
            "files": b.files,
            "versions": b.versions,
            "changes": b.changes,
            "events": b.events,
        })
    });
    json!({
        "source": r.source,
        "backfill": backfill,
        "outcome": outcome,
        "version": seq,
        "events": events.unwrap_or_default(),
        "error": error,
        "elapsed_ms": r.elapsed_ms,
    })
}
