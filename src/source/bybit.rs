//! Bybit v5, linear perpetuals: kline and open interest (newest first, paging backward),
//! symbols, the latest bar and open interest, and the `allLiquidation.<symbol>` stream.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::codes::{CodeKind, VenueCode};
use super::error::SourceError;
use super::exchange::{
    BoxFuture, Exchange, Frame, FrameError, LiquidationFeed, OiHistory, Page, WsFeed,
};
use super::http::{Call, Endpoint, Session};
use super::interval::{DAY_MS, HOUR_MS, MINUTE_MS, name_in};
use super::limits::{Cost, RateLimit};
use super::pager::{Direction, PageStop, Paging};
use super::parse::{FieldError, column, millis, number};
use super::ranges::Range;
use super::venue::Venue;
use crate::model::{Bar, Liquidation, OpenInterestSample, Side};

/// Bybit v5 linear perpetuals.
pub(crate) struct Bybit;

/// 600 requests per 5 s per IP over the market endpoints.
const LIMITS: &[(&str, RateLimit)] = &[(
    "ip",
    RateLimit {
        capacity: 600,
        window_ms: 5_000,
    },
)];
const COST: Cost = Cost {
    bucket: "ip",
    units: 1,
};

/// How long Bybit bans an IP that answered 403 "access too frequent".
const BAN_MS: u64 = 600_000;
/// Most klines one request returns.
const KLINES_PAGE: usize = 1000;
/// Most open-interest rows one request returns.
const OI_PAGE: usize = 200;
/// Open-interest intervals the endpoint serves.
const OI_PERIODS: &[(&str, i64)] = &[
    ("5min", 300_000),
    ("15min", 900_000),
    ("30min", 1_800_000),
    ("1h", 3_600_000),
    ("4h", 14_400_000),
    ("1d", 86_400_000),
];

/// How Bybit v5 names the intervals it serves.
const INTERVAL_NAMES: [(i64, &str); 12] = [
    (MINUTE_MS, "1"),
    (3 * MINUTE_MS, "3"),
    (5 * MINUTE_MS, "5"),
    (15 * MINUTE_MS, "15"),
    (30 * MINUTE_MS, "30"),
    (HOUR_MS, "60"),
    (2 * HOUR_MS, "120"),
    (4 * HOUR_MS, "240"),
    (6 * HOUR_MS, "360"),
    (12 * HOUR_MS, "720"),
    (DAY_MS, "D"),
    (7 * DAY_MS, "W"),
];

/// The v5 envelope: `{"retCode":0,"retMsg":"OK","result":{...}}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<T> {
    result: T,
}

/// HTTP 403 is Bybit's "access too frequent", an IP ban of 10 minutes
/// (../shared/docs/exchange-apis.md: "HTTP 403/429 when rate limited"). Otherwise `retCode != 0`,
/// read after Bybit's v5 error list (bybit-exchange.github.io/docs/v5/error): 10016 "internal
/// server error or service restarting" is a passing state; 10000 is taken as Bybit's "server
/// timeout" (named so in its list as we remember it; not confirmed from a page we could read,
/// and not in exchange-apis.md); 10006 (per UID) and 10018 (per IP) are "too many requests";
/// every other code (10001 parameter error, …) ends the request.
fn read_error(status: u16, body: &str) -> Option<VenueCode> {
    if status == 403 {
        return Some(VenueCode {
            code: "403".into(),
            message: "access too frequent".into(),
            kind: CodeKind::Banned { ban_ms: BAN_MS },
        });
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        ret_code: i64,
        #[serde(default)]
        ret_msg: String,
    }
    let head: Head = serde_json::from_str(body).ok()?;
    let kind = match head.ret_code {
        0 => return None,
        10000 | 10016 => CodeKind::Transient,
        10006 | 10018 => CodeKind::RateLimited,
        _ => CodeKind::Final,
    };
    Some(VenueCode {
        code: head.ret_code.to_string(),
        message: head.ret_msg,
        kind,
    })
}

async fn get<T: DeserializeOwned>(s: &Session, call: &Call) -> Result<T, SourceError> {
    let envelope: Envelope<T> = s.request(call).await?;
    Ok(envelope.result)
}

#[derive(Deserialize)]
struct KlineList {
    list: Vec<Vec<Value>>,
}

/// One kline row: `[startTime, open, high, low, close, volume, turnover]`, all strings.
fn parse_kline(row: &[Value]) -> Result<Bar, FieldError> {
    Ok(Bar {
        open_time_ms: millis(column(row, 0, "startTime")?, "startTime")?,
        open: number(column(row, 1, "open")?, "open")?,
        high: number(column(row, 2, "high")?, "high")?,
        low: number(column(row, 3, "low")?, "low")?,
        close: number(column(row, 4, "close")?, "close")?,
        volume: number(column(row, 5, "volume")?, "volume")?,
        taker_buy_volume: None,
        quote_volume: row.get(6).map(|v| number(v, "turnover")).transpose()?,
    })
}

fn kline_call(symbol: &str, interval: &str, start_ms: i64, end_ms: i64, limit: usize) -> Call {
    Call::get(
        "/v5/market/kline",
        vec![
            ("category", "linear".into()),
            ("symbol", symbol.to_string()),
            ("interval", interval.to_string()),
            ("start", start_ms.to_string()),
            ("end", end_ms.to_string()),
            ("limit", limit.to_string()),
        ],
        COST,
    )
}

async fn kline_page(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
    window: Range,
) -> Result<Vec<Bar>, PageStop> {
    let Some(name) = name_in(&INTERVAL_NAMES, interval_ms) else {
        return Ok(Vec::new());
    };
    let call = kline_call(symbol, name, window.0, window.1 - 1, KLINES_PAGE);
    let list: KlineList = get(s, &call).await?;
    Ok(s.parse_rows(&call, &list.list, |r| parse_kline(r))?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OiList {
    list: Vec<OiRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OiRow {
    open_interest: Value,
    timestamp: Value,
}

fn parse_oi(r: &OiRow) -> Result<OpenInterestSample, FieldError> {
    Ok(OpenInterestSample {
        time_ms: millis(&r.timestamp, "timestamp")?,
        open_interest: number(&r.open_interest, "openInterest")?,
        value_usd: None,
    })
}

/// The latest open-interest rows of the window (newest first; the pager moves the end back).
async fn oi_page(
    s: &Session,
    symbol: &str,
    period: &str,
    window: Range,
) -> Result<Vec<OpenInterestSample>, PageStop> {
    let call = Call::get(
        "/v5/market/open-interest",
        vec![
            ("category", "linear".to_string()),
            ("symbol", symbol.to_string()),
            ("intervalTime", period.to_string()),
            ("startTime", window.0.to_string()),
            ("endTime", (window.1 - 1).to_string()),
            ("limit", OI_PAGE.to_string()),
        ],
        COST,
    );
    let list: OiList = get(s, &call).await?;
    Ok(s.parse_rows(&call, &list.list, parse_oi)?)
}

/// Linear perpetual symbols that are trading, from instruments-info (cursor paging).
async fn symbols(s: &Session) -> Result<Vec<String>, SourceError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Instruments {
        list: Vec<Instrument>,
        #[serde(default)]
        next_page_cursor: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Instrument {
        symbol: String,
        #[serde(default)]
        status: String,
        #[serde(default)]
        contract_type: String,
    }
    let mut symbols = Vec::new();
    let mut cursor = String::new();
    // A few thousand instruments at 1000 a page: 20 pages is far more than any answer needs.
    for _ in 0..20 {
        let mut query = vec![
            ("category", "linear".to_string()),
            ("limit", "1000".to_string()),
        ];
        if !cursor.is_empty() {
            query.push(("cursor", cursor.clone()));
        }
        let call = Call::get("/v5/market/instruments-info", query, COST);
        let page: Instruments = get(s, &call).await?;
        symbols.extend(
            page.list
                .into_iter()
                .filter(|i| i.status == "Trading" && i.contract_type == "LinearPerpetual")
                .map(|i| i.symbol),
        );
        if page.next_page_cursor.is_empty() {
            break;
        }
        cursor = page.next_page_cursor;
    }
    Ok(symbols)
}

/// The last two klines and the latest open interest.
async fn latest(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
) -> Result<(Vec<Bar>, Option<OpenInterestSample>), SourceError> {
    let name = name_in(&INTERVAL_NAMES, interval_ms).unwrap_or("1");
    let now_ms = s.config.now_ms();
    let call = kline_call(symbol, name, now_ms - 2 * interval_ms, now_ms, 2);
    let list: KlineList = get(s, &call).await?;
    let mut bars = s.parse_rows(&call, &list.list, |r| parse_kline(r))?;
    bars.sort_by_key(|b| b.open_time_ms);
    let call = Call::get(
        "/v5/market/open-interest",
        vec![
            ("category", "linear".to_string()),
            ("symbol", symbol.to_string()),
            ("intervalTime", "5min".to_string()),
            ("limit", "1".to_string()),
        ],
        COST,
    );
    let list: OiList = get(s, &call).await?;
    let samples = s.parse_rows(&call, &list.list, parse_oi)?;
    Ok((bars, samples.into_iter().next()))
}

/// `{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":ms,"data":[{"T","s","S","v","p"}]}`.
fn parse_all_liquidation(symbol: &str, value: &Value) -> Result<Frame, FrameError> {
    let Some(topic) = value.get("topic").and_then(Value::as_str) else {
        // Subscription answers and pongs carry `op`; anything else is not Bybit's.
        return if value.get("op").is_some() || value.get("success").is_some() {
            Ok(Frame::Control)
        } else {
            Err(FrameError("no topic".into()))
        };
    };
    if !topic.starts_with("allLiquidation.") {
        return Ok(Frame::Control);
    }
    #[derive(Deserialize)]
    struct Item {
        #[serde(rename = "T")]
        time: Value,
        s: String,
        #[serde(rename = "S")]
        side: String,
        v: Value,
        p: Value,
    }
    let items: Vec<Item> = value
        .get("data")
        .cloned()
        .ok_or_else(|| FrameError("allLiquidation: no data".into()))
        .and_then(|d| {
            serde_json::from_value(d).map_err(|e| FrameError(format!("allLiquidation: {e}")))
        })?;
    let field = |e: FieldError| FrameError(e.to_string());
    let mut list = Vec::with_capacity(items.len());
    for item in items.into_iter().filter(|i| i.s == symbol) {
        let side = match item.side.as_str() {
            // Bybit names the side of the liquidated position's order book effect: "Buy" is a
            // long that was liquidated.
            "Buy" => Side::Long,
            "Sell" => Side::Short,
            other => return Err(FrameError(format!("allLiquidation: unknown side {other}"))),
        };
        list.push(Liquidation {
            time_ms: millis(&item.time, "T").map_err(field)?,
            side,
            price: number(&item.p, "p").map_err(field)?,
            quantity: number(&item.v, "v").map_err(field)?,
        });
    }
    Ok(Frame::Liquidations(list))
}

impl Exchange for Bybit {
    fn venue(&self) -> Venue {
        Venue::Bybit
    }
    fn display_name(&self) -> &'static str {
        "Bybit"
    }
    fn cli_name(&self) -> &'static str {
        "bybit"
    }
    fn dataset_name(&self) -> &'static str {
        "bybit-linear"
    }
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            venue: Venue::Bybit,
            default_base_url: "https://api.bybit.com",
            limits: LIMITS,
            read_error,
        }
    }
    fn symbol(&self, typed: &str) -> String {
        typed.trim().to_ascii_uppercase()
    }
    fn interval_name(&self, interval_ms: i64) -> Option<&'static str> {
        name_in(&INTERVAL_NAMES, interval_ms)
    }
    fn bar_paging(&self) -> Paging {
        // The venue answers newest first with the latest rows of the range.
        Paging {
            direction: Direction::Backward,
            rows: KLINES_PAGE,
        }
    }
    fn bars_page<'a>(
        &'a self,
        s: &'a Session,
        symbol: &'a str,
        interval_ms: i64,
        window: Range,
    ) -> Page<'a, Bar> {
        Box::pin(kline_page(s, symbol, interval_ms, window))
    }
    fn oi_history(&self) -> Option<OiHistory> {
        Some(OiHistory {
            periods: OI_PERIODS,
            paging: Paging {
                direction: Direction::Backward,
                rows: OI_PAGE,
            },
        })
    }
    fn oi_page<'a>(
        &'a self,
        s: &'a Session,
        symbol: &'a str,
        period: &'static str,
        window: Range,
    ) -> Page<'a, OpenInterestSample> {
        Box::pin(oi_page(s, symbol, period, window))
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
    fn liquidation_feed(&self) -> LiquidationFeed {
        LiquidationFeed::Stream(WsFeed {
            default_url: "wss://stream.bybit.com/v5/public/linear",
            url: |base, _| base.to_string(),
            subscribe: |symbol| {
                Some(
                    serde_json::json!({"op": "subscribe", "args": [format!("allLiquidation.{symbol}")]})
                        .to_string(),
                )
            },
            // Bybit drops a connection that sends nothing for a while.
            ping: Some(r#"{"op":"ping"}"#),
            parse: parse_all_liquidation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ret_codes_and_the_403_ban() {
        let kind = |status: u16, body: &str| read_error(status, body).map(|c| c.kind);
        let body = |code: i64| format!(r#"{{"retCode":{code},"retMsg":"x","result":{{}}}}"#);
        assert_eq!(kind(200, &body(0)), None);
        assert_eq!(kind(200, &body(10000)), Some(CodeKind::Transient));
        assert_eq!(kind(200, &body(10016)), Some(CodeKind::Transient));
        assert_eq!(kind(200, &body(10006)), Some(CodeKind::RateLimited));
        assert_eq!(kind(200, &body(10018)), Some(CodeKind::RateLimited));
        assert_eq!(kind(200, &body(10001)), Some(CodeKind::Final));
        assert_eq!(
            kind(403, "access too frequent"),
            Some(CodeKind::Banned { ban_ms: 600_000 })
        );
        assert_eq!(name_in(&INTERVAL_NAMES, 3_600_000), Some("60"));
    }
}
