//! The watch daemon: `policywatch watch` runs checks on each source's
//! schedule until it is stopped, and delivers webhook alerts beside them.
//!
//! Shape: tokio-cron-scheduler jobs only *announce* that a source is due
//! (they send its id on a channel). One loop owns everything else: it starts
//! checks (after a random jitter, never two of one source at once), reloads
//! the config, and stops on a signal. Checks go through the same
//! [`Tracker`] as `policywatch check`, so the fetch limits (global and per
//! host) are shared, and the webhook [`Deliverer`] runs as its own task with
//! its own database connection, so a slow receiver never delays a check.
//!
//! Signals: SIGINT and SIGTERM stop scheduling, let running checks finish
//! within `[watch] grace_period`, stop the deliverer and exit cleanly. SIGHUP
//! (or a change of the config file, polled every two seconds and loaded once
//! it has stopped changing) reloads the config; a config that does not validate is rejected with a log line and
//! the running one stays in force.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use thiserror::Error;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::config::{Config, Schedule};
use crate::db::SourceStatus;
use crate::notify::{DeliverError, Deliverer};
use crate::schedule;
use crate::tracker::{CheckResult, SourceReport, Tracker, TrackerError};

/// How often the config file is polled for changes (SIGHUP reloads at once).
const CONFIG_POLL: Duration = Duration::from_secs(2);

/// Why the daemon could not start or keep running.
#[derive(Debug, Error)]
pub enum DaemonError {
    /// Opening the store, the database or the lock.
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    /// Starting the webhook deliverer.
    #[error(transparent)]
    Deliver(#[from] DeliverError),
    /// The scheduler refused a job or could not start.
    #[error("scheduler: {what}: {source:?}")]
    Scheduler {
        /// What was being done.
        what: String,
        /// The scheduler's error (it implements no Display).
        source: JobSchedulerError,
    },
    /// Installing a signal handler.
    #[error("cannot listen for signals: {0}")]
    Signal(#[from] std::io::Error),
}

fn sched_err(what: impl Into<String>) -> impl FnOnce(JobSchedulerError) -> DaemonError {
    let what = what.into();
    move |source| DaemonError::Scheduler { what, source }
}

/// A source announced as due by the scheduler of one config generation.
#[derive(Debug)]
struct Due {
    source: String,
    generation: u64,
}

/// A running watch: the tracker, the deliverer and the schedule.
pub struct Daemon {
    tracker: Arc<Tracker>,
    deliverer: Deliverer,
    config_path: PathBuf,
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon")
            .field("config", &self.config_path)
            .finish_non_exhaustive()
    }
}

/// What one run of the daemon did, for its last log line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Checks that finished.
    pub checks: usize,
    /// New versions recorded.
    pub new_versions: usize,
    /// Checks that failed or looked suspicious.
    pub failures: usize,
    /// Config reloads applied.
    pub reloads: usize,
    /// Checks still running when the grace period ran out.
    pub abandoned: usize,
}

impl Daemon {
    /// Take the store lock (one daemon per store; `wait` queues behind a
    /// running `check` instead of refusing), open the stores and start
    /// nothing yet.
    pub fn open(config: Config, wait: bool) -> Result<Daemon, DaemonError> {
        let config_path = config.file.clone();
        let deliverer = Deliverer::new(
            config.webhooks.clone(),
            &config.database.path,
            &config.fetch.user_agent,
        )?;
        let tracker = Arc::new(Tracker::open(config, wait)?);
        Ok(Daemon {
            tracker,
            deliverer,
            config_path,
        })
    }

    /// Run until SIGINT or SIGTERM. Needs tokio's multi-thread runtime:
    /// database reads on the main loop use `block_in_place`.
    pub async fn run(self) -> Result<RunSummary, DaemonError> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let (due_tx, mut due_rx) = mpsc::channel::<Due>(1024);
        let mut signals = Signals::new()?;

        let grace = self.tracker.config().watch.grace_period;
        let delivering = {
            let deliverer = self.deliverer.clone();
            let stop = stop_rx.clone();
            tokio::spawn(async move { deliverer.run(stop, grace).await })
        };

        let mut generation = 0u64;
        let mut scheduler = self.start_schedule(generation, &due_tx).await?;
        let mut in_flight: HashSet<String> = HashSet::new();
        let mut checks: JoinSet<(String, Option<SourceReport>)> = JoinSet::new();
        let mut summary = RunSummary::default();
        let mut config_stamp = file_stamp(&self.config_path);
        let mut settling = None;
        let mut poll = tokio::time::interval(CONFIG_POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        {
            let config = self.tracker.config();
            tracing::info!(
                sources = config.sources.len(),
                webhooks = config.webhooks.len(),
                config = %self.config_path.display(),
                store = %config.store.path.display(),
                database = %config.database.path.display(),
                "watching"
            );
        }
        self.catch_up(&mut in_flight, &mut checks, &stop_rx);

        let stopped_by = loop {
            tokio::select! {
                Some(due) = due_rx.recv() => {
                    if due.generation == generation {
                        self.start_check(due.source, &mut in_flight, &mut checks, &stop_rx);
                    }
                }
                Some(done) = checks.join_next(), if !checks.is_empty() => {
                    match done {
                        Ok((id, report)) => {
                            in_flight.remove(&id);
                            if let Some(report) = report {
                                log_report(&report, &mut summary);
                                self.deliverer.wake();
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "a check task failed"),
                    }
                }
                _ = poll.tick() => {
                    let stamp = file_stamp(&self.config_path);
                    if stamp == config_stamp {
                        settling = None;
                    } else if settling == Some(stamp) {
                        // Unchanged for a whole poll: the editor is done
                        // writing, so a half-written file is never loaded.
                        config_stamp = stamp;
                        settling = None;
                        tracing::info!(config = %self.config_path.display(), "config file changed");
                        if self.reload(&mut generation, &due_tx, &mut scheduler).await {
                            summary.reloads += 1;
                            self.catch_up(&mut in_flight, &mut checks, &stop_rx);
                        }
                    } else {
                        settling = Some(stamp);
                    }
                }
                signal = signals.next() => match signal {
                    Signal::Reload => {
                        config_stamp = file_stamp(&self.config_path);
                        settling = None;
                        tracing::info!("SIGHUP: reloading the config");
                        if self.reload(&mut generation, &due_tx, &mut scheduler).await {
                            summary.reloads += 1;
                            self.catch_up(&mut in_flight, &mut checks, &stop_rx);
                        }
                    }
                    Signal::Stop(name) => break name,
                },
            }
        };

        // A reload may have changed it.
        let grace = self.tracker.config().watch.grace_period;
        tracing::info!(
            signal = stopped_by,
            running = checks.len(),
            grace_secs = grace.as_secs_f64(),
            "stopping: no new checks; waiting for running ones"
        );
        let _ = stop_tx.send(true);
        if let Err(e) = scheduler.shutdown().await {
            tracing::warn!(error = ?e, "scheduler did not shut down cleanly");
        }
        let drained = tokio::time::timeout(grace, async {
            while let Some(done) = checks.join_next().await {
                if let Ok((_, Some(report))) = done {
                    log_report(&report, &mut summary);
                }
            }
        })
        .await;
        if drained.is_err() {
            summary.abandoned = checks.len();
            tracing::warn!(
                abandoned = summary.abandoned,
                "grace period over; abandoning running checks (the store repairs itself at the next start)"
            );
            checks.abort_all();
        }
        match tokio::time::timeout(grace + Duration::from_secs(1), delivering).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "the webhook deliverer failed"),
            Err(_) => tracing::warn!("webhook deliverer still busy after the grace period"),
        }
        tracing::info!(
            checks = summary.checks,
            new_versions = summary.new_versions,
            failures = summary.failures,
            reloads = summary.reloads,
            "stopped"
        );
        Ok(summary)
    }

    /// Schedule every source of the current config. Jobs only announce the
    /// source; `generation` lets the loop ignore a replaced scheduler's
    /// announcements that were already on their way.
    async fn start_schedule(
        &self,
        generation: u64,
        due: &mpsc::Sender<Due>,
    ) -> Result<JobScheduler, DaemonError> {
        let config = self.tracker.config();
        let status = self.sources_status()?;
        let now = Utc::now();
        let scheduler = JobScheduler::new()
            .await
            .map_err(sched_err("starting the scheduler"))?;
        for source in &config.sources {
            let announce = announcer(due.clone(), source.id.clone(), generation);
            let job = match config.schedule_for(source) {
                Schedule::Cron(expr) => {
                    Job::new_async(schedule::with_seconds(expr), move |_, _| announce())
                }
                Schedule::Every(every) => {
                    // Keep the rhythm of the last check across restarts: the
                    // first run is one interval after it (an overdue source
                    // is caught up at start and starts a fresh interval).
                    let last = status
                        .iter()
                        .find(|s| s.id == source.id)
                        .and_then(|s| s.last_checked_at);
                    let every = *every;
                    let first = match schedule::next_due(&Schedule::Every(every), last, now) {
                        Some(at) if at > now => (at - now).to_std().unwrap_or(every),
                        _ => every,
                    };
                    let repeat = announce.clone();
                    Job::new_one_shot_async(first, move |_, scheduler| {
                        let repeat = repeat.clone();
                        let first_run = announce();
                        Box::pin(async move {
                            first_run.await;
                            let job = Job::new_repeated_async(every, move |_, _| repeat());
                            match job {
                                Ok(job) => {
                                    if let Err(e) = scheduler.add(job).await {
                                        tracing::error!(error = ?e, "could not schedule a repeating check");
                                    }
                                }
                                Err(e) => tracing::error!(error = ?e, "could not build a repeating check"),
                            }
                        })
                    })
                }
            }
            .map_err(sched_err(format!("scheduling source {}", source.id)))?;
            scheduler
                .add(job)
                .await
                .map_err(sched_err(format!("scheduling source {}", source.id)))?;
        }
        scheduler
            .start()
            .await
            .map_err(sched_err("starting the scheduler"))?;
        Ok(scheduler)
    }

    /// Run once, now, every source that missed a scheduled check (or was
    /// never checked).
    fn catch_up(
        &self,
        in_flight: &mut HashSet<String>,
        checks: &mut JoinSet<(String, Option<SourceReport>)>,
        stop: &watch::Receiver<bool>,
    ) {
        let config = self.tracker.config();
        let status = match self.sources_status() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the last checks; overdue sources wait for their schedule");
                return;
            }
        };
        let now = Utc::now();
        for source in &config.sources {
            let last = status
                .iter()
                .find(|s| s.id == source.id)
                .and_then(|s| s.last_checked_at);
            if schedule::is_overdue(config.schedule_for(source), last, now) {
                tracing::info!(source = %source.id, last_check = ?last, "overdue: checking now");
                self.start_check(source.id.clone(), in_flight, checks, stop);
            }
        }
    }

    /// Start a check of `id` after a random jitter, unless one is running.
    fn start_check(
        &self,
        id: String,
        in_flight: &mut HashSet<String>,
        checks: &mut JoinSet<(String, Option<SourceReport>)>,
        stop: &watch::Receiver<bool>,
    ) {
        if !in_flight.insert(id.clone()) {
            tracing::info!(source = %id, "previous check still running; this run is skipped");
            return;
        }
        let tracker = self.tracker.clone();
        let mut stop = stop.clone();
        let delay = schedule::jitter(tracker.config().watch.jitter);
        checks.spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stop.wait_for(|s| *s) => return (id, None),
            }
            // Read the config now: a reload may have changed or removed it.
            let Some(source) = tracker.config().source(&id).cloned() else {
                return (id, None);
            };
            let report = tracker.check(vec![source], |_| {}).await.pop();
            (id, report)
        });
    }

    /// Validate and apply the config file, then swap in a scheduler for
    /// it. A bad config is logged and the running one stays; if the new
    /// schedule cannot be built, the old one keeps running. Returns whether
    /// the new config is in force.
    async fn reload(
        &self,
        generation: &mut u64,
        due: &mpsc::Sender<Due>,
        scheduler: &mut JobScheduler,
    ) -> bool {
        let config = match tokio::task::block_in_place(|| Config::load(&self.config_path)) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "config rejected; the running config stays in force");
                return false;
            }
        };
        let webhooks = config.webhooks.clone();
        let sources = config.sources.len();
        if let Err(e) = tokio::task::block_in_place(|| self.tracker.reload(config)) {
            tracing::error!(error = %e, "config rejected; the running config stays in force");
            return false;
        }
        self.deliverer.set_webhooks(webhooks);
        let fresh = match self.start_schedule(*generation + 1, due).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "could not schedule the reloaded config; the previous schedule keeps running");
                return false;
            }
        };
        // From here on the old scheduler's announcements are ignored.
        *generation += 1;
        let mut old = std::mem::replace(scheduler, fresh);
        if let Err(e) = old.shutdown().await {
            tracing::warn!(error = ?e, "old scheduler did not shut down cleanly");
        }
        tracing::info!(sources, "config reloaded");
        true
    }

    /// Each source's last check, read without stalling the async workers
    /// (the database may be busy with a check's transaction).
    fn sources_status(&self) -> Result<Vec<SourceStatus>, TrackerError> {
        tokio::task::block_in_place(|| self.tracker.sources_status())
    }
}

/// A job body that announces `source` as due.
fn announcer(
    due: mpsc::Sender<Due>,
    source: String,
    generation: u64,
) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Clone + Send + Sync
{
    move || {
        let due = due.clone();
        let source = source.clone();
        Box::pin(async move {
            // The loop is gone only during shutdown, when nothing is due.
            let _ = due.send(Due { source, generation }).await;
        })
    }
}

fn log_report(report: &SourceReport, summary: &mut RunSummary) {
    summary.checks += 1;
    let source = report.source.as_str();
    let ms = report.elapsed_ms;
    match &report.result {
        CheckResult::NewVersion {
            seq, first, events, ..
        } => {
            summary.new_versions += 1;
            let headlines: Vec<String> = events.iter().take(5).map(|e| e.headline()).collect();
            tracing::info!(
                source,
                version = seq,
                first = *first,
                events = events.len(),
                headlines = ?headlines,
                elapsed_ms = ms,
                "new version"
            );
        }
        CheckResult::Failed(why) | CheckResult::Suspicious(why) => {
            summary.failures += 1;
            tracing::warn!(source, error = %why, elapsed_ms = ms, "check failed");
        }
        other => tracing::info!(source, outcome = ?other, elapsed_ms = ms, "checked"),
    }
}

/// Modification time and size of the config file; `None` if unreadable
/// (then a later successful read counts as a change).
fn file_stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// What a signal asks for.
enum Signal {
    Reload,
    Stop(&'static str),
}

#[cfg(unix)]
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.int.recv() => Signal::Stop("SIGINT"),
            _ = self.term.recv() => Signal::Stop("SIGTERM"),
            _ = self.hup.recv() => Signal::Reload,
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals)
    }

    async fn next(&mut self) -> Signal {
        match tokio::signal::ctrl_c().await {
            Ok(()) => Signal::Stop("Ctrl-C"),
            Err(_) => std::future::pending().await,
        }
    }
}
