//! The liquidation map beside the chart, on the same price axis: standing long USD (below
//! price) and short USD (above) per price row at the time of the clusters table (hovered,
//! pinned, or the last bar), with the cumulative curves from the price outward and a USD scale.
//! Its totals cover the rows in view, and say so.

use egui::RichText;
use egui_plot::{Line, Plot, PlotPoints};

use super::chart::price_cursor_group;
use super::chart_layers::draw_last_price;
use super::look::{LONG_COLOR, SHORT_COLOR};
use super::plot_mesh::BarMesh;
use super::state::ViewerState;
use super::time_axis::clock_time;
use crate::render::labels::compact_usd;

/// Draws the liquidation map; `price_range` is the chart's price axis of this frame (the panel
/// is drawn after the chart, so both show the same prices). A plot holds one axis link group,
/// and the chart's is taken by its time axis, which it shares with the bars under it.
pub fn map_ui(ui: &mut egui::Ui, state: &ViewerState, price_range: Option<(f64, f64)>) {
    let selection = state.settings.selection();
    // The clusters' time first, so the map and the table beside it show the same bar.
    let clusters_time_ms = state.data.clusters.as_ref().and_then(|(bar, _)| {
        let engine = state.data.engine.as_ref()?;
        engine.bar_times_ms().get(*bar).copied()
    });
    let column = clusters_time_ms
        .and_then(|t| state.data.column_at(t as f64))
        .or_else(|| {
            state
                .view
                .hover
                .and_then(|h| state.data.column_at(h.time_ms))
        })
        .or_else(|| state.data.last_column());
    let profile = column.and_then(|col| state.data.column_profile(col, &selection));
    let (Some(profile), Some(engine)) = (profile, state.data.engine.as_ref()) else {
        ui.heading("Liquidation map");
        ui.label("waiting for the heatmap…");
        return;
    };
    let close = engine
        .closes()
        .get(profile.bar)
        .copied()
        .unwrap_or(f64::NAN);
    // The column holding the clusters' time is labelled with it, as the table beside it is.
    let time_ms = clusters_time_ms
        .filter(|t| state.data.column_at(*t as f64) == column)
        .or_else(|| engine.bar_times_ms().get(profile.bar).copied())
        .unwrap_or(0);
    ui.heading("Liquidation map");
    ui.label(
        RichText::new(format!(
            "at {}",
            clock_time(time_ms, state.settings.local_time)
        ))
        .small(),
    );
    super::venues_shares::map_shares_ui(ui, state);

    let half = profile.row_height_usd / 2.0;
    let mut long_bars = Vec::new();
    let mut short_bars = Vec::new();
    for ((low, long), short) in profile
        .row_price_low
        .iter()
        .zip(&profile.long_usd)
        .zip(&profile.short_usd)
    {
        if *long > 0.0 {
            long_bars.push([[0.0, *long], [*low, low + profile.row_height_usd]]);
        }
        if *short > 0.0 {
            short_bars.push([[0.0, *short], [*low, low + profile.row_height_usd]]);
        }
    }
    // Cumulative from the price outward: longs summed downward, shorts upward.
    let mut cum_long = Vec::new();
    let mut total_long = 0.0;
    for (low, long) in profile.row_price_low.iter().zip(&profile.long_usd).rev() {
        if *low + profile.row_height_usd <= close || *low <= close {
            total_long += long;
            cum_long.push([total_long, low + half]);
        }
    }
    let mut cum_short = Vec::new();
    let mut total_short = 0.0;
    for (low, short) in profile.row_price_low.iter().zip(&profile.short_usd) {
        if *low + profile.row_height_usd > close {
            total_short += short;
            cum_short.push([total_short, low + half]);
        }
    }
    let max_bar = profile
        .long_usd
        .iter()
        .chain(&profile.short_usd)
        .copied()
        .fold(0.0, f64::max);
    let max_cum = total_long.max(total_short);
    // The curves share the bars' axis, scaled so the larger total spans it.
    let scale = if max_cum > 0.0 {
        max_bar / max_cum
    } else {
        0.0
    };
    let scaled = |points: Vec<[f64; 2]>| -> Vec<[f64; 2]> {
        points.into_iter().map(|[x, y]| [x * scale, y]).collect()
    };
    ui.horizontal(|ui| {
        ui.colored_label(LONG_COLOR, format!("longs {}", compact_usd(total_long)));
        ui.colored_label(SHORT_COLOR, format!("shorts {}", compact_usd(total_short)));
        ui.label("in view")
            .on_hover_text("USD standing in the price rows the chart shows, not the whole map");
    });
    let dark_mode = ui.visuals().dark_mode;
    Plot::new("liquidation_map")
        .link_cursor(price_cursor_group(), [false, true])
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_x(false)
        .show_axes([true, false])
        .x_axis_label(format!("{} per row", state.value_label()))
        .x_axis_formatter(|mark, _| compact_usd(mark.value))
        .show(ui, |plot_ui| {
            let bounds = plot_ui.plot_bounds();
            plot_ui.set_plot_bounds_x(0.0..=(max_bar * 1.05).max(1.0));
            if let Some((low, high)) = price_range {
                plot_ui.set_plot_bounds_y(low..=high);
            }
            plot_ui.add(BarMesh::new("longs", long_bars, LONG_COLOR).with_row_gap());
            plot_ui.add(BarMesh::new("shorts", short_bars, SHORT_COLOR).with_row_gap());
            plot_ui.line(
                Line::new("cumulative longs", PlotPoints::from(scaled(cum_long)))
                    .color(LONG_COLOR.gamma_multiply(0.6))
                    .width(1.5),
            );
            plot_ui.line(
                Line::new("cumulative shorts", PlotPoints::from(scaled(cum_short)))
                    .color(SHORT_COLOR.gamma_multiply(0.6))
                    .width(1.5),
            );
            if close.is_finite() && bounds.is_valid() {
                draw_last_price(plot_ui, close, egui_plot::LineStyle::Solid, dark_mode);
            }
        });
}
