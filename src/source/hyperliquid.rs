//! Hyperliquid perpetuals over POST /info: candleSnapshot (at most 5000 a response, only the
//! latest 5000 kept), metaAndAssetCtxs for the current open interest (no history is served),
//! meta for the symbols.

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{Cause, SourceError};
use super::http::{Call, Session};
use super::interval;
use super::limits::{Cost, RateLimit};
use super::venue::{OnPage, Paged, VenueCode, millis, number};
use crate::model::{Bar, OpenInterestSample};

/// 1200 weight per minute per IP.
pub(crate) const LIMITS: &[(&str, RateLimit)] = &[(
    "weight",
    RateLimit {
        capacity: 1200,
        window_ms: 60_000,
    },
)];

/// Most candles one response holds.
pub(crate) const CANDLES_PAGE: usize = 5000;

/// Info requests weigh 20; candleSnapshot one more per 60 candles returned.
fn info_cost(expected_items: usize) -> Cost {
    Cost {
        bucket: "weight",
        units: 20 + u32::try_from(expected_items / 60).unwrap_or(u32::MAX),
    }
}

/// Hyperliquid answers errors with a status and plain text, never a code in a JSON body.
pub(crate) fn api_error(_status: u16, _body: &str) -> Option<VenueCode> {
    None
}

/// The interval as Hyperliquid names it (`1m` … `1w`; no 6 h).
pub(crate) fn interval_name(interval_ms: i64) -> Option<&'static str> {
    interval::binance_name(interval_ms).filter(|name| *name != "6h")
}

/// The coin name: `BTC` of `BTC`, `BTCUSDT`, `BTCUSDC`, `BTC-USD` or `BTC-PERP`.
pub(crate) fn coin(symbol: &str) -> String {
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

fn parse_candle(c: &Candle) -> Result<Bar, String> {
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

/// Candles over `[range.0, range.1)`, paging forward by startTime.
pub(crate) async fn bars(
    s: &Session,
    coin: &str,
    interval_ms: i64,
    range: (i64, i64),
    on_page: OnPage<'_>,
) -> Paged<Bar> {
    let mut paged = Paged::new();
    let Some(name) = interval_name(interval_ms) else {
        return paged;
    };
    let mut cursor = range.0;
    // The cursor moves past the last candle of each page, so this ends.
    while cursor < range.1 {
        let call = candles_call(coin, name, cursor, range.1 - 1);
        let candles: Vec<Candle> = match s.request(&call).await {
            Ok(candles) => candles,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        let mut page = match s.parse_rows(&call, &candles, parse_candle) {
            Ok(page) => page,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        on_page();
        page.sort_by_key(|b| b.open_time_ms);
        let before = paged.items.len();
        for bar in page {
            let after_last = paged
                .items
                .last()
                .is_none_or(|last: &Bar| bar.open_time_ms > last.open_time_ms);
            if bar.open_time_ms >= cursor && bar.open_time_ms < range.1 && after_last {
                paged.items.push(bar);
            }
        }
        match paged.items.last() {
            Some(last) if paged.items.len() > before => cursor = last.open_time_ms + interval_ms,
            _ => break,
        }
        if candles.len() < CANDLES_PAGE {
            break;
        }
    }
    paged
}

/// The current open interest of `coin` (coins, and USD at the mark price), stamped now.
pub(crate) async fn current_open_interest(
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
    let layout = |e: String| s.error(&call, Cause::Layout(e));
    let open_interest = number(&ctx.open_interest, "openInterest").map_err(layout)?;
    let mark_px = number(&ctx.mark_px, "markPx").map_err(layout)?;
    Ok(Some(OpenInterestSample {
        time_ms: s.config.now_ms(),
        open_interest,
        value_usd: Some(open_interest * mark_px),
    }))
}

/// Listed coins, from meta (delisted ones left out).
pub(crate) async fn symbols(s: &Session) -> Result<Vec<String>, SourceError> {
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
pub(crate) async fn latest(
    s: &Session,
    coin: &str,
    interval_ms: i64,
) -> Result<(Vec<Bar>, Option<OpenInterestSample>), SourceError> {
    let name = interval_name(interval_ms).unwrap_or("1m");
    let now_ms = s.config.now_ms();
    let call = candles_call(coin, name, now_ms - 2 * interval_ms, now_ms);
    let candles: Vec<Candle> = s.request(&call).await?;
    let mut bars = candles
        .iter()
        .map(parse_candle)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| s.error(&call, Cause::Layout(e)))?;
    bars.sort_by_key(|b| b.open_time_ms);
    let sample = current_open_interest(s, coin).await?;
    Ok((bars, sample))
}
