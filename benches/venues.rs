//! Several venues summed: four venues × 30 days of one-minute bars with open interest (seeded
//! generator, 4 × 43,200 bars): every engine plus the summed 1500 × 600 grid, and toggling a
//! venue (re-sum of the stored grids). One venue alone is measured in the same run as the
//! baseline. Run with `cargo bench --bench venues`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use liqmap::engine::venues::{VenueGrids, Venues};
use liqmap::engine::{Engine, GridRequest};
use liqmap::model::Dataset;
use liqmap::settings::ModelSettings;
use liqmap::synth::synthetic_dataset;

const MONTH_OF_MINUTES: usize = 43_200;

fn four_venues() -> Vec<Dataset> {
    ["binance-usdm", "bybit-linear", "okx-swap", "hyperliquid"]
        .iter()
        .zip(1u64..)
        .map(|(name, seed)| {
            let mut data = synthetic_dataset(MONTH_OF_MINUTES, 60_000, 300_000, seed);
            data.exchange = (*name).into();
            data
        })
        .collect()
}

fn request(venues: &Venues) -> GridRequest {
    let (start_ms, end_ms) = venues.union_range_ms().unwrap_or((0, 1));
    let (low, high) = (0..venues.len())
        .filter_map(|v| venues.dataset(v)?.price_range())
        .fold((f64::MAX, f64::MIN), |(a, b), (c, d)| (a.min(c), b.max(d)));
    GridRequest {
        start_ms,
        end_ms,
        columns: 1500,
        price_low: low,
        price_high: high,
        rows: 600,
    }
}

fn venues_bench(c: &mut Criterion) {
    let datasets = four_venues();
    let settings = ModelSettings::default();
    let mut venues = Venues::new(datasets.clone(), &settings).expect("venues");
    let request = request(&venues);
    let mut group = c.benchmark_group("venues_4x30d_1m");
    group.sample_size(10);
    // The baseline: one venue's engine and grid on the same request, measured in the same run.
    group.bench_function("one_venue_engine+grid_1500x600 (baseline)", |b| {
        b.iter(|| {
            let engine = Engine::new(black_box(&datasets[0]), &settings).expect("engine");
            let grid = engine.grid(&request).expect("grid");
            black_box(grid.compose(&engine.default_selection()))
        })
    });
    group.bench_function("four_engines+summed_grid_1500x600", |b| {
        b.iter(|| {
            let venues = Venues::new(black_box(datasets.clone()), &settings).expect("venues");
            let selection = venues.engine(0).expect("venue").default_selection();
            let grids = VenueGrids::build(&venues, &request, &selection).expect("grids");
            black_box(grids.total().len())
        })
    });
    let selection = venues.engine(0).expect("venue").default_selection();
    let mut grids = VenueGrids::build(&venues, &request, &selection).expect("grids");
    let mut on = true;
    group.bench_function("toggle_venue_resum_1500x600", |b| {
        b.iter(|| {
            on = !on;
            venues.set_enabled(3, on).expect("toggle");
            grids.resum(&venues);
            black_box(grids.total().first().copied())
        })
    });
    let mut weight = 0.5;
    group.bench_function("toggle_tier_recompose_4_venues_1500x600", |b| {
        b.iter(|| {
            let mut selection = selection.clone();
            weight = if weight > 0.0 { 0.0 } else { 0.5 };
            if let Some(share) = selection.tier_share.last_mut() {
                *share = weight;
            }
            grids.set_selection(&venues, &selection);
            black_box(grids.total().first().copied())
        })
    });
    group.finish();
}

criterion_group!(benches, venues_bench);
criterion_main!(benches);
