//! Which events a webhook wants: by source, by kind glob, by severity.

use crate::report::{Event, Severity};

/// Match an event kind against a glob such as `retention.*`, `*.removed` or
/// `sale.change?`: `*` matches any run of characters (dots included) and
/// `?` one character, as SQLite's GLOB does for `policywatch log --kind`.
pub fn kind_matches(glob: &str, kind: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (glob.chars().collect(), kind.chars().collect());
    let (mut pi, mut si) = (0, 0);
    // Where the last `*` was, and where in `kind` it started matching; on a
    // mismatch the star swallows one more character (linear, no recursion).
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == '?' || c == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// The filters of one webhook. Empty lists mean "everything".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Source ids to notify about.
    pub sources: Vec<String>,
    /// Kind globs to notify about.
    pub kinds: Vec<String>,
    /// The least severity to notify about.
    pub min_severity: Option<Severity>,
}

impl EventFilter {
    /// Whether the webhook wants anything from this source.
    pub fn wants_source(&self, source: &str) -> bool {
        self.sources.is_empty() || self.sources.iter().any(|s| s == source)
    }

    /// Whether the webhook wants this event.
    pub fn wants_event(&self, event: &Event) -> bool {
        let severe_enough = self.min_severity.is_none_or(|min| event.severity >= min);
        let kind_ok =
            self.kinds.is_empty() || self.kinds.iter().any(|g| kind_matches(g, &event.kind));
        severe_enough && kind_ok
    }

    /// The events of one change that this webhook should receive, in order.
    pub fn select<'a>(&self, source: &str, events: &'a [Event]) -> Vec<&'a Event> {
        if !self.wants_source(source) {
            return Vec::new();
        }
        events.iter().filter(|e| self.wants_event(e)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Sides;

    fn ev(kind: &str, severity: Severity) -> Event {
        Event {
            kind: kind.into(),
            subject: None,
            from: None,
            to: None,
            severity,
            section: Sides::default(),
            evidence: Sides::default(),
        }
    }

    #[test]
    fn globs() {
        assert!(kind_matches("retention.*", "retention.changed"));
        assert!(kind_matches("*", "section.added"));
        assert!(kind_matches("*.removed", "user_right.removed"));
        assert!(kind_matches("section.added", "section.added"));
        assert!(!kind_matches("section.added", "section.removed"));
        assert!(!kind_matches("retention.*", "third_party.added"));
        assert!(kind_matches("*_right.*", "user_right.added"));
        assert!(!kind_matches("a*a", "a"));
        assert!(kind_matches("sale.change?", "sale.changed"));
        assert!(!kind_matches("sale.change?", "sale.change"));
        // Many stars on a long kind stay fast (no exponential backtracking).
        assert!(!kind_matches("*a*a*a*a*a*a*a*a*a*b", &"a".repeat(200)));
    }

    #[test]
    fn filters_by_source_kind_and_severity() {
        let f = EventFilter {
            sources: vec!["acme".into()],
            kinds: vec!["retention.*".into(), "ai_training.*".into()],
            min_severity: Some(Severity::Medium),
        };
        let events = vec![
            ev("retention.changed", Severity::High),
            ev("retention.added", Severity::Low),
            ev("section.added", Severity::High),
            ev("ai_training.added", Severity::High),
        ];
        let picked: Vec<_> = f
            .select("acme", &events)
            .iter()
            .map(|e| e.kind.as_str())
            .collect();
        assert_eq!(picked, ["retention.changed", "ai_training.added"]);
        assert!(f.select("other", &events).is_empty());
        assert_eq!(EventFilter::default().select("x", &events).len(), 4);
    }
}
