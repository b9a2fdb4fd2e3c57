//! Levels traders already watch, scored exactly like clusters: the same distance window,
//! horizon, reach rule and matched controls (see [`super::controls`]).
//!
//! At a scored bar t with close c:
//! - swing pivots: a bar's low (high) lower (higher) than those of the [`ScoreParams::pivot_bars`]
//!   bars on each side, confirmed by t, that no bar since has traded back to;
//! - round numbers: the nearest multiple of a round step below c and above it, the step being
//!   the power of ten at or below 5% of c (1,000 USD at 60,000, 1 USD at 40);
//! - the previous day's high and low: the extremes of the previous UTC day's bars;
//! - volume nodes: rows of the previous UTC day's volume profile (each bar's volume spread evenly
//!   over the rows of its range, on the map's row grid) that hold at least half the volume of
//!   the fullest row and are the fullest within two rows each way.
//!
//! A level below c is a long-side band (reached by a fall), above c a short-side band. Its band
//! is as wide as the median cluster band at t (one row without clusters): for a long-side level
//! the band ends with the row holding the level, for a short-side level it starts there, so
//! price reaching the level enters the band. Its controls must be untouched since the last bar
//! that traded into the band.

use serde::Serialize;

use super::history::{Band, PriceHistory};
use crate::model::{Bar, Side};

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;
/// The round step is the power of ten at or below this share of the close.
const ROUND_STEP_SHARE: f64 = 0.05;
/// A volume node holds at least this share of the fullest row's volume.
const NODE_MIN_SHARE: f64 = 0.5;
/// A volume node is the fullest row within this many rows each way.
const NODE_RADIUS_ROWS: usize = 2;
/// A day's profile spanning more rows than this has no nodes (bounds memory on odd data).
const MAX_PROFILE_ROWS: usize = 20_000;

/// A kind of level traders watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    /// Untouched swing highs and lows.
    SwingPivots,
    /// The nearest round numbers.
    RoundNumbers,
    /// The previous UTC day's high and low.
    PreviousDay,
    /// High-volume nodes of the previous UTC day's volume profile.
    VolumeNodes,
}

impl BaselineKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [BaselineKind; 4] = [
        BaselineKind::SwingPivots,
        BaselineKind::RoundNumbers,
        BaselineKind::PreviousDay,
        BaselineKind::VolumeNodes,
    ];

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            BaselineKind::SwingPivots => "swing highs/lows",
            BaselineKind::RoundNumbers => "round numbers",
            BaselineKind::PreviousDay => "previous day high/low",
            BaselineKind::VolumeNodes => "volume nodes",
        }
    }

    /// Position in [`Self::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A baseline level at a bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Level {
    pub(super) kind: BaselineKind,
    pub(super) price: f64,
}

/// The side of a level `price` seen from `close`, if it is not at the close.
pub(super) fn side_of(price: f64, close: f64) -> Option<Side> {
    if price < close {
        Some(Side::Long)
    } else if price > close {
        Some(Side::Short)
    } else {
        None
    }
}

/// The first row and the band of a level of `width_rows` rows (see the module documentation).
pub(super) fn level_rows(side: Side, price: f64, width_rows: i64, bin: f64) -> (i64, Band) {
    let row = (price / bin).floor() as i64;
    let first = match side {
        Side::Long => row - width_rows + 1,
        Side::Short => row,
    };
    (
        first,
        Band {
            low: first as f64 * bin,
            high: (first + width_rows) as f64 * bin,
        },
    )
}

/// The round numbers next to `close`: the multiples of the round step just below and above.
pub(super) fn round_levels(close: f64) -> [f64; 2] {
    let step = 10f64.powf((close * ROUND_STEP_SHARE).log10().floor());
    let mut below = (close / step).floor() * step;
    if below >= close {
        below -= step;
    }
    let mut above = (close / step).ceil() * step;
    if above <= close {
        above += step;
    }
    [below, above]
}

/// The rows of a volume profile that are nodes (see the module documentation).
pub(super) fn profile_nodes(profile: &[f64]) -> Vec<usize> {
    let max = profile.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    (0..profile.len())
        .filter(|&i| {
            let v = profile.get(i).copied().unwrap_or(0.0);
            let from = i.saturating_sub(NODE_RADIUS_ROWS);
            let to = (i + NODE_RADIUS_ROWS).min(profile.len() - 1);
            v >= NODE_MIN_SHARE * max
                && (from..i).all(|j| profile.get(j).is_some_and(|&w| w < v))
                && (i + 1..=to).all(|j| profile.get(j).is_some_and(|&w| w <= v))
        })
        .collect()
}

/// The previous day's extremes and volume nodes, for one day.
struct Day {
    index: i64,
    high_low: Option<(f64, f64)>,
    nodes: Vec<f64>,
}

/// Finds the baseline levels at bars visited in increasing order.
pub(super) struct Baselines<'a> {
    bars: &'a [Bar],
    history: &'a PriceHistory<'a>,
    pivot_bars: usize,
    bin: f64,
    /// Bars processed so far for the pivots.
    next_bar: usize,
    /// Prices of the untouched swing lows, increasing.
    lows: Vec<f64>,
    /// Prices of the untouched swing highs, decreasing.
    highs: Vec<f64>,
    day: Option<Day>,
}

impl<'a> Baselines<'a> {
    /// A finder over `bars` with pivots of `pivot_bars` bars each side and rows of `bin` USD.
    pub(super) fn new(
        bars: &'a [Bar],
        history: &'a PriceHistory<'a>,
        pivot_bars: usize,
        bin: f64,
    ) -> Self {
        Baselines {
            bars,
            history,
            pivot_bars: pivot_bars.max(1),
            bin,
            next_bar: 0,
            lows: Vec::new(),
            highs: Vec::new(),
            day: None,
        }
    }

    /// Whether bar `p` is a swing low (`low`) or high, against `pivot_bars` bars each side.
    fn is_pivot(&self, p: usize, low: bool) -> bool {
        let n = self.pivot_bars;
        let (Some(from), Some(center)) = (p.checked_sub(n), self.bars.get(p)) else {
            return false;
        };
        (from..=p + n).filter(|&j| j != p).all(|j| {
            self.bars.get(j).is_some_and(|b| {
                if low {
                    b.low > center.low
                } else {
                    b.high < center.high
                }
            })
        })
    }

    /// Moves the pivot lists forward to bar `t` (bars must come in increasing order).
    fn advance(&mut self, t: usize) {
        while self.next_bar <= t {
            let j = self.next_bar;
            let Some(bar) = self.bars.get(j) else {
                break;
            };
            // A low at or below an untouched swing low revisits it.
            while self.lows.last().is_some_and(|&p| bar.low <= p) {
                self.lows.pop();
            }
            while self.highs.last().is_some_and(|&p| bar.high >= p) {
                self.highs.pop();
            }
            if let Some(p) = j.checked_sub(self.pivot_bars)
                && let Some(center) = self.bars.get(p)
            {
                // The bars after p up to j are above its low (the pivot rule), so it is
                // untouched and above every low left in the list.
                if self.is_pivot(p, true) {
                    self.lows.push(center.low);
                }
                if self.is_pivot(p, false) {
                    self.highs.push(center.high);
                }
            }
            self.next_bar += 1;
        }
    }

    /// The previous UTC day's figures for the day of bar `t`.
    fn day_of(&mut self, t: usize) -> Option<&Day> {
        let time = self.bars.get(t)?.open_time_ms;
        let index = time.div_euclid(DAY_MS);
        if self.day.as_ref().is_none_or(|d| d.index != index) {
            let start = self
                .bars
                .partition_point(|b| b.open_time_ms < (index - 1) * DAY_MS);
            let end = self
                .bars
                .partition_point(|b| b.open_time_ms < index * DAY_MS);
            let day_bars = self.bars.get(start..end).unwrap_or(&[]);
            let high_low = (!day_bars.is_empty()).then(|| {
                let (low, high) = self.history.extremes(start..=end - 1);
                (high, low)
            });
            self.day = Some(Day {
                index,
                high_low,
                nodes: volume_nodes(day_bars, self.bin),
            });
        }
        self.day.as_ref()
    }

    /// The levels at bar `t` within `max_distance_pct` of its close.
    pub(super) fn levels_at(&mut self, t: usize, max_distance_pct: f64) -> Vec<Level> {
        self.advance(t);
        let Some(close) = self.bars.get(t).map(|b| b.close) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut push = |kind, price: f64| {
            if ((price - close) / close * 100.0).abs() <= max_distance_pct {
                out.push(Level { kind, price });
            }
        };
        for &price in self.lows.iter().chain(&self.highs) {
            push(BaselineKind::SwingPivots, price);
        }
        for price in round_levels(close) {
            push(BaselineKind::RoundNumbers, price);
        }
        if let Some(day) = self.day_of(t) {
            if let Some((high, low)) = day.high_low {
                push(BaselineKind::PreviousDay, high);
                push(BaselineKind::PreviousDay, low);
            }
            for &price in &day.nodes {
                push(BaselineKind::VolumeNodes, price);
            }
        }
        out
    }
}

/// The middle prices of the volume nodes of `bars` on rows of `bin` USD.
fn volume_nodes(bars: &[Bar], bin: f64) -> Vec<f64> {
    let row = |p: f64| (p / bin).floor() as i64;
    let Some(first) = bars.iter().map(|b| row(b.low)).min() else {
        return Vec::new();
    };
    let last = bars.iter().map(|b| row(b.high)).max().unwrap_or(first);
    let rows = usize::try_from(last - first + 1).unwrap_or(0);
    if rows == 0 || rows > MAX_PROFILE_ROWS {
        return Vec::new();
    }
    let mut profile = vec![0.0; rows];
    for bar in bars {
        let (a, b) = (row(bar.low) - first, row(bar.high) - first);
        let span = (b - a + 1).max(1) as f64;
        for r in a..=b {
            if let Some(slot) = usize::try_from(r).ok().and_then(|r| profile.get_mut(r)) {
                *slot += bar.volume / span;
            }
        }
    }
    profile_nodes(&profile)
        .into_iter()
        .map(|i| (first + i as i64) as f64 * bin + bin / 2.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hourly bars from 12:00 UTC on day 0 (bar 12 opens day 1), with these lows, highs two
    /// above, closes one above, and volume only in bar 6.
    fn hourly(lows: &[f64]) -> Vec<Bar> {
        lows.iter()
            .enumerate()
            .map(|(i, &low)| Bar {
                open_time_ms: (i as i64 + 12) * 3_600_000,
                open: low + 1.0,
                high: low + 2.0,
                low,
                close: low + 1.0,
                volume: if i == 6 { 3.0 } else { 0.0 },
                taker_buy_volume: None,
                quote_volume: None,
            })
            .collect()
    }

    fn prices(levels: &[Level], kind: BaselineKind) -> Vec<f64> {
        levels
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.price)
            .collect()
    }

    #[test]
    fn levels_by_hand() {
        // Pivots of 2 bars: bar 2 (low 100 under 105, 104 | 104, 105) and bar 6 (103 under 105,
        // 106 | 106, 107) are swing lows; no bar's high (low + 2) stands above both neighbours
        // on each side (bar 5's 108 ties bar 7's). Bar 12 (low 102.5) revisits 103, not 100.
        let lows = [
            105.0, 104.0, 100.0, 104.0, 105.0, 106.0, 103.0, 106.0, 107.0, 108.0, 109.0, 110.0,
            102.5,
        ];
        let bars = hourly(&lows);
        let history = PriceHistory::new(&bars);
        let mut finder = Baselines::new(&bars, &history, 2, 1.0);
        let at_11 = finder.levels_at(11, 10.0);
        assert_eq!(
            prices(&at_11, BaselineKind::SwingPivots),
            vec![100.0, 103.0]
        );
        // Close 111: round step 1 (5% is 5.55), so 110 and 112. Bar 11 is on day 0: no day
        // before it in the data.
        assert_eq!(
            prices(&at_11, BaselineKind::RoundNumbers),
            vec![110.0, 112.0]
        );
        assert!(prices(&at_11, BaselineKind::PreviousDay).is_empty());
        let at_12 = finder.levels_at(12, 10.0);
        assert_eq!(prices(&at_12, BaselineKind::SwingPivots), vec![100.0]);
        // Close 103.5: 103 and 104.
        assert_eq!(
            prices(&at_12, BaselineKind::RoundNumbers),
            vec![103.0, 104.0]
        );
        // Day 0 is bars 0..=11: high 112 (bar 11), low 100 (bar 2).
        assert_eq!(
            prices(&at_12, BaselineKind::PreviousDay),
            vec![112.0, 100.0]
        );
        // Bar 6's volume spreads over rows 103, 104, 105 ([103, 105] on rows of 1 USD); the
        // first of equal rows is the node: its middle is 103.5.
        assert_eq!(prices(&at_12, BaselineKind::VolumeNodes), vec![103.5]);
        // A 2% window keeps only levels within 2.07 USD of 103.5.
        let near = Baselines::new(&bars, &history, 2, 1.0).levels_at(12, 2.0);
        assert_eq!(prices(&near, BaselineKind::SwingPivots), Vec::<f64>::new());
        assert_eq!(prices(&near, BaselineKind::PreviousDay), Vec::<f64>::new());
    }

    #[test]
    fn round_numbers_by_hand() {
        // 5% of 61,234 is 3,062: step 1,000.
        assert_eq!(round_levels(61_234.0), [61_000.0, 62_000.0]);
        // 5% of 40 is 2: step 1; exactly on a multiple, the neighbours.
        assert_eq!(round_levels(40.0), [39.0, 41.0]);
    }

    #[test]
    fn nodes_are_full_local_peaks() {
        // Row 2 (10) is the peak; row 6 (6) is a local peak above half of 10; row 8 (4) is a
        // local peak below half; rows 3/4 are not peaks.
        let profile = [1.0, 2.0, 10.0, 9.0, 3.0, 2.0, 6.0, 1.0, 4.0, 0.0];
        assert_eq!(profile_nodes(&profile), vec![2, 6]);
    }

    #[test]
    fn level_bands_end_or_start_at_the_level() {
        // A level at 95.3 below the price, 3 rows of 1 USD: rows 93, 94, 95 -> [93, 96].
        assert_eq!(
            level_rows(Side::Long, 95.3, 3, 1.0),
            (
                93,
                Band {
                    low: 93.0,
                    high: 96.0
                }
            )
        );
        assert_eq!(
            level_rows(Side::Short, 105.3, 3, 1.0),
            (
                105,
                Band {
                    low: 105.0,
                    high: 108.0
                }
            )
        );
    }
}
