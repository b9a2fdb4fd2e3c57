//! Real liquidations against the bands, worked out by hand.
//!
//! Positions open in bar 0 only (entry 100.5, one 10x tier, half long, half short, rows of
//! 1 USD): a long cluster on [90, 91] with controls [91, 92] and [89, 90], a short cluster on
//! [110, 111] with controls [109, 110] and [111, 112]. Window 15%: the long range is
//! [100.5 * 0.85, 100.5] = [85.425, 100.5] and the short range [100.5, 115.575], each 15.075
//! long, so one 1-USD band covers 1 / 15.075 = 6.63% of its range.

mod score_support;

use liqmap::engine::score::{liquidations_per_bar, score};
use liqmap::model::Side;
use score_support::*;

#[test]
fn lift_by_hand() {
    // e0 bar 0, long 90.5 x 1: in the first bar, no map before it: not scored.
    // e1 bar 3, long 90.5 x 10 = 905 USD: in range, inside the long band.
    // e2 bar 4, long 95 x 10 = 950 USD: in range, outside every band.
    // e3 bar 6, long 80 x 1 = 80 USD: below 85.425, out of range.
    // e4 bar 7, short 105 x 1 = 105 USD: in range, outside every band.
    // In range 905 + 950 + 105 = 1960 USD, inside bands 905: share 0.46173.
    // Chance share 1 / 15.075 = 0.066335 for every event; lift 0.46173 * 15.075 = 6.9607.
    // No event inside a control band: control share 0, control lift 0.
    let events = vec![
        liquidation(0, Side::Long, 90.5, 1.0),
        liquidation(3, Side::Long, 90.5, 10.0),
        liquidation(4, Side::Long, 95.0, 10.0),
        liquidation(6, Side::Long, 80.0, 1.0),
        liquidation(7, Side::Short, 105.0, 1.0),
    ];
    let data = dataset(flat(10), events);
    let engine = build_engine(&data, &ten_x(0.5));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let real = &report.real_score;
    assert_eq!(real.real_events, 5);
    assert!(near(real.real_usd, 2130.5, 1e-9));
    assert_eq!((real.events_scored, real.events_not_scored), (4, 1));
    assert_eq!(real.events_in_range, 3);
    assert!(near(real.usd_in_range, 1960.0, 1e-9));
    assert!(near(real.usd_in_bands, 905.0, 1e-9));
    assert!(near(real.share_in_bands.unwrap(), 0.461_735, 1e-6));
    assert!(near(
        real.share_expected_by_chance.unwrap(),
        0.066_335,
        1e-6
    ));
    assert!(near(real.lift.unwrap(), 6.960_65, 1e-5));
    // Four maps judged events (bars 2, 3, 5, 6), each with a long and a short cluster 9.5 rows
    // from the close: every cluster finds its matched pair at one row ([91, 92] and [89, 90]
    // for the long one), untouched on this flat path, and the same pair unmatched.
    for c in [&real.lift_matched, &real.lift_unmatched] {
        assert_eq!(
            (c.clusters_with_controls, c.clusters_without_controls),
            (8, 0)
        );
        assert!(near(c.usd_in_cluster_bands, 905.0, 1e-9));
        assert!(near(c.cluster_lift.unwrap(), 6.960_65, 1e-5));
        assert_eq!(c.usd_in_control_bands, 0.0);
        assert_eq!(c.control_lift, Some(0.0));
    }
    // Per hour over bars 3..=7 (bars with scored events: e0's bar 0 is left out): 5 minutes.
    // Nothing dies on a flat path: 0 predicted. Real 905 + 950 + 80 + 105 = 2040 USD in 1/12 h.
    let hourly = real.predicted_vs_real_per_hour.as_ref().unwrap();
    assert_eq!((hourly.first_bar, hourly.end_bar), (3, 8));
    assert!(near(hourly.hours, 5.0 / 60.0, 1e-12));
    assert_eq!(hourly.predicted_usd, 0.0);
    assert!(
        hourly.predicted_usd.is_sign_positive(),
        "an empty sum prints as 0, not -0"
    );
    assert!(near(hourly.real_usd_per_hour, 24_480.0, 1e-6));
    assert_eq!(hourly.predicted_to_real, Some(0.0));
}

#[test]
fn controls_catching_the_liquidations_beat_the_bands() {
    // Every long event at 91.5: inside the inward control [91, 92], outside the band [90, 91].
    // Share in bands 0 (lift 0); share in controls 1, against two bands covering 2 / 15.075 of
    // the range: control lift 7.5375.
    let events = (1..8)
        .map(|bar| liquidation(bar, Side::Long, 91.5, 1.0))
        .collect();
    let data = dataset(flat(10), events);
    let engine = build_engine(&data, &ten_x(0.5));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let real = &report.real_score;
    assert_eq!(real.events_in_range, 7);
    assert_eq!(real.lift, Some(0.0));
    for c in [&real.lift_matched, &real.lift_unmatched] {
        assert!(near(c.share_in_control_bands.unwrap(), 1.0, 1e-12));
        assert!(near(c.control_lift.unwrap(), 7.5375, 1e-9));
    }
}

#[test]
fn the_matched_lift_refuses_a_control_price_just_visited() {
    // Bar 2 dips to 91.5: into the long cluster's inward control [91, 92] (and every band
    // between it and the close), not into the cluster [90, 91]. A long event at 91.5 in bar 4
    // is judged against bar 3's map. Unmatched, the nearest free bands [91, 92] and [89, 90]
    // are the controls: the event lies in [91, 92], share 1, lift 1 / (2 / 15.075) = 7.5375.
    // Matched, a control must be untouched since bar 0 (lows after it down to 91.5), and the
    // shift may be at most floor(0.25 x 9.5) = 2 rows: [91, 92] and [92, 93] were both
    // traded into, so the long cluster has no matched pair; the short cluster has one
    // ([109, 110] and [111, 112]) that the long event cannot fall in.
    let mut bars = flat(10);
    bars[2] = bar(2, ENTRY, 91.5, ENTRY, 0.0);
    let data = dataset(bars, vec![liquidation(4, Side::Long, 91.5, 1.0)]);
    let engine = build_engine(&data, &ten_x(0.5));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let real = &report.real_score;
    assert_eq!(real.events_in_range, 1);
    let unmatched = &real.lift_unmatched;
    assert_eq!(
        (
            unmatched.clusters_with_controls,
            unmatched.clusters_without_controls
        ),
        (2, 0)
    );
    assert!(near(unmatched.control_lift.unwrap(), 7.5375, 1e-9));
    assert_eq!(unmatched.cluster_lift, Some(0.0));
    let matched = &real.lift_matched;
    assert_eq!(
        (
            matched.clusters_with_controls,
            matched.clusters_without_controls
        ),
        (1, 1)
    );
    assert_eq!(matched.usd_in_control_bands, 0.0);
    // No long band with a matched pair covers any of the long range: nothing to compare.
    assert_eq!((matched.cluster_lift, matched.control_lift), (None, None));
}

#[test]
fn predicted_against_real_where_a_level_dies() {
    // Bar 5's low of 90 kills the long level at 90.45, worth 201 / 2 = 100.5 USD: a predicted
    // liquidation of 100.5 USD in bar 5. A real long liquidation of 90.2 x 1 in bar 5, judged
    // against bar 4's map, lies inside the band [90, 91]: share 1, lift 15.075.
    // Per hour over bar 5 alone (1 minute): 6030 predicted, 5412 real, ratio 1.11419.
    let mut bars = flat(10);
    bars[5] = bar(5, ENTRY, 90.0, ENTRY, 0.0);
    let data = dataset(bars, vec![liquidation(5, Side::Long, 90.2, 1.0)]);
    let engine = build_engine(&data, &ten_x(0.5));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let real = &report.real_score;
    assert!(near(real.lift.unwrap(), 15.075, 1e-9));
    let hourly = real.predicted_vs_real_per_hour.as_ref().unwrap();
    assert!(near(hourly.predicted_usd_per_hour, 6030.0, 1e-6));
    assert!(near(hourly.real_usd_per_hour, 5412.0, 1e-6));
    assert!(near(hourly.predicted_to_real.unwrap(), 1.114_19, 1e-5));

    // The same per bar, for the chart.
    let per_bar = liquidations_per_bar(&engine, &data, &engine.default_selection());
    assert_eq!(per_bar.len(), 10);
    assert!(near(per_bar[5].predicted_usd[0], 100.5, 1e-9));
    // One level died, at 100.5 x (1 - 1/10) = 90.45; no short died.
    assert!(near(per_bar[5].predicted_price[0], 90.45, 1e-9));
    assert_eq!(per_bar[5].predicted_price[1], 0.0);
    assert!(near(per_bar[5].real_usd[0], 90.2, 1e-9));
    assert_eq!(per_bar[4].predicted_usd, [0.0, 0.0]);
}

#[test]
fn no_real_liquidations_means_no_lift() {
    let data = dataset(flat(10), Vec::new());
    let engine = build_engine(&data, &ten_x(0.5));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let real = &report.real_score;
    assert_eq!((real.real_events, real.events_in_range), (0, 0));
    assert_eq!((real.lift, real.lift_matched.control_lift), (None, None));
    assert!(real.predicted_vs_real_per_hour.is_none());
    assert!(real.real_usd.is_sign_positive());
}
