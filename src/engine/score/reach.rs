//! Reach: were the clusters standing at a bar entered by price within the horizon, more often
//! than empty control bands beside them?
//!
//! A long cluster (longs liquidated on a fall) is reached when a low of one of the next
//! `horizon_bars` bars is at or below its upper edge; a short cluster when a high is at or above
//! its lower edge. Bar t's own range does not count: the map at t is the state after t closed.
//!
//! Controls. The only band at exactly the cluster's distance on its side is the cluster itself,
//! so each cluster gets two controls that bracket its distance: the nearest band inward (toward
//! the close) and the nearest band outward, each of the same number of price rows on the map's
//! row grid, found by shifting the cluster's band one row at a time. A candidate must
//! - lie wholly on the cluster's side of the close (below it for longs, above for shorts),
//! - overlap no cluster band of that side at that bar (inside the window or not),
//! - hold less than `control_max_share` of the cluster's notional on that side, and
//! - be shifted by at most the window's height in rows plus the band's width.
//!
//! A cluster gets a control pair only when both exist; otherwise it is counted in
//! `clusters_without_control` and left out of the comparison. Each control counts as one trial,
//! so `control_reach.total` is twice `reach_with_control.total`.
//!
//! Why both: price that reaches a long cluster has passed its inward control, and price that
//! reaches the outward control has passed the cluster. With one inward control the map could at
//! best tie, with one outward control it could not lose. Against the pair, the map wins when
//! price runs to the clusters and turns there, and loses when it stops short of them: reach that
//! merely falls with distance gives a tie, and the mean distances of clusters and controls are
//! reported so a reader can check that they match.
//!
//! What beating the controls means. In this model a band near the price is mostly empty because
//! price passed through it lately and liquidated its levels, while clusters stand where price has
//! not been since they formed. A map that only said "where price has not been lately" would lose
//! to its controls whenever price keeps revisiting its recent range; clusters that beat them
//! carry information beyond that.

use std::ops::Range;

use serde::Serialize;

use super::bootstrap::{BlockCounts, ReachDifference, reach_difference};
use super::rate::{Rate, Tally};
use super::verdict::Verdict;
use super::{Progress, ProgressFn, ScoreError, ScoreParams, Stage};
use crate::engine::{Cluster, Engine, LayerSelection, LiqMap, StandingSweep};
use crate::model::{Dataset, Side};

/// Lower edges of the distance buckets, percent; the last bucket has no upper edge.
pub const DISTANCE_BUCKET_EDGES_PCT: [f64; 6] = [0.0, 1.0, 2.0, 5.0, 10.0, 20.0];

/// Bounds the control search, in rows, so a tiny row height cannot stall scoring.
const MAX_CONTROL_SHIFT_ROWS: i64 = 100_000;

/// Reach of one side's clusters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideReach {
    /// The side liquidated in these clusters.
    pub side: Side,
    /// Reach of every scored cluster of this side.
    pub reach: Rate,
    /// Reach of the clusters that got a control.
    pub reach_with_control: Rate,
    /// Reach of their controls.
    pub control_reach: Rate,
}

/// Reach of the clusters whose distance from the close falls in one bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistanceBucket {
    /// Lower edge of the bucket, percent of the close (inclusive).
    pub min_pct: f64,
    /// Upper edge, percent (exclusive); `None` for the last bucket.
    pub max_pct: Option<f64>,
    /// Reach of every scored cluster in the bucket.
    pub reach: Rate,
    /// Reach of the clusters in the bucket that got a control.
    pub reach_with_control: Rate,
    /// Reach of their controls (bucketed by their cluster's distance).
    pub control_reach: Rate,
}

/// The reach figures of one scoring run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReachScore {
    /// First bar of the span scored.
    pub first_bar: usize,
    /// End of the span scored (exclusive).
    pub end_bar: usize,
    /// Bars sampled and scored.
    pub sampled_bars: usize,
    /// Mean spacing of the sampled bars, in bars (1 when every bar was scored).
    pub sample_step_bars: f64,
    /// Bars of the span not scored because their horizon runs past its end.
    pub bars_cut_by_horizon: usize,
    /// Reach of every cluster within the distance window at a sampled bar.
    pub reach: Rate,
    /// Reach of the clusters that got a control: the figure to compare with `control_reach`.
    pub reach_with_control: Rate,
    /// Reach of the control bands (two per cluster with a control).
    pub control_reach: Rate,
    /// Clusters for which no control pair exists (left out of the comparison).
    pub clusters_without_control: u64,
    /// Mean |distance| of the scored clusters' peaks from the close, percent.
    pub mean_abs_distance_pct_clusters: Option<f64>,
    /// Mean |distance| of the control bands' middles from the close, percent.
    pub mean_abs_distance_pct_controls: Option<f64>,
    /// Figures by side, longs first.
    pub by_side: Vec<SideReach>,
    /// Figures by distance bucket, nearest first, up to the distance window.
    pub by_distance: Vec<DistanceBucket>,
    /// Clusters' reach minus their controls', with an interval from resampling horizon-long
    /// blocks of bars (nearby bars see the same bands; see [`super::bootstrap`]).
    pub reach_difference: ReachDifference,
    /// Clusters against controls, as a verdict.
    pub verdict: Verdict,
    /// The verdict in one sentence.
    pub verdict_text: String,
}

/// What became of one scored cluster.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Outcome {
    /// The sampled bar the cluster stood at.
    bar: usize,
    side: Side,
    abs_distance_pct: f64,
    reached: bool,
    /// For the inward and the outward control: whether it was reached, and its |distance| in
    /// percent.
    control: Option<[(bool, f64); 2]>,
}

/// A price band `[low, high]` in USD.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Band {
    pub(super) low: f64,
    pub(super) high: f64,
}

/// Scores reach over `span`, sampling at most `cap` bars.
pub(super) fn score_reach(
    engine: &Engine,
    dataset: &Dataset,
    selection: &LayerSelection,
    params: &ScoreParams,
    span: Range<usize>,
    cap: usize,
    on_progress: &mut ProgressFn<'_>,
) -> Result<ReachScore, ScoreError> {
    let (bars, cut) = sample_bars(span.clone(), params.horizon_bars, cap);
    let mut outcomes = Vec::new();
    // The sampled bars increase, so one sweep serves every map.
    let mut sweep = StandingSweep::new(engine);
    for (done, &bar) in bars.iter().enumerate() {
        outcomes.extend(outcomes_at(&mut sweep, dataset, selection, params, bar)?);
        let progress = Progress {
            stage: Stage::Reach,
            done: done + 1,
            total: bars.len(),
        };
        if !on_progress(progress) {
            return Err(ScoreError::Cancelled);
        }
    }
    let scoreable = span.len() - cut;
    Ok(summarise(
        &outcomes,
        params,
        span,
        bars.len(),
        cut,
        if bars.is_empty() {
            0.0
        } else {
            scoreable as f64 / bars.len() as f64
        },
    ))
}

/// The bars of `span` whose horizon stays inside it, evenly sampled down to `cap`, and how many
/// bars of the span were cut because their horizon runs past its end.
pub(super) fn sample_bars(span: Range<usize>, horizon: usize, cap: usize) -> (Vec<usize>, usize) {
    let scoreable_end = span.end.saturating_sub(horizon).max(span.start);
    let scoreable = scoreable_end - span.start;
    let cut = span.len() - scoreable;
    let bars = if scoreable <= cap {
        (span.start..scoreable_end).collect()
    } else {
        (0..cap).map(|i| span.start + i * scoreable / cap).collect()
    };
    (bars, cut)
}

/// Whether price entered `band` of `side`, given the lowest low and highest high to come.
fn entered(side: Side, band: Band, min_low: f64, max_high: f64) -> bool {
    match side {
        Side::Long => min_low <= band.high,
        Side::Short => max_high >= band.low,
    }
}

/// The clusters at `bar` within the window, each with its control, and what price did next.
fn outcomes_at(
    sweep: &mut StandingSweep<'_>,
    dataset: &Dataset,
    selection: &LayerSelection,
    params: &ScoreParams,
    bar: usize,
) -> Result<Vec<Outcome>, ScoreError> {
    let Some(future) = dataset.bars.get(bar + 1..=bar + params.horizon_bars) else {
        return Ok(Vec::new());
    };
    let min_low = future.iter().map(|b| b.low).fold(f64::INFINITY, f64::min);
    let max_high = future
        .iter()
        .map(|b| b.high)
        .fold(f64::NEG_INFINITY, f64::max);
    let (map, clusters) =
        sweep.map_and_clusters_at(bar, params.bin_usd, selection, &params.clusters)?;
    Ok(clusters
        .iter()
        .filter(|c| c.distance_pct.abs() <= params.max_distance_pct)
        .map(|cluster| {
            let band = Band {
                low: cluster.price_low,
                high: cluster.price_high,
            };
            let control = control_bands(&map, &clusters, cluster, params).map(|pair| {
                pair.map(|control| {
                    let middle = (control.low + control.high) / 2.0;
                    (
                        entered(cluster.side, control, min_low, max_high),
                        ((middle - map.close) / map.close * 100.0).abs(),
                    )
                })
            });
            Outcome {
                bar,
                side: cluster.side,
                abs_distance_pct: cluster.distance_pct.abs(),
                reached: entered(cluster.side, band, min_low, max_high),
                control,
            }
        })
        .collect())
}

/// The inward and outward control bands of `cluster` by the rule in the module documentation,
/// when both exist.
pub(super) fn control_bands(
    map: &LiqMap,
    clusters: &[Cluster],
    cluster: &Cluster,
    params: &ScoreParams,
) -> Option<[Band; 2]> {
    let bin = map.bin_usd;
    let close = map.close;
    let side = cluster.side;
    let row = |price: f64| (price / bin).round() as i64;
    let first = row(cluster.price_low);
    let width = (row(cluster.price_high) - first).max(1);
    // Bands of the same side as half-open row ranges.
    let taken: Vec<(i64, i64)> = clusters
        .iter()
        .filter(|c| c.side == side)
        .map(|c| (row(c.price_low), row(c.price_high)))
        .collect();
    let limit_usd = params.control_max_share * cluster.notional_usd;
    let row_usd = |r: i64| {
        usize::try_from(r - map.first_row)
            .ok()
            .filter(|&i| i < map.row_count())
            .map_or(0.0, |i| map.side_usd(i, side))
    };
    let valid = |start: i64| {
        let band = Band {
            low: start as f64 * bin,
            high: (start + width) as f64 * bin,
        };
        let on_side = match side {
            Side::Long => band.high <= close,
            Side::Short => band.low >= close,
        };
        let free = taken.iter().all(|&(s, e)| start + width <= s || start >= e);
        (on_side && free && (start..start + width).map(row_usd).sum::<f64>() < limit_usd)
            .then_some(band)
    };
    let outward = match side {
        Side::Long => -1,
        Side::Short => 1,
    };
    let window_rows = (close * params.max_distance_pct / 100.0 / bin).ceil();
    let max_shift = if window_rows.is_finite() {
        (window_rows as i64 + width).min(MAX_CONTROL_SHIFT_ROWS)
    } else {
        0
    };
    let inward = (1..=max_shift).find_map(|k| valid(first - outward * k))?;
    let outer = (1..=max_shift).find_map(|k| valid(first + outward * k))?;
    Some([inward, outer])
}

/// Hits of clusters, of clusters with a control, and of controls.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    reach: Tally,
    reach_with_control: Tally,
    control: Tally,
}

impl Counts {
    fn add(&mut self, outcome: &Outcome) {
        self.reach.add(outcome.reached);
        if let Some(pair) = outcome.control {
            self.reach_with_control.add(outcome.reached);
            for (control_reached, _) in pair {
                self.control.add(control_reached);
            }
        }
    }
}

/// The clusters with a control and their controls, per block of `horizon` bars from `first_bar`.
fn block_counts(outcomes: &[Outcome], first_bar: usize, horizon: usize) -> Vec<BlockCounts> {
    let mut blocks: Vec<BlockCounts> = Vec::new();
    for outcome in outcomes {
        let Some(pair) = outcome.control else {
            continue;
        };
        let index = outcome.bar.saturating_sub(first_bar) / horizon.max(1);
        if blocks.len() <= index {
            blocks.resize(index + 1, BlockCounts::default());
        }
        let Some(block) = blocks.get_mut(index) else {
            continue;
        };
        block.clusters += 1;
        block.cluster_hits += u64::from(outcome.reached);
        for (control_reached, _) in pair {
            block.controls += 1;
            block.control_hits += u64::from(control_reached);
        }
    }
    blocks
}

fn bucket_of(abs_distance_pct: f64) -> usize {
    DISTANCE_BUCKET_EDGES_PCT
        .iter()
        .rposition(|&edge| abs_distance_pct >= edge)
        .unwrap_or(0)
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum / count as f64)
}

fn summarise(
    outcomes: &[Outcome],
    params: &ScoreParams,
    span: Range<usize>,
    sampled_bars: usize,
    bars_cut_by_horizon: usize,
    sample_step_bars: f64,
) -> ReachScore {
    let mut all = Counts::default();
    let mut sides = [Counts::default(); 2];
    let mut buckets = [Counts::default(); DISTANCE_BUCKET_EDGES_PCT.len()];
    for outcome in outcomes {
        all.add(outcome);
        if let Some(counts) = sides.get_mut(outcome.side.index()) {
            counts.add(outcome);
        }
        if let Some(counts) = buckets.get_mut(bucket_of(outcome.abs_distance_pct)) {
            counts.add(outcome);
        }
    }
    let by_side = Side::BOTH
        .iter()
        .zip(&sides)
        .map(|(&side, c)| SideReach {
            side,
            reach: c.reach.rate(),
            reach_with_control: c.reach_with_control.rate(),
            control_reach: c.control.rate(),
        })
        .collect();
    let by_distance = buckets
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let min_pct = *DISTANCE_BUCKET_EDGES_PCT.get(i)?;
            (min_pct < params.max_distance_pct).then(|| DistanceBucket {
                min_pct,
                max_pct: DISTANCE_BUCKET_EDGES_PCT.get(i + 1).copied(),
                reach: c.reach.rate(),
                reach_with_control: c.reach_with_control.rate(),
                control_reach: c.control.rate(),
            })
        })
        .collect();
    let reach_with_control = all.reach_with_control.rate();
    let control_reach = all.control.rate();
    let reach_difference = reach_difference(
        &block_counts(outcomes, span.start, params.horizon_bars),
        params.horizon_bars.max(1),
    );
    let verdict = Verdict::compare(&reach_with_control, &control_reach, &reach_difference);
    ReachScore {
        first_bar: span.start,
        end_bar: span.end,
        sampled_bars,
        sample_step_bars,
        bars_cut_by_horizon,
        reach: all.reach.rate(),
        reach_with_control,
        control_reach,
        clusters_without_control: all.reach.total - all.reach_with_control.total,
        mean_abs_distance_pct_clusters: mean(outcomes.iter().map(|o| o.abs_distance_pct)),
        mean_abs_distance_pct_controls: mean(
            outcomes
                .iter()
                .filter_map(|o| o.control)
                .flatten()
                .map(|c| c.1),
        ),
        by_side,
        by_distance,
        reach_difference,
        verdict,
        verdict_text: verdict.sentence().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_cuts_the_horizon_and_caps() {
        // 10 bars, horizon 3: bars 7, 8, 9 would look past bar 9; bars 0..7 are scored.
        assert_eq!(sample_bars(0..10, 3, 100), ((0..7).collect(), 3));
        // Capped at 3 of those 7: 0, 7/3 -> 2, 14/3 -> 4.
        assert_eq!(sample_bars(0..10, 3, 3), (vec![0, 2, 4], 3));
        // A span shorter than the horizon scores nothing and cuts every bar.
        assert_eq!(sample_bars(5..7, 3, 100), (vec![], 2));
    }

    #[test]
    fn buckets() {
        assert_eq!(bucket_of(0.5), 0);
        assert_eq!(bucket_of(1.0), 1);
        assert_eq!(bucket_of(4.9), 2);
        assert_eq!(bucket_of(50.0), 5);
    }

    #[test]
    fn entering_by_side() {
        let band = Band {
            low: 90.0,
            high: 92.0,
        };
        assert!(entered(Side::Long, band, 92.0, 200.0));
        assert!(!entered(Side::Long, band, 92.5, 200.0));
        assert!(entered(Side::Short, band, 0.0, 90.0));
        assert!(!entered(Side::Short, band, 0.0, 89.9));
    }
}
