//! Hyperliquid perpetuals over POST /info: candleSnapshot (at most 5000 a response, only the
//! latest 5000 kept), metaAndAssetCtxs for the current open interest (no history is served),
//! meta for the symbols. No public liquidation feed.

use serde::Deserialize;
use serde_json::{Value, json};

use super::codes::VenueCode;
use super::error::{Cause, SourceError};
use super::exchange::{BoxFuture, Exchange, Extras, Page};
use super::http::{Call, Endpoint, Session};
use super::interval::{COMMON_NAMES, name_in};
use super::limits::{Cost, RateLimit};
use super::pager::{Direction, PageStop, Paging};
use super::parse::{FieldError, millis, number};
use super::ranges::Range;
use super::venue::Venue;
use crate::model::{Bar, OpenInterestSample};

/// Hyperliquid perpetuals.
pub(crate) struct Hyperliquid;

/// 1200 weight per minute per IP.
const LIMITS: &[(&str, RateLimit)] = &[(
    "weight",
    RateLimit {
        capacity: 1200,
        window_ms: 60_000,
    },
)];

/// Most candles one response holds.
const CANDLES_PAGE: usize = 5000;

/// Info requests weigh 20; candleSnapshot one more per 60 candles returned.
fn info_cost(expected_items: usize) -> Cost {
    Cost {
        bucket: "weight",
        units: 20 + u32::try_from(expected_items / 60).unwrap_or(u32::MAX),
    }
}

/// Hyperliquid answers errors with a status and plain text, never a code in a JSON body
/// (../shared/docs/exchange-apis.md lists no error codes for it): the status alone decides.
fn read_error(_status: u16, _body: &str) -> Option<VenueCode> {
    None
}

/// The interval as Hyperliquid names it (`1m` … `1w`; no 6 h).
fn interval_name(interval_ms: i64) -> Option<&'static str> {
    name_in(&COMMON_NAMES, interval_ms).filter(|name| *name != "6h")
}

/// The coin name: `BTC` of `BTC`, `BTCUSDT`, `BTCUSDC`, `BTC-USD` or `BTC-PERP`.
fn coin(symbol: &str) -> String {
    let upper = symbol.trim().to_ascii_uppercase();
    for suffix in ["-PERP", "-USDT", "-USDC", "-USD", "USDT", "USDC", "USD"] {
        if let Some(base) = upper.strip_suffix(suffix).filter(|b| !b.is_empty()) {
            return base.to_string();
        }
    }
    upper
}

#[derive(Deserialize)]
struct Candle {
    t: Value,
    o: Value,
    h: Value,
    l: Value,
    c: Value,
    v: Value,
}

fn parse_candle(c: &Candle) -> Result<Bar, FieldError> {
    Ok(Bar {
        open_time_ms: millis(&c.t, "t")?,
        open: number(&c.o, "o")?,
        high: number(&c.h, "h")?,
        low: number(&c.l, "l")?,
        close: number(&c.c, "c")?,
        volume: number(&c.v, "v")?,
        taker_buy_volume: None,
        quote_volume: None,
    })
}

fn candles_call(coin: &str, interval: &str, start_ms: i64, end_ms: i64) -> Call {
    Call::post(
        "/info",
        json!({
            "type": "candleSnapshot",
            "req": {"coin": coin, "interval": interval, "startTime": start_ms, "endTime": end_ms}
        }),
        info_cost(CANDLES_PAGE),
    )
}

async fn candles_page(
    s: &Session,
    coin: &str,
    interval_ms: i64,
    window: Range,
) -> Result<Vec<Bar>, PageStop> {
    let Some(name) = interval_name(interval_ms) else {
        return Ok(Vec::new());
    };
    let call = candles_call(coin, name, window.0, window.1 - 1);
    let candles: Vec<Candle> = s.request(&call).await?;
    Ok(s.parse_rows(&call, &candles, parse_candle)?)
}

/// The current open interest of `coin` (coins, and USD at the mark price), stamped now.
async fn current_open_interest(
    s: &Session,
    coin: &str,
) -> Result<Option<OpenInterestSample>, SourceError> {
    #[derive(Deserialize)]
    struct Meta {
        universe: Vec<Asset>,
    }
    #[derive(Deserialize)]
    struct Asset {
        name: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Ctx {
        open_interest: Value,
        mark_px: Value,
    }
    let call = Call::post("/info", json!({"type": "metaAndAssetCtxs"}), info_cost(0));
    let (meta, ctxs): (Meta, Vec<Ctx>) = s.request(&call).await?;
    let Some(index) = meta.universe.iter().position(|a| a.name == coin) else {
        return Ok(None);
    };
    let ctx = ctxs
        .get(index)
        .ok_or_else(|| s.error(&call, Cause::Layout(format!("no asset context for {coin}"))))?;
    let layout = |e: FieldError| s.error(&call, Cause::Layout(e.to_string()));
    let open_interest = number(&ctx.open_interest, "openInterest").map_err(layout)?;
    let mark_px = number(&ctx.mark_px, "markPx").map_err(layout)?;
    Ok(Some(OpenInterestSample {
        time_ms: s.config.now_ms(),
        open_interest,
        value_usd: Some(open_interest * mark_px),
    }))
}

/// Listed coins, from meta (delisted ones left out).
async fn symbols(s: &Session) -> Result<Vec<String>, SourceError> {
    #[derive(Deserialize)]
    struct Meta {
        universe: Vec<Asset>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Asset {
        name: String,
        #[serde(default)]
        is_delisted: bool,
    }
    let call = Call::post("/info", json!({"type": "meta"}), info_cost(0));
    let meta: Meta = s.request(&call).await?;
    Ok(meta
        .universe
        .into_iter()
        .filter(|a| !a.is_delisted)
        .map(|a| a.name)
        .collect())
}

/// The last two candles and the current open interest.
async fn latest(
    s: &Session,
    coin: &str,
    interval_ms: i64,
) -> Result<(Vec<Bar>, Option<OpenInterestSample>), SourceError> {
    let name = interval_name(interval_ms).unwrap_or("1m");
    let now_ms = s.config.now_ms();
    let call = candles_call(coin, name, now_ms - 2 * interval_ms, now_ms);
    let candles: Vec<Candle> = s.request(&call).await?;
    let mut bars = s.parse_rows(&call, &candles, parse_candle)?;
    bars.sort_by_key(|b| b.open_time_ms);
    let sample = current_open_interest(s, coin).await?;
    Ok((bars, sample))
}

/// The current open interest when the span reaches now; a note that there is no history else.
async fn extras(s: &Session, coin: &str, want: Range) -> Extras {
    let mut extras = Extras::default();
    let now_ms = s.config.now_ms();
    if want.0 <= now_ms && now_ms < want.1 {
        match current_open_interest(s, coin).await {
            Ok(sample) => extras.current_oi = sample,
            Err(e) => extras.stopped = Some(e),
        }
    } else {
        extras.notes.push(
            "Hyperliquid serves no open-interest history: only the current open interest, \
             sampled going forward, so this span uses volume mode"
                .into(),
        );
    }
    extras
}

impl Exchange for Hyperliquid {
    fn venue(&self) -> Venue {
        Venue::Hyperliquid
    }
    fn display_name(&self) -> &'static str {
        "Hyperliquid"
    }
    fn cli_name(&self) -> &'static str {
        "hyperliquid"
    }
    fn dataset_name(&self) -> &'static str {
        "hyperliquid"
    }
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            venue: Venue::Hyperliquid,
            default_base_url: "https://api.hyperliquid.xyz",
            limits: LIMITS,
            read_error,
        }
    }
    fn symbol(&self, typed: &str) -> String {
        coin(typed)
    }
    fn interval_name(&self, interval_ms: i64) -> Option<&'static str> {
        interval_name(interval_ms)
    }
    fn bar_paging(&self) -> Paging {
        Paging {
            direction: Direction::Forward,
            rows: CANDLES_PAGE,
        }
    }
    fn bars_page<'a>(
        &'a self,
        s: &'a Session,
        symbol: &'a str,
        interval_ms: i64,
        window: Range,
    ) -> Page<'a, Bar> {
        Box::pin(candles_page(s, symbol, interval_ms, window))
    }
    fn extras<'a>(&'a self, s: &'a Session, symbol: &'a str, want: Range) -> BoxFuture<'a, Extras> {
        Box::pin(extras(s, symbol, want))
    }
    fn latest<'a>(
        &'a self,
        s: &'a Session,
        symbol: &'a str,
        interval_ms: i64,
    ) -> BoxFuture<'a, Result<(Vec<Bar>, Option<OpenInterestSample>), SourceError>> {
        Box::pin(latest(s, symbol, interval_ms))
    }
    fn symbols<'a>(&'a self, s: &'a Session) -> BoxFuture<'a, Result<Vec<String>, SourceError>> {
        Box::pin(symbols(s))
    }
}
