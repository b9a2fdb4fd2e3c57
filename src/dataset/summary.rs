//! Facts about a dataset that `info` and the UI print.

use crate::model::Dataset;

/// Share (0..=1) of the bars whose open time lies within the span of the open-interest samples.
pub fn open_interest_coverage(dataset: &Dataset) -> f64 {
    bar_facts(dataset).open_interest_coverage
}

/// What `info` says of the bars, found in one pass over them (a pass per fact was 16 ms of
/// `liqmap info` on the year's 42 MB of rows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarFacts {
    /// See [`open_interest_coverage`].
    pub open_interest_coverage: f64,
    /// Whether every bar carries taker-buy volume ([`Dataset::has_taker_buy`]).
    pub has_taker_buy: bool,
    /// Whether every bar carries quote volume ([`Dataset::has_quote_volume`]).
    pub has_quote_volume: bool,
}

/// The [`BarFacts`] of `dataset`.
pub fn bar_facts(dataset: &Dataset) -> BarFacts {
    let span = match (dataset.open_interest.first(), dataset.open_interest.last()) {
        (Some(first), Some(last)) => Some(first.time_ms..=last.time_ms),
        _ => None,
    };
    let mut covered = 0_usize;
    let (mut taker, mut quote) = (true, true);
    for bar in &dataset.bars {
        covered += usize::from(span.as_ref().is_some_and(|s| s.contains(&bar.open_time_ms)));
        taker &= bar.taker_buy_volume.is_some();
        quote &= bar.quote_volume.is_some();
    }
    let bars = dataset.bars.len();
    BarFacts {
        open_interest_coverage: if bars == 0 {
            0.0
        } else {
            covered as f64 / bars as f64
        },
        has_taker_buy: bars > 0 && taker,
        has_quote_volume: bars > 0 && quote,
    }
}

/// Total USD value of the real liquidations.
pub fn liquidations_usd(dataset: &Dataset) -> f64 {
    // Fold from +0.0: an empty `sum` of f64 is -0.0, which prints as "-0.00".
    dataset
        .liquidations
        .iter()
        .fold(0.0, |total, l| total + l.notional_usd())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_says_what_a_pass_per_fact_says() {
        let sample = crate::dataset::sample().expect("sample");
        let mut late = sample.clone();
        late.open_interest.drain(..late.open_interest.len() / 2);
        let mut partial = sample.clone();
        if let Some(bar) = partial.bars.get_mut(10) {
            bar.taker_buy_volume = None;
        }
        let mut empty = sample.clone();
        empty.bars.clear();
        let mut no_oi = sample.clone();
        no_oi.open_interest.clear();
        for d in [&sample, &late, &partial, &empty, &no_oi] {
            let facts = bar_facts(d);
            let (first, last) = match (d.open_interest.first(), d.open_interest.last()) {
                (Some(f), Some(l)) => (f.time_ms, l.time_ms),
                _ => (1, 0),
            };
            let covered = d
                .bars
                .iter()
                .filter(|b| b.open_time_ms >= first && b.open_time_ms <= last)
                .count();
            let share = if d.bars.is_empty() {
                0.0
            } else {
                covered as f64 / d.bars.len() as f64
            };
            assert_eq!(facts.open_interest_coverage, share);
            assert_eq!(facts.has_taker_buy, d.has_taker_buy());
            assert_eq!(facts.has_quote_volume, d.has_quote_volume());
        }
        assert!(bar_facts(&sample).has_taker_buy);
        assert!(!bar_facts(&partial).has_taker_buy);
        let late_share = bar_facts(&late).open_interest_coverage;
        assert!(late_share > 0.3 && late_share < 0.7, "{late_share}");
    }
}
