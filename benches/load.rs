//! Loading benchmarks: a year of one-minute bars with five-minute open interest (the seeded
//! generator, as `examples/synth_year` writes it) read back from disk, from native JSON and from
//! Parquet, with every check a load makes. Run with `cargo bench --bench load`.
//!
//! The files are written once into a temporary directory; the first read brings them into the
//! page cache, so the figures are of reading from memory, as `liqmap map` on a file just written.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use liqmap::dataset;
use liqmap::synth::synthetic_dataset;

const YEAR_OF_MINUTES: usize = 525_600;

fn year(c: &mut Criterion) {
    let data = synthetic_dataset(YEAR_OF_MINUTES, 60_000, 300_000, 42);
    let dir = tempfile::tempdir().expect("temporary directory");
    let json = dir.path().join("year.json");
    let parquet = dir.path().join("year.parquet");
    dataset::save(&data, &json).expect("save JSON");
    dataset::save(&data, &parquet).expect("save Parquet");
    drop(data);
    let mut group = c.benchmark_group("load_year_1m");
    group.sample_size(10);
    group.bench_function("native_json", |b| {
        b.iter(|| black_box(dataset::load(black_box(&json)).expect("load JSON")))
    });
    group.bench_function("parquet", |b| {
        b.iter(|| black_box(dataset::load(black_box(&parquet)).expect("load Parquet")))
    });
    group.finish();
}

criterion_group!(benches, year);
criterion_main!(benches);
