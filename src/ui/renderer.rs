//! How the window is drawn: which of eframe's renderers a machine gets, and a frame counter
//! for measuring it.
//!
//! The window uses [`DEFAULT_RENDERER`]; when it cannot open the window, the program runs itself
//! again with the other one (winit allows one event loop per process). `LIQMAP_RENDERER=glow`
//! or `wgpu` forces a renderer (and turns the fallback off). `LIQMAP_FRAME_STATS=1` prints
//! frames per second and the UI thread's time per frame once a second to stderr;
//! `=continuous` also asks for a new frame after every frame, so the count is the most frames
//! the machine can draw.

use std::time::{Duration, Instant};

use super::app::LiqmapApp;

/// The environment variable that forces a renderer.
pub const RENDERER_VAR: &str = "LIQMAP_RENDERER";
/// The environment variable that turns on the frame counter.
pub const FRAME_STATS_VAR: &str = "LIQMAP_FRAME_STATS";

/// The renderer a fresh machine gets: glow. On Mesa's software renderer under Xvfb at
/// 1600 × 1000 (no GPU; wgpu ran on lavapipe) glow drew about 4.5 times the frames of wgpu on
/// the sample and about 3.4 times on a year of one-minute bars, measured back to back in the
/// same run (see docs/viewer-frames.md); on a GPU both draw far more frames than a display shows.
pub const DEFAULT_RENDERER: eframe::Renderer = eframe::Renderer::Glow;

/// The renderer named by `LIQMAP_RENDERER`, if it names one.
pub fn renderer_from_env() -> Option<eframe::Renderer> {
    parse_renderer(&std::env::var(RENDERER_VAR).ok()?)
}

fn parse_renderer(name: &str) -> Option<eframe::Renderer> {
    match name.trim().to_ascii_lowercase().as_str() {
        "glow" | "gl" | "opengl" => Some(eframe::Renderer::Glow),
        "wgpu" => Some(eframe::Renderer::Wgpu),
        _ => None,
    }
}

/// The renderer to use: the one forced by the environment, else [`DEFAULT_RENDERER`].
pub fn chosen_renderer() -> eframe::Renderer {
    renderer_from_env().unwrap_or(DEFAULT_RENDERER)
}

fn name_of(renderer: eframe::Renderer) -> &'static str {
    match renderer {
        eframe::Renderer::Glow => "glow",
        eframe::Renderer::Wgpu => "wgpu",
    }
}

/// The other renderer, tried when the default one could not open the window; `None` when the
/// user forced a renderer (then its failure is the answer).
pub fn fallback_renderer() -> Option<eframe::Renderer> {
    if std::env::var_os(RENDERER_VAR).is_some() {
        return None;
    }
    Some(match DEFAULT_RENDERER {
        eframe::Renderer::Glow => eframe::Renderer::Wgpu,
        eframe::Renderer::Wgpu => eframe::Renderer::Glow,
    })
}

/// Runs this program again with `renderer` forced, after the default renderer failed with
/// `error` (a second event loop in the same process is not allowed).
pub fn run_again_with(renderer: eframe::Renderer, error: &str) -> Result<(), String> {
    let name = name_of(renderer);
    eprintln!(
        "liqmap: the {} renderer failed ({error}); trying {name}",
        name_of(DEFAULT_RENDERER)
    );
    let exe = std::env::current_exe().map_err(|e| format!("{error}; {e}"))?;
    let status = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(RENDERER_VAR, name)
        .status()
        .map_err(|e| format!("{error}; {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{error}; with {name} too ({status})"))
    }
}

/// Counts frames and the UI thread's time per frame, when `LIQMAP_FRAME_STATS` is set.
#[derive(Debug)]
pub struct FrameStats {
    continuous: bool,
    window_start: Instant,
    frames: u32,
    cpu_s: f64,
}

impl FrameStats {
    /// The counter asked for by the environment, if any.
    pub fn from_env() -> Option<Self> {
        let value = std::env::var(FRAME_STATS_VAR).ok()?;
        if value.is_empty() || value == "0" {
            return None;
        }
        eprintln!(
            "liqmap: renderer {}",
            name_of(renderer_from_env().unwrap_or(DEFAULT_RENDERER))
        );
        Some(Self {
            continuous: value == "continuous",
            window_start: Instant::now(),
            frames: 0,
            cpu_s: 0.0,
        })
    }

    /// Counts one frame; `cpu_s` is eframe's time of the previous frame (UI and painting, not
    /// waiting for the display). Prints once a second.
    pub fn tick(&mut self, ctx: &egui::Context, cpu_s: Option<f32>) {
        self.frames += 1;
        self.cpu_s += f64::from(cpu_s.unwrap_or(0.0));
        let elapsed = self.window_start.elapsed();
        if elapsed >= Duration::from_secs(1) {
            let seconds = elapsed.as_secs_f64();
            eprintln!(
                "liqmap: {:.1} frames/s, {:.1} ms of CPU per frame on the UI thread",
                f64::from(self.frames) / seconds,
                self.cpu_s * 1000.0 / f64::from(self.frames.max(1))
            );
            self.window_start = Instant::now();
            self.frames = 0;
            self.cpu_s = 0.0;
        }
        if self.continuous {
            ctx.request_repaint();
        }
    }
}

/// Makes the panels' fill transparent, in both themes, once.
///
/// The window is cleared with the panels' colour instead ([`panel_color`]), which looks the
/// same. Under a software renderer every filled pixel costs: the panels cover the whole window,
/// and not filling them raised the frame rate from about 26 to about 32 frames per second on the
/// sample (docs/viewer-frames.md). The kittest harness draws `LiqmapApp` without this wrapper,
/// so its snapshots keep opaque panels.
fn unfill_panels(ctx: &egui::Context) {
    if ctx.global_style().visuals.panel_fill != egui::Color32::TRANSPARENT {
        ctx.all_styles_mut(|style| style.visuals.panel_fill = egui::Color32::TRANSPARENT);
    }
}

/// The colour egui's panels have in the theme of `visuals`, whatever their fill is now.
pub fn panel_color(visuals: &egui::Visuals) -> egui::Color32 {
    if visuals.dark_mode {
        egui::Visuals::dark().panel_fill
    } else {
        egui::Visuals::light().panel_fill
    }
}

/// The app in its window, with the frame counter when asked for.
pub struct Window {
    app: LiqmapApp,
    stats: Option<FrameStats>,
    /// When the dataset being opened was asked for, and the texture uploads until then.
    opening_since: Option<(Instant, u64)>,
}

impl Window {
    /// Wraps the app; the frame counter follows the environment.
    pub fn new(app: LiqmapApp) -> Self {
        Self {
            app,
            stats: FrameStats::from_env(),
            opening_since: None,
        }
    }

    /// With the frame counter on, prints how long an opening took from the request to the
    /// frame that first shows the new heatmap (that frame's painting not included).
    fn report_opening(&mut self) {
        if self.stats.is_none() {
            return;
        }
        if let Some(opening) = &self.app.state.opening {
            if self.opening_since.is_none() {
                self.opening_since = Some((opening.started, self.app.texture_uploads));
            }
        } else if let Some((started, uploads)) = self.opening_since
            && self.app.texture_uploads > uploads
        {
            self.opening_since = None;
            // The frame that takes the opened data also uploads its heatmap.
            eprintln!(
                "liqmap: heatmap shown {:.2} s after the open was asked for",
                started.elapsed().as_secs_f64()
            );
        }
    }
}

impl eframe::App for Window {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if let Some(stats) = &mut self.stats {
            stats.tick(ui.ctx(), frame.info().cpu_usage);
        }
        super::input_timing::widen_click_windows(
            ui.ctx(),
            f64::from(frame.info().cpu_usage.unwrap_or(0.0)),
        );
        unfill_panels(ui.ctx());
        self.app.frame_ui(ui);
        self.report_opening();
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        panel_color(visuals).to_normalized_gamma_f32()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::App::save(&mut self.app, storage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_cleared_with_each_themes_panel_colour() {
        // egui's own panel colours: gray 27 in the dark theme, gray 248 in the light one.
        assert_eq!(
            panel_color(&egui::Visuals::dark()),
            egui::Color32::from_gray(27)
        );
        assert_eq!(
            panel_color(&egui::Visuals::light()),
            egui::Color32::from_gray(248)
        );
        let mut unfilled = egui::Visuals::light();
        unfilled.panel_fill = egui::Color32::TRANSPARENT;
        assert_eq!(panel_color(&unfilled), egui::Color32::from_gray(248));
    }

    #[test]
    fn renderer_names_are_read_loosely_and_unknown_names_are_ignored() {
        assert_eq!(parse_renderer(" GLOW "), Some(eframe::Renderer::Glow));
        assert_eq!(parse_renderer("opengl"), Some(eframe::Renderer::Glow));
        assert_eq!(parse_renderer("wgpu"), Some(eframe::Renderer::Wgpu));
        assert_eq!(parse_renderer("vulkan"), None);
    }
}
