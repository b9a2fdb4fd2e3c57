//! Text of axis ticks and legend labels.

use chrono::{DateTime, Utc};

use crate::format::group_thousands;

/// A USD amount in a few characters: `0`, `950`, `12k`, `1.2M`, `2.5B`.
pub fn compact_usd(usd: f64) -> String {
    if !usd.is_finite() {
        return "?".into();
    }
    let magnitude = usd.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (usd / 1e9, "B")
    } else if magnitude >= 1e6 {
        (usd / 1e6, "M")
    } else if magnitude >= 1e3 {
        (usd / 1e3, "k")
    } else {
        return format!("{usd:.0}");
    };
    let text = if scaled.abs() >= 100.0 {
        format!("{scaled:.0}")
    } else {
        let text = format!("{scaled:.1}");
        text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
    };
    format!("{text}{suffix}")
}

/// Decimals a price label needs so that ticks `step_usd` apart read differently.
pub fn price_decimals(step_usd: f64) -> usize {
    if !(step_usd.is_finite() && step_usd > 0.0) || step_usd >= 1.0 {
        return 0;
    }
    (-step_usd.log10()).ceil().clamp(0.0, 8.0) as usize
}

/// A price with the given decimals and thousands separators, as trading charts print it:
/// `114,679.3`. The axis of the window and of the export both use it.
pub fn price(price_usd: f64, decimals: usize) -> String {
    group_thousands(format!("{price_usd:.decimals$}"))
}

/// A price for a tag (the last price, the crosshair): the decimals its size calls for, as
/// [`human_price`], with thousands separators: `114,679.3`.
pub fn tag_price(price_usd: f64) -> String {
    group_thousands(human_price(price_usd))
}

/// A price for people, with as many decimals as its size calls for: `121570.5`, `45.233`,
/// `0.09678`.
pub fn human_price(price_usd: f64) -> String {
    let decimals = if price_usd.abs() >= 1000.0 {
        1
    } else if price_usd.abs() >= 10.0 {
        3
    } else {
        5
    };
    format!("{price_usd:.decimals$}")
}

/// A UTC time tick as trading charts write it: `10 Oct 21:00`, or `10 Oct 2025` when ticks are
/// whole days apart.
pub fn time_tick(time_ms: i64, whole_days: bool) -> String {
    time_tick_shifted(time_ms, 0, whole_days)
}

/// [`time_tick`] of the wall clock `offset_s` seconds ahead of UTC (a local time zone).
pub fn time_tick_shifted(time_ms: i64, offset_s: i32, whole_days: bool) -> String {
    let shifted = time_ms.saturating_add(i64::from(offset_s) * 1000);
    match DateTime::<Utc>::from_timestamp_millis(shifted) {
        Some(t) if whole_days => t.format("%-d %b %Y").to_string(),
        Some(t) => t.format("%-d %b %H:%M").to_string(),
        None => format!("{time_ms}"),
    }
}

/// A UTC time with the year, for titles: `2025-10-10 21:15 UTC`.
pub fn time_full(time_ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(time_ms) {
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => format!("{time_ms} ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_amounts() {
        assert_eq!(compact_usd(0.0), "0");
        assert_eq!(compact_usd(950.0), "950");
        assert_eq!(compact_usd(12_000.0), "12k");
        assert_eq!(compact_usd(1_250_000.0), "1.2M");
        assert_eq!(compact_usd(2_500_000.0), "2.5M");
        assert_eq!(compact_usd(250_000_000.0), "250M");
        assert_eq!(compact_usd(3e9), "3B");
    }

    #[test]
    fn ticks() {
        // 1760130900 s is 2025-10-10 21:15 UTC (date -u -d @1760130900).
        assert_eq!(time_tick(1_760_130_900_000, false), "10 Oct 21:15");
        assert_eq!(time_tick(1_760_130_900_000, true), "10 Oct 2025");
        // Two hours ahead of UTC, 21:15 is 23:15; three hours ahead, it is past midnight.
        assert_eq!(
            time_tick_shifted(1_760_130_900_000, 7200, false),
            "10 Oct 23:15"
        );
        assert_eq!(
            time_tick_shifted(1_760_130_900_000, 3 * 3600, false),
            "11 Oct 00:15"
        );
        assert_eq!(price_decimals(1000.0), 0);
        assert_eq!(price_decimals(0.05), 2);
        assert_eq!(price(41.256, 2), "41.26");
    }

    #[test]
    fn prices_get_thousands_separators() {
        assert_eq!(price(114_679.34, 1), "114,679.3");
        assert_eq!(price(1_000.0, 0), "1,000");
        assert_eq!(price(999.0, 0), "999");
        assert_eq!(price(-1_234_567.0, 0), "-1,234,567");
        assert_eq!(price(0.09678, 5), "0.09678");
        assert_eq!(tag_price(114_679.34), "114,679.3");
        assert_eq!(tag_price(45.2334), "45.233");
    }
}
