//! The liquidation map beside the chart, on the same price axis: standing long USD (below
//! price) and short USD (above) per price row at the time of the clusters table (hovered,
//! pinned, or the last bar), with the cumulative curves from the price outward and a USD scale.
//! Its totals cover the rows in view, and say so.

use egui::RichText;
use egui_plot::{AxisHints, GridInput, GridMark, Line, Plot, PlotPoints};

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
    // Wrapped, so that a narrow panel keeps the plot inside it: a row wider than the panel
    // widened the plot past its edge, where the USD labels were cut off.
    ui.horizontal_wrapped(|ui| {
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
        .grid_spacing(GRID_SPACING_POINTS)
        .x_grid_spacer(usd_marks)
        .custom_x_axes(vec![
            AxisHints::new_x()
                .label(format!("{} per row", state.value_label()))
                .formatter(|mark, _| compact_usd(mark.value))
                // Every mark `usd_marks` gives is far enough apart to be labelled in full.
                .label_spacing(LABEL_GAP_POINTS - 1.0..=LABEL_GAP_POINTS),
        ])
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

/// The plot's grid spacing, points: the spacer learns the points per USD from its smallest step.
const GRID_SPACING_POINTS: egui::Rangef = egui::Rangef {
    min: 8.0,
    max: 300.0,
};

/// The least distance between two USD labels, points: room for the widest ("12.5M") and a gap.
const LABEL_GAP_POINTS: f32 = 44.0;

/// Half the widest label, points: a label centred nearer the plot's right edge is cut off.
const LABEL_HALF_WIDTH_POINTS: f64 = 20.0;

/// The USD axis's marks: multiples of the smallest step of 1, 2 or 5 times a power of ten whose
/// labels stand [`LABEL_GAP_POINTS`] apart, up to where a label still fits. egui_plot's default
/// steps grow tenfold, so in a narrow panel the only step wide enough to label was often above
/// the largest bar, and the axis read "0" alone. Too narrow for "0" and one more label, the
/// largest round value that fits is labelled alone.
fn usd_marks(input: GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    let usd_per_point = input.base_step_size / f64::from(GRID_SPACING_POINTS.min);
    if !(usd_per_point > 0.0 && usd_per_point.is_finite() && high > low) {
        return Vec::new();
    }
    let last = high - usd_per_point * LABEL_HALF_WIDTH_POINTS;
    let step = round_step_at_least(usd_per_point * f64::from(LABEL_GAP_POINTS));
    if step <= last {
        let first = (low.max(0.0) / step).ceil() as i64;
        let count = (last / step).floor() as i64;
        return (first..=count)
            .map(|k| GridMark {
                value: k as f64 * step,
                step_size: step,
            })
            .collect();
    }
    match round_value_at_most(last) {
        // The whole width as its step: egui_plot labels a mark whose step has room for it.
        Some(value) if value > low => vec![GridMark {
            value,
            step_size: high - low,
        }],
        _ => Vec::new(),
    }
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least `usd` (above 0).
fn round_step_at_least(usd: f64) -> f64 {
    let power = 10f64.powf(usd.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= usd * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// The largest of 1, 2 or 5 times a power of ten that is at most `usd`; `None` at or below 0.
fn round_value_at_most(usd: f64) -> Option<f64> {
    if !(usd > 0.0 && usd.is_finite()) {
        return None;
    }
    let power = 10f64.powf(usd.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * power)
        .find(|value| *value <= usd * (1.0 + 1e-9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(round_step_at_least(0.7e6), 1e6);
        assert_eq!(round_step_at_least(1e6), 1e6);
        assert_eq!(round_step_at_least(1.2e6), 2e6);
        assert_eq!(round_step_at_least(3e5), 5e5);
        assert_eq!(round_step_at_least(6e5), 1e6);
        assert_eq!(round_value_at_most(4.9e6), Some(2e6));
        assert_eq!(round_value_at_most(5e6), Some(5e6));
        assert_eq!(round_value_at_most(1.9e3), Some(1e3));
        assert_eq!(round_value_at_most(0.0), None);
    }

    /// A plot `width` points wide over 0..`top` USD, as egui_plot asks the spacer.
    fn marks(top: f64, width: f64) -> Vec<f64> {
        let input = GridInput {
            bounds: (0.0, top),
            base_step_size: top / width * f64::from(GRID_SPACING_POINTS.min),
        };
        usd_marks(input).into_iter().map(|m| m.value).collect()
    }

    #[test]
    fn a_narrow_plot_gets_fewer_round_marks_not_none() {
        // 5.25M over 140 points: 44 points are 1.65M, so steps of 2M; a label centred at 4M
        // (107 points) ends before the edge.
        assert_eq!(marks(5.25e6, 140.0), vec![0.0, 2e6, 4e6]);
        // 5.25M over 400 points: 44 points are 0.58M, so steps of 1M; 5M sits at 381 points,
        // where a label 40 points wide would end at 401, past the edge.
        assert_eq!(marks(5.25e6, 400.0), vec![0.0, 1e6, 2e6, 3e6, 4e6]);
        // 5.25M over 60 points: 44 points are 3.85M, so a 5M step, past the last place a label
        // fits (5.25M less 20 points, 3.5M): 2M alone.
        assert_eq!(marks(5.25e6, 60.0), vec![2e6]);
    }
}
