//! Building a fetch request from what a person typed: a venue, a symbol, an interval name and a
//! span (the last N hours or days, or from and to), checked before anything is sent.

use super::config::FetchRequest;
use super::interval::{IntervalError, parse_interval_ms};
use super::venue::Venue;
use crate::time::parse_time_ms;

/// The span of a fetch as it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanInput<'a> {
    /// The last `span_ms` milliseconds up to now.
    Last {
        /// Length of the span, in milliseconds.
        span_ms: i64,
    },
    /// From and to as typed: RFC 3339 or epoch milliseconds; `to` is exclusive.
    Typed {
        /// Start, as typed.
        from: &'a str,
        /// End, as typed.
        to: &'a str,
    },
}

/// Why the fields do not make a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The symbol is empty.
    #[error("type or pick a symbol")]
    NoSymbol,
    /// The interval is not one like `5m`.
    #[error(transparent)]
    Interval(#[from] IntervalError),
    /// A time that could not be read.
    #[error("{field}: {reason}")]
    Time {
        /// `from` or `to`.
        field: &'static str,
        /// Why it could not be read.
        reason: String,
    },
    /// The span is empty or backwards.
    #[error("the start must be before the end")]
    EmptySpan,
}

/// The request that `symbol`, `interval` and `span` describe at `venue`, with `now_ms` as the
/// end of a span up to now.
pub fn build_request(
    venue: Venue,
    symbol: &str,
    interval: &str,
    span: SpanInput<'_>,
    now_ms: i64,
) -> Result<FetchRequest, RequestError> {
    let symbol = symbol.trim().to_string();
    if symbol.is_empty() {
        return Err(RequestError::NoSymbol);
    }
    let interval_ms = parse_interval_ms(interval)?;
    let (start_ms, end_ms) = match span {
        SpanInput::Last { span_ms } => (now_ms.saturating_sub(span_ms), now_ms),
        SpanInput::Typed { from, to } => {
            let time = |field: &'static str, text: &str| {
                parse_time_ms(text).map_err(|reason| RequestError::Time { field, reason })
            };
            (time("from", from)?, time("to", to)?)
        }
    };
    if start_ms >= end_ms {
        return Err(RequestError::EmptySpan);
    }
    Ok(FetchRequest {
        venue,
        symbol,
        interval_ms,
        start_ms,
        end_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_request_or_says_what_is_wrong() {
        let now = 1_760_000_000_000;
        let last_day = SpanInput::Last {
            span_ms: 86_400_000,
        };
        let request = build_request(Venue::Okx, " BTCUSDT ", "5m", last_day, now).unwrap();
        assert_eq!(request.symbol, "BTCUSDT");
        assert_eq!(request.interval_ms, 300_000);
        assert_eq!((request.start_ms, request.end_ms), (now - 86_400_000, now));
        assert_eq!(request.venue, Venue::Okx);
        let typed = SpanInput::Typed {
            from: "2025-10-10T00:00:00Z",
            to: "1760140800000",
        };
        let request = build_request(Venue::Binance, "HYPEUSDT", "1h", typed, now).unwrap();
        // 2025-10-10T00:00:00Z is 1760054400000; the end is 24 h later.
        assert_eq!(
            (request.start_ms, request.end_ms),
            (1_760_054_400_000, 1_760_140_800_000)
        );
        assert_eq!(
            build_request(Venue::Binance, "  ", "5m", last_day, now),
            Err(RequestError::NoSymbol)
        );
        assert!(matches!(
            build_request(Venue::Binance, "X", "5q", last_day, now),
            Err(RequestError::Interval(IntervalError::BadUnit(_)))
        ));
        let backwards = SpanInput::Typed {
            from: "1760140800000",
            to: "1760054400000",
        };
        assert_eq!(
            build_request(Venue::Binance, "X", "5m", backwards, now),
            Err(RequestError::EmptySpan)
        );
        let unreadable = SpanInput::Typed {
            from: "yesterday",
            to: "1760054400000",
        };
        assert!(matches!(
            build_request(Venue::Binance, "X", "5m", unreadable, now),
            Err(RequestError::Time { field: "from", .. })
        ));
    }
}
