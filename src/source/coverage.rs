//! Whether what arrived covers what was asked: bars that the span should hold but the dataset
//! lacks, and open-interest samples that the bars should have but do not.

use super::ranges::Range;
use crate::model::{Bar, OpenInterestSample};
use crate::time::format_time_ms;

/// How long after a bar opens the venue may still not list it.
const NEWEST_BAR_GRACE_MS: i64 = 60_000;

/// A hole: the missing range and a sentence about it.
pub(crate) struct Hole {
    /// The missing range `[start_ms, end_ms)`.
    pub range: Range,
    /// What is missing, for people.
    pub text: String,
}

/// Bars the span should have but `bars` (in time order, one per `step`) lack: before the first,
/// after the last, and gaps.
pub(crate) fn bar_holes(bars: &[Bar], step: i64, want: Range, now_ms: i64) -> Vec<Hole> {
    let first_expected = ceil_to(want.0, step);
    let last_by_span = (want.1 - 1).div_euclid(step) * step;
    let last_by_clock = (now_ms - NEWEST_BAR_GRACE_MS).div_euclid(step) * step;
    let last_expected = last_by_span.min(last_by_clock);
    let mut holes = Vec::new();
    let (Some(first), Some(last)) = (bars.first(), bars.last()) else {
        return holes;
    };
    if first.open_time_ms > first_expected {
        holes.push(Hole {
            range: (first_expected, first.open_time_ms),
            text: format!(
                "no bars from {} to {} ({} missing at the start)",
                format_time_ms(first_expected),
                format_time_ms(first.open_time_ms),
                (first.open_time_ms - first_expected) / step
            ),
        });
    }
    for pair in bars.windows(2) {
        let [a, b] = pair else { continue };
        let gap = b.open_time_ms - a.open_time_ms;
        if gap > step {
            holes.push(Hole {
                range: (a.open_time_ms + step, b.open_time_ms),
                text: format!(
                    "{} bars missing between {} and {}",
                    gap / step - 1,
                    format_time_ms(a.open_time_ms),
                    format_time_ms(b.open_time_ms)
                ),
            });
        }
    }
    if last.open_time_ms < last_expected {
        holes.push(Hole {
            range: (last.open_time_ms + step, last_expected + step),
            text: format!(
                "no bars after {} (expected until {}; {} missing at the end)",
                format_time_ms(last.open_time_ms),
                format_time_ms(last_expected),
                (last_expected - last.open_time_ms) / step
            ),
        });
    }
    holes
}

/// Whether `bars` (in time order) hold every bar that opens in `range`.
pub(crate) fn covers(bars: &[Bar], range: Range, interval_ms: i64) -> bool {
    let first_open = ceil_to(range.0, interval_ms);
    let expected = if range.1 > first_open {
        (range.1 - first_open + interval_ms - 1) / interval_ms
    } else {
        0
    };
    let mut inside = bars
        .iter()
        .map(|b| b.open_time_ms)
        .filter(|&t| t >= range.0 && t < range.1);
    for i in 0..expected {
        if inside.next() != Some(first_open + i * interval_ms) {
            return false;
        }
    }
    inside.next().is_none()
}

/// Open-interest periods inside `span` (period starts from `period_ms` multiples) that hold no
/// sample of `samples` (in time order), joined into runs. The venue publishes a period's sample
/// once it has passed, so periods that end after `now_ms` are not expected yet.
pub(crate) fn oi_holes(
    samples: &[OpenInterestSample],
    period_ms: i64,
    span: Range,
    now_ms: i64,
) -> Vec<Hole> {
    let period_ms = period_ms.max(1);
    let end = span.1.min(now_ms - period_ms + 1);
    let mut holes: Vec<Range> = Vec::new();
    let mut next = 0;
    let mut slot = ceil_to(span.0, period_ms);
    while slot < end {
        next += samples[next..].partition_point(|s| s.time_ms < slot);
        let held = samples
            .get(next)
            .is_some_and(|s| s.time_ms < slot + period_ms);
        if !held {
            match holes.last_mut() {
                Some(last) if last.1 == slot => last.1 = slot + period_ms,
                _ => holes.push((slot, slot + period_ms)),
            }
        }
        slot += period_ms;
    }
    holes
        .into_iter()
        .map(|range| Hole {
            range,
            text: format!(
                "{} open-interest points missing from {} to {}",
                (range.1 - range.0) / period_ms,
                format_time_ms(range.0),
                format_time_ms(range.1)
            ),
        })
        .collect()
}

/// The first multiple of `step` at or after `t`.
fn ceil_to(t: i64, step: i64) -> i64 {
    let aligned = t.div_euclid(step) * step;
    if aligned < t { aligned + step } else { aligned }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oi(time_ms: i64) -> OpenInterestSample {
        OpenInterestSample {
            time_ms,
            open_interest: 1.0,
            value_usd: None,
        }
    }

    #[test]
    fn open_interest_holes_are_the_periods_without_a_sample() {
        // Periods of 10 over [0, 60): samples at 0, 10, 40 leave 20..40 and 50..60 empty.
        let samples = [oi(0), oi(10), oi(40)];
        let holes = oi_holes(&samples, 10, (0, 60), 1_000);
        let ranges: Vec<Range> = holes.iter().map(|h| h.range).collect();
        assert_eq!(ranges, vec![(20, 40), (50, 60)]);
        assert!(holes[0].text.starts_with("2 open-interest points missing"));
        // The period 50..60 is not over at now = 55: not expected yet.
        let ranges: Vec<Range> = oi_holes(&samples, 10, (0, 60), 55)
            .iter()
            .map(|h| h.range)
            .collect();
        assert_eq!(ranges, vec![(20, 40)]);
    }
}
