//! What a fetch is given and gives back: the settings of the sources, the request, its
//! progress (with any long wait the venue imposes) and its outcome.

use std::path::PathBuf;

use super::cache;
use super::limits::RateLimit;
use super::venue::Venue;

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
    /// Base URL of Binance's public archive of daily and monthly files; `None` is
    /// `https://data.binance.vision`.
    pub archive_url: Option<String>,
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
            archive_url: None,
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
    /// Bar interval in milliseconds (see [`super::interval::parse_interval_ms`]).
    pub interval_ms: i64,
    /// Start of the span, epoch milliseconds, inclusive.
    pub start_ms: i64,
    /// End of the span, epoch milliseconds, exclusive.
    pub end_ms: i64,
}

/// A wait the venue imposed (Retry-After of a 429 or 418, or a limit's pause), long enough to
/// be shown: the terminal prints it, the viewer shows a countdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitWait {
    /// The venue that asked to wait.
    pub venue: Venue,
    /// How long, in milliseconds.
    pub wait_ms: u64,
    /// When the wait ends, epoch milliseconds (by the configured clock).
    pub until_ms: i64,
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
    /// A wait of several seconds the venue imposed, while it lasts; `None` otherwise.
    pub waiting: Option<RateLimitWait>,
}

/// What a fetch brought back.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchOutcome {
    /// The data that arrived (and what the cache held), limited to the requested span.
    pub dataset: crate::model::Dataset,
    /// True only if every page of bars and open interest arrived, the bars cover the span with
    /// no hole and the open interest covers the bars; a cancelled or failed fetch is never
    /// complete.
    pub complete: bool,
    /// Why the fetch is partial, and notes such as "open interest only for the last 30 days".
    pub problems: Vec<String>,
    /// Time ranges `[start_ms, end_ms)` whose bars or open interest are missing, for the user to
    /// fetch again; empty when complete.
    pub missing_ms: Vec<(i64, i64)>,
}
