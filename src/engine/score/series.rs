//! Predicted and real liquidated USD per bar: the series under the viewer's chart, kept only for
//! the bars that have any.
//!
//! On a year of minutes most bars have neither a level dying nor a real liquidation, and a value
//! per bar (48 bytes) took 25 MB of the viewer's memory. The series is built without that table:
//! a first pass marks the bars that get anything (a bit each), a second adds into one slot per
//! marked bar, in the order the dense table was added in, so every stored sum is the same to the
//! bit.

use std::ops::Range;

use serde::Serialize;

use super::real::bar_of;
use crate::engine::sorted_bars::{place_of, places_within};
use crate::engine::{Engine, LayerSelection};
use crate::model::Dataset;

/// Predicted and real liquidated USD of one bar, by side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct BarLiquidations {
    /// Predicted (levels dying) USD, longs then shorts.
    pub predicted_usd: [f64; 2],
    /// USD-weighted mean price of the levels dying, longs then shorts; 0 where none died.
    pub predicted_price: [f64; 2],
    /// Real liquidated USD, longs then shorts.
    pub real_usd: [f64; 2],
}

/// [`BarLiquidations`] of every bar of a dataset, stored for the bars that have any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiquidationSeries {
    /// Number of bars.
    bars: usize,
    /// The bars stored, increasing.
    bar: Vec<u32>,
    /// Their values.
    value: Vec<BarLiquidations>,
}

impl LiquidationSeries {
    /// The series of a value per bar, keeping the bars whose value is not all zeros.
    pub fn from_dense(values: &[BarLiquidations]) -> Self {
        let empty = BarLiquidations::default();
        let (bar, value) = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != empty)
            .filter_map(|(at, v)| Some((u32::try_from(at).ok()?, *v)))
            .unzip();
        LiquidationSeries {
            bars: values.len(),
            bar,
            value,
        }
    }

    /// Number of bars (stored or not).
    pub fn len(&self) -> usize {
        self.bars
    }

    /// Whether the series has no bars.
    pub fn is_empty(&self) -> bool {
        self.bars == 0
    }

    /// Number of bars stored (the others are all zeros).
    pub fn stored(&self) -> usize {
        self.bar.len()
    }

    /// The value of `bar`: zeros where none is stored.
    pub fn get(&self, bar: usize) -> BarLiquidations {
        place_of(&self.bar, bar)
            .and_then(|at| self.value.get(at))
            .copied()
            .unwrap_or_default()
    }

    /// The stored bars within `bars`, in order, with their values; the bars left out are zeros.
    pub fn within(
        &self,
        bars: Range<usize>,
    ) -> impl Iterator<Item = (usize, &BarLiquidations)> + Clone {
        let range = places_within(&self.bar, bars);
        let stored = self.bar.get(range.clone()).unwrap_or_default();
        let values = self.value.get(range).unwrap_or_default();
        stored.iter().map(|&b| b as usize).zip(values)
    }

    /// A value per bar.
    pub fn to_dense(&self) -> Vec<BarLiquidations> {
        let mut all = vec![BarLiquidations::default(); self.bars];
        for (bar, value) in self.within(0..self.bars) {
            if let Some(slot) = all.get_mut(bar) {
                *slot = *value;
            }
        }
        all
    }
}

/// A set of bars, a bit each, with the number of bars set before each word: the place of a set
/// bar among them in constant time.
struct MarkedBars {
    words: Vec<u64>,
    before: Vec<u32>,
}

impl MarkedBars {
    fn new(bars: usize) -> Self {
        MarkedBars {
            words: vec![0; bars.div_ceil(64)],
            before: Vec::new(),
        }
    }

    fn mark(&mut self, bar: usize) {
        if let Some(word) = self.words.get_mut(bar / 64) {
            *word |= 1 << (bar % 64);
        }
    }

    /// The marked bars, increasing; counts the marks before each word for [`MarkedBars::place`].
    fn finish(&mut self) -> Vec<u32> {
        let mut count = 0u32;
        self.before = self
            .words
            .iter()
            .map(|w| {
                let before = count;
                count += w.count_ones();
                before
            })
            .collect();
        let mut bars = Vec::with_capacity(count as usize);
        for (k, &word) in self.words.iter().enumerate() {
            let mut left = word;
            while left != 0 {
                let bit = left.trailing_zeros() as usize;
                if let Ok(bar) = u32::try_from(k * 64 + bit) {
                    bars.push(bar);
                }
                left &= left - 1;
            }
        }
        bars
    }

    /// The place of `bar` among the marked bars, if it is marked.
    fn place(&self, bar: usize) -> Option<usize> {
        let word = *self.words.get(bar / 64)?;
        let bit = 1u64 << (bar % 64);
        if word & bit == 0 {
            return None;
        }
        let below = (word & (bit - 1)).count_ones();
        Some((*self.before.get(bar / 64)? + below) as usize)
    }
}

/// Predicted and real liquidated USD of every bar of `engine` (built from `dataset`) under
/// `selection`: the series under the chart. Events outside every bar are left out.
pub fn liquidation_series(
    engine: &Engine,
    dataset: &Dataset,
    selection: &LayerSelection,
) -> LiquidationSeries {
    let bars = engine.bar_count();
    let mut marked = MarkedBars::new(bars);
    engine.for_each_death(selection, |death| marked.mark(death.bar));
    for event in &dataset.liquidations {
        if let Some(bar) = bar_of(engine, event.time_ms) {
            marked.mark(bar);
        }
    }
    let stored = marked.finish();
    let mut value = vec![BarLiquidations::default(); stored.len()];
    let slot = |bar: usize| marked.place(bar);
    // Summed as USD x price first, divided by the USD at the end; the deaths of a bar come in
    // the order of `predicted_liquidations` without that list being built.
    engine.for_each_death(selection, |death| {
        let side = death.side.index();
        if let Some(bar) = slot(death.bar).and_then(|at| value.get_mut(at))
            && let (Some(usd), Some(price)) = (
                bar.predicted_usd.get_mut(side),
                bar.predicted_price.get_mut(side),
            )
        {
            *usd += death.notional_usd;
            *price += death.notional_usd * death.price;
        }
    });
    for bar in &mut value {
        for (price, usd) in bar.predicted_price.iter_mut().zip(bar.predicted_usd) {
            *price = if usd > 0.0 { *price / usd } else { 0.0 };
        }
    }
    for event in &dataset.liquidations {
        if let Some(slot) = bar_of(engine, event.time_ms)
            .and_then(slot)
            .and_then(|at| value.get_mut(at))
            .and_then(|b| b.real_usd.get_mut(event.side.index()))
        {
            *slot += event.notional_usd();
        }
    }
    LiquidationSeries {
        bars,
        bar: stored,
        value,
    }
}

/// [`liquidation_series`] as a value per bar.
pub fn liquidations_per_bar(
    engine: &Engine,
    dataset: &Dataset,
    selection: &LayerSelection,
) -> Vec<BarLiquidations> {
    liquidation_series(engine, dataset, selection).to_dense()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The series by its definition: a value per bar, every death and event added in the order
    /// they come (the way the series was computed before it was stored sparsely).
    fn by_definition(
        engine: &Engine,
        dataset: &Dataset,
        selection: &LayerSelection,
    ) -> Vec<BarLiquidations> {
        let mut bars = vec![BarLiquidations::default(); engine.bar_count()];
        for death in engine.predicted_liquidations(selection) {
            let bar = &mut bars[death.bar];
            bar.predicted_usd[death.side.index()] += death.notional_usd;
            bar.predicted_price[death.side.index()] += death.notional_usd * death.price;
        }
        for bar in &mut bars {
            for side in 0..2 {
                let usd = bar.predicted_usd[side];
                bar.predicted_price[side] = if usd > 0.0 {
                    bar.predicted_price[side] / usd
                } else {
                    0.0
                };
            }
        }
        let times = engine.bar_times_ms();
        for event in &dataset.liquidations {
            let after = times.partition_point(|&t| t <= event.time_ms);
            if let Some(bar) = after.checked_sub(1)
                && event.time_ms < times[bar] + engine.interval_ms()
            {
                bars[bar].real_usd[event.side.index()] += event.notional_usd();
            }
        }
        bars
    }

    fn bits(values: &[BarLiquidations]) -> Vec<u64> {
        values
            .iter()
            .flat_map(|b| [b.predicted_usd, b.predicted_price, b.real_usd])
            .flatten()
            .map(f64::to_bits)
            .collect()
    }

    #[test]
    fn the_stored_bars_hold_the_sums_of_the_definition_to_the_bit() {
        // Recorded bars with real liquidations, and many deaths sharing bars with seven tiers.
        let (data, settings) = crate::engine::btc_sample_seven_tiers();
        let engine = Engine::new(&data, &settings).expect("engine");
        let mut selection = engine.default_selection();
        selection.tier_share[1] = 0.0;
        let expected = by_definition(&engine, &data, &selection);
        let series = liquidation_series(&engine, &data, &selection);
        assert_eq!(series.len(), data.bars.len());
        assert_eq!(bits(&series.to_dense()), bits(&expected));
        let with_values = expected
            .iter()
            .filter(|b| **b != BarLiquidations::default())
            .count();
        assert_eq!(series.stored(), with_values);
        let real = expected.iter().filter(|b| b.real_usd != [0.0; 2]).count();
        assert!(real > 0, "bars with real liquidations: {real}");
        assert!(
            with_values > 100 && with_values < data.bars.len(),
            "{with_values} bars of {} have values",
            data.bars.len()
        );
        for bar in [
            0,
            1,
            data.bars.len() / 2,
            data.bars.len() - 1,
            data.bars.len(),
        ] {
            let want = expected.get(bar).copied().unwrap_or_default();
            assert_eq!(bits(&[series.get(bar)]), bits(&[want]), "bar {bar}");
        }
        let middle = data.bars.len() / 3..data.bars.len() / 2;
        let within: Vec<usize> = series.within(middle.clone()).map(|(b, _)| b).collect();
        let nonzero: Vec<usize> = middle
            .filter(|&b| expected[b] != BarLiquidations::default())
            .collect();
        assert_eq!(within, nonzero);
        assert_eq!(LiquidationSeries::from_dense(&expected), series);
    }
}
