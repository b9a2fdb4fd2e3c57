//! Scoring benchmarks on the five-minute BTCUSDT file: a full score at the default cap of sampled
//! bars, and the maps and clusters of 200 evenly spaced bars by the engine's walk over every
//! level against the standing sweep. Run with `cargo bench --bench score`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use liqmap::dataset;
use liqmap::engine::score::{ScoreParams, score};
use liqmap::engine::{ClusterParams, DEFAULT_BIN_ROWS, Engine, StandingSweep, auto_bin_usd};
use liqmap::settings::ModelSettings;

fn btcusdt(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/btcusdt-5m.json");
    let data = dataset::load(&path).expect("assets/btcusdt-5m.json");
    let engine = Engine::new(&data, &ModelSettings::default()).expect("engine");
    let (low, high) = data.price_range().unwrap_or((0.0, 1.0));
    let bin = auto_bin_usd(low, high, DEFAULT_BIN_ROWS);
    let selection = engine.default_selection();
    let cluster_params = ClusterParams::default();
    let n = engine.bar_count();
    let bars: Vec<usize> = (0..200).map(|i| i * (n - 1) / 199).collect();

    let mut group = c.benchmark_group("score_btcusdt_5m");
    group.sample_size(10);
    group.bench_function("clusters_200_bars_engine_walk", |b| {
        b.iter(|| {
            for &bar in &bars {
                let clusters = engine
                    .clusters_at(bar, bin, &selection, &cluster_params)
                    .expect("clusters");
                black_box(clusters);
            }
        })
    });
    group.bench_function("clusters_200_bars_sweep", |b| {
        b.iter(|| {
            let mut sweep = StandingSweep::new(&engine);
            for &bar in &bars {
                let found = sweep
                    .map_and_clusters_at(bar, bin, &selection, &cluster_params)
                    .expect("clusters");
                black_box(found);
            }
        })
    });
    let params = ScoreParams::new(bin, data.interval_ms);
    group.bench_function("score_default_params", |b| {
        b.iter(|| black_box(score(&engine, &data, &selection, &params).expect("score")))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = btcusdt
}
criterion_main!(benches);
