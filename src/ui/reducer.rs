//! The one place where actions change the viewer's state. Each action does the cheapest work
//! that brings the picture up to date: colours only repaint the texture, tiers and sides re-sum
//! the grid's layers, the row height bins the grid again, and only the model settings or new
//! data compute the levels again. Jobs are not started here: they are returned as [`Work`] for
//! the scheduler.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::model::Dataset;
use crate::render::colors::ScaleTop;
use crate::render::labels::compact_usd;
use crate::settings::LeverageTier;

use super::action::{Action, ChartReport, Overlay, Work};
use super::chart_range::{bar_at_time, focus_view, recent_bounds};
use super::data::{Loaded, Origin, ViewData};
use super::state::{ViewerError, ViewerState, describe, describe_symbol};
use super::view::{ClustersAsk, Hover, PendingView, grid_request};

/// What an action asks of the rest of the frame loop.
#[derive(Debug, Default, PartialEq)]
pub struct Effects {
    /// Jobs to start.
    pub work: Vec<Work>,
    /// Whether the window must be drawn again (the state changed what it shows).
    pub repaint: bool,
    /// Draw again after this many seconds (the pointer is resting on a bar).
    pub repaint_after_s: Option<f64>,
}

impl Effects {
    fn work(&mut self, work: Work) {
        if !self.work.contains(&work) {
            self.work.push(work);
        }
        self.repaint = true;
    }
}

/// Applies `actions` in order.
pub fn reduce_all(state: &mut ViewerState, actions: Vec<Action>) -> Effects {
    let mut effects = Effects::default();
    for action in actions {
        reduce(state, action, &mut effects);
    }
    effects
}

/// Applies one action to the state and adds the work it calls for to `effects`.
pub fn reduce(state: &mut ViewerState, action: Action, effects: &mut Effects) {
    if !matches!(action, Action::Chart(_)) {
        effects.repaint = true;
    }
    match action {
        Action::Open(path) => effects.work(Work::Load(path)),
        Action::OpenSample => effects.work(Work::LoadSample),
        Action::Show { dataset, origin } => effects.work(Work::OpenInMemory { dataset, origin }),
        Action::SaveAs(path) => {
            if state.data.loaded.is_some() {
                effects.work(Work::Save(path));
            } else {
                state.errors.push(ViewerError::NothingToSave);
            }
        }
        Action::ExportSnapshot(path) => effects.work(Work::Screenshot(path)),
        Action::Pick(pick) => effects.work(Work::Pick(pick)),
        Action::ShowPathWindow(pick) => state.path_window.show_for(pick, None),
        Action::SetPathWindow { pick, text } => state.path_window.edit(pick, text),
        Action::SubmitPath => {
            if let Some(action) = state.path_window.submit() {
                reduce(state, action, effects);
            }
        }
        Action::ClosePathWindow => state.path_window.open = false,
        Action::ExportAfterPathWindow => {
            if let Some(path) = state.path_window.take_export() {
                effects.work(Work::Screenshot(path));
            }
        }
        Action::SetTierEnabled { tier, on } => {
            if let Some(enabled) = state.settings.tier_enabled.get_mut(tier)
                && *enabled != on
            {
                *enabled = on;
                selection_changed(state, effects);
            }
        }
        Action::SetTierWeight { tier, weight } => {
            if let Some(t) = state.settings.model.tiers.0.get_mut(tier)
                && t.weight != weight
            {
                t.weight = weight;
                // Each tier's levels are computed per unit of notional; the weights only scale
                // the layers when they are summed.
                selection_changed(state, effects);
            }
        }
        Action::AddTier(leverage) => add_tier(state, leverage, effects),
        Action::RemoveTier(tier) => {
            let tiers = &mut state.settings.model.tiers.0;
            if tier < tiers.len() && tiers.len() > 1 {
                tiers.remove(tier);
                if tier < state.settings.tier_enabled.len() {
                    state.settings.tier_enabled.remove(tier);
                }
                model_changed(state, effects);
            }
        }
        Action::ShowTiers(shown) => {
            let mut flags = shown;
            flags.resize(state.settings.model.tiers.0.len(), true);
            if flags != state.settings.tier_enabled {
                state.settings.tier_enabled = flags;
                selection_changed(state, effects);
            }
        }
        Action::SetNewTierLeverage(leverage) => state.new_tier_leverage = leverage,
        Action::SetSides(sides) => {
            if state.settings.sides != sides {
                state.settings.sides = sides;
                selection_changed(state, effects);
            }
        }
        Action::SetModel(model) => {
            if state.settings.model != model {
                state.settings.model = model;
                model_changed(state, effects);
            }
        }
        Action::SetColors(colors) => {
            if state.settings.colors != colors {
                state.settings.colors = colors;
                effects.work(Work::Recolour);
            }
        }
        Action::SetRowHeight(row_height) => {
            if state.settings.row_height != row_height {
                state.settings.row_height = row_height;
                state.view.requested_grid = None;
                state.view.requested_clusters = None;
                want_grid(state, effects);
                want_clusters(state, effects);
            }
        }
        Action::SetClusterParams(params) => {
            if state.settings.clusters != params {
                state.settings.clusters = params;
                state.view.requested_clusters = None;
                want_clusters(state, effects);
            }
        }
        Action::SetOverlay(overlay, on) => {
            let flag = match overlay {
                Overlay::RealLiquidations => &mut state.settings.show_real_liquidations,
                Overlay::PredictedLiquidations => &mut state.settings.show_predicted_liquidations,
                Overlay::ClusterMarks => &mut state.settings.show_cluster_marks,
            };
            *flag = on;
        }
        Action::SetPathInput(text) => state.path_input = text,
        Action::CentreOn { time_ms, price } => state.view.centre_on(time_ms, price),
        Action::ShowBounds(bounds) => state.view.request(PendingView::Bounds(bounds)),
        Action::ResetView => state.view.request(PendingView::Everything),
        Action::Chart(report) => chart_drawn(state, report, effects),
        Action::DismissError => state.errors.clear(),
        Action::SetScoreOpen(open) => state.score.open = Some(open),
        Action::SetScoreAuto(auto) => state.score.auto = auto,
        Action::Score => {
            if state.score_key().is_some() {
                effects.work(Work::Score);
            }
        }
        Action::CancelScore => state.score.cancel.store(true, Ordering::Relaxed),
        Action::SetFetchForm(form) => {
            let venue = form.venue;
            state.remote.form = form;
            if !state.remote.symbols.contains_key(&venue) {
                effects.work(Work::LoadSymbols(venue));
            }
        }
        Action::ShowFetchWindow(open) => state.remote.form.open = open,
        Action::Fetch(request) => {
            // A new fetch replaces the dataset, so live updates of the old one stop.
            stop_live(state);
            cancel_fetch(state);
            state.status = format!("fetching {}…", describe(&request));
            effects.work(Work::Fetch(request));
        }
        Action::CancelFetch => {
            if let Some(request) = cancel_fetch(state) {
                state.errors.push(ViewerError::FetchCancelled {
                    venue: request.venue,
                    what: describe_symbol(&request),
                });
                state.status.clear();
            }
        }
        Action::LoadSymbols(venue) => effects.work(Work::LoadSymbols(venue)),
        Action::Live(true) => {
            stop_live(state);
            if state.can_go_live() {
                effects.work(Work::StartLive);
            } else if state.data.venues.is_some() {
                state.errors.push(ViewerError::NotLiveVenues);
            } else {
                state.errors.push(ViewerError::NotLive);
            }
        }
        Action::Live(false) => stop_live(state),
        Action::OpenMany(paths) => venues::open_many(paths, effects),
        Action::ShowVenues(datasets) => effects.work(Work::Venues(
            super::venues_state::VenuesSource::Memory(datasets),
        )),
        Action::SetVenue { venue, settings } => venues::set_venue(state, venue, settings, effects),
        Action::SaveViewAs(path) => venues::save_view(state, path, effects),
        Action::SetReferenceVenue(venue) => venues::set_reference(state, venue, effects),
        Action::SetFetchCoin(coin) => state.coin_fetch.coin = coin,
        Action::FetchCoin(request) => venues::fetch_coin(state, request, effects),
        Action::CancelCoinFetch => venues::cancel_coin_fetch(state),
        Action::SetLocalTime(local) => state.settings.local_time = local,
        Action::ShowRecent(span_ms) => {
            if let Some(bounds) = state
                .data
                .loaded
                .as_ref()
                .and_then(|l| recent_bounds(&l.dataset, span_ms))
            {
                state.view.request(PendingView::Bounds(bounds));
            }
        }
        Action::PinTime(time_ms) => {
            if state.view.pinned_ms != time_ms {
                state.view.pinned_ms = time_ms;
                state.view.requested_clusters = None;
                want_clusters(state, effects);
            }
        }
        Action::PointerBelowChart(below) => state.view.table_hovered = below,
        Action::FocusCluster(highlight) => {
            if let Some(bounds) = focus_view(state, &highlight) {
                state.view.request(PendingView::Bounds(bounds));
            }
            state.view.highlight = Some(highlight);
        }
        Action::Escape => {
            state.errors.clear();
            state.view.highlight = None;
            if state.view.pinned_ms.take().is_some() {
                state.view.requested_clusters = None;
                want_clusters(state, effects);
            }
        }
        Action::OpenSeveral(paths) => effects.work(Work::OpenSeveral(paths)),
        Action::AddToDataset(path) => {
            if state.data.loaded.is_some() {
                effects.work(Work::AddToDataset(path));
            }
        }
    }
}

/// Shows a dataset read, fetched or built: everything computed from the old one goes, the view
/// shows the whole new one, and its levels are computed.
pub fn show(state: &mut ViewerState, loaded: Loaded, effects: &mut Effects) {
    match &loaded.origin {
        Origin::File(path) => state.settings.remember_file(path.clone()),
        _ => state.settings.last_file = None,
    }
    // Live mode updates the dataset it was started on; another one ends it.
    stop_live(state);
    forget_old_state(state, &loaded.origin);
    state.data = ViewData {
        loaded: Some(loaded),
        ..ViewData::default()
    };
    state.view.reset_for_new_data();
    effects.work(Work::Recolour);
    effects.work(Work::Engine);
}

/// What was set for the dataset shown before goes with it: the errors (a fetch that came back
/// partial keeps its warning), a fixed colour top (another coin's USD would colour this one as
/// one wall), and the path field follows what is shown.
fn forget_old_state(state: &mut ViewerState, origin: &Origin) {
    let partial = matches!(origin, Origin::Fetched(_))
        && matches!(state.errors.last(), Some(ViewerError::PartialFetch { .. }));
    let kept = if partial { state.errors.pop() } else { None };
    state.errors.clear();
    state.errors.extend(kept);
    if let ScaleTop::FixedUsd(usd) = state.settings.colors.top {
        state.settings.colors.top = ScaleTop::default();
        state.status = format!(
            "colour top back to the 99th percentile (the fixed {} USD was set on the previous \
             data)",
            compact_usd(usd)
        );
    }
    state.path_input = match origin {
        Origin::File(path) => path.display().to_string(),
        _ => String::new(),
    };
}

/// Replaces the shown dataset with a newer version of itself (live updates) and keeps the
/// view. When `bars_changed`, the engine is extended in the background: only the new and
/// changed bars are computed again (see `Engine::extended`).
pub fn update_shown(state: &mut ViewerState, dataset: Arc<Dataset>, bars_changed: bool) -> Effects {
    let mut effects = Effects::default();
    let Some(loaded) = &mut state.data.loaded else {
        return effects;
    };
    let old_end = loaded.dataset.time_range_ms().map(|(_, end)| end);
    let new_end = dataset.time_range_ms().map(|(_, end)| end);
    loaded.dataset = dataset;
    grown(state, old_end, new_end, bars_changed, &mut effects);
    effects
}

/// After the shown dataset grew in place: follow the newest bars and extend the engine.
pub fn grown(
    state: &mut ViewerState,
    old_end_ms: Option<i64>,
    new_end_ms: Option<i64>,
    bars_changed: bool,
    effects: &mut Effects,
) {
    if let (Some(old_end_ms), Some(new_end_ms)) = (old_end_ms, new_end_ms) {
        state.view.follow_new_bars(old_end_ms, new_end_ms);
    }
    effects.repaint = true;
    if bars_changed {
        if state.data.engine.is_some() {
            effects.work(Work::ExtendEngine);
        } else {
            effects.work(Work::Engine);
        }
    }
}

fn add_tier(state: &mut ViewerState, leverage: f64, effects: &mut Effects) {
    let tiers = &mut state.settings.model.tiers.0;
    if !(leverage.is_finite() && leverage >= 1.0) || tiers.iter().any(|t| t.leverage == leverage) {
        return;
    }
    let at = tiers.partition_point(|t| t.leverage < leverage);
    tiers.insert(
        at,
        LeverageTier {
            leverage,
            weight: 0.1,
        },
    );
    // The other tiers keep whether they are shown; the new one is.
    let flags = &mut state.settings.tier_enabled;
    flags.insert(at.min(flags.len()), true);
    model_changed(state, effects);
}

/// Tiers, weights of the selection or sides changed: the grid's layers are summed again and
/// recoloured; the clusters (which weigh the layers) are found again. No level moves.
fn selection_changed(state: &mut ViewerState, effects: &mut Effects) {
    state.data.compose(&state.settings.selection());
    resummed(state, effects);
}

/// The composed grid changed: the hovered cell is read again, the texture recoloured and the
/// clusters found again.
fn resummed(state: &mut ViewerState, effects: &mut Effects) {
    let selection = state.settings.selection();
    if let Some(hover) = state.view.hover {
        state.view.hovered_cell = state.data.cell_at(hover.time_ms, hover.price, &selection);
    }
    effects.work(Work::Recolour);
    state.view.requested_clusters = None;
    want_clusters(state, effects);
}

/// The model changed: every level is computed again.
fn model_changed(state: &mut ViewerState, effects: &mut Effects) {
    state.settings.sync_tier_flags();
    if state.data.loaded.is_some() {
        effects.work(Work::Engine);
    }
}

/// Asks for the grid of the window the chart showed last, unless it is asked for already.
pub fn want_grid(state: &mut ViewerState, effects: &mut Effects) {
    let Some(frame) = state.view.frame else {
        return;
    };
    if state.data.engine.is_none() {
        return;
    }
    let Some(request) = grid_request(&frame.bounds, frame.size_pt(), state.settings.row_height)
    else {
        return;
    };
    if state.view.requested_grid != Some(request) {
        state.view.requested_grid = Some(request);
        effects.work(Work::Grid(request));
    }
}

/// Asks for the clusters of the bar the pointer rests on, or of the last bar.
pub fn want_clusters(state: &mut ViewerState, effects: &mut Effects) {
    if state.data.engine.is_none() {
        return;
    }
    let hovered = state
        .view
        .hovered_cell
        .as_ref()
        .filter(|_| state.view.pinned_ms.is_none());
    let bar = match hovered {
        Some(cell) if state.view.requested_clusters.is_none() => Some(cell.bar),
        Some(_) => None,
        None => resting_bar(state),
    };
    if let Some(bar) = bar
        && state.view.requested_clusters != Some(bar)
    {
        state.view.requested_clusters = Some(bar);
        effects.work(Work::Clusters(bar));
    }
}

/// The bar of the clusters when the pointer is not on the chart: the pinned time; the time
/// last hovered while the pointer is below the chart (on its way to the table); or the last bar.
fn resting_bar(state: &ViewerState) -> Option<usize> {
    let dataset = &state.data.loaded.as_ref()?.dataset;
    if let Some(pinned_ms) = state.view.pinned_ms {
        return bar_at_time(dataset, pinned_ms);
    }
    let shown = state.data.clusters.as_ref().map(|(bar, _)| *bar);
    if state.view.table_hovered
        && let Some(bar) = state.view.requested_clusters.or(shown)
    {
        return Some(bar);
    }
    dataset.bars.len().checked_sub(1)
}

fn chart_drawn(state: &mut ViewerState, report: ChartReport, effects: &mut Effects) {
    if let Some(seq) = report.applied {
        state.view.applied(seq);
    }
    state.view.frame = Some(super::view::ChartFrame {
        bounds: report.bounds,
        rect_pt: report.rect_pt,
    });
    state.view.hover = report
        .pointer
        .map(|[time_ms, price]| Hover { time_ms, price });
    let selection = state.settings.selection();
    let cell = state
        .view
        .hover
        .and_then(|h| state.data.cell_at(h.time_ms, h.price, &selection));
    if cell != state.view.hovered_cell {
        state.view.hovered_cell = cell;
        effects.repaint = true;
    }
    want_grid(state, effects);
    if state.data.engine.is_none() {
        return;
    }
    let hovered_bar = state
        .view
        .hovered_cell
        .as_ref()
        .map(|c| c.bar)
        .filter(|_| state.view.pinned_ms.is_none());
    match state.view.clusters_bar_to_ask(hovered_bar, report.now_s) {
        ClustersAsk::Now(bar) => {
            if state.view.requested_clusters != Some(bar) {
                state.view.requested_clusters = Some(bar);
                effects.work(Work::Clusters(bar));
            }
        }
        ClustersAsk::After(wait_s) => {
            effects.repaint_after_s =
                Some(effects.repaint_after_s.map_or(wait_s, |w| w.min(wait_s)));
        }
        ClustersAsk::Nothing => {
            if let Some(bar) = resting_bar(state)
                && state.view.requested_clusters != Some(bar)
            {
                state.view.requested_clusters = Some(bar);
                effects.work(Work::Clusters(bar));
            }
        }
    }
}

/// Cancels the fetch in flight; its result, if it still arrives, is dropped.
fn cancel_fetch(state: &mut ViewerState) -> Option<crate::source::FetchRequest> {
    let running = state.remote.running.take()?;
    running.cancel.cancel();
    Some(running.request)
}

/// Stops live mode, if it is on; its tasks end at their next await.
pub fn stop_live(state: &mut ViewerState) {
    if let Some(live) = state.remote.live.take() {
        live.cancel.cancel();
    }
}

#[path = "venues_reduce.rs"]
pub mod venues;

#[cfg(test)]
#[path = "reducer_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "reducer_chart_tests.rs"]
mod chart_tests;
