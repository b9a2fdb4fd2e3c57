//! The viewer application: owns the state, runs background jobs, applies the commands the
//! panels send, and keeps the heatmap texture in step with the grid and the colours.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};

use super::chart::{self, ChartMemory};
use super::data::{Loaded, ViewData};
use super::liquidation_bars::{LiquidationBars, liquidation_bars_ui};
use super::score_panel::{ScorePanel, score_ui};
use super::settings::{RowHeight, ViewerSettings};
use super::worker::LatestJob;
use super::{clusters_panel, controls, map_panel, menu};
use crate::dataset;
use crate::engine::{Cluster, Engine, Grid, GridRequest, auto_bin_usd};
use crate::model::Dataset;
use crate::render::heatmap::heatmap_rgba;

/// What a panel asks the app to do; applied after the frame's panels are drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open a dataset or importable file.
    Open(PathBuf),
    /// Go back to the bundled sample.
    OpenSample,
    /// Save the dataset shown in the native format.
    SaveAs(PathBuf),
    /// Write a PNG of the window and the clusters as CSV next to it.
    ExportSnapshot(PathBuf),
    /// Ask for a file to open (native dialog, in the background).
    PickOpen,
    /// Ask where to save the dataset.
    PickSave,
    /// Ask where to export a snapshot.
    PickExport,
    /// The model settings changed: the engine must be rebuilt.
    ModelChanged,
    /// Tiers, weights or sides changed: layers are re-summed.
    SelectionChanged,
    /// Colours changed: the texture is repainted.
    ColorsChanged,
    /// The row height setting changed: the grid is rebuilt.
    RowHeightChanged,
    /// What counts as a cluster changed: the clusters are found again.
    ClusterParamsChanged,
    /// Centre the chart on a time and price.
    CentreOn {
        /// Time, epoch ms.
        time_ms: i64,
        /// Price, USD.
        price: f64,
    },
    /// Show the whole dataset.
    ResetView,
    /// Hide the error banner.
    DismissError,
    /// Fetch from an exchange, cancel, list symbols, or toggle live mode.
    Remote(super::remote::RemoteCommand),
}

/// The clusters at a bar and the share of open interest the levels explain there.
type ClustersAt = (Vec<Cluster>, Option<f64>);

/// What the engine job produces.
struct EngineResult {
    engine: Arc<Engine>,
}

/// The file dialogs' answers, from their own threads.
enum Picked {
    Open(PathBuf),
    Save(PathBuf),
    Export(PathBuf),
}

/// The viewer.
pub struct LiqmapApp {
    /// Persisted settings.
    pub settings: ViewerSettings,
    /// What is shown.
    pub data: ViewData,
    /// The chart's view memory (bounds, last transform, requested grid).
    pub chart: ChartMemory,
    /// Errors to show in the banner, newest last.
    pub errors: Vec<String>,
    /// A line saying what was last done (saved, exported).
    pub status: String,
    /// The path typed into the "open path" field.
    pub path_input: String,
    /// The leverage of the next tier to add.
    pub new_tier_leverage: f64,
    /// Exchange fetches, symbol lists and live mode.
    pub remote: super::remote::Remote,
    /// The Score panel's state and its scoring job.
    pub score: ScorePanel,
    /// Predicted against real liquidations per bar, under the chart.
    pub liquidation_bars: LiquidationBars,
    commands: Vec<Command>,
    texture: Option<TextureHandle>,
    texture_dirty: bool,
    /// The top of the colour scale used for the current texture, USD.
    pub texture_top_usd: f64,
    /// How many times the heatmap texture was uploaded (it must not happen every frame).
    pub texture_uploads: u64,
    load_job: LatestJob<Result<Loaded, String>>,
    engine_job: LatestJob<Result<EngineResult, String>>,
    grid_job: LatestJob<Result<Arc<Grid>, String>>,
    cluster_job: LatestJob<(usize, Result<ClustersAt, String>)>,
    io_job: LatestJob<Result<String, String>>,
    picked_sender: Sender<Picked>,
    picked: Receiver<Picked>,
    screenshot_sender: Sender<(PathBuf, Arc<ColorImage>)>,
    screenshots: Receiver<(PathBuf, Arc<ColorImage>)>,
    ctx: egui::Context,
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
        mut settings: ViewerSettings,
        path: Option<PathBuf>,
    ) -> Self {
        settings.sync_tier_flags();
        let wake = |ctx: &egui::Context| {
            let ctx = ctx.clone();
            move || ctx.request_repaint()
        };
        let (picked_sender, picked) = channel();
        let (screenshot_sender, screenshots) = channel();
        let mut app = LiqmapApp {
            data: ViewData::default(),
            chart: ChartMemory::default(),
            errors: Vec::new(),
            status: String::new(),
            path_input: String::new(),
            new_tier_leverage: 20.0,
            remote: super::remote::Remote::new(ctx),
            score: ScorePanel::new(ctx),
            liquidation_bars: LiquidationBars::new(ctx),
            commands: Vec::new(),
            texture: None,
            texture_dirty: false,
            texture_top_usd: 0.0,
            texture_uploads: 0,
            load_job: LatestJob::new("load", wake(ctx)),
            engine_job: LatestJob::new("engine", wake(ctx)),
            grid_job: LatestJob::new("grid", wake(ctx)),
            cluster_job: LatestJob::new("clusters", wake(ctx)),
            io_job: LatestJob::new("io", wake(ctx)),
            picked_sender,
            picked,
            screenshot_sender,
            screenshots,
            ctx: ctx.clone(),
            settings,
        };
        match path.or_else(|| app.settings.last_file.clone().filter(|p| p.exists())) {
            Some(path) => app.open(path),
            None => app.open_sample(),
        }
        app
    }

    /// Queues a command, as a panel does.
    pub fn send(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Whether any background job is still running.
    pub fn is_busy(&self) -> bool {
        self.load_job.is_busy()
            || self.engine_job.is_busy()
            || self.grid_job.is_busy()
            || self.cluster_job.is_busy()
            || self.io_job.is_busy()
            || self.score.is_busy()
            || self.liquidation_bars.is_busy()
    }

    /// Whether the picture is complete: a dataset, its grid, the texture and the clusters, and no
    /// job running.
    pub fn is_settled(&self) -> bool {
        !self.is_busy()
            && self.commands.is_empty()
            && self.chart.pending_bounds.is_none()
            && !self.chart.reset_requested
            && self.data.grid.is_some()
            && self.texture.is_some()
            && !self.texture_dirty
            && self.data.clusters.is_some()
            && !self.chart.is_waiting_for_rest()
    }

    /// The heatmap texture, once the first grid is ready.
    pub fn texture(&self) -> Option<&TextureHandle> {
        self.texture.as_ref()
    }

    fn open(&mut self, path: PathBuf) {
        self.load_job.submit(move || {
            dataset::load(&path)
                .map(|dataset| Loaded {
                    dataset: Arc::new(dataset),
                    path: Some(path),
                    is_sample: false,
                })
                .map_err(|err| err.to_string())
        });
    }

    /// Shows a dataset already in memory (fetched from a venue, or built by a test or benchmark);
    /// it replaces the one shown as a file opened would.
    pub fn show_dataset(&mut self, dataset: Dataset, path: Option<PathBuf>) {
        let loaded = Loaded {
            dataset: Arc::new(dataset),
            path,
            is_sample: false,
        };
        self.load_job.submit(move || Ok(loaded));
    }

    /// Replaces the shown dataset with a newer version of itself (live updates) and keeps the
    /// view. When `bars_changed`, the engine is extended in the background: only the new and
    /// changed bars are computed again (see `Engine::extended`).
    pub fn update_shown_dataset(&mut self, dataset: Dataset, bars_changed: bool) {
        let Some(loaded) = &mut self.data.loaded else {
            return;
        };
        let dataset = Arc::new(dataset);
        let old_end = loaded.dataset.time_range_ms().map(|(_, end)| end);
        let new_end = dataset.time_range_ms().map(|(_, end)| end);
        if let (Some(old_end_ms), Some(new_end_ms)) = (old_end, new_end) {
            self.chart.follow_new_bars(old_end_ms, new_end_ms);
        }
        loaded.dataset = Arc::clone(&dataset);
        if !bars_changed {
            return;
        }
        let Some(engine) = self.data.engine.clone() else {
            self.request_engine();
            return;
        };
        let model = self.settings.model.clone();
        self.engine_job.submit(move || {
            engine
                .extended(&dataset, &model)
                .map(|engine| EngineResult {
                    engine: Arc::new(engine),
                })
                .map_err(|err| format!("model settings: {err}"))
        });
    }

    fn open_sample(&mut self) {
        self.load_job.submit(|| {
            dataset::sample()
                .map(|dataset| Loaded {
                    dataset: Arc::new(dataset),
                    path: None,
                    is_sample: true,
                })
                .map_err(|err| format!("the bundled sample: {err}"))
        });
    }

    fn request_engine(&mut self) {
        let Some(loaded) = &self.data.loaded else {
            return;
        };
        let dataset = Arc::clone(&loaded.dataset);
        let model = self.settings.model.clone();
        self.engine_job.submit(move || {
            Engine::new(&dataset, &model)
                .map(|engine| EngineResult {
                    engine: Arc::new(engine),
                })
                .map_err(|err| format!("model settings: {err}"))
        });
    }

    /// Asks for the grid of a window, unless that window is already asked for.
    pub(super) fn request_grid(&mut self, request: GridRequest) {
        if self.chart.requested_grid == Some(request) {
            return;
        }
        let Some(engine) = self.data.engine.clone() else {
            return;
        };
        self.chart.requested_grid = Some(request);
        self.grid_job.submit(move || {
            engine
                .grid(&request)
                .map(Arc::new)
                .map_err(|err| err.to_string())
        });
    }

    /// The price row height of the clusters and the map: the fixed step, or a round step over
    /// the data's price range.
    pub fn cluster_bin_usd(&self) -> f64 {
        match self.settings.row_height {
            RowHeight::FixedUsd(step) if step > 0.0 => step,
            _ => {
                let range = self
                    .data
                    .loaded
                    .as_ref()
                    .and_then(|l| l.dataset.price_range())
                    .unwrap_or((0.0, 1.0));
                auto_bin_usd(range.0, range.1, crate::engine::DEFAULT_BIN_ROWS)
            }
        }
    }

    /// Asks for the clusters at `bar`, unless they are shown or asked for already.
    pub(super) fn request_clusters(&mut self, bar: usize) {
        if self.chart.requested_clusters == Some(bar) {
            return;
        }
        let Some(engine) = self.data.engine.clone() else {
            return;
        };
        self.chart.requested_clusters = Some(bar);
        let selection = self.settings.selection();
        let bin = self.cluster_bin_usd();
        let params = self.settings.clusters;
        self.cluster_job.submit(move || {
            let clusters = engine
                .clusters_at(bar, bin, &selection, &params)
                .and_then(|clusters| {
                    let explained = engine.explained_open_interest(bar, &selection)?;
                    Ok((clusters, explained))
                })
                .map_err(|err| err.to_string());
            (bar, clusters)
        });
    }

    fn on_selection_changed(&mut self) {
        let selection = self.settings.selection();
        self.data.compose(&selection);
        self.texture_dirty = true;
        self.chart.requested_clusters = None;
    }

    fn poll_jobs(&mut self) {
        if let Some(result) = self.load_job.poll() {
            match result {
                Ok(loaded) => {
                    if let Some(path) = &loaded.path {
                        self.settings.remember_file(path.clone());
                    } else {
                        self.settings.last_file = None;
                    }
                    self.data = ViewData {
                        loaded: Some(loaded),
                        ..ViewData::default()
                    };
                    self.chart.reset_for_new_data();
                    self.texture_dirty = true;
                    self.request_engine();
                }
                // The data already shown stays; the banner says what went wrong.
                Err(message) => self.errors.push(message),
            }
        }
        if let Some(result) = self.engine_job.poll() {
            match result {
                Ok(EngineResult { engine }) => {
                    self.data.engine = Some(engine);
                    self.chart.requested_grid = None;
                    self.chart.requested_clusters = None;
                }
                Err(message) => self.errors.push(message),
            }
        }
        if let Some(result) = self.grid_job.poll() {
            match result {
                Ok(grid) => {
                    self.data.grid = Some(grid);
                    self.data.compose(&self.settings.selection());
                    self.texture_dirty = true;
                }
                Err(message) => self.errors.push(message),
            }
        }
        if let Some((bar, result)) = self.cluster_job.poll() {
            match result {
                Ok((clusters, explained)) => {
                    self.data.clusters = Some((bar, clusters));
                    self.data.explained_open_interest = explained;
                }
                Err(message) => self.errors.push(message),
            }
        }
        if let Some(result) = self.io_job.poll() {
            match result {
                Ok(message) => self.status = message,
                Err(message) => self.errors.push(message),
            }
        }
        while let Ok(picked) = self.picked.try_recv() {
            self.commands.push(match picked {
                Picked::Open(path) => Command::Open(path),
                Picked::Save(path) => Command::SaveAs(path),
                Picked::Export(path) => Command::ExportSnapshot(path),
            });
        }
    }

    fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            match command {
                Command::Open(path) => self.open(path),
                Command::OpenSample => self.open_sample(),
                Command::SaveAs(path) => self.save_as(path),
                Command::ExportSnapshot(path) => {
                    let sender = self.screenshot_sender.clone();
                    let wake = ctx.clone();
                    // The pixels arrive after this frame is painted: exactly what is on screen.
                    ctx.request_screenshot(move |image| {
                        if sender.send((path, image)).is_ok() {
                            wake.request_repaint();
                        }
                    });
                }
                Command::PickOpen => self.pick(Picked::Open),
                Command::PickSave => self.pick(Picked::Save),
                Command::PickExport => self.pick(Picked::Export),
                Command::ModelChanged => {
                    self.settings.sync_tier_flags();
                    self.request_engine();
                }
                Command::SelectionChanged => self.on_selection_changed(),
                Command::ColorsChanged => self.texture_dirty = true,
                Command::RowHeightChanged => {
                    self.chart.requested_grid = None;
                    self.chart.requested_clusters = None;
                }
                Command::ClusterParamsChanged => self.chart.requested_clusters = None,
                Command::CentreOn { time_ms, price } => self.chart.centre_on(time_ms, price),
                Command::ResetView => self.chart.reset_view(),
                Command::DismissError => self.errors.clear(),
                Command::Remote(command) => super::remote::apply(self, command),
            }
        }
    }

    fn pick(&self, what: fn(PathBuf) -> Picked) {
        let sender = self.picked_sender.clone();
        let ctx = self.ctx.clone();
        let is_open = matches!(what(PathBuf::new()), Picked::Open(_));
        let is_export = matches!(what(PathBuf::new()), Picked::Export(_));
        // The native dialog blocks its thread; the UI keeps drawing meanwhile.
        let spawned = std::thread::Builder::new()
            .name("liqmap-dialog".into())
            .spawn(move || {
                let dialog = rfd::FileDialog::new();
                let path = if is_open {
                    dialog
                        .add_filter("datasets and market data", &["json", "csv", "jsonl", "txt"])
                        .add_filter("any file", &["*"])
                        .pick_file()
                } else if is_export {
                    dialog
                        .add_filter("PNG image", &["png"])
                        .set_file_name("liqmap-snapshot.png")
                        .save_file()
                } else {
                    dialog
                        .add_filter("liqmap dataset", &["json"])
                        .set_file_name("dataset.json")
                        .save_file()
                };
                if let Some(path) = path
                    && sender.send(what(path)).is_ok()
                {
                    ctx.request_repaint();
                }
            });
        if spawned.is_err() {
            eprintln!("liqmap: could not open a file dialog");
        }
    }

    fn save_as(&mut self, path: PathBuf) {
        let Some(loaded) = &self.data.loaded else {
            self.errors
                .push("nothing to save: no dataset is loaded".into());
            return;
        };
        let dataset = Arc::clone(&loaded.dataset);
        self.io_job.submit(move || {
            dataset::save(&dataset, &path)
                .map(|()| format!("saved {}", path.display()))
                .map_err(|err| err.to_string())
        });
    }

    fn take_screenshot(&mut self) {
        let Ok((path, image)) = self.screenshots.try_recv() else {
            return;
        };
        let clusters_csv = self
            .data
            .clusters
            .as_ref()
            .map(|(_, clusters)| clusters_csv(clusters, &self.settings));
        self.io_job
            .submit(move || write_snapshot(&path, &image, clusters_csv.as_deref()));
    }

    fn update_texture(&mut self, ctx: &egui::Context) {
        if !self.texture_dirty {
            return;
        }
        self.texture_dirty = false;
        let Some(grid) = &self.data.grid else {
            self.texture = None;
            return;
        };
        let request = &grid.request;
        let image = heatmap_rgba(
            &self.data.composed,
            request.rows,
            request.columns,
            &self.settings.colors,
        );
        self.texture_top_usd = image.top_usd;
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
        for path in dropped {
            self.commands.push(Command::Open(path));
        }
    }

    /// Draws one frame: panels first, then the chart; commands are applied afterwards.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.poll_jobs();
        super::remote::poll(self);
        self.dropped_files(&ctx);
        self.take_screenshot();
        self.update_texture(&ctx);

        egui::Panel::top("menu").show(ui, |ui| menu::menu_ui(ui, self));
        if !self.errors.is_empty() {
            egui::Panel::top("errors").show(ui, |ui| self.error_banner_ui(ui));
        }
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(250.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| controls::controls_ui(ui, self));
            });
        egui::Panel::bottom("clusters")
            .resizable(true)
            .default_size(190.0)
            .min_size(120.0)
            .show(ui, |ui| clusters_panel::clusters_ui(ui, self));
        if self.score.is_open(ctx.content_rect().width()) {
            egui::Panel::right("score")
                .resizable(true)
                .default_size(250.0)
                .show(ui, |ui| score_ui(ui, self));
        }
        egui::Panel::right("liquidation_map")
            .resizable(true)
            .default_size(230.0)
            .show(ui, |ui| map_panel::map_ui(ui, self));
        egui::Panel::bottom("liquidation_bars")
            .resizable(true)
            .default_size(110.0)
            .show(ui, |ui| liquidation_bars_ui(ui, self));
        egui::CentralPanel::default().show(ui, |ui| chart::chart_ui(ui, self));
        super::fetch_panel::fetch_window(&ctx, self);

        self.apply_commands(&ctx);
        if self.is_busy() {
            // Keep the spinner turning; results also wake the UI themselves.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn error_banner_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.colored_label(Color32::from_rgb(230, 80, 70), "Error:");
            if let Some(last) = self.errors.last() {
                ui.colored_label(Color32::from_rgb(230, 80, 70), last.as_str());
            }
            if self.errors.len() > 1 {
                ui.label(format!("(+{} earlier)", self.errors.len() - 1));
            }
            if ui.button("Dismiss").clicked() {
                self.commands.push(Command::DismissError);
            }
        });
    }
}

impl eframe::App for LiqmapApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}

/// The clusters as CSV, the same columns as `liqmap clusters --format csv`.
fn clusters_csv(clusters: &[Cluster], settings: &ViewerSettings) -> String {
    let leverages: Vec<f64> = settings.model.tiers.0.iter().map(|t| t.leverage).collect();
    crate::csv_out::clusters_csv(clusters, &leverages)
}

/// Writes the screenshot as PNG and the clusters as CSV beside it, both atomically.
fn write_snapshot(
    path: &Path,
    image: &ColorImage,
    clusters_csv: Option<&str>,
) -> Result<String, String> {
    let [width, height] = image.size;
    let rgb: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| [c.r(), c.g(), c.b()])
        .collect();
    let (Ok(w), Ok(h)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(format!("{}: the screenshot is too large", path.display()));
    };
    let png = crate::render::chart_png::encode_png_rgb(&rgb, w, h)
        .map_err(|err| format!("{}: {err}", path.display()))?;
    crate::atomic_write::write_atomic(path, &png)
        .map_err(|err| format!("{}: {err}", path.display()))?;
    let mut message = format!("exported {}", path.display());
    if let Some(csv) = clusters_csv {
        let csv_path = path.with_extension("clusters.csv");
        crate::atomic_write::write_atomic(&csv_path, csv.as_bytes())
            .map_err(|err| format!("{}: {err}", csv_path.display()))?;
        message += &format!(" and {}", csv_path.display());
    }
    Ok(message)
}
