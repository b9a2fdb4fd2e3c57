//! Bybit v5 against a replay server on 127.0.0.1: kline paging newest first, open interest by
//! cursor, retCode errors. The replay re-encodes real Binance candles and open interest in
//! Bybit's layout (see tests/data/sources/README.md); expected values are read by hand.

#[path = "source_support/mod.rs"]
mod support;

use std::sync::Arc;

use liqmap::source::Venue;
use serde_json::json;
use support::*;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KLINE: &str = "/v5/market/kline";
const OI: &str = "/v5/market/open-interest";

/// A server replaying `bars` as klines and `oi` as open interest.
async fn server(bars: Arc<Vec<RealBar>>, oi: Arc<Vec<RealOi>>) -> MockServer {
    let server = MockServer::start().await;
    mount(&server, KLINE, BybitKline(bars)).await;
    mount(&server, OI, BybitOi(oi)).await;
    server
}

#[tokio::test]
async fn klines_page_backward_and_cover_the_span_exactly() {
    let server = server(btc_5m(), Arc::new(Vec::new())).await;
    // Bars 7 .. 3107 of the file: pages of 1000, 1000, 1000 and 100, newest first.
    let request = btc_fetch_request(Venue::Bybit, "BTCUSDT", 3100);
    let outcome = run_fetch(&request, &config(&server.uri(), BTC_NOW_MS))
        .await
        .unwrap();
    let bars = assert_covers_exactly(&outcome, BTC_START_MS, FIVE_MIN_MS, 3100);
    // Row 7: [1758242100000, 117223.8, 117316.0, 117223.8, 117288.1, 198.154].
    assert_eq!(
        (bars[0].open, bars[0].close, bars[0].volume),
        (117223.8, 117288.1, 198.154)
    );
    // Row 3106: [1759171800000, 113995.8, 113999.9, 113964.4, 113994.9, 120.248].
    assert_eq!((bars[3099].open, bars[3099].low), (113995.8, 113964.4));
    assert_eq!(count(&server, KLINE).await, 4);
    assert_eq!(outcome.dataset.exchange, "bybit-linear");
}

#[tokio::test]
async fn open_interest_pages_backward_by_end_time() {
    let server = server(hype_5m(), hype_oi()).await;
    let request = hype_fetch_request(Venue::Bybit, "HYPEUSDT");
    let outcome = run_fetch(&request, &config(&server.uri(), HYPE_NOW_MS))
        .await
        .unwrap();
    assert!(outcome.complete, "{:?}", outcome.problems);
    let oi = &outcome.dataset.open_interest;
    assert_eq!(oi.len(), 1152);
    // 1152 rows at 200 a page.
    assert_eq!(count(&server, OI).await, 6);
    assert_eq!(oi[0].time_ms, 1_759_881_600_000);
    assert_eq!(oi[0].open_interest, 5_759_013.08);
    assert_eq!(oi[1151].open_interest, 5_033_629.57);
    assert!(
        oi.windows(2)
            .all(|w| w[1].time_ms - w[0].time_ms == FIVE_MIN_MS)
    );
    // 1152 bars at 1000 a page.
    assert_eq!(outcome.dataset.bars.len(), 1152);
    assert_eq!(count(&server, KLINE).await, 2);
}

#[tokio::test]
async fn a_ret_code_ends_the_fetch_naming_venue_code_and_message() {
    let server = MockServer::start().await;
    mount(
        &server,
        KLINE,
        bybit_body(10001, "Illegal category", json!({})),
    )
    .await;
    let request = btc_fetch_request(Venue::Bybit, "BTCUSDT", 10);
    let message =
        fetch_fails_at_once(&server, KLINE, &request, &config(&server.uri(), BTC_NOW_MS)).await;
    assert_mentions(
        &message,
        &[
            "Bybit",
            "GET /v5/market/kline",
            "symbol=BTCUSDT",
            "10001",
            "Illegal category",
        ],
    );
}

#[tokio::test]
async fn a_rate_limit_ret_code_is_retried() {
    let server = server(btc_5m(), Arc::new(Vec::new())).await;
    fault_first(
        &server,
        KLINE,
        1,
        bybit_body(10006, "Too many visits!", json!({})),
    )
    .await;
    let request = btc_fetch_request(Venue::Bybit, "BTCUSDT", 10);
    let outcome = run_fetch(&request, &config(&server.uri(), BTC_NOW_MS))
        .await
        .unwrap();
    assert_recovered(&outcome, 10, &server, KLINE, 2).await;
}

#[tokio::test]
async fn an_empty_page_leaves_the_older_bars_missing_and_says_so() {
    let server = server(btc_5m(), Arc::new(Vec::new())).await;
    // The second page ends just below bar 507 (the oldest of the first page).
    mount_ahead(
        &server,
        Mock::given(path(KLINE)).and(query_param(
            "end",
            (BTC_START_MS + 500 * FIVE_MIN_MS - 1).to_string(),
        )),
        None,
        bybit_body(
            0,
            "OK",
            json!({"category": "linear", "symbol": "BTCUSDT", "list": []}),
        ),
    )
    .await;
    let request = btc_fetch_request(Venue::Bybit, "BTCUSDT", 1500);
    let outcome = run_fetch(&request, &config(&server.uri(), BTC_NOW_MS))
        .await
        .unwrap();
    assert!(!outcome.complete);
    assert_eq!(outcome.dataset.bars.len(), 1000);
    assert_eq!(
        outcome.dataset.bars[0].open_time_ms,
        BTC_START_MS + 500 * FIVE_MIN_MS
    );
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.contains("500 missing at the start")),
        "{:?}",
        outcome.problems
    );
}

#[tokio::test]
async fn poll_latest_reads_the_last_bars_and_open_interest() {
    let server = server(hype_5m(), hype_oi()).await;
    // 2025-10-11 23:57:30: the 23:55 bar is open, the 23:50 bar closed.
    let latest = poll_latest_5m(Venue::Bybit, "HYPEUSDT", &server.uri(), 1_760_227_050_000)
        .await
        .unwrap();
    assert_eq!(
        open_times(&latest.bars),
        vec![1_760_226_600_000, 1_760_226_900_000]
    );
    // 1760226900000,36.89700,36.90100,36.76600,36.82800,32440.21
    assert_eq!(latest.bars[1].close, 36.828);
    // The newest open-interest row: 2025-10-11 23:55:00, 5033629.57.
    let oi = latest.open_interest.unwrap();
    assert_eq!(
        (oi.time_ms, oi.open_interest),
        (1_760_226_900_000, 5_033_629.57)
    );
}

#[tokio::test]
async fn a_403_is_bybits_rate_limit_ban_and_ends_the_fetch() {
    let server = server(btc_5m(), Arc::new(Vec::new())).await;
    mount_ahead(
        &server,
        Mock::given(path(KLINE)),
        None,
        ResponseTemplate::new(403).set_body_string("access too frequent"),
    )
    .await;
    let request = btc_fetch_request(Venue::Bybit, "BTCUSDT", 10);
    let message =
        fetch_fails_at_once(&server, KLINE, &request, &config(&server.uri(), BTC_NOW_MS)).await;
    assert_mentions(&message, &["Bybit", "HTTP 403", "rate limited"]);
}
