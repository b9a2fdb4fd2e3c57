//! The venues, and what the shared code needs to know of each: names, endpoints, limits, error
//! bodies, and which module fetches what.

use super::error::SourceError;
use super::http::Session;
use super::limits::RateLimit;
use super::{CancelToken, SourceConfig, binance, bybit, hyperliquid, okx};

/// An exchange the data comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Venue {
    /// Binance USD-M perpetual futures.
    Binance,
    /// Bybit v5, linear (USDT) perpetuals.
    Bybit,
    /// OKX USDT swaps.
    Okx,
    /// Hyperliquid perpetuals.
    Hyperliquid,
}

impl std::fmt::Display for Venue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

impl Venue {
    /// Every venue, in the order the UI lists them.
    pub const ALL: [Venue; 4] = [Venue::Binance, Venue::Bybit, Venue::Okx, Venue::Hyperliquid];

    /// Name for people and error messages, for example `Binance USD-M`.
    pub fn display_name(self) -> &'static str {
        match self {
            Venue::Binance => "Binance USD-M",
            Venue::Bybit => "Bybit",
            Venue::Okx => "OKX",
            Venue::Hyperliquid => "Hyperliquid",
        }
    }

    /// Name on the command line and in the cache directory: `binance`, `bybit`, `okx`,
    /// `hyperliquid`.
    pub fn cli_name(self) -> &'static str {
        match self {
            Venue::Binance => "binance",
            Venue::Bybit => "bybit",
            Venue::Okx => "okx",
            Venue::Hyperliquid => "hyperliquid",
        }
    }

    /// Name stored in [`crate::model::Dataset::exchange`].
    pub fn dataset_name(self) -> &'static str {
        match self {
            Venue::Binance => "binance-usdm",
            Venue::Bybit => "bybit-linear",
            Venue::Okx => "okx-swap",
            Venue::Hyperliquid => "hyperliquid",
        }
    }

    /// The public REST endpoint.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Venue::Binance => "https://fapi.binance.com",
            Venue::Bybit => "https://api.bybit.com",
            Venue::Okx => "https://www.okx.com",
            Venue::Hyperliquid => "https://api.hyperliquid.xyz",
        }
    }

    /// The public websocket endpoint of the liquidation stream, if the venue has one.
    pub fn default_ws_url(self) -> Option<&'static str> {
        match self {
            Venue::Binance => Some("wss://fstream.binance.com/ws"),
            Venue::Bybit => Some("wss://stream.bybit.com/v5/public/linear"),
            Venue::Okx | Venue::Hyperliquid => None,
        }
    }

    /// The venue's published limits, by bucket name.
    pub(crate) fn limits(self) -> &'static [(&'static str, RateLimit)] {
        match self {
            Venue::Binance => binance::LIMITS,
            Venue::Bybit => bybit::LIMITS,
            Venue::Okx => okx::LIMITS,
            Venue::Hyperliquid => hyperliquid::LIMITS,
        }
    }
}

/// A venue's own error code found in a body.
pub(crate) struct VenueCode {
    /// The code, as text.
    pub code: String,
    /// The venue's message.
    pub message: String,
    /// Whether the code means "too many requests" (worth waiting and retrying).
    pub rate_limited: bool,
}

/// The venue's error code in `body`, if it carries one.
pub(crate) fn venue_error(venue: Venue, status: u16, body: &str) -> Option<VenueCode> {
    match venue {
        Venue::Binance => binance::api_error(body),
        Venue::Bybit => bybit::api_error(body),
        Venue::Okx => okx::api_error(body),
        Venue::Hyperliquid => hyperliquid::api_error(status, body),
    }
}

/// Items fetched page by page, and the error that stopped the paging early, if any.
pub(crate) struct Paged<T> {
    /// What arrived, in time order, without duplicates.
    pub items: Vec<T>,
    /// Why paging stopped before the end of the range.
    pub stopped: Option<SourceError>,
    /// Notes for the user (for example a span the venue does not serve).
    pub notes: Vec<String>,
}

impl<T> Paged<T> {
    /// Nothing yet.
    pub fn new() -> Self {
        Self {
            items: Vec::new(),
            stopped: None,
            notes: Vec::new(),
        }
    }
}

/// Called after each page that arrived.
pub(crate) type OnPage<'a> = &'a (dyn Fn() + Send + Sync);

/// The symbols the venue lists as trading perpetuals, sorted.
pub async fn symbols(venue: Venue, config: &SourceConfig) -> Result<Vec<String>, SourceError> {
    let session = Session::new(venue, config, CancelToken::new())?;
    let mut list = match venue {
        Venue::Binance => binance::symbols(&session).await?,
        Venue::Bybit => bybit::symbols(&session).await?,
        Venue::Okx => okx::symbols(&session).await?,
        Venue::Hyperliquid => hyperliquid::symbols(&session).await?,
    };
    list.sort();
    list.dedup();
    Ok(list)
}

/// Parses a decimal the venues send as a string (or a number), naming the field on failure.
pub(crate) fn number(value: &serde_json::Value, field: &str) -> Result<f64, String> {
    let parsed = match value {
        serde_json::Value::String(text) => text.trim().parse::<f64>().ok(),
        serde_json::Value::Number(n) => n.as_f64(),
        _ => None,
    };
    match parsed {
        Some(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{field}: expected a number, found {value}")),
    }
}

/// Parses epoch milliseconds sent as a number or a string.
pub(crate) fn millis(value: &serde_json::Value, field: &str) -> Result<i64, String> {
    let parsed = match value {
        serde_json::Value::String(text) => text.trim().parse::<i64>().ok(),
        serde_json::Value::Number(n) => n.as_i64(),
        _ => None,
    };
    parsed.ok_or_else(|| format!("{field}: expected epoch milliseconds, found {value}"))
}
