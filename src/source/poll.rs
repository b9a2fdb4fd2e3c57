//! Live mode's polling: the newest bars and the current open interest, asked at each interval.

use super::config::{CancelToken, SourceConfig};
use super::error::SourceError;
use super::http::Session;
use super::registry::exchange;
use super::venue::Venue;
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
    let ex = exchange(venue);
    let session = Session::new(ex.endpoint(), config, cancel.clone(), None)?;
    let symbol = ex.symbol(symbol);
    let (bars, open_interest) = ex.latest(&session, &symbol, interval_ms).await?;
    Ok(LatestSample {
        bars,
        open_interest,
    })
}

/// The symbols the venue lists as trading perpetuals, sorted.
pub async fn symbols(venue: Venue, config: &SourceConfig) -> Result<Vec<String>, SourceError> {
    let ex = exchange(venue);
    let session = Session::new(ex.endpoint(), config, CancelToken::new(), None)?;
    let mut list = ex.symbols(&session).await?;
    list.sort();
    list.dedup();
    Ok(list)
}
