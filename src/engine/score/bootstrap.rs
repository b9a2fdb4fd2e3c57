//! The difference between the reach of clusters and of their controls, with an interval that
//! does not pretend nearby bars are independent.
//!
//! Sampled bars a few bars apart see the same bands and the same price path, so counting every
//! cluster as an independent trial (as the Wilson intervals do) makes intervals too narrow.
//! Here the scored bars are cut into blocks of one horizon each, so that what happens in one block
//! barely overlaps the next, and whole blocks are drawn with replacement (a block bootstrap).
//! The 2.5th and 97.5th percentiles of the resampled differences make the interval.

use serde::Serialize;

/// Resamples drawn; the seed is fixed so that the same data gives the same interval.
const RESAMPLES: usize = 2_000;
/// Seed of the resampling.
const SEED: u64 = 0x6c69_716d_6170;

/// Clusters' reach minus their controls' reach, with a block-bootstrap 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReachDifference {
    /// `reach_with_control.rate - control_reach.rate`; `None` without trials.
    pub estimate: Option<f64>,
    /// Lower end of the 95% interval; `None` with fewer than two blocks.
    pub ci95_low: Option<f64>,
    /// Upper end of the 95% interval; `None` with fewer than two blocks.
    pub ci95_high: Option<f64>,
    /// Blocks holding at least one cluster with a control.
    pub blocks: usize,
    /// Bars a block spans (the horizon).
    pub block_bars: usize,
}

impl ReachDifference {
    /// One line for people: the difference in percentage points and its interval.
    pub fn describe(&self) -> String {
        let points = |v: f64| format!("{:+.1}", v * 100.0);
        let Some(estimate) = self.estimate else {
            return "clusters minus controls: -".to_string();
        };
        let interval = match (self.ci95_low, self.ci95_high) {
            (Some(low), Some(high)) => format!(
                "95% interval [{}, {}] resampling {} blocks of {} bars",
                points(low),
                points(high),
                self.blocks,
                self.block_bars
            ),
            _ => format!(
                "no interval: {} block of {} bars (two are needed)",
                self.blocks, self.block_bars
            ),
        };
        format!(
            "clusters minus controls: {} points, {interval}",
            points(estimate)
        )
    }
}

/// The trials of one block: clusters with a control and those controls.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct BlockCounts {
    /// Clusters reached.
    pub cluster_hits: u64,
    /// Clusters with a control.
    pub clusters: u64,
    /// Controls reached.
    pub control_hits: u64,
    /// Controls.
    pub controls: u64,
}

impl BlockCounts {
    fn add(&mut self, other: &BlockCounts) {
        self.cluster_hits += other.cluster_hits;
        self.clusters += other.clusters;
        self.control_hits += other.control_hits;
        self.controls += other.controls;
    }

    fn difference(&self) -> Option<f64> {
        (self.clusters > 0 && self.controls > 0).then(|| {
            self.cluster_hits as f64 / self.clusters as f64
                - self.control_hits as f64 / self.controls as f64
        })
    }
}

/// The difference over `blocks` (empty blocks left out), each block spanning `block_bars`.
pub(super) fn reach_difference(blocks: &[BlockCounts], block_bars: usize) -> ReachDifference {
    let blocks: Vec<BlockCounts> = blocks.iter().copied().filter(|b| b.clusters > 0).collect();
    let mut total = BlockCounts::default();
    for block in &blocks {
        total.add(block);
    }
    let interval = (blocks.len() >= 2)
        .then(|| percentile_interval(&blocks))
        .flatten();
    ReachDifference {
        estimate: total.difference(),
        ci95_low: interval.map(|i| i.0),
        ci95_high: interval.map(|i| i.1),
        blocks: blocks.len(),
        block_bars,
    }
}

/// The 2.5th and 97.5th percentiles of the difference over resamples of whole blocks.
fn percentile_interval(blocks: &[BlockCounts]) -> Option<(f64, f64)> {
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut differences: Vec<f64> = (0..RESAMPLES)
        .filter_map(|_| {
            let mut sum = BlockCounts::default();
            for _ in 0..blocks.len() {
                if let Some(block) = blocks.get(rng.usize(..blocks.len())) {
                    sum.add(block);
                }
            }
            sum.difference()
        })
        .collect();
    if differences.is_empty() {
        return None;
    }
    differences.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let index = ((differences.len() - 1) as f64 * q).round() as usize;
        differences.get(index).copied()
    };
    Some((at(0.025)?, at(0.975)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(cluster_hits: u64, clusters: u64, control_hits: u64, controls: u64) -> BlockCounts {
        BlockCounts {
            cluster_hits,
            clusters,
            control_hits,
            controls,
        }
    }

    #[test]
    fn identical_blocks_give_a_point_interval() {
        // Every block: clusters 5/5, controls 5/10: every resample differs by 1 - 0.5 = 0.5.
        let d = reach_difference(&[block(5, 5, 5, 10); 7], 5);
        assert_eq!(d.estimate, Some(0.5));
        assert_eq!((d.ci95_low, d.ci95_high), (Some(0.5), Some(0.5)));
        assert_eq!((d.blocks, d.block_bars), (7, 5));
    }

    #[test]
    fn opposite_blocks_give_a_wide_interval_around_zero() {
        // Ten blocks where clusters win (1/1 vs 0/2) and ten where controls win (0/1 vs 2/2).
        // A resample with k winning blocks of 20 differs by k/20 - (20-k)/20 = (2k - 20)/20,
        // k ~ Binomial(20, 1/2): sd 1/sqrt(20) = 0.224, so the interval is about +-0.44.
        let mut blocks = vec![block(1, 1, 0, 2); 10];
        blocks.extend(vec![block(0, 1, 2, 2); 10]);
        let d = reach_difference(&blocks, 24);
        assert_eq!(d.estimate, Some(0.0));
        let (low, high) = (d.ci95_low.unwrap(), d.ci95_high.unwrap());
        assert!((-0.6..=-0.3).contains(&low), "{low}");
        assert!((0.3..=0.6).contains(&high), "{high}");
    }

    #[test]
    fn the_line_for_people() {
        let d = reach_difference(&[block(5, 5, 5, 10); 7], 5);
        assert_eq!(
            d.describe(),
            "clusters minus controls: +50.0 points, 95% interval [+50.0, +50.0] resampling 7 \
             blocks of 5 bars"
        );
    }

    #[test]
    fn one_block_has_no_interval_and_empty_blocks_do_not_count() {
        let d = reach_difference(&[block(3, 4, 1, 8), BlockCounts::default()], 5);
        assert_eq!(d.blocks, 1);
        assert_eq!(d.estimate, Some(0.75 - 0.125));
        assert_eq!((d.ci95_low, d.ci95_high), (None, None));
    }
}
