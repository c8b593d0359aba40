//! `policywatch watch` as users run it: the real binary on a 2-second cron
//! schedule, watching a policy served on 127.0.0.1, alerting a real webhook
//! receiver, stopped by real signals. Every case asserts SQLite and what
//! the receiver got.

#![cfg(unix)]

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{DPF, Reply, SHIELD, TestServer, assert_exit, assert_shield_replaced_by_dpf, policy};

const SECRET: &str = "whsec-test";

/// A watch list in a temporary folder.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    /// `sources` and `webhooks` are TOML tables appended to a config with a
    /// 2-second schedule and no jitter.
    fn new(body: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let setup = Setup { dir };
        setup.write_config(body);
        setup
    }

    fn write_config(&self, body: &str) {
        let config = format!(
            r#"
[store]
path = "store"
diff_url = "https://git.example/policies/compare/{{old}}...{{new}}?source={{source}}"

[database]
path = "policywatch.sqlite"

[fetch]
per_host_delay = "0s"
retries = 0
timeout = "5s"

[watch]
schedule = "*/2 * * * * *"
jitter = "0s"
grace_period = "2s"
{body}
"#
        );
        std::fs::write(self.config(), config).unwrap();
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn log(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_policywatch"));
        cmd.arg("--config")
            .arg(self.config())
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("POLICYWATCH_LOG");
        cmd
    }

    /// Start `policywatch watch`, its stderr going to `log`.
    fn spawn_watch(&self, log: &str, extra: &[&str]) -> Child {
        let file = std::fs::File::create(self.log(log)).unwrap();
        let mut args = extra.to_vec();
        args.push("watch");
        self.command(&args)
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap()
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("policywatch.sqlite")).unwrap()
    }

    fn count(&self, sql: &str) -> i64 {
        // The daemon may not have created the database yet.
        self.db().query_row(sql, [], |r| r.get(0)).unwrap_or(0)
    }
}

fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(child: &Child, sig: i32) {
    let rc = unsafe { libc::kill(child.id() as i32, sig) };
    assert_eq!(rc, 0, "kill({sig}) failed");
}

/// Wait for the child to exit and return its exit code.
fn exit_code(child: &mut Child, timeout: Duration) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("the daemon did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn webhook(url: &str, extra: &str) -> String {
    format!(
        r#"
[[webhook]]
name = "alerts"
url = "{url}"
secret = "{SECRET}"
{extra}
"#
    )
}

fn source(id: &str, url: &str, extra: &str) -> String {
    format!(
        r#"
[[source]]
id = "{id}"
name = "Acme privacy policy"
url = "{url}"
{extra}
"#
    )
}

#[test]
fn a_daemon_on_a_two_second_schedule_alerts_on_a_change_then_exits_0_on_sigterm() {
    let server = TestServer::start();
    server.set("/privacy", Reply::html(policy(SHIELD, "")));
    server.set("/hook", Reply::status(204));
    let setup = Setup::new(&format!(
        "{}{}",
        webhook(&server.url("/hook"), ""),
        source("acme-privacy", &server.url("/privacy"), "")
    ));
    let mut daemon = setup.spawn_watch("watch.log", &["--log-format", "json"]);

    wait_until("the first version", Duration::from_secs(20), || {
        setup.count("SELECT COUNT(*) FROM versions") == 1
    });
    assert_eq!(server.hits("/hook"), 0, "a first version is not a change");
    server.set("/privacy", Reply::html(policy(DPF, "")));
    wait_until("the alert", Duration::from_secs(20), || {
        server.hits("/hook") >= 1
    });

    let hook = server.requests("/hook");
    assert_eq!(hook.len(), 1, "one change, one delivery");
    let req = &hook[0];
    let ts: i64 = req
        .header("x-policywatch-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert!(policywatch::notify::verify(
        SECRET.as_bytes(),
        ts,
        &req.body,
        req.header("x-policywatch-signature").unwrap()
    ));
    // The alert links to the change and says how to see it locally.
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    let (old, new) = (
        body["old_version"]["commit"].as_str().unwrap(),
        body["new_version"]["commit"].as_str().unwrap(),
    );
    assert_eq!(
        body["diff_url"],
        format!("https://git.example/policies/compare/{old}...{new}?source=acme-privacy")
    );
    assert_eq!(
        body["diff_command"],
        "policywatch diff acme-privacy@1 acme-privacy@2"
    );
    assert_shield_replaced_by_dpf(&body["events"]);
    wait_until(
        "the delivery to be recorded",
        Duration::from_secs(10),
        || setup.count("SELECT COUNT(*) FROM outbox WHERE status = 'delivered'") == 1,
    );
    // The schedule keeps running: more checks, no more versions or alerts.
    let checks = setup.count("SELECT COUNT(*) FROM checks");
    wait_until("more scheduled checks", Duration::from_secs(10), || {
        setup.count("SELECT COUNT(*) FROM checks") >= checks + 2
    });
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 2);

    signal(&daemon, libc::SIGTERM);
    assert_eq!(exit_code(&mut daemon, Duration::from_secs(15)), 0);
    assert_eq!(server.hits("/hook"), 1);

    // --log-format json: every line is a JSON object; the last says it stopped.
    let log = std::fs::read_to_string(setup.log("watch.log")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "new version"),
        "{log}"
    );
    assert_eq!(
        lines.last().unwrap()["fields"]["message"],
        "stopped",
        "{log}"
    );
    // The store lock is released: a check runs right away.
    assert_exit(&setup.command(&["check"]).output().unwrap(), 0);
}

#[test]
fn sigterm_during_a_slow_check_waits_the_grace_period_then_exits_0() {
    let server = TestServer::start();
    // Slower than the grace period (2 s) and than the fetch timeout (5 s).
    server.set(
        "/slow",
        Reply::html(policy(SHIELD, "")).delay(Duration::from_secs(60)),
    );
    let setup = Setup::new(&source("acme-slow", &server.url("/slow"), ""));
    let mut daemon = setup.spawn_watch("watch.log", &[]);
    wait_until("the check to be running", Duration::from_secs(20), || {
        server.hits("/slow") >= 1
    });

    let asked = Instant::now();
    signal(&daemon, libc::SIGTERM);
    assert_eq!(exit_code(&mut daemon, Duration::from_secs(15)), 0);
    let took = asked.elapsed();
    assert!(
        took >= Duration::from_millis(1500),
        "did not wait for the running check: {took:?}"
    );
    assert!(
        took < Duration::from_secs(10),
        "overran the grace period: {took:?}"
    );
    let log = std::fs::read_to_string(setup.log("watch.log")).unwrap();
    assert!(log.contains("abandoning running checks"), "{log}");
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 0);
    // The abandoned check left nothing the next start cannot use.
    assert_exit(&setup.command(&["status"]).output().unwrap(), 0);
}

#[test]
fn a_daemon_killed_between_detection_and_delivery_delivers_after_restart() {
    let server = TestServer::start();
    server.set("/privacy", Reply::html(policy(SHIELD, "")));
    // The receiver hangs: the delivery is in flight when the daemon dies.
    server.set("/hook", Reply::status(200).delay(Duration::from_secs(60)));
    let setup = Setup::new(&format!(
        "{}{}",
        webhook(&server.url("/hook"), "timeout = \"30s\""),
        source("acme-privacy", &server.url("/privacy"), "")
    ));
    let mut daemon = setup.spawn_watch("first.log", &[]);
    wait_until("the first version", Duration::from_secs(20), || {
        setup.count("SELECT COUNT(*) FROM versions") == 1
    });
    server.set("/privacy", Reply::html(policy(DPF, "")));
    wait_until("the delivery attempt", Duration::from_secs(20), || {
        server.hits("/hook") >= 1
    });

    signal(&daemon, libc::SIGKILL);
    let _ = daemon.wait();
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"),
        1,
        "the alert survives the crash in the outbox"
    );

    server.set("/hook", Reply::status(200));
    let mut daemon = setup.spawn_watch("second.log", &[]);
    wait_until(
        "delivery after the restart",
        Duration::from_secs(20),
        || setup.count("SELECT COUNT(*) FROM outbox WHERE status = 'delivered'") == 1,
    );
    signal(&daemon, libc::SIGTERM);
    assert_eq!(exit_code(&mut daemon, Duration::from_secs(15)), 0);

    // At least once, with one idempotency id across both attempts.
    let ids: Vec<String> = server
        .requests("/hook")
        .iter()
        .map(|r| r.header("x-policywatch-delivery").unwrap().to_string())
        .collect();
    assert!(ids.len() >= 2, "{ids:?}");
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 2);
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM events WHERE kind = 'transfer_mechanism.removed'"),
        1,
        "the restart did not detect the change twice"
    );
}

#[test]
fn sighup_or_an_edit_reloads_a_good_config_and_a_bad_one_keeps_the_old() {
    let server = TestServer::start();
    server.set("/a", Reply::html(policy(SHIELD, "")));
    server.set("/b", Reply::html(policy(DPF, "")));
    let a = source("acme-a", &server.url("/a"), "");
    let setup = Setup::new(&a);
    let mut daemon = setup.spawn_watch("watch.log", &[]);
    wait_until("source a", Duration::from_secs(20), || {
        setup.count("SELECT COUNT(*) FROM versions WHERE source_id = 'acme-a'") == 1
    });

    // A broken config is rejected and the daemon keeps checking.
    std::fs::write(setup.config(), "[[source]]\nid = \"Not A Slug\"\n").unwrap();
    signal(&daemon, libc::SIGHUP);
    wait_until("the rejection in the log", Duration::from_secs(10), || {
        std::fs::read_to_string(setup.log("watch.log"))
            .unwrap()
            .contains("config rejected")
    });
    let hits = server.hits("/a");
    wait_until("checks to go on", Duration::from_secs(10), || {
        server.hits("/a") >= hits + 2
    });

    // A good config adds a source, which is checked at once.
    setup.write_config(&format!("{a}{}", source("acme-b", &server.url("/b"), "")));
    signal(&daemon, libc::SIGHUP);
    wait_until("source b", Duration::from_secs(20), || {
        setup.count("SELECT COUNT(*) FROM versions WHERE source_id = 'acme-b'") == 1
    });
    // Editing the file is enough: no signal this time. (The size changes,
    // so the poll notices even within one mtime tick.)
    server.set("/c", Reply::html(policy(SHIELD, "")));
    setup.write_config(&format!(
        "{a}{}{}",
        source("acme-b", &server.url("/b"), ""),
        source("acme-c", &server.url("/c"), "")
    ));
    wait_until("source c", Duration::from_secs(20), || {
        setup.count("SELECT COUNT(*) FROM versions WHERE source_id = 'acme-c'") == 1
    });
    signal(&daemon, libc::SIGINT);
    assert_eq!(exit_code(&mut daemon, Duration::from_secs(15)), 0);
    let log = std::fs::read_to_string(setup.log("watch.log")).unwrap();
    // At least two: the poll may also notice an edit before its SIGHUP lands.
    assert!(log.matches("config reloaded").count() >= 2, "{log}");
    assert!(log.contains("config file changed"), "{log}");
}

#[test]
fn an_interval_schedule_keeps_checking() {
    let server = TestServer::start();
    server.set("/a", Reply::html(policy(SHIELD, "")));
    let setup = Setup::new(&source("ticking", &server.url("/a"), "every = \"1s\""));
    let mut daemon = setup.spawn_watch("watch.log", &[]);
    // The catch-up at start, the first interval (a one-shot job), then the
    // repeating job it hands over to.
    wait_until("four interval checks", Duration::from_secs(20), || {
        setup.count("SELECT COUNT(*) FROM checks WHERE source_id = 'ticking'") >= 4
    });
    signal(&daemon, libc::SIGTERM);
    assert_eq!(exit_code(&mut daemon, Duration::from_secs(15)), 0);
    assert_eq!(setup.count("SELECT COUNT(*) FROM versions"), 1);
}

#[test]
fn one_daemon_per_store_overdue_sources_run_at_start_and_status_shows_it() {
    let server = TestServer::start();
    server.set("/a", Reply::html(policy(SHIELD, "")));
    server.set("/b", Reply::html(policy(DPF, "")));
    let setup = Setup::new(&format!(
        "{}{}",
        source("fresh", &server.url("/a"), "every = \"1h\""),
        source("stale", &server.url("/b"), "every = \"1h\"")
    ));
    // `fresh` was checked a moment ago; `stale` never was.
    let out = setup
        .command(&["check", "--source", "fresh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut daemon = setup.spawn_watch("watch.log", &[]);
    wait_until("the overdue source", Duration::from_secs(20), || {
        setup.count("SELECT COUNT(*) FROM checks WHERE source_id = 'stale'") == 1
    });

    // A second daemon on the same store is refused, naming the first.
    let second = setup.command(&["watch"]).output().unwrap();
    assert_eq!(second.status.code(), Some(2));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains(&daemon.id().to_string()), "{err}");

    let out = setup
        .command(&["status", "--format", "json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["running_pid"], daemon.id().to_string());
    for s in status["sources"].as_array().unwrap() {
        assert_eq!(s["overdue"], false, "{s}");
        assert_eq!(s["schedule"], "every 1h");
    }
    signal(&daemon, libc::SIGTERM);
    assert_eq!(exit_code(&mut daemon, Duration::from_secs(15)), 0);
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM checks WHERE source_id = 'fresh'"),
        1,
        "a source checked within its interval is not re-checked at start"
    );
    let out = setup.command(&["status"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("daemon: not running"), "{text}");
}
