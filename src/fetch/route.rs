//! Routing a fetched body to the right parser: the Content-Type, the URL's
//! extension and a peek at the bytes, in that order of trust except where
//! servers are known to lie (PDFs and HTML served as `text/plain` or
//! `application/octet-stream`).

use crate::model::{InputFormat, ParseOptions};

/// The [`ParseOptions`] for a fetched body: `base` (the source's `select`,
/// `remove`, language and any forced format) plus the routed format and the
/// raw Content-Type, so extraction can honour the declared charset.
pub fn parse_options(
    base: &ParseOptions,
    content_type: Option<&str>,
    url: &str,
    bytes: &[u8],
) -> ParseOptions {
    ParseOptions {
        format: base
            .format
            .or_else(|| format_hint(content_type, url, bytes)),
        content_type: content_type.map(str::to_string),
        ..base.clone()
    }
}

/// Which parser a fetched body should go to, or `None` to let extraction
/// detect it. The raw Content-Type (with its charset) should be passed on
/// unchanged in `ParseOptions::content_type`; extraction decodes.
pub fn format_hint(content_type: Option<&str>, url: &str, bytes: &[u8]) -> Option<InputFormat> {
    if bytes.starts_with(b"%PDF-") {
        return Some(InputFormat::Pdf);
    }
    let mime = content_type.map(essence);
    match mime.as_deref() {
        Some("text/html" | "application/xhtml+xml") => Some(InputFormat::Html),
        Some("application/pdf" | "application/x-pdf") => Some(InputFormat::Pdf),
        Some("text/markdown" | "text/x-markdown") => Some(InputFormat::Markdown),
        Some("text/plain") => Some(match by_extension(url) {
            Some(InputFormat::Markdown) => InputFormat::Markdown,
            _ if looks_like_html(bytes) => InputFormat::Html,
            _ => InputFormat::Text,
        }),
        // Unknown, missing or generic types: trust the URL, then the bytes.
        _ => by_extension(url).or_else(|| looks_like_html(bytes).then_some(InputFormat::Html)),
    }
}

/// The Content-Type to report for a local file, from its extension.
pub fn content_type_for_path(path: &std::path::Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "html" | "htm" | "xhtml" => "text/html",
        "md" | "markdown" => "text/markdown",
        "txt" | "text" => "text/plain",
        "pdf" => "application/pdf",
        _ => return None,
    })
}

/// The lowercase media type without parameters: `Text/HTML; charset=x` → `text/html`.
fn essence(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The format named by the extension of the URL's path (query and fragment ignored).
fn by_extension(url: &str) -> Option<InputFormat> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next().unwrap_or(path);
    let (_, ext) = last.rsplit_once('.')?;
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" | "xhtml" | "php" | "asp" | "aspx" | "jsp" => Some(InputFormat::Html),
        "md" | "markdown" => Some(InputFormat::Markdown),
        "txt" => Some(InputFormat::Text),
        "pdf" => Some(InputFormat::Pdf),
        _ => None,
    }
}

/// Whether the first non-blank bytes open an HTML document.
fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = head[start..].to_ascii_lowercase();
    [
        &b"<!doctype html"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<!--",
    ]
    .iter()
    .any(|p| head.starts_with(p))
        || (head.starts_with(b"<?xml") && head.windows(5).any(|w| w == b"<html"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use InputFormat::*;

    #[test]
    fn by_content_type() {
        let u = "https://x.test/privacy";
        assert_eq!(
            format_hint(Some("text/html; charset=utf-8"), u, b"<p>x"),
            Some(Html)
        );
        assert_eq!(
            format_hint(Some("Application/XHTML+XML"), u, b""),
            Some(Html)
        );
        assert_eq!(
            format_hint(Some("application/pdf"), u, b"garbage"),
            Some(Pdf)
        );
        assert_eq!(
            format_hint(Some("text/markdown"), u, b"# A"),
            Some(Markdown)
        );
        assert_eq!(format_hint(Some("text/plain"), u, b"Privacy"), Some(Text));
    }

    #[test]
    fn sniffing_beats_lying_servers() {
        let u = "https://x.test/privacy";
        assert_eq!(
            format_hint(Some("text/plain"), u, b"\n  <!DOCTYPE html><html>"),
            Some(Html)
        );
        assert_eq!(
            format_hint(Some("text/plain"), u, b"\xEF\xBB\xBF<html>"),
            Some(Html)
        );
        assert_eq!(format_hint(Some("text/html"), u, b"%PDF-1.7\n"), Some(Pdf));
        assert_eq!(
            format_hint(Some("application/octet-stream"), u, b"%PDF-1.4"),
            Some(Pdf)
        );
        assert_eq!(format_hint(None, u, b"<html><body>"), Some(Html));
        assert_eq!(format_hint(None, u, b"Plain words"), None);
    }

    #[test]
    fn by_url_extension() {
        assert_eq!(
            format_hint(None, "file:///srv/p/policy.md", b"# A"),
            Some(Markdown)
        );
        assert_eq!(
            format_hint(None, "file:///srv/p/policy.TXT", b"A"),
            Some(Text)
        );
        assert_eq!(
            format_hint(None, "https://x.test/terms.pdf?v=2#p", b"x"),
            Some(Pdf)
        );
        assert_eq!(
            format_hint(Some("text/plain"), "https://x.test/README.md", b"# A"),
            Some(Markdown)
        );
        assert_eq!(
            format_hint(
                Some("application/octet-stream"),
                "https://x.test/a.htm",
                b"x"
            ),
            Some(Html)
        );
        assert_eq!(format_hint(None, "https://x.test/v1.2/privacy", b"x"), None);
    }

    #[test]
    fn parse_options_keep_forced_format_and_pass_charset() {
        let base = ParseOptions {
            select: Some("main".into()),
            ..Default::default()
        };
        let o = parse_options(
            &base,
            Some("text/html; charset=iso-8859-1"),
            "https://x.test/",
            b"<p>",
        );
        assert_eq!(o.format, Some(Html));
        assert_eq!(
            o.content_type.as_deref(),
            Some("text/html; charset=iso-8859-1")
        );
        assert_eq!(o.select.as_deref(), Some("main"));
        let forced = ParseOptions {
            format: Some(Text),
            ..Default::default()
        };
        assert_eq!(
            parse_options(&forced, Some("text/html"), "", b"<html>").format,
            Some(Text)
        );
    }

    #[test]
    fn file_content_types() {
        use std::path::Path;
        assert_eq!(
            content_type_for_path(Path::new("/a/b.HTML")),
            Some("text/html")
        );
        assert_eq!(
            content_type_for_path(Path::new("/a/b.md")),
            Some("text/markdown")
        );
        assert_eq!(
            content_type_for_path(Path::new("/a/b.pdf")),
            Some("application/pdf")
        );
        assert_eq!(content_type_for_path(Path::new("/a/b")), None);
    }

    proptest::proptest! {
        #[test]
        fn pdf_magic_always_wins(ct in proptest::option::of(".{0,40}"), url in ".{0,60}", tail in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let mut bytes = b"%PDF-1.7".to_vec();
            bytes.extend(tail);
            proptest::prop_assert_eq!(format_hint(ct.as_deref(), &url, &bytes), Some(Pdf));
        }

        #[test]
        fn never_panics(ct in proptest::option::of(".{0,40}"), url in ".{0,60}", bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = format_hint(ct.as_deref(), &url, &bytes);
        }
    }
}
