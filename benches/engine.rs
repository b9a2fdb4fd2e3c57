//! Engine benchmarks: a year of one-minute bars (seeded generator), toggling a tier, a model
//! change, and the bundled sample. Run with `cargo bench --bench engine`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use liqmap::engine::{ClusterParams, Engine, GridRequest, auto_bin_usd};
use liqmap::settings::ModelSettings;
use liqmap::synth::synthetic_dataset;

const YEAR_OF_MINUTES: usize = 525_600;

/// (a) A year of one-minute bars: engine, the 1500 × 600 grid and the clusters at the last bar;
/// (b) re-summing that grid after toggling the 100x tier.
fn year(c: &mut Criterion) {
    let data = synthetic_dataset(YEAR_OF_MINUTES, 60_000, 300_000, 42);
    let settings = ModelSettings::default();
    let (low, high) = data.price_range().unwrap_or((0.0, 1.0));
    let bin = auto_bin_usd(low, high, 300);
    let last = data.bars.len() - 1;
    let mut group = c.benchmark_group("year_1m");
    group.sample_size(10);
    group.bench_function("engine+grid_1500x600+clusters", |b| {
        b.iter(|| {
            let engine = Engine::new(black_box(&data), &settings).expect("engine");
            let request = GridRequest::whole(&engine, low, high, 1500, 600);
            let grid = engine.grid(&request).expect("grid");
            let values = grid.compose(&engine.default_selection());
            let clusters = engine
                .clusters_at(
                    last,
                    bin,
                    &engine.default_selection(),
                    &ClusterParams::default(),
                )
                .expect("clusters");
            black_box((values, clusters))
        })
    });
    let engine = Engine::new(&data, &settings).expect("engine");
    let request = GridRequest::whole(&engine, low, high, 1500, 600);
    let grid = engine.grid(&request).expect("grid");
    let mut selection = engine.default_selection();
    let mut out = Vec::new();
    group.bench_function("toggle_tier_resum_grid", |b| {
        b.iter(|| {
            // Untick 100x (or tick it back) and re-sum the stored layers.
            if let Some(share) = selection.tier_share.last_mut() {
                *share = if *share > 0.0 { 0.0 } else { 0.1 };
            }
            grid.compose_into(&selection, &mut out);
            black_box(&out);
        })
    });
    group.finish();
}

/// (d) A model change on the year, as the viewer does it: the engine under the new settings and
/// the 1500 × 600 grid redrawn. `mmr` is the maintenance-margin slider (every layer moves);
/// `split` changes only the new notional (every layer is reused by `Engine::with_settings`).
fn model_change(c: &mut Criterion) {
    let data = synthetic_dataset(YEAR_OF_MINUTES, 60_000, 300_000, 42);
    let settings = ModelSettings::default();
    let (low, high) = data.price_range().unwrap_or((0.0, 1.0));
    let engine = Engine::new(&data, &settings).expect("engine");
    let request = GridRequest::whole(&engine, low, high, 1500, 600);
    let mmr = ModelSettings {
        mmr: settings.mmr * 2.0,
        ..settings.clone()
    };
    let split = ModelSettings {
        split: liqmap::settings::SplitChoice::Candle,
        ..settings.clone()
    };
    let mut group = c.benchmark_group("year_1m_model_change");
    group.sample_size(10);
    group.bench_function("mmr_new_engine+grid", |b| {
        b.iter(|| {
            let engine = Engine::new(black_box(&data), &mmr).expect("engine");
            black_box(engine.grid(&request).expect("grid"))
        })
    });
    group.bench_function("mmr_with_settings+grid", |b| {
        b.iter(|| {
            let engine = engine
                .with_settings(black_box(&data), &mmr)
                .expect("engine");
            black_box(engine.grid(&request).expect("grid"))
        })
    });
    group.bench_function("split_new_engine+grid", |b| {
        b.iter(|| {
            let engine = Engine::new(black_box(&data), &split).expect("engine");
            black_box(engine.grid(&request).expect("grid"))
        })
    });
    group.bench_function("split_with_settings+grid", |b| {
        b.iter(|| {
            let engine = engine
                .with_settings(black_box(&data), &split)
                .expect("engine");
            black_box(engine.grid(&request).expect("grid"))
        })
    });
    group.finish();
}

/// (c) The bundled sample (HYPEUSDT 5m with open interest): engine, a 1152 × 300 grid over the
/// whole sample, and the clusters at the last bar.
fn sample(c: &mut Criterion) {
    let data = liqmap::dataset::sample().expect("the bundled sample loads");
    let settings = ModelSettings::default();
    let (low, high) = data.price_range().unwrap_or((0.0, 1.0));
    let bin = auto_bin_usd(low, high, 300);
    let last = data.bars.len() - 1;
    let mut group = c.benchmark_group("sample");
    group.bench_function("engine+grid_1152x300+clusters", |b| {
        b.iter(|| {
            let engine = Engine::new(black_box(&data), &settings).expect("engine");
            let request = GridRequest::whole(&engine, low, high, 1152, 300);
            let grid = engine.grid(&request).expect("grid");
            let values = grid.compose(&engine.default_selection());
            let clusters = engine
                .clusters_at(
                    last,
                    bin,
                    &engine.default_selection(),
                    &ClusterParams::default(),
                )
                .expect("clusters");
            black_box((values, clusters))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots need system fonts, which these machines lack; the numbers are printed either way.
    config = Criterion::default().without_plots();
    targets = year, model_change, sample
}
criterion_main!(benches);
