//! Config loading: messages point at file, line and key; defaults; paths.

use std::path::{Path, PathBuf};
use std::time::Duration;

use policywatch::config::{Config, ConfigError, Schedule, WebhookFormat, resolve_path_with};
use policywatch::report::Severity;

fn cfg(text: &str) -> Result<Config, ConfigError> {
    Config::from_str_with_env(text, Path::new("/srv/pw/config.toml"), &|v| {
        (v == "HOOK_SECRET").then(|| "s3cret".to_string())
    })
}

fn err(text: &str) -> String {
    match cfg(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const MINIMAL: &str = "[[source]]\nid = \"acme\"\nurl = \"https://acme.example/privacy\"\n";

#[test]
fn defaults_and_relative_paths() {
    let c = cfg(MINIMAL).unwrap();
    assert_eq!(c.store.path, PathBuf::from("/srv/pw/store"));
    assert_eq!(c.database.path, PathBuf::from("/srv/pw/policywatch.sqlite"));
    assert_eq!(c.fetch.connect_timeout, Duration::from_secs(10));
    assert_eq!(c.fetch.timeout, Duration::from_secs(30));
    assert_eq!(c.fetch.max_body, 10 * 1024 * 1024);
    assert_eq!(c.fetch.max_redirects, 5);
    assert_eq!(c.fetch.concurrency, 16);
    assert_eq!(c.fetch.per_host_concurrency, 2);
    assert_eq!(c.fetch.per_host_delay, Duration::from_secs(1));
    assert_eq!(c.fetch.retries, 3);
    assert_eq!(c.fetch.shrink_threshold, 0.5);
    assert_eq!(c.fetch.min_words, 50);
    assert!(c.fetch.user_agent.starts_with("policywatch/"));
    assert!(c.fetch.user_agent.contains("github.com/policywatch"));
    assert_eq!(c.watch.failure_threshold, 3);
    assert_eq!(c.watch.jitter, Duration::from_secs(30));
    assert_eq!(
        c.watch.schedule,
        Schedule::Every(Duration::from_secs(6 * 3600))
    );
    let s = &c.sources[0];
    assert_eq!(
        (s.id.as_str(), s.name.as_str(), s.doc_type.as_str()),
        ("acme", "acme", "Privacy Policy")
    );
    assert_eq!(c.schedule_for(s), &c.watch.schedule);
}

#[test]
fn full_config() {
    let text = r#"
[store]
path = "data/git"
[database]
path = "/var/lib/pw.db"
[fetch]
user_agent = "test-agent"
max_body = "512KB"
per_host_delay = "500ms"
shrink_threshold = 0.3
[watch]
schedule = "*/2 * * * * *"
grace_period = "5s"
[[source]]
id = "local"
name = "Local copy"
url = "file:snapshots/basecamp/privacy-policy/2020-01-01.md"
type = "terms of service"
select = "main"
remove = ".cookie-banner"
headers = { "Accept-Language" = "sv" }
language = "SV"
every = "10m"
format = "markdown"
[[source]]
id = "other"
url = "https://other.example/p"
remove = ["nav", "footer"]
schedule = { every = "1h" }
[[webhook]]
name = "ops"
url = "https://hooks.example/pw"
secret = "env:HOOK_SECRET"
sources = ["other"]
events = ["retention.*", "*.removed"]
min_severity = "medium"
[[webhook]]
name = "chat"
url = "https://hooks.slack.example/x"
secret = "chat-secret"
format = "slack"
"#;
    let c = cfg(text).unwrap();
    assert_eq!(c.store.path, PathBuf::from("/srv/pw/data/git"));
    assert_eq!(c.database.path, PathBuf::from("/var/lib/pw.db"));
    assert_eq!(c.fetch.max_body, 512 * 1024);
    assert_eq!(c.fetch.per_host_delay, Duration::from_millis(500));
    assert_eq!(c.watch.schedule, Schedule::Cron("*/2 * * * * *".into()));
    let local = c.source("local").unwrap();
    assert_eq!(
        local.file_path().unwrap(),
        PathBuf::from("/srv/pw/snapshots/basecamp/privacy-policy/2020-01-01.md")
    );
    assert_eq!(local.doc_type, "Terms of Service");
    assert_eq!(local.language.as_deref(), Some("sv"));
    assert_eq!(local.remove, vec![".cookie-banner".to_string()]);
    assert_eq!(local.headers["Accept-Language"], "sv");
    assert_eq!(
        local.schedule,
        Some(Schedule::Every(Duration::from_secs(600)))
    );
    let opts = local.parse_options();
    assert_eq!(opts.select.as_deref(), Some("main"));
    assert!(opts.format.is_some());
    let other = c.source("other").unwrap();
    assert_eq!(other.remove, vec!["nav".to_string(), "footer".to_string()]);
    assert_eq!(
        c.schedule_for(other),
        &Schedule::Every(Duration::from_secs(3600))
    );
    let ops = &c.webhooks[0];
    assert_eq!(ops.secret, "s3cret");
    assert_eq!(ops.max_attempts, 8);
    assert_eq!(ops.max_age, Duration::from_secs(86400));
    assert!(ops.wants("other", "retention.changed", Severity::High));
    assert!(!ops.wants("local", "retention.changed", Severity::High));
    assert!(!ops.wants("other", "retention.changed", Severity::Low));
    assert!(!ops.wants("other", "section.added", Severity::High));
    assert_eq!(c.webhooks[1].format, WebhookFormat::Slack);
    assert!(
        c.select_sources(&["nope".into()])
            .unwrap_err()
            .to_string()
            .contains("known ids: local, other")
    );
    assert_eq!(c.select_sources(&[]).unwrap().len(), 2);
    let opts = c.fetch.fetch_options();
    assert_eq!(
        (opts.max_body_bytes, opts.user_agent.as_str()),
        (512 * 1024, "test-agent")
    );
    let req = local.fetch_request(Some("\"e\"".into()), None);
    assert!(req.url.starts_with("file:///srv/pw/snapshots/"));
    assert_eq!(
        req.headers,
        vec![("Accept-Language".to_string(), "sv".to_string())]
    );
    assert_eq!(req.etag.as_deref(), Some("\"e\""));
}

#[test]
fn unknown_key_names_file_line_table_and_expected_keys() {
    let text = "[[source]]\nid = \"a\"\nurl = \"https://a.example\"\n\n[[source]]\nid = \"b\"\nurll = \"https://b.example\"\n";
    let e = err(text);
    assert!(e.starts_with("/srv/pw/config.toml:7:1: unknown key \"urll\" in [[source]] #2; expected one of id, name, url"), "{e}");
    let e = err("[fetch]\ntimout = \"1s\"\n");
    assert!(
        e.starts_with("/srv/pw/config.toml:2:1: unknown key \"timout\" in [fetch]"),
        "{e}"
    );
    assert!(e.contains("timeout"), "{e}");
    let e = err("[stor]\npath = \"x\"\n");
    assert!(e.contains(":1:") && e.contains("\"stor\""), "{e}");
}

#[test]
fn missing_and_mistyped_keys() {
    let e = err("[[source]]\nid = \"a\"\n");
    assert!(e.contains("missing key \"url\" in [[source]] #1"), "{e}");
    assert!(e.starts_with("/srv/pw/config.toml:1:"), "{e}");
    let e = err("[fetch]\nconcurrency = \"many\"\n");
    assert!(
        e.starts_with("/srv/pw/config.toml:2:15: key \"concurrency\" in [fetch]"),
        "{e}"
    );
    let e = err("[store\npath = 1\n");
    assert!(e.starts_with("/srv/pw/config.toml:1:"), "{e}");
}

#[test]
fn validation_errors_point_at_the_value() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[[source]]\nid = \"Bad/Id\"\nurl = \"https://a.example\"\n",
            ":2:6: key \"id\" in [[source]] #1",
            "slug",
        ),
        (
            "[[source]]\nid = \"a..b\"\nurl = \"https://a.example\"\n",
            ":2:6: key \"id\"",
            "slug",
        ),
        (
            "[[source]]\nid = \"a\"\nurl = \"ftp://a.example\"\n",
            ":3:7: key \"url\"",
            "expected http, https or file",
        ),
        (
            "[[source]]\nid = \"a\"\nurl = \"not a url\"\n",
            ":3:7: key \"url\"",
            "expected an http, https or file URL",
        ),
        (
            "[[source]]\nid = \"a\"\nurl = \"https://a.example\"\ntype = \"Privacy\"\n",
            ":4:8: key \"type\"",
            "\"Terms of Service\"",
        ),
        (
            "[[source]]\nid = \"a\"\nurl = \"https://a.example\"\nlanguage = \"english\"\n",
            ":4:12: key \"language\"",
            "ISO 639-1",
        ),
        (
            "[[source]]\nid = \"a\"\nurl = \"https://a.example\"\nschedule = \"* * *\"\n",
            ":4:12: key \"schedule\"",
            "5 fields",
        ),
        (
            "[[source]]\nid = \"a\"\nurl = \"https://a.example\"\nformat = \"docx\"\n",
            ":4:10: key \"format\"",
            "markdown",
        ),
        (
            "[[source]]\nid = \"a\"\nurl = \"https://a.example\"\nheaders = { \"Bad Name\" = \"x\" }\n",
            ":4:11: key \"headers\"",
            "header name",
        ),
        (
            "[fetch]\ntimeout = \"30 seconds please\"\n",
            ":2:11: key \"timeout\" in [fetch]",
            "expected a duration",
        ),
        (
            "[fetch]\nmax_body = \"10 parsecs\"\n",
            ":2:12: key \"max_body\"",
            "expected a size",
        ),
        (
            "[fetch]\nshrink_threshold = 1.5\n",
            ":2:20: key \"shrink_threshold\"",
            "fraction",
        ),
        (
            "[fetch]\nconcurrency = 0\n",
            ":2:15: key \"concurrency\"",
            "from 1 to",
        ),
        (
            "[watch]\njitter = \"soon\"\n",
            ":2:10: key \"jitter\" in [watch]",
            "expected a duration",
        ),
        (
            "[watch]\nschedule = \"* * * * *\"\nevery = \"1h\"\n",
            ":2:12: key \"schedule\"",
            "not both",
        ),
    ];
    for (text, place, what) in cases {
        let e = err(text);
        assert!(e.starts_with("/srv/pw/config.toml"), "{e}");
        assert!(e.contains(place), "expected {place:?} in {e}");
        assert!(e.contains(what), "expected {what:?} in {e}");
    }
}

#[test]
fn duplicate_ids_and_webhook_errors() {
    let e = err(
        "[[source]]\nid = \"a\"\nurl = \"https://a.example\"\n[[source]]\nid = \"a\"\nurl = \"https://b.example\"\n",
    );
    assert!(
        e.contains(":5:6: key \"id\" in [[source]] #2: duplicate id \"a\""),
        "{e}"
    );
    let base = "[[source]]\nid = \"a\"\nurl = \"https://a.example\"\n[[webhook]]\nname = \"w\"\nurl = \"https://h.example\"\n";
    let e = err(&format!("{base}secret = \"env:NOT_SET_ANYWHERE\"\n"));
    assert!(
        e.contains(":7:10: key \"secret\" in [[webhook]] #1")
            && e.contains("\"NOT_SET_ANYWHERE\" is not set"),
        "{e}"
    );
    let e = err(&format!(
        "{base}secret = \"x\"\nsources = [\"a\", \"zz\"]\n"
    ));
    assert!(
        e.contains(":8:17: key \"sources\"") && e.contains("\"zz\""),
        "{e}"
    );
    let e = err(&format!("{base}secret = \"x\"\nevents = [\"Retention\"]\n"));
    assert!(e.contains(":8:11: key \"events\""), "{e}");
    let e = err(&format!(
        "{base}secret = \"x\"\nmin_severity = \"urgent\"\n"
    ));
    assert!(
        e.contains(":8:16: key \"min_severity\"") && e.contains("info, low, medium or high"),
        "{e}"
    );
    let e = err(&format!("{base}secret = \"x\"\nformat = \"teams\"\n"));
    assert!(
        e.contains("key \"format\"") && e.contains("\"slack\""),
        "{e}"
    );
    let e = err(base);
    assert!(
        e.contains("key \"secret\"") && e.contains("env:VAR_NAME"),
        "{e}"
    );
    let e = err(&format!(
        "{base}secret = \"x\"\n[[webhook]]\nname = \"w\"\nurl = \"https://h.example\"\nsecret = \"y\"\nformat = \"slack\"\n"
    ));
    assert!(
        e.contains(":9:8: key \"name\" in [[webhook]] #2: duplicate webhook name"),
        "{e}"
    );
}

#[test]
fn load_reads_files_and_names_missing_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pw.toml");
    std::fs::write(
        &path,
        "[store]\npath = \"repo\"\n[[source]]\nid = \"x\"\nurl = \"file:docs/x.md\"\n",
    )
    .unwrap();
    let c = Config::load(&path).unwrap();
    assert_eq!(c.store.path, dir.path().join("repo"));
    assert_eq!(
        c.sources[0].file_path().unwrap(),
        dir.path().join("docs/x.md")
    );
    let missing = dir.path().join("nope.toml");
    let e = Config::load(&missing).unwrap_err().to_string();
    assert!(e.contains("nope.toml") && e.contains("--config"), "{e}");
}

#[test]
fn config_path_resolution_order() {
    let cli = Path::new("/a/cli.toml");
    assert_eq!(
        resolve_path_with(Some(cli), Some("/b/env.toml".into())),
        PathBuf::from("/a/cli.toml")
    );
    assert_eq!(
        resolve_path_with(None, Some("/b/env.toml".into())),
        PathBuf::from("/b/env.toml")
    );
    assert_eq!(
        resolve_path_with(None, Some("".into())),
        PathBuf::from("config.toml")
    );
    assert_eq!(resolve_path_with(None, None), PathBuf::from("config.toml"));
}

#[test]
fn documented_example_is_valid() {
    let c = Config::from_str_with_env(Config::EXAMPLE, Path::new("/srv/pw/config.toml"), &|v| {
        (v == "POLICYWATCH_HOOK_SECRET").then(|| "x".to_string())
    })
    .unwrap();
    assert_eq!(c.sources.len(), 1);
    assert_eq!(c.webhooks.len(), 1);
    assert_eq!(c.watch.schedule, Schedule::Cron("0 */6 * * *".into()));
}
