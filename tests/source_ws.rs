//! Liquidation streams against a websocket server on 127.0.0.1 that replays the real
//! forceOrder rows of tests/data/sources as Binance `forceOrder` and Bybit `allLiquidation`
//! frames, with a malformed frame and a connection dropped without a closing handshake.
#![allow(clippy::result_large_err)] // the handshake callback type is tungstenite's

#[path = "source_support/mod.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use liqmap::model::{Liquidation, Side};
use liqmap::source::{CancelToken, LiveEvent, SourceConfig, Venue, stream_liquidations};
use serde_json::{Value, json};
use support::*;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// What the server sends on one connection: text frames, then whether to drop the connection.
struct Script {
    frames: Vec<String>,
    drop_after: bool,
}

/// A websocket server that plays one script per connection, recording request paths and the
/// first message each client sends.
async fn ws_server(
    scripts: Vec<Script>,
) -> (String, Arc<Mutex<Vec<String>>>, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let paths = Arc::new(Mutex::new(Vec::new()));
    let firsts = Arc::new(Mutex::new(Vec::new()));
    let (paths_seen, firsts_seen) = (paths.clone(), firsts.clone());
    tokio::spawn(async move {
        for script in scripts {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let paths_seen = paths_seen.clone();
            let record = move |request: &Request, response: Response| {
                paths_seen
                    .lock()
                    .unwrap()
                    .push(request.uri().path().to_string());
                Ok(response)
            };
            let mut ws = tokio_tungstenite::accept_hdr_async(tcp, record)
                .await
                .unwrap();
            if script
                .frames
                .first()
                .is_some_and(|f| f.contains("\"op\":\"subscribe\""))
            {
                // Bybit: wait for the client's subscription before answering it.
                if let Some(Ok(Message::Text(text))) = ws.next().await {
                    firsts_seen.lock().unwrap().push(text.to_string());
                }
            }
            for frame in script.frames {
                ws.send(Message::text(frame)).await.unwrap();
            }
            if script.drop_after {
                // Gone without a closing handshake, like a broken connection.
                drop(ws);
            } else {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    drop(ws);
                });
            }
        }
    });
    (url, paths, firsts)
}

fn ws_config(url: &str) -> SourceConfig {
    let mut config = config("http://127.0.0.1:9", 0);
    config.ws_url = Some(url.to_string());
    config.backoff_base_ms = 20;
    config
}

/// Runs the stream until `want` liquidations arrived (or `wait` passed), then cancels it.
async fn collect(
    venue: Venue,
    symbol: &str,
    config: SourceConfig,
    want: usize,
    wait: Duration,
) -> (Vec<Liquidation>, liqmap::source::StreamStatus) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cancel = CancelToken::new();
    let stop = cancel.clone();
    let symbol = symbol.to_string();
    let task =
        tokio::spawn(async move { stream_liquidations(venue, &symbol, &config, tx, &stop).await });
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while got.len() < want {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(LiveEvent::Liquidation(l))) => got.push(l),
            Ok(Some(LiveEvent::Status(_))) => {}
            Ok(None) | Err(_) => break,
        }
    }
    cancel.cancel();
    let status = tokio::time::timeout(Duration::from_secs(1), task)
        .await
        .expect("the stream stops promptly on cancel")
        .unwrap()
        .unwrap();
    (got, status)
}

fn expected(symbol: &str) -> Vec<Liquidation> {
    liquidations_of(symbol)
        .iter()
        .map(|l| Liquidation {
            time_ms: l.time_ms,
            side: l.liquidated_side(),
            price: l.avg_price.parse().unwrap(),
            quantity: l.filled_qty.parse().unwrap(),
        })
        .collect()
}

fn force_order(l: &RealLiquidation) -> String {
    // `p` (the order's limit price) is not in the recording: the average price stands in.
    json!({
        "e": "forceOrder", "E": l.time_ms + 3,
        "o": {
            "s": l.symbol, "S": l.side, "o": "LIMIT", "f": "IOC", "q": l.filled_qty,
            "p": l.avg_price, "ap": l.avg_price, "X": "FILLED", "l": l.filled_qty,
            "z": l.filled_qty, "T": l.time_ms
        }
    })
    .to_string()
}

#[tokio::test]
async fn binance_force_orders_survive_a_malformed_frame_and_a_dropped_connection() {
    let rows = liquidations_of("ETHUSDT");
    assert_eq!(rows.len(), 18);
    let mut first: Vec<String> = rows[..7].iter().map(force_order).collect();
    first.push(r#"{"e":"forceOrder","E":1761125","o":{"s":"ETH"#.to_string());
    let second: Vec<String> = rows[7..].iter().map(force_order).collect();
    let (url, paths, _) = ws_server(vec![
        Script {
            frames: first,
            drop_after: true,
        },
        Script {
            frames: second,
            drop_after: false,
        },
    ])
    .await;
    let (got, status) = collect(
        Venue::Binance,
        "ETHUSDT",
        ws_config(&url),
        18,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(got, expected("ETHUSDT"));
    // 2025-10-22T09:38:11.258,ETHUSDT,SELL,3846.52,0.063: a long liquidated.
    assert_eq!(got[0].time_ms, 1_761_125_891_258);
    assert_eq!(
        (got[0].side, got[0].price, got[0].quantity),
        (Side::Long, 3846.52, 0.063)
    );
    // 2025-10-22T09:39:01.200,ETHUSDT,BUY,3844.2,0.05: a short liquidated.
    assert_eq!(
        (got[5].side, got[5].price, got[5].quantity),
        (Side::Short, 3844.2, 0.05)
    );
    assert_eq!(status.malformed_frames, 1);
    assert!(status.reconnects >= 1);
    assert_eq!(
        *paths.lock().unwrap(),
        vec!["/ethusdt@forceOrder", "/ethusdt@forceOrder"]
    );
}

fn all_liquidation(rows: &[RealLiquidation]) -> String {
    let data: Vec<Value> = rows
        .iter()
        .map(|l| {
            // Bybit's side is that of the liquidated position: a Binance SELL (a long closed)
            // is "Buy" there.
            let side = if l.side == "SELL" { "Buy" } else { "Sell" };
            json!({"T": l.time_ms, "s": l.symbol, "S": side, "v": l.filled_qty, "p": l.avg_price})
        })
        .collect();
    json!({"topic": "allLiquidation.BTCUSDT", "type": "snapshot", "ts": rows[0].time_ms + 400, "data": data})
        .to_string()
}

#[tokio::test]
async fn bybit_all_liquidation_subscribes_skips_bad_frames_and_reconnects() {
    let rows = liquidations_of("BTCUSDT");
    assert_eq!(rows.len(), 5);
    let ack =
        r#"{"success":true,"ret_msg":"subscribe","conn_id":"c1","op":"subscribe"}"#.to_string();
    let (url, _, firsts) = ws_server(vec![
        Script {
            frames: vec![
                ack.clone(),
                all_liquidation(&rows[..2]),
                r#"{"topic":"allLiquidation.BTCUSDT","type":"snapshot","data":[{"T":"x"}]}"#
                    .to_string(),
            ],
            drop_after: true,
        },
        Script {
            frames: vec![ack, all_liquidation(&rows[2..])],
            drop_after: false,
        },
    ])
    .await;
    let (got, status) = collect(
        Venue::Bybit,
        "BTCUSDT",
        ws_config(&url),
        5,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(got, expected("BTCUSDT"));
    // 2025-10-22T09:40:21.490,BTCUSDT,SELL,107952.8,0.008
    assert_eq!(
        (got[0].time_ms, got[0].price, got[0].quantity),
        (1_761_126_021_490, 107952.8, 0.008)
    );
    assert!(got.iter().all(|l| l.side == Side::Long));
    assert_eq!(status.malformed_frames, 1);
    assert!(status.reconnects >= 1);
    let subscribe: Value = serde_json::from_str(&firsts.lock().unwrap()[0]).unwrap();
    assert_eq!(
        subscribe,
        json!({"op": "subscribe", "args": ["allLiquidation.BTCUSDT"]})
    );
    assert_eq!(
        firsts.lock().unwrap().len(),
        2,
        "subscribed again after reconnecting"
    );
}

#[tokio::test]
async fn a_stream_keeps_retrying_a_refused_connection_until_cancelled() {
    // Bind and drop: nothing listens on this port any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_, status) = collect(
        Venue::Binance,
        "BTCUSDT",
        ws_config(&format!("ws://127.0.0.1:{port}")),
        1,
        Duration::from_millis(500),
    )
    .await;
    assert!(!status.connected);
    // Half a second of tries with waits of 10–100 ms: several, and bounded by the cancel.
    assert!(status.reconnects >= 3, "{status:?}");
    assert!(status.message.contains("could not connect"), "{status:?}");
}

#[tokio::test]
async fn venues_without_a_stream_say_so() {
    let (tx, _rx) = tokio::sync::mpsc::channel(1);
    let error = stream_liquidations(
        Venue::Hyperliquid,
        "BTC",
        &ws_config("ws://127.0.0.1:9"),
        tx,
        &CancelToken::new(),
    )
    .await
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Hyperliquid has no public liquidation stream"),
        "{error}"
    );
}
