//! Drawing helpers of the exported chart: the theme's colours as plotters colours, where the
//! plot sits, filled pixel rectangles and text painted after the shapes.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::spec::RenderError;
use super::text::{Face, HAlign, Label, Painter, Style, VAlign};
use super::theme::{self, Rgb};

pub(super) const fn color(rgb: Rgb) -> RGBColor {
    RGBColor(rgb[0], rgb[1], rgb[2])
}

/// Background around the plot.
pub(super) const BG: RGBColor = color(theme::BACKGROUND);
/// Background of the plot, under the heatmap.
pub(super) const PLOT_BG: RGBColor = color(theme::PLOT_BACKGROUND);
/// Labels and titles.
pub(super) const TEXT: RGBColor = color(theme::TEXT);
/// Secondary text.
pub(super) const DIM_TEXT: RGBColor = color(theme::DIM_TEXT);
/// Axis lines.
pub(super) const AXIS: RGBColor = color(theme::AXIS);
/// Body and wick of a candle that closed at or above its open.
pub(super) const UP_CANDLE: RGBColor = color(theme::UP_CANDLE);
/// Body and wick of a candle that closed below its open.
pub(super) const DOWN_CANDLE: RGBColor = color(theme::DOWN_CANDLE);
/// The dark rim around every candle.
pub(super) const CANDLE_OUTLINE: RGBColor = color(theme::CANDLE_OUTLINE);
/// Real liquidations of longs.
pub(super) const LONG_LIQUIDATION: RGBColor = color(theme::LONG);
/// Real liquidations of shorts.
pub(super) const SHORT_LIQUIDATION: RGBColor = color(theme::SHORT);
/// The last-price line and its label.
pub(super) const LAST_PRICE: RGBColor = color(theme::LAST_PRICE);

/// Where the plot sits in the picture and which data span it shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotFrame {
    /// Left edge of the plot, in pixels from the left of the picture.
    pub left_px: i32,
    /// Top edge of the plot, in pixels from the top of the picture.
    pub top_px: i32,
    /// Width of the plot in pixels.
    pub width_px: u32,
    /// Height of the plot in pixels.
    pub height_px: u32,
    /// Time at the left edge, epoch milliseconds UTC.
    pub start_ms: i64,
    /// Time at the right edge (exclusive), epoch milliseconds UTC.
    pub end_ms: i64,
    /// Price at the bottom edge in USD.
    pub price_low_usd: f64,
    /// Price at the top edge in USD.
    pub price_high_usd: f64,
}

impl PlotFrame {
    /// Horizontal pixel position (fractional) of a time.
    pub fn x_of(&self, time_ms: i64) -> f64 {
        // In f64 so far-off times cannot overflow.
        let span = (self.end_ms as f64 - self.start_ms as f64).max(1.0);
        f64::from(self.left_px)
            + (time_ms as f64 - self.start_ms as f64) / span * f64::from(self.width_px)
    }

    /// Vertical pixel position (fractional) of a price; higher prices are nearer the top.
    pub fn y_of(&self, price_usd: f64) -> f64 {
        let span = self.price_high_usd - self.price_low_usd;
        let fraction = if span > 0.0 {
            (self.price_high_usd - price_usd) / span
        } else {
            0.5
        };
        f64::from(self.top_px) + fraction * f64::from(self.height_px)
    }

    /// The pixel (column, row) showing this time and price, if it lies inside the plot.
    pub fn pixel_at(&self, time_ms: i64, price_usd: f64) -> Option<(u32, u32)> {
        let x = self.x_of(time_ms).floor();
        let y = self.y_of(price_usd).floor();
        let inside_x =
            x >= f64::from(self.left_px) && x < f64::from(self.left_px) + f64::from(self.width_px);
        let inside_y =
            y >= f64::from(self.top_px) && y < f64::from(self.top_px) + f64::from(self.height_px);
        (inside_x && inside_y).then_some((x as u32, y as u32))
    }

    pub(super) fn right_px(&self) -> i32 {
        self.left_px + self.width_px as i32
    }

    pub(super) fn bottom_px(&self) -> i32 {
        self.top_px + self.height_px as i32
    }
}

pub(super) type Area<'b> = DrawingArea<BitMapBackend<'b>, Shift>;

pub(super) fn draw_err(error: impl std::fmt::Display) -> RenderError {
    RenderError::Draw(error.to_string())
}

/// Fills the pixels from `(x0, y0)` to `(x1, y1)`, both corners included (plotters' bitmap
/// backend leaves out the right column and bottom row, so a one-pixel line would vanish).
pub(super) fn fill_px(
    root: &Area<'_>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    style: ShapeStyle,
) -> Result<(), RenderError> {
    let (left, right) = (x0.min(x1), x0.max(x1) + 1);
    let (top, bottom) = (y0.min(y1), y0.max(y1) + 1);
    root.draw(&Rectangle::new([(left, top), (right, bottom)], style))
        .map_err(draw_err)
}

/// Text waiting to be painted once plotters has drawn the shapes under it.
pub(super) struct Texts {
    pub(super) painter: Painter,
    pub(super) labels: Vec<Label>,
}

impl Texts {
    pub(super) fn add(&mut self, text: impl Into<String>, x: i32, y: i32, style: Style) {
        self.labels.push(Label {
            text: text.into(),
            x,
            y,
            style,
        });
    }

    pub(super) fn width_px(&self, text: &str, style: &Style) -> i32 {
        self.painter
            .width_px(text, style.face, style.size_px)
            .ceil() as i32
    }
}

pub(super) fn style(face: Face, size_px: f32, color: RGBColor, h: HAlign, v: VAlign) -> Style {
    Style {
        face,
        size_px,
        color: [color.0, color.1, color.2],
        h,
        v,
    }
}
