//! Per-bar inputs of the estimate: entry price, new notional by side, and the running scale.

use std::sync::Arc;

use rayon::prelude::*;

use crate::model::{Bar, Dataset};
use crate::settings::{EntryPrice, OiDecrease, ResolvedSettings, Source, Split};

/// What each bar contributes, computed once per dataset and settings.
///
/// Entry prices and new notional are kept only for the bars that give notional to either side
/// (`born`): a level born elsewhere never stands. In open-interest mode that is the bars where
/// open interest rose, a tenth of a year of minutes with five-minute samples, where a value per
/// bar took 12.6 MB, mostly zeros.
#[derive(Debug, Clone, PartialEq)]
pub struct BarInputs {
    /// The bars whose new positions receive notional on either side, increasing: the birth
    /// bars of the levels (see [`super::Layer::levels`]).
    pub born: Arc<[u32]>,
    /// Entry price of the positions opened at each bar of `born`.
    pub entry_price: Vec<f64>,
    /// New notional in USD at each bar of `born`, by side (`[long, short]`), before the tier
    /// split.
    pub new_usd: [Vec<f64>; 2],
    /// Natural log of the running scale S after steps b and c of each bar: a level born at bar i
    /// is worth `notional * exp(log_scale[t] - log_scale[i])` at bar t.
    pub log_scale: Vec<f64>,
    /// Open interest in force at each bar (the latest sample at or before the bar's close).
    pub open_interest: AlignedOpenInterest,
}

impl BarInputs {
    /// The place in `born` (and in the per-level vectors) of the bar `bar`, if it gives notional.
    pub fn level_of(&self, bar: usize) -> Option<usize> {
        super::sorted_bars::place_of(&self.born, bar)
    }

    /// The places in `born` of the bars within `bars`.
    pub fn levels_within(&self, bars: std::ops::Range<usize>) -> std::ops::Range<usize> {
        super::sorted_bars::places_within(&self.born, bars)
    }
}

/// Open interest in force at each bar: the latest sample with `time_ms <= open_time + interval`,
/// never a later one (no look-ahead), none until the first sample. Kept as the bars where it
/// changes: a year of minutes with five-minute samples holds 105 thousand steps (1.7 MB) where a
/// value per bar took 525 thousand `Option<f64>` (8.4 MB, part of `liqmap map`'s peak).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlignedOpenInterest {
    /// Number of bars.
    bars: usize,
    /// The first bar of each step, increasing.
    from_bar: Vec<usize>,
    /// The open interest from that bar until the next step.
    value: Vec<f64>,
}

impl AlignedOpenInterest {
    /// The open interest of `dataset` at each of its bars.
    pub fn of(dataset: &Dataset) -> Self {
        let mut aligned = AlignedOpenInterest::none(dataset.bars.len());
        let mut samples = dataset.open_interest.iter().peekable();
        let mut current: Option<f64> = None;
        for (bar, row) in dataset.bars.iter().enumerate() {
            let bar_close_ms = row.open_time_ms + dataset.interval_ms;
            let mut latest = None;
            while let Some(sample) = samples.next_if(|s| s.time_ms <= bar_close_ms) {
                latest = Some(sample.open_interest);
            }
            // A sample repeating the value in force is no step; bits compared, so -0 and 0
            // stay apart as they were in a value per bar.
            if let Some(value) = latest
                && current.map(f64::to_bits) != Some(value.to_bits())
            {
                aligned.from_bar.push(bar);
                aligned.value.push(value);
                current = Some(value);
            }
        }
        aligned
    }

    /// `bars` bars with no open interest (volume mode).
    pub fn none(bars: usize) -> Self {
        AlignedOpenInterest {
            bars,
            ..AlignedOpenInterest::default()
        }
    }

    /// Number of bars.
    pub fn len(&self) -> usize {
        self.bars
    }

    /// Whether there are no bars.
    pub fn is_empty(&self) -> bool {
        self.bars == 0
    }

    /// The open interest in force at `bar`; `None` before the first sample and past the last
    /// bar.
    pub fn get(&self, bar: usize) -> Option<f64> {
        if bar >= self.bars {
            return None;
        }
        let steps = self.from_bar.partition_point(|&from| from <= bar);
        steps
            .checked_sub(1)
            .and_then(|step| self.value.get(step))
            .copied()
    }

    /// The open interest at every bar in order, one step after the other (no search).
    pub fn per_bar(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        self.per_bar_from(0)
    }

    /// [`AlignedOpenInterest::per_bar`] from bar `start` on.
    pub fn per_bar_from(&self, start: usize) -> impl Iterator<Item = Option<f64>> + '_ {
        let mut next = self.from_bar.partition_point(|&from| from < start);
        let mut current = next
            .checked_sub(1)
            .and_then(|step| self.value.get(step))
            .copied();
        (start..self.bars).map(move |bar| {
            if self.from_bar.get(next) == Some(&bar) {
                current = self.value.get(next).copied();
                next += 1;
            }
            current
        })
    }

    /// The first bar where `self` and `other` differ, or the end of the shorter of the two.
    pub fn first_difference(&self, other: &AlignedOpenInterest) -> usize {
        self.per_bar()
            .zip(other.per_bar())
            .position(|(a, b)| a.map(f64::to_bits) != b.map(f64::to_bits))
            .unwrap_or(self.bars.min(other.bars))
    }
}

/// Open interest at each bar, one value per bar (see [`AlignedOpenInterest`]).
pub fn aligned_open_interest(dataset: &Dataset) -> Vec<Option<f64>> {
    AlignedOpenInterest::of(dataset).per_bar().collect()
}

/// Computes the per-bar inputs for resolved settings.
pub fn bar_inputs(dataset: &Dataset, settings: &ResolvedSettings) -> BarInputs {
    let n = dataset.bars.len();
    let open_interest = match settings.source {
        Source::OpenInterest => AlignedOpenInterest::of(dataset),
        Source::Volume => AlignedOpenInterest::none(n),
    };
    let fade_log = settings
        .half_life_bars
        .map_or(0.0, |h| -std::f64::consts::LN_2 / h);
    // Each bar's step of the log scale first, summed into the running scale afterwards.
    let mut log_scale = vec![0.0; n];
    // Every bar's values depend on that bar and the open interest at it and the bar before, so
    // chunks of bars are computed on every core; only the running sum is sequential.
    let chunks: Vec<Given> = log_scale
        .par_chunks_mut(CHUNK_BARS)
        .enumerate()
        .map(|(k, step)| {
            let start = k * CHUNK_BARS;
            let bars = dataset.bars.get(start..).unwrap_or_default();
            let mut previous_oi = start.checked_sub(1).and_then(|b| open_interest.get(b));
            let rows = bars.iter().zip(open_interest.per_bar_from(start));
            let mut given = Given::default();
            for (at, ((bar, oi), step)) in (start..).zip(rows.zip(step)) {
                let input = bar_input(bar, previous_oi, oi, fade_log, settings);
                *step = input.step_log;
                // Only bars that give notional to either side hold levels.
                if (input.long_usd > 0.0 || input.short_usd > 0.0)
                    && let Ok(at) = u32::try_from(at)
                {
                    given.born.push(at);
                    given.entry.push(input.entry);
                    given.long.push(input.long_usd);
                    given.short.push(input.short_usd);
                }
                // Open interest, once known, stays known: the bar before's value is the one before.
                previous_oi = oi;
            }
            given
        })
        .collect();
    let mut scale = 0.0;
    for step in &mut log_scale {
        scale += *step;
        *step = scale;
    }
    let levels = chunks.iter().map(|c| c.born.len()).sum();
    let mut all = Given {
        born: Vec::with_capacity(levels),
        entry: Vec::with_capacity(levels),
        long: Vec::with_capacity(levels),
        short: Vec::with_capacity(levels),
    };
    for chunk in chunks {
        all.born.extend(chunk.born);
        all.entry.extend(chunk.entry);
        all.long.extend(chunk.long);
        all.short.extend(chunk.short);
    }
    BarInputs {
        born: all.born.into(),
        entry_price: all.entry,
        new_usd: [all.long, all.short],
        log_scale,
        open_interest,
    }
}

/// The bars of a chunk that give notional, with what they give.
#[derive(Default)]
struct Given {
    born: Vec<u32>,
    entry: Vec<f64>,
    long: Vec<f64>,
    short: Vec<f64>,
}

/// Bars per job of [`bar_inputs`].
const CHUNK_BARS: usize = 1 << 14;

/// What one bar gives.
struct BarInput {
    entry: f64,
    long_usd: f64,
    short_usd: f64,
    /// The bar's step of the log scale (fade, and the shrink when open interest falls).
    step_log: f64,
}

/// The inputs of one bar, from the open interest at the bar before and at this one.
fn bar_input(
    bar: &Bar,
    previous_oi: Option<f64>,
    oi: Option<f64>,
    fade_log: f64,
    settings: &ResolvedSettings,
) -> BarInput {
    let entry = match settings.entry {
        EntryPrice::Typical => bar.typical_price(),
        EntryPrice::Close => bar.close,
        EntryPrice::Vwap => match bar.quote_volume {
            Some(quote) if bar.volume > 0.0 => quote / bar.volume,
            _ => bar.typical_price(),
        },
    };
    // dOI is zero at the first bar and until open interest is known at two bars in a row.
    let delta_oi = match (previous_oi, oi) {
        (Some(before), Some(now)) => now - before,
        _ => 0.0,
    };
    let mut step_log = fade_log;
    if settings.source == Source::OpenInterest
        && settings.oi_decrease == OiDecrease::Shrink
        && delta_oi < 0.0
        && let (Some(before), Some(now)) = (previous_oi, oi)
    {
        // A fall to zero empties every level; the smallest positive ratio keeps the log finite.
        step_log += (now / before).max(f64::MIN_POSITIVE).ln();
    }
    let new_base = match settings.source {
        Source::OpenInterest => delta_oi.max(0.0),
        Source::Volume => bar.volume * settings.participation,
    };
    let long_share = match settings.split {
        Split::Taker => match bar.taker_buy_volume {
            Some(buy) if bar.volume > 0.0 => (buy / bar.volume).clamp(0.0, 1.0),
            _ => 0.5,
        },
        Split::Candle => {
            if bar.close >= bar.open {
                1.0
            } else {
                0.0
            }
        }
        Split::Fixed(share) => share,
    };
    let new_usd = new_base * entry;
    // Scaled last, so that an engine scaled in place (`engine::anchor`) holds the same bits as
    // one computed with the scale.
    BarInput {
        entry,
        long_usd: new_usd * long_share * settings.volume_scale,
        short_usd: new_usd * (1.0 - long_share) * settings.volume_scale,
        step_log,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::ImportRequest;
    use std::path::Path;

    /// The open interest in force at each bar, by the definition: the last sample at or before
    /// the bar's close, found by a search of its own.
    fn by_definition(dataset: &Dataset) -> Vec<Option<f64>> {
        let samples = &dataset.open_interest;
        dataset
            .bars
            .iter()
            .map(|bar| {
                let close_ms = bar.open_time_ms + dataset.interval_ms;
                let after = samples.partition_point(|s| s.time_ms <= close_ms);
                after
                    .checked_sub(1)
                    .and_then(|i| samples.get(i))
                    .map(|s| s.open_interest)
            })
            .collect()
    }

    /// Real datasets: the bundled sample, a crash recording, the sample with its first third of
    /// samples dropped (no open interest at first), and with every third bar of 15 minutes (three
    /// samples per bar, the last one counts).
    fn real_datasets() -> Vec<Dataset> {
        let sample = crate::dataset::sample().expect("sample");
        let crash = crate::dataset::import(&ImportRequest {
            open_interest: Some(
                "tests/data/hypeusdt-metrics-openinterest-5m-20251010-crash.csv".into(),
            ),
            ..ImportRequest::klines_only(Path::new(
                "tests/data/hypeusdt-klines-takerbuy-5m-20251010-crash.csv",
            ))
        })
        .expect("import");
        let mut late = sample.clone();
        late.open_interest.drain(..late.open_interest.len() / 3);
        let mut coarse = sample.clone();
        coarse.bars = sample.bars.iter().step_by(3).copied().collect();
        coarse.interval_ms *= 3;
        vec![sample, crash, late, coarse]
    }

    #[test]
    fn steps_give_the_value_in_force_at_every_bar() {
        for (k, dataset) in real_datasets().iter().enumerate() {
            let expected = by_definition(dataset);
            assert!(expected.iter().flatten().count() > 20, "dataset {k}");
            let aligned = AlignedOpenInterest::of(dataset);
            assert_eq!(aligned.len(), dataset.bars.len());
            let per_bar: Vec<Option<f64>> = aligned.per_bar().collect();
            assert_eq!(per_bar, expected, "dataset {k}, in order");
            let searched: Vec<Option<f64>> =
                (0..dataset.bars.len()).map(|i| aligned.get(i)).collect();
            assert_eq!(searched, expected, "dataset {k}, searched");
            assert_eq!(aligned.get(dataset.bars.len()), None, "past the last bar");
            for start in [0, 1, 2, 17, dataset.bars.len() / 2, dataset.bars.len() - 1] {
                let from: Vec<Option<f64>> = aligned.per_bar_from(start).collect();
                assert_eq!(from, expected[start..], "dataset {k} from bar {start}");
            }
            // Fewer steps than samples: a step only where the value changes.
            assert!(aligned.from_bar.len() <= dataset.open_interest.len());
        }
        let [_, _, late, coarse] = &real_datasets()[..] else {
            unreachable!()
        };
        assert_eq!(AlignedOpenInterest::of(late).get(0), None);
        // The coarse bars do hold several samples each, of different values.
        let several = coarse
            .bars
            .iter()
            .filter(|b| {
                let close_ms = b.open_time_ms + coarse.interval_ms;
                let inside: Vec<f64> = coarse
                    .open_interest
                    .iter()
                    .filter(|s| s.time_ms > b.open_time_ms && s.time_ms <= close_ms)
                    .map(|s| s.open_interest)
                    .collect();
                inside.len() >= 2 && inside.first() != inside.last()
            })
            .count();
        assert!(several > 100, "{several} bars of several samples");
    }

    #[test]
    fn the_first_difference_is_the_first_bar_whose_value_changed() {
        let sample = crate::dataset::sample().expect("sample");
        let aligned = AlignedOpenInterest::of(&sample);
        assert_eq!(aligned.first_difference(&aligned), sample.bars.len());
        let mut changed = sample.clone();
        let at = changed.open_interest.len() / 2;
        changed.open_interest[at].open_interest += 1.0;
        let expected = by_definition(&sample)
            .iter()
            .zip(by_definition(&changed))
            .position(|(a, b)| *a != b)
            .expect("a bar changed");
        let other = AlignedOpenInterest::of(&changed);
        assert_eq!(aligned.first_difference(&other), expected);
        assert_eq!(other.first_difference(&aligned), expected);
        let none = AlignedOpenInterest::none(sample.bars.len());
        let first_known = by_definition(&sample).iter().position(Option::is_some);
        assert_eq!(Some(aligned.first_difference(&none)), first_known);
    }
}
