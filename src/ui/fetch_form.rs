//! The fields of the "Fetch from exchange" window and the request they describe. Nothing here
//! is an egui type.

use crate::source::{FetchRequest, RequestError, SpanInput, Venue, build_request};

/// The intervals offered.
pub const INTERVALS: [&str; 6] = ["1m", "5m", "15m", "1h", "4h", "1d"];

/// One hour, milliseconds.
pub const HOUR_MS: i64 = 3_600_000;
/// One day, milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// The span to fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RangeChoice {
    /// The last 12 hours.
    Hours12,
    /// The last 24 hours.
    #[default]
    Hours24,
    /// The last 3 days.
    Days3,
    /// The last 7 days.
    Days7,
    /// The last 30 days.
    Days30,
    /// From and to as typed.
    Custom,
}

impl RangeChoice {
    /// Every choice, in the order shown.
    pub const ALL: [RangeChoice; 6] = [
        RangeChoice::Hours12,
        RangeChoice::Hours24,
        RangeChoice::Days3,
        RangeChoice::Days7,
        RangeChoice::Days30,
        RangeChoice::Custom,
    ];

    /// Label for the UI.
    pub fn label(self) -> &'static str {
        match self {
            RangeChoice::Hours12 => "12h",
            RangeChoice::Hours24 => "24h",
            RangeChoice::Days3 => "3d",
            RangeChoice::Days7 => "7d",
            RangeChoice::Days30 => "30d",
            RangeChoice::Custom => "custom",
        }
    }

    /// The span's length up to now, in milliseconds; `None` for a custom span.
    pub fn span_ms(self) -> Option<i64> {
        match self {
            RangeChoice::Hours12 => Some(12 * HOUR_MS),
            RangeChoice::Hours24 => Some(DAY_MS),
            RangeChoice::Days3 => Some(3 * DAY_MS),
            RangeChoice::Days7 => Some(7 * DAY_MS),
            RangeChoice::Days30 => Some(30 * DAY_MS),
            RangeChoice::Custom => None,
        }
    }
}

/// The fetch window's fields.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchForm {
    /// Whether the window is open.
    pub open: bool,
    /// The venue.
    pub venue: Venue,
    /// The symbol typed or picked; also the search text over the venue's list.
    pub symbol: String,
    /// The interval, one of [`INTERVALS`].
    pub interval: String,
    /// The span.
    pub range: RangeChoice,
    /// Start of a custom span: RFC 3339 or epoch milliseconds.
    pub from: String,
    /// End of a custom span: RFC 3339 or epoch milliseconds.
    pub to: String,
}

impl Default for FetchForm {
    fn default() -> Self {
        FetchForm {
            open: false,
            venue: Venue::Binance,
            symbol: "BTCUSDT".to_string(),
            interval: "5m".to_string(),
            range: RangeChoice::default(),
            from: String::new(),
            to: String::new(),
        }
    }
}

impl FetchForm {
    /// The request the form describes, with `now_ms` as the end of a span up to now.
    pub fn request(&self, now_ms: i64) -> Result<FetchRequest, RequestError> {
        let span = match self.range.span_ms() {
            Some(span_ms) => SpanInput::Last { span_ms },
            None => SpanInput::Typed {
                from: &self.from,
                to: &self.to,
            },
        };
        build_request(self.venue, &self.symbol, &self.interval, span, now_ms)
    }
}
