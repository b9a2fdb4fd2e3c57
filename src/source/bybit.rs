//! Bybit v5, linear perpetuals: kline (newest first), open interest (cursor paging), symbols,
//! the latest bar and open interest. The allLiquidation stream is in `live`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{Cause, SourceError};
use super::http::{Call, Session};
use super::interval;
use super::limits::{Cost, RateLimit};
use super::venue::{OnPage, Paged, VenueCode, millis, number};
use crate::model::{Bar, OpenInterestSample};

/// 600 requests per 5 s per IP over the market endpoints.
pub(crate) const LIMITS: &[(&str, RateLimit)] = &[(
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

/// Most klines one request returns.
pub(crate) const KLINES_PAGE: usize = 1000;
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

/// The v5 envelope: `{"retCode":0,"retMsg":"OK","result":{...}}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<T> {
    result: T,
}

/// `retCode != 0`; 10006 and 10018 mean "too many requests".
pub(crate) fn api_error(body: &str) -> Option<VenueCode> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        ret_code: i64,
        #[serde(default)]
        ret_msg: String,
    }
    let head: Head = serde_json::from_str(body).ok()?;
    (head.ret_code != 0).then(|| VenueCode {
        code: head.ret_code.to_string(),
        message: head.ret_msg,
        rate_limited: matches!(head.ret_code, 10006 | 10018),
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
fn parse_kline(row: &[Value]) -> Result<Bar, String> {
    let field = |i: usize, name: &str| row.get(i).ok_or_else(|| format!("kline row has no {name}"));
    Ok(Bar {
        open_time_ms: millis(field(0, "startTime")?, "startTime")?,
        open: number(field(1, "open")?, "open")?,
        high: number(field(2, "high")?, "high")?,
        low: number(field(3, "low")?, "low")?,
        close: number(field(4, "close")?, "close")?,
        volume: number(field(5, "volume")?, "volume")?,
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

/// Klines over `[range.0, range.1)`. The venue answers newest first with the latest rows of the
/// range, so paging moves the end backward.
pub(crate) async fn bars(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
    range: (i64, i64),
    on_page: OnPage<'_>,
) -> Paged<Bar> {
    let mut paged = Paged::new();
    let Some(name) = interval::bybit_name(interval_ms) else {
        return paged;
    };
    let mut pages: Vec<Vec<Bar>> = Vec::new();
    let mut cursor_end = range.1 - 1;
    // The end moves below the oldest bar of each page, so this ends.
    while cursor_end >= range.0 {
        let call = kline_call(symbol, name, range.0, cursor_end, KLINES_PAGE);
        let list: KlineList = match get(s, &call).await {
            Ok(list) => list,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        let mut page = match s.parse_rows(&call, &list.list, |r| parse_kline(r)) {
            Ok(page) => page,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        on_page();
        page.retain(|b| b.open_time_ms >= range.0 && b.open_time_ms <= cursor_end);
        page.sort_by_key(|b| b.open_time_ms);
        page.dedup_by_key(|b| b.open_time_ms);
        let Some(oldest) = page.first() else { break };
        cursor_end = oldest.open_time_ms - 1;
        pages.push(page);
        if list.list.len() < KLINES_PAGE {
            break;
        }
    }
    paged.items = pages.into_iter().rev().flatten().collect();
    paged
}

/// Pages of open interest expected over `range`.
pub(crate) fn oi_pages(interval_ms: i64, range: (i64, i64)) -> u64 {
    interval::oi_period(interval_ms, OI_PERIODS).map_or(0, |(_, period_ms)| {
        super::binance::pages(period_ms, range, OI_PAGE)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OiList {
    list: Vec<OiRow>,
    #[serde(default)]
    next_page_cursor: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OiRow {
    open_interest: Value,
    timestamp: Value,
}

/// Open interest over `[range.0, range.1)`, following `nextPageCursor`.
pub(crate) async fn open_interest(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
    range: (i64, i64),
    on_page: OnPage<'_>,
) -> Paged<OpenInterestSample> {
    let mut paged = Paged::new();
    let Some((period, period_ms)) = interval::oi_period(interval_ms, OI_PERIODS) else {
        return paged;
    };
    // A cursor the venue repeats would page forever: stop after the pages the span can hold.
    let max_pages = super::binance::pages(period_ms, range, OI_PAGE) + 2;
    let mut cursor = String::new();
    for _ in 0..max_pages {
        let mut query = vec![
            ("category", "linear".to_string()),
            ("symbol", symbol.to_string()),
            ("intervalTime", period.to_string()),
            ("startTime", range.0.to_string()),
            ("endTime", (range.1 - 1).to_string()),
            ("limit", OI_PAGE.to_string()),
        ];
        if !cursor.is_empty() {
            query.push(("cursor", cursor.clone()));
        }
        let call = Call::get("/v5/market/open-interest", query, COST);
        let list: OiList = match get(s, &call).await {
            Ok(list) => list,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        let rows: Result<Vec<OpenInterestSample>, String> = list
            .list
            .iter()
            .map(|r| {
                Ok(OpenInterestSample {
                    time_ms: millis(&r.timestamp, "timestamp")?,
                    open_interest: number(&r.open_interest, "openInterest")?,
                    value_usd: None,
                })
            })
            .collect();
        match rows {
            Ok(rows) => paged.items.extend(rows),
            Err(e) => {
                paged.stopped = Some(s.error(&call, Cause::Layout(e)));
                break;
            }
        }
        on_page();
        if list.next_page_cursor.is_empty() || list.list.is_empty() {
            break;
        }
        cursor = list.next_page_cursor;
    }
    paged
        .items
        .retain(|o| o.time_ms >= range.0 && o.time_ms < range.1);
    paged.items.sort_by_key(|o| o.time_ms);
    paged.items.dedup_by_key(|o| o.time_ms);
    paged
}

/// Linear perpetual symbols that are trading, from instruments-info (cursor paging).
pub(crate) async fn symbols(s: &Session) -> Result<Vec<String>, SourceError> {
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
pub(crate) async fn latest(
    s: &Session,
    symbol: &str,
    interval_ms: i64,
) -> Result<(Vec<Bar>, Option<OpenInterestSample>), SourceError> {
    let name = interval::bybit_name(interval_ms).unwrap_or("1");
    let now_ms = s.config.now_ms();
    let call = kline_call(symbol, name, now_ms - 2 * interval_ms, now_ms, 2);
    let list: KlineList = get(s, &call).await?;
    let mut bars = list
        .list
        .iter()
        .map(|r| parse_kline(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| s.error(&call, Cause::Layout(e)))?;
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
    let sample = list
        .list
        .first()
        .map(|r| -> Result<OpenInterestSample, String> {
            Ok(OpenInterestSample {
                time_ms: millis(&r.timestamp, "timestamp")?,
                open_interest: number(&r.open_interest, "openInterest")?,
                value_usd: None,
            })
        })
        .transpose()
        .map_err(|e| s.error(&call, Cause::Layout(e)))?;
    Ok((bars, sample))
}
