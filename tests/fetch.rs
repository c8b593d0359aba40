//! The fetcher against a real HTTP server on 127.0.0.1.

mod support;

use std::time::{Duration, Instant};

use policywatch::fetch::{
    FetchError, FetchOptions, FetchOutcome, FetchRequest, Fetcher, Guard, GuardOptions, check_body,
    format_hint,
};
use policywatch::model::InputFormat;
use support::{Reply, TestServer};

const MS: Duration = Duration::from_millis(1);

/// Fast retries and no politeness delay unless a test asks for them.
fn opts() -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        per_host_concurrency: 16,
        per_host_delay: Duration::ZERO,
        backoff_base: 10 * MS,
        backoff_max: 50 * MS,
        ..FetchOptions::default()
    }
}

fn fetcher(o: FetchOptions) -> Fetcher {
    Fetcher::new(o).expect("client builds")
}

async fn get(f: &Fetcher, url: &str) -> Result<FetchOutcome, FetchError> {
    f.fetch(&FetchRequest::new(url)).await
}

fn body(out: &FetchOutcome) -> &[u8] {
    match out {
        FetchOutcome::Fetched { body, .. } => body,
        other => panic!("expected a body, got {other:?}"),
    }
}

const POLICY: &str = "<html><head><title>Privacy Policy</title></head><body><h1>Privacy Policy</h1>\
    <p>We keep your data for 14 months.</p></body></html>";

#[tokio::test]
async fn etag_then_304_is_not_modified() {
    let server = TestServer::start();
    server.set("/privacy", Reply::html(POLICY).etag("\"v1\""));
    let f = fetcher(opts());
    let url = server.url("/privacy");

    let first = get(&f, &url).await.unwrap();
    let FetchOutcome::Fetched {
        status,
        etag,
        content_type,
        body,
        attempts,
        final_url,
        ..
    } = first
    else {
        panic!("first fetch must fetch: {first:?}")
    };
    assert_eq!((status, attempts), (200, 1));
    assert_eq!(etag.as_deref(), Some("\"v1\""));
    assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert_eq!(body, POLICY.as_bytes());
    assert_eq!(final_url, url);

    let second = f
        .fetch(&FetchRequest::new(&url).conditional(etag, None))
        .await
        .unwrap();
    assert!(
        matches!(second, FetchOutcome::NotModified { attempts: 1, .. }),
        "{second:?}"
    );
    let seen = server.requests("/privacy");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("if-none-match"), None);
    assert_eq!(seen[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(seen[1].status, 304);

    // A new version: the old ETag no longer matches.
    server.set("/privacy", Reply::html("<p>v2</p>").etag("\"v2\""));
    let third = f
        .fetch(&FetchRequest::new(&url).conditional(Some("\"v1\"".into()), None))
        .await
        .unwrap();
    assert_eq!(body_of(&third), b"<p>v2</p>");
}

fn body_of(out: &FetchOutcome) -> Vec<u8> {
    body(out).to_vec()
}

#[tokio::test]
async fn last_modified_then_304() {
    let server = TestServer::start();
    let date = "Wed, 01 May 2024 10:00:00 GMT";
    server.set("/terms", Reply::html(POLICY).last_modified(date));
    let f = fetcher(opts());
    let first = get(&f, &server.url("/terms")).await.unwrap();
    let FetchOutcome::Fetched { last_modified, .. } = first else {
        panic!("{first:?}")
    };
    assert_eq!(last_modified.as_deref(), Some(date));
    let req = FetchRequest::new(server.url("/terms")).conditional(None, last_modified);
    let second = f.fetch(&req).await.unwrap();
    assert!(
        matches!(second, FetchOutcome::NotModified { .. }),
        "{second:?}"
    );
    assert_eq!(
        server
            .last_request("/terms")
            .unwrap()
            .header("if-modified-since"),
        Some(date)
    );
}

#[tokio::test]
async fn two_500s_then_success_takes_three_attempts() {
    let server = TestServer::start();
    server.push("/p", Reply::server_error());
    server.push("/p", Reply::server_error());
    server.set("/p", Reply::html(POLICY));
    let out = get(&fetcher(opts()), &server.url("/p")).await.unwrap();
    assert_eq!(out.attempts(), 3);
    assert_eq!(body(&out), POLICY.as_bytes());
    assert_eq!(server.hits("/p"), 3);
}

#[tokio::test]
async fn persistent_5xx_gives_up_after_all_attempts() {
    let server = TestServer::start();
    server.set("/down", Reply::status(503));
    let f = fetcher(FetchOptions {
        retries: 2,
        ..opts()
    });
    let err = get(&f, &server.url("/down")).await.unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Status {
                status: 503,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("gave up after 3 attempt"), "{err}");
    assert_eq!(server.hits("/down"), 3);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = TestServer::start();
    server.push("/p", Reply::too_many_requests("1"));
    server.set("/p", Reply::html(POLICY));
    let started = Instant::now();
    let out = get(&fetcher(opts()), &server.url("/p")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(out.attempts(), 2);
    let seen = server.requests("/p");
    assert!(seen[1].at - seen[0].at >= Duration::from_secs(1));
}

#[tokio::test]
async fn retry_after_beyond_the_limit_fails_at_once() {
    let server = TestServer::start();
    server.set("/p", Reply::too_many_requests("3600"));
    let started = Instant::now();
    let err = get(&fetcher(opts()), &server.url("/p")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::RetryAfterTooLong { status: 429, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("max_retry_after"));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.hits("/p"), 1);
}

#[tokio::test]
async fn not_found_is_not_retried() {
    let server = TestServer::start();
    let url = server.url("/missing");
    let err = get(&fetcher(opts()), &url).await.unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Status {
                status: 404,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&url) && msg.contains("check the URL"), "{msg}");
    assert_eq!(server.hits("/missing"), 1);
}

#[tokio::test]
async fn oversize_streamed_body_is_cut_short() {
    let server = TestServer::start();
    let total = 64 << 20;
    server.set("/huge", Reply::oversize(total));
    let f = fetcher(FetchOptions {
        max_body_bytes: 1 << 20,
        ..opts()
    });
    let url = server.url("/huge");
    let err = get(&f, &url).await.unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit: 1048576, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&url) && msg.contains("1048576") && msg.contains("[fetch] max_body"));
    let seen = server.finished_requests_async("/huge").await;
    assert_eq!(seen.len(), 1, "a size error is not retried");
    assert!(seen[0].finished && !seen[0].completed, "the client hung up");
    assert!(
        seen[0].bytes_sent < total / 4,
        "sent {}",
        seen[0].bytes_sent
    );
}

#[tokio::test]
async fn declared_content_length_over_the_limit_is_refused() {
    let server = TestServer::start();
    server.set("/big", Reply::html("x".repeat(300_000)));
    let f = fetcher(FetchOptions {
        max_body_bytes: 100_000,
        ..opts()
    });
    let err = get(&f, &server.url("/big")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit: 100_000, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let server = TestServer::start();
    server.set("/old", Reply::redirect("/new"));
    server.set("/new", Reply::html(POLICY));
    let f = fetcher(opts());
    let out = get(&f, &server.url("/old")).await.unwrap();
    let FetchOutcome::Fetched { final_url, .. } = &out else {
        panic!("{out:?}")
    };
    assert_eq!(final_url, &server.url("/new"));

    server.redirect_loop("/a", "/b");
    let err = get(&f, &server.url("/a")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::TooManyRedirects { looped: true, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("redirect loop"));
    assert!(server.hits("/a") + server.hits("/b") <= 3);

    for i in 0..8 {
        server.set(&format!("/r{i}"), Reply::redirect(&format!("/r{}", i + 1)));
    }
    let err = get(&f, &server.url("/r0")).await.unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::TooManyRedirects {
                looped: false,
                max: 5,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        server.hits("/r6"),
        0,
        "no more than 5 redirects are followed"
    );
}

#[tokio::test]
async fn slow_body_times_out() {
    let server = TestServer::start();
    server.set("/slow", Reply::html("y".repeat(1000)).slow(10, 100 * MS));
    let f = fetcher(FetchOptions {
        timeout: 300 * MS,
        retries: 1,
        ..opts()
    });
    let started = Instant::now();
    let err = get(&f, &server.url("/slow")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::Timeout { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.hits("/slow"), 2, "timeouts are retried");

    // Slow headers time out too.
    server.set("/late", Reply::html(POLICY).delay(Duration::from_secs(2)));
    let f = fetcher(FetchOptions {
        timeout: 200 * MS,
        retries: 0,
        ..opts()
    });
    let err = get(&f, &server.url("/late")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::Timeout { attempts: 1, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn per_host_politeness_spaces_request_starts() {
    let server = TestServer::start();
    server.set("/p", Reply::html(POLICY).delay(20 * MS));
    let f = fetcher(FetchOptions {
        per_host_concurrency: 1,
        per_host_delay: 200 * MS,
        ..opts()
    });
    let url = server.url("/p");
    let (a, b, c) = tokio::join!(get(&f, &url), get(&f, &url), get(&f, &url));
    for r in [a, b, c] {
        r.unwrap();
    }
    let mut at: Vec<Instant> = server.requests("/p").iter().map(|s| s.at).collect();
    at.sort();
    assert_eq!(at.len(), 3);
    // Starts are claimed exactly 200 ms apart; arrival at the server adds a
    // little connection jitter.
    for w in at.windows(2) {
        assert!(w[1] - w[0] >= 190 * MS, "{:?}", w[1] - w[0]);
    }
    assert_eq!(server.max_in_flight(), 1);
}

#[tokio::test]
async fn politeness_is_per_host_and_shared_by_clones() {
    let server = TestServer::start();
    server.set("/p", Reply::html(POLICY));
    let f = fetcher(FetchOptions {
        per_host_concurrency: 1,
        per_host_delay: Duration::from_secs(1),
        ..opts()
    });
    let clone = f.clone();
    let (ip, named) = (server.url("/p"), server.url_with_host("localhost", "/p"));
    let started = Instant::now();
    let (a, b) = tokio::join!(get(&f, &ip), get(&clone, &named));
    a.unwrap();
    b.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "two hosts wait for nobody"
    );

    // The clone shares the host's last start: a second request to
    // 127.0.0.1 through it waits for the delay.
    let t = Instant::now();
    get(&clone, &server.url("/p")).await.unwrap();
    assert!(t.elapsed() >= 700 * MS, "{:?}", t.elapsed());
}

#[tokio::test]
async fn global_concurrency_is_respected() {
    let server = TestServer::start();
    server.set("/p", Reply::html(POLICY).delay(150 * MS));
    let f = fetcher(FetchOptions {
        concurrency: 2,
        ..opts()
    });
    let url = server.url("/p");
    let all = futures_join_all(&f, &url, 6).await;
    assert!(all.iter().all(|r| r.is_ok()));
    assert_eq!(server.hits("/p"), 6);
    assert_eq!(server.max_in_flight(), 2);
}

async fn futures_join_all(
    f: &Fetcher,
    url: &str,
    n: usize,
) -> Vec<Result<FetchOutcome, FetchError>> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let f = f.clone();
        let url = url.to_string();
        set.spawn(async move { f.fetch(&FetchRequest::new(url)).await });
    }
    set.join_all().await
}

#[tokio::test]
async fn file_urls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.md");
    std::fs::write(&path, "# Privacy\n\nWe keep logs.\n").unwrap();
    let url = format!("file://{}", path.display());
    let f = fetcher(opts());
    let out = get(&f, &url).await.unwrap();
    let FetchOutcome::Fetched {
        status,
        content_type,
        body,
        ..
    } = &out
    else {
        panic!("{out:?}")
    };
    assert_eq!(*status, 200);
    assert_eq!(content_type.as_deref(), Some("text/markdown"));
    assert_eq!(body, b"# Privacy\n\nWe keep logs.\n");
    assert_eq!(
        format_hint(content_type.as_deref(), &url, body),
        Some(InputFormat::Markdown)
    );

    let missing = format!("file://{}/nope.html", dir.path().display());
    let err = get(&f, &missing).await.unwrap_err();
    assert!(matches!(err, FetchError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("nope.html"), "{err}");

    let small = fetcher(FetchOptions {
        max_body_bytes: 4,
        ..opts()
    });
    assert!(matches!(
        get(&small, &url).await,
        Err(FetchError::TooLarge { .. })
    ));
}

#[tokio::test]
async fn repository_snapshots_are_readable_by_file_url() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/seeds/README.md");
    let out = get(&fetcher(opts()), &format!("file://{path}"))
        .await
        .unwrap();
    assert_eq!(body(&out), std::fs::read(path).unwrap().as_slice());
}

#[tokio::test]
async fn gzip_is_decoded() {
    let server = TestServer::start();
    let html = POLICY.repeat(50);
    server.set("/gz", Reply::gzipped_html(&html));
    let out = get(&fetcher(opts()), &server.url("/gz")).await.unwrap();
    assert_eq!(body(&out), html.as_bytes());
    let seen = server.last_request("/gz").unwrap();
    assert!(
        seen.header("accept-encoding")
            .unwrap_or("")
            .contains("gzip")
    );
    assert!(
        seen.bytes_sent < html.len(),
        "the wire carried compressed bytes"
    );
}

#[tokio::test]
async fn user_agent_is_sent_and_overridable() {
    let server = TestServer::start();
    server.set("/p", Reply::html(POLICY));
    let f = fetcher(opts());
    get(&f, &server.url("/p")).await.unwrap();
    let ua = server
        .last_request("/p")
        .unwrap()
        .header("user-agent")
        .map(str::to_string);
    let ua = ua.unwrap();
    assert!(
        ua.starts_with("policywatch/") && ua.contains("github.com/policywatch"),
        "{ua}"
    );

    let req = FetchRequest::new(server.url("/p"))
        .header("User-Agent", "Mozilla/5.0 (compatible; test)")
        .header("Accept-Language", "sv");
    f.fetch(&req).await.unwrap();
    let seen = server.last_request("/p").unwrap();
    assert_eq!(
        seen.header("user-agent"),
        Some("Mozilla/5.0 (compatible; test)")
    );
    assert_eq!(seen.header("accept-language"), Some("sv"));
    assert_eq!(
        seen.headers
            .iter()
            .filter(|(n, _)| n == "user-agent")
            .count(),
        1
    );
}

#[tokio::test]
async fn bot_walls_are_recognised_and_not_retried() {
    let server = TestServer::start();
    server.set("/cf", Reply::cloudflare_challenge());
    server.set("/akamai", Reply::access_denied(503));
    server.set("/captcha", Reply::captcha_page());
    let f = fetcher(opts());

    let err = get(&f, &server.url("/cf")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::BotWall { status: 403, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Cloudflare"), "{err}");
    assert_eq!(server.hits("/cf"), 1);

    let err = get(&f, &server.url("/akamai")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::BotWall { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(server.hits("/akamai"), 1, "a 503 bot wall is not retried");

    // A wall served as 200 gets through the fetcher; the guard catches it.
    let out = get(&f, &server.url("/captcha")).await.unwrap();
    let text = String::from_utf8_lossy(body(&out));
    let words = 10;
    let guard = check_body(200, &text, words, Some(2000), &GuardOptions::default());
    assert!(matches!(guard, Guard::BotWall(_)), "{guard:?}");
}

#[tokio::test]
async fn forbidden_without_a_wall_is_a_status_error() {
    let server = TestServer::start();
    server.set("/p", Reply::status(403));
    let err = get(&fetcher(opts()), &server.url("/p")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 403, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("user_agent"));
    assert_eq!(server.hits("/p"), 1);
}

#[tokio::test]
async fn charset_is_passed_through_not_decoded() {
    let server = TestServer::start();
    let html = "<html><body><p>Données personnelles – €</p></body></html>";
    server.set("/latin", Reply::windows1252_labelled_utf8(html));
    server.set("/utf8", Reply::utf8_labelled_windows1252(html));
    let f = fetcher(opts());

    let out = get(&f, &server.url("/latin")).await.unwrap();
    let FetchOutcome::Fetched {
        content_type, body, ..
    } = &out
    else {
        panic!("{out:?}")
    };
    assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert!(std::str::from_utf8(body).is_err(), "bytes arrive as sent");
    assert_eq!(body, &encoding_rs::WINDOWS_1252.encode(html).0.into_owned());
    assert_eq!(
        format_hint(content_type.as_deref(), "", body),
        Some(InputFormat::Html)
    );

    let out = get(&f, &server.url("/utf8")).await.unwrap();
    assert_eq!(body_of(&out), html.as_bytes());
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let f = fetcher(FetchOptions {
        retries: 1,
        ..opts()
    });
    let err = get(&f, &format!("http://127.0.0.1:{port}/p"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Connect { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("cannot connect"));
}

#[tokio::test]
async fn bad_requests_fail_before_any_network() {
    let f = fetcher(opts());
    assert!(matches!(
        get(&f, "not a url").await,
        Err(FetchError::InvalidUrl { .. })
    ));
    assert!(matches!(
        get(&f, "ftp://example.org/p").await,
        Err(FetchError::UnsupportedScheme { .. })
    ));
    let req = FetchRequest::new("http://127.0.0.1:9/p").header("Bad Header", "x");
    assert!(matches!(
        f.fetch(&req).await,
        Err(FetchError::InvalidHeader { .. })
    ));
}

#[tokio::test]
async fn test_server_scripts_queues_and_records_bodies() {
    let server = TestServer::start();
    server.push("/q", Reply::status(201));
    server.set("/q", Reply::text("default"));
    let client = policywatch::fetch::http_client_builder()
        .build()
        .expect("client");
    let first = client
        .post(server.url("/q?x=1"))
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let second = client.get(server.url("/q")).send().await.unwrap();
    assert_eq!(second.text().await.unwrap(), "default");
    let third = client.get(server.url("/nothing")).send().await.unwrap();
    assert_eq!(third.status().as_u16(), 404);
    let seen = server.requests("/q");
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("POST", "/q?x=1")
    );
    assert_eq!(seen[0].body, b"hello");
    assert_eq!(server.total_hits(), 3);
}

#[test]
fn test_server_stops_when_dropped() {
    let server = TestServer::start();
    let addr = server.addr();
    drop(server);
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}
