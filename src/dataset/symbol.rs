//! Finding a symbol such as `BTCUSDT` in a file name, when the data itself does not name one.

use std::path::Path;

/// Quote currencies a perpetual symbol ends with, longest first.
const QUOTES: [&str; 4] = ["USDT", "USDC", "BUSD", "USD"];

/// The one symbol the file name clearly contains (`binance-usdm-BTCUSDT-klines-5m.json`,
/// `BTC_USDT_USDT-5m-futures.json`), or `None` when it names none or several.
pub fn from_file_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?.to_ascii_uppercase();
    let tokens: Vec<&str> = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let mut found: Vec<String> = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let candidate = if let Some(base) = joined_symbol(token) {
            Some(base)
        } else if QUOTES.contains(token) && index > 0 {
            // `BTC_USDT`: a base token followed by a quote token.
            tokens
                .get(index - 1)
                .filter(|base| is_base(base))
                .map(|base| format!("{base}{token}"))
        } else {
            None
        };
        if let Some(symbol) = candidate
            && !found.contains(&symbol)
        {
            found.push(symbol);
        }
    }
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn joined_symbol(token: &str) -> Option<String> {
    QUOTES.iter().find_map(|quote| {
        let base = token.strip_suffix(quote)?;
        is_base(base).then(|| token.to_string())
    })
}

fn is_base(base: &str) -> bool {
    base.len() >= 2
        && base.chars().any(|c| c.is_ascii_alphabetic())
        && !QUOTES.contains(&base)
        && base.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_clear_symbols_only() {
        let name = |s: &str| from_file_name(Path::new(s));
        assert_eq!(
            name("binance-usdm-BTCUSDT-klines-5m-20250919-20251027.json").as_deref(),
            Some("BTCUSDT")
        );
        assert_eq!(
            name("BTC_USDT_USDT-5m-futures.json").as_deref(),
            Some("BTCUSDT")
        );
        assert_eq!(name("hypeusdt.csv").as_deref(), Some("HYPEUSDT"));
        assert_eq!(name("1000BONKUSDT-5m.csv").as_deref(), Some("1000BONKUSDT"));
        assert_eq!(name("klines.json"), None);
        assert_eq!(name("binance-usdm-5m.json"), None);
        assert_eq!(name("BTCUSDT-vs-ETHUSDT.json"), None);
    }
}
