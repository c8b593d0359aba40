//! Guards against false versions: a bot wall, an empty page or a page that
//! suddenly lost most of its text must not be recorded as a new version of
//! a policy. Pure functions over what was fetched and extracted.

/// Thresholds of the guards.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardOptions {
    /// Fewer words than this in the extracted document is a failed check.
    pub min_words: usize,
    /// A document with fewer than `shrink_threshold × last good word count`
    /// words is suspicious (0.5 = "lost half its text").
    pub shrink_threshold: f64,
    /// Generic phrases such as "access denied" only count as a bot wall on a
    /// page shorter than this (a real policy may well say "access denied").
    pub bot_wall_max_words: usize,
}

impl Default for GuardOptions {
    fn default() -> Self {
        GuardOptions {
            min_words: 30,
            shrink_threshold: 0.5,
            bot_wall_max_words: 150,
        }
    }
}

/// The verdict on one fetched page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// Looks like a real version of the document.
    Ok,
    /// A bot wall, captcha or "access denied" page; the reason names the marker.
    BotWall(String),
    /// Too few words to be the document.
    TooSmall {
        /// Words in the extracted document.
        words: usize,
        /// The configured minimum.
        min_words: usize,
    },
    /// Much shorter than the last good version.
    Shrunk {
        /// Words in the last good version.
        old_words: usize,
        /// Words in this one.
        new_words: usize,
    },
}

impl Guard {
    /// Whether the page may be recorded as a version.
    pub fn is_ok(&self) -> bool {
        matches!(self, Guard::Ok)
    }

    /// A one-line explanation for `check` output and the `checks` table.
    pub fn describe(&self) -> String {
        match self {
            Guard::Ok => "ok".into(),
            Guard::BotWall(reason) => format!(
                "bot wall ({reason}): the site blocks automated clients; set `headers` or a `user_agent` for this source"
            ),
            Guard::TooSmall { words, min_words } => format!(
                "only {words} words (minimum {min_words}); the page is empty or not the document: check the URL or the `select` selector"
            ),
            Guard::Shrunk {
                old_words,
                new_words,
            } => format!(
                "text shrank from {old_words} to {new_words} words; not recorded as a version until it is confirmed"
            ),
        }
    }
}

/// Classify a fetched page.
///
/// - `status`: the HTTP status (200 for `file://`);
/// - `raw`: the raw body as text (lossy UTF-8 is fine: markers are ASCII or
///   common Latin words);
/// - `words`: words in the extracted document (`Document::word_count` or
///   [`crate::model::count_words`]);
/// - `last_good_words`: words in the last good version, if any.
pub fn check_body(
    status: u16,
    raw: &str,
    words: usize,
    last_good_words: Option<usize>,
    opts: &GuardOptions,
) -> Guard {
    if let Some(reason) = detect_bot_wall(status, raw, words, opts.bot_wall_max_words) {
        return Guard::BotWall(reason);
    }
    if words < opts.min_words {
        return Guard::TooSmall {
            words,
            min_words: opts.min_words,
        };
    }
    if let Some(old) = last_good_words
        && old > 0
        && (words as f64) < opts.shrink_threshold * old as f64
    {
        return Guard::Shrunk {
            old_words: old,
            new_words: words,
        };
    }
    Guard::Ok
}

/// Markers that only appear on block or challenge pages: trusted whatever
/// the page length.
const STRONG: &[(&str, &str)] = &[
    ("_cf_chl_opt", "Cloudflare challenge"),
    ("cf-browser-verification", "Cloudflare challenge"),
    ("cf-challenge-running", "Cloudflare challenge"),
    ("captcha-delivery.com", "DataDome captcha"),
    ("px-captcha", "PerimeterX captcha"),
    ("access to this page has been denied", "PerimeterX block"),
    ("errors.edgesuite.net", "Akamai access denied"),
    ("incapsula incident id", "Imperva/Incapsula block"),
    ("_incapsula_resource", "Imperva/Incapsula block"),
    ("sucuri website firewall", "Sucuri firewall"),
    ("awswafcookiedomainlist", "AWS WAF challenge"),
];

/// Page titles of block pages.
const TITLES: &[(&str, &str)] = &[
    ("just a moment", "Cloudflare \"Just a moment...\""),
    ("attention required", "Cloudflare \"Attention Required\""),
    ("access denied", "\"Access Denied\" page"),
    ("are you a robot", "robot check"),
    ("robot check", "robot check"),
    ("captcha", "captcha"),
    ("security check", "security check"),
    ("pardon our interruption", "Imperva/Distil block"),
    ("you have been blocked", "block page"),
    ("request rejected", "block page"),
    ("403 forbidden", "\"403 Forbidden\" page"),
    ("human verification", "captcha"),
    ("zugriff verweigert", "\"Access Denied\" page"),
    ("accès refusé", "\"Access Denied\" page"),
    ("acceso denegado", "\"Access Denied\" page"),
    ("accesso negato", "\"Access Denied\" page"),
    ("toegang geweigerd", "\"Access Denied\" page"),
    ("acesso negado", "\"Access Denied\" page"),
];

/// Phrases that are suspicious only on a short page or an error status.
const WEAK: &[(&str, &str)] = &[
    ("access denied", "\"Access Denied\""),
    (
        "please enable javascript and cookies",
        "JavaScript/cookie wall",
    ),
    (
        "enable javascript and cookies to continue",
        "JavaScript/cookie wall",
    ),
    ("checking your browser", "browser check"),
    (
        "checking if the site connection is secure",
        "Cloudflare challenge",
    ),
    ("are you a robot", "robot check"),
    ("verify you are human", "captcha"),
    ("verify that you are human", "captcha"),
    ("verifying you are human", "captcha"),
    ("complete the captcha", "captcha"),
    ("solve the captcha", "captcha"),
    ("press & hold", "PerimeterX captcha"),
    ("unusual traffic", "rate-limit wall"),
    ("you have been blocked", "block page"),
    ("request blocked", "block page"),
    ("you don't have permission to access", "\"Access Denied\""),
    ("zugriff verweigert", "\"Access Denied\" (de)"),
    ("sind sie ein roboter", "robot check (de)"),
    ("bitte aktivieren sie javascript", "JavaScript wall (de)"),
    ("accès refusé", "\"Access Denied\" (fr)"),
    ("êtes-vous un robot", "robot check (fr)"),
    ("acceso denegado", "\"Access Denied\" (es)"),
    ("eres un robot", "robot check (es)"),
    ("accesso negato", "\"Access Denied\" (it)"),
    ("sei un robot", "robot check (it)"),
    ("toegang geweigerd", "\"Access Denied\" (nl)"),
    ("acesso negado", "\"Access Denied\" (pt)"),
    ("åtkomst nekad", "\"Access Denied\" (sv)"),
];

/// Find a bot-wall marker in a page. `words` is the extracted word count;
/// generic phrases count only below `max_words` or with an error status,
/// because policies legitimately talk about access, robots and captchas.
pub fn detect_bot_wall(status: u16, raw: &str, words: usize, max_words: usize) -> Option<String> {
    // Block pages are small; a marker deep inside a large document is
    // content (or an inline script), and scanning it all would cost time.
    let head = prefix(raw, 256 * 1024);
    let text = squash(head);
    if let Some((_, why)) = STRONG.iter().find(|(m, _)| text.contains(m)) {
        return Some((*why).to_string());
    }
    if let Some(title) = title(&text)
        && let Some((_, why)) = TITLES.iter().find(|(m, _)| title.starts_with(m))
    {
        return Some((*why).to_string());
    }
    let suspicious_status = matches!(status, 401 | 403 | 429 | 503);
    if (suspicious_status || words < max_words)
        && let Some((_, why)) = WEAK.iter().find(|(m, _)| text.contains(m))
    {
        return Some((*why).to_string());
    }
    None
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Lowercase, with runs of whitespace made one space and the common
/// apostrophe and ellipsis variants folded, so phrases match across markup
/// line breaks and typography.
fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        match c {
            '\u{2019}' | '\u{2018}' => out.push('\''),
            '\u{2026}' => out.push_str("..."),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The trimmed content of the first `<title>` element.
fn title(lower: &str) -> Option<&str> {
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    Some(lower[open_end..close].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> GuardOptions {
        GuardOptions::default()
    }

    fn policy(words: usize) -> String {
        let mut s = String::from(
            "<html><head><title>Privacy Policy</title></head><body><h1>Privacy Policy</h1><p>",
        );
        for i in 0..words {
            s.push_str(if i % 7 == 0 { "data " } else { "we " });
        }
        s.push_str("</p></body></html>");
        s
    }

    #[test]
    fn cloudflare_challenge_is_a_bot_wall() {
        let page = "<!DOCTYPE html><html><head><title>Just a moment...</title></head>\
            <body><noscript>Enable JavaScript and cookies to continue</noscript>\
            <script>window._cf_chl_opt={cvId:'3'}</script></body></html>";
        let g = check_body(403, page, 6, Some(2000), &opts());
        assert_eq!(g, Guard::BotWall("Cloudflare challenge".into()));
        assert!(g.describe().contains("user_agent"));
    }

    #[test]
    fn title_alone_identifies_block_pages() {
        for (t, want) in [
            (
                "Attention Required! | Cloudflare",
                "Cloudflare \"Attention Required\"",
            ),
            ("Access Denied", "\"Access Denied\" page"),
            ("Zugriff verweigert", "\"Access Denied\" page"),
            ("Are you a robot?", "robot check"),
        ] {
            let page = format!("<html><head><title>\n  {t}\n</title></head><body></body></html>");
            assert_eq!(
                detect_bot_wall(200, &page, 0, 150).as_deref(),
                Some(want),
                "{t}"
            );
        }
    }

    #[test]
    fn vendor_markers() {
        let dd = r#"<html><script src="https://ct.captcha-delivery.com/c.js"></script></html>"#;
        assert_eq!(
            detect_bot_wall(403, dd, 0, 150).as_deref(),
            Some("DataDome captcha")
        );
        let px = r#"<div id="px-captcha"></div><p>Press &amp; Hold to confirm you are a human</p>"#;
        assert_eq!(
            detect_bot_wall(403, px, 8, 150).as_deref(),
            Some("PerimeterX captcha")
        );
        let akamai = "<HTML><HEAD><TITLE>Forbidden</TITLE></HEAD><BODY>You don't have permission to access \
            \"http://www.example.com/privacy\" on this server.<P>Reference #18.1 \
            <P>https://errors.edgesuite.net/18.1</BODY></HTML>";
        assert_eq!(
            detect_bot_wall(403, akamai, 15, 150).as_deref(),
            Some("Akamai access denied")
        );
    }

    #[test]
    fn weak_phrases_need_a_short_page_or_error_status() {
        let short = "<html><body><p>Please verify you are human to continue.</p></body></html>";
        assert_eq!(
            detect_bot_wall(200, short, 8, 150).as_deref(),
            Some("captcha")
        );
        let mut long = policy(2000);
        long.push_str("<p>Access denied to personal data is logged.</p>");
        assert_eq!(detect_bot_wall(200, &long, 2008, 150), None);
        assert!(detect_bot_wall(403, &long, 2008, 150).is_some());
    }

    #[test]
    fn typography_and_languages() {
        let s = "<p>You don\u{2019}t have permission to access this resource.</p>";
        assert!(detect_bot_wall(200, s, 9, 150).is_some());
        let fr = "<p>Accès   refusé</p>";
        assert_eq!(
            detect_bot_wall(200, fr, 2, 150).as_deref(),
            Some("\"Access Denied\" (fr)")
        );
    }

    #[test]
    fn policies_that_mention_captchas_are_ok() {
        let mut p = policy(500);
        p.push_str("<p>We use Google reCAPTCHA to protect forms; it may check your browser.</p>");
        assert_eq!(check_body(200, &p, 512, Some(500), &opts()), Guard::Ok);
    }

    #[test]
    fn too_small_and_shrunk() {
        let o = opts();
        assert_eq!(
            check_body(200, "<p>Hello</p>", 1, None, &o),
            Guard::TooSmall {
                words: 1,
                min_words: 30
            }
        );
        let p = policy(400);
        assert_eq!(
            check_body(200, &p, 400, Some(1000), &o),
            Guard::Shrunk {
                old_words: 1000,
                new_words: 400
            }
        );
        assert_eq!(check_body(200, &p, 400, Some(700), &o), Guard::Ok);
        assert_eq!(check_body(200, &p, 400, None, &o), Guard::Ok);
        assert_eq!(check_body(200, &p, 400, Some(0), &o), Guard::Ok);
        // growth is never suspicious
        assert_eq!(check_body(200, &p, 4000, Some(400), &o), Guard::Ok);
    }

    #[test]
    fn bot_wall_wins_over_size_checks() {
        let g = check_body(
            200,
            "<title>Just a moment...</title>",
            0,
            Some(900),
            &opts(),
        );
        assert!(matches!(g, Guard::BotWall(_)));
    }

    #[test]
    fn unicode_cut_is_safe() {
        let s = "é".repeat(200_000);
        assert_eq!(detect_bot_wall(200, &s, 1, 150), None);
    }

    proptest::proptest! {
        #[test]
        fn any_input_is_classified_without_panicking(
            raw in ".{0,400}",
            status in 100u16..600,
            words in 0usize..5000,
            last in proptest::option::of(0usize..5000),
        ) {
            let o = opts();
            let g = check_body(status, &raw, words, last, &o);
            // The size guards follow their definitions exactly.
            match g {
                Guard::TooSmall { words: w, .. } => proptest::prop_assert!(w < o.min_words),
                Guard::Shrunk { old_words, new_words } => {
                    proptest::prop_assert!((new_words as f64) < o.shrink_threshold * old_words as f64)
                }
                Guard::Ok => proptest::prop_assert!(words >= o.min_words),
                Guard::BotWall(r) => proptest::prop_assert!(!r.is_empty()),
            }
        }
    }
}
