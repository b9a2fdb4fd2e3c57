//! The chart's axes as a trading chart has them: the price axis on the right with enough
//! labels at any height, the last price tagged on it, crosshair tags on both axes, the pinned
//! time tagged under the chart, and drags on either axis that zoom at a steady rate counted in
//! points, never in frames (prices never below zero). The labels use the export's number formats
//! ([`crate::render::labels`]).

use egui::{Align2, Color32, CursorIcon, FontId, Pos2, Rect, Stroke, pos2, vec2};
use egui_plot::{GridInput, GridMark, PlotTransform};

use super::chart_range::{
    no_negative_prices, price_axis_zoom, time_axis_zoom, zoom_prices, zoom_times,
};
use super::look::LAST_PRICE_COLOR;
use super::time_axis::clock_time;
use super::view::ViewBounds;
use crate::render::labels::tag_price;

/// Room for a price label on the axis, points: `114,679.3` in the axis font and its margins.
pub const PRICE_AXIS_WIDTH_PT: f32 = 72.0;
/// Least screen distance between two price labels, points.
const PRICE_LABEL_SPACING_PT: f64 = 30.0;
/// egui_plot's smallest grid spacing, points: `GridInput::base_step_size` is the value of this
/// many points.
const GRID_SPACING_MIN_PT: f64 = 8.0;

/// The smallest 1, 2 or 5 times a power of ten that is at least `least` (no 2.5: its labels
/// need one more decimal than the step's power of ten gives).
pub fn nice_step(least: f64) -> f64 {
    if !(least.is_finite() && least > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(least.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= least * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

/// Price grid marks at round prices, one at least every [`PRICE_LABEL_SPACING_PT`] (where
/// egui_plot paints axis labels at full strength): a chart 400 points tall gets about ten
/// labels, whatever the window.
pub fn price_grid_spacer(input: GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    if !(input.base_step_size.is_finite() && input.base_step_size > 0.0 && high > low) {
        return Vec::new();
    }
    let value_per_pt = input.base_step_size / GRID_SPACING_MIN_PT;
    let step = nice_step(value_per_pt * PRICE_LABEL_SPACING_PT);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    // Capped: a degenerate transform must not ask for millions of marks.
    (first..=last.min(first + 200))
        .map(|i| GridMark {
            value: i as f64 * step,
            step_size: step,
        })
        .collect()
}

/// The rectangle of the price axis: right of the plot, as tall as it.
pub fn price_axis_rect(plot: Rect, outer: Rect) -> Rect {
    Rect::from_min_max(
        pos2(plot.right(), plot.top()),
        pos2(outer.right().max(plot.right() + 1.0), plot.bottom()),
    )
}

/// A drag on the price axis (started on it, primary button): the price span grows when the
/// pointer goes down and shrinks when it goes up, 2× per 200 points, around the middle.
/// Returns the bounds to show, if the drag changed them.
pub fn price_axis_drag(ctx: &egui::Context, axis: Rect, bounds: ViewBounds) -> Option<ViewBounds> {
    let (on_axis, delta_y, hover) = ctx.input(|i| {
        let started_on_axis =
            i.pointer.primary_down() && i.pointer.press_origin().is_some_and(|p| axis.contains(p));
        (
            started_on_axis,
            i.pointer.delta().y,
            i.pointer.hover_pos().is_some_and(|p| axis.contains(p)),
        )
    });
    if hover || on_axis {
        ctx.set_cursor_icon(CursorIcon::ResizeVertical);
    }
    if !on_axis || delta_y == 0.0 {
        return None;
    }
    Some(zoom_prices(bounds, price_axis_zoom(delta_y)))
}

/// The rectangle of the time axis: under the plot, as wide as it.
pub fn time_axis_rect(plot: Rect, outer: Rect) -> Rect {
    Rect::from_min_max(
        pos2(plot.left(), plot.bottom()),
        pos2(plot.right(), outer.bottom().max(plot.bottom() + 1.0)),
    )
}

/// A drag on the time axis (started on it, primary button): the time span shrinks when the
/// pointer goes right and grows when it goes left, 2× per 200 points, around the time under the
/// point where the drag started. `plot` is the plot's rectangle, where `bounds` is shown.
/// Returns the bounds to show, if the drag changed them.
pub fn time_axis_drag(
    ctx: &egui::Context,
    axis: Rect,
    plot: Rect,
    bounds: ViewBounds,
) -> Option<ViewBounds> {
    let (origin, delta_x, hover) = ctx.input(|i| {
        let origin = i
            .pointer
            .press_origin()
            .filter(|p| i.pointer.primary_down() && axis.contains(*p));
        (
            origin,
            i.pointer.delta().x,
            i.pointer.hover_pos().is_some_and(|p| axis.contains(p)),
        )
    });
    if hover || origin.is_some() {
        ctx.set_cursor_icon(CursorIcon::ResizeHorizontal);
    }
    let origin = origin?;
    if delta_x == 0.0 || plot.width() <= 0.0 {
        return None;
    }
    let share = f64::from((origin.x - plot.left()) / plot.width());
    let center_s = bounds.min[0] + share * bounds.width();
    Some(zoom_times(bounds, time_axis_zoom(delta_x), center_s))
}

/// The bounds with prices kept at zero and above, if they reach below zero.
pub fn clamp_prices(bounds: ViewBounds) -> Option<ViewBounds> {
    (bounds.min[1] < 0.0).then(|| no_negative_prices(bounds))
}

/// A filled tag with text, on an axis.
fn tag(painter: &egui::Painter, anchor: Pos2, align: Align2, text: &str, fill: Color32) -> Rect {
    let font = FontId::monospace(12.0);
    let text_color = if fill.intensity() > 0.55 {
        Color32::BLACK
    } else {
        Color32::WHITE
    };
    let galley = painter.layout_no_wrap(text.to_owned(), font, text_color);
    let size = galley.size() + vec2(8.0, 4.0);
    let rect = align.anchor_size(anchor, size);
    painter.rect_filled(rect, 2.0, fill);
    painter.galley(rect.min + vec2(4.0, 2.0), galley, text_color);
    rect
}

/// What the axes tag this frame.
pub struct AxisTags {
    /// The last close, tagged on the price axis.
    pub last_price: Option<f64>,
    /// The pointer over the plot: time (ms) and price.
    pub pointer: Option<[f64; 2]>,
    /// The pinned time, ms.
    pub pinned_ms: Option<i64>,
    /// Times on the local clock.
    pub local_time: bool,
}

/// Paints the tags over the axes: the last price, the crosshair's price and time, the pinned
/// time. Tags sit outside the plot, so nothing drawn in it (cluster tags) can cover them.
pub fn paint_axis_tags(ui: &egui::Ui, transform: &PlotTransform, outer: Rect, tags: &AxisTags) {
    let plot = *transform.frame();
    let painter = ui.painter().with_clip_rect(outer);
    let axis_left = plot.right() + 1.0;
    if let Some(price) = tags.last_price.filter(|p| p.is_finite()) {
        let y = transform
            .position_from_point_y(price)
            .clamp(plot.top(), plot.bottom());
        tag(
            &painter,
            pos2(axis_left, y),
            Align2::LEFT_CENTER,
            &tag_price(price),
            LAST_PRICE_COLOR,
        );
    }
    let crosshair = Color32::from_gray(70);
    if let Some([time_ms, price]) = tags.pointer {
        let y = transform.position_from_point_y(price);
        tag(
            &painter,
            pos2(axis_left, y),
            Align2::LEFT_CENTER,
            &tag_price(price),
            crosshair,
        );
        let x = transform.position_from_point_x(time_ms / 1000.0);
        tag(
            &painter,
            pos2(x, plot.bottom() + 1.0),
            Align2::CENTER_TOP,
            &clock_time(time_ms.round() as i64, tags.local_time),
            crosshair,
        );
    }
    if let Some(pinned_ms) = tags.pinned_ms {
        let x = transform.position_from_point_x(pinned_ms as f64 / 1000.0);
        if (plot.left()..=plot.right()).contains(&x) {
            let rect = tag(
                &painter,
                pos2(x, plot.bottom() + 1.0),
                Align2::CENTER_TOP,
                &format!("pinned {}", clock_time(pinned_ms, tags.local_time)),
                Color32::from_rgb(200, 200, 120),
            );
            painter.rect_stroke(
                rect,
                2.0,
                Stroke::new(1.0, Color32::BLACK),
                egui::StrokeKind::Inside,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(70.0), 100.0);
        assert_eq!(nice_step(0.0042), 0.005);
    }

    #[test]
    fn a_short_chart_still_gets_several_price_labels() {
        // BTC from 100,000 to 120,000 on a plot 250 points tall (a 1280×720 window with the
        // panels under the chart): egui_plot's base step is the value of 8 points.
        let base = 20_000.0 / 250.0 * 8.0;
        let marks = price_grid_spacer(GridInput {
            bounds: (100_000.0, 120_000.0),
            base_step_size: base,
        });
        // 30 points a label at least is 2,400 USD: 2,000-USD steps are too close (25 points),
        // so 5,000-USD steps, 62 points apart: 100,000 to 120,000 gives 5 marks.
        let step = marks[0].step_size;
        assert!(step * 250.0 / 20_000.0 >= PRICE_LABEL_SPACING_PT, "{step}");
        assert!(marks.len() >= 4, "{} marks", marks.len());
        assert!(marks.iter().all(|m| (m.value / step).fract() == 0.0));
    }
}
