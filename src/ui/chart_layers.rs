//! What the chart draws over the heatmap besides the candles (`candle_mesh`): the last price,
//! real and predicted liquidations, cluster marks, and the hover tooltip. Colours and marker
//! sizes come from the shared theme.

use std::collections::BTreeMap;

use egui::{Align2, Color32, RichText, Stroke};
use egui_plot::{
    HLine, Line, LineStyle, MarkerShape, PlotBounds, PlotPoint, PlotPoints, Points, Polygon, Text,
    VLine,
};

use super::chart_hover::{largest_marker_px, visible_liquidations};
use super::data::{CellInfo, ViewData};
use super::look::{LONG_COLOR, SHORT_COLOR, last_price_colors, side_color};
use super::time_axis::clock_time;
use super::view::Highlight;
use crate::engine::score::LiquidationSeries;
use crate::model::{Dataset, Side};
use crate::render::labels::{compact_usd, human_price};
use crate::render::theme::{LAST_PRICE_RIM_PX, marker_radius_px};

/// The last price as a line across the plot in the theme's colours (`dark_mode` from egui's
/// visuals), over a rim of the opposite lightness so that it shows on every heatmap cell.
pub(super) fn draw_last_price(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    price: f64,
    style: LineStyle,
    dark_mode: bool,
) {
    let (core, rim) = last_price_colors(dark_mode);
    let rim_width = 1.0 + 2.0 * LAST_PRICE_RIM_PX as f32;
    // Dashes of one length along the same span line up, so the rim frames every dash.
    for (color, width) in [(rim, rim_width), (core, 1.0)] {
        plot_ui.hline(
            HLine::new("last price", price)
                .color(color)
                .style(style)
                .width(width)
                .allow_hover(false),
        );
    }
}

pub(super) fn draw_real_liquidations(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    dataset: &Dataset,
    bounds: &PlotBounds,
    height_px: f32,
) {
    let visible = visible_liquidations(dataset, bounds.min()[0], bounds.max()[0]);
    let max_usd = visible.iter().map(|l| l.notional_usd()).fold(0.0, f64::max);
    if max_usd <= 0.0 {
        return;
    }
    // The export's sizes: the area follows the notional. One series per whole-pixel radius, as
    // a series of egui_plot has one radius. The hover tooltip finds circles with the same sizes.
    let largest_px = largest_marker_px(height_px);
    for side in Side::BOTH {
        let mut by_radius: BTreeMap<u32, Vec<[f64; 2]>> = BTreeMap::new();
        for l in visible.iter().filter(|l| l.side == side) {
            let radius = marker_radius_px(l.notional_usd(), max_usd, largest_px).round() as u32;
            by_radius
                .entry(radius)
                .or_default()
                .push([l.time_ms as f64 / 1000.0, l.price]);
        }
        let color = side_color(side);
        let name = format!("real {} liquidations", side.name());
        for (radius, points) in by_radius {
            // As in the export: a translucent disc inside a solid ring.
            for (filled, fill) in [(true, color.gamma_multiply(0.45)), (false, color)] {
                plot_ui.points(
                    Points::new(name.as_str(), PlotPoints::from(points.clone()))
                        .shape(MarkerShape::Circle)
                        .radius(radius as f32)
                        .filled(filled)
                        .color(fill)
                        .allow_hover(false),
                );
            }
        }
    }
}

pub(super) fn draw_predicted(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    predicted: Option<&LiquidationSeries>,
    dataset: &Dataset,
    bounds: &PlotBounds,
) {
    let Some(predicted) = predicted else {
        return;
    };
    let (x0, x1) = (bounds.min()[0] * 1000.0, bounds.max()[0] * 1000.0);
    let first = dataset
        .bars
        .partition_point(|b| (b.open_time_ms as f64) < x0);
    let last = dataset
        .bars
        .partition_point(|b| (b.open_time_ms as f64) <= x1);
    // The bars the series does not store are zeros: no marker.
    let in_view = predicted.within(first..last);
    let max_usd = in_view
        .clone()
        .flat_map(|(_, p)| p.predicted_usd)
        .fold(0.0, f64::max);
    if max_usd <= 0.0 {
        return;
    }
    // At most a few thousand markers: skip the small ones when zoomed far out.
    let floor = if last - first > 3000 {
        max_usd * 0.05
    } else {
        0.0
    };
    // Diamonds with a dark rim, bigger for more USD: they stand out of the heatmap at a glance.
    for side in Side::BOTH {
        let s = side.index();
        let mut by_radius: BTreeMap<u32, Vec<[f64; 2]>> = BTreeMap::new();
        for (i, p) in in_view.clone() {
            let Some(bar) = dataset.bars.get(i) else {
                continue;
            };
            let (Some(&usd), Some(&price)) = (p.predicted_usd.get(s), p.predicted_price.get(s))
            else {
                continue;
            };
            if usd > floor && usd > 0.0 {
                let radius = (PREDICTED_MIN_PX + PREDICTED_GROWTH_PX * (usd / max_usd).sqrt())
                    .round() as u32;
                by_radius
                    .entry(radius)
                    .or_default()
                    .push([bar.open_time_ms as f64 / 1000.0, price]);
            }
        }
        let name = format!("predicted {} liquidations", side.name());
        for (radius, points) in by_radius {
            for (extra, color) in [(1.5, Color32::BLACK), (0.0, side_color(side))] {
                plot_ui.points(
                    Points::new(name.as_str(), PlotPoints::from(points.clone()))
                        .shape(MarkerShape::Diamond)
                        .radius(radius as f32 + extra)
                        .filled(true)
                        .color(color)
                        .allow_hover(false),
                );
            }
        }
    }
}

/// Radius of the smallest predicted marker, points.
const PREDICTED_MIN_PX: f64 = 3.5;
/// How much larger the largest predicted marker in view is, points.
const PREDICTED_GROWTH_PX: f64 = 4.0;

/// The band of the cluster clicked in the table, from its formation to the clusters' bar.
pub(super) fn draw_highlight(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    highlight: &Highlight,
    interval_ms: i64,
) {
    let x0 = highlight.formed_ms as f64 / 1000.0;
    let x1 = (highlight.time_ms + interval_ms) as f64 / 1000.0;
    let (y0, y1) = (highlight.price_low, highlight.price_high);
    let color = side_color(highlight.side);
    plot_ui.polygon(
        Polygon::new(
            "highlighted cluster",
            PlotPoints::from(vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]]),
        )
        .fill_color(color.gamma_multiply(0.25))
        .stroke(Stroke::new(2.0, color))
        .allow_hover(false),
    );
}

/// The pinned time: a vertical line.
pub(super) fn draw_pin(plot_ui: &mut egui_plot::PlotUi<'_>, pinned_ms: i64) {
    plot_ui.vline(
        VLine::new("pinned time", pinned_ms as f64 / 1000.0)
            .color(Color32::from_rgb(200, 200, 120))
            .style(LineStyle::dashed_dense())
            .width(1.5)
            .allow_hover(false),
    );
}

/// Screen points a cluster's USD label needs, with its margins.
const CLUSTER_LABEL_ROOM_PX: f64 = 56.0;

pub(super) fn draw_cluster_marks(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    data: &ViewData,
    dataset: &Dataset,
    bounds: &PlotBounds,
    width_px: f32,
) {
    let Some((bar, clusters)) = &data.clusters else {
        return;
    };
    let Some(at) = dataset.bars.get(*bar) else {
        return;
    };
    let end_s = (at.open_time_ms + dataset.interval_ms) as f64 / 1000.0;
    // A label right of the line's end would be cut by the plot's edge at the newest bars; there
    // it goes inside, ending where the line ends.
    let label_room_s = CLUSTER_LABEL_ROOM_PX * bounds.width() / f64::from(width_px.max(1.0));
    let (label_s, label_anchor) = if end_s + label_room_s <= bounds.max()[0] {
        (end_s, Align2::LEFT_CENTER)
    } else {
        (end_s.min(bounds.max()[0]), Align2::RIGHT_CENTER)
    };
    for cluster in clusters.iter().take(5) {
        let color = side_color(cluster.side);
        let start_s = cluster.formed_time_ms as f64 / 1000.0;
        plot_ui.line(
            Line::new(
                "cluster",
                PlotPoints::from(vec![
                    [start_s, cluster.peak_price],
                    [end_s, cluster.peak_price],
                ]),
            )
            .color(color)
            .style(LineStyle::dashed_dense())
            .width(1.5)
            .allow_hover(false),
        );
        plot_ui.text(
            Text::new(
                "cluster label",
                PlotPoint::new(label_s, cluster.peak_price),
                RichText::new(format!(" {} ", compact_usd(cluster.notional_usd)))
                    .strong()
                    .color(Color32::BLACK)
                    .background_color(color),
            )
            .anchor(label_anchor),
        );
    }
}

/// The hover tooltip: time (on the clock chosen: UTC, or local when `local_time`), price row,
/// long and short USD with tier shares, distance.
pub fn cell_tooltip_ui(
    ui: &mut egui::Ui,
    cell: &CellInfo,
    leverages: &[f64],
    unit: &str,
    local_time: bool,
) {
    ui.label(RichText::new(clock_time(cell.time_ms, local_time)).strong());
    ui.label(format!(
        "price row {} – {} ({:+.2}% from close)",
        human_price(cell.price_low),
        human_price(cell.price_high),
        cell.distance_pct
    ));
    ui.colored_label(
        LONG_COLOR,
        format!("longs  {} {unit}", compact_usd(cell.long_usd)),
    );
    ui.colored_label(
        SHORT_COLOR,
        format!("shorts {} {unit}", compact_usd(cell.short_usd)),
    );
    let total = cell.long_usd + cell.short_usd;
    if total > 0.0 {
        let shares: Vec<String> = leverages
            .iter()
            .zip(&cell.tier_usd)
            .filter(|(_, usd)| **usd > 0.0)
            .map(|(l, usd)| format!("{l}x {:.0}%", usd / total * 100.0))
            .collect();
        ui.label(format!("tiers: {}", shares.join(", ")));
    }
}
