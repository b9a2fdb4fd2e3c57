//! What a live liquidation feed delivers, whichever way the venue serves it (a websocket or a
//! polled history), and the wait between reconnects they share.

use super::config::SourceConfig;
use crate::model::Liquidation;

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

/// base·2^(failures−1), capped, with jitter in the upper half.
pub(crate) fn reconnect_wait_ms(config: &SourceConfig, failures: u32) -> u64 {
    let base = config.backoff_base_ms.max(1);
    let exp = base.saturating_mul(1u64 << failures.saturating_sub(1).min(20));
    let capped = exp.min(config.reconnect_max_ms.max(base));
    capped / 2 + fastrand::u64(0..=capped / 2)
}
