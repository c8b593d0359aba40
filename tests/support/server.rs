//! A small scriptable HTTP/1.1 server on 127.0.0.1 for integration tests.
//!
//! It runs on its own thread with its own tokio runtime, so it serves both
//! async tests and tests that run the `policywatch` binary, and stops when
//! the [`TestServer`] is dropped.
//!
//! Per path it serves a queue of one-shot [`Reply`]s first, then the path's
//! default reply (set with [`TestServer::set`]); unknown paths get 404. It
//! records every request ([`Seen`]: headers, body, arrival time, bytes sent)
//! and the peak number of requests in flight. Every response closes its
//! connection, which keeps the server simple and makes "bytes sent" exact.
//!
//! ```ignore
//! mod support;
//! use support::{Reply, TestServer};
//! let server = TestServer::start();
//! server.set("/privacy", Reply::html("<h1>Privacy</h1>").etag("\"v1\""));
//! server.push("/privacy", Reply::server_error()); // first request fails
//! let url = server.url("/privacy");
//! ```

use std::collections::{HashMap, VecDeque};
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A response body.
#[derive(Debug, Clone)]
pub enum Body {
    /// These bytes.
    Bytes(Vec<u8>),
    /// `n` bytes of filler text, generated while sending (for huge bodies).
    Filler(usize),
}

impl Body {
    fn len(&self) -> usize {
        match self {
            Body::Bytes(b) => b.len(),
            Body::Filler(n) => *n,
        }
    }
}

/// One scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers (Content-Length and Connection are added).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// Wait before sending the status line.
    pub delay: Duration,
    /// Send the body in pieces of this size with this pause after each.
    pub chunks: Option<(usize, Duration)>,
    /// Send a Content-Length header (otherwise the body ends at close).
    pub content_length: bool,
    /// Answer 304 when the request's If-None-Match / If-Modified-Since
    /// matches this reply's ETag / Last-Modified.
    pub conditional: bool,
}

impl Reply {
    /// An empty reply with this status.
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
            delay: Duration::ZERO,
            chunks: None,
            content_length: true,
            conditional: true,
        }
    }

    /// 200 with a UTF-8 HTML body.
    pub fn html(body: impl Into<String>) -> Reply {
        Reply::bytes("text/html; charset=utf-8", body.into().into_bytes())
    }

    /// 200 with a plain-text body.
    pub fn text(body: impl Into<String>) -> Reply {
        Reply::bytes("text/plain; charset=utf-8", body.into().into_bytes())
    }

    /// 200 with this Content-Type and body.
    pub fn bytes(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(200)
            .header("Content-Type", content_type)
            .body(body)
    }

    /// A status with a short text body saying what it is.
    pub fn status(status: u16) -> Reply {
        Reply::new(status)
            .header("Content-Type", "text/plain")
            .body(format!("status {status}\n"))
    }

    /// 500 Internal Server Error.
    pub fn server_error() -> Reply {
        Reply::status(500)
    }

    /// 429 with a `Retry-After` header (seconds or an HTTP-date).
    pub fn too_many_requests(retry_after: &str) -> Reply {
        Reply::status(429).header("Retry-After", retry_after)
    }

    /// 302 to `location`.
    pub fn redirect(location: &str) -> Reply {
        Reply::status(302).header("Location", location)
    }

    /// `len` bytes of filler HTML without a Content-Length header, so only
    /// a streaming cap can stop it.
    pub fn oversize(len: usize) -> Reply {
        let mut r = Reply::new(200).header("Content-Type", "text/html");
        r.body = Body::Filler(len);
        r.content_length = false;
        r
    }

    /// A Cloudflare-style "Just a moment..." challenge (403).
    pub fn cloudflare_challenge() -> Reply {
        Reply::new(403)
            .header("Content-Type", "text/html; charset=UTF-8")
            .header("Server", "cloudflare")
            .header("cf-mitigated", "challenge")
            .body(
                "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>\
                 <meta name=\"robots\" content=\"noindex,nofollow\"></head><body>\
                 <noscript>Enable JavaScript and cookies to continue</noscript>\
                 <script>window._cf_chl_opt = {cType: 'managed'};</script></body></html>",
            )
    }

    /// An Akamai-style "Access Denied" page with this status.
    pub fn access_denied(status: u16) -> Reply {
        Reply::new(status)
            .header("Content-Type", "text/html")
            .body(
                "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n\
                 You don't have permission to access this page on this server.<P>\n\
                 Reference&#32;&#35;18&#46;2f1 <P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net</BODY>\n</HTML>\n",
            )
    }

    /// A captcha page served with 200, as some walls do.
    pub fn captcha_page() -> Reply {
        Reply::html(
            "<html><head><title>Are you a robot?</title></head><body>\
             <p>Please verify you are human to continue.</p><form><div class=\"captcha\"></div></form>\
             </body></html>",
        )
    }

    /// HTML whose bytes are windows-1252 but whose header says UTF-8.
    pub fn windows1252_labelled_utf8(html: &str) -> Reply {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(html);
        Reply::bytes("text/html; charset=utf-8", bytes.into_owned())
    }

    /// HTML whose bytes are UTF-8 but whose header says windows-1252.
    pub fn utf8_labelled_windows1252(html: &str) -> Reply {
        Reply::bytes("text/html; charset=windows-1252", html.as_bytes().to_vec())
    }

    /// 200 HTML, gzip-compressed with `Content-Encoding: gzip`.
    pub fn gzipped_html(html: &str) -> Reply {
        Reply::html(html).gzip()
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Replace the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = Body::Bytes(body.into());
        self
    }

    /// Add an ETag (quote it yourself: `"\"v1\""`).
    pub fn etag(self, etag: &str) -> Reply {
        self.header("ETag", etag)
    }

    /// Add a Last-Modified header.
    pub fn last_modified(self, date: &str) -> Reply {
        self.header("Last-Modified", date)
    }

    /// Wait this long before sending anything.
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// Send the body `chunk` bytes at a time, pausing `pause` after each.
    pub fn slow(mut self, chunk: usize, pause: Duration) -> Reply {
        self.chunks = Some((chunk.max(1), pause));
        self
    }

    /// Omit Content-Length; the body ends when the connection closes.
    pub fn no_content_length(mut self) -> Reply {
        self.content_length = false;
        self
    }

    /// Never answer 304, whatever the request's validators.
    pub fn ignore_conditional(mut self) -> Reply {
        self.conditional = false;
        self
    }

    /// Compress the body with gzip and say so.
    pub fn gzip(mut self) -> Reply {
        let raw = match &self.body {
            Body::Bytes(b) => b.clone(),
            Body::Filler(n) => filler(0, *n),
        };
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&raw).expect("writing to a Vec cannot fail");
        self.body = Body::Bytes(enc.finish().expect("writing to a Vec cannot fail"));
        self.header("Content-Encoding", "gzip")
    }

    fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Request method.
    pub method: String,
    /// Request target (path and query).
    pub target: String,
    /// Path without the query.
    pub path: String,
    /// Headers, names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The request body (read by Content-Length).
    pub body: Vec<u8>,
    /// When the request head had been read.
    pub at: Instant,
    /// The status answered.
    pub status: u16,
    /// Body bytes written before the response ended or the client left.
    pub bytes_sent: usize,
    /// Whether the whole response was written.
    pub completed: bool,
    /// Whether the server is done with this request (written or failed).
    pub finished: bool,
}

impl Seen {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    defaults: HashMap<String, Reply>,
    queues: HashMap<String, VecDeque<Reply>>,
    seen: Vec<Seen>,
    in_flight: usize,
    max_in_flight: usize,
}

/// A running test server; dropping it stops it.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Start a server on an ephemeral port of 127.0.0.1.
    pub fn start() -> TestServer {
        TestServer::start_on("127.0.0.1:0".parse().expect("a socket address"))
    }

    /// Start a server on this address (a receiver that "comes back" on the
    /// port a client already knows).
    pub fn start_on(addr: SocketAddr) -> TestServer {
        let std_listener = std::net::TcpListener::bind(addr).expect("bind a loopback port");
        std_listener
            .set_nonblocking(true)
            .expect("set the listener non-blocking");
        let addr = std_listener.local_addr().expect("listener address");
        let state = Arc::new(Mutex::new(State::default()));
        let (stop, stopped) = oneshot::channel();
        let shared = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("test-server-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("test server runtime");
                rt.block_on(serve(std_listener, shared, stopped));
                rt.shutdown_timeout(Duration::from_millis(100));
            })
            .expect("spawn the test server thread");
        TestServer {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The same server under another host name (`localhost`), to test
    /// per-host limits with two "hosts".
    pub fn url_with_host(&self, host: &str, path: &str) -> String {
        format!("http://{}:{}{}", host, self.addr.port(), path)
    }

    /// Serve `reply` for `path` whenever its queue is empty (replaces the
    /// previous default: use it to publish a new version of a policy).
    pub fn set(&self, path: &str, reply: Reply) {
        self.lock().defaults.insert(path.to_string(), reply);
    }

    /// Serve `reply` once for `path`, before the default; queued replies are
    /// served in order.
    pub fn push(&self, path: &str, reply: Reply) {
        self.lock()
            .queues
            .entry(path.to_string())
            .or_default()
            .push_back(reply);
    }

    /// Make `a` and `b` redirect to each other forever.
    pub fn redirect_loop(&self, a: &str, b: &str) {
        self.set(a, Reply::redirect(b));
        self.set(b, Reply::redirect(a));
    }

    /// Requests received for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.lock().seen.iter().filter(|s| s.path == path).count()
    }

    /// Requests received in all.
    pub fn total_hits(&self) -> usize {
        self.lock().seen.len()
    }

    /// The requests for `path`, in arrival order.
    pub fn requests(&self, path: &str) -> Vec<Seen> {
        self.lock()
            .seen
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    /// Every request, in arrival order.
    pub fn all_requests(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// The latest request for `path`.
    pub fn last_request(&self, path: &str) -> Option<Seen> {
        self.lock()
            .seen
            .iter()
            .rev()
            .find(|s| s.path == path)
            .cloned()
    }

    /// Wait (up to 5 s) until the server is done with every request for
    /// `path`, then return them. Blocks the thread: from an async test use
    /// [`TestServer::finished_requests_async`], or the client's connection
    /// tasks cannot run and close their sockets.
    pub fn finished_requests(&self, path: &str) -> Vec<Seen> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let seen = self.requests(path);
            if seen.iter().all(|s| s.finished) || Instant::now() > deadline {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// [`TestServer::finished_requests`] for async tests.
    pub async fn finished_requests_async(&self, path: &str) -> Vec<Seen> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let seen = self.requests(path);
            if seen.iter().all(|s| s.finished) || Instant::now() > deadline {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The most requests ever being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    /// Forget recorded requests and the in-flight peak (replies stay).
    pub fn reset_counters(&self) {
        let mut s = self.lock();
        s.seen.clear();
        s.max_in_flight = s.in_flight;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking test thread must not hide the server's records.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

async fn serve(
    listener: std::net::TcpListener,
    state: Arc<Mutex<State>>,
    mut stopped: oneshot::Receiver<()>,
) {
    let listener = TcpListener::from_std(listener).expect("register the listener");
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(handle(stream, state.clone()));
                }
            }
        }
    }
}

/// Decrements the in-flight count however the handler ends.
struct InFlight(Arc<Mutex<State>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.0).in_flight -= 1;
    }
}

async fn handle(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let _ = stream.set_nodelay(true);
    let Some(req) = read_request(&mut stream).await else {
        return;
    };
    let (reply, index, _flight) = {
        let mut s = lock(&state);
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
        let queued = s.queues.get_mut(&req.path).and_then(|q| q.pop_front());
        let reply = queued
            .or_else(|| s.defaults.get(&req.path).cloned())
            .unwrap_or_else(|| Reply::status(404));
        let reply = conditional(reply, &req);
        let mut seen = req;
        seen.status = reply.status;
        s.seen.push(seen);
        let index = s.seen.len() - 1;
        (reply, index, InFlight(state.clone()))
    };
    tokio::time::sleep(reply.delay).await;
    let (sent, completed) = write_reply(&mut stream, &reply).await;
    {
        let mut s = lock(&state);
        if let Some(seen) = s.seen.get_mut(index) {
            seen.bytes_sent = sent;
            seen.completed = completed;
            seen.finished = true;
        }
    }
    let _ = stream.shutdown().await;
}

/// A 304 instead of `reply` when the request's validators match it.
fn conditional(reply: Reply, req: &Seen) -> Reply {
    if !reply.conditional || !(200..300).contains(&reply.status) {
        return reply;
    }
    let etag_match = match (reply.header_value("etag"), req.header("if-none-match")) {
        (Some(etag), Some(inm)) => inm.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/")
        }),
        _ => false,
    };
    let date_match = match (
        reply.header_value("last-modified"),
        req.header("if-modified-since"),
    ) {
        (Some(lm), Some(ims)) => req.header("if-none-match").is_none() && lm == ims,
        _ => false,
    };
    if !(etag_match || date_match) {
        return reply;
    }
    let mut not_modified = Reply::new(304);
    not_modified.headers = reply
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("etag") || n.eq_ignore_ascii_case("last-modified"))
        .cloned()
        .collect();
    not_modified
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    let path = target.split('?').next().unwrap_or("").to_string();
    Some(Seen {
        method,
        target,
        path,
        headers,
        body,
        at: Instant::now(),
        status: 0,
        bytes_sent: 0,
        completed: false,
        finished: false,
    })
}

/// Write the reply; returns the body bytes written and whether all were.
async fn write_reply(stream: &mut TcpStream, reply: &Reply) -> (usize, bool) {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (n, v) in &reply.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    let body_len = if reply.status == 304 {
        0
    } else {
        reply.body.len()
    };
    if reply.content_length || reply.status == 304 {
        head.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return (0, false);
    }
    let (piece, pause) = reply.chunks.unwrap_or((64 * 1024, Duration::ZERO));
    let mut sent = 0;
    while sent < body_len {
        let end = (sent + piece).min(body_len);
        let bytes = match &reply.body {
            Body::Bytes(b) => b[sent..end].to_vec(),
            Body::Filler(_) => filler(sent, end - sent),
        };
        if stream.write_all(&bytes).await.is_err() {
            return (sent, false);
        }
        sent = end;
        if !pause.is_zero() {
            if stream.flush().await.is_err() {
                return (sent, false);
            }
            tokio::time::sleep(pause).await;
        }
    }
    (sent, stream.flush().await.is_ok())
}

/// `len` bytes of an endless HTML-ish text, starting at `offset`.
fn filler(offset: usize, len: usize) -> Vec<u8> {
    const TEXT: &[u8] = b"<p>We may update this policy from time to time.</p>\n";
    (offset..offset + len)
        .map(|i| TEXT[i % TEXT.len()])
        .collect()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
