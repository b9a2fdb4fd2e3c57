//! Market data fetched from the exchanges: bars, open interest and liquidations from Binance
//! USD-M, Bybit, OKX and Hyperliquid, over shared HTTP, rate-limit, retry and cache code.
//!
//! The entry points are [`fetch`] (a range of history, with progress and cancel), [`symbols`],
//! [`poll_latest`] (the last bars and open interest, for live mode) and
//! [`stream_liquidations`] (live liquidations over a websocket, reconnecting with backoff).

mod binance;
mod bybit;
pub mod cache;
pub mod coins;
mod error;
mod fetch;
mod http;
mod hyperliquid;
pub mod interval;
mod limits;
mod okx;
mod poll;
mod polled_liquidations;
mod ranges;
mod retry;
mod stream;
mod venue;

pub use error::{Cause, SourceError};
pub use fetch::fetch;
pub use limits::RateLimit;
pub use poll::{LatestSample, poll_latest};
pub use stream::{LiveEvent, StreamStatus, stream_liquidations};
pub use venue::{Venue, symbols};

pub(crate) use venue::venue_error;

use std::path::PathBuf;

/// Cancels a fetch or a stream: call `cancel()` from any thread; requests in flight are dropped
/// and no further request is sent.
pub type CancelToken = tokio_util::sync::CancellationToken;

/// Settings of the sources. `Default` gives the venues' real endpoints, the platform cache
/// directory and bounded retries.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceConfig {
    /// Base URL of the REST API; `None` is the venue's public endpoint. Tests point it at 127.0.0.1.
    pub base_url: Option<String>,
    /// Base URL of the websocket API; `None` is the venue's public endpoint.
    pub ws_url: Option<String>,
    /// Timeout of one request (connect and whole answer), in milliseconds.
    pub timeout_ms: u64,
    /// Tries of one request, the first included, before giving up.
    pub max_tries: u32,
    /// First wait of the exponential backoff, in milliseconds.
    pub backoff_base_ms: u64,
    /// Longest wait of the exponential backoff, in milliseconds.
    pub backoff_max_ms: u64,
    /// Longest Retry-After (429/418) worth waiting for inside a request; longer ends the request.
    pub max_retry_after_ms: u64,
    /// Where fetched data is cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Replaces every published limit of the venue (tests use it to run without waiting).
    pub rate_limit_override: Option<RateLimit>,
    /// The current time in epoch milliseconds; `None` reads the clock. Tests pin it so that
    /// "the last 30 days" of recorded data stays the same.
    pub now_ms: Option<i64>,
    /// Longest wait between websocket reconnects, in milliseconds.
    pub reconnect_max_ms: u64,
    /// Period of live mode's polls of recent liquidations where a venue has no stream (OKX),
    /// in milliseconds.
    pub liquidation_poll_ms: u64,
}

impl Default for SourceConfig {
    fn default() -> Self {
        Self {
            base_url: None,
            ws_url: None,
            timeout_ms: 10_000,
            max_tries: 5,
            backoff_base_ms: 500,
            backoff_max_ms: 8_000,
            max_retry_after_ms: 120_000,
            cache_dir: cache::default_dir(),
            rate_limit_override: None,
            now_ms: None,
            reconnect_max_ms: 30_000,
            // Two requests a poll (contract value, orders) against OKX's 20 and 40 per 2 s.
            liquidation_poll_ms: 5_000,
        }
    }
}

impl SourceConfig {
    /// The current time in epoch milliseconds (pinned or from the clock).
    pub fn now_ms(&self) -> i64 {
        self.now_ms
            .unwrap_or_else(|| chrono::Utc::now().timestamp_millis())
    }
}

/// What to fetch: bars of one symbol at one interval over `[start_ms, end_ms)`, with the open
/// interest (and liquidations where the venue serves their history) of the same span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchRequest {
    /// The venue.
    pub venue: Venue,
    /// Symbol as the venue names it: `BTCUSDT` (Binance, Bybit), `BTC-USDT-SWAP` (OKX), `BTC`
    /// (Hyperliquid; `BTCUSDT` is accepted too).
    pub symbol: String,
    /// Bar interval in milliseconds (see [`interval::parse_interval_ms`]).
    pub interval_ms: i64,
    /// Start of the span, epoch milliseconds, inclusive.
    pub start_ms: i64,
    /// End of the span, epoch milliseconds, exclusive.
    pub end_ms: i64,
}

/// How far a fetch has come, in pages (requests that succeeded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FetchProgress {
    /// Pages fetched so far.
    pub pages_done: u64,
    /// Pages expected in all; an estimate that grows if the venue serves smaller pages and is
    /// set to `pages_done` when paging ends early because the data did. 0 when the cache held
    /// everything.
    pub pages_total: u64,
}

/// What a fetch brought back.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchOutcome {
    /// The data that arrived (and what the cache held), limited to the requested span.
    pub dataset: crate::model::Dataset,
    /// True only if every page of bars and open interest arrived and the bars cover the span
    /// with no hole; a cancelled or failed fetch is never complete.
    pub complete: bool,
    /// Why the fetch is partial, and notes such as "open interest only for the last 30 days".
    pub problems: Vec<String>,
}
