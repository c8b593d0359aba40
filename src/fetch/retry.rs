//! Backoff arithmetic and Retry-After parsing: pure, so the retry policy is
//! tested without sleeping.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

/// The exponential backoff ceiling before jitter for retry number `retry`
/// (1-based): `base × 2^(retry-1)`, capped at `max`.
pub fn backoff_ceiling(retry: u32, base: Duration, max: Duration) -> Duration {
    let factor = 1u32
        .checked_shl(retry.saturating_sub(1))
        .unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(max).min(max)
}

/// "Full jitter" backoff: a uniformly random delay in `[0, ceiling]`, so
/// that many clients failing together do not come back together.
pub fn backoff_delay(retry: u32, base: Duration, max: Duration) -> Duration {
    backoff_ceiling(retry, base, max).mul_f64(unit_random())
}

/// A random number in `[0, 1)`. Jitter needs no quality beyond "differs per
/// call", and std's per-instance SipHash keys give us that without a
/// dependency.
pub(crate) fn unit_random() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Parse a `Retry-After` value: delta-seconds or an HTTP-date (relative to
/// `now`). A date in the past means "now". `None` if it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = parse_http_date(value)?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parse the three date formats RFC 9110 asks recipients to accept.
fn parse_http_date(value: &str) -> Option<SystemTime> {
    use chrono::{DateTime, NaiveDateTime};
    let naive = if let Ok(dt) = DateTime::parse_from_rfc2822(value) {
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        dt.naive_utc()
    } else if let Ok(dt) = NaiveDateTime::parse_from_str(value, "%A, %d-%b-%y %H:%M:%S GMT") {
        // obsolete RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
        dt
    } else {
        // obsolete asctime: "Sun Nov  6 08:49:37 1994"
        NaiveDateTime::parse_from_str(value, "%a %b %e %H:%M:%S %Y").ok()?
    };
    let secs = naive.and_utc().timestamp();
    let secs = u64::try_from(secs).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn ceiling_doubles_and_caps() {
        let base = 500 * MS;
        let max = Duration::from_secs(30);
        assert_eq!(backoff_ceiling(1, base, max), 500 * MS);
        assert_eq!(backoff_ceiling(2, base, max), 1000 * MS);
        assert_eq!(backoff_ceiling(3, base, max), 2000 * MS);
        assert_eq!(backoff_ceiling(7, base, max), max);
        assert_eq!(backoff_ceiling(40, base, max), max);
        assert_eq!(backoff_ceiling(u32::MAX, base, max), max);
    }

    #[test]
    fn jitter_stays_within_ceiling_and_varies() {
        let base = 100 * MS;
        let max = Duration::from_secs(10);
        let delays: Vec<_> = (0..200).map(|_| backoff_delay(3, base, max)).collect();
        assert!(delays.iter().all(|d| *d <= 400 * MS));
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(
            distinct.len() > 100,
            "jitter should vary: {}",
            distinct.len()
        );
    }

    #[test]
    fn retry_after_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn retry_after_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // 1994-11-06 08:49:37
        let ten = Some(Duration::from_secs(10));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), ten);
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now),
            ten
        );
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:47 1994", now), ten);
        // a date in the past means "retry now"
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
    }

    proptest::proptest! {
        #[test]
        fn retry_after_never_panics(v in ".{0,60}") {
            let _ = parse_retry_after(&v, SystemTime::now());
        }

        #[test]
        fn delay_never_exceeds_max(retry in 0u32..100, base_ms in 0u64..10_000, max_ms in 0u64..60_000) {
            let max = Duration::from_millis(max_ms);
            proptest::prop_assert!(backoff_delay(retry, Duration::from_millis(base_ms), max) <= max);
        }
    }
}
