//! The exchanges the data comes from. What each one is (names, endpoints, limits, paging,
//! error codes) lives in its own file behind the [`super::exchange::Exchange`] trait; the
//! registry (`registry.rs`) maps a [`Venue`] to it.

/// An exchange the data comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Venue {
    /// Binance USD-M perpetual futures.
    Binance,
    /// Bybit v5, linear (USDT) perpetuals.
    Bybit,
    /// OKX USDT swaps.
    Okx,
    /// Hyperliquid perpetuals.
    Hyperliquid,
}

impl Venue {
    /// Every venue, in the order the UI lists them.
    pub const ALL: [Venue; 4] = [Venue::Binance, Venue::Bybit, Venue::Okx, Venue::Hyperliquid];
}
