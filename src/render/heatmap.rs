//! The heatmap grid as an RGBA image, and shrinking a grid to a pixel size without losing
//! thin clusters.

use super::colors::{ColorLut, ColorSettings, resolve_top_usd};

/// An RGBA8 picture of a heatmap grid, one pixel per cell, the highest price row on top.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapImage {
    /// Width in pixels: the grid's columns.
    pub width: usize,
    /// Height in pixels: the grid's rows.
    pub height: usize,
    /// `width * height * 4` bytes, row-major from the top-left pixel, RGBA unpremultiplied.
    pub rgba: Vec<u8>,
    /// The value in USD that got the last colour of the map (for the legend); 0 when no cell is
    /// above zero.
    pub top_usd: f64,
}

/// Colours a grid of `rows × columns` USD values (row-major, index `row * columns + col`, row 0
/// the lowest price) into an image whose top pixel row is the highest price row.
///
/// The top of the scale is resolved from these values by `settings.top`. Missing values (when
/// `values` is shorter than `rows * columns`) are drawn transparent.
pub fn heatmap_rgba(
    values: &[f64],
    rows: usize,
    columns: usize,
    settings: &ColorSettings,
) -> HeatmapImage {
    let top_usd = resolve_top_usd(values, settings.top);
    heatmap_rgba_with_top(values, rows, columns, settings, top_usd)
}

/// Like [`heatmap_rgba`] with the top given in USD, for a grid that was resampled after the top
/// was taken from the full-resolution grid.
pub fn heatmap_rgba_with_top(
    values: &[f64],
    rows: usize,
    columns: usize,
    settings: &ColorSettings,
    top_usd: f64,
) -> HeatmapImage {
    let lut = ColorLut::new(settings, top_usd);
    let mut rgba = vec![0u8; rows * columns * 4];
    if columns > 0 {
        // Pixel row 0 is the top of the picture, which is the last grid row.
        for (pixel_row, out) in rgba.chunks_exact_mut(columns * 4).enumerate() {
            let grid_row = rows - 1 - pixel_row;
            let start = grid_row * columns;
            let cells = values.get(start..start + columns).unwrap_or(&[]);
            for (pixel, value) in out.chunks_exact_mut(4).zip(cells) {
                pixel.copy_from_slice(&lut.color_of(*value));
            }
        }
    }
    HeatmapImage {
        width: columns,
        height: rows,
        rgba,
        top_usd,
    }
}

/// Resamples a `rows × columns` grid (same layout as [`heatmap_rgba`]) to
/// `out_rows × out_columns`, each output cell taking the largest input cell it covers, so a
/// one-cell cluster never vanishes when a big grid is drawn small. Growing repeats cells
/// (nearest neighbour). Non-finite values count as 0.
pub fn resample_max(
    values: &[f64],
    rows: usize,
    columns: usize,
    out_rows: usize,
    out_columns: usize,
) -> Vec<f64> {
    if rows == 0 || columns == 0 || out_rows == 0 || out_columns == 0 {
        return vec![0.0; out_rows * out_columns];
    }
    // Max is separable: pool the columns of every row first, then the rows of every column.
    let column_spans = spans(columns, out_columns);
    let mut by_columns = vec![0.0; rows * out_columns];
    for (row, out) in by_columns.chunks_exact_mut(out_columns).enumerate() {
        let cells = values
            .get(row * columns..(row + 1) * columns)
            .unwrap_or(&[]);
        for (slot, span) in out.iter_mut().zip(&column_spans) {
            *slot = max_finite(cells.get(span.0..span.1).unwrap_or(&[]).iter().copied());
        }
    }
    let row_spans = spans(rows, out_rows);
    let mut pooled = vec![0.0; out_rows * out_columns];
    for (out, span) in pooled.chunks_exact_mut(out_columns).zip(&row_spans) {
        for (col, slot) in out.iter_mut().enumerate() {
            *slot = max_finite(
                (span.0..span.1).filter_map(|row| by_columns.get(row * out_columns + col).copied()),
            );
        }
    }
    pooled
}

/// For each of `outputs` equal slices of `0..inputs`, the input range `[start, end)` it covers
/// (never empty).
fn spans(inputs: usize, outputs: usize) -> Vec<(usize, usize)> {
    (0..outputs)
        .map(|i| {
            let start = (i * inputs / outputs).min(inputs.saturating_sub(1));
            let end = ((i + 1) * inputs / outputs).clamp(start + 1, inputs);
            (start, end)
        })
        .collect()
}

/// The largest finite value, or 0.
fn max_finite(values: impl Iterator<Item = f64>) -> f64 {
    values
        .filter(|v| v.is_finite())
        .fold(0.0, |acc: f64, v| acc.max(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_keeps_a_single_hot_cell() {
        let mut values = vec![0.0; 10 * 10];
        values[7 * 10 + 3] = 5.0;
        let small = resample_max(&values, 10, 10, 3, 3);
        assert_eq!(small.iter().filter(|v| **v == 5.0).count(), 1);
        // Output cells cover input rows (and columns) 0..3, 3..6 and 6..10: row 7 lands in
        // output row 2, column 3 in output column 1.
        assert_eq!(small[2 * 3 + 1], 5.0);
    }

    #[test]
    fn growing_repeats_cells() {
        let values = [1.0, 2.0, 3.0, 4.0];
        let big = resample_max(&values, 2, 2, 4, 4);
        assert_eq!(
            big,
            vec![
                1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 3.0, 3.0, 4.0, 4.0
            ]
        );
    }
}
