//! The chart's time axis: ticks on round UTC times (minutes, hours, days) and their labels.
//! Plot x values are seconds since the epoch.

use std::ops::RangeInclusive;

use egui_plot::{GridInput, GridMark};

use crate::render::labels::time_tick;

/// Round steps in seconds, from a minute to a year; every step of a day or more is a whole
/// number of days, so its ticks fall on UTC midnight.
const STEPS_S: [f64; 19] = [
    60.0,
    300.0,
    900.0,
    1800.0,
    3600.0,
    7200.0,
    14_400.0,
    21_600.0,
    43_200.0,
    86_400.0,
    172_800.0,
    345_600.0,
    604_800.0,
    1_209_600.0,
    2_592_000.0,
    5_184_000.0,
    7_776_000.0,
    15_552_000.0,
    31_536_000.0,
];

/// Grid marks at round UTC times: a major step giving about six labels, and a minor step.
pub fn time_grid_spacer(input: GridInput) -> Vec<GridMark> {
    let (min, max) = input.bounds;
    let span = max - min;
    if !(span.is_finite() && span > 0.0) {
        return Vec::new();
    }
    let major = STEPS_S
        .iter()
        .copied()
        .find(|&s| span / s <= 7.0)
        .unwrap_or(31_536_000.0);
    let minor = STEPS_S
        .iter()
        .rev()
        .copied()
        .find(|&s| s < major && major / s >= 3.0)
        .unwrap_or(major);
    let mut marks = Vec::new();
    for step in [minor, major] {
        // Cap the marks so a huge span cannot make millions of them.
        if span / step > 200.0 {
            continue;
        }
        let mut value = (min / step).ceil() * step;
        while value <= max {
            marks.push(GridMark {
                value,
                step_size: step,
            });
            value += step;
        }
    }
    marks
}

/// Share of the view at its right edge where ticks get no label.
const RIGHT_EDGE_SHARE: f64 = 0.05;

/// The label of a tick at `seconds`: `10-10 21:00`, or the date alone at midnight when the
/// view spans days.
///
/// A tick in the last 5% of the view gets no label: centred on its tick, the label would be cut
/// by the plot's right edge and misread (`2025-10-1` for the 11th).
pub fn format_time_label(seconds: f64, range: &RangeInclusive<f64>) -> String {
    let span = range.end() - range.start();
    if range.end() - seconds < RIGHT_EDGE_SHARE * span {
        return String::new();
    }
    let time_ms = (seconds * 1000.0).round() as i64;
    let whole_days = span > 3.0 * 86_400.0 && time_ms % 86_400_000 == 0;
    time_tick(time_ms, whole_days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_gets_four_hour_ticks_on_round_hours() {
        // 2025-10-10 00:00 UTC = 1760054400 s; one day of span.
        let start = 1_760_054_400.0;
        let marks = time_grid_spacer(GridInput {
            bounds: (start + 100.0, start + 86_400.0),
            base_step_size: 1.0,
        });
        let majors: Vec<f64> = marks
            .iter()
            .filter(|m| m.step_size == 14_400.0)
            .map(|m| m.value)
            .collect();
        assert_eq!(majors.first(), Some(&(start + 14_400.0)));
        assert_eq!(majors.len(), 6);
        // The last tick sits on the right edge: its label would be cut, so it has none.
        assert_eq!(
            format_time_label(start + 86_400.0, &(start..=start + 86_400.0)),
            ""
        );
        assert_eq!(
            format_time_label(start + 14_400.0, &(start..=start + 86_400.0)),
            "10-10 04:00"
        );
    }

    #[test]
    fn a_year_gets_ticks_on_midnight() {
        // 2024-01-01 00:00 UTC = 1704067200 s; 365 days: 60-day steps, labelled by date.
        let start = 1_704_067_200.0;
        let end = start + 365.0 * 86_400.0;
        let marks = time_grid_spacer(GridInput {
            bounds: (start + 3600.0, end),
            base_step_size: 1.0,
        });
        let major: Vec<f64> = marks
            .iter()
            .filter(|m| m.step_size == 5_184_000.0)
            .map(|m| m.value)
            .collect();
        assert!(!major.is_empty() && major.len() <= 7);
        assert!(major.iter().all(|v| v % 86_400.0 == 0.0));
        let label = format_time_label(major[0], &(start..=end));
        assert_eq!(label.len(), "2024-01-01".len(), "{label}");
    }
}
