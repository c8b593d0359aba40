//! Check throughput: a full `policywatch check` pass over N sources served
//! from 127.0.0.1, timed end to end as a user runs it (the release binary,
//! so process start, database open, reconcile and JSON output all count).
//!
//! `cargo bench --bench check_throughput` runs N = 200 and N = 2,000, three
//! passes each on a fresh store — first fetch (all new), nothing changed,
//! and 10 % changed — repeated 3 times, and prints the medians of wall time
//! and peak RSS (from `wait4`, so the child's own high-water mark) as a
//! Markdown table. `PW_BENCH_SIZES=200,2000` and `PW_BENCH_REPEAT=3`
//! override the defaults; `PW_BENCH_WRAP="perf record -g -o
//! /tmp/perf-{pass}.data --"` runs each pass under a profiler.
//!
//! The policies are built from the repository's own snapshots
//! (`snapshots/basecamp`, CC BY 4.0 "Basecamp policies" by 37signals, and
//! `snapshots/seeds*`), made distinct per source deterministically (vendor
//! name, an intro paragraph with the source number) and served half as
//! Markdown, half as an HTML rendering inside page chrome. The server sends
//! no validators, so "nothing changed" is the full-body case: every source
//! is downloaded and hashed, none gets a 304.

#[allow(dead_code)]
#[path = "../tests/support/server.rs"]
mod server;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use server::{Reply, TestServer};

/// One measured pass.
#[derive(Debug, Clone)]
struct Pass {
    wall: Duration,
    max_rss_kb: i64,
    new_versions: usize,
    unchanged: usize,
    other: usize,
    events: usize,
    exit: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    First,
    Unchanged,
    TenPercent,
}

impl State {
    fn label(self) -> &'static str {
        match self {
            State::First => "first fetch (all new)",
            State::Unchanged => "nothing changed",
            State::TenPercent => "10% changed",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            State::First => "first",
            State::Unchanged => "unchanged",
            State::TenPercent => "changed",
        }
    }

    /// (new versions, unchanged) a correct pass reports.
    fn expected(self, n: usize) -> (usize, usize) {
        match self {
            State::First => (n, 0),
            State::Unchanged => (0, n),
            State::TenPercent => (changed_count(n), n - changed_count(n)),
        }
    }
}

fn is_changed(i: usize) -> bool {
    i % 10 == 3
}

fn changed_count(n: usize) -> usize {
    (0..n).filter(|&i| is_changed(i)).count()
}

/// A base document from the repository: its text and whether it is Markdown.
struct Base {
    text: String,
    markdown: bool,
}

fn load_pool() -> Vec<Base> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut pool = Vec::new();
    for dir in ["basecamp/privacy-policy", "basecamp/terms-of-service"] {
        for f in sorted_files(&root.join(dir), "md") {
            if let Ok(text) = std::fs::read_to_string(&f) {
                pool.push(Base {
                    text,
                    markdown: true,
                });
            }
        }
    }
    for dir in ["seeds", "seeds-later"] {
        for f in sorted_files(&root.join(dir), "txt") {
            if let Ok(text) = std::fs::read_to_string(&f) {
                pool.push(Base {
                    text,
                    markdown: false,
                });
            }
        }
    }
    // Tiny early versions would trip the min-words guard; keep real policies.
    pool.retain(|b| b.text.len() >= 3_000);
    assert!(
        !pool.is_empty(),
        "no snapshots found under {}",
        root.display()
    );
    pool
}

fn sorted_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == ext))
                .filter(|p| !p.ends_with("README.md"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The Markdown (or plain text) of source `i`, in its original or changed form.
fn document(pool: &[Base], i: usize, changed: bool) -> (String, bool) {
    let base = &pool[i % pool.len()];
    let vendor = format!("Vendor{i:04}");
    let mut text = base
        .text
        .replace("Basecamp", &vendor)
        .replace("37signals", &vendor);
    let intro = format!(
        "This policy applies to every service that {vendor} Ltd. operates under contract number \
         {:08x}. It was last reviewed by the {vendor} privacy office, registered as controller \
         number {i}.",
        (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32
    );
    if base.markdown {
        text = format!("# {vendor} policy\n\n{intro}\n\n{text}");
    } else {
        text = format!("{vendor} policy\n\n{intro}\n\n{text}");
    }
    if changed {
        // A longer retention period and a new vendor: both raise events.
        let mut replaced = false;
        for (from, to) in [
            ("30 days", "90 days"),
            ("60 days", "180 days"),
            ("14 days", "45 days"),
            ("12 months", "36 months"),
        ] {
            if text.contains(from) {
                text = text.replacen(from, to, 1);
                replaced = true;
                break;
            }
        }
        let addition = format!(
            "We share personal information with Acme Analytics Inc., a new subprocessor that \
             provides product analytics to {vendor}.{}",
            if replaced {
                String::new()
            } else {
                " We retain server logs for 400 days.".to_string()
            }
        );
        // Into the middle of the document, as a paragraph of its own.
        let mut mid = text.len() / 2;
        while !text.is_char_boundary(mid) {
            mid += 1;
        }
        let cut = text[mid..].find("\n\n").map_or(text.len(), |p| mid + p);
        text.insert_str(cut, &format!("\n\n{addition}"));
    }
    (text, base.markdown)
}

/// A minimal Markdown → HTML rendering inside typical page chrome.
fn html_page(markdown: &str, i: usize) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut body = String::new();
    let mut in_list = false;
    for block in markdown.split("\n\n") {
        let block = block.trim();
        if block.is_empty() {
            continue;
        }
        let lines: Vec<&str> = block.lines().collect();
        let is_list = lines
            .iter()
            .all(|l| l.trim_start().starts_with("- ") || l.trim_start().starts_with("* "));
        if in_list && !is_list {
            body.push_str("</ul>\n");
            in_list = false;
        }
        if let Some(h) = block.strip_prefix('#') {
            let level = 1 + h.chars().take_while(|&c| c == '#').count();
            let title = h.trim_start_matches('#').trim();
            let _ = writeln!(body, "<h{level}>{}</h{level}>", esc(title));
        } else if is_list {
            if !in_list {
                body.push_str("<ul>\n");
                in_list = true;
            }
            for l in lines {
                let item = l.trim_start()[2..].trim();
                let _ = writeln!(body, "<li>{}</li>", esc(item));
            }
        } else {
            let _ = writeln!(body, "<p>{}</p>", esc(&lines.join(" ")));
        }
    }
    if in_list {
        body.push_str("</ul>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Privacy policy</title><link rel=\"stylesheet\" href=\"/s.css\"></head>\n\
         <body><header><nav><a href=\"/\">Home</a> <a href=\"/pricing\">Pricing</a> \
         <a href=\"/blog\">Blog</a> <a href=\"/login\">Sign in</a></nav></header>\n\
         <main><article>\n{body}</article></main>\n\
         <footer><p>© 2024 Site {i}. All rights reserved.</p>\
         <a href=\"/privacy\">Privacy</a> <a href=\"/terms\">Terms</a></footer>\
         <script>window.dataLayer=[];</script></body></html>\n"
    )
}

/// Publishes every source's current text on the server.
fn publish(server: &TestServer, pool: &[Base], n: usize, state: State) -> usize {
    let mut bytes = 0;
    for i in 0..n {
        let changed = state == State::TenPercent && is_changed(i);
        let (text, markdown) = document(pool, i, changed);
        let reply = if i % 2 == 1 {
            Reply::html(html_page(&text, i))
        } else if markdown {
            Reply::bytes("text/markdown; charset=utf-8", text.into_bytes())
        } else {
            Reply::text(text)
        };
        bytes += match &reply.body {
            server::Body::Bytes(b) => b.len(),
            server::Body::Filler(n) => *n,
        };
        server.set(&path(i, markdown), reply);
    }
    bytes
}

fn path(i: usize, markdown: bool) -> String {
    let ext = if i % 2 == 1 {
        "html"
    } else if markdown {
        "md"
    } else {
        "txt"
    };
    format!("/p/{i}/policy.{ext}")
}

fn write_config(dir: &Path, server: &TestServer, pool: &[Base], n: usize) -> PathBuf {
    let mut cfg = String::from(
        "[store]\npath = \"store\"\n[database]\npath = \"policywatch.sqlite\"\n\
         [fetch]\nconcurrency = 64\nper_host_concurrency = 64\nper_host_delay = \"0s\"\n",
    );
    for i in 0..n {
        let markdown = pool[i % pool.len()].markdown;
        let _ = write!(
            cfg,
            "[[source]]\nid = \"s{i:04}\"\nname = \"Vendor {i}\"\ntype = \"Privacy Policy\"\n\
             url = \"{}\"\n",
            server.url(&path(i, markdown))
        );
    }
    let file = dir.join("config.toml");
    std::fs::write(&file, cfg).expect("write the bench config");
    file
}

/// Runs `policywatch check` once and measures it.
fn run_check(config: &Path, out: &Path, tag: &str) -> Pass {
    let stdout = std::fs::File::create(out).expect("create the output file");
    let started = Instant::now();
    // PW_BENCH_WRAP="perf record -g -o perf-{pass}.data --" profiles the child.
    let wrap = std::env::var("PW_BENCH_WRAP").unwrap_or_default();
    let mut argv: Vec<String> = wrap
        .split_whitespace()
        .map(|a| a.replace("{pass}", tag))
        .collect();
    argv.push(env!("CARGO_BIN_EXE_policywatch").to_string());
    // Reaped by wait4 below, which also gives its peak RSS.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .arg("--config")
        .arg(config)
        .args(["check", "--format", "json"])
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start policywatch");
    let (exit, max_rss_kb) = wait_with_rusage(child.id() as libc::pid_t);
    let wall = started.elapsed();
    let json = std::fs::read_to_string(out).unwrap_or_default();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap_or_default();
    let outcome = |r: &serde_json::Value| r["outcome"].as_str().unwrap_or("").to_string();
    let new_versions = rows.iter().filter(|r| outcome(r) == "new_version").count();
    let unchanged = rows.iter().filter(|r| outcome(r) == "unchanged").count();
    let events = rows
        .iter()
        .map(|r| r["events"].as_array().map_or(0, Vec::len))
        .sum();
    for r in rows
        .iter()
        .filter(|r| !matches!(outcome(r).as_str(), "new_version" | "unchanged"))
        .take(3)
    {
        eprintln!("  unexpected: {r}");
    }
    Pass {
        wall,
        max_rss_kb,
        new_versions,
        unchanged,
        other: rows.len() - new_versions - unchanged,
        events,
        exit,
    }
}

/// Waits for the child and returns its exit code and its own peak RSS (KiB).
fn wait_with_rusage(pid: libc::pid_t) -> (i32, i64) {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage.ru_maxrss)
}

fn median<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn main() {
    let sizes: Vec<usize> = std::env::var("PW_BENCH_SIZES")
        .unwrap_or_else(|_| "200,2000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let repeat: usize = std::env::var("PW_BENCH_REPEAT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let pool = load_pool();
    let server = TestServer::start();
    let mut table = String::from(
        "| N | state | wall (median) | wall (min–max) | peak RSS (median) | outcomes (new / unchanged / other) | events |\n\
         |--:|---|--:|--:|--:|---|--:|\n",
    );
    let mut wrong = false;
    for &n in &sizes {
        let mut results: Vec<(State, Vec<Pass>)> =
            [State::First, State::Unchanged, State::TenPercent]
                .into_iter()
                .map(|s| (s, Vec::new()))
                .collect();
        let mut served = 0;
        for rep in 0..repeat {
            let dir = tempfile::tempdir().expect("temp dir");
            let config = write_config(dir.path(), &server, &pool, n);
            for (state, passes) in results.iter_mut() {
                served = publish(&server, &pool, n, *state);
                server.reset_counters();
                let tag = format!("{n}-{}", state.tag());
                let pass = run_check(&config, &dir.path().join("out.json"), &tag);
                let expected = state.expected(n);
                let ok = pass.exit == 0
                    && (pass.new_versions, pass.unchanged) == expected
                    && pass.other == 0
                    && (*state != State::TenPercent || pass.events > 0);
                wrong |= !ok;
                eprintln!(
                    "N={n} rep={} {:<22} {:>8.3} s  {:>6.1} MB  new={} unchanged={} other={} events={} exit={}{}",
                    rep + 1,
                    state.label(),
                    pass.wall.as_secs_f64(),
                    pass.max_rss_kb as f64 / 1024.0,
                    pass.new_versions,
                    pass.unchanged,
                    pass.other,
                    pass.events,
                    pass.exit,
                    if ok { "" } else { "  <-- NOT AS EXPECTED" }
                );
                passes.push(pass);
            }
        }
        eprintln!(
            "N={n}: {:.1} MB served per pass ({:.1} KB per source)",
            served as f64 / 1e6,
            served as f64 / 1e3 / n as f64
        );
        for (state, passes) in &results {
            let walls: Vec<f64> = passes.iter().map(|p| p.wall.as_secs_f64()).collect();
            let rss: Vec<i64> = passes.iter().map(|p| p.max_rss_kb).collect();
            let last = &passes[passes.len() - 1];
            let _ = writeln!(
                table,
                "| {n} | {} | {:.2} s | {:.2}–{:.2} s | {:.0} MB | {} / {} / {} | {} |",
                state.label(),
                median(walls.clone()),
                walls.iter().cloned().fold(f64::INFINITY, f64::min),
                walls.iter().cloned().fold(0.0, f64::max),
                median(rss) as f64 / 1024.0,
                last.new_versions,
                last.unchanged,
                last.other,
                last.events
            );
        }
    }
    println!("\n{table}");
    if wrong {
        eprintln!("some passes did not report what the served documents imply; see above");
        std::process::exit(1);
    }
}
