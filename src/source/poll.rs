//! Live mode's polling: the newest bars and the current open interest, asked at each interval.

use super::error::SourceError;
use super::http::Session;
use super::{CancelToken, SourceConfig, Venue, binance, bybit, hyperliquid, okx};
use crate::model::{Bar, OpenInterestSample};

/// The newest bars and open interest, as polled at each interval in live mode.
#[derive(Clone, Debug, PartialEq)]
pub struct LatestSample {
    /// The last bars in time order: the one still open last, the one before it first.
    pub bars: Vec<Bar>,
    /// The current open interest, if the venue serves it.
    pub open_interest: Option<OpenInterestSample>,
}

/// Polls the newest bars and the current open interest of `symbol` once.
pub async fn poll_latest(
    venue: Venue,
    symbol: &str,
    interval_ms: i64,
    config: &SourceConfig,
    cancel: &CancelToken,
) -> Result<LatestSample, SourceError> {
    let session = Session::new(venue, config, cancel.clone())?;
    let (bars, open_interest) = match venue {
        Venue::Binance => {
            binance::latest(&session, &symbol.to_ascii_uppercase(), interval_ms).await?
        }
        Venue::Bybit => bybit::latest(&session, &symbol.to_ascii_uppercase(), interval_ms).await?,
        Venue::Okx => okx::latest(&session, &okx::inst_id(symbol), interval_ms).await?,
        Venue::Hyperliquid => {
            hyperliquid::latest(&session, &hyperliquid::coin(symbol), interval_ms).await?
        }
    };
    Ok(LatestSample {
        bars,
        open_interest,
    })
}
