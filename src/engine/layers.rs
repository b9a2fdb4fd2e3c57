//! Building the layers (a liquidation price and a death bar per level), and reusing the layers a
//! change of settings leaves as they were.
//!
//! A layer depends on the bars' lows and highs, the entry prices, its side and leverage, the
//! maintenance margin, and which bars give notional (only their levels are searched for a
//! death): nothing else. A change of the long/short split, the fade or a tier's weight leaves
//! every layer as it was; adding a tier builds one new layer per side; a change of the margin,
//! the entry price or the bars that give notional (the source of new positions) builds them all
//! again.
//! The layers to build are built per side, each side in one sweep over the bars
//! ([`super::staircase`]), the two sides on two cores.

use std::sync::Arc;

use super::inputs::{self, BarInputs};
use super::staircase::first_later_reached;
use super::{Engine, EngineError, Layer};
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

/// The layers of `specs` that are on `side`, with their place in `specs`: deaths from one sweep
/// over the bars for all of them, each level's price computed from its entry price as the sweep
/// reaches it.
fn side_layers(
    side: Side,
    specs: &[(Side, usize, f64)],
    dataset: &Dataset,
    inputs: &BarInputs,
    born: &Arc<[u32]>,
    mmr: f64,
) -> Vec<(usize, Layer)> {
    let mut mine: Vec<(usize, Layer)> = specs
        .iter()
        .enumerate()
        .filter(|(_, spec)| spec.0 == side)
        .map(|(at, &(_, tier, leverage))| {
            let layer = Layer {
                side,
                tier,
                leverage,
                mmr,
                born: Arc::clone(born),
                death: Vec::new(),
            };
            (at, layer)
        })
        .collect();
    if mine.is_empty() {
        return Vec::new();
    }
    let entry = &inputs.entry_price;
    let price = |series: usize, at: usize| match (mine.get(series), entry.get(at)) {
        (Some((_, layer)), Some(&entry)) => layer.price_of_entry(entry),
        _ => f64::NAN,
    };
    // Longs die on a low at or below their price, shorts on a high at or above it.
    let series = mine.len();
    let deaths = match side {
        Side::Long => first_later_reached(&dataset.bars, |b| b.low, 1.0, series, price, born),
        Side::Short => first_later_reached(&dataset.bars, |b| b.high, -1.0, series, price, born),
    };
    for ((_, layer), death) in mine.iter_mut().zip(deaths) {
        layer.death = death;
    }
    mine
}

/// The layers of `specs`, in their order: the longs and the shorts are two independent sweeps,
/// run on two cores for big datasets.
fn build_specs(
    specs: &[(Side, usize, f64)],
    dataset: &Dataset,
    inputs: &BarInputs,
    born: &Arc<[u32]>,
    mmr: f64,
) -> Vec<Layer> {
    let parallel = dataset.bars.len() >= PARALLEL_MIN_BARS;
    build_specs_on(specs, dataset, inputs, born, mmr, parallel)
}

/// [`build_specs`] on one thread or two.
fn build_specs_on(
    specs: &[(Side, usize, f64)],
    dataset: &Dataset,
    inputs: &BarInputs,
    born: &Arc<[u32]>,
    mmr: f64,
    parallel: bool,
) -> Vec<Layer> {
    let side = |side: Side| side_layers(side, specs, dataset, inputs, born, mmr);
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
    build_specs(
        &layer_specs(settings),
        dataset,
        inputs,
        &inputs.born,
        settings.mmr,
    )
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
        let mine = self
            .bar_time_ms
            .iter()
            .zip(self.low.iter().zip(self.high.iter()));
        let same_bars = dataset.interval_ms == self.interval_ms
            && dataset.bars.len() == self.bar_count()
            && dataset
                .bars
                .iter()
                .zip(mine)
                .all(|(b, (&time, (&low, &high)))| {
                    time == b.open_time_ms
                        && low.to_bits() == b.low.to_bits()
                        && high.to_bits() == b.high.to_bits()
                });
        if !same_bars {
            return Engine::with_resolved(dataset, resolved);
        }
        let same_closes = dataset.bars.len() == self.close.len()
            && (dataset.bars.iter().zip(self.close.iter()))
                .all(|(b, close)| b.close.to_bits() == close.to_bits());
        let close = if same_closes {
            Arc::clone(&self.close)
        } else {
            dataset.bars.iter().map(|b| b.close).collect()
        };
        let mut inputs = inputs::bar_inputs(dataset, &resolved);
        let same_entries = resolved.mmr.to_bits() == self.settings.mmr.to_bits()
            && inputs.entry_price.len() == self.inputs.entry_price.len()
            && inputs
                .entry_price
                .iter()
                .zip(&self.inputs.entry_price)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        // The levels searched for a death are those given notional: the same bars must be.
        if inputs.born == self.inputs.born {
            // One list for the old engine and the new, and the layers kept with it.
            inputs.born = Arc::clone(&self.inputs.born);
        }
        let born = Arc::clone(&inputs.born);
        let old = |side: Side, leverage: f64| {
            self.layers
                .iter()
                .find(|l| l.side == side && l.leverage.to_bits() == leverage.to_bits())
                .filter(|l| same_entries && l.born == born)
        };
        let specs = layer_specs(&resolved);
        let missing: Vec<(Side, usize, f64)> = specs
            .iter()
            .filter(|&&(side, _, leverage)| old(side, leverage).is_none())
            .copied()
            .collect();
        // Built in `specs` order, so they come out as the kept ones leave gaps for them.
        let mut built = build_specs(&missing, dataset, &inputs, &born, resolved.mmr).into_iter();
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
            bar_time_ms: Arc::clone(&self.bar_time_ms),
            interval_ms: self.interval_ms,
            close,
            low: Arc::clone(&self.low),
            high: Arc::clone(&self.high),
            settings: resolved,
            inputs: Arc::new(inputs),
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
            assert_eq!(x.mmr.to_bits(), y.mmr.to_bits(), "{what}");
            assert!(x.levels().eq(y.levels()), "{what}");
            let bits =
                |e: &Engine, l: &Layer| e.layer_prices(l).map(f64::to_bits).collect::<Vec<_>>();
            assert_eq!(bits(a, x), bits(b, y), "{what}");
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
        let (data, settings) = crate::engine::btc_sample_seven_tiers();
        let resolved = settings.resolve(&data).expect("settings");
        let inputs = inputs::bar_inputs(&data, &resolved);
        let specs = layer_specs(&resolved);
        let one = build_specs_on(&specs, &data, &inputs, &inputs.born, resolved.mmr, false);
        let two = build_specs_on(&specs, &data, &inputs, &inputs.born, resolved.mmr, true);
        assert_eq!(one.len(), 14);
        let died: usize = one
            .iter()
            .map(|l| l.levels().filter(|&(_, d)| d != u32::MAX).count())
            .sum();
        assert!(died > 1000, "{died} levels die");
        for (a, b) in one.iter().zip(&two) {
            assert_eq!((a.side, a.tier), (b.side, b.tier));
            assert_eq!(a.leverage.to_bits(), b.leverage.to_bits());
            assert_eq!(a.mmr.to_bits(), b.mmr.to_bits());
            assert!(a.levels().eq(b.levels()));
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
        let deaths = |e: &Engine| -> Vec<Vec<(usize, u32)>> {
            e.layers().iter().map(|l| l.levels().collect()).collect()
        };
        assert_ne!(
            deaths(&engine),
            deaths(&fresh),
            "the change moved some death"
        );
    }
}
