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
mod sorted_bars;
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

use std::ops::Range;
use std::sync::Arc;

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
    /// The maintenance margin rate its liquidation prices are computed with.
    pub mmr: f64,
    /// The birth bars of the levels, increasing: the bars that give notional to either side
    /// (a level with none never stands), the engine's [`BarInputs::born`], shared. In
    /// open-interest mode that is a tenth of a year of minutes, where a death bar per bar (21 MB
    /// for ten layers) held mostly `u32::MAX`.
    born: Arc<[u32]>,
    /// The bar at which the level born at `born[k]` dies; `u32::MAX` if it stands to the end.
    death: Vec<u32>,
}

impl Layer {
    /// Every level searched for a death, by birth bar: `(birth bar, death bar)`, the death bar
    /// `u32::MAX` if it stands to the end. Levels of other bars get no notional and never stand.
    pub fn levels(&self) -> impl DoubleEndedIterator<Item = (usize, u32)> + Clone + '_ {
        self.born
            .iter()
            .zip(&self.death)
            .map(|(&born, &death)| (born as usize, death))
    }

    /// The death bar of every bar, `u32::MAX` where none (or not searched): the layer as a
    /// table, for tests and comparisons.
    pub fn death_bars(&self, bars: usize) -> Vec<u32> {
        let mut all = vec![u32::MAX; bars];
        for (born, death) in self.levels() {
            if let Some(slot) = all.get_mut(born) {
                *slot = death;
            }
        }
        all
    }

    /// The levels at places `places` of [`Layer::levels`] (the places of the engine's
    /// per-level inputs too), as `(place, birth bar, death bar)`.
    fn levels_at(
        &self,
        places: Range<usize>,
    ) -> impl Iterator<Item = (usize, usize, u32)> + Clone + '_ {
        let born = self.born.get(places.clone()).unwrap_or_default();
        let death = self.death.get(places.clone()).unwrap_or_default();
        places
            .zip(born.iter().zip(death))
            .map(|(at, (&born, &death))| (at, born as usize, death))
    }

    /// The liquidation price of this layer's level entered at `entry` (a bar's entry price).
    ///
    /// Prices are not stored: each is this function of its bar's entry price, computed again
    /// to the same bits wherever it is needed (on a year of minutes the ten layers' prices took
    /// 42 MB, and a margin change wrote them all before reading them back).
    #[inline]
    pub fn price_of_entry(&self, entry: f64) -> f64 {
        match self.side {
            Side::Long => long_liquidation_price(entry, self.leverage, self.mmr),
            Side::Short => short_liquidation_price(entry, self.leverage, self.mmr),
        }
    }
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
///
/// The bar columns and the per-bar inputs are shared (`Arc`) with the engines made from this
/// one by [`Engine::with_settings`] when they are the same, so a model change neither copies
/// them nor holds two copies while the old engine is still shown.
#[derive(Debug, Clone)]
pub struct Engine {
    settings: ResolvedSettings,
    bar_time_ms: Arc<[i64]>,
    interval_ms: i64,
    close: Arc<[f64]>,
    /// Lows and highs, kept so that [`Engine::extended`] and [`Engine::with_settings`] can
    /// tell which bars changed.
    low: Arc<[f64]>,
    high: Arc<[f64]>,
    inputs: Arc<BarInputs>,
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
            inputs: Arc::new(inputs),
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
            let entry = self.inputs.level_of(level.born_bar);
            let Some(&entry) = entry.and_then(|at| self.inputs.entry_price.get(at)) else {
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
            for (price, &usd) in self.layer_prices(layer).zip(notional) {
                if usd > 0.0 && price.is_finite() {
                    range = Some(
                        range.map_or((price, price), |(lo, hi)| (lo.min(price), hi.max(price))),
                    );
                }
            }
        }
        range
    }

    /// The liquidation price of every level of `layer` (one of this engine's), in the order of
    /// [`Layer::levels`].
    pub fn layer_prices<'a>(&'a self, layer: &'a Layer) -> impl Iterator<Item = f64> + Clone + 'a {
        self.inputs
            .entry_price
            .iter()
            .map(|&entry| layer.price_of_entry(entry))
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
            let entry = &self.inputs.entry_price;
            let born_by_now = self.inputs.levels_within(0..bar + 1);
            layer
                .levels_at(born_by_now)
                .filter_map(move |(at, born, death)| {
                    let base = *notional.get(at)?;
                    if base <= 0.0 || (death as usize) <= bar {
                        return None;
                    }
                    Some(StandingLevel {
                        side: layer.side,
                        tier: layer.tier,
                        price: layer.price_of_entry(*entry.get(at)?),
                        born_bar: born,
                        unit_notional_usd: base * (log_now - log_scale.get(born)?).exp(),
                    })
                })
        }))
    }

    /// Every level that dies, in bar order, with its notional at death weighted by `selection`.
    pub fn predicted_liquidations(&self, selection: &LayerSelection) -> Vec<PredictedLiquidation> {
        let mut events = Vec::new();
        self.for_each_death(selection, |event| events.push(event));
        sorted_by_bar(events)
    }

    /// Calls `each` with every level that dies and its notional at death weighted by
    /// `selection`, layer by layer (the engine's layer order), each layer's levels by birth bar.
    /// The deaths of one bar therefore come in the order [`Engine::predicted_liquidations`]
    /// lists them, so per-bar sums made here are equal to the bit to sums over that list,
    /// without the list (half a million deaths on a year of minutes, 40 bytes each, and the
    /// sort's copy).
    pub fn for_each_death(
        &self,
        selection: &LayerSelection,
        mut each: impl FnMut(PredictedLiquidation),
    ) {
        let log_scale = &self.inputs.log_scale;
        for layer in &self.layers {
            let weight = selection.weight(layer.side, layer.tier);
            if weight <= 0.0 {
                continue;
            }
            let notional = &self.inputs.new_usd[layer.side.index()];
            for (at, (born, death)) in layer.levels().enumerate() {
                let (Some(&base), Some(&log_born), Some(&entry)) = (
                    notional.get(at),
                    log_scale.get(born),
                    self.inputs.entry_price.get(at),
                ) else {
                    continue;
                };
                if base <= 0.0 {
                    continue;
                }
                let death = death as usize;
                // Death happens in step a of the bar, before that bar's shrink and fade.
                let Some(&log_before_death) = death.checked_sub(1).and_then(|b| log_scale.get(b))
                else {
                    continue;
                };
                each(PredictedLiquidation {
                    bar: death,
                    side: layer.side,
                    tier: layer.tier,
                    price: layer.price_of_entry(entry),
                    notional_usd: base * weight * (log_before_death - log_born).exp(),
                });
            }
        }
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

/// The bundled BTCUSDT sample (real 5-minute bars with a few real liquidations) under seven
/// leverage tiers: many levels dying on shared bars, for tests of the order of sums.
#[cfg(test)]
pub(crate) fn btc_sample_seven_tiers() -> (Dataset, ModelSettings) {
    let data = crate::dataset::load(std::path::Path::new("assets/btcusdt-5m.json"))
        .expect("the bundled BTCUSDT sample");
    let settings = ModelSettings {
        tiers: "3:1,5:1,10:1,25:1,50:1,100:1,125:1".parse().expect("tiers"),
        ..ModelSettings::default()
    };
    (data, settings)
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

    #[test]
    fn sums_per_bar_over_each_death_equal_sums_over_the_sorted_list() {
        let (data, settings) = crate::engine::btc_sample_seven_tiers();
        let engine = Engine::new(&data, &settings).expect("engine");
        let mut selection = engine.default_selection();
        selection.tier_share[2] = 0.0;
        let add = |per_bar: &mut Vec<[f64; 2]>, d: PredictedLiquidation| {
            per_bar[d.bar][d.side.index()] += d.notional_usd * d.price;
        };
        let mut listed = vec![[0.0f64; 2]; engine.bar_count()];
        for death in engine.predicted_liquidations(&selection) {
            add(&mut listed, death);
        }
        let mut streamed = vec![[0.0f64; 2]; engine.bar_count()];
        engine.for_each_death(&selection, |death| add(&mut streamed, death));
        // Many bars where several levels die, so the order of the additions matters.
        let events = engine.predicted_liquidations(&selection);
        let shared = events.windows(2).filter(|w| w[0].bar == w[1].bar).count();
        assert!(
            shared > 1000,
            "{shared} deaths share a bar with the one before"
        );
        let bits = |v: &[[f64; 2]]| v.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&streamed), bits(&listed));
    }
}
