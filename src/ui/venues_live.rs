//! Live mode in a coin view: one feed per venue fetched from its exchange (the poll of the last
//! bars and open interest, holes filled, liquidations streamed or polled: the feeds of
//! `live`), each merged into its own venue's dataset and that venue's engine extended by the
//! new bars only (`Engine::extended`), in one background job at a time. The summed grid and
//! clusters are then asked for again; the reference venue's new bars move the chart as in
//! single live mode. A venue's feed failing is shown on its own line and stops nothing else;
//! venues opened from files are named and not followed. Stopping live mode cancels every feed
//! at once (they share one cancel token).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use crate::engine::{Engine, EngineError};
use crate::model::Dataset;
use crate::settings::ModelSettings;
use crate::source::CancelToken;

use super::action::Work;
use super::live::{Feed, LiveUpdate, Pending, fresh_status, source_of, spawn_feed};
use super::reducer::{self, Effects};
use super::state::{VenueFeed, ViewerError, ViewerState};
use super::worker::{LatestJob, Wake};

/// One venue's rows to merge, with the dataset and engine they go into.
struct Batch {
    venue: usize,
    dataset: Arc<Dataset>,
    engine: Arc<Engine>,
    rows: Pending,
}

/// One venue's dataset grown by its rows, and its engine extended when bars changed.
struct Grown {
    venue: usize,
    /// The engine the rows were merged against; another one shown now means the view's engines
    /// were run again meanwhile (new model settings).
    base_engine: Arc<Engine>,
    dataset: Arc<Dataset>,
    engine: Result<Arc<Engine>, EngineError>,
    bars_changed: bool,
    liquidations_added: usize,
}

/// What a merge job brings: the model settings it ran with and every venue it grew.
type Merged = (ModelSettings, Vec<Grown>);

/// Merges each venue's rows into a copy of its dataset and extends its engine (off the UI
/// thread: the copy and the extension are the costly part).
fn grow(batches: Vec<Batch>, model: &ModelSettings) -> Vec<Grown> {
    batches
        .into_iter()
        .map(|mut batch| {
            let mut dataset = Dataset::clone(&batch.dataset);
            let merged = batch.rows.merge_into(&mut dataset);
            let engine = if merged.bars_changed {
                batch.engine.extended(&dataset, model).map(Arc::new)
            } else {
                Ok(Arc::clone(&batch.engine))
            };
            Grown {
                venue: batch.venue,
                base_engine: batch.engine,
                dataset: Arc::new(dataset),
                engine,
                bars_changed: merged.bars_changed,
                liquidations_added: merged.liquidations_added,
            }
        })
        .collect()
}

/// The running feeds of a coin view followed live.
pub struct VenuesLiveTasks {
    updates: Receiver<(usize, LiveUpdate)>,
    /// Each venue's rows not merged yet (in venue order).
    pending: Vec<Pending>,
    /// The merge in flight; rows wait for it, so each merge starts from the last one's result.
    merge: LatestJob<Merged>,
}

impl VenuesLiveTasks {
    /// Starts one feed per fetched venue of the coin view shown; the state gets the session's
    /// status (one line per venue) and its cancel token. `None`, with the reason in the banner,
    /// when no venue was fetched.
    pub fn start(
        state: &mut ViewerState,
        runtime: &tokio::runtime::Runtime,
        wake: &Wake,
    ) -> Option<VenuesLiveTasks> {
        reducer::stop_live(state);
        let Some(view) = &state.data.venues else {
            state.errors.push(ViewerError::NotLive);
            return None;
        };
        let cancel = CancelToken::new();
        let (sender, updates) = channel();
        let mut feeds = Vec::with_capacity(view.venues.len());
        let mut session_source = None;
        for venue in 0..view.venues.len() {
            let name = view.venues.name(venue).unwrap_or_default().to_string();
            let Some(request) = view.fetched.get(venue).and_then(Option::as_ref) else {
                feeds.push(VenueFeed { name, status: None });
                continue;
            };
            let source = source_of(request);
            let newest_open_ms = view
                .venues
                .dataset(venue)
                .and_then(|d| d.bars.last())
                .map(|bar| bar.open_time_ms);
            spawn_feed(
                runtime,
                source.clone(),
                newest_open_ms,
                state.remote.config.clone(),
                &cancel,
                Feed::new(venue, sender.clone(), Arc::clone(wake)),
            );
            session_source.get_or_insert_with(|| source.clone());
            feeds.push(VenueFeed {
                name,
                status: Some(fresh_status(source, cancel.clone())),
            });
        }
        let Some(source) = session_source else {
            state.errors.push(ViewerError::NotLiveVenues);
            return None;
        };
        let pending = vec![Pending::default(); feeds.len()];
        state.status = super::venues_live_status::started_line(&feeds);
        let mut status = fresh_status(source, cancel);
        status.venues = feeds;
        state.remote.live = Some(status);
        let job_wake = Arc::clone(wake);
        Some(VenuesLiveTasks {
            updates,
            pending,
            merge: LatestJob::new("venues-live", move || job_wake()),
        })
    }

    /// Whether a merge of new rows is under way.
    pub fn is_busy(&self) -> bool {
        self.merge.is_busy()
    }

    /// Takes in what the feeds delivered, installs a finished merge and starts the next one;
    /// called once a frame.
    pub fn apply(&mut self, state: &mut ViewerState) -> Effects {
        let mut effects = Effects::default();
        let Some(live) = &mut state.remote.live else {
            return effects;
        };
        while let Ok((venue, update)) = self.updates.try_recv() {
            effects.repaint = true;
            let status = live
                .venues
                .get_mut(venue)
                .and_then(|feed| feed.status.as_mut());
            if let (Some(status), Some(pending)) = (status, self.pending.get_mut(venue)) {
                pending.take_in(update, status);
            }
        }
        if let Some((model, grown)) = self.merge.poll() {
            install(state, &model, grown, &mut effects);
        }
        if !self.merge.is_busy() {
            self.start_merge(state);
        }
        effects
    }

    /// Sends the rows waiting, venue by venue, to be merged in the background.
    fn start_merge(&mut self, state: &ViewerState) {
        let Some(view) = &state.data.venues else {
            return;
        };
        let mut batches = Vec::new();
        for (venue, pending) in self.pending.iter_mut().enumerate() {
            if pending.is_empty() {
                continue;
            }
            let (Some(dataset), Some(engine)) = (
                view.venues.shared_dataset(venue),
                view.venues.shared_engine(venue),
            ) else {
                continue;
            };
            batches.push(Batch {
                venue,
                dataset,
                engine,
                rows: std::mem::take(pending),
            });
        }
        if batches.is_empty() {
            return;
        }
        let model = state.settings.model.clone();
        self.merge.submit(move || {
            let grown = grow(batches, &model);
            (model, grown)
        });
    }
}

/// Puts the grown venues into the view: each venue's dataset and engine, the reference venue's
/// candles (the chart follows its new bars), and a new summed grid and clusters when bars
/// changed. A venue whose engine failed keeps what it showed and says why on its line.
fn install(
    state: &mut ViewerState,
    model: &ModelSettings,
    grown: Vec<Grown>,
    effects: &mut Effects,
) {
    let (Some(view), Some(live)) = (&mut state.data.venues, &mut state.remote.live) else {
        return;
    };
    let reference = view.venues.reference();
    let mut stale = model != &state.settings.model;
    let mut bars_changed = false;
    let mut reference_grown = None;
    for venue in grown {
        let status = live
            .venues
            .get_mut(venue.venue)
            .and_then(|feed| feed.status.as_mut());
        let engine = match venue.engine {
            Ok(engine) => engine,
            Err(err) => {
                if let Some(status) = status {
                    status.poll_error = Some(format!("the new bars could not be computed: {err}"));
                }
                continue;
            }
        };
        let current = view.venues.shared_engine(venue.venue);
        stale |= !current.is_some_and(|e| Arc::ptr_eq(&e, &venue.base_engine));
        if view
            .venues
            .update_venue(venue.venue, Arc::clone(&venue.dataset), Arc::clone(&engine))
            .is_err()
        {
            continue;
        }
        if let Some(status) = status {
            status.liquidations_added += venue.liquidations_added as u64;
        }
        bars_changed |= venue.bars_changed;
        if venue.venue == reference {
            reference_grown = Some((venue.dataset, engine));
        }
    }
    effects.repaint = true;
    if let Some((dataset, engine)) = reference_grown
        && let Some(loaded) = &mut state.data.loaded
    {
        let old_end = loaded.dataset.time_range_ms().map(|(_, end)| end);
        let new_end = dataset.time_range_ms().map(|(_, end)| end);
        loaded.dataset = dataset;
        state.data.engine = Some(engine);
        if let (Some(old_end), Some(new_end)) = (old_end, new_end) {
            state.view.follow_new_bars(old_end, new_end);
        }
    }
    if stale {
        // The model changed while the rows were merged: every venue's engine runs again on the
        // grown datasets (the venues' jobs keep the window and settings).
        effects.work.push(Work::Engine);
        return;
    }
    if bars_changed {
        // Another venue's engine than the reference's may have changed: the bars under the
        // chart, keyed on the reference engine, are asked for again.
        state.liquidation_bars.requested = None;
        state.view.requested_grid = None;
        state.view.requested_clusters = None;
        reducer::want_grid(state, effects);
        reducer::want_clusters(state, effects);
    }
}
