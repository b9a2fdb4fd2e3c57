//! Each venue's share where a coin is summed across venues: in the hover tooltip (the cell's
//! parts, adding up to the cell, and each venue's basis to the reference venue), under the
//! liquidation map (the column's parts) and in the clusters table. Each is one call from the
//! panel that shows it, and draws nothing when one venue is shown.

use egui::RichText;

use super::data::CellInfo;
use super::state::ViewerState;
use super::venues_state::shares_of;
use crate::render::labels::compact_usd;

/// Each venue's USD in the hovered cell, weighted as in the sum (both sides): the parts add up to
/// the cell's `long_usd + short_usd`. `None` when one venue is shown or nothing is hovered.
pub fn hovered_cell_parts_usd(state: &ViewerState) -> Option<Vec<f64>> {
    let view = state.data.venues.as_ref()?;
    let hover = state.view.hover?;
    let grid = state.data.grid.as_ref()?;
    let col = state.data.column_at(hover.time_ms)?;
    let row = grid.request.row_of_price(hover.price)?;
    Some(view.cell_parts_usd(row, col, &state.settings.selection()))
}

/// The tooltip's venue lines: each venue's share of the cell (and its USD), and each venue's
/// basis to the reference venue at the cell's bar.
pub fn cell_shares_ui(ui: &mut egui::Ui, state: &ViewerState, cell: &CellInfo) {
    let (Some(view), Some(parts)) = (&state.data.venues, hovered_cell_parts_usd(state)) else {
        return;
    };
    let names = view.venues.names();
    let shares = shares_of(&parts);
    let lines: Vec<String> = names
        .iter()
        .zip(parts.iter().zip(&shares))
        .filter(|(_, (usd, _))| **usd > 0.0)
        .map(|(name, (usd, share))| {
            format!("{name} {:.0}% ({} USD)", share * 100.0, compact_usd(*usd))
        })
        .collect();
    if !lines.is_empty() {
        ui.label(format!("venues: {}", lines.join(", ")));
    }
    let reference = view.venues.reference();
    let basis: Vec<String> = view
        .venues
        .basis_at(cell.time_ms)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != reference)
        .filter_map(|(_, b)| Some(format!("{} {:+.3}%", b.venue, b.basis_pct?)))
        .collect();
    if !basis.is_empty() {
        let name = names.get(reference).copied().unwrap_or("?");
        ui.label(RichText::new(format!("basis to {name}: {}", basis.join(", "))).small());
    }
}

/// Under the liquidation map: each venue's share of the column the map shows.
pub fn map_shares_ui(ui: &mut egui::Ui, state: &ViewerState) {
    let Some(view) = &state.data.venues else {
        return;
    };
    let column = state
        .view
        .hover
        .and_then(|h| state.data.column_at(h.time_ms))
        .or_else(|| state.data.last_column());
    let Some(col) = column else {
        return;
    };
    let parts = view.column_parts_usd(col, &state.settings.selection());
    let text = view.shares_text(&shares_of(&parts));
    if !text.is_empty() {
        ui.label(RichText::new(format!("venues: {text}")).small());
    }
}

/// The clusters table's venue-share cell of the cluster ranked `rank` (0 first); `None` when one
/// venue is shown.
pub fn cluster_share_text(state: &ViewerState, rank: usize) -> Option<String> {
    state.data.venues.as_ref()?.cluster_shares_text(rank)
}

/// The clusters table's extra column heading, when several venues are shown.
pub fn cluster_share_heading(state: &ViewerState) -> Option<&'static str> {
    state.data.venues.as_ref().map(|_| "venues")
}
