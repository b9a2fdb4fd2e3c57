//! Hyperliquid against a replay server on 127.0.0.1: candleSnapshot paging, the current open
//! interest from metaAndAssetCtxs, plain-text errors, symbols. The replay re-encodes real Binance
//! candles in Hyperliquid's layout (see tests/data/sources/README.md); expected values by hand.

#[path = "source_support/mod.rs"]
mod support;

use liqmap::source::{self, Venue};
use serde_json::json;
use support::*;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

/// 2025-10-20 00:00 UTC: after the end of both replayed files.
const NOW_MS: i64 = 1_760_918_400_000;

/// Answers the POST /info requests of `kind` (`candleSnapshot`, `metaAndAssetCtxs`, …) with
/// `responder`.
async fn mount_info(server: &MockServer, kind: &str, responder: impl Respond + 'static) {
    Mock::given(method("POST"))
        .and(path("/info"))
        .and(body_partial_json(json!({"type": kind})))
        .respond_with(responder)
        .mount(server)
        .await;
}

async fn server(bars: std::sync::Arc<Vec<RealBar>>) -> MockServer {
    let server = MockServer::start().await;
    mount_info(
        &server,
        "candleSnapshot",
        HyperliquidCandles(bars, FIVE_MIN_MS),
    )
    .await;
    server
}

async fn candle_requests(server: &MockServer) -> Vec<serde_json::Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap())
        .filter(|b| b["type"] == "candleSnapshot")
        .collect()
}

#[tokio::test]
async fn candles_page_forward_and_cover_the_span_exactly() {
    let server = server(btc_5m()).await;
    // Bars 7 .. 5107 of the file: pages of 5000 and 100.
    let request = btc_fetch_request(Venue::Hyperliquid, "BTCUSDT", 5100);
    let outcome = run_fetch(&request, &config(&server.uri(), NOW_MS))
        .await
        .unwrap();
    let bars = assert_covers_exactly(&outcome, BTC_START_MS, FIVE_MIN_MS, 5100);
    // Row 5106: [1759771800000, 125590.2, 125660.1, 125258.2, 125283.3, 672.622].
    assert_eq!(
        (
            bars[5099].open,
            bars[5099].high,
            bars[5099].low,
            bars[5099].close
        ),
        (125590.2, 125660.1, 125258.2, 125283.3)
    );
    let requests = candle_requests(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["req"]["coin"], "BTC");
    assert_eq!(requests[0]["req"]["interval"], "5m");
    assert_eq!(
        requests[1]["req"]["startTime"],
        BTC_START_MS + 5000 * FIVE_MIN_MS
    );
    assert!(outcome.dataset.open_interest.is_empty());
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.contains("no open-interest history"))
    );
}

#[tokio::test]
async fn the_current_open_interest_is_sampled_when_the_span_reaches_now() {
    let server = server(hype_5m()).await;
    mount_info(
        &server,
        "metaAndAssetCtxs",
        ResponseTemplate::new(200).set_body_json(json!([
            {"universe": [
                {"name": "BTC", "szDecimals": 5, "maxLeverage": 40},
                {"name": "HYPE", "szDecimals": 2, "maxLeverage": 10}
            ]},
            [
                {"openInterest": "1.0", "markPx": "1.0", "funding": "0", "dayNtlVlm": "0"},
                {"openInterest": "5033629.57", "markPx": "36.828", "funding": "0.0000125", "dayNtlVlm": "0"}
            ]
        ])),
    )
    .await;
    // The span ends 2025-10-12 00:00; now is a minute before.
    let now_ms = 1_760_227_140_000;
    let request = hype_fetch_request(Venue::Hyperliquid, "HYPE");
    let outcome = run_fetch(&request, &config(&server.uri(), now_ms))
        .await
        .unwrap();
    assert!(outcome.complete, "{:?}", outcome.problems);
    assert_eq!(outcome.dataset.bars.len(), 1152);
    let oi = &outcome.dataset.open_interest;
    assert_eq!(oi.len(), 1);
    assert_eq!(oi[0].time_ms, now_ms);
    assert_eq!(oi[0].open_interest, 5_033_629.57);
    assert_eq!(oi[0].value_usd, Some(5_033_629.57 * 36.828));
}

#[tokio::test]
async fn a_plain_text_error_names_venue_status_and_body() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/info",
        ResponseTemplate::new(422)
            .set_body_string("Failed to deserialize the JSON body into the target type"),
    )
    .await;
    let request = btc_fetch_request(Venue::Hyperliquid, "BTC", 10);
    let error = run_fetch(&request, &config(&server.uri(), NOW_MS))
        .await
        .unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let message = error.to_string();
    assert_mentions(
        &message,
        &[
            "Hyperliquid",
            "POST /info",
            "candleSnapshot",
            "HTTP 422",
            "Failed to deserialize",
        ],
    );
}

#[tokio::test]
async fn symbols_lists_listed_coins() {
    let server = MockServer::start().await;
    Mock::given(path("/info"))
        .and(body_partial_json(json!({"type": "meta"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"universe": [
                {"name": "HYPE", "szDecimals": 2, "maxLeverage": 10},
                {"name": "BTC", "szDecimals": 5, "maxLeverage": 40},
                {"name": "OLD", "szDecimals": 0, "maxLeverage": 3, "isDelisted": true}
            ]})),
        )
        .mount(&server)
        .await;
    let list = source::symbols(Venue::Hyperliquid, &config(&server.uri(), 0))
        .await
        .unwrap();
    assert_eq!(list, vec!["BTC".to_string(), "HYPE".to_string()]);
}

#[tokio::test]
async fn poll_latest_reads_the_last_candles_and_current_open_interest() {
    let server = server(hype_5m()).await;
    mount_info(
        &server,
        "metaAndAssetCtxs",
        ResponseTemplate::new(200).set_body_json(json!([
            {"universe": [{"name": "HYPE", "szDecimals": 2, "maxLeverage": 10}]},
            [{"openInterest": "5033629.57", "markPx": "36.828", "funding": "0", "dayNtlVlm": "0"}]
        ])),
    )
    .await;
    // 2025-10-11 23:57:30.
    let now_ms = 1_760_227_050_000;
    let latest = poll_latest_5m(Venue::Hyperliquid, "HYPEUSDT", &server.uri(), now_ms)
        .await
        .unwrap();
    assert_eq!(
        open_times(&latest.bars),
        vec![1_760_226_600_000, 1_760_226_900_000]
    );
    assert_eq!(latest.bars[1].open, 36.897);
    let oi = latest.open_interest.unwrap();
    assert_eq!((oi.time_ms, oi.open_interest), (now_ms, 5_033_629.57));
}
