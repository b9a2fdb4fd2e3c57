//! One coin on every venue: the perpetual symbol each venue trades it under (Binance `BTCUSDT`,
//! Bybit `BTCUSDT`, OKX `BTC-USDT-SWAP`, Hyperliquid `BTC`), from a table of common coins, and for
//! other coins from the venue's own symbol list.
//!
//! Only contracts quoted one coin per unit are mapped. Venues list some small coins in lots of a
//! thousand (`1000PEPEUSDT`, Hyperliquid `kPEPE`) whose prices are a thousand times the coin's;
//! summing their levels with the others' would need a price scale, so they are left out on purpose
//! and such a coin is reported as not listed on that venue.

use super::Venue;

/// Why no symbol could be given for a coin on a venue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoinError {
    /// The coin name is empty or holds characters no venue uses in a coin name.
    #[error("'{0}' is not a coin name (expected letters and digits, for example BTC)")]
    BadCoin(String),
    /// The coin is not in the table and the venue's symbol list was not given.
    #[error(
        "{coin} is not in the table of common coins; {venue}'s symbol list is needed to find it"
    )]
    NeedsList {
        /// The coin asked for.
        coin: String,
        /// The venue.
        venue: Venue,
    },
    /// The venue does not list the coin's perpetual.
    #[error("{venue} does not list a {coin} perpetual ({expected} is not in its symbol list)")]
    NotListed {
        /// The coin asked for.
        coin: String,
        /// The venue.
        venue: Venue,
        /// The symbol that was looked for.
        expected: String,
    },
}

/// Common coins and their symbol on each venue, in [`Venue::ALL`] order (Binance, Bybit, OKX,
/// Hyperliquid). Checked against the venues' instrument lists; every entry is a USDT-margined
/// (Hyperliquid: USDC) perpetual quoted per coin.
const TABLE: &[(&str, [&str; 4])] = &[
    ("BTC", ["BTCUSDT", "BTCUSDT", "BTC-USDT-SWAP", "BTC"]),
    ("ETH", ["ETHUSDT", "ETHUSDT", "ETH-USDT-SWAP", "ETH"]),
    ("SOL", ["SOLUSDT", "SOLUSDT", "SOL-USDT-SWAP", "SOL"]),
    ("HYPE", ["HYPEUSDT", "HYPEUSDT", "HYPE-USDT-SWAP", "HYPE"]),
    ("XRP", ["XRPUSDT", "XRPUSDT", "XRP-USDT-SWAP", "XRP"]),
    ("DOGE", ["DOGEUSDT", "DOGEUSDT", "DOGE-USDT-SWAP", "DOGE"]),
    ("BNB", ["BNBUSDT", "BNBUSDT", "BNB-USDT-SWAP", "BNB"]),
    ("ADA", ["ADAUSDT", "ADAUSDT", "ADA-USDT-SWAP", "ADA"]),
    ("AVAX", ["AVAXUSDT", "AVAXUSDT", "AVAX-USDT-SWAP", "AVAX"]),
    ("LINK", ["LINKUSDT", "LINKUSDT", "LINK-USDT-SWAP", "LINK"]),
    ("SUI", ["SUIUSDT", "SUIUSDT", "SUI-USDT-SWAP", "SUI"]),
    ("LTC", ["LTCUSDT", "LTCUSDT", "LTC-USDT-SWAP", "LTC"]),
];

/// The coins of the table, in its order.
pub fn table_coins() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(coin, _)| *coin)
}

fn venue_slot(venue: Venue) -> usize {
    Venue::ALL.iter().position(|v| *v == venue).unwrap_or(0)
}

/// The coin's symbol on the venue from the table, if the coin is in it (case-insensitive).
pub fn table_symbol(coin: &str, venue: Venue) -> Option<&'static str> {
    TABLE
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(coin.trim()))
        .and_then(|(_, symbols)| symbols.get(venue_slot(venue)).copied())
}

/// The symbol the venue's naming rule gives the coin: `COINUSDT` on Binance and Bybit,
/// `COIN-USDT-SWAP` on OKX, `COIN` on Hyperliquid. Upper-case; no check that it is listed.
pub fn derived_symbol(coin: &str, venue: Venue) -> Result<String, CoinError> {
    let coin = normalized_coin(coin)?;
    Ok(match venue {
        Venue::Binance | Venue::Bybit => format!("{coin}USDT"),
        Venue::Okx => format!("{coin}-USDT-SWAP"),
        Venue::Hyperliquid => coin,
    })
}

fn normalized_coin(coin: &str) -> Result<String, CoinError> {
    let trimmed = coin.trim();
    if trimmed.is_empty()
        || trimmed.len() > 20
        || !trimmed.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(CoinError::BadCoin(coin.to_string()));
    }
    Ok(trimmed.to_ascii_uppercase())
}

/// The coin's perpetual symbol on the venue. A coin of the table gets its table symbol (and,
/// when `listed` is given, that symbol must be in it). Any other coin is looked for in `listed`,
/// the venue's own symbol list (from [`super::symbols`]), under the venue's naming rule; without
/// the list it is [`CoinError::NeedsList`].
pub fn symbol_for(
    coin: &str,
    venue: Venue,
    listed: Option<&[String]>,
) -> Result<String, CoinError> {
    let normalized = normalized_coin(coin)?;
    let expected = match table_symbol(&normalized, venue) {
        Some(symbol) => symbol.to_string(),
        None if listed.is_none() => {
            return Err(CoinError::NeedsList {
                coin: normalized,
                venue,
            });
        }
        None => derived_symbol(&normalized, venue)?,
    };
    match listed {
        Some(list) if !list.iter().any(|s| s.eq_ignore_ascii_case(&expected)) => {
            Err(CoinError::NotListed {
                coin: normalized,
                venue,
                expected,
            })
        }
        // Keep the venue's own spelling when its list has one.
        Some(list) => Ok(list
            .iter()
            .find(|s| s.eq_ignore_ascii_case(&expected))
            .cloned()
            .unwrap_or(expected)),
        None => Ok(expected),
    }
}

/// The coin's symbol on every venue, or why a venue has none: the plan of a fetch of one coin
/// across all venues. `lists` holds the venues' symbol lists where known (a venue whose list could
/// not be fetched is given `None` and falls back to the table).
pub fn symbols_for_all(
    coin: &str,
    lists: &[(Venue, Option<Vec<String>>)],
) -> Vec<(Venue, Result<String, CoinError>)> {
    Venue::ALL
        .iter()
        .map(|&venue| {
            let list = lists
                .iter()
                .find(|(v, _)| *v == venue)
                .and_then(|(_, list)| list.as_deref());
            (venue, symbol_for(coin, venue, list))
        })
        .collect()
}

/// The coin a venue's perpetual symbol trades, by the venue's naming rule (`BTC-USDT-SWAP` on OKX
/// is `BTC`); `None` for a symbol that does not follow it.
pub fn coin_of(symbol: &str, venue: Venue) -> Option<String> {
    let symbol = symbol.trim().to_ascii_uppercase();
    let coin = match venue {
        Venue::Binance | Venue::Bybit => symbol.strip_suffix("USDT")?.to_string(),
        Venue::Okx => symbol.strip_suffix("-USDT-SWAP")?.to_string(),
        Venue::Hyperliquid => symbol,
    };
    normalized_coin(&coin).ok()
}

/// The venue a dataset's `exchange` field names (`binance-usdm`, `bybit-linear`, `okx-swap`,
/// `hyperliquid`), if it is one of the four.
pub fn venue_of_dataset(exchange: &str) -> Option<Venue> {
    Venue::ALL
        .into_iter()
        .find(|v| v.dataset_name().eq_ignore_ascii_case(exchange.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn btc_on_each_venue() {
        assert_eq!(
            symbol_for("BTC", Venue::Binance, None),
            Ok("BTCUSDT".into())
        );
        assert_eq!(symbol_for("btc", Venue::Bybit, None), Ok("BTCUSDT".into()));
        assert_eq!(
            symbol_for("BTC", Venue::Okx, None),
            Ok("BTC-USDT-SWAP".into())
        );
        assert_eq!(
            symbol_for(" BTC ", Venue::Hyperliquid, None),
            Ok("BTC".into())
        );
    }

    #[test]
    fn every_table_entry_follows_the_venue_naming_rule() {
        // The table only holds coins quoted per coin, so each entry is the rule's symbol and maps
        // back to its coin; a typo in the table fails here.
        for coin in table_coins() {
            for venue in Venue::ALL {
                let symbol = table_symbol(coin, venue).expect("every venue has an entry");
                assert_eq!(derived_symbol(coin, venue).as_deref(), Ok(symbol));
                assert_eq!(coin_of(symbol, venue).as_deref(), Some(coin));
            }
        }
        assert!(table_coins().any(|c| c == "HYPE") && table_coins().any(|c| c == "SOL"));
    }

    #[test]
    fn other_coins_come_from_the_venue_list() {
        let okx = list(&["BTC-USDT-SWAP", "WIF-USDT-SWAP", "WIF-USD-SWAP"]);
        assert_eq!(
            symbol_for("wif", Venue::Okx, Some(&okx)),
            Ok("WIF-USDT-SWAP".into())
        );
        assert_eq!(
            symbol_for("WIF", Venue::Okx, None),
            Err(CoinError::NeedsList {
                coin: "WIF".into(),
                venue: Venue::Okx
            })
        );
    }

    #[test]
    fn a_coin_missing_on_one_venue_is_named_and_the_others_still_map() {
        let lists = vec![
            (Venue::Binance, Some(list(&["BTCUSDT", "WIFUSDT"]))),
            (Venue::Bybit, Some(list(&["WIFUSDT"]))),
            (Venue::Okx, Some(list(&["WIF-USDT-SWAP"]))),
            // Hyperliquid lists the coin in lots of a thousand only: not mapped (price scale).
            (Venue::Hyperliquid, Some(list(&["BTC", "kWIF"]))),
        ];
        let plan = symbols_for_all("WIF", &lists);
        assert_eq!(plan[0], (Venue::Binance, Ok("WIFUSDT".into())));
        assert_eq!(plan[1], (Venue::Bybit, Ok("WIFUSDT".into())));
        assert_eq!(plan[2], (Venue::Okx, Ok("WIF-USDT-SWAP".into())));
        let (venue, missing) = &plan[3];
        assert_eq!(*venue, Venue::Hyperliquid);
        let message = missing.as_ref().expect_err("not listed").to_string();
        assert!(
            message.contains("Hyperliquid") && message.contains("WIF"),
            "{message}"
        );
    }

    #[test]
    fn a_table_coin_absent_from_a_given_list_is_not_listed() {
        let bybit = list(&["ETHUSDT"]);
        assert!(matches!(
            symbol_for("BTC", Venue::Bybit, Some(&bybit)),
            Err(CoinError::NotListed { .. })
        ));
        // Without a list the table answers alone.
        let plan = symbols_for_all("BTC", &[(Venue::Bybit, None)]);
        assert!(plan.iter().all(|(_, s)| s.is_ok()));
    }

    #[test]
    fn bad_coin_names_are_refused() {
        for bad in ["", "BTC/USDT", "BTC-USDT", "  "] {
            assert!(matches!(
                symbol_for(bad, Venue::Binance, None),
                Err(CoinError::BadCoin(_))
            ));
        }
    }

    #[test]
    fn coins_and_venues_of_symbols_and_datasets() {
        assert_eq!(coin_of("ETH-USDT-SWAP", Venue::Okx).as_deref(), Some("ETH"));
        assert_eq!(coin_of("ETHUSD_PERP", Venue::Binance), None);
        assert_eq!(coin_of("HYPEUSDT", Venue::Bybit).as_deref(), Some("HYPE"));
        assert_eq!(venue_of_dataset("okx-swap"), Some(Venue::Okx));
        assert_eq!(venue_of_dataset("binance-usdm"), Some(Venue::Binance));
        assert_eq!(venue_of_dataset("synthetic"), None);
    }
}
