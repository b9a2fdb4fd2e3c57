//! What goes into the exported chart and why it could not be drawn or saved.

use std::path::PathBuf;

use crate::model::{Bar, Liquidation};

use super::colors::ColorSettings;

/// Largest width or height of an exported chart, in pixels.
pub const MAX_SIDE_PX: u32 = 8000;
/// Smallest width of an exported chart, in pixels: room for the axes, the plot and the legend.
pub const MIN_WIDTH_PX: u32 = 320;
/// Smallest height of an exported chart, in pixels.
pub const MIN_HEIGHT_PX: u32 = 200;

/// A heatmap grid as the engine produces it, borrowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeatGrid<'a> {
    /// `rows * columns` notional values in USD, row-major (`row * columns + col`), row 0 the
    /// lowest price. Zero, negative and non-finite cells are drawn transparent.
    pub values_usd: &'a [f64],
    /// Number of price rows.
    pub rows: usize,
    /// Number of time columns.
    pub columns: usize,
    /// Start of the first column, epoch milliseconds UTC.
    pub start_ms: i64,
    /// End of the last column (exclusive), epoch milliseconds UTC.
    pub end_ms: i64,
    /// Bottom of row 0 in USD.
    pub price_low_usd: f64,
    /// Top of the last row (exclusive) in USD.
    pub price_high_usd: f64,
}

impl HeatGrid<'_> {
    /// Whether the grid has no cells.
    pub fn is_empty(&self) -> bool {
        self.rows == 0 || self.columns == 0
    }

    /// Whether the time and price spans are usable (finite and not empty).
    pub fn has_valid_spans(&self) -> bool {
        self.end_ms > self.start_ms
            && self.price_low_usd.is_finite()
            && self.price_high_usd.is_finite()
            && self.price_high_usd > self.price_low_usd
    }
}

/// Everything the exported chart shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec<'a> {
    /// Width of the picture in pixels, in [`MIN_WIDTH_PX`, `MAX_SIDE_PX`].
    pub width_px: u32,
    /// Height of the picture in pixels, in [`MIN_HEIGHT_PX`, `MAX_SIDE_PX`].
    pub height_px: u32,
    /// Title lines, drawn top-left: the first larger (symbol, interval), the rest smaller
    /// (model settings, colour settings).
    pub title_lines: Vec<String>,
    /// The heatmap drawn under the candles.
    pub grid: HeatGrid<'a>,
    /// Colours of the heatmap.
    pub colors: ColorSettings,
    /// Bars in time order, drawn as candles over the heatmap (may be empty).
    pub bars: &'a [Bar],
    /// Bar interval in milliseconds.
    pub interval_ms: i64,
    /// Real liquidations to mark as circles sized by notional (empty for none): orange for
    /// liquidated longs, blue for liquidated shorts.
    pub liquidations: &'a [Liquidation],
    /// Price for a dashed horizontal "last price" line with a label, if any.
    pub last_price_usd: Option<f64>,
    /// The heatmap's values are relative sizes (volume mode with no open interest to scale
    /// to), not USD: the legend says `relative`, not `USD`.
    pub relative_values: bool,
}

/// Why a chart could not be drawn or saved.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A side of zero pixels.
    #[error("chart size {width_px}×{height_px} px has a zero side")]
    ZeroSize {
        /// Requested width.
        width_px: u32,
        /// Requested height.
        height_px: u32,
    },
    /// Too big to allocate sensibly.
    #[error("chart size {width_px}×{height_px} px is too large: at most {max_px} px a side")]
    TooLarge {
        /// Requested width.
        width_px: u32,
        /// Requested height.
        height_px: u32,
        /// The largest side allowed.
        max_px: u32,
    },
    /// Too small to fit the axes, the plot and the legend.
    #[error(
        "chart size {width_px}×{height_px} px is too small: at least {min_width_px}×{min_height_px} px"
    )]
    TooSmall {
        /// Requested width.
        width_px: u32,
        /// Requested height.
        height_px: u32,
        /// The smallest width allowed.
        min_width_px: u32,
        /// The smallest height allowed.
        min_height_px: u32,
    },
    /// The grid's values do not fill `rows × columns`.
    #[error("heatmap grid has {values} values but {rows} rows × {columns} columns")]
    GridShape {
        /// Number of values given.
        values: usize,
        /// Rows claimed.
        rows: usize,
        /// Columns claimed.
        columns: usize,
    },
    /// The grid's time or price span is empty or not finite.
    #[error(
        "heatmap grid spans are unusable: time [{start_ms}, {end_ms}) ms, price [{price_low_usd}, {price_high_usd}) USD"
    )]
    GridSpan {
        /// Start of the grid.
        start_ms: i64,
        /// End of the grid.
        end_ms: i64,
        /// Bottom price.
        price_low_usd: f64,
        /// Top price.
        price_high_usd: f64,
    },
    /// The bundled fonts could not be loaded.
    #[error("the bundled fonts could not be loaded")]
    Font,
    /// plotters failed while drawing.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("encoding the PNG failed: {0}")]
    Png(#[from] png::EncodingError),
    /// Writing the file failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Checks the picture size and the grid's shape before anything is allocated.
pub(crate) fn check_spec(spec: &ChartSpec<'_>) -> Result<(), RenderError> {
    let (width_px, height_px) = (spec.width_px, spec.height_px);
    if width_px == 0 || height_px == 0 {
        return Err(RenderError::ZeroSize {
            width_px,
            height_px,
        });
    }
    if width_px > MAX_SIDE_PX || height_px > MAX_SIDE_PX {
        return Err(RenderError::TooLarge {
            width_px,
            height_px,
            max_px: MAX_SIDE_PX,
        });
    }
    if width_px < MIN_WIDTH_PX || height_px < MIN_HEIGHT_PX {
        return Err(RenderError::TooSmall {
            width_px,
            height_px,
            min_width_px: MIN_WIDTH_PX,
            min_height_px: MIN_HEIGHT_PX,
        });
    }
    let grid = &spec.grid;
    if grid.rows.checked_mul(grid.columns) != Some(grid.values_usd.len()) {
        return Err(RenderError::GridShape {
            values: grid.values_usd.len(),
            rows: grid.rows,
            columns: grid.columns,
        });
    }
    if !grid.is_empty() && !grid.has_valid_spans() {
        return Err(RenderError::GridSpan {
            start_ms: grid.start_ms,
            end_ms: grid.end_ms,
            price_low_usd: grid.price_low_usd,
            price_high_usd: grid.price_high_usd,
        });
    }
    Ok(())
}
