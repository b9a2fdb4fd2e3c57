//! Live mode: the shown (fetched) dataset keeps growing. The last bars and the open interest
//! are polled, liquidations are streamed, and both are merged into the dataset so that "Save
//! dataset as" keeps them. New or changed bars extend the engine in the background (only they
//! are computed again, see `Engine::extended`); liquidations alone only swap the dataset.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use egui::Color32;

use super::app::{Command, LiqmapApp};
use super::remote::{FetchedSource, RemoteCommand};
use crate::model::{Dataset, Liquidation};
use crate::source::{self, CancelToken, LatestSample, LiveEvent, SourceConfig, StreamStatus};

/// Longest wait between two polls, so the open bar's close stays fresh at long intervals.
const MAX_POLL_PERIOD_MS: i64 = 60_000;
/// Shortest wait between two polls.
const MIN_POLL_PERIOD_MS: i64 = 1_000;
/// Events a stream may queue before it waits for the forwarder.
const STREAM_QUEUE: usize = 256;

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

/// A running live session.
pub struct LiveSession {
    /// What is kept up to date.
    pub source: FetchedSource,
    /// The liquidation stream's last status (`None` before it first reports).
    pub stream: Option<StreamStatus>,
    /// Why the stream is not running (the venue has none, or it ended), if it is not.
    pub stream_note: Option<String>,
    /// The last poll's failure, cleared by the next success.
    pub poll_error: Option<String>,
    /// Polls that succeeded.
    pub polls: u64,
    /// Liquidations added to the dataset.
    pub liquidations_added: u64,
    cancel: CancelToken,
    updates: Receiver<LiveUpdate>,
}

impl LiveSession {
    /// Stops the tasks; they end at their next await.
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    /// One line for the status bar: the stream's state, then a polling failure if any.
    pub fn status_line(&self) -> String {
        let stream = match (&self.stream, &self.stream_note) {
            (Some(status), _) if status.connected => format!(
                "connected · {} liquidations recorded",
                self.liquidations_added
            ),
            (Some(status), _) if status.reconnects > 0 => {
                format!("reconnecting ({})…", status.reconnects)
            }
            (_, Some(note)) => format!("bars and open interest polled; {note}"),
            _ => "connecting…".to_string(),
        };
        match &self.poll_error {
            Some(error) => format!("live: {stream} · polling failed, retrying: {error}"),
            None => format!("live: {stream}"),
        }
    }
}

/// Whether the shown dataset is the one last fetched, so live mode can keep it updated.
pub fn can_go_live(app: &LiqmapApp) -> bool {
    let (Some(fetched), Some(loaded)) = (&app.remote.fetched, &app.data.loaded) else {
        return false;
    };
    fetched
        .shown
        .upgrade()
        .is_some_and(|shown| Arc::ptr_eq(&shown, &loaded.dataset))
}

/// Starts live mode on the shown (fetched) dataset.
pub fn start(app: &mut LiqmapApp) -> Result<(), String> {
    stop(app);
    if !can_go_live(app) {
        return Err("live: fetch a dataset from an exchange first".to_string());
    }
    let Some(source) = app.remote.fetched.clone() else {
        return Ok(());
    };
    let config = app.remote.config.clone();
    let ctx = app.remote.ctx().clone();
    let cancel = CancelToken::new();
    let (sender, updates) = channel();
    let runtime = app.remote.runtime()?;
    runtime.spawn(poll_loop(
        source.clone(),
        config.clone(),
        cancel.clone(),
        sender.clone(),
        ctx.clone(),
    ));
    runtime.spawn(stream_loop(
        source.clone(),
        config,
        cancel.clone(),
        sender,
        ctx,
    ));
    app.remote.live = Some(LiveSession {
        source,
        stream: None,
        stream_note: None,
        poll_error: None,
        polls: 0,
        liquidations_added: 0,
        cancel,
        updates,
    });
    Ok(())
}

/// Stops live mode, if it is on.
pub fn stop(app: &mut LiqmapApp) {
    if let Some(live) = app.remote.live.take() {
        live.stop();
    }
}

async fn poll_loop(
    source: FetchedSource,
    config: SourceConfig,
    cancel: CancelToken,
    sender: Sender<LiveUpdate>,
    ctx: egui::Context,
) {
    let period_ms = source
        .interval_ms
        .clamp(MIN_POLL_PERIOD_MS, MAX_POLL_PERIOD_MS);
    let period = Duration::from_millis(u64::try_from(period_ms).unwrap_or(60_000));
    // The newest bar the dataset holds, so that a hole (the machine slept, polls failed for a
    // while) is seen and fetched instead of left as a gap.
    let mut newest_open_ms = source
        .shown
        .upgrade()
        .and_then(|dataset| dataset.bars.last().map(|bar| bar.open_time_ms));
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
        ctx.request_repaint();
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
    ctx: egui::Context,
) {
    let (events, mut received) = tokio::sync::mpsc::channel(STREAM_QUEUE);
    let forward_sender = sender.clone();
    let forward_ctx = ctx.clone();
    let forwarder = tokio::spawn(async move {
        while let Some(event) = received.recv().await {
            if forward_sender.send(LiveUpdate::Event(event)).is_err() {
                return;
            }
            forward_ctx.request_repaint();
        }
    });
    let ended =
        source::stream_liquidations(source.venue, &source.symbol, &config, events, &cancel).await;
    // The stream dropped its sender; the forwarder delivers what is queued and ends.
    let _ = forwarder.await;
    if !cancel.is_cancelled() {
        let _ = sender.send(LiveUpdate::StreamEnded(ended.map_err(|e| e.to_string())));
        ctx.request_repaint();
    }
}

/// Merges what the live tasks delivered into the shown dataset; called once a frame.
pub fn poll(app: &mut LiqmapApp) {
    if app.remote.live.is_some() && !can_go_live(app) {
        // Another dataset was opened: live mode has nothing left to update.
        stop(app);
        return;
    }
    let Some(live) = &mut app.remote.live else {
        return;
    };
    let mut samples = Vec::new();
    let mut liquidations = Vec::new();
    while let Ok(update) = live.updates.try_recv() {
        match update {
            LiveUpdate::Latest(sample) => {
                live.polls += 1;
                live.poll_error = None;
                samples.push(sample);
            }
            LiveUpdate::Backfill(hole) => {
                samples.push(LatestSample {
                    bars: hole.bars,
                    open_interest: None,
                });
                samples.extend(hole.open_interest.into_iter().map(|sample| LatestSample {
                    bars: Vec::new(),
                    open_interest: Some(sample),
                }));
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
    if samples.is_empty() && liquidations.is_empty() {
        return;
    }
    let Some(loaded) = &app.data.loaded else {
        return;
    };
    let mut dataset = Dataset::clone(&loaded.dataset);
    let mut bars_changed = false;
    for sample in &samples {
        // Every sample is merged, so no short-circuiting `any`.
        bars_changed |= merge_latest(&mut dataset, sample);
    }
    let added = merge_liquidations(&mut dataset, &liquidations);
    if let Some(live) = &mut app.remote.live {
        live.liquidations_added += added as u64;
    }
    if bars_changed || added > 0 {
        app.update_shown_dataset(dataset, bars_changed);
        // The updated dataset is still the fetched one.
        if let (Some(fetched), Some(loaded)) = (&mut app.remote.fetched, &app.data.loaded) {
            fetched.shown = Arc::downgrade(&loaded.dataset);
        }
    }
}

/// Merges polled bars and open interest into `dataset`, keeping time order: a bar with a known
/// open time replaces it (the open bar moves), a newer one is added. Returns whether the bars
/// or the open interest changed.
pub fn merge_latest(dataset: &mut Dataset, sample: &LatestSample) -> bool {
    let mut changed = false;
    for bar in &sample.bars {
        let at = dataset
            .bars
            .partition_point(|b| b.open_time_ms < bar.open_time_ms);
        match dataset.bars.get_mut(at) {
            Some(old) if old.open_time_ms == bar.open_time_ms => {
                if old != bar {
                    *old = *bar;
                    changed = true;
                }
            }
            _ => {
                dataset.bars.insert(at, *bar);
                changed = true;
            }
        }
    }
    if let Some(sample) = &sample.open_interest {
        let series = &mut dataset.open_interest;
        let at = series.partition_point(|o| o.time_ms < sample.time_ms);
        match series.get_mut(at) {
            Some(old) if old.time_ms == sample.time_ms => {
                if old != sample {
                    *old = *sample;
                    changed = true;
                }
            }
            _ => {
                series.insert(at, *sample);
                changed = true;
            }
        }
    }
    changed
}

/// Adds streamed liquidations to `dataset` in time order; returns how many were added.
pub fn merge_liquidations(dataset: &mut Dataset, liquidations: &[Liquidation]) -> usize {
    for liquidation in liquidations {
        let at = dataset
            .liquidations
            .partition_point(|l| l.time_ms <= liquidation.time_ms);
        dataset.liquidations.insert(at, *liquidation);
    }
    liquidations.len()
}

/// The live toggle and status line, for the menu bar; also a fetch's progress, so that it
/// shows and can be cancelled with the fetch window closed.
pub fn live_status_ui(ui: &mut egui::Ui, app: &mut LiqmapApp) {
    if let Some(running) = &app.remote.running {
        let progress = running.progress.lock().map(|p| *p).unwrap_or_default();
        ui.spinner();
        ui.label(format!(
            "fetching {}: {} of {} pages",
            super::remote::describe(&running.request),
            progress.pages_done,
            progress.pages_total
        ));
        if ui.small_button("Cancel fetch").clicked() {
            app.send(Command::Remote(RemoteCommand::CancelFetch));
        }
        ui.separator();
    }
    let available = can_go_live(app);
    let mut on = app.remote.live.is_some();
    let hint = if available {
        "keep the last bar, the open interest and the liquidations updating"
    } else {
        "fetch a dataset from an exchange (File ▸ Fetch from exchange…) first"
    };
    if ui
        .add_enabled(available || on, egui::Checkbox::new(&mut on, "Live"))
        .on_hover_text(hint)
        .on_disabled_hover_text(hint)
        .changed()
    {
        app.send(Command::Remote(RemoteCommand::Live(on)));
    }
    if let Some(live) = &app.remote.live {
        let line = live.status_line();
        let trouble = live.poll_error.is_some()
            || live
                .stream
                .as_ref()
                .is_some_and(|s| !s.connected && s.reconnects > 0);
        if trouble {
            ui.colored_label(Color32::from_rgb(230, 160, 60), line);
        } else {
            ui.label(line);
        }
    }
}
