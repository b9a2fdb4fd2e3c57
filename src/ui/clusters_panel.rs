//! The ranked clusters at the hovered time (or the last bar); clicking one centres the chart.

use egui::RichText;

use super::action::Action;
use super::look::side_color;
use super::state::ViewerState;
use crate::render::labels::{compact_usd, human_price};
use crate::time::format_time_ms;

/// How many clusters the table lists.
const ROWS: usize = 12;

/// Draws the cluster table.
pub fn clusters_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
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
    ui.horizontal(|ui| {
        ui.heading("Clusters");
        ui.label(format!(
            "at {} (hover the chart to move in time)",
            format_time_ms(time_ms)
        ));
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
                    "USD",
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
                    if ui
                        .selectable_label(false, RichText::new(label).color(color))
                        .on_hover_text("centre the chart on this cluster")
                        .clicked()
                    {
                        actions.push(Action::CentreOn {
                            time_ms,
                            price: cluster.peak_price,
                        });
                    }
                    ui.label(compact_usd(cluster.notional_usd));
                    ui.label(format!("{:+.2}%", cluster.distance_pct));
                    ui.label(human_price(cluster.peak_price));
                    ui.label(format_time_ms(cluster.formed_time_ms));
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
