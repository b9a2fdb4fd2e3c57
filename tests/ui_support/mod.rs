//! The viewer driven through egui_kittest without rendering: a harness holding the app, and
//! stepping until a condition holds while background work runs.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use liqmap::source::SourceConfig;
use liqmap::ui::LiqmapApp;
use liqmap::ui::settings::ViewerSettings;

pub type App = Option<LiqmapApp>;

pub fn harness(config: SourceConfig) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1400.0, 900.0])
        // The controls use symbols (✕, ⚠) the test fonts lack; glyphs are not under test.
        .allow_missing_glyphs()
        .build_ui_state(
            move |ui, app: &mut App| {
                let app = app.get_or_insert_with(|| {
                    LiqmapApp::with_settings(ui.ctx(), ViewerSettings::default(), None)
                        .with_source_config(config.clone())
                });
                app.frame_ui(ui);
            },
            None,
        )
}

pub fn app<'h>(harness: &'h mut Harness<'static, App>) -> &'h mut LiqmapApp {
    harness.state_mut().as_mut().unwrap()
}

/// Steps until `done` holds, sleeping between frames so background work can run.
pub fn step_until(harness: &mut Harness<'static, App>, mut done: impl FnMut(&LiqmapApp) -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        harness.step();
        if harness.state().as_ref().is_some_and(&mut done) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let errors = harness
        .state()
        .as_ref()
        .map(|a| format!("{:?}", a.state.errors));
    panic!("timed out; errors {errors:?}");
}

/// The bundled HYPEUSDT sample's file.
pub fn sample_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.json")
}

/// The bundled HYPEUSDT sample, read from its file.
pub fn sample() -> liqmap::model::Dataset {
    liqmap::dataset::load(&sample_path()).unwrap()
}

/// Whether the venues shown have their grids, the summed heatmap and clusters, and no job runs.
pub fn venues_settled(a: &LiqmapApp) -> bool {
    a.state
        .data
        .venues
        .as_ref()
        .is_some_and(|v| v.grids.is_some() && !v.cluster_shares.is_empty())
        && a.state.data.clusters.is_some()
        && !a.is_busy()
}
