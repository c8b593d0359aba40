//! `policywatch watch`: the daemon. Runs until SIGINT or SIGTERM; SIGHUP or
//! an edit of the config file reloads it. See [`policywatch::daemon`].

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use policywatch::daemon::Daemon;

use super::GlobalArgs;
use super::common::load_config;

/// Arguments of `policywatch watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Wait for a running `check` on the same store instead of refusing.
    #[arg(long)]
    pub wait: bool,
}

/// Run the daemon; exit 0 after a clean stop.
pub fn run(args: &WatchArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = load_config(global)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let daemon = Daemon::open(config, args.wait)?;
    let result = runtime.block_on(daemon.run());
    // Dropping a runtime waits for blocking work without limit; a check
    // abandoned after the grace period (a long PDF parse, say) must not keep
    // a stopped daemon alive. The store repairs itself at the next start.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result?;
    Ok(ExitCode::SUCCESS)
}
