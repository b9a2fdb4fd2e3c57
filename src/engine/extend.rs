//! Extending an engine when its dataset grows (live mode): only what the new and changed bars
//! touch is computed again.
//!
//! The per-bar inputs are recomputed (a cheap linear pass) and compared with the engine's, and
//! the bars with the engine's own; `first` is the first bar where either differs. Levels born
//! before `first` keep their price. Their death bar stays unless it lies at or after `first` (or
//! they were still standing): then no bar before `first` crossed them, so the first crossing is
//! searched for among the bars from `first` on only. Levels born at or after `first` are built
//! afresh. The result equals [`Engine::new`] on the new dataset.

use super::crossing::FirstCrossing;
use super::inputs::{self, BarInputs};
use super::{Engine, EngineError, Layer};
use crate::model::{Dataset, Side};
use crate::settings::ModelSettings;

impl Engine {
    /// The engine of `dataset`, which is this engine's dataset with bars changed or added at
    /// the end (live mode's open bar and new bars), computed without redoing the unchanged
    /// history. Any dataset is accepted: the engine finds the first bar that differs, and
    /// rebuilds everything if the settings resolve differently or the first bar changed.
    pub fn extended(
        &self,
        dataset: &Dataset,
        settings: &ModelSettings,
    ) -> Result<Engine, EngineError> {
        let resolved = settings.resolve(dataset)?;
        // Volume mode scaled to open interest: a new bar moves the standing total the scale is
        // found from, which changes every notional, so everything is built again (live datasets
        // are fetched spans, small enough for that).
        let anchored = resolved.volume_anchor.is_some();
        if anchored || resolved != self.settings || dataset.interval_ms != self.interval_ms {
            return Engine::with_resolved(dataset, resolved);
        }
        if dataset.bars.is_empty() {
            return Err(EngineError::NoBars);
        }
        let inputs = inputs::bar_inputs(dataset, &resolved);
        let first = self.first_changed_bar(dataset, &inputs);
        if first == 0 {
            return Engine::with_resolved(dataset, resolved);
        }
        let low: Vec<f64> = dataset.bars.iter().map(|b| b.low).collect();
        let high: Vec<f64> = dataset.bars.iter().map(|b| b.high).collect();
        let tail_lows = FirstCrossing::new(low.get(first..).unwrap_or_default().to_vec());
        // Negated highs turn "first high >= price" into "first -high <= -price".
        let tail_neg_highs = FirstCrossing::new(
            high.get(first..)
                .unwrap_or_default()
                .iter()
                .map(|h| -h)
                .collect(),
        );
        let death_from = |side: Side, start: usize, price: f64| -> u32 {
            // Both tables start at bar `first`; `start >= first` always.
            let offset = start.saturating_sub(first);
            let found = match side {
                Side::Long => tail_lows.first_at_or_below(offset, price),
                Side::Short => tail_neg_highs.first_at_or_below(offset, -price),
            };
            found.map_or(u32::MAX, |d| u32::try_from(d + first).unwrap_or(u32::MAX))
        };
        // Before `first` the inputs are the same, so the bars given notional are too.
        let born = std::sync::Arc::clone(&inputs.born);
        let layers = self
            .layers
            .iter()
            .map(|old| {
                // The settings are the same, so the margin is; and the entry prices before
                // `first` are, so the prices of the levels born there are too.
                let price = |at: usize| {
                    let entry = inputs.entry_price.get(at).copied().unwrap_or(f64::NAN);
                    old.price_of_entry(entry)
                };
                let mut death = Vec::with_capacity(born.len());
                let before_first = old.levels().take_while(|&(born, _)| born < first);
                for (at, (_, dies)) in before_first.enumerate() {
                    death.push(if (dies as usize) < first {
                        dies
                    } else {
                        death_from(old.side, first, price(at))
                    });
                }
                let kept = death.len();
                for (at, &new) in born.iter().enumerate().skip(kept) {
                    // The bar that creates a level never kills it: search from the next bar.
                    death.push(death_from(old.side, new as usize + 1, price(at)));
                }
                Layer {
                    side: old.side,
                    tier: old.tier,
                    leverage: old.leverage,
                    mmr: old.mmr,
                    born: std::sync::Arc::clone(&born),
                    death,
                }
            })
            .collect();
        Ok(Engine {
            settings: resolved,
            bar_time_ms: dataset.bars.iter().map(|b| b.open_time_ms).collect(),
            interval_ms: dataset.interval_ms,
            close: dataset.bars.iter().map(|b| b.close).collect(),
            low: low.into(),
            high: high.into(),
            inputs: std::sync::Arc::new(inputs),
            layers,
        })
    }

    /// The first bar whose time, low, high or inputs differ from this engine's, or the end of
    /// the shorter of the two.
    fn first_changed_bar(&self, dataset: &Dataset, inputs: &BarInputs) -> usize {
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits();
        let old = &self.inputs;
        let open_interest_same_until = old.open_interest.first_difference(&inputs.open_interest);
        // The first level whose bar, entry or notional differ: its bar in either, whichever
        // is earlier (a level gained or lost is a change at its bar).
        let bits = |values: &[f64], at: usize| values.get(at).map(|v| v.to_bits());
        let level_same = |at: usize| {
            old.born.get(at) == inputs.born.get(at)
                && bits(&old.entry_price, at) == bits(&inputs.entry_price, at)
                && bits(&old.new_usd[0], at) == bits(&inputs.new_usd[0], at)
                && bits(&old.new_usd[1], at) == bits(&inputs.new_usd[1], at)
        };
        let levels = old.born.len().min(inputs.born.len());
        let levels_same_until = match (0..levels).find(|&at| !level_same(at)) {
            Some(at) => [old.born.get(at), inputs.born.get(at)],
            None => [old.born.get(levels), inputs.born.get(levels)],
        }
        .into_iter()
        .flatten()
        .map(|&bar| bar as usize)
        .min()
        .unwrap_or(usize::MAX);
        let bar_same = |i: usize| -> Option<bool> {
            let bar = dataset.bars.get(i)?;
            Some(
                *self.bar_time_ms.get(i)? == bar.open_time_ms
                    && same(*self.low.get(i)?, bar.low)
                    && same(*self.high.get(i)?, bar.high)
                    && same(*self.close.get(i)?, bar.close)
                    && same(*old.log_scale.get(i)?, *inputs.log_scale.get(i)?)
                    && i < open_interest_same_until
                    && i < levels_same_until,
            )
        };
        let shorter = self.bar_count().min(dataset.bars.len());
        (0..shorter)
            .find(|&i| bar_same(i) != Some(true))
            .unwrap_or(shorter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Bar, OpenInterestSample};
    use crate::settings::{HalfLife, SourceChoice};
    use proptest::prelude::*;

    const MIN_MS: i64 = 60_000;

    fn dataset(closes: &[f64], ranges: &[f64], oi: &[f64]) -> Dataset {
        let bars = closes
            .iter()
            .zip(ranges)
            .enumerate()
            .map(|(i, (&close, &range))| Bar {
                open_time_ms: i as i64 * MIN_MS,
                open: close - range / 3.0,
                high: close + range,
                low: close - range,
                close,
                volume: 10.0 + range,
                taker_buy_volume: None,
                quote_volume: None,
            })
            .collect();
        Dataset {
            exchange: "test".into(),
            symbol: "T".into(),
            interval_ms: MIN_MS,
            bars,
            open_interest: oi
                .iter()
                .enumerate()
                .map(|(i, &v)| OpenInterestSample {
                    time_ms: i as i64 * MIN_MS + 30_000,
                    open_interest: v,
                    value_usd: None,
                })
                .collect(),
            liquidations: Vec::new(),
        }
    }

    fn assert_same(a: &Engine, b: &Engine) {
        assert_eq!(a.settings, b.settings);
        assert_eq!(a.bar_time_ms, b.bar_time_ms);
        assert_eq!(a.close, b.close);
        assert_eq!(a.low, b.low);
        assert_eq!(a.high, b.high);
        assert_eq!(a.inputs, b.inputs);
        assert_eq!(a.layers.len(), b.layers.len());
        for (x, y) in a.layers.iter().zip(&b.layers) {
            assert_eq!((x.side, x.tier), (y.side, y.tier));
            assert_eq!((x.leverage, x.mmr), (y.leverage, y.mmr));
            assert!(x.levels().eq(y.levels()), "{:?} tier {}", x.side, x.tier);
        }
    }

    #[test]
    fn a_new_bar_that_crosses_old_levels_kills_them_there() {
        let settings = ModelSettings {
            source: SourceChoice::Volume,
            ..ModelSettings::default()
        };
        let closes = [100.0, 100.1, 100.2, 100.1];
        let old = dataset(&closes, &[0.05; 4], &[]);
        let engine = Engine::new(&old, &settings).unwrap();
        // Every level stands: no bar moved more than a quarter of a dollar.
        assert!(
            engine
                .layers
                .iter()
                .all(|l| l.levels().all(|(_, d)| d == u32::MAX))
        );
        // A crash bar reaching 50 kills every long level at bar 4.
        let mut new = dataset(
            &[100.0, 100.1, 100.2, 100.1, 60.0],
            &[0.05, 0.05, 0.05, 0.05, 10.0],
            &[],
        );
        new.bars[4].low = 50.0;
        let extended = engine.extended(&new, &settings).unwrap();
        assert_same(&extended, &Engine::new(&new, &settings).unwrap());
        for layer in extended.layers.iter().filter(|l| l.side == Side::Long) {
            assert_eq!(&layer.death_bars(5)[..4], &[4, 4, 4, 4]);
        }
    }

    #[test]
    fn changed_settings_rebuild_everything() {
        let data = dataset(&[100.0, 101.0, 99.0], &[1.0; 3], &[5.0, 6.0, 7.0]);
        let engine = Engine::new(&data, &ModelSettings::default()).unwrap();
        let faded = ModelSettings {
            half_life: HalfLife(Some(10.0)),
            ..ModelSettings::default()
        };
        let extended = engine.extended(&data, &faded).unwrap();
        assert_same(&extended, &Engine::new(&data, &faded).unwrap());
    }

    proptest! {
        #[test]
        fn extending_equals_building_afresh(
            steps in proptest::collection::vec((-3.0f64..3.0, 0.1f64..4.0, 0.0f64..50.0), 2..80),
            split in 1usize..80,
            changed_last in any::<bool>(),
            with_oi in any::<bool>(),
            fade in any::<bool>(),
        ) {
            let mut price = 100.0;
            let mut oi = 1000.0;
            let (mut closes, mut ranges, mut ois) = (Vec::new(), Vec::new(), Vec::new());
            for &(step, range, oi_step) in &steps {
                price += step;
                oi += oi_step - 25.0;
                closes.push(price);
                ranges.push(range);
                ois.push(oi.max(1.0));
            }
            let n = steps.len();
            let cut = split.min(n - 1).max(1);
            let oi_of = |k: usize| if with_oi { ois[..k].to_vec() } else { Vec::new() };
            let mut old = dataset(&closes[..cut], &ranges[..cut], &oi_of(cut));
            if changed_last {
                // The open bar as first polled: it moves before it closes.
                let last = old.bars.len() - 1;
                old.bars[last].high += 1.5;
                old.bars[last].close -= 0.5;
            }
            let new = dataset(&closes, &ranges, &oi_of(n));
            let settings = ModelSettings {
                half_life: HalfLife(fade.then_some(7.0)),
                ..ModelSettings::default()
            };
            let engine = Engine::new(&old, &settings).unwrap();
            let extended = engine.extended(&new, &settings).unwrap();
            assert_same(&extended, &Engine::new(&new, &settings).unwrap());
            // And back: a shorter dataset works too.
            let shrunk = extended.extended(&old, &settings).unwrap();
            assert_same(&shrunk, &Engine::new(&old, &settings).unwrap());
        }
    }
}
