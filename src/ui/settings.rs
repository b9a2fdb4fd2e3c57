//! What the viewer remembers between runs (eframe persistence): the model, the layer choice,
//! the colours, the row height, overlays, and the files opened.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::engine::{ClusterParams, LayerSelection};
use crate::render::colors::ColorSettings;
use crate::settings::ModelSettings;

/// Which sides of the market the heatmap shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SideFilter {
    /// Longs and shorts.
    #[default]
    Both,
    /// Long liquidation levels only.
    Longs,
    /// Short liquidation levels only.
    Shorts,
}

impl SideFilter {
    /// Every choice, for the radio buttons.
    pub const ALL: [SideFilter; 3] = [SideFilter::Both, SideFilter::Longs, SideFilter::Shorts];

    /// Label for the UI.
    pub fn label(self) -> &'static str {
        match self {
            SideFilter::Both => "both",
            SideFilter::Longs => "longs",
            SideFilter::Shorts => "shorts",
        }
    }

    /// Whether longs (index 0) and shorts (index 1) are shown.
    pub fn sides(self) -> [bool; 2] {
        match self {
            SideFilter::Both => [true, true],
            SideFilter::Longs => [true, false],
            SideFilter::Shorts => [false, true],
        }
    }
}

/// The price row height of the heatmap.
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
pub enum RowHeight {
    /// Follows the zoom: about two screen pixels a row, so zooming in gives finer rows.
    #[default]
    Automatic,
    /// A fixed step in USD.
    FixedUsd(f64),
}

/// How many files the recent list keeps.
pub const MAX_RECENT_FILES: usize = 8;

/// Everything the viewer persists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewerSettings {
    /// The model's assumptions (the same type as the command-line flags).
    pub model: ModelSettings,
    /// Whether each tier of `model.tiers` is shown.
    pub tier_enabled: Vec<bool>,
    /// Which sides are shown.
    pub sides: SideFilter,
    /// Heatmap colours.
    pub colors: ColorSettings,
    /// Price row height.
    pub row_height: RowHeight,
    /// What counts as a cluster (the same type as the command-line flags).
    pub clusters: ClusterParams,
    /// Draw real liquidation events.
    pub show_real_liquidations: bool,
    /// Draw predicted liquidations (levels dying).
    pub show_predicted_liquidations: bool,
    /// Mark the top clusters on the chart.
    pub show_cluster_marks: bool,
    /// The file shown last (none: the bundled sample).
    pub last_file: Option<PathBuf>,
    /// Files opened recently, newest first.
    pub recent_files: Vec<PathBuf>,
    /// Times on the local clock instead of UTC.
    pub local_time: bool,
}

impl Default for ViewerSettings {
    fn default() -> Self {
        let model = ModelSettings::default();
        ViewerSettings {
            tier_enabled: vec![true; model.tiers.0.len()],
            model,
            sides: SideFilter::Both,
            colors: ColorSettings::default(),
            row_height: RowHeight::Automatic,
            clusters: ClusterParams::default(),
            show_real_liquidations: true,
            show_predicted_liquidations: false,
            show_cluster_marks: true,
            last_file: None,
            recent_files: Vec::new(),
            local_time: false,
        }
    }
}

impl ViewerSettings {
    /// The layers to sum: enabled tiers at their normalised weights, the chosen sides.
    pub fn selection(&self) -> LayerSelection {
        let shares = self.model.tiers.normalized_weights();
        LayerSelection {
            tier_share: shares
                .iter()
                .enumerate()
                .map(|(i, &share)| {
                    if self.tier_enabled.get(i).copied().unwrap_or(true) {
                        share
                    } else {
                        0.0
                    }
                })
                .collect(),
            sides: self.sides.sides(),
        }
    }

    /// The leverage of each tier, in the model's order.
    pub fn leverages(&self) -> Vec<f64> {
        self.model.tiers.0.iter().map(|t| t.leverage).collect()
    }

    /// Keeps one enabled flag per tier after tiers were added or removed.
    pub fn sync_tier_flags(&mut self) {
        self.tier_enabled.resize(self.model.tiers.0.len(), true);
    }

    /// Puts a file at the top of the recent list.
    pub fn remember_file(&mut self, path: PathBuf) {
        self.recent_files.retain(|p| p != &path);
        self.recent_files.insert(0, path.clone());
        self.recent_files.truncate(MAX_RECENT_FILES);
        self.last_file = Some(path);
    }
}
