//! Reading one input of `policywatch diff`: a file, `-` for stdin, or an
//! http(s) URL fetched once through the tracker's [`Fetcher`] (retries,
//! gzip/brotli, body cap, redirect-loop and bot-wall detection), with its
//! errors retold for a one-off command.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use policywatch::fetch::guard::detect_bot_wall;
use policywatch::fetch::{
    FetchError, FetchOptions, FetchOutcome, FetchRequest, Fetcher, GuardOptions,
};

/// Largest body accepted, from a URL or stdin.
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// An input that could not be read: which one, what went wrong, and what
/// the user might do about it.
#[derive(Debug)]
pub struct InputError {
    /// The input as named on the command line.
    pub input: String,
    /// What went wrong.
    pub problem: String,
    /// A suggestion, printed on its own line.
    pub hint: Option<String>,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.input, self.problem)
    }
}

impl std::error::Error for InputError {}

impl InputError {
    /// A bug in policywatch rather than a problem with the input.
    pub fn internal(input: &str, what: &str) -> InputError {
        fail(input, format!("internal error: {what}"), None)
    }
}

fn fail(input: &str, problem: impl Into<String>, hint: Option<&str>) -> InputError {
    InputError {
        input: input.to_string(),
        problem: problem.into(),
        hint: hint.map(str::to_string),
    }
}

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-`).
    Stdin,
    /// A local file.
    File(String),
    /// An http(s) URL.
    Url(reqwest::Url),
}

impl Source {
    /// Classify a command-line argument.
    pub fn parse(arg: &str) -> Result<Source, InputError> {
        if arg == "-" {
            return Ok(Source::Stdin);
        }
        let lower = arg.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return reqwest::Url::parse(arg).map(Source::Url).map_err(|e| {
                fail(
                    arg,
                    format!("bad URL: {e}"),
                    Some("check the URL for typos"),
                )
            });
        }
        if lower.starts_with("file://") {
            return reqwest::Url::parse(arg)
                .ok()
                .and_then(|u| u.to_file_path().ok())
                .map(|p| Source::File(p.to_string_lossy().into_owned()))
                .ok_or_else(|| {
                    fail(
                        arg,
                        "bad file URL",
                        Some("use an absolute file:///path, or just the path"),
                    )
                });
        }
        let scheme = arg.split_once("://").map(|(scheme, _)| scheme);
        if let Some(scheme) = scheme
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+'))
        {
            return Err(fail(
                arg,
                format!("bad URL: unsupported scheme {scheme:?}"),
                Some(
                    "policywatch fetches http:// and https:// URLs; download other sources yourself",
                ),
            ));
        }
        Ok(Source::File(arg.to_string()))
    }

    /// The label a report uses for this input.
    pub fn label(&self) -> String {
        match self {
            Source::Stdin => "stdin".into(),
            Source::File(p) => p.clone(),
            Source::Url(u) => u.to_string(),
        }
    }
}

/// The raw bytes of one input, with the HTTP Content-Type when fetched.
#[derive(Debug)]
pub struct Loaded {
    /// The label for reports.
    pub label: String,
    /// The bytes as read.
    pub bytes: Vec<u8>,
    /// The HTTP `Content-Type`, for URLs.
    pub content_type: Option<String>,
}

/// Read a file or stdin. URLs go through [`fetch_all`].
pub fn read_local(arg: &str, source: &Source) -> Result<Loaded, InputError> {
    let bytes = match source {
        Source::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .take(MAX_BODY as u64 + 1)
                .read_to_end(&mut buf)
                .map_err(|e| fail(arg, format!("cannot read standard input: {e}"), None))?;
            if buf.len() > MAX_BODY {
                return Err(fail(
                    arg,
                    "standard input is larger than 10 MB",
                    Some("pass the policy as a file instead"),
                ));
            }
            buf
        }
        Source::File(path) => read_file(arg, Path::new(path))?,
        Source::Url(_) => return Err(InputError::internal(arg, "URL passed to read_local")),
    };
    Ok(Loaded {
        label: source.label(),
        bytes,
        content_type: None,
    })
}

fn read_file(arg: &str, path: &Path) -> Result<Vec<u8>, InputError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(fail(
                arg,
                "no such file",
                Some("check the path; to fetch a web page, give a full http(s):// URL"),
            ));
        }
        Err(e) => return Err(fail(arg, format!("cannot read: {e}"), None)),
        Ok(m) if m.is_dir() => {
            return Err(fail(
                arg,
                "is a directory",
                Some("pass a file holding one version of the policy"),
            ));
        }
        Ok(_) => {}
    }
    std::fs::read(path).map_err(|e| {
        let hint = (e.kind() == std::io::ErrorKind::PermissionDenied)
            .then_some("check the file's permissions");
        fail(arg, format!("cannot read: {e}"), hint)
    })
}

/// Refuse inputs that cannot be a policy before the engine sees them, so the
/// message names the input and says what to do. With a format forced by
/// `--input-format` the binary guess is skipped: the user knows better.
pub fn check_bytes(arg: &str, bytes: &[u8], format_forced: bool) -> Result<(), InputError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(fail(
            arg,
            "is empty",
            Some("pass a file that holds the policy text"),
        ));
    }
    if !format_forced && looks_binary(bytes) {
        return Err(fail(
            arg,
            "looks binary (not text, HTML, Markdown or PDF)",
            Some("pass a policy document, or force a format with --input-format"),
        ));
    }
    Ok(())
}

/// NUL bytes in the first 8 KB mark a binary file, unless it is a PDF or
/// UTF-16/32 text with a byte-order mark (both legitimately contain NULs).
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    let has_bom = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    let is_pdf = head.windows(5).take(1024).any(|w| w == b"%PDF-");
    !has_bom && !is_pdf && head.contains(&0)
}

/// Fetch every URL among the inputs concurrently (each once) on a small
/// runtime, through the tracker's [`Fetcher`]; the order of the results
/// follows `urls`.
pub fn fetch_all(urls: &[(&str, &reqwest::Url)]) -> Vec<Result<Loaded, InputError>> {
    // Two local files need no runtime and no TLS client: building them
    // (loading the system's root certificates) would be most of a small
    // diff's start-up.
    if urls.is_empty() {
        return Vec::new();
    }
    let all_fail = |problem: String| {
        urls.iter()
            .map(|(arg, _)| Err(fail(arg, problem.clone(), None)))
            .collect()
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return all_fail(format!("cannot start the HTTP client: {e}")),
    };
    runtime.block_on(async {
        let fetcher = match Fetcher::new(fetch_options()) {
            Ok(f) => f,
            Err(e) => return all_fail(e.to_string()),
        };
        // The two sides of a diff are fetched concurrently.
        match urls {
            [(a_arg, a_url), (b_arg, b_url)] => {
                let (a, b) =
                    tokio::join!(fetch(&fetcher, a_arg, a_url), fetch(&fetcher, b_arg, b_url));
                vec![a, b]
            }
            _ => {
                let mut out = Vec::with_capacity(urls.len());
                for (arg, url) in urls {
                    out.push(fetch(&fetcher, arg, url).await);
                }
                out
            }
        }
    })
}

/// Settings for one interactive fetch: the tracker's limits, but one quick
/// retry instead of three patient ones, and no politeness delay between the
/// two sides (two requests do not hammer anyone).
fn fetch_options() -> FetchOptions {
    FetchOptions {
        max_body_bytes: MAX_BODY as u64,
        retries: 1,
        backoff_max: Duration::from_secs(2),
        max_retry_after: Duration::from_secs(10),
        per_host_delay: Duration::ZERO,
        ..FetchOptions::default()
    }
}

async fn fetch(fetcher: &Fetcher, arg: &str, url: &reqwest::Url) -> Result<Loaded, InputError> {
    tracing::info!(%url, "fetching");
    match fetcher.fetch(&FetchRequest::new(url.as_str())).await {
        Ok(FetchOutcome::Fetched {
            body, content_type, ..
        }) => {
            tracing::debug!(%url, bytes = body.len(), content_type = ?content_type, "fetched");
            Ok(Loaded {
                label: url.to_string(),
                bytes: body,
                content_type,
            })
        }
        Ok(FetchOutcome::NotModified { .. }) => Err(InputError::internal(
            arg,
            "304 Not Modified for an unconditional request",
        )),
        Err(e) => Err(fetch_error(arg, &e, fetcher.options())),
    }
}

const BOT_HINT: &str =
    "the site may block bots; open the page in a browser, save it and pass the file";
const DOWNLOAD_HINT: &str = "download it yourself and pass the file";

/// Say what went wrong in the words of `diff`: the tracker's messages point
/// at config keys (`[fetch] timeout`, a source's `headers`) that mean
/// nothing to a one-off command.
fn fetch_error(arg: &str, e: &FetchError, opts: &FetchOptions) -> InputError {
    let tries = |n: u32| {
        if n > 1 {
            format!(" ({n} attempts)")
        } else {
            String::new()
        }
    };
    match e {
        FetchError::InvalidUrl { reason, .. } => fail(
            arg,
            format!("bad URL: {reason}"),
            Some("check the URL for typos"),
        ),
        FetchError::UnsupportedScheme { scheme, .. } => {
            fail(arg, format!("bad URL: unsupported scheme {scheme:?}"), None)
        }
        FetchError::InvalidHeader { name, .. } => {
            InputError::internal(arg, &format!("invalid header {name:?}"))
        }
        FetchError::Client(reason) => {
            fail(arg, format!("cannot start the HTTP client: {reason}"), None)
        }
        FetchError::Timeout {
            timeout, attempts, ..
        } => fail(
            arg,
            format!(
                "timed out after {} s{}",
                timeout.as_secs(),
                tries(*attempts)
            ),
            Some("the server is slow or unreachable; try again later or download it yourself"),
        ),
        FetchError::Connect {
            reason, attempts, ..
        } => fail(
            arg,
            format!(
                "cannot connect: {}{}",
                unwrap_reason(reason),
                tries(*attempts)
            ),
            Some("check the URL and your network connection"),
        ),
        FetchError::Network {
            reason, attempts, ..
        } => fail(
            arg,
            format!(
                "request failed: {}{}",
                unwrap_reason(reason),
                tries(*attempts)
            ),
            Some("try again later"),
        ),
        FetchError::Decode { reason, .. } => fail(
            arg,
            format!("cannot decode the response body: {reason}"),
            Some(DOWNLOAD_HINT),
        ),
        FetchError::Status {
            status, attempts, ..
        } => {
            let hint = match status {
                401 | 403 => BOT_HINT,
                404 | 410 => "check the URL; the policy may have moved",
                429 => "the site is rate-limiting; wait and try again, or download it yourself",
                500..=599 => "the server failed; try again later",
                _ => "check the URL, or download the page yourself and pass the file",
            };
            let status = reqwest::StatusCode::from_u16(*status)
                .map_or_else(|_| status.to_string(), |s| s.to_string());
            fail(
                arg,
                format!("HTTP {status}{}", tries(*attempts)),
                Some(hint),
            )
        }
        FetchError::BotWall { status, reason, .. } => fail(
            arg,
            format!("HTTP {status}: blocked by a bot wall ({reason})"),
            Some(BOT_HINT),
        ),
        FetchError::RetryAfterTooLong {
            status,
            retry_after,
            ..
        } => fail(
            arg,
            format!(
                "HTTP {status}: the server asks to wait {} s before trying again",
                retry_after.as_secs()
            ),
            Some("wait and try again, or download it yourself"),
        ),
        FetchError::TooLarge { .. } => fail(
            arg,
            format!(
                "response is larger than {} MB",
                opts.max_body_bytes / (1024 * 1024)
            ),
            Some(DOWNLOAD_HINT),
        ),
        FetchError::TooManyRedirects { max, looped, .. } => fail(
            arg,
            if *looped {
                "redirect loop".to_string()
            } else {
                format!("too many redirects (more than {max})")
            },
            Some("open the URL in a browser and pass the final address"),
        ),
        FetchError::Io { path, source, .. } => fail(
            arg,
            format!("cannot read {}: {source}", path.display()),
            None,
        ),
    }
}

/// The fetcher keeps reqwest's and hyper's wrapping ("error sending request:
/// client error (Connect): tcp connect error: Connection refused"); a person
/// at a terminal needs only the last, specific part.
fn unwrap_reason(reason: &str) -> &str {
    const WRAPPERS: [&str; 3] = [
        "error sending request: ",
        "client error (Connect): ",
        "tcp connect error: ",
    ];
    let mut rest = reason;
    while let Some(next) = WRAPPERS.iter().find_map(|w| rest.strip_prefix(w)) {
        rest = next;
    }
    rest
}

/// A page that came back 200 may still be a bot wall or a challenge page;
/// diffing one against the policy would report a bogus rewrite. `words` is
/// the extracted document's word count (short pages are judged harder).
pub fn check_fetched_page(arg: &str, bytes: &[u8], words: usize) -> Result<(), InputError> {
    let raw = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let max_words = GuardOptions::default().bot_wall_max_words;
    match detect_bot_wall(200, &raw, words, max_words) {
        Some(reason) => Err(fail(
            arg,
            format!("is a bot-wall page ({reason}), not the policy"),
            Some(BOT_HINT),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_arguments() {
        assert_eq!(Source::parse("-").unwrap(), Source::Stdin);
        assert_eq!(
            Source::parse("policy.txt").unwrap(),
            Source::File("policy.txt".into())
        );
        assert!(matches!(
            Source::parse("https://example.com/privacy").unwrap(),
            Source::Url(_)
        ));
        assert!(matches!(
            Source::parse("HTTP://example.com/").unwrap(),
            Source::Url(_)
        ));
        assert_eq!(
            Source::parse("file:///tmp/p.md").unwrap(),
            Source::File("/tmp/p.md".into())
        );
        let e = Source::parse("ftp://example.com/p").unwrap_err();
        assert!(e.problem.contains("unsupported scheme"), "{e}");
        let e = Source::parse("http://exa mple.com").unwrap_err();
        assert!(
            e.to_string().starts_with("http://exa mple.com: bad URL"),
            "{e}"
        );
    }

    #[test]
    fn connection_errors_lose_the_client_wrapping() {
        assert_eq!(
            unwrap_reason(
                "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)"
            ),
            "Connection refused (os error 111)"
        );
        assert_eq!(
            unwrap_reason("client error (Connect): dns error: no such host"),
            "dns error: no such host"
        );
        assert_eq!(unwrap_reason("connection reset"), "connection reset");
    }

    #[test]
    fn fetch_errors_keep_the_cli_hints() {
        let opts = fetch_options();
        let status = |status, attempts| {
            fetch_error(
                "u",
                &FetchError::Status {
                    url: "u".into(),
                    status,
                    attempts,
                },
                &opts,
            )
        };
        let e = status(403, 1);
        assert_eq!(e.problem, "HTTP 403 Forbidden");
        assert!(e.hint.as_deref().is_some_and(|h| h.contains("block bots")));
        let e = status(429, 2);
        assert_eq!(e.problem, "HTTP 429 Too Many Requests (2 attempts)");
        assert!(
            e.hint
                .as_deref()
                .is_some_and(|h| h.contains("rate-limiting"))
        );
        let e = fetch_error(
            "u",
            &FetchError::Timeout {
                url: "u".into(),
                timeout: opts.timeout,
                attempts: 2,
            },
            &opts,
        );
        assert_eq!(e.problem, "timed out after 30 s (2 attempts)");
        let e = fetch_error(
            "u",
            &FetchError::TooLarge {
                url: "u".into(),
                limit: opts.max_body_bytes,
            },
            &opts,
        );
        assert_eq!(e.problem, "response is larger than 10 MB");
        let e = fetch_error(
            "u",
            &FetchError::TooManyRedirects {
                url: "u".into(),
                max: 5,
                looped: false,
            },
            &opts,
        );
        assert_eq!(e.problem, "too many redirects (more than 5)");
    }

    #[test]
    fn challenge_pages_are_refused_but_policies_pass() {
        let wall = b"<html><head><title>Just a moment...</title></head></html>";
        assert!(check_fetched_page("u", wall, 3).is_err());
        let policy = "<h1>Privacy</h1><p>We never sell data.</p>".repeat(50);
        assert!(check_fetched_page("u", policy.as_bytes(), 300).is_ok());
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(b"\x7fELF\x02\x01\x01\0\0\0"));
        assert!(!looks_binary(b"# Privacy\n\nWe care.\n"));
        assert!(!looks_binary(b"%PDF-1.7\n\0\0binary streams"));
        assert!(!looks_binary(b"\xff\xfeP\0r\0"));
    }

    #[test]
    fn empty_and_whitespace_inputs_are_refused() {
        assert!(check_bytes("x", b"", false).is_err());
        assert!(check_bytes("x", b" \n\t\n", true).is_err());
        assert!(check_bytes("x", b"text", false).is_ok());
        assert!(check_bytes("x", b"a\0b", false).is_err());
        assert!(check_bytes("x", b"a\0b", true).is_ok());
    }
}
