//! Concurrency limits and per-host politeness, shared by every clone of a
//! [`super::Fetcher`] so that `check` and the daemon cannot together hammer
//! one site.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Global and per-host gates.
#[derive(Debug)]
pub(crate) struct Limiter {
    global: Arc<Semaphore>,
    per_host: usize,
    delay: Duration,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

#[derive(Debug)]
struct Host {
    permits: Arc<Semaphore>,
    /// The start time claimed by the latest request (possibly in the future).
    last_start: Mutex<Option<Instant>>,
}

/// Held for the duration of one attempt; dropping it frees the slots.
#[derive(Debug)]
pub(crate) struct Turn {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl Limiter {
    /// Limits of at least 1, whatever the configuration says, so a zero
    /// cannot deadlock every fetch.
    pub(crate) fn new(global: usize, per_host: usize, delay: Duration) -> Limiter {
        Limiter {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            delay,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn host(&self, key: &str) -> Arc<Host> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(key.to_ascii_lowercase())
            .or_insert_with(|| {
                Arc::new(Host {
                    permits: Arc::new(Semaphore::new(self.per_host)),
                    last_start: Mutex::new(None),
                })
            })
            .clone()
    }

    /// Wait until a request to `host` may start: a per-host slot, a global
    /// slot, and at least `delay` since the previous start to that host.
    pub(crate) async fn turn(&self, host: &str) -> Turn {
        let h = self.host(host);
        let host_permit = acquire(&h.permits).await;
        // Wait out most of the politeness delay before taking a global slot,
        // so sleeping requests do not hold up other hosts.
        let earliest = h.next_start(self.delay);
        tokio::time::sleep_until(earliest).await;
        let global_permit = acquire(&self.global).await;
        let start = h.claim(self.delay);
        tokio::time::sleep_until(start).await;
        Turn {
            _host: host_permit,
            _global: global_permit,
        }
    }
}

async fn acquire(sem: &Arc<Semaphore>) -> OwnedSemaphorePermit {
    sem.clone()
        .acquire_owned()
        .await
        .expect("limiter semaphores are never closed")
}

impl Host {
    fn next_start(&self, delay: Duration) -> Instant {
        let last = self.last_start.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        last.map_or(now, |l| (l + delay).max(now))
    }

    /// Atomically claim the next start slot; claims are spaced by `delay`
    /// even when several requests get here at once.
    fn claim(&self, delay: Duration) -> Instant {
        let mut last = self.last_start.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let start = last.map_or(now, |l| (l + delay).max(now));
        *last = Some(start);
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn starts_to_one_host_are_spaced() {
        let lim = Arc::new(Limiter::new(8, 8, Duration::from_millis(60)));
        let t0 = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..4 {
            let lim = lim.clone();
            handles.push(tokio::spawn(async move {
                let _t = lim.turn("example.org").await;
                Instant::now()
            }));
        }
        let mut starts = Vec::new();
        for h in handles {
            starts.push(h.await.unwrap() - t0);
        }
        starts.sort();
        // Virtual time (start_paused): slots are exactly 60 ms apart,
        // whatever else the machine is doing.
        for w in starts.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_millis(60), "{starts:?}");
        }
        assert!(
            starts[3] - starts[0] >= Duration::from_millis(170),
            "{starts:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn other_hosts_are_not_delayed() {
        let lim = Limiter::new(8, 1, Duration::from_secs(5));
        let t0 = Instant::now();
        let _a = lim.turn("a.example").await;
        let _b = lim.turn("B.example").await;
        assert!(t0.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn global_limit_blocks_until_release() {
        let lim = Arc::new(Limiter::new(1, 4, Duration::ZERO));
        let first = lim.turn("a.example").await;
        let lim2 = lim.clone();
        let waiter = tokio::spawn(async move { lim2.turn("b.example").await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished());
        drop(first);
        tokio::time::timeout(Duration::from_secs(2), waiter)
            .await
            .expect("released slot is taken")
            .unwrap();
    }

    #[test]
    fn zero_limits_are_raised_to_one() {
        let lim = Limiter::new(0, 0, Duration::ZERO);
        assert_eq!(lim.global.available_permits(), 1);
        assert_eq!(lim.per_host, 1);
    }
}
