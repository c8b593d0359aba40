//! `policywatch webhook deliveries|retry|test`: look into the outbox, re-send
//! a delivery, and check that a receiver is reachable and verifies our
//! signature before a real change depends on it.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde_json::Value;

use policywatch::config::Config;
use policywatch::db::{Db, Delivery, DeliveryStatus};
use policywatch::notify::Deliverer;

use super::GlobalArgs;
use super::common::{DataFormat, load_config, print_json};

/// Arguments of `policywatch webhook`.
#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: WebhookCommand,
}

/// The `webhook` subcommands.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// The webhook deliveries in the outbox, newest first.
    Deliveries(DeliveriesArgs),
    /// Put a delivery (dead or pending) back to pending and send it once now.
    Retry(RetryArgs),
    /// Send a sample test alert to one webhook now; exit 0 if it answers 2xx.
    Test(TestArgs),
}

/// Arguments of `policywatch webhook deliveries`.
#[derive(Debug, Args)]
pub struct DeliveriesArgs {
    /// Only deliveries in this state.
    #[arg(long, value_parser = parse_status, value_name = "pending|dead|delivered")]
    pub status: Option<DeliveryStatus>,
    /// At most this many.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// Arguments of `policywatch webhook retry`.
#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The delivery id (`dlv_…`), as `policywatch webhook deliveries` lists it.
    pub id: String,
}

/// Arguments of `policywatch webhook test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The `name` of a `[[webhook]]` in the config.
    pub name: String,
}

fn parse_status(s: &str) -> Result<DeliveryStatus, String> {
    s.parse()
}

/// Run a `webhook` subcommand.
pub fn run(args: &WebhookArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = load_config(global)?;
    match &args.command {
        WebhookCommand::Deliveries(a) => deliveries(a, &config),
        WebhookCommand::Retry(a) => retry(a, &config),
        WebhookCommand::Test(a) => test(a, &config),
    }
}

fn deliverer(config: &Config) -> Result<Deliverer> {
    Ok(Deliverer::new(
        config.webhooks.clone(),
        &config.database.path,
        &config.fetch.user_agent,
    )?)
}

fn deliveries(args: &DeliveriesArgs, config: &Config) -> Result<ExitCode> {
    let db = Db::open(&config.database.path)
        .with_context(|| format!("opening the database {}", config.database.path.display()))?;
    let rows = db.deliveries(args.status, args.limit)?;
    match args.format {
        DataFormat::Json => print_json(&rows.iter().map(delivery_json).collect::<Vec<_>>())?,
        DataFormat::Text if rows.is_empty() => match args.status {
            Some(s) => println!("no {} webhook deliveries", s.as_str()),
            None => println!("no webhook deliveries"),
        },
        DataFormat::Text => {
            for d in &rows {
                print!("{}", delivery_text(d));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The row with its payload as JSON (it is JSON text in the outbox).
fn delivery_json(d: &Delivery) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    if let Ok(payload) = serde_json::from_str::<Value>(&d.payload) {
        v["payload"] = payload;
    }
    v
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn delivery_text(d: &Delivery) -> String {
    let state = match d.status {
        DeliveryStatus::Delivered => {
            format!("delivered {}", d.delivered_at.map(when).unwrap_or_default())
        }
        DeliveryStatus::Pending => format!("pending, next attempt {}", when(d.next_attempt_at)),
        DeliveryStatus::Dead => "dead".to_string(),
    };
    let mut out = format!(
        "{}  {:<9}  webhook {}  source {}  {} event{}  {} attempt{}  queued {}  {state}\n",
        d.id,
        d.status.as_str(),
        d.webhook,
        d.source_id,
        d.event_ids.len(),
        if d.event_ids.len() == 1 { "" } else { "s" },
        d.attempts,
        if d.attempts == 1 { "" } else { "s" },
        when(d.created_at),
    );
    if d.status != DeliveryStatus::Delivered
        && let Some(err) = &d.last_error
    {
        out.push_str(&format!("    last error: {err}\n"));
    }
    out
}

fn retry(args: &RetryArgs, config: &Config) -> Result<ExitCode> {
    let deliverer = deliverer(config)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let d = runtime.block_on(deliverer.retry_now(&args.id))?;
    let url = config
        .webhooks
        .iter()
        .find(|w| w.name == d.webhook)
        .map(|w| w.url.to_string())
        .unwrap_or_default();
    let status = d.last_status.map(|s| format!(" ({s})")).unwrap_or_default();
    let error = d.last_error.as_deref().unwrap_or("no error recorded");
    match d.status {
        DeliveryStatus::Delivered => {
            println!("{}: delivered to webhook {} {url}{status}", d.id, d.webhook);
            Ok(ExitCode::SUCCESS)
        }
        DeliveryStatus::Pending => {
            println!(
                "{}: not delivered: {error}\n    still pending; next attempt {} (by `policywatch watch`, or `policywatch check`)",
                d.id,
                when(d.next_attempt_at)
            );
            Ok(ExitCode::from(1))
        }
        DeliveryStatus::Dead => {
            println!("{}: not delivered, dead: {error}", d.id);
            Ok(ExitCode::from(1))
        }
    }
}

fn test(args: &TestArgs, config: &Config) -> Result<ExitCode> {
    let deliverer = deliverer(config)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(deliverer.send_test(&args.name));
    let url = config
        .webhooks
        .iter()
        .find(|w| w.name == args.name)
        .map(|w| w.url.to_string())
        .unwrap_or_default();
    match result {
        Ok(status) if (200..300).contains(&status) => {
            println!(
                "webhook {} {url}: test alert accepted ({status})",
                args.name
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(status) => {
            println!(
                "webhook {} {url}: test alert not accepted: the receiver answered {status}",
                args.name
            );
            Ok(ExitCode::from(1))
        }
        Err(e @ policywatch::notify::DeliverError::UnknownWebhook { .. }) => Err(e.into()),
        Err(e) => {
            eprintln!("policywatch: test alert not sent: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
