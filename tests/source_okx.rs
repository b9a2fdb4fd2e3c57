//! OKX against a replay server on 127.0.0.1: history-candles paging with `after`, rubik open
//! interest in USD, liquidation orders in contracts, error codes. The replay re-encodes real
//! Binance data in OKX's layout (see tests/data/sources/README.md); expected values by hand.

#[path = "source_support/mod.rs"]
mod support;

use std::sync::Arc;

use liqmap::model::Side;
use liqmap::source::{CancelToken, Venue};
use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CANDLES: &str = "/api/v5/market/history-candles";
const RUBIK: &str = "/api/v5/rubik/stat/contracts/open-interest-volume";
const LIQUIDATIONS: &str = "/api/v5/public/liquidation-orders";
const INSTRUMENTS: &str = "/api/v5/public/instruments";

/// A server replaying `bars` as history candles and answering `oi_rows` as rubik open interest.
async fn server(bars: Arc<Vec<RealBar>>, oi_rows: Value) -> MockServer {
    let server = MockServer::start().await;
    mount(&server, CANDLES, OkxCandles(bars)).await;
    mount(&server, RUBIK, okx_body(oi_rows)).await;
    server
}

/// The filled size of `l` in contracts of 0.01 BTC, as OKX writes it (lot size 0.01 contract).
fn contracts(l: &RealLiquidation) -> String {
    let contracts = l.filled_qty.parse::<f64>().unwrap() / 0.01;
    format!("{contracts:.2}")
}

/// OKX's order side of the liquidation order of `l`: "sell" where a long was closed.
fn order_side(l: &RealLiquidation) -> &'static str {
    if l.side == "SELL" { "sell" } else { "buy" }
}

#[tokio::test]
async fn candles_page_backward_and_cover_the_span_exactly() {
    let server = server(btc_5m(), json!([])).await;
    let request = btc_fetch_request(Venue::Okx, "BTC-USDT-SWAP", 3100);
    let outcome = run_fetch(&request, &config(&server.uri(), BTC_NOW_MS))
        .await
        .unwrap();
    let bars = assert_covers_exactly(&outcome, BTC_START_MS, FIVE_MIN_MS, 3100);
    // Row 7: volume 198.154 BTC (volCcy; vol is 19815 contracts of 0.01 BTC).
    assert_eq!((bars[0].open, bars[0].volume), (117223.8, 198.154));
    assert_eq!(bars[3099].close, 113994.9);
    // 3100 bars at 100 a page.
    assert_eq!(count(&server, CANDLES).await, 31);
    assert_eq!(outcome.dataset.symbol, "BTC-USDT-SWAP");
}

#[tokio::test]
async fn open_interest_in_usd_becomes_coins_at_the_bar_close() {
    // rubik rows [ts, oi (USD), vol (USD)], newest first, from the HYPEUSDT metrics values.
    let rows: Vec<Value> = hype_oi()
        .iter()
        .rev()
        .map(|o| json!([o.time_ms.to_string(), o.sum_open_interest_value, "0"]))
        .collect();
    let server = server(hype_5m(), Value::Array(rows)).await;
    let request = hype_fetch_request(Venue::Okx, "HYPEUSDT");
    let outcome = run_fetch(&request, &config(&server.uri(), HYPE_NOW_MS))
        .await
        .unwrap();
    assert!(outcome.complete, "{:?}", outcome.problems);
    assert_eq!(outcome.dataset.symbol, "HYPE-USDT-SWAP");
    let oi = &outcome.dataset.open_interest;
    assert_eq!(oi.len(), 1152);
    assert_eq!(count(&server, RUBIK).await, 1);
    // 260537751.7392 USD at the close of the 2025-10-08 00:00 bar, 45.233.
    assert_eq!(oi[0].value_usd, Some(260537751.7392));
    assert!((oi[0].open_interest - 260537751.7392 / 45.233).abs() < 1e-6);
    // Liquidation orders reach back one day only: this span is older.
    assert_eq!(count(&server, LIQUIDATIONS).await, 0);
    assert!(outcome.problems.iter().any(|p| p.contains("last day")));
}

#[tokio::test]
async fn liquidation_orders_are_turned_from_contracts_into_coins() {
    let server = server(btc_5m_oct22(), json!([])).await;
    mount(
        &server,
        INSTRUMENTS,
        okx_body(json!([
            {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "ctVal": "0.01", "ctValCcy": "BTC", "state": "live"}
        ])),
    )
    .await;
    // The five BTCUSDT rows of the forceOrder CSV, newest first, sizes in contracts of 0.01 BTC.
    let details: Vec<Value> = liquidations_of("BTCUSDT")
        .iter()
        .rev()
        .map(|l| {
            json!({
                "side": order_side(l),
                "posSide": if l.side == "SELL" { "long" } else { "short" },
                "bkPx": l.avg_price, "sz": contracts(l), "ts": l.time_ms.to_string(),
                "bkLoss": "0", "ccy": ""
            })
        })
        .collect();
    Mock::given(path(LIQUIDATIONS))
        .and(query_param("instFamily", "BTC-USDT"))
        .respond_with(okx_body(json!([
            {"instId": "BTC-USDT-SWAP", "instFamily": "BTC-USDT", "instType": "SWAP", "uly": "BTC-USDT", "details": details}
        ])))
        .mount(&server)
        .await;
    // 2025-10-22 09:00 to 10:00 UTC.
    let request = fetch_request(
        Venue::Okx,
        "BTC-USDT-SWAP",
        1_761_123_600_000,
        1_761_127_200_000,
    );
    let outcome = run_fetch(&request, &config(&server.uri(), 1_761_127_230_000))
        .await
        .unwrap();
    assert!(outcome.complete, "{:?}", outcome.problems);
    assert_eq!(outcome.dataset.bars.len(), 12);
    let liq = &outcome.dataset.liquidations;
    assert_eq!(liq.len(), 5);
    // 2025-10-22T09:40:21.490,BTCUSDT,SELL,107952.8,0.008
    assert_eq!(liq[0].time_ms, 1_761_126_021_490);
    assert_eq!(liq[0].price, 107952.8);
    assert!((liq[0].quantity - 0.008).abs() < 1e-12);
    assert!(liq.iter().all(|l| l.side == Side::Long));
    // 2025-10-22T09:42:55.131,BTCUSDT,SELL,107837.9,0.003
    assert_eq!(liq[4].price, 107837.9);
    assert!((liq[4].quantity - 0.003).abs() < 1e-12);
}

#[tokio::test]
async fn an_error_code_ends_the_fetch_naming_venue_code_and_message() {
    let server = MockServer::start().await;
    mount(
        &server,
        CANDLES,
        ResponseTemplate::new(200).set_body_json(
            json!({"code": "51001", "msg": "Instrument ID does not exist", "data": []}),
        ),
    )
    .await;
    let request = btc_fetch_request(Venue::Okx, "NOPE-USDT-SWAP", 10);
    let message = fetch_fails_at_once(
        &server,
        CANDLES,
        &request,
        &config(&server.uri(), BTC_NOW_MS),
    )
    .await;
    assert_mentions(
        &message,
        &[
            "OKX",
            "history-candles",
            "instId=NOPE-USDT-SWAP",
            "51001",
            "Instrument ID does not exist",
        ],
    );
}

#[tokio::test]
async fn a_rate_limit_code_is_retried() {
    let server = server(btc_5m(), json!([])).await;
    fault_first(
        &server,
        CANDLES,
        1,
        ResponseTemplate::new(429)
            .set_body_json(json!({"code": "50011", "msg": "Too Many Requests", "data": []})),
    )
    .await;
    let request = btc_fetch_request(Venue::Okx, "BTC-USDT-SWAP", 50);
    let outcome = run_fetch(&request, &config(&server.uri(), BTC_NOW_MS))
        .await
        .unwrap();
    assert_recovered(&outcome, 50, &server, CANDLES, 2).await;
}

#[tokio::test]
async fn poll_latest_reads_the_last_candles_and_open_interest_in_coins() {
    let server = MockServer::start().await;
    // /market/candles answers newest first, like history-candles: with `limit` 2 and no
    // `after`, the replay answers the last two bars of the file.
    Mock::given(path("/api/v5/market/candles"))
        .and(query_param("instId", "BTC-USDT-SWAP"))
        .and(query_param("limit", "2"))
        .respond_with(OkxCandles(btc_5m_oct22()))
        .mount(&server)
        .await;
    mount(
        &server,
        "/api/v5/public/open-interest",
        okx_body(json!([
            {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "oi": "2500000", "oiCcy": "25000", "oiUsd": "2697000000", "ts": "1761127170000"}
        ])),
    )
    .await;
    let latest = poll_latest_5m(Venue::Okx, "BTCUSDT", &server.uri(), 1_761_127_180_000)
        .await
        .unwrap();
    // The 09:50 and 09:55 bars of 2025-10-22, oldest first.
    assert_eq!(
        open_times(&latest.bars),
        vec![1_761_126_600_000, 1_761_126_900_000]
    );
    // [1761126900000,107971.4,108030.2,107891.1,107907.9,253.883]
    assert_eq!(
        (latest.bars[1].close, latest.bars[1].volume),
        (107907.9, 253.883)
    );
    assert_eq!(latest.open_interest.unwrap().open_interest, 25000.0);
}

/// OKX's liquidation orders as live mode polls them: HTTP 500 to the first `failing` calls,
/// then at each call one more of the real BTCUSDT rows is "published" with the time of that
/// call, and the answer lists all published ones, newest first, behind one order older than
/// live mode's start.
struct PublishingOrders {
    failing: usize,
    calls: std::sync::Mutex<(usize, Vec<Value>)>,
}

impl wiremock::Respond for PublishingOrders {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let Ok(mut state) = self.calls.lock() else {
            return ResponseTemplate::new(500);
        };
        state.0 += 1;
        if state.0 <= self.failing {
            return ResponseTemplate::new(500);
        }
        let now_ms = chrono::Utc::now().timestamp_millis();
        let rows = liquidations_of("BTCUSDT");
        if let Some(row) = rows.get(state.1.len()) {
            state.1.push(json!({
                "side": order_side(row),
                "bkPx": row.avg_price, "sz": contracts(row),
                "ts": (now_ms - 1).to_string()
            }));
        }
        let mut details: Vec<Value> = state.1.iter().rev().cloned().collect();
        details.push(json!({"side": "sell", "bkPx": "100000", "sz": "1", "ts": "1761126021490"}));
        okx_body(json!([{"instId": "BTC-USDT-SWAP", "instFamily": "BTC-USDT", "details": details}]))
    }
}

#[tokio::test]
async fn live_liquidations_are_polled_once_each_and_a_failed_poll_reports_and_recovers() {
    use liqmap::source::{LiveEvent, stream_liquidations};
    let server = MockServer::start().await;
    mount(
        &server,
        INSTRUMENTS,
        okx_body(json!([
            {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "ctVal": "0.01", "state": "live"}
        ])),
    )
    .await;
    let mut config = config(&server.uri(), 0);
    // Live mode runs on the real clock: orders are published with the time of the poll.
    config.now_ms = None;
    // One failed poll: every try of its request answers 500.
    let failing = config.max_tries as usize;
    mount(
        &server,
        LIQUIDATIONS,
        PublishingOrders {
            failing,
            calls: std::sync::Mutex::new((0, Vec::new())),
        },
    )
    .await;

    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cancel = CancelToken::new();
    let stop = cancel.clone();
    let task = tokio::spawn(async move {
        stream_liquidations(Venue::Okx, "BTC-USDT-SWAP", &config, tx, &stop).await
    });
    let mut events = Vec::new();
    let mut liquidations_seen = 0;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    // All five rows, then enough further polls (20 ms apart) to catch any repeat.
    let mut extra_polls_until = None;
    loop {
        let until = extra_polls_until.unwrap_or(deadline);
        match tokio::time::timeout_at(until, rx.recv()).await {
            Ok(Some(event)) => {
                if matches!(event, LiveEvent::Liquidation(_)) {
                    liquidations_seen += 1;
                    if liquidations_seen == 5 {
                        extra_polls_until = Some(
                            tokio::time::Instant::now() + std::time::Duration::from_millis(300),
                        );
                    }
                }
                events.push(event);
            }
            Ok(None) | Err(_) => break,
        }
    }
    cancel.cancel();
    let status = task.await.unwrap().unwrap();

    // First the failed poll, reported as a lost connection, then the recovery.
    let statuses: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Status(s) => Some(s.clone()),
            LiveEvent::Liquidation(_) => None,
        })
        .collect();
    assert!(
        !statuses[0].connected && statuses[0].reconnects == 1,
        "{statuses:?}"
    );
    assert!(
        statuses[0].message.contains("OKX"),
        "{}",
        statuses[0].message
    );
    assert!(statuses[1].connected, "{statuses:?}");
    assert_eq!(status.reconnects, 1);
    // Each real row once, in the order published, in coins; the old order never.
    let got: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Liquidation(l) => Some(*l),
            LiveEvent::Status(_) => None,
        })
        .collect();
    let rows = liquidations_of("BTCUSDT");
    assert_eq!(got.len(), rows.len());
    for (liquidation, row) in got.iter().zip(&rows) {
        assert_eq!(liquidation.price, row.avg_price.parse::<f64>().unwrap());
        let quantity: f64 = row.filled_qty.parse().unwrap();
        assert!((liquidation.quantity - quantity).abs() < 1e-9);
        assert_eq!(liquidation.side, row.liquidated_side());
    }
    assert!(got.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
}
