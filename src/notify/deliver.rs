//! The webhook delivery worker: takes rows from the durable outbox, POSTs
//! them, and records each outcome.
//!
//! Why it is built this way:
//! - **At-least-once, never lost.** The tracker writes outbox rows in the
//!   same transaction as the events; this worker only ever moves a row from
//!   `pending` to `delivered` after a 2xx, and to `dead` with a reason that
//!   `policywatch webhook retry ID` can undo. A crash (or a shutdown that
//!   outlasts its grace period) after the receiver answered but before the
//!   outcome was recorded sends that delivery again: receivers de-duplicate
//!   on `X-Policywatch-Delivery`, which is the outbox id and the same on
//!   every attempt.
//! - **Never blocking.** Every attempt is its own tokio task with the
//!   webhook's timeout, and attempts of one webhook are bounded by their own
//!   semaphore, so a slow or dead receiver only ever holds up its own
//!   deliveries, never other receivers nor the checks. One delivery is never
//!   in flight twice in a process (an in-flight set shared by all clones).
//! - **Its own database connection.** [`Db`] is not `Sync`, and the tracker
//!   holds its connection across checks; SQLite's WAL lets this second
//!   connection read and write beside it. Every call runs in
//!   `spawn_blocking` behind a mutex, so no runtime thread waits on SQLite.
//! - **No redirects.** A receiver that redirects has moved; following it
//!   would send signed alerts somewhere nobody configured. A 3xx is a
//!   failure whose error names the `Location`.
//! - **A webhook no longer in the config** (removed or renamed): its pending
//!   deliveries are marked dead at their next attempt, with an error that
//!   says so. Leaving them pending would show them as "waiting" forever;
//!   dead rows stay listed (`policywatch webhook deliveries --status dead`)
//!   and can be re-sent with `policywatch webhook retry ID` once the webhook
//!   is back, so nothing is lost.
//! - The stored payload is sent as it was rendered at detection time; the
//!   current config supplies the URL, secret, headers and limits, so a
//!   rotated secret or a moved receiver applies to queued deliveries too.
//!
//! The retry rules themselves are in [`super::policy`].

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use super::payload::{ChangeContext, PayloadFormat, VersionRef, build_payload};
use super::policy::{Attempt, Backoff, Decision, Failure, Limits, decide, humanize};
use super::sign::{DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use crate::config::{Webhook, WebhookFormat};
use crate::db::{Db, DbError, Delivery};
use crate::fetch::error_chain;
use crate::fetch::retry::{parse_retry_after, unit_random};
use crate::report::{Event, Severity, Sides};

/// Attempts of one webhook in flight at once.
const PER_WEBHOOK_CONCURRENCY: usize = 4;
/// Due rows read per query.
const BATCH: usize = 256;
/// How much of a refusing receiver's body is read for the error message.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// How much of it is kept in the error message.
const ERROR_SNIPPET_CHARS: usize = 300;
/// The longest the daemon sleeps without looking at the outbox, so that
/// rows queued by another process (a `policywatch check --wait`) are seen.
const IDLE_POLL: Duration = Duration::from_secs(30);
/// How long the worker waits after a database error before trying again.
const DB_ERROR_PAUSE: Duration = Duration::from_secs(5);
/// The bound of test payloads (the tracker uses the same).
const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// Why a delivery operation failed. Messages name the webhook and its URL
/// and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// reqwest could not build its client.
    #[error("cannot set up the HTTP client for webhooks: {0}")]
    Client(String),
    /// The outbox could not be read or written.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A webhook name that is not in the config.
    #[error("no webhook named {name:?} in the config; configured: {known}")]
    UnknownWebhook {
        /// The name asked for.
        name: String,
        /// The configured names, or a hint when there are none.
        known: String,
    },
    /// The request did not get an answer (connection refused, DNS, TLS…).
    #[error(
        "webhook {webhook:?}: cannot reach {url}: {reason}; check that the receiver is running and the url in its [[webhook]] is right"
    )]
    Unreachable {
        /// The webhook name.
        webhook: String,
        /// Its URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// No answer within the webhook's timeout.
    #[error(
        "webhook {webhook:?}: no answer from {url} within {timeout}; the receiver is slow or hangs (raise timeout in its [[webhook]] if it needs longer)"
    )]
    Timeout {
        /// The webhook name.
        webhook: String,
        /// Its URL.
        url: String,
        /// The timeout, as written in the config.
        timeout: String,
    },
    /// A custom header that HTTP does not allow.
    #[error(
        "webhook {webhook:?}: header {header:?} is not a valid HTTP header; fix headers in its [[webhook]]"
    )]
    BadHeader {
        /// The webhook name.
        webhook: String,
        /// The header name.
        header: String,
    },
    /// The delivery is being attempted by this process right now.
    #[error(
        "delivery {0} is being sent right now; look again with `policywatch webhook deliveries`"
    )]
    Busy(String),
    /// A blocking database task died.
    #[error("a webhook delivery task failed: {0}")]
    Task(String),
}

/// The counts of one pass over the due deliveries.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryPass {
    /// Accepted by their receivers (2xx).
    pub delivered: usize,
    /// Failed this time and stay pending for a later attempt.
    pub retrying: usize,
    /// Given up (permanent refusal, too many attempts, too old, webhook gone).
    pub dead: usize,
}

impl DeliveryPass {
    /// Attempts made.
    pub fn total(&self) -> usize {
        self.delivered + self.retrying + self.dead
    }

    fn add(&mut self, r: Recorded) {
        match r {
            Recorded::Delivered => self.delivered += 1,
            Recorded::Retrying => self.retrying += 1,
            Recorded::Dead => self.dead += 1,
        }
    }
}

/// What became of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recorded {
    Delivered,
    Retrying,
    Dead,
}

/// A receiver's answer.
enum Answer {
    Accepted(u16),
    Refused(Failure),
}

/// The webhook delivery worker. Cheap to clone; all clones share state
/// (database connection, HTTP client, webhooks, in-flight set, wake-ups).
#[derive(Clone)]
pub struct Deliverer {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Mutex<Db>>,
    client: reqwest::Client,
    webhooks: RwLock<Arc<Vec<Webhook>>>,
    in_flight: Mutex<HashSet<String>>,
    // Claimed deliveries per webhook, so the daemon's loop never queues
    // more tasks (each holding its payload) than a webhook can send at once.
    claims_per_webhook: Mutex<HashMap<String, usize>>,
    per_webhook: Mutex<HashMap<String, Arc<Semaphore>>>,
    wake: Notify,
    backoff: RwLock<Backoff>,
}

impl std::fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliverer")
            .field("webhooks", &self.webhooks().len())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicked attempt must not wedge every later one.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes a delivery from the in-flight set however its task ends
/// (including abort at shutdown).
struct Claim {
    inner: Arc<Inner>,
    id: String,
    webhook: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        lock(&self.inner.in_flight).remove(&self.id);
        if let Some(n) = lock(&self.inner.claims_per_webhook).get_mut(&self.webhook) {
            *n = n.saturating_sub(1);
        }
    }
}

impl Deliverer {
    /// Opens its own [`Db`] connection at `db_path` and builds an HTTP
    /// client (rustls, no automatic redirects, this user agent).
    pub fn new(
        webhooks: Vec<Webhook>,
        db_path: &Path,
        user_agent: &str,
    ) -> Result<Deliverer, DeliverError> {
        let db = Db::open(db_path)?;
        let client = crate::fetch::http_client_builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| DeliverError::Client(error_chain(&e)))?;
        Ok(Deliverer {
            inner: Arc::new(Inner {
                db: Arc::new(Mutex::new(db)),
                client,
                webhooks: RwLock::new(Arc::new(webhooks)),
                in_flight: Mutex::new(HashSet::new()),
                claims_per_webhook: Mutex::new(HashMap::new()),
                per_webhook: Mutex::new(HashMap::new()),
                wake: Notify::new(),
                backoff: RwLock::new(Backoff::default()),
            }),
        })
    }

    /// Set the retry backoff: the first retry waits `base/2..base`, each
    /// later one ×4, never more than `max`. The default (4 s, 6 h) puts the
    /// first retry within 5 s; tests shorten it. Applies to all clones.
    pub fn with_backoff(self, base: Duration, max: Duration) -> Deliverer {
        {
            let mut b = self
                .inner
                .backoff
                .write()
                .unwrap_or_else(|p| p.into_inner());
            b.base = base;
            b.max = max;
        }
        self
    }

    /// Config reload: replace the webhook definitions used for future
    /// attempts (attempts in flight finish with the old ones).
    pub fn set_webhooks(&self, webhooks: Vec<Webhook>) {
        *self
            .inner
            .webhooks
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Arc::new(webhooks);
    }

    fn webhooks(&self) -> Arc<Vec<Webhook>> {
        self.inner
            .webhooks
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn webhook(&self, name: &str) -> Option<Webhook> {
        self.webhooks().iter().find(|w| w.name == name).cloned()
    }

    fn backoff(&self) -> Backoff {
        *self.inner.backoff.read().unwrap_or_else(|p| p.into_inner())
    }

    fn semaphore(&self, webhook: &str) -> Arc<Semaphore> {
        lock(&self.inner.per_webhook)
            .entry(webhook.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_WEBHOOK_CONCURRENCY)))
            .clone()
    }

    /// Mark a delivery in flight; `None` if it already is.
    fn claim(&self, d: &Delivery) -> Option<Claim> {
        if !lock(&self.inner.in_flight).insert(d.id.clone()) {
            return None;
        }
        *lock(&self.inner.claims_per_webhook)
            .entry(d.webhook.clone())
            .or_default() += 1;
        Some(Claim {
            inner: self.inner.clone(),
            id: d.id.clone(),
            webhook: d.webhook.clone(),
        })
    }

    /// Whether the webhook already has as many claimed deliveries as it may
    /// send at once.
    fn at_capacity(&self, webhook: &str) -> bool {
        lock(&self.inner.claims_per_webhook)
            .get(webhook)
            .is_some_and(|&n| n >= PER_WEBHOOK_CONCURRENCY)
    }

    fn in_flight(&self) -> HashSet<String> {
        lock(&self.inner.in_flight).clone()
    }

    /// Run a database call on the blocking pool.
    async fn db<T, F>(&self, f: F) -> Result<T, DeliverError>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.inner.db.clone();
        tokio::task::spawn_blocking(move || f(&lock(&db)))
            .await
            .map_err(|e| DeliverError::Task(e.to_string()))?
            .map_err(DeliverError::Db)
    }

    /// New rows were queued (after a check): look now.
    pub fn wake(&self) {
        // notify_one keeps a permit when nobody waits, so a wake between
        // two looks is not lost.
        self.inner.wake.notify_one();
    }

    /// One pass: attempt every delivery due now once, concurrently (bounded
    /// per webhook), record each outcome, return the counts. Deliveries
    /// another task of this process is sending are skipped. Database errors
    /// are logged; the rows concerned stay pending and are counted as
    /// retrying.
    pub async fn deliver_due(&self) -> DeliveryPass {
        let mut pass = DeliveryPass::default();
        let mut seen: HashSet<String> = HashSet::new();
        let now = Utc::now();
        loop {
            // Rows attempted in this pass may be due again already (a short
            // backoff); `seen` keeps this pass to one attempt each.
            let limit = BATCH + seen.len();
            let rows = match self.db(move |db| db.due_deliveries(now, limit)).await {
                Ok(rows) => rows,
                Err(e) => {
                    warn!(error = %e, "cannot read due webhook deliveries");
                    return pass;
                }
            };
            let mut tasks = JoinSet::new();
            for d in rows {
                if !seen.insert(d.id.clone()) {
                    continue;
                }
                if let Some(claim) = self.claim(&d) {
                    tasks.spawn(self.clone().attempt(d, claim));
                }
            }
            if tasks.is_empty() {
                return pass;
            }
            while let Some(done) = tasks.join_next().await {
                pass.add(done.unwrap_or(Recorded::Retrying));
            }
        }
    }

    /// Run until `shutdown` becomes true (or its sender is dropped): start
    /// every due delivery as its own task, then sleep until the next one is
    /// due, an attempt finishes, or [`Deliverer::wake`]. On shutdown, start
    /// nothing more and wait at most `grace` for attempts in flight; the
    /// rest are abandoned and stay pending (sent again later: at-least-once).
    pub async fn run(&self, mut shutdown: tokio::sync::watch::Receiver<bool>, grace: Duration) {
        let mut tasks: JoinSet<Recorded> = JoinSet::new();
        info!(webhooks = self.webhooks().len(), "webhook delivery started");
        loop {
            if *shutdown.borrow_and_update() {
                break;
            }
            let pause = match self.start_due(&mut tasks).await {
                Ok(Some(next)) => (next - Utc::now()).to_std().unwrap_or(Duration::ZERO),
                Ok(None) => IDLE_POLL,
                Err(e) => {
                    warn!(error = %e, "cannot read the webhook outbox; trying again shortly");
                    DB_ERROR_PAUSE
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause.min(IDLE_POLL)) => {}
                _ = self.inner.wake.notified() => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
        let waiting = tasks.len();
        if waiting > 0 {
            info!(in_flight = waiting, grace = ?grace, "webhook delivery stopping; waiting for attempts in flight");
        }
        let drained =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            warn!(
                abandoned = tasks.len(),
                "webhook attempts still in flight after the grace period; they stay pending and are sent again later"
            );
            tasks.abort_all();
        }
        info!("webhook delivery stopped");
    }

    /// Start every due delivery that is not in flight; return when the next
    /// pending one (not in flight) is due.
    async fn start_due(
        &self,
        tasks: &mut JoinSet<Recorded>,
    ) -> Result<Option<DateTime<Utc>>, DeliverError> {
        let now = Utc::now();
        let busy = self.in_flight().len();
        let rows = self
            .db(move |db| db.due_deliveries(now, BATCH + busy))
            .await?;
        for d in rows {
            // A webhook at capacity gets more work when one of its attempts
            // ends (which wakes the loop), not a queue of waiting tasks.
            if self.at_capacity(&d.webhook) {
                continue;
            }
            if let Some(claim) = self.claim(&d) {
                tasks.spawn(self.clone().attempt(d, claim));
            }
        }
        let busy = self.in_flight();
        let limit = busy.len() + BATCH;
        let upcoming = self
            .db(move |db| db.due_deliveries(far_future(), limit))
            .await?;
        Ok(upcoming
            .into_iter()
            .find(|d| !busy.contains(&d.id) && !self.at_capacity(&d.webhook))
            .map(|d| d.next_attempt_at))
    }

    /// `policywatch webhook retry ID`: put a delivery back to pending with
    /// its attempts reset, attempt it once right now, and return the row as
    /// it is afterwards.
    pub async fn retry_now(&self, id: &str) -> Result<Delivery, DeliverError> {
        let owned = id.to_string();
        let d = self
            .db(move |db| {
                db.retry_delivery(&owned, Utc::now())?;
                db.delivery(&owned)
            })
            .await?;
        let claim = self
            .claim(&d)
            .ok_or_else(|| DeliverError::Busy(d.id.clone()))?;
        self.clone().attempt(d, claim).await;
        let owned = id.to_string();
        self.db(move |db| db.delivery(&owned)).await
    }

    /// Send one sample `test` event to the named webhook right now (not
    /// stored in the outbox); returns the HTTP status, whatever it is, or
    /// why no answer came.
    pub async fn send_test(&self, webhook: &str) -> Result<u16, DeliverError> {
        let hook = self.webhook(webhook).ok_or_else(|| {
            let names: Vec<String> = self.webhooks().iter().map(|w| w.name.clone()).collect();
            DeliverError::UnknownWebhook {
                name: webhook.to_string(),
                known: if names.is_empty() {
                    "none; add a [[webhook]] to the config file".into()
                } else {
                    names.join(", ")
                },
            }
        })?;
        let now = Utc::now();
        let id = format!("dlv_test_{}", now.timestamp_nanos_opt().unwrap_or_default());
        let body = test_payload(&hook, &id, now);
        let answer = self.post(&hook, &id, &body).await?;
        let status = match answer {
            Answer::Accepted(status) => status,
            Answer::Refused(f) => {
                warn!(webhook = %hook.name, error = %f.error, "test alert refused");
                f.status.unwrap_or(0)
            }
        };
        info!(webhook = %hook.name, status, "test alert sent");
        Ok(status)
    }

    /// One attempt of one claimed delivery, recorded.
    async fn attempt(self, d: Delivery, claim: Claim) -> Recorded {
        let attempts = d.attempts.saturating_add(1);
        let decision = match self.webhook(&d.webhook) {
            None => Decision::Dead {
                error: format!(
                    "webhook {:?} is no longer in the config; add it back, then `policywatch webhook retry {}`",
                    d.webhook, d.id
                ),
                status: None,
            },
            Some(hook) => {
                let semaphore = self.semaphore(&hook.name);
                // The semaphore is never closed; a closed one would only
                // lift the bound.
                let _permit = semaphore.acquire_owned().await.ok();
                debug!(delivery = %d.id, webhook = %hook.name, attempt = attempts, "sending");
                let attempt = match self.post(&hook, &d.id, d.payload.as_bytes()).await {
                    Ok(Answer::Accepted(status)) => Attempt::Delivered { status },
                    Ok(Answer::Refused(f)) => Attempt::Failed(f),
                    Err(e @ DeliverError::BadHeader { .. }) => Attempt::Failed(Failure {
                        status: None,
                        error: e.to_string(),
                        transient: false,
                        retry_after: None,
                    }),
                    Err(e) => Attempt::Failed(Failure::network(e.to_string())),
                };
                let limits = Limits {
                    max_attempts: hook.max_attempts,
                    max_age: hook.max_age,
                };
                decide(
                    attempt,
                    attempts,
                    d.created_at,
                    Utc::now(),
                    limits,
                    &self.backoff(),
                    unit_random(),
                )
            }
        };
        let recorded = self.record(&d, attempts, decision).await;
        drop(claim);
        recorded
    }

    async fn record(&self, d: &Delivery, attempts: u32, decision: Decision) -> Recorded {
        let id = d.id.clone();
        let (recorded, result) = match decision {
            Decision::Delivered { status } => {
                info!(delivery = %id, webhook = %d.webhook, status, attempt = attempts, "delivered");
                let r = self
                    .db(move |db| db.mark_delivered(&id, Some(status), Utc::now()))
                    .await;
                (Recorded::Delivered, r)
            }
            Decision::Retry { at, error, status } => {
                // info, not warn: a receiver that is down for hours would
                // otherwise fill the log; giving up is the warning.
                info!(delivery = %id, webhook = %d.webhook, status, attempt = attempts, next_attempt_at = %at, error = %error, "delivery failed; will retry");
                let r = self
                    .db(move |db| db.mark_attempt_failed(&id, &error, status, at))
                    .await;
                (Recorded::Retrying, r)
            }
            Decision::Dead { error, status } => {
                warn!(delivery = %id, webhook = %d.webhook, status, attempt = attempts, error = %error, "delivery dead");
                let r = self.db(move |db| db.mark_dead(&id, &error, status)).await;
                (Recorded::Dead, r)
            }
        };
        match result {
            Ok(()) => recorded,
            Err(e) => {
                // Unrecorded, the row stays pending and due: it is sent again.
                warn!(delivery = %d.id, error = %e, "cannot record the delivery outcome; it will be sent again");
                // Still claimed, so the loop cannot re-send it in a tight
                // loop while the database refuses writes.
                tokio::time::sleep(DB_ERROR_PAUSE).await;
                Recorded::Retrying
            }
        }
    }

    /// POST a signed body. `Ok` whenever the receiver answered.
    async fn post(&self, hook: &Webhook, id: &str, body: &[u8]) -> Result<Answer, DeliverError> {
        let timestamp = Utc::now().timestamp();
        let headers = request_headers(hook, id, timestamp, body)?;
        let sent = self
            .inner
            .client
            .post(hook.url.clone())
            .timeout(hook.timeout)
            .headers(headers)
            .body(body.to_vec())
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Err(self.network_error(hook, e)),
        };
        let status = response.status();
        if status.is_success() {
            return Ok(Answer::Accepted(status.as_u16()));
        }
        let code = status.as_u16();
        let reason = status.canonical_reason().unwrap_or("");
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no Location header)")
                .to_string();
            return Ok(Answer::Refused(Failure::from_status(
                code,
                format!(
                    "receiver answered {code} {reason} redirecting to {location}; redirects are not followed: set url in [[webhook]] {:?} to the final address",
                    hook.name
                ),
                None,
            )));
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let snippet = body_snippet(response).await;
        let said = if snippet.is_empty() {
            String::new()
        } else {
            format!(": {snippet}")
        };
        Ok(Answer::Refused(Failure::from_status(
            code,
            format!("receiver answered {code} {reason}{said}"),
            retry_after,
        )))
    }

    fn network_error(&self, hook: &Webhook, e: reqwest::Error) -> DeliverError {
        if e.is_timeout() {
            DeliverError::Timeout {
                webhook: hook.name.clone(),
                url: hook.url.to_string(),
                timeout: humanize(hook.timeout),
            }
        } else {
            DeliverError::Unreachable {
                webhook: hook.name.clone(),
                url: hook.url.to_string(),
                reason: error_chain(&e.without_url()),
            }
        }
    }
}

/// A time after every real `next_attempt_at`, in the stored text format
/// (chrono's MAX would sort first as text).
fn far_future() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or_default() // 9999-12-31T23:59:59Z
}

/// The webhook's own headers first, then ours, so a custom header can never
/// replace the signature or the delivery id.
fn request_headers(
    hook: &Webhook,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<HeaderMap, DeliverError> {
    let bad = |header: &str| DeliverError::BadHeader {
        webhook: hook.name.clone(),
        header: header.to_string(),
    };
    let mut map = HeaderMap::new();
    for (name, value) in &hook.headers {
        let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad(name))?;
        let v = HeaderValue::from_str(value).map_err(|_| bad(name))?;
        map.insert(n, v);
    }
    map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let ours = [
        (DELIVERY_HEADER, id.to_string()),
        (TIMESTAMP_HEADER, timestamp.to_string()),
        (
            SIGNATURE_HEADER,
            sign(hook.secret.as_bytes(), timestamp, body),
        ),
    ];
    for (name, value) in ours {
        let v = HeaderValue::from_str(&value).map_err(|_| bad(name))?;
        map.insert(HeaderName::from_static(lowercase(name)), v);
    }
    Ok(map)
}

/// `HeaderName::from_static` wants lowercase names.
fn lowercase(name: &'static str) -> &'static str {
    match name {
        DELIVERY_HEADER => "x-policywatch-delivery",
        TIMESTAMP_HEADER => "x-policywatch-timestamp",
        _ => "x-policywatch-signature",
    }
}

/// The start of a refusing receiver's body, on one line (read at most
/// [`MAX_ERROR_BODY`] bytes: the message needs a hint, not the page).
async fn body_snippet(mut response: reqwest::Response) -> String {
    let mut buf: Vec<u8> = Vec::new();
    while buf.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk),
            _ => break,
        }
    }
    buf.truncate(MAX_ERROR_BODY);
    let text = String::from_utf8_lossy(&buf);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(ERROR_SNIPPET_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// A sample alert in the webhook's format: one made-up change of an
/// example source, so receivers see the real shape.
fn test_payload(hook: &Webhook, id: &str, now: DateTime<Utc>) -> Vec<u8> {
    let format = match hook.format {
        WebhookFormat::Json => PayloadFormat::Json,
        WebhookFormat::Slack => PayloadFormat::Slack,
        WebhookFormat::Discord => PayloadFormat::Discord,
    };
    let at = now.to_rfc3339();
    let ctx = ChangeContext {
        kind: "test".into(),
        source: "example-privacy".into(),
        source_name: "Example privacy policy".into(),
        url: "https://example.org/privacy".into(),
        old_version: Some(VersionRef {
            seq: 1,
            commit: "0000000000000000000000000000000000000001".into(),
            fetched_at: at.clone(),
        }),
        new_version: Some(VersionRef {
            seq: 2,
            commit: "0000000000000000000000000000000000000002".into(),
            fetched_at: at.clone(),
        }),
        detected_at: at,
        diff_command: Some("policywatch diff example-privacy@1 example-privacy@2".into()),
        diff_url: None,
    };
    let event = Event {
        kind: "retention.changed".into(),
        subject: Some("account data".into()),
        from: Some("14 months".into()),
        to: Some("26 months".into()),
        severity: Severity::High,
        section: Sides {
            old: Some("How long we keep your data".into()),
            new: Some("How long we keep your data".into()),
        },
        evidence: Sides {
            old: Some("We keep account data for 14 months.".into()),
            new: Some("We keep account data for 26 months.".into()),
        },
    };
    build_payload(format, &ctx, id, &[event], MAX_PAYLOAD_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::sign::verify;
    use std::collections::BTreeMap;

    fn hook(secret: &str) -> Webhook {
        Webhook {
            name: "ops".into(),
            url: "http://127.0.0.1:9/hook".parse().unwrap(),
            secret: secret.to_string(),
            format: WebhookFormat::Json,
            sources: vec![],
            events: vec![],
            min_severity: None,
            headers: BTreeMap::from([
                ("Authorization".to_string(), "Bearer t".to_string()),
                // may not replace ours
                ("X-Policywatch-Delivery".to_string(), "forged".to_string()),
            ]),
            max_attempts: 8,
            max_age: Duration::from_secs(86_400),
            timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn a_webhook_never_has_more_claims_than_it_can_send() {
        let dir = tempfile::tempdir().unwrap();
        let d = Deliverer::new(vec![hook("s3")], &dir.path().join("db.sqlite"), "test").unwrap();
        let row = |id: &str, webhook: &str| Delivery {
            id: id.into(),
            webhook: webhook.into(),
            source_id: "acme".into(),
            change_id: None,
            event_ids: vec![],
            payload: "{}".into(),
            status: crate::db::DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: Utc::now(),
            last_error: None,
            last_status: None,
            created_at: Utc::now(),
            delivered_at: None,
        };
        let mut claims: Vec<Claim> = (0..PER_WEBHOOK_CONCURRENCY)
            .map(|i| d.claim(&row(&format!("d{i}"), "ops")).unwrap())
            .collect();
        assert!(d.at_capacity("ops"));
        assert!(
            !d.at_capacity("other"),
            "one busy webhook does not hold up another"
        );
        assert!(
            d.claim(&row("d0", "ops")).is_none(),
            "never in flight twice"
        );
        claims.pop();
        assert!(!d.at_capacity("ops"));
    }

    #[test]
    fn headers_are_signed_and_ours_win() {
        let h = request_headers(&hook("s3"), "dlv_1", 1_700_000_000, b"{}").unwrap();
        assert_eq!(h["x-policywatch-delivery"], "dlv_1");
        assert_eq!(h["x-policywatch-timestamp"], "1700000000");
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["authorization"], "Bearer t");
        let sig = h["x-policywatch-signature"].to_str().unwrap();
        assert!(verify(b"s3", 1_700_000_000, b"{}", sig));
        assert_eq!(h.get_all("x-policywatch-delivery").iter().count(), 1);
    }

    #[test]
    fn a_bad_custom_header_names_itself() {
        let mut w = hook("s3");
        w.headers.insert("Bad Name".into(), "x".into());
        let e = request_headers(&w, "d", 1, b"").unwrap_err().to_string();
        assert!(e.contains("\"Bad Name\"") && e.contains("ops"), "{e}");
    }

    #[test]
    fn header_names_lowercase_consistently() {
        for n in [DELIVERY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER] {
            assert_eq!(lowercase(n), n.to_ascii_lowercase());
        }
    }

    #[test]
    fn far_future_sorts_after_real_times_as_text() {
        let f = crate::db::ts(far_future());
        assert!(f.starts_with("9999-12-31T23:59:59"), "{f}");
        assert!(f > crate::db::ts(Utc::now()));
    }

    #[test]
    fn test_payload_is_a_test_alert_in_the_webhook_format() {
        let body = test_payload(&hook("s"), "dlv_test_1", Utc::now());
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["schema"], crate::notify::payload::SCHEMA);
        assert_eq!(v["type"], "test");
        assert_eq!(v["delivery"], "dlv_test_1");
        assert_eq!(v["events"][0]["kind"], "retention.changed");
        let mut slack = hook("s3");
        slack.format = WebhookFormat::Slack;
        let v: serde_json::Value =
            serde_json::from_slice(&test_payload(&slack, "d", Utc::now())).unwrap();
        assert!(v["text"].as_str().unwrap().contains("test alert"));
    }
}
