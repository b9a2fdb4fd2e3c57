//! A UTC time axis for plotters whose ticks fall on round times (every 15 minutes, every 4 hours,
//! at midnight) instead of round numbers of milliseconds.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use super::labels;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Tick spacings to choose from, smallest first. Multiples of a day are counted from the epoch,
/// which falls on a UTC midnight.
const STEPS_MS: [i64; 20] = [
    MINUTE_MS,
    2 * MINUTE_MS,
    5 * MINUTE_MS,
    10 * MINUTE_MS,
    15 * MINUTE_MS,
    30 * MINUTE_MS,
    HOUR_MS,
    2 * HOUR_MS,
    3 * HOUR_MS,
    4 * HOUR_MS,
    6 * HOUR_MS,
    12 * HOUR_MS,
    DAY_MS,
    2 * DAY_MS,
    5 * DAY_MS,
    10 * DAY_MS,
    20 * DAY_MS,
    50 * DAY_MS,
    100 * DAY_MS,
    200 * DAY_MS,
];

/// Epoch milliseconds `[start_ms, end_ms)` along an axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeAxis {
    /// First instant of the axis.
    pub start_ms: i64,
    /// End of the axis (exclusive).
    pub end_ms: i64,
}

impl TimeAxis {
    /// The tick spacing that gives at most `max_ticks` ticks (at least one tick).
    pub fn step_ms(&self, max_ticks: usize) -> i64 {
        let span = self.end_ms.saturating_sub(self.start_ms).max(1);
        let max_ticks = max_ticks.max(1) as i64;
        STEPS_MS
            .into_iter()
            .find(|step| span / step < max_ticks)
            .unwrap_or(200 * DAY_MS)
    }

    /// Round times inside the axis, `step_ms` apart.
    pub fn ticks_ms(&self, step_ms: i64) -> Vec<i64> {
        let step = step_ms.max(1);
        let first = self.start_ms.div_euclid(step).saturating_mul(step);
        let first = if first < self.start_ms {
            first.saturating_add(step)
        } else {
            first
        };
        // Capped so an absurd span cannot ask for millions of ticks.
        (0..64)
            .map_while(|i: i64| first.checked_add(i.checked_mul(step)?))
            .take_while(|t| *t < self.end_ms)
            .collect()
    }
}

impl Ranged for TimeAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = i64;

    fn map(&self, value: &i64, limit: (i32, i32)) -> i32 {
        let span = (self.end_ms as f64 - self.start_ms as f64).max(1.0);
        let fraction = (*value as f64 - self.start_ms as f64) / span;
        limit.0 + (fraction * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<i64> {
        self.ticks_ms(self.step_ms(hint.max_num_points()))
    }

    fn range(&self) -> Range<i64> {
        self.start_ms..self.end_ms
    }
}

impl ValueFormatter<i64> for TimeAxis {
    fn format(value: &i64) -> String {
        labels::time_tick(*value, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_round_times() {
        // 2025-10-10 21:15 UTC for six hours.
        let axis = TimeAxis {
            start_ms: 1_760_130_900_000,
            end_ms: 1_760_130_900_000 + 6 * HOUR_MS,
        };
        let step = axis.step_ms(8);
        assert_eq!(step, HOUR_MS);
        let ticks = axis.ticks_ms(step);
        assert_eq!(ticks.len(), 6);
        assert!(ticks.iter().all(|t| t % HOUR_MS == 0));
        assert_eq!(ticks[0], 1_760_130_900_000 + 45 * MINUTE_MS);
    }
}
