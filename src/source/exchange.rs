//! What every exchange module provides: its names, endpoint, limits, error codes, symbol and
//! interval names, how its history pages, and how its liquidations arrive live. The shared code
//! (fetch, poll, stream, retry, pager) asks only this trait; `registry.rs` lists the venues.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::config::{CancelToken, SourceConfig};
use super::error::SourceError;
use super::http::{Endpoint, Session};
use super::pager::{OnPage, PageStop, Paged, Paging};
use super::ranges::Range;
use super::venue::Venue;
use crate::model::{Bar, Liquidation, OpenInterestSample};

/// A future the trait's methods return (trait objects cannot have `async fn`).
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One page of history, as the venue sent it (the pager sorts and trims it).
pub(crate) type Page<'a, T> = BoxFuture<'a, Result<Vec<T>, PageStop>>;

/// A venue's open-interest history endpoint.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OiHistory {
    /// Periods it serves, `(name, milliseconds)`, in increasing order.
    pub periods: &'static [(&'static str, i64)],
    /// How it pages.
    pub paging: Paging,
}

/// What a history fetch brings besides bars and open interest: liquidations where the venue
/// serves their recent history, the current open interest where it serves no history.
#[derive(Default)]
pub(crate) struct Extras {
    /// Liquidations inside the span.
    pub liquidations: Vec<Liquidation>,
    /// The current open interest, if the span reaches now.
    pub current_oi: Option<OpenInterestSample>,
    /// Notes for the user.
    pub notes: Vec<String>,
    /// The request that failed, if one did.
    pub stopped: Option<SourceError>,
}

/// What one websocket text frame holds.
pub(crate) enum Frame {
    /// Liquidations of the symbol.
    Liquidations(Vec<Liquidation>),
    /// Subscription answers, pongs and other symbols: nothing to deliver.
    Control,
}

/// A frame that is not in the venue's documented layout.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct FrameError(pub String);

/// A venue's public liquidation stream.
#[derive(Clone, Copy)]
pub(crate) struct WsFeed {
    /// The public websocket endpoint.
    pub default_url: &'static str,
    /// The URL to connect to for `symbol` (the venue's spelling), below `base`.
    pub url: fn(base: &str, symbol: &str) -> String,
    /// The subscription message to send once connected, if the venue wants one.
    pub subscribe: fn(symbol: &str) -> Option<String>,
    /// A text to send every 20 s where the venue drops silent connections.
    pub ping: Option<&'static str>,
    /// Reads one frame.
    pub parse: fn(symbol: &str, frame: &Value) -> Result<Frame, FrameError>,
}

/// How a venue delivers liquidations live.
#[derive(Clone, Copy)]
pub(crate) enum LiquidationFeed {
    /// Over a websocket.
    Stream(WsFeed),
    /// By asking its recent history again at a fixed period
    /// ([`Exchange::recent_liquidations`]).
    Poll,
    /// Not at all.
    None,
}

/// One exchange. Adding one is a new file implementing this and a line in `registry.rs`.
pub(crate) trait Exchange: Sync {
    /// The venue.
    fn venue(&self) -> Venue;
    /// Name for people and error messages, for example `Binance USD-M`.
    fn display_name(&self) -> &'static str;
    /// Name on the command line and in the cache directory, for example `binance`.
    fn cli_name(&self) -> &'static str;
    /// Name stored in a dataset's `exchange`, for example `binance-usdm`.
    fn dataset_name(&self) -> &'static str;
    /// Endpoint, limits and error codes, for the HTTP code.
    fn endpoint(&self) -> Endpoint;
    /// The symbol as the venue spells it, from what the user typed.
    fn symbol(&self, typed: &str) -> String;
    /// The interval as the venue names it, if it serves it.
    fn interval_name(&self, interval_ms: i64) -> Option<&'static str>;
    /// How the bar history pages.
    fn bar_paging(&self) -> Paging;
    /// One page of bars of `symbol` (the venue's spelling) inside `window`.
    fn bars_page<'a>(
        &'a self,
        s: &'a Session,
        symbol: &'a str,
        interval_ms: i64,
        window: Range,
    ) -> Page<'a, Bar>;
    /// The open-interest history endpoint, if the venue has one.
    fn oi_history(&self) -> Option<OiHistory> {
        None
    }
    /// The part of `range` whose open-interest history the venue serves at `now_ms`, with a note
    /// when it is not all of it.
    fn oi_served(&self, range: Range, _now_ms: i64) -> (Option<Range>, Option<String>) {
        (Some(range), None)
    }
    /// One page of open interest of `symbol` at `period` inside `window`.
    fn oi_page<'a>(
        &'a self,
        _s: &'a Session,
        _symbol: &'a str,
        _period: &'static str,
        _window: Range,
    ) -> Page<'a, OpenInterestSample> {
        Box::pin(async { Ok(Vec::new()) })
    }
    /// Open interest of `range`, older than the REST history reaches, from another source
    /// (Binance's public archive); `None` where there is none.
    fn older_oi<'a>(
        &'a self,
        _config: &'a SourceConfig,
        _cancel: &'a CancelToken,
        _symbol: &'a str,
        _range: Range,
        _on_file: OnPage<'a>,
    ) -> Option<BoxFuture<'a, Paged<OpenInterestSample>>> {
        None
    }
    /// Turns fetched open interest into coins where the venue sends USD only.
    fn oi_in_coins(
        &self,
        samples: Vec<OpenInterestSample>,
        _bars: &[Bar],
    ) -> Vec<OpenInterestSample> {
        samples
    }
    /// Liquidations and the current open interest of `want`, where the venue serves them.
    fn extras<'a>(
        &'a self,
        _s: &'a Session,
        _symbol: &'a str,
        _want: Range,
    ) -> BoxFuture<'a, Extras> {
        Box::pin(async { Extras::default() })
    }
    /// The last two bars (the open one last) and the current open interest.
    #[allow(clippy::type_complexity)]
    fn latest<'a>(
        &'a self,
        s: &'a Session,
        symbol: &'a str,
        interval_ms: i64,
    ) -> BoxFuture<'a, Result<(Vec<Bar>, Option<OpenInterestSample>), SourceError>>;
    /// The symbols the venue lists as trading perpetuals.
    fn symbols<'a>(&'a self, s: &'a Session) -> BoxFuture<'a, Result<Vec<String>, SourceError>>;
    /// How liquidations arrive live.
    fn liquidation_feed(&self) -> LiquidationFeed {
        LiquidationFeed::None
    }
    /// Liquidations of `symbol` inside `range`, from the venue's recent history (for
    /// [`LiquidationFeed::Poll`]).
    fn recent_liquidations<'a>(
        &'a self,
        _s: &'a Session,
        _symbol: &'a str,
        _range: Range,
    ) -> BoxFuture<'a, Paged<Liquidation>> {
        Box::pin(async { Paged::new() })
    }
}
