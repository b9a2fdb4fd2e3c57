//! The desktop viewer (eframe/egui).
//!
//! The state ([`state::ViewerState`]) knows nothing of egui. Panels read it and send
//! [`action::Action`]s; the [`reducer`] applies them and decides the cheapest work; the
//! [`scheduler`] starts and polls the background jobs once per frame, before anything is drawn;
//! [`app`] is the window around them. See docs/architecture.md.

pub mod action;
mod add_series;
pub mod app;
pub mod candle_mesh;
pub mod chart;
pub mod chart_axes;
mod chart_hover;
mod chart_layers;
pub mod chart_range;
pub mod chart_toolbar;
pub mod clusters_panel;
pub mod controls;
pub mod data;
pub mod error_banner;
pub mod fetch_form;
pub mod fetch_panel;
pub mod fetch_wait;
pub mod frame_memo;
pub mod input_timing;
pub mod liquidation_bars;
pub mod live;
pub mod look;
pub mod map_panel;
pub mod menu;
pub mod opening;
pub mod path_panel;
pub mod path_window;
pub mod plot_mesh;
pub mod progress;
pub mod reducer;
pub mod remote;
pub mod renderer;
pub mod scheduler;
pub mod score_data;
pub mod score_panel;
pub mod score_panel_plot;
pub mod score_panel_words;
pub mod settings;
mod snapshot;
pub mod state;
pub mod tiers_shown;
pub mod time_axis;
pub mod venues_fetch_panel;
pub mod venues_jobs;
pub mod venues_live;
pub mod venues_live_status;
pub mod venues_panel;
pub mod venues_save;
pub mod venues_shares;
pub mod venues_state;
pub mod view;
pub mod worker;

pub use action::Action;
pub use app::LiqmapApp;

use std::path::PathBuf;

/// Opens the viewer window on `path`, or on the last file or the bundled sample.
pub fn run(path: Option<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("liqmap")
            .with_inner_size([1500.0, 900.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        renderer: renderer::chosen_renderer(),
        // Dithering costs every pixel a noise term in the shader, about a tenth of a frame under
        // a software renderer, and the heatmap's cells are flat colours it cannot improve.
        dithering: false,
        ..Default::default()
    };
    eframe::run_native(
        "liqmap",
        options,
        Box::new(move |cc| {
            Ok(Box::new(renderer::Window::new(app::LiqmapApp::new(
                cc, path,
            ))))
        }),
    )
    .or_else(|err| match renderer::fallback_renderer() {
        Some(other) => renderer::run_again_with(other, &err.to_string()),
        None => Err(err.to_string()),
    })
    .map_err(|err| anyhow::anyhow!("the window could not open: {err}"))
}
