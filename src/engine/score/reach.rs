//! Reach: were the clusters standing at a bar entered by price within the horizon, more often
//! than control bands at the same distance, and more often than the levels traders already use?
//!
//! A long cluster (longs liquidated on a fall) is reached when a low of one of the next
//! `horizon_bars` bars is at or below its upper edge; a short cluster when a high is at or above
//! its lower edge. Bar t's own range does not count: the map at t is the state after t closed.
//!
//! Each cluster within the window is one trial, with up to two pairs of controls (see
//! [`super::controls`]): the matched pair (same side, width and distance, untouched since the
//! cluster formed, holding no cluster), which makes the main comparison, and the older unmatched
//! pair, kept as a second line. Each baseline level ([`super::baselines`]) within the window is a
//! trial of its kind with its own matched pair. [`super::summary`] turns the trials into figures.

use std::ops::Range;

use serde::Serialize;

use super::baselines::{BaselineKind, Baselines, level_rows, side_of};
use super::controls::{ControlPair, Search, Subject};
use super::history::{Band, PriceHistory, entered};
use super::maps::{MapSweep, Maps};
use super::summary::{ReachFigures, summarise};
use super::{Progress, ProgressFn, ScoreError, ScoreParams, Stage};
use crate::engine::LayerSelection;
use crate::model::{Dataset, Side};

/// What a trial's band is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// A cluster of the map.
    Cluster,
    /// A baseline level.
    Baseline(BaselineKind),
}

/// A control band of a trial: whether price entered it, and its distance from the close.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Probe {
    pub(super) reached: bool,
    pub(super) abs_distance_pct: f64,
}

/// One band at one scored bar and what price did next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Trial {
    /// The horizon-long block of bars of the scored bar (numbered across pooled datasets).
    pub(super) block: usize,
    /// Which of the pooled runs (datasets) the trial comes from; 0 in a single run.
    pub(super) part: usize,
    pub(super) source: Source,
    pub(super) side: Side,
    /// |distance| of the cluster's peak (or the level) from the close, percent.
    pub(super) abs_distance_pct: f64,
    /// The cluster's notional, USD (0 for baselines).
    pub(super) notional_usd: f64,
    pub(super) reached: bool,
    /// The matched controls, inward then outward.
    pub(super) matched: Option<[Probe; 2]>,
    /// The unmatched controls (clusters only).
    pub(super) unmatched: Option<[Probe; 2]>,
}

/// Every trial of a run, kept so that runs over several datasets can be pooled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trials {
    pub(super) items: Vec<Trial>,
    /// Blocks spanned (block numbers run below this).
    pub(super) blocks: usize,
    /// Bars a block spans.
    pub(super) block_bars: usize,
    /// Resamples of the block bootstrap.
    pub(super) resamples: usize,
}

impl Trials {
    /// The trials of several runs together, each run's blocks numbered after the previous ones'
    /// (blocks of different datasets are independent).
    pub fn pooled(parts: &[&Trials]) -> Trials {
        let mut out = Trials::default();
        for (index, part) in parts.iter().enumerate() {
            let offset = out.blocks;
            out.items.extend(part.items.iter().map(|t| Trial {
                block: t.block + offset,
                part: index,
                ..*t
            }));
            out.blocks += part.blocks;
            out.block_bars = out.block_bars.max(part.block_bars);
            out.resamples = out.resamples.max(part.resamples);
        }
        out
    }

    /// Clusters scored (within the window at a sampled bar).
    pub fn cluster_count(&self) -> usize {
        self.items
            .iter()
            .filter(|t| t.source == Source::Cluster)
            .count()
    }
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
    /// The figures.
    #[serde(flatten)]
    pub figures: ReachFigures,
    /// The trials behind the figures, for pooling datasets ([`super::pool`]).
    #[serde(skip)]
    pub trials: Trials,
}

/// Scores reach over `span`, sampling at most `cap` bars.
pub(super) fn score_reach(
    engine: &dyn Maps,
    dataset: &Dataset,
    selection: &LayerSelection,
    params: &ScoreParams,
    span: Range<usize>,
    cap: usize,
    on_progress: &mut ProgressFn<'_>,
) -> Result<ReachScore, ScoreError> {
    let (bars, cut) = sample_bars(span.clone(), params.horizon_bars, cap);
    let history = PriceHistory::new(&dataset.bars);
    let mut baselines = Baselines::new(&dataset.bars, &history, params.pivot_bars, params.bin_usd);
    let mut items = Vec::new();
    // The sampled bars increase, so one sweep serves every map.
    let mut sweep = engine.sweep();
    let horizon = params.horizon_bars.max(1);
    for (done, &bar) in bars.iter().enumerate() {
        let mut at = TrialsAt {
            engine,
            history: &history,
            params,
            bar,
            block: (bar - span.start) / horizon,
        };
        items.extend(at.collect(sweep.as_mut(), &mut baselines, selection)?);
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
    let trials = Trials {
        items,
        blocks: span.len().div_ceil(horizon),
        block_bars: horizon,
        resamples: params.bootstrap_resamples,
    };
    Ok(ReachScore {
        first_bar: span.start,
        end_bar: span.end,
        sampled_bars: bars.len(),
        sample_step_bars: if bars.is_empty() {
            0.0
        } else {
            scoreable as f64 / bars.len() as f64
        },
        bars_cut_by_horizon: cut,
        figures: summarise(&trials, params.max_distance_pct),
        trials,
    })
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

/// The trials of one scored bar.
struct TrialsAt<'a> {
    engine: &'a dyn Maps,
    history: &'a PriceHistory<'a>,
    params: &'a ScoreParams,
    bar: usize,
    block: usize,
}

impl TrialsAt<'_> {
    fn collect(
        &mut self,
        sweep: &mut dyn MapSweep,
        baselines: &mut Baselines<'_>,
        selection: &LayerSelection,
    ) -> Result<Vec<Trial>, ScoreError> {
        let params = self.params;
        let bar = self.bar;
        let (min_low, max_high) = self.history.extremes(bar + 1..=bar + params.horizon_bars);
        let (map, clusters) =
            sweep.map_and_clusters_at(bar, params.bin_usd, selection, &params.clusters)?;
        let bin = map.bin_usd;
        let close = map.close;
        let search = Search::new(&map, &clusters, self.history, bar, params.match_tolerance);
        let probes = |side: Side, reference: f64, pair: ControlPair| {
            let out = match side {
                Side::Long => -1.0,
                Side::Short => 1.0,
            };
            [0, 1].map(|i| Probe {
                reached: pair
                    .bands
                    .get(i)
                    .is_some_and(|&b| entered(side, b, min_low, max_high)),
                abs_distance_pct: pair.shift_rows.get(i).map_or(0.0, |&k| {
                    ((reference + out * k as f64 * bin - close) / close * 100.0).abs()
                }),
            })
        };
        let mut out = Vec::new();
        let mut widths = Vec::new();
        for cluster in clusters
            .iter()
            .filter(|c| c.distance_pct.abs() <= params.max_distance_pct)
        {
            let band = Band {
                low: cluster.price_low,
                high: cluster.price_high,
            };
            let subject = Subject::of_cluster_at(
                cluster,
                bin,
                (bar, self.engine.bar_times_ms()),
                self.history,
                params,
            );
            widths.push(subject.width_rows);
            out.push(Trial {
                block: self.block,
                part: 0,
                source: Source::Cluster,
                side: cluster.side,
                abs_distance_pct: cluster.distance_pct.abs(),
                notional_usd: cluster.notional_usd,
                reached: entered(cluster.side, band, min_low, max_high),
                matched: search
                    .matched(&subject)
                    .map(|p| probes(cluster.side, cluster.peak_price, p)),
                unmatched: search
                    .unmatched(&subject, params)
                    .map(|p| probes(cluster.side, cluster.peak_price, p)),
            });
        }
        widths.sort_unstable();
        let width = widths.get(widths.len() / 2).copied().unwrap_or(1).max(1);
        for level in baselines.levels_at(bar, params.max_distance_pct) {
            let Some(side) = side_of(level.price, close) else {
                continue;
            };
            let (first_row, band) = level_rows(side, level.price, width, bin);
            let on_side = match side {
                Side::Long => band.high <= close,
                Side::Short => band.low >= close,
            };
            if !on_side {
                continue;
            }
            let subject = Subject {
                side,
                first_row,
                width_rows: width,
                formed_bar: self.history.last_touch(side, band, bar).unwrap_or(0),
                max_control_usd: None,
            };
            out.push(Trial {
                block: self.block,
                part: 0,
                source: Source::Baseline(level.kind),
                side,
                abs_distance_pct: ((level.price - close) / close * 100.0).abs(),
                notional_usd: 0.0,
                reached: entered(side, band, min_low, max_high),
                matched: search
                    .matched(&subject)
                    .map(|p| probes(side, level.price, p)),
                unmatched: None,
            });
        }
        Ok(out)
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
