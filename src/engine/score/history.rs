//! What price traded since a bar: the lowest low and highest high over a run of bars, and the
//! last bar that traded into a band. The matched controls and the baselines ask these for every
//! band they consider, so the bars are summarised in chunks of [`CHUNK`] bars: a query costs at
//! most two partial chunks plus one step per whole chunk, with memory of two numbers per chunk.

use std::ops::RangeInclusive;

use crate::model::{Bar, Side};

/// Bars summarised together.
const CHUNK: usize = 64;

/// A price band `[low, high]` in USD.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Band {
    pub(super) low: f64,
    pub(super) high: f64,
}

/// Whether price entered `band` of `side` (below the price for longs, above for shorts), given
/// the lowest low and the highest high since.
pub(super) fn entered(side: Side, band: Band, min_low: f64, max_high: f64) -> bool {
    match side {
        Side::Long => min_low <= band.high,
        Side::Short => max_high >= band.low,
    }
}

/// Lows and highs of the bars, with the extremes of each chunk.
pub(super) struct PriceHistory<'a> {
    bars: &'a [Bar],
    chunk_low: Vec<f64>,
    chunk_high: Vec<f64>,
}

impl<'a> PriceHistory<'a> {
    /// Summarises `bars`.
    pub(super) fn new(bars: &'a [Bar]) -> Self {
        let chunk_low = bars
            .chunks(CHUNK)
            .map(|c| c.iter().map(|b| b.low).fold(f64::INFINITY, f64::min))
            .collect();
        let chunk_high = bars
            .chunks(CHUNK)
            .map(|c| c.iter().map(|b| b.high).fold(f64::NEG_INFINITY, f64::max))
            .collect();
        PriceHistory {
            bars,
            chunk_low,
            chunk_high,
        }
    }

    /// The lowest low and highest high over `bars` (clipped to the data); `(+inf, -inf)` for no
    /// bar.
    pub(super) fn extremes(&self, bars: RangeInclusive<usize>) -> (f64, f64) {
        let (start, end) = (
            *bars.start(),
            (*bars.end()).min(self.bars.len().saturating_sub(1)),
        );
        let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
        if self.bars.is_empty() || start > end {
            return (low, high);
        }
        let mut i = start;
        while i <= end {
            let chunk = i / CHUNK;
            if i % CHUNK == 0 && i + CHUNK - 1 <= end {
                low = low.min(self.chunk_low.get(chunk).copied().unwrap_or(f64::INFINITY));
                high = high.max(
                    self.chunk_high
                        .get(chunk)
                        .copied()
                        .unwrap_or(f64::NEG_INFINITY),
                );
                i += CHUNK;
            } else {
                if let Some(bar) = self.bars.get(i) {
                    low = low.min(bar.low);
                    high = high.max(bar.high);
                }
                i += 1;
            }
        }
        (low, high)
    }

    /// The last bar at or before `bar` that traded into `band` of `side` (a long band below the
    /// price is touched by a low at or below its upper edge, a short band above it by a high at
    /// or above its lower edge); `None` when no bar did.
    pub(super) fn last_touch(&self, side: Side, band: Band, bar: usize) -> Option<usize> {
        let touches = |low: f64, high: f64| entered(side, band, low, high);
        let mut i = bar.min(self.bars.len().checked_sub(1)?) + 1;
        while i > 0 {
            let chunk = (i - 1) / CHUNK;
            if i % CHUNK == 0 {
                let (low, high) = (
                    self.chunk_low.get(chunk).copied().unwrap_or(f64::INFINITY),
                    self.chunk_high
                        .get(chunk)
                        .copied()
                        .unwrap_or(f64::NEG_INFINITY),
                );
                if !touches(low, high) {
                    i -= CHUNK;
                    continue;
                }
            }
            let b = self.bars.get(i - 1)?;
            if touches(b.low, b.high) {
                return Some(i - 1);
            }
            i -= 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(lows: &[f64]) -> Vec<Bar> {
        lows.iter()
            .enumerate()
            .map(|(i, &low)| Bar {
                open_time_ms: i as i64,
                open: low + 1.0,
                high: low + 2.0,
                low,
                close: low + 1.0,
                volume: 0.0,
                taker_buy_volume: None,
                quote_volume: None,
            })
            .collect()
    }

    #[test]
    fn extremes_and_last_touch_agree_with_a_plain_scan() {
        // 300 bars zigzagging, so chunks of 64 and partial chunks are both crossed.
        let lows: Vec<f64> = (0..300).map(|i| 100.0 + ((i * 37) % 101) as f64).collect();
        let data = bars(&lows);
        let history = PriceHistory::new(&data);
        for (a, b) in [
            (0, 299),
            (5, 70),
            (64, 127),
            (63, 64),
            (130, 131),
            (200, 199),
        ] {
            let scan = data
                .get(a..=b.min(299))
                .unwrap_or(&[])
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
                    (l.min(x.low), h.max(x.high))
                });
            assert_eq!(history.extremes(a..=b), scan, "{a}..={b}");
        }
        for (t, edge) in [(299, 110.0), (150, 101.0), (10, 100.5), (299, 99.0)] {
            let band = Band {
                low: edge - 1.0,
                high: edge,
            };
            let scan = (0..=t).rev().find(|&j| data[j].low <= edge);
            assert_eq!(
                history.last_touch(Side::Long, band, t),
                scan,
                "long {t} {edge}"
            );
            let band = Band {
                low: edge + 100.0,
                high: edge + 101.0,
            };
            let scan = (0..=t).rev().find(|&j| data[j].high >= edge + 100.0);
            assert_eq!(history.last_touch(Side::Short, band, t), scan, "short {t}");
        }
    }
}
