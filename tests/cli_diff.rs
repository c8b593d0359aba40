//! End-to-end tests of `policywatch diff`, driving the real binary: exit
//! codes, JSON shape, stdin, URLs served by a throwaway local HTTP server,
//! error messages and colour handling.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

const OLD: &str = "# Privacy Policy\n\nLast updated: 1 March 2024.\n\n# Data Retention\n\nWe keep server logs for 14 months.\n\n# Old Section\n\nThis goes away.\n\n# Contact\n\nWrite to privacy@example.com.\n";
const NEW: &str = "# Privacy Policy\n\nLast updated: 1 May 2024.\n\n# Data Retention\n\nWe keep server logs for 26 months.\n\n# Your Rights\n\nYou may ask us to delete your data.\n\n# Contact\n\nWrite to privacy@example.com.\n";

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_policywatch"));
    // The test server is local; a proxy from the environment must not intercept it.
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "POLICYWATCH_CONFIG",
        "POLICYWATCH_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write test file");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {}", stdout(o)))
}

fn assert_report_shape(v: &serde_json::Value) {
    assert_eq!(v["schema"], "policywatch.diff/1");
    for side in ["old", "new"] {
        for key in ["label", "sha256", "language", "sections", "words"] {
            assert!(!v[side][key].is_null(), "{side}.{key} missing: {v}");
        }
    }
    for key in [
        "substantive",
        "sections_added",
        "sections_removed",
        "sections_modified",
        "sections_moved",
        "sections_renamed",
        "words_added",
        "words_removed",
        "max_severity",
    ] {
        assert!(
            v["summary"].get(key).is_some(),
            "summary.{key} missing: {v}"
        );
    }
    assert!(v["sections"].is_array());
    assert!(v["events"].is_array());
}

#[test]
fn two_files_with_a_change_exit_1_with_the_spec_json() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "old.md", OLD);
    let b = write(dir.path(), "new.md", NEW);
    let o = run(&["diff", s(&a), s(&b), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let v = json(&o);
    assert_report_shape(&v);
    assert_eq!(v["summary"]["substantive"], true);
    assert_eq!(v["old"]["label"], s(&a));
    assert_eq!(v["new"]["label"], s(&b));
    let sections = v["sections"].as_array().unwrap();
    assert!(!sections.is_empty());
    assert!(
        sections.iter().all(|x| x["status"] != "unchanged"),
        "unchanged sections are left out without --all"
    );
    assert!(
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"].is_string() && e["severity"].is_string())
    );

    let all = run(&["diff", s(&a), s(&b), "--format", "json", "--all"]);
    let v = json(&all);
    assert!(
        v["sections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["status"] == "unchanged")
    );
}

#[test]
fn identical_files_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.md", OLD);
    let b = write(dir.path(), "b.md", OLD);
    let o = run(&["diff", s(&a), s(&b)]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        stdout(&o).contains("no substantive change"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn cosmetic_whitespace_change_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.md", OLD);
    // Extra blank lines, indentation, trailing blanks and CRLF line ends.
    let cosmetic = OLD
        .replace('\n', "  \r\n\r\n")
        .replace("We keep", "   We keep");
    let b = write(dir.path(), "b.md", cosmetic);
    let o = run(&["diff", s(&a), s(&b), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "stdout: {}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["summary"]["substantive"], false);
    assert_eq!(v["events"].as_array().map(Vec::len), Some(0));
}

#[test]
fn stdin_is_read_for_dash() {
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "new.md", NEW);
    let mut child = bin()
        .args(["diff", "-", s(&b), "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(OLD.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["old"]["label"], "stdin");
    assert_eq!(v["summary"]["substantive"], true);
}

#[test]
fn both_sides_stdin_is_an_error() {
    let o = run(&["diff", "-", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("policywatch: error:"), "{}", stderr(&o));
}

#[test]
fn missing_file_exits_2_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.md", OLD);
    let missing = dir.path().join("no-such-policy.md");
    let o = run(&["diff", s(&a), s(&missing)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "policywatch: error: {}: no such file",
            s(&missing)
        )),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    assert!(o.stdout.is_empty(), "nothing on stdout on error");
}

#[test]
fn directory_and_empty_inputs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.md", OLD);
    let o = run(&["diff", s(dir.path()), s(&a)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));

    let empty = write(dir.path(), "empty.md", "\n  \n");
    let o = run(&["diff", s(&a), s(&empty)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("{}: is empty", s(&empty))),
        "{}",
        stderr(&o)
    );
}

#[test]
fn binary_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.md", OLD);
    let bin_file = write(
        dir.path(),
        "image.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0",
    );
    let o = run(&["diff", s(&a), s(&bin_file)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("image.png"), "{err}");
    assert!(err.contains("binary"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let o = run(&["diff", "only-one-argument"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["diff", "a", "b", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

/// A tiny HTTP/1.1 server for the tests: fixed responses by path, and a
/// record of the User-Agent of each request.
struct Server {
    base: String,
    agents: Arc<Mutex<Vec<String>>>,
}

fn serve(routes: Vec<(&'static str, u16, &'static str, String)>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let agents = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&agents);
    let routes: HashMap<&str, (u16, &str, String)> = routes
        .into_iter()
        .map(|(p, st, ct, body)| (p, (st, ct, body)))
        .collect();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line.trim() != "" {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("user-agent:") {
                    seen.lock().unwrap().push(v.trim().to_string());
                }
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let (status, ctype, body) =
                routes
                    .get(path)
                    .cloned()
                    .unwrap_or((404, "text/plain", "not found".into()));
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            if status == 302 {
                head.push_str(&format!("Location: {path}\r\n"));
            }
            let _ = stream.write_all(format!("{head}\r\n{body}").as_bytes());
        }
    });
    Server { base, agents }
}

#[test]
fn two_urls_are_fetched_and_diffed() {
    let server = serve(vec![
        ("/old", 200, "text/markdown; charset=utf-8", OLD.into()),
        ("/new", 200, "text/markdown; charset=utf-8", NEW.into()),
    ]);
    let (old, new) = (
        format!("{}/old", server.base),
        format!("{}/new", server.base),
    );
    let o = run(&["diff", &old, &new, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let v = json(&o);
    assert_report_shape(&v);
    assert_eq!(v["old"]["label"], old);
    assert_eq!(v["new"]["label"], new);
    let agents = server.agents.lock().unwrap().clone();
    assert_eq!(agents.len(), 2, "each URL fetched once: {agents:?}");
    assert!(
        agents
            .iter()
            .all(|a| a.starts_with("policywatch/") && a.contains("github.com/policywatch")),
        "{agents:?}"
    );
}

#[test]
fn a_url_and_a_file_mix() {
    let server = serve(vec![("/p", 200, "text/plain", OLD.into())]);
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "b.md", OLD);
    let o = run(&["diff", &format!("{}/p", server.base), s(&b)]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
}

#[test]
fn http_errors_exit_2_naming_the_url() {
    let server = serve(vec![
        ("/ok", 200, "text/plain", OLD.into()),
        (
            "/blocked",
            403,
            "text/html",
            "<h1>Access denied</h1>".into(),
        ),
        ("/loop", 302, "text/plain", String::new()),
    ]);
    let ok = format!("{}/ok", server.base);

    let gone = format!("{}/gone", server.base);
    let o = run(&["diff", &ok, &gone]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("policywatch: error: {gone}: HTTP 404")),
        "{err}"
    );

    let blocked = format!("{}/blocked", server.base);
    let o = run(&["diff", &blocked, &ok]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(&blocked) && err.contains("403"), "{err}");
    assert!(err.contains("block bots"), "{err}");

    let looping = format!("{}/loop", server.base);
    let o = run(&["diff", &looping, &ok]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(&looping) && err.contains("redirect"), "{err}");
}

#[test]
fn a_challenge_page_served_with_200_is_not_diffed() {
    let challenge = "<html><head><title>Just a moment...</title></head><body><script>window._cf_chl_opt={}</script>Checking your browser.</body></html>";
    let server = serve(vec![
        ("/ok", 200, "text/plain", OLD.into()),
        ("/wall", 200, "text/html", challenge.into()),
    ]);
    let wall = format!("{}/wall", server.base);
    let o = run(&["diff", &format!("{}/ok", server.base), &wall]);
    assert_eq!(o.status.code(), Some(2), "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{wall}: is a bot-wall page (Cloudflare")),
        "{err}"
    );
    assert!(
        err.contains("policywatch: hint:") && err.contains("block bots"),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "no report for a challenge page");
}

#[test]
fn server_errors_are_retried_once_then_reported() {
    let server = serve(vec![
        ("/ok", 200, "text/plain", OLD.into()),
        ("/down", 503, "text/plain", "maintenance".into()),
    ]);
    let down = format!("{}/down", server.base);
    let o = run(&["diff", &format!("{}/ok", server.base), &down]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{down}: HTTP 503 Service Unavailable (2 attempts)"
        )),
        "{err}"
    );
    assert!(err.contains("try again later"), "{err}");
    // One for /ok, two for /down.
    assert_eq!(server.agents.lock().unwrap().len(), 3);
}

#[test]
fn oversize_bodies_are_refused() {
    let server = serve(vec![
        ("/ok", 200, "text/plain", OLD.into()),
        ("/huge", 200, "text/plain", "a ".repeat(5 * 1024 * 1024 + 1)),
    ]);
    let huge = format!("{}/huge", server.base);
    let o = run(&["diff", &format!("{}/ok", server.base), &huge]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(&huge) && err.contains("10 MB"), "{err}");
}

#[test]
fn unreachable_and_malformed_urls_exit_2() {
    // Bind then drop, so the port is (almost certainly) closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/p");
    let o = run(&["diff", &url, &url]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(&url), "{}", stderr(&o));

    let o = run(&["diff", "http://exa mple.com/", "b"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad URL"), "{}", stderr(&o));
}

#[test]
fn html_output_escapes_policy_text() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.md", OLD);
    let b = write(
        dir.path(),
        "b.md",
        format!("{NEW}\n# <script>alert(1)</script>\n\nSee <script>alert(2)</script>.\n"),
    );
    let o = run(&["diff", s(&a), s(&b), "--format", "html"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let html = stdout(&o);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"),
        "{html}"
    );
}

#[test]
fn no_color_disables_ansi_in_auto_mode() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.md", OLD);
    let b = write(dir.path(), "b.md", NEW);
    let o = bin()
        .args(["diff", s(&a), s(&b), "--color", "auto"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!o.stdout.contains(&0x1b), "{}", stdout(&o));
    assert!(stdout(&o).contains("[-14-]{+26+}"), "{}", stdout(&o));

    // The check above means something only if colour can be switched on.
    let o = run(&["diff", s(&a), s(&b), "--color", "always"]);
    assert!(o.stdout.contains(&0x1b), "{}", stdout(&o));
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.md", OLD);
    let b = write(dir.path(), "b.md", NEW);
    let out = dir.path().join("report.md");
    let o = run(&["diff", s(&a), s(&b), "--format", "markdown", "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    assert!(o.stdout.is_empty());
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.starts_with("## Policy diff:"), "{md}");
    assert!(md.contains("~~14~~**26**"), "{md}");
}

#[test]
fn json_logs_go_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.md", OLD);
    let o = run(&[
        "-v",
        "--log-format",
        "json",
        "diff",
        s(&a),
        s(&a),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    json(&o); // stdout stays pure JSON
    let err = stderr(&o);
    let first = err.lines().next().expect("a log line at -v");
    let line: serde_json::Value = serde_json::from_str(first).expect("log line is JSON");
    assert!(line["level"].is_string(), "{line}");
}
