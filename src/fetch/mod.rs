//! Fetching policies over HTTP(S) and from `file://` URLs.
//!
//! One [`Fetcher`] holds one HTTP client and the politeness state (a global
//! concurrency limit, per-host limits and a minimum delay between request
//! starts to one host). It is cheap to clone, and clones share that state, so
//! `check` and the watch daemon together still respect the limits.
//!
//! A fetch is conditional when the caller passes the previous ETag or
//! Last-Modified ([`FetchOutcome::NotModified`] means "no work"), retries
//! transient failures with exponential backoff and full jitter (honouring
//! Retry-After), caps the body size while streaming, and limits redirects.
//! Whether a page is a real version of the document is decided afterwards by
//! [`guard::check_body`]; which parser it goes to by [`route::format_hint`].
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use policywatch::fetch::{FetchOptions, FetchOutcome, FetchRequest, Fetcher, route};
//! use policywatch::{Document, ParseOptions};
//!
//! let fetcher = Fetcher::new(FetchOptions::default())?;
//! let req = FetchRequest::new("https://example.org/privacy")
//!     .conditional(Some("\"v1\"".into()), None);
//! match fetcher.fetch(&req).await? {
//!     FetchOutcome::NotModified { .. } => println!("unchanged"),
//!     FetchOutcome::Fetched { final_url, content_type, body, .. } => {
//!         let opts = route::parse_options(&ParseOptions::default(), content_type.as_deref(), &final_url, &body);
//!         let doc = Document::parse(&final_url, &body, &opts)?;
//!         println!("{} words", doc.word_count());
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod error;
pub mod guard;
mod politeness;
pub mod retry;
pub mod route;

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{
    CONTENT_TYPE, ETAG, HeaderMap, HeaderName, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, RETRY_AFTER,
};
use reqwest::{StatusCode, Url};
use tracing::{debug, warn};

pub use error::FetchError;
pub use guard::{Guard, GuardOptions, check_body};
pub use route::{format_hint, parse_options};

use politeness::Limiter;

/// Fetch settings; the config's `[fetch]` table maps onto these fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchOptions {
    /// The User-Agent header; it names the project so site owners can reach us.
    pub user_agent: String,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Total time allowed for one attempt, body included.
    pub timeout: Duration,
    /// Largest body accepted, after decompression (`[fetch] max_body`).
    pub max_body_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Requests in flight at once, over all hosts.
    pub concurrency: usize,
    /// Requests in flight at once to one host.
    pub per_host_concurrency: usize,
    /// Minimum time between the starts of two requests to one host.
    pub per_host_delay: Duration,
    /// Retries after the first attempt on transient failures (so at most
    /// `retries + 1` attempts).
    pub retries: u32,
    /// Backoff before the first retry (before jitter); doubles each retry.
    pub backoff_base: Duration,
    /// Upper bound of the backoff.
    pub backoff_max: Duration,
    /// The longest Retry-After we sleep for; a longer one fails the fetch.
    pub max_retry_after: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            user_agent: default_user_agent(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            concurrency: 16,
            per_host_concurrency: 2,
            per_host_delay: Duration::from_secs(1),
            retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// The default User-Agent: `policywatch/<version> (+<project URL>)`.
pub fn default_user_agent() -> String {
    format!(
        "policywatch/{} (+https://github.com/policywatch/policywatch)",
        env!("CARGO_PKG_VERSION")
    )
}

/// One document to fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchRequest {
    /// An http, https or file URL.
    pub url: String,
    /// Extra request headers (a `User-Agent` here overrides the default).
    pub headers: Vec<(String, String)>,
    /// The ETag of the last good version, sent as If-None-Match.
    pub etag: Option<String>,
    /// The Last-Modified of the last good version, sent as If-Modified-Since.
    pub last_modified: Option<String>,
}

impl FetchRequest {
    /// An unconditional request for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        FetchRequest {
            url: url.into(),
            ..Default::default()
        }
    }

    /// Add a request header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Make the request conditional on the previous validators.
    pub fn conditional(mut self, etag: Option<String>, last_modified: Option<String>) -> Self {
        self.etag = etag;
        self.last_modified = last_modified;
        self
    }
}

/// What a successful fetch produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// The server answered 304 to our conditional request: nothing changed.
    NotModified {
        /// The URL that answered, after redirects.
        final_url: String,
        /// The ETag the server sent with the 304, if any (may refresh ours).
        etag: Option<String>,
        /// Wall time of the whole fetch, retries and waits included.
        elapsed: Duration,
        /// Attempts made.
        attempts: u32,
    },
    /// A body was fetched.
    Fetched {
        /// The URL that answered, after redirects.
        final_url: String,
        /// The HTTP status (200 for `file://`).
        status: u16,
        /// The raw Content-Type header, charset included; for `file://`,
        /// derived from the extension. Pass it on in `ParseOptions::content_type`.
        content_type: Option<String>,
        /// The ETag validator, to send next time.
        etag: Option<String>,
        /// The Last-Modified validator, to send next time.
        last_modified: Option<String>,
        /// The body, decompressed, not decoded.
        body: Vec<u8>,
        /// Wall time of the whole fetch, retries and waits included.
        elapsed: Duration,
        /// Attempts made.
        attempts: u32,
    },
}

impl FetchOutcome {
    /// Attempts made.
    pub fn attempts(&self) -> u32 {
        match self {
            FetchOutcome::NotModified { attempts, .. } | FetchOutcome::Fetched { attempts, .. } => {
                *attempts
            }
        }
    }

    /// Wall time of the fetch.
    pub fn elapsed(&self) -> Duration {
        match self {
            FetchOutcome::NotModified { elapsed, .. } | FetchOutcome::Fetched { elapsed, .. } => {
                *elapsed
            }
        }
    }
}

/// Fetches documents politely. Clone it to share the limits.
#[derive(Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    opts: FetchOptions,
    limiter: Limiter,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("opts", &self.inner.opts)
            .finish_non_exhaustive()
    }
}

/// Marker errors raised by our redirect policy, found again in the error chain.
#[derive(Debug)]
struct RedirectLoop;
impl fmt::Display for RedirectLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("redirect loop")
    }
}
impl StdError for RedirectLoop {}

#[derive(Debug)]
struct RedirectLimit;
impl fmt::Display for RedirectLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too many redirects")
    }
}
impl StdError for RedirectLimit {}

/// A failure that may go away if we try again.
enum Transient {
    Timeout,
    Connect(String),
    Network(String),
    Status(u16, Option<Duration>),
}

/// How one attempt ended, when it did not produce an outcome.
enum Failure {
    Transient(Transient),
    Fatal(FetchError),
}

/// The parts of a response that become a [`FetchOutcome`] once the number
/// of attempts and the elapsed time are known.
enum Reply {
    NotModified {
        final_url: String,
        etag: Option<String>,
    },
    Fetched {
        final_url: String,
        status: u16,
        content_type: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
        body: Vec<u8>,
    },
}

impl Reply {
    fn into_outcome(self, elapsed: Duration, attempts: u32) -> FetchOutcome {
        match self {
            Reply::NotModified { final_url, etag } => FetchOutcome::NotModified {
                final_url,
                etag,
                elapsed,
                attempts,
            },
            Reply::Fetched {
                final_url,
                status,
                content_type,
                etag,
                last_modified,
                body,
            } => FetchOutcome::Fetched {
                final_url,
                status,
                content_type,
                etag,
                last_modified,
                body,
                elapsed,
                attempts,
            },
        }
    }
}

impl Fetcher {
    /// Build the HTTP client and the shared limits.
    pub fn new(opts: FetchOptions) -> Result<Fetcher, FetchError> {
        let max = opts.max_redirects;
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().contains(attempt.url()) {
                attempt.error(RedirectLoop)
            } else if attempt.previous().len() > max {
                attempt.error(RedirectLimit)
            } else {
                attempt.follow()
            }
        });
        let client = http_client_builder()
            .user_agent(opts.user_agent.clone())
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .redirect(policy)
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))?;
        let limiter = Limiter::new(
            opts.concurrency,
            opts.per_host_concurrency,
            opts.per_host_delay,
        );
        Ok(Fetcher {
            inner: Arc::new(Inner {
                client,
                opts,
                limiter,
            }),
        })
    }

    /// The options this fetcher was built with.
    pub fn options(&self) -> &FetchOptions {
        &self.inner.opts
    }

    /// Fetch one document, waiting for its turn under the limits and
    /// retrying transient failures.
    pub async fn fetch(&self, req: &FetchRequest) -> Result<FetchOutcome, FetchError> {
        let started = Instant::now();
        let url = Url::parse(&req.url).map_err(|e| FetchError::InvalidUrl {
            url: req.url.clone(),
            reason: e.to_string(),
        })?;
        match url.scheme() {
            "file" => self.fetch_file(req, &url, started).await,
            "http" | "https" => self.fetch_http(req, url, started).await,
            other => Err(FetchError::UnsupportedScheme {
                url: req.url.clone(),
                scheme: other.to_string(),
            }),
        }
    }

    async fn fetch_file(
        &self,
        req: &FetchRequest,
        url: &Url,
        started: Instant,
    ) -> Result<FetchOutcome, FetchError> {
        let path = url.to_file_path().map_err(|()| FetchError::InvalidUrl {
            url: req.url.clone(),
            reason: "not a local absolute path".into(),
        })?;
        let io = |source| FetchError::Io {
            url: req.url.clone(),
            path: path.clone(),
            source,
        };
        let meta = tokio::fs::metadata(&path).await.map_err(io)?;
        if meta.is_dir() {
            return Err(io(std::io::Error::other("it is a directory, not a file")));
        }
        let limit = self.inner.opts.max_body_bytes;
        if meta.len() > limit {
            return Err(FetchError::TooLarge {
                url: req.url.clone(),
                limit,
            });
        }
        let body = tokio::fs::read(&path).await.map_err(io)?;
        // The file may have grown between the two calls.
        if body.len() as u64 > limit {
            return Err(FetchError::TooLarge {
                url: req.url.clone(),
                limit,
            });
        }
        Ok(FetchOutcome::Fetched {
            final_url: url.to_string(),
            status: 200,
            content_type: route::content_type_for_path(&path).map(str::to_string),
            etag: None,
            last_modified: None,
            body,
            elapsed: started.elapsed(),
            attempts: 1,
        })
    }

    async fn fetch_http(
        &self,
        req: &FetchRequest,
        url: Url,
        started: Instant,
    ) -> Result<FetchOutcome, FetchError> {
        let headers = request_headers(req)?;
        let host = url.host_str().unwrap_or_default().to_string();
        let opts = &self.inner.opts;
        let max_attempts = opts.retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = {
                let _turn = self.inner.limiter.turn(&host).await;
                self.attempt(req, &url, &headers).await
            };
            let transient = match result {
                Ok(reply) => {
                    let outcome = reply.into_outcome(started.elapsed(), attempt);
                    debug!(url = %req.url, attempt, "fetched");
                    return Ok(outcome);
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Transient(t)) => t,
            };
            if attempt >= max_attempts {
                return Err(give_up(req, transient, attempt, opts.timeout));
            }
            let delay = match &transient {
                Transient::Status(status, Some(after)) => {
                    if *after > opts.max_retry_after {
                        return Err(FetchError::RetryAfterTooLong {
                            url: req.url.clone(),
                            status: *status,
                            retry_after: *after,
                            max: opts.max_retry_after,
                        });
                    }
                    *after
                }
                _ => retry::backoff_delay(attempt, opts.backoff_base, opts.backoff_max),
            };
            warn!(
                url = %req.url,
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %describe(&transient),
                "fetch failed, retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One request and its body.
    async fn attempt(
        &self,
        req: &FetchRequest,
        url: &Url,
        headers: &HeaderMap,
    ) -> Result<Reply, Failure> {
        let mut builder = self.inner.client.get(url.clone()).headers(headers.clone());
        let mut conditional = false;
        // A stored validator that is not a valid header value is simply not sent.
        if let Some(v) = req
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            builder = builder.header(IF_NONE_MATCH, v);
            conditional = true;
        }
        if let Some(v) = req
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            builder = builder.header(IF_MODIFIED_SINCE, v);
            conditional = true;
        }
        let mut resp = builder
            .send()
            .await
            .map_err(|e| classify(&req.url, e, self.options()))?;
        let status = resp.status();
        let final_url = resp.url().to_string();
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header(ETAG);
        if status == StatusCode::NOT_MODIFIED && conditional {
            return Ok(Reply::NotModified { final_url, etag });
        }
        if status.is_success() {
            let content_type = header(CONTENT_TYPE);
            let last_modified = header(LAST_MODIFIED);
            let body = self.read_body(&req.url, &mut resp).await?;
            return Ok(Reply::Fetched {
                final_url,
                status: status.as_u16(),
                content_type,
                etag,
                last_modified,
                body,
            });
        }
        let code = status.as_u16();
        let retry_after =
            header(RETRY_AFTER).and_then(|v| retry::parse_retry_after(&v, SystemTime::now()));
        // Block pages come as 403, 429 or 503; look at the start of the body
        // so a bot wall is reported as such and not retried.
        if matches!(code, 401 | 403 | 429 | 500..=599) {
            let excerpt = read_excerpt(&mut resp, 64 * 1024).await;
            let text = String::from_utf8_lossy(&excerpt);
            let words = text.split_whitespace().count();
            if let Some(reason) = guard::detect_bot_wall(code, &text, words, 0) {
                return Err(Failure::Fatal(FetchError::BotWall {
                    url: final_url,
                    status: code,
                    reason,
                }));
            }
        }
        if code == 429 || status.is_server_error() {
            return Err(Failure::Transient(Transient::Status(code, retry_after)));
        }
        Err(Failure::Fatal(FetchError::Status {
            url: final_url,
            status: code,
            attempts: 1,
        }))
    }

    /// Stream the body, stopping as soon as it exceeds the limit.
    async fn read_body(&self, url: &str, resp: &mut reqwest::Response) -> Result<Vec<u8>, Failure> {
        let limit = self.inner.opts.max_body_bytes;
        let too_large = || {
            Failure::Fatal(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            })
        };
        // Content-Length is absent when the body is compressed; the streamed
        // count below also catches decompression bombs.
        let declared = resp.content_length();
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let capacity = declared.unwrap_or(64 * 1024).min(limit);
        let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify(url, e, self.options()))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Up to `max` bytes of an error response's body; errors yield what was read.
async fn read_excerpt(resp: &mut reqwest::Response, max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < max {
        match resp.chunk().await {
            Ok(Some(chunk)) => out.extend_from_slice(&chunk[..chunk.len().min(max - out.len())]),
            _ => break,
        }
    }
    out
}

fn request_headers(req: &FetchRequest) -> Result<HeaderMap, FetchError> {
    let mut map = HeaderMap::new();
    for (name, value) in &req.headers {
        let invalid = || FetchError::InvalidHeader {
            url: req.url.clone(),
            name: name.clone(),
        };
        let n = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| invalid())?;
        let v = HeaderValue::from_str(value.trim()).map_err(|_| invalid())?;
        map.append(n, v);
    }
    Ok(map)
}

/// Sort a reqwest error into retryable or not.
fn classify(url: &str, e: reqwest::Error, opts: &FetchOptions) -> Failure {
    if e.is_redirect() {
        return Failure::Fatal(FetchError::TooManyRedirects {
            url: url.to_string(),
            max: opts.max_redirects,
            looped: find_in_chain::<RedirectLoop>(&e),
        });
    }
    if e.is_timeout() {
        return Failure::Transient(Transient::Timeout);
    }
    if e.is_decode() {
        return Failure::Fatal(FetchError::Decode {
            url: url.to_string(),
            reason: error_chain(&e.without_url()),
        });
    }
    if e.is_connect() {
        return Failure::Transient(Transient::Connect(error_chain(&e.without_url())));
    }
    if e.is_builder() {
        return Failure::Fatal(FetchError::InvalidUrl {
            url: url.to_string(),
            reason: error_chain(&e.without_url()),
        });
    }
    Failure::Transient(Transient::Network(error_chain(&e.without_url())))
}

fn find_in_chain<T: StdError + 'static>(e: &(dyn StdError + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<T>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// An error and its sources on one line, without repeating identical parts.
pub(crate) fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

fn describe(t: &Transient) -> String {
    match t {
        Transient::Timeout => "timeout".into(),
        Transient::Connect(r) => format!("cannot connect: {r}"),
        Transient::Network(r) => format!("network error: {r}"),
        Transient::Status(s, _) => format!("HTTP {s}"),
    }
}

fn give_up(req: &FetchRequest, t: Transient, attempts: u32, timeout: Duration) -> FetchError {
    let url = req.url.clone();
    match t {
        Transient::Timeout => FetchError::Timeout {
            url,
            timeout,
            attempts,
        },
        Transient::Connect(reason) => FetchError::Connect {
            url,
            reason,
            attempts,
        },
        Transient::Network(reason) => FetchError::Network {
            url,
            reason,
            attempts,
        },
        Transient::Status(status, _) => FetchError::Status {
            url,
            status,
            attempts,
        },
    }
}

/// A reqwest client builder whose TLS runs on the ring crypto provider.
///
/// reqwest is built with `rustls-no-provider` because its default provider,
/// aws-lc, links a large C library whose constructors and relocations cost
/// every process about half a millisecond at start, `policywatch diff` of two
/// local files included. Any reqwest client in this crate, its tests
/// included, must come from here: without an installed provider, building
/// one panics.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // Err only means a provider is already installed, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
}
