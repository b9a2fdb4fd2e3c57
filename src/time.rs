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
    }
}
