//! Live mode: the shown (fetched) dataset keeps growing. The last bars and the open interest
//! are polled, liquidations are streamed, and both are merged into the dataset so that "Save
//! dataset as" keeps them. The dataset is changed in place; updates wait (briefly) for a
//! background job that still reads it instead of copying it. New or changed bars extend the
//! engine in the background (only they are computed again, see `Engine::extended`);
//! liquidations alone change nothing else.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::dataset::merge;
use crate::model::{Bar, Dataset, Liquidation, OpenInterestSample};
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
enum LiveUpdate {
    Latest(LatestSample),
    /// Closed bars and open interest of a hole between the data and the newest poll.
    Backfill(Dataset),
    PollFailed(String),
    Event(LiveEvent),
    StreamEnded(Result<StreamStatus, String>),
}

/// The running tasks of a live session: what they deliver arrives here.
pub struct LiveTasks {
    updates: Receiver<LiveUpdate>,
    /// Bars not merged yet: a job still reads the dataset shown.
    bars: Vec<Bar>,
    /// Open-interest samples not merged yet, for the same reason.
    open_interest: Vec<OpenInterestSample>,
    /// Liquidations not merged yet, for the same reason.
    liquidations: Vec<Liquidation>,
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
        let config = state.remote.config.clone();
        let cancel = CancelToken::new();
        let (sender, updates) = channel();
        runtime.spawn(poll_loop(
            source.clone(),
            newest_open_ms,
            config.clone(),
            cancel.clone(),
            sender.clone(),
            Arc::clone(&wake),
        ));
        runtime.spawn(stream_loop(
            source.clone(),
            config,
            cancel.clone(),
            sender,
            wake,
        ));
        state.remote.live = Some(LiveStatus {
            source,
            stream: None,
            stream_note: None,
            poll_error: None,
            polls: 0,
            liquidations_added: 0,
            cancel,
        });
        Some(LiveTasks {
            updates,
            bars: Vec::new(),
            open_interest: Vec::new(),
            liquidations: Vec::new(),
            waiting_since: None,
        })
    }

    /// Merges what the tasks delivered into the shown dataset; called once a frame.
    pub fn apply(&mut self, state: &mut ViewerState) -> Effects {
        let mut effects = Effects::default();
        let Some(live) = &mut state.remote.live else {
            return effects;
        };
        let bars = &mut self.bars;
        let open_interest = &mut self.open_interest;
        let liquidations = &mut self.liquidations;
        while let Ok(update) = self.updates.try_recv() {
            effects.repaint = true;
            match update {
                LiveUpdate::Latest(sample) => {
                    live.polls += 1;
                    live.poll_error = None;
                    bars.extend(sample.bars);
                    open_interest.extend(sample.open_interest);
                }
                LiveUpdate::Backfill(hole) => {
                    bars.extend(hole.bars);
                    open_interest.extend(hole.open_interest);
                }
                LiveUpdate::PollFailed(message) => live.poll_error = Some(message),
                LiveUpdate::Event(LiveEvent::Liquidation(liquidation)) => {
                    liquidations.push(liquidation);
                }
                LiveUpdate::Event(LiveEvent::Status(status)) => live.stream = Some(status),
                LiveUpdate::StreamEnded(Ok(_)) => {
                    live.stream_note = Some("the liquidation stream ended".to_string());
                }
                LiveUpdate::StreamEnded(Err(message)) => live.stream_note = Some(message),
            }
        }
        if bars.is_empty() && open_interest.is_empty() && liquidations.is_empty() {
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
        // In arrival order: of two updates of one bar, the later one wins.
        let bars_changed = merge::merge_bars(&mut dataset.bars, bars).changed()
            | merge::merge_open_interest(&mut dataset.open_interest, open_interest).changed();
        let added = merge::merge_liquidations(&mut dataset.liquidations, liquidations).added;
        bars.clear();
        open_interest.clear();
        liquidations.clear();
        let new_end = dataset.time_range_ms().map(|(_, end)| end);
        live.liquidations_added += added as u64;
        if bars_changed || added > 0 {
            reducer::grown(state, old_end, new_end, bars_changed, &mut effects);
        }
        effects
    }
}

async fn poll_loop(
    source: FetchedSource,
    newest_open_ms: Option<i64>,
    config: SourceConfig,
    cancel: CancelToken,
    sender: Sender<LiveUpdate>,
    wake: Wake,
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
            if sender.send(update).is_err() {
                return;
            }
        }
        wake();
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

async fn stream_loop(
    source: FetchedSource,
    config: SourceConfig,
    cancel: CancelToken,
    sender: Sender<LiveUpdate>,
    wake: Wake,
) {
    let (events, mut received) = tokio::sync::mpsc::channel(STREAM_QUEUE);
    let forward_sender = sender.clone();
    let forward_wake = Arc::clone(&wake);
    let forwarder = tokio::spawn(async move {
        while let Some(event) = received.recv().await {
            if forward_sender.send(LiveUpdate::Event(event)).is_err() {
                return;
            }
            forward_wake();
        }
    });
    let ended =
        source::stream_liquidations(source.venue, &source.symbol, &config, events, &cancel).await;
    // The stream dropped its sender; the forwarder delivers what is queued and ends.
    let _ = forwarder.await;
    if !cancel.is_cancelled() {
        let _ = sender.send(LiveUpdate::StreamEnded(ended.map_err(|e| e.to_string())));
        wake();
    }
}
