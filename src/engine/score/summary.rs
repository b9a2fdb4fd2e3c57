//! The trials of a run (or of pooled runs) made into figures: clusters against matched and
//! unmatched controls, against each baseline, reach against distance, and the dose-response.

use serde::Serialize;

use super::baselines::BaselineKind;
use super::bootstrap::{Blocks, ReachDifference, rate_difference};
use super::dose::{DoseResponse, dose_response};
use super::rate::{Rate, Tally};
use super::reach::{Probe, Source, Trial, Trials};
use super::verdict::Verdict;
use crate::model::Side;

/// Lower edges of the distance buckets, percent; the last bucket has no upper edge.
pub const DISTANCE_BUCKET_EDGES_PCT: [f64; 6] = [0.0, 1.0, 2.0, 5.0, 10.0, 20.0];
/// Points of the reach-against-distance curve across the distance window.
pub const CURVE_POINTS: usize = 10;

/// Reach of one side's bands against their controls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideComparison {
    /// The side liquidated in these bands.
    pub side: Side,
    /// Reach of the bands that found controls.
    pub reach: Rate,
    /// Reach of their controls.
    pub control_reach: Rate,
}

/// Reach of the bands whose distance from the close falls in one bucket, against their controls
/// (bucketed by their band's distance).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistanceComparison {
    /// Lower edge of the bucket, percent of the close (inclusive).
    pub min_pct: f64,
    /// Upper edge, percent (exclusive); `None` for the last bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pct: Option<f64>,
    /// Reach of the bands that found controls.
    pub reach: Rate,
    /// Reach of their controls.
    pub control_reach: Rate,
}

/// Bands (clusters, or one baseline's levels) against their controls. Serialised, the
/// difference's fields (`estimate`, `ci95_low`, `ci95_high`, `blocks`, `block_bars`) come first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Reach of the bands minus reach of their controls, with a block-bootstrap interval.
    #[serde(flatten)]
    pub difference: ReachDifference,
    /// Reach of the bands that found controls.
    pub reach: Rate,
    /// Reach of their controls (two per band).
    pub control_reach: Rate,
    /// Bands that found controls.
    pub with_control: u64,
    /// Bands that found none (left out of the comparison).
    pub without_control: u64,
    /// Mean |distance| from the close of the bands that found controls, percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_abs_distance_pct: Option<f64>,
    /// Mean |distance| of their controls, percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_abs_distance_pct_controls: Option<f64>,
    /// Figures by side, longs first.
    pub by_side: Vec<SideComparison>,
    /// Figures by distance bucket, nearest first, up to the distance window.
    pub by_distance: Vec<DistanceComparison>,
    /// Bands against controls, as a verdict.
    pub verdict: Verdict,
    /// The verdict in one sentence.
    pub verdict_text: String,
}

/// One kind of baseline level, scored like clusters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineScore {
    /// Which levels.
    pub kind: BaselineKind,
    /// Its name for tables.
    pub name: String,
    /// Reach of every level of this kind within the window at a sampled bar.
    pub reach: Rate,
    /// The levels against their matched controls.
    pub matched: Comparison,
    /// Clusters' matched difference minus this baseline's, with a block-bootstrap interval:
    /// above zero when clusters pull price beyond equally far, equally untouched bands more than
    /// these levels do.
    pub clusters_minus_baseline: ReachDifference,
}

/// Reach at one step of distance from the close.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Lower edge of the step, percent (inclusive).
    pub min_pct: f64,
    /// Upper edge, percent (exclusive; the last step includes it).
    pub max_pct: f64,
    /// Reach of every cluster whose peak lies in the step.
    pub clusters: Rate,
    /// Reach of the matched controls lying in the step.
    pub matched_controls: Rate,
    /// Reach of the best baseline's levels in the step, when there is a best baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_baseline: Option<Rate>,
}

/// The reach figures of a run or of pooled runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReachFigures {
    /// Reach of every cluster within the distance window at a sampled bar.
    pub reach: Rate,
    /// Clusters against matched controls: the main comparison.
    pub matched: Comparison,
    /// Clusters against the older, unmatched controls (nearest free bands, touched or not).
    pub unmatched: Comparison,
    /// Each baseline against its matched controls, and clusters against it.
    pub baselines: Vec<BaselineScore>,
    /// The baseline with the largest matched difference (among those with enough trials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_baseline: Option<BaselineKind>,
    /// Clusters' matched difference minus the best baseline's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters_minus_best_baseline: Option<ReachDifference>,
    /// Whether the map adds information beyond the levels traders already use: clusters beat
    /// their matched controls and the best baseline, each with the interval above zero.
    pub adds_information: bool,
    /// That judgement in one sentence.
    pub information_text: String,
    /// Reach against distance for clusters, matched controls and the best baseline.
    pub curve: Vec<CurvePoint>,
    /// Reach by cluster size within distance buckets, and a rank-correlation test.
    pub dose_response: DoseResponse,
    /// The matched verdict (the same as `matched.verdict`).
    pub verdict: Verdict,
    /// The matched verdict in one sentence.
    pub verdict_text: String,
}

/// The bucket of DISTANCE_BUCKET_EDGES_PCT holding `abs_distance_pct`.
pub(super) fn bucket_of(abs_distance_pct: f64) -> usize {
    DISTANCE_BUCKET_EDGES_PCT
        .iter()
        .rposition(|&edge| abs_distance_pct >= edge)
        .unwrap_or(0)
}

/// The buckets that start inside the window, as (index, min, max).
pub(super) fn buckets_in(max_distance_pct: f64) -> Vec<(usize, f64, Option<f64>)> {
    DISTANCE_BUCKET_EDGES_PCT
        .iter()
        .enumerate()
        .filter(|&(_, &min)| min < max_distance_pct)
        .map(|(i, &min)| (i, min, DISTANCE_BUCKET_EDGES_PCT.get(i + 1).copied()))
        .collect()
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum / count as f64)
}

/// Hits of bands with controls and of their controls.
#[derive(Debug, Clone, Copy, Default)]
struct Pair {
    bands: Tally,
    controls: Tally,
}

impl Pair {
    fn add(&mut self, reached: bool, controls: &[Probe; 2]) {
        self.bands.add(reached);
        for probe in controls {
            self.controls.add(probe.reached);
        }
    }
}

/// Adds a trial's band and controls to columns `[hits, bands, control hits, controls]` from
/// `first`.
fn add_block(blocks: &mut Blocks, first: usize, trial: &Trial, controls: &[Probe; 2]) {
    blocks.add(trial.block, first, f64::from(u8::from(trial.reached)));
    blocks.add(trial.block, first + 1, 1.0);
    for probe in controls {
        blocks.add(trial.block, first + 2, f64::from(u8::from(probe.reached)));
        blocks.add(trial.block, first + 3, 1.0);
    }
}

/// The bands of `trials` against the controls `pair` picks.
fn comparison<'t>(
    trials: impl Iterator<Item = &'t Trial> + Clone,
    pair: fn(&Trial) -> Option<[Probe; 2]>,
    max_distance_pct: f64,
    (block_bars, resamples): (usize, usize),
) -> Comparison {
    let mut all = Pair::default();
    let mut sides = [Pair::default(); 2];
    let mut buckets = [Pair::default(); DISTANCE_BUCKET_EDGES_PCT.len()];
    let mut blocks = Blocks::new(4, block_bars).with_resamples(resamples);
    let mut without = 0u64;
    for trial in trials.clone() {
        let Some(controls) = pair(trial) else {
            without += 1;
            continue;
        };
        all.add(trial.reached, &controls);
        if let Some(p) = sides.get_mut(trial.side.index()) {
            p.add(trial.reached, &controls);
        }
        if let Some(p) = buckets.get_mut(bucket_of(trial.abs_distance_pct)) {
            p.add(trial.reached, &controls);
        }
        add_block(&mut blocks, 0, trial, &controls);
    }
    let difference = blocks.interval(
        |row| row.get(1).is_some_and(|&n| n > 0.0),
        |s| rate_difference(s, [0, 1], [2, 3]),
    );
    let reach = all.bands.rate();
    let control_reach = all.controls.rate();
    let verdict = Verdict::compare(&reach, &control_reach, &difference);
    let matched = trials.clone().filter_map(|t| Some((t, pair(t)?)));
    Comparison {
        difference,
        reach,
        control_reach,
        with_control: reach.total,
        without_control: without,
        mean_abs_distance_pct: mean(matched.clone().map(|(t, _)| t.abs_distance_pct)),
        mean_abs_distance_pct_controls: mean(
            matched.flat_map(|(_, c)| c.map(|p| p.abs_distance_pct)),
        ),
        by_side: Side::BOTH
            .iter()
            .zip(&sides)
            .map(|(&side, p)| SideComparison {
                side,
                reach: p.bands.rate(),
                control_reach: p.controls.rate(),
            })
            .collect(),
        by_distance: buckets_in(max_distance_pct)
            .into_iter()
            .filter_map(|(i, min_pct, max_pct)| {
                let p = buckets.get(i)?;
                Some(DistanceComparison {
                    min_pct,
                    max_pct,
                    reach: p.bands.rate(),
                    control_reach: p.controls.rate(),
                })
            })
            .collect(),
        verdict,
        verdict_text: verdict.sentence().to_string(),
    }
}

fn matched_of(t: &Trial) -> Option<[Probe; 2]> {
    t.matched
}

fn unmatched_of(t: &Trial) -> Option<[Probe; 2]> {
    t.unmatched
}

/// Clusters' matched difference minus `kind`'s, over blocks holding either.
fn clusters_minus(trials: &Trials, kind: BaselineKind) -> ReachDifference {
    let mut blocks = Blocks::new(8, trials.block_bars).with_resamples(trials.resamples);
    for trial in &trials.items {
        let Some(controls) = trial.matched else {
            continue;
        };
        match trial.source {
            Source::Cluster => add_block(&mut blocks, 0, trial, &controls),
            Source::Baseline(k) if k == kind => add_block(&mut blocks, 4, trial, &controls),
            Source::Baseline(_) => {}
        }
    }
    blocks.interval(
        |row| row.get(1).is_some_and(|&n| n > 0.0) || row.get(5).is_some_and(|&n| n > 0.0),
        |s| Some(rate_difference(s, [0, 1], [2, 3])? - rate_difference(s, [4, 5], [6, 7])?),
    )
}

/// Reach against distance in [`CURVE_POINTS`] steps across the window.
fn curve(trials: &Trials, best: Option<BaselineKind>, max_distance_pct: f64) -> Vec<CurvePoint> {
    let step = max_distance_pct / CURVE_POINTS as f64;
    let index = |d: f64| {
        let i = (d / step).floor();
        (i >= 0.0 && d <= max_distance_pct).then(|| (i as usize).min(CURVE_POINTS - 1))
    };
    let mut clusters = [Tally::default(); CURVE_POINTS];
    let mut controls = [Tally::default(); CURVE_POINTS];
    let mut baseline = [Tally::default(); CURVE_POINTS];
    for trial in &trials.items {
        let slot = index(trial.abs_distance_pct);
        match trial.source {
            Source::Cluster => {
                if let Some(t) = slot.and_then(|i| clusters.get_mut(i)) {
                    t.add(trial.reached);
                }
                for probe in trial.matched.iter().flatten() {
                    if let Some(t) = index(probe.abs_distance_pct).and_then(|i| controls.get_mut(i))
                    {
                        t.add(probe.reached);
                    }
                }
            }
            Source::Baseline(kind) if Some(kind) == best => {
                if let Some(t) = slot.and_then(|i| baseline.get_mut(i)) {
                    t.add(trial.reached);
                }
            }
            Source::Baseline(_) => {}
        }
    }
    (0..CURVE_POINTS)
        .map(|i| CurvePoint {
            min_pct: i as f64 * step,
            max_pct: (i + 1) as f64 * step,
            clusters: clusters.get(i).copied().unwrap_or_default().rate(),
            matched_controls: controls.get(i).copied().unwrap_or_default().rate(),
            best_baseline: best.map(|_| baseline.get(i).copied().unwrap_or_default().rate()),
        })
        .collect()
}

/// The figures of `trials`, clusters scored within `max_distance_pct`.
pub(super) fn summarise(trials: &Trials, max_distance_pct: f64) -> ReachFigures {
    let clusters = || trials.items.iter().filter(|t| t.source == Source::Cluster);
    let mut reach = Tally::default();
    for trial in clusters() {
        reach.add(trial.reached);
    }
    let block_bars = (trials.block_bars, trials.resamples);
    let matched = comparison(clusters(), matched_of, max_distance_pct, block_bars);
    let unmatched = comparison(clusters(), unmatched_of, max_distance_pct, block_bars);
    let baselines: Vec<BaselineScore> = BaselineKind::ALL
        .iter()
        .map(|&kind| {
            let own = || {
                trials
                    .items
                    .iter()
                    .filter(move |t| t.source == Source::Baseline(kind))
            };
            let mut all = Tally::default();
            for trial in own() {
                all.add(trial.reached);
            }
            BaselineScore {
                kind,
                name: kind.name().to_string(),
                reach: all.rate(),
                matched: comparison(own(), matched_of, max_distance_pct, block_bars),
                clusters_minus_baseline: clusters_minus(trials, kind),
            }
        })
        .collect();
    let best = baselines
        .iter()
        .filter(|b| b.matched.verdict != Verdict::NoData)
        .filter_map(|b| Some((b, b.matched.difference.estimate?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(b, _)| b);
    let best_kind = best.map(|b| b.kind);
    let versus_best = best.map(|b| b.clusters_minus_baseline);
    let adds_information =
        matched.verdict == Verdict::MapHelps && versus_best.is_some_and(|d| d.clear_above_zero());
    let information_text = information_sentence(&matched, best, adds_information);
    ReachFigures {
        reach: reach.rate(),
        verdict: matched.verdict,
        verdict_text: matched.verdict_text.clone(),
        curve: curve(trials, best_kind, max_distance_pct),
        dose_response: dose_response(trials, max_distance_pct),
        matched,
        unmatched,
        baselines,
        best_baseline: best_kind,
        clusters_minus_best_baseline: versus_best,
        adds_information,
        information_text,
    }
}

fn information_sentence(
    matched: &Comparison,
    best: Option<&BaselineScore>,
    adds_information: bool,
) -> String {
    let Some(best) = best else {
        return "no baseline had enough levels with matched controls to compare: whether the map \
                adds to the levels traders already use is not measured here"
            .into();
    };
    if adds_information {
        format!(
            "the map ADDS INFORMATION: clusters beat their matched controls and beat the best \
             baseline ({}) with the 95% interval above zero",
            best.name
        )
    } else if matched.verdict == Verdict::MapHelps {
        format!(
            "clusters beat their matched controls, but not clearly more than the best baseline \
             ({}) beats its own: no evidence the map adds to the levels traders already use",
            best.name
        )
    } else {
        format!(
            "clusters did not clearly beat their matched controls; the best baseline was {}: no \
             evidence the map adds information here",
            best.name
        )
    }
}
