//! The score's JSON names, calibration across settings, and the tier-weight fit judged on a later
//! span only.

mod score_support;

use liqmap::engine::score::{
    ScoreParams, calibrate, fit_tier_weights, headline, score, score_span,
};
use liqmap::model::Side;
use liqmap::settings::{LeverageTier, ModelSettings, TierList};
use score_support::*;

#[test]
fn json_names_each_figure_plainly() {
    let data = dataset(flat(10), vec![liquidation(3, Side::Long, 90.5, 1.0)]);
    let engine = build_engine(&data, &ten_x(0.5));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let doc = serde_json::to_value(&report).unwrap();
    for key in [
        "settings",
        "params",
        "reach",
        "matched",
        "unmatched",
        "baselines",
        "adds_information",
        "information_text",
        "curve",
        "dose_response",
        "verdict",
        "verdict_text",
        "sampled_bars",
        "bars_cut_by_horizon",
        "lift",
        "lift_matched",
        "lift_unmatched",
        "real_events",
        "real_usd",
        "events_in_range",
        "usd_in_range",
        "share_in_bands",
        "share_expected_by_chance",
        "predicted_vs_real_per_hour",
    ] {
        assert!(doc.get(key).is_some(), "missing {key}: {doc:#}");
    }
    for key in ["hits", "total", "rate", "ci95_low", "ci95_high"] {
        assert!(doc["reach"].get(key).is_some(), "reach lacks {key}");
        assert!(
            doc["matched"]["control_reach"].get(key).is_some(),
            "control_reach lacks {key}"
        );
    }
    // The matched and the unmatched comparison carry the fields of a difference with its
    // interval (here absent: see below), and their rates.
    for comparison in ["matched", "unmatched"] {
        for key in [
            "estimate",
            "interval",
            "blocks",
            "block_bars",
            "reach",
            "control_reach",
            "with_control",
            "without_control",
            "by_side",
            "by_distance",
            "verdict",
        ] {
            assert!(
                doc[comparison].get(key).is_some(),
                "{comparison} lacks {key}"
            );
        }
    }
    assert_eq!(doc["matched"]["by_side"][0]["side"], "long");
    // One entry per baseline, each named and with its own matched comparison.
    let baselines = doc["baselines"].as_array().unwrap();
    let kinds: Vec<&str> = baselines
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "swing_pivots",
            "round_numbers",
            "previous_day",
            "volume_nodes"
        ]
    );
    for b in baselines {
        assert!(b["matched"].get("interval").is_some());
        assert!(b["clusters_minus_baseline"].get("interval").is_some());
    }
    // Nothing is reached on this flat path: no correlation, and the key says so.
    assert_eq!(
        doc["dose_response"]["rank_correlation"]["interval"],
        "absent_no_trials"
    );
    assert_eq!(doc["params"]["horizon_bars"], 5);
    assert!(
        doc["predicted_vs_real_per_hour"]
            .get("real_usd_per_hour")
            .is_some()
    );
    // A verdict is a plain word.
    assert!(doc["verdict"].is_string());
}

/// Every object of a JSON document holding `key`.
fn objects_with<'a>(v: &'a serde_json::Value, key: &str, found: &mut Vec<&'a serde_json::Value>) {
    match v {
        serde_json::Value::Array(items) => items.iter().for_each(|i| objects_with(i, key, found)),
        serde_json::Value::Object(map) => {
            if map.contains_key(key) {
                found.push(v);
            }
            map.values().for_each(|i| objects_with(i, key, found));
        }
        _ => {}
    }
}

#[test]
fn absent_figures_are_left_out_or_named_never_null() {
    // Ten flat bars, a 5-bar horizon: bars 0..5 are scored, all in the first horizon-long
    // block, so no difference can have a block-bootstrap interval (two blocks are needed). The
    // one long event at bar 3 is judged; nothing is ever reached on a flat path.
    let data = dataset(flat(10), vec![liquidation(3, Side::Long, 90.5, 1.0)]);
    let engine = build_engine(&data, &ten_x(0.5));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let doc = serde_json::to_value(&report).unwrap();
    let mut found = Vec::new();
    nulls(&doc, "", &mut found);
    assert!(found.is_empty(), "null at {found:?}");
    // Each difference says why its interval is missing, and leaves the ends out.
    let mut differences = Vec::new();
    objects_with(&doc, "block_bars", &mut differences);
    // matched, unmatched, each baseline's own and clusters minus it, the rank correlation.
    assert!(differences.len() >= 11, "{}", differences.len());
    for d in &differences {
        let status = d["interval"].as_str().unwrap();
        assert!(
            d.get("ci95_low").is_none() && d.get("ci95_high").is_none(),
            "{d}"
        );
        if d.get("estimate").is_some() {
            assert_eq!(status, "absent_fewer_than_two_blocks", "{d}");
        } else {
            assert_eq!(status, "absent_no_trials", "{d}");
        }
    }
    // The clusters were matched (five bars, a long and a short cluster each, untouched
    // controls one row away), so the main comparison has an estimate: 0 reached of 10 against
    // 0 of 20, a difference of 0.
    assert_eq!(doc["matched"]["estimate"], 0.0);
    assert_eq!(doc["matched"]["with_control"], 10);
    assert_eq!(doc["matched"]["interval"], "absent_fewer_than_two_blocks");
    // A rate with no trials shows its zero total and no rate.
    let mut rates = Vec::new();
    objects_with(&doc, "hits", &mut rates);
    let empty: Vec<_> = rates.iter().filter(|r| r["total"] == 0).collect();
    assert!(!empty.is_empty());
    for r in empty {
        assert!(
            r.get("rate").is_none() && r.get("ci95_low").is_none(),
            "{r}"
        );
    }
}

#[test]
fn calibration_lists_variants_and_says_which_cannot_run() {
    let data = dataset(flat(10), Vec::new());
    let variants = calibrate(&data, &ten_x(1.0), &params());
    let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names.first(), Some(&"as given"));
    // No open interest: the oi variant cannot run, and says why.
    let oi = variants.iter().find(|v| v.name == "source oi").unwrap();
    assert!(oi.headline.is_none());
    assert!(oi.error.as_deref().unwrap().contains("open interest"));
    // Variants that resolve to the settings given are not repeated.
    assert!(!names.contains(&"source volume"));
    assert!(!names.contains(&"no half-life"));
    for name in ["split candle", "tiers high leverage", "half-life 1 day"] {
        let variant = variants.iter().find(|v| v.name == name).unwrap();
        assert!(variant.headline.is_some(), "{name}: {:?}", variant.error);
    }
}

/// 100 bars, all long, two tiers at equal weight: 10x (level 90.45, band [90, 91]) and 20x
/// (level 100.5 * 0.95 = 95.475, band [95, 96]). Every fifth bar dips to 95.6: into the 20x band
/// (95.6 <= 96) without killing its level, through its inward control [96, 97], above its outward
/// [94, 95]; far above the 10x band and its controls.
fn two_tier_case() -> (liqmap::model::Dataset, ModelSettings) {
    let mut bars = flat(100);
    for i in (5..100).step_by(5) {
        bars[i] = bar(i, ENTRY, 95.6, ENTRY, 0.0);
    }
    let settings = ModelSettings {
        tiers: TierList(vec![
            LeverageTier {
                leverage: 10.0,
                weight: 1.0,
            },
            LeverageTier {
                leverage: 20.0,
                weight: 1.0,
            },
        ]),
        ..ten_x(1.0)
    };
    (dataset(bars, Vec::new()), settings)
}

#[test]
fn fitted_weights_are_scored_on_the_later_span_only() {
    // Both tiers: per bar clusters 1/2 reached, controls 1/4: edge 0.25. Without the 10x tier:
    // clusters 1/1, controls 1/2: edge 0.5. The search over the first 50 bars (45 scored, 45
    // clusters with a control >= 30) drops the 10x tier.
    // Trials: the start; tier 0 x0 (taken) and x2 (an equal share back: edge 0.25, refused);
    // second pass tier 0 x2 again. Tier 1 never changes anything. 4 trials.
    let (data, settings) = two_tier_case();
    let engine = build_engine(&data, &settings);
    let fit = fit_tier_weights(&engine, &data, &params(), 0.5).unwrap();
    assert_eq!((fit.train_end_bar, fit.test_end_bar), (50, 100));
    assert_eq!(fit.evaluations, 4);
    assert_eq!(fit.base_weights[0].share, 0.5);
    assert_eq!(fit.fitted_weights[0].share, 0.0);
    assert_eq!(fit.fitted_weights[1].share, 1.0);
    assert!(near(fit.base_test.edge.unwrap(), 0.25, 1e-12));
    assert!(near(fit.fitted_test.edge.unwrap(), 0.5, 1e-12));
    // The test figures are those of bars 50..100 alone: 45 scored bars.
    assert_eq!(fit.fitted_test.reach.total, 45);
    let base_later = score_span(
        &engine,
        &data,
        &engine.default_selection(),
        &params(),
        50..100,
    )
    .unwrap();
    assert_eq!(headline(&base_later), fit.base_test);
}

#[test]
fn bad_parameters_are_refused_with_a_reason() {
    let data = dataset(flat(10), Vec::new());
    let engine = build_engine(&data, &ten_x(1.0));
    let zero_horizon = ScoreParams {
        horizon_bars: 0,
        ..params()
    };
    let err = score(&engine, &data, &engine.default_selection(), &zero_horizon).unwrap_err();
    assert!(err.to_string().contains("horizon"));
    // Ten bars cannot hold a training and a test span longer than a 5-bar horizon each.
    assert!(fit_tier_weights(&engine, &data, &params(), 0.5).is_err());
    assert!(fit_tier_weights(&engine, &data, &params(), 1.0).is_err());
}

#[test]
fn progress_is_reported_and_cancelling_stops_the_run() {
    use liqmap::engine::score::{ScoreError, Stage, score_span_with_progress};
    // 10 bars, horizon 5: 5 reach maps; events in bars 3 and 4: 2 more maps.
    let events = vec![
        liquidation(3, Side::Long, 90.5, 1.0),
        liquidation(4, Side::Long, 90.5, 1.0),
    ];
    let data = dataset(flat(10), events);
    let engine = build_engine(&data, &ten_x(0.5));
    let selection = engine.default_selection();
    let mut seen = Vec::new();
    score_span_with_progress(&engine, &data, &selection, &params(), 0..10, &mut |p| {
        seen.push((p.stage, p.done, p.total));
        true
    })
    .unwrap();
    assert_eq!(seen.len(), 7);
    assert_eq!(seen[4], (Stage::Reach, 5, 5));
    assert_eq!(seen[6], (Stage::RealLiquidations, 2, 2));
    let mut calls = 0;
    let stopped =
        score_span_with_progress(&engine, &data, &selection, &params(), 0..10, &mut |_| {
            calls += 1;
            calls < 3
        });
    assert_eq!(stopped, Err(ScoreError::Cancelled));
    assert_eq!(calls, 3);
}
