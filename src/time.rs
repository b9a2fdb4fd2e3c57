//! Times as the command line reads and prints them: epoch milliseconds or RFC 3339, UTC.

use chrono::{DateTime, SecondsFormat, Utc};

/// Parses epoch milliseconds (`1760130900000`) or RFC 3339 (`2025-10-10T21:15:00Z`).
pub fn parse_time_ms(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("bad time '{text}': expected epoch milliseconds or RFC 3339 ({e})"))
}

/// Formats epoch milliseconds as RFC 3339 UTC, for example `2025-10-10T21:15:00Z`.
pub fn format_time_ms(time_ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(time_ms) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => format!("{time_ms} ms"),
    }
}

/// A bar interval as traders write it: `1m`, `5m`, `1h`, `4h`, `1d`, `1w`; odd ones in seconds.
pub fn format_interval(interval_ms: i64) -> String {
    const UNITS: [(i64, &str); 5] = [
        (604_800_000, "w"),
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ];
    for (unit_ms, suffix) in UNITS {
        if interval_ms >= unit_ms && interval_ms % unit_ms == 0 {
            return format!("{}{suffix}", interval_ms / unit_ms);
        }
    }
    format!("{interval_ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_to_the_same_instant() {
        // 1760130900000 ms = 2025-10-10 21:15:00 UTC (the HYPEUSDT crash bar of the sample).
        assert_eq!(parse_time_ms("1760130900000"), Ok(1_760_130_900_000));
        assert_eq!(parse_time_ms("2025-10-10T21:15:00Z"), Ok(1_760_130_900_000));
        assert_eq!(
            parse_time_ms("2025-10-10T23:15:00+02:00"),
            Ok(1_760_130_900_000)
        );
        assert!(parse_time_ms("yesterday").is_err());
        assert_eq!(format_time_ms(1_760_130_900_000), "2025-10-10T21:15:00Z");
        assert_eq!(format_interval(300_000), "5m");
        assert_eq!(format_interval(3_600_000), "1h");
        assert_eq!(format_interval(14_400_000), "4h");
        assert_eq!(format_interval(86_400_000), "1d");
        assert_eq!(format_interval(90_000), "90s");
    }
}
