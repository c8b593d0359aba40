//! Change-alert webhooks end to end: the real binary (or the library's
//! `Deliverer` where timing matters), a real config file, SQLite and git in
//! a temp dir, a `file://` source rewritten between checks (Basecamp's
//! privacy policy, versions 20 → 21: three retention events and a section
//! rename; 57 → 58: a high-severity retention event and a new section), and
//! real HTTP receivers on 127.0.0.1.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use hmac::{KeyInit, Mac};
use serde_json::Value;
use support::{Reply, Seen, TestServer};

const SECRET: &str = "whsec_test_5f2b";
const A1: &str = "020-2020-04-08-f90388f.md";
const A2: &str = "021-2020-04-08-d397895.md";
const B1: &str = "057-2020-08-06-1a1e7f5.md";
const B2: &str = "058-2020-08-12-3a37ed1.md";

fn snapshot(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots/basecamp/privacy-policy")
        .join(name)
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    /// Sources `pp` (and `pp2` when `two`) read from files in the temp dir;
    /// `webhooks` is TOML appended to the config.
    fn new(two: bool, webhooks: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let mut config =
            String::from("[store]\npath = \"store\"\n[database]\npath = \"db.sqlite\"\n");
        let sources: &[&str] = if two { &["pp", "pp2"] } else { &["pp"] };
        for id in sources {
            config.push_str(&format!(
                "[[source]]\nid = \"{id}\"\nname = \"Basecamp privacy ({id})\"\nurl = \"file://{}\"\n",
                dir.path().join(format!("{id}.md")).display()
            ));
        }
        config.push_str(webhooks);
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Setup { dir }
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// Publish a version of a source.
    fn publish(&self, id: &str, version: &str) {
        std::fs::copy(snapshot(version), self.dir.path().join(format!("{id}.md"))).unwrap();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_policywatch"));
        c.arg("--config")
            .arg(self.config_path())
            .args(args)
            .env("NO_COLOR", "1")
            .env("PW_HOOK_SECRET", SECRET)
            .env_remove("POLICYWATCH_LOG");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Run; expect this exit code; return stdout.
    fn expect(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn deliveries(&self, status: &str) -> Vec<Value> {
        let out = self.expect(
            &[
                "webhook",
                "deliveries",
                "--status",
                status,
                "--format",
                "json",
            ],
            0,
        );
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// First version of each source, then the changed one: returns the
    /// second check's stdout.
    fn change(&self, versions: &[(&str, &str, &str)]) -> String {
        for (id, old, _) in versions {
            self.publish(id, old);
        }
        self.expect(&["check"], 0);
        for (id, _, new) in versions {
            self.publish(id, new);
        }
        self.expect(&["check"], 0)
    }
}

fn hook(name: &str, url: &str, extra: &str) -> String {
    format!(
        "[[webhook]]\nname = \"{name}\"\nurl = \"{url}\"\nsecret = \"env:PW_HOOK_SECRET\"\n{extra}\n"
    )
}

/// What a receiver must do: recompute HMAC-SHA256(secret, "<ts>.<body>")
/// from the headers (with the hmac crate, not our code) and compare.
fn assert_signed(req: &Seen) {
    let ts = req
        .header("x-policywatch-timestamp")
        .expect("timestamp header");
    let sig = req
        .header("x-policywatch-signature")
        .expect("signature header");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(&req.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(sig, expected, "signature must verify");
    let age = chrono::Utc::now().timestamp() - ts.parse::<i64>().unwrap();
    assert!((0..300).contains(&age), "timestamp {ts} is {age}s old");
}

fn body(req: &Seen) -> Value {
    serde_json::from_slice(&req.body).unwrap()
}

fn kinds(req: &Seen) -> Vec<String> {
    body(req)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

/// Wait until `f` holds (polling), or fail after `limit`.
fn eventually(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn alert_is_signed_and_carries_the_events() {
    let server = TestServer::start();
    server.set("/hook", Reply::new(204));
    let s = Setup::new(
        false,
        &hook(
            "ops",
            &server.url("/hook"),
            "headers = { X-Team = \"privacy\" }",
        ),
    );
    let out = s.change(&[("pp", A1, A2)]);
    assert!(out.contains("alerts: 1 delivered"), "{out}");

    let reqs = server.requests("/hook");
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("x-team"), Some("privacy"));
    assert!(
        req.header("user-agent")
            .unwrap()
            .starts_with("policywatch/")
    );
    assert_signed(req);

    let b = body(req);
    assert_eq!(b["schema"], "policywatch.webhook/1");
    assert_eq!(b["type"], "change");
    assert_eq!(b["source"]["id"], "pp");
    assert_eq!(b["old_version"]["seq"], 1);
    assert_eq!(b["new_version"]["seq"], 2);
    assert_eq!(b["diff_command"], "policywatch diff pp@1 pp@2");
    let id = req.header("x-policywatch-delivery").unwrap();
    assert_eq!(b["delivery"], id);
    let k = kinds(req);
    assert!(k.contains(&"retention.added".to_string()), "{k:?}");
    assert!(k.contains(&"section.renamed".to_string()), "{k:?}");

    let rows = s.deliveries("delivered");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], id);
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(rows[0]["last_status"], 204);
    assert_eq!(rows[0]["payload"]["delivery"], id);
}

#[test]
fn filters_select_which_receiver_gets_which_events() {
    let server = TestServer::start();
    for p in ["/retention", "/high", "/sections", "/never"] {
        server.set(p, Reply::new(200));
    }
    let hooks = [
        hook(
            "retention",
            &server.url("/retention"),
            "events = [\"retention.*\"]\nsources = [\"pp\"]",
        ),
        hook("high", &server.url("/high"), "min_severity = \"high\""),
        hook(
            "sections",
            &server.url("/sections"),
            "events = [\"section.*\"]",
        ),
        // pp has no high event, and this hook wants pp only
        hook(
            "never",
            &server.url("/never"),
            "sources = [\"pp\"]\nmin_severity = \"high\"",
        ),
    ]
    .concat();
    let s = Setup::new(true, &hooks);
    let out = s.change(&[("pp", A1, A2), ("pp2", B1, B2)]);
    assert!(out.contains("alerts: 4 delivered"), "{out}");

    let retention = server.requests("/retention");
    assert_eq!(retention.len(), 1);
    assert_eq!(body(&retention[0])["source"]["id"], "pp");
    let k = kinds(&retention[0]);
    assert_eq!(k.len(), 3, "{k:?}");
    assert!(k.iter().all(|k| k.starts_with("retention.")), "{k:?}");

    let high = server.requests("/high");
    assert_eq!(high.len(), 1);
    assert_eq!(body(&high[0])["source"]["id"], "pp2");
    let events = body(&high[0])["events"].as_array().unwrap().clone();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["severity"] == "high"), "{events:?}");

    let sections = server.requests("/sections");
    let mut sources: Vec<String> = sections
        .iter()
        .map(|r| body(r)["source"]["id"].as_str().unwrap().to_string())
        .collect();
    sources.sort();
    assert_eq!(sources, ["pp", "pp2"]);
    for r in &sections {
        let k = kinds(r);
        assert!(k.iter().all(|k| k.starts_with("section.")), "{k:?}");
        assert_signed(r);
    }
    assert_eq!(server.hits("/never"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fails_twice_then_delivered_after_three_attempts_under_one_id() {
    use policywatch::config::Config;
    use policywatch::db::{Db, DeliveryStatus};
    use policywatch::notify::Deliverer;

    let server = TestServer::start();
    server.set("/hook", Reply::new(200));
    server.push("/hook", Reply::server_error());
    server.push("/hook", Reply::status(503).body("maintenance"));
    let s = Setup::new(false, &hook("ops", &server.url("/hook"), ""));
    // Attempt 1 is `check`'s, with the default backoff.
    let out = tokio::task::block_in_place(|| s.change(&[("pp", A1, A2)]));
    assert!(out.contains("alerts: 1 will be retried"), "{out}");
    // The default backoff: the first retry is due within 5 s of the first
    // attempt (which happened before `check` returned). Read from the row,
    // not timed, so a loaded machine cannot fail it.
    let due: chrono::DateTime<chrono::Utc> = s.deliveries("pending")[0]["next_attempt_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        due <= chrono::Utc::now() + chrono::Duration::seconds(5),
        "first retry due at {due}"
    );

    let text = std::fs::read_to_string(s.config_path()).unwrap();
    let config = Config::from_str_with_env(&text, &s.config_path(), &|v| {
        (v == "PW_HOOK_SECRET").then(|| SECRET.to_string())
    })
    .unwrap();
    // Attempts 2 and 3 by the daemon's loop; the second retry is shortened.
    let deliverer = Deliverer::new(config.webhooks.clone(), &config.database.path, "test")
        .unwrap()
        .with_backoff(Duration::from_millis(100), Duration::from_millis(200));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let d = deliverer.clone();
        async move { d.run(stopped, Duration::from_secs(1)).await }
    });
    let db = Db::open(&config.database.path).unwrap();
    let start = Instant::now();
    let row = loop {
        let rows = db.deliveries(None, 10).unwrap();
        assert_eq!(rows.len(), 1);
        if rows[0].status != DeliveryStatus::Pending {
            break rows[0].clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "never delivered: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(3), worker)
        .await
        .expect("run returns promptly on shutdown")
        .unwrap();

    assert_eq!(row.status, DeliveryStatus::Delivered);
    assert_eq!(row.attempts, 3);
    assert_eq!(row.last_status, Some(200));
    let reqs = server.requests("/hook");
    assert_eq!(
        reqs.iter().map(|r| r.status).collect::<Vec<_>>(),
        [500, 503, 200]
    );
    for r in &reqs {
        assert_eq!(r.header("x-policywatch-delivery"), Some(row.id.as_str()));
        assert_signed(r);
    }
}

#[test]
fn receiver_down_during_check_gets_the_alert_when_back() {
    // A port nobody listens on (yet).
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let s = Setup::new(false, &hook("ops", &format!("http://{addr}/hook"), ""));
    let out = s.change(&[("pp", A1, A2)]);
    assert!(out.contains("alerts: 1 will be retried"), "{out}");
    let pending = s.deliveries("pending");
    assert_eq!(pending.len(), 1);
    let err = pending[0]["last_error"].as_str().unwrap();
    assert!(err.contains("cannot reach") && err.contains("ops"), "{err}");
    let id = pending[0]["id"].as_str().unwrap().to_string();
    let next: chrono::DateTime<chrono::Utc> = pending[0]["next_attempt_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    let server = TestServer::start_on(addr);
    server.set("/hook", Reply::new(200));
    // A check before the retry is due leaves it alone (backoff is honoured).
    // On a slow machine that check may end after the retry fell due; then
    // only the outcome is checked.
    let mut delivered_early = false;
    if chrono::Utc::now() + chrono::Duration::milliseconds(500) < next {
        let out = s.expect(&["check"], 0);
        if chrono::Utc::now() < next {
            assert!(!out.contains("alerts:"), "{out}");
            assert_eq!(server.hits("/hook"), 0);
        } else {
            delivered_early = out.contains("alerts: 1 delivered");
        }
    }
    if !delivered_early {
        if let Ok(wait) = (next - chrono::Utc::now()).to_std() {
            std::thread::sleep(wait + Duration::from_millis(100));
        }
        let out = s.expect(&["check"], 0);
        assert!(out.contains("alerts: 1 delivered"), "{out}");
    }
    let reqs = server.requests("/hook");
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].header("x-policywatch-delivery"), Some(id.as_str()));
    assert_signed(&reqs[0]);
    let done = s.deliveries("delivered");
    assert_eq!(done[0]["id"], id.as_str());
    assert_eq!(done[0]["attempts"], 2);
}

#[test]
fn a_4xx_is_dead_at_once_and_retry_resends_it() {
    let server = TestServer::start();
    server.set("/hook", Reply::status(410).body("this hook was deleted"));
    let s = Setup::new(false, &hook("ops", &server.url("/hook"), ""));
    let out = s.change(&[("pp", A1, A2)]);
    assert!(out.contains("alerts: 1 failed for good"), "{out}");
    assert_eq!(server.hits("/hook"), 1);

    let dead = s.deliveries("dead");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["attempts"], 1);
    assert_eq!(dead[0]["last_status"], 410);
    let id = dead[0]["id"].as_str().unwrap().to_string();
    let text = s.expect(&["webhook", "deliveries", "--status", "dead"], 0);
    assert!(text.contains(&id), "{text}");
    assert!(
        text.contains("410") && text.contains("this hook was deleted"),
        "{text}"
    );
    assert!(s.deliveries("pending").is_empty());

    // Not retried by a later pass.
    let out = s.expect(&["check"], 0);
    assert!(!out.contains("alerts:"), "{out}");
    assert_eq!(server.hits("/hook"), 1);

    // Fixed receiver: `webhook retry ID` sends it again, same id.
    server.set("/hook", Reply::new(200));
    let out = s.expect(&["webhook", "retry", &id], 0);
    assert!(out.contains("delivered"), "{out}");
    let reqs = server.requests("/hook");
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("x-policywatch-delivery"), Some(id.as_str()));
    assert_eq!(reqs[0].body, reqs[1].body);
    assert_eq!(s.deliveries("delivered")[0]["id"], id.as_str());

    let bad = s.run(&["webhook", "retry", "dlv_nope"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("dlv_nope") && err.contains("policywatch webhook deliveries"),
        "{err}"
    );
}

#[test]
fn a_hanging_receiver_does_not_delay_another() {
    let slow = TestServer::start();
    slow.set("/hook", Reply::new(200).delay(Duration::from_secs(120)));
    let fast = TestServer::start();
    fast.set("/hook", Reply::new(200));
    let hooks = [
        hook("slow", &slow.url("/hook"), "timeout = \"4s\""),
        hook("fast", &fast.url("/hook"), ""),
    ]
    .concat();
    let s = Setup::new(false, &hooks);
    s.publish("pp", A1);
    s.expect(&["check"], 0);
    s.publish("pp", A2);

    let child = s
        .command(&["check"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    eventually(Duration::from_secs(20), "the fast receiver", || {
        fast.requests("/hook").iter().any(|r| r.finished)
    });
    let fast_done = Instant::now();
    eventually(
        Duration::from_secs(2),
        "the slow receiver's attempt",
        || slow.hits("/hook") == 1,
    );
    let out = child.wait_with_output().unwrap();
    let check_done = Instant::now();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("alerts: 1 delivered, 1 will be retried"),
        "{stdout}"
    );
    // The fast one was answered while the slow one still hung.
    assert!(
        check_done - fast_done >= Duration::from_secs(2),
        "fast delivery finished only {:?} before the slow one timed out",
        check_done - fast_done
    );
    let slow_req = &slow.requests("/hook")[0];
    let fast_req = &fast.requests("/hook")[0];
    let gap = fast_req.at.max(slow_req.at) - fast_req.at.min(slow_req.at);
    assert!(gap < Duration::from_secs(1), "started {gap:?} apart");

    let pending = s.deliveries("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["webhook"], "slow");
    let err = pending[0]["last_error"].as_str().unwrap();
    assert!(
        err.contains("no answer") && err.contains("within 4s"),
        "{err}"
    );
    assert_eq!(s.deliveries("delivered")[0]["webhook"], "fast");
}

#[test]
fn webhook_test_sends_a_signed_sample() {
    let server = TestServer::start();
    server.set("/hook", Reply::new(200));
    server.set("/broken", Reply::server_error());
    let hooks = [
        hook("ops", &server.url("/hook"), ""),
        hook("broken", &server.url("/broken"), ""),
    ]
    .concat();
    let s = Setup::new(false, &hooks);
    let out = s.expect(&["webhook", "test", "ops"], 0);
    assert!(out.contains("accepted (200)"), "{out}");
    let reqs = server.requests("/hook");
    assert_eq!(reqs.len(), 1);
    assert_signed(&reqs[0]);
    let b = body(&reqs[0]);
    assert_eq!(b["type"], "test");
    assert_eq!(b["schema"], "policywatch.webhook/1");
    assert_eq!(
        b["delivery"].as_str(),
        reqs[0].header("x-policywatch-delivery")
    );
    assert!(!b["events"].as_array().unwrap().is_empty());

    let out = s.expect(&["webhook", "test", "broken"], 1);
    assert!(out.contains("answered 500"), "{out}");

    let bad = s.run(&["webhook", "test", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("\"nope\"") && err.contains("ops, broken"),
        "{err}"
    );
    // Test alerts are not stored in the outbox.
    assert!(s.deliveries("delivered").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_loop_delivers_past_a_hanging_receiver_and_stops_within_grace() {
    use policywatch::config::Config;
    use policywatch::db::{Db, DeliveryStatus};
    use policywatch::notify::Deliverer;

    let slow = TestServer::start();
    slow.set("/hook", Reply::new(200).delay(Duration::from_secs(120)));
    let fast = TestServer::start();
    fast.set("/hook", Reply::new(200));
    fast.push("/hook", Reply::status(502));
    let hooks = [
        hook("slow", &slow.url("/hook"), "timeout = \"1s\""),
        hook("fast", &fast.url("/hook"), ""),
    ]
    .concat();
    let s = Setup::new(false, &hooks);
    // check: slow times out, fast answers 502; both stay pending.
    let out = tokio::task::block_in_place(|| s.change(&[("pp", A1, A2)]));
    assert!(out.contains("alerts: 2 will be retried"), "{out}");

    let text = std::fs::read_to_string(s.config_path()).unwrap();
    let mut config = Config::from_str_with_env(&text, &s.config_path(), &|v| {
        (v == "PW_HOOK_SECRET").then(|| SECRET.to_string())
    })
    .unwrap();
    // The daemon gives the slow receiver a minute: it will still hang.
    config.webhooks[0].timeout = Duration::from_secs(60);
    let deliverer = Deliverer::new(config.webhooks.clone(), &config.database.path, "test").unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let d = deliverer.clone();
        async move { d.run(stopped, Duration::from_millis(300)).await }
    });
    let db = Db::open(&config.database.path).unwrap();
    let row = |name: &str| {
        db.deliveries(None, 10)
            .unwrap()
            .into_iter()
            .find(|d| d.webhook == name)
            .unwrap()
    };
    // Both retries come from the loop: fast is delivered, slow hangs.
    let start = Instant::now();
    while !(row("fast").status == DeliveryStatus::Delivered && slow.hits("/hook") == 2) {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "retries never came"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(row("fast").attempts, 2);
    // While slow still hangs, a newly due delivery goes out at once on wake().
    let fast_id = row("fast").id;
    db.retry_delivery(&fast_id, chrono::Utc::now()).unwrap();
    let woken = Instant::now();
    deliverer.wake();
    while fast.hits("/hook") < 3 || row("fast").status != DeliveryStatus::Delivered {
        assert!(
            woken.elapsed() < Duration::from_secs(2),
            "wake() did not start the due delivery"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let slow_reqs = slow.requests("/hook");
    assert!(!slow_reqs[1].finished, "slow is still hanging");
    assert!(fast.requests("/hook")[2].at > slow_reqs[1].at);

    let stopping = Instant::now();
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(3), worker)
        .await
        .expect("run returns after the grace period")
        .unwrap();
    let took = stopping.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "shutdown took {took:?}"
    );
    // The abandoned attempt is not recorded: still pending, sent again later.
    let slow_row = row("slow");
    assert_eq!(slow_row.status, DeliveryStatus::Pending);
    assert_eq!(slow_row.attempts, 1);
}
