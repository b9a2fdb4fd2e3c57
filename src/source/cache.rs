//! The on-disk cache of fetched bars and open interest, one file per venue, symbol and interval
//! under the platform cache directory, with the time ranges it already holds, so a fetch asks the
//! venue only for what is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ranges::{self, Range};
use super::venue::Venue;
use crate::model::{Bar, OpenInterestSample};

/// The cache directory: `$XDG_CACHE_HOME/liqmap` or the platform's cache directory, then
/// `liqmap/sources`.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::cache_dir)?;
    Some(base.join("liqmap").join("sources"))
}

/// What the cache holds for one venue, symbol and interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// Bars by open time (ms).
    bars: BTreeMap<i64, CachedBar>,
    /// Ranges of open times whose bars were all fetched (closed bars only).
    bar_ranges_ms: Vec<Range>,
    /// Open-interest samples by time (ms).
    open_interest: BTreeMap<i64, CachedOi>,
    /// Ranges whose open interest was fetched.
    oi_ranges_ms: Vec<Range>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct CachedBar {
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
    taker_buy_volume: Option<f64>,
    quote_volume: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct CachedOi {
    open_interest: f64,
    value_usd: Option<f64>,
}

impl CacheEntry {
    /// Bar open-time ranges inside `want` that the cache does not hold.
    pub fn missing_bars(&self, want: Range) -> Vec<Range> {
        ranges::missing(&self.bar_ranges_ms, want)
    }

    /// Open-interest ranges inside `want` that the cache does not hold.
    pub fn missing_oi(&self, want: Range) -> Vec<Range> {
        ranges::missing(&self.oi_ranges_ms, want)
    }

    /// Adds fetched bars (newer replace older at the same open time) and marks the `covered`
    /// ranges as held: only ranges whose bars all arrived, so that a hole is asked for again.
    pub fn add_bars(&mut self, bars: &[Bar], covered: &[Range]) {
        for bar in bars {
            self.bars.insert(
                bar.open_time_ms,
                CachedBar {
                    open: bar.open,
                    high: bar.high,
                    low: bar.low,
                    close: bar.close,
                    volume: bar.volume,
                    taker_buy_volume: bar.taker_buy_volume,
                    quote_volume: bar.quote_volume,
                },
            );
        }
        for &range in covered {
            ranges::add(&mut self.bar_ranges_ms, range);
        }
    }

    /// Adds fetched open interest and marks the `covered` ranges as held (only what arrived).
    pub fn add_oi(&mut self, samples: &[OpenInterestSample], covered: &[Range]) {
        for s in samples {
            self.open_interest.insert(
                s.time_ms,
                CachedOi {
                    open_interest: s.open_interest,
                    value_usd: s.value_usd,
                },
            );
        }
        for &range in covered {
            ranges::add(&mut self.oi_ranges_ms, range);
        }
    }

    /// Bars whose open time lies in `range`, in time order.
    pub fn bars_in(&self, range: Range) -> Vec<Bar> {
        self.bars
            .range(range.0..range.1.max(range.0))
            .map(|(&open_time_ms, b)| Bar {
                open_time_ms,
                open: b.open,
                high: b.high,
                low: b.low,
                close: b.close,
                volume: b.volume,
                taker_buy_volume: b.taker_buy_volume,
                quote_volume: b.quote_volume,
            })
            .collect()
    }

    /// Open-interest samples whose time lies in `range`, in time order.
    pub fn oi_in(&self, range: Range) -> Vec<OpenInterestSample> {
        self.open_interest
            .range(range.0..range.1.max(range.0))
            .map(|(&time_ms, s)| OpenInterestSample {
                time_ms,
                open_interest: s.open_interest,
                value_usd: s.value_usd,
            })
            .collect()
    }
}

/// Where one venue, symbol and interval is cached.
pub fn entry_path(dir: &Path, venue: Venue, symbol: &str, interval_ms: i64) -> PathBuf {
    // Symbols are venue names like BTCUSDT or BTC-USDT-SWAP; anything else is replaced so a
    // symbol can never name a path outside the cache.
    let safe = crate::format::path_safe(symbol, '_');
    dir.join(venue.cli_name())
        .join(safe)
        .join(format!("{interval_ms}ms.json"))
}

/// Reads a cache entry; a missing or unreadable file is an empty cache, since the venue can
/// always be asked again.
pub fn load(path: &Path) -> CacheEntry {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Writes a cache entry atomically.
pub fn store(path: &Path, entry: &CacheEntry) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let bytes = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    crate::atomic_write::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(open_time_ms: i64, close: f64) -> Bar {
        Bar {
            open_time_ms,
            open: close,
            high: close,
            low: close,
            close,
            volume: 1.0,
            taker_buy_volume: None,
            quote_volume: Some(2.0),
        }
    }

    #[test]
    fn round_trips_and_knows_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = entry_path(dir.path(), Venue::Binance, "BTC/../x", 300_000);
        assert!(path.starts_with(dir.path()));
        assert!(!path.to_string_lossy().contains(".."));
        let mut entry = load(&path);
        assert_eq!(entry.missing_bars((0, 1000)), vec![(0, 1000)]);
        entry.add_bars(&[bar(0, 1.0), bar(300, 2.0)], &[(0, 600)]);
        entry.add_bars(&[bar(300, 3.0)], &[]);
        store(&path, &entry).unwrap();
        let back = load(&path);
        assert_eq!(back, entry);
        assert_eq!(back.missing_bars((0, 1000)), vec![(600, 1000)]);
        let bars = back.bars_in((0, 1000));
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[1].close, 3.0);
    }
}
