//! Command-line parsing (clap derive) and dispatch. One module per command;
//! a new command is a new variant of [`Command`] and a new module.
//!
//! Exit codes follow diff(1): 0 means no substantive change (or success for
//! commands that do not compare), 1 a substantive change, 2 an error.

mod check;
mod common;
mod diff;
mod history;
mod import;
mod input;
mod log;
mod show;
mod sources;
mod status;
mod stored;
mod style;
mod watch;
mod webhook;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit code for an error, like diff(1).
pub const EXIT_ERROR: u8 = 2;

/// Watch privacy policies and terms of service and say what changed in what
/// they say.
#[derive(Debug, Parser)]
#[command(name = "policywatch", version, about, max_term_width = 100)]
pub struct Cli {
    /// Options every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The configuration file (watch list, store, database); `diff` reads it only for `SOURCE@REV`.
    #[arg(long, global = true, env = "POLICYWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// How log lines on stderr are written.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    pub log_format: LogFormat,
    /// When to colour terminal output; `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// The commands. The tracker's commands (`check`, `log`, `history`, `show`,
/// `import`, `sources`, `watch`, `status`, `webhook`) join as new variants.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare two versions of a policy and say what changed in what it says.
    Diff(diff::DiffArgs),
    /// Check every source (or some) once: fetch, store new versions, log changes.
    Check(check::CheckArgs),
    /// Backfill a source's history from a folder of dated files.
    Import(import::ImportArgs),
    /// The recorded events, newest first.
    Log(log::LogArgs),
    /// A source's versions with dates, word counts and headline events.
    History(history::HistoryArgs),
    /// Print a stored version (normalised text, or the raw snapshot with --raw).
    Show(show::ShowArgs),
    /// The watch list with each source's last check.
    Sources(sources::SourcesArgs),
    /// Each source's last and next check and failures, and the webhook deliveries waiting or dead.
    Status(status::StatusArgs),
    /// Webhook deliveries: list the outbox, re-send one, send a test alert.
    Webhook(webhook::WebhookArgs),
    /// Run as a daemon: check each source on its schedule and deliver webhook alerts.
    Watch(watch::WatchArgs),
}

/// Log line format on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The `--color` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always emit ANSI colours.
    Always,
    /// Never emit ANSI colours.
    Never,
}

impl ColorWhen {
    /// Whether to colour output going to stdout (`to_stdout`) or to a file.
    pub fn enabled(self, to_stdout: bool) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            // anstream's choice honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE,
            // TERM=dumb and whether stdout is a terminal.
            ColorWhen::Auto => {
                to_stdout
                    && anstream::AutoStream::choice(&std::io::stdout())
                        != anstream::ColorChoice::Never
            }
        }
    }
}

/// Parse the command line, run the command and turn the outcome into an exit code.
pub fn main() -> ExitCode {
    // A diff is latency-bound: start its helper thread now, and have it
    // build the lexicons and stop words (the parses' first need) on the
    // second core while clap parses the arguments.
    if std::env::args_os().nth(1).is_some_and(|a| a == "diff") {
        policywatch::worker::start(policywatch::lang::warm_up);
    }
    // clap prints usage errors itself and exits with 2, like diff(1).
    let cli = Cli::parse();
    init_logging(&cli.global, matches!(cli.command, Command::Watch(_)));
    tracing::debug!(config = ?cli.global.config, "starting");
    let result = match &cli.command {
        Command::Diff(args) => diff::run(args, &cli.global),
        Command::Check(args) => check::run(args, &cli.global),
        Command::Import(args) => import::run(args, &cli.global),
        Command::Log(args) => log::run(args, &cli.global),
        Command::History(args) => history::run(args, &cli.global),
        Command::Show(args) => show::run(args, &cli.global),
        Command::Sources(args) => sources::run(args, &cli.global),
        Command::Status(args) => status::run(args, &cli.global),
        Command::Webhook(args) => webhook::run(args, &cli.global),
        Command::Watch(args) => watch::run(args, &cli.global),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            report_error(&err);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Print an error as `policywatch: error: <input>: <problem>`, then a hint
/// when one is known.
fn report_error(err: &anyhow::Error) {
    eprintln!("policywatch: error: {err:#}");
    let hint = err
        .chain()
        .find_map(|e| e.downcast_ref::<input::InputError>())
        .and_then(|e| e.hint.as_deref());
    if let Some(hint) = hint {
        eprintln!("policywatch: hint: {hint}");
    }
}

fn init_logging(global: &GlobalArgs, daemon: bool) {
    use tracing_subscriber::EnvFilter;
    let level = match global.verbose {
        // A daemon's log is its output; a one-shot command's is noise.
        0 if daemon => "warn,policywatch=info",
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    // POLICYWATCH_LOG (an EnvFilter directive) wins over -v, for debugging one module.
    let filter =
        EnvFilter::try_from_env("POLICYWATCH_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (never in this binary) would fail; ignoring it is harmless.
    let _ = match global.log_format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal() && global.color != ColorWhen::Never)
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_a_full_diff_command_line() {
        let cli = Cli::try_parse_from([
            "policywatch",
            "-vv",
            "--log-format",
            "json",
            "diff",
            "a.txt",
            "-",
            "--format",
            "markdown",
            "--all",
            "--input-format",
            "html",
            "--select",
            "main",
            "--remove",
            "nav",
            "--remove",
            ".cookie",
            "--language",
            "sv",
            "--color",
            "never",
            "-o",
            "out.md",
        ])
        .unwrap();
        assert_eq!(cli.global.verbose, 2);
        assert_eq!(cli.global.log_format, LogFormat::Json);
        assert_eq!(cli.global.color, ColorWhen::Never);
        let Command::Diff(d) = cli.command else {
            panic!("expected the diff command");
        };
        assert_eq!(d.old, "a.txt");
        assert_eq!(d.new, "-");
        assert_eq!(d.remove, vec!["nav".to_string(), ".cookie".to_string()]);
        assert!(d.all);
        assert_eq!(d.output.as_deref(), Some(std::path::Path::new("out.md")));
    }

    #[test]
    fn rejects_unknown_format() {
        assert!(Cli::try_parse_from(["policywatch", "diff", "a", "b", "--format", "pdf"]).is_err());
    }
}
