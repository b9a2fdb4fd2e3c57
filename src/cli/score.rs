//! `liqmap score`: how well the map did on this dataset, against empty bands and real
//! liquidations.

use std::fmt::Write as _;

use anyhow::Context;

use super::common::{DatasetArg, EngineArgs, print_out};
use super::settings_args::ClusterArgs;
use crate::engine::score::{
    self, FitReport, Headline, Rate, ScoreParams, ScoreReport, VariantScore, Verdict,
};
use crate::render::labels::compact_usd;

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
    /// The dataset.
    #[command(flatten)]
    pub dataset: DatasetArg,
    /// A cluster is reached when price enters it within this many bars; default: one day of bars.
    #[arg(long, value_name = "BARS")]
    pub horizon: Option<usize>,
    /// Score clusters within this distance of the close, percent.
    #[arg(long = "max-distance-pct", value_name = "P", default_value_t = score::DEFAULT_MAX_DISTANCE_PCT)]
    pub max_distance_pct: f64,
    /// Sample at most this many bars, evenly spaced (each costs one liquidation map).
    #[arg(long, value_name = "N", default_value_t = score::DEFAULT_MAX_SAMPLED_BARS)]
    pub samples: usize,
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

/// Scores the map and prints the figures.
pub fn run(args: &ScoreArgs) -> anyhow::Result<()> {
    let dataset = args.dataset.load()?;
    let engine = args.engine.engine(&dataset)?;
    let mut params = ScoreParams::new(args.engine.bin_usd(&dataset), dataset.interval_ms);
    if let Some(horizon) = args.horizon {
        params.horizon_bars = horizon;
    }
    params.max_distance_pct = args.max_distance_pct;
    params.max_sampled_bars = args.samples;
    params.clusters = args.clusters.into();
    let report = score::score(&engine, &dataset, &engine.default_selection(), &params)
        .context("could not score the map")?;
    let calibration = args
        .calibrate
        .then(|| score::calibrate(&dataset, &args.engine.model(), &params));
    let fit = if args.fit_weights {
        Some(
            score::fit_tier_weights(&engine, &dataset, &params, args.train_share)
                .context("could not fit the tier weights")?,
        )
    } else {
        None
    };
    let text = match args.format {
        ScoreFormat::Json => {
            json(
                &dataset.symbol,
                &report,
                calibration.as_deref(),
                fit.as_ref(),
            )? + "\n"
        }
        ScoreFormat::Table => table(
            &dataset.symbol,
            dataset.interval_ms,
            &report,
            calibration.as_deref(),
            fit.as_ref(),
        ),
    };
    print_out(&text)
}

/// The JSON document: the report's figures at the top level, then `calibration` and `fit` when
/// asked for.
fn json(
    symbol: &str,
    report: &ScoreReport,
    calibration: Option<&[VariantScore]>,
    fit: Option<&FitReport>,
) -> anyhow::Result<String> {
    let mut doc = serde_json::to_value(report)?;
    if let Some(object) = doc.as_object_mut() {
        object.insert("symbol".into(), symbol.into());
        if let Some(calibration) = calibration {
            object.insert("calibration".into(), serde_json::to_value(calibration)?);
        }
        if let Some(fit) = fit {
            object.insert("fit".into(), serde_json::to_value(fit)?);
        }
    }
    Ok(serde_json::to_string_pretty(&doc)?)
}

fn pct(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn rate_cells(rate: &Rate) -> String {
    let interval = match (rate.ci95_low, rate.ci95_high) {
        (Some(low), Some(high)) => format!("[{:.1}%, {:.1}%]", low * 100.0, high * 100.0),
        _ => "-".into(),
    };
    format!(
        "{:>8} / {:<8} {:>7}  {:<17}",
        rate.hits,
        rate.total,
        pct(rate.rate),
        interval
    )
}

fn lift_text(lift: Option<f64>) -> String {
    lift.map_or("-".into(), |l| format!("{l:.2}"))
}

/// The report for people.
fn table(
    symbol: &str,
    interval_ms: i64,
    report: &ScoreReport,
    calibration: Option<&[VariantScore]>,
    fit: Option<&FitReport>,
) -> String {
    let reach = &report.reach_score;
    let params = &report.params;
    let mut out = String::new();
    let horizon_hours = params.horizon_bars as f64 * interval_ms as f64 / 3_600_000.0;
    let _ = writeln!(
        out,
        "{symbol} score over bars {}..{}: {} bars sampled (every {:.1} bars); the last {} bars \
         are not scored because their horizon runs past the data",
        reach.first_bar,
        reach.end_bar,
        reach.sampled_bars,
        reach.sample_step_bars,
        reach.bars_cut_by_horizon
    );
    let _ = writeln!(out, "settings: {}", report.settings);
    let _ = writeln!(
        out,
        "horizon {} bars ({horizon_hours:.1} h); clusters within {}% of the close; rows of {} USD\n",
        params.horizon_bars, params.max_distance_pct, params.bin_usd
    );
    let _ = writeln!(
        out,
        "Reach: price entered the band within the horizon\n{:<34}{:>8}   {:<8} {:>7}  95% interval",
        "", "hits", "total", "rate"
    );
    let _ = writeln!(out, "{:<34}{}", "clusters", rate_cells(&reach.reach));
    let _ = writeln!(
        out,
        "{:<34}{}",
        "clusters that got a control",
        rate_cells(&reach.reach_with_control)
    );
    let _ = writeln!(
        out,
        "{:<34}{}",
        "control bands (no cluster)",
        rate_cells(&reach.control_reach)
    );
    let _ = writeln!(
        out,
        "{} clusters had no control band; mean distance from the close: clusters {}, controls {}",
        reach.clusters_without_control,
        reach
            .mean_abs_distance_pct_clusters
            .map_or("-".into(), |d| format!("{d:.2}%")),
        reach
            .mean_abs_distance_pct_controls
            .map_or("-".into(), |d| format!("{d:.2}%")),
    );
    let _ = writeln!(out, "{}", reach.reach_difference.describe());
    let _ = writeln!(out, "=> {}\n", reach.verdict_text);

    let _ = writeln!(
        out,
        "{:<14}{:>29}   {:>29}",
        "", "clusters (with a control)", "controls"
    );
    for side in &reach.by_side {
        let _ = writeln!(
            out,
            "{:<14}{:>29}   {:>29}",
            side.side.name(),
            short_rate(&side.reach_with_control),
            short_rate(&side.control_reach)
        );
    }
    for bucket in &reach.by_distance {
        let label = match bucket.max_pct {
            Some(max) => format!("{}-{}%", bucket.min_pct, max),
            None => format!("{}%+", bucket.min_pct),
        };
        let _ = writeln!(
            out,
            "{:<14}{:>29}   {:>29}",
            label,
            short_rate(&bucket.reach_with_control),
            short_rate(&bucket.control_reach)
        );
    }
    out.push('\n');
    out += &real_text(report);
    if let Some(variants) = calibration {
        out += &calibration_text(variants);
    }
    if let Some(fit) = fit {
        out += &fit_text(fit);
    }
    out
}

fn short_rate(rate: &Rate) -> String {
    format!("{}/{} {}", rate.hits, rate.total, pct(rate.rate))
}

fn real_text(report: &ScoreReport) -> String {
    let real = &report.real_score;
    let mut out = String::new();
    if real.real_events == 0 {
        out += "Real liquidations: none in this dataset, so the lift is not measured. Import \
                liquidation events (or record them live) to measure it.\n";
        return out;
    }
    let _ = writeln!(
        out,
        "Real liquidations: {} events, {} USD; {} scored against the map of the bar before, {} \
         of them ({} USD) within {}% of the close on their side",
        real.real_events,
        compact_usd(real.real_usd),
        real.events_scored,
        real.events_in_range,
        compact_usd(real.usd_in_range),
        report.params.max_distance_pct
    );
    let _ = writeln!(
        out,
        "  inside cluster bands: {} of the USD, where the bands covered {} of the range: lift {}",
        pct(real.share_in_bands),
        pct(real.share_expected_by_chance),
        lift_text(real.lift)
    );
    let _ = writeln!(
        out,
        "  inside control bands: {} of the USD: lift {}",
        pct(real.share_in_control_bands),
        lift_text(real.control_lift)
    );
    let words = match (real.lift, real.control_lift) {
        (Some(lift), Some(control)) if lift > control && lift > 1.0 => {
            "=> real liquidations fell in the predicted bands more than in empty bands and more \
             than chance"
        }
        (Some(lift), _) if lift <= 1.0 => {
            "=> real liquidations fell in the predicted bands no more often than chance: no \
             evidence the map helps here"
        }
        (Some(_), Some(_)) => {
            "=> empty control bands caught real liquidations as well or better: no evidence the \
             map helps here"
        }
        _ => "=> too little to say: no real liquidated USD within the range",
    };
    let _ = writeln!(out, "{words}");
    if real.events_in_range < 30 {
        let _ = writeln!(
            out,
            "   (only {} events in range: read the lift as anecdote, not evidence)",
            real.events_in_range
        );
    }
    if let Some(hourly) = &real.predicted_vs_real_per_hour {
        let _ = writeln!(
            out,
            "  predicted (levels dying) against real liquidated USD over {:.1} h of bars with \
             events: {}/h predicted, {}/h real{}",
            hourly.hours,
            compact_usd(hourly.predicted_usd_per_hour),
            compact_usd(hourly.real_usd_per_hour),
            hourly
                .predicted_to_real
                .map_or(String::new(), |r| format!(" ({r:.2}x)"))
        );
    }
    out
}

fn headline_cells(h: &Headline) -> String {
    format!(
        "{:>7} {:>7} {:>7} {:>6}  {:<13}",
        pct(h.reach.rate),
        pct(h.control_reach.rate),
        h.edge.map_or("-".into(), |e| format!("{:+.1}", e * 100.0)),
        lift_text(h.lift),
        verdict_word(h.verdict)
    )
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::MapHelps => "map helps",
        Verdict::Inconclusive => "inconclusive",
        Verdict::ControlWins => "CONTROL WINS",
        Verdict::NoData => "no data",
    }
}

fn calibration_text(variants: &[VariantScore]) -> String {
    let mut out = String::from(
        "\nCalibration: one change at a time (reach of clusters with a control, of controls, \
         edge in points, lift)\n",
    );
    let _ = writeln!(
        out,
        "{:<22}{:>7} {:>7} {:>7} {:>6}  verdict",
        "variant", "reach", "control", "edge", "lift"
    );
    for variant in variants {
        match (&variant.headline, &variant.error) {
            (Some(h), _) => {
                let _ = writeln!(out, "{:<22}{}", variant.name, headline_cells(h));
            }
            (None, error) => {
                let _ = writeln!(
                    out,
                    "{:<22}not run: {}",
                    variant.name,
                    error.as_deref().unwrap_or("unknown reason")
                );
            }
        }
    }
    out
}

fn fit_text(fit: &FitReport) -> String {
    let weights = |shares: &[score::TierShare]| {
        shares
            .iter()
            .map(|t| format!("{}x {:.0}%", t.leverage, t.share * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "\nTier weights fitted on bars 0..{} ({} trials), scored on bars {}..{} only:\n",
        fit.train_end_bar, fit.evaluations, fit.train_end_bar, fit.test_end_bar
    );
    let _ = writeln!(
        out,
        "{:<10}{:>7} {:>7} {:>7} {:>6}  {:<13}  weights",
        "", "reach", "control", "edge", "lift", "verdict"
    );
    let _ = writeln!(
        out,
        "{:<10}{}  {}",
        "given",
        headline_cells(&fit.base_test),
        weights(&fit.base_weights)
    );
    let _ = writeln!(
        out,
        "{:<10}{}  {}",
        "fitted",
        headline_cells(&fit.fitted_test),
        weights(&fit.fitted_weights)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::model::{Bar, Dataset, Liquidation, Side};
    use crate::settings::{LeverageTier, ModelSettings, SourceChoice, SplitChoice, TierList};

    /// 40 one-minute bars flat at 100.5; bar 0 opens 201 USD of 10x longs (level 90.45, band
    /// [90, 91], controls [91, 92] and [89, 90]); every fifth bar dips to `dip_low`.
    fn report(dip_low: f64, liquidations: Vec<Liquidation>) -> ScoreReport {
        let bars = (0..40)
            .map(|i| Bar {
                open_time_ms: i * 60_000,
                open: 100.5,
                high: 100.5,
                low: if i > 0 && i % 5 == 0 { dip_low } else { 100.5 },
                close: 100.5,
                volume: if i == 0 { 2.0 } else { 0.0 },
                taker_buy_volume: None,
                quote_volume: None,
            })
            .collect();
        let data = Dataset {
            exchange: "test".into(),
            symbol: "TESTUSDT".into(),
            interval_ms: 60_000,
            bars,
            open_interest: Vec::new(),
            liquidations,
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
        let engine = Engine::new(&data, &settings).unwrap();
        let params = ScoreParams {
            horizon_bars: 5,
            max_distance_pct: 15.0,
            ..ScoreParams::new(1.0, 60_000)
        };
        score::score(&engine, &data, &engine.default_selection(), &params).unwrap()
    }

    #[test]
    fn the_table_says_when_the_control_wins() {
        // Dips to 91.5 reach the inward control but stop short of the cluster.
        let text = table("TESTUSDT", 60_000, &report(91.5, Vec::new()), None, None);
        assert!(
            text.contains(
                "=> clusters were reached LESS often than empty bands: no evidence the map helps here"
            ),
            "{text}"
        );
        assert!(text.contains("the last 5 bars are not scored"), "{text}");
        assert!(text.contains("none in this dataset"), "{text}");
    }

    #[test]
    fn the_table_says_when_the_map_helps_and_what_real_liquidations_rest_on() {
        let events = vec![Liquidation {
            time_ms: 3 * 60_000,
            side: Side::Long,
            price: 90.5,
            quantity: 10.0,
        }];
        let text = table("TESTUSDT", 60_000, &report(90.6, events), None, None);
        assert!(text.contains("clusters were reached MORE often"), "{text}");
        assert!(text.contains("Real liquidations: 1 events"), "{text}");
        assert!(text.contains("read the lift as anecdote"), "{text}");
    }

    #[test]
    fn json_adds_calibration_and_fit_only_when_asked() {
        let report = report(90.6, Vec::new());
        let doc: serde_json::Value =
            serde_json::from_str(&json("TESTUSDT", &report, None, None).unwrap()).unwrap();
        assert_eq!(doc["symbol"], "TESTUSDT");
        assert!(doc.get("reach").is_some() && doc.get("calibration").is_none());
        let doc: serde_json::Value =
            serde_json::from_str(&json("TESTUSDT", &report, Some(&[]), None).unwrap()).unwrap();
        assert!(doc["calibration"].is_array());
    }
}
