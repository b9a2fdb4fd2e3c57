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
/// The rim of a candle `slot_px` wide (its share of the time axis: body and the gap to the
/// next, whose bodies take 70%): [`CANDLE_OUTLINE_PX`] when the gap between two bodies holds
/// both rims and a pixel of the heatmap between them, thinner as candles narrow, and none for
/// candles a few pixels wide, whose rims would run together into a dark band hiding the heatmap.
pub fn candle_rim_px(slot_px: f64) -> f64 {
    let gap_px = 0.3 * slot_px;
    if !gap_px.is_finite() {
        return 0.0;
    }
    ((gap_px - 1.0) / 2.0).clamp(0.0, CANDLE_OUTLINE_PX)
}
/// Long liquidations (levels below the price).
pub const LONG: Rgb = [255, 140, 60];
/// Short liquidations (levels above the price).
pub const SHORT: Rgb = [80, 170, 255];
/// Real liquidations in the panel under the chart, where both sides share one colour.
pub const REAL_MARKER: Rgb = [250, 230, 90];
/// The last-price line and its label in the dark look (the window's dark theme and the export).
pub const LAST_PRICE: Rgb = [236, 239, 244];
/// The last-price line and its label in the window's light theme: a light line vanishes on
/// the white plot, so the line is dark there.
pub const LAST_PRICE_ON_LIGHT: Rgb = [24, 28, 36];
/// Width of the rim drawn on each side of the last-price line, under it, pixels (points in the
/// window): a rim of the opposite lightness keeps the line visible on heatmap cells as light
/// (or as dark) as the line itself.
pub const LAST_PRICE_RIM_PX: f64 = 1.0;

/// The colours of a line drawn over the heatmap: its core and the rim under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineLook {
    /// The line itself.
    pub core: Rgb,
    /// The rim on each side of it, of the opposite lightness.
    pub rim: Rgb,
}

/// The last-price line's look on a dark plot (`dark`, the export's and egui's dark theme) or on
/// a light one: a light line with a black rim, or a dark line with a white rim. Either way one
/// of the two has WCAG's least contrast with any colour under it (black has it with everything
/// of luminance 0.1 and up, white with everything up to 0.3).
pub fn last_price_look(dark: bool) -> LineLook {
    if dark {
        LineLook {
            core: LAST_PRICE,
            rim: [0, 0, 0],
        }
    } else {
        LineLook {
            core: LAST_PRICE_ON_LIGHT,
            rim: [255, 255, 255],
        }
    }
}
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

    /// Calls `each` with every colour of every map blended over `under` at the heatmap's usual
    /// opacities, and a few words naming it.
    fn every_cell_over(under: Rgb, mut each: impl FnMut(String, Rgb)) {
        for map in ColorMap::ALL {
            let gradient = map.gradient();
            for i in 0..=255 {
                let c = gradient.eval_continuous(f64::from(i) / 255.0);
                for alpha in [0.25, 0.5, 0.85, 1.0] {
                    each(
                        format!("{map} {i} {alpha}"),
                        blend([c.r, c.g, c.b], under, alpha),
                    );
                }
            }
        }
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
        for under in backgrounds {
            every_cell_over(under, |what, cell| {
                for body in [UP_CANDLE, DOWN_CANDLE] {
                    if !stands_out(body, cell) {
                        failures.push(format!("{what} {body:?} on {cell:?}"));
                    }
                }
            });
            for body in [UP_CANDLE, DOWN_CANDLE] {
                if !stands_out(body, under) {
                    failures.push(format!("{body:?} on the background {under:?}"));
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
    fn the_last_price_line_stands_out_in_both_themes() {
        // Dark: the export's plot and egui's dark plot frame; light: egui's light plot frame
        // (Visuals::light extreme_bg_color), where the old near-white line had 1.1:1.
        let themes = [
            (true, vec![PLOT_BACKGROUND, [10, 10, 10]]),
            (false, vec![[255, 255, 255]]),
        ];
        let mut failures = Vec::new();
        for (dark, backgrounds) in themes {
            let look = last_price_look(dark);
            // The line reads as a line, not a blot: core and rim differ.
            if contrast_ratio(look.core, look.rim) < LEAST_CONTRAST {
                failures.push(format!("dark {dark}: core on rim"));
            }
            for under in &backgrounds {
                // On the bare plot the line's own colour stands out, rim or not.
                if contrast_ratio(look.core, *under) < LEAST_CONTRAST {
                    failures.push(format!("dark {dark}: core on the background {under:?}"));
                }
                every_cell_over(*under, |what, cell| {
                    let seen = contrast_ratio(look.core, cell) >= LEAST_CONTRAST
                        || contrast_ratio(look.rim, cell) >= LEAST_CONTRAST;
                    if !seen {
                        failures.push(format!("dark {dark}: {what} {cell:?}"));
                    }
                });
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
    fn rims_leave_a_pixel_of_heatmap_between_candles_or_go() {
        // 20 px candles: a 6 px gap holds two full rims and more.
        assert_eq!(candle_rim_px(20.0), CANDLE_OUTLINE_PX);
        // 10 px: a 3 px gap, two 1 px rims and one pixel of heatmap.
        assert_eq!(candle_rim_px(10.0), 1.0);
        // 5 px: a 1.5 px gap, quarter-pixel rims.
        assert!((candle_rim_px(5.0) - 0.25).abs() < 1e-12);
        // A year of minutes on a screen: no rim at all.
        assert_eq!(candle_rim_px(3.0), 0.0);
        assert_eq!(candle_rim_px(0.01), 0.0);
        assert_eq!(candle_rim_px(f64::NAN), 0.0);
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
