//! Dose-response: if crowded levels pull price, bigger clusters should be reached more often than
//! smaller ones at the same distance.
//!
//! Within each distance bucket the clusters are cut into quintiles of notional (ranked within the
//! bucket, and within each dataset when datasets are pooled), and each quintile's reach is given with its Wilson interval, beside the reach of the
//! matched controls of its clusters. The test is a rank correlation, over the clusters that found
//! matched controls, between a cluster's notional rank within its bucket (as a share of the
//! bucket) and its excess reach: 1 if reached else 0, minus the share of its two controls
//! reached, ranked (ties share their mean rank). Taking the excess rather than the plain reach
//! removes what distance does inside a bucket, where size and distance may go together. The
//! ranks come from all the data; the interval resamples horizon-long blocks of bars with those
//! ranks fixed. A map that works only through "untouched levels get hit" shows no slope.

use serde::Serialize;

use super::bootstrap::{Blocks, ReachDifference};
use super::rate::{Rate, Tally};
use super::reach::{Source, Trial, Trials};
use super::summary::{bucket_of, buckets_in};

/// Size classes within a bucket.
pub const QUINTILES: usize = 5;

/// One size class of one distance bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoseBar {
    /// 1 for the smallest fifth of the bucket's clusters, 5 for the largest.
    pub quintile: usize,
    /// Smallest notional in the class, USD; `None` when it is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_low_usd: Option<f64>,
    /// Largest notional in the class, USD; `None` when it is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_high_usd: Option<f64>,
    /// Reach of the class's clusters.
    pub reach: Rate,
    /// Reach of the matched controls of its clusters that found them.
    pub control_reach: Rate,
}

/// The size classes of one distance bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoseBucket {
    /// Lower edge of the bucket, percent (inclusive).
    pub min_pct: f64,
    /// Upper edge, percent (exclusive); `None` for the last bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pct: Option<f64>,
    /// The quintiles, smallest first.
    pub bars: Vec<DoseBar>,
}

/// Reach by size within distance buckets, and whether it rises with size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoseResponse {
    /// The buckets within the window, nearest first.
    pub buckets: Vec<DoseBucket>,
    /// The rank correlation of size with excess reach (see the module documentation), in
    /// `estimate`, with its block-bootstrap interval.
    pub rank_correlation: ReachDifference,
    /// Clusters the correlation rests on (those with matched controls).
    pub clusters: u64,
    /// Whether the correlation's interval lies above zero.
    pub slope: bool,
    /// What it says, in one sentence.
    pub text: String,
}

/// Ranks of `values` from 0, ties sharing their mean rank.
fn mean_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (values.get(a), values.get(b));
        x.zip(y)
            .map_or(std::cmp::Ordering::Equal, |(x, y)| x.total_cmp(y))
    });
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let value = order.get(i).and_then(|&k| values.get(k)).copied();
        let mut j = i;
        while j < order.len() && order.get(j).and_then(|&k| values.get(k)).copied() == value {
            j += 1;
        }
        let rank = (i + j - 1) as f64 / 2.0;
        for &k in order.get(i..j).unwrap_or(&[]) {
            if let Some(slot) = ranks.get_mut(k) {
                *slot = rank;
            }
        }
        i = j;
    }
    ranks
}

/// Pearson's correlation from the sums `[n, x, y, xy, xx, yy]`.
fn correlation(s: &[f64]) -> Option<f64> {
    let &[n, x, y, xy, xx, yy] = s else {
        return None;
    };
    if n < 3.0 {
        return None;
    }
    let cov = xy / n - x / n * (y / n);
    let vx = xx / n - (x / n).powi(2);
    let vy = yy / n - (y / n).powi(2);
    (vx > 1e-15 && vy > 1e-15).then(|| (cov / (vx * vy).sqrt()).clamp(-1.0, 1.0))
}

/// The dose-response of the clusters among `trials`, within `max_distance_pct`.
pub(super) fn dose_response(trials: &Trials, max_distance_pct: f64) -> DoseResponse {
    let clusters: Vec<&Trial> = trials
        .items
        .iter()
        .filter(|t| t.source == Source::Cluster)
        .collect();
    // Notional share within the bucket, per cluster (same order as `clusters`).
    let mut share = vec![0.0; clusters.len()];
    let mut buckets = Vec::new();
    let parts = clusters.iter().map(|t| t.part + 1).max().unwrap_or(0);
    for (bucket, min_pct, max_pct) in buckets_in(max_distance_pct) {
        let mut reach = [Tally::default(); QUINTILES];
        let mut controls = [Tally::default(); QUINTILES];
        let mut range = [None::<(f64, f64)>; QUINTILES];
        // Sizes are ranked within each pooled dataset: notionals of different markets (or of
        // open interest against volume mode) are not on one scale.
        for part in 0..parts {
            let members: Vec<usize> = (0..clusters.len())
                .filter(|&i| {
                    clusters
                        .get(i)
                        .is_some_and(|t| t.part == part && bucket_of(t.abs_distance_pct) == bucket)
                })
                .collect();
            let notionals: Vec<f64> = members
                .iter()
                .filter_map(|&i| clusters.get(i).map(|t| t.notional_usd))
                .collect();
            let ranks = mean_ranks(&notionals);
            let n = members.len() as f64;
            for ((&i, &rank), &notional) in members.iter().zip(&ranks).zip(&notionals) {
                let fraction = (rank + 0.5) / n;
                if let Some(slot) = share.get_mut(i) {
                    *slot = fraction;
                }
                let q = ((fraction * QUINTILES as f64).floor() as usize).min(QUINTILES - 1);
                let Some(trial) = clusters.get(i) else {
                    continue;
                };
                if let Some(t) = reach.get_mut(q) {
                    t.add(trial.reached);
                }
                for probe in trial.matched.iter().flatten() {
                    if let Some(t) = controls.get_mut(q) {
                        t.add(probe.reached);
                    }
                }
                if let Some(r) = range.get_mut(q) {
                    *r = Some(r.map_or((notional, notional), |(lo, hi)| {
                        (f64::min(lo, notional), f64::max(hi, notional))
                    }));
                }
            }
        }
        buckets.push(DoseBucket {
            min_pct,
            max_pct,
            bars: (0..QUINTILES)
                .map(|q| DoseBar {
                    quintile: q + 1,
                    notional_low_usd: range.get(q).copied().flatten().map(|r| r.0),
                    notional_high_usd: range.get(q).copied().flatten().map(|r| r.1),
                    reach: reach.get(q).copied().unwrap_or_default().rate(),
                    control_reach: controls.get(q).copied().unwrap_or_default().rate(),
                })
                .collect(),
        });
    }
    // The matched clusters' size shares and excess reach, the excess ranked.
    let matched: Vec<(usize, f64, f64)> = clusters
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let controls = t.matched?;
            let reached = controls.iter().filter(|p| p.reached).count() as f64 / 2.0;
            Some((
                t.block,
                *share.get(i)?,
                f64::from(u8::from(t.reached)) - reached,
            ))
        })
        .collect();
    let excess: Vec<f64> = matched.iter().map(|m| m.2).collect();
    let excess_ranks = mean_ranks(&excess);
    let mut blocks = Blocks::new(6, trials.block_bars).with_resamples(trials.resamples);
    for (&(block, x, _), &y) in matched.iter().zip(&excess_ranks) {
        for (column, value) in [1.0, x, y, x * y, x * x, y * y].into_iter().enumerate() {
            blocks.add(block, column, value);
        }
    }
    let rank_correlation =
        blocks.interval(|row| row.first().is_some_and(|&n| n > 0.0), correlation);
    let slope = rank_correlation.clear_above_zero();
    let text = match (rank_correlation.estimate, slope) {
        (None, _) => "too few clusters with matched controls to test whether size matters".into(),
        (Some(_), true) => {
            "bigger clusters beat their matched controls by more than smaller ones at the same \
             distance: reach rises with size"
                .to_string()
        }
        (Some(_), false) => {
            "no clear rise of reach with cluster size at the same distance (the rank \
             correlation's interval is not above zero)"
                .to_string()
        }
    };
    DoseResponse {
        buckets,
        rank_correlation,
        clusters: matched.len() as u64,
        slope,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_datasets_rank_sizes_each_among_their_own() {
        // Two datasets, five clusters each at 3% from the close (the 2-5% bucket), notionals
        // 1..5 USD and 1000..5000 USD, only the largest of each reached. Ranked within its own
        // dataset, each largest cluster is in Q5: Q5 is 2 reached of 2, Q1 to Q4 none. Ranked
        // together, the small dataset's largest would sit in Q3.
        let trial = |part: usize, notional_usd: f64, reached: bool| Trial {
            block: part,
            part,
            source: Source::Cluster,
            side: crate::model::Side::Long,
            abs_distance_pct: 3.0,
            notional_usd,
            reached,
            matched: None,
            unmatched: None,
        };
        let items = (0..2)
            .flat_map(|part| {
                let scale = if part == 0 { 1.0 } else { 1000.0 };
                (1..=5).map(move |k| trial(part, k as f64 * scale, k == 5))
            })
            .collect();
        let trials = Trials {
            items,
            blocks: 2,
            block_bars: 1,
            resamples: 100,
        };
        let dose = dose_response(&trials, 10.0);
        let bucket = dose.buckets.iter().find(|b| b.min_pct == 2.0).unwrap();
        let reach: Vec<(u64, u64)> = bucket
            .bars
            .iter()
            .map(|b| (b.reach.hits, b.reach.total))
            .collect();
        assert_eq!(reach, [(0, 2), (0, 2), (0, 2), (0, 2), (2, 2)]);
    }

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(mean_ranks(&[3.0, 1.0, 3.0, 2.0]), vec![2.5, 0.0, 2.5, 1.0]);
    }

    #[test]
    fn correlation_by_hand() {
        // x = 0, 1, 2 and y = 0, 2, 4: a perfect line.
        let s = [3.0, 3.0, 6.0, 10.0, 5.0, 20.0];
        assert!((correlation(&s).unwrap() - 1.0).abs() < 1e-12);
        // y constant: no correlation defined.
        assert_eq!(correlation(&[3.0, 3.0, 3.0, 3.0, 5.0, 3.0]), None);
    }
}
