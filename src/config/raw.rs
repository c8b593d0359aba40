//! The file as written (with spans), and its validation into [`Config`].

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::error::Locator;
use super::values::{self, Schedule};
use super::{
    Config, ConfigError, DatabaseConfig, FetchConfig, Source, StoreConfig, Url, WatchConfig,
    Webhook, WebhookFormat,
};

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    store: Option<RawStore>,
    database: Option<RawPath>,
    fetch: Option<RawFetch>,
    watch: Option<RawWatch>,
    #[serde(default)]
    source: Vec<S<RawSource>>,
    #[serde(default)]
    webhook: Vec<S<RawWebhook>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPath {
    path: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: Option<S<String>>,
    diff_url: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    user_agent: Option<S<String>>,
    connect_timeout: Option<S<String>>,
    timeout: Option<S<String>>,
    max_body: Option<S<toml::Value>>,
    max_redirects: Option<S<i64>>,
    concurrency: Option<S<i64>>,
    per_host_concurrency: Option<S<i64>>,
    per_host_delay: Option<S<String>>,
    retries: Option<S<i64>>,
    shrink_threshold: Option<S<f64>>,
    min_words: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWatch {
    schedule: Option<S<toml::Value>>,
    every: Option<S<String>>,
    jitter: Option<S<String>>,
    failure_threshold: Option<S<i64>>,
    grace_period: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: S<String>,
    name: Option<S<String>>,
    url: S<String>,
    #[serde(rename = "type")]
    doc_type: Option<S<String>>,
    select: Option<S<String>>,
    remove: Option<S<OneOrMany>>,
    headers: Option<S<BTreeMap<String, String>>>,
    language: Option<S<String>>,
    schedule: Option<S<toml::Value>>,
    every: Option<S<String>>,
    format: Option<S<String>>,
    backfill: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    name: S<String>,
    url: S<String>,
    secret: Option<S<String>>,
    format: Option<S<String>>,
    #[serde(default)]
    sources: Vec<S<String>>,
    #[serde(default)]
    events: Vec<S<String>>,
    min_severity: Option<S<String>>,
    headers: Option<S<BTreeMap<String, String>>>,
    max_attempts: Option<S<i64>>,
    max_age: Option<S<String>>,
    timeout: Option<S<String>>,
}

/// Validation context: where messages point and how paths resolve.
struct Ctx<'a> {
    loc: Locator<'a>,
    base: PathBuf,
}

impl Ctx<'_> {
    fn err<T>(
        &self,
        span: std::ops::Range<usize>,
        key: &str,
        msg: impl std::fmt::Display,
    ) -> Result<T, ConfigError> {
        let table = self.loc.table_at(span.start);
        Err(self.loc.at(span, format!("key {key:?} in {table}: {msg}")))
    }

    fn duration(
        &self,
        v: &Option<S<String>>,
        key: &str,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        match v {
            None => Ok(default),
            Some(s) => values::parse_duration(s.get_ref()).or_else(|m| self.err(s.span(), key, m)),
        }
    }

    fn int(
        &self,
        v: &Option<S<i64>>,
        key: &str,
        min: i64,
        max: i64,
        default: i64,
    ) -> Result<i64, ConfigError> {
        match v {
            None => Ok(default),
            Some(s) if (min..=max).contains(s.get_ref()) => Ok(*s.get_ref()),
            Some(s) => self.err(
                s.span(),
                key,
                format!(
                    "expected a whole number from {min} to {max}, found {}",
                    s.get_ref()
                ),
            ),
        }
    }

    fn path(&self, v: Option<&S<String>>, default: &str) -> PathBuf {
        self.base.join(v.map_or(default, |p| p.get_ref().as_str()))
    }

    fn schedule(
        &self,
        schedule: &Option<S<toml::Value>>,
        every: &Option<S<String>>,
    ) -> Result<Option<Schedule>, ConfigError> {
        match (schedule, every) {
            (Some(s), Some(_)) => self.err(
                s.span(),
                "schedule",
                "give either schedule or every, not both",
            ),
            (None, Some(e)) => values::parse_every(e.get_ref())
                .map(Some)
                .or_else(|m| self.err(e.span(), "every", m)),
            (None, None) => Ok(None),
            (Some(s), None) => {
                let parsed = match s.get_ref() {
                    toml::Value::String(text) => values::parse_schedule(text),
                    toml::Value::Table(t) if t.len() == 1 => match t.get("every") {
                        Some(toml::Value::String(text)) => values::parse_every(text),
                        _ => Err(String::new()),
                    },
                    _ => Err(String::new()),
                };
                match parsed {
                    Ok(v) => Ok(Some(v)),
                    Err(m) if !m.is_empty() => self.err(s.span(), "schedule", m),
                    Err(_) => self.err(
                        s.span(),
                        "schedule",
                        "expected a cron string such as \"0 */6 * * *\", \"every 6h\", or a table { every = \"6h\" }",
                    ),
                }
            }
        }
    }

    fn headers(
        &self,
        h: &Option<S<BTreeMap<String, String>>>,
    ) -> Result<BTreeMap<String, String>, ConfigError> {
        let Some(h) = h else {
            return Ok(BTreeMap::new());
        };
        for (name, value) in h.get_ref() {
            values::check_header(name, value).or_else(|m| self.err(h.span(), "headers", m))?;
        }
        Ok(h.get_ref().clone())
    }

    fn source(&self, s: &RawSource) -> Result<Source, ConfigError> {
        let id = s.id.get_ref().clone();
        values::check_slug(&id).or_else(|m| self.err(s.id.span(), "id", m))?;
        let url = self.source_url(&s.url)?;
        let doc_type = match &s.doc_type {
            None => "Privacy Policy",
            Some(t) => {
                values::check_terms_type(t.get_ref()).or_else(|m| self.err(t.span(), "type", m))?
            }
        };
        let language = match &s.language {
            None => None,
            Some(l) => {
                let code = l.get_ref().trim().to_ascii_lowercase();
                if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_lowercase()) {
                    return self.err(
                        l.span(),
                        "language",
                        format!(
                            "expected an ISO 639-1 code such as \"en\" or \"sv\", found {:?}",
                            l.get_ref()
                        ),
                    );
                }
                Some(code)
            }
        };
        let format = match &s.format {
            None => None,
            Some(f) => Some(
                f.get_ref()
                    .parse()
                    .or_else(|m: String| self.err(f.span(), "format", m))?,
            ),
        };
        let remove = match s.remove.as_ref().map(|r| r.get_ref()) {
            None => Vec::new(),
            Some(OneOrMany::One(one)) => vec![one.clone()],
            Some(OneOrMany::Many(many)) => many.clone(),
        };
        if let Some(sel) = s.select.as_ref().filter(|x| x.get_ref().trim().is_empty()) {
            return self.err(
                sel.span(),
                "select",
                "expected a CSS selector such as \"main\", found an empty string",
            );
        }
        let backfill = match &s.backfill {
            None => None,
            Some(b) => {
                let dir = absolute(&self.base.join(b.get_ref().trim()));
                if !dir.is_dir() {
                    return self.err(
                        b.span(),
                        "backfill",
                        format!(
                            "expected a folder of dated files (2020-01-01.md or NNN-YYYY-MM-DD-*.md), but {} is not a folder",
                            dir.display()
                        ),
                    );
                }
                Some(dir)
            }
        };
        Ok(Source {
            backfill,
            name: s
                .name
                .as_ref()
                .map_or_else(|| id.clone(), |n| n.get_ref().clone()),
            id,
            url,
            doc_type: doc_type.to_string(),
            select: s.select.as_ref().map(|x| x.get_ref().clone()),
            remove,
            headers: self.headers(&s.headers)?,
            language,
            schedule: self.schedule(&s.schedule, &s.every)?,
            format,
        })
    }

    /// http(s) URLs as given; `file:` URLs with a relative path resolve
    /// against the config folder (`file:snapshots/a.html`).
    fn source_url(&self, u: &S<String>) -> Result<Url, ConfigError> {
        let text = u.get_ref().trim();
        if let Some(rest) = text.strip_prefix("file:") {
            let rel = rest.strip_prefix("//").unwrap_or(rest);
            let looks_relative = !rest.starts_with("///")
                && !rest.starts_with("//localhost/")
                && !Path::new(rel).is_absolute();
            if looks_relative {
                let abs = absolute(&self.base.join(rel));
                return Url::from_file_path(&abs).or_else(|()| {
                    self.err(
                        u.span(),
                        "url",
                        format!(
                            "cannot turn {} into a file URL; use an absolute path",
                            abs.display()
                        ),
                    )
                });
            }
        }
        let url = Url::parse(text).or_else(|e| {
            self.err(
                u.span(),
                "url",
                format!("expected an http, https or file URL, found {text:?} ({e})"),
            )
        })?;
        match url.scheme() {
            "http" | "https" | "file" => Ok(url),
            other => self.err(
                u.span(),
                "url",
                format!("unsupported scheme {other:?} in {text:?}; expected http, https or file"),
            ),
        }
    }

    fn webhook(
        &self,
        w: &RawWebhook,
        env: &dyn Fn(&str) -> Option<String>,
        ids: &HashSet<String>,
    ) -> Result<Webhook, ConfigError> {
        let name = w.name.get_ref().trim().to_string();
        if name.is_empty() {
            return self.err(w.name.span(), "name", "expected a non-empty name");
        }
        let url = Url::parse(w.url.get_ref().trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map_or_else(
                || {
                    self.err(
                        w.url.span(),
                        "url",
                        format!("expected an http or https URL, found {:?}", w.url.get_ref()),
                    )
                },
                Ok,
            )?;
        let format = match w.format.as_ref().map(|f| (f.get_ref().as_str(), f.span())) {
            None | Some(("json", _)) => WebhookFormat::Json,
            Some(("slack", _)) => WebhookFormat::Slack,
            Some(("discord", _)) => WebhookFormat::Discord,
            Some((other, span)) => {
                return self.err(
                    span,
                    "format",
                    format!("expected \"json\", \"slack\" or \"discord\", found {other:?}"),
                );
            }
        };
        let secret = match &w.secret {
            None => return self.err(w.name.span(), "secret", format!("webhook {name:?} has no secret; add secret = \"env:VAR_NAME\" (every request is signed so receivers can verify it)")),
            Some(s) => match s.get_ref().strip_prefix("env:") {
                Some(var) => match env(var.trim()) {
                    Some(v) if !v.is_empty() => v,
                    _ => return self.err(s.span(), "secret", format!("environment variable {:?} is not set or empty; export it, or write the secret itself", var.trim())),
                },
                None if s.get_ref().is_empty() => return self.err(s.span(), "secret", "expected a secret or \"env:VAR_NAME\", found an empty string"),
                None => s.get_ref().clone(),
            },
        };
        for s in &w.sources {
            if !ids.contains(s.get_ref()) {
                return self.err(
                    s.span(),
                    "sources",
                    format!("no [[source]] has id {:?}", s.get_ref()),
                );
            }
        }
        for e in &w.events {
            values::check_kind_glob(e.get_ref()).or_else(|m| self.err(e.span(), "events", m))?;
        }
        let min_severity = match &w.min_severity {
            None => None,
            Some(m) => Some(
                m.get_ref()
                    .parse()
                    .or_else(|e: String| self.err(m.span(), "min_severity", e))?,
            ),
        };
        Ok(Webhook {
            name,
            url,
            secret,
            format,
            sources: w.sources.iter().map(|s| s.get_ref().clone()).collect(),
            events: w.events.iter().map(|s| s.get_ref().clone()).collect(),
            min_severity,
            headers: self.headers(&w.headers)?,
            max_attempts: self.int(&w.max_attempts, "max_attempts", 1, 1000, 8)? as u32,
            max_age: self.duration(&w.max_age, "max_age", Duration::from_secs(24 * 3600))?,
            timeout: self.duration(&w.timeout, "timeout", Duration::from_secs(10))?,
        })
    }
}

/// Makes a path absolute against the working directory without touching the disk.
fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

pub(super) fn build(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let ctx = Ctx {
        loc: Locator { file, text },
        base,
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| ctx.loc.toml_error(&e))?;

    let d = FetchConfig::default();
    let fetch = match &raw.fetch {
        None => d,
        Some(f) => FetchConfig {
            user_agent: match &f.user_agent {
                Some(ua) if ua.get_ref().trim().is_empty() => return ctx.err(ua.span(), "user_agent", "expected a non-empty user agent"),
                Some(ua) => ua.get_ref().clone(),
                None => d.user_agent,
            },
            connect_timeout: ctx.duration(&f.connect_timeout, "connect_timeout", d.connect_timeout)?,
            timeout: ctx.duration(&f.timeout, "timeout", d.timeout)?,
            max_body: match &f.max_body {
                None => d.max_body,
                Some(v) => match v.get_ref() {
                    toml::Value::Integer(n) if *n > 0 => *n as u64,
                    toml::Value::String(s) => values::parse_size(s).or_else(|m| ctx.err(v.span(), "max_body", m))?,
                    other => return ctx.err(v.span(), "max_body", format!("expected a size such as \"10MB\" or a positive number of bytes, found {other}")),
                },
            },
            max_redirects: ctx.int(&f.max_redirects, "max_redirects", 0, 50, 5)? as usize,
            concurrency: ctx.int(&f.concurrency, "concurrency", 1, 4096, 16)? as usize,
            per_host_concurrency: ctx.int(&f.per_host_concurrency, "per_host_concurrency", 1, 256, 2)? as usize,
            per_host_delay: ctx.duration(&f.per_host_delay, "per_host_delay", d.per_host_delay)?,
            retries: ctx.int(&f.retries, "retries", 0, 20, 3)? as u32,
            shrink_threshold: match &f.shrink_threshold {
                None => d.shrink_threshold,
                Some(v) if (0.0..=1.0).contains(v.get_ref()) => *v.get_ref(),
                Some(v) => return ctx.err(v.span(), "shrink_threshold", format!("expected a fraction from 0.0 to 1.0, found {}", v.get_ref())),
            },
            min_words: ctx.int(&f.min_words, "min_words", 0, 1_000_000, 50)? as usize,
        },
    };

    let w = WatchConfig::default();
    let watch = match &raw.watch {
        None => w,
        Some(r) => WatchConfig {
            schedule: ctx.schedule(&r.schedule, &r.every)?.unwrap_or(w.schedule),
            jitter: ctx.duration(&r.jitter, "jitter", w.jitter)?,
            failure_threshold: ctx.int(&r.failure_threshold, "failure_threshold", 1, 1000, 3)?
                as u32,
            grace_period: ctx.duration(&r.grace_period, "grace_period", w.grace_period)?,
        },
    };

    let mut sources = Vec::with_capacity(raw.source.len());
    let mut ids = HashSet::new();
    for s in &raw.source {
        let source = ctx.source(s.get_ref())?;
        if !ids.insert(source.id.clone()) {
            return ctx.err(
                s.get_ref().id.span(),
                "id",
                format!(
                    "duplicate id {:?}; every source needs its own id",
                    source.id
                ),
            );
        }
        sources.push(source);
    }

    let mut webhooks: Vec<Webhook> = Vec::with_capacity(raw.webhook.len());
    for wh in &raw.webhook {
        let hook = ctx.webhook(wh.get_ref(), env, &ids)?;
        if webhooks.iter().any(|h| h.name == hook.name) {
            return ctx.err(wh.get_ref().name.span(), "name", format!("duplicate webhook name {:?}; deliveries are filed by name, so each needs its own", hook.name));
        }
        webhooks.push(hook);
    }

    let diff_url = match raw.store.as_ref().and_then(|s| s.diff_url.as_ref()) {
        None => None,
        Some(t) => match values::check_diff_url(t.get_ref()) {
            Ok(()) => Some(t.get_ref().clone()),
            Err(msg) => return ctx.err(t.span(), "diff_url", msg),
        },
    };

    Ok(Config {
        file: path.to_path_buf(),
        store: StoreConfig {
            path: ctx.path(raw.store.as_ref().and_then(|s| s.path.as_ref()), "store"),
            diff_url,
        },
        database: DatabaseConfig {
            path: ctx.path(raw.database.as_ref().map(|d| &d.path), "policywatch.sqlite"),
        },
        base_dir: ctx.base,
        fetch,
        watch,
        sources,
        webhooks,
    })
}
