//! Replay servers for the source tests: real recorded Binance data, served on 127.0.0.1 in each
//! venue's documented layout, paged the way the venue pages it.

#![allow(dead_code)]

pub mod archive;

use std::ops::RangeInclusive;
use std::sync::Arc;

use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockBuilder, MockServer, Request, Respond, ResponseTemplate};

use liqmap::model::{Bar, Side};
use liqmap::source::{
    CancelToken, FetchOutcome, FetchRequest, LatestSample, RateLimit, SourceConfig, SourceError,
    Venue, fetch, poll_latest,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sources");

/// One recorded kline, with the text of each number as recorded.
#[derive(Clone, Debug)]
pub struct RealBar {
    pub open_time_ms: i64,
    pub open: String,
    pub high: String,
    pub low: String,
    pub close: String,
    pub volume: String,
    /// Recorded only in the HYPEUSDT file.
    pub taker_buy_base: Option<String>,
    pub taker_buy_quote: Option<String>,
}

/// BTCUSDT 5m, 5200 bars from 2025-09-19 00:00 UTC (freqtrade's rows of /fapi/v1/klines).
pub fn btc_5m() -> Arc<Vec<RealBar>> {
    freqtrade_klines("binance-usdm-BTCUSDT-klines-5m-20250919-first5200.json")
}

/// BTCUSDT 5m, the 12 bars of 2025-10-22 09:00–10:00 UTC, around the recorded liquidations.
pub fn btc_5m_oct22() -> Arc<Vec<RealBar>> {
    freqtrade_klines("binance-usdm-BTCUSDT-klines-5m-20251022T0900-1000.json")
}

fn freqtrade_klines(name: &str) -> Arc<Vec<RealBar>> {
    let text = std::fs::read_to_string(format!("{DATA}/{name}")).unwrap();
    let rows: Vec<Vec<serde_json::Number>> = serde_json::from_str(&text).unwrap();
    Arc::new(
        rows.iter()
            .map(|r| RealBar {
                open_time_ms: r[0].as_i64().unwrap(),
                open: r[1].to_string(),
                high: r[2].to_string(),
                low: r[3].to_string(),
                close: r[4].to_string(),
                volume: r[5].to_string(),
                taker_buy_base: None,
                taker_buy_quote: None,
            })
            .collect(),
    )
}

/// HYPEUSDT 5m with taker-buy volume, 1152 bars 2025-10-08 00:00 → 2025-10-11 23:55 UTC.
pub fn hype_5m() -> Arc<Vec<RealBar>> {
    let text = std::fs::read_to_string(format!(
        "{DATA}/binance-usdm-HYPEUSDT-klines-takerbuy-5m-20251008-20251012.csv"
    ))
    .unwrap();
    Arc::new(
        text.lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                RealBar {
                    open_time_ms: f[0].parse().unwrap(),
                    open: f[1].into(),
                    high: f[2].into(),
                    low: f[3].into(),
                    close: f[4].into(),
                    volume: f[5].into(),
                    taker_buy_base: Some(f[6].into()),
                    taker_buy_quote: Some(f[7].into()),
                }
            })
            .collect(),
    )
}

/// One recorded open-interest row of the data-dump metrics file.
#[derive(Clone, Debug)]
pub struct RealOi {
    pub time_ms: i64,
    pub sum_open_interest: String,
    pub sum_open_interest_value: String,
}

/// HYPEUSDT 5m open interest, 1152 rows 2025-10-08 00:00 → 2025-10-11 23:55 UTC.
pub fn hype_oi() -> Arc<Vec<RealOi>> {
    let text = std::fs::read_to_string(format!(
        "{DATA}/binance-usdm-HYPEUSDT-metrics-openinterest-5m-20251008-20251012.csv"
    ))
    .unwrap();
    Arc::new(
        text.lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                let t = chrono::NaiveDateTime::parse_from_str(f[0], "%Y-%m-%d %H:%M:%S").unwrap();
                RealOi {
                    time_ms: t.and_utc().timestamp_millis(),
                    sum_open_interest: f[2].into(),
                    sum_open_interest_value: f[3].into(),
                }
            })
            .collect(),
    )
}

/// One recorded liquidation of the forceOrder CSV.
#[derive(Clone, Debug)]
pub struct RealLiquidation {
    pub time_ms: i64,
    pub symbol: String,
    pub side: String,
    pub avg_price: String,
    pub filled_qty: String,
}

impl RealLiquidation {
    /// The side of the liquidated position: a SELL order closes a long, a BUY a short.
    pub fn liquidated_side(&self) -> Side {
        if self.side == "SELL" {
            Side::Long
        } else {
            Side::Short
        }
    }
}

/// The 23 BTCUSDT and ETHUSDT liquidations of 2025-10-22 09:38–09:43 UTC.
pub fn liquidations() -> Vec<RealLiquidation> {
    let text = std::fs::read_to_string(format!(
        "{DATA}/binance-usdm-BTCUSDT-ETHUSDT-liquidations-forceOrder-20251022T0938-0943.csv"
    ))
    .unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let t = chrono::NaiveDateTime::parse_from_str(f[0], "%Y-%m-%dT%H:%M:%S%.f").unwrap();
            RealLiquidation {
                time_ms: t.and_utc().timestamp_millis(),
                symbol: f[1].into(),
                side: f[2].into(),
                avg_price: f[3].into(),
                filled_qty: f[4].into(),
            }
        })
        .collect()
}

/// The recorded liquidations of `symbol` (BTCUSDT: 5, ETHUSDT: 18), oldest first.
pub fn liquidations_of(symbol: &str) -> Vec<RealLiquidation> {
    liquidations()
        .into_iter()
        .filter(|l| l.symbol == symbol)
        .collect()
}

pub const MINUTE_MS: i64 = 60_000;
pub const FIVE_MIN_MS: i64 = 300_000;
/// Bar 7 of the BTC file: 2025-09-19 00:35 UTC.
pub const BTC_START_MS: i64 = 1_758_242_100_000;
/// 2025-10-01 00:00 UTC: the BTC file lies within the last 30 days.
pub const BTC_NOW_MS: i64 = 1_759_276_800_000;
/// 2025-10-08 00:00 UTC: the first row of the HYPEUSDT files.
pub const HYPE_START_MS: i64 = 1_759_881_600_000;
/// 2025-10-12 00:00 UTC: the end of the HYPEUSDT files, 1152 bars of 5 minutes after the start.
pub const HYPE_END_MS: i64 = 1_760_227_200_000;
/// 2025-10-20 00:00 UTC: the HYPEUSDT files lie within the last 30 days.
pub const HYPE_NOW_MS: i64 = 1_760_918_400_000;

/// Settings for a replay server: short timeouts and backoff, no cache, no waiting on limits,
/// and a pinned clock.
pub fn config(base_url: &str, now_ms: i64) -> SourceConfig {
    SourceConfig {
        base_url: Some(base_url.to_string()),
        ws_url: None,
        timeout_ms: 2_000,
        max_tries: 4,
        backoff_base_ms: 10,
        backoff_max_ms: 40,
        max_retry_after_ms: 5_000,
        archive_url: Some(base_url.to_string()),
        cache_dir: None,
        rate_limit_override: Some(RateLimit {
            capacity: 100_000,
            window_ms: 1_000,
        }),
        now_ms: Some(now_ms),
        reconnect_max_ms: 100,
        liquidation_poll_ms: 20,
    }
}

fn query(request: &Request, key: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn query_i64(request: &Request, key: &str) -> Option<i64> {
    query(request, key).and_then(|v| v.parse().ok())
}

/// The times a request asks for, `start_key` to `end_key` inclusive; open where a key is missing.
fn asked_span(request: &Request, start_key: &str, end_key: &str) -> RangeInclusive<i64> {
    query_i64(request, start_key).unwrap_or(i64::MIN)
        ..=query_i64(request, end_key).unwrap_or(i64::MAX)
}

fn derived_quote(bar: &RealBar) -> String {
    // Not recorded: volume × close, only so the layout is whole. Tests never assert on it.
    let v: f64 = bar.volume.parse().unwrap();
    let c: f64 = bar.close.parse().unwrap();
    format!("{:.4}", v * c)
}

/// The rows GET /fapi/v1/klines answers `request` with: bars with startTime ≤ open ≤ endTime,
/// the first `limit`, oldest first, as 12-column rows of strings.
fn binance_kline_rows(bars: &[RealBar], interval_ms: i64, request: &Request) -> Vec<Value> {
    let span = asked_span(request, "startTime", "endTime");
    let limit = query_i64(request, "limit").unwrap_or(500) as usize;
    bars.iter()
        .filter(|b| span.contains(&b.open_time_ms))
        .take(limit)
        .map(|b| {
            json!([
                b.open_time_ms,
                b.open,
                b.high,
                b.low,
                b.close,
                b.volume,
                b.open_time_ms + interval_ms - 1,
                derived_quote(b),
                0,
                b.taker_buy_base.clone().unwrap_or_else(|| "0".into()),
                b.taker_buy_quote.clone().unwrap_or_else(|| "0".into()),
                "0"
            ])
        })
        .collect()
}

/// GET /fapi/v1/klines: bars with startTime ≤ open ≤ endTime, the first `limit`, oldest first,
/// as 12-column rows of strings.
pub struct BinanceKlines(pub Arc<Vec<RealBar>>, pub i64);

impl Respond for BinanceKlines {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(binance_kline_rows(&self.0, self.1, request))
    }
}

/// GET /fapi/v1/klines answered with the right rows in another order (`reorder` rearranges
/// each page).
pub struct ReorderedKlines(pub Arc<Vec<RealBar>>, pub i64, pub fn(&mut [Value]));

impl Respond for ReorderedKlines {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut rows = binance_kline_rows(&self.0, self.1, request);
        (self.2)(&mut rows);
        ResponseTemplate::new(200).set_body_json(rows)
    }
}

fn binance_oi_row(o: &RealOi) -> Value {
    json!({
        "symbol": "HYPEUSDT",
        "sumOpenInterest": o.sum_open_interest,
        "sumOpenInterestValue": o.sum_open_interest_value,
        "CMCCirculatingSupply": "0",
        "timestamp": o.time_ms
    })
}

/// GET /futures/data/openInterestHist: the latest `limit` rows with startTime ≤ t ≤ endTime,
/// oldest first.
pub struct BinanceOi(pub Arc<Vec<RealOi>>);

impl Respond for BinanceOi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let span = asked_span(request, "startTime", "endTime");
        let limit = query_i64(request, "limit").unwrap_or(30) as usize;
        let inside: Vec<&RealOi> = self
            .0
            .iter()
            .filter(|o| span.contains(&o.time_ms))
            .collect();
        let rows: Vec<Value> = inside[inside.len().saturating_sub(limit)..]
            .iter()
            .map(|o| binance_oi_row(o))
            .collect();
        ResponseTemplate::new(200).set_body_json(rows)
    }
}

/// GET /futures/data/openInterestHist answered wrongly with the *earliest* `limit` rows of the
/// range (the venue documents the latest).
pub struct BinanceOiEarliest(pub Arc<Vec<RealOi>>);

impl Respond for BinanceOiEarliest {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let span = asked_span(request, "startTime", "endTime");
        let limit = query_i64(request, "limit").unwrap_or(30) as usize;
        let rows: Vec<Value> = self
            .0
            .iter()
            .filter(|o| span.contains(&o.time_ms))
            .take(limit)
            .map(binance_oi_row)
            .collect();
        ResponseTemplate::new(200).set_body_json(rows)
    }
}

/// GET /v5/market/kline: the latest `limit` bars with start ≤ open ≤ end, newest first, in the
/// v5 envelope.
pub struct BybitKline(pub Arc<Vec<RealBar>>);

impl Respond for BybitKline {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let span = asked_span(request, "start", "end");
        let limit = query_i64(request, "limit").unwrap_or(200) as usize;
        let list: Vec<Value> = self
            .0
            .iter()
            .rev()
            .filter(|b| span.contains(&b.open_time_ms))
            .take(limit)
            .map(|b| {
                json!([
                    b.open_time_ms.to_string(),
                    b.open,
                    b.high,
                    b.low,
                    b.close,
                    b.volume,
                    derived_quote(b)
                ])
            })
            .collect();
        bybit_body(
            0,
            "OK",
            json!({"category": "linear", "symbol": query(request, "symbol"), "list": list}),
        )
    }
}

/// GET /v5/market/open-interest: rows with startTime ≤ t ≤ endTime, newest first, `limit` a
/// page, the cursor being the offset of the next page (liqmap pages by endTime instead).
pub struct BybitOi(pub Arc<Vec<RealOi>>);

impl Respond for BybitOi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let span = asked_span(request, "startTime", "endTime");
        let limit = query_i64(request, "limit").unwrap_or(50) as usize;
        let offset = query_i64(request, "cursor").unwrap_or(0) as usize;
        let inside: Vec<&RealOi> = self
            .0
            .iter()
            .rev()
            .filter(|o| span.contains(&o.time_ms))
            .collect();
        let page: Vec<Value> = inside
            .iter()
            .skip(offset)
            .take(limit)
            .map(|o| {
                json!({"openInterest": o.sum_open_interest, "timestamp": o.time_ms.to_string()})
            })
            .collect();
        let next = if offset + limit < inside.len() {
            (offset + limit).to_string()
        } else {
            String::new()
        };
        bybit_body(
            0,
            "OK",
            json!({"symbol": "HYPEUSDT", "category": "linear", "list": page, "nextPageCursor": next}),
        )
    }
}

/// GET /api/v5/market/history-candles: the `limit` newest bars older than `after`, newest first.
/// Contracts are 0.01 BTC, so `vol` = volCcy / 0.01.
pub struct OkxCandles(pub Arc<Vec<RealBar>>);

impl Respond for OkxCandles {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let after = query_i64(request, "after").unwrap_or(i64::MAX);
        let limit = query_i64(request, "limit").unwrap_or(100) as usize;
        let data: Vec<Value> = self
            .0
            .iter()
            .rev()
            .filter(|b| b.open_time_ms < after)
            .take(limit)
            .map(|b| {
                let contracts = b.volume.parse::<f64>().unwrap() / 0.01;
                json!([
                    b.open_time_ms.to_string(),
                    b.open,
                    b.high,
                    b.low,
                    b.close,
                    format!("{contracts:.0}"),
                    b.volume,
                    derived_quote(b),
                    "1"
                ])
            })
            .collect();
        okx_body(Value::Array(data))
    }
}

/// POST /info candleSnapshot: bars with startTime ≤ open ≤ endTime, the first 5000.
pub struct HyperliquidCandles(pub Arc<Vec<RealBar>>, pub i64);

impl Respond for HyperliquidCandles {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let req = &body["req"];
        let start = req["startTime"].as_i64().unwrap();
        let end = req["endTime"].as_i64().unwrap();
        let coin = req["coin"].as_str().unwrap().to_string();
        let interval = req["interval"].as_str().unwrap().to_string();
        let rows: Vec<Value> = self
            .0
            .iter()
            .filter(|b| b.open_time_ms >= start && b.open_time_ms <= end)
            .take(5000)
            .map(|b| {
                json!({
                    "t": b.open_time_ms, "T": b.open_time_ms + self.1 - 1, "s": coin, "i": interval,
                    "o": b.open, "c": b.close, "h": b.high, "l": b.low, "v": b.volume, "n": 0
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(rows)
    }
}

/// Requests the server received on `path`.
pub async fn count(server: &wiremock::MockServer, path: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == path)
        .count()
}

/// No progress reporting.
pub fn no_progress(_: liqmap::source::FetchProgress) {}

/// A Binance error answer: HTTP 400 with the venue's `code` and `msg`.
pub fn binance_error(code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({"code": code, "msg": msg}))
}

/// A Bybit v5 answer: HTTP 200 with `result` in the envelope, `ret_code` and `ret_msg` in it.
pub fn bybit_body(ret_code: i64, ret_msg: &str, result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "retCode": ret_code,
        "retMsg": ret_msg,
        "result": result,
        "retExtInfo": {},
        "time": 1760227200000i64
    }))
}

/// An OKX answer: HTTP 200 with `data` in the envelope, code "0".
pub fn okx_body(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"code": "0", "msg": "", "data": data}))
}

/// Answers every request to `at` on `server` with `responder`.
pub async fn mount(server: &MockServer, at: &str, responder: impl Respond + 'static) {
    Mock::given(path(at))
        .respond_with(responder)
        .mount(server)
        .await;
}

/// Answers Hyperliquid's POST /info requests of `kind` (`candleSnapshot`, `meta`, …) with
/// `responder`.
pub async fn mount_hyperliquid_info(
    server: &MockServer,
    kind: &str,
    responder: impl Respond + 'static,
) {
    Mock::given(wiremock::matchers::method("POST"))
        .and(path("/info"))
        .and(wiremock::matchers::body_partial_json(json!({"type": kind})))
        .respond_with(responder)
        .mount(server)
        .await;
}

/// The HYPEUSDT recording replayed on every venue of a coin fetch: Binance answers its klines
/// with a 503 and its JSON error body; Bybit, OKX (both with the recorded open interest, OKX's
/// after `okx_oi_delay`) and Hyperliquid (no open-interest history) replay the bars.
pub async fn mount_hype_venues_binance_down(
    server: &MockServer,
    okx_oi_delay: std::time::Duration,
) {
    mount(
        server,
        "/fapi/v1/klines",
        ResponseTemplate::new(503).set_body_json(json!({
            "code": -1001,
            "msg": "Internal error; unable to process your request. Please try again."
        })),
    )
    .await;
    mount(server, "/v5/market/kline", BybitKline(hype_5m())).await;
    mount(server, "/v5/market/open-interest", BybitOi(hype_oi())).await;
    mount(
        server,
        "/api/v5/market/history-candles",
        OkxCandles(hype_5m()),
    )
    .await;
    let rubik: Vec<Value> = hype_oi()
        .iter()
        .rev()
        .map(|o| json!([o.time_ms.to_string(), o.sum_open_interest_value, "0"]))
        .collect();
    mount(
        server,
        "/api/v5/rubik/stat/contracts/open-interest-volume",
        okx_body(Value::Array(rubik)).set_delay(okx_oi_delay),
    )
    .await;
    mount_hyperliquid_info(
        server,
        "candleSnapshot",
        HyperliquidCandles(hype_5m(), FIVE_MIN_MS),
    )
    .await;
}

/// Answers the requests `matching` selects with `template`, ahead of the mocks mounted without
/// a priority: the first `times` of them, or all of them with `None`.
pub async fn mount_ahead(
    server: &MockServer,
    matching: MockBuilder,
    times: Option<u64>,
    template: ResponseTemplate,
) {
    let mock = matching.respond_with(template).with_priority(1);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

/// Answers the first `times` requests to `at` with `template`, ahead of the replay.
pub async fn fault_first(server: &MockServer, at: &str, times: u64, template: ResponseTemplate) {
    mount_ahead(server, Mock::given(path(at)), Some(times), template).await;
}

/// A request for the 5-minute bars of `symbol` on `venue` from `start_ms` (inclusive) to `end_ms`
/// (exclusive).
pub fn fetch_request(venue: Venue, symbol: &str, start_ms: i64, end_ms: i64) -> FetchRequest {
    FetchRequest {
        venue,
        symbol: symbol.into(),
        interval_ms: FIVE_MIN_MS,
        start_ms,
        end_ms,
    }
}

/// A request for `bars` 5-minute bars of `symbol` on `venue` from bar 7 of the BTC file.
pub fn btc_fetch_request(venue: Venue, symbol: &str, bars: i64) -> FetchRequest {
    fetch_request(
        venue,
        symbol,
        BTC_START_MS,
        BTC_START_MS + bars * FIVE_MIN_MS,
    )
}

/// A request for the 5-minute bars of `symbol` on `venue` over the span of the HYPEUSDT files.
pub fn hype_fetch_request(venue: Venue, symbol: &str) -> FetchRequest {
    fetch_request(venue, symbol, HYPE_START_MS, HYPE_END_MS)
}

/// Fetches `request` with no progress reporting and a cancel token that never fires.
pub async fn run_fetch(
    request: &FetchRequest,
    config: &SourceConfig,
) -> Result<FetchOutcome, SourceError> {
    fetch(request, config, &no_progress, &CancelToken::new()).await
}

/// Polls the newest 5-minute bars and open interest of `symbol` on `venue` from the server at
/// `base_url`, the clock pinned at `now_ms`.
pub async fn poll_latest_5m(
    venue: Venue,
    symbol: &str,
    base_url: &str,
    now_ms: i64,
) -> Result<LatestSample, SourceError> {
    poll_latest(
        venue,
        symbol,
        FIVE_MIN_MS,
        &config(base_url, now_ms),
        &CancelToken::new(),
    )
    .await
}

/// The open times of `bars`, in their order.
pub fn open_times(bars: &[Bar]) -> Vec<i64> {
    bars.iter().map(|b| b.open_time_ms).collect()
}

/// Asserts that the fetch of `outcome` is complete and covers its span exactly: `len` bars, one
/// every `interval_ms` from `start_ms`, none missing, repeated or out of order. Returns the bars.
#[track_caller]
pub fn assert_covers_exactly(
    outcome: &FetchOutcome,
    start_ms: i64,
    interval_ms: i64,
    len: usize,
) -> &[Bar] {
    assert!(outcome.complete, "{:?}", outcome.problems);
    let bars = &outcome.dataset.bars;
    assert_eq!(bars.len(), len);
    for (i, bar) in bars.iter().enumerate() {
        assert_eq!(
            bar.open_time_ms,
            start_ms + i as i64 * interval_ms,
            "bar {i}"
        );
    }
    bars
}

/// Asserts that `text` (an error message, a program's stderr) contains each of `parts`.
#[track_caller]
pub fn assert_mentions(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} missing from {text}");
    }
}

/// Fetches `request`, asserts that it failed after a single request to `at` (the error is not
/// one to retry), and returns the error's message.
pub async fn fetch_fails_at_once(
    server: &MockServer,
    at: &str,
    request: &FetchRequest,
    config: &SourceConfig,
) -> String {
    let error = run_fetch(request, config).await.unwrap_err();
    assert_eq!(count(server, at).await, 1, "the error is not retried");
    error.to_string()
}

/// Asserts that a fetch recovered from the faults it met: `outcome` is complete with `bars`
/// bars, and `server` received `requests` requests to `at`, the failed ones included.
pub async fn assert_recovered(
    outcome: &FetchOutcome,
    bars: usize,
    server: &MockServer,
    at: &str,
    requests: usize,
) {
    assert!(outcome.complete, "{:?}", outcome.problems);
    assert_eq!(outcome.dataset.bars.len(), bars);
    assert_eq!(count(server, at).await, requests);
}
