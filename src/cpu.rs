//! The bounded pool for CPU-heavy work (image decoding, spreadsheet
//! parsing): a few threads, a short queue and a memory budget in bytes, so
//! a burst of heavy uploads neither starves the database pool nor grows the
//! process without bound. Past capacity a job is refused at once with
//! [`CpuError::Busy`], which the HTTP layer answers with 503 + Retry-After.
//!
//! Infrastructure, not a use case: it knows nothing of HTTP or the database.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a job waits for its memory before it is refused: long enough
/// to ride out one photo finishing, short enough that a client retrying
/// later is better served than one kept waiting.
const MEMORY_WAIT: Duration = Duration::from_secs(5);
/// What a refused client is told to wait before trying again.
const RETRY_AFTER_SECONDS: u64 = 5;

/// Why a job did not run to completion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpuError {
    /// The queue is full, or the job's memory could not be reserved in
    /// time; nothing of it ran.
    #[error("heavy-work pool is busy; retry after {retry_after} s")]
    Busy { retry_after: u64 },
    /// The job panicked; the pool thread survives and the memory is freed.
    #[error("heavy-work job panicked: {0}")]
    Panicked(String),
}

/// How big the pool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuLimits {
    /// Threads running jobs; 0 means one per core.
    pub threads: usize,
    /// Jobs admitted beyond those running (waiting for a thread or for
    /// memory); more are refused.
    pub queue: usize,
    /// Bytes all admitted jobs may reserve together.
    pub memory_bytes: u64,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

struct State {
    /// Jobs admitted and not finished: queued, waiting for memory, running.
    admitted: usize,
    /// Bytes reserved by admitted jobs.
    reserved: u64,
    jobs: VecDeque<Job>,
    stopping: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when memory is released.
    memory_freed: Condvar,
    /// Signalled when a job is queued or the pool stops.
    job_queued: Condvar,
    max_admitted: usize,
    memory_bytes: u64,
    threads: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic never happens while the lock is held (jobs run outside
        // it), but a poisoned lock must not take the pool down either.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A handle on the pool; clones share it. Threads end when the last handle
/// is dropped.
#[derive(Clone)]
pub struct CpuPool {
    shared: Arc<Shared>,
    _threads: Arc<Threads>,
}

/// Stops the threads when the last pool handle goes.
struct Threads(Arc<Shared>);

impl Drop for Threads {
    fn drop(&mut self) {
        self.0.lock().stopping = true;
        self.0.job_queued.notify_all();
    }
}

/// What one job holds of the budget; released on drop, even on a panic.
struct Reservation {
    shared: Arc<Shared>,
    bytes: u64,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.reserved -= self.bytes;
        state.admitted -= 1;
        drop(state);
        self.shared.memory_freed.notify_all();
    }
}

impl CpuPool {
    /// Starts the threads.
    pub fn start(limits: CpuLimits) -> CpuPool {
        let threads = if limits.threads == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            limits.threads
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                admitted: 0,
                reserved: 0,
                jobs: VecDeque::new(),
                stopping: false,
            }),
            memory_freed: Condvar::new(),
            job_queued: Condvar::new(),
            max_admitted: threads + limits.queue,
            memory_bytes: limits.memory_bytes.max(1),
            threads,
        });
        for n in 0..threads {
            let shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("ocop-cpu-{n}"))
                .spawn(move || worker(&shared));
            if let Err(e) = spawned {
                tracing::error!(cause = %e, "cannot start a heavy-work thread");
            }
        }
        CpuPool {
            _threads: Arc::new(Threads(shared.clone())),
            shared,
        }
    }

    /// Threads running jobs.
    pub fn threads(&self) -> usize {
        self.shared.threads
    }

    /// The whole memory budget in bytes.
    pub fn memory_budget(&self) -> u64 {
        self.shared.memory_bytes
    }

    /// (jobs admitted, bytes reserved) right now.
    pub fn load(&self) -> (usize, u64) {
        let state = self.shared.lock();
        (state.admitted, state.reserved)
    }

    /// Runs `job` on a pool thread and waits for its result, blocking the
    /// caller (call it from a blocking context, never an async worker).
    ///
    /// `memory_bytes` is the job's estimate of what it allocates at its
    /// peak. A job larger than the whole budget takes all of it, so it runs
    /// alone rather than never. Refused with [`CpuError::Busy`] when the
    /// queue is full or the memory cannot be reserved within a few seconds.
    pub fn run<T, F>(&self, memory_bytes: u64, job: F) -> Result<T, CpuError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let reservation = self.reserve(memory_bytes)?;
        let (tx, rx) = mpsc::sync_channel(1);
        let task: Job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(job)).map_err(|p| {
                let text = p
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                CpuError::Panicked(text)
            });
            // Freed before the result is handed back, so a client that
            // retries at once finds the memory available again.
            drop(reservation);
            let _ = tx.send(result);
        });
        {
            let mut state = self.shared.lock();
            state.jobs.push_back(task);
        }
        self.shared.job_queued.notify_one();
        rx.recv()
            .map_err(|_| CpuError::Panicked("the heavy-work pool stopped".into()))?
    }

    /// Admits a job and reserves its memory, waiting a little for memory
    /// other jobs are about to free.
    fn reserve(&self, memory_bytes: u64) -> Result<Reservation, CpuError> {
        let busy = CpuError::Busy {
            retry_after: RETRY_AFTER_SECONDS,
        };
        let bytes = memory_bytes.clamp(1, self.shared.memory_bytes);
        let mut state = self.shared.lock();
        if state.admitted >= self.shared.max_admitted || state.stopping {
            return Err(busy);
        }
        state.admitted += 1;
        let deadline = Instant::now() + MEMORY_WAIT;
        while state.reserved + bytes > self.shared.memory_bytes {
            let now = Instant::now();
            if now >= deadline {
                state.admitted -= 1;
                return Err(busy);
            }
            state = self
                .shared
                .memory_freed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        state.reserved += bytes;
        Ok(Reservation {
            shared: self.shared.clone(),
            bytes,
        })
    }
}

fn worker(shared: &Shared) {
    loop {
        let job = {
            let mut state = shared.lock();
            loop {
                if let Some(job) = state.jobs.pop_front() {
                    break job;
                }
                if state.stopping {
                    return;
                }
                state = shared
                    .job_queued
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner());
            }
        };
        job();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    fn pool(threads: usize, queue: usize, memory_bytes: u64) -> CpuPool {
        CpuPool::start(CpuLimits {
            threads,
            queue,
            memory_bytes,
        })
    }

    #[test]
    fn runs_a_job_and_frees_its_memory() {
        let pool = pool(2, 2, 100);
        assert_eq!(pool.run(60, || 6 * 7), Ok(42));
        assert_eq!(pool.load(), (0, 0));
    }

    #[test]
    fn a_panic_is_an_error_and_the_pool_survives() {
        let pool = pool(1, 0, 100);
        let r: Result<(), _> = pool.run(10, || panic!("bad file"));
        assert_eq!(r, Err(CpuError::Panicked("bad file".into())));
        assert_eq!(pool.run(10, || 1), Ok(1));
        assert_eq!(pool.load(), (0, 0));
    }

    #[test]
    fn a_full_queue_refuses_at_once() {
        let pool = pool(1, 1, 1_000);
        let gate = Arc::new(Barrier::new(2));
        let (p, g) = (pool.clone(), gate.clone());
        let first = std::thread::spawn(move || p.run(1, move || g.wait()));
        let (p2, g2) = (pool.clone(), gate.clone());
        // Wait until the first is running, then admit a second (queued).
        while pool.load().0 < 1 {
            std::thread::yield_now();
        }
        let second = std::thread::spawn(move || p2.run(1, move || drop(g2)));
        while pool.load().0 < 2 {
            std::thread::yield_now();
        }
        let started = Instant::now();
        assert_eq!(
            pool.run(1, || ()),
            Err(CpuError::Busy {
                retry_after: RETRY_AFTER_SECONDS
            })
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        gate.wait();
        assert!(first.join().unwrap().is_ok());
        assert!(second.join().unwrap().is_ok());
        assert_eq!(pool.load(), (0, 0));
    }

    #[test]
    fn memory_is_shared_and_an_oversized_job_runs_alone() {
        let pool = pool(2, 4, 100);
        let gate = Arc::new(Barrier::new(2));
        let (p, g) = (pool.clone(), gate.clone());
        // 1,000 bytes against a budget of 100: takes the whole budget.
        let big = std::thread::spawn(move || p.run(1_000, move || g.wait()));
        while pool.load().1 < 100 {
            std::thread::yield_now();
        }
        let started = Instant::now();
        let refused = pool.run(1, || ());
        assert_eq!(
            refused,
            Err(CpuError::Busy {
                retry_after: RETRY_AFTER_SECONDS
            })
        );
        assert!(started.elapsed() >= MEMORY_WAIT);
        gate.wait();
        assert!(big.join().unwrap().is_ok());
        assert_eq!(pool.run(100, || 5), Ok(5));
    }
}
