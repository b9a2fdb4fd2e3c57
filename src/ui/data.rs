//! What the viewer shows, apart from how it is drawn: the dataset, its engine, the grid of the
//! visible window composed with the chosen layers, and the clusters.
//! Nothing here is an egui type.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::{Cluster, Engine, Grid, LayerSelection};
use crate::model::{Dataset, Side};
use crate::source::Venue;

use super::venues_state::VenuesView;

/// Where the shown dataset came from, when it was fetched: what live mode keeps updating.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedSource {
    /// The venue.
    pub venue: Venue,
    /// The symbol as it was asked for.
    pub symbol: String,
    /// Bar interval, milliseconds.
    pub interval_ms: i64,
}

/// Where a dataset came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// The bundled sample.
    Sample,
    /// Fetched from an exchange (live mode can keep it updated).
    Fetched(FetchedSource),
    /// Built in memory (a test or a benchmark).
    Memory,
}

/// A dataset and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The data.
    pub dataset: Arc<Dataset>,
    /// Where it came from.
    pub origin: Origin,
}

impl Loaded {
    /// The file it was read from; `None` for the bundled sample or data held in memory.
    pub fn path(&self) -> Option<&PathBuf> {
        match &self.origin {
            Origin::File(path) => Some(path),
            _ => None,
        }
    }

    /// Whether this is the bundled sample.
    pub fn is_sample(&self) -> bool {
        self.origin == Origin::Sample
    }

    /// A short name for titles: the file name, "bundled sample", or "not saved" for data
    /// fetched or built in memory.
    pub fn name(&self) -> String {
        match &self.origin {
            Origin::File(path) => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            Origin::Sample => "bundled sample".to_string(),
            Origin::Fetched(_) | Origin::Memory => "not saved".to_string(),
        }
    }
}

/// One heatmap cell under the pointer.
#[derive(Debug, Clone, PartialEq)]
pub struct CellInfo {
    /// The bar whose state the column shows.
    pub bar: usize,
    /// Open time of that bar.
    pub time_ms: i64,
    /// Lower price edge of the row.
    pub price_low: f64,
    /// Upper price edge of the row.
    pub price_high: f64,
    /// Standing long USD in the cell (chosen layers).
    pub long_usd: f64,
    /// Standing short USD in the cell (chosen layers).
    pub short_usd: f64,
    /// USD of each tier in the cell, both sides together.
    pub tier_usd: Vec<f64>,
    /// Distance of the row's middle from that bar's close, percent.
    pub distance_pct: f64,
}

/// The standing notional of a grid column, per row, for the liquidation map beside the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnProfile {
    /// The bar the column shows.
    pub bar: usize,
    /// Lower price edge of each row.
    pub row_price_low: Vec<f64>,
    /// Row height in USD.
    pub row_height_usd: f64,
    /// Long USD per row.
    pub long_usd: Vec<f64>,
    /// Short USD per row.
    pub short_usd: Vec<f64>,
}

/// Everything the viewer shows.
#[derive(Debug, Default)]
pub struct ViewData {
    /// The dataset shown.
    pub loaded: Option<Loaded>,
    /// The engine for the dataset and the current model settings.
    pub engine: Option<Arc<Engine>>,
    /// The grid of the visible window (or the last one ready).
    pub grid: Option<Arc<Grid>>,
    /// The grid's layers summed with the current selection, row-major.
    pub composed: Vec<f64>,
    /// Clusters at a bar: the bar and its ranked clusters.
    pub clusters: Option<(usize, Vec<Cluster>)>,
    /// The share of the open interest the standing levels account for at the clusters' bar.
    pub explained_open_interest: Option<f64>,
    /// Several venues of one coin summed (then `loaded`, `engine` and `grid` are the reference
    /// venue's, and `composed` is the sum).
    pub venues: Option<VenuesView>,
}

impl ViewData {
    /// Re-sums the grid's layers with `selection` (no level is recomputed).
    pub fn compose(&mut self, selection: &LayerSelection) {
        if let Some(venues) = &mut self.venues {
            return venues.compose(selection, &mut self.composed);
        }
        match &self.grid {
            Some(grid) => grid.compose_into(selection, &mut self.composed),
            None => self.composed.clear(),
        }
    }

    /// The grid column holding `time_ms`, if it shows a bar.
    pub fn column_at(&self, time_ms: f64) -> Option<usize> {
        let grid = self.grid.as_ref()?;
        let request = &grid.request;
        let col = ((time_ms - request.start_ms as f64) / request.column_width_ms()).floor();
        if col < 0.0 || col >= request.columns as f64 {
            return None;
        }
        let col = col as usize;
        grid.column_bar.get(col).copied().flatten().map(|_| col)
    }

    /// The last grid column that shows a bar.
    pub fn last_column(&self) -> Option<usize> {
        let grid = self.grid.as_ref()?;
        grid.column_bar.iter().rposition(Option::is_some)
    }

    /// What the cell at (`time_ms`, `price`) holds, weighted by `selection`.
    pub fn cell_at(
        &self,
        time_ms: f64,
        price: f64,
        selection: &LayerSelection,
    ) -> Option<CellInfo> {
        let grid = self.grid.as_ref()?;
        let engine = self.engine.as_ref()?;
        let col = self.column_at(time_ms)?;
        let row = grid.request.row_of_price(price)?;
        let bar = grid.column_bar.get(col).copied().flatten()?;
        let mut long_usd = 0.0;
        let mut short_usd = 0.0;
        let mut tier_usd = vec![0.0; engine.tier_count()];
        for (layer, &(side, tier)) in grid.layer_keys.iter().enumerate() {
            let usd = self.layer_usd(grid, layer, row, col) * selection.weight(side, tier);
            match side {
                Side::Long => long_usd += usd,
                Side::Short => short_usd += usd,
            }
            if let Some(slot) = tier_usd.get_mut(tier) {
                *slot += usd;
            }
        }
        let price_low = grid.request.row_price_low(row);
        let price_high = price_low + grid.request.row_height_usd();
        let close = engine.closes().get(bar).copied().unwrap_or(f64::NAN);
        Some(CellInfo {
            bar,
            time_ms: engine.bar_times_ms().get(bar).copied().unwrap_or(0),
            price_low,
            price_high,
            long_usd,
            short_usd,
            tier_usd,
            distance_pct: ((price_low + price_high) / 2.0 - close) / close * 100.0,
        })
    }

    /// A layer's USD in a cell: the grid's, or the weighted sum over the venues.
    fn layer_usd(&self, grid: &Grid, layer: usize, row: usize, col: usize) -> f64 {
        match &self.venues {
            Some(venues) => venues.layer_usd(layer, row, col),
            None => grid.cell_usd(layer, row, col),
        }
    }

    /// The standing notional per row of a grid column, weighted by `selection`.
    pub fn column_profile(&self, col: usize, selection: &LayerSelection) -> Option<ColumnProfile> {
        let grid = self.grid.as_ref()?;
        let bar = grid.column_bar.get(col).copied().flatten()?;
        let rows = grid.request.rows;
        let mut long_usd = vec![0.0; rows];
        let mut short_usd = vec![0.0; rows];
        for (layer, &(side, tier)) in grid.layer_keys.iter().enumerate() {
            let weight = selection.weight(side, tier);
            if weight <= 0.0 {
                continue;
            }
            let target = match side {
                Side::Long => &mut long_usd,
                Side::Short => &mut short_usd,
            };
            for (row, slot) in target.iter_mut().enumerate() {
                *slot += self.layer_usd(grid, layer, row, col) * weight;
            }
        }
        Some(ColumnProfile {
            bar,
            row_price_low: (0..rows).map(|r| grid.request.row_price_low(r)).collect(),
            row_height_usd: grid.request.row_height_usd(),
            long_usd,
            short_usd,
        })
    }
}
