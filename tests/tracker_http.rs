//! `policywatch check` against a real HTTP server on 127.0.0.1: every case
//! asserts what ended up in SQLite and in git.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::{DPF, Reply, SHIELD, TestServer, assert_shield_replaced_by_dpf, policy};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_policywatch"))
}

/// A temporary watch list with one source at `url`.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(url: &str, fetch_extra: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            r#"
[store]
path = "store"

[database]
path = "policywatch.sqlite"

[fetch]
per_host_delay = "0s"
retries = 2
timeout = "5s"
{fetch_extra}

[[source]]
id = "acme-privacy"
name = "Acme privacy policy"
url = "{url}"
"#
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Setup { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn run(&self, args: &[&str]) -> Output {
        bin()
            .arg("--config")
            .arg(self.config())
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn check(&self) -> (i32, serde_json::Value, String) {
        let out = self.run(&["check", "--format", "json"]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "check printed no JSON ({e}): {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (
            out.status.code().unwrap_or(-1),
            json,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("policywatch.sqlite")).unwrap()
    }

    fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn last_check(&self) -> (String, Option<i64>, Option<String>) {
        self.db()
            .query_row(
                "SELECT outcome, http_status, error FROM checks ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    /// Commits on the store's branch.
    fn commits(&self) -> usize {
        git_commits(&self.dir.path().join("store"))
    }
}

fn git_commits(store: &Path) -> usize {
    let Ok(repo) = git2::Repository::open(store) else {
        return 0;
    };
    let Ok(head) = repo.refname_to_id("refs/heads/main") else {
        return 0;
    };
    let mut walk = repo.revwalk().unwrap();
    walk.push(head).unwrap();
    walk.count()
}

fn outcome(json: &serde_json::Value) -> &str {
    json[0]["outcome"].as_str().unwrap_or("")
}

#[test]
fn first_fetch_then_304_then_a_real_change() {
    let server = TestServer::start();
    server.set("/privacy", Reply::html(policy(SHIELD, "")).etag("\"v1\""));
    let setup = Setup::new(&server.url("/privacy"), "");

    let (code, json, err) = setup.check();
    assert_eq!(code, 0, "{err}");
    assert_eq!(outcome(&json), "new_version");
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 1);
    assert_eq!(setup.commits(), 1);

    // The stored ETag makes the second fetch conditional: 304, no work.
    let (code, json, _) = setup.check();
    assert_eq!(code, 0);
    assert_eq!(outcome(&json), "not_modified");
    assert_eq!(
        server
            .last_request("/privacy")
            .unwrap()
            .header("if-none-match"),
        Some("\"v1\"")
    );
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 1);
    assert_eq!(setup.last_check().0, "not_modified");

    server.set("/privacy", Reply::html(policy(DPF, "")).etag("\"v2\""));
    let (code, json, err) = setup.check();
    assert_eq!(code, 0, "{err}");
    assert_eq!(outcome(&json), "new_version");
    assert_eq!(json[0]["version"], 2);
    assert_shield_replaced_by_dpf(&json[0]["events"]);
    // The same events are in SQLite, tied to the change and the version.
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 2);
    assert_eq!(setup.count("SELECT COUNT(*) FROM changes"), 1);
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM events WHERE kind = 'transfer_mechanism.removed' AND subject = 'Privacy Shield'"),
        1
    );
    assert_eq!(
        setup.count("SELECT event_count FROM changes"),
        setup.count("SELECT COUNT(*) FROM events")
    );
    assert_eq!(setup.commits(), 2);

    // `log --format json` shows them with the spec's fields.
    let out = setup.run(&["log", "--format", "json", "--kind", "transfer_mechanism.*"]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &log[0];
    for field in [
        "kind",
        "severity",
        "section",
        "evidence",
        "source",
        "version",
        "detected_at",
    ] {
        assert!(
            first.get(field).is_some(),
            "log JSON lacks {field}: {first}"
        );
    }
    assert_eq!(first["source"], "acme-privacy");
    assert_eq!(first["version"], 2);
}

#[test]
fn server_errors_are_retried_then_recorded_as_a_failed_check() {
    let server = TestServer::start();
    for _ in 0..3 {
        server.push("/privacy", Reply::server_error());
    }
    server.set("/privacy", Reply::html(policy(SHIELD, "")));
    let setup = Setup::new(&server.url("/privacy"), "");

    let (code, json, _) = setup.check();
    assert_eq!(code, 1, "a failed source makes check exit non-zero");
    assert_eq!(outcome(&json), "failed");
    assert_eq!(
        server.hits("/privacy"),
        3,
        "retries = 2 means three attempts"
    );
    let (outcome_db, status, error) = setup.last_check();
    assert_eq!(outcome_db, "failed");
    assert_eq!(status, Some(500));
    assert!(error.unwrap_or_default().contains("500"));
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 0);
    assert_eq!(setup.commits(), 0, "nothing half-written in git");

    let (code, json, _) = setup.check();
    assert_eq!(code, 0);
    assert_eq!(outcome(&json), "new_version");
}

#[test]
fn a_failing_source_raises_one_notice_per_episode() {
    let server = TestServer::start();
    // 404 is not retried, so each check fails at once.
    server.set("/privacy", Reply::status(404));
    server.set("/hook", Reply::status(200));
    let hook = server.url("/hook");
    let setup = Setup::new(
        &server.url("/privacy"),
        &format!(
            r#"
[watch]
failure_threshold = 2

[[webhook]]
name = "ops"
url = "{hook}"
secret = "s3cret"
events = ["source.*"]
"#
        ),
    );
    let notices = || -> Vec<String> {
        let db = setup.db();
        let mut stmt = db
            .prepare("SELECT kind FROM events WHERE kind LIKE 'source.%' ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for _ in 0..4 {
        assert_eq!(setup.check().0, 1);
    }
    assert_eq!(notices(), ["source.failing"], "once, at the threshold");
    server.set("/privacy", Reply::html(policy(SHIELD, "")));
    assert_eq!(setup.check().0, 0);
    assert_eq!(setup.check().0, 0);
    assert_eq!(notices(), ["source.failing", "source.recovered"]);
    // Each notice queued one delivery for the webhook, written with its event,
    // and `check` delivered it before exiting: one alarm, one all-clear.
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM outbox WHERE webhook = 'ops' AND change_id IS NULL AND status = 'delivered'"),
        2
    );
    let types: Vec<String> = server
        .requests("/hook")
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(body["events"][0]["subject"], "acme-privacy");
            if body["type"] == "source.failing" {
                // The spec: evidence is the last error.
                let evidence = body["events"][0]["evidence"]["new"].as_str().unwrap();
                assert!(evidence.contains("404"), "{evidence}");
            }
            body["type"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(types, ["source.failing", "source.recovered"]);
}

#[test]
fn rate_limit_retry_after_is_honoured() {
    let server = TestServer::start();
    server.push("/privacy", Reply::too_many_requests("1"));
    server.set("/privacy", Reply::html(policy(SHIELD, "")));
    let setup = Setup::new(&server.url("/privacy"), "");
    let start = Instant::now();
    let (code, json, err) = setup.check();
    assert_eq!(code, 0, "{err}");
    assert_eq!(outcome(&json), "new_version");
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(server.hits("/privacy"), 2);
}

#[test]
fn bot_walls_and_captchas_are_not_versions() {
    let server = TestServer::start();
    server.set("/privacy", Reply::html(policy(SHIELD, "")));
    let setup = Setup::new(&server.url("/privacy"), "");
    assert_eq!(setup.check().0, 0);

    server.set("/privacy", Reply::cloudflare_challenge());
    let (code, json, _) = setup.check();
    assert_eq!(code, 1);
    assert_eq!(outcome(&json), "failed");
    assert!(json[0]["error"].as_str().unwrap().contains("bot"), "{json}");

    server.set("/privacy", Reply::captcha_page());
    let (code, json, _) = setup.check();
    assert_eq!(code, 1);
    assert_eq!(outcome(&json), "suspicious");
    assert_eq!(setup.last_check().0, "suspicious");

    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 1);
    assert_eq!(setup.count("SELECT COUNT(*) FROM events"), 0);
    assert_eq!(setup.commits(), 1);
    assert_eq!(setup.count("SELECT consecutive_failures FROM sources"), 2);

    // The next good fetch is compared with the last good version: no change.
    server.set("/privacy", Reply::html(policy(SHIELD, "")));
    let (code, json, _) = setup.check();
    assert_eq!(code, 0);
    assert_eq!(outcome(&json), "unchanged");
    assert_eq!(setup.count("SELECT consecutive_failures FROM sources"), 0);
}

#[test]
fn a_sudden_shrink_is_suspicious_and_the_next_good_fetch_compares_with_the_last_good_one() {
    let server = TestServer::start();
    let long_extra: String = (0..30)
        .map(|i| format!("<h2>Topic {i}</h2><p>We explain topic number {i} of this policy here in plain words for everyone who reads it.</p>"))
        .collect();
    server.set("/privacy", Reply::html(policy(SHIELD, &long_extra)));
    let setup = Setup::new(&server.url("/privacy"), "");
    assert_eq!(setup.check().0, 0);

    server.set("/privacy", Reply::html(policy(SHIELD, "")));
    let (code, json, _) = setup.check();
    assert_eq!(code, 1);
    assert_eq!(outcome(&json), "suspicious");
    assert!(
        json[0]["error"].as_str().unwrap().contains("shrank"),
        "{json}"
    );
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 1);

    server.set("/privacy", Reply::html(policy(DPF, &long_extra)));
    let (code, json, _) = setup.check();
    assert_eq!(code, 0);
    assert_eq!(outcome(&json), "new_version");
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 2);
}

#[test]
fn oversize_bodies_redirect_loops_and_slow_servers_fail_cleanly() {
    let server = TestServer::start();
    server.set("/huge", Reply::oversize(2 << 20));
    server.redirect_loop("/a", "/b");
    server.set(
        "/slow",
        Reply::html(policy(SHIELD, "")).slow(64, Duration::from_millis(400)),
    );
    for (path, expect) in [
        ("/huge", "max_body"),
        ("/a", "redirect"),
        ("/slow", "timed out"),
    ] {
        let setup = Setup::new(
            &server.url(path),
            "max_body = \"256KB\"\nconnect_timeout = \"1s\"",
        );
        // The slow body would take minutes; the 5 s total timeout stops it.
        let (code, json, _) = setup.check();
        assert_eq!(code, 1, "{path}");
        assert_eq!(outcome(&json), "failed", "{path}");
        let error = json[0]["error"].as_str().unwrap().to_lowercase();
        assert!(error.contains(expect), "{path}: {error}");
        assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 0);
        assert_eq!(
            setup.count("SELECT COUNT(*) FROM checks WHERE outcome = 'failed'"),
            1
        );
        assert_eq!(setup.commits(), 0);
    }
}

#[test]
fn a_wrong_charset_label_is_repaired() {
    let server = TestServer::start();
    let html = policy(
        SHIELD,
        "<h2>Langues</h2><p>Cette politique existe en Français et en Español pour nos clients européens.</p>",
    );
    server.set("/privacy", Reply::windows1252_labelled_utf8(&html));
    let setup = Setup::new(&server.url("/privacy"), "");
    assert_eq!(setup.check().0, 0);
    let out = setup.run(&["show", "acme-privacy"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Français") && text.contains("Español"),
        "{text}"
    );
    assert!(!text.contains('\u{FFFD}'));
}

#[test]
fn page_chrome_churn_stores_the_snapshot_but_raises_nothing() {
    let server = TestServer::start();
    server.set("/privacy", Reply::html(policy(SHIELD, "")));
    let setup = Setup::new(&server.url("/privacy"), "");
    assert_eq!(setup.check().0, 0);

    let churned = policy(SHIELD, "").replace("© 2024 Acme Inc.", "© 2025 Acme Inc. Careers");
    server.set("/privacy", Reply::html(churned));
    let (code, json, _) = setup.check();
    assert_eq!(code, 0);
    assert_eq!(outcome(&json), "snapshot_only");
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 1);
    assert_eq!(setup.count("SELECT COUNT(*) FROM events"), 0);
    assert_eq!(setup.commits(), 2, "the raw snapshot is kept");
    let raw = setup.run(&["show", "acme-privacy", "--raw"]);
    assert!(String::from_utf8_lossy(&raw.stdout).contains("Careers"));
}

#[test]
fn a_second_check_on_the_same_store_refuses_or_waits() {
    let server = TestServer::start();
    server.set(
        "/privacy",
        Reply::html(policy(SHIELD, "")).delay(Duration::from_millis(1500)),
    );
    let setup = Setup::new(&server.url("/privacy"), "");
    let mut first = bin()
        .arg("--config")
        .arg(setup.config())
        .arg("check")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Let the first one take the lock.
    std::thread::sleep(Duration::from_millis(500));
    let second = setup.run(&["check"]);
    assert_eq!(second.status.code(), Some(2));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another policywatch") && err.contains("--wait"),
        "{err}"
    );

    let waited = setup.run(&["check", "--wait", "--format", "json"]);
    assert_eq!(
        waited.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    assert!(first.wait().unwrap().success());
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 1);
    assert_eq!(setup.count("SELECT COUNT(*) FROM checks"), 2);
}

#[test]
fn config_errors_name_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[store]\npath = \"s\"\n[database]\npath = \"d\"\n[[source]]\nid = \"a\"\nurll = \"https://x\"\n",
    )
    .unwrap();
    let out = bin()
        .arg("--config")
        .arg(&path)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml:7") && err.contains("urll"),
        "{err}"
    );
    assert!(
        !dir.path().join("d").exists(),
        "no database is created for a bad config"
    );
}
