//! Facts about a dataset that `info` and the UI print.

use crate::model::Dataset;

/// Formats an interval like `5m`, `1h`, `4h`, `1d`, `30s`, or `1500ms` when it has no shorter
/// name.
pub fn format_interval(interval_ms: i64) -> String {
    const UNITS: [(i64, &str); 5] = [
        (7 * 86_400_000, "w"),
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ];
    for (unit_ms, suffix) in UNITS {
        if interval_ms > 0 && interval_ms % unit_ms == 0 {
            return format!("{}{suffix}", interval_ms / unit_ms);
        }
    }
    format!("{interval_ms}ms")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_names() {
        assert_eq!(format_interval(300_000), "5m");
        assert_eq!(format_interval(900_000), "15m");
        assert_eq!(format_interval(3_600_000), "1h");
        assert_eq!(format_interval(14_400_000), "4h");
        assert_eq!(format_interval(86_400_000), "1d");
        assert_eq!(format_interval(30_000), "30s");
        assert_eq!(format_interval(1500), "1500ms");
    }
}
