//! The viewer application: the window around the state. Each frame it lets the scheduler take in
//! finished jobs and start the work asked for, keeps the heatmap texture in step with the grid
//! and the colours, draws the panels (which read the state and send actions), and hands the
//! actions to the reducer. The panels know nothing of the app.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use egui::{ColorImage, TextureHandle, TextureOptions};

use super::action::{Action, Work};
use super::chart::chart_ui;
use super::clusters_panel::clusters_ui;
use super::controls::controls_ui;
use super::error_banner::error_banner_ui;
use super::fetch_panel::fetch_window;
use super::liquidation_bars::liquidation_bars_ui;
use super::map_panel::map_ui;
use super::menu::menu_ui;
use super::path_panel::path_window_ui;
use super::progress::progress_ui;
use super::reducer::{self, reduce_all};
use super::scheduler::Scheduler;
use super::score_panel::{OPEN_MIN_WIDTH_POINTS, score_ui};
use super::settings::ViewerSettings;
use super::snapshot::clusters_csv;
use super::state::ViewerState;
use crate::model::Dataset;
use crate::render::heatmap::heatmap_rgba;
use crate::source::SourceConfig;

/// The viewer.
pub struct LiqmapApp {
    /// Everything the viewer knows; panels read it, the reducer and the scheduler change it.
    pub state: ViewerState,
    scheduler: Scheduler,
    /// Actions sent since the last frame's reduction (by panels, drops or tests).
    actions: Vec<Action>,
    /// Work asked for and not started yet (it starts before the next frame is drawn).
    work: Vec<Work>,
    texture: Option<TextureHandle>,
    texture_dirty: bool,
    /// How many times the heatmap texture was uploaded (it must not happen every frame).
    pub texture_uploads: u64,
    screenshot_sender: Sender<(PathBuf, Arc<ColorImage>)>,
    screenshots: Receiver<(PathBuf, Arc<ColorImage>)>,
}

impl LiqmapApp {
    /// Creates the app, restoring persisted settings, and opens `path` (or the last file, or the
    /// bundled sample).
    pub fn new(cc: &eframe::CreationContext<'_>, path: Option<PathBuf>) -> Self {
        let settings: ViewerSettings = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
            .unwrap_or_default();
        Self::with_settings(&cc.egui_ctx, settings, path)
    }

    /// Creates the app with the given settings (tests start from defaults).
    pub fn with_settings(
        ctx: &egui::Context,
        settings: ViewerSettings,
        path: Option<PathBuf>,
    ) -> Self {
        let wake_ctx = ctx.clone();
        let (screenshot_sender, screenshots) = channel();
        let state = ViewerState::new(settings);
        let open = match path.or_else(|| state.settings.last_file.clone().filter(|p| p.exists())) {
            Some(path) => Work::Load(path),
            None => Work::LoadSample,
        };
        LiqmapApp {
            state,
            scheduler: Scheduler::new(Arc::new(move || wake_ctx.request_repaint())),
            actions: Vec::new(),
            work: vec![open],
            texture: None,
            texture_dirty: false,
            texture_uploads: 0,
            screenshot_sender,
            screenshots,
        }
    }

    /// Points the exchange sources at other endpoints or settings (tests use a local server).
    pub fn with_source_config(mut self, config: SourceConfig) -> Self {
        self.state.remote.config = config;
        self
    }

    /// Queues an action, as a panel does; it is applied at the end of the next frame.
    pub fn send(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// Shows a dataset already in memory (built by a test or benchmark); it replaces the one
    /// shown as a file opened would.
    pub fn show_dataset(&mut self, dataset: Dataset) {
        self.send(Action::Show {
            dataset: Arc::new(dataset),
            origin: super::data::Origin::Memory,
        });
    }

    /// Replaces the shown dataset with a newer version of itself (as live updates do) and keeps
    /// the view; new bars extend the engine in the background.
    pub fn update_shown_dataset(&mut self, dataset: Dataset, bars_changed: bool) {
        let effects = reducer::update_shown(&mut self.state, Arc::new(dataset), bars_changed);
        self.work.extend(effects.work);
        // Started with the next frame's work.
    }

    /// Whether any background job is still running.
    pub fn is_busy(&self) -> bool {
        self.scheduler.is_busy()
    }

    /// Whether the picture is complete: a dataset, its grid, the texture and the clusters, and no
    /// job running or waiting to start.
    pub fn is_settled(&self) -> bool {
        let view = &self.state.view;
        !self.is_busy()
            && self.actions.is_empty()
            && self.work.is_empty()
            && view.pending.is_none()
            && self.state.data.grid.is_some()
            && self.texture.is_some()
            && !self.texture_dirty
            && self.state.data.clusters.is_some()
            && !view.is_waiting_for_rest()
    }

    /// The heatmap texture, once the first grid is ready.
    pub fn texture(&self) -> Option<&TextureHandle> {
        self.texture.as_ref()
    }

    /// Starts the work asked for: the texture and screenshots here, jobs in the scheduler, and
    /// the work that follows from the state (see [`Scheduler::derived`]).
    fn start_work(&mut self, ctx: &egui::Context) {
        let mut jobs = Vec::new();
        for work in std::mem::take(&mut self.work) {
            match work {
                Work::Recolour => self.texture_dirty = true,
                Work::Screenshot(path) => {
                    let sender = self.screenshot_sender.clone();
                    let wake = ctx.clone();
                    // The pixels arrive after this frame is painted: exactly what is on screen.
                    ctx.request_screenshot(move |image| {
                        if sender.send((path, image)).is_ok() {
                            wake.request_repaint();
                        }
                    });
                }
                other => jobs.push(other),
            }
        }
        self.scheduler.start(&mut self.state, jobs);
        self.scheduler.derived(&mut self.state);
    }

    fn take_screenshot(&mut self) {
        let Ok((path, image)) = self.screenshots.try_recv() else {
            return;
        };
        let csv = self
            .state
            .data
            .clusters
            .as_ref()
            .map(|(_, clusters)| clusters_csv(clusters, &self.state));
        let rgb: Vec<u8> = image
            .pixels
            .iter()
            .flat_map(|c| [c.r(), c.g(), c.b()])
            .collect();
        self.scheduler.export(path, rgb, image.size, csv);
    }

    fn update_texture(&mut self, ctx: &egui::Context) {
        if !self.texture_dirty {
            return;
        }
        self.texture_dirty = false;
        let Some(grid) = &self.state.data.grid else {
            self.texture = None;
            return;
        };
        let request = &grid.request;
        let image = heatmap_rgba(
            &self.state.data.composed,
            request.rows,
            request.columns,
            &self.state.settings.colors,
        );
        self.state.texture_top_usd = image.top_usd;
        self.texture_uploads += 1;
        let color_image =
            ColorImage::from_rgba_unmultiplied([image.width, image.height], &image.rgba);
        match &mut self.texture {
            Some(texture) => texture.set(color_image, TextureOptions::NEAREST),
            None => {
                self.texture =
                    Some(ctx.load_texture("heatmap", color_image, TextureOptions::NEAREST));
            }
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        // Several files dropped together are one coin across venues.
        if !dropped.is_empty() {
            self.actions.push(Action::OpenMany(dropped));
        }
    }

    /// Draws one frame. Before drawing, the scheduler takes in what the jobs delivered and starts
    /// what follows; the panels then draw the state and send actions; the reducer applies them,
    /// and the work they call for starts at once (never from drawing code).
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let polled = self.scheduler.poll(&mut self.state);
        self.work.extend(polled.work);
        self.start_work(&ctx);
        self.take_screenshot();
        self.update_texture(&ctx);
        self.dropped_files(&ctx);
        if self.state.score.open.is_none() {
            // The first frame decides by the window's width: a narrow chart needs the room.
            self.state.score.open = Some(ctx.content_rect().width() >= OPEN_MIN_WIDTH_POINTS);
        }
        self.panels_ui(ui);

        let effects = reduce_all(&mut self.state, std::mem::take(&mut self.actions));
        self.work.extend(effects.work);
        let recolour = self.work.contains(&Work::Recolour);
        self.start_work(&ctx);
        if effects.repaint || polled.repaint || recolour {
            ctx.request_repaint();
        }
        if let Some(wait_s) = effects.repaint_after_s.or(polled.repaint_after_s) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(wait_s));
        }
        if self.is_busy() {
            // Keep the spinner turning; results also wake the UI themselves.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn panels_ui(&mut self, ui: &mut egui::Ui) {
        let state = &self.state;
        let actions = &mut self.actions;
        egui::Panel::top("menu").show(ui, |ui| menu_ui(ui, state, actions));
        if !state.errors.is_empty() {
            egui::Panel::top("errors").show(ui, |ui| error_banner_ui(ui, state, actions));
        }
        egui::Panel::left("controls")
            .resizable(true)
            // Room for several rows, and still a chart in a small window.
            .default_size((ui.available_height() * 0.28).clamp(150.0, 250.0))
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| controls_ui(ui, state, actions));
            });
        egui::Panel::bottom("clusters")
            .resizable(true)
            // Room for several rows, and still a chart in a small window.
            .default_size((ui.available_height() * 0.28).clamp(150.0, 250.0))
            .min_size(120.0)
            .show(ui, |ui| clusters_ui(ui, state, actions));
        if state.score.is_open() {
            egui::Panel::right("score")
                .resizable(true)
                .default_size(260.0)
                .min_size(super::score_panel::MIN_WIDTH_POINTS)
                .show(ui, |ui| score_ui(ui, state, actions));
        }
        // The map and the bars are laid out here but drawn after the chart, so that they show
        // the chart's prices and times of this very frame.
        let map_rect = egui::Panel::right("liquidation_map")
            .resizable(true)
            .default_size(230.0)
            .show(ui, reserve)
            .inner;
        let bars_rect = egui::Panel::bottom("liquidation_bars")
            .resizable(true)
            .default_size(110.0)
            .show(ui, reserve)
            .inner;
        let texture = self.texture.as_ref().map(TextureHandle::id);
        let bounds = egui::CentralPanel::default()
            .show(ui, |ui| chart_ui(ui, state, texture, actions))
            .inner;
        let mut inside = |rect: egui::Rect, salt: &str| {
            ui.new_child(
                egui::UiBuilder::new()
                    .id_salt(salt)
                    .max_rect(rect)
                    .layout(egui::Layout::top_down(egui::Align::Min)),
            )
        };
        map_ui(
            &mut inside(map_rect, "liquidation_map_contents"),
            state,
            bounds.map(|b| (b.min[1], b.max[1])),
        );
        liquidation_bars_ui(
            &mut inside(bars_rect, "liquidation_bars_contents"),
            state,
            bounds.map(|b| (b.min[0], b.max[0])),
            actions,
        );
        fetch_window(ui.ctx(), state, actions);
        path_window_ui(ui.ctx(), state, actions);
        if let Some(opening) = &state.opening {
            progress_ui(ui.ctx(), opening);
        }
    }
}

/// Takes the whole of a panel, to be drawn into later; a panel keeps the size of what it holds.
fn reserve(ui: &mut egui::Ui) -> egui::Rect {
    let rect = ui.max_rect();
    ui.allocate_space(ui.available_size());
    rect
}

impl eframe::App for LiqmapApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state.settings);
    }
}
