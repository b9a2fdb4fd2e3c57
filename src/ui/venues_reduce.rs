//! The reducer's part for a coin shown across several venues: opening several files, ticking,
//! weighting and choosing the reference venue, and the fetch of a coin from every venue.
//! Ticking or weighting a venue costs what a tier toggle costs: the kept grids are re-summed,
//! no engine job runs.

use crate::engine::venues::VenueSettings;
use crate::source::coin_fetch::CoinRequest;

use super::super::data::{Loaded, Origin, ViewData};
use super::super::state::ViewerError;
use super::super::venues_state::{VenuesSource, VenuesView};
use super::{Effects, ViewerState, Work, selection_changed, stop_live, want_clusters, want_grid};

/// Several files open as one coin view; one file opens as usual.
pub fn open_many(paths: Vec<std::path::PathBuf>, effects: &mut Effects) {
    match paths.len() {
        0 => {}
        1 => effects.work(Work::Load(paths.into_iter().next().unwrap_or_default())),
        _ => effects.work(Work::Venues(VenuesSource::Files(paths))),
    }
}

/// Ticks or weights a venue: its kept grid is re-summed with the others, the clusters are found
/// again on the new sum.
pub fn set_venue(
    state: &mut ViewerState,
    venue: usize,
    settings: VenueSettings,
    effects: &mut Effects,
) {
    let Some(view) = &mut state.data.venues else {
        return;
    };
    if view.venues.settings(venue) == Some(settings) {
        return;
    }
    if let Err(err) = view.venues.set_settings(venue, settings) {
        state.errors.push(ViewerError::Venues(err));
        return;
    }
    selection_changed(state, effects);
}

/// Takes the candles and bars from another venue; every venue's levels stay as they are.
pub fn set_reference(state: &mut ViewerState, venue: usize, effects: &mut Effects) {
    let Some(view) = &mut state.data.venues else {
        return;
    };
    if view.venues.reference() == venue || view.venues.set_reference(venue).is_err() {
        return;
    }
    if let (Some(loaded), Some(dataset)) =
        (&mut state.data.loaded, view.venues.shared_dataset(venue))
    {
        loaded.dataset = dataset;
        loaded.origin = view
            .paths
            .get(venue)
            .cloned()
            .map_or(Origin::Memory, Origin::File);
    }
    state.data.engine = view.venues.shared_engine(venue);
    if let Some(grids) = &view.grids {
        state.data.grid = grids.shared_grid(venue);
    }
    state.data.clusters = None;
    selection_changed(state, effects);
}

/// Shows venues whose engines have run: the reference venue's candles, the summed heatmap.
pub fn show_venues(state: &mut ViewerState, view: VenuesView, effects: &mut Effects) {
    stop_live(state);
    let reference = view.venues.reference();
    let Some(dataset) = view.venues.shared_dataset(reference) else {
        return;
    };
    let origin = view
        .paths
        .get(reference)
        .cloned()
        .map_or(Origin::Memory, Origin::File);
    state.status = format!(
        "{} venues summed: {}; {}",
        view.venues.len(),
        view.venues.names().join(", "),
        view.common_range_text()
    );
    state.data = ViewData {
        loaded: Some(Loaded { dataset, origin }),
        engine: view.venues.shared_engine(reference),
        venues: Some(view),
        ..ViewData::default()
    };
    state.view.reset_for_new_data();
    effects.work(Work::Recolour);
    want_grid(state, effects);
    want_clusters(state, effects);
}

/// Fetches a coin from every venue; a fetch of all venues still running is cancelled first.
pub fn fetch_coin(state: &mut ViewerState, request: CoinRequest, effects: &mut Effects) {
    cancel_coin_fetch(state);
    state.coin_fetch.last.clear();
    state.status = format!("fetching {} from every venue…", request.coin);
    effects.work(Work::FetchCoin(request));
}

/// Cancels the fetch of every venue; what it brings, if anything still arrives, is dropped.
pub fn cancel_coin_fetch(state: &mut ViewerState) {
    if let Some(running) = state.coin_fetch.running.take() {
        running.cancel.cancel();
        state.status = format!("fetch of {} cancelled", running.request.coin);
    }
}
