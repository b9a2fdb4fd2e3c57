//! Market data fetched from the exchanges: bars, open interest and liquidations from Binance
//! USD-M, Bybit, OKX and Hyperliquid, over shared HTTP, rate-limit, retry, paging and cache code.
//!
//! The entry points are [`fetch`] (a range of history, with progress and cancel), [`symbols`],
//! [`poll_latest`] (the last bars and open interest, for live mode) and
//! [`stream_liquidations`] (live liquidations over a websocket, reconnecting with backoff).
//!
//! Each exchange is one file implementing the `Exchange` trait (`exchange.rs`), listed in
//! `registry.rs`; docs/adding-an-exchange.md says how to add one. This file only declares the
//! modules and re-exports; no module imports it.

pub mod archive;
mod archive_csv;
mod binance;
mod bybit;
pub mod cache;
mod codes;
pub mod coin_fetch;
pub mod coins;
mod config;
mod coverage;
mod error;
mod events;
mod exchange;
mod fetch;
mod http;
mod hyperliquid;
pub mod interval;
mod limits;
mod live_feed;
mod okx;
mod pager;
mod parse;
mod poll;
mod polled_liquidations;
mod progress;
mod ranges;
mod registry;
mod request;
mod retry;
mod stream;
mod venue;

pub use config::{
    CancelToken, FetchOutcome, FetchProgress, FetchRequest, RateLimitWait, SourceConfig,
};
pub use error::{Cause, SourceError};
pub use events::{LiveEvent, StreamStatus};
pub use fetch::fetch;
pub use limits::RateLimit;
pub use live_feed::stream_liquidations;
pub use poll::{LatestSample, poll_latest, symbols};
pub use request::{RequestError, SpanInput, build_request};
pub use venue::Venue;
