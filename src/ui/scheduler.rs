//! The one place where background jobs start and finish. Once a frame, before anything is
//! drawn, the app asks the scheduler to take in what the jobs delivered ([`Scheduler::poll`]),
//! to start the work the reducer asked for ([`Scheduler::start`]) and the work that follows
//! from the state itself ([`Scheduler::derived`]: the series under the chart, automatic
//! scoring). Drawing code starts no job.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use crate::dataset;
use crate::engine::score::{self, LiquidationSeries, ScoreError, ScoreParams, liquidation_series};
use crate::engine::{Cluster, Engine, EngineError, Grid, GridError};

use super::action::{Pick, Work};
use super::add_series::AddSeriesJob;
use super::data::Loaded;
use super::live::LiveTasks;
use super::opening::{self, OpenParams, Opened};
use super::path_window::{DialogOutcome, NO_DIALOG_NOTE, native_dialog};
use super::progress::{Opening, Stage};
use super::reducer::{self, Effects};
use super::remote::Net;
use super::state::{ScoreOutcome, SeriesKey, ViewerError, ViewerState};
use super::worker::{LatestJob, Wake};

/// The clusters at a bar and the share of open interest the levels explain there.
type ClustersAt = (Vec<Cluster>, Option<f64>);

/// A worker for one kind of job that wakes the UI when a job is done.
fn job<T: Send + 'static>(wake: &Wake, name: &str) -> LatestJob<T> {
    let wake = Arc::clone(wake);
    LatestJob::new(name, move || wake())
}

/// The viewer's background jobs and network tasks.
pub struct Scheduler {
    wake: Wake,
    load: LatestJob<Result<Opened, ViewerError>>,
    engine: LatestJob<Result<Arc<Engine>, ViewerError>>,
    grid: LatestJob<Result<Arc<Grid>, GridError>>,
    clusters: LatestJob<(usize, Result<ClustersAt, EngineError>)>,
    io: LatestJob<Result<String, ViewerError>>,
    score: LatestJob<ScoreOutcome>,
    bars: LatestJob<Arc<LiquidationSeries>>,
    add: AddSeriesJob,
    net: Net,
    venues: super::venues_jobs::VenueJobs,
    live: Option<LiveTasks>,
    venues_live: Option<super::venues_live::VenuesLiveTasks>,
    picked_sender: Sender<(Pick, DialogOutcome)>,
    picked: Receiver<(Pick, DialogOutcome)>,
}

impl Scheduler {
    /// Starts the worker threads; every finished job calls `wake`.
    pub fn new(wake: Wake) -> Self {
        let (picked_sender, picked) = channel();
        Scheduler {
            load: job(&wake, "load"),
            engine: job(&wake, "engine"),
            grid: job(&wake, "grid"),
            clusters: job(&wake, "clusters"),
            io: job(&wake, "io"),
            score: job(&wake, "score"),
            bars: job(&wake, "liquidation-bars"),
            add: AddSeriesJob::new(&wake),
            net: Net::new(Arc::clone(&wake)),
            venues: super::venues_jobs::VenueJobs::new(&wake),
            live: None,
            venues_live: None,
            picked_sender,
            picked,
            wake,
        }
    }

    /// Whether any job or fetch is still under way.
    pub fn is_busy(&self) -> bool {
        self.load.is_busy()
            || self.engine.is_busy()
            || self.grid.is_busy()
            || self.clusters.is_busy()
            || self.io.is_busy()
            || self.score.is_busy()
            || self.bars.is_busy()
            || self.venues.is_busy()
            || self.add.is_busy()
            || self.venues_live.as_ref().is_some_and(|l| l.is_busy())
    }

    /// Takes in what the jobs and tasks delivered; returns the work that follows.
    pub fn poll(&mut self, state: &mut ViewerState) -> Effects {
        let mut effects = Effects::default();
        if let Some(result) = self.load.poll() {
            state.opening = None;
            match result {
                Err(ViewerError::SeveralDatasets(paths)) => {
                    effects
                        .work
                        .push(Work::Venues(super::venues_state::VenuesSource::Files(
                            paths,
                        )))
                }
                Err(ViewerError::ViewFile(path)) => effects
                    .work
                    .push(Work::Venues(super::venues_state::VenuesSource::View(path))),
                Ok(opened) => {
                    // Work asked for about the previous dataset must not land on this one.
                    self.engine.cancel();
                    self.grid.cancel();
                    self.clusters.cancel();
                    opening::show_opened(state, opened, &mut effects);
                }
                // The data already shown stays; the banner says what went wrong.
                Err(err) => state.errors.push(err),
            }
        }
        if let Some(added) = self.add.poll(state) {
            // As for a dataset opened: work about the dataset before must not land on this one.
            self.engine.cancel();
            self.grid.cancel();
            self.clusters.cancel();
            super::add_series::show_added(state, added, &mut effects);
        }
        if let Some(result) = self.engine.poll() {
            match result {
                // The engine of a dataset shown before the venues: stale.
                Ok(_) if state.data.venues.is_some() => {}
                Ok(engine) => {
                    state.data.engine = Some(engine);
                    state.view.requested_grid = None;
                    state.view.requested_clusters = None;
                    reducer::want_grid(state, &mut effects);
                    reducer::want_clusters(state, &mut effects);
                }
                Err(err) => state.errors.push(err),
            }
        }
        if let Some(result) = self.grid.poll() {
            match result {
                Ok(_) if state.data.venues.is_some() => {}
                Ok(grid) => {
                    state.data.grid = Some(grid);
                    state.data.compose(&state.settings.selection());
                    effects.work.push(Work::Recolour);
                }
                Err(err) => state.errors.push(err.into()),
            }
        }
        if let Some((bar, result)) = self.clusters.poll() {
            match result {
                Ok(_) if state.data.venues.is_some() => {}
                Ok((clusters, explained)) => {
                    state.data.clusters = Some((bar, clusters));
                    state.data.explained_open_interest = explained;
                }
                Err(err) => state.errors.push(err.into()),
            }
        }
        self.venues.poll(state, &mut effects);
        if let Some(result) = self.io.poll() {
            match result {
                Ok(message) => state.status = message,
                Err(err) => state.errors.push(err),
            }
        }
        if let Some(outcome) = self.score.poll()
            && let Some(key) = state.score.requested.clone()
        {
            state.score.outcome = Some((key, outcome));
        }
        if let Some(series) = self.bars.poll() {
            state.liquidation_bars.series = Some(series);
        }
        while let Ok((pick, outcome)) = self.picked.try_recv() {
            match outcome {
                // Several files picked together are read by content: one dataset, or venues.
                DialogOutcome::Chosen(paths) if pick == Pick::Open && paths.len() > 1 => {
                    reducer::venues::open_many(paths, &mut effects);
                }
                DialogOutcome::Chosen(mut paths) => {
                    let Some(path) = paths.pop() else { continue };
                    effects.work.push(match pick {
                        Pick::Open => Work::Load(path),
                        Pick::Save => Work::Save(path),
                        Pick::Export => Work::Screenshot(path),
                        Pick::SaveView => Work::SaveView(path),
                    });
                }
                DialogOutcome::Cancelled => {}
                DialogOutcome::Unavailable => {
                    state
                        .path_window
                        .show_for(pick, Some(NO_DIALOG_NOTE.into()));
                    effects.repaint = true;
                }
            }
        }
        if let Some(loaded) = self.net.poll(state) {
            // Opened as a file is: the old picture stays until the levels and heatmap are ready
            // (and the fetched data replaces a file still being read, as a newer request does).
            effects.work.push(Work::OpenInMemory {
                dataset: loaded.dataset,
                origin: loaded.origin,
            });
        }
        if state.remote.live.is_none() {
            // Stopped (by the user, or because another dataset is shown): the tasks end.
            self.live = None;
            self.venues_live = None;
        }
        if let Some(live) = &mut self.venues_live {
            let more = live.apply(state);
            effects.work.extend(more.work);
            effects.repaint |= more.repaint;
        }
        if let Some(live) = &mut self.live {
            let more = live.apply(state);
            effects.work.extend(more.work);
            effects.repaint |= more.repaint;
            effects.repaint_after_s = more.repaint_after_s;
        }
        self.note_busy(state);
        effects
    }

    /// Starts the jobs of `work` (the app keeps the texture and screenshot work to itself).
    pub fn start(&mut self, state: &mut ViewerState, work: Vec<Work>) {
        for item in work {
            if self.venues.start(state, &item, &mut self.net) {
                continue;
            }
            match item {
                Work::Load(path) => self.load_file(state, path),
                Work::LoadSample => self.load_sample(state),
                Work::OpenInMemory { dataset, origin } => {
                    self.open_in_memory(state, Loaded { dataset, origin });
                }
                Work::Engine => self.build_engine(state),
                Work::ExtendEngine => self.extend_engine(state),
                Work::Grid(request) => {
                    if let Some(engine) = state.data.engine.clone() {
                        self.grid
                            .submit(move || engine.grid(&request).map(Arc::new));
                    }
                }
                Work::Clusters(bar) => self.find_clusters(state, bar),
                Work::Save(path) => self.save(state, path),
                Work::Pick(pick) => self.pick(state, pick),
                Work::Score => self.score(state),
                Work::Fetch(request) => {
                    if let Err(err) = self.net.start_fetch(state, request) {
                        state.errors.push(err);
                    }
                }
                Work::LoadSymbols(venue) => {
                    if let Err(err) = self.net.load_symbols(state, venue) {
                        state.errors.push(err);
                    }
                }
                Work::StartLive => match self.net.runtime() {
                    Ok(runtime) => {
                        self.live = None;
                        self.venues_live = None;
                        if state.data.venues.is_some() {
                            self.venues_live = super::venues_live::VenuesLiveTasks::start(
                                state, runtime, &self.wake,
                            );
                        } else {
                            self.live = LiveTasks::start(state, runtime, Arc::clone(&self.wake));
                        }
                    }
                    Err(err) => state.errors.push(err),
                },
                Work::AddToDataset(path) => self.add.start(state, path),
                Work::OpenSeveral(paths) => {
                    let shown = state.data.loaded.clone();
                    let params = OpenParams::of(state);
                    let opening = Opening::new(format!("{} files", paths.len()));
                    let stage = opening.stage.clone();
                    state.opening = Some(opening);
                    self.load.submit(move || {
                        opening::open_in_background(
                            |_| super::add_series::open_several(&paths, shown.as_ref()),
                            &params,
                            &stage,
                        )
                    });
                }
                Work::Recolour
                | Work::Screenshot(_)
                | Work::Venues(_)
                | Work::FetchCoin(_)
                | Work::SaveView(_) => {}
            }
        }
        self.note_busy(state);
    }

    /// Starts the work that follows from the state: the series under the chart for the engine
    /// and selection shown, and a score of the current settings when scoring is automatic.
    pub fn derived(&mut self, state: &mut ViewerState) {
        if let (Some(engine), Some(loaded)) = (&state.data.engine, &state.data.loaded) {
            let key = SeriesKey {
                engine: Arc::downgrade(engine),
                selection: state.settings.selection(),
                venue_weights: state.venue_weights(),
            };
            if state.liquidation_bars.requested.as_ref() != Some(&key) {
                let (engine, dataset) = (Arc::clone(engine), Arc::clone(&loaded.dataset));
                let selection = key.selection.clone();
                // A coin view's bars sum every ticked venue.
                let venues = state.data.venues.as_ref().map(|v| v.venues.clone());
                state.liquidation_bars.requested = Some(key);
                self.bars.submit(move || {
                    Arc::new(match &venues {
                        Some(venues) => {
                            LiquidationSeries::from_dense(&venues.liquidations_per_bar(&selection))
                        }
                        None => liquidation_series(&engine, &dataset, &selection),
                    })
                });
            }
        }
        if state.score.auto
            && state.score.is_open()
            && let Some(key) = state.score_key()
            && state.score.requested.as_ref() != Some(&key)
        {
            self.score(state);
        }
        self.note_busy(state);
    }

    /// Writes a screenshot as PNG and the clusters as CSV beside it, in the background.
    pub fn export(&mut self, path: PathBuf, rgb: Vec<u8>, size: [usize; 2], csv: Option<String>) {
        self.io.submit(move || {
            super::snapshot::write_snapshot(&path, &rgb, size, csv.as_deref())
                .map_err(|message| ViewerError::Export { path, message })
        });
    }

    fn note_busy(&self, state: &mut ViewerState) {
        state.score.busy = self.score.is_busy();
        state.busy = self.is_busy();
    }

    /// Reads a file, computes its levels and its first grid in one job (see `opening`).
    fn load_file(&mut self, state: &mut ViewerState, path: PathBuf) {
        let params = OpenParams::of(state);
        let shown = Opening::of_path(&path);
        let stage = shown.stage.clone();
        state.opening = Some(shown);
        self.load.submit(move || {
            opening::open_in_background(|s| opening::load_file(path, s), &params, &stage)
        });
    }

    /// Computes the levels and first grid of a dataset held in memory in the opening job.
    fn open_in_memory(&mut self, state: &mut ViewerState, loaded: Loaded) {
        let params = OpenParams::of(state);
        let shown = Opening::new(opening::describe_in_memory(&loaded));
        let stage = shown.stage.clone();
        state.opening = Some(shown);
        self.load.submit(move || {
            opening::open_in_background(
                |stage| {
                    // Nothing to read: the data was checked as it was fetched or built.
                    stage.set(Stage::Checking);
                    Ok(loaded)
                },
                &params,
                &stage,
            )
        });
    }

    fn load_sample(&mut self, state: &mut ViewerState) {
        let params = OpenParams::of(state);
        let shown = Opening::new("the bundled sample".into());
        let stage = shown.stage.clone();
        state.opening = Some(shown);
        self.load
            .submit(move || opening::open_in_background(opening::load_sample, &params, &stage));
    }

    fn build_engine(&mut self, state: &ViewerState) {
        let Some(loaded) = &state.data.loaded else {
            return;
        };
        let dataset = Arc::clone(&loaded.dataset);
        let model = state.settings.model.clone();
        // A model change keeps the layers it leaves as they were (a split or fade change keeps
        // them all); `with_settings` starts afresh itself when the bars are not the engine's.
        let previous = state.data.engine.clone();
        self.engine.submit(move || {
            match &previous {
                Some(engine) => engine.with_settings(&dataset, &model),
                None => Engine::new(&dataset, &model),
            }
            .map(Arc::new)
            .map_err(ViewerError::Model)
        });
    }

    fn extend_engine(&mut self, state: &ViewerState) {
        let (Some(engine), Some(loaded)) = (state.data.engine.clone(), &state.data.loaded) else {
            return self.build_engine(state);
        };
        let dataset = Arc::clone(&loaded.dataset);
        let model = state.settings.model.clone();
        self.engine.submit(move || {
            engine
                .extended(&dataset, &model)
                .map(Arc::new)
                .map_err(ViewerError::Model)
        });
    }

    fn find_clusters(&mut self, state: &ViewerState, bar: usize) {
        let Some(engine) = state.data.engine.clone() else {
            return;
        };
        let selection = state.settings.selection();
        let bin = state.cluster_bin_usd();
        let params = state.settings.clusters;
        self.clusters.submit(move || {
            let clusters = engine
                .clusters_at(bar, bin, &selection, &params)
                .and_then(|clusters| {
                    let explained = engine.explained_open_interest(bar, &selection)?;
                    Ok((clusters, explained))
                });
            (bar, clusters)
        });
    }

    fn save(&mut self, state: &mut ViewerState, path: PathBuf) {
        let Some(loaded) = &state.data.loaded else {
            state.errors.push(ViewerError::NothingToSave);
            return;
        };
        let dataset = Arc::clone(&loaded.dataset);
        self.io.submit(move || {
            dataset::save(&dataset, &path)?;
            Ok(format!("saved {}", path.display()))
        });
    }

    fn score(&mut self, state: &mut ViewerState) {
        let (Some(key), Some(engine), Some(loaded)) = (
            state.score_key(),
            state.data.engine.clone(),
            state.data.loaded.as_ref(),
        ) else {
            return;
        };
        let dataset = Arc::clone(&loaded.dataset);
        // A superseded run stops at its next map instead of finishing for nothing.
        state.score.cancel.store(true, Ordering::Relaxed);
        let cancel = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(Mutex::new(None));
        state.score.cancel = Arc::clone(&cancel);
        state.score.progress = Arc::clone(&progress);
        let selection = key.selection.clone();
        let params = ScoreParams {
            clusters: key.clusters,
            ..ScoreParams::new(key.bin_usd, dataset.interval_ms)
        };
        state.score.requested = Some(key);
        // A coin view scores the summed map of the venues ticked.
        let venues = state.data.venues.as_ref().map(|v| v.venues.clone());
        let wake = Arc::clone(&self.wake);
        self.score.submit(move || {
            let mut on_progress = |step| {
                if let Ok(mut slot) = progress.lock() {
                    *slot = Some(step);
                }
                wake();
                !cancel.load(Ordering::Relaxed)
            };
            let span = 0..engine.bar_count();
            let scored = match &venues {
                Some(venues) => venues.score(&selection, &params, &mut on_progress),
                None => score::score_span_with_progress(
                    &engine,
                    &dataset,
                    &selection,
                    &params,
                    span,
                    &mut on_progress,
                ),
            };
            match scored {
                Ok(report) => ScoreOutcome::Scored(Box::new(report)),
                Err(ScoreError::Cancelled) => ScoreOutcome::Cancelled,
                Err(err) => ScoreOutcome::Failed(err),
            }
        });
    }

    fn pick(&self, state: &mut ViewerState, pick: Pick) {
        let sender = self.picked_sender.clone();
        let wake = Arc::clone(&self.wake);
        // The native dialog blocks its thread; the UI keeps drawing meanwhile.
        let spawned = std::thread::Builder::new()
            .name("liqmap-dialog".into())
            .spawn(move || {
                let outcome = native_dialog(pick);
                if sender.send((pick, outcome)).is_ok() {
                    wake();
                }
            });
        if let Err(err) = spawned {
            log::error!("could not open a file dialog: {err}");
            state
                .path_window
                .show_for(pick, Some(NO_DIALOG_NOTE.into()));
        }
    }
}
