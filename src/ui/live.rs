//! Live mode: the shown (fetched) dataset keeps growing. The last bars and the open interest
//! are polled, liquidations are streamed, and both are merged into the dataset so that "Save
//! dataset as" keeps them. The dataset is changed in place; updates wait (briefly) for a
//! background job that still reads it instead of copying it. New or changed bars extend the
//! engine in the background (only they are computed again, see `Engine::extended`);
//! liquidations alone change nothing else. The feeds (`spawn_feed`) and the rows they deliver
//! (`Pending`) also serve a coin view, one feed per venue (see `venues_live`).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::dataset::merge;
use crate::model::{Bar, Dataset, Liquidation, OpenInterestSample};
use crate::source::FetchRequest;
use crate::source::{self, CancelToken, LatestSample, LiveEvent, SourceConfig, StreamStatus};

use super::data::FetchedSource;
use super::reducer::{self, Effects};
use super::state::{LiveStatus, ViewerError, ViewerState};
use super::worker::Wake;

/// Longest wait between two polls, so the open bar's close stays fresh at long intervals.
const MAX_POLL_PERIOD_MS: i64 = 60_000;
/// Shortest wait between two polls.
const MIN_POLL_PERIOD_MS: i64 = 1_000;
/// Events a stream may queue before it waits for the forwarder.
const STREAM_QUEUE: usize = 256;
/// Longest wait of live updates for the jobs that read the dataset shown.
const MAX_WAIT: Duration = Duration::from_secs(2);
/// How soon a waiting update looks again, seconds.
const RETRY_S: f64 = 0.1;

/// What the live tasks deliver to the UI thread.
#[derive(Debug)]
pub(super) enum LiveUpdate {
    Latest(LatestSample),
    /// Closed bars and open interest of a hole between the data and the newest poll.
    Backfill(Dataset),
    PollFailed(String),
    Event(LiveEvent),
    StreamEnded(Result<StreamStatus, String>),
}

/// Where one feed's tasks deliver: the venue's index in a coin view (0 for one dataset).
#[derive(Clone)]
pub(super) struct Feed {
    venue: usize,
    sender: Sender<(usize, LiveUpdate)>,
    wake: Wake,
}

impl Feed {
    /// A feed of `venue` delivering to `sender`, waking the UI with `wake`.
    pub(super) fn new(venue: usize, sender: Sender<(usize, LiveUpdate)>, wake: Wake) -> Self {
        Feed {
            venue,
            sender,
            wake,
        }
    }

    /// Delivers `update`; false once the UI side is gone.
    fn send(&self, update: LiveUpdate) -> bool {
        self.sender.send((self.venue, update)).is_ok()
    }

    fn wake(&self) {
        (self.wake)();
    }
}

/// Starts the tasks of one feed: the poll of the last bars and open interest (and of holes)
/// and the liquidation stream, both ending when `cancel` fires.
pub(super) fn spawn_feed(
    runtime: &tokio::runtime::Runtime,
    source: FetchedSource,
    newest_open_ms: Option<i64>,
    config: SourceConfig,
    cancel: &CancelToken,
    feed: Feed,
) {
    runtime.spawn(poll_loop(
        source.clone(),
        newest_open_ms,
        config.clone(),
        cancel.clone(),
        feed.clone(),
    ));
    runtime.spawn(stream_loop(source, config, cancel.clone(), feed));
}

/// A live session's state before its first report.
pub(super) fn fresh_status(source: FetchedSource, cancel: CancelToken) -> LiveStatus {
    LiveStatus {
        source,
        stream: None,
        stream_note: None,
        poll_error: None,
        polls: 0,
        liquidations_added: 0,
        cancel,
        venues: Vec::new(),
    }
}

/// What a fetched dataset's live feed follows: the request it was fetched with.
pub(super) fn source_of(request: &FetchRequest) -> FetchedSource {
    FetchedSource {
        venue: request.venue,
        symbol: request.symbol.clone(),
        interval_ms: request.interval_ms,
    }
}

/// Rows delivered and not merged yet.
#[derive(Debug, Default, Clone)]
pub(super) struct Pending {
    bars: Vec<Bar>,
    open_interest: Vec<OpenInterestSample>,
    liquidations: Vec<Liquidation>,
}

/// What a merge of pending rows changed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Merged {
    /// Bars or open interest changed: the engine must be extended.
    pub bars_changed: bool,
    /// Liquidations not held before.
    pub liquidations_added: usize,
}

impl Pending {
    /// Keeps the rows of `update` and writes what it says of the feed into `status`.
    pub(super) fn take_in(&mut self, update: LiveUpdate, status: &mut LiveStatus) {
        match update {
            LiveUpdate::Latest(sample) => {
                status.polls += 1;
                status.poll_error = None;
                self.bars.extend(sample.bars);
                self.open_interest.extend(sample.open_interest);
            }
            LiveUpdate::Backfill(hole) => {
                self.bars.extend(hole.bars);
                self.open_interest.extend(hole.open_interest);
            }
            LiveUpdate::PollFailed(message) => status.poll_error = Some(message),
            LiveUpdate::Event(LiveEvent::Liquidation(liquidation)) => {
                self.liquidations.push(liquidation);
            }
            LiveUpdate::Event(LiveEvent::Status(stream)) => status.stream = Some(stream),
            LiveUpdate::StreamEnded(Ok(_)) => {
                status.stream_note = Some("the liquidation stream ended".to_string());
            }
            LiveUpdate::StreamEnded(Err(message)) => status.stream_note = Some(message),
        }
    }

    /// Whether no row waits.
    pub(super) fn is_empty(&self) -> bool {
        self.bars.is_empty() && self.open_interest.is_empty() && self.liquidations.is_empty()
    }

    /// Merges the rows into `dataset` in arrival order (of two updates of one bar, the later
    /// one wins) and empties itself.
    pub(super) fn merge_into(&mut self, dataset: &mut Dataset) -> Merged {
        let bars_changed = merge::merge_bars(&mut dataset.bars, &self.bars).changed()
            | merge::merge_open_interest(&mut dataset.open_interest, &self.open_interest).changed();
        let added = merge::merge_liquidations(&mut dataset.liquidations, &self.liquidations).added;
        *self = Pending::default();
        Merged {
            bars_changed,
            liquidations_added: added,
        }
    }
}

/// The running tasks of a live session: what they deliver arrives here.
pub struct LiveTasks {
    updates: Receiver<(usize, LiveUpdate)>,
    /// Rows not merged yet: a job still reads the dataset shown.
    pending: Pending,
    /// Since when updates wait for the jobs.
    waiting_since: Option<Instant>,
}

impl LiveTasks {
    /// Starts live mode on the shown (fetched) dataset; the state gets its status and cancel
    /// token. `None` when the shown dataset was not fetched.
    pub fn start(
        state: &mut ViewerState,
        runtime: &tokio::runtime::Runtime,
        wake: Wake,
    ) -> Option<LiveTasks> {
        reducer::stop_live(state);
        let Some(source) = state.fetched_source().cloned() else {
            state.errors.push(ViewerError::NotLive);
            return None;
        };
        let newest_open_ms = state
            .data
            .loaded
            .as_ref()
            .and_then(|l| l.dataset.bars.last().map(|bar| bar.open_time_ms));
        let cancel = CancelToken::new();
        let (sender, updates) = channel();
        spawn_feed(
            runtime,
            source.clone(),
            newest_open_ms,
            state.remote.config.clone(),
            &cancel,
            Feed::new(0, sender, wake),
        );
        state.remote.live = Some(fresh_status(source, cancel));
        Some(LiveTasks {
            updates,
            pending: Pending::default(),
            waiting_since: None,
        })
    }

    /// Merges what the tasks delivered into the shown dataset; called once a frame.
    pub fn apply(&mut self, state: &mut ViewerState) -> Effects {
        let mut effects = Effects::default();
        let Some(live) = &mut state.remote.live else {
            return effects;
        };
        while let Ok((_, update)) = self.updates.try_recv() {
            effects.repaint = true;
            self.pending.take_in(update, live);
        }
        if self.pending.is_empty() {
            return effects;
        }
        let Some(loaded) = &mut state.data.loaded else {
            return effects;
        };
        let old_end = loaded.dataset.time_range_ms().map(|(_, end)| end);
        // Merged in place. While a job (the engine, the series under the chart, a score) still
        // reads the dataset, the updates wait for it rather than copy the whole dataset here;
        // past MAX_WAIT they are merged into a copy, so they never wait for long.
        let waiting_since = *self.waiting_since.get_or_insert_with(Instant::now);
        // Another owner, not the frame memo's weak handle (see `frame_memo`), makes it wait.
        if Arc::strong_count(&loaded.dataset) > 1 && waiting_since.elapsed() < MAX_WAIT {
            effects.repaint_after_s = Some(RETRY_S);
            return effects;
        }
        self.waiting_since = None;
        let dataset = Arc::make_mut(&mut loaded.dataset);
        let merged = self.pending.merge_into(dataset);
        let new_end = dataset.time_range_ms().map(|(_, end)| end);
        live.liquidations_added += merged.liquidations_added as u64;
        if merged.bars_changed || merged.liquidations_added > 0 {
            reducer::grown(state, old_end, new_end, merged.bars_changed, &mut effects);
        }
        effects
    }
}

async fn poll_loop(
    source: FetchedSource,
    newest_open_ms: Option<i64>,
    config: SourceConfig,
    cancel: CancelToken,
    feed: Feed,
) {
    let period_ms = source
        .interval_ms
        .clamp(MIN_POLL_PERIOD_MS, MAX_POLL_PERIOD_MS);
    let period = Duration::from_millis(u64::try_from(period_ms).unwrap_or(60_000));
    // The newest bar the dataset holds, so that a hole (the machine slept, polls failed for a
    // while) is seen and fetched instead of left as a gap.
    let mut newest_open_ms = newest_open_ms;
    loop {
        let polled = source::poll_latest(
            source.venue,
            &source.symbol,
            source.interval_ms,
            &config,
            &cancel,
        )
        .await;
        if cancel.is_cancelled() {
            return;
        }
        let mut updates = Vec::new();
        match polled {
            Ok(sample) => {
                let hole = hole_before(newest_open_ms, &sample, source.interval_ms);
                let polled_newest_ms = sample.bars.last().map(|bar| bar.open_time_ms);
                // The poll's success first: a failure to fill the hole stays on the status line.
                updates.push(LiveUpdate::Latest(sample));
                let filled = match hole {
                    Some((start_ms, end_ms)) => {
                        let (delivered, filled) =
                            backfill(&source, &config, &cancel, start_ms, end_ms).await;
                        updates.extend(delivered);
                        filled
                    }
                    None => true,
                };
                // A hole not filled yet is asked for again at the next poll.
                if filled {
                    newest_open_ms = newest_open_ms.max(polled_newest_ms);
                }
            }
            Err(err) => updates.push(LiveUpdate::PollFailed(err.to_string())),
        }
        if cancel.is_cancelled() {
            return;
        }
        for update in updates {
            if !feed.send(update) {
                return;
            }
        }
        feed.wake();
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(period) => {}
        }
    }
}

/// The span of whole bars missing between the newest bar held and the first bar of `sample`.
fn hole_before(
    newest_open_ms: Option<i64>,
    sample: &LatestSample,
    interval_ms: i64,
) -> Option<(i64, i64)> {
    let newest_open_ms = newest_open_ms?;
    let first_polled_ms = sample.bars.first()?.open_time_ms;
    let start_ms = newest_open_ms + interval_ms;
    (first_polled_ms > start_ms).then_some((start_ms, first_polled_ms))
}

/// Fetches the bars and open interest of a hole; returns what to deliver and whether the hole
/// is filled.
async fn backfill(
    source: &FetchedSource,
    config: &SourceConfig,
    cancel: &CancelToken,
    start_ms: i64,
    end_ms: i64,
) -> (Vec<LiveUpdate>, bool) {
    let request = source::FetchRequest {
        venue: source.venue,
        symbol: source.symbol.clone(),
        interval_ms: source.interval_ms,
        start_ms,
        end_ms,
    };
    let what = format!(
        "filling the hole {} – {}",
        crate::time::format_time_ms(start_ms),
        crate::time::format_time_ms(end_ms)
    );
    match source::fetch(&request, config, &|_| {}, cancel).await {
        Ok(outcome) if outcome.complete => (vec![LiveUpdate::Backfill(outcome.dataset)], true),
        // What arrived is kept; the rest is asked for again at the next poll.
        Ok(outcome) => (
            vec![
                LiveUpdate::PollFailed(format!(
                    "{what}: partial ({})",
                    outcome.problems.join("; ")
                )),
                LiveUpdate::Backfill(outcome.dataset),
            ],
            false,
        ),
        Err(err) => (
            vec![LiveUpdate::PollFailed(format!("{what}: {err}"))],
            false,
        ),
    }
}

async fn stream_loop(source: FetchedSource, config: SourceConfig, cancel: CancelToken, feed: Feed) {
    let (events, mut received) = tokio::sync::mpsc::channel(STREAM_QUEUE);
    let forward = feed.clone();
    let forwarder = tokio::spawn(async move {
        while let Some(event) = received.recv().await {
            if !forward.send(LiveUpdate::Event(event)) {
                return;
            }
            forward.wake();
        }
    });
    let ended =
        source::stream_liquidations(source.venue, &source.symbol, &config, events, &cancel).await;
    // The stream dropped its sender; the forwarder delivers what is queued and ends.
    let _ = forwarder.await;
    if !cancel.is_cancelled() {
        feed.send(LiveUpdate::StreamEnded(ended.map_err(|e| e.to_string())));
        feed.wake();
    }
}
