//! Everything the viewer knows, apart from the window: the dataset and what was computed from
//! it, the settings, the chart's viewport, what the exchanges and the Score panel are doing, and
//! the errors to show, kept typed until a panel prints them. Nothing here is an egui type;
//! panels read this state and send [`super::action::Action`]s, the reducer changes it, and the
//! scheduler puts the results of background jobs into it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, Weak};

use crate::dataset::DatasetError;
use crate::engine::score::{LiquidationSeries, Progress, ScoreError, ScoreReport};
use crate::engine::{ClusterParams, Engine, EngineError, GridError, LayerSelection, auto_bin_usd};
use crate::source::{
    CancelToken, FetchProgress, FetchRequest, SourceConfig, SourceError, StreamStatus, Venue,
};
use crate::time::format_interval;

use super::data::{FetchedSource, Origin, ViewData};
use super::fetch_form::FetchForm;
use super::path_window::PathWindow;
use super::progress::Opening;
use super::settings::{RowHeight, ViewerSettings};
use super::view::ChartView;

/// Something that went wrong, kept typed until the banner shows it.
#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    /// A file could not be opened, read or saved.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The bundled sample could not be read (a broken build).
    #[error("the bundled sample: {0}")]
    Sample(DatasetError),
    /// The model settings do not fit the dataset.
    #[error("model settings: {0}")]
    Model(EngineError),
    /// The engine failed on the clusters.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The grid of a window could not be made.
    #[error(transparent)]
    Grid(#[from] GridError),
    /// Save was asked for with nothing shown.
    #[error("nothing to save: no dataset is loaded")]
    NothingToSave,
    /// Save view was asked for with one dataset shown, not a coin view.
    #[error(
        "no coin view to save: open or fetch several venues of one coin (Save dataset as… saves one dataset)"
    )]
    NoCoinView,
    /// A snapshot could not be written.
    #[error("{path}: {message}")]
    Export {
        /// The file that was to be written.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A fetch failed; the data shown stays.
    #[error("{0} (the data shown is unchanged)")]
    Fetch(SourceError),
    /// A fetch was cancelled; the data shown stays.
    #[error("{venue}: fetch of {what} cancelled; the data shown is unchanged")]
    FetchCancelled {
        /// The venue.
        venue: Venue,
        /// Symbol and interval.
        what: String,
    },
    /// A fetch came back incomplete; what arrived is shown.
    #[error("{venue}: partial fetch of {what}: {reasons}")]
    PartialFetch {
        /// The venue.
        venue: Venue,
        /// Symbol and interval.
        what: String,
        /// What was missing, and why.
        reasons: String,
    },
    /// Live mode was asked for on data that was not fetched.
    #[error("live: fetch a dataset from an exchange first")]
    NotLive,
    /// Live mode was asked for in a coin view none of whose venues was fetched.
    #[error("live: {}", super::venues_state::LIVE_NOT_IN_COIN_VIEW)]
    NotLiveVenues,
    /// A venue of a fetch of every venue brought nothing (not listed, or failed); the others show.
    #[error("{0}")]
    VenueSkipped(String),
    /// Several datasets could not be shown as one coin.
    #[error("venues: {0}")]
    Venues(#[from] crate::engine::venues::VenuesError),
    /// Several whole datasets were opened together: they are shown as one coin across venues
    /// (never shown as an error; the scheduler hands them on).
    #[error("{} datasets opened together are shown as one coin across venues", .0.len())]
    SeveralDatasets(Vec<PathBuf>),
    /// Several native datasets were opened together with raw files: which raw file goes with
    /// which dataset cannot be told.
    #[error(
        "the datasets {} were opened together with other files: open the datasets alone (one \
         coin across venues), or one dataset with its klines, open interest or liquidations",
        file_names(.0)
    )]
    DatasetsAmongFiles(Vec<PathBuf>),
    /// The file opened is a view file (several venues of one coin): the load job tells, and the
    /// scheduler opens it as venues (never shown as an error).
    #[error("{} is a view file: it is shown as one coin across venues", .0.display())]
    ViewFile(PathBuf),
    /// The network runtime could not start.
    #[error("could not start the network runtime: {0}")]
    Runtime(String),
}

/// The names of files, for messages: `a.json, b.json`.
fn file_names(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths
        .iter()
        .map(|p| {
            p.file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
        })
        .collect();
    names.join(", ")
}

/// A venue's symbol list, as far as it has arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum SymbolList {
    /// Asked for, not arrived yet.
    Loading,
    /// The venue's symbols, sorted.
    Ready(Vec<String>),
    /// The request failed; the message names the venue and the cause.
    Failed(String),
}

/// A fetch in flight.
#[derive(Debug)]
pub struct RunningFetch {
    /// What was asked.
    pub request: FetchRequest,
    /// Pages done and expected, updated by the task.
    pub progress: Arc<Mutex<FetchProgress>>,
    /// Cancels the task.
    pub cancel: CancelToken,
    /// The number of the fetch; a result of another number is stale.
    pub generation: u64,
}

/// What live mode reports.
#[derive(Debug)]
pub struct LiveStatus {
    /// What is kept up to date.
    pub source: FetchedSource,
    /// The liquidation stream's last status (`None` before it first reports).
    pub stream: Option<StreamStatus>,
    /// Why the stream is not running (the venue has none, or it ended), if it is not.
    pub stream_note: Option<String>,
    /// The last poll's failure, cleared by the next success.
    pub poll_error: Option<String>,
    /// Polls that succeeded.
    pub polls: u64,
    /// Liquidations added to the dataset.
    pub liquidations_added: u64,
    /// Stops the session's tasks.
    pub cancel: CancelToken,
    /// In a coin view, every venue's feed in venue order (empty when one dataset is followed;
    /// the fields above then describe the session, not a feed).
    pub venues: Vec<VenueFeed>,
}

/// One venue of a coin view followed live.
#[derive(Debug)]
pub struct VenueFeed {
    /// The venue's name in the view.
    pub name: String,
    /// Its feed's state; `None` when the venue was opened from a file and is not followed.
    pub status: Option<LiveStatus>,
}

impl LiveStatus {
    /// One line for the status bar: the stream's state, then a polling failure if any.
    pub fn status_line(&self) -> String {
        let stream = match (&self.stream, &self.stream_note) {
            (Some(status), _) if status.connected => format!(
                "connected · {} liquidations recorded",
                self.liquidations_added
            ),
            (Some(status), _) if status.reconnects > 0 => {
                format!("reconnecting ({})…", status.reconnects)
            }
            (_, Some(note)) => format!("bars and open interest polled; {note}"),
            _ => "connecting…".to_string(),
        };
        match &self.poll_error {
            Some(error) => format!("live: {stream} · polling failed, retrying: {error}"),
            None => format!("live: {stream}"),
        }
    }

    /// Whether the line should stand out: polling fails or the stream reconnects.
    pub fn is_troubled(&self) -> bool {
        self.poll_error.is_some()
            || self
                .stream
                .as_ref()
                .is_some_and(|s| !s.connected && s.reconnects > 0)
    }
}

/// The exchange side: endpoints, the fetch window, symbol lists, the fetch in flight, live.
#[derive(Debug, Default)]
pub struct RemoteState {
    /// Endpoints, timeouts and retries of the sources; tests point `base_url` at 127.0.0.1.
    pub config: SourceConfig,
    /// The fetch window's fields.
    pub form: FetchForm,
    /// Symbol lists by venue.
    pub symbols: HashMap<Venue, SymbolList>,
    /// The fetch in flight, if any.
    pub running: Option<RunningFetch>,
    /// The live session, while live mode is on.
    pub live: Option<LiveStatus>,
}

impl RemoteState {
    /// Whether a fetch is in flight.
    pub fn is_fetching(&self) -> bool {
        self.running.is_some()
    }
}

/// What a score was computed for: the engine (model settings and dataset), the layer selection,
/// the cluster rows and what counts as a cluster. A result for another key is stale.
#[derive(Debug, Clone)]
pub struct ScoreKey {
    /// Weak, so an old result does not keep its engine alive; the allocation it points at stays
    /// reserved, so a new engine never compares equal to a dropped one.
    pub engine: Weak<Engine>,
    /// The layers scored.
    pub selection: LayerSelection,
    /// Cluster row height, USD.
    pub bin_usd: f64,
    /// What counts as a cluster.
    pub clusters: ClusterParams,
    /// Each venue's weight in a coin view (0 when ticked off); empty for one dataset.
    pub venue_weights: Vec<f64>,
    /// Every dataset scored (each venue's in a coin view, whose engines the key does not hold).
    pub data: Vec<super::score_data::DataMark>,
}

impl PartialEq for ScoreKey {
    fn eq(&self, other: &Self) -> bool {
        Weak::ptr_eq(&self.engine, &other.engine)
            && self.selection == other.selection
            && self.bin_usd == other.bin_usd
            && self.clusters == other.clusters
            && self.venue_weights == other.venue_weights
            && self.data == other.data
    }
}

/// How the last scoring run ended.
#[derive(Debug)]
pub enum ScoreOutcome {
    /// The figures.
    Scored(Box<ScoreReport>),
    /// The user stopped it.
    Cancelled,
    /// Scoring failed.
    Failed(ScoreError),
}

/// The Score panel's state.
#[derive(Debug)]
pub struct ScoreState {
    /// Score again whenever the engine, selection or rows change (while the panel is shown).
    pub auto: bool,
    /// Whether the panel is shown; `None` until the first frame decides by the window's width.
    pub open: Option<bool>,
    /// Whether a run is under way (kept by the scheduler).
    pub busy: bool,
    /// Progress of the running job, written by the worker.
    pub progress: Arc<Mutex<Option<Progress>>>,
    /// Set to stop the running job at its next map.
    pub cancel: Arc<AtomicBool>,
    /// What the running (or last) job scores.
    pub requested: Option<ScoreKey>,
    /// The last outcome and what it was computed for.
    pub outcome: Option<(ScoreKey, ScoreOutcome)>,
}

impl Default for ScoreState {
    fn default() -> Self {
        ScoreState {
            auto: false,
            open: None,
            busy: false,
            progress: Arc::new(Mutex::new(None)),
            cancel: Arc::new(AtomicBool::new(false)),
            requested: None,
            outcome: None,
        }
    }
}

impl ScoreState {
    /// Whether a scoring run is under way.
    pub fn is_busy(&self) -> bool {
        self.busy
    }

    /// Whether the panel is shown (a panel not decided yet counts as hidden).
    pub fn is_open(&self) -> bool {
        self.open.unwrap_or(false)
    }

    /// The last report, whether or not it is for the current settings.
    pub fn report(&self) -> Option<&ScoreReport> {
        match &self.outcome {
            Some((_, ScoreOutcome::Scored(report))) => Some(report),
            _ => None,
        }
    }
}

/// What the predicted-against-real series was computed for.
#[derive(Debug, Clone)]
pub struct SeriesKey {
    /// The engine (weak, as in [`ScoreKey`]).
    pub engine: Weak<Engine>,
    /// The layers summed.
    pub selection: LayerSelection,
    /// Each venue's weight in a coin view, as in [`ScoreKey`].
    pub venue_weights: Vec<f64>,
}

impl PartialEq for SeriesKey {
    fn eq(&self, other: &Self) -> bool {
        Weak::ptr_eq(&self.engine, &other.engine)
            && self.selection == other.selection
            && self.venue_weights == other.venue_weights
    }
}

/// Predicted against real liquidated USD per bar, under the chart.
#[derive(Debug, Default)]
pub struct BarsState {
    /// What the series in the making (or shown) is for.
    pub requested: Option<SeriesKey>,
    /// The series, once computed.
    pub series: Option<Arc<LiquidationSeries>>,
}

impl BarsState {
    /// The series for the current engine and selection, once computed.
    pub fn series(&self) -> Option<&LiquidationSeries> {
        self.series.as_deref()
    }
}

/// Everything the viewer knows.
#[derive(Debug)]
pub struct ViewerState {
    /// Persisted settings.
    pub settings: ViewerSettings,
    /// What is shown.
    pub data: ViewData,
    /// The chart's viewport, hover and requested grid.
    pub view: ChartView,
    /// Errors to show in the banner, newest last.
    pub errors: Vec<ViewerError>,
    /// A line saying what was last done (saved, exported, fetched).
    pub status: String,
    /// The path typed into the "open path" field.
    pub path_input: String,
    /// The leverage of the next tier to add.
    pub new_tier_leverage: f64,
    /// The top of the colour scale used for the current texture, USD.
    pub texture_top_usd: f64,
    /// Exchange fetches, symbol lists and live mode.
    pub remote: RemoteState,
    /// The Score panel.
    pub score: ScoreState,
    /// Predicted against real liquidations per bar.
    pub liquidation_bars: BarsState,
    /// Whether any background job runs (kept by the scheduler).
    pub busy: bool,
    /// The fetch of one coin from every venue.
    pub coin_fetch: super::venues_state::CoinFetchState,
    /// The dataset being opened in the background, while its job runs (the progress bar).
    pub opening: Option<Opening>,
    /// The window where a path is typed, where no file dialog can appear.
    pub path_window: PathWindow,
    /// The shown dataset's price range, kept with what identifies the data it was found on:
    /// asked for several times a frame, and a scan of a year of bars each time cost a sixth of
    /// a frame.
    price_range_memo: super::frame_memo::PriceRangeMemo,
    /// The candles last drawn, for the same reason.
    candle_memo: super::frame_memo::CandleMemo,
}

impl ViewerState {
    /// Nothing shown yet, with these settings.
    pub fn new(mut settings: ViewerSettings) -> Self {
        settings.sync_tier_flags();
        ViewerState {
            settings,
            data: ViewData::default(),
            view: ChartView::default(),
            errors: Vec::new(),
            status: String::new(),
            path_input: String::new(),
            new_tier_leverage: 20.0,
            texture_top_usd: 0.0,
            remote: RemoteState::default(),
            score: ScoreState::default(),
            liquidation_bars: BarsState::default(),
            busy: false,
            coin_fetch: Default::default(),
            opening: None,
            path_window: PathWindow::default(),
            price_range_memo: Default::default(),
            candle_memo: Default::default(),
        }
    }

    /// What the map's values are, for labels: `USD`, or `rel.` when volume mode has no
    /// open-interest figure to scale to (then they are relative sizes, not USD).
    pub fn value_label(&self) -> &'static str {
        match &self.data.engine {
            Some(engine) if !engine.value_unit().is_usd() => "rel.",
            _ => "USD",
        }
    }

    /// The shown dataset's lowest low and highest high.
    pub fn price_range(&self) -> Option<(f64, f64)> {
        let dataset = &self.data.loaded.as_ref()?.dataset;
        self.price_range_memo.price_range(dataset)
    }

    /// The shown dataset's candles over `[start_ms, end_ms)` in `columns_px` columns, merged
    /// again only when the data or the view changed.
    pub fn candles(
        &self,
        start_ms: i64,
        end_ms: i64,
        columns_px: u32,
    ) -> Option<Arc<[crate::render::candles::Candle]>> {
        let dataset = &self.data.loaded.as_ref()?.dataset;
        Some(
            self.candle_memo
                .candles(dataset, start_ms, end_ms, columns_px),
        )
    }

    /// The whole shown dataset with a margin: what "all" and a double-click show.
    pub fn full_bounds(&self) -> Option<super::view::ViewBounds> {
        let dataset = &self.data.loaded.as_ref()?.dataset;
        Some(super::view::ViewBounds::of_ranges(
            dataset.time_range_ms()?,
            self.price_range()?,
        ))
    }

    /// The price row height of the clusters and the map: the fixed step, or a round step over
    /// the data's price range.
    pub fn cluster_bin_usd(&self) -> f64 {
        match self.settings.row_height {
            RowHeight::FixedUsd(step) if step > 0.0 => step,
            _ => {
                let range = self.price_range().unwrap_or((0.0, 1.0));
                auto_bin_usd(range.0, range.1, crate::engine::DEFAULT_BIN_ROWS)
            }
        }
    }

    /// The score key of the settings shown, once the engine is ready.
    pub fn score_key(&self) -> Option<ScoreKey> {
        let engine = self.data.engine.as_ref()?;
        self.data.loaded.as_ref()?;
        Some(ScoreKey {
            engine: Arc::downgrade(engine),
            selection: self.settings.selection(),
            bin_usd: self.cluster_bin_usd(),
            clusters: self.settings.clusters,
            venue_weights: self.venue_weights(),
            data: super::score_data::data_marks(&self.data),
        })
    }

    /// Each venue's weight in the coin view shown (0 when ticked off); empty for one dataset.
    pub fn venue_weights(&self) -> Vec<f64> {
        self.data
            .venues
            .as_ref()
            .map_or_else(Vec::new, |v| v.venues.weights())
    }

    /// The source the shown dataset was fetched from, if it was: what live mode updates.
    pub fn fetched_source(&self) -> Option<&FetchedSource> {
        match &self.data.loaded.as_ref()?.origin {
            Origin::Fetched(source) => Some(source),
            _ => None,
        }
    }

    /// Whether the shown dataset was fetched (or, in a coin view, a venue was), so live mode
    /// can keep it updated.
    pub fn can_go_live(&self) -> bool {
        self.fetched_source().is_some() || self.data.venues.as_ref().is_some_and(|v| v.is_fetched())
    }
}

/// `BTCUSDT 5m from Binance USD-M`.
pub fn describe(request: &FetchRequest) -> String {
    format!("{} from {}", describe_symbol(request), request.venue)
}

/// `BTCUSDT 5m`.
pub fn describe_symbol(request: &FetchRequest) -> String {
    format!(
        "{} {}",
        request.symbol,
        format_interval(request.interval_ms)
    )
}
