//! Naming a version: `SOURCE@REV` where REV is a commit id, a position or a date.

use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;

/// Which version of a source to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    /// `@latest` (or no `@REV`): the newest version.
    Latest,
    /// `@1` is the first version, `@2` the second; `@-1` is the one before
    /// the newest, `@-2` the one before that.
    Position(i64),
    /// `@2024-05-01`: the version in force that day (UTC), i.e. the newest
    /// one fetched on or before the end of that day.
    Date(NaiveDate),
    /// `@3f2a9c1`: a commit id, full or abbreviated (at least 4 hex digits).
    Commit(String),
}

impl Revision {
    /// Parses the part after `@`. All-digit strings of up to 6 digits are
    /// positions; longer ones, and hex strings with a letter, are commit ids.
    pub fn parse(rev: &str) -> Result<Revision, String> {
        let r = rev.trim();
        let expected = || {
            format!(
                "unknown revision {rev:?}: expected @latest, a position (@1 first, @-1 previous), a date (@2024-05-01) or a commit id"
            )
        };
        if r.is_empty() || r.eq_ignore_ascii_case("latest") {
            return Ok(Revision::Latest);
        }
        if let Ok(d) = NaiveDate::parse_from_str(r, "%Y-%m-%d") {
            return Ok(Revision::Date(d));
        }
        let digits = r.strip_prefix('-').unwrap_or(r);
        if !digits.is_empty() && digits.len() <= 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
            let n: i64 = r.parse().map_err(|_| expected())?;
            if n == 0 {
                return Err("revision @0 does not exist: positions start at @1 (the first version); use @latest for the newest".to_string());
            }
            return Ok(Revision::Position(n));
        }
        if r.len() >= 4 && r.len() <= 40 && r.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Revision::Commit(r.to_ascii_lowercase()));
        }
        Err(expected())
    }

    /// Splits `SOURCE@REV` into the source and its revision (Latest if absent).
    pub fn split(spec: &str) -> Result<(&str, Revision), String> {
        match spec.split_once('@') {
            None => Ok((spec, Revision::Latest)),
            Some((source, rev)) => Ok((source, Revision::parse(rev)?)),
        }
    }
}

impl std::fmt::Display for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Revision::Latest => f.write_str("@latest"),
            Revision::Position(n) => write!(f, "@{n}"),
            Revision::Date(d) => write!(f, "@{d}"),
            Revision::Commit(c) => write!(f, "@{c}"),
        }
    }
}

/// Something with a commit id and a time: a git history entry or a database row.
pub trait Versioned {
    /// Full hex commit id.
    fn commit_hex(&self) -> String;
    /// Fetch (commit) time.
    fn time(&self) -> DateTime<Utc>;
}

impl Versioned for crate::db::VersionRow {
    fn commit_hex(&self) -> String {
        self.version_commit.clone()
    }
    fn time(&self) -> DateTime<Utc> {
        self.fetched_at
    }
}

/// Finds a revision among a source's versions (oldest first); returns its index.
pub fn resolve_in<V: Versioned>(
    versions: &[V],
    source_id: &str,
    rev: &Revision,
) -> Result<usize, StoreError> {
    let unknown = |why: String| StoreError::UnknownRevision {
        source_id: source_id.to_string(),
        rev: rev.to_string(),
        why,
    };
    let n = versions.len();
    if n == 0 {
        return Err(unknown(
            "it has no versions yet; run `policywatch check` or `policywatch import` first".into(),
        ));
    }
    match rev {
        Revision::Latest => Ok(n - 1),
        Revision::Position(p) if *p > 0 => {
            let i = (*p - 1) as usize;
            if i < n {
                Ok(i)
            } else {
                Err(unknown(format!("it has {n} version(s)")))
            }
        }
        Revision::Position(p) => {
            let back = p.unsigned_abs() as usize;
            if back < n {
                Ok(n - 1 - back)
            } else {
                Err(unknown(format!("it has {n} version(s)")))
            }
        }
        Revision::Date(d) => {
            let end = crate::db::end_of_day(*d);
            versions
                .iter()
                .rposition(|v| v.time() <= end)
                .ok_or_else(|| {
                    unknown(format!(
                        "its first version is from {}",
                        versions[0].time().format("%Y-%m-%d")
                    ))
                })
        }
        Revision::Commit(prefix) => {
            let hits: Vec<usize> = versions
                .iter()
                .enumerate()
                .filter(|(_, v)| v.commit_hex().starts_with(prefix.as_str()))
                .map(|(i, _)| i)
                .collect();
            match hits.as_slice() {
                [one] => Ok(*one),
                [] => Err(unknown("no version of it has that commit id".into())),
                _ => Err(unknown(format!(
                    "{} versions match that abbreviated id; give more digits",
                    hits.len()
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_revisions() {
        assert_eq!(Revision::parse("latest"), Ok(Revision::Latest));
        assert_eq!(Revision::parse("1"), Ok(Revision::Position(1)));
        assert_eq!(Revision::parse("-1"), Ok(Revision::Position(-1)));
        assert_eq!(
            Revision::parse("2024-05-01"),
            Ok(Revision::Date(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()))
        );
        assert_eq!(
            Revision::parse("3F2A9C1"),
            Ok(Revision::Commit("3f2a9c1".into()))
        );
        assert_eq!(
            Revision::parse("1234567"),
            Ok(Revision::Commit("1234567".into()))
        );
        assert!(Revision::parse("0").unwrap_err().contains("@1"));
        assert!(
            Revision::parse("yesterday")
                .unwrap_err()
                .contains("@latest")
        );
        assert!(Revision::parse("2024-13-01").is_err());
        assert_eq!(
            Revision::split("acme@-2"),
            Ok(("acme", Revision::Position(-2)))
        );
        assert_eq!(Revision::split("acme"), Ok(("acme", Revision::Latest)));
    }
}
