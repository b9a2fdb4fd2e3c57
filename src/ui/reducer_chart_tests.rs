//! The reducer on what the chart, the clusters table and the banner ask for (issue 11 items
//! 4–6): the time the clusters are held at, pins, range buttons, focusing a band, and what a
//! new dataset resets.

use super::tests::{ready, report};
use super::*;
use crate::render::colors::ScaleTop;
use crate::ui::view::{Highlight, ViewBounds};

/// A chart report with the pointer on the middle price of the bar `bar`, at `now_s`.
fn hovering(state: &ViewerState, bar: usize, now_s: f64) -> ChartReport {
    let dataset = &state.data.loaded.as_ref().unwrap().dataset;
    let time_ms = dataset.bars[bar].open_time_ms as f64 + 1.0;
    let (low, high) = dataset.price_range().unwrap();
    ChartReport {
        pointer: Some([time_ms, (low + high) / 2.0]),
        now_s,
        ..report(state)
    }
}

fn last_bar(state: &ViewerState) -> usize {
    state.data.loaded.as_ref().unwrap().dataset.bars.len() - 1
}

/// Hovers bar `bar` long enough for its clusters to be asked for; returns the bar the grid
/// column shows there (a column may hold several bars).
fn rest_on(state: &mut ViewerState, bar: usize) -> usize {
    reduce_all(state, vec![Action::Chart(hovering(state, bar, 10.0))]);
    let effects = reduce_all(state, vec![Action::Chart(hovering(state, bar, 10.5))]);
    let hovered = state.view.hovered_cell.as_ref().expect("a cell").bar;
    assert!(
        effects.work.contains(&Work::Clusters(hovered)),
        "{effects:?}"
    );
    hovered
}

#[test]
fn the_pointer_below_the_chart_keeps_the_clusters_of_the_time_last_hovered() {
    let mut state = ready();
    let hovered = rest_on(&mut state, 300);
    assert_ne!(hovered, last_bar(&state));
    // On its way to the table: the pointer leaves the plot downwards.
    let mut left = report(&state);
    left.now_s = 11.0;
    let effects = reduce_all(
        &mut state,
        vec![Action::PointerBelowChart(true), Action::Chart(left)],
    );
    assert!(!effects.work.iter().any(|w| matches!(w, Work::Clusters(_))));
    assert_eq!(state.view.requested_clusters, Some(hovered));
    // Elsewhere (the window's edge, the controls): back to the last bar.
    let effects = reduce_all(
        &mut state,
        vec![Action::PointerBelowChart(false), Action::Chart(left)],
    );
    assert!(effects.work.contains(&Work::Clusters(last_bar(&state))));
}

#[test]
fn a_pinned_time_holds_the_clusters_until_escape() {
    let mut state = ready();
    let dataset = Arc::clone(&state.data.loaded.as_ref().unwrap().dataset);
    let pinned_ms = dataset.bars[200].open_time_ms + 1;
    let effects = reduce_all(&mut state, vec![Action::PinTime(Some(pinned_ms))]);
    assert!(effects.work.contains(&Work::Clusters(200)), "{effects:?}");
    // Hovering another bar, even at rest, does not move the clusters off the pin.
    let first = hovering(&state, 600, 10.0);
    reduce_all(&mut state, vec![Action::Chart(first)]);
    let rested = hovering(&state, 600, 11.0);
    let effects = reduce_all(&mut state, vec![Action::Chart(rested)]);
    assert!(!effects.work.iter().any(|w| matches!(w, Work::Clusters(_))));
    assert_eq!(state.view.requested_clusters, Some(200));
    // Escape unpins: the clusters follow the pointer again (still on bar 600's column).
    let effects = reduce_all(&mut state, vec![Action::Escape]);
    assert_eq!(state.view.pinned_ms, None);
    let hovered = state.view.hovered_cell.as_ref().unwrap().bar;
    assert!(
        effects.work.contains(&Work::Clusters(hovered)),
        "{effects:?}"
    );
}

#[test]
fn a_range_button_asks_for_the_last_day() {
    let mut state = ready();
    let dataset = Arc::clone(&state.data.loaded.as_ref().unwrap().dataset);
    let (_, end_ms) = dataset.time_range_ms().unwrap();
    reduce_all(&mut state, vec![Action::ShowRecent(Some(86_400_000))]);
    let Some((_, PendingView::Bounds(bounds))) = state.view.pending else {
        panic!("a view is asked for");
    };
    assert_eq!(bounds.min[0], (end_ms - 86_400_000) as f64 / 1000.0);
    reduce_all(&mut state, vec![Action::ShowRecent(None)]);
    let Some((_, PendingView::Bounds(all))) = state.view.pending else {
        panic!("a view is asked for");
    };
    assert_eq!(Some(all), ViewBounds::of_dataset(&dataset));
}

#[test]
fn focusing_a_cluster_shows_its_band_and_the_close_and_highlights_it() {
    let mut state = ready();
    let dataset = Arc::clone(&state.data.loaded.as_ref().unwrap().dataset);
    let bar = &dataset.bars[500];
    // A band well above that bar's close.
    let highlight = Highlight {
        time_ms: bar.open_time_ms,
        formed_ms: dataset.bars[400].open_time_ms,
        price_low: bar.close * 1.10,
        price_high: bar.close * 1.12,
        side: crate::model::Side::Short,
    };
    reduce_all(&mut state, vec![Action::FocusCluster(highlight)]);
    let Some((_, PendingView::Bounds(bounds))) = state.view.pending else {
        panic!("a view is asked for");
    };
    assert!(bounds.min[1] < bar.close && bounds.max[1] > highlight.price_high);
    let time_s = bar.open_time_ms as f64 / 1000.0;
    assert!(bounds.min[0] < time_s && time_s < bounds.max[0]);
    assert_eq!(state.view.highlight, Some(highlight));
    reduce_all(&mut state, vec![Action::Escape]);
    assert_eq!(state.view.highlight, None);
}

#[test]
fn another_dataset_resets_the_colour_top_the_errors_and_the_path_field() {
    let mut state = ready();
    state.settings.colors.top = ScaleTop::FixedUsd(2_000_000.0);
    state.errors.push(ViewerError::NothingToSave);
    state.path_input = "/tmp/old.json".into();
    let dataset = Arc::clone(&state.data.loaded.as_ref().unwrap().dataset);
    reduce_all(&mut state, vec![Action::OpenSample]);
    // The sample arrives (as the scheduler hands it over).
    let mut effects = Effects::default();
    show(
        &mut state,
        Loaded {
            dataset,
            origin: Origin::Sample,
        },
        &mut effects,
    );
    assert_eq!(state.settings.colors.top, ScaleTop::default());
    assert!(state.status.contains("2M"), "{}", state.status);
    assert!(state.errors.is_empty());
    assert_eq!(state.path_input, "");
    assert!(effects.work.contains(&Work::Recolour));
}

#[test]
fn a_partial_fetch_keeps_its_warning_when_its_data_is_shown() {
    let mut state = ready();
    let dataset = Arc::clone(&state.data.loaded.as_ref().unwrap().dataset);
    state.errors.push(ViewerError::NothingToSave);
    state.errors.push(ViewerError::PartialFetch {
        venue: crate::source::Venue::Binance,
        what: "BTCUSDT 5m".into(),
        reasons: "open interest missing".into(),
    });
    let origin = Origin::Fetched(crate::ui::data::FetchedSource {
        venue: crate::source::Venue::Binance,
        symbol: "BTCUSDT".into(),
        interval_ms: 300_000,
    });
    show(
        &mut state,
        Loaded { dataset, origin },
        &mut Effects::default(),
    );
    assert_eq!(state.errors.len(), 1);
    assert!(matches!(state.errors[0], ViewerError::PartialFetch { .. }));
}

#[test]
fn adding_a_file_needs_a_dataset_shown() {
    let mut empty = ViewerState::new(crate::ui::settings::ViewerSettings::default());
    let effects = reduce_all(&mut empty, vec![Action::AddToDataset("oi.csv".into())]);
    assert!(effects.work.is_empty());
    let mut state = ready();
    let effects = reduce_all(&mut state, vec![Action::AddToDataset("oi.csv".into())]);
    assert_eq!(effects.work, vec![Work::AddToDataset("oi.csv".into())]);
}
