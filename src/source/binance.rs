//! Binance USD-M futures: klines (paging forward), open-interest history (last 30 days, paging
//! backward), symbols, the latest bar and open interest, and the `<symbol>@forceOrder` stream.

use serde::Deserialize;
use serde_json::Value;

use super::archive;
use super::codes::{CodeKind, VenueCode};
use super::config::{CancelToken, SourceConfig};
use super::error::{Cause, SourceError};
use super::exchange::{
    BoxFuture, Exchange, Frame, FrameError, LiquidationFeed, OiHistory, Page, WsFeed,
};
use super::http::{Call, Endpoint, Session};
use super::interval::{COMMON_NAMES, name_in};
use super::limits::{Cost, RateLimit};
use super::pager::{Direction, OnPage, PageStop, Paged, Paging};
use super::parse::{FieldError, column, millis, number};
use super::ranges::Range;
use super::venue::Venue;
use crate::model::{Bar, Liquidation, OpenInterestSample, Side};

/// Binance USD-M futures.
pub(crate) struct Binance;

/// Request weight per minute per IP, and the separate count limit of the `/futures/data` endpoints.
const LIMITS: &[(&str, RateLimit)] = &[
    (
        "weight",
        RateLimit {
            capacity: 2400,
            window_ms: 60_000,
        },
    ),
    (
        "futures_data",
        RateLimit {
            capacity: 1000,
            window_ms: 300_000,
        },
    ),
];

/// Most klines one request returns.
pub(crate) const KLINES_PAGE: usize = 1500;
/// Most open-interest rows one request returns.
const OI_PAGE: usize = 500;
/// How far back openInterestHist serves.
pub(crate) const OI_HISTORY_MS: i64 = 30 * 86_400_000;
/// Open-interest periods openInterestHist serves.
const OI_PERIODS: &[(&str, i64)] = &[
    ("5m", 300_000),
    ("15m", 900_000),
    ("30m", 1_800_000),
    ("1h", 3_600_000),
    ("2h", 7_200_000),
    ("4h", 14_400_000),
    ("6h", 21_600_000),
    ("12h", 43_200_000),
    ("1d", 86_400_000),
];

/// The weight of a klines request of `limit` rows, as published.
fn klines_weight(limit: usize) -> u32 {
    match limit {
        0..100 => 1,
        100..500 => 2,
        500..=1000 => 5,
        _ => 10,
    }
}

/// `{"code":-1121,"msg":"Invalid symbol."}`. What each code means comes from Binance's error
/// code list (developers.binance.com, "Error Codes", 10xx "General Server or Network issues")
/// and ../shared/docs/exchange-apis.md ("HTTP 5XX ... -1000 UNKNOWN, -1001 DISCONNECTED, -1007
/// TIMEOUT, -1008 SERVER_BUSY: transient"):
/// -1000 UNKNOWN, -1001 DISCONNECTED ("please try again"), -1007 TIMEOUT (backend timeout) and
/// -1008 SERVER_BUSY ("try again in a few minutes") are passing server states; -1003
/// TOO_MANY_REQUESTS is the rate limit; every other code (-1121 invalid symbol, -1130 invalid
/// parameter, …) is about the request and final.
fn read_error(_status: u16, body: &str) -> Option<VenueCode> {
    #[derive(Deserialize)]
    struct ErrorBody {
        code: i64,
        msg: String,
    }
    let parsed: ErrorBody = serde_json::from_str(body).ok()?;
    let kind = match parsed.code {
        0 | 200 => return None,
        -1000 | -1001 | -1007 | -1008 => CodeKind::Transient,
        -1003 => CodeKind::RateLimited,
        _ => CodeKind::Final,
    };
    Some(VenueCode {
        code: parsed.code.to_string(),
        message: parsed.msg,
        kind,
    })
}

fn klines_call(symbol: &str, interval: &str, start_ms: i64, end_ms: i64, limit: usize) -> Call {
    Call::get(
        "/fapi/v1/klines",
        vec![
            ("symbol", symbol.to_string()),
            ("interval", interval.to_string()),
            ("startTime", start_ms.to_string()),
            ("endTime", end_ms.to_string()),
            ("limit", limit.to_string()),
        ],
        Cost {
            bucket: "weight",
            units: klines_weight(limit),
        },
    )
}

/// One kline row: `[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades,
/// takerBuyBase, takerBuyQuote, ignore]`, prices and volumes as strings.
fn parse_kline(row: &[Value]) -> Result<Bar, FieldError> {
    Ok(Bar {
        open_time_ms: millis(column(row, 0, "openTime")?, "openTime")?,
        open: number(column(row, 1, "open")?, "open")?,
        high: number(column(row, 2, "high")?, "high")?,
        low: number(column(row, 3, "low")?, "low")?,
        close: number(column(row, 4, "close")?, "close")?,
        volume: number(column(row, 5, "volume")?, "volume")?,
        quote_volume: row.get(7).map(|v| number(v, "quoteVolume")).transpose()?,
        taker_buy_volume: row.get(9).map(|v| number(v, "takerBuyBase")).transpose()?,
    })
}

/// The span of `range` that openInterestHist serves, with a note when part of it is too old.
fn oi_span(range: Range, now_ms: i64) -> (Option<Range>, Option<String>) {
    // A minute's margin: a start right at the edge would be older than 30 days by the time the
    // request arrives, and Binance answers that with -1130.
    let earliest = now_ms - OI_HISTORY_MS + 60_000;
    if range.1 <= earliest {
        return (
            None,
            Some(format!(
                "Binance serves open-interest history only for the last 30 days (since {}): \
                 no open interest for this span, so the map uses volume mode",
                crate::time::format_time_ms(earliest)
            )),
        );
    }
    if range.0 < earliest {
        return (
            Some((earliest, range.1)),
            Some(format!(
                "Binance serves open-interest history only for the last 30 days: open interest \
                 starts at {}, not at the start of the span",
                crate::time::format_time_ms(earliest)
            )),
        );
    }
    (Some(range), None)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OiRow {
    sum_open_interest: Value,
    sum_open_interest_value: Value,
    timestamp: Value,
}

fn parse_oi(row: &OiRow) -> Result<OpenInterestSample, FieldError> {
    Ok(OpenInterestSample {
        time_ms: millis(&row.timestamp, "timestamp")?,
        open_interest: number(&row.sum_open_interest, "sumOpenInterest")?,
        value_usd: Some(number(
            &row.sum_open_interest_value,
            "sumOpenInterestValue",
        )?),
    })
}

async fn klines_page(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
    window: Range,
) -> Result<Vec<Bar>, PageStop> {
    let Some(name) = name_in(&COMMON_NAMES, interval_ms) else {
        return Ok(Vec::new());
    };
    let call = klines_call(symbol, name, window.0, window.1 - 1, KLINES_PAGE);
    let rows: Vec<Vec<Value>> = s.request(&call).await?;
    Ok(s.parse_rows(&call, &rows, |r| parse_kline(r))?)
}

async fn oi_hist_page(
    s: &Session,
    symbol: &str,
    period: &str,
    window: Range,
) -> Result<Vec<OpenInterestSample>, PageStop> {
    let call = Call::get(
        "/futures/data/openInterestHist",
        vec![
            ("symbol", symbol.to_string()),
            ("period", period.to_string()),
            ("startTime", window.0.to_string()),
            ("endTime", (window.1 - 1).to_string()),
            ("limit", OI_PAGE.to_string()),
        ],
        Cost {
            bucket: "futures_data",
            units: 1,
        },
    );
    match s.request::<Vec<OiRow>>(&call).await {
        Ok(rows) => Ok(s.parse_rows(&call, &rows, parse_oi)?),
        Err(e) => match &e.cause {
            // The 30-day edge (or a parameter Binance refuses): what is left is not served.
            Cause::Venue { code, message, .. } if code == "-1130" => Err(PageStop::Ended(format!(
                "Binance refused older open interest ({code}: {message}); open interest covers \
                 only what arrived"
            ))),
            _ => Err(PageStop::Failed(e)),
        },
    }
}

/// Perpetual symbols that are trading, from exchangeInfo.
async fn symbols(s: &Session) -> Result<Vec<String>, SourceError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Info {
        symbols: Vec<SymbolInfo>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct SymbolInfo {
        symbol: String,
        #[serde(default)]
        contract_type: String,
        #[serde(default)]
        status: String,
    }
    let call = Call::get(
        "/fapi/v1/exchangeInfo",
        Vec::new(),
        Cost {
            bucket: "weight",
            units: 1,
        },
    );
    let info: Info = s.request(&call).await?;
    Ok(info
        .symbols
        .into_iter()
        .filter(|i| i.contract_type == "PERPETUAL" && i.status == "TRADING")
        .map(|i| i.symbol)
        .collect())
}

/// The last two klines (the open one and the one before) and the current open interest.
async fn latest(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
) -> Result<(Vec<Bar>, Option<OpenInterestSample>), SourceError> {
    let name = name_in(&COMMON_NAMES, interval_ms).unwrap_or("1m");
    let now_ms = s.config.now_ms();
    let call = klines_call(symbol, name, now_ms - 2 * interval_ms, now_ms, 2);
    let rows: Vec<Vec<Value>> = s.request(&call).await?;
    let bars = s.parse_rows(&call, &rows, |r| parse_kline(r))?;
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Current {
        open_interest: Value,
        time: Value,
    }
    let call = Call::get(
        "/fapi/v1/openInterest",
        vec![("symbol", symbol.to_string())],
        Cost {
            bucket: "weight",
            units: 1,
        },
    );
    let current: Current = s.request(&call).await?;
    let layout = |e: FieldError| s.error(&call, Cause::Layout(e.to_string()));
    let sample = OpenInterestSample {
        time_ms: millis(&current.time, "time").map_err(layout)?,
        open_interest: number(&current.open_interest, "openInterest").map_err(layout)?,
        value_usd: None,
    };
    Ok((bars, Some(sample)))
}

/// `{"e":"forceOrder","E":ms,"o":{"s","S","q","p","ap","X","l","z","T"}}`, bare or wrapped in a
/// combined stream's `{"stream":..,"data":..}`.
fn parse_force_order(symbol: &str, value: &Value) -> Result<Frame, FrameError> {
    let event = value.get("data").unwrap_or(value);
    if event.get("e").and_then(Value::as_str) != Some("forceOrder") {
        return if event.get("result").is_some() || event.get("id").is_some() {
            Ok(Frame::Control)
        } else {
            Err(FrameError("not a forceOrder event".into()))
        };
    }
    #[derive(Deserialize)]
    struct Order {
        s: String,
        #[serde(rename = "S")]
        side: String,
        q: Value,
        p: Value,
        ap: Value,
        z: Value,
        #[serde(rename = "T")]
        time: Value,
    }
    let order: Order = event
        .get("o")
        .cloned()
        .ok_or("no order")
        .and_then(|o| serde_json::from_value(o).map_err(|_| "bad order"))
        .map_err(|e| FrameError(format!("forceOrder: {e}")))?;
    if order.s != symbol {
        return Ok(Frame::Control);
    }
    let side = match order.side.as_str() {
        // A forced SELL closes a long.
        "SELL" => Side::Long,
        "BUY" => Side::Short,
        other => return Err(FrameError(format!("forceOrder: unknown side {other}"))),
    };
    let field = |e: FieldError| FrameError(e.to_string());
    let average = number(&order.ap, "ap").map_err(field)?;
    let filled = number(&order.z, "z").map_err(field)?;
    Ok(Frame::Liquidations(vec![Liquidation {
        time_ms: millis(&order.time, "T").map_err(field)?,
        side,
        price: if average > 0.0 {
            average
        } else {
            number(&order.p, "p").map_err(field)?
        },
        quantity: if filled > 0.0 {
            filled
        } else {
            number(&order.q, "q").map_err(field)?
        },
    }]))
}

impl Exchange for Binance {
    fn venue(&self) -> Venue {
        Venue::Binance
    }
    fn display_name(&self) -> &'static str {
        "Binance USD-M"
    }
    fn cli_name(&self) -> &'static str {
        "binance"
    }
    fn dataset_name(&self) -> &'static str {
        "binance-usdm"
    }
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            venue: Venue::Binance,
            default_base_url: "https://fapi.binance.com",
            limits: LIMITS,
            read_error,
        }
    }
    fn symbol(&self, typed: &str) -> String {
        typed.trim().to_ascii_uppercase()
    }
    fn interval_name(&self, interval_ms: i64) -> Option<&'static str> {
        name_in(&COMMON_NAMES, interval_ms)
    }
    fn bar_paging(&self) -> Paging {
        Paging {
            direction: Direction::Forward,
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
        Box::pin(klines_page(s, symbol, interval_ms, window))
    }
    fn oi_history(&self) -> Option<OiHistory> {
        Some(OiHistory {
            periods: OI_PERIODS,
            // openInterestHist answers with the latest rows of the range.
            paging: Paging {
                direction: Direction::Backward,
                rows: OI_PAGE,
            },
        })
    }
    fn oi_served(&self, range: Range, now_ms: i64) -> (Option<Range>, Option<String>) {
        oi_span(range, now_ms)
    }
    fn oi_page<'a>(
        &'a self,
        s: &'a Session,
        symbol: &'a str,
        period: &'static str,
        window: Range,
    ) -> Page<'a, OpenInterestSample> {
        Box::pin(oi_hist_page(s, symbol, period, window))
    }
    fn older_oi<'a>(
        &'a self,
        config: &'a SourceConfig,
        cancel: &'a CancelToken,
        symbol: &'a str,
        range: Range,
        on_file: OnPage<'a>,
    ) -> Option<BoxFuture<'a, Paged<OpenInterestSample>>> {
        // openInterestHist serves 30 days; the archive's daily metrics files go back to 2020.
        Some(Box::pin(archive::metrics(
            config, cancel, symbol, range, on_file,
        )))
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
            default_url: "wss://fstream.binance.com/ws",
            url: |base, symbol| format!("{base}/{}@forceOrder", symbol.to_ascii_lowercase()),
            subscribe: |_| None,
            ping: None,
            parse: parse_force_order,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_state_codes_retry_and_request_codes_end_the_request() {
        let kind = |body: &str| read_error(500, body).map(|c| c.kind);
        for code in [-1000, -1001, -1007, -1008] {
            let body = format!(r#"{{"code":{code},"msg":"x"}}"#);
            assert_eq!(kind(&body), Some(CodeKind::Transient), "{code}");
        }
        assert_eq!(
            kind(r#"{"code":-1003,"msg":"Too many requests."}"#),
            Some(CodeKind::RateLimited)
        );
        assert_eq!(
            kind(r#"{"code":-1121,"msg":"Invalid symbol."}"#),
            Some(CodeKind::Final)
        );
        assert_eq!(kind("[]"), None);
        assert_eq!(name_in(&COMMON_NAMES, 300_000), Some("5m"));
    }
}
