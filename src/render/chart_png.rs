//! The analyst's snapshot as PNG: the chart drawn and encoded, saved atomically.

use std::path::Path;

use crate::atomic_write::write_atomic;

use super::chart::render_chart_rgb;
pub use super::spec::{ChartSpec, HeatGrid, MAX_SIDE_PX, MIN_HEIGHT_PX, MIN_WIDTH_PX, RenderError};

/// Draws the chart and returns it as PNG bytes (8-bit RGB).
pub fn render_chart_png(spec: &ChartSpec<'_>) -> Result<Vec<u8>, RenderError> {
    let image = render_chart_rgb(spec)?;
    encode_png_rgb(&image.rgb, image.width_px, image.height_px)
}

/// Draws the chart and saves it as a PNG at `path`, atomically (a reader never sees half a file).
pub fn write_chart_png(path: &Path, spec: &ChartSpec<'_>) -> Result<(), RenderError> {
    let bytes = render_chart_png(spec)?;
    write_atomic(path, &bytes).map_err(|source| RenderError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Encodes `width_px × height_px` RGB8 pixels as a PNG.
pub fn encode_png_rgb(rgb: &[u8], width_px: u32, height_px: u32) -> Result<Vec<u8>, RenderError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width_px, height_px);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
}
