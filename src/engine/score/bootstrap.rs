//! Differences between reach rates, with intervals that do not pretend nearby bars are
//! independent.
//!
//! Sampled bars a few bars apart see the same bands and the same price path, so counting every
//! cluster as an independent trial (as the Wilson intervals do) makes intervals too narrow.
//! Here the scored bars are cut into blocks of one horizon each, so that what happens in one block
//! barely overlaps the next, and whole blocks are drawn with replacement (a block bootstrap).
//! The 2.5th and 97.5th percentiles of the resampled statistic make the interval.
//!
//! A block holds sums in columns (hits and trials of each group, or sums for a correlation); a
//! statistic reads the summed columns of a resample. Datasets scored together are pooled by
//! concatenating their blocks, which are independent.

use serde::Serialize;

/// Resamples drawn by default; the seed is fixed so that the same data gives the same interval.
pub const DEFAULT_RESAMPLES: usize = 2_000;
/// Seed of the resampling.
const SEED: u64 = 0x6c69_716d_6170;

/// A difference of reach rates (or another statistic), with a block-bootstrap 95% interval.
///
/// Serialised, an absent figure is left out rather than written as `null`, and the key
/// `interval` says why it is absent ([`IntervalStatus`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "DifferenceJson")]
pub struct ReachDifference {
    /// The statistic on all the data (for reach: the first rate minus the second); `None`
    /// without trials.
    pub estimate: Option<f64>,
    /// Lower end of the 95% interval; `None` with fewer than two blocks.
    pub ci95_low: Option<f64>,
    /// Upper end of the 95% interval; `None` with fewer than two blocks.
    pub ci95_high: Option<f64>,
    /// Blocks holding at least one trial.
    pub blocks: usize,
    /// Bars a block spans (the horizon; the longest one when datasets are pooled).
    pub block_bars: usize,
}

/// Whether a [`ReachDifference`] has its interval, and why not: the `interval` key of its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalStatus {
    /// The 95% interval from resampled blocks is given.
    BlockBootstrap95,
    /// No trials: neither the estimate nor an interval exists.
    AbsentNoTrials,
    /// An estimate but fewer than two blocks holding trials: no interval.
    AbsentFewerThanTwoBlocks,
}

/// The JSON form of a [`ReachDifference`]: absent figures omitted, with the status beside.
#[derive(Serialize)]
struct DifferenceJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    estimate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ci95_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ci95_high: Option<f64>,
    blocks: usize,
    block_bars: usize,
    interval: IntervalStatus,
}

impl From<ReachDifference> for DifferenceJson {
    fn from(d: ReachDifference) -> DifferenceJson {
        DifferenceJson {
            estimate: d.estimate,
            ci95_low: d.ci95_low,
            ci95_high: d.ci95_high,
            blocks: d.blocks,
            block_bars: d.block_bars,
            interval: d.status(),
        }
    }
}

impl ReachDifference {
    /// Whether the interval is there, and why not.
    pub fn status(&self) -> IntervalStatus {
        match (self.estimate, self.ci95_low, self.ci95_high) {
            (None, _, _) => IntervalStatus::AbsentNoTrials,
            (Some(_), Some(_), Some(_)) => IntervalStatus::BlockBootstrap95,
            (Some(_), _, _) => IntervalStatus::AbsentFewerThanTwoBlocks,
        }
    }

    /// One line for people: `NAME: +D points, 95% interval [+L, +H] ...`.
    pub fn describe_as(&self, name: &str) -> String {
        let points = |v: f64| format!("{:+.1}", v * 100.0);
        let Some(estimate) = self.estimate else {
            return format!("{name}: -");
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
        format!("{name}: {} points, {interval}", points(estimate))
    }

    /// [`Self::describe_as`] named "clusters minus controls".
    pub fn describe(&self) -> String {
        self.describe_as("clusters minus controls")
    }

    /// Whether the whole interval lies above zero.
    pub fn clear_above_zero(&self) -> bool {
        self.ci95_low.is_some_and(|low| low > 0.0)
    }

    /// Whether the interval exists and holds zero.
    pub fn covers_zero(&self) -> bool {
        matches!((self.ci95_low, self.ci95_high), (Some(low), Some(high)) if low <= 0.0 && high >= 0.0)
    }
}

/// Sums per block, `width` columns each.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Blocks {
    width: usize,
    sums: Vec<f64>,
    /// Bars a block spans.
    pub(super) block_bars: usize,
    /// Resamples drawn for an interval.
    pub(super) resamples: usize,
}

impl Blocks {
    /// No blocks yet, `width` columns each, of `block_bars` bars.
    pub(super) fn new(width: usize, block_bars: usize) -> Blocks {
        Blocks {
            width,
            sums: Vec::new(),
            block_bars,
            resamples: DEFAULT_RESAMPLES,
        }
    }

    /// The same, drawing `resamples` resamples for an interval.
    pub(super) fn with_resamples(mut self, resamples: usize) -> Blocks {
        self.resamples = resamples.max(1);
        self
    }

    /// Adds `value` to `column` of `block`, adding blocks as needed.
    pub(super) fn add(&mut self, block: usize, column: usize, value: f64) {
        if column >= self.width {
            return;
        }
        let needed = (block + 1) * self.width;
        if self.sums.len() < needed {
            self.sums.resize(needed, 0.0);
        }
        if let Some(slot) = self.sums.get_mut(block * self.width + column) {
            *slot += value;
        }
    }

    fn rows(&self) -> impl Iterator<Item = &[f64]> {
        self.sums.chunks_exact(self.width.max(1))
    }

    /// The statistic over every block, and its interval over resamples of the blocks `keep`
    /// accepts (blocks without trials do not count).
    pub(super) fn interval(
        &self,
        keep: impl Fn(&[f64]) -> bool,
        statistic: impl Fn(&[f64]) -> Option<f64>,
    ) -> ReachDifference {
        let kept: Vec<&[f64]> = self.rows().filter(|row| keep(row)).collect();
        let mut total = vec![0.0; self.width];
        for row in &kept {
            add_into(&mut total, row);
        }
        let interval = (kept.len() >= 2)
            .then(|| percentile_interval(&kept, self.width, self.resamples, &statistic))
            .flatten();
        ReachDifference {
            estimate: if kept.is_empty() {
                None
            } else {
                statistic(&total)
            },
            ci95_low: interval.map(|i| i.0),
            ci95_high: interval.map(|i| i.1),
            blocks: kept.len(),
            block_bars: self.block_bars,
        }
    }
}

fn add_into(total: &mut [f64], row: &[f64]) {
    for (t, v) in total.iter_mut().zip(row) {
        *t += v;
    }
}

/// The 2.5th and 97.5th percentiles of the statistic over resamples of whole blocks.
fn percentile_interval(
    blocks: &[&[f64]],
    width: usize,
    resamples: usize,
    statistic: &impl Fn(&[f64]) -> Option<f64>,
) -> Option<(f64, f64)> {
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut sum = vec![0.0; width];
    let mut values: Vec<f64> = (0..resamples)
        .filter_map(|_| {
            sum.iter_mut().for_each(|s| *s = 0.0);
            for _ in 0..blocks.len() {
                if let Some(block) = blocks.get(rng.usize(..blocks.len())) {
                    add_into(&mut sum, block);
                }
            }
            statistic(&sum).filter(|v| v.is_finite())
        })
        .collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let index = ((values.len() - 1) as f64 * q).round() as usize;
        values.get(index).copied()
    };
    Some((at(0.025)?, at(0.975)?))
}

/// `hits / trials` of a column pair, when there were trials.
pub(super) fn ratio(sums: &[f64], hits: usize, trials: usize) -> Option<f64> {
    let trials = *sums.get(trials)?;
    (trials > 0.0).then(|| sums.get(hits).map(|h| h / trials))?
}

/// The rate of columns `a` (hits, trials) minus the rate of columns `b`.
pub(super) fn rate_difference(sums: &[f64], a: [usize; 2], b: [usize; 2]) -> Option<f64> {
    Some(ratio(sums, a[0], a[1])? - ratio(sums, b[0], b[1])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of (cluster hits, clusters, control hits, controls).
    fn blocks(rows: &[[u64; 4]], block_bars: usize) -> Blocks {
        let mut out = Blocks::new(4, block_bars);
        for (i, row) in rows.iter().enumerate() {
            for (column, &v) in row.iter().enumerate() {
                out.add(i, column, v as f64);
            }
        }
        out
    }

    fn difference(b: &Blocks) -> ReachDifference {
        b.interval(|row| row[1] > 0.0, |s| rate_difference(s, [0, 1], [2, 3]))
    }

    #[test]
    fn identical_blocks_give_a_point_interval() {
        // Every block: clusters 5/5, controls 5/10: every resample differs by 1 - 0.5 = 0.5.
        let d = difference(&blocks(&[[5, 5, 5, 10]; 7], 5));
        assert_eq!(d.estimate, Some(0.5));
        assert_eq!((d.ci95_low, d.ci95_high), (Some(0.5), Some(0.5)));
        assert_eq!((d.blocks, d.block_bars), (7, 5));
    }

    #[test]
    fn opposite_blocks_give_a_wide_interval_around_zero() {
        // Ten blocks where clusters win (1/1 vs 0/2) and ten where controls win (0/1 vs 2/2).
        // A resample with k winning blocks of 20 differs by k/20 - (20-k)/20 = (2k - 20)/20,
        // k ~ Binomial(20, 1/2): sd 1/sqrt(20) = 0.224, so the interval is about +-0.44.
        let mut rows = vec![[1, 1, 0, 2]; 10];
        rows.extend(vec![[0, 1, 2, 2]; 10]);
        let d = difference(&blocks(&rows, 24));
        assert_eq!(d.estimate, Some(0.0));
        let (low, high) = (d.ci95_low.unwrap(), d.ci95_high.unwrap());
        assert!((-0.6..=-0.3).contains(&low), "{low}");
        assert!((0.3..=0.6).contains(&high), "{high}");
        assert!(d.covers_zero() && !d.clear_above_zero());
    }

    #[test]
    fn the_line_for_people() {
        let d = difference(&blocks(&[[5, 5, 5, 10]; 7], 5));
        assert_eq!(
            d.describe(),
            "clusters minus controls: +50.0 points, 95% interval [+50.0, +50.0] resampling 7 \
             blocks of 5 bars"
        );
    }

    #[test]
    fn one_block_has_no_interval_and_empty_blocks_do_not_count() {
        let d = difference(&blocks(&[[3, 4, 1, 8], [0, 0, 0, 0]], 5));
        assert_eq!(d.blocks, 1);
        assert_eq!(d.estimate, Some(0.75 - 0.125));
        assert_eq!((d.ci95_low, d.ci95_high), (None, None));
    }
}
