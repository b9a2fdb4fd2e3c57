//! The score as sentences and aligned columns for people.

use std::fmt::Write as _;

use crate::engine::score::{
    self, Comparison, DoseResponse, FitReport, Headline, Rate, ReachDifference, ReachFigures,
    ScoreReport, VariantScore, Verdict,
};
use crate::render::labels::compact_usd;

fn pct(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn points(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:+.1}", v * 100.0))
}

/// `+D [+L, +H]` in points, or `-`.
fn difference_cell(d: &ReachDifference) -> String {
    match (d.estimate, d.ci95_low, d.ci95_high) {
        (Some(_), Some(_), Some(_)) => format!(
            "{} [{}, {}]",
            points(d.estimate),
            points(d.ci95_low),
            points(d.ci95_high)
        ),
        (Some(_), _, _) => format!("{} [no interval]", points(d.estimate)),
        _ => "-".into(),
    }
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

fn short_rate(rate: &Rate) -> String {
    format!("{}/{} {}", rate.hits, rate.total, pct(rate.rate))
}

fn lift_text(lift: Option<f64>) -> String {
    lift.map_or("-".into(), |l| format!("{l:.2}"))
}

/// A verdict in one or two words.
pub(super) fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::MapHelps => "map helps",
        Verdict::Inconclusive => "inconclusive",
        Verdict::ControlWins => "CONTROL WINS",
        Verdict::NoData => "no data",
    }
}

fn distance_text(d: Option<f64>) -> String {
    d.map_or("-".into(), |d| format!("{d:.2}%"))
}

/// The lines of one comparison of clusters with controls.
fn comparison_text(out: &mut String, c: &Comparison, controls: &str, difference_name: &str) {
    let _ = writeln!(
        out,
        "{:<34}{}",
        "  clusters with such controls",
        rate_cells(&c.reach)
    );
    let _ = writeln!(
        out,
        "{:<34}{}",
        format!("  {controls}"),
        rate_cells(&c.control_reach)
    );
    let _ = writeln!(
        out,
        "  {} of {} clusters found controls; mean distance from the close: clusters {}, \
         controls {}",
        c.with_control,
        c.with_control + c.without_control,
        distance_text(c.mean_abs_distance_pct),
        distance_text(c.mean_abs_distance_pct_controls)
    );
    let _ = writeln!(out, "  {}", c.difference.describe_as(difference_name));
}

/// The report of one dataset.
pub(super) fn report(
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
    out += &figures(&reach.figures, params.match_tolerance);
    out += &real_text(report);
    if let Some(variants) = calibration {
        out += &calibration_text(variants);
    }
    if let Some(fit) = fit {
        out += &fit_text(fit);
    }
    out
}

/// The reach figures: matched, unmatched, baselines, dose-response.
pub(super) fn figures(f: &ReachFigures, tolerance: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Reach: price entered the band within the horizon\n{:<34}{:>8}   {:<8} {:>7}  95% interval",
        "", "hits", "total", "rate"
    );
    let _ = writeln!(
        out,
        "{:<34}{}",
        "every cluster in the window",
        rate_cells(&f.reach)
    );
    let _ = writeln!(
        out,
        "MATCHED controls (main verdict): same side and width, distance within {:.0}%, untouched \
         since the cluster formed, holding no cluster",
        tolerance * 100.0
    );
    comparison_text(
        &mut out,
        &f.matched,
        "matched control bands",
        "clusters minus matched controls",
    );
    let _ = writeln!(out, "=> {}\n", f.matched.verdict_text);
    let _ = writeln!(
        out,
        "Unmatched controls (older comparison, second line): nearest free bands inward and \
         outward, touched lately or not"
    );
    comparison_text(
        &mut out,
        &f.unmatched,
        "unmatched control bands",
        "clusters minus unmatched controls",
    );
    let _ = writeln!(out, "=> unmatched: {}\n", verdict_word(f.unmatched.verdict));
    let _ = writeln!(
        out,
        "{:<14}{:>29}   {:>29}",
        "", "clusters (matched)", "matched controls"
    );
    for side in &f.matched.by_side {
        let _ = writeln!(
            out,
            "{:<14}{:>29}   {:>29}",
            side.side.name(),
            short_rate(&side.reach),
            short_rate(&side.control_reach)
        );
    }
    for bucket in &f.matched.by_distance {
        let label = match bucket.max_pct {
            Some(max) => format!("{}-{}%", bucket.min_pct, max),
            None => format!("{}%+", bucket.min_pct),
        };
        let _ = writeln!(
            out,
            "{:<14}{:>29}   {:>29}",
            label,
            short_rate(&bucket.reach),
            short_rate(&bucket.control_reach)
        );
    }
    out.push('\n');
    out += &baselines_text(f);
    out += &dose_text(&f.dose_response);
    out
}

fn baselines_text(f: &ReachFigures) -> String {
    let mut out = String::from(
        "Baselines scored like clusters (levels with matched controls; edge = reach minus their \
         matched controls', points)\n",
    );
    let _ = writeln!(
        out,
        "{:<24}{:>8} {:>8} {:>8}  {:<22} {:<22}",
        "", "levels", "reach", "controls", "edge [95%]", "clusters minus it [95%]"
    );
    let row = |name: &str, c: &Comparison, versus: &str| {
        format!(
            "{:<24}{:>8} {:>8} {:>8}  {:<22} {:<22}\n",
            name,
            c.with_control,
            pct(c.reach.rate),
            pct(c.control_reach.rate),
            difference_cell(&c.difference),
            versus
        )
    };
    out += &row("clusters", &f.matched, "");
    for b in &f.baselines {
        let name = if Some(b.kind) == f.best_baseline {
            format!("{} (best)", b.name)
        } else {
            b.name.clone()
        };
        out += &row(
            &name,
            &b.matched,
            &difference_cell(&b.clusters_minus_baseline),
        );
    }
    let _ = writeln!(out, "=> {}\n", f.information_text);
    out
}

fn dose_text(d: &DoseResponse) -> String {
    let mut out = String::from(
        "Dose-response: reach of clusters / of their matched controls, by notional quintile (Q1 \
         smallest) within each distance bucket\n",
    );
    let _ = write!(out, "{:<10}", "");
    for q in 1..=score::dose::QUINTILES {
        let _ = write!(out, "{:>16}", format!("Q{q}"));
    }
    out.push('\n');
    for bucket in &d.buckets {
        let label = match bucket.max_pct {
            Some(max) => format!("{}-{}%", bucket.min_pct, max),
            None => format!("{}%+", bucket.min_pct),
        };
        let _ = write!(out, "{label:<10}");
        for bar in &bucket.bars {
            let cell = format!("{} / {}", pct(bar.reach.rate), pct(bar.control_reach.rate));
            let _ = write!(out, "{cell:>16}");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "rank correlation of size with reach beyond matched controls: {} over {} clusters",
        match (
            d.rank_correlation.estimate,
            d.rank_correlation.ci95_low,
            d.rank_correlation.ci95_high
        ) {
            (Some(r), Some(low), Some(high)) =>
                format!("{r:+.3}, 95% interval [{low:+.3}, {high:+.3}]"),
            (Some(r), _, _) => format!("{r:+.3} (no interval)"),
            _ => "-".into(),
        },
        d.clusters
    );
    let _ = writeln!(out, "=> {}\n", d.text);
    out
}

/// The pooled figures of several datasets, after a line per dataset.
pub(super) fn pooled(breakdown: &[(String, &ScoreReport)], f: &ReachFigures) -> String {
    let mut out = format!("== Pooled over {} datasets ==\n", breakdown.len());
    let _ = writeln!(
        out,
        "{:<48}{:>10}  {:<22} verdict",
        "dataset", "matched", "clusters minus matched"
    );
    for (name, report) in breakdown {
        let m = &report.reach_score.figures.matched;
        let _ = writeln!(
            out,
            "{:<48}{:>10}  {:<22} {}",
            name,
            format!("{}/{}", m.with_control, m.with_control + m.without_control),
            difference_cell(&m.difference),
            verdict_word(m.verdict)
        );
    }
    out.push('\n');
    let tolerance = breakdown
        .first()
        .map_or(score::DEFAULT_MATCH_TOLERANCE, |(_, r)| {
            r.params.match_tolerance
        });
    out += &figures(f, tolerance);
    out
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
    for (name, c) in [
        ("MATCHED controls", &real.lift_matched),
        ("unmatched controls (second line)", &real.lift_unmatched),
    ] {
        let _ = writeln!(
            out,
            "  {name}: {} clusters with such controls (of {}): their bands {} USD, lift {}; \
             their control bands {} USD, lift {}",
            c.clusters_with_controls,
            c.clusters_with_controls + c.clusters_without_controls,
            compact_usd(c.usd_in_cluster_bands),
            lift_text(c.cluster_lift),
            compact_usd(c.usd_in_control_bands),
            lift_text(c.control_lift)
        );
    }
    let matched = &real.lift_matched;
    let words = match (real.lift, matched.cluster_lift, matched.control_lift) {
        (Some(lift), _, _) if lift <= 1.0 => {
            "=> real liquidations fell in the predicted bands no more often than chance: no \
             evidence the map helps here"
        }
        (Some(_), Some(own), Some(control)) if own > control => {
            "=> real liquidations fell in the predicted bands more than chance, and more than in \
             their matched empty bands"
        }
        (Some(_), Some(_), Some(_)) => {
            "=> matched empty control bands caught real liquidations as well or better: no \
             evidence the map helps here"
        }
        (Some(_), _, _) => {
            "=> real liquidations fell in the predicted bands more than chance, but no cluster \
             with a matched control caught any in range: no fair comparison"
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
        "{:>7} {:>7} {:>22} {:>6}  {:<13}",
        pct(h.reach.rate),
        pct(h.control_reach.rate),
        difference_cell(&h.matched),
        lift_text(h.lift),
        verdict_word(h.verdict)
    )
}

fn calibration_text(variants: &[VariantScore]) -> String {
    let mut out = String::from(
        "\nCalibration: one change at a time (reach of clusters with matched controls, of those \
         controls, edge in points [95%], lift)\n",
    );
    let _ = writeln!(
        out,
        "{:<22}{:>7} {:>7} {:>22} {:>6}  verdict",
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
        "\nTier weights fitted on the matched edge of bars 0..{} ({} trials), scored on bars \
         {}..{} only:\n",
        fit.train_end_bar, fit.evaluations, fit.train_end_bar, fit.test_end_bar
    );
    let _ = writeln!(
        out,
        "{:<10}{:>7} {:>7} {:>22} {:>6}  {:<13}  weights",
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
