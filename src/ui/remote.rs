//! The viewer's link to the exchanges: a tokio runtime of its own (created on first use), the
//! fetch in flight with its progress and cancel token, the symbol lists, and the live session.
//! The UI thread only starts tasks and reads their results from channels; the tasks wake it
//! with `request_repaint`.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, Weak};

use super::app::LiqmapApp;
use super::fetch_panel::FetchForm;
use super::live::LiveSession;
use crate::model::Dataset;
use crate::source::{
    self, CancelToken, FetchOutcome, FetchProgress, FetchRequest, SourceConfig, SourceError, Venue,
};
use crate::time::format_interval;

/// What the fetch window and the live toggle ask of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteCommand {
    /// Fetch a range of history; a fetch still running is cancelled first.
    Fetch(FetchRequest),
    /// Cancel the fetch in flight.
    CancelFetch,
    /// Load the symbol list of a venue (in the background).
    LoadSymbols(Venue),
    /// Turn live updates of the shown (fetched) dataset on or off.
    Live(bool),
}

/// A venue's symbol list, as far as it has arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum SymbolList {
    /// Asked for, not arrived yet.
    Loading,
    /// The venue's symbols, sorted.
    Ready(Vec<String>),
    /// The request failed; the message names the venue and the cause.
    Failed(String),
}

/// Where the shown dataset came from, when it was fetched: what live mode keeps updating.
#[derive(Debug, Clone)]
pub struct FetchedSource {
    /// The venue.
    pub venue: Venue,
    /// The symbol as it was asked for.
    pub symbol: String,
    /// Bar interval, milliseconds.
    pub interval_ms: i64,
    /// The fetched dataset as shown (and as live mode last updated it); another dataset
    /// opened since means live mode has nothing to update.
    pub shown: Weak<Dataset>,
}

/// A fetch in flight.
pub struct RunningFetch {
    /// What was asked.
    pub request: FetchRequest,
    /// Pages done and expected, updated by the task.
    pub progress: Arc<Mutex<FetchProgress>>,
    /// Cancels the task.
    pub cancel: CancelToken,
    generation: u64,
}

type FetchResult = Result<FetchOutcome, SourceError>;

/// The exchange side of the app: runtime, fetch, symbol lists, live session, settings.
pub struct Remote {
    /// Endpoints, timeouts and retries of the sources; tests point `base_url` at 127.0.0.1.
    pub config: SourceConfig,
    /// The fetch window's fields.
    pub form: FetchForm,
    /// Symbol lists by venue.
    pub symbols: HashMap<Venue, SymbolList>,
    /// The fetch in flight, if any.
    pub running: Option<RunningFetch>,
    /// The source of the shown dataset, when it was fetched (live mode needs it).
    pub fetched: Option<FetchedSource>,
    /// The live session, while live mode is on.
    pub live: Option<LiveSession>,
    /// A fetched dataset on its way to being shown (the load job hands it over next frame).
    awaiting_show: Option<(FetchedSource, Arc<Dataset>)>,
    runtime: Option<tokio::runtime::Runtime>,
    ctx: egui::Context,
    generation: u64,
    fetch_sender: Sender<(u64, FetchResult)>,
    fetch_results: Receiver<(u64, FetchResult)>,
    symbol_sender: Sender<(Venue, SymbolList)>,
    symbol_results: Receiver<(Venue, SymbolList)>,
}

impl Remote {
    /// Links to the real endpoints; nothing runs until a fetch or a symbol list is asked for.
    pub fn new(ctx: &egui::Context) -> Self {
        let (fetch_sender, fetch_results) = channel();
        let (symbol_sender, symbol_results) = channel();
        Remote {
            config: SourceConfig::default(),
            form: FetchForm::default(),
            symbols: HashMap::new(),
            running: None,
            fetched: None,
            live: None,
            awaiting_show: None,
            runtime: None,
            ctx: ctx.clone(),
            generation: 0,
            fetch_sender,
            fetch_results,
            symbol_sender,
            symbol_results,
        }
    }

    /// The runtime, started on first use: two workers are plenty for a few HTTP requests and
    /// a websocket, and keep the machine's other cores for the engine.
    pub(super) fn runtime(&mut self) -> Result<&tokio::runtime::Runtime, String> {
        if self.runtime.is_none() {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("liqmap-net")
                .enable_all()
                .build()
                .map_err(|err| format!("could not start the network runtime: {err}"))?;
            self.runtime = Some(runtime);
        }
        self.runtime
            .as_ref()
            .ok_or_else(|| "the network runtime is not running".to_string())
    }

    /// The UI context, for tasks that wake the UI.
    pub(super) fn ctx(&self) -> &egui::Context {
        &self.ctx
    }

    /// Whether a fetch is in flight.
    pub fn is_fetching(&self) -> bool {
        self.running.is_some()
    }

    fn start_fetch(&mut self, request: FetchRequest) -> Result<(), String> {
        self.cancel_fetch();
        self.generation += 1;
        let generation = self.generation;
        let progress = Arc::new(Mutex::new(FetchProgress::default()));
        let cancel = CancelToken::new();
        let config = self.config.clone();
        let sender = self.fetch_sender.clone();
        let ctx = self.ctx.clone();
        let task_progress = Arc::clone(&progress);
        let task_cancel = cancel.clone();
        let task_request = request.clone();
        self.runtime()?.spawn(async move {
            let wake = ctx.clone();
            let on_progress = move |p: FetchProgress| {
                if let Ok(mut slot) = task_progress.lock() {
                    *slot = p;
                }
                wake.request_repaint();
            };
            let result = source::fetch(&task_request, &config, &on_progress, &task_cancel).await;
            // The receiver is gone only when the app is; nothing is left to tell.
            let _ = sender.send((generation, result));
            ctx.request_repaint();
        });
        self.running = Some(RunningFetch {
            request,
            progress,
            cancel,
            generation,
        });
        Ok(())
    }

    /// Cancels the fetch in flight; its result, if it still arrives, is dropped.
    fn cancel_fetch(&mut self) -> Option<FetchRequest> {
        let running = self.running.take()?;
        running.cancel.cancel();
        Some(running.request)
    }

    fn load_symbols(&mut self, venue: Venue) -> Result<(), String> {
        if matches!(
            self.symbols.get(&venue),
            Some(SymbolList::Loading | SymbolList::Ready(_))
        ) {
            return Ok(());
        }
        let config = self.config.clone();
        let sender = self.symbol_sender.clone();
        let ctx = self.ctx.clone();
        self.runtime()?.spawn(async move {
            let list = match source::symbols(venue, &config).await {
                Ok(list) => SymbolList::Ready(list),
                Err(err) => SymbolList::Failed(err.to_string()),
            };
            let _ = sender.send((venue, list));
            ctx.request_repaint();
        });
        self.symbols.insert(venue, SymbolList::Loading);
        Ok(())
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            running.cancel.cancel();
        }
        if let Some(live) = &self.live {
            live.stop();
        }
        // Dropping a runtime waits for its tasks and panics inside another runtime (a test's);
        // the tasks are cancelled above, so let them finish on their own.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Applies a command of the fetch window or the live toggle.
pub fn apply(app: &mut LiqmapApp, command: RemoteCommand) {
    let result = match command {
        RemoteCommand::Fetch(request) => {
            // A new fetch replaces the dataset, so live updates of the old one stop.
            super::live::stop(app);
            app.remote.awaiting_show = None;
            app.status = format!("fetching {}…", describe(&request));
            app.remote.start_fetch(request)
        }
        RemoteCommand::CancelFetch => {
            if let Some(request) = app.remote.cancel_fetch() {
                app.errors.push(format!(
                    "{}: fetch of {} cancelled; the data shown is unchanged",
                    request.venue,
                    describe_symbol(&request)
                ));
                app.status = String::new();
            }
            Ok(())
        }
        RemoteCommand::LoadSymbols(venue) => app.remote.load_symbols(venue),
        RemoteCommand::Live(on) => {
            if on {
                super::live::start(app)
            } else {
                super::live::stop(app);
                Ok(())
            }
        }
    };
    if let Err(message) = result {
        app.errors.push(message);
    }
}

/// Takes in what the background tasks delivered; called once a frame before drawing.
pub fn poll(app: &mut LiqmapApp) {
    while let Ok((venue, list)) = app.remote.symbol_results.try_recv() {
        app.remote.symbols.insert(venue, list);
    }
    while let Ok((generation, result)) = app.remote.fetch_results.try_recv() {
        let current = app
            .remote
            .running
            .as_ref()
            .is_some_and(|r| r.generation == generation);
        if !current {
            // Superseded or cancelled: the data shown stays.
            continue;
        }
        let Some(running) = app.remote.running.take() else {
            continue;
        };
        finish_fetch(app, &running.request, result);
    }
    recognise_shown(app);
    super::live::poll(app);
}

/// Notes when the fetched dataset is the one shown: the load job wraps it in an `Arc` of its
/// own, so it is recognised by content once and by pointer from then on.
fn recognise_shown(app: &mut LiqmapApp) {
    let (Some((_, fetched)), Some(loaded)) = (&app.remote.awaiting_show, &app.data.loaded) else {
        return;
    };
    let same = loaded.path.is_none()
        && loaded.dataset.bars.len() == fetched.bars.len()
        && *loaded.dataset == **fetched;
    if !same {
        return;
    }
    let shown = Arc::downgrade(&loaded.dataset);
    if let Some((mut source, _)) = app.remote.awaiting_show.take() {
        source.shown = shown;
        app.remote.fetched = Some(source);
    }
}

fn finish_fetch(app: &mut LiqmapApp, request: &FetchRequest, result: FetchResult) {
    match result {
        Ok(outcome) => {
            let dataset = &outcome.dataset;
            let what = format!(
                "{}: {} bars, {} open-interest points, {} liquidations",
                describe(request),
                dataset.bars.len(),
                dataset.open_interest.len(),
                dataset.liquidations.len()
            );
            if outcome.complete {
                app.status = if outcome.problems.is_empty() {
                    format!("fetched {what}")
                } else {
                    format!("fetched {what} ({})", outcome.problems.join("; "))
                };
            } else {
                // Shown, but never passed off as complete.
                let reasons = outcome.problems.join("; ");
                app.status = format!("partial: {what}");
                app.errors.push(format!(
                    "{}: partial fetch of {}: {reasons}",
                    request.venue,
                    describe_symbol(request)
                ));
            }
            let source = FetchedSource {
                venue: request.venue,
                symbol: request.symbol.clone(),
                interval_ms: request.interval_ms,
                shown: Weak::new(),
            };
            app.remote.awaiting_show = Some((source, Arc::new(outcome.dataset.clone())));
            app.show_dataset(outcome.dataset, None);
        }
        Err(err) => {
            app.status = String::new();
            let message = if err.is_cancelled() {
                format!(
                    "{}: fetch of {} cancelled; the data shown is unchanged",
                    err.venue,
                    describe_symbol(request)
                )
            } else {
                format!("{err} (the data shown is unchanged)")
            };
            app.errors.push(message);
        }
    }
}

/// `BTCUSDT 5m from Binance USD-M`.
pub fn describe(request: &FetchRequest) -> String {
    format!("{} from {}", describe_symbol(request), request.venue)
}

fn describe_symbol(request: &FetchRequest) -> String {
    format!(
        "{} {}",
        request.symbol,
        format_interval(request.interval_ms)
    )
}

impl LiqmapApp {
    /// Points the exchange sources at other endpoints or settings (tests use a local server).
    pub fn with_source_config(mut self, config: SourceConfig) -> Self {
        self.remote.config = config;
        self
    }
}
