//! The background jobs of a coin shown across several venues: reading the datasets and running
//! each venue's engine, every venue's grid of the window, the clusters of the summed map, and the
//! fetch of a coin from every venue. The scheduler hands this its work first; what is not about
//! venues goes on to the scheduler's own jobs.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use crate::dataset;
use crate::engine::venues::{VenueGrids, VenueSettings, Venues, VenuesError};
use crate::engine::{Cluster, GridError};
use crate::model::Dataset;
use crate::settings::ModelSettings;
use crate::source::coin_fetch::{CoinRequest, VenueFetch, fetch_coin};
use crate::source::{CancelToken, FetchProgress, FetchRequest, Venue};

use super::action::Work;
use super::reducer::{self, Effects};
use super::remote::Net;
use super::state::{ViewerError, ViewerState};
use super::venues_save::{SavedView, VenueToSave, save_coin_view};
use super::venues_state::{RunningCoinFetch, VenueLine, VenuesSource, VenuesView, split_clusters};
use super::worker::{LatestJob, Wake};

/// Venues built: whether they replace the view (`true`) or re-run its engines (`false`).
type Built = (bool, Result<VenuesView, ViewerError>);
/// The clusters of the summed map at a bar, and each venue's share of each.
type VenueClusters = (usize, Result<(Vec<Cluster>, Vec<Vec<f64>>), VenuesError>);
/// What a fetch of every venue brought, by generation.
type CoinFetched = (u64, Vec<(Venue, VenueFetch)>);
/// A coin view saved, with the datasets it saved (to tell whether they are still shown).
type Saved = (Vec<Arc<Dataset>>, Result<SavedView, ViewerError>);

/// The venues' jobs.
pub struct VenueJobs {
    wake: Wake,
    build: LatestJob<Built>,
    grid: LatestJob<Result<VenueGrids, GridError>>,
    clusters: LatestJob<VenueClusters>,
    save: LatestJob<Saved>,
    fetch_sender: Sender<CoinFetched>,
    fetched: Receiver<CoinFetched>,
    generation: u64,
}

fn job<T: Send + 'static>(wake: &Wake, name: &str) -> LatestJob<T> {
    let wake = Arc::clone(wake);
    LatestJob::new(name, move || wake())
}

/// Reads the datasets a source names and runs every venue's engine.
fn build_venues(source: VenuesSource, model: &ModelSettings) -> Result<VenuesView, ViewerError> {
    let mut fetched = Vec::new();
    let (datasets, paths, settings, reference): (Vec<Arc<Dataset>>, Vec<PathBuf>, _, _) =
        match source {
            VenuesSource::Memory(datasets) => (datasets, Vec::new(), Vec::new(), None),
            VenuesSource::Fetched(venues) => {
                let datasets = venues
                    .into_iter()
                    .map(|(dataset, request)| {
                        fetched.push(Some(request));
                        dataset
                    })
                    .collect();
                (datasets, Vec::new(), Vec::new(), None)
            }
            VenuesSource::Files(paths) => {
                let datasets = read_all(&paths)?;
                (datasets, paths, Vec::new(), None)
            }
            VenuesSource::View(path) => {
                let view = dataset::view::load_view(&path)?;
                let paths: Vec<PathBuf> = view.datasets.iter().map(|e| e.path.clone()).collect();
                let settings = view
                    .datasets
                    .iter()
                    .map(|e| VenueSettings {
                        enabled: e.enabled,
                        weight: e.weight,
                    })
                    .collect();
                (read_all(&paths)?, paths, settings, view.reference)
            }
        };
    let mut venues = Venues::from_shared(datasets, model)?;
    apply(&mut venues, &settings, reference)?;
    Ok(VenuesView::new(venues, paths).with_fetched(fetched))
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<Arc<Dataset>>, ViewerError> {
    paths
        .iter()
        .map(|p| Ok(Arc::new(dataset::load(p)?)))
        .collect()
}

fn apply(
    venues: &mut Venues,
    settings: &[VenueSettings],
    reference: Option<usize>,
) -> Result<(), VenuesError> {
    for (i, s) in settings.iter().enumerate() {
        venues.set_settings(i, *s)?;
    }
    if let Some(reference) = reference {
        venues.set_reference(reference)?;
    }
    Ok(())
}

impl VenueJobs {
    /// Starts the worker threads; every finished job calls `wake`.
    pub fn new(wake: &Wake) -> Self {
        let (fetch_sender, fetched) = channel();
        VenueJobs {
            wake: Arc::clone(wake),
            build: job(wake, "venues"),
            grid: job(wake, "venue-grids"),
            clusters: job(wake, "venue-clusters"),
            save: job(wake, "venue-save"),
            fetch_sender,
            fetched,
            generation: 0,
        }
    }

    /// Whether a venues job is under way (the fetch of every venue is shown on its own).
    pub fn is_busy(&self) -> bool {
        self.build.is_busy()
            || self.grid.is_busy()
            || self.clusters.is_busy()
            || self.save.is_busy()
    }

    /// Starts `work` if it is about venues (or, while venues are shown, about the engine, the
    /// grid or the clusters); returns whether it did.
    pub fn start(&mut self, state: &mut ViewerState, work: &Work, net: &mut Net) -> bool {
        let model = state.settings.model.clone();
        match work {
            Work::Venues(source) => {
                let source = source.clone();
                self.build
                    .submit(move || (true, build_venues(source, &model)));
            }
            Work::SaveView(path) => self.start_save(state, path.clone()),
            Work::FetchCoin(request) => {
                if let Err(err) = self.start_fetch(state, request.clone(), net) {
                    state.errors.push(err);
                }
            }
            Work::Load(_) | Work::LoadSample | Work::OpenInMemory { .. } => {
                // Another dataset is on its way: venues still being read would replace it.
                self.build.cancel();
                return false;
            }
            _ => return self.start_for_venues(state, work),
        }
        true
    }

    /// Saves the coin view shown (its datasets only in memory first) in the background.
    fn start_save(&mut self, state: &mut ViewerState, path: PathBuf) {
        let Some(view) = &state.data.venues else {
            state.errors.push(ViewerError::NoCoinView);
            return;
        };
        let venues = &view.venues;
        let to_save: Vec<VenueToSave> = (0..venues.len())
            .filter_map(|i| {
                Some(VenueToSave {
                    name: venues.name(i)?.to_string(),
                    dataset: venues.shared_dataset(i)?,
                    path: view.paths.get(i).cloned(),
                    settings: venues.settings(i)?,
                })
            })
            .collect();
        let reference = venues.reference();
        self.save.submit(move || {
            let datasets = to_save.iter().map(|v| Arc::clone(&v.dataset)).collect();
            (datasets, save_coin_view(&to_save, reference, &path))
        });
    }

    /// The engine, grid and clusters work of the venues shown.
    fn start_for_venues(&mut self, state: &ViewerState, work: &Work) -> bool {
        let Some(view) = &state.data.venues else {
            return false;
        };
        let venues = view.venues.clone();
        match work {
            Work::Engine | Work::ExtendEngine => {
                let model = state.settings.model.clone();
                let (paths, fetched) = (view.paths.clone(), view.fetched.clone());
                self.build.submit(move || {
                    let settings: Vec<VenueSettings> = (0..venues.len())
                        .filter_map(|i| venues.settings(i))
                        .collect();
                    let datasets = (0..venues.len())
                        .filter_map(|i| venues.shared_dataset(i))
                        .collect();
                    let rebuilt = Venues::from_shared(datasets, &model).and_then(|mut v| {
                        apply(&mut v, &settings, Some(venues.reference()))?;
                        Ok(VenuesView::new(v, paths).with_fetched(fetched))
                    });
                    (false, rebuilt.map_err(ViewerError::from))
                });
            }
            Work::Grid(request) => {
                let (request, selection) = (*request, state.settings.selection());
                self.grid
                    .submit(move || VenueGrids::build(&venues, &request, &selection));
            }
            Work::Clusters(bar) => {
                let bar = *bar;
                let Some(time_ms) = state
                    .data
                    .engine
                    .as_ref()
                    .and_then(|e| e.bar_times_ms().get(bar).copied())
                else {
                    return true;
                };
                let (selection, params) = (state.settings.selection(), state.settings.clusters);
                let bin = state.cluster_bin_usd();
                self.clusters.submit(move || {
                    let found = venues
                        .clusters_at(time_ms, bin, &selection, &params)
                        .map(|(_, clusters)| split_clusters(clusters));
                    (bar, found)
                });
            }
            _ => return false,
        }
        true
    }

    /// Takes in what the venues' jobs delivered.
    pub fn poll(&mut self, state: &mut ViewerState, effects: &mut Effects) {
        if let Some((fresh, result)) = self.build.poll() {
            match result {
                Ok(view) if fresh => reducer::venues::show_venues(state, view, effects),
                Ok(view) => rebuilt(state, view, effects),
                Err(err) => state.errors.push(err),
            }
        }
        if let Some(result) = self.grid.poll() {
            match result {
                Ok(grids) => {
                    if let Some(view) = &mut state.data.venues {
                        state.data.grid = grids.shared_grid(view.venues.reference());
                        view.grids = Some(grids);
                        state.data.compose(&state.settings.selection());
                        effects.work.push(Work::Recolour);
                    }
                }
                Err(err) => state.errors.push(err.into()),
            }
        }
        if let Some((bar, result)) = self.clusters.poll() {
            match result {
                Ok((clusters, shares)) => {
                    if let Some(view) = &mut state.data.venues {
                        view.cluster_shares = shares;
                        state.data.clusters = Some((bar, clusters));
                        state.data.explained_open_interest = None;
                    }
                }
                Err(err) => state.errors.push(err.into()),
            }
        }
        if let Some((datasets, result)) = self.save.poll() {
            match result {
                Ok(saved) => saved_view(state, &datasets, saved),
                Err(err) => state.errors.push(err),
            }
        }
        while let Ok((generation, results)) = self.fetched.try_recv() {
            let current = state
                .coin_fetch
                .running
                .as_ref()
                .is_some_and(|r| r.generation == generation);
            if let Some(running) = state.coin_fetch.running.take_if(|_| current) {
                coin_fetched(state, &running.request, results, effects);
            }
        }
    }

    fn start_fetch(
        &mut self,
        state: &mut ViewerState,
        request: CoinRequest,
        net: &mut Net,
    ) -> Result<(), ViewerError> {
        self.generation += 1;
        let generation = self.generation;
        let lines = Arc::new(Mutex::new(
            Venue::ALL
                .iter()
                .map(|&v| (v, VenueLine::Running(FetchProgress::default())))
                .collect::<Vec<_>>(),
        ));
        let cancel = CancelToken::new();
        let (config, sender) = (state.remote.config.clone(), self.fetch_sender.clone());
        let (wake, task_lines, task_cancel) =
            (Arc::clone(&self.wake), Arc::clone(&lines), cancel.clone());
        let task_request = request.clone();
        net.runtime()?.spawn(async move {
            let progress_wake = Arc::clone(&wake);
            let progress = Arc::new(move |venue: Venue, p: FetchProgress| {
                if let Ok(mut lines) = task_lines.lock()
                    && let Some(line) = lines.iter_mut().find(|(v, _)| *v == venue)
                {
                    line.1 = VenueLine::Running(p);
                }
                progress_wake();
            });
            let results = fetch_coin(&task_request, &config, progress, &task_cancel).await;
            // The receiver is gone only when the app is; nothing is left to tell.
            let _ = sender.send((generation, results));
            wake();
        });
        state.coin_fetch.running = Some(RunningCoinFetch {
            request,
            lines,
            cancel,
            generation,
        });
        Ok(())
    }
}

/// A coin view was saved: the venues still shown now name their files (a later save reuses them).
fn saved_view(state: &mut ViewerState, datasets: &[Arc<Dataset>], saved: SavedView) {
    state.status = format!(
        "saved view {} ({} datasets written beside it)",
        saved.path.display(),
        saved.written
    );
    let Some(view) = &mut state.data.venues else {
        return;
    };
    let same = view.venues.len() == datasets.len()
        && datasets.iter().enumerate().all(|(i, d)| {
            view.venues
                .shared_dataset(i)
                .is_some_and(|shown| Arc::ptr_eq(&shown, d))
        });
    if same {
        view.paths = saved.dataset_paths;
    }
}

/// The venues' engines ran again (new model settings): the view keeps its window and settings.
/// Engines run on datasets that live mode has grown since are run again on the grown ones.
fn rebuilt(state: &mut ViewerState, view: VenuesView, effects: &mut Effects) {
    let Some(shown) = &state.data.venues else {
        return;
    };
    let grown = (0..shown.venues.len()).any(|i| {
        match (
            shown.venues.shared_dataset(i),
            view.venues.shared_dataset(i),
        ) {
            (Some(now), Some(then)) => !Arc::ptr_eq(&now, &then),
            _ => true,
        }
    });
    if grown {
        effects.work.push(Work::Engine);
        return;
    }
    let reference = view.venues.reference();
    state.data.engine = view.venues.shared_engine(reference);
    state.data.venues = Some(view);
    state.view.requested_grid = None;
    state.view.requested_clusters = None;
    reducer::want_grid(state, effects);
    reducer::want_clusters(state, effects);
}

/// Every venue's fetch ended: the ones that brought bars are shown as one coin, the others are
/// named in the window and the status line.
fn coin_fetched(
    state: &mut ViewerState,
    request: &CoinRequest,
    results: Vec<(Venue, VenueFetch)>,
    effects: &mut Effects,
) {
    let mut datasets = Vec::new();
    let mut left_out = Vec::new();
    state.coin_fetch.last = results
        .iter()
        .map(|(venue, result)| result.describe(*venue))
        .collect();
    for (venue, result) in results {
        match result {
            VenueFetch::Fetched { outcome, symbol } => {
                let asked = FetchRequest {
                    venue,
                    symbol,
                    interval_ms: request.interval_ms,
                    start_ms: request.start_ms,
                    end_ms: request.end_ms,
                };
                datasets.push((Arc::new(outcome.dataset), asked));
            }
            other => {
                state
                    .errors
                    .push(ViewerError::VenueSkipped(other.describe(venue)));
                left_out.push(venue.to_string());
            }
        }
    }
    state.status = if datasets.is_empty() {
        format!(
            "no venue delivered {}; the data shown is unchanged",
            request.coin
        )
    } else if left_out.is_empty() {
        format!("fetched {} from {} venues", request.coin, datasets.len())
    } else {
        format!(
            "fetched {} from {} venues; skipped: {}",
            request.coin,
            datasets.len(),
            left_out.join(", ")
        )
    };
    if !datasets.is_empty() {
        effects
            .work
            .push(Work::Venues(VenuesSource::Fetched(datasets)));
    }
}
