//! The chart's look, shared by the viewer's window and the PNG export so that an exported
//! picture looks like the window: candle, long/short, marker and background colours, the size
//! of a liquidation marker, and (in [`super::time_axis`] and [`super::labels`]) the time ticks
//! and number formats. Colours are plain RGB; the window converts them to egui's type.

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Body and wick of a candle that closed at or above its open. Candles sit on the heatmap, whose
/// colour maps run from near-black to near-white through every hue (turbo), so no fill colour
/// alone can stand out everywhere: each candle has a dark [`CANDLE_OUTLINE`], which stands out
/// on every cell of luminance 0.1 and up, and bodies bright enough (luminance about 0.4) to
/// stand out on the darker cells. TradingView's teal (38, 166, 154) was viridis' own mid teal.
pub const UP_CANDLE: Rgb = [0, 214, 130];
/// Body and wick of a candle that closed below its open (a light red, for the same reason).
pub const DOWN_CANDLE: Rgb = [255, 140, 130];
/// The thin rim drawn around every candle's body and wick, under it.
pub const CANDLE_OUTLINE: Rgb = [0, 0, 0];
/// Width of the candle rim, pixels (points in the window) on each side.
pub const CANDLE_OUTLINE_PX: f64 = 1.0;
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

/// The WCAG 2.1 relative luminance of an sRGB colour, in [0, 1].
pub fn relative_luminance(rgb: Rgb) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// The WCAG 2.1 contrast ratio of two colours, from 1 (the same) to 21 (black on white).
pub fn contrast_ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

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
    use crate::render::colors::ColorMap;

    /// WCAG 2.1's least contrast for the parts of a graphic needed to read it (success
    /// criterion 1.4.11, non-text contrast).
    const LEAST_CONTRAST: f64 = 3.0;

    /// `over` seen through `top` at `alpha`, as the heatmap is blended over the plot.
    fn blend(top: Rgb, over: Rgb, alpha: f64) -> Rgb {
        let mix =
            |t: u8, o: u8| (f64::from(t) * alpha + f64::from(o) * (1.0 - alpha)).round() as u8;
        [
            mix(top[0], over[0]),
            mix(top[1], over[1]),
            mix(top[2], over[2]),
        ]
    }

    /// Whether a candle of `body` with the rim stands out of a cell of `cell`: its body or its
    /// rim has the least contrast with the cell, and the body has it with the rim (else the
    /// candle would read as a dark blot).
    fn stands_out(body: Rgb, cell: Rgb) -> bool {
        (contrast_ratio(body, cell) >= LEAST_CONTRAST
            || contrast_ratio(CANDLE_OUTLINE, cell) >= LEAST_CONTRAST)
            && contrast_ratio(body, CANDLE_OUTLINE) >= LEAST_CONTRAST
    }

    #[test]
    fn luminance_and_contrast_match_wcag() {
        assert_eq!(relative_luminance([0, 0, 0]), 0.0);
        assert!((relative_luminance([255, 255, 255]) - 1.0).abs() < 1e-12);
        assert!((contrast_ratio([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
        // WCAG's own example: #777 on white is 4.48:1.
        assert!((contrast_ratio([0x77; 3], [255; 3]) - 4.48).abs() < 0.01);
    }

    #[test]
    fn candles_stand_out_of_every_colour_of_every_map() {
        // The plot backgrounds: the export's, and egui's plot frame in the dark and light themes
        // (Visuals::dark / light extreme_bg_color).
        let backgrounds = [PLOT_BACKGROUND, [10, 10, 10], [255, 255, 255]];
        let mut failures = Vec::new();
        for map in ColorMap::ALL {
            let gradient = map.gradient();
            for i in 0..=255 {
                let c = gradient.eval_continuous(f64::from(i) / 255.0);
                for under in backgrounds {
                    for alpha in [0.25, 0.5, 0.85, 1.0] {
                        let cell = blend([c.r, c.g, c.b], under, alpha);
                        for body in [UP_CANDLE, DOWN_CANDLE] {
                            if !stands_out(body, cell) {
                                failures.push(format!("{map} {i} {alpha} {body:?} on {cell:?}"));
                            }
                        }
                    }
                }
            }
            for under in backgrounds {
                for body in [UP_CANDLE, DOWN_CANDLE] {
                    if !stands_out(body, under) {
                        failures.push(format!("{body:?} on the background {under:?}"));
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} cases, first {:?}",
            failures.len(),
            failures.first()
        );
    }

    #[test]
    fn marker_area_follows_the_notional() {
        assert_eq!(marker_radius_px(100.0, 100.0, 11.0), 11.0);
        assert_eq!(marker_radius_px(0.0, 100.0, 11.0), 2.0);
        // A quarter of the notional: half the radius above the smallest.
        assert_eq!(marker_radius_px(25.0, 100.0, 11.0), 2.0 + 9.0 * 0.5);
        assert_eq!(marker_radius_px(5.0, 0.0, 11.0), 2.0);
    }
}
