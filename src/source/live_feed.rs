//! Live liquidations of a symbol, whichever way its venue serves them: a websocket stream, a
//! polled recent history, or not at all.

use tokio::sync::mpsc;

use super::config::{CancelToken, SourceConfig};
use super::error::{Cause, SourceError};
use super::events::{LiveEvent, StreamStatus};
use super::exchange::LiquidationFeed;
use super::polled_liquidations::poll_liquidations;
use super::registry::exchange;
use super::stream::stream_ws;
use super::venue::Venue;

/// Streams liquidations of `symbol` into `events` until `cancel` fires or the receiver is
/// dropped, reconnecting with exponential backoff (up to `reconnect_max_ms`) whenever the
/// connection fails or drops. A venue with no stream but a recent history (OKX) is polled
/// instead, with the same events. Returns the final status; errs only for a venue with neither
/// (Hyperliquid).
pub async fn stream_liquidations(
    venue: Venue,
    symbol: &str,
    config: &SourceConfig,
    events: mpsc::Sender<LiveEvent>,
    cancel: &CancelToken,
) -> Result<StreamStatus, SourceError> {
    let ex = exchange(venue);
    let symbol = ex.symbol(symbol);
    match ex.liquidation_feed() {
        LiquidationFeed::Stream(feed) => {
            Ok(stream_ws(venue, feed, &symbol, config, events, cancel).await)
        }
        LiquidationFeed::Poll => poll_liquidations(ex, &symbol, config, events, cancel).await,
        LiquidationFeed::None => Err(SourceError::new(
            venue,
            "liquidation stream",
            Cause::Unsupported(format!("{venue} has no public liquidation stream")),
        )),
    }
}
