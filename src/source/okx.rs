//! OKX USDT swaps: history-candles (newest first, `after` paging), open interest from rubik
//! (USD; turned into coins with the bars' closes), liquidation orders of the last day (served
//! as a history, polled in live mode), symbols, the latest bar and open interest.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::codes::{CodeKind, VenueCode};
use super::error::{Cause, SourceError};
use super::exchange::{BoxFuture, Exchange, Extras, LiquidationFeed, OiHistory, Page};
use super::http::{Call, Endpoint, Session};
use super::interval::{DAY_MS, HOUR_MS, MINUTE_MS, name_in};
use super::limits::{Cost, RateLimit};
use super::pager::{Direction, PageStop, Paged, Paging};
use super::parse::{FieldError, column, millis, number};
use super::ranges::Range;
use super::venue::Venue;
use crate::model::{Bar, Liquidation, OpenInterestSample, Side};

/// OKX USDT swaps.
pub(crate) struct Okx;

const fn per_2s(capacity: u32) -> RateLimit {
    RateLimit {
        capacity,
        window_ms: 2_000,
    }
}

/// Per-endpoint request counts per 2 s, as published.
const LIMITS: &[(&str, RateLimit)] = &[
    ("history_candles", per_2s(20)),
    ("candles", per_2s(40)),
    ("rubik", per_2s(5)),
    ("liquidations", per_2s(40)),
    ("public", per_2s(20)),
];

const fn cost(bucket: &'static str) -> Cost {
    Cost { bucket, units: 1 }
}

/// Most candles one history-candles request returns.
const CANDLES_PAGE: usize = 100;
/// Liquidation orders are served for the last day only.
const LIQUIDATION_HISTORY_MS: i64 = 86_400_000;
/// Enough pages of 100 liquidation orders for a busy day of one instrument family.
const LIQUIDATION_MAX_PAGES: usize = 30;
/// Rubik's open-interest periods.
const OI_PERIODS: &[(&str, i64)] = &[("5m", 300_000), ("1H", 3_600_000), ("1D", 86_400_000)];

/// How OKX names the intervals it serves; from 6 h up the `utc` variants, so bars open at UTC
/// midnight like every other venue's.
const INTERVAL_NAMES: [(i64, &str); 12] = [
    (MINUTE_MS, "1m"),
    (3 * MINUTE_MS, "3m"),
    (5 * MINUTE_MS, "5m"),
    (15 * MINUTE_MS, "15m"),
    (30 * MINUTE_MS, "30m"),
    (HOUR_MS, "1H"),
    (2 * HOUR_MS, "2H"),
    (4 * HOUR_MS, "4H"),
    (6 * HOUR_MS, "6Hutc"),
    (12 * HOUR_MS, "12Hutc"),
    (DAY_MS, "1Dutc"),
    (7 * DAY_MS, "1Wutc"),
];

/// `{"code":"0","msg":"","data":[...]}`.
#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

/// `code != "0"`, read after OKX's list of general error codes (okx.com/docs-v5, "Error Code",
/// codes 50000–50099, with the HTTP status OKX sends them with): 50001 "Service temporarily
/// unavailable" (503), 50004 "Endpoint request timeout" (400), 50013 "System is busy" (200) and
/// 50026 "System error" (500) are passing server states; 50011 "Requests too frequent" (429) is
/// the rate limit; every other code (51001 instrument does not exist, …) ends the request.
/// ../shared/docs/exchange-apis.md only says "code != \"0\" with msg".
fn read_error(_status: u16, body: &str) -> Option<VenueCode> {
    #[derive(Deserialize)]
    struct Head {
        code: Value,
        #[serde(default)]
        msg: String,
    }
    let head: Head = serde_json::from_str(body).ok()?;
    let code = match head.code {
        Value::String(code) => code,
        other => other.to_string(),
    };
    let kind = match code.as_str() {
        "0" => return None,
        "50001" | "50004" | "50013" | "50026" => CodeKind::Transient,
        "50011" => CodeKind::RateLimited,
        _ => CodeKind::Final,
    };
    Some(VenueCode {
        code,
        message: head.msg,
        kind,
    })
}

async fn get<T: DeserializeOwned>(s: &Session, call: &Call) -> Result<T, SourceError> {
    let envelope: Envelope<T> = s.request(call).await?;
    Ok(envelope.data)
}

/// `BTC-USDT-SWAP` as given, or `BTCUSDT` / `BTC-USDT` turned into it.
fn inst_id(symbol: &str) -> String {
    let upper = symbol.trim().to_ascii_uppercase();
    if upper.ends_with("-SWAP") {
        upper
    } else if upper.contains('-') {
        format!("{upper}-SWAP")
    } else if let Some(base) = upper.strip_suffix("USDT").filter(|b| !b.is_empty()) {
        format!("{base}-USDT-SWAP")
    } else {
        upper
    }
}

/// `BTC-USDT` of `BTC-USDT-SWAP`.
fn inst_family(inst_id: &str) -> &str {
    inst_id.strip_suffix("-SWAP").unwrap_or(inst_id)
}

/// `BTC` of `BTC-USDT-SWAP`.
fn base_ccy(inst_id: &str) -> &str {
    inst_id.split('-').next().unwrap_or(inst_id)
}

/// One candle: `[ts, o, h, l, c, vol (contracts), volCcy (coins), volCcyQuote, confirm]`.
fn parse_candle(row: &[Value]) -> Result<Bar, FieldError> {
    Ok(Bar {
        open_time_ms: millis(column(row, 0, "ts")?, "ts")?,
        open: number(column(row, 1, "o")?, "o")?,
        high: number(column(row, 2, "h")?, "h")?,
        low: number(column(row, 3, "l")?, "l")?,
        close: number(column(row, 4, "c")?, "c")?,
        volume: number(column(row, 6, "volCcy")?, "volCcy")?,
        taker_buy_volume: None,
        quote_volume: row.get(7).map(|v| number(v, "volCcyQuote")).transpose()?,
    })
}

/// The candles older than the window's end (`after`), newest first.
async fn candles_page(
    s: &Session,
    inst_id: &str,
    interval_ms: i64,
    window: Range,
) -> Result<Vec<Bar>, PageStop> {
    let Some(name) = name_in(&INTERVAL_NAMES, interval_ms) else {
        return Ok(Vec::new());
    };
    let call = Call::get(
        "/api/v5/market/history-candles",
        vec![
            ("instId", inst_id.to_string()),
            ("bar", name.to_string()),
            ("after", window.1.to_string()),
            ("limit", CANDLES_PAGE.to_string()),
        ],
        cost("history_candles"),
    );
    let rows: Vec<Vec<Value>> = get(s, &call).await?;
    Ok(s.parse_rows(&call, &rows, |r| parse_candle(r))?)
}

/// Open interest over the window from rubik, in USD (`open_interest` is 0 until
/// [`oi_in_coins`] turns the USD into coins). Rubik sums the currency's swaps and futures.
async fn rubik_page(
    s: &Session,
    inst_id: &str,
    period: &str,
    window: Range,
) -> Result<Vec<OpenInterestSample>, PageStop> {
    let call = Call::get(
        "/api/v5/rubik/stat/contracts/open-interest-volume",
        vec![
            ("ccy", base_ccy(inst_id).to_string()),
            ("period", period.to_string()),
            ("begin", window.0.to_string()),
            ("end", (window.1 - 1).to_string()),
        ],
        cost("rubik"),
    );
    let rows: Vec<Vec<Value>> = get(s, &call).await?;
    Ok(s.parse_rows(&call, &rows, |row| {
        Ok(OpenInterestSample {
            time_ms: millis(column(row, 0, "ts")?, "ts")?,
            open_interest: 0.0,
            value_usd: Some(number(column(row, 1, "oi")?, "oi")?),
        })
    })?)
}

/// OKX gives open interest in USD only: the coins are the USD over the close of the bar the
/// sample falls in. Samples before the first bar are dropped.
fn oi_in_coins(samples: Vec<OpenInterestSample>, bars: &[Bar]) -> Vec<OpenInterestSample> {
    samples
        .into_iter()
        .filter_map(|s| {
            let after = bars.partition_point(|b| b.open_time_ms <= s.time_ms);
            let bar = bars.get(after.checked_sub(1)?)?;
            let usd = s.value_usd?;
            (bar.close > 0.0).then(|| OpenInterestSample {
                open_interest: usd / bar.close,
                ..s
            })
        })
        .collect()
}

/// The contract size in coins (`ctVal`), from the instrument list.
async fn contract_value(s: &Session, inst_id: &str) -> Result<f64, SourceError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Instrument {
        ct_val: Value,
    }
    let call = Call::get(
        "/api/v5/public/instruments",
        vec![
            ("instType", "SWAP".to_string()),
            ("instId", inst_id.to_string()),
        ],
        cost("public"),
    );
    let list: Vec<Instrument> = get(s, &call).await?;
    let first = list
        .first()
        .ok_or_else(|| s.error(&call, Cause::NoData(format!("no instrument {inst_id}"))))?;
    number(&first.ct_val, "ctVal").map_err(|e| s.error(&call, Cause::Layout(e.to_string())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiquidationGroup {
    #[serde(default)]
    inst_id: String,
    details: Vec<LiquidationDetail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiquidationDetail {
    side: String,
    bk_px: Value,
    sz: Value,
    ts: Value,
}

/// Filled liquidation orders of the instrument inside `range`, as far as the last day reaches.
async fn liquidations(s: &Session, inst_id: &str, range: (i64, i64)) -> Paged<Liquidation> {
    let mut paged = Paged::new();
    let earliest = s.config.now_ms() - LIQUIDATION_HISTORY_MS;
    if range.1 <= earliest {
        paged
            .notes
            .push("OKX serves liquidation orders of the last day only: none for this span".into());
        return paged;
    }
    let ct_val = match contract_value(s, inst_id).await {
        Ok(v) => v,
        Err(e) => {
            paged.stopped = Some(e);
            return paged;
        }
    };
    let mut after: Option<i64> = None;
    for _ in 0..LIQUIDATION_MAX_PAGES {
        let mut query = vec![
            ("instType", "SWAP".to_string()),
            ("instFamily", inst_family(inst_id).to_string()),
            ("state", "filled".to_string()),
            ("limit", "100".to_string()),
        ];
        if let Some(after) = after {
            query.push(("after", after.to_string()));
        }
        let call = Call::get(
            "/api/v5/public/liquidation-orders",
            query,
            cost("liquidations"),
        );
        let groups: Vec<LiquidationGroup> = match get(s, &call).await {
            Ok(groups) => groups,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        let mut oldest: Option<i64> = None;
        for group in groups
            .iter()
            .filter(|g| g.inst_id.is_empty() || g.inst_id == inst_id)
        {
            for d in &group.details {
                let parsed = (|| -> Result<Liquidation, FieldError> {
                    Ok(Liquidation {
                        time_ms: millis(&d.ts, "ts")?,
                        // A sell order closes a long: the long was liquidated.
                        side: if d.side == "sell" {
                            Side::Long
                        } else {
                            Side::Short
                        },
                        price: number(&d.bk_px, "bkPx")?,
                        quantity: number(&d.sz, "sz")? * ct_val,
                    })
                })();
                match parsed {
                    // Rows at or after the page cursor were on an earlier page.
                    Ok(l) if after.is_some_and(|a| l.time_ms >= a) => {}
                    Ok(l) => {
                        oldest = Some(oldest.map_or(l.time_ms, |o: i64| o.min(l.time_ms)));
                        if l.time_ms >= range.0 && l.time_ms < range.1 {
                            paged.items.push(l);
                        }
                    }
                    Err(e) => {
                        paged.stopped = Some(s.error(&call, Cause::Layout(e.to_string())));
                        return paged;
                    }
                }
            }
        }
        match oldest {
            Some(o) if o > range.0 => after = Some(o),
            _ => break,
        }
    }
    paged.items.sort_by_key(|l| l.time_ms);
    paged
}

/// Live USDT swaps, from the instrument list.
async fn symbols(s: &Session) -> Result<Vec<String>, SourceError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Instrument {
        inst_id: String,
        #[serde(default)]
        state: String,
    }
    let call = Call::get(
        "/api/v5/public/instruments",
        vec![("instType", "SWAP".to_string())],
        cost("public"),
    );
    let list: Vec<Instrument> = get(s, &call).await?;
    Ok(list
        .into_iter()
        .filter(|i| i.state == "live")
        .map(|i| i.inst_id)
        .collect())
}

/// The last two candles and the current open interest (in coins, `oiCcy`).
async fn latest(
    s: &Session,
    inst_id: &str,
    interval_ms: i64,
) -> Result<(Vec<Bar>, Option<OpenInterestSample>), SourceError> {
    let name = name_in(&INTERVAL_NAMES, interval_ms).unwrap_or("1m");
    let call = Call::get(
        "/api/v5/market/candles",
        vec![
            ("instId", inst_id.to_string()),
            ("bar", name.to_string()),
            ("limit", "2".to_string()),
        ],
        cost("candles"),
    );
    let rows: Vec<Vec<Value>> = get(s, &call).await?;
    let mut bars = s.parse_rows(&call, &rows, |r| parse_candle(r))?;
    bars.sort_by_key(|b| b.open_time_ms);
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Current {
        oi_ccy: Value,
        ts: Value,
    }
    let call = Call::get(
        "/api/v5/public/open-interest",
        vec![
            ("instType", "SWAP".to_string()),
            ("instId", inst_id.to_string()),
        ],
        cost("public"),
    );
    let list: Vec<Current> = get(s, &call).await?;
    let samples = s.parse_rows(&call, &list, |c| {
        Ok(OpenInterestSample {
            time_ms: millis(&c.ts, "ts")?,
            open_interest: number(&c.oi_ccy, "oiCcy")?,
            value_usd: None,
        })
    })?;
    Ok((bars, samples.into_iter().next()))
}

/// Liquidation orders of the span (as far as the last day reaches).
async fn extras(s: &Session, inst_id: &str, want: Range) -> Extras {
    let paged = liquidations(s, inst_id, want).await;
    Extras {
        liquidations: paged.items,
        current_oi: None,
        notes: paged.notes,
        stopped: paged.stopped,
    }
}

impl Exchange for Okx {
    fn venue(&self) -> Venue {
        Venue::Okx
    }
    fn display_name(&self) -> &'static str {
        "OKX"
    }
    fn cli_name(&self) -> &'static str {
        "okx"
    }
    fn dataset_name(&self) -> &'static str {
        "okx-swap"
    }
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            venue: Venue::Okx,
            default_base_url: "https://www.okx.com",
            limits: LIMITS,
            read_error,
        }
    }
    fn symbol(&self, typed: &str) -> String {
        inst_id(typed)
    }
    fn interval_name(&self, interval_ms: i64) -> Option<&'static str> {
        name_in(&INTERVAL_NAMES, interval_ms)
    }
    fn bar_paging(&self) -> Paging {
        Paging {
            direction: Direction::Backward,
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
    fn oi_history(&self) -> Option<OiHistory> {
        Some(OiHistory {
            periods: OI_PERIODS,
            // One request: rubik answers the whole span at once.
            paging: Paging {
                direction: Direction::Backward,
                rows: usize::MAX,
            },
        })
    }
    fn oi_served(&self, range: Range, _now_ms: i64) -> (Option<Range>, Option<String>) {
        (
            Some(range),
            Some(
                "OKX open interest is in USD (all of the coin's swaps and futures); coins are \
                 USD over the bar's close"
                    .into(),
            ),
        )
    }
    fn oi_page<'a>(
        &'a self,
        s: &'a Session,
        symbol: &'a str,
        period: &'static str,
        window: Range,
    ) -> Page<'a, OpenInterestSample> {
        Box::pin(rubik_page(s, symbol, period, window))
    }
    fn oi_in_coins(
        &self,
        samples: Vec<OpenInterestSample>,
        bars: &[Bar],
    ) -> Vec<OpenInterestSample> {
        oi_in_coins(samples, bars)
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
    fn liquidation_feed(&self) -> LiquidationFeed {
        // OKX serves the last day of liquidation orders instead of a stream.
        LiquidationFeed::Poll
    }
    fn recent_liquidations<'a>(
        &'a self,
        s: &'a Session,
        symbol: &'a str,
        range: Range,
    ) -> BoxFuture<'a, Paged<Liquidation>> {
        Box::pin(liquidations(s, symbol, range))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_after_okx_error_list() {
        let kind = |body: &str| read_error(200, body).map(|c| c.kind);
        let body = |code: &str| format!(r#"{{"code":"{code}","msg":"x","data":[]}}"#);
        assert_eq!(kind(&body("0")), None);
        for code in ["50001", "50004", "50013", "50026"] {
            assert_eq!(kind(&body(code)), Some(CodeKind::Transient), "{code}");
        }
        assert_eq!(kind(&body("50011")), Some(CodeKind::RateLimited));
        assert_eq!(kind(&body("51001")), Some(CodeKind::Final));
        assert_eq!(name_in(&INTERVAL_NAMES, 86_400_000), Some("1Dutc"));
        assert_eq!(inst_id("btcusdt"), "BTC-USDT-SWAP");
    }
}
