//! The chart's time axis for egui_plot: the ticks and labels of the export's time axis
//! ([`crate::render::time_axis`]), in the plot's unit (seconds since the epoch), on UTC or on
//! the local wall clock.

use chrono::{Local, Offset, TimeZone};
use egui_plot::{GridInput, GridMark};

use crate::render::labels::time_tick_shifted;
use crate::render::time_axis::{minor_step_ms, tick_label_shifted, tick_step_ms};

/// Seconds the shown clock is ahead of UTC at `time_ms`: 0 for UTC, the local zone's offset
/// (summer time included) otherwise.
pub fn clock_offset_s(local: bool, time_ms: f64) -> i32 {
    if !local || !time_ms.is_finite() {
        return 0;
    }
    Local
        .timestamp_millis_opt(time_ms as i64)
        .single()
        .map_or(0, |t| t.offset().fix().local_minus_utc())
}

/// A time for tags and titles on the shown clock: `10 Oct 21:20`, with the zone when local.
pub fn clock_time(time_ms: i64, local: bool) -> String {
    let offset_s = clock_offset_s(local, time_ms as f64);
    let text = time_tick_shifted(time_ms, offset_s, false);
    if local { text } else { format!("{text} UTC") }
}

/// [`time_grid_spacer`] on a clock `offset_s` ahead of UTC: ticks on round local times.
pub fn time_grid_spacer_shifted(input: GridInput, offset_s: i32) -> Vec<GridMark> {
    let shift = f64::from(offset_s);
    time_grid_spacer(GridInput {
        bounds: (input.bounds.0 + shift, input.bounds.1 + shift),
        base_step_size: input.base_step_size,
    })
    .into_iter()
    .map(|mark| GridMark {
        value: mark.value - shift,
        step_size: mark.step_size,
    })
    .collect()
}

/// [`format_time_label`] on a clock `offset_s` ahead of UTC.
pub fn format_time_label_shifted(
    mark: GridMark,
    range: &std::ops::RangeInclusive<f64>,
    offset_s: i32,
) -> String {
    let span = range.end() - range.start();
    if range.end() - mark.value < RIGHT_EDGE_SHARE * span
        || mark.value - range.start() < LEFT_EDGE_SHARE * span
    {
        return String::new();
    }
    let time_ms = (mark.value * 1000.0).round() as i64;
    tick_label_shifted(time_ms, (mark.step_size * 1000.0).round() as i64, offset_s)
}

/// Labelled ticks a view gets at most.
const MAX_LABELLED_TICKS: usize = 8;
/// Room for a time label (`10 Oct 21:20` and a gap), points: a narrower step leaves every label
/// out, as egui_plot paints none wider than its step.
const TIME_LABEL_SPACING_PT: f64 = 110.0;
/// egui_plot's smallest grid spacing, points: `GridInput::base_step_size` is the value of this
/// many points.
const GRID_SPACING_MIN_PT: f64 = 8.0;

/// How many labelled ticks fit the plot's width (from `base_step_size`, the value of
/// [`GRID_SPACING_MIN_PT`] points), at least two and at most [`MAX_LABELLED_TICKS`].
fn labelled_ticks(span_s: f64, base_step_size: f64) -> usize {
    if !(base_step_size.is_finite() && base_step_size > 0.0) {
        return MAX_LABELLED_TICKS;
    }
    let width_pt = span_s / base_step_size * GRID_SPACING_MIN_PT;
    ((width_pt / TIME_LABEL_SPACING_PT).floor() as usize).clamp(2, MAX_LABELLED_TICKS)
}

/// Grid marks at round UTC times: a major step giving as many labels as fit (six or so on a
/// wide chart), and a minor step.
pub fn time_grid_spacer(input: GridInput) -> Vec<GridMark> {
    let (min, max) = input.bounds;
    let span = max - min;
    if !(span.is_finite() && span > 0.0) {
        return Vec::new();
    }
    let labels = labelled_ticks(span, input.base_step_size);
    let major_ms = tick_step_ms(span * 1000.0, labels);
    let minor_ms = minor_step_ms(major_ms);
    let mut marks = Vec::new();
    for step_ms in [minor_ms, major_ms] {
        let step = step_ms as f64 / 1000.0;
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
/// Share of the view at its left edge where ticks get no label (cut by the plot's left edge).
const LEFT_EDGE_SHARE: f64 = 0.04;

/// The label of a tick: `10 Oct 21:00`, or the date alone when ticks are whole days apart.
///
/// A tick in the last 5% (or the first 4%) of the view gets no label: centred on its tick, the
/// label would be cut by the plot's edge and misread (`10 Oct 202` for `10 Oct 2025`).
pub fn format_time_label(mark: GridMark, range: &std::ops::RangeInclusive<f64>) -> String {
    format_time_label_shifted(mark, range, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(marks: &[GridMark], value: f64, range: &std::ops::RangeInclusive<f64>) -> String {
        let mark = marks
            .iter()
            .filter(|m| m.value == value)
            .max_by(|a, b| a.step_size.total_cmp(&b.step_size))
            .copied()
            .expect("a mark there");
        format_time_label(mark, range)
    }

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
        let range = start..=start + 86_400.0;
        assert_eq!(label(&marks, start + 86_400.0, &range), "");
        assert_eq!(label(&marks, start + 14_400.0, &range), "10 Oct 04:00");
    }

    #[test]
    fn a_narrow_chart_gets_fewer_ticks_with_room_for_their_labels() {
        // Twelve hours on a plot 340 points wide (a 1600-point window with its panels): with
        // eight ticks, 1-hour steps 28 points apart could hold no label, so none was painted.
        let start = 1_761_523_200.0; // 2025-10-27 00:00 UTC
        let span = 12.0 * 3600.0;
        let base = span / 340.0 * GRID_SPACING_MIN_PT;
        let marks = time_grid_spacer(GridInput {
            bounds: (start, start + span),
            base_step_size: base,
        });
        let major = marks.iter().map(|m| m.step_size).fold(0.0, f64::max);
        assert!(major / span * 340.0 >= TIME_LABEL_SPACING_PT, "{major}");
        assert_eq!(major, 6.0 * 3600.0);
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
        let label = label(&marks, major[0], &(start..=end));
        assert!(label.ends_with(" 2024") && !label.contains(':'), "{label}");
    }

    #[test]
    fn local_ticks_fall_on_round_local_hours() {
        // A clock two hours ahead of UTC: a local 04:00 tick is 02:00 UTC.
        let start = 1_760_054_400.0; // 2025-10-10 00:00 UTC
        let input = GridInput {
            bounds: (start, start + 86_400.0),
            base_step_size: 1.0,
        };
        let marks = time_grid_spacer_shifted(input, 7200);
        let majors: Vec<f64> = marks
            .iter()
            .filter(|m| m.step_size == 14_400.0)
            .map(|m| m.value)
            .collect();
        assert_eq!(majors.first(), Some(&(start + 7200.0)));
        let mark = GridMark {
            value: start + 7200.0,
            step_size: 14_400.0,
        };
        let range = start..=start + 86_400.0;
        assert_eq!(
            format_time_label_shifted(mark, &range, 7200),
            "10 Oct 04:00"
        );
        assert_eq!(clock_offset_s(false, 0.0), 0);
    }
}
