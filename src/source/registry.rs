//! The registry: which module serves each [`Venue`]. A new exchange is a file implementing
//! [`Exchange`], its variant in `venue.rs` and one line here (the match below will not compile
//! without it).

use super::binance::Binance;
use super::bybit::Bybit;
use super::exchange::Exchange;
use super::hyperliquid::Hyperliquid;
use super::okx::Okx;
use super::venue::Venue;

/// The module that serves `venue`.
pub(crate) fn exchange(venue: Venue) -> &'static dyn Exchange {
    match venue {
        Venue::Binance => &Binance,
        Venue::Bybit => &Bybit,
        Venue::Okx => &Okx,
        Venue::Hyperliquid => &Hyperliquid,
    }
}

impl Venue {
    /// Name for people and error messages, for example `Binance USD-M`.
    pub fn display_name(self) -> &'static str {
        exchange(self).display_name()
    }

    /// Name on the command line and in the cache directory: `binance`, `bybit`, `okx`,
    /// `hyperliquid`.
    pub fn cli_name(self) -> &'static str {
        exchange(self).cli_name()
    }

    /// Name stored in [`crate::model::Dataset::exchange`].
    pub fn dataset_name(self) -> &'static str {
        exchange(self).dataset_name()
    }

    /// The public REST endpoint.
    pub fn default_base_url(self) -> &'static str {
        exchange(self).endpoint().default_base_url
    }

    /// The venue whose command-line name is `name`, if any.
    pub fn from_cli_name(name: &str) -> Option<Venue> {
        Venue::ALL.into_iter().find(|v| v.cli_name() == name)
    }
}

impl std::fmt::Display for Venue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_venue_is_served_by_its_own_module() {
        for venue in Venue::ALL {
            assert_eq!(exchange(venue).venue(), venue);
            assert_eq!(exchange(venue).endpoint().venue, venue);
            assert_eq!(Venue::from_cli_name(venue.cli_name()), Some(venue));
        }
        assert_eq!(Venue::Binance.to_string(), "Binance USD-M");
        assert_eq!(Venue::Okx.dataset_name(), "okx-swap");
    }
}
