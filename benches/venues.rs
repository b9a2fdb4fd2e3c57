//! Several venues summed: four venues × 30 days of one-minute bars with open interest (seeded
//! generator, 4 × 43,200 bars): every engine plus the summed 1500 × 600 grid, and toggling a
//! venue (re-sum of the stored grids). One venue alone is measured in the same run as the
//! baseline. Run with `cargo bench --bench venues`.
//!
//! `venues_viewer_4x30d_1m` (with the `viewer` feature): the app showing the same four venues at
//! 1600 × 1000 points: an idle frame, a frame with the pointer moving over the chart (tooltip
//! with each venue's share, the liquidation map with the column's shares), and the frame after
//! ticking a venue off or on (the app re-sums the kept grids, recolours the texture and draws).
//! CPU time of the UI thread up to egui's shapes; tessellation and GPU not included.

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

#[cfg(feature = "viewer")]
mod viewer {
    use std::hint::black_box;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use criterion::Criterion;
    use egui::{Event, Pos2, RawInput, Rect, Vec2};
    use liqmap::engine::venues::VenueSettings;
    use liqmap::ui::settings::ViewerSettings;
    use liqmap::ui::{Action, LiqmapApp};

    const SCREEN_PT: Vec2 = Vec2::new(1600.0, 1000.0);
    const FRAME_DT_S: f64 = 1.0 / 60.0;

    struct Window {
        ctx: egui::Context,
        app: LiqmapApp,
        time_s: f64,
    }

    impl Window {
        fn frame(&mut self, events: Vec<Event>) -> usize {
            self.time_s += FRAME_DT_S;
            let input = RawInput {
                screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SCREEN_PT)),
                time: Some(self.time_s),
                predicted_dt: FRAME_DT_S as f32,
                events,
                ..RawInput::default()
            };
            let app = &mut self.app;
            self.ctx.run_ui(input, |ui| app.frame_ui(ui)).shapes.len()
        }

        /// Frames until the venues' grid asked for is shown and no job runs (60 s at most).
        fn settle(&mut self) {
            let start = Instant::now();
            let mut quiet = 0;
            while quiet < 5 {
                assert!(start.elapsed() < Duration::from_secs(60), "did not settle");
                self.frame(Vec::new());
                let data = &self.app.state.data;
                let shown = data.grid.as_ref().map(|g| g.request);
                let ready = data.venues.as_ref().is_some_and(|v| v.grids.is_some())
                    && !self.app.is_busy()
                    && shown.is_some()
                    && shown == self.app.state.view.requested_grid;
                quiet = if ready { quiet + 1 } else { 0 };
                std::thread::sleep(Duration::from_millis(if ready { 0 } else { 5 }));
            }
        }
    }

    pub fn frames(c: &mut Criterion) {
        let ctx = egui::Context::default();
        let app = LiqmapApp::with_settings(&ctx, ViewerSettings::default(), None);
        let mut window = Window {
            ctx,
            app,
            time_s: 0.0,
        };
        let datasets = super::four_venues().into_iter().map(Arc::new).collect();
        window.app.send(Action::ShowVenues(datasets));
        window.settle();
        let mut group = c.benchmark_group("venues_viewer_4x30d_1m");
        group.bench_function("frame_idle", |b| {
            b.iter(|| black_box(window.frame(Vec::new())))
        });
        let [left, top, right, bottom] = window.app.state.view.frame.expect("drawn").rect_pt;
        let points =
            [0.4, 0.6].map(|share| Pos2::new(left + (right - left) * share, (top + bottom) / 2.0));
        let mut turn = 0usize;
        window.frame(vec![Event::PointerMoved(points[0])]);
        group.bench_function("frame_hover", |b| {
            b.iter(|| {
                turn += 1;
                black_box(window.frame(vec![Event::PointerMoved(points[turn % 2])]))
            })
        });
        window.frame(vec![Event::PointerGone]);
        window.settle();
        let runs = window
            .app
            .state
            .data
            .venues
            .as_ref()
            .map(|v| v.venues.engine_runs());
        let mut on = true;
        group.bench_function("frame_after_venue_toggle", |b| {
            b.iter(|| {
                on = !on;
                window.app.send(Action::SetVenue {
                    venue: 3,
                    settings: VenueSettings {
                        enabled: on,
                        weight: 1.0,
                    },
                });
                black_box(window.frame(Vec::new()))
            })
        });
        let after = window
            .app
            .state
            .data
            .venues
            .as_ref()
            .map(|v| v.venues.engine_runs());
        assert_eq!(runs, after, "a venue toggle ran an engine");
        group.finish();
    }
}

#[cfg(feature = "viewer")]
criterion_group! {
    name = benches;
    // Plots need system fonts, which these machines lack; the numbers are printed either way.
    config = Criterion::default().without_plots();
    targets = venues_bench, viewer::frames
}
#[cfg(not(feature = "viewer"))]
criterion_group!(benches, venues_bench);
criterion_main!(benches);
