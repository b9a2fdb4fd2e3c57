//! Bar intervals: parsing `5m`, `1h`, `1d` and naming them the way each venue does.

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Parses an interval such as `1m`, `15m`, `4h`, `1d` or `1w` into milliseconds.
pub fn parse_interval_ms(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (count, unit) = text.split_at(split);
    let count: i64 = count
        .parse()
        .map_err(|_| format!("bad interval '{text}': expected a number and a unit, like 5m"))?;
    let unit_ms = match unit {
        "m" => MINUTE_MS,
        "h" | "H" => HOUR_MS,
        "d" | "D" => DAY_MS,
        "w" | "W" => 7 * DAY_MS,
        _ => {
            return Err(format!(
                "bad interval '{text}': the unit must be m, h, d or w"
            ));
        }
    };
    if count <= 0 {
        return Err(format!("bad interval '{text}': must be above zero"));
    }
    Ok(count * unit_ms)
}

/// How Binance (and Hyperliquid) name the intervals they serve.
const BINANCE_NAMES: [(i64, &str); 14] = [
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

/// How Bybit v5 names the intervals it serves.
const BYBIT_NAMES: [(i64, &str); 12] = [
    (MINUTE_MS, "1"),
    (3 * MINUTE_MS, "3"),
    (5 * MINUTE_MS, "5"),
    (15 * MINUTE_MS, "15"),
    (30 * MINUTE_MS, "30"),
    (HOUR_MS, "60"),
    (2 * HOUR_MS, "120"),
    (4 * HOUR_MS, "240"),
    (6 * HOUR_MS, "360"),
    (12 * HOUR_MS, "720"),
    (DAY_MS, "D"),
    (7 * DAY_MS, "W"),
];

/// How OKX names the intervals it serves; from 6 h up the `utc` variants, so bars open at UTC
/// midnight like every other venue's.
const OKX_NAMES: [(i64, &str); 12] = [
    (MINUTE_MS, "1m"),
    (3 * MINUTE_MS, "3m"),
    (5 * MINUTE_MS, "5m"),
    (15 * MINUTE_MS, "15m"),
    (30 * MINUTE_MS, "30m"),
    (HOUR_MS, "1H"),
    (2 * HOUR_MS, "2H"),
    (4 * HOUR_MS, "4H"),
    (6 * HOUR_MS, "6Hutc"),
    (12 * HOUR_MS, "12Hutc"),
    (DAY_MS, "1Dutc"),
    (7 * DAY_MS, "1Wutc"),
];

fn name_in(table: &[(i64, &'static str)], interval_ms: i64) -> Option<&'static str> {
    table
        .iter()
        .find(|(ms, _)| *ms == interval_ms)
        .map(|(_, name)| *name)
}

/// The interval as Binance and Hyperliquid name it (`5m`, `1h`, `1d`), if it is one of theirs.
pub fn binance_name(interval_ms: i64) -> Option<&'static str> {
    name_in(&BINANCE_NAMES, interval_ms)
}

/// The interval as Bybit v5 names it (`5`, `60`, `D`), if it is one of theirs.
pub fn bybit_name(interval_ms: i64) -> Option<&'static str> {
    name_in(&BYBIT_NAMES, interval_ms)
}

/// The interval as OKX names it (`5m`, `1H`, `1Dutc`), if it is one of theirs.
pub fn okx_name(interval_ms: i64) -> Option<&'static str> {
    name_in(&OKX_NAMES, interval_ms)
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
    fn parses_and_names_intervals() {
        assert_eq!(parse_interval_ms("5m"), Ok(300_000));
        assert_eq!(parse_interval_ms("4h"), Ok(14_400_000));
        assert_eq!(parse_interval_ms("1d"), Ok(86_400_000));
        assert!(parse_interval_ms("5x").is_err());
        assert!(parse_interval_ms("0m").is_err());
        assert_eq!(binance_name(300_000), Some("5m"));
        assert_eq!(bybit_name(3_600_000), Some("60"));
        assert_eq!(okx_name(86_400_000), Some("1Dutc"));
        assert_eq!(binance_name(7 * 60_000), None);
        let periods = [("5m", 300_000), ("1h", 3_600_000)];
        assert_eq!(oi_period(60_000, &periods), Some(("5m", 300_000)));
        assert_eq!(oi_period(900_000, &periods), Some(("5m", 300_000)));
        assert_eq!(oi_period(86_400_000, &periods), Some(("1h", 3_600_000)));
    }
}
