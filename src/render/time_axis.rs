//! A UTC time axis for plotters whose ticks fall on round times (every 15 minutes, every 4 hours,
//! at midnight) instead of round numbers of milliseconds, and the tick steps and labels that the
//! viewer's chart uses too.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use super::labels;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Tick spacings to choose from, smallest first, shared by the window's chart and the export.
/// Multiples of a day are counted from the epoch, which falls on a UTC midnight.
pub const STEPS_MS: [i64; 22] = [
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
    4 * DAY_MS,
    7 * DAY_MS,
    14 * DAY_MS,
    30 * DAY_MS,
    60 * DAY_MS,
    90 * DAY_MS,
    180 * DAY_MS,
    365 * DAY_MS,
];

/// The time-tick function of both charts: the smallest round step that puts at most
/// `max_ticks` ticks on a span of `span_ms` (at least one).
pub fn tick_step_ms(span_ms: f64, max_ticks: usize) -> i64 {
    let room = max_ticks.max(2) as f64 - 1.0;
    STEPS_MS
        .into_iter()
        .find(|&step| span_ms / step as f64 <= room)
        .unwrap_or(365 * DAY_MS)
}

/// The step of the unlabelled ticks between those `major_ms` apart: the largest round step at
/// least three times smaller.
pub fn minor_step_ms(major_ms: i64) -> i64 {
    STEPS_MS
        .into_iter()
        .rev()
        .find(|&step| step < major_ms && major_ms / step >= 3)
        .unwrap_or(major_ms)
}

/// The label of a tick at `time_ms` when ticks are `step_ms` apart: `10 Oct 21:00`, or the
/// date alone when the ticks are whole days apart.
pub fn tick_label(time_ms: i64, step_ms: i64) -> String {
    tick_label_shifted(time_ms, step_ms, 0)
}

/// [`tick_label`] on a wall clock `offset_s` seconds ahead of UTC.
pub fn tick_label_shifted(time_ms: i64, step_ms: i64, offset_s: i32) -> String {
    labels::time_tick_shifted(time_ms, offset_s, step_ms > 0 && step_ms % DAY_MS == 0)
}

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
        tick_step_ms(self.end_ms as f64 - self.start_ms as f64, max_ticks)
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
