//! Where the chart goes when asked by a button rather than by the mouse: the last 12 hours, 24
//! hours, … of the data (the range buttons), a cluster's band with the price of its time (a row
//! of the clusters table), and prices that never fall below zero. Plain arithmetic on
//! [`ViewBounds`]; nothing here is an egui type.

use crate::model::Dataset;

use super::state::ViewerState;
use super::view::{Highlight, ViewBounds};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The time-range buttons above the chart: a label and the span shown (`None`: everything).
pub const RANGES: [(&str, Option<i64>); 6] = [
    ("12h", Some(12 * HOUR_MS)),
    ("24h", Some(DAY_MS)),
    ("3d", Some(3 * DAY_MS)),
    ("7d", Some(7 * DAY_MS)),
    ("30d", Some(30 * DAY_MS)),
    ("all", None),
];

/// Share of the price span added above and below the prices a view must hold.
const PRICE_MARGIN: f64 = 0.08;
/// Share of the time span left empty right of the newest bar (room for the last-price tag).
pub const RIGHT_MARGIN: f64 = 0.03;
/// Where a focused time sits across the chart: most of the width shows the history before it.
const FOCUS_AT: f64 = 0.8;

/// The last `span_ms` of the data with the prices of those bars, or everything for `None` (or a
/// span longer than the data).
pub fn recent_bounds(dataset: &Dataset, span_ms: Option<i64>) -> Option<ViewBounds> {
    let (start_ms, end_ms) = dataset.time_range_ms()?;
    let Some(span_ms) = span_ms.filter(|s| *s > 0 && *s < end_ms - start_ms) else {
        return ViewBounds::of_dataset(dataset);
    };
    let from_ms = end_ms - span_ms;
    let first = dataset
        .bars
        .partition_point(|b| b.open_time_ms + dataset.interval_ms <= from_ms);
    let bars = dataset.bars.get(first..)?;
    let low = bars.iter().map(|b| b.low).fold(f64::INFINITY, f64::min);
    let high = bars
        .iter()
        .map(|b| b.high)
        .fold(f64::NEG_INFINITY, f64::max);
    if !(low.is_finite() && high.is_finite()) {
        return None;
    }
    let (low, high) = padded(low, high);
    let end_s = end_ms as f64 / 1000.0;
    let span_s = span_ms as f64 / 1000.0;
    Some(ViewBounds::from_min_max(
        [end_s - span_s, low],
        [end_s + span_s * RIGHT_MARGIN, high],
    ))
}

/// The view that shows a cluster's band and the price at the clusters' time together, keeping
/// the time span of `current`: the time sits four fifths across, so the history that built the
/// band shows left of it; the prices span the band and the close with a margin.
pub fn focus_bounds(
    current: &ViewBounds,
    time_ms: i64,
    close: f64,
    band: (f64, f64),
) -> Option<ViewBounds> {
    let (band_low, band_high) = band;
    if !(close.is_finite() && band_low.is_finite() && band_high.is_finite()) {
        return None;
    }
    let (low, high) = padded(band_low.min(close), band_high.max(close));
    let width = current.width();
    let time_s = time_ms as f64 / 1000.0;
    let left = time_s - width * FOCUS_AT;
    Some(ViewBounds::from_min_max([left, low], [left + width, high]))
}

/// The bar open at `time_ms` (the last bar opened at or before it).
pub fn bar_at_time(dataset: &Dataset, time_ms: i64) -> Option<usize> {
    dataset
        .bars
        .partition_point(|b| b.open_time_ms <= time_ms)
        .checked_sub(1)
}

/// Where a click on a row of the clusters table takes the chart: the band and the close of the
/// clusters' bar, at the zoom in time shown now.
pub fn focus_view(state: &ViewerState, highlight: &Highlight) -> Option<ViewBounds> {
    let dataset = &state.data.loaded.as_ref()?.dataset;
    let close = dataset
        .bars
        .get(bar_at_time(dataset, highlight.time_ms)?)?
        .close;
    let current = state
        .view
        .bounds()
        .or_else(|| ViewBounds::of_dataset(dataset))?;
    focus_bounds(
        &current,
        highlight.time_ms,
        close,
        (highlight.price_low, highlight.price_high),
    )
}

/// `low`..`high` with a margin, at least a hundredth of the price tall, never below zero.
fn padded(low: f64, high: f64) -> (f64, f64) {
    let span = (high - low).max(high.abs() * 0.01);
    let middle = (low + high) / 2.0;
    let half = span * (0.5 + PRICE_MARGIN);
    ((middle - half).max(0.0), middle + half)
}

/// The same bounds moved up so the lowest price is zero when they reach below it: a price is
/// never negative. Bounds taller than the zoom allows keep their height.
pub fn no_negative_prices(bounds: ViewBounds) -> ViewBounds {
    if bounds.min[1] >= 0.0 {
        return bounds;
    }
    let height = bounds.height();
    ViewBounds::from_min_max([bounds.min[0], 0.0], [bounds.max[0], height])
}

/// The factor a drag of `drag_px` points on the price axis scales the price span by: 200 points
/// down double it, 200 up halve it, whatever the frame rate (the drag is counted in points).
pub fn price_axis_zoom(drag_px: f32) -> f64 {
    (f64::from(drag_px) / 200.0 * std::f64::consts::LN_2).exp()
}

/// The factor a drag of `drag_px` points along the time axis scales the time span by: 200
/// points right halve it (zoom in), 200 left double it, as the price axis does. Counted in
/// points, so the same drag gives the same span in 2 frames or in 10.
pub fn time_axis_zoom(drag_px: f32) -> f64 {
    price_axis_zoom(-drag_px)
}

/// `bounds` with the time span scaled by `factor` around `center_s` (which stays where it is on
/// screen, so zooms around one point add up whatever the frames), the prices as they are.
pub fn zoom_times(bounds: ViewBounds, factor: f64, center_s: f64) -> ViewBounds {
    if !(factor.is_finite() && factor > 0.0 && center_s.is_finite()) {
        return bounds;
    }
    ViewBounds::from_min_max(
        [
            center_s + (bounds.min[0] - center_s) * factor,
            bounds.min[1],
        ],
        [
            center_s + (bounds.max[0] - center_s) * factor,
            bounds.max[1],
        ],
    )
}

/// `bounds` with the price span scaled by `factor` around its middle, never below zero.
pub fn zoom_prices(bounds: ViewBounds, factor: f64) -> ViewBounds {
    if !(factor.is_finite() && factor > 0.0) {
        return bounds;
    }
    let middle = (bounds.min[1] + bounds.max[1]) / 2.0;
    let half = bounds.height() / 2.0 * factor;
    no_negative_prices(ViewBounds::from_min_max(
        [bounds.min[0], middle - half],
        [bounds.max[0], middle + half],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Dataset {
        crate::dataset::sample().expect("the bundled sample")
    }

    #[test]
    fn a_range_button_shows_the_last_span_and_its_prices() {
        let dataset = sample();
        let (_, end_ms) = dataset.time_range_ms().unwrap();
        let bounds = recent_bounds(&dataset, Some(DAY_MS)).unwrap();
        assert_eq!(bounds.min[0], (end_ms - DAY_MS) as f64 / 1000.0);
        assert!(bounds.max[0] > end_ms as f64 / 1000.0);
        // Every bar of the last day is inside the prices, and the view is not much taller
        // than they need: its low and high are within the margin of theirs.
        let day: Vec<_> = dataset
            .bars
            .iter()
            .filter(|b| b.open_time_ms + dataset.interval_ms > end_ms - DAY_MS)
            .collect();
        let low = day.iter().map(|b| b.low).fold(f64::INFINITY, f64::min);
        let high = day.iter().map(|b| b.high).fold(0.0, f64::max);
        assert!(bounds.min[1] <= low && bounds.max[1] >= high);
        let span = high - low;
        assert!(bounds.height() <= span * (1.0 + 2.0 * PRICE_MARGIN) + 1e-9);
        // Longer than the data: everything.
        assert_eq!(
            recent_bounds(&dataset, Some(365 * DAY_MS)),
            ViewBounds::of_dataset(&dataset)
        );
        assert_eq!(
            recent_bounds(&dataset, None),
            ViewBounds::of_dataset(&dataset)
        );
    }

    #[test]
    fn focusing_a_band_shows_the_band_and_the_close() {
        let current = ViewBounds::from_min_max([0.0, 10.0], [10_000.0, 60.0]);
        let bounds = focus_bounds(&current, 9_000_000, 36.8, (46.1, 47.1)).unwrap();
        assert!(bounds.min[1] < 36.8 && bounds.max[1] > 47.1);
        // Tighter than before: the chart is not half empty.
        assert!(bounds.height() < 15.0);
        assert_eq!(bounds.width(), current.width());
        assert!((bounds.min[0] + 0.8 * 10_000.0 - 9_000.0).abs() < 1e-9);
    }

    #[test]
    fn prices_never_go_below_zero() {
        let near_zero = ViewBounds::from_min_max([0.0, 1.0], [10.0, 3.0]);
        let out = zoom_prices(near_zero, 4.0);
        assert_eq!(out.min[1], 0.0);
        assert!((out.height() - 8.0).abs() < 1e-12);
        // 140 points of drag zoom out by less than twice, not 65 times.
        let factor = price_axis_zoom(140.0);
        assert!(factor > 1.5 && factor < 1.7, "{factor}");
        assert!((price_axis_zoom(-200.0) - 0.5).abs() < 1e-12);
        assert!((price_axis_zoom(200.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn time_zooms_around_one_point_add_up() {
        let start = ViewBounds::from_min_max([1000.0, 5.0], [2000.0, 9.0]);
        // 200 points right halve the span around 1250 s, which stays put.
        let once = zoom_times(start, time_axis_zoom(200.0), 1250.0);
        assert!((once.width() - 500.0).abs() < 1e-9);
        assert!((once.min[0] - 1125.0).abs() < 1e-9);
        assert_eq!((once.min[1], once.max[1]), (5.0, 9.0));
        // The same 200 points in ten steps of 20 land on the same span.
        let mut steps = start;
        for _ in 0..10 {
            steps = zoom_times(steps, time_axis_zoom(20.0), 1250.0);
        }
        assert!((steps.min[0] - once.min[0]).abs() < 1e-9);
        assert!((steps.max[0] - once.max[0]).abs() < 1e-9);
    }
}
