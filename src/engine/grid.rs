//! The heatmap grid: standing notional over (time column, price row), one layer per side and
//! tier, for any window at any resolution.
//!
//! A level stands on one price row over a run of columns, so each layer is built as a difference
//! array along time (add where the level first shows, subtract where it dies) followed by one
//! running sum per row. The running sum is carried in the scale of the current column and
//! multiplied by the scale's change from column to column, which applies shrink and fade without
//! touching levels and without the overflow of dividing by a tiny scale.
//!
//! The sums are carried in f64 and each finished cell is stored as f32: a cell's value is a
//! picture's colour and a tooltip's figure, and f32 keeps it to a relative 2^-24 (6e-8) of
//! itself (cells under 1.2e-38 USD, the smallest normal f32, to 1.4e-45 USD), while the grid of a
//! 1500 x 600 window with ten layers takes 36 MB instead of 72. Sums of layers
//! ([`Grid::compose_into`]) add the stored values in f64.

use std::sync::Mutex;

use rayon::prelude::*;

use super::{Engine, LayerSelection};
use crate::model::Side;

/// At most this many cells in one grid (per layer).
const MAX_CELLS: usize = 50_000_000;

/// Below this many (bar, layer) pairs the layers are built on one thread.
const PARALLEL_MIN_WORK: usize = 200_000;

/// Cells summed together by [`Grid::compose_into`]: 32 KiB of output, held in the L1/L2 cache
/// while every layer is added to it.
const COMPOSE_BLOCK_CELLS: usize = 4096;

/// The window and resolution of a grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridRequest {
    /// Start of the time window, epoch ms.
    pub start_ms: i64,
    /// End of the time window (exclusive), epoch ms.
    pub end_ms: i64,
    /// Number of time columns, evenly splitting the window.
    pub columns: usize,
    /// Bottom of the price window, USD.
    pub price_low: f64,
    /// Top of the price window (exclusive), USD.
    pub price_high: f64,
    /// Number of price rows, evenly splitting the window.
    pub rows: usize,
}

impl GridRequest {
    /// The whole dataset's time span and its bars' price range.
    pub fn whole(
        engine: &Engine,
        price_low: f64,
        price_high: f64,
        columns: usize,
        rows: usize,
    ) -> Self {
        let times = engine.bar_times_ms();
        let start_ms = times.first().copied().unwrap_or(0);
        let end_ms = times.last().copied().unwrap_or(0) + engine.interval_ms();
        GridRequest {
            start_ms,
            end_ms,
            columns,
            price_low,
            price_high,
            rows,
        }
    }

    /// Width of a column in ms.
    pub fn column_width_ms(&self) -> f64 {
        (self.end_ms - self.start_ms) as f64 / self.columns.max(1) as f64
    }

    /// Height of a row in USD.
    pub fn row_height_usd(&self) -> f64 {
        (self.price_high - self.price_low) / self.rows.max(1) as f64
    }

    /// Start time of column `col`.
    pub fn column_start_ms(&self, col: usize) -> f64 {
        self.start_ms as f64 + col as f64 * self.column_width_ms()
    }

    /// Lower price edge of row `row` (row 0 is the lowest).
    pub fn row_price_low(&self, row: usize) -> f64 {
        self.price_low + row as f64 * self.row_height_usd()
    }

    /// The row holding `price`, if inside the window.
    pub fn row_of_price(&self, price: f64) -> Option<usize> {
        let row = ((price - self.price_low) / self.row_height_usd()).floor();
        (row >= 0.0 && row < self.rows as f64).then_some(row as usize)
    }
}

/// A grid request that cannot be served.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("bad grid request: {0}")]
pub struct GridError(String);

/// Standing notional per (row, column) for each layer, at unit tier weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The window and resolution served.
    pub request: GridRequest,
    /// The bar whose state each column shows (the last bar opening inside or before the column),
    /// or `None` where no bar covers the column (before the data, in a gap, after the end).
    pub column_bar: Vec<Option<usize>>,
    /// Side and tier of each layer, in the engine's layer order.
    pub layer_keys: Vec<(Side, usize)>,
    /// Values of each layer, row-major (`row * columns + col`), row 0 the lowest price; each
    /// within a relative 2^-24 of the f64 sum it was rounded from (see the module's description).
    pub layers: Vec<Vec<f32>>,
}

impl Grid {
    /// Sums the layers with the selection's weights into `out` (resized to rows × columns).
    ///
    /// The cells are summed a block at a time, every layer into the block before the next: the
    /// block stays in the cache, where a whole-grid pass per layer read and wrote the output
    /// from memory once per layer. Each cell adds its layers in the same order either way, so
    /// the sums are the same to the bit.
    pub fn compose_into(&self, selection: &LayerSelection, out: &mut Vec<f64>) {
        let cells = self.request.rows * self.request.columns;
        let weighted: Vec<(&[f32], f64)> = self
            .layers
            .iter()
            .zip(&self.layer_keys)
            .map(|(layer, &(side, tier))| (layer.as_slice(), selection.weight(side, tier)))
            .filter(|&(_, weight)| weight > 0.0)
            .collect();
        out.resize(cells, 0.0);
        for (block, chunk) in out.chunks_mut(COMPOSE_BLOCK_CELLS).enumerate() {
            chunk.fill(0.0);
            let start = block * COMPOSE_BLOCK_CELLS;
            for &(layer, weight) in &weighted {
                let values = layer.get(start..).unwrap_or(&[]);
                for (o, &v) in chunk.iter_mut().zip(values) {
                    *o += weight * f64::from(v);
                }
            }
        }
    }

    /// The selection's weighted sum of layers, row-major.
    pub fn compose(&self, selection: &LayerSelection) -> Vec<f64> {
        let mut out = Vec::new();
        self.compose_into(selection, &mut out);
        out
    }

    /// One layer's value at a cell, at unit weight.
    pub fn cell_usd(&self, layer: usize, row: usize, col: usize) -> f64 {
        self.layers
            .get(layer)
            .and_then(|values| values.get(row * self.request.columns + col))
            .map_or(0.0, |&v| f64::from(v))
    }
}

/// Builds the grid (see [`Engine::grid`]).
pub(super) fn build_grid(engine: &Engine, request: &GridRequest) -> Result<Grid, GridError> {
    let parallel = engine.bar_count() * engine.layers().len() >= PARALLEL_MIN_WORK;
    build_grid_on(engine, request, parallel)
}

/// [`build_grid`] on one thread or over the cores.
fn build_grid_on(
    engine: &Engine,
    request: &GridRequest,
    parallel: bool,
) -> Result<Grid, GridError> {
    let GridRequest {
        start_ms,
        end_ms,
        columns,
        price_low,
        price_high,
        rows,
    } = *request;
    if end_ms <= start_ms {
        return Err(GridError(format!(
            "the time window must not be empty (start {start_ms} ms, end {end_ms} ms)"
        )));
    }
    if !(price_low.is_finite() && price_high.is_finite() && price_high > price_low) {
        return Err(GridError(format!(
            "the price window must be finite and not empty ({price_low} to {price_high})"
        )));
    }
    if columns == 0 || rows == 0 || columns.saturating_mul(rows) > MAX_CELLS {
        return Err(GridError(format!(
            "{columns} columns x {rows} rows: both must be at least 1 and the cells at most {MAX_CELLS}"
        )));
    }
    let column_bar = column_bars(engine, request);
    let n = engine.bar_count();
    // first_column[b]: the first shown column whose bar is b or later (`columns` if none).
    let mut first_column = vec![columns; n + 1];
    let mut next_bar = 0;
    for (col, bar) in column_bar.iter().enumerate() {
        if let Some(bar) = *bar {
            while next_bar <= bar {
                if let Some(slot) = first_column.get_mut(next_bar) {
                    *slot = col;
                }
                next_bar += 1;
            }
        }
    }
    let log_scale = &engine.inputs().log_scale;
    let log_at = |bar: usize| log_scale.get(bar).copied().unwrap_or(0.0);
    // The scale's log at each shown column's bar, and its change from the previous shown column.
    let column_log: Vec<f64> = column_bar
        .iter()
        .map(|bar| bar.map_or(0.0, log_at))
        .collect();
    let mut step_factor = vec![1.0; columns];
    let mut previous: Option<usize> = None;
    for (col, bar) in column_bar.iter().enumerate() {
        if let Some(bar) = *bar {
            if let (Some(prev), Some(slot)) = (previous, step_factor.get_mut(col)) {
                *slot = (log_at(bar) - log_at(prev)).exp();
            }
            previous = Some(bar);
        }
    }
    // What a level born at each bar is worth where it first shows, per USD born: the same for
    // every layer, so found once here rather than once per layer.
    let start_factor_of = |&born: &u32| {
        let born = born as usize;
        first_column
            .get(born)
            .and_then(|&col| column_log.get(col))
            .map_or(1.0, |&log_start| (log_start - log_at(born)).exp())
    };
    let born = &engine.inputs().born;
    let start_factor: Vec<f64> = if parallel {
        born.par_iter().map(start_factor_of).collect()
    } else {
        born.iter().map(start_factor_of).collect()
    };
    let ctx = LayerContext {
        engine,
        request,
        column_bar: &column_bar,
        first_column: &first_column,
        column_log: &column_log,
        step_factor: &step_factor,
        start_factor: &start_factor,
    };
    let layers = engine.layers();
    let cells = request.rows * request.columns;
    let workers = if parallel {
        rayon::current_num_threads().clamp(1, layers.len().max(1))
    } else {
        1
    };
    // The layers and each worker's scratch are allocated here, on the calling thread, and
    // zeroed and filled on the cores. Allocated on rayon's workers they came from other malloc
    // arenas, and summing them after a tier toggle was 10% slower; zeroed here, the build was
    // 40 ms slower on the year (docs/benchmarks.md, the quiet re-run).
    let mut values: Vec<Vec<f32>> = (0..layers.len())
        .map(|_| Vec::with_capacity(cells))
        .collect();
    let scratch: Vec<Vec<DiffCell>> = (0..workers).map(|_| Vec::with_capacity(cells)).collect();
    // Each worker takes a scratch and then the next layer not yet taken until none is left: one
    // scratch per core, reused from layer to layer, rather than one per layer.
    let jobs = Mutex::new(values.iter_mut().enumerate().rev().collect::<Vec<_>>());
    let scratch = Mutex::new(scratch);
    let work = || {
        let Some(mut diff) = scratch.lock().ok().and_then(|mut s| s.pop()) else {
            return;
        };
        while let Some((index, layer)) = jobs.lock().ok().and_then(|mut j| j.pop()) {
            ctx.fill_layer(index, layer, &mut diff);
        }
    };
    if workers > 1 {
        rayon::scope(|s| {
            for _ in 1..workers {
                s.spawn(|_| work());
            }
            work();
        });
    } else {
        work();
    }
    Ok(Grid {
        request: *request,
        column_bar,
        layer_keys: layers.iter().map(|l| (l.side, l.tier)).collect(),
        layers: values,
    })
}

/// One cell of a layer's difference array: the USD added and taken where levels first show and
/// die, and how many levels start minus how many stop there.
#[derive(Debug, Clone, Copy, Default)]
struct DiffCell {
    usd: f64,
    levels: i32,
}

/// For each column, the last bar opening before the column ends, if that bar still covers the
/// column's start.
fn column_bars(engine: &Engine, request: &GridRequest) -> Vec<Option<usize>> {
    let times = engine.bar_times_ms();
    let interval = engine.interval_ms() as f64;
    let width = request.column_width_ms();
    (0..request.columns)
        .map(|col| {
            let col_start = request.start_ms as f64 + col as f64 * width;
            let col_end = col_start + width;
            let after = times.partition_point(|&t| (t as f64) < col_end);
            let bar = after.checked_sub(1)?;
            let open = *times.get(bar)? as f64;
            (open + interval > col_start).then_some(bar)
        })
        .collect()
}

/// What every layer of one grid shares.
struct LayerContext<'a> {
    engine: &'a Engine,
    request: &'a GridRequest,
    column_bar: &'a [Option<usize>],
    first_column: &'a [usize],
    /// The scale's log at each column's bar (0 where no bar).
    column_log: &'a [f64],
    step_factor: &'a [f64],
    /// Per level (in the order of the engine's levels), what a USD born there is worth at its
    /// first shown column.
    start_factor: &'a [f64],
}

impl LayerContext<'_> {
    /// Fills one layer's values, row-major, into `values` (emptied first). `diff` is scratch
    /// of any length whose cells are all zero; it is left so.
    fn fill_layer(&self, index: usize, values: &mut Vec<f32>, diff: &mut Vec<DiffCell>) {
        let columns = self.request.columns;
        let rows = self.request.rows;
        values.clear();
        let Some(layer) = self.engine.layers().get(index) else {
            values.resize(rows * columns, 0.0);
            return;
        };
        diff.resize(rows * columns, DiffCell::default());
        // Per row, the first column written and the one after the last: a row is zero before
        // its first level shows, and after its last change once no level stands.
        let mut written = vec![(columns, 0usize); rows];
        let inputs = self.engine.inputs();
        let notional = &inputs.new_usd[layer.side.index()];
        let n = self.engine.bar_count();
        let row_height = self.request.row_height_usd();
        for (at, (born, death)) in layer.levels().enumerate() {
            let (Some(&base), Some(&entry), Some(&log_born), Some(&start_factor)) = (
                notional.get(at),
                inputs.entry_price.get(at),
                inputs.log_scale.get(born),
                self.start_factor.get(at),
            ) else {
                continue;
            };
            if base <= 0.0 {
                continue;
            }
            let price = layer.price_of_entry(entry);
            let row = ((price - self.request.price_low) / row_height).floor();
            if !(row >= 0.0 && row < rows as f64) {
                continue;
            }
            let row = row as usize;
            let death = (death as usize).min(n);
            let (Some(&start), Some(&stop)) =
                (self.first_column.get(born), self.first_column.get(death))
            else {
                continue;
            };
            if start >= stop {
                continue;
            }
            let at = row * columns;
            if let Some(cell) = diff.get_mut(at + start) {
                cell.usd += base * start_factor;
                cell.levels += 1;
            }
            let mut last = start;
            if stop < columns
                && let (Some(cell), Some(&log_stop)) =
                    (diff.get_mut(at + stop), self.column_log.get(stop))
            {
                cell.usd -= base * (log_stop - log_born).exp();
                cell.levels -= 1;
                last = stop;
            }
            if let Some((first, end)) = written.get_mut(row) {
                *first = (*first).min(start);
                *end = (*end).max(last + 1);
            }
        }
        for (row_diff, &(first, end)) in diff.chunks_mut(columns).zip(&written) {
            let row_start = values.len();
            let first = first.min(columns);
            values.resize(row_start + first, 0.0);
            let mut running = 0.0;
            let mut standing = 0i32;
            let shown = self.column_bar.iter().zip(self.step_factor).skip(first);
            let cells = row_diff.iter_mut().skip(first).zip(shown);
            for (col, (cell, (bar, &step))) in (first..).zip(cells) {
                if col >= end && standing == 0 {
                    // Nothing stands and nothing changes any more: zeros to the row's end.
                    break;
                }
                // Read and left zero for the next layer.
                let cell = std::mem::take(cell);
                if bar.is_none() {
                    values.push(0.0);
                    continue;
                }
                running = running * step + cell.usd;
                standing += cell.levels;
                // When no level stands, the sum is zero by definition: drop rounding residue.
                if standing == 0 {
                    running = 0.0;
                }
                // Rounded to f32 only here; the running sum stays f64.
                values.push(running.max(0.0) as f32);
            }
            values.resize(row_start + columns, 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ModelSettings;

    fn btc_engine() -> Engine {
        let data = crate::dataset::load(std::path::Path::new("assets/btcusdt-5m.json"))
            .expect("the bundled BTCUSDT sample");
        Engine::new(&data, &ModelSettings::default()).expect("engine")
    }

    fn bits(values: &[f64]) -> Vec<u64> {
        values.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn the_grid_over_the_cores_is_the_grid_of_one_thread() {
        let engine = btc_engine();
        let (low, high) = engine.level_price_range().expect("levels");
        // A window inside the data and one past both of its ends.
        let whole = GridRequest::whole(&engine, low, high, 700, 300);
        let span = whole.end_ms - whole.start_ms;
        let windows = [
            whole,
            GridRequest {
                start_ms: whole.start_ms + span / 3,
                end_ms: whole.end_ms - span / 4,
                ..whole
            },
            GridRequest {
                start_ms: whole.start_ms - span / 10,
                end_ms: whole.end_ms + span / 10,
                columns: 1333,
                rows: 97,
                ..whole
            },
        ];
        for request in windows {
            let one = build_grid_on(&engine, &request, false).expect("grid");
            let many = build_grid_on(&engine, &request, true).expect("grid");
            assert_eq!(one.layers.len(), 10);
            assert!(one.layers.iter().flatten().any(|&v| v > 0.0));
            assert_eq!(one.column_bar, many.column_bar);
            assert_eq!(one.layer_keys, many.layer_keys);
            for (a, b) in one.layers.iter().zip(&many.layers) {
                let bits32 = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits32(a), bits32(b));
            }
        }
    }

    #[test]
    fn composing_by_blocks_sums_each_cell_as_a_pass_per_layer_does() {
        let engine = btc_engine();
        let (low, high) = engine.level_price_range().expect("levels");
        // More cells than a few blocks, and not a whole number of blocks.
        let request = GridRequest::whole(&engine, low, high, 331, 157);
        let grid = engine.grid(&request).expect("grid");
        let mut selection = engine.default_selection();
        let mut out = vec![7.0; 3];
        for hidden in [None, Some(4), Some(0)] {
            if let Some(share) = hidden.and_then(|tier| selection.tier_share.get_mut(tier)) {
                *share = 0.0;
            }
            let mut by_layer = vec![0.0; request.rows * request.columns];
            for (layer, &(side, tier)) in grid.layers.iter().zip(&grid.layer_keys) {
                let weight = selection.weight(side, tier);
                if weight > 0.0 {
                    for (o, &v) in by_layer.iter_mut().zip(layer) {
                        *o += weight * f64::from(v);
                    }
                }
            }
            grid.compose_into(&selection, &mut out);
            assert_eq!(bits(&out), bits(&by_layer), "hidden tier {hidden:?}");
        }
    }
}
