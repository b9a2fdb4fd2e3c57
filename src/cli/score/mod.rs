//! `liqmap score`: how well the map did on one or more datasets, against matched and unmatched
//! control bands, against levels traders already use, and against real liquidations.

mod inputs;
mod table;
mod venues;

use std::path::PathBuf;

use anyhow::Context;

use super::common::{EngineArgs, print_out};
use super::settings_args::ClusterArgs;
use crate::dataset;
use crate::engine::score::{self, FitReport, ReachFigures, ScoreParams, ScoreReport, VariantScore};
use crate::model::Dataset;

/// How `liqmap score` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScoreFormat {
    /// Sentences and aligned columns for people.
    Table,
    /// One JSON document.
    Json,
}

/// Arguments of `liqmap score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// Dataset files (native liqmap JSON, or klines files in any importable format); several are
    /// scored one by one and pooled. Default: the bundled sample.
    #[arg(value_name = "DATASET")]
    pub datasets: Vec<PathBuf>,
    /// Score every dataset named, taking each directory named as all its .json, .parquet and
    /// .csv files (sorted by name), and pool them with a line per dataset.
    #[arg(long)]
    pub all: bool,
    /// A cluster is reached when price enters it within this many bars; default: one day of bars.
    #[arg(long, value_name = "BARS")]
    pub horizon: Option<usize>,
    /// Score clusters within this distance of the close, percent.
    #[arg(long = "max-distance-pct", value_name = "P", default_value_t = score::DEFAULT_MAX_DISTANCE_PCT)]
    pub max_distance_pct: f64,
    /// Sample at most this many bars, evenly spaced (each costs one liquidation map).
    #[arg(long, value_name = "N", default_value_t = score::DEFAULT_MAX_SAMPLED_BARS)]
    pub samples: usize,
    /// A matched control lies at most this share of its band's distance nearer or farther.
    #[arg(long = "match-tolerance", value_name = "SHARE", default_value_t = score::DEFAULT_MATCH_TOLERANCE)]
    pub match_tolerance: f64,
    /// Bars on each side a swing high or low must stand out from (the swing baseline).
    #[arg(long = "pivot-bars", value_name = "BARS", default_value_t = score::DEFAULT_PIVOT_BARS)]
    pub pivot_bars: usize,
    /// Sum the datasets as venues of one coin (as `liqmap map a.json b.json` does) and score
    /// the summed map on the reference venue's candles, instead of scoring each and pooling; a
    /// view file implies it. Datasets of different coins are refused.
    #[arg(long)]
    pub venues: bool,
    /// With --venues: the venue whose candles time the score (its name or position from 1);
    /// default: the largest open interest.
    #[arg(long, value_name = "VENUE", requires = "venues")]
    pub reference: Option<String>,
    /// Model flags and the price row height.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// What counts as a cluster.
    #[command(flatten)]
    pub clusters: ClusterArgs,
    /// Also score one change of the settings at a time (source, split, tiers, half-life).
    #[arg(long)]
    pub calibrate: bool,
    /// Also fit tier weights on the first part of the data and score them on the rest only.
    #[arg(long = "fit-weights")]
    pub fit_weights: bool,
    /// Share of the bars the weights are fitted on.
    #[arg(long = "train-share", value_name = "F", default_value_t = 0.6)]
    pub train_share: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ScoreFormat,
}

/// One dataset scored, with the optional calibration and fit.
struct Scored {
    /// The file, or `None` for the bundled sample.
    path: Option<PathBuf>,
    dataset: Dataset,
    report: ScoreReport,
    calibration: Option<Vec<VariantScore>>,
    fit: Option<FitReport>,
}

impl Scored {
    fn name(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "bundled sample".into(), |p| p.display().to_string())
    }
}

fn load(path: Option<&PathBuf>) -> anyhow::Result<Dataset> {
    match path {
        Some(path) => Ok(dataset::load(path)?),
        None => dataset::sample().context("the bundled sample could not be read"),
    }
}

impl ScoreArgs {
    fn params(&self, dataset: &Dataset) -> ScoreParams {
        let mut params = ScoreParams::new(self.engine.bin_usd(dataset), dataset.interval_ms);
        if let Some(horizon) = self.horizon {
            params.horizon_bars = horizon;
        }
        params.max_distance_pct = self.max_distance_pct;
        params.max_sampled_bars = self.samples;
        params.match_tolerance = self.match_tolerance;
        params.pivot_bars = self.pivot_bars;
        params.clusters = self.clusters.into();
        params
    }

    fn score_one(&self, path: Option<&PathBuf>) -> anyhow::Result<Scored> {
        let dataset = load(path)?;
        let engine = self.engine.engine(&dataset)?;
        let params = self.params(&dataset);
        let where_ = path.map_or_else(|| "the bundled sample".into(), |p| p.display().to_string());
        let report = score::score(&engine, &dataset, &engine.default_selection(), &params)
            .with_context(|| format!("could not score {where_}"))?;
        let calibration = self
            .calibrate
            .then(|| score::calibrate(&dataset, &self.engine.model(), &params));
        let fit = if self.fit_weights {
            Some(
                score::fit_tier_weights(&engine, &dataset, &params, self.train_share)
                    .with_context(|| format!("could not fit the tier weights on {where_}"))?,
            )
        } else {
            None
        };
        Ok(Scored {
            path: path.cloned(),
            dataset,
            report,
            calibration,
            fit,
        })
    }
}

/// Scores the map on each dataset, pools them when there are several, and prints the figures.
pub fn run(args: &ScoreArgs) -> anyhow::Result<()> {
    let files = inputs::dataset_files(&args.datasets, args.all)?;
    if args.venues || files.iter().any(|f| inputs::is_view_file(f)) {
        return venues::run(args, &files);
    }
    let scored: Vec<Scored> = if files.is_empty() {
        vec![args.score_one(None)?]
    } else {
        files
            .iter()
            .map(|p| args.score_one(Some(p)))
            .collect::<anyhow::Result<_>>()?
    };
    let pooled = (scored.len() > 1).then(|| {
        let parts: Vec<_> = scored.iter().map(|s| &s.report.reach_score).collect();
        score::pool(&parts, args.max_distance_pct)
    });
    let text = match args.format {
        ScoreFormat::Json => json(&scored, pooled.as_ref())? + "\n",
        ScoreFormat::Table => {
            let mut out = String::new();
            for s in &scored {
                if scored.len() > 1 {
                    out += &format!("== {} ==\n", s.name());
                }
                out += &table::report(
                    &s.dataset.symbol,
                    s.dataset.interval_ms,
                    &s.report,
                    s.calibration.as_deref(),
                    s.fit.as_ref(),
                );
                out.push('\n');
            }
            if let Some(pooled) = &pooled {
                out += &table::pooled(&breakdown(&scored), pooled);
            }
            // Columns padded to their width leave spaces at the ends of lines.
            out.lines()
                .map(|line| line.trim_end().to_string() + "\n")
                .collect()
        }
    };
    print_out(&text)
}

/// One line per dataset of a pooled run: its name, symbol and matched comparison.
fn breakdown(scored: &[Scored]) -> Vec<(String, &ScoreReport)> {
    scored
        .iter()
        .map(|s| (format!("{} ({})", s.dataset.symbol, s.name()), &s.report))
        .collect()
}

/// The JSON document of one dataset: the report's figures at the top level, then `symbol`, and
/// `calibration` and `fit` when asked for.
fn dataset_json(s: &Scored) -> anyhow::Result<serde_json::Value> {
    let mut doc = serde_json::to_value(&s.report)?;
    if let Some(object) = doc.as_object_mut() {
        object.insert("symbol".into(), s.dataset.symbol.clone().into());
        object.insert("dataset".into(), s.name().into());
        if let Some(calibration) = &s.calibration {
            object.insert("calibration".into(), serde_json::to_value(calibration)?);
        }
        if let Some(fit) = &s.fit {
            object.insert("fit".into(), serde_json::to_value(fit)?);
        }
    }
    Ok(doc)
}

/// One dataset: its document. Several: `{"pooled": figures, "datasets": [documents]}`.
fn json(scored: &[Scored], pooled: Option<&ReachFigures>) -> anyhow::Result<String> {
    let docs: Vec<serde_json::Value> = scored.iter().map(dataset_json).collect::<Result<_, _>>()?;
    let doc = match (pooled, <[_; 1]>::try_from(docs)) {
        (None, Ok([one])) => one,
        (_, Ok([one])) => serde_json::json!({ "pooled": pooled, "datasets": [one] }),
        (_, Err(docs)) => serde_json::json!({ "pooled": pooled, "datasets": docs }),
    };
    Ok(serde_json::to_string_pretty(&doc)?)
}
