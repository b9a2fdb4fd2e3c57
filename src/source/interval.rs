//! Bar intervals: parsing `5m`, `1h`, `1d`, and the names most venues share (`1m` … `1w`). A
//! venue with names of its own keeps them in its file.

/// A minute, an hour and a day, in milliseconds, for the venues' interval tables.
pub(crate) const MINUTE_MS: i64 = 60_000;
/// An hour in milliseconds.
pub(crate) const HOUR_MS: i64 = 60 * MINUTE_MS;
/// A day in milliseconds.
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;

/// An interval that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    /// No leading count.
    #[error("bad interval '{0}': expected a number and a unit, like 5m")]
    NoCount(String),
    /// A unit other than m, h, d or w.
    #[error("bad interval '{0}': the unit must be m, h, d or w")]
    BadUnit(String),
    /// Zero.
    #[error("bad interval '{0}': must be above zero")]
    NotPositive(String),
}

/// Parses an interval such as `1m`, `15m`, `4h`, `1d` or `1w` into milliseconds.
pub fn parse_interval_ms(text: &str) -> Result<i64, IntervalError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (count, unit) = text.split_at(split);
    let count: i64 = count
        .parse()
        .map_err(|_| IntervalError::NoCount(text.to_string()))?;
    let unit_ms = match unit {
        "m" => MINUTE_MS,
        "h" | "H" => HOUR_MS,
        "d" | "D" => DAY_MS,
        "w" | "W" => 7 * DAY_MS,
        _ => return Err(IntervalError::BadUnit(text.to_string())),
    };
    if count <= 0 {
        return Err(IntervalError::NotPositive(text.to_string()));
    }
    count
        .checked_mul(unit_ms)
        .ok_or_else(|| IntervalError::NotPositive(text.to_string()))
}

/// The names Binance uses, and Hyperliquid and Binance's archive with it.
pub(crate) const COMMON_NAMES: [(i64, &str); 14] = [
    (MINUTE_MS, "1m"),
    (3 * MINUTE_MS, "3m"),
    (5 * MINUTE_MS, "5m"),
    (15 * MINUTE_MS, "15m"),
    (30 * MINUTE_MS, "30m"),
    (HOUR_MS, "1h"),
    (2 * HOUR_MS, "2h"),
    (4 * HOUR_MS, "4h"),
    (6 * HOUR_MS, "6h"),
    (8 * HOUR_MS, "8h"),
    (12 * HOUR_MS, "12h"),
    (DAY_MS, "1d"),
    (3 * DAY_MS, "3d"),
    (7 * DAY_MS, "1w"),
];

/// The name of `interval_ms` in `table`, if it has one.
pub(crate) fn name_in(table: &[(i64, &'static str)], interval_ms: i64) -> Option<&'static str> {
    table
        .iter()
        .find(|(ms, _)| *ms == interval_ms)
        .map(|(_, name)| *name)
}

/// The open-interest period closest to (not finer than needed for) the bar interval, among
/// `periods` given as (name, milliseconds) in increasing order.
pub fn oi_period(interval_ms: i64, periods: &[(&'static str, i64)]) -> Option<(&'static str, i64)> {
    periods
        .iter()
        .rev()
        .find(|(_, ms)| *ms <= interval_ms)
        .or_else(|| periods.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_intervals_and_picks_periods() {
        assert_eq!(parse_interval_ms("5m"), Ok(300_000));
        assert_eq!(parse_interval_ms("4h"), Ok(14_400_000));
        assert_eq!(parse_interval_ms("1d"), Ok(86_400_000));
        assert!(parse_interval_ms("5x").is_err());
        assert!(parse_interval_ms("0m").is_err());
        assert_eq!(name_in(&COMMON_NAMES, 300_000), Some("5m"));
        assert_eq!(name_in(&COMMON_NAMES, 7 * 60_000), None);
        let periods = [("5m", 300_000), ("1h", 3_600_000)];
        assert_eq!(oi_period(60_000, &periods), Some(("5m", 300_000)));
        assert_eq!(oi_period(900_000, &periods), Some(("5m", 300_000)));
        assert_eq!(oi_period(86_400_000, &periods), Some(("1h", 3_600_000)));
    }
}
