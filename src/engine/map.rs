//! The liquidation map at one bar: standing notional per price row, by side and tier.

use super::{Engine, EngineError, LayerSelection, StandingLevel};
use crate::model::Side;

/// At most this many price rows in one map, so a tiny `--bin` cannot exhaust memory.
pub const MAX_MAP_ROWS: i64 = 4_000_000;

/// Standing notional per price row at one bar. Row `k` covers `[k * bin_usd, (k + 1) * bin_usd)`;
/// the map holds rows `first_row ..= first_row + row_count() - 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct LiqMap {
    /// The bar the map is taken at (after step d of that bar).
    pub bar: usize,
    /// Open time of that bar.
    pub time_ms: i64,
    /// Close of that bar, the reference for distances.
    pub close: f64,
    /// Price row height in USD.
    pub bin_usd: f64,
    /// Row index of the first row held.
    pub first_row: i64,
    /// Number of leverage tiers.
    pub tier_count: usize,
    /// USD per `[row][side][tier]`.
    cells: Vec<f64>,
}

/// One row of a map, summed over tiers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapRow {
    /// Row index (the row covers `[index * bin, (index + 1) * bin)`).
    pub index: i64,
    /// Lower price edge.
    pub price_low: f64,
    /// Upper price edge.
    pub price_high: f64,
    /// Standing long notional in USD.
    pub long_usd: f64,
    /// Standing short notional in USD.
    pub short_usd: f64,
}

impl LiqMap {
    /// Number of rows held (empty rows between non-empty ones included).
    pub fn row_count(&self) -> usize {
        self.cells
            .len()
            .checked_div(2 * self.tier_count)
            .unwrap_or(0)
    }

    /// USD of one side and tier in the `row`-th row held (0-based from `first_row`).
    pub fn tier_usd(&self, row: usize, side: Side, tier: usize) -> f64 {
        let index = (row * 2 + side.index()) * self.tier_count + tier;
        self.cells.get(index).copied().unwrap_or(0.0)
    }

    /// USD of one side in the `row`-th row held, summed over tiers.
    pub fn side_usd(&self, row: usize, side: Side) -> f64 {
        (0..self.tier_count)
            .map(|tier| self.tier_usd(row, side, tier))
            .sum()
    }

    /// Lower price edge of the `row`-th row held.
    pub fn row_price_low(&self, row: usize) -> f64 {
        (self.first_row + row as i64) as f64 * self.bin_usd
    }

    /// The `row`-th row held, ascending in price.
    pub fn row(&self, row: usize) -> MapRow {
        let index = self.first_row + row as i64;
        MapRow {
            index,
            price_low: index as f64 * self.bin_usd,
            price_high: (index + 1) as f64 * self.bin_usd,
            long_usd: self.side_usd(row, Side::Long),
            short_usd: self.side_usd(row, Side::Short),
        }
    }

    /// Rows with any standing notional, ascending in price.
    pub fn non_empty_rows(&self) -> impl Iterator<Item = MapRow> + '_ {
        (0..self.row_count())
            .map(|row| self.row(row))
            .filter(|r| r.long_usd > 0.0 || r.short_usd > 0.0)
    }

    /// Total standing USD of one side.
    pub fn total_usd(&self, side: Side) -> f64 {
        (0..self.row_count())
            .map(|row| self.side_usd(row, side))
            .sum()
    }

    /// The position (0-based) of the row holding `price`, if the map holds it.
    pub fn row_of_price(&self, price: f64) -> Option<usize> {
        let index = (price / self.bin_usd).floor() as i64 - self.first_row;
        usize::try_from(index)
            .ok()
            .filter(|&row| row < self.row_count())
    }
}

/// Computes the map (see [`Engine::map_at`]).
pub(super) fn map_at(
    engine: &Engine,
    bar: usize,
    bin_usd: f64,
    selection: &LayerSelection,
) -> Result<LiqMap, EngineError> {
    if !(bin_usd.is_finite() && bin_usd > 0.0) {
        return Err(EngineError::BadBin(bin_usd));
    }
    map_from_levels(engine, bar, bin_usd, selection, engine.standing_at(bar)?)
}

/// The map at `bar` summed from `levels`, the levels standing there (from
/// [`Engine::standing_at`] or a [`super::StandingSweep`]); `bin_usd` is already checked.
pub(super) fn map_from_levels(
    engine: &Engine,
    bar: usize,
    bin_usd: f64,
    selection: &LayerSelection,
    levels: impl IntoIterator<Item = StandingLevel>,
) -> Result<LiqMap, EngineError> {
    let tier_count = engine.tier_count();
    let mut entries: Vec<(i64, usize, f64)> = Vec::new();
    for level in levels {
        let usd = level.unit_notional_usd * selection.weight(level.side, level.tier);
        if usd > 0.0 && level.price.is_finite() {
            let row = (level.price / bin_usd).floor() as i64;
            let cell = level.side.index() * tier_count + level.tier;
            entries.push((row, cell, usd));
        }
    }
    let first_row = entries.iter().map(|e| e.0).min().unwrap_or(0);
    let last_row = entries.iter().map(|e| e.0).max().unwrap_or(-1);
    let rows = last_row - first_row + 1;
    if rows > MAX_MAP_ROWS {
        return Err(EngineError::TooManyRows {
            bin_usd,
            rows,
            max: MAX_MAP_ROWS,
        });
    }
    let mut cells = vec![0.0; rows.max(0) as usize * 2 * tier_count];
    for (row, cell, usd) in entries {
        let index = (row - first_row) as usize * 2 * tier_count + cell;
        if let Some(slot) = cells.get_mut(index) {
            *slot += usd;
        }
    }
    Ok(LiqMap {
        bar,
        time_ms: engine.bar_times_ms().get(bar).copied().unwrap_or(0),
        close: engine.closes().get(bar).copied().unwrap_or(f64::NAN),
        bin_usd,
        first_row,
        tier_count,
        cells,
    })
}
