//! The chart: the heatmap texture under the candles, the last price, real and predicted
//! liquidations, cluster marks, navigation, and the hover tooltip. It draws; it never computes
//! the grid (that runs in the background when the visible window changes).

use egui::{Align2, Color32, Id, Key, RichText, Stroke, Vec2};
use egui_plot::{
    BoxElem, BoxPlot, BoxSpread, HLine, Line, LineStyle, MarkerShape, Plot, PlotBounds, PlotImage,
    PlotPoint, PlotPoints, PlotTransform, Points, Text,
};

use super::app::LiqmapApp;
use super::data::CellInfo;
use super::settings::RowHeight;
use super::time_axis::{format_time_label, time_grid_spacer};
use crate::engine::GridRequest;
use crate::engine::score::BarLiquidations;
use crate::model::{Dataset, Side};
use crate::render::candles::candles_for_width;
use crate::render::labels::{compact_usd, human_price};
use crate::time::format_time_ms;

/// Candle colours (TradingView's), readable on dark and light backgrounds.
pub const UP_COLOR: Color32 = Color32::from_rgb(38, 166, 154);
/// Colour of a down candle.
pub const DOWN_COLOR: Color32 = Color32::from_rgb(239, 83, 80);
/// Colour of long liquidations (levels below price).
pub const LONG_COLOR: Color32 = Color32::from_rgb(255, 140, 60);
/// Colour of short liquidations (levels above price).
pub const SHORT_COLOR: Color32 = Color32::from_rgb(80, 170, 255);

/// The id that links the chart's price axis with the liquidation map's.
pub fn price_axis_group() -> Id {
    Id::unique("liqmap-price-axis")
}

/// Most rows a grid may have, whatever the row height setting: the heatmap texture must fit the
/// 2048-pixel limit that every wgpu backend, software renderers included, guarantees.
const MAX_GRID_ROWS: usize = 2048;
/// Most columns a grid may have (the same texture limit).
const MAX_GRID_COLUMNS: usize = 2048;

/// The pointer over the chart, in data units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hover {
    /// Time, epoch ms.
    pub time_ms: f64,
    /// Price, USD.
    pub price: f64,
}

/// What the chart remembers between frames.
#[derive(Debug, Default)]
pub struct ChartMemory {
    /// Bounds to apply at the next frame (centre on a cluster, keys).
    pub pending_bounds: Option<PlotBounds>,
    /// Show the whole dataset at the next frame.
    pub reset_requested: bool,
    /// The grid window asked for last.
    pub requested_grid: Option<GridRequest>,
    /// The bar whose clusters were asked for last.
    pub requested_clusters: Option<usize>,
    /// The pointer over the chart, if any.
    pub hover: Option<Hover>,
    /// The heatmap cell under the pointer.
    pub hovered_cell: Option<CellInfo>,
    /// The plot's transform at the last frame (plot to screen), for tests and overlays.
    pub transform: Option<PlotTransform>,
    /// The bounds shown at the last frame.
    pub bounds: Option<PlotBounds>,
    /// The hovered bar and since when (egui time, seconds) the pointer has been on it.
    hover_rest: Option<(usize, f64)>,
}

/// Whether to ask for the clusters of the hovered bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClustersAsk {
    /// Ask for this bar's clusters now.
    Now(usize),
    /// The pointer is still moving: look again after this many seconds.
    After(f64),
    /// Nothing is hovered.
    Nothing,
}

/// How long the pointer rests on a bar before its clusters are asked for: a pointer sweeping
/// across a year of bars would otherwise keep a core busy with clusters nobody reads.
pub const HOVER_REST_S: f64 = 0.08;

impl ChartMemory {
    /// Forgets everything tied to the previous dataset.
    pub fn reset_for_new_data(&mut self) {
        *self = ChartMemory {
            reset_requested: true,
            ..ChartMemory::default()
        };
    }

    /// Keeps the zoom and moves the view so the time and price are in the middle.
    pub fn centre_on(&mut self, time_ms: i64, price: f64) {
        let Some(mut bounds) = self.bounds else {
            return;
        };
        bounds.set_x_center_width(time_ms as f64 / 1000.0, bounds.width());
        bounds.set_y_center_height(price, bounds.height());
        self.pending_bounds = Some(bounds);
    }

    /// Live mode: when the data grew from `old_end_ms` to `new_end_ms` and the view reaches the
    /// old end (the user watches the newest bars), moves the view by as much time, keeping the
    /// zoom. A view left on older history stays where it is.
    pub fn follow_new_bars(&mut self, old_end_ms: i64, new_end_ms: i64) {
        let Some(mut bounds) = self.pending_bounds.or(self.bounds) else {
            return;
        };
        if new_end_ms <= old_end_ms || bounds.max()[0] * 1000.0 < old_end_ms as f64 {
            return;
        }
        bounds.translate_x((new_end_ms - old_end_ms) as f64 / 1000.0);
        self.pending_bounds = Some(bounds);
    }

    /// Whether the clusters of the hovered bar are waiting for the pointer to rest.
    pub fn is_waiting_for_rest(&self) -> bool {
        self.hover_rest
            .is_some_and(|(bar, _)| self.requested_clusters != Some(bar))
    }

    /// Decides whether the clusters of `hovered_bar` are asked for at `now_s` (egui time):
    /// once the pointer has rested on the bar for [`HOVER_REST_S`].
    pub fn clusters_bar_to_ask(&mut self, hovered_bar: Option<usize>, now_s: f64) -> ClustersAsk {
        let Some(bar) = hovered_bar else {
            self.hover_rest = None;
            return ClustersAsk::Nothing;
        };
        let since_s = match self.hover_rest {
            Some((rested_bar, since_s)) if rested_bar == bar => since_s,
            _ => {
                self.hover_rest = Some((bar, now_s));
                now_s
            }
        };
        let rested_s = now_s - since_s;
        if rested_s >= HOVER_REST_S {
            ClustersAsk::Now(bar)
        } else {
            ClustersAsk::After(HOVER_REST_S - rested_s)
        }
    }

    /// Shows the whole dataset at the next frame.
    pub fn reset_view(&mut self) {
        self.reset_requested = true;
    }

    /// Screen position of a time and price at the last frame.
    pub fn screen_pos(&self, time_ms: f64, price: f64) -> Option<egui::Pos2> {
        self.transform
            .as_ref()
            .map(|t| t.position_from_point(&PlotPoint::new(time_ms / 1000.0, price)))
    }
}

/// The whole dataset: its time span and price range with a margin.
fn full_bounds(dataset: &Dataset) -> Option<PlotBounds> {
    let (start_ms, end_ms) = dataset.time_range_ms()?;
    let (low, high) = dataset.price_range()?;
    let pad = (high - low).max(high.abs() * 0.001) * 0.05;
    let span_s = (end_ms - start_ms) as f64 / 1000.0;
    Some(PlotBounds::from_min_max(
        [start_ms as f64 / 1000.0, low - pad],
        [end_ms as f64 / 1000.0 + span_s * 0.02, high + pad],
    ))
}

/// The grid window for the visible bounds at the plot's pixel size.
fn grid_request(bounds: &PlotBounds, size: Vec2, row_height: RowHeight) -> Option<GridRequest> {
    let [x0, y0] = bounds.min();
    let [x1, y1] = bounds.max();
    if !(bounds.is_valid() && x1 > x0 && y1 > y0) {
        return None;
    }
    // Columns in steps of 16 pixels: a panel one pixel wider does not re-bin the heatmap.
    let columns = ((size.x / 16.0).round() as usize * 16).clamp(16, MAX_GRID_COLUMNS);
    let span = y1 - y0;
    let step = match row_height {
        // About two screen points a row: zooming in gives finer rows.
        RowHeight::Automatic => span / ((size.y / 2.0).round() as f64).clamp(16.0, 800.0),
        RowHeight::FixedUsd(step) if step > 0.0 => step.max(span / MAX_GRID_ROWS as f64),
        RowHeight::FixedUsd(_) => span / 300.0,
    };
    // Rows start at a multiple of the step, so a row is the same price band at every zoom.
    let price_low = (y0 / step).floor() * step;
    let rows = (((y1 - price_low) / step).ceil() as usize).clamp(1, MAX_GRID_ROWS);
    Some(GridRequest {
        start_ms: (x0 * 1000.0).floor() as i64,
        end_ms: (x1 * 1000.0).ceil() as i64,
        columns,
        price_low,
        price_high: price_low + rows as f64 * step,
        rows,
    })
}

/// Draws the chart and handles its navigation and hover.
pub fn chart_ui(ui: &mut egui::Ui, app: &mut LiqmapApp) {
    let Some(loaded) = app.data.loaded.clone() else {
        ui.centered_and_justified(|ui| {
            ui.spinner();
        });
        return;
    };
    let dataset = &loaded.dataset;
    let full = full_bounds(dataset);
    let reset = std::mem::take(&mut app.chart.reset_requested);
    let pending = app.chart.pending_bounds.take();
    let keyboard_free = !ui.ctx().egui_wants_keyboard_input();
    let selection = app.settings.selection();
    let texture = app.texture().map(|t| t.id());
    let grid_rect = app.data.grid.as_ref().map(|g| g.request);
    let settings = &app.settings;
    let data = &app.data;
    // The series under the chart has the predicted liquidations too: one pass feeds both.
    let predicted = app.liquidation_bars.series().unwrap_or(&[]);
    let size = ui.available_size();

    let plot = Plot::new("chart")
        .link_axis(price_axis_group(), [false, true])
        .link_cursor(price_axis_group(), [false, true])
        .allow_axis_zoom_drag(true)
        .allow_boxed_zoom(true)
        .allow_double_click_reset(false)
        // The wheel zooms (as on trading charts) instead of panning; see `zoom_with_wheel`.
        .allow_scroll(false)
        // Crosshair rulers; the values are in our own tooltip, not egui_plot's.
        .show_crosshair(true)
        .show_x(true)
        .show_y(true)
        .x_axis_formatter(|mark, range| format_time_label(mark.value, range))
        .x_grid_spacer(time_grid_spacer)
        .y_axis_label("USD")
        .y_axis_min_width(48.0);
    let response = plot.show(ui, |plot_ui| {
        if reset && let Some(full) = full {
            plot_ui.set_plot_bounds(full);
        } else if let Some(bounds) = pending {
            plot_ui.set_plot_bounds(bounds);
        }
        let hovered = plot_ui.response().hovered();
        if plot_ui.response().double_clicked()
            && let Some(full) = full
        {
            plot_ui.set_plot_bounds(full);
        }
        if hovered {
            zoom_with_wheel(plot_ui);
        }
        if hovered && keyboard_free {
            navigate_with_keys(plot_ui, full);
        }
        let bounds = plot_ui.plot_bounds();

        if let (Some(texture), Some(request)) = (texture, grid_rect) {
            let start_s = request.start_ms as f64 / 1000.0;
            let end_s = request.end_ms as f64 / 1000.0;
            plot_ui.image(PlotImage::new(
                "heatmap",
                texture,
                PlotPoint::new(
                    (start_s + end_s) / 2.0,
                    (request.price_low + request.price_high) / 2.0,
                ),
                Vec2::new(
                    (end_s - start_s) as f32,
                    (request.price_high - request.price_low) as f32,
                ),
            ));
        }
        draw_candles(plot_ui, dataset, &bounds, size.x);
        if let Some(last) = dataset.bars.last() {
            plot_ui.hline(
                HLine::new(format!("last {}", last.close), last.close)
                    .color(Color32::from_gray(200))
                    .style(LineStyle::dashed_loose())
                    .width(1.0),
            );
            plot_ui.text(
                Text::new(
                    "last price",
                    PlotPoint::new(bounds.max()[0], last.close),
                    RichText::new(format!(" {} ", human_price(last.close)))
                        .strong()
                        .background_color(Color32::from_black_alpha(180))
                        .color(Color32::WHITE),
                )
                .anchor(Align2::RIGHT_BOTTOM),
            );
        }
        if settings.show_real_liquidations {
            draw_real_liquidations(plot_ui, dataset, &bounds);
        }
        if settings.show_predicted_liquidations {
            draw_predicted(plot_ui, predicted, dataset, &bounds);
        }
        if settings.show_cluster_marks {
            draw_cluster_marks(plot_ui, data, dataset, &bounds, size.x);
        }
        (bounds, plot_ui.pointer_coordinate().filter(|_| hovered))
    });
    let (bounds, pointer) = response.inner;
    app.chart.transform = Some(response.transform);
    app.chart.bounds = Some(bounds);
    app.chart.hover = pointer.map(|p| Hover {
        time_ms: p.x * 1000.0,
        price: p.y,
    });
    app.chart.hovered_cell = app
        .chart
        .hover
        .and_then(|h| app.data.cell_at(h.time_ms, h.price, &selection));

    if let Some(request) = grid_request(
        &bounds,
        response.response.rect.size(),
        app.settings.row_height,
    ) {
        app.request_grid(request);
    }
    let now_s = ui.input(|i| i.time);
    let hovered_bar = app.chart.hovered_cell.as_ref().map(|c| c.bar);
    match app.chart.clusters_bar_to_ask(hovered_bar, now_s) {
        ClustersAsk::Now(bar) => app.request_clusters(bar),
        ClustersAsk::After(wait_s) => {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_secs_f64(wait_s));
        }
        ClustersAsk::Nothing => {}
    }
    if hovered_bar.is_none()
        && let Some(last) = dataset.bars.len().checked_sub(1)
    {
        app.request_clusters(last);
    }
    if let Some(cell) = app.chart.hovered_cell.clone() {
        let tiers: Vec<f64> = app
            .settings
            .model
            .tiers
            .0
            .iter()
            .map(|t| t.leverage)
            .collect();
        response
            .response
            .on_hover_ui_at_pointer(|ui| cell_tooltip_ui(ui, &cell, &tiers));
    }
}

/// The vertical wheel zooms both axes around the pointer; a horizontal wheel (or shift+wheel)
/// pans in time. Ctrl+wheel and pinch keep egui_plot's own zoom.
fn zoom_with_wheel(plot_ui: &mut egui_plot::PlotUi<'_>) {
    let (scroll, zooming) = plot_ui
        .ctx()
        .input(|i| (i.smooth_scroll_delta, i.zoom_delta() != 1.0));
    if zooming {
        return;
    }
    if scroll.y != 0.0 {
        // 200 points of wheel (about four notches) double or halve the view.
        let factor = (scroll.y / 200.0 * std::f32::consts::LN_2).exp();
        plot_ui.zoom_bounds_around_hovered(Vec2::splat(factor));
    }
    let width_px = plot_ui.response().rect.width();
    if scroll.x != 0.0 && width_px > 0.0 {
        // translate_bounds moves by plot units, the wheel by screen points.
        let seconds_per_px = plot_ui.plot_bounds().width() / f64::from(width_px);
        plot_ui.translate_bounds(Vec2::new(
            (-f64::from(scroll.x) * seconds_per_px) as f32,
            0.0,
        ));
    }
}

fn navigate_with_keys(plot_ui: &mut egui_plot::PlotUi<'_>, full: Option<PlotBounds>) {
    let (zoom_in, zoom_out, left, right, up, down, home) = plot_ui.ctx().input(|i| {
        (
            i.key_pressed(Key::Plus) || i.key_pressed(Key::Equals),
            i.key_pressed(Key::Minus),
            i.key_pressed(Key::ArrowLeft),
            i.key_pressed(Key::ArrowRight),
            i.key_pressed(Key::ArrowUp),
            i.key_pressed(Key::ArrowDown),
            i.key_pressed(Key::Home),
        )
    });
    let mut bounds = plot_ui.plot_bounds();
    let center = bounds.center();
    if zoom_in {
        bounds.zoom(Vec2::new(1.25, 1.25), center);
    }
    if zoom_out {
        bounds.zoom(Vec2::new(0.8, 0.8), center);
    }
    let dx = bounds.width() * 0.1;
    let dy = bounds.height() * 0.1;
    if left {
        bounds.translate_x(-dx);
    }
    if right {
        bounds.translate_x(dx);
    }
    if up {
        bounds.translate_y(dy);
    }
    if down {
        bounds.translate_y(-dy);
    }
    if home && let Some(full) = full {
        bounds = full;
    }
    if zoom_in || zoom_out || left || right || up || down || home {
        plot_ui.set_plot_bounds(bounds);
    }
}

fn draw_candles(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    dataset: &Dataset,
    bounds: &PlotBounds,
    width_px: f32,
) {
    let start_ms = (bounds.min()[0] * 1000.0).floor() as i64;
    let end_ms = (bounds.max()[0] * 1000.0).ceil() as i64;
    // One candle per three screen points at most: candles stay readable when zoomed out.
    let columns = (width_px / 3.0).max(1.0) as u32;
    let candles = candles_for_width(
        &dataset.bars,
        dataset.interval_ms,
        start_ms,
        end_ms,
        columns,
    );
    let mut up = Vec::new();
    let mut down = Vec::new();
    for candle in &candles {
        let x = (candle.start_ms + candle.end_ms) as f64 / 2000.0;
        let width = (candle.end_ms - candle.start_ms) as f64 / 1000.0 * 0.7;
        let body_low = candle.open_usd.min(candle.close_usd);
        let body_high = candle.open_usd.max(candle.close_usd);
        let color = if candle.is_up() { UP_COLOR } else { DOWN_COLOR };
        let elem = BoxElem::new(
            x,
            BoxSpread::new(
                candle.low_usd,
                body_low,
                body_high,
                body_high,
                candle.high_usd,
            ),
        )
        .box_width(width)
        .whisker_width(0.0)
        .fill(color)
        .stroke(Stroke::new(1.0, color));
        if candle.is_up() {
            up.push(elem);
        } else {
            down.push(elem);
        }
    }
    plot_ui.box_plot(BoxPlot::new("up", up).color(UP_COLOR).allow_hover(false));
    plot_ui.box_plot(
        BoxPlot::new("down", down)
            .color(DOWN_COLOR)
            .allow_hover(false),
    );
}

fn draw_real_liquidations(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    dataset: &Dataset,
    bounds: &PlotBounds,
) {
    let (x0, x1) = (bounds.min()[0] * 1000.0, bounds.max()[0] * 1000.0);
    let visible: Vec<_> = dataset
        .liquidations
        .iter()
        .filter(|l| (l.time_ms as f64) >= x0 && (l.time_ms as f64) <= x1)
        .collect();
    let max_usd = visible.iter().map(|l| l.notional_usd()).fold(0.0, f64::max);
    if max_usd <= 0.0 {
        return;
    }
    // Circles in four sizes by USD value, per side.
    for side in Side::BOTH {
        let color = match side {
            Side::Long => LONG_COLOR,
            Side::Short => SHORT_COLOR,
        };
        for (bucket, radius) in [3.0f32, 5.0, 8.0, 12.0].into_iter().enumerate() {
            let points: Vec<[f64; 2]> = visible
                .iter()
                .filter(|l| l.side == side)
                .filter(|l| size_bucket(l.notional_usd(), max_usd) == bucket)
                .map(|l| [l.time_ms as f64 / 1000.0, l.price])
                .collect();
            if !points.is_empty() {
                plot_ui.points(
                    Points::new(
                        format!("real {} liquidations", side.name()),
                        PlotPoints::from(points),
                    )
                    .shape(MarkerShape::Circle)
                    .radius(radius)
                    .filled(false)
                    .color(color),
                );
            }
        }
    }
}

/// Which of four sizes a value gets: square-root steps of the largest.
fn size_bucket(usd: f64, max_usd: f64) -> usize {
    let fraction = (usd / max_usd).sqrt();
    match fraction {
        f if f < 0.25 => 0,
        f if f < 0.5 => 1,
        f if f < 0.75 => 2,
        _ => 3,
    }
}

fn draw_predicted(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    predicted: &[BarLiquidations],
    dataset: &Dataset,
    bounds: &PlotBounds,
) {
    let (x0, x1) = (bounds.min()[0] * 1000.0, bounds.max()[0] * 1000.0);
    let first = dataset
        .bars
        .partition_point(|b| (b.open_time_ms as f64) < x0);
    let last = dataset
        .bars
        .partition_point(|b| (b.open_time_ms as f64) <= x1);
    let max_usd = predicted
        .get(first..last)
        .unwrap_or(&[])
        .iter()
        .flat_map(|p| p.predicted_usd)
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
    for side in Side::BOTH {
        let s = side.index();
        let points: Vec<[f64; 2]> = (first..last)
            .filter_map(|i| {
                let p = predicted.get(i)?;
                let bar = dataset.bars.get(i)?;
                let usd = *p.predicted_usd.get(s)?;
                let price = *p.predicted_price.get(s)?;
                (usd > floor && usd > 0.0).then(|| [bar.open_time_ms as f64 / 1000.0, price])
            })
            .collect();
        plot_ui.points(
            Points::new(
                format!("predicted {} liquidations", side.name()),
                PlotPoints::from(points),
            )
            .shape(MarkerShape::Diamond)
            .radius(3.0)
            .filled(true)
            .color(match side {
                Side::Long => LONG_COLOR.gamma_multiply(0.8),
                Side::Short => SHORT_COLOR.gamma_multiply(0.8),
            }),
        );
    }
}

/// Screen points a cluster's USD label needs, with its margins.
const CLUSTER_LABEL_ROOM_PX: f64 = 56.0;

fn draw_cluster_marks(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    data: &super::data::ViewData,
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
        let color = match cluster.side {
            Side::Long => LONG_COLOR,
            Side::Short => SHORT_COLOR,
        };
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

/// The hover tooltip: time, price row, long and short USD with tier shares, distance.
pub fn cell_tooltip_ui(ui: &mut egui::Ui, cell: &CellInfo, leverages: &[f64]) {
    ui.label(RichText::new(format_time_ms(cell.time_ms)).strong());
    ui.label(format!(
        "price row {} – {} ({:+.2}% from close)",
        human_price(cell.price_low),
        human_price(cell.price_high),
        cell.distance_pct
    ));
    ui.colored_label(
        LONG_COLOR,
        format!("longs  {} USD", compact_usd(cell.long_usd)),
    );
    ui.colored_label(
        SHORT_COLOR,
        format!("shorts {} USD", compact_usd(cell.short_usd)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_rows_start_at_a_multiple_of_the_step() {
        let bounds = PlotBounds::from_min_max([0.0, 101.3], [3600.0, 120.7]);
        let request =
            grid_request(&bounds, Vec2::new(800.0, 400.0), RowHeight::FixedUsd(0.5)).unwrap();
        assert_eq!(request.price_low, 101.0);
        assert_eq!(request.rows, 40); // 101.0 .. 121.0 in steps of 0.5 covers 120.7
        assert_eq!(
            (request.start_ms, request.end_ms, request.columns),
            (0, 3_600_000, 800)
        );
    }

    #[test]
    fn clusters_are_asked_for_once_the_pointer_rests() {
        let mut memory = ChartMemory::default();
        let frame_s = 1.0 / 60.0;
        // A sweep over ten bars, one a frame: nothing is asked for.
        for i in 0..10 {
            let ask = memory.clusters_bar_to_ask(Some(i), f64::from(i as u32) * frame_s);
            assert!(matches!(ask, ClustersAsk::After(_)), "{ask:?}");
        }
        assert!(memory.is_waiting_for_rest());
        // The pointer stays on bar 9: once 0.08 s have passed its clusters are asked for.
        let start_s = 9.0 * frame_s;
        let ClustersAsk::After(wait_s) = memory.clusters_bar_to_ask(Some(9), start_s + 0.05) else {
            panic!("asked too early");
        };
        assert!((wait_s - 0.03).abs() < 1e-9);
        assert_eq!(
            memory.clusters_bar_to_ask(Some(9), start_s + 0.085),
            ClustersAsk::Now(9)
        );
        memory.requested_clusters = Some(9);
        assert!(!memory.is_waiting_for_rest());
        // Leaving the chart forgets the bar.
        assert_eq!(memory.clusters_bar_to_ask(None, 1.0), ClustersAsk::Nothing);
        assert!(!memory.is_waiting_for_rest());
    }
}
