//! What the panels ask for ([`Action`], an intent: "untick the 100x tier", "centre on this
//! cluster") and what the reducer hands the scheduler to do ([`Work`], the cheapest job that
//! brings the picture up to date). Panels never change the state themselves.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::venues::VenueSettings;
use crate::engine::{ClusterParams, GridRequest};
use crate::model::Dataset;
use crate::render::colors::ColorSettings;
use crate::settings::ModelSettings;
use crate::source::coin_fetch::CoinRequest;
use crate::source::{FetchRequest, Venue};

use super::data::Origin;
use super::fetch_form::FetchForm;
use super::settings::{RowHeight, SideFilter};
use super::venues_state::VenuesSource;
use super::view::{Highlight, ViewBounds};

/// A native file dialog to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// A file to open.
    Open,
    /// Where to save the dataset.
    Save,
    /// Where to export a snapshot.
    Export,
    /// Where to save a coin view (a view file naming its datasets).
    SaveView,
}

/// An overlay on the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// Real liquidation events.
    RealLiquidations,
    /// Predicted liquidations (levels dying).
    PredictedLiquidations,
    /// The top clusters.
    ClusterMarks,
}

/// What the chart reports after drawing a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartReport {
    /// The bounds shown.
    pub bounds: ViewBounds,
    /// The plot's rectangle in screen points: left, top, right, bottom.
    pub rect_pt: [f32; 4],
    /// The pointer over the plot, time (ms) and price, if any.
    pub pointer: Option<[f64; 2]>,
    /// The clock of the frame (egui time, seconds).
    pub now_s: f64,
    /// The pending view the chart applied this frame, by number.
    pub applied: Option<u64>,
}

/// An intent of the user (or of a test driving the viewer).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Open a dataset or importable file.
    Open(PathBuf),
    /// Go back to the bundled sample.
    OpenSample,
    /// Show a dataset already in memory.
    Show {
        /// The data.
        dataset: Arc<Dataset>,
        /// Where it came from.
        origin: Origin,
    },
    /// Save the dataset shown in the native format.
    SaveAs(PathBuf),
    /// Save the coin view shown as a view file (datasets only in memory are saved beside it).
    SaveViewAs(PathBuf),
    /// Write a PNG of the window and the clusters as CSV next to it.
    ExportSnapshot(PathBuf),
    /// Ask for a file with a native dialog (in the background).
    Pick(Pick),
    /// Show the window where a path is typed, for this purpose.
    ShowPathWindow(Pick),
    /// The path window's purpose and text, as edited.
    SetPathWindow {
        /// What the path is for.
        pick: Pick,
        /// The path typed.
        text: String,
    },
    /// The path window's button (or Enter): do it with the path typed.
    SubmitPath,
    /// Close the path window.
    ClosePathWindow,
    /// Take the snapshot asked for in the path window, now that it is gone from the picture.
    ExportAfterPathWindow,
    /// Show or hide a tier's layers.
    SetTierEnabled {
        /// Index in the model's tiers.
        tier: usize,
        /// Shown or not.
        on: bool,
    },
    /// Change a tier's weight (a share of new positions).
    SetTierWeight {
        /// Index in the model's tiers.
        tier: usize,
        /// The new weight.
        weight: f64,
    },
    /// Add a tier of this leverage (the other tiers keep their flags).
    AddTier(f64),
    /// Remove a tier.
    RemoveTier(usize),
    /// Show the tiers whose leverage passes a preset's test, by preset.
    ShowTiers(Vec<bool>),
    /// The leverage typed for the next tier.
    SetNewTierLeverage(f64),
    /// Which sides are shown.
    SetSides(SideFilter),
    /// New model settings (levels are computed again).
    SetModel(ModelSettings),
    /// New colours (the texture is repainted).
    SetColors(ColorSettings),
    /// New price row height (the grid is binned again).
    SetRowHeight(RowHeight),
    /// What counts as a cluster (the clusters are found again).
    SetClusterParams(ClusterParams),
    /// An overlay on or off.
    SetOverlay(Overlay, bool),
    /// The text of the path field.
    SetPathInput(String),
    /// Centre the chart on a time and price.
    CentreOn {
        /// Time, epoch ms.
        time_ms: i64,
        /// Price, USD.
        price: f64,
    },
    /// Show these bounds.
    ShowBounds(ViewBounds),
    /// Show the whole dataset.
    ResetView,
    /// What the chart drew and where the pointer is (sent every frame).
    Chart(ChartReport),
    /// Hide the error banner.
    DismissError,
    /// Show or hide the Score panel.
    SetScoreOpen(bool),
    /// Score whenever the settings change.
    SetScoreAuto(bool),
    /// Score the current settings.
    Score,
    /// Stop the scoring run.
    CancelScore,
    /// The fetch window's fields.
    SetFetchForm(FetchForm),
    /// Open or close the fetch window.
    ShowFetchWindow(bool),
    /// Fetch a range of history; a fetch still running is cancelled first.
    Fetch(FetchRequest),
    /// Cancel the fetch in flight.
    CancelFetch,
    /// Load the symbol list of a venue (in the background).
    LoadSymbols(Venue),
    /// Turn live updates of the shown (fetched) dataset on or off.
    Live(bool),
    /// Open several datasets of one coin as one view (or one file as usual).
    OpenMany(Vec<PathBuf>),
    /// Show datasets already in memory as one coin view (a test or benchmark).
    ShowVenues(Vec<Arc<Dataset>>),
    /// Tick or weight a venue (the kept grids are re-summed; no level is recomputed).
    SetVenue {
        /// Index of the venue.
        venue: usize,
        /// Ticked or not, and its weight.
        settings: VenueSettings,
    },
    /// Take the candles and bars from this venue.
    SetReferenceVenue(usize),
    /// The coin typed in the fetch window's "all venues" field.
    SetFetchCoin(String),
    /// Fetch a coin from every venue in parallel.
    FetchCoin(CoinRequest),
    /// Cancel the fetch of every venue.
    CancelCoinFetch,
    /// Times on the local clock (`true`) or in UTC.
    SetLocalTime(bool),
    /// Show the last span of the data (a range button, ms); `None` shows everything.
    ShowRecent(Option<i64>),
    /// Keep the clusters and the map at a time (a click on the chart, epoch ms), or unpin.
    PinTime(Option<i64>),
    /// The pointer went below the chart (towards the clusters table) or came back: below it,
    /// the clusters stay at the time last hovered.
    PointerBelowChart(bool),
    /// Zoom to a cluster's band and the price at its time, and highlight the band.
    FocusCluster(Highlight),
    /// Escape: dismiss the errors, unpin the time, stop highlighting.
    Escape,
    /// Add the open interest or liquidations of a file to the dataset shown.
    AddToDataset(PathBuf),
    /// Open several files at once (klines, open interest, liquidations) as one dataset.
    OpenSeveral(Vec<PathBuf>),
}

/// A job for the scheduler, the cheapest that brings the picture up to date.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// Read a file.
    Load(PathBuf),
    /// Read the bundled sample.
    LoadSample,
    /// Open a dataset already in memory (fetched, or built by a test or benchmark) as a file
    /// is opened: its levels and first grid are computed in the background while the old
    /// picture stays; it replaces a file still being read.
    OpenInMemory {
        /// The data.
        dataset: Arc<Dataset>,
        /// Where it came from.
        origin: Origin,
    },
    /// Compute every level again (new data or model settings).
    Engine,
    /// Extend the engine by the new and changed bars of the shown dataset (live updates).
    ExtendEngine,
    /// Bin the levels into the grid of a window again.
    Grid(GridRequest),
    /// Find the clusters at a bar.
    Clusters(usize),
    /// Colour the composed grid again and upload the texture.
    Recolour,
    /// Save the shown dataset.
    Save(PathBuf),
    /// Take a screenshot of the next frame and export it.
    Screenshot(PathBuf),
    /// Show a file dialog.
    Pick(Pick),
    /// Score the current settings.
    Score,
    /// Start a fetch.
    Fetch(FetchRequest),
    /// Load a venue's symbols.
    LoadSymbols(Venue),
    /// Start live updates of the shown dataset.
    StartLive,
    /// Read several datasets and compute each venue's levels.
    Venues(VenuesSource),
    /// Fetch a coin from every venue.
    FetchCoin(CoinRequest),
    /// Read a file of open interest or liquidations and add it to the dataset shown.
    AddToDataset(PathBuf),
    /// Read several files by content: one dataset, or venues of one coin.
    OpenSeveral(Vec<PathBuf>),
    /// Save the coin view shown as a view file.
    SaveView(PathBuf),
}
