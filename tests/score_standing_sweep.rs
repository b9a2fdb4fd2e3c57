//! The standing sweep that makes scoring fast gives exactly the engine's maps and clusters, on
//! the bundled sample and on the five-minute BTCUSDT file, at bars visited in order, repeated,
//! and out of order (which restarts the sweep).

use std::path::Path;

use liqmap::dataset;
use liqmap::engine::{ClusterParams, Engine, LayerSelection, StandingSweep, auto_bin_usd};
use liqmap::model::Dataset;
use liqmap::settings::ModelSettings;

fn bin_of(data: &Dataset) -> f64 {
    let (low, high) = data.price_range().unwrap();
    auto_bin_usd(low, high, liqmap::engine::DEFAULT_BIN_ROWS)
}

fn compare(data: &Dataset, selection: impl Fn(&Engine) -> LayerSelection) {
    let engine = Engine::new(data, &ModelSettings::default()).unwrap();
    let selection = selection(&engine);
    let bin = bin_of(data);
    let params = ClusterParams::default();
    let n = engine.bar_count();
    let mut bars: Vec<usize> = (0..12).map(|i| i * (n - 1) / 11).collect();
    // Again the last bar, then back to earlier bars, then one step at a time.
    bars.extend([n - 1, n / 3, 0, 1, 2, n / 2, n / 2 + 1]);
    let mut sweep = StandingSweep::new(&engine);
    let mut standing = 0;
    for &bar in &bars {
        let levels: Vec<_> = engine.standing_at(bar).unwrap().collect();
        assert_eq!(
            sweep.levels_at(bar).unwrap(),
            &levels[..],
            "levels at bar {bar}"
        );
        let (map, clusters) = sweep
            .map_and_clusters_at(bar, bin, &selection, &params)
            .unwrap();
        assert_eq!(
            map,
            engine.map_at(bar, bin, &selection).unwrap(),
            "map at {bar}"
        );
        assert_eq!(
            clusters,
            engine.clusters_at(bar, bin, &selection, &params).unwrap(),
            "clusters at {bar}"
        );
        standing += levels.len();
    }
    assert!(standing > 1000, "only {standing} levels compared");
    assert!(sweep.levels_at(n).is_err());
}

#[test]
fn the_sweep_equals_the_engine_on_the_sample() {
    let data = dataset::sample().unwrap();
    compare(&data, Engine::default_selection);
    // Longs only, the first tier hidden.
    compare(&data, |engine| {
        let mut selection = engine.default_selection();
        selection.sides = [true, false];
        if let Some(first) = selection.tier_share.first_mut() {
            *first = 0.0;
        }
        selection
    });
}

#[test]
fn the_sweep_equals_the_engine_on_btcusdt_5m() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/btcusdt-5m.json");
    let data = dataset::load(&path).unwrap();
    compare(&data, Engine::default_selection);
}
