//! Control bands: the empty bands a cluster (or a baseline level) is compared with.
//!
//! Matched controls (the main comparison). For a band of `w` rows on the map's row grid whose
//! edge nearest the close lies `D` rows from it, a matched control is a band of the same `w` rows
//! shifted by `k` rows, with `w <= k <= tolerance x D` (so it does not overlap the band and its
//! distance from the close differs by at most the tolerance), that
//! - lies wholly on the band's side of the close (below it for longs, above for shorts),
//! - has been untouched for at least as long as the band: no bar after the band's formation bar
//!   up to the scored bar traded into it. For a cluster that bar is the bar of
//!   [`Cluster::formed_time_ms`], or the last bar that traded into the cluster's band when that
//!   came later (price can enter a band without killing every level in it); for a baseline
//!   level, the last bar that traded into its band,
//! - overlaps no cluster band of that side at that bar, and
//! - for a cluster, holds less than `control_max_share` of its notional.
//!
//! A band is matched when one control inward (toward the close) and one outward exist at the
//! same shift `k`; the smallest such `k` is taken. The pair's mean distance is the band's own,
//! so reach that merely falls with distance gives a tie (up to the curvature of reach against
//! distance over `k` rows), and both controls are as untouched as the band: a band near the
//! price that price just passed through can no longer stand in for a cluster.
//!
//! Unmatched controls (the older comparison, kept as a second line): the nearest band inward and
//! the nearest outward of the same width that lie on the side, overlap no cluster of the side and
//! hold less than `control_max_share` of the cluster's notional, each shifted independently by
//! at most the window's height plus the band's width, and whether or not price traded there
//! lately. They compare "untouched" with "recently visited" as much as "crowded" with "empty".

use super::ScoreParams;
use super::history::{Band, PriceHistory};
use crate::engine::{Cluster, LiqMap};
use crate::model::Side;

/// Bounds the unmatched control search, in rows, so a tiny row height cannot stall scoring.
const MAX_CONTROL_SHIFT_ROWS: i64 = 100_000;

/// The row of a band edge that lies on the grid.
fn grid_row(price: f64, bin: f64) -> i64 {
    (price / bin).round() as i64
}

/// `+1` when moving away from the close on `side` increases the row, `-1` otherwise.
fn outward(side: Side) -> i64 {
    match side {
        Side::Long => -1,
        Side::Short => 1,
    }
}

/// A band to find controls for, on the map's row grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Subject {
    /// The side liquidated there: long below the close, short above.
    pub(super) side: Side,
    /// First row of the band.
    pub(super) first_row: i64,
    /// Rows of the band (at least 1).
    pub(super) width_rows: i64,
    /// The bar since which controls must be untouched.
    pub(super) formed_bar: usize,
    /// Controls must hold less notional than this on the side, USD; `None`: no limit.
    pub(super) max_control_usd: Option<f64>,
}

impl Subject {
    /// The band of a cluster formed at `formed_bar`.
    pub(super) fn of_cluster(
        cluster: &Cluster,
        bin: f64,
        formed_bar: usize,
        params: &ScoreParams,
    ) -> Subject {
        let first_row = grid_row(cluster.price_low, bin);
        Subject {
            side: cluster.side,
            first_row,
            width_rows: (grid_row(cluster.price_high, bin) - first_row).max(1),
            formed_bar,
            max_control_usd: Some(params.control_max_share * cluster.notional_usd),
        }
    }

    /// The band of a cluster seen at `bar`, whose controls must be untouched for at least as
    /// long as it: since it formed, or since price last traded into it when that came later.
    pub(super) fn of_cluster_at(
        cluster: &Cluster,
        bin: f64,
        (bar, bar_times_ms): (usize, &[i64]),
        history: &PriceHistory<'_>,
        params: &ScoreParams,
    ) -> Subject {
        // The last bar opening at or before the formation time, and not after the scored bar.
        let formed = bar_times_ms
            .partition_point(|&t| t <= cluster.formed_time_ms)
            .saturating_sub(1)
            .min(bar);
        let band = Band {
            low: cluster.price_low,
            high: cluster.price_high,
        };
        let since = formed.max(history.last_touch(cluster.side, band, bar).unwrap_or(0));
        Subject::of_cluster(cluster, bin, since, params)
    }

    /// The band's prices.
    pub(super) fn band(&self, bin: f64) -> Band {
        band_at(self.first_row, self.width_rows, bin)
    }
}

fn band_at(first_row: i64, width_rows: i64, bin: f64) -> Band {
    Band {
        low: first_row as f64 * bin,
        high: (first_row + width_rows) as f64 * bin,
    }
}

/// A pair of controls, inward first, and the rows they are shifted by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ControlPair {
    /// Inward and outward bands.
    pub(super) bands: [Band; 2],
    /// Rows each is shifted by from the subject, inward then outward.
    pub(super) shift_rows: [i64; 2],
}

/// The map and the price history the controls of one scored bar are searched in.
pub(super) struct Search<'a> {
    map: &'a LiqMap,
    history: &'a PriceHistory<'a>,
    /// The scored bar.
    bar: usize,
    /// Largest shift, as a share of the subject's distance from the close.
    tolerance: f64,
    /// First row held: the map's first, or a cluster band's when lower.
    first_row: i64,
    /// Rows held from `first_row`.
    rows: i64,
    /// Per side, over the rows held: running counts of rows inside a cluster
    /// band, and running sums of USD, each one longer than the rows (0 first), so that every
    /// candidate band is checked in constant time.
    covered: [Vec<u32>; 2],
    usd: [Vec<f64>; 2],
}

impl<'a> Search<'a> {
    /// A search at `bar` of `map` and its `clusters`.
    pub(super) fn new(
        map: &'a LiqMap,
        clusters: &[Cluster],
        history: &'a PriceHistory<'a>,
        bar: usize,
        tolerance: f64,
    ) -> Search<'a> {
        let bin = map.bin_usd;
        let bands: Vec<(Side, i64, i64)> = clusters
            .iter()
            .map(|c| {
                (
                    c.side,
                    grid_row(c.price_low, bin),
                    grid_row(c.price_high, bin),
                )
            })
            .collect();
        // The rows held: the map's, widened to every cluster band.
        let first_row = bands.iter().map(|b| b.1).fold(map.first_row, i64::min);
        let end_row = bands
            .iter()
            .map(|b| b.2)
            .fold(map.first_row + map.row_count() as i64, i64::max);
        let rows = usize::try_from(end_row - first_row).unwrap_or(0);
        let running = |side: Side| {
            let mut inside = vec![false; rows];
            for &(_, start, end) in bands.iter().filter(|b| b.0 == side) {
                for r in start..end {
                    if let Some(slot) = usize::try_from(r - first_row)
                        .ok()
                        .and_then(|i| inside.get_mut(i))
                    {
                        *slot = true;
                    }
                }
            }
            let mut covered = Vec::with_capacity(rows + 1);
            let mut usd = Vec::with_capacity(rows + 1);
            let (mut count, mut sum) = (0u32, 0.0);
            covered.push(0);
            usd.push(0.0);
            for (i, &is_inside) in inside.iter().enumerate() {
                count += u32::from(is_inside);
                let map_row = usize::try_from(first_row + i as i64 - map.first_row)
                    .ok()
                    .filter(|&r| r < map.row_count());
                sum += map_row.map_or(0.0, |r| map.side_usd(r, side));
                covered.push(count);
                usd.push(sum);
            }
            (covered, usd)
        };
        let (long_covered, long_usd) = running(Side::Long);
        let (short_covered, short_usd) = running(Side::Short);
        Search {
            map,
            history,
            bar,
            tolerance,
            first_row,
            rows: rows as i64,
            covered: [long_covered, short_covered],
            usd: [long_usd, short_usd],
        }
    }

    /// The running-sum positions of rows `[start, start + width)`, clipped to the rows held.
    fn span(&self, start: i64, width: i64) -> (usize, usize) {
        let clip = |r: i64| (r - self.first_row).clamp(0, self.rows) as usize;
        (clip(start), clip(start + width))
    }

    /// USD of `side` in rows `[start, start + width)`.
    fn band_usd(&self, side: Side, start: i64, width: i64) -> f64 {
        let (a, b) = self.span(start, width);
        let sums = self.usd.get(side.index());
        let at = |i: usize| sums.and_then(|s| s.get(i)).copied().unwrap_or(0.0);
        at(b) - at(a)
    }

    /// Whether rows `[start, start + width)` overlap a cluster band of `side`.
    fn overlaps_cluster(&self, side: Side, start: i64, width: i64) -> bool {
        let (a, b) = self.span(start, width);
        let counts = self.covered.get(side.index());
        let at = |i: usize| counts.and_then(|c| c.get(i)).copied().unwrap_or(0);
        at(b) > at(a)
    }

    /// Rules shared by both kinds of control: on the side, free of clusters, not crowded.
    fn plain_control(&self, subject: &Subject, start: i64) -> Option<Band> {
        let band = band_at(start, subject.width_rows, self.map.bin_usd);
        let on_side = match subject.side {
            Side::Long => band.high <= self.map.close,
            Side::Short => band.low >= self.map.close,
        };
        let crowded = subject
            .max_control_usd
            .is_some_and(|limit| self.band_usd(subject.side, start, subject.width_rows) >= limit);
        (on_side && !crowded && !self.overlaps_cluster(subject.side, start, subject.width_rows))
            .then_some(band)
    }

    /// The matched pair of `subject` by the rules in the module documentation, if any.
    pub(super) fn matched(&self, subject: &Subject) -> Option<ControlPair> {
        let bin = self.map.bin_usd;
        let band = subject.band(bin);
        let close = self.map.close;
        let distance_rows = match subject.side {
            Side::Long => (close - band.high) / bin,
            Side::Short => (band.low - close) / bin,
        };
        let max_shift = (self.tolerance * distance_rows).floor();
        if !(max_shift.is_finite() && max_shift >= subject.width_rows as f64) {
            return None;
        }
        let max_shift = (max_shift as i64).min(MAX_CONTROL_SHIFT_ROWS);
        let (min_low, max_high) = self
            .history
            .extremes(subject.formed_bar.saturating_add(1)..=self.bar);
        let untouched = |b: Band| match subject.side {
            Side::Long => b.high < min_low,
            Side::Short => b.low > max_high,
        };
        let out = outward(subject.side);
        let control = |start: i64| self.plain_control(subject, start).filter(|&b| untouched(b));
        (subject.width_rows..=max_shift).find_map(|k| {
            let inward = control(subject.first_row - out * k)?;
            let outer = control(subject.first_row + out * k)?;
            Some(ControlPair {
                bands: [inward, outer],
                shift_rows: [-k, k],
            })
        })
    }

    /// The unmatched pair of a cluster, by the older rule in the module documentation.
    pub(super) fn unmatched(&self, subject: &Subject, params: &ScoreParams) -> Option<ControlPair> {
        let bin = self.map.bin_usd;
        let window_rows = (self.map.close * params.max_distance_pct / 100.0 / bin).ceil();
        let max_shift = if window_rows.is_finite() {
            (window_rows as i64 + subject.width_rows).min(MAX_CONTROL_SHIFT_ROWS)
        } else {
            0
        };
        let out = outward(subject.side);
        let (inward_k, inward) = (1..=max_shift)
            .find_map(|k| Some((k, self.plain_control(subject, subject.first_row - out * k)?)))?;
        let (outward_k, outer) = (1..=max_shift)
            .find_map(|k| Some((k, self.plain_control(subject, subject.first_row + out * k)?)))?;
        Some(ControlPair {
            bands: [inward, outer],
            shift_rows: [-inward_k, outward_k],
        })
    }
}

#[cfg(test)]
mod tests {
    //! The matching rules by hand. One-minute bars flat at 100.5 with rows of 1 USD; only bar 0
    //! trades (201 USD of 10x longs, level 90.45 on row 90), so the map holds 201 USD on row 90
    //! and nothing else. The clusters are written by hand, so each rule can be switched on alone.
    use super::*;
    use crate::engine::Engine;
    use crate::model::{Bar, Dataset};
    use crate::settings::{LeverageTier, ModelSettings, SourceChoice, SplitChoice, TierList};

    const CLOSE: f64 = 100.5;

    fn bar(i: usize, low: f64, high: f64) -> Bar {
        Bar {
            open_time_ms: i as i64 * 60_000,
            open: CLOSE,
            high,
            low,
            close: CLOSE,
            volume: if i == 0 { 2.0 } else { 0.0 },
            taker_buy_volume: None,
            quote_volume: None,
        }
    }

    /// 20 flat bars, with the given (bar, low, high) changes.
    fn bars(changes: &[(usize, f64, f64)]) -> Vec<Bar> {
        let mut out: Vec<Bar> = (0..20).map(|i| bar(i, CLOSE, CLOSE)).collect();
        for &(i, low, high) in changes {
            out[i] = bar(i, low, high);
        }
        out
    }

    fn map_of(data: &[Bar], at: usize) -> LiqMap {
        let dataset = Dataset {
            exchange: "test".into(),
            symbol: "TESTUSDT".into(),
            interval_ms: 60_000,
            bars: data.to_vec(),
            open_interest: Vec::new(),
            liquidations: Vec::new(),
        };
        let settings = ModelSettings {
            source: SourceChoice::Volume,
            split: SplitChoice::Fixed(1.0),
            tiers: TierList(vec![LeverageTier {
                leverage: 10.0,
                weight: 1.0,
            }]),
            mmr: 0.0,
            ..ModelSettings::default()
        };
        let engine = Engine::new(&dataset, &settings).unwrap();
        engine.map_at(at, 1.0, &engine.default_selection()).unwrap()
    }

    fn cluster(side: Side, low: f64, high: f64) -> Cluster {
        Cluster {
            side,
            price_low: low,
            price_high: high,
            peak_price: (low + high) / 2.0,
            notional_usd: 1000.0,
            tier_share: vec![1.0],
            distance_pct: ((low + high) / 2.0 - CLOSE) / CLOSE * 100.0,
            formed_time_ms: 0,
        }
    }

    fn subject(side: Side, first_row: i64, width_rows: i64, formed_bar: usize) -> Subject {
        Subject {
            side,
            first_row,
            width_rows,
            formed_bar,
            max_control_usd: None,
        }
    }

    fn band(low: f64, high: f64) -> Band {
        Band { low, high }
    }

    fn matched(
        data: &[Bar],
        clusters: &[Cluster],
        subject: &Subject,
        tolerance: f64,
    ) -> Option<ControlPair> {
        let map = map_of(data, 10);
        let history = PriceHistory::new(data);
        Search::new(&map, clusters, &history, 10, tolerance).matched(subject)
    }

    #[test]
    fn the_nearest_untouched_free_pair_at_the_same_distance_is_the_control() {
        // A long band [80, 82] (2 rows) 18.5 rows below the close 100.5: with a tolerance of
        // 0.25, shifts of 2..=4 rows are allowed (floor(0.25 * 18.5) = 4). At k = 2: inward
        // [82, 84], outward [78, 80].
        let data = bars(&[]);
        let clusters = [cluster(Side::Long, 80.0, 82.0)];
        let pair = matched(&data, &clusters, &subject(Side::Long, 80, 2, 0), 0.25).unwrap();
        assert_eq!(pair.bands, [band(82.0, 84.0), band(78.0, 80.0)]);
        assert_eq!(pair.shift_rows, [-2, 2]);
        // A short band [120, 121]: 19.5 rows above, k = 1: inward [119, 120], outward [121, 122].
        let clusters = [cluster(Side::Short, 120.0, 121.0)];
        let pair = matched(&data, &clusters, &subject(Side::Short, 120, 1, 0), 0.25).unwrap();
        assert_eq!(pair.bands, [band(119.0, 120.0), band(121.0, 122.0)]);
    }

    #[test]
    fn a_band_price_visited_since_the_cluster_formed_is_not_a_control() {
        // Bar 5 dips to 82.5: it enters [82, 84] (82.5 <= 84) and every band above it, after the
        // cluster [80, 82] formed at bar 0. No inward band within 4 rows is left untouched.
        let data = bars(&[(5, 82.5, CLOSE)]);
        let clusters = [cluster(Side::Long, 80.0, 82.0)];
        assert_eq!(
            matched(&data, &clusters, &subject(Side::Long, 80, 2, 0), 0.25),
            None
        );
        // Formed at bar 5 (or last touched then), the cluster is untouched only since bar 5:
        // bars 6..=10 stay at 100.5, so [82, 84] qualifies again.
        let pair = matched(&data, &clusters, &subject(Side::Long, 80, 2, 5), 0.25).unwrap();
        assert_eq!(pair.bands[0], band(82.0, 84.0));
        // A dip to 84.5 touches [84, 86] but not [82, 84] (84.5 > 84): k = 2 still qualifies.
        let data = bars(&[(5, 84.5, CLOSE)]);
        assert!(matched(&data, &clusters, &subject(Side::Long, 80, 2, 0), 0.25).is_some());
        // For shorts, a high at or above the band's lower edge touches it: a spike to 119.0
        // touches the inward [119, 120].
        let data = bars(&[(3, CLOSE, 119.0)]);
        let clusters = [cluster(Side::Short, 120.0, 121.0)];
        assert_eq!(
            matched(&data, &clusters, &subject(Side::Short, 120, 1, 0), 0.25),
            None
        );
    }

    #[test]
    fn a_band_holding_a_cluster_is_not_a_control() {
        // Another long cluster on [78, 79] overlaps the outward band at k = 2 ([78, 80]) and at
        // k = 3 ([77, 79]); k = 4 gives [84, 86] and [76, 78] (touching [78, 79] only at an edge).
        let data = bars(&[]);
        let clusters = [
            cluster(Side::Long, 80.0, 82.0),
            cluster(Side::Long, 78.0, 79.0),
        ];
        let pair = matched(&data, &clusters, &subject(Side::Long, 80, 2, 0), 0.25).unwrap();
        assert_eq!(pair.bands, [band(84.0, 86.0), band(76.0, 78.0)]);
        // A short cluster there does not count against a long band.
        let clusters = [
            cluster(Side::Long, 80.0, 82.0),
            cluster(Side::Short, 78.0, 79.0),
        ];
        let pair = matched(&data, &clusters, &subject(Side::Long, 80, 2, 0), 0.25).unwrap();
        assert_eq!(pair.shift_rows, [-2, 2]);
    }

    #[test]
    fn a_crowded_band_is_not_a_control() {
        // Row 90 holds 201 USD of longs. A band [91, 92] (8.5 rows below; tolerance 0.5 allows
        // k = 1..=4) whose controls must hold under 100 USD: at k = 1 the outward [90, 91] holds
        // 201 USD; k = 2 gives [93, 94] and [89, 90], both empty.
        let data = bars(&[]);
        let clusters = [cluster(Side::Long, 91.0, 92.0)];
        let mut s = subject(Side::Long, 91, 1, 0);
        s.max_control_usd = Some(100.0);
        let pair = matched(&data, &clusters, &s, 0.5).unwrap();
        assert_eq!(pair.bands, [band(93.0, 94.0), band(89.0, 90.0)]);
        // Without the limit, k = 1 qualifies.
        s.max_control_usd = None;
        assert_eq!(
            matched(&data, &clusters, &s, 0.5).unwrap().shift_rows,
            [-1, 1]
        );
        // [92, 94] (2 rows, 6.5 rows below, k = 2..=3) under the limit: k = 2's outward
        // [90, 92] and k = 3's outward [89, 91] both hold row 90: no control.
        let clusters = [cluster(Side::Long, 92.0, 94.0)];
        let mut s = subject(Side::Long, 92, 2, 0);
        s.max_control_usd = Some(100.0);
        assert_eq!(matched(&data, &clusters, &s, 0.5), None);
    }

    #[test]
    fn too_near_the_close_or_beyond_the_tolerance_there_is_no_control() {
        let data = bars(&[]);
        // [98, 99]: 1.5 rows below; floor(0.25 * 1.5) = 0 < 1 row: no shift allowed.
        let clusters = [cluster(Side::Long, 98.0, 99.0)];
        assert_eq!(
            matched(&data, &clusters, &subject(Side::Long, 98, 1, 0), 0.25),
            None
        );
        // With a tolerance of 1.0, k = 1 is allowed: inward [99, 100] lies below the close
        // 100.5 and qualifies.
        assert!(matched(&data, &clusters, &subject(Side::Long, 98, 1, 0), 1.0).is_some());
        // [99, 100] with tolerance 2.0: 0.5 rows below, floor(1.0) = 1: inward [100, 101] reaches
        // above the close, so it is not wholly on the long side.
        let clusters = [cluster(Side::Long, 99.0, 100.0)];
        assert_eq!(
            matched(&data, &clusters, &subject(Side::Long, 99, 1, 0), 2.0),
            None
        );
    }
}
