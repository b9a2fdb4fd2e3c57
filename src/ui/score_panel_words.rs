//! What the Score panel says in words: the verdict a trader reads first, durations in hours and
//! days, and the lines of detail under the picture. Plain functions of the report, so the
//! tests can check the panel shows exactly them.

use crate::engine::score::{
    BaselineScore, ControlLift, Rate, ReachDifference, ReachFigures, RealScore, Verdict,
};
use crate::render::labels::compact_usd;

const HOUR_MS: f64 = 3_600_000.0;
const DAY_MS: f64 = 24.0 * HOUR_MS;

/// A duration in minutes, hours or days, whichever reads best: "45 min", "6 h", "1.5 days".
pub fn duration_words(ms: f64) -> String {
    if !(ms.is_finite() && ms > 0.0) {
        return "0 min".into();
    }
    let trim = |v: f64| {
        let text = format!("{v:.1}");
        text.strip_suffix(".0").map_or(text.clone(), str::to_string)
    };
    if ms < HOUR_MS {
        format!("{} min", trim(ms / 60_000.0))
    } else if ms < 2.0 * DAY_MS {
        format!("{} h", trim(ms / HOUR_MS))
    } else {
        format!("{} days", trim(ms / DAY_MS))
    }
}

/// `bars` bars of `interval_ms` as a duration: "24 h (288 bars)".
pub fn bars_words(bars: f64, interval_ms: i64) -> String {
    let bars_text = if bars.fract() == 0.0 {
        format!("{bars:.0}")
    } else {
        format!("{bars:.1}")
    };
    format!(
        "{} ({bars_text} bars)",
        duration_words(bars * interval_ms as f64)
    )
}

/// A rate as a whole-ish percentage, "-" without trials.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn points(value: f64) -> String {
    format!("{:+.1}", value * 100.0)
}

/// The 95% interval of a difference in points, "[-0.7, +0.2]", or why there is none.
pub fn interval_words(d: &ReachDifference) -> String {
    match (d.ci95_low, d.ci95_high) {
        (Some(low), Some(high)) => format!("[{}, {}]", points(low), points(high)),
        _ if d.estimate.is_some() => "[no interval: fewer than two blocks]".into(),
        _ => "[no data]".into(),
    }
}

/// A difference and its interval in points: "-0.2 points [-0.7, +0.2]".
pub fn difference_words(d: &ReachDifference) -> String {
    match d.estimate {
        Some(e) => format!("{} points {}", points(e), interval_words(d)),
        None => "no data".into(),
    }
}

/// The verdict in one plain sentence, first thing in the panel: does crowding pull price, by
/// how much, against bands equally far and equally untouched.
pub fn verdict_headline(f: &ReachFigures, horizon_ms: f64) -> String {
    let m = &f.matched;
    let within = duration_words(horizon_ms);
    let clusters = percent(m.reach.rate);
    let controls = percent(m.control_reach.rate);
    let by = difference_words(&m.difference);
    match f.verdict {
        Verdict::MapHelps => format!(
            "YES: clusters pull price. Price reached {clusters} of the clusters within {within}, \
             but only {controls} of empty bands as far away and as long untouched ({by})."
        ),
        Verdict::Inconclusive => format!(
            "NO CLEAR EDGE. Price reached {clusters} of the clusters within {within}, and \
             {controls} of empty bands as far away and as long untouched: the difference ({by}) \
             could be chance."
        ),
        Verdict::ControlWins => format!(
            "NO: empty bands did better. Price reached {clusters} of the clusters within \
             {within}, but {controls} of empty bands as far away and as long untouched ({by})."
        ),
        Verdict::NoData => "NOT ENOUGH DATA: too few clusters found empty bands as far away and \
                            as long untouched to judge. Score a longer span."
            .into(),
    }
}

/// Whether the map beats the levels traders already use, in one sentence.
pub fn baselines_headline(f: &ReachFigures) -> String {
    let best = f
        .best_baseline
        .and_then(|kind| f.baselines.iter().find(|b| b.kind == kind));
    match best {
        None => "Against the levels traders already use: not measured (too few levels).".into(),
        Some(best) if f.adds_information => format!(
            "It adds to the levels traders already use: clusters beat even the best of them \
             ({}).",
            best.name
        ),
        Some(best) => format!(
            "It does not beat the levels traders already use (best here: {}).",
            best.name
        ),
    }
}

/// Whether bigger clusters were reached more often, in one sentence.
pub fn dose_headline(f: &ReachFigures) -> String {
    let d = &f.dose_response;
    let r = d
        .rank_correlation
        .estimate
        .map_or("-".into(), |r| format!("{r:+.2}"));
    if d.slope {
        format!(
            "Bigger clusters were reached more often than smaller ones as far away (rank \
             correlation {r})."
        )
    } else {
        format!(
            "Bigger clusters were not clearly reached more often than smaller ones as far away \
             (rank correlation {r})."
        )
    }
}

/// One line of reach: `NAME: HITS / TOTAL reached, RATE (95% LOW–HIGH)`.
pub fn rate_line(name: &str, rate: &Rate) -> String {
    format!(
        "{name}: {} / {} reached, {} (95% {}–{})",
        rate.hits,
        rate.total,
        percent(rate.rate),
        percent(rate.ci95_low),
        percent(rate.ci95_high)
    )
}

/// The cells of one baseline row: name, levels with controls, reach, controls' reach, its
/// edge, clusters minus it.
pub fn baseline_cells(b: &BaselineScore, best: bool) -> [String; 5] {
    let m = &b.matched;
    [
        if best {
            format!("{} (best)", b.name)
        } else {
            b.name.clone()
        },
        m.with_control.to_string(),
        format!(
            "{} vs {}",
            percent(m.reach.rate),
            percent(m.control_reach.rate)
        ),
        difference_words(&m.difference),
        difference_words(&b.clusters_minus_baseline),
    ]
}

fn lift(value: Option<f64>) -> String {
    value.map_or("-".into(), |l| format!("{l:.2}"))
}

/// The lift line of all clusters: `lift L against real liquidations, resting on N events in
/// range (USD) of M`.
pub fn lift_line(real: &RealScore) -> String {
    format!(
        "lift {} against real liquidations (1.0 = chance), resting on {} events in range ({} \
         USD) of {}",
        lift(real.lift),
        real.events_in_range,
        compact_usd(real.usd_in_range),
        real.real_events
    )
}

/// A lift comparison with controls: `NAME: clusters L against controls C (K clusters)`.
pub fn control_lift_line(name: &str, c: &ControlLift) -> String {
    format!(
        "{name}: clusters {} against their empty bands {} ({} of {} clusters had such bands)",
        lift(c.cluster_lift),
        lift(c.control_lift),
        c.clusters_with_controls,
        c.clusters_with_controls + c.clusters_without_controls
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_minutes_hours_and_days() {
        assert_eq!(duration_words(5.0 * 60_000.0), "5 min");
        assert_eq!(duration_words(HOUR_MS), "1 h");
        assert_eq!(duration_words(24.0 * HOUR_MS), "24 h");
        assert_eq!(duration_words(36.0 * HOUR_MS), "36 h");
        assert_eq!(duration_words(3.0 * DAY_MS), "3 days");
        assert_eq!(duration_words(10.5 * DAY_MS), "10.5 days");
        assert_eq!(duration_words(f64::NAN), "0 min");
        // 288 five-minute bars: one day.
        assert_eq!(bars_words(288.0, 300_000), "24 h (288 bars)");
        assert_eq!(bars_words(2016.0, 300_000), "7 days (2016 bars)");
    }

    #[test]
    fn an_interval_says_why_it_is_missing() {
        let mut d = ReachDifference {
            estimate: Some(-0.002),
            ci95_low: Some(-0.007),
            ci95_high: Some(0.002),
            blocks: 38,
            block_bars: 288,
        };
        assert_eq!(difference_words(&d), "-0.2 points [-0.7, +0.2]");
        d.ci95_low = None;
        d.ci95_high = None;
        assert_eq!(
            difference_words(&d),
            "-0.2 points [no interval: fewer than two blocks]"
        );
        d.estimate = None;
        assert_eq!(difference_words(&d), "no data");
    }
}
