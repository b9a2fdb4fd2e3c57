//! Live liquidations over a venue's websocket (Binance `<symbol>@forceOrder`, Bybit
//! `allLiquidation.<symbol>`, as each venue's [`WsFeed`] describes), reconnecting with backoff and
//! skipping frames it cannot read.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::config::{CancelToken, SourceConfig};
use super::events::{LiveEvent, StreamStatus, reconnect_wait_ms};
use super::exchange::{Frame, FrameError, WsFeed};
use super::venue::Venue;

/// Streams liquidations of `symbol` (the venue's spelling) from `feed` into `events` until
/// `cancel` fires or the receiver is dropped, reconnecting with exponential backoff (up to
/// `reconnect_max_ms`) whenever the connection fails or drops. Returns the final status.
pub(crate) async fn stream_ws(
    venue: Venue,
    feed: WsFeed,
    symbol: &str,
    config: &SourceConfig,
    events: mpsc::Sender<LiveEvent>,
    cancel: &CancelToken,
) -> StreamStatus {
    let base = config.ws_url.as_deref().unwrap_or(feed.default_url);
    let url = (feed.url)(base.trim_end_matches('/'), symbol);
    let subscribe = (feed.subscribe)(symbol);
    let mut status = StreamStatus::default();
    let mut failures: u32 = 0;
    let timeout = Duration::from_millis(config.timeout_ms.max(1));
    loop {
        let connected = tokio::select! {
            biased;
            () = cancel.cancelled() => return status,
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
                    return status;
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
                                return status;
                            }
                            _ = ping.tick(), if feed.ping.is_some() => {
                                if let Some(text) = feed.ping {
                                    let _ = write.send(Message::text(text)).await;
                                }
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
                        match parse_frame(&feed, symbol, text.as_str()) {
                            Ok(Frame::Liquidations(list)) => {
                                for liquidation in list {
                                    if events
                                        .send(LiveEvent::Liquidation(liquidation))
                                        .await
                                        .is_err()
                                    {
                                        return status;
                                    }
                                }
                            }
                            Ok(Frame::Control) => {}
                            Err(why) => {
                                status.malformed_frames += 1;
                                status.message = format!("skipped a frame: {why}");
                                if events
                                    .send(LiveEvent::Status(status.clone()))
                                    .await
                                    .is_err()
                                {
                                    return status;
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
            return status;
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => return status,
            () = tokio::time::sleep(Duration::from_millis(wait_ms)) => {}
        }
    }
}

fn parse_frame(feed: &WsFeed, symbol: &str, text: &str) -> Result<Frame, FrameError> {
    let value: Value = serde_json::from_str(text).map_err(|e| FrameError(e.to_string()))?;
    (feed.parse)(symbol, &value)
}
