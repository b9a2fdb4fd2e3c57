//! The chart's look, shared by the viewer's window and the PNG export so that an exported
//! picture looks like the window: candle, long/short, marker and background colours, the size
//! of a liquidation marker, and (in [`super::time_axis`] and [`super::labels`]) the time ticks
//! and number formats. Colours are plain RGB; the window converts them to egui's type.

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Colours of a candle that closed at or above its open (TradingView's, readable on dark and
/// light backgrounds).
pub const UP_CANDLE: Rgb = [38, 166, 154];
/// Colour of a candle that closed below its open.
pub const DOWN_CANDLE: Rgb = [239, 83, 80];
/// Long liquidations (levels below the price).
pub const LONG: Rgb = [255, 140, 60];
/// Short liquidations (levels above the price).
pub const SHORT: Rgb = [80, 170, 255];
/// Real liquidations in the panel under the chart, where both sides share one colour.
pub const REAL_MARKER: Rgb = [250, 230, 90];
/// The last-price line and its label.
pub const LAST_PRICE: Rgb = [236, 239, 244];
/// Background around the plot (the export's; the window follows egui's theme).
pub const BACKGROUND: Rgb = [11, 14, 19];
/// Background of the plot, under the heatmap.
pub const PLOT_BACKGROUND: Rgb = [17, 21, 28];
/// Labels and titles.
pub const TEXT: Rgb = [214, 219, 226];
/// Secondary text.
pub const DIM_TEXT: Rgb = [140, 149, 161];
/// Axis lines.
pub const AXIS: Rgb = [88, 96, 108];

/// Radius of the smallest liquidation marker, pixels.
pub const MIN_MARKER_RADIUS_PX: f64 = 2.0;
/// Radius of the largest liquidation marker, pixels.
pub const MAX_MARKER_RADIUS_PX: f64 = 11.0;

/// The colour of a side's liquidations.
pub fn side_color(side: crate::model::Side) -> Rgb {
    match side {
        crate::model::Side::Long => LONG,
        crate::model::Side::Short => SHORT,
    }
}

/// The radius of a liquidation marker of `usd` when the largest in view is `largest_usd`: the
/// area, not the radius, follows the notional, from [`MIN_MARKER_RADIUS_PX`] up to
/// `largest_px` (at most [`MAX_MARKER_RADIUS_PX`]).
pub fn marker_radius_px(usd: f64, largest_usd: f64, largest_px: f64) -> f64 {
    let largest_px = largest_px.clamp(MIN_MARKER_RADIUS_PX, MAX_MARKER_RADIUS_PX);
    let share = if largest_usd > 0.0 {
        (usd / largest_usd).clamp(0.0, 1.0)
    } else {
        0.0
    };
    MIN_MARKER_RADIUS_PX + (largest_px - MIN_MARKER_RADIUS_PX) * share.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_area_follows_the_notional() {
        assert_eq!(marker_radius_px(100.0, 100.0, 11.0), 11.0);
        assert_eq!(marker_radius_px(0.0, 100.0, 11.0), 2.0);
        // A quarter of the notional: half the radius above the smallest.
        assert_eq!(marker_radius_px(25.0, 100.0, 11.0), 2.0 + 9.0 * 0.5);
        assert_eq!(marker_radius_px(5.0, 0.0, 11.0), 2.0);
    }
}
