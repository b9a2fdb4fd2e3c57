//! Live liquidations over a websocket (Binance `<symbol>@forceOrder`, Bybit
//! `allLiquidation.<symbol>`), reconnecting with backoff and skipping frames it cannot read;
//! OKX's are polled (`polled_liquidations`).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::error::{Cause, SourceError};
use super::venue::{millis, number};
use super::{CancelToken, SourceConfig, Venue};
use crate::model::{Liquidation, Side};

/// The state of a liquidation stream, for a status line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamStatus {
    /// Whether the websocket is connected now.
    pub connected: bool,
    /// Connections lost (or refused) so far.
    pub reconnects: u32,
    /// Frames that could not be read and were skipped.
    pub malformed_frames: u64,
    /// What happened last, for people.
    pub message: String,
}

/// What a liquidation stream delivers.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveEvent {
    /// A liquidation of the symbol.
    Liquidation(Liquidation),
    /// The connection changed (connected, lost, retrying) or a frame was skipped.
    Status(StreamStatus),
}

/// What one text frame holds.
enum Frame {
    Liquidations(Vec<Liquidation>),
    /// Subscription answers, pongs and other symbols: nothing to deliver.
    Control,
    Malformed(String),
}

/// Streams liquidations of `symbol` into `events` until `cancel` fires or the receiver is
/// dropped, reconnecting with exponential backoff (up to `reconnect_max_ms`) whenever the
/// connection fails or drops. OKX has no such stream: its recent liquidation orders are polled
/// instead, with the same events. Returns the final status; errs only for a venue with neither
/// (Hyperliquid).
pub async fn stream_liquidations(
    venue: Venue,
    symbol: &str,
    config: &SourceConfig,
    events: mpsc::Sender<LiveEvent>,
    cancel: &CancelToken,
) -> Result<StreamStatus, SourceError> {
    let symbol = symbol.trim().to_ascii_uppercase();
    if venue == Venue::Okx {
        // OKX serves the last day of liquidation orders instead of a stream.
        return super::polled_liquidations::poll_okx_liquidations(&symbol, config, events, cancel)
            .await;
    }
    let base = config
        .ws_url
        .clone()
        .or_else(|| venue.default_ws_url().map(str::to_string))
        .ok_or_else(|| {
            SourceError::new(
                venue,
                "liquidation stream",
                Cause::Unsupported(format!("{venue} has no public liquidation stream")),
            )
        })?;
    let base = base.trim_end_matches('/');
    let (url, subscribe) = match venue {
        Venue::Binance => (format!("{base}/{}@forceOrder", symbol.to_ascii_lowercase()), None),
        Venue::Bybit => (
            base.to_string(),
            Some(serde_json::json!({"op": "subscribe", "args": [format!("allLiquidation.{symbol}")]}).to_string()),
        ),
        Venue::Okx | Venue::Hyperliquid => {
            return Err(SourceError::new(
                venue,
                "liquidation stream",
                Cause::Unsupported(format!("{venue} has no public liquidation stream")),
            ));
        }
    };
    let mut status = StreamStatus::default();
    let mut failures: u32 = 0;
    let timeout = Duration::from_millis(config.timeout_ms.max(1));
    loop {
        let connected = tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok(status),
            c = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(url.as_str())) => c,
        };
        let reason = match connected {
            Ok(Ok((socket, _))) => {
                failures = 0;
                status.connected = true;
                status.message = format!("connected to {url}");
                if events
                    .send(LiveEvent::Status(status.clone()))
                    .await
                    .is_err()
                {
                    return Ok(status);
                }
                let (mut write, mut read) = socket.split();
                if let Some(subscribe) = &subscribe
                    && let Err(e) = write.send(Message::text(subscribe.clone())).await
                {
                    format!("subscribing failed: {e}")
                } else {
                    // Bybit drops a connection that sends nothing for a while.
                    let mut ping = tokio::time::interval(Duration::from_secs(20));
                    ping.tick().await;
                    loop {
                        let message = tokio::select! {
                            biased;
                            () = cancel.cancelled() => {
                                // Closing politely is a courtesy; the socket goes either way.
                                let _ = write.close().await;
                                status.connected = false;
                                return Ok(status);
                            }
                            _ = ping.tick(), if venue == Venue::Bybit => {
                                let _ = write.send(Message::text(r#"{"op":"ping"}"#)).await;
                                continue;
                            }
                            message = read.next() => message,
                        };
                        let text = match message {
                            Some(Ok(Message::Text(text))) => text,
                            Some(Ok(Message::Binary(_))) => {
                                status.malformed_frames += 1;
                                continue;
                            }
                            Some(Ok(Message::Close(_))) | None => {
                                break "the venue closed the connection".to_string();
                            }
                            Some(Ok(_)) => continue,
                            Some(Err(e)) => break format!("connection lost: {e}"),
                        };
                        match parse_frame(venue, &symbol, text.as_str()) {
                            Frame::Liquidations(list) => {
                                for liquidation in list {
                                    if events
                                        .send(LiveEvent::Liquidation(liquidation))
                                        .await
                                        .is_err()
                                    {
                                        return Ok(status);
                                    }
                                }
                            }
                            Frame::Control => {}
                            Frame::Malformed(why) => {
                                status.malformed_frames += 1;
                                status.message = format!("skipped a frame: {why}");
                                if events
                                    .send(LiveEvent::Status(status.clone()))
                                    .await
                                    .is_err()
                                {
                                    return Ok(status);
                                }
                            }
                        }
                    }
                }
            }
            Ok(Err(e)) => format!("could not connect: {e}"),
            Err(_) => format!("could not connect within {} ms", config.timeout_ms),
        };
        failures = failures.saturating_add(1);
        status.connected = false;
        status.reconnects = status.reconnects.saturating_add(1);
        let wait_ms = reconnect_wait_ms(config, failures);
        status.message = format!("{venue}: {reason}; reconnecting in {wait_ms} ms");
        if events
            .send(LiveEvent::Status(status.clone()))
            .await
            .is_err()
        {
            return Ok(status);
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok(status),
            () = tokio::time::sleep(Duration::from_millis(wait_ms)) => {}
        }
    }
}

/// base·2^(failures−1), capped, with jitter in the upper half.
pub(super) fn reconnect_wait_ms(config: &SourceConfig, failures: u32) -> u64 {
    let base = config.backoff_base_ms.max(1);
    let exp = base.saturating_mul(1u64 << failures.saturating_sub(1).min(20));
    let capped = exp.min(config.reconnect_max_ms.max(base));
    capped / 2 + fastrand::u64(0..=capped / 2)
}

fn parse_frame(venue: Venue, symbol: &str, text: &str) -> Frame {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return Frame::Malformed(e.to_string()),
    };
    let parsed = match venue {
        Venue::Binance => parse_force_order(symbol, &value),
        Venue::Bybit => parse_all_liquidation(symbol, &value),
        Venue::Okx | Venue::Hyperliquid => Ok(Frame::Control),
    };
    parsed.unwrap_or_else(Frame::Malformed)
}

/// `{"e":"forceOrder","E":ms,"o":{"s","S","q","p","ap","X","l","z","T"}}`, bare or wrapped in a
/// combined stream's `{"stream":..,"data":..}`.
fn parse_force_order(symbol: &str, value: &Value) -> Result<Frame, String> {
    let event = value.get("data").unwrap_or(value);
    if event.get("e").and_then(Value::as_str) != Some("forceOrder") {
        return if event.get("result").is_some() || event.get("id").is_some() {
            Ok(Frame::Control)
        } else {
            Err("not a forceOrder event".into())
        };
    }
    #[derive(Deserialize)]
    struct Order {
        s: String,
        #[serde(rename = "S")]
        side: String,
        q: Value,
        p: Value,
        ap: Value,
        z: Value,
        #[serde(rename = "T")]
        time: Value,
    }
    let order: Order = event
        .get("o")
        .cloned()
        .ok_or("no order")
        .and_then(|o| serde_json::from_value(o).map_err(|_| "bad order"))
        .map_err(|e| format!("forceOrder: {e}"))?;
    if order.s != symbol {
        return Ok(Frame::Control);
    }
    let side = match order.side.as_str() {
        // A forced SELL closes a long.
        "SELL" => Side::Long,
        "BUY" => Side::Short,
        other => return Err(format!("forceOrder: unknown side {other}")),
    };
    let average = number(&order.ap, "ap")?;
    let filled = number(&order.z, "z")?;
    Ok(Frame::Liquidations(vec![Liquidation {
        time_ms: millis(&order.time, "T")?,
        side,
        price: if average > 0.0 {
            average
        } else {
            number(&order.p, "p")?
        },
        quantity: if filled > 0.0 {
            filled
        } else {
            number(&order.q, "q")?
        },
    }]))
}

/// `{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":ms,"data":[{"T","s","S","v","p"}]}`.
fn parse_all_liquidation(symbol: &str, value: &Value) -> Result<Frame, String> {
    let Some(topic) = value.get("topic").and_then(Value::as_str) else {
        // Subscription answers and pongs carry `op`; anything else is not Bybit's.
        return if value.get("op").is_some() || value.get("success").is_some() {
            Ok(Frame::Control)
        } else {
            Err("no topic".into())
        };
    };
    if !topic.starts_with("allLiquidation.") {
        return Ok(Frame::Control);
    }
    #[derive(Deserialize)]
    struct Item {
        #[serde(rename = "T")]
        time: Value,
        s: String,
        #[serde(rename = "S")]
        side: String,
        v: Value,
        p: Value,
    }
    let items: Vec<Item> = value
        .get("data")
        .cloned()
        .ok_or_else(|| "allLiquidation: no data".to_string())
        .and_then(|d| serde_json::from_value(d).map_err(|e| format!("allLiquidation: {e}")))?;
    let mut list = Vec::with_capacity(items.len());
    for item in items.into_iter().filter(|i| i.s == symbol) {
        let side = match item.side.as_str() {
            // Bybit names the side of the liquidated position's order book effect: "Buy" is a
            // long that was liquidated.
            "Buy" => Side::Long,
            "Sell" => Side::Short,
            other => return Err(format!("allLiquidation: unknown side {other}")),
        };
        list.push(Liquidation {
            time_ms: millis(&item.time, "T")?,
            side,
            price: number(&item.p, "p")?,
            quantity: number(&item.v, "v")?,
        });
    }
    Ok(Frame::Liquidations(list))
}
