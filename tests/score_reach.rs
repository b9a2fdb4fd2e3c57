//! Reach of clusters against their controls on price paths worked out by hand.
//!
//! Every dataset opens positions in bar 0 only (entry 100.5, one 10x tier, rows of 1 USD): a long
//! cluster on row [90, 91] (level at 90.45) and a short cluster on row [110, 111] (level at
//! 110.55). Their controls are the neighbouring empty rows: longs [91, 92] inward and [89, 90]
//! outward, shorts [109, 110] inward and [111, 112] outward. The matched controls are the same
//! rows when price has not traded into them since the cluster formed or was last entered (each
//! band lies 9.5 rows from the close 100.5; a tolerance of 0.25 allows shifts of 1 and 2 rows).
//! 40 bars, horizon 5: bars 0..=34 are scored, the last 5 are cut.

mod score_support;

use liqmap::engine::score::{Verdict, score};
use liqmap::model::Side;
use score_support::*;

/// 40 bars flat at 100.5 whose every fifth bar (5, 10, ..., 35) dips its low to `dip_low` and
/// lifts its high to `spike_high`. Every scored bar t in 0..=34 has one such bar in t+1..=t+5.
fn path(dip_low: f64, spike_high: f64) -> Vec<liqmap::model::Bar> {
    let mut bars = flat(40);
    for i in (5..40).step_by(5) {
        bars[i] = bar(i, spike_high, dip_low, ENTRY, 0.0);
    }
    bars
}

#[test]
fn price_going_to_the_clusters_makes_the_map_win() {
    // All long (split 1.0): one long cluster. Dips to 90.6 enter [90, 91] (90.6 <= 91) without
    // killing the level at 90.45, pass the inward control [91, 92], stop above the outward
    // [89, 90]. 35 scored bars: clusters 35/35, controls 35/70.
    // Wilson 35/35: low 0.901; 35/70: high 0.614 -> the intervals part: the map helps.
    // Each dip enters the cluster too, so it has been untouched only since the last dip, and so
    // have its neighbours (the bars between dips stay at 100.5): they are its matched controls.
    let data = dataset(path(90.6, ENTRY), Vec::new());
    let engine = build_engine(&data, &ten_x(1.0));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let reach = &report.reach_score;
    assert_eq!((reach.sampled_bars, reach.bars_cut_by_horizon), (35, 5));
    let figures = &reach.figures;
    assert_eq!((figures.reach.hits, figures.reach.total), (35, 35));
    for comparison in [&figures.matched, &figures.unmatched] {
        assert_eq!((comparison.reach.hits, comparison.reach.total), (35, 35));
        assert_eq!(
            (
                comparison.control_reach.hits,
                comparison.control_reach.total
            ),
            (35, 70)
        );
        assert_eq!(comparison.without_control, 0);
        assert!(near(comparison.reach.ci95_low.unwrap(), 0.901, 5e-4));
        assert!(near(
            comparison.control_reach.ci95_high.unwrap(),
            0.614,
            5e-4
        ));
        assert_eq!(comparison.verdict, Verdict::MapHelps);
    }
    assert_eq!(figures.verdict, Verdict::MapHelps);
    let reach = &figures.matched;
    // The cluster's peak 90.5 lies 9.95% below 100.5; the controls' middles 91.5 and 89.5 lie
    // 8.96% and 10.95% below: 9.95% on average, the same distance.
    assert!(near(reach.mean_abs_distance_pct.unwrap(), 9.950, 1e-3));
    assert!(near(
        reach.mean_abs_distance_pct_controls.unwrap(),
        9.950,
        1e-3
    ));
    // Bucket 5-10% holds them all.
    let bucket = reach.by_distance.iter().find(|b| b.min_pct == 5.0).unwrap();
    assert_eq!((bucket.reach.total, bucket.control_reach.total), (35, 70));
    assert_eq!(bucket.max_pct, Some(10.0));
}

#[test]
fn clusters_where_price_goes_and_where_it_does_not() {
    // Half long, half short. Highs spike to 110.2: the short cluster [110, 111] is entered
    // (110.2 >= 110) without killing the level at 110.55, its inward control [109, 110] too, the
    // outward [111, 112] not. Lows never fall: the long cluster and both its controls are missed.
    // Longs 0/35 vs 0/70, shorts 35/35 vs 35/70; in all 35/70 vs 35/140.
    // Wilson 35/70 = [0.386, 0.614], 35/140 = [0.186, 0.328]: the map helps.
    let data = dataset(path(ENTRY, 110.2), Vec::new());
    let engine = build_engine(&data, &ten_x(0.5));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let reach = &report.reach_score.figures.matched;
    let long = &reach.by_side[0];
    let short = &reach.by_side[1];
    assert_eq!(long.side, Side::Long);
    assert_eq!((long.reach.hits, long.reach.total), (0, 35));
    assert_eq!((long.control_reach.hits, long.control_reach.total), (0, 70));
    assert_eq!((short.reach.hits, short.reach.total), (35, 35));
    assert_eq!(
        (short.control_reach.hits, short.control_reach.total),
        (35, 70)
    );
    assert_eq!((reach.reach.hits, reach.reach.total), (35, 70));
    assert!(near(reach.reach.ci95_low.unwrap(), 0.386, 5e-4));
    assert!(near(reach.control_reach.ci95_high.unwrap(), 0.328, 5e-4));
    assert_eq!(reach.verdict, Verdict::MapHelps);
}

#[test]
fn price_stopping_short_of_the_clusters_makes_the_unmatched_control_win_but_not_the_matched() {
    // All long. Dips to 91.5 enter the inward control [91, 92] but stop above the cluster
    // [90, 91]. Against the unmatched controls: clusters 0/35, controls 35/70, and the report
    // says the control wins, in words. But from bar 5 on, every band between the cluster and the
    // close has been traded into since the cluster formed (at bar 0) while the cluster has not:
    // none is a matched control. Only bars 0..=4 have one (their horizon holds the dip of bar
    // 5): clusters 0/5, controls 5/10, too few to judge.
    let data = dataset(path(91.5, ENTRY), Vec::new());
    let engine = build_engine(&data, &ten_x(1.0));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let figures = &report.reach_score.figures;
    let unmatched = &figures.unmatched;
    assert_eq!((unmatched.reach.hits, unmatched.reach.total), (0, 35));
    assert_eq!(
        (unmatched.control_reach.hits, unmatched.control_reach.total),
        (35, 70)
    );
    assert_eq!(unmatched.verdict, Verdict::ControlWins);
    assert!(
        unmatched
            .verdict_text
            .contains("clusters were reached LESS often than their control bands"),
        "{}",
        unmatched.verdict_text
    );
    let matched = &figures.matched;
    assert_eq!((matched.with_control, matched.without_control), (5, 30));
    assert_eq!((matched.reach.hits, matched.reach.total), (0, 5));
    assert_eq!(
        (matched.control_reach.hits, matched.control_reach.total),
        (5, 10)
    );
    assert_eq!(matched.verdict, Verdict::NoData);
    assert_eq!(figures.verdict, Verdict::NoData);
}

#[test]
fn the_horizon_is_cut_at_the_data_end_and_the_cap_spaces_bars_evenly() {
    // 12 bars, horizon 5: bars 7..=11 would look past bar 11, so 7 bars (0..=6) are scored.
    // The only dip is in bar 11, the last: bars 6 (horizon 7..=11) sees it, 0..=5 do not.
    let mut bars = flat(12);
    bars[11] = bar(11, ENTRY, 90.6, ENTRY, 0.0);
    let data = dataset(bars, Vec::new());
    let engine = build_engine(&data, &ten_x(1.0));
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let reach = &report.reach_score;
    assert_eq!((reach.sampled_bars, reach.bars_cut_by_horizon), (7, 5));
    assert_eq!(
        (reach.figures.reach.hits, reach.figures.reach.total),
        (1, 7)
    );

    // A cap of 3 of the 7 scoreable bars: 0, 7/3 -> 2, 14/3 -> 4; none sees the dip.
    let capped = liqmap::engine::score::ScoreParams {
        max_sampled_bars: 3,
        ..params()
    };
    let report = score(&engine, &data, &engine.default_selection(), &capped).unwrap();
    let reach = &report.reach_score;
    assert_eq!(reach.sampled_bars, 3);
    assert!(near(reach.sample_step_bars, 7.0 / 3.0, 1e-12));
    assert_eq!(
        (reach.figures.reach.hits, reach.figures.reach.total),
        (0, 3)
    );

    // Data shorter than the horizon: nothing scored, every bar cut, and the report says so.
    let short = dataset(flat(4), Vec::new());
    let engine_short = build_engine(&short, &ten_x(1.0));
    let report = score(
        &engine_short,
        &short,
        &engine_short.default_selection(),
        &params(),
    )
    .unwrap();
    assert_eq!(report.reach_score.sampled_bars, 0);
    assert_eq!(report.reach_score.bars_cut_by_horizon, 4);
    assert_eq!(report.reach_score.figures.verdict, Verdict::NoData);
}

#[test]
fn clusters_beyond_the_window_are_not_scored() {
    // The clusters sit 9.95% away: a 5% window scores none of them.
    let data = dataset(path(90.6, ENTRY), Vec::new());
    let engine = build_engine(&data, &ten_x(1.0));
    let narrow = liqmap::engine::score::ScoreParams {
        max_distance_pct: 5.0,
        ..params()
    };
    let report = score(&engine, &data, &engine.default_selection(), &narrow).unwrap();
    let figures = &report.reach_score.figures;
    assert_eq!(figures.reach.total, 0);
    assert_eq!(figures.verdict, Verdict::NoData);
    // Buckets stop at the window: 0-1, 1-2, 2-5.
    assert_eq!(figures.matched.by_distance.len(), 3);
    assert_eq!(figures.dose_response.buckets.len(), 3);
}

#[test]
fn a_cluster_with_no_room_for_a_control_is_counted_apart() {
    // One 100x tier, all long: the level sits at 100.5 * 0.99 = 99.495, row [99, 100], 0.995%
    // below the close. Its inward neighbour [100, 101] reaches above the close 100.5, so the
    // cluster has no inward control and no pair, matched or not (0.5 rows from the close, it
    // allows no shift at all). 12 bars, horizon 5: 7 scored clusters, all without a control, and
    // none compared.
    let data = dataset(flat(12), Vec::new());
    let settings = liqmap::settings::ModelSettings {
        tiers: liqmap::settings::TierList(vec![liqmap::settings::LeverageTier {
            leverage: 100.0,
            weight: 1.0,
        }]),
        ..ten_x(1.0)
    };
    let engine = build_engine(&data, &settings);
    let report = score(&engine, &data, &engine.default_selection(), &params()).unwrap();
    let figures = &report.reach_score.figures;
    assert_eq!(figures.reach.total, 7);
    for reach in [&figures.matched, &figures.unmatched] {
        assert_eq!((reach.with_control, reach.without_control), (0, 7));
        assert_eq!((reach.reach.total, reach.control_reach.total), (0, 0));
        assert_eq!(reach.verdict, Verdict::NoData);
    }
    // The curve's steps are 1.5% wide (a 15% window in 10 steps): 0.995% is in the first.
    assert_eq!(figures.curve[0].clusters.total, 7);
    assert_eq!(figures.curve[0].matched_controls.total, 0);
}

#[test]
fn hits_bunched_in_one_stretch_of_time_are_not_enough_for_the_map_to_win() {
    // All long, horizon 30, 90 bars: scored bars 0..=59. One dip to 90.6 at bar 30 enters the
    // cluster [90, 91] and the inward control [91, 92] (not the outward [89, 90]) for the bars
    // 0..=29 that look ahead to it, and for no later bar. Clusters 30/60, controls 30/120 (the
    // dip enters the cluster too, so from bar 30 on it is untouched only since bar 30, like its
    // neighbours: they stay its matched controls).
    // Wilson 30/60 = [0.377, 0.623] and 30/120 = [0.181, 0.334] part, as if 60 independent
    // trials had been made; but all the hits come from one stretch of the path.
    // Blocks of 30 bars: block 0 differs by 30/30 - 30/60 = 0.5, block 1 by 0 - 0 = 0. A quarter
    // of the resamples draw block 1 twice (difference 0), so the 2.5th percentile is 0: the
    // difference 0.25 is not clear of zero and the verdict is inconclusive.
    let mut bars = flat(90);
    bars[30] = bar(30, ENTRY, 90.6, ENTRY, 0.0);
    let data = dataset(bars, Vec::new());
    let engine = build_engine(&data, &ten_x(1.0));
    let params = liqmap::engine::score::ScoreParams {
        horizon_bars: 30,
        ..params()
    };
    let report = score(&engine, &data, &engine.default_selection(), &params).unwrap();
    let reach = &report.reach_score.figures.matched;
    assert_eq!((reach.reach.hits, reach.reach.total), (30, 60));
    assert_eq!(
        (reach.control_reach.hits, reach.control_reach.total),
        (30, 120)
    );
    assert!(near(reach.reach.ci95_low.unwrap(), 0.377, 5e-4));
    assert!(near(reach.control_reach.ci95_high.unwrap(), 0.334, 5e-4));
    let difference = &reach.difference;
    assert_eq!((difference.blocks, difference.block_bars), (2, 30));
    assert!(near(difference.estimate.unwrap(), 0.25, 1e-12));
    assert_eq!(difference.ci95_low, Some(0.0));
    assert_eq!(difference.ci95_high, Some(0.5));
    assert_eq!(reach.verdict, Verdict::Inconclusive);
}
