//! The faults of issue 10 against replay servers on 127.0.0.1 answering in each venue's exact
//! layout: server errors with the venue's JSON body, bars that stop partway, open-interest
//! holes, rows out of order, and long Retry-After waits.

#[path = "source_support/mod.rs"]
mod support;

use std::sync::{Arc, Mutex};

use liqmap::source::{CancelToken, FetchProgress, Venue, fetch};
use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KLINES: &str = "/fapi/v1/klines";
const OI: &str = "/futures/data/openInterestHist";
const BYBIT_KLINE: &str = "/v5/market/kline";
const BYBIT_OI: &str = "/v5/market/open-interest";
const OKX_CANDLES: &str = "/api/v5/market/history-candles";
/// The `startTime` of the second klines page of a BTC request (bar 1507 of the file).
const SECOND_PAGE_START: &str = "1758692100000";

async fn binance_server(bars: Arc<Vec<RealBar>>, oi: Arc<Vec<RealOi>>) -> MockServer {
    let server = MockServer::start().await;
    mount(&server, KLINES, BinanceKlines(bars, FIVE_MIN_MS)).await;
    mount(&server, OI, BinanceOi(oi)).await;
    server
}

/// 7 days of BTC bars from bar 7 of the file: 2016 bars, two pages.
fn btc_week() -> liqmap::source::FetchRequest {
    btc_fetch_request(Venue::Binance, "BTCUSDT", 2016)
}

/// Binance's answer to a failure on its side: a 5xx with its JSON error body.
fn binance_server_error(status: u16, code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"code": code, "msg": msg}))
}

#[tokio::test]
async fn a_5xx_with_binances_error_body_is_retried_for_each_server_code() {
    for (status, code, msg) in [
        (
            500,
            -1000,
            "An unknown error occured while processing the request.",
        ),
        (
            503,
            -1001,
            "Internal error; unable to process your request. Please try again.",
        ),
        (
            504,
            -1007,
            "Timeout waiting for response from backend server.",
        ),
        (
            503,
            -1008,
            "Server is currently overloaded with other requests.",
        ),
    ] {
        let server = binance_server(btc_5m(), Arc::new(Vec::new())).await;
        mount_ahead(
            &server,
            Mock::given(path(KLINES)).and(query_param("startTime", SECOND_PAGE_START)),
            Some(1),
            binance_server_error(status, code, msg),
        )
        .await;
        let outcome = run_fetch(&btc_week(), &config(&server.uri(), BTC_NOW_MS))
            .await
            .unwrap();
        // Page 1, the failed page 2, page 2 again.
        assert_recovered(&outcome, 2016, &server, KLINES, 3).await;
    }
}

#[tokio::test]
async fn a_server_state_code_with_http_400_is_retried_too() {
    // -1001 "DISCONNECTED" means "try again" whatever the status it comes with.
    let server = binance_server(btc_5m(), Arc::new(Vec::new())).await;
    fault_first(&server, KLINES, 1, binance_error(-1001, "Internal error.")).await;
    let outcome = run_fetch(&btc_week(), &config(&server.uri(), BTC_NOW_MS))
        .await
        .unwrap();
    assert_recovered(&outcome, 2016, &server, KLINES, 3).await;
}

#[tokio::test]
async fn bybit_server_codes_are_retried_and_parameter_codes_are_not() {
    for code in [10000, 10016] {
        let server = MockServer::start().await;
        mount(&server, BYBIT_KLINE, BybitKline(btc_5m())).await;
        mount(&server, BYBIT_OI, BybitOi(Arc::new(Vec::new()))).await;
        fault_first(
            &server,
            BYBIT_KLINE,
            1,
            bybit_body(code, "Server error", json!({})),
        )
        .await;
        let request = btc_fetch_request(Venue::Bybit, "BTCUSDT", 10);
        let outcome = run_fetch(&request, &config(&server.uri(), BTC_NOW_MS))
            .await
            .unwrap();
        assert_recovered(&outcome, 10, &server, BYBIT_KLINE, 2).await;
    }
    let server = MockServer::start().await;
    mount(
        &server,
        BYBIT_KLINE,
        bybit_body(10001, "params error: symbol invalid", json!({})),
    )
    .await;
    let request = btc_fetch_request(Venue::Bybit, "NOPE", 10);
    let message = fetch_fails_at_once(
        &server,
        BYBIT_KLINE,
        &request,
        &config(&server.uri(), BTC_NOW_MS),
    )
    .await;
    assert_mentions(&message, &["Bybit", "10001"]);
}

fn okx_error(status: u16, code: &str, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"code": code, "msg": msg, "data": []}))
}

#[tokio::test]
async fn okx_server_codes_are_retried_and_parameter_codes_are_not() {
    for (status, code) in [
        (503, "50001"),
        (400, "50004"),
        (200, "50013"),
        (500, "50026"),
    ] {
        let server = MockServer::start().await;
        mount(&server, OKX_CANDLES, OkxCandles(btc_5m())).await;
        fault_first(&server, OKX_CANDLES, 1, okx_error(status, code, "busy")).await;
        let request = btc_fetch_request(Venue::Okx, "BTC-USDT-SWAP", 10);
        // No open interest or liquidations are served here: only the bars are looked at.
        let outcome = run_fetch(&request, &config(&server.uri(), BTC_NOW_MS))
            .await
            .unwrap();
        assert_eq!(outcome.dataset.bars.len(), 10, "{code}");
        assert_eq!(count(&server, OKX_CANDLES).await, 2, "{code}");
    }
    let server = MockServer::start().await;
    mount(
        &server,
        OKX_CANDLES,
        okx_error(200, "51001", "Instrument ID does not exist"),
    )
    .await;
    let request = btc_fetch_request(Venue::Okx, "NOPE-USDT-SWAP", 10);
    let message = fetch_fails_at_once(
        &server,
        OKX_CANDLES,
        &request,
        &config(&server.uri(), BTC_NOW_MS),
    )
    .await;
    assert_mentions(&message, &["OKX", "51001"]);
}

#[tokio::test]
async fn when_the_bars_stop_partway_the_open_interest_of_the_bars_that_arrived_is_fetched() {
    // Bybit pages bars backward, 1000 a page: the latest 1000 of the 1152 HYPE bars arrive,
    // then the older page keeps failing.
    let server = MockServer::start().await;
    mount(&server, BYBIT_KLINE, BybitKline(hype_5m())).await;
    mount(&server, BYBIT_OI, BybitOi(hype_oi())).await;
    let older_page_end = (HYPE_START_MS + 152 * FIVE_MIN_MS - 1).to_string();
    mount_ahead(
        &server,
        Mock::given(path(BYBIT_KLINE)).and(query_param("end", older_page_end.as_str())),
        None,
        ResponseTemplate::new(502).set_body_string("Bad Gateway"),
    )
    .await;
    let request = hype_fetch_request(Venue::Bybit, "HYPEUSDT");
    let outcome = run_fetch(&request, &config(&server.uri(), HYPE_NOW_MS))
        .await
        .unwrap();
    assert!(!outcome.complete);
    let data = &outcome.dataset;
    assert_eq!(data.bars.len(), 1000);
    assert_eq!(data.bars[0].open_time_ms, HYPE_START_MS + 152 * FIVE_MIN_MS);
    // One sample per bar that arrived, at the bar's open time.
    assert_eq!(data.open_interest.len(), 1000);
    assert_eq!(
        open_times(&data.bars),
        data.open_interest
            .iter()
            .map(|o| o.time_ms)
            .collect::<Vec<_>>()
    );
    assert!(count(&server, BYBIT_OI).await > 0);
    assert_eq!(
        outcome.missing_ms,
        vec![(HYPE_START_MS, HYPE_START_MS + 152 * FIVE_MIN_MS)]
    );
}

#[tokio::test]
async fn an_open_interest_hole_is_reported_and_not_cached_as_covered() {
    let server = binance_server(hype_5m(), hype_oi()).await;
    // The second (older) openInterestHist page is refused with -1130.
    let second_page_end = (HYPE_END_MS - 500 * FIVE_MIN_MS - 1).to_string();
    mount_ahead(
        &server,
        Mock::given(path(OI)).and(query_param("endTime", second_page_end.as_str())),
        Some(1),
        binance_error(-1130, "Data sent for parameter 'startTime' is not valid."),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&server.uri(), HYPE_NOW_MS);
    config.cache_dir = Some(dir.path().to_path_buf());
    let request = hype_fetch_request(Venue::Binance, "HYPEUSDT");
    let holed = run_fetch(&request, &config).await.unwrap();
    assert_eq!(holed.dataset.open_interest.len(), 500);
    assert!(!holed.complete, "{:?}", holed.problems);
    assert!(
        holed
            .problems
            .iter()
            .any(|p| p.contains("652 open-interest points missing")),
        "{:?}",
        holed.problems
    );
    assert_eq!(
        holed.missing_ms,
        vec![(HYPE_START_MS, HYPE_END_MS - 500 * FIVE_MIN_MS)]
    );
    // Against a healthy server the next fetch asks for the hole only and completes.
    let requests_before = count(&server, OI).await;
    let again = run_fetch(&request, &config).await.unwrap();
    assert!(again.complete, "{:?}", again.problems);
    assert_eq!(again.dataset.open_interest.len(), 1152);
    // 652 samples at 500 a page: 2 pages, none for what the cache holds.
    assert_eq!(count(&server, OI).await - requests_before, 2);
}

#[tokio::test]
async fn open_interest_answered_with_the_earliest_rows_is_reported_as_partial() {
    let server = MockServer::start().await;
    mount(&server, KLINES, BinanceKlines(hype_5m(), FIVE_MIN_MS)).await;
    mount(&server, OI, BinanceOiEarliest(hype_oi())).await;
    let request = hype_fetch_request(Venue::Binance, "HYPEUSDT");
    let outcome = run_fetch(&request, &config(&server.uri(), HYPE_NOW_MS))
        .await
        .unwrap();
    assert_eq!(outcome.dataset.open_interest.len(), 500);
    assert!(!outcome.complete);
    assert_eq!(
        outcome.missing_ms,
        vec![(HYPE_START_MS + 500 * FIVE_MIN_MS, HYPE_END_MS)]
    );
}

fn reverse_rows(rows: &mut [Value]) {
    rows.reverse();
}

fn swap_every_97th(rows: &mut [Value]) {
    let mut i = 0;
    while i + 1 < rows.len() {
        rows.swap(i, i + 1);
        i += 97;
    }
}

#[tokio::test]
async fn rows_out_of_order_in_a_page_are_all_kept() {
    for reorder in [reverse_rows as fn(&mut [Value]), swap_every_97th] {
        let server = MockServer::start().await;
        mount(
            &server,
            KLINES,
            ReorderedKlines(btc_5m(), FIVE_MIN_MS, reorder),
        )
        .await;
        mount(&server, OI, BinanceOi(Arc::new(Vec::new()))).await;
        let outcome = run_fetch(&btc_week(), &config(&server.uri(), BTC_NOW_MS))
            .await
            .unwrap();
        let bars = assert_covers_exactly(&outcome, BTC_START_MS, FIVE_MIN_MS, 2016);
        // The file's bar 7 (the first asked for) and bar 2022, whatever the order served.
        let file = btc_5m();
        assert_eq!(bars[0].close, file[7].close.parse::<f64>().unwrap());
        assert_eq!(bars[2015].close, file[2022].close.parse::<f64>().unwrap());
        assert_eq!(count(&server, KLINES).await, 2);
    }
}

#[tokio::test]
async fn a_long_retry_after_is_told_while_it_lasts() {
    let server = binance_server(btc_5m(), Arc::new(Vec::new())).await;
    fault_first(
        &server,
        KLINES,
        1,
        ResponseTemplate::new(429).insert_header("Retry-After", "3"),
    )
    .await;
    let seen = Arc::new(Mutex::new(Vec::<FetchProgress>::new()));
    let sink = Arc::clone(&seen);
    let progress = move |p: FetchProgress| sink.lock().unwrap().push(p);
    let config = config(&server.uri(), BTC_NOW_MS);
    let outcome = fetch(
        &btc_fetch_request(Venue::Binance, "BTCUSDT", 10),
        &config,
        &progress,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert!(outcome.complete);
    let seen = seen.lock().unwrap();
    let waits: Vec<_> = seen.iter().filter_map(|p| p.waiting).collect();
    assert!(!waits.is_empty(), "no wait was told: {seen:?}");
    assert_eq!(waits[0].venue, Venue::Binance);
    assert_eq!(waits[0].wait_ms, 3_000);
    assert_eq!(waits[0].until_ms, BTC_NOW_MS + 3_000);
    // Once the wait is over it is no longer told.
    assert_eq!(seen.last().unwrap().waiting, None);
}
