//! Under the chart: predicted (levels dying) against real liquidated USD per bar, shorts above
//! zero and longs below, on the chart's time axis.
//!
//! The series is computed in the background whenever the engine or the layer selection changes
//! (see the scheduler). The plot's time axis is linked to the chart's with egui_plot's axis
//! link; the panel is drawn after the chart, so both show the same window in the same frame.

use std::ops::Range;
use std::sync::{Arc, Weak};

use egui::RichText;
use egui_plot::{MarkerShape, Plot, PlotPoints, Points};

use super::action::Action;
use super::chart::time_axis_group;
use super::chart_axes::PRICE_AXIS_WIDTH_PT;
use super::look::{LONG_COLOR, REAL_COLOR, SHORT_COLOR};
use super::plot_mesh::{BarMesh, PlotRect};
use super::state::ViewerState;
use super::time_axis::{clock_offset_s, format_time_label_shifted, time_grid_spacer_shifted};
use crate::engine::Engine;
use crate::engine::score::{BarLiquidations, LiquidationSeries};
use crate::render::labels::compact_usd;

/// Screen points per drawn bar at least: zoomed out, neighbouring bars are summed.
const POINTS_PER_BAR: f32 = 3.0;

/// One drawn column: bars summed over a group of neighbouring bars.
#[derive(Debug, Clone, Copy, Default)]
struct Column {
    time_s: f64,
    width_s: f64,
    sums: BarLiquidations,
}

/// Groups the bars of `first..end` so that at most `max_columns` columns are drawn.
fn columns(
    series: &LiquidationSeries,
    times_ms: &[i64],
    interval_ms: i64,
    range: std::ops::Range<usize>,
    max_columns: usize,
) -> Vec<Column> {
    let group = range.len().div_ceil(max_columns.max(1)).max(1);
    let interval_s = interval_ms as f64 / 1000.0;
    let mut out = Vec::new();
    let mut start = range.start;
    while start < range.end {
        let end = (start + group).min(range.end);
        let mut sums = BarLiquidations::default();
        // The bars not stored are zeros, which add nothing.
        for (_, bar) in series.within(start..end) {
            for side in 0..2 {
                if let (Some(p), Some(r), Some(bp), Some(br)) = (
                    sums.predicted_usd.get_mut(side),
                    sums.real_usd.get_mut(side),
                    bar.predicted_usd.get(side),
                    bar.real_usd.get(side),
                ) {
                    *p += bp;
                    *r += br;
                }
            }
        }
        let open_s = times_ms.get(start).map_or(0.0, |&t| t as f64 / 1000.0);
        let width_s = (end - start) as f64 * interval_s;
        out.push(Column {
            time_s: open_s + width_s / 2.0,
            width_s,
            sums,
        });
        start = end;
    }
    out
}

/// What the drawn columns are computed from: the series and the engine whose bar times place it
/// (both by identity: a weak handle keeps the address from being reused), the bars in view and
/// how many columns fit.
#[derive(Debug, Clone)]
struct ColumnsKey {
    series: Weak<LiquidationSeries>,
    engine: Weak<Engine>,
    bars: Range<usize>,
    max_columns: usize,
}

impl PartialEq for ColumnsKey {
    fn eq(&self, other: &Self) -> bool {
        Weak::ptr_eq(&self.series, &other.series)
            && Weak::ptr_eq(&self.engine, &other.engine)
            && self.bars == other.bars
            && self.max_columns == other.max_columns
    }
}

/// The columns last drawn, kept in egui's memory between frames: summing every bar in view
/// each frame was about 8% of an idle frame with a year in view.
#[derive(Debug, Clone)]
struct ColumnsMemo {
    key: ColumnsKey,
    columns: Arc<Vec<Column>>,
}

/// The columns for `key`: the memo's when it was made for the same key, else `compute`'s.
fn memoised_columns(
    memo: Option<ColumnsMemo>,
    key: ColumnsKey,
    compute: impl FnOnce() -> Vec<Column>,
) -> ColumnsMemo {
    match memo {
        Some(memo) if memo.key == key => memo,
        _ => ColumnsMemo {
            key,
            columns: Arc::new(compute()),
        },
    }
}

/// Draws predicted against real liquidated USD per bar under the chart; `time_range_s` is the
/// chart's window of this frame (seconds).
pub fn liquidation_bars_ui(
    ui: &mut egui::Ui,
    state: &ViewerState,
    time_range_s: Option<(f64, f64)>,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        let mut score_open = state.score.is_open();
        if ui.toggle_value(&mut score_open, "Score panel").changed() {
            actions.push(Action::SetScoreOpen(score_open));
        }
        // Cut to the panel (the whole line on hover): a wider line widened the plot under it
        // over the liquidation map beside the chart.
        ui.add(
            egui::Label::new(
                RichText::new(
                    "Liquidated USD per bar: predicted (bars; shorts above zero, longs below) \
                     against real (circles)",
                )
                .small(),
            )
            .truncate(),
        );
    });
    let (Some(engine), Some(series)) = (&state.data.engine, &state.liquidation_bars.series) else {
        ui.spinner();
        return;
    };
    let times = engine.bar_times_ms();
    let interval_ms = engine.interval_ms();
    let (x0, x1) = time_range_s.unwrap_or_else(|| {
        let first = times.first().map_or(0.0, |&t| t as f64 / 1000.0);
        let last = times
            .last()
            .map_or(1.0, |&t| (t + interval_ms) as f64 / 1000.0);
        (first, last)
    });
    let first = times.partition_point(|&t| ((t + interval_ms) as f64 / 1000.0) < x0);
    let end = times.partition_point(|&t| (t as f64 / 1000.0) <= x1);
    let key = ColumnsKey {
        series: Arc::downgrade(series),
        engine: Arc::downgrade(engine),
        bars: first..end.max(first),
        max_columns: (ui.available_width() / POINTS_PER_BAR).max(1.0) as usize,
    };
    let memo_id = egui::Id::unique("liqmap-liquidation-bars-columns");
    let held = ui.data(|d| d.get_temp::<ColumnsMemo>(memo_id));
    let memo = memoised_columns(held, key.clone(), || {
        columns(
            series,
            times,
            interval_ms,
            key.bars.clone(),
            key.max_columns,
        )
    });
    let drawn = Arc::clone(&memo.columns);
    ui.data_mut(|d| d.insert_temp(memo_id, memo));
    // The chart's clock, so both time axes read alike.
    let offset_s = clock_offset_s(state.settings.local_time, (x0 + x1) / 2.0 * 1000.0);
    plot_ui(ui, &drawn, (x0, x1), time_range_s.is_none(), offset_s);
}

fn plot_ui(
    ui: &mut egui::Ui,
    drawn: &[Column],
    (x0, x1): (f64, f64),
    unlinked: bool,
    offset_s: i32,
) {
    let top_usd = drawn
        .iter()
        .flat_map(|c| c.sums.predicted_usd.into_iter().chain(c.sums.real_usd))
        .fold(0.0, f64::max);
    let bars = |side: usize, sign: f64| -> Vec<PlotRect> {
        drawn
            .iter()
            .filter_map(|c| {
                let usd = *c.sums.predicted_usd.get(side)?;
                let half_s = c.width_s * 0.4;
                (usd > 0.0).then_some([[c.time_s - half_s, c.time_s + half_s], [0.0, sign * usd]])
            })
            .collect()
    };
    let real: Vec<[f64; 2]> = drawn
        .iter()
        .flat_map(|c| {
            let long = c.sums.real_usd.first().copied().unwrap_or(0.0);
            let short = c.sums.real_usd.get(1).copied().unwrap_or(0.0);
            [(-long, long > 0.0), (short, short > 0.0)]
                .into_iter()
                .filter(|&(_, any)| any)
                .map(move |(usd, _)| [c.time_s, usd])
        })
        .collect();
    // The axis on the right as wide as the chart's, so the times line up.
    Plot::new("liquidation_bars")
        .link_axis(time_axis_group(), [true, false])
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .y_axis_position(egui_plot::HPlacement::Right)
        .y_axis_min_width(PRICE_AXIS_WIDTH_PT)
        .x_axis_formatter(move |mark, range| format_time_label_shifted(mark, range, offset_s))
        .x_grid_spacer(move |input| time_grid_spacer_shifted(input, offset_s))
        .y_axis_formatter(|mark, _| compact_usd(mark.value.abs()))
        .show(ui, |plot_ui| {
            if unlinked {
                // No chart this frame (no data yet): the whole series.
                plot_ui.set_plot_bounds_x(x0..=x1);
            }
            let top = (top_usd * 1.1).max(1.0);
            plot_ui.set_plot_bounds_y(-top..=top);
            plot_ui.add(BarMesh::new(
                "predicted long liquidations",
                bars(0, -1.0),
                LONG_COLOR,
            ));
            plot_ui.add(BarMesh::new(
                "predicted short liquidations",
                bars(1, 1.0),
                SHORT_COLOR,
            ));
            plot_ui.points(
                Points::new("real liquidations", PlotPoints::from(real))
                    .shape(MarkerShape::Circle)
                    .radius(3.5)
                    .filled(false)
                    .color(REAL_COLOR),
            );
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_sum_groups_of_bars() {
        let series: Vec<BarLiquidations> = (0..5)
            .map(|i| BarLiquidations {
                predicted_usd: [i as f64, 1.0],
                real_usd: [0.0, i as f64 * 10.0],
                ..BarLiquidations::default()
            })
            .collect();
        let series = LiquidationSeries::from_dense(&series);
        let times: Vec<i64> = (0..5).map(|i| i * 60_000).collect();
        // Five bars in at most two columns: groups of three, then two.
        let drawn = columns(&series, &times, 60_000, 0..5, 2);
        assert_eq!(drawn.len(), 2);
        assert_eq!(drawn[0].sums.predicted_usd, [3.0, 3.0]);
        assert_eq!(drawn[1].sums.real_usd, [0.0, 70.0]);
        assert_eq!((drawn[0].time_s, drawn[0].width_s), (90.0, 180.0));
        assert_eq!((drawn[1].time_s, drawn[1].width_s), (240.0, 120.0));
    }

    /// Each column's place and sums, to be compared to the bit.
    fn sum_bits(drawn: &[Column]) -> Vec<[u64; 6]> {
        drawn
            .iter()
            .map(|c| {
                let [pl, ps] = c.sums.predicted_usd.map(f64::to_bits);
                let [rl, rs] = c.sums.real_usd.map(f64::to_bits);
                [c.time_s.to_bits(), c.width_s.to_bits(), pl, ps, rl, rs]
            })
            .collect()
    }

    #[test]
    fn memoised_columns_follow_the_view_and_the_data() {
        use crate::engine::score::liquidation_series;
        let data = crate::dataset::sample().expect("the bundled sample");
        let engine = Arc::new(
            Engine::new(&data, &crate::settings::ModelSettings::default()).expect("engine"),
        );
        let mut selection = engine.default_selection();
        let all = Arc::new(liquidation_series(&engine, &data, &selection));
        selection.sides = [true, false];
        let longs = Arc::new(liquidation_series(&engine, &data, &selection));
        assert_ne!(all, longs, "hiding the shorts changes the series");
        let (times, interval) = (engine.bar_times_ms(), engine.interval_ms());
        let key = |series: &Arc<LiquidationSeries>, bars: Range<usize>, max_columns| ColumnsKey {
            series: Arc::downgrade(series),
            engine: Arc::downgrade(&engine),
            bars,
            max_columns,
        };
        let n = times.len();
        let mut memo: Option<ColumnsMemo> = None;
        let mut computed = 0;
        // Each view in turn: the first, a pan, a narrower panel, other data, the same again.
        let views = [
            (&all, 0..n, 300, true),
            (&all, 0..n, 300, false),
            (&all, 10..n - 5, 300, true),
            (&all, 10..n - 5, 90, true),
            (&longs, 10..n - 5, 90, true),
            (&longs, 10..n - 5, 90, false),
            (&all, 10..n - 5, 90, true),
        ];
        for (series, bars, max_columns, computes) in views {
            let direct = columns(series, times, interval, bars.clone(), max_columns);
            let view = key(series, bars.clone(), max_columns);
            let next = memoised_columns(memo.take(), view, || {
                computed += 1;
                columns(series, times, interval, bars, max_columns)
            });
            assert_eq!(sum_bits(&next.columns), sum_bits(&direct));
            assert_eq!(
                computed > 0,
                computes,
                "recomputed exactly when the view changed"
            );
            computed = 0;
            memo = Some(next);
        }
    }
}
