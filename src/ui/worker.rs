//! Background work that never blocks the UI thread: one worker thread per kind of job, holding
//! at most one pending job, so a newer request supersedes an older one that has not started.
//! Results carry the request's generation; the submitting side keeps only the newest.
//!
//! Whether a job is busy is known on the submitting side alone: the generation last submitted
//! against the generation last delivered by [`LatestJob::poll`]. Nothing the worker thread does
//! can make the job look idle while its result is still on its way.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};

/// Wakes the UI: a job finished or a task delivered something.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

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
    /// The generation of the last request submitted (or cancelled).
    submitted: u64,
    /// The generation of the last result handed out by `poll` (or given up by `cancel`).
    delivered: u64,
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
        let thread_slot = Arc::clone(&slot);
        let spawned = std::thread::Builder::new()
            .name(format!("liqmap-{name}"))
            .spawn(move || run_worker(&thread_slot, &sender, &wake));
        if let Err(err) = spawned {
            // Without a thread no job would ever run; say so once instead of hanging silently.
            log::error!("could not start the {name} worker: {err}");
        }
        LatestJob {
            slot,
            results,
            submitted: 0,
            delivered: 0,
        }
    }

    /// Submits a job, replacing any job still waiting; returns its generation.
    pub fn submit(&mut self, job: impl FnOnce() -> T + Send + 'static) -> u64 {
        self.submitted += 1;
        let (lock, signal) = &*self.slot;
        if let Ok(mut slot) = lock.lock() {
            slot.pending = Some((self.submitted, Box::new(job)));
            signal.notify_one();
        }
        self.submitted
    }

    /// The newest finished result that is still the latest request, if any arrived.
    pub fn poll(&mut self) -> Option<T> {
        let mut newest = None;
        while let Ok(done) = self.results.try_recv() {
            if done.generation == self.submitted {
                self.delivered = done.generation;
                newest = Some(done.result);
            }
        }
        newest
    }

    /// Whether the latest request has not been delivered by [`LatestJob::poll`] yet.
    pub fn is_busy(&self) -> bool {
        self.submitted != self.delivered
    }

    /// The generation of the latest request.
    pub fn generation(&self) -> u64 {
        self.submitted
    }

    /// Forgets the latest request: its result, when it arrives, is dropped.
    pub fn cancel(&mut self) {
        self.submitted += 1;
        self.delivered = self.submitted;
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

fn run_worker<T>(slot: &(Mutex<Slot<T>>, Condvar), sender: &Sender<Done<T>>, wake: &dyn Fn()) {
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
        let result = work();
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
        assert!(!job.is_busy(), "nothing is awaited once cancelled");
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(job.poll(), None);
    }

    #[test]
    fn a_job_stays_busy_until_its_result_is_polled() {
        // The worker wakes the UI after the result is sent: at that moment the job has finished
        // on its thread, yet the result has not been taken. A busy flag kept by the worker
        // (cleared before the send) reads "idle" here and a caller stops waiting too early.
        let (woken, wakes) = channel();
        let mut job = LatestJob::new("test", move || {
            let _ = woken.send(());
        });
        job.submit(|| 5);
        wakes
            .recv_timeout(Duration::from_secs(5))
            .expect("the job finished");
        assert!(job.is_busy(), "the result is on its way, not delivered");
        assert_eq!(job.poll(), Some(5));
        assert!(!job.is_busy());
        // A superseded result does not count as delivered.
        let gate = Arc::new(Mutex::new(()));
        let held = gate.lock().unwrap();
        let g = Arc::clone(&gate);
        job.submit(move || {
            let _unused = g.lock();
            6
        });
        std::thread::sleep(Duration::from_millis(20));
        // The newest job waits too, so it cannot finish before the first result is polled.
        let second_gate = Arc::new(Mutex::new(()));
        let second_held = second_gate.lock().unwrap();
        let g2 = Arc::clone(&second_gate);
        job.submit(move || {
            let _unused = g2.lock();
            8
        });
        drop(held);
        wakes
            .recv_timeout(Duration::from_secs(5))
            .expect("the first job finished");
        assert_eq!(job.poll(), None, "the superseded result is dropped");
        assert!(job.is_busy(), "the latest request is still awaited");
        drop(second_held);
        assert_eq!(wait_for(&mut job), Some(8));
        assert!(!job.is_busy());
    }
}
