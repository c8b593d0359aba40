//! Parsers for the small value languages of the config file: durations,
//! byte sizes, schedules, slugs and terms types. Each returns a message that
//! says what was expected; the caller adds file, line and key.

use std::time::Duration;

/// Open Terms Archive's terms-type names, plus a few common extras.
/// Kept in OTA's spelling so a source list can be shared with OTA.
pub const TERMS_TYPES: &[&str] = &[
    "Privacy Policy",
    "Terms of Service",
    "Trackers Policy",
    "Cookie Policy",
    "Data Processing Agreement",
    "Data Processor Agreement",
    "Data Controller Agreement",
    "Subprocessors List",
    "Imprint",
    "Community Guidelines",
    "Acceptable Use Policy",
    "Developer Terms",
    "Commercial Terms",
    "Business Privacy Policy",
    "Copyright Claims Policy",
    "Law Enforcement Guidelines",
    "Deceased Users",
    "Restricted Use Policy",
    "Review Guidelines",
    "Seller Warranty",
    "Service Level Agreement",
    "Human Rights Policy",
    "In-App Purchases Policy",
    "Brand Guidelines",
    "Quality Guidelines",
    "Closed Captioning Policy",
    "Live Policy",
    "Editorial Policy",
    "Vulnerability Disclosure Policy",
    "Security Policy",
    "AI Policy",
    "Copyright Policy",
    "Trademark Policy",
    "Parental Controls Policy",
];

/// When the watch daemon checks a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// A cron expression with 5 fields (minute precision) or 6 (seconds
    /// first), as tokio-cron-scheduler reads it. Evaluated in UTC.
    Cron(String),
    /// A fixed interval, e.g. `every = "6h"`.
    Every(Duration),
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedule::Cron(c) => f.write_str(c),
            Schedule::Every(d) => write!(f, "every {}", format_duration(*d)),
        }
    }
}

/// Parses `"500ms"`, `"10s"`, `"5m"`, `"6h"`, `"2d"` (also `"1h30m"`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let expected = || {
        format!(
            "expected a duration such as \"500ms\", \"10s\", \"5m\", \"6h\" or \"2d\", found {text:?}"
        )
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(expected());
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(expected());
        }
        let n: u128 = rest[..digits].parse().map_err(|_| expected())?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit_ms: u128 = match &rest[..unit_len] {
            "ms" => 1,
            "s" | "sec" | "secs" => 1_000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hour" | "hours" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            "w" | "week" | "weeks" => 7 * 86_400_000,
            _ => return Err(expected()),
        };
        rest = rest[unit_len..].trim_start();
        total = total.saturating_add(n.saturating_mul(unit_ms));
    }
    let ms = u64::try_from(total).map_err(|_| expected())?;
    Ok(Duration::from_millis(ms))
}

/// Writes a duration the way the config accepts it (`"6h"`, `"1500ms"`).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    for (unit, size) in [
        ("d", 86_400_000u128),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms >= size && ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// Parses a byte size: `"512KB"`, `"10MB"`, `"1GB"` (binary multiples:
/// 1 KB = 1024 bytes, as `KiB`), `"300B"`, or a bare number of bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let expected = || {
        format!("expected a size such as \"512KB\", \"10MB\" or a number of bytes, found {text:?}")
    };
    let s = text.trim();
    let digits = s.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return Err(expected());
    }
    let n: u64 = s[..digits].parse().map_err(|_| expected())?;
    let mult: u64 = match s[digits..].trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(expected()),
    };
    n.checked_mul(mult).ok_or_else(expected)
}

/// Parses a schedule string: a cron expression of 5 or 6 fields, or
/// `"every 6h"` / `"@every 6h"`.
pub fn parse_schedule(text: &str) -> Result<Schedule, String> {
    let s = text.trim();
    let every = s
        .strip_prefix("@every")
        .or_else(|| s.strip_prefix("every"))
        .map(str::trim);
    if let Some(interval) = every {
        return parse_every(interval);
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if !(5..=6).contains(&fields.len()) {
        return Err(format!(
            "expected a cron expression with 5 fields (\"0 */6 * * *\") or 6 with seconds first (\"*/2 * * * * *\"), or \"every 6h\"; found {} field(s) in {text:?}",
            fields.len()
        ));
    }
    for field in &fields {
        let ok = field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '/' | ',' | '-' | '?' | '#'));
        if !ok {
            return Err(format!(
                "cron field {field:?} in {text:?} has a character cron does not use; fields take digits, names, and * / , - ? #"
            ));
        }
    }
    let expr = fields.join(" ");
    crate::schedule::parse_cron(&expr)?;
    Ok(Schedule::Cron(expr))
}

/// Parses the interval of `every = "6h"`; it must be at least one second.
pub fn parse_every(text: &str) -> Result<Schedule, String> {
    let d = parse_duration(text)?;
    if d < Duration::from_secs(1) {
        return Err(format!(
            "interval {text:?} is too short; use at least \"1s\""
        ));
    }
    Ok(Schedule::Every(d))
}

/// The placeholders of `[store] diff_url`.
pub const DIFF_URL_PLACEHOLDERS: &[&str] = &["source", "old", "new", "old_seq", "new_seq"];

/// Checks a `[store] diff_url` template: an http(s) URL whose `{…}`
/// placeholders are all known, so a typo fails at load, not in an alert.
pub fn check_diff_url(template: &str) -> Result<(), String> {
    if !(template.starts_with("https://") || template.starts_with("http://")) {
        return Err(format!(
            "expected an http(s) URL template such as \"https://git.example/policies/compare/{{old}}...{{new}}\", found {template:?}"
        ));
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed {{ in {template:?}"))?;
        let name = &after[..close];
        if !DIFF_URL_PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{name}}} in {template:?}; expected {}",
                DIFF_URL_PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// Fills a checked `diff_url` template.
pub fn fill_diff_url(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_string(), |url, (name, value)| {
            url.replace(&format!("{{{name}}}"), value)
        })
}

/// Checks a source id: it becomes a directory name in the store, so it is a
/// slug `[a-z0-9][a-z0-9-_]{0,63}` without `..`.
pub fn check_slug(id: &str) -> Result<(), String> {
    let mut chars = id.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !first_ok || !rest_ok || id.len() > 64 || id.contains("..") {
        return Err(format!(
            "invalid id {id:?}: expected a slug of 1 to 64 characters a-z, 0-9, '-' and '_', starting with a letter or digit (it becomes a folder name in the store), e.g. \"acme-privacy\""
        ));
    }
    Ok(())
}

/// Checks a terms type against [`TERMS_TYPES`] (case-insensitively) and
/// returns its canonical spelling.
pub fn check_terms_type(t: &str) -> Result<&'static str, String> {
    TERMS_TYPES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(t.trim()))
        .copied()
        .ok_or_else(|| {
            format!(
                "unknown document type {t:?}; expected one of {}",
                TERMS_TYPES
                    .iter()
                    .map(|t| format!("\"{t}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// Checks an HTTP header name (an RFC 9110 token) and value (no line breaks).
pub fn check_header(name: &str, value: &str) -> Result<(), String> {
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(format!(
            "invalid header name {name:?}: expected letters, digits and - (e.g. \"Accept-Language\")"
        ));
    }
    if value.contains(['\r', '\n']) {
        return Err(format!(
            "header {name:?} has a line break in its value; remove it"
        ));
    }
    Ok(())
}

/// Checks a kind glob of a webhook filter (`retention.*`, `*.removed`).
pub fn check_kind_glob(glob: &str) -> Result<(), String> {
    let ok = !glob.is_empty()
        && glob.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '*' | '?')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid event kind pattern {glob:?}: expected a kind such as \"retention.changed\" or a glob such as \"retention.*\""
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(2 * 86400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        for bad in ["", "10", "s", "10x", "-1s", "1.5h"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("expected a duration"), "{bad}: {e}");
        }
        assert_eq!(format_duration(Duration::from_secs(6 * 3600)), "6h");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512KB"), Ok(512 * 1024));
        assert_eq!(parse_size("10MB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("300"), Ok(300));
        assert!(parse_size("ten MB").is_err());
        assert!(parse_size("10TB").is_err());
        assert!(parse_size("99999999999999GB").is_err());
    }

    #[test]
    fn diff_url_templates() {
        let t = "https://git.example/p/compare/{old}...{new}?s={source}&n={new_seq}";
        assert_eq!(check_diff_url(t), Ok(()));
        assert_eq!(
            fill_diff_url(
                t,
                &[
                    ("old", "a1"),
                    ("new", "b2"),
                    ("source", "acme"),
                    ("new_seq", "4")
                ]
            ),
            "https://git.example/p/compare/a1...b2?s=acme&n=4"
        );
        assert!(
            check_diff_url("ftp://x/{old}")
                .unwrap_err()
                .contains("http(s)")
        );
        assert!(
            check_diff_url("https://x/{commit}")
                .unwrap_err()
                .contains("{commit}")
        );
        assert!(
            check_diff_url("https://x/{old")
                .unwrap_err()
                .contains("unclosed")
        );
    }

    #[test]
    fn schedules() {
        assert_eq!(
            parse_schedule("*/2 * * * * *"),
            Ok(Schedule::Cron("*/2 * * * * *".into()))
        );
        assert_eq!(
            parse_schedule("0  6 * * MON-FRI"),
            Ok(Schedule::Cron("0 6 * * MON-FRI".into()))
        );
        assert_eq!(
            parse_schedule("every 6h"),
            Ok(Schedule::Every(Duration::from_secs(21600)))
        );
        assert_eq!(
            parse_schedule("@every 10s"),
            Ok(Schedule::Every(Duration::from_secs(10)))
        );
        assert!(
            parse_schedule("* * * *")
                .unwrap_err()
                .contains("found 4 field(s)")
        );
        assert!(parse_schedule("* * * * $").unwrap_err().contains("\"$\""));
        // The scheduler's own parser rejects what cron cannot mean.
        assert!(
            parse_schedule("61 * * * *")
                .unwrap_err()
                .contains("invalid cron expression")
        );
        assert!(
            parse_schedule("every 10ms")
                .unwrap_err()
                .contains("too short")
        );
    }

    #[test]
    fn slugs() {
        for ok in ["a", "acme-privacy", "0day", "x_y-z"] {
            assert!(check_slug(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "A", "a/b", "a..b", "a b", &"a".repeat(65), "é"] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn terms_types_and_globs() {
        assert_eq!(check_terms_type("privacy policy"), Ok("Privacy Policy"));
        let e = check_terms_type("Privacy").unwrap_err();
        assert!(e.contains("\"Terms of Service\""));
        assert!(check_kind_glob("Retention.*").is_err());
        assert!(check_header("X-Token", "abc").is_ok());
        assert!(check_header("X Token", "abc").is_err());
        assert!(check_header("X-Token", "a\nb").is_err());
    }
}
