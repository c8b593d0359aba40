//! What the tracker commands share: finding and loading the config, opening
//! the stores for reading, and `--format` for data output.

use anyhow::{Context, Result};
use clap::ValueEnum;

use policywatch::config::{self, Config};
use policywatch::db::Db;
use policywatch::store::Store;

use super::GlobalArgs;

/// `--format` of commands that print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DataFormat {
    /// Aligned lines for people.
    #[default]
    Text,
    /// JSON for scripts.
    Json,
}

/// Load and validate the config named by `--config`, `POLICYWATCH_CONFIG`
/// or `./config.toml`.
pub fn load_config(global: &GlobalArgs) -> Result<Config> {
    let path = config::resolve_path(global.config.as_deref());
    if !path.exists() {
        anyhow::bail!(
            "{}: no such config file; pass --config FILE, set POLICYWATCH_CONFIG, or run from a folder with a config.toml",
            path.display()
        );
    }
    Ok(Config::load(&path)?)
}

/// Open the store and database for reading, without the writer lock: git
/// objects are immutable and SQLite's WAL lets readers run beside a writer.
pub fn open_read(config: &Config) -> Result<(Store, Db)> {
    let store = Store::open_or_init(&config.store.path)
        .with_context(|| format!("opening the store {}", config.store.path.display()))?;
    let db = Db::open(&config.database.path)
        .with_context(|| format!("opening the database {}", config.database.path.display()))?;
    Ok((store, db))
}

/// Print JSON to stdout, pretty.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Parse `--since`: a date (`2024-03-01`) or an RFC 3339 time.
pub fn parse_since(text: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| {
            anyhow::anyhow!("--since {text:?}: expected a date like 2024-03-01 or a time like 2024-03-01T12:00:00Z")
        })
}
