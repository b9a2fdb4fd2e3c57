//! Viewer benchmarks on a year of one-minute bars (the seeded generator of `liqmap::synth`):
//!
//! - `viewer_year_1m/frame_idle`: one frame of the whole app (`LiqmapApp::frame_ui` inside
//!   `egui::Context::run_ui`) at 1600 × 1000 points with nothing changing. This is the CPU time
//!   of the UI thread for egui's layout and the app's panels, plot and candles (the candles are
//!   merged per pixel column every frame); it does not include tessellation or painting.
//! - `viewer_year_1m/frame_idle+tessellate`: the same plus `Context::tessellate` of the frame's
//!   shapes, the CPU work eframe adds before handing meshes to the GPU (GPU time not included).
//! - `viewer_year_1m/frame_hover+tessellate`: the pointer moves between two points of the chart
//!   every frame: crosshair, tooltip with the cell's tiers and the liquidation map panel for the
//!   hovered column. No cluster request: those wait until the pointer rests on a bar for 80 ms.
//! - `viewer_year_1m/frame_hover_still+tessellate`: the pointer rests on one cell: the same
//!   drawing, and the clusters of that bar asked for once.
//! - `viewer_year_1m/frame_after_tier_toggle`: untick or tick the 100x tier and draw the next
//!   frame: the app re-sums the grid of the chart, recolours the texture and draws.
//! - `viewer_year_1m/texture_rebuild_1500x600_tier_off`: what a tier toggle costs for a
//!   1500 × 600 grid of the whole year, without the rest of the frame: re-sum the stored layers
//!   with the 100x tier off, colour them with `heatmap_rgba`, and upload them as the texture's
//!   new image (`ColorImage` conversion and `TextureHandle::set`).
//! - `viewer_year_1m/liquidations_per_bar_tier_off`: predicted and real liquidations per bar,
//!   which the app recomputes in the background on a tier toggle (the series under the chart and
//!   the predicted-liquidation markers both come from it).
//!
//! Run with `cargo bench --bench viewer`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use egui::{ColorImage, Event, Pos2, RawInput, Rect, TextureOptions, Vec2};
use liqmap::engine::score::liquidation_series;
use liqmap::engine::{Engine, GridRequest};
use liqmap::render::heatmap::heatmap_rgba;
use liqmap::settings::ModelSettings;
use liqmap::synth::synthetic_dataset;
use liqmap::ui::settings::ViewerSettings;
use liqmap::ui::{Action, LiqmapApp};

const YEAR_OF_MINUTES: usize = 525_600;
/// The window size, in points (one point per pixel).
const SCREEN_SIZE_PT: Vec2 = Vec2::new(1600.0, 1000.0);
/// How long the set-up may wait for the background jobs (engine of a year, grid, clusters)
/// before it gives up; generous because the machine is shared.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);
/// A 60 Hz frame, for egui's clock.
const FRAME_DT_S: f64 = 1.0 / 60.0;

fn year() -> liqmap::model::Dataset {
    synthetic_dataset(YEAR_OF_MINUTES, 60_000, 300_000, 42)
}

/// The app with egui's context and a clock that advances one frame at a time.
struct Harness {
    ctx: egui::Context,
    app: LiqmapApp,
    time_s: f64,
}

impl Harness {
    fn input(&mut self, events: Vec<Event>) -> RawInput {
        self.time_s += FRAME_DT_S;
        RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SCREEN_SIZE_PT)),
            time: Some(self.time_s),
            predicted_dt: FRAME_DT_S as f32,
            events,
            ..RawInput::default()
        }
    }

    /// One frame; returns egui's output (shapes not tessellated).
    fn frame(&mut self, events: Vec<Event>) -> egui::FullOutput {
        let input = self.input(events);
        let app = &mut self.app;
        self.ctx.run_ui(input, |ui| app.frame_ui(ui))
    }

    /// One frame followed by the tessellation eframe does.
    fn frame_tessellated(&mut self, events: Vec<Event>) -> usize {
        let output = self.frame(events);
        let primitives = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        primitives.len()
    }

    /// Whether the app shows the grid it asked for, its texture, and runs no job.
    fn settled(&self) -> bool {
        let shown = self.app.state.data.grid.as_ref().map(|g| g.request);
        !self.app.is_busy()
            && self.app.texture().is_some()
            && shown.is_some()
            && shown == self.app.state.view.requested_grid
    }

    /// Draws frames until the background jobs are done and the picture stopped changing, with
    /// `events` on every frame; panics if that takes longer than [`SETTLE_TIMEOUT`].
    fn settle(&mut self, what: &str) {
        let start = Instant::now();
        let mut quiet_frames = 0;
        while quiet_frames < 5 {
            assert!(
                start.elapsed() < SETTLE_TIMEOUT,
                "{what}: the app did not settle within {SETTLE_TIMEOUT:?} (busy {}, grid {}, \
                 texture {})",
                self.app.is_busy(),
                self.app.state.data.grid.is_some(),
                self.app.texture().is_some(),
            );
            self.frame(Vec::new());
            if self.settled() {
                quiet_frames += 1;
            } else {
                quiet_frames = 0;
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

/// The app on a year of one-minute bars, with the whole year in view and its grid drawn.
fn app_with_year() -> Harness {
    let ctx = egui::Context::default();
    let app = LiqmapApp::with_settings(&ctx, ViewerSettings::default(), None);
    let mut harness = Harness {
        ctx,
        app,
        time_s: 0.0,
    };
    // The app opens on the bundled sample; the year replaces it.
    harness.settle("the bundled sample");
    harness.app.show_dataset(year());
    let start = Instant::now();
    while harness
        .app
        .state
        .data
        .loaded
        .as_ref()
        .map(|l| l.dataset.bars.len())
        != Some(YEAR_OF_MINUTES)
    {
        assert!(
            start.elapsed() < SETTLE_TIMEOUT,
            "the year was not shown within {SETTLE_TIMEOUT:?}"
        );
        harness.frame(Vec::new());
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.settle("a year of one-minute bars");
    harness
}

fn frames(c: &mut Criterion) {
    let mut harness = app_with_year();
    let grid_before = harness.app.state.view.requested_grid;
    let mut group = c.benchmark_group("viewer_year_1m");
    group.bench_function("frame_idle", |b| {
        b.iter(|| black_box(harness.frame(Vec::new()).shapes.len()))
    });
    group.bench_function("frame_idle+tessellate", |b| {
        b.iter(|| black_box(harness.frame_tessellated(Vec::new())))
    });
    assert_eq!(
        harness.app.state.view.requested_grid, grid_before,
        "an idle frame asked for a new grid"
    );

    // Two points inside the plot, a fifth of its width apart, at mid height.
    let [left, top, right, bottom] = harness
        .app
        .state
        .view
        .frame
        .expect("the chart was drawn")
        .rect_pt;
    let points =
        [0.4, 0.6].map(|share| Pos2::new(left + (right - left) * share, (top + bottom) / 2.0));
    let mut turn = 0usize;
    harness.frame(vec![Event::PointerMoved(points[0])]);
    assert!(
        harness.app.state.view.hovered_cell.is_some(),
        "the pointer at {:?} is not over a heatmap cell",
        points[0]
    );
    group.bench_function("frame_hover+tessellate", |b| {
        b.iter(|| {
            turn += 1;
            let pos = points[turn % 2];
            black_box(harness.frame_tessellated(vec![Event::PointerMoved(pos)]))
        })
    });
    // The pointer stays on one cell: tooltip and map panel, but no new cluster request.
    harness.frame(vec![Event::PointerMoved(points[0])]);
    harness.settle("hovering still");
    group.bench_function("frame_hover_still+tessellate", |b| {
        b.iter(|| black_box(harness.frame_tessellated(Vec::new())))
    });
    harness.frame(vec![Event::PointerGone]);
    harness.settle("after hovering");

    group.sample_size(30);
    group.bench_function("frame_after_tier_toggle", |b| {
        b.iter(|| {
            let tier = harness.app.state.settings.tier_enabled.len() - 1;
            let on = !harness.app.state.settings.tier_enabled[tier];
            harness.app.send(Action::SetTierEnabled { tier, on });
            black_box(harness.frame(Vec::new()).shapes.len())
        })
    });
    group.finish();
}

fn texture_rebuild(c: &mut Criterion) {
    let data = year();
    let engine = Engine::new(&data, &ModelSettings::default()).expect("engine");
    let (low, high) = data.price_range().unwrap_or((0.0, 1.0));
    let request = GridRequest::whole(&engine, low, high, 1500, 600);
    let grid = engine.grid(&request).expect("grid");
    let colors = ViewerSettings::default().colors;
    let mut selection = engine.default_selection();
    if let Some(share) = selection.tier_share.last_mut() {
        // The 100x tier unticked.
        *share = 0.0;
    }
    let ctx = egui::Context::default();
    let mut texture = ctx.load_texture(
        "heatmap",
        ColorImage::filled([request.columns, request.rows], egui::Color32::TRANSPARENT),
        TextureOptions::NEAREST,
    );
    let mut composed = Vec::new();
    let mut group = c.benchmark_group("viewer_year_1m");
    group.bench_function("texture_rebuild_1500x600_tier_off", |b| {
        b.iter(|| {
            grid.compose_into(&selection, &mut composed);
            let image = heatmap_rgba(&composed, request.rows, request.columns, &colors);
            let color_image =
                ColorImage::from_rgba_unmultiplied([image.width, image.height], &image.rgba);
            texture.set(color_image, TextureOptions::NEAREST);
            black_box(image.top_usd)
        })
    });
    // The app also recomputes the liquidations per bar on a tier toggle, in the background.
    group.bench_function("liquidations_per_bar_tier_off", |b| {
        b.iter(|| black_box(liquidation_series(&engine, &data, &selection).stored()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots need system fonts, which these machines lack; the numbers are printed either way.
    config = Criterion::default().without_plots();
    targets = frames, texture_rebuild
}
criterion_main!(benches);
