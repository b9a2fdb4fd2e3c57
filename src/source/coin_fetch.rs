//! One coin from every venue at once: each venue's perpetual of the coin (symbols from
//! [`super::coins`]), fetched in parallel with one progress report per venue and one cancel for
//! all. A venue that does not list the coin, or whose fetch fails, is reported as such; the
//! others still come back.

use std::sync::Arc;

use super::coins::{self, CoinError};
use super::config::{CancelToken, FetchOutcome, FetchProgress, FetchRequest, SourceConfig};
use super::error::SourceError;
use super::venue::Venue;

/// A coin over a span, on every venue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoinRequest {
    /// The coin, for example `BTC`.
    pub coin: String,
    /// Bar interval in milliseconds.
    pub interval_ms: i64,
    /// Start of the span, epoch milliseconds, inclusive.
    pub start_ms: i64,
    /// End of the span, epoch milliseconds, exclusive.
    pub end_ms: i64,
}

/// How one venue's part of a coin fetch ended.
#[derive(Debug)]
pub enum VenueFetch {
    /// The venue does not list the coin (or its symbol could not be found): skipped.
    NotListed(CoinError),
    /// The fetch failed with nothing to show.
    Failed {
        /// The venue's symbol that was asked for.
        symbol: String,
        /// Why.
        error: SourceError,
    },
    /// Bars arrived (complete or not: see [`FetchOutcome::complete`]).
    Fetched {
        /// The venue's symbol.
        symbol: String,
        /// What arrived.
        outcome: FetchOutcome,
    },
}

impl VenueFetch {
    /// Whether the venue's data arrived whole.
    pub fn is_complete(&self) -> bool {
        matches!(self, VenueFetch::Fetched { outcome, .. } if outcome.complete)
    }

    /// One line for people: what arrived, or why nothing did.
    pub fn describe(&self, venue: Venue) -> String {
        match self {
            VenueFetch::NotListed(e) => format!("{venue}: skipped: {e}"),
            VenueFetch::Failed { error, .. } => format!("{venue}: failed: {error}"),
            VenueFetch::Fetched { symbol, outcome } if outcome.complete => format!(
                "{venue} {symbol}: {} bars, complete",
                outcome.dataset.bars.len()
            ),
            VenueFetch::Fetched { symbol, outcome } => format!(
                "{venue} {symbol}: {} bars, PARTIAL: {}",
                outcome.dataset.bars.len(),
                outcome.problems.join("; ")
            ),
        }
    }
}

/// Reports a venue's progress; called from the fetch tasks.
pub type VenueProgress = Arc<dyn Fn(Venue, FetchProgress) + Send + Sync>;

/// The coin's symbol on every venue. Coins of the table take their table symbol; for other coins
/// the venues' symbol lists are asked for in parallel (a list that cannot be fetched leaves that
/// venue without a symbol, said in its error).
pub async fn plan_coin(
    coin: &str,
    config: &SourceConfig,
) -> Vec<(Venue, Result<String, CoinError>)> {
    if Venue::ALL
        .iter()
        .all(|&v| coins::table_symbol(coin, v).is_some())
    {
        return coins::symbols_for_all(coin, &[]);
    }
    let lists = futures_util::future::join_all(Venue::ALL.iter().map(|&venue| async move {
        let list = super::symbols(venue, config).await;
        if let Err(e) = &list {
            log::warn!("{venue}: symbol list unavailable: {e}");
        }
        (venue, list.ok())
    }))
    .await;
    coins::symbols_for_all(coin, &lists)
}

/// Fetches the coin from every venue that lists it, all at once. The result holds every venue of
/// [`Venue::ALL`], in that order.
pub async fn fetch_coin(
    request: &CoinRequest,
    config: &SourceConfig,
    progress: VenueProgress,
    cancel: &CancelToken,
) -> Vec<(Venue, VenueFetch)> {
    let plan = plan_coin(&request.coin, config).await;
    let runs = plan.into_iter().map(|(venue, symbol)| {
        let progress = Arc::clone(&progress);
        async move {
            let symbol = match symbol {
                Ok(symbol) => symbol,
                Err(e) => return (venue, VenueFetch::NotListed(e)),
            };
            let one = FetchRequest {
                venue,
                symbol: symbol.clone(),
                interval_ms: request.interval_ms,
                start_ms: request.start_ms,
                end_ms: request.end_ms,
            };
            let report = move |p: FetchProgress| progress(venue, p);
            let result = match super::fetch(&one, config, &report, cancel).await {
                Ok(outcome) => VenueFetch::Fetched { symbol, outcome },
                Err(error) => VenueFetch::Failed { symbol, error },
            };
            (venue, result)
        }
    });
    futures_util::future::join_all(runs).await
}
