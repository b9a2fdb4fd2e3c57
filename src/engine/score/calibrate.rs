//! Calibration: the headline figures across model variants, and a search for tier weights fitted
//! on an earlier span and judged on a later one only.
//!
//! Cost: each variant builds one engine and scores it in full, so [`calibrate`] costs about as
//! much as a dozen plain scores. The weight search needs one engine (tier weights only re-sum
//! layers) but scores the training span once per trial, on at most [`FIT_SAMPLED_BARS`] bars.

use serde::Serialize;

use super::reach::score_reach;
use super::{
    Rate, ReachDifference, ScoreError, ScoreParams, ScoreReport, Verdict, score, score_span,
};
use crate::engine::{Engine, LayerSelection};
use crate::model::Dataset;
use crate::settings::{HalfLife, LeverageTier, ModelSettings, SourceChoice, SplitChoice, TierList};

/// Bars sampled per trial of the weight search.
pub const FIT_SAMPLED_BARS: usize = 200;
/// A trial of the weight search needs at least this many clusters with matched controls.
pub const MIN_FIT_CLUSTERS: u64 = 30;
/// Factors a tier's weight is multiplied by in each step of the search.
const FIT_FACTORS: [f64; 3] = [0.0, 0.5, 2.0];
/// Passes over the tiers.
const FIT_PASSES: usize = 2;

/// The figures that decide between settings, on the matched comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// Reach of the clusters that found matched controls.
    pub reach: Rate,
    /// Reach of their matched controls.
    pub control_reach: Rate,
    /// `reach.rate - control_reach.rate`: how much more often clusters were reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge: Option<f64>,
    /// The edge with its block-bootstrap interval.
    pub matched: ReachDifference,
    /// Clusters against matched controls.
    pub verdict: Verdict,
    /// Real-liquidation lift of the cluster bands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lift: Option<f64>,
    /// Real-liquidation lift of the matched control bands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_lift: Option<f64>,
    /// Real events in range the lifts rest on.
    pub events_in_range: u64,
}

/// The headline figures of a report.
pub fn headline(report: &ScoreReport) -> Headline {
    let matched = &report.reach_score.figures.matched;
    Headline {
        reach: matched.reach,
        control_reach: matched.control_reach,
        edge: edge(&matched.reach, &matched.control_reach),
        matched: matched.difference,
        verdict: matched.verdict,
        lift: report.real_score.lift,
        control_lift: report.real_score.lift_matched.control_lift,
        events_in_range: report.real_score.events_in_range,
    }
}

fn edge(clusters: &Rate, controls: &Rate) -> Option<f64> {
    Some(clusters.rate? - controls.rate?)
}

/// One variant of the model settings and how it scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantScore {
    /// What the variant changes, for example `split candle`.
    pub name: String,
    /// The variant's settings in one line (empty when they do not fit the dataset).
    pub settings: String,
    /// Its figures; `None` when it could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headline: Option<Headline>,
    /// Why it could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The variants tried: the settings given, then one change at a time.
fn variants(base: &ModelSettings, interval_ms: i64) -> Vec<(String, ModelSettings)> {
    let with = |f: &dyn Fn(&mut ModelSettings)| {
        let mut s = base.clone();
        f(&mut s);
        s
    };
    let tiers = |list: &[(f64, f64)]| {
        TierList(
            list.iter()
                .map(|&(leverage, weight)| LeverageTier { leverage, weight })
                .collect(),
        )
    };
    let equal = TierList(
        base.tiers
            .0
            .iter()
            .map(|t| LeverageTier {
                leverage: t.leverage,
                weight: 1.0,
            })
            .collect(),
    );
    let day_bars = if interval_ms > 0 {
        (24.0 * 3_600_000.0 / interval_ms as f64).max(1.0)
    } else {
        1.0
    };
    vec![
        ("as given".into(), base.clone()),
        (
            "source oi".into(),
            with(&|s| s.source = SourceChoice::OpenInterest),
        ),
        (
            "source volume".into(),
            with(&|s| s.source = SourceChoice::Volume),
        ),
        (
            "split taker".into(),
            with(&|s| s.split = SplitChoice::Taker),
        ),
        (
            "split candle".into(),
            with(&|s| s.split = SplitChoice::Candle),
        ),
        (
            "split fixed 0.5".into(),
            with(&|s| s.split = SplitChoice::Fixed(0.5)),
        ),
        ("tiers equal".into(), with(&|s| s.tiers = equal.clone())),
        (
            "tiers low leverage".into(),
            with(&|s| s.tiers = tiers(&[(5.0, 0.5), (10.0, 0.35), (25.0, 0.15)])),
        ),
        (
            "tiers high leverage".into(),
            with(&|s| s.tiers = tiers(&[(25.0, 0.2), (50.0, 0.4), (100.0, 0.4)])),
        ),
        (
            "no half-life".into(),
            with(&|s| s.half_life = HalfLife(None)),
        ),
        (
            "half-life 1 day".into(),
            with(&|s| s.half_life = HalfLife(Some(day_bars))),
        ),
        (
            "half-life 1 week".into(),
            with(&|s| s.half_life = HalfLife(Some(7.0 * day_bars))),
        ),
    ]
}

/// Scores the settings given and one change at a time (source, split, tier weights, half-life)
/// over the whole dataset. Variants whose resolved settings repeat an earlier one are left out;
/// those that do not fit the dataset are listed with the reason.
pub fn calibrate(
    dataset: &Dataset,
    base: &ModelSettings,
    params: &ScoreParams,
) -> Vec<VariantScore> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (name, settings) in variants(base, dataset.interval_ms) {
        let resolved = match settings.resolve(dataset) {
            Ok(r) => r,
            Err(err) => {
                out.push(VariantScore {
                    name,
                    settings: String::new(),
                    headline: None,
                    error: Some(err.to_string()),
                });
                continue;
            }
        };
        if seen.contains(&resolved) {
            continue;
        }
        seen.push(resolved.clone());
        let summary = resolved.summary();
        let outcome = Engine::with_resolved(dataset, resolved)
            .map_err(ScoreError::from)
            .and_then(|engine| score(&engine, dataset, &engine.default_selection(), params));
        out.push(match outcome {
            Ok(report) => VariantScore {
                name,
                settings: summary,
                headline: Some(headline(&report)),
                error: None,
            },
            Err(err) => VariantScore {
                name,
                settings: summary,
                headline: None,
                error: Some(err.to_string()),
            },
        });
    }
    out
}

/// A tier and its share of new notional.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TierShare {
    /// The tier's leverage.
    pub leverage: f64,
    /// Its share (shares sum to 1).
    pub share: f64,
}

/// Tier weights fitted on a training span and judged on the later span only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitReport {
    /// The training span, bars `[0, train_end_bar)`.
    pub train_end_bar: usize,
    /// The test span, bars `[train_end_bar, test_end_bar)`.
    pub test_end_bar: usize,
    /// Trials of the search.
    pub evaluations: usize,
    /// The weights the search started from.
    pub base_weights: Vec<TierShare>,
    /// The weights it chose.
    pub fitted_weights: Vec<TierShare>,
    /// The starting weights on the test span.
    pub base_test: Headline,
    /// The fitted weights on the test span: the only score of the fit that means anything.
    pub fitted_test: Headline,
}

/// Searches tier weights that maximise the matched reach edge (clusters' reach minus their
/// matched controls') on the first `train_share` of the bars, by coordinate search: each tier's
/// share in turn is multiplied by 0, 0.5 and 2 (or set to an equal share when it is 0), kept when
/// the edge improves, for two passes. A trial with fewer than [`MIN_FIT_CLUSTERS`] clusters with
/// matched controls does not count. The fitted and the starting weights are then scored on the remaining bars only.
pub fn fit_tier_weights(
    engine: &Engine,
    dataset: &Dataset,
    params: &ScoreParams,
    train_share: f64,
) -> Result<FitReport, ScoreError> {
    if !(train_share > 0.0 && train_share < 1.0) {
        return Err(ScoreError::BadParam(format!(
            "the training share must lie strictly between 0 and 1, not {train_share}"
        )));
    }
    let bars = engine.bar_count();
    let train_end = (bars as f64 * train_share).floor() as usize;
    if train_end <= params.horizon_bars || bars - train_end <= params.horizon_bars {
        return Err(ScoreError::BadParam(format!(
            "{bars} bars split at {train_end} leave a span no longer than the horizon of {} bars",
            params.horizon_bars
        )));
    }
    let base = engine.default_selection();
    let cap = params.max_sampled_bars.min(FIT_SAMPLED_BARS);
    let mut evaluations = 0;
    let mut objective = |selection: &LayerSelection| -> Result<Option<f64>, ScoreError> {
        evaluations += 1;
        let reach = score_reach(
            engine,
            dataset,
            selection,
            params,
            0..train_end,
            cap,
            &mut |_| true,
        )?;
        let matched = &reach.figures.matched;
        if matched.reach.total < MIN_FIT_CLUSTERS {
            return Ok(None);
        }
        Ok(edge(&matched.reach, &matched.control_reach))
    };
    let mut best = base.clone();
    let mut best_edge = objective(&best)?;
    let tiers = best.tier_share.len();
    for _ in 0..FIT_PASSES {
        for tier in 0..tiers {
            for factor in FIT_FACTORS {
                let Some(candidate) = scaled(&best, tier, factor) else {
                    continue;
                };
                let candidate_edge = objective(&candidate)?;
                let better = match (candidate_edge, best_edge) {
                    (Some(c), Some(b)) => c > b + 1e-12,
                    (Some(_), None) => true,
                    _ => false,
                };
                if better {
                    best = candidate;
                    best_edge = candidate_edge;
                }
            }
        }
    }
    let test = train_end..bars;
    let base_test = score_span(engine, dataset, &base, params, test.clone())?;
    let fitted_test = score_span(engine, dataset, &best, params, test)?;
    let shares = |selection: &LayerSelection| {
        engine
            .settings()
            .tiers
            .0
            .iter()
            .zip(&selection.tier_share)
            .map(|(t, &share)| TierShare {
                leverage: t.leverage,
                share,
            })
            .collect()
    };
    Ok(FitReport {
        train_end_bar: train_end,
        test_end_bar: bars,
        evaluations,
        base_weights: shares(&base),
        fitted_weights: shares(&best),
        base_test: headline(&base_test),
        fitted_test: headline(&fitted_test),
    })
}

/// `selection` with one tier's share multiplied by `factor` (an equal share when it was 0),
/// renormalised; `None` when nothing changes or no tier would be left.
fn scaled(selection: &LayerSelection, tier: usize, factor: f64) -> Option<LayerSelection> {
    let mut shares = selection.tier_share.clone();
    let count = shares.len();
    let slot = shares.get_mut(tier)?;
    let before = *slot;
    *slot = if before > 0.0 {
        before * factor
    } else if factor > 1.0 {
        1.0 / count as f64
    } else {
        return None;
    };
    let sum: f64 = shares.iter().sum();
    if sum <= 0.0 {
        return None;
    }
    for share in &mut shares {
        *share /= sum;
    }
    let changed = shares
        .iter()
        .zip(&selection.tier_share)
        .any(|(a, b)| (a - b).abs() > 1e-12);
    changed.then_some(LayerSelection {
        tier_share: shares,
        sides: selection.sides,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_a_tier_renormalises() {
        let selection = LayerSelection {
            tier_share: vec![0.5, 0.5],
            sides: [true, true],
        };
        let doubled = scaled(&selection, 0, 2.0).unwrap();
        // 1.0 and 0.5 over 1.5.
        assert!((doubled.tier_share[0] - 2.0 / 3.0).abs() < 1e-12);
        let dropped = scaled(&selection, 1, 0.0).unwrap();
        assert_eq!(dropped.tier_share, vec![1.0, 0.0]);
        // Dropping the only tier left leaves nothing.
        assert_eq!(scaled(&dropped, 0, 0.0), None);
        // A dropped tier comes back at an equal share.
        let back = scaled(&dropped, 1, 2.0).unwrap();
        assert!((back.tier_share[1] - 1.0 / 3.0).abs() < 1e-12);
    }
}
