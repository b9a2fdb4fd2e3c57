//! The viewer's link to the exchanges: a tokio runtime of its own (created on first use), the
//! fetch task and the symbol lists. The UI thread only starts tasks and reads their results from
//! channels; the tasks wake it. A fetched dataset goes to the state as it is, with its source,
//! so live mode knows what it updates.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use crate::source::{
    self, CancelToken, FetchOutcome, FetchProgress, FetchRequest, SourceError, Venue,
};

use super::data::{FetchedSource, Loaded, Origin};
use super::state::{RunningFetch, SymbolList, ViewerError, ViewerState, describe, describe_symbol};
use super::worker::Wake;

type FetchResult = Result<FetchOutcome, SourceError>;

/// The runtime and the channels of the fetch and symbol tasks.
pub struct Net {
    wake: Wake,
    runtime: Option<tokio::runtime::Runtime>,
    generation: u64,
    fetch_sender: Sender<(u64, FetchResult)>,
    fetch_results: Receiver<(u64, FetchResult)>,
    symbol_sender: Sender<(Venue, SymbolList)>,
    symbol_results: Receiver<(Venue, SymbolList)>,
}

impl Net {
    /// Nothing runs until a fetch or a symbol list is asked for.
    pub fn new(wake: Wake) -> Self {
        let (fetch_sender, fetch_results) = channel();
        let (symbol_sender, symbol_results) = channel();
        Net {
            wake,
            runtime: None,
            generation: 0,
            fetch_sender,
            fetch_results,
            symbol_sender,
            symbol_results,
        }
    }

    /// The runtime, started on first use: two workers are plenty for a few HTTP requests and
    /// a websocket, and keep the machine's other cores for the engine.
    pub fn runtime(&mut self) -> Result<&tokio::runtime::Runtime, ViewerError> {
        if self.runtime.is_none() {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("liqmap-net")
                .enable_all()
                .build()
                .map_err(|err| ViewerError::Runtime(err.to_string()))?;
            self.runtime = Some(runtime);
        }
        self.runtime
            .as_ref()
            .ok_or_else(|| ViewerError::Runtime("it is not running".to_string()))
    }

    /// Starts a fetch; the state holds its progress and cancel token.
    pub fn start_fetch(
        &mut self,
        state: &mut ViewerState,
        request: FetchRequest,
    ) -> Result<(), ViewerError> {
        if let Some(running) = state.remote.running.take() {
            running.cancel.cancel();
        }
        self.generation += 1;
        let generation = self.generation;
        let progress = Arc::new(Mutex::new(FetchProgress::default()));
        let cancel = CancelToken::new();
        let config = state.remote.config.clone();
        let sender = self.fetch_sender.clone();
        let wake = Arc::clone(&self.wake);
        let task_progress = Arc::clone(&progress);
        let task_cancel = cancel.clone();
        let task_request = request.clone();
        self.runtime()?.spawn(async move {
            let progress_wake = Arc::clone(&wake);
            let on_progress = move |p: FetchProgress| {
                if let Ok(mut slot) = task_progress.lock() {
                    *slot = p;
                }
                progress_wake();
            };
            let result = source::fetch(&task_request, &config, &on_progress, &task_cancel).await;
            // The receiver is gone only when the app is; nothing is left to tell.
            let _ = sender.send((generation, result));
            wake();
        });
        state.remote.running = Some(RunningFetch {
            request,
            progress,
            cancel,
            generation,
        });
        Ok(())
    }

    /// Asks for a venue's symbols unless they are there or on their way.
    pub fn load_symbols(
        &mut self,
        state: &mut ViewerState,
        venue: Venue,
    ) -> Result<(), ViewerError> {
        if matches!(
            state.remote.symbols.get(&venue),
            Some(SymbolList::Loading | SymbolList::Ready(_))
        ) {
            return Ok(());
        }
        let config = state.remote.config.clone();
        let sender = self.symbol_sender.clone();
        let wake = Arc::clone(&self.wake);
        self.runtime()?.spawn(async move {
            let list = match source::symbols(venue, &config).await {
                Ok(list) => SymbolList::Ready(list),
                Err(err) => SymbolList::Failed(err.to_string()),
            };
            let _ = sender.send((venue, list));
            wake();
        });
        state.remote.symbols.insert(venue, SymbolList::Loading);
        Ok(())
    }

    /// Takes in symbol lists and the result of the current fetch; returns the dataset fetched,
    /// to be shown.
    pub fn poll(&mut self, state: &mut ViewerState) -> Option<Loaded> {
        while let Ok((venue, list)) = self.symbol_results.try_recv() {
            state.remote.symbols.insert(venue, list);
        }
        let mut shown = None;
        while let Ok((generation, result)) = self.fetch_results.try_recv() {
            let current = state
                .remote
                .running
                .as_ref()
                .is_some_and(|r| r.generation == generation);
            // Superseded or cancelled: the data shown stays.
            if let Some(running) = state.remote.running.take_if(|_| current) {
                shown = finish_fetch(state, &running.request, result).or(shown);
            }
        }
        shown
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        // Dropping a runtime waits for its tasks and panics inside another runtime (a test's);
        // let them end on their own.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn finish_fetch(
    state: &mut ViewerState,
    request: &FetchRequest,
    result: FetchResult,
) -> Option<Loaded> {
    match result {
        Ok(outcome) => {
            let dataset = outcome.dataset;
            let what = format!(
                "{}: {} bars, {} open-interest points, {} liquidations",
                describe(request),
                dataset.bars.len(),
                dataset.open_interest.len(),
                dataset.liquidations.len()
            );
            if outcome.complete {
                state.status = if outcome.problems.is_empty() {
                    format!("fetched {what}")
                } else {
                    format!("fetched {what} ({})", outcome.problems.join("; "))
                };
            } else {
                // Shown, but never passed off as complete.
                state.status = format!("partial: {what}");
                state.errors.push(ViewerError::PartialFetch {
                    venue: request.venue,
                    what: describe_symbol(request),
                    reasons: outcome.problems.join("; "),
                });
            }
            Some(Loaded {
                dataset: Arc::new(dataset),
                origin: Origin::Fetched(FetchedSource {
                    venue: request.venue,
                    symbol: request.symbol.clone(),
                    interval_ms: request.interval_ms,
                }),
            })
        }
        Err(err) => {
            state.status.clear();
            state.errors.push(if err.is_cancelled() {
                ViewerError::FetchCancelled {
                    venue: err.venue,
                    what: describe_symbol(request),
                }
            } else {
                ViewerError::Fetch(err)
            });
            None
        }
    }
}
