//! `liqmap score --venues`: the summed map of several venues scored on the reference venue's
//! candles. The venues here are one real recording and its copy relabelled as another venue
//! (the HYPEUSDT sample, and the BTCUSDT recording for real liquidations, relabelled as Bybit):
//! the summed map is then the single map doubled, which fixes by hand what the score must be.
//!
//! Worked out: every level stands twice at unit weight, so every row of the summed map holds
//! twice the single map's USD. Clusters are picked by the shape of the profile (relative to its
//! own rows), so the summed map has the same clusters at the same prices with twice the
//! notional; controls are held to a share of their cluster's notional, so the same bands are
//! chosen; reach (entered or not) depends only on the bands and the candles, which are the
//! reference venue's, the same. Every reach count is therefore the single venue's. Each real
//! liquidation is there twice (both venues report it), at the same price and time: the events
//! counted and their USD double, the shares in bands and the lifts stay; the levels dying
//! double, so the predicted USD doubles and predicted-to-real stays.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use liqmap::engine::score::Maps;
use liqmap::engine::venues::Venues;
use liqmap::engine::{Engine, StandingSweep};
use liqmap::settings::ModelSettings;
use serde_json::Value;

fn liqmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .arg("score")
        .args(args)
        .output()
        .expect("the binary runs")
}

/// `asset` and a copy of it relabelled as Bybit, in a temporary folder.
fn relabelled_pair(asset: &str, dir: &Path) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(asset))
        .expect("the asset");
    let original = "\"exchange\":\"binance-usdm\"";
    assert!(text.contains(original), "{asset} is a Binance dataset");
    let a = dir.join("binance.json");
    let b = dir.join("bybit.json");
    std::fs::write(&a, &text).expect("written");
    std::fs::write(
        &b,
        text.replacen(original, "\"exchange\":\"bybit-linear\"", 1),
    )
    .expect("written");
    (a, b)
}

fn json_of(output: &Output) -> Value {
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_summed_clusters_are_the_single_venues_at_twice_the_notional() {
    let sample = liqmap::dataset::sample().expect("the sample");
    let mut copy = sample.clone();
    copy.exchange = "bybit-linear".into();
    let model = ModelSettings::default();
    let single = Engine::new(&sample, &model).expect("engine");
    let venues = Venues::new(vec![sample.clone(), copy], &model).expect("venues");
    let summed = venues.summed_maps();
    assert_eq!(summed.bar_times_ms(), single.bar_times_ms());
    let selection = single.default_selection();
    let params = liqmap::engine::ClusterParams::default();
    let bin = 0.05;
    let mut own = StandingSweep::new(&single);
    let mut both = summed.sweep();
    let mut clusters_seen = 0;
    for bar in [100, 400, 700, 1000, 1151] {
        let (map_one, clusters_one) = own
            .map_and_clusters_at(bar, bin, &selection, &params)
            .expect("one venue");
        let (map_two, clusters_two) = both
            .map_and_clusters_at(bar, bin, &selection, &params)
            .expect("two venues");
        // The sweep's sum is the sum `liqmap map a.json b.json` prints, to the bit.
        let time_ms = sample.bars[bar].open_time_ms;
        let mapped = venues.map_at(time_ms, bin, &selection).expect("map");
        assert_eq!(mapped.total, map_two, "bar {bar}");
        assert_eq!(map_two.row_count(), map_one.row_count());
        for row in 0..map_one.row_count() {
            for side in liqmap::model::Side::BOTH {
                assert!(close(
                    map_two.side_usd(row, side),
                    2.0 * map_one.side_usd(row, side)
                ));
            }
        }
        assert_eq!(clusters_two.len(), clusters_one.len(), "bar {bar}");
        for (two, one) in clusters_two.iter().zip(&clusters_one) {
            assert_eq!(
                (two.side, two.price_low, two.price_high, two.peak_price),
                (one.side, one.price_low, one.price_high, one.peak_price)
            );
            assert_eq!(two.formed_time_ms, one.formed_time_ms);
            assert!(close(two.notional_usd, 2.0 * one.notional_usd), "bar {bar}");
        }
        clusters_seen += clusters_one.len();
    }
    assert!(clusters_seen > 0, "the sample shows clusters");
}

#[test]
fn the_levels_dying_on_two_venues_are_twice_one_venues() {
    let sample = liqmap::dataset::sample().expect("the sample");
    let mut copy = sample.clone();
    copy.exchange = "bybit-linear".into();
    let model = ModelSettings::default();
    let single = Engine::new(&sample, &model).expect("engine");
    let venues = Venues::new(vec![sample, copy], &model).expect("venues");
    let selection = single.default_selection();
    let one = single.predicted_liquidations(&selection);
    let two = venues.summed_maps().predicted_liquidations(&selection);
    assert!(!one.is_empty(), "levels die in the sample");
    assert_eq!(two.len(), 2 * one.len());
    // Same bars (the venues' bars are the reference's), each death twice.
    let mut per_bar_one = vec![0.0; single.bar_count()];
    let mut per_bar_two = vec![0.0; single.bar_count()];
    for d in &one {
        per_bar_one[d.bar] += d.notional_usd;
    }
    for d in &two {
        per_bar_two[d.bar] += d.notional_usd;
    }
    for (a, b) in per_bar_two.iter().zip(&per_bar_one) {
        assert!(close(*a, 2.0 * b), "{a} against 2 × {b}");
    }
    // A venue ticked off adds nothing.
    let mut half = venues.clone();
    half.set_enabled(1, false).expect("tick off");
    assert_eq!(
        half.summed_maps().predicted_liquidations(&selection).len(),
        one.len()
    );
}

/// The reach counts of a score document that must not change when the map is doubled.
fn reach_counts(doc: &Value) -> Vec<u64> {
    let rate = |v: &Value| [v["hits"].as_u64().unwrap(), v["total"].as_u64().unwrap()];
    let mut counts = Vec::new();
    counts.extend(rate(&doc["reach"]));
    for comparison in ["matched", "unmatched"] {
        let c = &doc[comparison];
        counts.extend(rate(&c["reach"]));
        counts.extend(rate(&c["control_reach"]));
        counts.push(c["with_control"].as_u64().unwrap());
        counts.push(c["without_control"].as_u64().unwrap());
    }
    counts
}

#[test]
fn scoring_two_venues_scores_the_doubled_map_on_the_reference_candles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = relabelled_pair("assets/sample.json", dir.path());
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let quick = ["--samples", "80", "--horizon", "24", "--format", "json"];
    let one = json_of(&liqmap(&[&[a][..], &quick].concat()));
    let two = json_of(&liqmap(&[&["--venues", a, b][..], &quick].concat()));
    assert!(one["reach"]["total"].as_u64().unwrap() > 0, "{one}");
    assert_eq!(reach_counts(&two), reach_counts(&one));
    assert_eq!(two["sampled_bars"], one["sampled_bars"]);
    // The output says what was summed and whose candles were used.
    let venues: Vec<&str> = two["summed"]["venues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(venues, ["binance-usdm", "bybit-linear"]);
    // Equal open interest: the first of equals is the reference.
    assert_eq!(two["summed"]["reference"], "binance-usdm");
    assert!(
        two["settings"]
            .as_str()
            .unwrap()
            .contains("summed over binance-usdm, bybit-linear; candles of binance-usdm"),
        "{}",
        two["settings"]
    );

    // The table says the same in words, and --reference picks the other venue's candles.
    let table = liqmap(&[
        "--venues",
        a,
        b,
        "--reference",
        "bybit-linear",
        "--samples",
        "20",
    ]);
    assert!(table.status.success(), "{table:?}");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.starts_with(
            "summed map of 2 venues, scored on the candles of bybit-linear (the reference venue)"
        ),
        "{text}"
    );
    assert!(
        text.contains("  binance-usdm: weight 1; 0 real liquidations"),
        "{text}"
    );
}

#[test]
fn real_liquidations_of_both_venues_are_scored_and_the_predicted_usd_doubles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = relabelled_pair("assets/btcusdt-5m.json", dir.path());
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let quick = ["--samples", "10", "--horizon", "24", "--format", "json"];
    let one = json_of(&liqmap(&[&[a][..], &quick].concat()));
    let two = json_of(&liqmap(&[&["--venues", a, b][..], &quick].concat()));
    let number = |doc: &Value, key: &str| doc[key].as_f64().unwrap();
    assert!(
        number(&one, "real_events") > 0.0,
        "the recording has events"
    );
    for key in [
        "real_events",
        "real_usd",
        "events_scored",
        "usd_in_range",
        "usd_in_bands",
    ] {
        assert!(
            close(number(&two, key), 2.0 * number(&one, key)),
            "{key}: {} against {}",
            two[key],
            one[key]
        );
    }
    for key in ["share_in_bands", "lift"] {
        if let (Some(x), Some(y)) = (two[key].as_f64(), one[key].as_f64()) {
            assert!(close(x, y), "{key}");
        } else {
            assert_eq!(two[key], one[key], "{key}");
        }
    }
    let (hour_one, hour_two) = (
        &one["predicted_vs_real_per_hour"],
        &two["predicted_vs_real_per_hour"],
    );
    // The recording's five events fall within 0.1 h in which no level dies (0 predicted, as the
    // README's example prints): the doubling of predicted USD is checked on every bar in
    // `the_levels_dying_on_two_venues_are_twice_one_venues` instead.
    let predicted = |h: &Value| h["predicted_usd"].as_f64().unwrap();
    assert!(close(predicted(hour_two), 2.0 * predicted(hour_one)));
    assert!(close(
        hour_two["real_usd"].as_f64().unwrap(),
        2.0 * hour_one["real_usd"].as_f64().unwrap()
    ));
    assert_eq!(hour_two["hours"], hour_one["hours"]);
}

#[test]
fn venues_of_different_coins_are_refused_with_exit_2() {
    let output = liqmap(&[
        "--venues",
        "assets/sample.json",
        "assets/btcusdt-5m.json",
        "--samples",
        "10",
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("different coins")
            && stderr.contains("HYPEUSDT (HYPE)")
            && stderr.contains("BTCUSDT (BTC)"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    // One dataset is not a sum.
    let one = liqmap(&["--venues", "assets/sample.json"]);
    assert_eq!(one.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&one.stderr).contains("two or more"));
}
