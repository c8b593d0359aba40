//! What to do after one delivery attempt: delivered, try again when, or give
//! up. Pure (the clock and the random jitter come in from outside), so the
//! whole retry policy is tested without a network or sleeping.
//!
//! Why these rules:
//! - **2xx** is the only success. A receiver that answers anything else has
//!   not taken the alert, and reporting it as sent is how alerts get lost.
//! - **Network errors, timeouts, 5xx and 429** are the receiver's bad
//!   moment: retried with exponential backoff and jitter, so receivers that
//!   come back are not stampeded by every queued alert at once.
//! - **Other 4xx and 3xx** are answers: the receiver refuses this request
//!   (bad URL, revoked token, a redirect we do not follow). Repeating the
//!   same request cannot change that, so the delivery is dead at once and
//!   the error says what the receiver answered; `policywatch webhook retry
//!   ID` sends it again once the receiver or the config is fixed.
//! - **Backoff** grows ×4 per retry (not ×2): with the default 8 attempts
//!   and a 4 s base the attempts span hours (4 s, 16 s, 1 min, 4 min, 17 min,
//!   68 min, 4.5 h ceilings), which outlasts a typical receiver outage,
//!   while the first retry still comes within 5 s. Each delay is drawn from
//!   the upper half of its ceiling ("equal jitter"): spread out, but never a
//!   hammering immediate retry.
//! - **Retry-After** is honoured (the delay is at least what the receiver
//!   asked for), capped so that a bogus "come back next year" cannot park a
//!   delivery past its `max_age`.
//! - **Dead** after `max_attempts` attempts, or when an attempt fails and
//!   the delivery is older than `max_age`. The last retry is moved forward
//!   to the `max_age` deadline rather than skipped, so every delivery gets
//!   its chance at the end of its window.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::fetch::retry::backoff_ceiling;

/// Backoff settings of the delivery worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first retry's delay; later ceilings grow ×4.
    pub base: Duration,
    /// No delay is longer than this.
    pub max: Duration,
    /// A Retry-After longer than this is cut to it.
    pub retry_after_cap: Duration,
}

impl Default for Backoff {
    /// First retry after 2–4 s, at most 6 h apart, Retry-After up to 1 h.
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(4),
            max: Duration::from_secs(6 * 3600),
            retry_after_cap: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (1-based), given `unit` in
    /// `[0, 1)` for the jitter: within `[ceiling/2, ceiling]`.
    pub fn delay(&self, retry: u32, unit: f64) -> Duration {
        // ×4 per retry is ×2 per step of the shared ceiling, two steps at a time.
        let step = retry.saturating_mul(2).saturating_sub(1);
        let ceiling = backoff_ceiling(step, self.base, self.max);
        let half = ceiling / 2;
        half + half.mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered {
        /// The status.
        status: u16,
    },
    /// It did not take the delivery.
    Failed(Failure),
}

/// A failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status, when the receiver answered.
    pub status: Option<u16>,
    /// What went wrong, for people (stored as `last_error`).
    pub error: String,
    /// Whether trying again may help.
    pub transient: bool,
    /// The receiver's Retry-After.
    pub retry_after: Option<Duration>,
}

impl Failure {
    /// Classify an HTTP answer that is not 2xx.
    pub fn from_status(status: u16, error: String, retry_after: Option<Duration>) -> Failure {
        Failure {
            status: Some(status),
            error,
            transient: is_transient_status(status),
            retry_after,
        }
    }

    /// A network error or timeout: no answer, worth retrying.
    pub fn network(error: String) -> Failure {
        Failure {
            status: None,
            error,
            transient: true,
            retry_after: None,
        }
    }
}

/// 5xx and 429 (too many requests) may pass. Every other 4xx, 408
/// included, is an answer: the contract is "no retry on other 4xx".
pub fn is_transient_status(status: u16) -> bool {
    status >= 500 || status == 429
}

/// What to record after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Mark it delivered.
    Delivered {
        /// The status.
        status: u16,
    },
    /// Keep it pending until `at`.
    Retry {
        /// The next attempt.
        at: DateTime<Utc>,
        /// The error of this attempt.
        error: String,
        /// Its status.
        status: Option<u16>,
    },
    /// Mark it dead.
    Dead {
        /// Why, for people.
        error: String,
        /// The last status.
        status: Option<u16>,
    },
}

/// The limits of one webhook that the decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Attempts before dead.
    pub max_attempts: u32,
    /// Age before dead.
    pub max_age: Duration,
}

/// Decide what follows an attempt. `attempts` counts this one (1 for the
/// first attempt); `created_at` is when the delivery was queued; `unit` in
/// `[0, 1)` is the jitter draw.
pub fn decide(
    attempt: Attempt,
    attempts: u32,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
    limits: Limits,
    backoff: &Backoff,
    unit: f64,
) -> Decision {
    let failure = match attempt {
        Attempt::Delivered { status } => return Decision::Delivered { status },
        Attempt::Failed(f) => f,
    };
    let Failure {
        status,
        error,
        transient,
        retry_after,
    } = failure;
    if !transient {
        return Decision::Dead {
            error: format!(
                "{error}; not retried, since repeating the request cannot change that answer"
            ),
            status,
        };
    }
    if attempts >= limits.max_attempts {
        return Decision::Dead {
            error: format!(
                "gave up after {attempts} attempt{} (max_attempts): {error}",
                if attempts == 1 { "" } else { "s" }
            ),
            status,
        };
    }
    let max_age = chrono::Duration::from_std(limits.max_age).unwrap_or(chrono::Duration::MAX);
    let deadline = created_at
        .checked_add_signed(max_age)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if now >= deadline {
        return Decision::Dead {
            error: format!(
                "gave up after {attempts} attempt{}: older than max_age ({}): {error}",
                if attempts == 1 { "" } else { "s" },
                humanize(limits.max_age)
            ),
            status,
        };
    }
    let mut delay = backoff.delay(attempts, unit);
    if let Some(asked) = retry_after {
        delay = delay.max(asked.min(backoff.retry_after_cap));
    }
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
    let at = now
        .checked_add_signed(delay)
        .unwrap_or(deadline)
        .min(deadline);
    Decision::Retry { at, error, status }
}

/// `90s`, `15m`, `24h`: how durations are written in the config.
pub fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    if s == 0 {
        format!("{}ms", d.as_millis())
    } else if s.is_multiple_of(86_400) {
        format!("{}d", s / 86_400)
    } else if s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_attempts: 8,
        max_age: Duration::from_secs(24 * 3600),
    };

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn fail(status: Option<u16>) -> Attempt {
        Attempt::Failed(match status {
            Some(s) => Failure::from_status(s, format!("receiver answered {s}"), None),
            None => Failure::network("connection refused".into()),
        })
    }

    fn retry_at(d: Decision) -> DateTime<Utc> {
        match d {
            Decision::Retry { at, .. } => at,
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn first_retry_comes_within_five_seconds() {
        let b = Backoff::default();
        for unit in [0.0, 0.5, 0.999_999] {
            let d = b.delay(1, unit);
            assert!(
                d >= Duration::from_secs(2) && d <= Duration::from_secs(4),
                "{d:?}"
            );
            let at = retry_at(decide(fail(Some(503)), 1, t0(), t0(), LIMITS, &b, unit));
            assert!(at - t0() <= chrono::Duration::seconds(5));
        }
    }

    #[test]
    fn delays_grow_four_fold_and_cap() {
        let b = Backoff::default();
        let ceilings: Vec<u64> = (1..=8).map(|r| b.delay(r, 1.0).as_secs()).collect();
        assert_eq!(ceilings, vec![4, 16, 64, 256, 1024, 4096, 16384, 21600]);
        assert_eq!(b.delay(u32::MAX, 0.0), b.max / 2);
    }

    #[test]
    fn two_xx_is_delivered() {
        let d = decide(
            Attempt::Delivered { status: 204 },
            3,
            t0(),
            t0(),
            LIMITS,
            &Backoff::default(),
            0.5,
        );
        assert_eq!(d, Decision::Delivered { status: 204 });
    }

    #[test]
    fn transient_failures_retry_and_permanent_ones_die() {
        let b = Backoff::default();
        for s in [None, Some(500), Some(502), Some(503), Some(429)] {
            assert!(matches!(
                decide(fail(s), 1, t0(), t0(), LIMITS, &b, 0.3),
                Decision::Retry { .. }
            ));
        }
        for s in [400, 401, 403, 404, 408, 410, 422, 301, 302, 307] {
            match decide(fail(Some(s)), 1, t0(), t0(), LIMITS, &b, 0.3) {
                Decision::Dead { error, status } => {
                    assert_eq!(status, Some(s));
                    assert!(error.contains(&format!("answered {s}")), "{error}");
                    assert!(error.contains("not retried"), "{error}");
                }
                other => panic!("{s}: expected dead, got {other:?}"),
            }
        }
    }

    #[test]
    fn dead_after_max_attempts() {
        let b = Backoff::default();
        assert!(matches!(
            decide(fail(Some(500)), 7, t0(), t0(), LIMITS, &b, 0.3),
            Decision::Retry { .. }
        ));
        match decide(fail(Some(500)), 8, t0(), t0(), LIMITS, &b, 0.3) {
            Decision::Dead { error, .. } => {
                assert!(error.starts_with("gave up after 8 attempts"), "{error}")
            }
            other => panic!("expected dead, got {other:?}"),
        }
    }

    #[test]
    fn dead_when_too_old_and_last_retry_pulled_to_the_deadline() {
        let b = Backoff::default();
        let created = t0();
        let day = chrono::Duration::hours(24);
        match decide(fail(None), 2, created, created + day, LIMITS, &b, 0.3) {
            Decision::Dead { error, .. } => assert!(error.contains("max_age (1d)"), "{error}"),
            other => panic!("expected dead, got {other:?}"),
        }
        // 10 s before the deadline, a 5th retry (ceiling 17 min) is moved to it.
        let now = created + day - chrono::Duration::seconds(10);
        let at = retry_at(decide(fail(None), 5, created, now, LIMITS, &b, 0.9));
        assert_eq!(at, created + day);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let b = Backoff::default();
        let asked = |secs| {
            Attempt::Failed(Failure::from_status(
                429,
                "slow down".into(),
                Some(Duration::from_secs(secs)),
            ))
        };
        let at = retry_at(decide(asked(120), 1, t0(), t0(), LIMITS, &b, 0.0));
        assert_eq!(at - t0(), chrono::Duration::seconds(120));
        // shorter than our own backoff: ours wins
        let at = retry_at(decide(asked(0), 1, t0(), t0(), LIMITS, &b, 0.0));
        assert_eq!(at - t0(), chrono::Duration::seconds(2));
        // a year is cut to the cap
        let at = retry_at(decide(asked(365 * 86_400), 1, t0(), t0(), LIMITS, &b, 0.0));
        assert_eq!(at - t0(), chrono::Duration::seconds(3600));
    }

    #[test]
    fn humanizes_config_durations() {
        assert_eq!(humanize(Duration::from_secs(86_400)), "1d");
        assert_eq!(humanize(Duration::from_secs(7200)), "2h");
        assert_eq!(humanize(Duration::from_secs(90)), "90s");
        assert_eq!(humanize(Duration::from_secs(600)), "10m");
        assert_eq!(humanize(Duration::from_millis(250)), "250ms");
    }

    proptest::proptest! {
        #[test]
        fn retries_never_pass_the_deadline(attempts in 1u32..20, age_s in 0i64..200_000, unit in 0.0f64..1.0, ra in proptest::option::of(0u64..10_000_000)) {
            let b = Backoff::default();
            let now = t0() + chrono::Duration::seconds(age_s);
            let f = Attempt::Failed(Failure { status: Some(503), error: "x".into(), transient: true, retry_after: ra.map(Duration::from_secs) });
            match decide(f, attempts, t0(), now, LIMITS, &b, unit) {
                Decision::Retry { at, .. } => {
                    proptest::prop_assert!(at > now);
                    proptest::prop_assert!(at <= t0() + chrono::Duration::hours(24));
                    proptest::prop_assert!(attempts < LIMITS.max_attempts);
                }
                Decision::Dead { .. } => proptest::prop_assert!(attempts >= LIMITS.max_attempts || age_s >= 86_400),
                Decision::Delivered { .. } => proptest::prop_assert!(false),
            }
        }
    }
}
