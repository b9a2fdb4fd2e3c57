//! The reducer's part for a coin shown across several venues: opening several files, ticking,
//! weighting and choosing the reference venue, and the fetch of a coin from every venue.
//! Ticking or weighting a venue costs what a tier toggle costs: the kept grids are re-summed,
//! no engine job runs.

use crate::engine::venues::VenueSettings;
use crate::source::coin_fetch::CoinRequest;

use super::super::data::{Loaded, Origin, ViewData};
use super::super::state::ViewerError;
use super::super::venues_state::VenuesView;
use super::{
    Effects, ViewerState, Work, resummed, selection_changed, stop_live, want_clusters, want_grid,
};

/// Several files open as one coin view; one file opens as usual.
pub fn open_many(paths: Vec<std::path::PathBuf>, effects: &mut Effects) {
    match paths.len() {
        0 => {}
        1 => effects.work(Work::Load(paths.into_iter().next().unwrap_or_default())),
        // Read by content first: klines with their open interest and liquidations make one
        // dataset; several whole datasets come back as venues of one coin.
        _ => effects.work(Work::OpenSeveral(paths)),
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
    if let Err(err) = view.set_venue(venue, settings, &mut state.data.composed) {
        state.errors.push(ViewerError::Venues(err));
        return;
    }
    // Only the venues' weights changed: the kept composed grids are re-summed, not re-composed.
    resummed(state, effects);
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

/// Saves the coin view shown as a view file (see `venues_save`); with one dataset shown, says
/// there is no coin view to save.
pub fn save_view(state: &mut ViewerState, path: std::path::PathBuf, effects: &mut Effects) {
    if state.data.venues.is_some() {
        effects.work(Work::SaveView(path));
    } else {
        state.errors.push(ViewerError::NoCoinView);
    }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{Action, reduce_all};
    use super::*;
    use crate::engine::GridRequest;
    use crate::engine::venues::{VenueGrids, Venues};
    use crate::ui::settings::ViewerSettings;

    /// Two venues on the bundled sample (the second relabelled), shown with their grids, as the
    /// venues' jobs leave them.
    fn two_venues_shown() -> ViewerState {
        let mut state = ViewerState::new(ViewerSettings::default());
        let first = crate::dataset::sample().expect("the bundled sample");
        let mut second = first.clone();
        second.exchange = "second-venue".into();
        let venues = Venues::from_shared(
            vec![Arc::new(first), Arc::new(second)],
            &state.settings.model,
        )
        .expect("venues");
        let engine = venues.shared_engine(0).expect("engine");
        let (low, high) = venues
            .dataset(0)
            .and_then(|d| d.price_range())
            .expect("prices");
        let request = GridRequest::whole(&engine, low, high, 200, 100);
        let grids =
            VenueGrids::build(&venues, &request, &state.settings.selection()).expect("grids");
        let mut view = VenuesView::new(venues, Vec::new());
        view.grids = Some(grids);
        let mut effects = Effects::default();
        show_venues(&mut state, view, &mut effects);
        state.data.compose(&state.settings.selection());
        state
    }

    #[test]
    fn ticking_a_venue_off_re_sums_and_asks_for_no_engine_or_grid() {
        let mut state = two_venues_shown();
        let both: f64 = state.data.composed.iter().sum();
        assert!(both > 0.0);
        let effects = reduce_all(
            &mut state,
            vec![Action::SetVenue {
                venue: 1,
                settings: VenueSettings {
                    enabled: false,
                    weight: 1.0,
                },
            }],
        );
        assert!(
            !effects
                .work
                .iter()
                .any(|w| matches!(w, Work::Engine | Work::ExtendEngine | Work::Grid(_))),
            "{:?}",
            effects.work
        );
        assert!(effects.work.contains(&Work::Recolour));
        // The same data on both venues: one venue is half of the two.
        let one: f64 = state.data.composed.iter().sum();
        assert!(
            (one - both / 2.0).abs() <= 1e-9 * both,
            "{one} against {both}"
        );
    }

    #[test]
    fn a_bad_weight_is_refused_and_named() {
        let mut state = two_venues_shown();
        reduce_all(
            &mut state,
            vec![Action::SetVenue {
                venue: 0,
                settings: VenueSettings {
                    enabled: true,
                    weight: f64::NAN,
                },
            }],
        );
        assert_eq!(state.errors.len(), 1);
        assert!(state.errors[0].to_string().contains("venue weight"));
        assert_eq!(
            state
                .data
                .venues
                .as_ref()
                .and_then(|v| v.venues.settings(0))
                .map(|s| s.weight),
            Some(1.0)
        );
    }
}
