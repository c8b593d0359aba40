//! Why a fetch failed. Every message names the URL and says what to do
//! about it, because these strings end up verbatim in `check` output and in
//! the `checks` table.

use std::time::Duration;

use thiserror::Error;

/// A failed fetch.
#[derive(Debug, Error)]
pub enum FetchError {
    /// The URL does not parse.
    #[error("{url}: invalid URL ({reason}); check the source's `url`")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What the parser said.
        reason: String,
    },
    /// A scheme other than http, https or file.
    #[error("{url}: unsupported scheme {scheme:?}; use http://, https:// or file://")]
    UnsupportedScheme {
        /// The URL as given.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// A configured header name or value that HTTP does not allow.
    #[error("{url}: invalid header {name:?}; check the source's `headers`")]
    InvalidHeader {
        /// The URL of the request.
        url: String,
        /// The header name.
        name: String,
    },
    /// The HTTP client could not be built (bad user agent, TLS set-up).
    #[error("cannot set up the HTTP client: {0}; check the `[fetch]` table (user_agent)")]
    Client(String),
    /// No response within the total timeout, on every attempt.
    #[error(
        "{url}: timed out after {secs:.1} s (gave up after {attempts} attempt(s)); the site is slow or unreachable, or raise `[fetch] timeout`",
        secs = timeout.as_secs_f64()
    )]
    Timeout {
        /// The URL requested.
        url: String,
        /// The total timeout of one attempt.
        timeout: Duration,
        /// Attempts made.
        attempts: u32,
    },
    /// No connection could be made (refused, DNS, TLS), on every attempt.
    #[error(
        "{url}: cannot connect ({reason}; gave up after {attempts} attempt(s)); check the host name and that the site is up"
    )]
    Connect {
        /// The URL requested.
        url: String,
        /// The underlying error.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The connection broke while talking to the server, on every attempt.
    #[error("{url}: network error ({reason}; gave up after {attempts} attempt(s))")]
    Network {
        /// The URL requested.
        url: String,
        /// The underlying error.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The body could not be decoded (corrupt gzip or brotli stream).
    #[error("{url}: cannot decode the response body ({reason})")]
    Decode {
        /// The URL requested.
        url: String,
        /// The underlying error.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("{url}: HTTP {status}: {}", status_hint(*.status, *.attempts))]
    Status {
        /// The URL requested (after redirects).
        url: String,
        /// The HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The server sent a bot wall, captcha or "access denied" page instead of the document.
    #[error(
        "{url}: HTTP {status}: blocked by a bot wall ({reason}); the site blocks automated clients: set `headers` or a `user_agent` for this source, or watch another URL"
    )]
    BotWall {
        /// The URL requested (after redirects).
        url: String,
        /// The HTTP status.
        status: u16,
        /// Which marker was found.
        reason: String,
    },
    /// A 429 or 503 whose Retry-After is longer than we are willing to sleep.
    #[error(
        "{url}: HTTP {status}: the server asks to wait {} s before retrying, more than `[fetch] max_retry_after` ({} s); will try again at the next check",
        .retry_after.as_secs(), .max.as_secs()
    )]
    RetryAfterTooLong {
        /// The URL requested.
        url: String,
        /// The HTTP status (429 or 503).
        status: u16,
        /// What the server asked for.
        retry_after: Duration,
        /// Our limit.
        max: Duration,
    },
    /// The body is larger than allowed; it was not read to the end.
    #[error(
        "{url}: body larger than {limit} bytes; raise `[fetch] max_body` if this document is really that large"
    )]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Too many redirects, or a redirect loop.
    #[error("{url}: {}; check the URL (a login or cookie wall often redirects in circles)",
        if *.looped { "redirect loop".to_string() } else { format!("more than {} redirects", .max) })]
    TooManyRedirects {
        /// The URL requested.
        url: String,
        /// The limit (`[fetch] max_redirects`).
        max: usize,
        /// Whether a URL was visited twice.
        looped: bool,
    },
    /// A `file://` URL that cannot be read.
    #[error("{url}: cannot read {}: {source}; check the path in the source's `url`", .path.display())]
    Io {
        /// The URL as given.
        url: String,
        /// The local path it names.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn status_hint(status: u16, attempts: u32) -> String {
    match status {
        401 | 403 => "access refused; the site may block automated clients: set `headers` or a `user_agent` for this source".into(),
        404 | 410 => "not found; check the URL (the page may have moved)".into(),
        429 => format!("rate limited; gave up after {attempts} attempt(s); lower the per-host concurrency or raise `[fetch] per_host_delay`"),
        500..=599 => format!("server error; gave up after {attempts} attempt(s); the site may be down, it will be retried at the next check"),
        304 => "Not Modified although no ETag or Last-Modified was sent".into(),
        _ => "the server refused the request; check the URL and the source's headers".into(),
    }
}

impl FetchError {
    /// A short stable name for the kind of failure, for logs and the
    /// database (`timeout`, `connect`, `status`, `bot_wall`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl { .. } => "invalid_url",
            FetchError::UnsupportedScheme { .. } => "unsupported_scheme",
            FetchError::InvalidHeader { .. } => "invalid_header",
            FetchError::Client(_) => "client",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Connect { .. } => "connect",
            FetchError::Network { .. } => "network",
            FetchError::Decode { .. } => "decode",
            FetchError::Status { .. } => "status",
            FetchError::BotWall { .. } => "bot_wall",
            FetchError::RetryAfterTooLong { .. } => "retry_after",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::TooManyRedirects { .. } => "redirects",
            FetchError::Io { .. } => "io",
        }
    }

    /// The HTTP status, when the failure was an HTTP response.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. }
            | FetchError::BotWall { status, .. }
            | FetchError::RetryAfterTooLong { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_messages_say_what_to_do() {
        let e = |status| FetchError::Status {
            url: "https://x.test/p".into(),
            status,
            attempts: 4,
        };
        assert!(e(403).to_string().contains("user_agent"));
        assert!(e(404).to_string().contains("check the URL"));
        assert!(e(503).to_string().contains("gave up after 4 attempt"));
        assert!(e(429).to_string().contains("gave up after 4 attempt"));
        assert!(e(503).to_string().starts_with("https://x.test/p: HTTP 503"));
        assert_eq!(e(418).status(), Some(418));
    }

    #[test]
    fn too_large_names_limit_and_key() {
        let s = FetchError::TooLarge {
            url: "https://x.test/p".into(),
            limit: 1024,
        }
        .to_string();
        assert!(
            s.contains("https://x.test/p") && s.contains("1024") && s.contains("[fetch] max_body")
        );
    }

    #[test]
    fn redirects_distinguish_loop_and_limit() {
        let e = |looped| FetchError::TooManyRedirects {
            url: "http://a.test/".into(),
            max: 5,
            looped,
        };
        assert!(e(true).to_string().contains("redirect loop"));
        assert!(e(false).to_string().contains("more than 5 redirects"));
    }
}
