//! OKX USDT swaps: candles and history-candles (newest first, `after` paging), open interest
//! from rubik (USD; turned into coins by the caller), liquidation orders of the last day,
//! symbols, the latest bar and open interest.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{Cause, SourceError};
use super::http::{Call, Session};
use super::interval;
use super::limits::{Cost, RateLimit};
use super::venue::{OnPage, Paged, VenueCode, millis, number};
use crate::model::{Bar, Liquidation, OpenInterestSample, Side};

const fn per_2s(capacity: u32) -> RateLimit {
    RateLimit {
        capacity,
        window_ms: 2_000,
    }
}

/// Per-endpoint request counts per 2 s, as published.
pub(crate) const LIMITS: &[(&str, RateLimit)] = &[
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
pub(crate) const CANDLES_PAGE: usize = 100;
/// Liquidation orders are served for the last day only.
const LIQUIDATION_HISTORY_MS: i64 = 86_400_000;
/// Enough pages of 100 liquidation orders for a busy day of one instrument family.
const LIQUIDATION_MAX_PAGES: usize = 30;

/// `{"code":"0","msg":"","data":[...]}`.
#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

/// `code != "0"`; 50011 means "too many requests".
pub(crate) fn api_error(body: &str) -> Option<VenueCode> {
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
    (code != "0").then(|| VenueCode {
        rate_limited: code == "50011",
        code,
        message: head.msg,
    })
}

async fn get<T: DeserializeOwned>(s: &Session, call: &Call) -> Result<T, SourceError> {
    let envelope: Envelope<T> = s.request(call).await?;
    Ok(envelope.data)
}

/// `BTC-USDT-SWAP` as given, or `BTCUSDT` / `BTC-USDT` turned into it.
pub(crate) fn inst_id(symbol: &str) -> String {
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
fn parse_candle(row: &[Value]) -> Result<Bar, String> {
    let field = |i: usize, name: &str| {
        row.get(i)
            .ok_or_else(|| format!("candle row has no {name}"))
    };
    Ok(Bar {
        open_time_ms: millis(field(0, "ts")?, "ts")?,
        open: number(field(1, "o")?, "o")?,
        high: number(field(2, "h")?, "h")?,
        low: number(field(3, "l")?, "l")?,
        close: number(field(4, "c")?, "c")?,
        volume: number(field(6, "volCcy")?, "volCcy")?,
        taker_buy_volume: None,
        quote_volume: row.get(7).map(|v| number(v, "volCcyQuote")).transpose()?,
    })
}

/// Candles over `[range.0, range.1)`, paging backward with `after` (rows older than it).
pub(crate) async fn bars(
    s: &Session,
    inst_id: &str,
    interval_ms: i64,
    range: (i64, i64),
    on_page: OnPage<'_>,
) -> Paged<Bar> {
    let mut paged = Paged::new();
    let Some(name) = interval::okx_name(interval_ms) else {
        return paged;
    };
    let mut pages: Vec<Vec<Bar>> = Vec::new();
    let mut after = range.1;
    // `after` moves to the oldest row of each page, so this ends.
    while after > range.0 {
        let call = Call::get(
            "/api/v5/market/history-candles",
            vec![
                ("instId", inst_id.to_string()),
                ("bar", name.to_string()),
                ("after", after.to_string()),
                ("limit", CANDLES_PAGE.to_string()),
            ],
            cost("history_candles"),
        );
        let rows: Vec<Vec<Value>> = match get(s, &call).await {
            Ok(rows) => rows,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        let mut page = match s.parse_rows(&call, &rows, |r| parse_candle(r)) {
            Ok(page) => page,
            Err(e) => {
                paged.stopped = Some(e);
                break;
            }
        };
        on_page();
        let oldest_ms = page.iter().map(|b| b.open_time_ms).min();
        page.retain(|b| b.open_time_ms >= range.0 && b.open_time_ms < after);
        page.sort_by_key(|b| b.open_time_ms);
        page.dedup_by_key(|b| b.open_time_ms);
        pages.push(page);
        match oldest_ms {
            Some(oldest) if oldest < after => after = oldest,
            _ => break,
        }
        if rows.len() < CANDLES_PAGE {
            break;
        }
    }
    paged.items = pages.into_iter().rev().flatten().collect();
    paged
}

/// Open interest over `range` from rubik, in USD (`open_interest` is 0 until the caller turns
/// the USD into coins with the bars' closes). Rubik sums the currency's swaps and futures.
pub(crate) async fn open_interest(
    s: &Session,
    inst_id: &str,
    interval_ms: i64,
    range: (i64, i64),
    on_page: OnPage<'_>,
) -> Paged<OpenInterestSample> {
    let mut paged = Paged::new();
    let periods = [("5m", 300_000), ("1H", 3_600_000), ("1D", 86_400_000)];
    let Some((period, _)) = interval::oi_period(interval_ms, &periods) else {
        return paged;
    };
    let call = Call::get(
        "/api/v5/rubik/stat/contracts/open-interest-volume",
        vec![
            ("ccy", base_ccy(inst_id).to_string()),
            ("period", period.to_string()),
            ("begin", range.0.to_string()),
            ("end", (range.1 - 1).to_string()),
        ],
        cost("rubik"),
    );
    let rows: Vec<Vec<Value>> = match get(s, &call).await {
        Ok(rows) => rows,
        Err(e) => {
            paged.stopped = Some(e);
            return paged;
        }
    };
    let samples: Result<Vec<OpenInterestSample>, String> = rows
        .iter()
        .map(|row| {
            let ts = row.first().ok_or("open-interest row has no ts")?;
            let oi = row.get(1).ok_or("open-interest row has no oi")?;
            Ok(OpenInterestSample {
                time_ms: millis(ts, "ts")?,
                open_interest: 0.0,
                value_usd: Some(number(oi, "oi")?),
            })
        })
        .collect();
    match samples {
        Ok(mut samples) => {
            on_page();
            samples.retain(|o| o.time_ms >= range.0 && o.time_ms < range.1);
            samples.sort_by_key(|o| o.time_ms);
            samples.dedup_by_key(|o| o.time_ms);
            paged.items = samples;
            paged
                .notes
                .push("OKX open interest is in USD (all of the coin's swaps and futures); coins are USD over the bar's close".into());
        }
        Err(e) => paged.stopped = Some(s.error(&call, Cause::Layout(e))),
    }
    paged
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
    number(&first.ct_val, "ctVal").map_err(|e| s.error(&call, Cause::Layout(e)))
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
pub(crate) async fn liquidations(
    s: &Session,
    inst_id: &str,
    range: (i64, i64),
) -> Paged<Liquidation> {
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
                let parsed = (|| -> Result<Liquidation, String> {
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
                        paged.stopped = Some(s.error(&call, Cause::Layout(e)));
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
pub(crate) async fn symbols(s: &Session) -> Result<Vec<String>, SourceError> {
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
pub(crate) async fn latest(
    s: &Session,
    inst_id: &str,
    interval_ms: i64,
) -> Result<(Vec<Bar>, Option<OpenInterestSample>), SourceError> {
    let name = interval::okx_name(interval_ms).unwrap_or("1m");
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
    let mut bars = rows
        .iter()
        .map(|r| parse_candle(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| s.error(&call, Cause::Layout(e)))?;
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
    let sample = list
        .first()
        .map(|c| -> Result<OpenInterestSample, String> {
            Ok(OpenInterestSample {
                time_ms: millis(&c.ts, "ts")?,
                open_interest: number(&c.oi_ccy, "oiCcy")?,
                value_usd: None,
            })
        })
        .transpose()
        .map_err(|e| s.error(&call, Cause::Layout(e)))?;
    Ok((bars, sample))
}
