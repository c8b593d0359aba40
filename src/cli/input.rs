//! Reading one input of `policywatch diff`: a file, `-` for stdin, or an
//! http(s) URL fetched once.
//!
//! Deliberately small: no retries, no politeness. The tracker's fetch module
//! will replace the HTTP part; until then this is enough for one-off diffs.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

/// Whole-request timeout for a URL.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Largest body accepted, from a URL or stdin.
pub const MAX_BODY: usize = 10 * 1024 * 1024;
/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;
/// Names the project, so site owners know who is calling.
const USER_AGENT: &str = concat!(
    "policywatch/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/policywatch/policywatch)"
);

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
/// runtime; the order of the results follows `urls`.
pub fn fetch_all(urls: &[(&str, &reqwest::Url)]) -> Vec<Result<Loaded, InputError>> {
    // Two local files need no runtime and no TLS client: building them
    // (loading the system's root certificates) would be most of a small
    // diff's start-up.
    if urls.is_empty() {
        return Vec::new();
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return urls
                .iter()
                .map(|(arg, _)| {
                    Err(fail(
                        arg,
                        format!("cannot start the HTTP client: {e}"),
                        None,
                    ))
                })
                .collect();
        }
    };
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .build();
        let client = match client {
            Ok(c) => c,
            Err(e) => {
                return urls
                    .iter()
                    .map(|(arg, _)| {
                        Err(fail(
                            arg,
                            format!("cannot start the HTTP client: {e}"),
                            None,
                        ))
                    })
                    .collect();
            }
        };
        // The two sides of a diff are fetched concurrently.
        match urls {
            [(a_arg, a_url), (b_arg, b_url)] => {
                let (a, b) =
                    tokio::join!(fetch(&client, a_arg, a_url), fetch(&client, b_arg, b_url));
                vec![a, b]
            }
            _ => {
                let mut out = Vec::with_capacity(urls.len());
                for (arg, url) in urls {
                    out.push(fetch(&client, arg, url).await);
                }
                out
            }
        }
    })
}

async fn fetch(
    client: &reqwest::Client,
    arg: &str,
    url: &reqwest::Url,
) -> Result<Loaded, InputError> {
    tracing::info!(%url, "fetching");
    let mut resp = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| request_error(arg, &e))?;
    let status = resp.status();
    if !status.is_success() {
        let hint = match status.as_u16() {
            401 | 403 => "the site may block bots; try --select or download it yourself",
            404 | 410 => "check the URL; the policy may have moved",
            429 => "the site is rate-limiting; wait and try again, or download it yourself",
            500..=599 => "the server failed; try again later",
            _ => "check the URL, or download the page yourself and pass the file",
        };
        return Err(fail(arg, format!("HTTP {status}"), Some(hint)));
    }
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let too_big = || {
        fail(
            arg,
            "response is larger than 10 MB",
            Some("download it yourself and pass the file"),
        )
    };
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| request_error(arg, &e))? {
        if bytes.len() + chunk.len() > MAX_BODY {
            return Err(too_big());
        }
        bytes.extend_from_slice(&chunk);
    }
    tracing::debug!(%url, bytes = bytes.len(), content_type = ?content_type, "fetched");
    Ok(Loaded {
        label: url.to_string(),
        bytes,
        content_type,
    })
}

fn request_error(arg: &str, e: &reqwest::Error) -> InputError {
    if e.is_timeout() {
        fail(
            arg,
            "timed out after 30 s",
            Some("the server is slow or unreachable; try again later or download it yourself"),
        )
    } else if e.is_redirect() {
        fail(
            arg,
            format!("too many redirects (more than {MAX_REDIRECTS})"),
            Some("open the URL in a browser and pass the final address"),
        )
    } else if e.is_connect() {
        fail(
            arg,
            format!("cannot connect: {}", root_cause(e)),
            Some("check the URL and your network connection"),
        )
    } else {
        fail(arg, format!("request failed: {}", error_chain(e)), None)
    }
}

/// The innermost error: for a failed connection it says why ("Connection
/// refused", "dns error …") without reqwest's wrapping.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// reqwest's top-level message is terse; its sources say what really failed.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
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

    #[test]
    fn user_agent_names_the_project() {
        assert!(USER_AGENT.starts_with("policywatch/"));
        assert!(USER_AGENT.contains("github.com/policywatch/policywatch"));
    }
}
