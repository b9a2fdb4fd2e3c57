//! Facts about a dataset that `info` and the UI print.

use crate::model::Dataset;

/// Share (0..=1) of the bars whose open time lies within the span of the open-interest samples.
pub fn open_interest_coverage(dataset: &Dataset) -> f64 {
    let (Some(first), Some(last)) = (dataset.open_interest.first(), dataset.open_interest.last())
    else {
        return 0.0;
    };
    if dataset.bars.is_empty() {
        return 0.0;
    }
    let covered = dataset
        .bars
        .iter()
        .filter(|b| b.open_time_ms >= first.time_ms && b.open_time_ms <= last.time_ms)
        .count();
    covered as f64 / dataset.bars.len() as f64
}

/// Total USD value of the real liquidations.
pub fn liquidations_usd(dataset: &Dataset) -> f64 {
    // Fold from +0.0: an empty `sum` of f64 is -0.0, which prints as "-0.00".
    dataset
        .liquidations
        .iter()
        .fold(0.0, |total, l| total + l.notional_usd())
}
