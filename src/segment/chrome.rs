//! Page chrome: menus, language pickers, buttons, cookie banners, tables of
//! contents, bylines and footers that scraped pages carry around the policy.
//!
//! Two kinds of evidence are combined. Structural: where the policy starts
//! (a title line with a policy word, or the first prose) and ends (a
//! copyright line, a comment widget, a long run of menu-like lines with
//! hardly any prose after it). Lexical: small data lists of button labels,
//! language names and contents labels. Chrome is kept by the caller, never
//! diffed.

use std::sync::LazyLock;

use regex::Regex;

use super::features::{
    LineInfo, ends_terminal, is_address, is_bare_numbering, is_heading_shaped, words_capped,
};
use crate::normalize::heading_key;

/// Words that mark a line as the title of a policy, in the languages we
/// cover. Matched against the lower-cased line as substrings, so "policy"
/// also finds "Integritetspolicy".
const POLICY_WORDS: &[&str] = &[
    "privacy",
    "policy",
    "policies",
    "terms of",
    "terms and",
    "notice",
    "cookie",
    "datenschutz",
    "nutzungsbedingungen",
    "integritet",
    "personuppgift",
    "villkor",
    "confidentialité",
    "politique",
    "conditions",
    "privacidad",
    "privacidade",
    "política",
    "términos",
    "riservatezza",
    "informativa",
    "privacybeleid",
    "voorwaarden",
];

/// Phrases that make a line the policy's title beyond doubt; tried before
/// the single [`POLICY_WORDS`], so a "Privacy" link in a top menu does not
/// win over the real "Privacy Policy" title below it.
const TITLE_PHRASES: &[&str] = &[
    "privacy policy",
    "privacy notice",
    "privacy statement",
    "cookie policy",
    "cookie notice",
    "terms of service",
    "terms of use",
    "terms and conditions",
    "integritetspolicy",
    "dataskyddspolicy",
    "personuppgiftspolicy",
    "användarvillkor",
    "datenschutzerklärung",
    "datenschutzhinweis",
    "datenschutzrichtlinie",
    "politique de confidentialité",
    "politique de protection",
    "conditions générales",
    "política de privacidad",
    "política de privacidade",
    "aviso de privacidad",
    "informativa sulla privacy",
    "privacybeleid",
    "privacyverklaring",
];

/// Button and widget labels that are never policy text when they make up a
/// whole line (compared by heading key).
const BUTTON_LABELS: &[&str] = &[
    "free download",
    "download now",
    "buy now",
    "got it",
    "accept",
    "accept all",
    "reject all",
    "ok",
    "manage cookie settings",
    "cookie settings",
    "manage cookies",
    "leave a comment",
    "leave a reply",
    "newer comments",
    "older comments",
    "newer posts",
    "older posts",
    "share this",
    "print this page",
    "back to top",
    "skip to content",
    "skip to main content",
    "read more",
    "follow us",
    "toggle navigation",
    "navigation",
    "navigering",
    "menu",
    "search",
    "subscribe",
];

/// Lines that end the policy when they appear after it (footers, comment
/// widgets). Compared as lower-case prefixes or whole keys.
const END_MARKERS: &[&str] = &[
    "newer comments",
    "older comments",
    "leave a comment",
    "leave a reply",
    "related posts",
    "related articles",
    "share this",
];

/// Labels that open a table of contents.
const CONTENTS_LABELS: &[&str] = &[
    "contents",
    "table of contents",
    "on this page",
    "in this article",
    "jump to",
    "inhalt",
    "inhaltsverzeichnis",
    "sommaire",
    "table des matières",
    "innehåll",
    "innehållsförteckning",
    "índice",
    "indice",
    "contenido",
    "inhoud",
    "inhoudsopgave",
    "sumário",
];

/// Language names as language pickers show them (endonyms, lower case).
const LANGUAGE_NAMES: &[&str] = &[
    "english",
    "deutsch",
    "français",
    "francais",
    "español",
    "espanol",
    "italiano",
    "português",
    "portugues",
    "nederlands",
    "svenska",
    "dansk",
    "norsk",
    "suomi",
    "polski",
    "čeština",
    "türkçe",
    "русский",
    "українська",
    "ελληνικά",
    "العربية",
    "עברית",
    "日本語",
    "中文",
    "简体中文",
    "繁體中文",
    "한국어",
    "ไทย",
    "bahasa indonesia",
    "tiếng việt",
];

/// A cookie-consent banner line, recognised by how such banners open:
/// "By using|continuing|browsing|clicking … cookie(s)", "This|Our (web)site
/// uses cookies", "We use cookies to give|ensure|improve|provide you".
///
/// Read by hand, not with a regex: this runs on every line holding "ookie",
/// and a case-insensitive Unicode regex costs more to build (a few hundred
/// microseconds and as many page faults) than a small diff costs to run.
fn is_cookie_banner(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("by ") {
        return ["using", "continuing", "browsing", "clicking"]
            .iter()
            .filter_map(|verb| rest.strip_prefix(verb))
            .any(|after| !starts_with_word(after) && has_cookie_word(after));
    }
    if let Some(rest) = lower
        .strip_prefix("this ")
        .or_else(|| lower.strip_prefix("our "))
    {
        let rest = rest
            .strip_prefix("web")
            .map_or(rest, |r| r.strip_prefix(' ').unwrap_or(r));
        return rest.starts_with("site uses cookies");
    }
    lower
        .strip_prefix("we use cookies to ")
        .is_some_and(|rest| {
            ["give", "ensure", "improve", "provide"].iter().any(|verb| {
                rest.strip_prefix(verb)
                    .is_some_and(|r| r.starts_with(" you"))
            })
        })
}

fn starts_with_word(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(regex_syntax::is_word_character)
}

fn ends_with_word(text: &str) -> bool {
    text.chars()
        .next_back()
        .is_some_and(regex_syntax::is_word_character)
}

/// Whether `text` holds "cookie" or "cookies" as a whole word.
fn has_cookie_word(text: &str) -> bool {
    text.match_indices("cookie").any(|(i, w)| {
        let rest = &text[i + w.len()..];
        !ends_with_word(&text[..i])
            && (!starts_with_word(rest)
                || rest.strip_prefix('s').is_some_and(|r| !starts_with_word(r)))
    })
}

static COPYRIGHT: LazyLock<Regex> = LazyLock::new(|| {
    // ASCII case and classes (`-u`): the Unicode tables would make this the
    // costliest thing a small diff builds.
    Regex::new(r"(?i-u)(^|\s)(©|\(c\)|copyright\s+(©|\d{4}))|all rights reserved").unwrap()
});

static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    // A labelled byline anywhere ("… • Filed to: Support"), or a line that
    // opens with one ("Written by Disqus"); prose like "changes are posted
    // on this page" must not match. ASCII case and boundaries (`-u`), like
    // COPYRIGHT: the words are English.
    Regex::new(
        r"(?i-u)\b(filed (to|under)|posted (in|on|by)):|^(posted|written|published) (by|on|in)\b",
    )
    .unwrap()
});

/// Whether [`BYLINE`] can match: each of its matches holds one of these
/// words and a space, in any ASCII case. Most lines have no byline, and this
/// is cheaper than the regex.
fn may_be_byline(text: &str) -> bool {
    const WORDS: [&[u8]; 4] = [b"filed ", b"posted ", b"written ", b"published "];
    let bytes = text.as_bytes();
    WORDS.iter().any(|w| {
        bytes
            .windows(w.len())
            .any(|win| win.eq_ignore_ascii_case(w))
    })
}

/// Is this line a language name, or a picker listing several on one line?
fn language_names(text: &str) -> usize {
    if words_capped(text, 12) > 12 {
        return 0;
    }
    let lower = text.to_lowercase();
    let trimmed = lower.trim();
    if LANGUAGE_NAMES.contains(&trimmed) {
        return 1;
    }
    let parts: Vec<&str> = trimmed
        .split(['/', '|', ',', '·', '-'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() >= 2 && parts.iter().all(|p| LANGUAGE_NAMES.contains(p)) {
        parts.len()
    } else {
        0
    }
}

/// A title of the policy: short, unpunctuated, carrying a policy word, and
/// not a breadcrumb or a URL.
#[cfg(test)]
pub(crate) fn is_policy_title(text: &str) -> bool {
    title_strength(text) > 0
}

/// 2 for a title phrase ("Privacy Policy"), 1 for a policy word alone
/// ("Private Privacy"), 0 for no title.
fn title_strength(text: &str) -> u8 {
    if !is_title_shaped(text) {
        return 0;
    }
    let lower = text.to_lowercase();
    if TITLE_PHRASES.iter().any(|w| lower.contains(w)) {
        2
    } else if POLICY_WORDS.iter().any(|w| lower.contains(w)) {
        1
    } else {
        0
    }
}

fn is_title_shaped(text: &str) -> bool {
    if words_capped(text, 8) > 8 || !is_heading_shaped(text) || is_address(text) {
        return false;
    }
    if text.contains(" / ") || text.contains('|') || text.contains('›') || text.contains(" > ") {
        return false;
    }
    true
}

/// Single-line chrome that can appear anywhere, even inside the policy.
pub(crate) fn is_line_chrome(text: &str) -> bool {
    is_line_chrome_counted(text, words_capped(text, 60))
}

/// [`is_line_chrome`] with the line's word count already known.
fn is_line_chrome_counted(text: &str, w: usize) -> bool {
    // Cheap guards first: this runs on every line of every document.
    if w <= 4 && BUTTON_LABELS.contains(&heading_key(text).as_str()) {
        return true;
    }
    if w <= 60 && text.contains("ookie") && is_cookie_banner(text) {
        return true;
    }
    if w > 12 {
        return false;
    }
    if language_names(text) >= 2 || may_be_byline(text) && BYLINE.is_match(text) {
        return true;
    }
    // Breadcrumbs: "Home / Support / Private Privacy".
    text.get(..4)
        .is_some_and(|h| h.eq_ignore_ascii_case("home"))
        && (text.contains('/') || text.contains('›') || text.contains('»'))
}

/// Is this line a table-of-contents label?
pub(crate) fn is_contents_label(text: &str) -> bool {
    words_capped(text, 4) <= 4 && CONTENTS_LABELS.contains(&heading_key(text).as_str())
}

fn is_end_marker(text: &str, w: usize) -> bool {
    if w > 20 {
        return false;
    }
    (w <= 4 && {
        let key = heading_key(text);
        END_MARKERS.iter().any(|m| key.starts_with(m))
    }) || ((text.contains('©')
        || text.contains("opyright")
        || text.contains("(c)")
        || text.contains("(C)")
        || text.contains("eserved"))
        && COPYRIGHT.is_match(text))
}

/// Where the policy lies in a sequence of plain-text lines, and which lines
/// inside it are chrome.
#[derive(Debug)]
pub(crate) struct Region {
    /// First line of the policy.
    pub start: usize,
    /// Whether `start` is the policy's title line.
    pub titled: bool,
    /// Per line: chrome (true) or policy text.
    pub chrome: Vec<bool>,
}

/// Minimum run of menu-like lines that counts as a menu.
const MENU_RUN: usize = 8;
/// How far after a title candidate prose must appear for it to be the
/// policy's title rather than a link in a menu.
const TITLE_WINDOW: usize = 80;

/// Find the policy in plain-text lines and mark the chrome.
pub(crate) fn find_region(lines: &[&str], info: &[LineInfo]) -> Region {
    let n = lines.len();
    let body: Vec<bool> = info.iter().map(|l| l.body).collect();
    let line_chrome: Vec<bool> = lines
        .iter()
        .zip(info)
        .map(|(l, i)| is_line_chrome_counted(l, i.words))
        .collect();
    // Prefix sums of body-like lines make every "how much prose after here"
    // question O(1), keeping the whole pass linear.
    let mut body_before = vec![0usize; n + 1];
    for i in 0..n {
        body_before[i + 1] = body_before[i] + usize::from(body[i] && !line_chrome[i]);
    }
    let body_between = |a: usize, b: usize| body_before[b] - body_before[a];

    let (start, titled) = find_start(lines, info, &body, &line_chrome, &body_between);
    let end = find_end(lines, info, start, titled, &body_between);

    let mut chrome = vec![false; n];
    for (i, c) in chrome.iter_mut().enumerate() {
        *c = i < start || i >= end || line_chrome[i];
    }
    mark_contents(lines, info, start, end, &mut chrome);
    mark_language_runs(lines, info, start, end, &mut chrome);
    mark_repeats(lines, start, end, &mut chrome);
    mark_recurring(lines, info, start, end, &mut chrome);
    if titled && start < n {
        chrome[start] = false;
    }
    Region {
        start,
        titled,
        chrome,
    }
}

fn find_start(
    lines: &[&str],
    info: &[LineInfo],
    body: &[bool],
    line_chrome: &[bool],
    body_between: &dyn Fn(usize, usize) -> usize,
) -> (usize, bool) {
    let n = lines.len();
    // The title comes before the first prose; a later "Changes to this
    // Privacy Policy" is a section heading, not where the policy starts.
    let first_body = (0..n).find(|&i| body[i] && !line_chrome[i]).unwrap_or(n);
    // A text without one line of prose (a short notice, a stub) has no menu
    // to tell apart from the policy: a title is then taken as it is, and the
    // lines after it stay policy text rather than being skipped as a menu.
    let no_prose = first_body == n;
    for strength in [2, 1] {
        for i in 0..first_body {
            if !line_chrome[i]
                && title_strength(lines[i]) == strength
                && (no_prose || body_between(i + 1, (i + 1 + TITLE_WINDOW).min(n)) > 0)
            {
                return (i, true);
            }
        }
    }
    if no_prose {
        return ((0..n).find(|&i| !line_chrome[i]).unwrap_or(0), false);
    }
    // No title: skip the leading menu (short labels and chrome lines); a
    // short line that continues onto the next one is wrapped prose, not a
    // menu item. A heading-shaped line just above the start is kept.
    let first_text = (0..n)
        .find(|&i| {
            !line_chrome[i]
                && (!info[i].menu
                    || lines
                        .get(i + 1)
                        .is_some_and(|next| next.starts_with(char::is_lowercase)))
        })
        .unwrap_or(0);
    if first_text > 0 && is_heading_shaped(lines[first_text - 1]) && !line_chrome[first_text - 1] {
        (first_text - 1, false)
    } else {
        (first_text, false)
    }
}

fn find_end(
    lines: &[&str],
    info: &[LineInfo],
    start: usize,
    titled: bool,
    body_between: &dyn Fn(usize, usize) -> usize,
) -> usize {
    let n = lines.len();
    let from = if titled { start + 1 } else { start };
    // A footer marker ends the policy if little prose follows it.
    let marker =
        (from..n).find(|&i| is_end_marker(lines[i], info[i].words) && body_between(i + 1, n) <= 6);
    let limit = marker.unwrap_or(n);
    // A long menu run with hardly any prose between it and the footer is
    // the site's footer navigation.
    let mut run_start = from;
    let mut run = 0;
    let mut end = limit;
    for (i, line) in info.iter().enumerate().take(limit).skip(from) {
        if line.menu {
            if run == 0 {
                run_start = i;
            }
            run += 1;
            if run >= MENU_RUN && body_between(run_start, limit) <= 3 {
                end = run_start;
                break;
            }
        } else {
            run = 0;
        }
    }
    // A dangling unpunctuated line right before the footer (a newsletter
    // widget's label) belongs to the footer.
    if end < n && end > from + 1 {
        let prev = lines[end - 1];
        if !ends_terminal(prev) && !info[end - 1].body && !is_bare_numbering(prev) && end != limit {
            end -= 1;
        }
    }
    end.max(from.min(n))
}

/// A contents label and the short entries after it, up to the first
/// section number or prose.
fn mark_contents(lines: &[&str], info: &[LineInfo], start: usize, end: usize, chrome: &mut [bool]) {
    let mut i = start;
    while i < end {
        if !chrome[i] && info[i].words <= 4 && is_contents_label(lines[i]) {
            chrome[i] = true;
            let mut j = i + 1;
            while j < end {
                let l = lines[j];
                if is_bare_numbering(l) || info[j].body || ends_terminal(l) || info[j].words > 10 {
                    break;
                }
                chrome[j] = true;
                j += 1;
            }
            i = j;
        } else {
            i += 1;
        }
    }
}

/// Two or more consecutive language names form a picker.
fn mark_language_runs(
    lines: &[&str],
    info: &[LineInfo],
    start: usize,
    end: usize,
    chrome: &mut [bool],
) {
    let mut i = start;
    while i < end {
        let mut j = i;
        while j < end && info[j].words <= 12 && language_names(lines[j]) > 0 {
            j += 1;
        }
        if j - i >= 2 {
            chrome[i..j].iter_mut().for_each(|c| *c = true);
        }
        i = j.max(i + 1);
    }
}

/// The same short line repeated back to back ("Follow us" ×4, "Free
/// Download" ×3) is a widget, not prose.
fn mark_repeats(lines: &[&str], start: usize, end: usize, chrome: &mut [bool]) {
    for i in start.max(1)..end {
        if lines[i] == lines[i - 1] && words_capped(lines[i], 4) <= 4 {
            chrome[i] = true;
            chrome[i - 1] = true;
        }
    }
}

/// A short label that recurs across the page ("Privacy Policy" in the top
/// menu, inline and in the footer) is a link, unless prose follows it, as
/// prose follows a section heading that is also linked from a menu.
fn mark_recurring(
    lines: &[&str],
    info: &[LineInfo],
    start: usize,
    end: usize,
    chrome: &mut [bool],
) {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (line, i) in lines.iter().zip(info) {
        if i.menu {
            *counts.entry(line).or_default() += 1;
        }
    }
    for i in start..end {
        if info[i].menu
            && counts.get(lines[i]).is_some_and(|&c| c >= 3)
            && !info.get(i + 1).is_some_and(|next| next.body)
        {
            chrome[i] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_in_several_languages() {
        for t in [
            "Privacy Policy",
            "Integritetspolicy",
            "Politique de confidentialité",
            "Datenschutzerklärung",
            "Política de privacidad",
            "Private Privacy",
        ] {
            assert!(is_policy_title(t), "{t}");
        }
        for t in [
            "Home / Support/ Private Privacy",
            "http://www.izotope.com/en/privacy-policy.html",
            "By using this site you agree to cookies being used as set in our Cookie Policy.",
            "Navigering",
        ] {
            assert!(!is_policy_title(t), "{t}");
        }
    }

    #[test]
    fn single_line_chrome() {
        for t in [
            "Free Download",
            "Buy Now",
            "Newer Comments",
            "English / Deutsch / Français",
            "By using this site you agree to cookies being used as set in our Cookie Policy.",
            "Home / Support/ Private Privacy",
            "Patricia Rapatalo • Filed to: Support",
            "Written by Disqus",
            "Manage Cookie Settings",
        ] {
            assert!(is_line_chrome(t), "{t}");
        }
        for t in [
            "We use cookies on our website to remember your preferences.",
            "Google Analytics",
            "English is the binding language of this policy.",
            "Privacy Policy are effective when they are posted on this page.",
            "Cookies are grouped into four categories:",
        ] {
            assert!(!is_line_chrome(t), "{t}");
        }
    }

    /// The banner scanner agrees with the regex it replaced.
    #[test]
    fn cookie_banner_matches_its_reference_regex() {
        let reference = Regex::new(
            r"(?i)^(by (using|continuing|browsing|clicking)\b.*\bcookies?\b|(this|our) (web ?)?site uses cookies|we use cookies to (give|ensure|improve|provide) you)",
        )
        .unwrap();
        for t in [
            "By using this site you agree to cookies being used as set in our Cookie Policy.",
            "BY CLICKING ACCEPT YOU AGREE TO OUR USE OF COOKIES",
            "By continuing you accept cookies.",
            "By browsing, you accept our cookie policy",
            "By usingcookies",
            "By using this site you accept cookiesX",
            "By using this site you accept mycookies",
            "By using this site you accept cookie_jar",
            "By using this site you agree to cookies¹",
            "By clicking² you accept cookies",
            "By using this site you accept cookies\u{301}",
            "By clickingthis cookies",
            "by using the cookie",
            "By using our services you agree.",
            "This website uses cookies.",
            "Our web site uses cookies to work",
            "this site uses cookies",
            "Our websiteuses cookies",
            "This web  site uses cookies",
            "We use cookies to give you the best experience.",
            "We use cookies to provide you",
            "We use cookies to ensure",
            "We use cookies on our website to remember your preferences.",
            "Cookies are grouped into four categories:",
            "",
        ] {
            assert_eq!(is_cookie_banner(t), reference.is_match(t), "{t:?}");
        }
    }

    fn region(text: &str) -> (Vec<String>, Vec<String>) {
        let lines: Vec<&str> = text.lines().collect();
        let info: Vec<LineInfo> = lines.iter().map(|l| LineInfo::of(l)).collect();
        let r = find_region(&lines, &info);
        let mut kept = Vec::new();
        let mut chrome = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if r.chrome[i] {
                chrome.push(l.to_string());
            } else {
                kept.push(l.to_string());
            }
        }
        (kept, chrome)
    }

    #[test]
    fn start_at_title_after_menu_and_picker() {
        let text = "Features\nBackups\nEnglish\nDeutsch\nPrivacy Policy\nWe keep your data safe and never sell it to anyone.";
        let (kept, chrome) = region(text);
        assert_eq!(kept[0], "Privacy Policy");
        assert!(chrome.contains(&"Deutsch".to_string()));
    }

    #[test]
    fn short_text_without_prose_keeps_every_line() {
        // No line is long enough to be prose, so nothing can be told apart
        // as a menu: a wrapped "Effective January" / "1, 2020" stays policy.
        let text = "Privacy Policy\nEffective January\n1, 2020\nWe respect your privacy.";
        let (kept, chrome) = region(text);
        assert_eq!(kept.len(), 4, "chrome: {chrome:?}");
    }

    #[test]
    fn start_at_first_prose_without_title() {
        let text = "Home\nAbout\nData we hold\nWe keep your data safe and never sell it to anyone.";
        let (kept, _) = region(text);
        assert_eq!(
            kept,
            [
                "Data we hold",
                "We keep your data safe and never sell it to anyone."
            ]
        );
    }

    #[test]
    fn footer_menu_and_copyright_end_the_policy() {
        let mut text =
            String::from("Privacy Policy\nWe keep your data safe and never sell it to anyone.\n");
        for item in [
            "About", "Blog", "Careers", "Press", "Shop", "Deals", "Support", "Store", "Jobs",
        ] {
            text.push_str(item);
            text.push('\n');
        }
        text.push_str("© 2021 Example Inc.\n");
        let (kept, chrome) = region(&text);
        assert_eq!(kept.len(), 2);
        assert!(chrome.contains(&"© 2021 Example Inc.".to_string()));
    }

    #[test]
    fn short_lists_inside_the_policy_survive() {
        let text = "Privacy Policy\nWe collect the following data:\nName\nEmail\nPhone\nWe keep your data safe and never sell it to anyone.\nContact us if you have any questions about this policy.";
        let (kept, chrome) = region(text);
        assert!(chrome.is_empty(), "{chrome:?}");
        assert_eq!(kept.len(), 7);
    }

    #[test]
    fn contents_list_is_chrome() {
        let text = "Privacy Policy\nContents\nIntroduction\nCookies\n1.\nIntroduction\nWe keep your data safe and never sell it to anyone.";
        let (kept, chrome) = region(text);
        assert_eq!(chrome, ["Contents", "Introduction", "Cookies"]);
        assert_eq!(kept[1], "1.");
    }

    #[test]
    fn recurring_links_are_chrome_but_linked_headings_are_not() {
        let text = "Cookies\nPrivacy Policy\nPrivacy Policy\nWe keep your data safe and never sell it to anyone.\nPrivacy Policy\nOpting Out\nCookies\nWe use cookies to remember your choices on this site.\nCookies";
        let (kept, chrome) = region(text);
        assert!(kept.contains(&"Cookies".to_string()), "{kept:?}");
        assert!(
            !kept[1..].contains(&"Privacy Policy".to_string()),
            "{kept:?}"
        );
        assert!(chrome.contains(&"Privacy Policy".to_string()));
    }

    #[test]
    fn repeated_short_lines_are_chrome() {
        let text = "Privacy Policy\nWe keep your data safe and never sell it to anyone.\nFollow us\nFollow us\nWe keep your data safe and never sell it to anyone, really.";
        let (_, chrome) = region(text);
        assert_eq!(chrome, ["Follow us", "Follow us"]);
    }
}
