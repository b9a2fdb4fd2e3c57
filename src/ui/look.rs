//! The chart's theme ([`crate::render::theme`]) in egui's colours, so that the window and the
//! PNG export look alike.

use egui::Color32;

use crate::model::Side;
use crate::render::theme::{self, Rgb};

const fn color(rgb: Rgb) -> Color32 {
    Color32::from_rgb(rgb[0], rgb[1], rgb[2])
}

/// Colour of an up candle.
pub const UP_COLOR: Color32 = color(theme::UP_CANDLE);
/// Colour of a down candle.
pub const DOWN_COLOR: Color32 = color(theme::DOWN_CANDLE);
/// The dark rim around every candle.
pub const CANDLE_OUTLINE_COLOR: Color32 = color(theme::CANDLE_OUTLINE);
/// Colour of long liquidations (levels below price).
pub const LONG_COLOR: Color32 = color(theme::LONG);
/// Colour of short liquidations (levels above price).
pub const SHORT_COLOR: Color32 = color(theme::SHORT);
/// Real liquidations under the chart.
pub const REAL_COLOR: Color32 = color(theme::REAL_MARKER);
/// The last-price line's core and rim in the window's theme (`dark_mode` from egui's
/// visuals): light on a dark plot, dark on a light one.
pub fn last_price_colors(dark_mode: bool) -> (Color32, Color32) {
    let look = theme::last_price_look(dark_mode);
    (color(look.core), color(look.rim))
}
/// Errors.
pub const ERROR_COLOR: Color32 = Color32::from_rgb(230, 80, 70);
/// Warnings.
pub const WARNING_COLOR: Color32 = Color32::from_rgb(230, 180, 60);

/// The colour of a side.
pub fn side_color(side: Side) -> Color32 {
    color(theme::side_color(side))
}
