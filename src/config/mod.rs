//! The watch list and settings, read from `config.toml` and validated.
//!
//! Keys fixed by contract: `[store] path`, `[database] path`, `[[source]]`
//! with `id` and `url`. Everything else has a default. Unknown keys are
//! errors, and every error names the file, line, column and key and says
//! what was expected, e.g.
//! `config.toml:12:1: unknown key "urll" in [[source]] #2; expected one of id, name, url, …`.
//!
//! Relative paths (store, database, `file:` URLs) resolve against the
//! folder of the config file, so a config works from any working directory.
//!
//! ```toml
#![doc = include_str!("example.toml")]
//! ```
//!
//! ```
//! let cfg = policywatch::config::Config::from_str(
//!     "[[source]]\nid = \"acme\"\nurl = \"https://acme.example/privacy\"\n",
//!     std::path::Path::new("/etc/policywatch/config.toml"),
//! ).unwrap();
//! assert_eq!(cfg.store.path, std::path::Path::new("/etc/policywatch/store"));
//! assert_eq!(cfg.sources[0].doc_type, "Privacy Policy");
//! ```

mod error;
mod raw;
pub mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::notify::kind_matches;
pub use error::ConfigError;
pub use reqwest::Url;
pub use values::{Schedule, TERMS_TYPES};

use crate::model::{InputFormat, ParseOptions};
use crate::report::Severity;

/// The environment variable that names the config file when `--config` is absent.
pub const CONFIG_ENV: &str = "POLICYWATCH_CONFIG";

/// The user agent sent by default; it names the project and where to read about it.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "policywatch/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/policywatch/policywatch)"
);

/// Where the config file is: `--config FILE`, else `$POLICYWATCH_CONFIG`,
/// else `./config.toml`.
pub fn resolve_path(cli: Option<&Path>) -> PathBuf {
    resolve_path_with(cli, std::env::var_os(CONFIG_ENV).map(PathBuf::from))
}

/// [`resolve_path`] with the environment value passed in (for tests and
/// callers that already read it).
pub fn resolve_path_with(cli: Option<&Path>, env: Option<PathBuf>) -> PathBuf {
    cli.map(Path::to_path_buf)
        .or(env.filter(|p| !p.as_os_str().is_empty()))
        .unwrap_or_else(|| PathBuf::from("config.toml"))
}

/// A validated configuration. All paths are absolute or relative to the
/// process's working directory exactly as the config file's folder was given.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (as given).
    pub file: PathBuf,
    /// The folder relative paths were resolved against.
    pub base_dir: PathBuf,
    /// `[store]`.
    pub store: StoreConfig,
    /// `[database]`.
    pub database: DatabaseConfig,
    /// `[fetch]` defaults.
    pub fetch: FetchConfig,
    /// `[watch]` daemon settings.
    pub watch: WatchConfig,
    /// `[[source]]` entries, in file order.
    pub sources: Vec<Source>,
    /// `[[webhook]]` entries, in file order.
    pub webhooks: Vec<Webhook>,
}

/// `[store]`: the git repository of snapshots and versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The repository (default `store` next to the config file).
    pub path: PathBuf,
    /// `diff_url`: where people can see a change in a published copy of the
    /// store (a git host), as a template with `{source}`, `{old}`, `{new}`
    /// (commits), `{old_seq}` and `{new_seq}`; alerts carry the filled link.
    pub diff_url: Option<String>,
}

/// `[database]`: the SQLite log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// The SQLite file (default `policywatch.sqlite` next to the config file).
    pub path: PathBuf,
}

/// `[fetch]`: how sources are downloaded.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchConfig {
    /// `user_agent`.
    pub user_agent: String,
    /// `connect_timeout` (default 10s).
    pub connect_timeout: Duration,
    /// `timeout`: the whole request (default 30s).
    pub timeout: Duration,
    /// `max_body` in bytes (default 10 MB).
    pub max_body: u64,
    /// `max_redirects` (default 5).
    pub max_redirects: usize,
    /// `concurrency`: requests in flight overall (default 16).
    pub concurrency: usize,
    /// `per_host_concurrency` (default 2).
    pub per_host_concurrency: usize,
    /// `per_host_delay`: minimum time between two requests to one host (default 1s).
    pub per_host_delay: Duration,
    /// `retries` on transient errors (default 3).
    pub retries: u32,
    /// `shrink_threshold`: a new text shorter than this fraction of the last
    /// good version is suspicious (default 0.5).
    pub shrink_threshold: f64,
    /// `min_words`: a smaller body is a failed check (default 50).
    pub min_words: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: DEFAULT_USER_AGENT.to_string(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body: 10 << 20,
            max_redirects: 5,
            concurrency: 16,
            per_host_concurrency: 2,
            per_host_delay: Duration::from_secs(1),
            retries: 3,
            shrink_threshold: 0.5,
            min_words: 50,
        }
    }
}

impl FetchConfig {
    /// The fetcher's options from this table (backoff settings keep the
    /// fetcher's defaults).
    pub fn fetch_options(&self) -> crate::fetch::FetchOptions {
        crate::fetch::FetchOptions {
            user_agent: self.user_agent.clone(),
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_body_bytes: self.max_body,
            max_redirects: self.max_redirects,
            concurrency: self.concurrency,
            per_host_concurrency: self.per_host_concurrency,
            per_host_delay: self.per_host_delay,
            retries: self.retries,
            ..crate::fetch::FetchOptions::default()
        }
    }
}

/// `[watch]`: the daemon.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchConfig {
    /// `schedule` (or `every`): the default for sources without their own (default every 6h).
    pub schedule: Schedule,
    /// `jitter`: random delay added to each run (default 30s).
    pub jitter: Duration,
    /// `failure_threshold`: failures in a row before `source.failing` (default 3).
    pub failure_threshold: u32,
    /// `grace_period`: how long in-flight checks may finish on shutdown (default 30s).
    pub grace_period: Duration,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            schedule: Schedule::Every(Duration::from_secs(6 * 3600)),
            jitter: Duration::from_secs(30),
            failure_threshold: 3,
            grace_period: Duration::from_secs(30),
        }
    }
}

/// One `[[source]]`: a document to watch.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// A slug; also the folder name in the store.
    pub id: String,
    /// A display name (default: the id).
    pub name: String,
    /// http, https or file. Relative `file:` URLs are already resolved.
    pub url: Url,
    /// Open Terms Archive terms type (`type`, default "Privacy Policy").
    pub doc_type: String,
    /// CSS selector of the content.
    pub select: Option<String>,
    /// CSS selectors to drop (`remove`, a string or an array).
    pub remove: Vec<String>,
    /// Extra request headers.
    pub headers: BTreeMap<String, String>,
    /// ISO 639-1 language hint.
    pub language: Option<String>,
    /// Its own schedule, overriding `[watch] schedule`.
    pub schedule: Option<Schedule>,
    /// Forced input format (`format`).
    pub format: Option<InputFormat>,
    /// A folder of dated past versions (`backfill`): imported, oldest
    /// first, before the first check of a source with no history, so a
    /// new watch starts with the document's past instead of a blank.
    pub backfill: Option<PathBuf>,
}

impl Source {
    /// The parse options this source asks for (content type is added by the fetcher).
    pub fn parse_options(&self) -> ParseOptions {
        ParseOptions {
            format: self.format,
            select: self.select.clone(),
            remove: self.remove.clone(),
            language: self.language.clone(),
            content_type: None,
        }
    }

    /// The request for this source, conditional on the stored validators.
    pub fn fetch_request(
        &self,
        etag: Option<String>,
        last_modified: Option<String>,
    ) -> crate::fetch::FetchRequest {
        let mut req = crate::fetch::FetchRequest::new(self.url.as_str());
        for (name, value) in &self.headers {
            req = req.header(name.clone(), value.clone());
        }
        req.conditional(etag, last_modified)
    }

    /// The local file behind a `file:` URL.
    pub fn file_path(&self) -> Option<PathBuf> {
        (self.url.scheme() == "file")
            .then(|| self.url.to_file_path().ok())
            .flatten()
    }
}

/// Payload shape of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// Our own documented JSON payload.
    Json,
    /// A Slack incoming-webhook message.
    Slack,
    /// A Discord webhook message.
    Discord,
}

impl WebhookFormat {
    /// The name used in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Discord => "discord",
        }
    }
}

/// One `[[webhook]]`: a receiver of change alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// Unique name; deliveries refer to it.
    pub name: String,
    /// http or https.
    pub url: Url,
    /// The HMAC secret, already read from the environment for `env:VAR`.
    /// Required for every format: every request carries a signature.
    pub secret: String,
    /// Payload shape (default json).
    pub format: WebhookFormat,
    /// Only these source ids (empty: all).
    pub sources: Vec<String>,
    /// Only kinds matching one of these globs (empty: all).
    pub events: Vec<String>,
    /// Only events at least this severe.
    pub min_severity: Option<Severity>,
    /// Extra request headers.
    pub headers: BTreeMap<String, String>,
    /// Attempts before a delivery is dead (default 8).
    pub max_attempts: u32,
    /// Age after which a delivery is dead (default 24h).
    pub max_age: Duration,
    /// Per-request timeout (default 10s).
    pub timeout: Duration,
}

impl Webhook {
    /// Whether an event of this source, kind and severity goes to this webhook.
    pub fn wants(&self, source_id: &str, kind: &str, severity: Severity) -> bool {
        (self.sources.is_empty() || self.sources.iter().any(|s| s == source_id))
            && (self.events.is_empty() || self.events.iter().any(|g| kind_matches(g, kind)))
            && self.min_severity.is_none_or(|min| severity >= min)
    }
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_str(&text, path)
    }

    /// Validates config text; `path` is used in messages and to resolve
    /// relative paths (against its folder).
    #[allow(clippy::should_implement_trait)] // needs the path, so not FromStr
    pub fn from_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        raw::build(text, path, &|var| std::env::var(var).ok())
    }

    /// Like [`Config::from_str`] with the environment given as a function
    /// (for `env:VAR` webhook secrets), so tests need not touch process env.
    pub fn from_str_with_env(
        text: &str,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        raw::build(text, path, env)
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// The sources named on the command line (all when `ids` is empty), or
    /// an error naming the first unknown id and listing the known ones.
    pub fn select_sources(&self, ids: &[String]) -> Result<Vec<&Source>, ConfigError> {
        if ids.is_empty() {
            return Ok(self.sources.iter().collect());
        }
        ids.iter()
            .map(|id| {
                self.source(id).ok_or_else(|| ConfigError::UnknownSource {
                    file: self.file.display().to_string(),
                    id: id.clone(),
                    known: self
                        .sources
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            })
            .collect()
    }

    /// The example of every key in the module docs (`src/config/example.toml`).
    pub const EXAMPLE: &'static str = include_str!("example.toml");

    /// A source's schedule: its own, else `[watch] schedule`.
    pub fn schedule_for<'a>(&'a self, source: &'a Source) -> &'a Schedule {
        source.schedule.as_ref().unwrap_or(&self.watch.schedule)
    }
}
