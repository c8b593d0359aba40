//! `policywatch show SOURCE[@REV] [--raw]`: one stored version.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use super::GlobalArgs;
use super::common::{load_config, open_read};
use super::stored::resolve;

/// Arguments of `policywatch show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// `SOURCE`, `SOURCE@3`, `SOURCE@-1`, `SOURCE@latest`, `SOURCE@2024-05-01` or `SOURCE@<commit>`.
    pub spec: String,
    /// Print the raw snapshot as fetched instead of the normalised text.
    #[arg(long)]
    pub raw: bool,
}

/// Print the version.
pub fn run(args: &ShowArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = load_config(global)?;
    let (store, _) = open_read(&config)?;
    let found = resolve(&config, &store, &args.spec)?;
    let bytes = if args.raw {
        store.read_snapshot(&found.source, found.commit)?.0
    } else {
        store
            .read_version(&found.source, found.commit)?
            .into_bytes()
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}
