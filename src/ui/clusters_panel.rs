//! The ranked clusters at the hovered time, the pinned time or the last bar; clicking one zooms
//! the chart to its band and the price of that time, and highlights the band.

use egui::RichText;

use super::action::Action;
use super::look::side_color;
use super::state::ViewerState;
use super::time_axis::clock_time;
use super::view::Highlight;
use crate::render::labels::{compact_usd, human_price};

/// How many clusters the table lists.
const ROWS: usize = 12;

/// Draws the cluster table.
pub fn clusters_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    // The panel keeps the size of what it holds: claim all of it, or a first frame with little
    // to show ("computing…") would shrink the table to a few rows for good.
    ui.set_min_height(ui.available_height());
    let Some((bar, clusters)) = &state.data.clusters else {
        ui.heading("Clusters");
        ui.label("computing…");
        return;
    };
    let time_ms = state
        .data
        .engine
        .as_ref()
        .and_then(|e| e.bar_times_ms().get(*bar).copied())
        .unwrap_or(0);
    let local = state.settings.local_time;
    let last_bar = state
        .data
        .loaded
        .as_ref()
        .and_then(|l| l.dataset.bars.len().checked_sub(1));
    let why = if state.view.pinned_ms.is_some() {
        "pinned (Escape unpins)"
    } else if state.view.hover.is_some() {
        "hovered"
    } else if Some(*bar) == last_bar {
        "last bar (hover the chart to move in time, click it to pin)"
    } else {
        "last hovered"
    };
    ui.horizontal(|ui| {
        ui.heading("Clusters");
        ui.label(format!("at {} · {why}", clock_time(time_ms, local)));
    });
    if clusters.is_empty() {
        ui.label("nothing stands out of the map at this time");
        return;
    }
    let leverages: Vec<f64> = state.settings.leverages();
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("cluster_table")
            .striped(true)
            .num_columns(7)
            .show(ui, |ui| {
                for head in [
                    "#",
                    "side · price range",
                    state.value_label(),
                    "distance",
                    "peak",
                    "formed",
                    "tiers",
                ] {
                    ui.label(RichText::new(head).strong());
                }
                if let Some(head) = super::venues_shares::cluster_share_heading(state) {
                    ui.label(RichText::new(head).strong());
                }
                ui.end_row();
                for (rank, cluster) in clusters.iter().take(ROWS).enumerate() {
                    let color = side_color(cluster.side);
                    ui.label(format!("{}", rank + 1));
                    let label = format!(
                        "{} {} – {}",
                        cluster.side.name(),
                        human_price(cluster.price_low),
                        human_price(cluster.price_high)
                    );
                    let highlight = Highlight {
                        time_ms,
                        formed_ms: cluster.formed_time_ms,
                        price_low: cluster.price_low,
                        price_high: cluster.price_high,
                        side: cluster.side,
                    };
                    let selected = state.view.highlight == Some(highlight);
                    if ui
                        .selectable_label(selected, RichText::new(label).color(color))
                        .on_hover_text("show this band and the price of this time, highlighted")
                        .clicked()
                    {
                        actions.push(Action::FocusCluster(highlight));
                    }
                    ui.label(compact_usd(cluster.notional_usd));
                    ui.label(format!("{:+.2}%", cluster.distance_pct));
                    ui.label(human_price(cluster.peak_price));
                    ui.label(clock_time(cluster.formed_time_ms, local));
                    let tiers: Vec<String> = leverages
                        .iter()
                        .zip(&cluster.tier_share)
                        .filter(|(_, s)| **s >= 0.005)
                        .map(|(l, s)| format!("{l}x {:.0}%", s * 100.0))
                        .collect();
                    ui.label(tiers.join(" "));
                    if let Some(shares) = super::venues_shares::cluster_share_text(state, rank) {
                        ui.label(shares);
                    }
                    ui.end_row();
                }
            });
    });
}
