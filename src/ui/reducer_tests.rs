//! The reducer without a window: actions in, state and work out.

use super::*;
use crate::engine::{Engine, GridRequest, LayerSelection};
use crate::render::colors::ColorMap;
use crate::ui::settings::{RowHeight, ViewerSettings};
use crate::ui::view::ViewBounds;

/// The state on the bundled sample with its engine and a grid of the whole sample, as the
/// scheduler leaves it once the jobs are done, and the chart drawn once at 1000 × 500 points.
pub(super) fn ready() -> ViewerState {
    let mut state = ViewerState::new(ViewerSettings::default());
    let dataset = Arc::new(crate::dataset::sample().expect("the bundled sample"));
    let mut effects = Effects::default();
    show(
        &mut state,
        Loaded {
            dataset: Arc::clone(&dataset),
            origin: Origin::Sample,
        },
        &mut effects,
    );
    assert_eq!(effects.work, vec![Work::Recolour, Work::Engine]);
    let engine = Arc::new(Engine::new(&dataset, &state.settings.model).expect("engine"));
    let (low, high) = dataset.price_range().expect("prices");
    let grid = engine
        .grid(&GridRequest::whole(&engine, low, high, 200, 100))
        .expect("grid");
    state.data.engine = Some(engine);
    state.data.grid = Some(Arc::new(grid));
    state.data.compose(&state.settings.selection());
    let bounds = ViewBounds::of_dataset(&dataset).expect("bounds");
    let report = ChartReport {
        bounds,
        rect_pt: [0.0, 0.0, 1000.0, 500.0],
        pointer: None,
        now_s: 0.0,
        applied: state.view.pending.map(|(seq, _)| seq),
    };
    reduce_all(&mut state, vec![Action::Chart(report)]);
    state
}

pub(super) fn report(state: &ViewerState) -> ChartReport {
    let frame = state.view.frame.expect("drawn");
    ChartReport {
        bounds: frame.bounds,
        rect_pt: frame.rect_pt,
        pointer: None,
        now_s: 1.0,
        applied: None,
    }
}

fn has_engine_or_grid(work: &[Work]) -> bool {
    work.iter()
        .any(|w| matches!(w, Work::Engine | Work::ExtendEngine | Work::Grid(_)))
}

#[test]
fn the_first_chart_frame_asks_for_its_grid_and_the_last_bars_clusters_once() {
    let mut state = ViewerState::new(ViewerSettings::default());
    let dataset = Arc::new(crate::dataset::sample().unwrap());
    let last_bar = dataset.bars.len() - 1;
    show(
        &mut state,
        Loaded {
            dataset: Arc::clone(&dataset),
            origin: Origin::Memory,
        },
        &mut Effects::default(),
    );
    state.data.engine = Some(Arc::new(
        Engine::new(&dataset, &state.settings.model).unwrap(),
    ));
    let bounds = ViewBounds::of_dataset(&dataset).unwrap();
    let chart = ChartReport {
        bounds,
        rect_pt: [0.0, 0.0, 800.0, 400.0],
        pointer: None,
        now_s: 0.0,
        applied: None,
    };
    let effects = reduce_all(&mut state, vec![Action::Chart(chart)]);
    let expected_grid = grid_request(&bounds, [800.0, 400.0], RowHeight::Automatic).unwrap();
    assert_eq!(
        effects.work,
        vec![Work::Grid(expected_grid), Work::Clusters(last_bar)]
    );
    // The same frame again asks for nothing and needs no repaint.
    let again = reduce_all(&mut state, vec![Action::Chart(chart)]);
    assert_eq!(again, Effects::default());
}

#[test]
fn colours_only_recolour() {
    let mut state = ready();
    let grid = state.data.grid.clone();
    let mut colors = state.settings.colors;
    colors.map = ColorMap::Magma;
    let effects = reduce_all(&mut state, vec![Action::SetColors(colors)]);
    assert_eq!(effects.work, vec![Work::Recolour]);
    assert_eq!(state.settings.colors.map, ColorMap::Magma);
    assert!(Arc::ptr_eq(
        state.data.grid.as_ref().unwrap(),
        grid.as_ref().unwrap()
    ));
    // The same colours again: nothing to do.
    assert!(
        reduce_all(&mut state, vec![Action::SetColors(colors)])
            .work
            .is_empty()
    );
}

#[test]
fn unticking_a_tier_re_sums_the_layers_without_computing_levels() {
    let mut state = ready();
    let effects = reduce_all(
        &mut state,
        vec![Action::SetTierEnabled { tier: 4, on: false }],
    );
    assert!(!has_engine_or_grid(&effects.work), "{:?}", effects.work);
    assert!(effects.work.contains(&Work::Recolour));
    let last_bar = state.data.loaded.as_ref().unwrap().dataset.bars.len() - 1;
    assert!(effects.work.contains(&Work::Clusters(last_bar)));
    assert_eq!(
        state.settings.tier_enabled,
        vec![true, true, true, true, false]
    );
    // The composed grid is the four other layers at their shares, summed by hand.
    let grid = state.data.grid.clone().unwrap();
    let shares = state.settings.model.tiers.normalized_weights();
    let mut expected = vec![0.0; grid.request.rows * grid.request.columns];
    for (layer, &(_, tier)) in grid.layer_keys.iter().enumerate() {
        if tier == 4 {
            continue;
        }
        for (cell, &value) in expected.iter_mut().zip(&grid.layers[layer]) {
            *cell += f64::from(value) * shares[tier];
        }
    }
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    assert_eq!(state.data.composed.len(), expected.len());
    assert!(
        state
            .data
            .composed
            .iter()
            .zip(&expected)
            .all(|(a, b)| close(*a, *b))
    );
}

#[test]
fn adding_a_tier_keeps_which_tiers_are_shown_and_computes_levels() {
    let mut state = ready();
    reduce_all(
        &mut state,
        vec![Action::SetTierEnabled { tier: 4, on: false }],
    );
    let effects = reduce_all(&mut state, vec![Action::AddTier(20.0)]);
    assert!(effects.work.contains(&Work::Engine));
    let leverages: Vec<f64> = state.settings.leverages();
    assert_eq!(leverages, [5.0, 10.0, 20.0, 25.0, 50.0, 100.0]);
    assert_eq!(
        state.settings.tier_enabled,
        vec![true, true, true, true, true, false],
        "100x stays hidden"
    );
    // A tier that exists is not added twice.
    assert!(
        reduce_all(&mut state, vec![Action::AddTier(20.0)])
            .work
            .is_empty()
    );
}

#[test]
fn model_settings_compute_levels_and_the_same_settings_do_nothing() {
    let mut state = ready();
    let same = state.settings.model.clone();
    assert!(
        reduce_all(&mut state, vec![Action::SetModel(same.clone())])
            .work
            .is_empty()
    );
    let mut model = same;
    model.mmr *= 2.0;
    let effects = reduce_all(&mut state, vec![Action::SetModel(model)]);
    assert_eq!(effects.work, vec![Work::Engine]);
}

#[test]
fn a_row_height_bins_the_grid_again_without_computing_levels() {
    let mut state = ready();
    let effects = reduce_all(
        &mut state,
        vec![Action::SetRowHeight(RowHeight::FixedUsd(0.5))],
    );
    let frame = state.view.frame.unwrap();
    let expected = grid_request(&frame.bounds, frame.size_pt(), RowHeight::FixedUsd(0.5)).unwrap();
    assert!(
        effects.work.contains(&Work::Grid(expected)),
        "{:?}",
        effects.work
    );
    assert!(!effects.work.contains(&Work::Engine));
    assert_eq!(state.view.requested_grid, Some(expected));
}

#[test]
fn cluster_params_find_clusters_again_only() {
    let mut state = ready();
    let mut params = state.settings.clusters;
    params.band_share = 0.3;
    let effects = reduce_all(&mut state, vec![Action::SetClusterParams(params)]);
    let last_bar = state.data.loaded.as_ref().unwrap().dataset.bars.len() - 1;
    assert_eq!(effects.work, vec![Work::Clusters(last_bar)]);
}

#[test]
fn centring_survives_the_chart_report_of_the_same_frame() {
    let mut state = ready();
    let bounds = state.view.bounds().unwrap();
    // The table is drawn before the chart: its click comes first, then the chart's report of
    // a frame that applied nothing.
    let chart = report(&state);
    let effects = reduce_all(
        &mut state,
        vec![
            Action::CentreOn {
                time_ms: 1_000_000,
                price: 50.0,
            },
            Action::Chart(chart),
        ],
    );
    assert!(effects.repaint);
    let Some((seq, PendingView::Bounds(pending))) = state.view.pending else {
        panic!("the centring is still to be shown");
    };
    assert_eq!(pending.center(), [1000.0, 50.0]);
    assert_eq!(pending.width(), bounds.width());
    let mut applied = report(&state);
    applied.applied = Some(seq);
    reduce_all(&mut state, vec![Action::Chart(applied)]);
    assert!(state.view.pending.is_none());
}

#[test]
fn saving_nothing_is_an_error_and_starts_no_job() {
    let mut state = ViewerState::new(ViewerSettings::default());
    let effects = reduce_all(&mut state, vec![Action::SaveAs("x.json".into())]);
    assert!(effects.work.is_empty());
    assert!(matches!(state.errors[..], [ViewerError::NothingToSave]));
    reduce_all(&mut state, vec![Action::DismissError]);
    assert!(state.errors.is_empty());
}

#[test]
fn live_mode_needs_fetched_data() {
    let mut state = ready();
    let effects = reduce_all(&mut state, vec![Action::Live(true)]);
    assert!(effects.work.is_empty());
    assert!(matches!(state.errors[..], [ViewerError::NotLive]));
}

#[test]
fn selection_weights_follow_the_ticked_tiers() {
    let mut state = ready();
    reduce_all(
        &mut state,
        vec![Action::ShowTiers(vec![false, false, true, true, true])],
    );
    let selection: LayerSelection = state.settings.selection();
    assert_eq!(selection.tier_share[0], 0.0);
    assert_eq!(selection.tier_share[1], 0.0);
    assert!(selection.tier_share[2] > 0.0);
}

#[test]
fn a_dataset_in_memory_is_opened_by_the_opening_job_and_the_old_one_stays_meanwhile() {
    let mut state = ready();
    let shown = Arc::clone(&state.data.loaded.as_ref().unwrap().dataset);
    let dataset = Arc::new(crate::dataset::sample().unwrap());
    let effects = reduce_all(
        &mut state,
        vec![Action::Show {
            dataset: Arc::clone(&dataset),
            origin: Origin::Memory,
        }],
    );
    assert_eq!(
        effects.work,
        vec![Work::OpenInMemory {
            dataset,
            origin: Origin::Memory
        }]
    );
    // Nothing of the old picture goes before the new one is ready.
    assert!(Arc::ptr_eq(&state.data.loaded.unwrap().dataset, &shown));
    assert!(state.data.engine.is_some() && state.data.grid.is_some());
}
