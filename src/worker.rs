//! One helper thread per process for the two-way parallelism of a diff: the
//! new version is parsed beside the old one, and the facts are extracted
//! beside the alignment.
//!
//! Why not a scoped thread per join, as before: on small virtual machines a
//! thread often starts, or wakes, on the CPU of the thread that created or
//! woke it, and waits there behind it while the other CPU stays halted.
//! Traced on the 2-vCPU benchmark machine, the helpers of a 50 KB diff began
//! 0.1–0.5 ms after they were spawned, by which time the caller had done most
//! of their work. So the helper is started once and kept on a CPU other than
//! its creator's (Linux), it is given its first job (the lexicon warm-up) at
//! once, and between jobs it *spins* for a short while rather than sleeping,
//! so that handing it the next job needs no wake-up. A job it has not
//! started when the caller is ready for it is taken back and run by the
//! caller, so a late helper never costs waiting time. With one CPU to run
//! on, there is no helper and both halves of a join run in turn.
//!
//! Only one [`join`] uses the helper at a time; another (from a second
//! thread, or from inside a job) runs both halves itself.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError, TryLockError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long the helper spins for a next job, and a caller for the helper's
/// result, before parking. The jobs of one diff come well within this of
/// each other; a daemon's idle helper parks after it.
const SPIN: Duration = Duration::from_millis(2);

/// The helper's stack: its parse recurses over nested markup, like the main
/// thread's (whose 8 MiB it matches).
const STACK: usize = 8 << 20;

/// No job is posted.
const IDLE: u8 = 0;
/// A job waits in `Helper::posted` for the helper, or for its caller to take back.
const POSTED: u8 = 1;
/// The helper took the job.
const RUNNING: u8 = 2;
/// The helper finished the job.
const DONE: u8 = 3;

/// A job whose borrows the caller of [`join`] keeps alive until it is done.
type Job = Box<dyn FnOnce() + Send + 'static>;

struct Posted {
    job: Job,
    /// The caller, unparked when the job is done.
    caller: Thread,
}

struct Helper {
    state: AtomicU8,
    posted: Mutex<Option<Posted>>,
    /// Held by the one [`join`] that uses the helper.
    turn: Mutex<()>,
    thread: Thread,
}

static HELPER: OnceLock<Option<Helper>> = OnceLock::new();

/// Start the helper, if it is not running yet, and give it `first` to do at
/// once. Call it as early as possible, from the thread that will use the
/// helper, in a short-lived process (the command line): that thread is kept
/// on the CPU it runs on, as the helper is on another, because a thread
/// that blocks for a moment (a page fault waiting for the other thread's
/// `mmap`) is otherwise often woken on the helper's CPU, and the two then
/// take turns there. If the helper was already running, or no thread can
/// be had, `first` runs here.
pub fn start(first: impl FnOnce() + Send + 'static) {
    let mut first = Some(first);
    HELPER.get_or_init(|| {
        let (here, helper) = spawn(first.take())?;
        affinity::pin_current(here);
        Some(helper)
    });
    if let Some(first) = first {
        first();
    }
}

/// Start the helper on a CPU other than ours, which is returned with it.
fn spawn(first: Option<impl FnOnce() + Send + 'static>) -> Option<(usize, Helper)> {
    // With one CPU to run on, a helper could only take turns with its caller.
    let (here, cpu) = affinity::cpus()?;
    // The helper's own handle is only known once it runs, and the helper
    // needs the global to be set: it waits for both.
    let handle = thread::Builder::new()
        .name("policywatch-helper".into())
        .stack_size(STACK)
        .spawn(move || {
            // If we run before our creator could pin us, as when the new
            // thread preempts it, we move ourselves.
            affinity::pin_current(cpu);
            if let Some(first) = first {
                // A panic here would only be the warm-up's: the caller redoes
                // that work when it needs it.
                let _ = panic::catch_unwind(AssertUnwindSafe(first));
            }
            run()
        })
        .ok()?;
    // Placed on our CPU, as it often is, the new thread would wait there for
    // our time slice to end while the other CPU idles; moving it takes effect
    // at once, even before it first runs.
    affinity::pin(&handle, cpu);
    let helper = Helper {
        state: AtomicU8::new(IDLE),
        posted: Mutex::new(None),
        turn: Mutex::new(()),
        thread: handle.thread().clone(),
    };
    Some((here, helper))
}

/// The helper's loop: take a posted job, run it, report it done.
fn run() {
    let helper = loop {
        match HELPER.get() {
            Some(Some(h)) => break h,
            Some(None) => return,
            None => thread::yield_now(),
        }
    };
    loop {
        // `join` unparks the helper after posting, so no job is missed.
        wait_for(&helper.state, POSTED, thread::park);
        let won =
            helper
                .state
                .compare_exchange(POSTED, RUNNING, Ordering::Acquire, Ordering::Relaxed);
        if won.is_err() {
            continue; // its caller took it back
        }
        let posted = lock(&helper.posted).take();
        if let Some(Posted { job, caller }) = posted {
            job();
            helper.state.store(DONE, Ordering::Release);
            caller.unpark();
        }
    }
}

/// Run `a` here and `b` on the helper, if it is free, and return both
/// results. Either closure's panic is resumed here once both are done.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    let helper = match HELPER.get_or_init(|| spawn(None::<fn()>).map(|(_, h)| h)) {
        Some(h) => h,
        None => return (a(), b()),
    };
    let _turn = match helper.turn.try_lock() {
        Ok(turn) => turn,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        // Busy with another join: do both here.
        Err(TryLockError::WouldBlock) => return (a(), b()),
    };

    let slot: Mutex<Option<thread::Result<RB>>> = Mutex::new(None);
    let job: Box<dyn FnOnce() + Send + '_> = Box::new(|| {
        let rb = panic::catch_unwind(AssertUnwindSafe(b));
        *lock(&slot) = Some(rb);
    });
    // SAFETY: only the lifetime changes. The job borrows `slot` and what `b`
    // borrows, all of which outlive this call, and this call neither returns
    // nor unwinds before `settle` has seen the job run to its end or taken it
    // back: `a`'s panic is caught and resumed only after `settle`.
    #[allow(unsafe_code)]
    let job: Job = unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + '_>, Job>(job) };
    *lock(&helper.posted) = Some(Posted {
        job,
        caller: thread::current(),
    });
    helper.state.store(POSTED, Ordering::Release);
    helper.thread.unpark();

    let ra = panic::catch_unwind(AssertUnwindSafe(a));
    settle(helper);

    let rb = lock(&slot).take();
    match (ra, rb) {
        (Ok(ra), Some(Ok(rb))) => (ra, rb),
        (Err(panic), _) | (_, Some(Err(panic))) => panic::resume_unwind(panic),
        (Ok(_), None) => unreachable!("`settle` leaves the posted job run"),
    }
}

/// Run the posted job here if the helper has not started it, else wait
/// until the helper has finished it.
fn settle(helper: &Helper) {
    let taken_back = helper
        .state
        .compare_exchange(POSTED, IDLE, Ordering::Acquire, Ordering::Relaxed)
        .is_ok();
    if taken_back {
        if let Some(Posted { job, .. }) = lock(&helper.posted).take() {
            job();
        }
        return;
    }
    // The helper unparks its caller when it is done.
    wait_for(&helper.state, DONE, || thread::park_timeout(SPIN));
    helper.state.store(IDLE, Ordering::Release);
}

/// Spin until `state` is `want`, yielding now and then in case the thread
/// we wait for is queued behind us on this CPU, and calling `park` once we
/// have spun for [`SPIN`]; whoever sets `want` unparks us.
fn wait_for(state: &AtomicU8, want: u8, park: impl Fn()) {
    let since = Instant::now();
    let mut spins = 0u32;
    while state.load(Ordering::Acquire) != want {
        std::hint::spin_loop();
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(1024) {
            if since.elapsed() > SPIN {
                park();
            } else {
                thread::yield_now();
            }
        }
    }
}

/// Which CPU the helper runs on.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod affinity {
    use std::mem::{size_of, zeroed};
    use std::os::unix::thread::JoinHandleExt;
    use std::thread::JoinHandle;

    /// The CPU this thread runs on, and another that it may run on.
    pub fn cpus() -> Option<(usize, usize)> {
        // SAFETY: `set` is a zeroed `cpu_set_t` (a plain bit array) whose
        // size is passed along, and `CPU_ISSET` reads it within its bounds.
        unsafe {
            let mut set: libc::cpu_set_t = zeroed();
            if libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) != 0 {
                return None;
            }
            let here = usize::try_from(libc::sched_getcpu()).ok()?;
            let other =
                (0..libc::CPU_SETSIZE as usize).find(|&c| c != here && libc::CPU_ISSET(c, &set))?;
            Some((here, other))
        }
    }

    /// The set holding `cpu` alone.
    fn only(cpu: usize) -> libc::cpu_set_t {
        // SAFETY: as above.
        unsafe {
            let mut set: libc::cpu_set_t = zeroed();
            libc::CPU_SET(cpu, &mut set);
            set
        }
    }

    /// Keep the thread of `handle` on `cpu`. Failing that, it runs where the
    /// scheduler puts it.
    pub fn pin<T>(handle: &JoinHandle<T>, cpu: usize) {
        let set = only(cpu);
        // SAFETY: the thread is alive, since `handle` has not been joined,
        // so its `pthread_t` is valid; `set` is a valid set of its size.
        unsafe {
            libc::pthread_setaffinity_np(handle.as_pthread_t(), size_of::<libc::cpu_set_t>(), &set);
        }
    }

    /// Keep this thread on `cpu`, as [`pin`] does.
    pub fn pin_current(cpu: usize) {
        let set = only(cpu);
        // SAFETY: `set` is a valid set of the size passed.
        unsafe {
            libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set);
        }
    }
}

/// Elsewhere the helper runs where the scheduler puts it.
#[cfg(not(target_os = "linux"))]
mod affinity {
    use std::thread::JoinHandle;

    pub fn cpus() -> Option<(usize, usize)> {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        (n > 1).then_some((0, 1))
    }

    pub fn pin<T>(_: &JoinHandle<T>, _: usize) {}

    pub fn pin_current(_: usize) {}
}

/// Lock a mutex whose data a panic cannot leave half-written.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn join_returns_both_results_and_sees_borrows() {
        let text = String::from("borrowed by both halves");
        for _ in 0..200 {
            let (a, b) = join(|| text.len(), || text.split(' ').count());
            assert_eq!((a, b), (23, 4));
        }
    }

    #[test]
    fn both_halves_run_exactly_once() {
        let runs = AtomicUsize::new(0);
        for i in 0..500 {
            let ((), ()) = join(
                || {
                    runs.fetch_add(1, Ordering::Relaxed);
                },
                || {
                    if i % 2 == 0 {
                        thread::sleep(Duration::from_micros(50));
                    }
                    runs.fetch_add(1, Ordering::Relaxed);
                },
            );
        }
        assert_eq!(runs.load(Ordering::Relaxed), 1000);
    }

    #[test]
    fn concurrent_and_nested_joins_complete() {
        let total = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..100 {
                        let (x, (y, z)) = join(|| 1, || join(|| 2, || 3));
                        total.fetch_add(x + y + z, Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(total.load(Ordering::Relaxed), 4 * 100 * 6);
    }

    #[test]
    fn a_panic_on_either_side_reaches_the_caller_after_both_are_done() {
        let done = AtomicUsize::new(0);
        let helper_side = panic::catch_unwind(AssertUnwindSafe(|| {
            join(
                || {
                    done.fetch_add(1, Ordering::Relaxed);
                },
                || panic!("helper side"),
            )
        }));
        assert!(helper_side.is_err());
        assert_eq!(done.load(Ordering::Relaxed), 1);

        let caller_side = panic::catch_unwind(AssertUnwindSafe(|| {
            join(
                || panic!("caller side"),
                || {
                    thread::sleep(Duration::from_millis(1));
                    done.fetch_add(1, Ordering::Relaxed);
                },
            )
        }));
        assert!(caller_side.is_err());
        assert_eq!(done.load(Ordering::Relaxed), 2);
        // The helper is free again afterwards.
        assert_eq!(join(|| 1, || 2), (1, 2));
    }

    #[test]
    fn start_runs_its_first_job() {
        let (tx, rx) = std::sync::mpsc::channel();
        start(move || tx.send(7).unwrap_or(()));
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(7));
    }
}
