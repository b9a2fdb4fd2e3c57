//! `liqmap fetch --exchange all --coin` end to end against one replay server on 127.0.0.1 that
//! answers each venue's paths in that venue's layout (the replays of tests/source_*.rs): the real
//! HYPEUSDT recording re-encoded per venue, as tests/data/sources/README.md describes. Expected
//! values are read off the recording by hand.

#[path = "source_support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;
use support::*;
use wiremock::{MockServer, ResponseTemplate};

/// 288 bars of 5 minutes: the first day of the HYPEUSDT recording.
const BARS: i64 = 288;

/// Every venue's symbol list names `coin`'s perpetual, except Hyperliquid's, which lists only
/// BTC; Bybit, OKX and Hyperliquid replay the HYPEUSDT bars (Bybit and OKX with its open
/// interest); Binance answers its klines with a 503 and its JSON error body.
async fn four_venues(coin: &str) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "/fapi/v1/exchangeInfo",
        ResponseTemplate::new(200).set_body_json(json!({"symbols": [
            {"symbol": format!("{coin}USDT"), "contractType": "PERPETUAL", "status": "TRADING"}
        ]})),
    )
    .await;
    mount(
        &server,
        "/v5/market/instruments-info",
        bybit_body(
            0,
            "OK",
            json!({"category": "linear", "nextPageCursor": "", "list": [
                {"symbol": format!("{coin}USDT"), "status": "Trading", "contractType": "LinearPerpetual"}
            ]}),
        ),
    )
    .await;
    mount(
        &server,
        "/api/v5/public/instruments",
        okx_body(json!([{"instId": format!("{coin}-USDT-SWAP"), "state": "live"}])),
    )
    .await;
    mount_hyperliquid_info(
        &server,
        "meta",
        ResponseTemplate::new(200).set_body_json(json!({"universe": [{"name": "BTC"}]})),
    )
    .await;
    mount_hype_venues_binance_down(&server, std::time::Duration::ZERO).await;
    server
}

/// Runs `liqmap fetch --exchange all` against `server`, off the runtime serving it.
async fn fetch_all(server: &MockServer, coin: &str, dir: &Path) -> Output {
    let args: Vec<String> = [
        "fetch",
        "--exchange",
        "all",
        "--coin",
        coin,
        "--interval",
        "5m",
        "--from",
        &HYPE_START_MS.to_string(),
        "--to",
        &(HYPE_START_MS + BARS * FIVE_MIN_MS).to_string(),
        "--out-dir",
        dir.to_str().unwrap(),
        "--base-url",
        &server.uri(),
        "--archive-url",
        &server.uri(),
        "--no-cache",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cache = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_liqmap"))
            .args(&args)
            .env("XDG_CACHE_HOME", cache)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn every_venue_is_fetched_a_failing_one_is_named_and_one_without_the_coin_skipped() {
    let server = four_venues("WIF").await;
    let dir = tempfile::tempdir().unwrap();
    let output = fetch_all(&server, "wif", dir.path()).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Binance is missing, so the run is incomplete.
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    assert_mentions(
        &stderr,
        &[
            "Binance USD-M: failed",
            "-1001",
            "Internal error",
            "Hyperliquid: skipped",
            "does not list a WIF perpetual",
            "missing: binance",
        ],
    );
    // Only Binance: Bybit and OKX arrived whole, Hyperliquid does not count as missing.
    assert!(
        stderr.contains("incomplete: missing: binance (fetch again"),
        "{stderr}"
    );
    assert!(!dir.path().join("wif-binance-5m.json").exists());
    assert!(!dir.path().join("wif-hyperliquid-5m.json").exists());
    // Bybit and OKX arrived whole, each with the recording's bars and open interest.
    for (file, symbol) in [
        ("wif-bybit-5m.json", "WIFUSDT"),
        ("wif-okx-5m.json", "WIF-USDT-SWAP"),
    ] {
        let dataset = liqmap::dataset::load(&dir.path().join(file)).unwrap();
        assert_eq!(dataset.symbol, symbol);
        assert_eq!(dataset.bars.len(), BARS as usize);
        assert_eq!(dataset.bars[0].open_time_ms, HYPE_START_MS);
        let first = &hype_5m()[0];
        assert_eq!(dataset.bars[0].close, first.close.parse::<f64>().unwrap());
        assert_eq!(dataset.open_interest.len(), BARS as usize, "{file}");
    }
    // Bybit's open interest is in coins as recorded: 5,759,013.08 HYPE at 2025-10-08 00:00.
    let bybit = liqmap::dataset::load(&dir.path().join("wif-bybit-5m.json")).unwrap();
    assert_eq!(bybit.open_interest[0].open_interest, 5_759_013.08);
    // The view names exactly the two datasets written, in venue order.
    let view = liqmap::dataset::view::load_view(&dir.path().join("wif-5m.view.json")).unwrap();
    let names: Vec<String> = view
        .datasets
        .iter()
        .map(|e| e.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["wif-bybit-5m.json", "wif-okx-5m.json"]);
    // The venues were asked in parallel: Bybit's first kline request arrived before Binance,
    // first in venue order, sent its last retry of the 503 (one venue at a time would have
    // finished Binance first). The server logs requests in the order they arrived.
    let requests = server.received_requests().await.unwrap();
    let order: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    let last_binance = order.iter().rposition(|p| *p == "/fapi/v1/klines").unwrap();
    let first_bybit = order.iter().position(|p| *p == "/v5/market/kline").unwrap();
    assert!(first_bybit < last_binance, "{order:?}");
    assert!(
        order.iter().filter(|p| **p == "/fapi/v1/klines").count() > 1,
        "a 503 is retried"
    );
}

#[test]
fn coin_and_exchange_all_go_together() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_liqmap"))
            .args(args)
            .env("XDG_CACHE_HOME", dir.path())
            .output()
            .unwrap()
    };
    let d = dir.path().to_str().unwrap();
    let coin_on_one = run(&[
        "fetch",
        "--exchange",
        "okx",
        "--coin",
        "BTC",
        "--interval",
        "5m",
        "--days",
        "1",
        "--out-dir",
        d,
    ]);
    assert_eq!(coin_on_one.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&coin_on_one.stderr).contains("--exchange all"));
    let all_without_coin = run(&[
        "fetch",
        "--exchange",
        "all",
        "--symbol",
        "BTCUSDT",
        "--interval",
        "5m",
        "--days",
        "1",
        "--out",
        "x.json",
    ]);
    assert_eq!(all_without_coin.status.code(), Some(2));
}
