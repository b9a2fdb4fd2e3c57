//! What the viewer keeps of a coin shown across several venues: the venues (each with its own
//! engine), their grids of the window on one shared axis, and each venue's share of the
//! clusters. Ticking or weighting a venue re-sums the kept grids; no engine runs. No egui here.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::engine::venues::{VenueGrids, VenueSettings, Venues, VenuesError};
use crate::engine::{Cluster, LayerSelection};
use crate::model::Dataset;
use crate::source::coin_fetch::CoinRequest;
use crate::source::{CancelToken, FetchProgress, FetchRequest, Venue};
use crate::time::format_time_ms;

/// Why Live is off in a coin view: a venue is followed through the exchange it was fetched
/// from, and none of these was fetched.
pub const LIVE_NOT_IN_COIN_VIEW: &str = "no venue of this coin view was fetched from an exchange \
    (venues opened from files are not followed); fetch the coin from every venue (File ▸ Fetch \
    from exchange…, all venues) to follow it live";

/// Several venues of one coin, as shown.
#[derive(Debug, Clone)]
pub struct VenuesView {
    /// The venues, their engines and how each counts.
    pub venues: Venues,
    /// The files they were read from, in venue order (empty for data fetched or in memory).
    pub paths: Vec<PathBuf>,
    /// What each venue was fetched with, in venue order (`None`: opened from a file or built
    /// in memory): what live mode follows.
    pub fetched: Vec<Option<FetchRequest>>,
    /// Every venue's grid of the window, and their sum (once the first grid is ready).
    pub grids: Option<VenueGrids>,
    /// Each venue's share of each cluster of `ViewData::clusters`, in the same order.
    pub cluster_shares: Vec<Vec<f64>>,
}

impl VenuesView {
    /// The venues as they are, no grid yet.
    pub fn new(venues: Venues, paths: Vec<PathBuf>) -> Self {
        VenuesView {
            fetched: vec![None; venues.len()],
            venues,
            paths,
            grids: None,
            cluster_shares: Vec::new(),
        }
    }

    /// The same view, its venues known to be fetched with `fetched` (in venue order).
    pub fn with_fetched(mut self, fetched: Vec<Option<FetchRequest>>) -> Self {
        self.fetched = fetched;
        self.fetched.resize(self.venues.len(), None);
        self
    }

    /// Whether a venue was fetched from its exchange, so live mode can follow it.
    pub fn is_fetched(&self) -> bool {
        self.fetched.iter().any(Option::is_some)
    }

    /// Re-composes every venue's kept layers under `selection` and writes their sum to `out`
    /// (what a tier toggle costs: no grid is built).
    pub fn compose(&mut self, selection: &LayerSelection, out: &mut Vec<f64>) {
        match &mut self.grids {
            Some(grids) => {
                grids.set_selection(&self.venues, selection);
                out.clear();
                out.extend_from_slice(grids.total());
            }
            None => out.clear(),
        }
    }

    /// Changes how a venue counts and re-sums the kept grids into `out`; nothing is recomputed.
    pub fn set_venue(
        &mut self,
        venue: usize,
        settings: VenueSettings,
        out: &mut Vec<f64>,
    ) -> Result<(), VenuesError> {
        self.venues.set_settings(venue, settings)?;
        if let Some(grids) = &mut self.grids {
            grids.resum(&self.venues);
            out.clear();
            out.extend_from_slice(grids.total());
        }
        Ok(())
    }

    /// A layer's USD in a cell, summed over the venues with their weights (0 without grids).
    pub fn layer_usd(&self, layer: usize, row: usize, col: usize) -> f64 {
        let Some(grids) = &self.grids else {
            return 0.0;
        };
        grids
            .weights()
            .iter()
            .enumerate()
            .filter(|(_, w)| **w > 0.0)
            .map(|(v, w)| {
                w * grids
                    .venue_grid(v)
                    .map_or(0.0, |g| g.cell_usd(layer, row, col))
            })
            .sum()
    }

    /// Each venue's USD in a cell under `selection` (both sides), weighted as in the sum: the
    /// parts add up to the cell's total.
    pub fn cell_parts_usd(&self, row: usize, col: usize, selection: &LayerSelection) -> Vec<f64> {
        let Some(grids) = &self.grids else {
            return vec![0.0; self.venues.len()];
        };
        (0..self.venues.len())
            .map(|v| {
                let weight = grids.weights().get(v).copied().unwrap_or(0.0);
                let Some(grid) = grids.venue_grid(v).filter(|_| weight > 0.0) else {
                    return 0.0;
                };
                grid.layer_keys
                    .iter()
                    .enumerate()
                    .map(|(layer, &(side, tier))| {
                        grid.cell_usd(layer, row, col) * selection.weight(side, tier)
                    })
                    .sum::<f64>()
                    * weight
            })
            .collect()
    }

    /// Each venue's USD in a whole grid column under `selection`, weighted as in the sum.
    pub fn column_parts_usd(&self, col: usize, selection: &LayerSelection) -> Vec<f64> {
        let rows = self.grids.as_ref().map_or(0, |g| g.request().rows);
        let mut parts = vec![0.0; self.venues.len()];
        for row in 0..rows {
            for (total, part) in parts
                .iter_mut()
                .zip(self.cell_parts_usd(row, col, selection))
            {
                *total += part;
            }
        }
        parts
    }

    /// What the Score panel and the liquidation bars under the chart are computed from in a
    /// coin view: the venues ticked, summed, on the reference venue's candles.
    pub fn summed_note(&self) -> String {
        let weights = self.venues.weights();
        let ticked: Vec<&str> = self
            .venues
            .names()
            .into_iter()
            .zip(&weights)
            .filter(|(_, w)| **w > 0.0)
            .map(|(name, _)| name)
            .collect();
        format!(
            "Score and liquidation bars: the map summed over {} and their real liquidations,              on the candles of {} (the reference venue)",
            if ticked.is_empty() {
                "no venue (all ticked off)".to_string()
            } else {
                ticked.join(", ")
            },
            self.venues
                .name(self.venues.reference())
                .unwrap_or_default()
        )
    }

    /// The time every venue has data for, as text.
    pub fn common_range_text(&self) -> String {
        match self.venues.common_range_ms() {
            Some((start, end)) => format!(
                "common range {} – {}",
                format_time_ms(start),
                format_time_ms(end)
            ),
            None => "no common range".to_string(),
        }
    }

    /// `binance-usdm 60% · okx-swap 40%`: the venues with a share of at least half a percent.
    pub fn shares_text(&self, shares: &[f64]) -> String {
        let names = self.venues.names();
        let parts: Vec<String> = names
            .iter()
            .zip(shares)
            .filter(|(_, s)| **s >= 0.005)
            .map(|(name, s)| format!("{name} {:.0}%", s * 100.0))
            .collect();
        parts.join(" · ")
    }

    /// The venues' shares of cluster `rank`, as text (`None` before they are known).
    pub fn cluster_shares_text(&self, rank: usize) -> Option<String> {
        self.cluster_shares
            .get(rank)
            .map(|shares| self.shares_text(shares))
    }
}

/// The clusters of the summed map, split into the clusters and each one's venue shares.
pub fn split_clusters(
    clusters: Vec<crate::engine::venues::VenueCluster>,
) -> (Vec<Cluster>, Vec<Vec<f64>>) {
    clusters
        .into_iter()
        .map(|c| (c.cluster, c.venue_share))
        .unzip()
}

/// Parts as shares of their sum: adding up to 1, or all 0 when the sum is 0.
pub fn shares_of(parts: &[f64]) -> Vec<f64> {
    let total: f64 = parts.iter().sum();
    if total > 0.0 {
        parts.iter().map(|p| p / total).collect()
    } else {
        vec![0.0; parts.len()]
    }
}

/// Where the datasets of a coin view come from.
#[derive(Debug, Clone, PartialEq)]
pub enum VenuesSource {
    /// Dataset files, one per venue.
    Files(Vec<PathBuf>),
    /// A view file naming them, with each venue's settings.
    View(PathBuf),
    /// Datasets in memory (built by a test or a caller that keeps no source).
    Memory(Vec<Arc<Dataset>>),
    /// Datasets fetched from their exchanges, each with its request (live mode follows them).
    Fetched(Vec<(Arc<Dataset>, FetchRequest)>),
}

/// One venue's line in the fetch of a coin.
#[derive(Debug, Clone, PartialEq)]
pub enum VenueLine {
    /// Pages done and expected so far.
    Running(FetchProgress),
    /// How it ended, for people.
    Done(String),
}

/// A fetch of one coin from every venue, in flight.
#[derive(Debug)]
pub struct RunningCoinFetch {
    /// What was asked.
    pub request: CoinRequest,
    /// Each venue's line, updated by the task.
    pub lines: Arc<Mutex<Vec<(Venue, VenueLine)>>>,
    /// Cancels every venue's fetch.
    pub cancel: CancelToken,
    /// The number of the fetch; a result of another number is stale.
    pub generation: u64,
}

/// The fetch window's "all venues" part.
#[derive(Debug, Default)]
pub struct CoinFetchState {
    /// The coin typed.
    pub coin: String,
    /// The fetch in flight.
    pub running: Option<RunningCoinFetch>,
    /// How each venue's part of the last fetch ended.
    pub last: Vec<String>,
}
