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
use super::look::last_price_colors;
use super::time_axis::clock_time;
use super::view::{ChartFrame, ViewBounds};
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

/// The font of the tags on the axes.
fn tag_font() -> FontId {
    FontId::monospace(12.0)
}

/// Room around a tag's text, points (twice the margin).
const TAG_PADDING_PT: egui::Vec2 = egui::Vec2::new(8.0, 4.0);

/// The least room between a time label and a tag, points.
const TAG_GAP_PT: f32 = 4.0;

/// A filled tag with text, on an axis.
fn tag(painter: &egui::Painter, anchor: Pos2, align: Align2, text: &str, fill: Color32) -> Rect {
    let text_color = if fill.intensity() > 0.55 {
        Color32::BLACK
    } else {
        Color32::WHITE
    };
    let galley = painter.layout_no_wrap(text.to_owned(), tag_font(), text_color);
    let size = galley.size() + TAG_PADDING_PT;
    let rect = align.anchor_size(anchor, size);
    painter.rect_filled(rect, 2.0, fill);
    painter.galley(rect.min + vec2(4.0, 2.0), galley, text_color);
    rect
}

/// Whether a time label `width_pt` wide centred at `center_pt` runs into one of the tags, given
/// by their left and right edges (points), or comes within [`TAG_GAP_PT`] of one.
pub fn covered_by_tags(center_pt: f32, width_pt: f32, tags: &[(f32, f32)]) -> bool {
    let left = center_pt - width_pt / 2.0 - TAG_GAP_PT;
    let right = center_pt + width_pt / 2.0 + TAG_GAP_PT;
    tags.iter().any(|&(l, r)| left < r && l < right)
}

/// Where the tags under the chart sit this frame (the crosshair's time and the pinned time), so
/// that the time labels they would cover are left out, as trading charts do, instead of showing
/// half a date beside the tag. Found before the plot is drawn (egui_plot asks for the labels
/// while drawing), from the last frame's plot rectangle and bounds.
#[derive(Clone, Debug)]
pub struct TimeTagSpans {
    /// The plot's left edge and width, points.
    plot_pt: (f32, f32),
    /// Each tag's left and right edges, points.
    spans: Vec<(f32, f32)>,
    /// The font of the time labels.
    label_font: FontId,
}

impl TimeTagSpans {
    /// The tags' places: the crosshair's under the pointer when it is over the plot drawn last
    /// (`frame`), the pinned time's (`pinned_ms`) under it; the labels are in `label_font`.
    pub fn new(
        ctx: &egui::Context,
        frame: Option<&ChartFrame>,
        pinned_ms: Option<i64>,
        local_time: bool,
        label_font: FontId,
    ) -> Self {
        let mut spans = TimeTagSpans {
            plot_pt: (0.0, 0.0),
            spans: Vec::new(),
            label_font,
        };
        let Some(frame) = frame else {
            return spans;
        };
        let [left, top, right, bottom] = frame.rect_pt;
        let width = right - left;
        if width <= 0.0 {
            return spans;
        }
        spans.plot_pt = (left, width);
        let plot = Rect::from_min_max(pos2(left, top), pos2(right, bottom));
        let mut tags = Vec::new();
        if let Some(pointer) = ctx.pointer_hover_pos().filter(|p| plot.contains(*p)) {
            let share = f64::from((pointer.x - left) / width);
            let time_s = frame.bounds.min[0] + share * frame.bounds.width();
            let time_ms = (time_s * 1000.0).round() as i64;
            tags.push((pointer.x, clock_time(time_ms, local_time)));
        }
        if let Some(pinned_ms) = pinned_ms {
            let x = frame.screen_pos(pinned_ms as f64, 0.0)[0];
            if (left..=right).contains(&x) {
                tags.push((x, pinned_text(pinned_ms, local_time)));
            }
        }
        spans.spans = tags
            .into_iter()
            .map(|(x, text)| {
                let half = text_width_pt(ctx, text, tag_font()) / 2.0 + TAG_PADDING_PT.x / 2.0;
                (x - half, x + half)
            })
            .collect();
        spans
    }

    /// The tags' left and right edges, points.
    pub fn spans(&self) -> &[(f32, f32)] {
        &self.spans
    }

    /// The label of the tick at `mark_s` (seconds) while the plot shows `range`: `text`, or
    /// nothing when a tag would cover it.
    pub fn label(
        &self,
        ctx: &egui::Context,
        mark_s: f64,
        range: &std::ops::RangeInclusive<f64>,
        text: String,
    ) -> String {
        let span_s = range.end() - range.start();
        if text.is_empty() || self.spans.is_empty() || span_s.is_nan() || span_s <= 0.0 {
            return text;
        }
        let (left, width) = self.plot_pt;
        let center = left + ((mark_s - range.start()) / span_s) as f32 * width;
        let label_width = text_width_pt(ctx, text.clone(), self.label_font.clone());
        if covered_by_tags(center, label_width, &self.spans) {
            String::new()
        } else {
            text
        }
    }
}

/// The width of `text` in `font`, points.
fn text_width_pt(ctx: &egui::Context, text: String, font: FontId) -> f32 {
    ctx.fonts_mut(|f| f.layout_no_wrap(text, font, Color32::WHITE).size().x)
}

/// The pinned time's tag.
fn pinned_text(pinned_ms: i64, local_time: bool) -> String {
    format!("pinned {}", clock_time(pinned_ms, local_time))
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
    /// egui's dark theme (the last price's tag takes the line's colour).
    pub dark_mode: bool,
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
            last_price_colors(tags.dark_mode).0,
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
                &pinned_text(pinned_ms, tags.local_time),
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
    fn a_label_touching_a_tag_is_covered_and_one_clear_of_it_is_not() {
        let tags = [(100.0, 200.0)];
        // Inside, overlapping either edge, or within the gap of it.
        assert!(covered_by_tags(150.0, 60.0, &tags));
        assert!(covered_by_tags(80.0, 60.0, &tags));
        assert!(covered_by_tags(230.0, 60.0, &tags));
        assert!(covered_by_tags(232.0, 60.0, &tags));
        // Clear of it by more than the gap.
        assert!(!covered_by_tags(236.0, 60.0, &tags));
        assert!(!covered_by_tags(60.0, 60.0, &tags));
        assert!(!covered_by_tags(150.0, 60.0, &[]));
    }

    /// The time labels of a day on a plot 2,000 points wide, the pointer at `pointer_x` (over
    /// the plot when some) and the time pinned at `pinned_ms`: each 4-hour tick's label as the
    /// chart's formatter gives it, and the tags' spans.
    fn day_labels(
        pointer_x: Option<f32>,
        pinned_ms: Option<i64>,
    ) -> (Vec<String>, Vec<(f32, f32)>) {
        let start_s = 1_760_054_400.0; // 2025-10-10 00:00 UTC
        let frame = ChartFrame {
            bounds: ViewBounds::from_min_max([start_s, 0.0], [start_s + 86_400.0, 1.0]),
            rect_pt: [0.0, 0.0, 2000.0, 500.0],
        };
        let ctx = egui::Context::default();
        let mut input = egui::RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(2200.0, 600.0))),
            ..Default::default()
        };
        if let Some(x) = pointer_x {
            input.events.push(egui::Event::PointerMoved(pos2(x, 250.0)));
        }
        let mut result = (Vec::new(), Vec::new());
        let mut output = ctx.run_ui(input, |ui| {
            let font = egui::TextStyle::Body.resolve(ui.style());
            let spans = TimeTagSpans::new(ui.ctx(), Some(&frame), pinned_ms, false, font);
            let range = start_s..=start_s + 86_400.0;
            result.0 = (1..6)
                .map(|k| {
                    let mark = GridMark {
                        value: start_s + f64::from(k) * 14_400.0,
                        step_size: 14_400.0,
                    };
                    let text = super::super::time_axis::format_time_label(mark, &range);
                    spans.label(ui.ctx(), mark.value, &range, text)
                })
                .collect();
            result.1 = spans.spans().to_vec();
        });
        // No painter takes the fonts' texture here.
        output.textures_delta.clear();
        result
    }

    #[test]
    fn the_crosshair_tag_hides_the_time_label_it_would_cover() {
        // No pointer: every label, 04:00 at 333.3 points, 08:00 at 666.7.
        let (labels, tags) = day_labels(None, None);
        assert!(tags.is_empty());
        assert_eq!(labels[0], "10 Oct 04:00");
        assert!(labels.iter().all(|l| !l.is_empty()), "{labels:?}");
        // The pointer just right of the first label: its tag (about 130 points wide, "10 Oct
        // 04:07 UTC" in 12-point monospace) covers that label, and no other.
        let (labels, tags) = day_labels(Some(360.0), None);
        assert_eq!(tags.len(), 1);
        let (left, right) = tags[0];
        assert!(
            left < 333.3 && right > 360.0 && right < 666.7 - 40.0,
            "{tags:?}"
        );
        assert_eq!(labels[0], "");
        assert_eq!(
            &labels[1..],
            [
                "10 Oct 08:00",
                "10 Oct 12:00",
                "10 Oct 16:00",
                "10 Oct 20:00"
            ]
        );
        // Midway between two labels, clear of both: both shown.
        let (labels, _) = day_labels(Some(500.0), None);
        assert!(labels.iter().all(|l| !l.is_empty()), "{labels:?}");
        // The pinned time's tag hides the label under it too (12:00 UTC, at 1,000 points).
        let (labels, _) = day_labels(None, Some(1_760_054_400_000 + 12 * 3_600_000));
        assert_eq!(labels[2], "");
        assert_eq!(labels[1], "10 Oct 08:00");
    }

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
