//! Building the layers (a liquidation price and a death bar per level), and reusing the layers a
//! change of settings leaves as they were.
//!
//! A layer depends on the bars' lows and highs, the entry prices, its side and leverage, and the
//! maintenance margin: nothing else. A change of the long/short split, the source of new
//! positions, the fade or a tier's weight leaves every layer as it was; adding a tier builds one
//! new layer per side; only a change of the margin or the entry price builds them all again.
//! The layers to build are built per side, each side in one sweep over the bars
//! ([`super::staircase`]), the two sides on two cores.

use super::inputs::{self, BarInputs};
use super::staircase::first_later_reached;
use super::{Engine, EngineError, Layer, long_liquidation_price, short_liquidation_price};
use crate::model::{Dataset, Side};
use crate::settings::{ModelSettings, ResolvedSettings};

/// Below this many bars the layers are built on one thread: splitting costs more than it saves.
const PARALLEL_MIN_BARS: usize = 10_000;

/// Side, tier index and leverage of every layer, side-major.
fn layer_specs(settings: &ResolvedSettings) -> Vec<(Side, usize, f64)> {
    Side::BOTH
        .iter()
        .flat_map(|&side| {
            settings
                .tiers
                .0
                .iter()
                .enumerate()
                .map(move |(tier, t)| (side, tier, t.leverage))
        })
        .collect()
}

/// The layers of `specs` that are on `side`, with their place in `specs`: prices from the entry
/// prices, deaths from one sweep over the bars for all of them.
fn side_layers(
    side: Side,
    specs: &[(Side, usize, f64)],
    dataset: &Dataset,
    inputs: &BarInputs,
    mmr: f64,
) -> Vec<(usize, Layer)> {
    let mine: Vec<(usize, usize, f64)> = specs
        .iter()
        .enumerate()
        .filter(|(_, spec)| spec.0 == side)
        .map(|(at, &(_, tier, leverage))| (at, tier, leverage))
        .collect();
    if mine.is_empty() {
        return Vec::new();
    }
    let prices: Vec<Vec<f64>> = mine
        .iter()
        .map(|&(_, _, leverage)| {
            inputs
                .entry_price
                .iter()
                .map(|&entry| match side {
                    Side::Long => long_liquidation_price(entry, leverage, mmr),
                    Side::Short => short_liquidation_price(entry, leverage, mmr),
                })
                .collect()
        })
        .collect();
    let thresholds: Vec<&[f64]> = prices.iter().map(Vec::as_slice).collect();
    // Longs die on a low at or below their price, shorts on a high at or above it.
    let deaths = match side {
        Side::Long => first_later_reached(&dataset.bars, |b| b.low, 1.0, &thresholds),
        Side::Short => first_later_reached(&dataset.bars, |b| b.high, -1.0, &thresholds),
    };
    mine.into_iter()
        .zip(prices)
        .zip(deaths)
        .map(|(((at, tier, leverage), price), death_bar)| {
            (
                at,
                Layer {
                    side,
                    tier,
                    leverage,
                    price,
                    death_bar,
                },
            )
        })
        .collect()
}

/// The layers of `specs`, in their order: the longs and the shorts are two independent sweeps,
/// run on two cores for big datasets.
fn build_specs(
    specs: &[(Side, usize, f64)],
    dataset: &Dataset,
    inputs: &BarInputs,
    mmr: f64,
) -> Vec<Layer> {
    let parallel = dataset.bars.len() >= PARALLEL_MIN_BARS;
    build_specs_on(specs, dataset, inputs, mmr, parallel)
}

/// [`build_specs`] on one thread or two.
fn build_specs_on(
    specs: &[(Side, usize, f64)],
    dataset: &Dataset,
    inputs: &BarInputs,
    mmr: f64,
    parallel: bool,
) -> Vec<Layer> {
    let side = |side: Side| side_layers(side, specs, dataset, inputs, mmr);
    let (longs, shorts) = if parallel {
        rayon::join(|| side(Side::Long), || side(Side::Short))
    } else {
        (side(Side::Long), side(Side::Short))
    };
    let mut layers: Vec<(usize, Layer)> = longs.into_iter().chain(shorts).collect();
    layers.sort_by_key(|(at, _)| *at);
    layers.into_iter().map(|(_, layer)| layer).collect()
}

/// Every layer of the dataset under the settings.
pub(super) fn build_layers(
    dataset: &Dataset,
    settings: &ResolvedSettings,
    inputs: &BarInputs,
) -> Vec<Layer> {
    build_specs(&layer_specs(settings), dataset, inputs, settings.mmr)
}

impl Engine {
    /// The engine of `dataset` under `settings`, reusing this engine's layers that the change
    /// leaves as they were (see the module's description); equal to [`Engine::new`]. When the
    /// bars differ from this engine's, everything is computed again.
    pub fn with_settings(
        &self,
        dataset: &Dataset,
        settings: &ModelSettings,
    ) -> Result<Engine, EngineError> {
        let resolved = settings.resolve(dataset)?;
        let same_bars = dataset.interval_ms == self.interval_ms
            && dataset.bars.len() == self.bar_count()
            && dataset.bars.iter().enumerate().all(|(i, b)| {
                self.bar_time_ms.get(i) == Some(&b.open_time_ms)
                    && self.low.get(i).map(|l| l.to_bits()) == Some(b.low.to_bits())
                    && self.high.get(i).map(|h| h.to_bits()) == Some(b.high.to_bits())
            });
        if !same_bars {
            return Engine::with_resolved(dataset, resolved);
        }
        let inputs = inputs::bar_inputs(dataset, &resolved);
        let same_entries = resolved.mmr.to_bits() == self.settings.mmr.to_bits()
            && inputs.entry_price.len() == self.inputs.entry_price.len()
            && inputs
                .entry_price
                .iter()
                .zip(&self.inputs.entry_price)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        let old = |side: Side, leverage: f64| {
            self.layers
                .iter()
                .find(|l| l.side == side && l.leverage.to_bits() == leverage.to_bits())
                .filter(|_| same_entries)
        };
        let specs = layer_specs(&resolved);
        let missing: Vec<(Side, usize, f64)> = specs
            .iter()
            .filter(|&&(side, _, leverage)| old(side, leverage).is_none())
            .copied()
            .collect();
        // Built in `specs` order, so they come out as the kept ones leave gaps for them.
        let mut built = build_specs(&missing, dataset, &inputs, resolved.mmr).into_iter();
        let layers: Vec<Layer> = specs
            .iter()
            .filter_map(|&(side, tier, leverage)| match old(side, leverage) {
                Some(kept) => Some(Layer {
                    tier,
                    ..kept.clone()
                }),
                None => built.next(),
            })
            .collect();
        Ok(super::anchor::anchored(Engine {
            bar_time_ms: self.bar_time_ms.clone(),
            interval_ms: self.interval_ms,
            close: dataset.bars.iter().map(|b| b.close).collect(),
            low: self.low.clone(),
            high: self.high.clone(),
            settings: resolved,
            inputs,
            layers,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{EntryPrice, SplitChoice, TierList};

    /// Everything the engine computed, compared field by field.
    fn assert_same(a: &Engine, b: &Engine, what: &str) {
        assert_eq!(a.settings(), b.settings(), "{what}");
        assert_eq!(a.inputs(), b.inputs(), "{what}");
        assert_eq!(a.closes(), b.closes(), "{what}");
        assert_eq!(a.layers().len(), b.layers().len(), "{what}");
        for (x, y) in a.layers().iter().zip(b.layers()) {
            assert_eq!((x.side, x.tier), (y.side, y.tier), "{what}");
            assert_eq!(x.leverage.to_bits(), y.leverage.to_bits(), "{what}");
            assert_eq!(x.death_bar, y.death_bar, "{what}");
            let bits = |v: &[f64]| v.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&x.price), bits(&y.price), "{what}");
        }
    }

    #[test]
    fn with_settings_equals_a_new_engine_for_every_kind_of_change() {
        let data = crate::dataset::sample().expect("the bundled sample");
        let base = ModelSettings::default();
        let engine = Engine::new(&data, &base).expect("engine");
        let tiers = |text: &str| text.parse::<TierList>().expect("tiers");
        let changes = [
            (
                "mmr",
                ModelSettings {
                    mmr: 0.01,
                    ..base.clone()
                },
            ),
            (
                "split",
                ModelSettings {
                    split: SplitChoice::Candle,
                    ..base.clone()
                },
            ),
            (
                "entry",
                ModelSettings {
                    entry: EntryPrice::Close,
                    ..base.clone()
                },
            ),
            (
                "a tier added and the order changed",
                ModelSettings {
                    tiers: tiers("100:0.1,3:0.2,10:0.3,25:0.25,50:0.15"),
                    ..base.clone()
                },
            ),
            (
                "weights only",
                ModelSettings {
                    tiers: tiers("5:1,10:1,25:1,50:1,100:1"),
                    ..base.clone()
                },
            ),
            ("nothing", base.clone()),
        ];
        for (what, settings) in &changes {
            let reused = engine.with_settings(&data, settings).expect(what);
            let fresh = Engine::new(&data, settings).expect(what);
            assert_same(&reused, &fresh, what);
        }
    }

    #[test]
    fn two_threads_build_the_layers_one_thread_builds() {
        let data = crate::dataset::load(std::path::Path::new("assets/btcusdt-5m.json"))
            .expect("the bundled BTCUSDT sample");
        let settings = ModelSettings {
            tiers: "3:1,5:1,10:1,25:1,50:1,100:1,125:1".parse().expect("tiers"),
            ..ModelSettings::default()
        };
        let resolved = settings.resolve(&data).expect("settings");
        let inputs = inputs::bar_inputs(&data, &resolved);
        let specs = layer_specs(&resolved);
        let one = build_specs_on(&specs, &data, &inputs, resolved.mmr, false);
        let two = build_specs_on(&specs, &data, &inputs, resolved.mmr, true);
        assert_eq!(one.len(), 14);
        let died: usize = one
            .iter()
            .map(|l| l.death_bar.iter().filter(|&&d| d != u32::MAX).count())
            .sum();
        assert!(died > 1000, "{died} levels die");
        for (a, b) in one.iter().zip(&two) {
            assert_eq!((a.side, a.tier), (b.side, b.tier));
            assert_eq!(a.leverage.to_bits(), b.leverage.to_bits());
            assert_eq!(a.death_bar, b.death_bar);
            let bits = |v: &[f64]| v.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.price), bits(&b.price));
        }
    }

    #[test]
    fn with_settings_on_other_bars_computes_everything() {
        let data = crate::dataset::sample().expect("the bundled sample");
        let engine = Engine::new(&data, &ModelSettings::default()).expect("engine");
        let mut other = data.clone();
        if let Some(bar) = other.bars.get_mut(100) {
            bar.low *= 0.9;
        }
        let settings = ModelSettings::default();
        let reused = engine.with_settings(&other, &settings).expect("engine");
        let fresh = Engine::new(&other, &settings).expect("engine");
        assert_same(&reused, &fresh, "a changed low");
        let deaths = |e: &Engine| -> Vec<Vec<u32>> {
            e.layers().iter().map(|l| l.death_bar.clone()).collect()
        };
        assert_ne!(
            deaths(&engine),
            deaths(&fresh),
            "the change moved some death"
        );
    }
}
