//! The tracker's reading commands on a real store and database: import a
//! bundled history, then `log`, `history`, `show`, `sources` and
//! `diff SOURCE@REV`, in text and JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    /// A config watching Basecamp's subprocessors page (24 versions).
    fn new(backfill: bool) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let history = repo("snapshots/basecamp/subprocessors");
        let backfill = if backfill {
            format!("backfill = \"{}\"\n", history.display())
        } else {
            String::new()
        };
        std::fs::write(
            dir.path().join("config.toml"),
            format!(
                "[store]\npath = \"store\"\n[database]\npath = \"db.sqlite\"\n\
                 [[source]]\nid = \"subs\"\nname = \"Basecamp subprocessors\"\ntype = \"Subprocessors List\"\n\
                 url = \"file://{}\"\n{backfill}",
                history.join("024-2023-06-08-ef175b4.md").display()
            ),
        )
        .unwrap();
        Setup { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_policywatch"))
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

#[test]
fn import_then_read_it_back_every_way() {
    let s = Setup::new(false);
    let dir = repo("snapshots/basecamp/subprocessors");
    let report = s.json(&["import", "subs", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(report["files"], 24);
    let versions = report["versions"].as_u64().unwrap();
    assert!(versions >= 15, "{report}");
    assert_eq!(
        report["versions"].as_u64().unwrap() + report["unchanged"].as_u64().unwrap(),
        24
    );
    assert!(report["failed"].as_array().unwrap().is_empty());

    // Subprocessors come and go: the log must name some of them.
    let log = s.json(&["log", "--format", "json", "--kind", "third_party.*"]);
    let subjects: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["subject"].as_str())
        .collect();
    assert!(subjects.contains(&"hCaptcha"), "{subjects:?}");
    // Newest first.
    let dates: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detected_at"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    // Filters narrow the log.
    let since = s.json(&["log", "--format", "json", "--since", "2022-01-01"]);
    assert!(
        since
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["detected_at"].as_str().unwrap() >= "2022-01-01")
    );
    let high = s.json(&["log", "--format", "json", "--severity", "high"]);
    assert!(
        high.as_array()
            .unwrap()
            .iter()
            .all(|e| e["severity"] == "high")
    );

    let history = s.json(&["history", "subs", "--format", "json"]);
    assert_eq!(history.as_array().unwrap().len() as u64, versions);
    assert_eq!(history[0]["version"], 1);
    let text = s.ok(&["history", "subs"]);
    assert!(
        text.contains("@1 ") && text.contains("first version"),
        "{text}"
    );

    // show: by position, relative position and date.
    let first = s.ok(&["show", "subs@1"]);
    let latest = s.ok(&["show", "subs"]);
    assert_ne!(first, latest);
    assert_eq!(s.ok(&["show", "subs@latest"]), latest);
    let in_force = s.ok(&["show", "subs@2019-12-31"]);
    assert!(!in_force.is_empty());
    let raw = s.ok(&["show", "subs@1", "--raw"]);
    assert!(
        raw.starts_with("---") || raw.contains('#'),
        "the raw snapshot is the file as imported"
    );

    // diff between stored versions, and a stored version against a file.
    let out = s.run(&["diff", "subs@1", "subs@latest", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["schema"], "policywatch.diff/1");
    assert_eq!(d["old"]["label"], "subs@1");
    let same = s.run(&["diff", "subs@latest", "subs", "--format", "json"]);
    assert_eq!(same.status.code(), Some(0));
    // A file against a stored version: the first file is version 1.
    let file = dir.join("001-2018-05-22-8e0973d.md");
    let mixed = s.run(&["diff", file.to_str().unwrap(), "subs@1", "--format", "json"]);
    assert_eq!(
        mixed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&mixed.stderr)
    );

    let sources = s.json(&["sources", "--format", "json"]);
    assert_eq!(sources[0]["id"], "subs");
    assert_eq!(sources[0]["versions"].as_u64(), Some(versions));
}

#[test]
fn unknown_sources_and_revisions_say_what_to_do() {
    let s = Setup::new(false);
    let out = s.run(&["show", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nope") && err.contains("subs"),
        "names the known sources: {err}"
    );

    let out = s.run(&["show", "subs"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no versions yet") && err.contains("policywatch check"),
        "{err}"
    );

    s.ok(&["check"]);
    let out = s.run(&["show", "subs@7"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("subs") && err.contains("history"), "{err}");

    let out = s.run(&["import", "subs", "/nonexistent/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/folder"));
}

#[test]
fn backfill_replays_the_history_on_the_first_check_only() {
    let s = Setup::new(true);
    // History is old news: replaying it must not page a webhook.
    let config = s.dir.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[[webhook]]\nname = \"ops\"\nurl = \"http://127.0.0.1:9/hook\"\nsecret = \"s\"\n",
    );
    std::fs::write(&config, text).unwrap();
    let first = s.json(&["check", "--format", "json"]);
    assert!(
        first[0]["backfill"]["events"].as_u64().unwrap() > 0,
        "{first}"
    );
    let db = rusqlite::Connection::open(s.dir.path().join("db.sqlite")).unwrap();
    let queued: i64 = db
        .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(queued, 0, "imported changes queued webhook alerts");
    assert!(
        first[0]["backfill"]["versions"].as_u64().unwrap() >= 15,
        "{first}"
    );
    assert_eq!(
        first[0]["outcome"], "unchanged",
        "the URL is the newest file of the history"
    );
    let text = s.ok(&["check"]);
    assert!(!text.contains("history imported"), "{text}");
    assert!(text.contains("unchanged"));
}

/// The README's commands say `cargo run --release -- …` without `--bin`;
/// with the `eval` binary beside the tool, cargo runs them only if the
/// manifest names the default. (They failed with "could not determine which
/// binary to run" until it did.)
#[test]
fn readme_cargo_run_commands_pick_the_tool() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let bare: Vec<&str> = readme
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("cargo run") && !l.contains("--bin"))
        .collect();
    assert!(
        !bare.is_empty(),
        "the README's main command is a bare `cargo run`"
    );
    let manifest: toml::Table = std::fs::read_to_string(repo("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let default_run = manifest["package"]
        .get("default-run")
        .and_then(|v| v.as_str());
    assert_eq!(default_run, Some("policywatch"), "needed by {bare:?}");
}
