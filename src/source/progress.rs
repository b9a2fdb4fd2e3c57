//! Progress of a fetch: pages (or files) done and expected, and the wait the venue imposes while
//! it lasts, told to the caller on every change.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::config::{FetchProgress, RateLimitWait};
use super::http::OnWait;

/// What the caller is told of progress.
pub(crate) type Progress<'a> = &'a (dyn Fn(FetchProgress) + Send + Sync);

/// Pages done and expected, and the wait in progress.
pub(crate) struct Counter<'a> {
    progress: Progress<'a>,
    done: AtomicU64,
    total: AtomicU64,
    waiting: Mutex<Option<RateLimitWait>>,
}

impl<'a> Counter<'a> {
    /// Nothing done, nothing expected yet.
    pub fn new(progress: Progress<'a>) -> Self {
        Self {
            progress,
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            waiting: Mutex::new(None),
        }
    }

    fn tell(&self) {
        let pages_done = self.done.load(Ordering::Relaxed);
        let pages_total = self.total.load(Ordering::Relaxed).max(pages_done);
        let waiting = self.waiting.lock().map(|w| *w).unwrap_or(None);
        (self.progress)(FetchProgress {
            pages_done,
            pages_total,
            waiting,
        });
    }

    /// `total` pages are expected.
    pub fn start(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.tell();
    }

    /// `more` pages are expected besides.
    pub fn expect_more(&self, more: u64) {
        self.total.fetch_add(more, Ordering::Relaxed);
        self.tell();
    }

    /// One more page done.
    pub fn page(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.total.fetch_max(done, Ordering::Relaxed);
        self.tell();
    }

    /// The estimate assumed full pages; the paging ended early because the data did.
    pub fn finish(&self) {
        self.total
            .store(self.done.load(Ordering::Relaxed), Ordering::Relaxed);
        self.tell();
    }

    fn set_waiting(&self, wait: Option<RateLimitWait>) {
        if let Ok(mut slot) = self.waiting.lock() {
            *slot = wait;
        }
        self.tell();
    }
}

/// A listener for a session's waits, and the receiving end to give [`run_telling_waits`].
pub(crate) fn wait_channel() -> (OnWait, tokio::sync::watch::Receiver<Option<RateLimitWait>>) {
    let (tx, rx) = tokio::sync::watch::channel(None::<RateLimitWait>);
    let on_wait: OnWait = Arc::new(move |wait| {
        // Nobody listening any more means the fetch is over.
        let _ = tx.send(wait);
    });
    (on_wait, rx)
}

/// Runs `work` while telling `counter` of every wait that arrives on `waits`.
pub(crate) async fn run_telling_waits<T>(
    counter: &Counter<'_>,
    mut waits: tokio::sync::watch::Receiver<Option<RateLimitWait>>,
    work: impl Future<Output = T>,
) -> T {
    tokio::pin!(work);
    loop {
        tokio::select! {
            outcome = &mut work => return outcome,
            changed = waits.changed() => match changed {
                Ok(()) => {
                    let wait = *waits.borrow_and_update();
                    counter.set_waiting(wait);
                }
                // The session that sends waits is gone: nothing more to tell.
                Err(_) => return work.await,
            },
        }
    }
}
