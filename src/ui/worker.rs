//! Background work that never blocks the UI thread: one worker thread per kind of job, holding
//! at most one pending job, so a newer request supersedes an older one that has not started.
//! Results carry the request's generation; the app keeps only the newest.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};

/// A job's result, tagged with the generation of the request that asked for it.
#[derive(Debug)]
pub struct Done<T> {
    /// The generation of the request.
    pub generation: u64,
    /// What the job produced.
    pub result: T,
}

type Job<T> = Box<dyn FnOnce() -> T + Send>;

struct Slot<T> {
    pending: Option<(u64, Job<T>)>,
    closed: bool,
}

/// A worker thread that runs the latest submitted job and sends its result back.
pub struct LatestJob<T: Send + 'static> {
    slot: Arc<(Mutex<Slot<T>>, Condvar)>,
    results: Receiver<Done<T>>,
    generation: u64,
    busy_generation: Arc<Mutex<Option<u64>>>,
}

impl<T: Send + 'static> LatestJob<T> {
    /// Starts the worker thread; `wake` is called after every finished job (the UI passes a
    /// closure that requests a repaint).
    pub fn new(name: &str, wake: impl Fn() + Send + 'static) -> Self {
        let slot = Arc::new((
            Mutex::new(Slot {
                pending: None,
                closed: false,
            }),
            Condvar::new(),
        ));
        let (sender, results) = channel();
        let busy_generation = Arc::new(Mutex::new(None));
        let thread_slot = Arc::clone(&slot);
        let thread_busy = Arc::clone(&busy_generation);
        let spawned = std::thread::Builder::new()
            .name(format!("liqmap-{name}"))
            .spawn(move || run_worker(&thread_slot, &thread_busy, &sender, &wake));
        if let Err(err) = spawned {
            // Without a thread no job would ever run; say so once instead of hanging silently.
            eprintln!("liqmap: could not start the {name} worker: {err}");
        }
        LatestJob {
            slot,
            results,
            generation: 0,
            busy_generation,
        }
    }

    /// Submits a job, replacing any job still waiting; returns its generation.
    pub fn submit(&mut self, job: impl FnOnce() -> T + Send + 'static) -> u64 {
        self.generation += 1;
        let (lock, signal) = &*self.slot;
        if let Ok(mut slot) = lock.lock() {
            slot.pending = Some((self.generation, Box::new(job)));
            signal.notify_one();
        }
        self.generation
    }

    /// The newest finished result that is still the latest request, if any arrived.
    pub fn poll(&mut self) -> Option<T> {
        let mut newest = None;
        while let Ok(done) = self.results.try_recv() {
            if done.generation == self.generation {
                newest = Some(done.result);
            }
        }
        newest
    }

    /// Whether the latest request has not produced its result yet.
    pub fn is_busy(&self) -> bool {
        let pending = self
            .slot
            .0
            .lock()
            .map(|s| s.pending.is_some())
            .unwrap_or(false);
        let running = self
            .busy_generation
            .lock()
            .map(|b| b.is_some())
            .unwrap_or(false);
        pending || running
    }

    /// The generation of the latest request.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Forgets the latest request: its result, when it arrives, is dropped.
    pub fn cancel(&mut self) {
        self.generation += 1;
        if let Ok(mut slot) = self.slot.0.lock() {
            slot.pending = None;
        }
    }
}

impl<T: Send + 'static> Drop for LatestJob<T> {
    fn drop(&mut self) {
        let (lock, signal) = &*self.slot;
        if let Ok(mut slot) = lock.lock() {
            slot.closed = true;
            slot.pending = None;
            signal.notify_one();
        }
    }
}

fn run_worker<T>(
    slot: &(Mutex<Slot<T>>, Condvar),
    busy: &Mutex<Option<u64>>,
    sender: &Sender<Done<T>>,
    wake: &dyn Fn(),
) {
    let (lock, signal) = slot;
    loop {
        let job = {
            let Ok(mut guard) = lock.lock() else { return };
            loop {
                if guard.closed {
                    return;
                }
                if let Some(job) = guard.pending.take() {
                    break job;
                }
                let Ok(next) = signal.wait(guard) else { return };
                guard = next;
            }
        };
        let (generation, work) = job;
        if let Ok(mut b) = busy.lock() {
            *b = Some(generation);
        }
        let result = work();
        if let Ok(mut b) = busy.lock() {
            *b = None;
        }
        if sender.send(Done { generation, result }).is_err() {
            return;
        }
        wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait_for<T: Send + 'static>(job: &mut LatestJob<T>) -> Option<T> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Some(result) = job.poll() {
                return Some(result);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        None
    }

    #[test]
    fn a_newer_request_supersedes_an_older_one() {
        let mut job = LatestJob::new("test", || {});
        let gate = Arc::new(Mutex::new(()));
        let held = gate.lock().unwrap();
        let g = Arc::clone(&gate);
        // The first job blocks until the gate opens; the second replaces nothing (the first is
        // running), the third replaces the second while it waits.
        job.submit(move || {
            let _unused = g.lock();
            1
        });
        std::thread::sleep(Duration::from_millis(20));
        job.submit(|| 2);
        job.submit(|| 3);
        assert!(job.is_busy());
        drop(held);
        assert_eq!(wait_for(&mut job), Some(3));
        assert!(!job.is_busy());
    }

    #[test]
    fn a_cancelled_request_delivers_nothing() {
        let mut job = LatestJob::new("test", || {});
        job.submit(|| {
            std::thread::sleep(Duration::from_millis(30));
            7
        });
        job.cancel();
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(job.poll(), None);
    }
}
