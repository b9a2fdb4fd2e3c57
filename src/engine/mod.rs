//! The cluster engine: from bars and open interest to standing liquidation levels, the heatmap
//! grid, the liquidation map at a bar, and ranked clusters. See `docs/engine-model.md` in the
//! README for the model; this module knows nothing of files or the UI.
//!
//! Each bar opens one level per side and leverage tier. Levels are kept in layers (one per side
//! and tier) at unit weight: a level's notional is its side's whole new notional, and tier weights
//! are applied when layers are summed ([`LayerSelection`]), so toggling or re-weighting a tier
//! never recomputes a level.

mod anchor;
mod bins;
mod clusters;
mod crossing;
mod extend;
mod grid;
mod inputs;
mod layers;
mod map;
pub mod score;
mod staircase;
mod standing;
pub mod venues;

pub use anchor::ValueUnit;
pub use bins::{DEFAULT_BIN_ROWS, auto_bin_usd};
pub use clusters::{Cluster, ClusterParams};
pub use grid::{Grid, GridError, GridRequest};
pub use inputs::{AlignedOpenInterest, BarInputs, aligned_open_interest};
pub use map::{LiqMap, MAX_MAP_ROWS, MapRow};
pub use standing::StandingSweep;

use crate::model::{Dataset, Side};
use crate::settings::{ModelSettings, ResolvedSettings, SettingsError, TierList};

/// Why the engine could not run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    /// A setting does not fit the dataset.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The dataset has no bars.
    #[error("the dataset has no bars")]
    NoBars,
    /// A bar index past the end of the dataset.
    #[error("bar {bar} is out of range: the dataset has {bars} bars")]
    BarOutOfRange {
        /// The index asked for.
        bar: usize,
        /// The number of bars.
        bars: usize,
    },
    /// A price row height that is not a positive number.
    #[error("the price row height must be a positive number of USD, not {0}")]
    BadBin(f64),
    /// A price row height so small that the map would hold too many rows.
    #[error("price rows of {bin_usd} USD give {rows} rows, more than {max}: choose a larger bin")]
    TooManyRows {
        /// The row height asked for.
        bin_usd: f64,
        /// The rows it would take.
        rows: i64,
        /// The most rows allowed.
        max: i64,
    },
}

/// One layer of levels: a side and a leverage tier, one level per bar (indexed by birth bar).
#[derive(Debug, Clone)]
pub struct Layer {
    /// The side of the positions.
    pub side: Side,
    /// Index of the tier in the settings' tier list.
    pub tier: usize,
    /// The tier's leverage.
    pub leverage: f64,
    /// Liquidation price of the level born at each bar.
    pub price: Vec<f64>,
    /// The bar at which the level born at each bar dies; `u32::MAX` if it stands to the end.
    pub death_bar: Vec<u32>,
}

/// Which layers to show and how much each tier weighs: the cheap part of the settings, applied
/// when layers are summed.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSelection {
    /// Share of new notional each tier receives (0 hides the tier); normally the tier weights
    /// divided by their sum.
    pub tier_share: Vec<f64>,
    /// Whether longs (index 0) and shorts (index 1) are shown.
    pub sides: [bool; 2],
}

impl LayerSelection {
    /// Every tier at its normalised weight, both sides.
    pub fn all(tiers: &TierList) -> Self {
        LayerSelection {
            tier_share: tiers.normalized_weights(),
            sides: [true, true],
        }
    }

    /// The multiplier of a layer: its tier's share, or 0 when the layer is hidden.
    pub fn weight(&self, side: Side, tier: usize) -> f64 {
        if self.sides[side.index()] {
            self.tier_share.get(tier).copied().unwrap_or(0.0)
        } else {
            0.0
        }
    }
}

/// A level that stands at some bar, as seen from that bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StandingLevel {
    /// Side of the positions.
    pub side: Side,
    /// Tier index.
    pub tier: usize,
    /// Liquidation price.
    pub price: f64,
    /// The bar the level was born at.
    pub born_bar: usize,
    /// Current notional in USD at unit tier weight (multiply by the tier's share).
    pub unit_notional_usd: f64,
}

/// A level dying: a predicted liquidation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictedLiquidation {
    /// The bar at which the level dies.
    pub bar: usize,
    /// Side of the positions liquidated.
    pub side: Side,
    /// Tier index.
    pub tier: usize,
    /// Liquidation price.
    pub price: f64,
    /// Notional in USD at the moment of death, weighted by the selection.
    pub notional_usd: f64,
}

/// Standing levels of one dataset under one set of settings.
#[derive(Debug, Clone)]
pub struct Engine {
    settings: ResolvedSettings,
    bar_time_ms: Vec<i64>,
    interval_ms: i64,
    close: Vec<f64>,
    /// Lows and highs, kept so that [`Engine::extended`] can tell which bars changed.
    low: Vec<f64>,
    high: Vec<f64>,
    inputs: BarInputs,
    layers: Vec<Layer>,
}

impl Engine {
    /// Resolves the settings against the dataset and computes every level and its death bar.
    pub fn new(dataset: &Dataset, settings: &ModelSettings) -> Result<Engine, EngineError> {
        let resolved = settings.resolve(dataset)?;
        Engine::with_resolved(dataset, resolved)
    }

    /// As [`Engine::new`], for settings already resolved.
    pub fn with_resolved(
        dataset: &Dataset,
        settings: ResolvedSettings,
    ) -> Result<Engine, EngineError> {
        if dataset.bars.is_empty() {
            return Err(EngineError::NoBars);
        }
        let inputs = inputs::bar_inputs(dataset, &settings);
        let layers = layers::build_layers(dataset, &settings, &inputs);
        Ok(anchor::anchored(Engine {
            bar_time_ms: dataset.bars.iter().map(|b| b.open_time_ms).collect(),
            interval_ms: dataset.interval_ms,
            close: dataset.bars.iter().map(|b| b.close).collect(),
            low: dataset.bars.iter().map(|b| b.low).collect(),
            high: dataset.bars.iter().map(|b| b.high).collect(),
            settings,
            inputs,
            layers,
        }))
    }

    /// The settings in force, with every automatic choice resolved.
    pub fn settings(&self) -> &ResolvedSettings {
        &self.settings
    }

    /// Number of bars.
    pub fn bar_count(&self) -> usize {
        self.bar_time_ms.len()
    }

    /// Open time of each bar.
    pub fn bar_times_ms(&self) -> &[i64] {
        &self.bar_time_ms
    }

    /// Bar interval in milliseconds.
    pub fn interval_ms(&self) -> i64 {
        self.interval_ms
    }

    /// Close of each bar.
    pub fn closes(&self) -> &[f64] {
        &self.close
    }

    /// The per-bar inputs (entry prices, new notional, scale).
    pub fn inputs(&self) -> &BarInputs {
        &self.inputs
    }

    /// Every layer, ordered side-major: all long tiers, then all short tiers.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Number of leverage tiers.
    pub fn tier_count(&self) -> usize {
        self.settings.tiers.0.len()
    }

    /// The share of the venue's open interest at `bar` that the standing levels account for
    /// (their base size over the open interest), with tiers weighted by `selection`; `None` in
    /// volume mode or before open interest is known. Early in a dataset it is small: positions
    /// opened before the data begins have no known entry price (the warm-up).
    pub fn explained_open_interest(
        &self,
        bar: usize,
        selection: &LayerSelection,
    ) -> Result<Option<f64>, EngineError> {
        let open_interest = self.inputs.open_interest.get(bar);
        let Some(open_interest) = open_interest.filter(|oi| *oi > 0.0) else {
            self.check_bar(bar)?;
            return Ok(None);
        };
        let mut base = 0.0;
        for level in self.standing_at(bar)? {
            let Some(&entry) = self.inputs.entry_price.get(level.born_bar) else {
                continue;
            };
            if entry > 0.0 {
                base += level.unit_notional_usd / entry * selection.weight(level.side, level.tier);
            }
        }
        Ok(Some(base / open_interest))
    }

    /// The lowest and highest liquidation price of any level that received notional.
    pub fn level_price_range(&self) -> Option<(f64, f64)> {
        let mut range: Option<(f64, f64)> = None;
        for layer in &self.layers {
            let notional = &self.inputs.new_usd[layer.side.index()];
            for (&price, &usd) in layer.price.iter().zip(notional) {
                if usd > 0.0 && price.is_finite() {
                    range = Some(
                        range.map_or((price, price), |(lo, hi)| (lo.min(price), hi.max(price))),
                    );
                }
            }
        }
        range
    }

    /// Every tier at its normalised weight, both sides.
    pub fn default_selection(&self) -> LayerSelection {
        LayerSelection::all(&self.settings.tiers)
    }

    fn check_bar(&self, bar: usize) -> Result<(), EngineError> {
        if bar < self.bar_count() {
            Ok(())
        } else {
            Err(EngineError::BarOutOfRange {
                bar,
                bars: self.bar_count(),
            })
        }
    }

    /// Levels standing at `bar` (after step d of that bar), at unit tier weight.
    pub fn standing_at(
        &self,
        bar: usize,
    ) -> Result<impl Iterator<Item = StandingLevel> + Clone + '_, EngineError> {
        self.check_bar(bar)?;
        let log_now = self.inputs.log_scale.get(bar).copied().unwrap_or(0.0);
        Ok(self.layers.iter().flat_map(move |layer| {
            let notional = &self.inputs.new_usd[layer.side.index()];
            let log_scale = &self.inputs.log_scale;
            (0..=bar).filter_map(move |born| {
                let death = *layer.death_bar.get(born)?;
                let base = *notional.get(born)?;
                if base <= 0.0 || (death as usize) <= bar {
                    return None;
                }
                Some(StandingLevel {
                    side: layer.side,
                    tier: layer.tier,
                    price: *layer.price.get(born)?,
                    born_bar: born,
                    unit_notional_usd: base * (log_now - log_scale.get(born)?).exp(),
                })
            })
        }))
    }

    /// Every level that dies, in bar order, with its notional at death weighted by `selection`.
    pub fn predicted_liquidations(&self, selection: &LayerSelection) -> Vec<PredictedLiquidation> {
        let mut events = Vec::new();
        for layer in &self.layers {
            let weight = selection.weight(layer.side, layer.tier);
            if weight <= 0.0 {
                continue;
            }
            let notional = &self.inputs.new_usd[layer.side.index()];
            for (born, (&death, &price)) in layer.death_bar.iter().zip(&layer.price).enumerate() {
                let death = death as usize;
                let (Some(&base), Some(&log_born)) =
                    (notional.get(born), self.inputs.log_scale.get(born))
                else {
                    continue;
                };
                // Death happens in step a of the bar, before that bar's shrink and fade.
                let Some(&log_before_death) = death
                    .checked_sub(1)
                    .and_then(|b| self.inputs.log_scale.get(b))
                else {
                    continue;
                };
                if base <= 0.0 {
                    continue;
                }
                events.push(PredictedLiquidation {
                    bar: death,
                    side: layer.side,
                    tier: layer.tier,
                    price,
                    notional_usd: base * weight * (log_before_death - log_born).exp(),
                });
            }
        }
        sorted_by_bar(events)
    }

    /// The liquidation map at `bar`: standing notional per price row of `bin_usd`, by side and
    /// tier, weighted by `selection`.
    pub fn map_at(
        &self,
        bar: usize,
        bin_usd: f64,
        selection: &LayerSelection,
    ) -> Result<LiqMap, EngineError> {
        map::map_at(self, bar, bin_usd, selection)
    }

    /// The ranked clusters at `bar` on rows of `bin_usd`, weighted by `selection`.
    pub fn clusters_at(
        &self,
        bar: usize,
        bin_usd: f64,
        selection: &LayerSelection,
        params: &ClusterParams,
    ) -> Result<Vec<Cluster>, EngineError> {
        let map = self.map_at(bar, bin_usd, selection)?;
        Ok(clusters::find_clusters(self, &map, selection, params))
    }

    /// The heatmap grid over a time and price window at the requested resolution, one layer per
    /// side and tier at unit weight.
    pub fn grid(&self, request: &GridRequest) -> Result<Grid, GridError> {
        grid::build_grid(self, request)
    }
}

/// `events` in bar order, keeping the order of the events of one bar (a stable sort): a
/// counting sort over the bars, where a comparison sort moved each of a year's half a million
/// deaths about twenty times.
fn sorted_by_bar(events: Vec<PredictedLiquidation>) -> Vec<PredictedLiquidation> {
    let (Some(&filler), Some(last_bar)) = (events.first(), events.iter().map(|e| e.bar).max())
    else {
        return events;
    };
    // next[b]: where the next event of bar b goes (counts first, then where each bar starts).
    let mut next = vec![0usize; last_bar + 1];
    for event in &events {
        if let Some(count) = next.get_mut(event.bar) {
            *count += 1;
        }
    }
    let mut start = 0;
    for slot in &mut next {
        let count = *slot;
        *slot = start;
        start += count;
    }
    let mut sorted = vec![filler; events.len()];
    for event in events {
        if let Some(at) = next.get_mut(event.bar)
            && let Some(place) = sorted.get_mut(*at)
        {
            *place = event;
            *at += 1;
        }
    }
    sorted
}

/// Long liquidation price of a position entered at `entry` with leverage `leverage`.
pub fn long_liquidation_price(entry: f64, leverage: f64, mmr: f64) -> f64 {
    entry * (1.0 - 1.0 / leverage) / (1.0 - mmr)
}

/// Short liquidation price of a position entered at `entry` with leverage `leverage`.
pub fn short_liquidation_price(entry: f64, leverage: f64, mmr: f64) -> f64 {
    entry * (1.0 + 1.0 / leverage) / (1.0 + mmr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counting_sort_keeps_the_order_a_stable_sort_gives() {
        let data = crate::dataset::sample().expect("the bundled sample");
        let engine = Engine::new(&data, &ModelSettings::default()).expect("engine");
        let events = engine.predicted_liquidations(&engine.default_selection());
        assert!(events.len() > 1000, "{} deaths", events.len());
        // Shuffled in a fixed way (bars far apart side by side, bars shared by many events).
        let mut shuffled: Vec<PredictedLiquidation> = events
            .iter()
            .rev()
            .step_by(2)
            .chain(events.iter().step_by(2))
            .copied()
            .collect();
        shuffled.rotate_left(events.len() / 3);
        let mut by_std = shuffled.clone();
        by_std.sort_by_key(|e| e.bar);
        let same_bar_pairs = by_std.windows(2).filter(|w| w[0].bar == w[1].bar).count();
        assert!(
            same_bar_pairs > 100,
            "ties to keep in order: {same_bar_pairs}"
        );
        assert_eq!(sorted_by_bar(shuffled), by_std);
        assert_eq!(sorted_by_bar(Vec::new()), Vec::new());
    }
}
