//! Scoring the map against what the price and real liquidations did afterwards.
//!
//! Three measures, all on the user's own data (see "Scoring" in `docs/engine-model.md`):
//! - reach: how often the clusters standing at a bar were entered by price within a horizon,
//!   against matched control bands (same side, width and distance, untouched since the cluster
//!   formed, holding no cluster; see [`controls`]), against the older unmatched controls, and
//!   against levels traders already use ([`baselines`]), with a dose-response check ([`dose`]).
//!   The control can win, and the report says so when it does;
//! - real liquidations: the share of real liquidated USD that fell inside a band standing just
//!   before it, against the share of the price range the bands covered (a lift), and predicted
//!   against real liquidated USD per hour;
//! - calibration ([`calibrate`], [`fit_tier_weights`]): the headline figures across model
//!   variants, and an optional search for tier weights fitted on an earlier span and scored on a
//!   later one only.
//!
//! Cost: each sampled bar builds one liquidation map and its clusters. The maps of a run come
//! from one [`StandingSweep`](crate::engine::StandingSweep) over the sampled bars in increasing order, so a map costs about the
//! levels standing at its bar (plus the levels born since the previous one), not every level born
//! before it. The bars scored are an evenly spaced sample capped by
//! [`ScoreParams::max_sampled_bars`] (default 2,000). Measured on 11,123 five-minute BTCUSDT bars
//! with ten layers (about 26,000 levels standing at a bar), on a loaded two-core machine: a
//! release build scores 500 sampled bars in 0.26 s and 2,000 in 1.0 s (200 maps and clusters
//! take 0.10 s with the sweep, 0.15 s when each map walks every level born before it); see
//! `cargo bench --bench score`. A debug build took 2.4 s for 500 and 9 s for 2,000 (37 s
//! before the sweep). Matched controls, baselines and the dose-response add per cluster a few
//! range queries over the bars (`history.rs`) and a constant-time check per candidate band, and
//! per run about a dozen block-bootstrap intervals; a debug build of `liqmap score
//! assets/btcusdt-5m.json` took 28 s of CPU time with them (on a machine loaded by other
//! builds; not yet measured by the benchmark).

//! Caveat on the intervals: clusters of neighbouring sampled bars are often the same band seen
//! again, and the horizons of close bars overlap, so the trials are not independent and the
//! Wilson 95% intervals of each rate are narrower than they should be. Every difference
//! (clusters against controls, against a baseline, the dose-response correlation) therefore
//! also gets a block-bootstrap interval ([`ReachDifference`]: whole horizon-long blocks of bars
//! resampled), and a verdict is drawn only when that interval is clear of zero.

pub mod baselines;
mod bootstrap;
mod calibrate;
pub mod controls;
pub mod dose;
mod history;
mod maps;
mod rate;
mod reach;
mod real;
mod series;
mod summary;
mod verdict;

pub use baselines::BaselineKind;
pub use bootstrap::{DEFAULT_RESAMPLES, IntervalStatus, ReachDifference};
pub use calibrate::{
    FitReport, Headline, TierShare, VariantScore, calibrate, fit_tier_weights, headline,
};
pub use dose::{DoseBar, DoseBucket, DoseResponse};
pub use maps::{MapSweep, Maps};
pub use rate::{Rate, Tally, wilson_interval};
pub use reach::{ReachScore, Trials};
pub use real::{ControlLift, PerHour, RealScore};
pub use series::{BarLiquidations, LiquidationSeries, liquidation_series, liquidations_per_bar};
pub use summary::{
    BaselineScore, CURVE_POINTS, Comparison, CurvePoint, DISTANCE_BUCKET_EDGES_PCT,
    DistanceComparison, ReachFigures, SideComparison,
};
pub use verdict::{MIN_TRIALS, Verdict};

use std::ops::Range;

use serde::Serialize;

use super::{ClusterParams, Engine, EngineError, LayerSelection};
use crate::model::Dataset;

/// Default distance window around the price, percent.
pub const DEFAULT_MAX_DISTANCE_PCT: f64 = 10.0;
/// Default cap on the bars sampled for reach (and on the bars mapped for real liquidations).
pub const DEFAULT_MAX_SAMPLED_BARS: usize = 2_000;
/// Default: a control band may hold at most this share of its cluster's notional.
pub const DEFAULT_CONTROL_MAX_SHARE: f64 = 0.5;
/// The default horizon: one day of bars.
pub const DEFAULT_HORIZON_MS: i64 = 24 * 3_600_000;
/// Default: a matched control lies at most this share of its band's distance farther or nearer.
pub const DEFAULT_MATCH_TOLERANCE: f64 = 0.25;
/// Default: a swing pivot's low (high) is below (above) this many bars on each side.
pub const DEFAULT_PIVOT_BARS: usize = 12;

/// Why scoring could not run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ScoreError {
    /// The engine failed on a bar.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A parameter out of its range.
    #[error("bad score parameter: {0}")]
    BadParam(String),
    /// The caller's progress callback asked to stop.
    #[error("scoring was cancelled")]
    Cancelled,
    /// The engine was built from another dataset.
    #[error("the engine has {engine_bars} bars but the dataset {dataset_bars}")]
    Mismatch {
        /// Bars of the engine.
        engine_bars: usize,
        /// Bars of the dataset.
        dataset_bars: usize,
    },
}

/// How the map is scored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreParams {
    /// A cluster counts as reached when price enters it within this many bars after the bar it
    /// was seen at.
    pub horizon_bars: usize,
    /// Only clusters whose peak lies within this distance of the close, percent, are scored;
    /// also bounds the price range of the lift.
    pub max_distance_pct: f64,
    /// At most this many bars are sampled (evenly spaced) for reach, and at most this many bars
    /// are mapped for real liquidations.
    pub max_sampled_bars: usize,
    /// A control band holds at most this share of its cluster's notional.
    pub control_max_share: f64,
    /// A matched control is shifted by at most this share of its band's distance from the close.
    pub match_tolerance: f64,
    /// Bars on each side a swing pivot must stand out from.
    pub pivot_bars: usize,
    /// Resamples of each block-bootstrap interval.
    pub bootstrap_resamples: usize,
    /// Price row height in USD of the maps the clusters come from.
    pub bin_usd: f64,
    /// How clusters are picked out of each map.
    #[serde(skip)]
    pub clusters: ClusterParams,
}

impl ScoreParams {
    /// The defaults for rows of `bin_usd` and bars of `interval_ms`: a one-day horizon, a 10%
    /// window, 2,000 sampled bars.
    pub fn new(bin_usd: f64, interval_ms: i64) -> ScoreParams {
        let horizon_bars = if interval_ms > 0 {
            usize::try_from(DEFAULT_HORIZON_MS / interval_ms).unwrap_or(1)
        } else {
            1
        };
        ScoreParams {
            horizon_bars: horizon_bars.max(1),
            max_distance_pct: DEFAULT_MAX_DISTANCE_PCT,
            max_sampled_bars: DEFAULT_MAX_SAMPLED_BARS,
            control_max_share: DEFAULT_CONTROL_MAX_SHARE,
            match_tolerance: DEFAULT_MATCH_TOLERANCE,
            pivot_bars: DEFAULT_PIVOT_BARS,
            bootstrap_resamples: DEFAULT_RESAMPLES,
            bin_usd,
            clusters: ClusterParams::default(),
        }
    }

    fn check(&self) -> Result<(), ScoreError> {
        let bad = |what: String| Err(ScoreError::BadParam(what));
        if self.horizon_bars == 0 {
            return bad("the horizon must be at least 1 bar".into());
        }
        if !(self.max_distance_pct.is_finite() && self.max_distance_pct > 0.0) {
            return bad(format!(
                "the distance window must be a positive percentage, not {}",
                self.max_distance_pct
            ));
        }
        if self.max_sampled_bars == 0 {
            return bad("at least 1 bar must be sampled".into());
        }
        if !(self.control_max_share.is_finite() && self.control_max_share > 0.0) {
            return bad(format!(
                "the control's notional share must be positive, not {}",
                self.control_max_share
            ));
        }
        if !(self.match_tolerance.is_finite() && self.match_tolerance > 0.0) {
            return bad(format!(
                "the matching tolerance must be a positive share, not {}",
                self.match_tolerance
            ));
        }
        if self.bootstrap_resamples < 100 {
            return bad(format!(
                "at least 100 bootstrap resamples are needed, not {}",
                self.bootstrap_resamples
            ));
        }
        if self.pivot_bars == 0 {
            return bad("a swing pivot needs at least 1 bar on each side".into());
        }
        if !(self.bin_usd.is_finite() && self.bin_usd > 0.0) {
            return Err(ScoreError::Engine(EngineError::BadBin(self.bin_usd)));
        }
        Ok(())
    }
}

/// The stage a scoring run is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Mapping the sampled bars for reach.
    Reach,
    /// Mapping the bars before real liquidations.
    RealLiquidations,
}

/// How far a scoring run has got: `done` of `total` maps of the current stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The stage.
    pub stage: Stage,
    /// Maps built so far in this stage.
    pub done: usize,
    /// Maps this stage needs.
    pub total: usize,
}

/// Called after every map with the progress so far; returning `false` cancels the run with
/// [`ScoreError::Cancelled`]. A viewer scoring on a worker thread reports progress and stops on
/// request through it.
pub type ProgressFn<'a> = dyn FnMut(Progress) -> bool + 'a;

/// Every figure of one scoring run. Serialised, it is the `liqmap score --format json` document
/// (the reach and real-liquidation figures appear at the top level).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreReport {
    /// The model settings scored, in one line.
    pub settings: String,
    /// The scoring parameters.
    pub params: ScoreParams,
    /// Reach of clusters against matched and unmatched controls and against baselines.
    #[serde(flatten)]
    pub reach_score: ReachScore,
    /// Real liquidations against the bands and against predicted deaths.
    #[serde(flatten)]
    pub real_score: RealScore,
}

/// Scores the map of `engine` (built from `dataset`) under `selection` over every bar.
pub fn score(
    engine: &Engine,
    dataset: &Dataset,
    selection: &LayerSelection,
    params: &ScoreParams,
) -> Result<ScoreReport, ScoreError> {
    score_span(engine, dataset, selection, params, 0..engine.bar_count())
}

/// Scores the map over the bars of `span` only: reach horizons and real liquidations stay inside
/// it, so a later span can judge what an earlier one fitted.
pub fn score_span(
    engine: &Engine,
    dataset: &Dataset,
    selection: &LayerSelection,
    params: &ScoreParams,
    span: Range<usize>,
) -> Result<ScoreReport, ScoreError> {
    score_span_with_progress(engine, dataset, selection, params, span, &mut |_| true)
}

/// As [`score_span`], reporting progress after every map and stopping when `on_progress` returns
/// `false`.
pub fn score_span_with_progress(
    engine: &Engine,
    dataset: &Dataset,
    selection: &LayerSelection,
    params: &ScoreParams,
    span: Range<usize>,
    on_progress: &mut ProgressFn<'_>,
) -> Result<ScoreReport, ScoreError> {
    score_maps(engine, dataset, selection, params, span, on_progress)
}

/// As [`score_span_with_progress`], for any map timed by the bars of `dataset` (one venue's
/// engine, or several venues summed on a reference venue's bars): reach is judged on
/// `dataset`'s prices and real liquidations are `dataset`'s events.
pub fn score_maps(
    maps: &dyn Maps,
    dataset: &Dataset,
    selection: &LayerSelection,
    params: &ScoreParams,
    span: Range<usize>,
    on_progress: &mut ProgressFn<'_>,
) -> Result<ScoreReport, ScoreError> {
    params.check()?;
    let bar_count = maps.bar_times_ms().len();
    if bar_count != dataset.bars.len() {
        return Err(ScoreError::Mismatch {
            engine_bars: bar_count,
            dataset_bars: dataset.bars.len(),
        });
    }
    let span = span.start.min(bar_count)..span.end.min(bar_count);
    let reach_score = reach::score_reach(
        maps,
        dataset,
        selection,
        params,
        span.clone(),
        params.max_sampled_bars,
        on_progress,
    )?;
    let real_score = real::score_real(maps, dataset, selection, params, span, on_progress)?;
    Ok(ScoreReport {
        settings: maps.settings_summary(),
        params: *params,
        reach_score,
        real_score,
    })
}

/// The reach figures of several runs together (several datasets, or spans), each run's blocks of
/// bars resampled as its own: the pooled `liqmap score A.json B.json` figures. Clusters are
/// scored within `max_distance_pct`.
pub fn pool(parts: &[&ReachScore], max_distance_pct: f64) -> ReachFigures {
    let trials: Vec<&Trials> = parts.iter().map(|p| &p.trials).collect();
    summary::summarise(&Trials::pooled(&trials), max_distance_pct)
}
