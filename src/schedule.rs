//! When the daemon checks a source: cron expressions, fixed intervals,
//! jitter, and what counts as overdue at start-up. Pure: every function takes
//! the current time, so the rules are tested without waiting.
//!
//! Time zone: schedules are evaluated in **UTC**, always. A cron expression
//! `0 6 * * *` fires at 06:00 UTC whatever the machine's local zone, so a
//! daemon moved between servers, or running across a daylight-saving switch,
//! keeps the same rhythm and never fires twice or skips an hour.
//!
//! Cron dialect: the one tokio-cron-scheduler runs (the `croner` crate) with
//! seconds first. A 5-field expression (minute precision, as in crontab) is
//! read as having second `0`. When both day-of-month and day-of-week are
//! restricted, BOTH must match (croner's `dom_and_dow`, which the scheduler
//! uses); crontab's "either" reading is not available.

use std::time::Duration;

use chrono::{DateTime, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds};

use crate::config::Schedule;

/// The 6-field (seconds first) form of a 5- or 6-field cron expression.
pub fn with_seconds(expr: &str) -> String {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() == 5 {
        format!("0 {}", fields.join(" "))
    } else {
        fields.join(" ")
    }
}

/// Parses a cron expression (5 or 6 fields) exactly as the scheduler will,
/// so a bad expression is a config error rather than a daemon that never
/// fires.
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(&with_seconds(expr))
        .map_err(|e| format!("invalid cron expression {expr:?}: {e}"))
}

/// The first scheduled time strictly after `t`, or `None` for a cron
/// expression that never fires again (e.g. a date that does not exist).
pub fn next_after(schedule: &Schedule, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match schedule {
        Schedule::Every(d) => chrono::Duration::from_std(*d)
            .ok()
            .and_then(|d| t.checked_add_signed(d)),
        Schedule::Cron(expr) => parse_cron(expr).ok()?.find_next_occurrence(&t, false).ok(),
    }
}

/// Whether a source whose last check was `last_check` missed a scheduled run
/// before `now` (or was never checked). The daemon runs such sources once at
/// start-up, then follows the schedule.
pub fn is_overdue(
    schedule: &Schedule,
    last_check: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    match last_check {
        None => true,
        Some(last) => next_after(schedule, last).is_none_or(|next| next <= now),
    }
}

/// When the next check of a source is due: for an interval, one interval
/// after its last check (now, if overdue); for cron, the next tick after
/// now (now, if a tick was missed since the last check, because the daemon
/// catches those up at start-up).
pub fn next_due(
    schedule: &Schedule,
    last_check: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if is_overdue(schedule, last_check, now) {
        return Some(now);
    }
    match (schedule, last_check) {
        (Schedule::Every(_), Some(last)) => next_after(schedule, last),
        _ => next_after(schedule, now),
    }
}

/// A uniformly random delay in `[0, max)`, so that hundreds of sources on
/// one schedule do not all fetch in the same second.
pub fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    crate::fetch::retry::backoff_delay(1, max, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn cron(s: &str) -> Schedule {
        Schedule::Cron(s.into())
    }

    #[test]
    fn five_fields_mean_second_zero() {
        assert_eq!(with_seconds("0 */6 * * *"), "0 0 */6 * * *");
        assert_eq!(with_seconds("*/2 * * * * *"), "*/2 * * * * *");
        assert_eq!(
            next_after(&cron("30 6 * * *"), t("2024-03-01T07:00:00Z")),
            Some(t("2024-03-02T06:30:00Z"))
        );
    }

    #[test]
    fn six_fields_have_second_precision() {
        assert_eq!(
            next_after(&cron("*/2 * * * * *"), t("2024-03-01T07:00:01Z")),
            Some(t("2024-03-01T07:00:02Z"))
        );
        assert_eq!(
            next_after(&cron("*/2 * * * * *"), t("2024-03-01T07:00:02Z")),
            Some(t("2024-03-01T07:00:04Z"))
        );
    }

    #[test]
    fn cron_is_evaluated_in_utc() {
        // 06:00 UTC is the answer whatever zone the machine runs in.
        let next = next_after(&cron("0 6 * * *"), t("2024-03-31T01:00:00+02:00")).unwrap();
        assert_eq!(next, t("2024-03-31T06:00:00Z"));
    }

    #[test]
    fn names_and_ranges_parse_and_nonsense_is_rejected() {
        assert!(parse_cron("0 6 * * MON-FRI").is_ok());
        assert!(parse_cron("0 0 1 JAN *").is_ok());
        let err = parse_cron("61 * * * *").unwrap_err();
        assert!(err.contains("\"61 * * * *\""), "{err}");
        assert!(parse_cron("* * * * 9").is_err());
    }

    #[test]
    fn overdue_means_a_run_was_missed() {
        let every = Schedule::Every(Duration::from_secs(3600));
        let now = t("2024-03-01T12:00:00Z");
        assert!(is_overdue(&every, None, now));
        assert!(is_overdue(&every, Some(t("2024-03-01T10:59:59Z")), now));
        assert!(!is_overdue(&every, Some(t("2024-03-01T11:30:00Z")), now));
        let daily = cron("0 6 * * *");
        assert!(is_overdue(&daily, Some(t("2024-03-01T05:00:00Z")), now));
        assert!(!is_overdue(&daily, Some(t("2024-03-01T06:00:01Z")), now));
    }

    #[test]
    fn next_due_follows_the_last_check_for_intervals() {
        let every = Schedule::Every(Duration::from_secs(3600));
        let now = t("2024-03-01T12:00:00Z");
        assert_eq!(
            next_due(&every, Some(t("2024-03-01T11:30:00Z")), now),
            Some(t("2024-03-01T12:30:00Z"))
        );
        assert_eq!(next_due(&every, None, now), Some(now));
        let daily = cron("0 6 * * *");
        assert_eq!(
            next_due(&daily, Some(t("2024-03-01T06:00:01Z")), now),
            Some(t("2024-03-02T06:00:00Z"))
        );
    }

    #[test]
    fn jitter_stays_below_its_bound() {
        let max = Duration::from_secs(30);
        for _ in 0..200 {
            assert!(jitter(max) < max);
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }
}
