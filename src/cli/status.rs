//! `policywatch status`: is a daemon running, when was each source last
//! checked and when is it next due, how many failures in a row, and which
//! webhook deliveries are waiting or dead.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;

use policywatch::db::DeliveryStatus;
use policywatch::schedule;
use policywatch::store::StoreLock;

use super::GlobalArgs;
use super::common::{DataFormat, load_config, open_read, print_json};
use super::style::Painter;

/// Arguments of `policywatch status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// One source's line of `status`.
#[derive(Debug, Serialize)]
struct SourceLine {
    id: String,
    schedule: String,
    last_checked_at: Option<DateTime<Utc>>,
    last_outcome: Option<String>,
    next_check_at: Option<DateTime<Utc>>,
    overdue: bool,
    consecutive_failures: u32,
    health: String,
    last_error: Option<String>,
}

/// A delivery that needs attention.
#[derive(Debug, Serialize)]
struct DeliveryLine {
    id: String,
    webhook: String,
    source: String,
    status: DeliveryStatus,
    attempts: u32,
    next_attempt_at: DateTime<Utc>,
    last_error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Status {
    /// The pid of the running `watch` or `check`, if any.
    running_pid: Option<String>,
    sources: Vec<SourceLine>,
    pending_deliveries: i64,
    dead_deliveries: i64,
    deliveries: Vec<DeliveryLine>,
}

/// How many pending and dead deliveries are listed (all are counted).
const LISTED: usize = 20;

/// Print the daemon's view of the watch list.
pub fn run(args: &StatusArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = load_config(global)?;
    // Read-only: a source the daemon has not registered yet is "never checked".
    let (_, db) = open_read(&config)?;
    let now = Utc::now();
    let known = db.sources_status()?;
    let sources: Vec<SourceLine> = config
        .sources
        .iter()
        .map(|src| {
            let s = known.iter().find(|s| s.id == src.id);
            let last = s.and_then(|s| s.last_checked_at);
            let failures = s.map_or(0, |s| s.consecutive_failures);
            let sched = config.schedule_for(src);
            SourceLine {
                id: src.id.clone(),
                schedule: sched.to_string(),
                last_checked_at: last,
                last_outcome: s.and_then(|s| s.last_outcome.clone()),
                next_check_at: schedule::next_due(sched, last, now),
                overdue: schedule::is_overdue(sched, last, now),
                consecutive_failures: failures,
                health: s.map_or_else(|| "ok".to_string(), |s| s.health.clone()),
                last_error: s
                    .and_then(|s| s.last_error.clone())
                    .filter(|_| failures > 0),
            }
        })
        .collect();
    let (pending, dead) = db.delivery_counts()?;
    let mut deliveries = Vec::new();
    for status in [DeliveryStatus::Pending, DeliveryStatus::Dead] {
        deliveries.extend(
            db.deliveries(Some(status), LISTED)?
                .into_iter()
                .map(|d| DeliveryLine {
                    id: d.id,
                    webhook: d.webhook,
                    source: d.source_id,
                    status: d.status,
                    attempts: d.attempts,
                    next_attempt_at: d.next_attempt_at,
                    last_error: d.last_error,
                }),
        );
    }
    let status = Status {
        running_pid: StoreLock::holder(&config.store.path),
        sources,
        pending_deliveries: pending,
        dead_deliveries: dead,
        deliveries,
    };
    if args.format == DataFormat::Json {
        print_json(&status)?;
    } else {
        print!(
            "{}",
            text(&status, &Painter::new(global.color.enabled(true)), now)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "never".into(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

fn text(s: &Status, paint: &Painter, now: DateTime<Utc>) -> String {
    let mut out = match &s.running_pid {
        Some(pid) => format!(
            "daemon: running (pid {pid} holds the store: `policywatch watch`, or a `check`)\n"
        ),
        None => "daemon: not running (start it with `policywatch watch`)\n".to_string(),
    };
    out.push_str(&format!(
        "\n{:<28} {:<20} {:<20} {:<20} {}\n",
        "SOURCE", "LAST CHECK", "OUTCOME", "NEXT CHECK (UTC)", "FAILURES"
    ));
    for src in &s.sources {
        // Pad before painting: escape codes would count as width.
        let next = if src.overdue {
            paint.yellow(&format!("{:<20}", "overdue"))
        } else {
            format!("{:<20}", when(src.next_check_at))
        };
        let failures = if src.consecutive_failures == 0 {
            "0".to_string()
        } else {
            paint.red(&src.consecutive_failures.to_string())
        };
        out.push_str(&format!(
            "{:<28} {:<20} {:<20} {} {}\n",
            src.id,
            when(src.last_checked_at),
            src.last_outcome.as_deref().unwrap_or("-"),
            next,
            failures
        ));
        if let Some(err) = &src.last_error {
            out.push_str(&format!("{:<28} last error: {err}\n", ""));
        }
    }
    out.push_str(&format!(
        "\nwebhook deliveries: {} pending, {} dead\n",
        s.pending_deliveries, s.dead_deliveries
    ));
    for d in &s.deliveries {
        let state = match d.status {
            DeliveryStatus::Pending if d.next_attempt_at > now => {
                format!("pending, next attempt {}", when(Some(d.next_attempt_at)))
            }
            DeliveryStatus::Pending => "pending, due now".to_string(),
            _ => paint.red("dead"),
        };
        out.push_str(&format!(
            "  {}  {} → {}  {} after {} attempt{}{}\n",
            d.id,
            d.source,
            d.webhook,
            state,
            d.attempts,
            if d.attempts == 1 { "" } else { "s" },
            d.last_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ));
    }
    if s.dead_deliveries > 0 {
        out.push_str("  resend a dead delivery with `policywatch webhook retry ID`\n");
    }
    out
}
