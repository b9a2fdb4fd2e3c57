//! Binance USD-M futures: klines, open-interest history (last 30 days), symbols, the latest bar
//! and open interest. The forceOrder stream is in `live`.

use serde::Deserialize;
use serde_json::Value;

use super::error::Cause;
use super::http::{Call, Session};
use super::interval;
use super::limits::{Cost, RateLimit};
use super::venue::{OnPage, Paged, VenueCode, millis, number};
use crate::model::{Bar, OpenInterestSample};

/// Request weight per minute per IP, and the separate count limit of the `/futures/data` endpoints.
pub(crate) const LIMITS: &[(&str, RateLimit)] = &[
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
pub(crate) const OI_PAGE: usize = 500;
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

/// `{"code":-1121,"msg":"Invalid symbol."}`; -1003 is "too many requests".
pub(crate) fn api_error(body: &str) -> Option<VenueCode> {
    #[derive(Deserialize)]
    struct ErrorBody {
        code: i64,
        msg: String,
    }
    let parsed: ErrorBody = serde_json::from_str(body).ok()?;
    (parsed.code != 0 && parsed.code != 200).then(|| VenueCode {
        code: parsed.code.to_string(),
        message: parsed.msg,
        rate_limited: parsed.code == -1003,
    })
}

/// Pages of `page` rows expected over `range` at one row per `interval_ms`.
pub(crate) fn pages(interval_ms: i64, range: (i64, i64), page: usize) -> u64 {
    let bars = (range.1 - range.0).max(0) / interval_ms.max(1) + 1;
    (bars as u64).div_ceil(page as u64).max(1)
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
fn parse_kline(row: &[Value]) -> Result<Bar, String> {
    let field = |i: usize, name: &str| row.get(i).ok_or_else(|| format!("kline row has no {name}"));
    Ok(Bar {
        open_time_ms: millis(field(0, "openTime")?, "openTime")?,
        open: number(field(1, "open")?, "open")?,
        high: number(field(2, "high")?, "high")?,
        low: number(field(3, "low")?, "low")?,
        close: number(field(4, "close")?, "close")?,
        volume: number(field(5, "volume")?, "volume")?,
        quote_volume: row.get(7).map(|v| number(v, "quoteVolume")).transpose()?,
        taker_buy_volume: row.get(9).map(|v| number(v, "takerBuyBase")).transpose()?,
    })
}

/// Klines over `[range.0, range.1)`, paging forward by startTime.
pub(crate) async fn bars(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
    range: (i64, i64),
    on_page: OnPage<'_>,
) -> Paged<Bar> {
    let mut paged = Paged::new();
    let Some(name) = interval::binance_name(interval_ms) else {
        return paged;
    };
    let mut cursor = range.0;
    // The cursor moves past the last bar of each page, so this ends; the next bar of the venue
    // opens at or after the cursor, so no bar is skipped or repeated.
    while cursor < range.1 {
        let call = klines_call(symbol, name, cursor, range.1 - 1, KLINES_PAGE);
        let rows: Vec<Vec<Value>> = match s.request(&call).await {
            Ok(rows) => rows,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        let page = match s.parse_rows(&call, &rows, |r| parse_kline(r)) {
            Ok(page) => page,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        on_page();
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
            // An empty page: the venue has nothing more in the range.
            _ => break,
        }
        if rows.len() < KLINES_PAGE {
            break;
        }
    }
    paged
}

/// The span of `range` that openInterestHist serves, with a note when part of it is too old.
pub(crate) fn oi_span(range: (i64, i64), now_ms: i64) -> (Option<(i64, i64)>, Option<String>) {
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

/// Pages of open interest expected over `range`.
pub(crate) fn oi_pages(interval_ms: i64, range: (i64, i64), now_ms: i64) -> u64 {
    match (
        oi_span(range, now_ms).0,
        interval::oi_period(interval_ms, OI_PERIODS),
    ) {
        (Some(span), Some((_, period_ms))) => pages(period_ms, span, OI_PAGE),
        _ => 0,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OiRow {
    sum_open_interest: Value,
    sum_open_interest_value: Value,
    timestamp: Value,
}

fn parse_oi(row: &OiRow) -> Result<OpenInterestSample, String> {
    Ok(OpenInterestSample {
        time_ms: millis(&row.timestamp, "timestamp")?,
        open_interest: number(&row.sum_open_interest, "sumOpenInterest")?,
        value_usd: Some(number(
            &row.sum_open_interest_value,
            "sumOpenInterestValue",
        )?),
    })
}

/// Open-interest history over `range` (clipped to the last 30 days), paging backward, since the
/// endpoint answers with the latest rows of the range.
pub(crate) async fn open_interest(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
    range: (i64, i64),
    on_page: OnPage<'_>,
) -> Paged<OpenInterestSample> {
    let mut paged = Paged::new();
    let (span, note) = oi_span(range, s.config.now_ms());
    paged.notes.extend(note);
    let (Some(span), Some((period, _))) = (span, interval::oi_period(interval_ms, OI_PERIODS))
    else {
        return paged;
    };
    let mut pages: Vec<Vec<OpenInterestSample>> = Vec::new();
    let mut cursor_end = span.1 - 1;
    while cursor_end >= span.0 {
        let call = Call::get(
            "/futures/data/openInterestHist",
            vec![
                ("symbol", symbol.to_string()),
                ("period", period.to_string()),
                ("startTime", span.0.to_string()),
                ("endTime", cursor_end.to_string()),
                ("limit", OI_PAGE.to_string()),
            ],
            Cost {
                bucket: "futures_data",
                units: 1,
            },
        );
        let rows: Vec<OiRow> = match s.request(&call).await {
            Ok(rows) => rows,
            Err(e) => {
                if let Cause::Venue { code, message, .. } = &e.cause
                    && code == "-1130"
                {
                    // The 30-day edge moved while we paged: what is left is not served.
                    paged.notes.push(format!(
                        "Binance refused older open interest ({code}: {message}); \
                         open interest covers only what arrived"
                    ));
                } else {
                    paged.stopped = Some(e);
                }
                break;
            }
        };
        let mut page = match s.parse_rows(&call, &rows, parse_oi) {
            Ok(page) => page,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        on_page();
        let full = rows.len() >= OI_PAGE;
        page.retain(|o| o.time_ms >= span.0 && o.time_ms <= cursor_end);
        page.sort_by_key(|o| o.time_ms);
        page.dedup_by_key(|o| o.time_ms);
        let Some(first) = page.first() else { break };
        cursor_end = first.time_ms - 1;
        pages.push(page);
        if !full {
            break;
        }
    }
    paged.items = pages.into_iter().rev().flatten().collect();
    paged
}

/// Perpetual symbols that are trading, from exchangeInfo.
pub(crate) async fn symbols(s: &Session) -> Result<Vec<String>, super::SourceError> {
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
pub(crate) async fn latest(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
) -> Result<(Vec<Bar>, Option<OpenInterestSample>), super::SourceError> {
    let name = interval::binance_name(interval_ms).unwrap_or("1m");
    let now_ms = s.config.now_ms();
    let call = klines_call(symbol, name, now_ms - 2 * interval_ms, now_ms, 2);
    let rows: Vec<Vec<Value>> = s.request(&call).await?;
    let bars = rows
        .iter()
        .map(|r| parse_kline(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| s.error(&call, Cause::Layout(e)))?;
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
    let sample = OpenInterestSample {
        time_ms: millis(&current.time, "time").map_err(|e| s.error(&call, Cause::Layout(e)))?,
        open_interest: number(&current.open_interest, "openInterest")
            .map_err(|e| s.error(&call, Cause::Layout(e)))?,
        value_usd: None,
    };
    Ok((bars, Some(sample)))
}
