//! Frames with painting: the whole viewer drawn and rendered to pixels through wgpu, the way a
//! window shows it, at 1600 × 1000. On a machine without a GPU wgpu runs on Mesa's software
//! renderer (lavapipe for Vulkan, llvmpipe for GL), which is where frames were slow; the
//! `viewer` benchmark stops at egui's meshes and never saw the painting.
//!
//! - `paint/sample_hover`: the bundled sample; every frame the pointer moves between two points
//!   of the chart (crosshair, tooltip, liquidation map), then egui_kittest renders the frame
//!   with wgpu and reads the pixels back.
//! - `paint/year_hover`: the same with a year of one-minute bars (the seeded generator of
//!   `liqmap::synth`) in view.
//!
//! One iteration is one frame, so frames per second = 1 / time. The read-back of the pixels
//! (6.4 MB a frame) is part of it; a window presents instead. egui_kittest renders with wgpu
//! only, so the glow renderer (the window's default) is measured in the window itself, with
//! `LIQMAP_FRAME_STATS` (see `src/ui/renderer.rs`).
//!
//! Run with `cargo bench --bench paint`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use egui::{Pos2, Vec2};
use egui_kittest::Harness;
use liqmap::synth::synthetic_dataset;
use liqmap::ui::LiqmapApp;
use liqmap::ui::settings::ViewerSettings;

const YEAR_OF_MINUTES: usize = 525_600;
const SCREEN_SIZE_PT: Vec2 = Vec2::new(1600.0, 1000.0);
/// How long the set-up may wait for the background jobs; generous because the machine is
/// shared.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(120);

fn viewer() -> Harness<'static, LiqmapApp> {
    Harness::builder()
        .with_size(SCREEN_SIZE_PT)
        .with_theme(egui::Theme::Dark)
        .wgpu()
        .build_eframe(|cc| LiqmapApp::with_settings(&cc.egui_ctx, ViewerSettings::default(), None))
}

fn settle(harness: &mut Harness<'_, LiqmapApp>, what: &str) {
    let start = Instant::now();
    let mut quiet = 0;
    while quiet < 3 {
        assert!(
            start.elapsed() < SETTLE_TIMEOUT,
            "{what}: the viewer did not settle within {SETTLE_TIMEOUT:?}"
        );
        harness.step();
        if harness.state().is_settled() {
            quiet += 1;
        } else {
            quiet = 0;
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Two points inside the chart, a fifth of its width apart, at mid height.
fn hover_points(harness: &Harness<'_, LiqmapApp>) -> [Pos2; 2] {
    let [left, top, right, bottom] = harness
        .state()
        .state
        .view
        .frame
        .expect("the chart was drawn")
        .rect_pt;
    [0.4, 0.6].map(|share| Pos2::new(left + (right - left) * share, (top + bottom) / 2.0))
}

fn bench_hover(c: &mut Criterion, name: &str, harness: &mut Harness<'_, LiqmapApp>) {
    let points = hover_points(harness);
    harness.hover_at(points[0]);
    harness.step();
    harness.step();
    assert!(
        harness.state().state.view.hovered_cell.is_some(),
        "the pointer is not over a heatmap cell"
    );
    let mut turn = 0usize;
    c.bench_function(name, |b| {
        b.iter(|| {
            turn += 1;
            harness.hover_at(points[turn % 2]);
            harness.step();
            let image = harness.render().expect("a wgpu render");
            black_box(image.width())
        })
    });
}

fn paint(c: &mut Criterion) {
    let mut harness = viewer();
    settle(&mut harness, "the bundled sample");
    bench_hover(c, "paint/sample_hover", &mut harness);

    harness.hover_at(Pos2::ZERO);
    harness
        .state_mut()
        .show_dataset(synthetic_dataset(YEAR_OF_MINUTES, 60_000, 300_000, 42));
    let start = Instant::now();
    while harness
        .state()
        .state
        .data
        .loaded
        .as_ref()
        .map(|l| l.dataset.bars.len())
        != Some(YEAR_OF_MINUTES)
    {
        assert!(start.elapsed() < SETTLE_TIMEOUT, "the year was not shown");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    settle(&mut harness, "a year of one-minute bars");
    bench_hover(c, "paint/year_hover", &mut harness);
}

criterion_group! {
    name = benches;
    // Plots need system fonts, which these machines lack; the numbers are printed either way.
    config = Criterion::default().without_plots().sample_size(20);
    targets = paint
}
criterion_main!(benches);
