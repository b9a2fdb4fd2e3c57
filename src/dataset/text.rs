//! Numbers and times as source files write them.

use chrono::{DateTime, NaiveDateTime};

use super::error::DatasetErrorKind;

/// Epoch values at or above this are microseconds (recent Binance archives), not milliseconds:
/// in milliseconds they would lie after the year 5000.
const MICROSECONDS_FROM: i64 = 100_000_000_000_000;

/// Parses a decimal number such as `45.12400`, `5.99e-05` or `NaN` (validation rejects NaN later,
/// with a clearer message than a parse error).
pub fn parse_number(text: &str, what: &str) -> Result<f64, DatasetErrorKind> {
    let text = text.trim();
    text.parse::<f64>()
        .map_err(|_| DatasetErrorKind::NotANumber {
            column: what.to_string(),
            text: text.to_string(),
        })
}

/// Parses an epoch time in milliseconds (microseconds are recognised by size) or a naive UTC /
/// RFC 3339 date-time such as `2025-10-08 00:00:00` or `2025-10-22T09:36:42.306000`.
pub fn parse_time(text: &str, what: &str) -> Result<i64, DatasetErrorKind> {
    let text = text.trim();
    if let Ok(value) = text.parse::<i64>() {
        return Ok(epoch_to_ms(value));
    }
    if let Ok(value) = text.parse::<f64>()
        && value.is_finite()
        && value.fract() == 0.0
        && value.abs() < 9.0e15
    {
        // Integral epoch written as a float, e.g. `1760131200000.0`; the bound keeps it exact.
        return Ok(epoch_to_ms(value as i64));
    }
    for pattern in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, pattern) {
            return Ok(t.and_utc().timestamp_millis());
        }
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_millis());
    }
    Err(DatasetErrorKind::NotATime {
        column: what.to_string(),
        text: text.to_string(),
    })
}

/// Converts an integer epoch in milliseconds or microseconds to milliseconds.
pub fn epoch_to_ms(value: i64) -> i64 {
    if value >= MICROSECONDS_FROM {
        value / 1000
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_accepted_form() {
        // 2025-10-22 09:36:42.306 UTC, the first row of the shared liquidations file.
        let ms = 1_761_125_802_306;
        for text in [
            "1761125802306",
            "1761125802306000",
            "1761125802306.0",
            "2025-10-22T09:36:42.306000",
            "2025-10-22 09:36:42.306",
            "2025-10-22T11:36:42.306+02:00",
        ] {
            assert_eq!(parse_time(text, "t").ok(), Some(ms), "{text}");
        }
        assert!(matches!(
            parse_time("yesterday", "t"),
            Err(DatasetErrorKind::NotATime { .. })
        ));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number(" 5.99e-05", "x").ok(), Some(5.99e-5));
        assert!(parse_number("NaN", "x").is_ok_and(f64::is_nan));
        assert!(matches!(
            parse_number("abc", "x"),
            Err(DatasetErrorKind::NotANumber { .. })
        ));
    }
}
