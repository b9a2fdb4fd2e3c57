//! Pictures: colour maps, the heatmap image, and the PNG export.
//!
//! [`colors`] holds the colour settings shared by the export and the viewer, [`heatmap`] turns a
//! grid of USD notional into RGBA pixels, and [`chart_png`] draws the analyst's snapshot (heatmap
//! under the candles, axes, legend, title) and saves it as a PNG. Everything takes plain data
//! (slices, numbers, [`crate::model::Bar`]), not engine types.

#![warn(missing_docs)]

pub mod candles;
pub mod chart;
pub mod chart_png;
pub mod colors;
mod draw;
pub mod heatmap;
pub mod labels;
mod legend;
pub mod spec;
mod text;
pub mod theme;
pub mod time_axis;

pub use chart::{ChartImage, PlotFrame, render_chart_rgb};
pub use chart_png::{
    ChartSpec, HeatGrid, RenderError, encode_png_rgb, render_chart_png, write_chart_png,
};
pub use colors::{
    ColorLut, ColorMap, ColorScale, ColorSettings, ScaleTop, color_of, resolve_top_usd,
};
pub use heatmap::{HeatmapImage, heatmap_rgba};
