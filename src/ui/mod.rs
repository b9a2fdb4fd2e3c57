//! The desktop viewer (eframe/egui). It draws and sends commands; the engine, datasets and
//! rendering live in the library and know nothing of egui. Long work runs in background
//! threads that wake the UI when done.

pub mod app;
pub mod chart;
pub mod clusters_panel;
pub mod controls;
pub mod data;
pub mod fetch_panel;
pub mod liquidation_bars;
pub mod live;
pub mod map_panel;
pub mod menu;
pub mod remote;
pub mod score_panel;
pub mod settings;
pub mod time_axis;
pub mod worker;

pub use app::{Command, LiqmapApp};

use std::path::PathBuf;

/// Opens the viewer window on `path`, or on the last file or the bundled sample.
pub fn run(path: Option<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("liqmap")
            .with_inner_size([1500.0, 900.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "liqmap",
        options,
        Box::new(move |cc| Ok(Box::new(LiqmapApp::new(cc, path)))),
    )
    .map_err(|err| anyhow::anyhow!("the window could not open: {err}"))
}
