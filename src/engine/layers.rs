//! Building the layers (a liquidation price and a death bar per level), and reusing the layers a
//! change of settings leaves as they were.
//!
//! A layer depends on the bars' lows and highs, the entry prices, its side and leverage, and the
//! maintenance margin: nothing else. A change of the long/short split, the source of new
//! positions, the fade or a tier's weight leaves every layer as it was; adding a tier builds one
//! new layer per side; only a change of the margin or the entry price builds them all again.

use rayon::prelude::*;

use super::crossing::FirstCrossing;
use super::inputs::{self, BarInputs};
use super::{Engine, EngineError, Layer, long_liquidation_price, short_liquidation_price};
use crate::model::{Dataset, Side};
use crate::settings::{ModelSettings, ResolvedSettings};

/// Below this many bars the layers are built on one thread: splitting costs more than it saves.
const PARALLEL_MIN_BARS: usize = 10_000;

/// The first later bar crossing a price, for each side.
struct Crossings {
    lows: FirstCrossing,
    /// Negated highs turn "first high >= price" into "first -high <= -price".
    neg_highs: FirstCrossing,
}

impl Crossings {
    fn new(dataset: &Dataset) -> Self {
        Crossings {
            lows: FirstCrossing::new(dataset.bars.iter().map(|b| b.low).collect()),
            neg_highs: FirstCrossing::new(dataset.bars.iter().map(|b| -b.high).collect()),
        }
    }

    /// The death bar of a level born at `born`, `u32::MAX` if it stands to the end.
    fn death(&self, side: Side, born: usize, price: f64) -> u32 {
        // The bar that creates a level never kills it: search from the next bar.
        let death = match side {
            Side::Long => self.lows.first_at_or_below(born + 1, price),
            Side::Short => self.neg_highs.first_at_or_below(born + 1, -price),
        };
        death.map_or(u32::MAX, |d| u32::try_from(d).unwrap_or(u32::MAX))
    }
}

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

fn build_layer(
    (side, tier, leverage): (Side, usize, f64),
    inputs: &BarInputs,
    crossings: &Crossings,
    mmr: f64,
) -> Layer {
    let price: Vec<f64> = inputs
        .entry_price
        .iter()
        .map(|&entry| match side {
            Side::Long => long_liquidation_price(entry, leverage, mmr),
            Side::Short => short_liquidation_price(entry, leverage, mmr),
        })
        .collect();
    let death_bar = price
        .iter()
        .enumerate()
        .map(|(born, &p)| crossings.death(side, born, p))
        .collect();
    Layer {
        side,
        tier,
        leverage,
        price,
        death_bar,
    }
}

/// Runs `build` on every spec, over the cores for big datasets (layers are independent).
fn each_spec(
    specs: &[(Side, usize, f64)],
    bars: usize,
    build: impl Fn(&(Side, usize, f64)) -> Layer + Sync + Send,
) -> Vec<Layer> {
    if bars < PARALLEL_MIN_BARS {
        specs.iter().map(build).collect()
    } else {
        specs.par_iter().map(build).collect()
    }
}

/// Every layer of the dataset under the settings.
pub(super) fn build_layers(
    dataset: &Dataset,
    settings: &ResolvedSettings,
    inputs: &BarInputs,
) -> Vec<Layer> {
    let crossings = Crossings::new(dataset);
    each_spec(&layer_specs(settings), dataset.bars.len(), |&spec| {
        build_layer(spec, inputs, &crossings, settings.mmr)
    })
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
        let all_kept = specs.iter().all(|&(side, _, lev)| old(side, lev).is_some());
        // The crossing tables are only built when some layer needs building.
        let crossings = (!all_kept).then(|| Crossings::new(dataset));
        let layers = each_spec(
            &specs,
            dataset.bars.len(),
            |&(side, tier, leverage)| match (old(side, leverage), &crossings) {
                (Some(kept), _) => Layer {
                    tier,
                    ..kept.clone()
                },
                (None, Some(crossings)) => {
                    build_layer((side, tier, leverage), &inputs, crossings, resolved.mmr)
                }
                (None, None) => build_layer(
                    (side, tier, leverage),
                    &inputs,
                    &Crossings::new(dataset),
                    resolved.mmr,
                ),
            },
        );
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
