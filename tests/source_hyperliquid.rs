//! Hyperliquid against a replay server on 127.0.0.1: candleSnapshot paging, the current open
//! interest from metaAndAssetCtxs, plain-text errors, symbols. The replay re-encodes real Binance
//! candles in Hyperliquid's layout (see tests/data/sources/README.md); expected values by hand.

#[path = "source_support/mod.rs"]
mod support;

use liqmap::source::{self, CancelToken, FetchRequest, Venue, fetch};
use serde_json::json;
use support::*;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server(bars: std::sync::Arc<Vec<RealBar>>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/info"))
        .and(body_partial_json(json!({"type": "candleSnapshot"})))
        .respond_with(HyperliquidCandles(bars, FIVE_MIN_MS))
        .mount(&server)
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
    let start_ms = 1_758_242_100_000;
    let request = FetchRequest {
        venue: Venue::Hyperliquid,
        symbol: "BTCUSDT".into(),
        interval_ms: FIVE_MIN_MS,
        start_ms,
        end_ms: start_ms + 5100 * FIVE_MIN_MS,
    };
    let outcome = fetch(
        &request,
        &config(&server.uri(), 1_760_918_400_000),
        &no_progress,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert!(outcome.complete, "{:?}", outcome.problems);
    let bars = &outcome.dataset.bars;
    assert_eq!(bars.len(), 5100);
    for (i, bar) in bars.iter().enumerate() {
        assert_eq!(
            bar.open_time_ms,
            start_ms + i as i64 * FIVE_MIN_MS,
            "bar {i}"
        );
    }
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
        start_ms + 5000 * FIVE_MIN_MS
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
    Mock::given(method("POST"))
        .and(path("/info"))
        .and(body_partial_json(json!({"type": "metaAndAssetCtxs"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"universe": [
                {"name": "BTC", "szDecimals": 5, "maxLeverage": 40},
                {"name": "HYPE", "szDecimals": 2, "maxLeverage": 10}
            ]},
            [
                {"openInterest": "1.0", "markPx": "1.0", "funding": "0", "dayNtlVlm": "0"},
                {"openInterest": "5033629.57", "markPx": "36.828", "funding": "0.0000125", "dayNtlVlm": "0"}
            ]
        ])))
        .mount(&server)
        .await;
    // The span ends 2025-10-12 00:00; now is a minute before.
    let now_ms = 1_760_227_140_000;
    let request = FetchRequest {
        venue: Venue::Hyperliquid,
        symbol: "HYPE".into(),
        interval_ms: FIVE_MIN_MS,
        start_ms: 1_759_881_600_000,
        end_ms: 1_760_227_200_000,
    };
    let outcome = fetch(
        &request,
        &config(&server.uri(), now_ms),
        &no_progress,
        &CancelToken::new(),
    )
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
    Mock::given(path("/info"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_string("Failed to deserialize the JSON body into the target type"),
        )
        .mount(&server)
        .await;
    let request = FetchRequest {
        venue: Venue::Hyperliquid,
        symbol: "BTC".into(),
        interval_ms: FIVE_MIN_MS,
        start_ms: 1_758_242_100_000,
        end_ms: 1_758_245_100_000,
    };
    let error = fetch(
        &request,
        &config(&server.uri(), 1_760_918_400_000),
        &no_progress,
        &CancelToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let message = error.to_string();
    for part in [
        "Hyperliquid",
        "POST /info",
        "candleSnapshot",
        "HTTP 422",
        "Failed to deserialize",
    ] {
        assert!(message.contains(part), "{part:?} missing from {message}");
    }
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
    Mock::given(method("POST"))
        .and(path("/info"))
        .and(body_partial_json(json!({"type": "metaAndAssetCtxs"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"universe": [{"name": "HYPE", "szDecimals": 2, "maxLeverage": 10}]},
            [{"openInterest": "5033629.57", "markPx": "36.828", "funding": "0", "dayNtlVlm": "0"}]
        ])))
        .mount(&server)
        .await;
    // 2025-10-11 23:57:30.
    let now_ms = 1_760_227_050_000;
    let latest = source::poll_latest(
        Venue::Hyperliquid,
        "HYPEUSDT",
        FIVE_MIN_MS,
        &config(&server.uri(), now_ms),
        &CancelToken::new(),
    )
    .await
    .unwrap();
    let times: Vec<i64> = latest.bars.iter().map(|b| b.open_time_ms).collect();
    assert_eq!(times, vec![1_760_226_600_000, 1_760_226_900_000]);
    assert_eq!(latest.bars[1].open, 36.897);
    let oi = latest.open_interest.unwrap();
    assert_eq!((oi.time_ms, oi.open_interest), (now_ms, 5_033_629.57));
}
