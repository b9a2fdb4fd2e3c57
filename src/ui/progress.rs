//! How far the opening of a dataset has gone: the stage the background job is at (reading,
//! checking, computing levels, drawing), shared between the job's thread and the UI, and the
//! progress bar that shows it over the window while the previous picture stays.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

/// A stage of opening a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the file from disk.
    Reading,
    /// Parsing the file and checking every row.
    Checking,
    /// Computing the liquidation levels of every bar.
    ComputingLevels,
    /// Gridding the first view for the heatmap.
    Drawing,
}

impl Stage {
    const ALL: [Stage; 4] = [
        Stage::Reading,
        Stage::Checking,
        Stage::ComputingLevels,
        Stage::Drawing,
    ];

    /// What the progress bar says.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Reading => "reading the file",
            Stage::Checking => "checking every row",
            Stage::ComputingLevels => "computing liquidation levels",
            Stage::Drawing => "drawing the heatmap",
        }
    }

    /// The share of the bar filled when the stage starts, by the stages' usual cost on a year
    /// of one-minute bars (reading is fast, parsing and the levels take most of the time).
    pub fn start_fraction(self) -> f32 {
        match self {
            Stage::Reading => 0.0,
            Stage::Checking => 0.1,
            Stage::ComputingLevels => 0.45,
            Stage::Drawing => 0.85,
        }
    }
}

/// The stage a job is at, shared between the job's thread and the UI.
#[derive(Debug, Clone, Default)]
pub struct StageCell(Arc<AtomicU8>);

impl StageCell {
    /// Whether both are the same job's cell.
    pub fn is(&self, other: &StageCell) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Records that `stage` has started.
    pub fn set(&self, stage: Stage) {
        let index = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
        self.0.store(index as u8, Ordering::Relaxed);
    }

    /// The stage running now.
    pub fn get(&self) -> Stage {
        Stage::ALL
            .get(usize::from(self.0.load(Ordering::Relaxed)))
            .copied()
            .unwrap_or(Stage::Reading)
    }
}

/// What is being opened, for the progress bar.
#[derive(Debug, Clone)]
pub struct Opening {
    /// The file name, or what the data is.
    pub what: String,
    /// Whether the file is added to the dataset shown rather than opened.
    pub adding: bool,
    /// The stage the job is at.
    pub stage: StageCell,
    /// When the job was asked for.
    pub started: Instant,
}

impl Opening {
    /// A job opening `what` starts now.
    pub fn new(what: String) -> Self {
        Self {
            what,
            adding: false,
            stage: StageCell::default(),
            started: Instant::now(),
        }
    }

    /// The name to show for a file.
    pub fn of_path(path: &std::path::Path) -> Self {
        Self::new(file_name(path))
    }

    /// A file added to the dataset shown (open interest or liquidations).
    pub fn adding(path: &std::path::Path) -> Self {
        Self {
            adding: true,
            ..Self::new(file_name(path))
        }
    }

    /// The line over the progress bar.
    pub fn line(&self) -> String {
        let stage = self.stage.get().label();
        if self.adding {
            format!("Adding {} to this dataset — {stage}…", self.what)
        } else {
            format!("Opening {} — {stage}…", self.what)
        }
    }
}

/// A file's name, or its whole path when it has none.
fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Draws the progress of an opening over the top of the window, below the menu; the picture
/// under it stays the previous dataset's until the new one is complete.
pub fn progress_ui(ctx: &egui::Context, opening: &Opening) {
    let stage = opening.stage.get();
    let elapsed_s = opening.started.elapsed().as_secs_f32();
    egui::Area::new(egui::Id::unique("liqmap-opening"))
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 40.0))
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_width(380.0);
                ui.label(opening.line());
                ui.add(
                    egui::ProgressBar::new(stage.start_fraction())
                        .text(format!("{elapsed_s:.1} s"))
                        .animate(true),
                );
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stage_cell_reads_back_every_stage_and_the_bar_only_grows() {
        let cell = StageCell::default();
        assert_eq!(cell.get(), Stage::Reading);
        let mut last = -1.0;
        for stage in Stage::ALL {
            cell.set(stage);
            assert_eq!(cell.get(), stage);
            assert!(stage.start_fraction() > last);
            last = stage.start_fraction();
        }
    }
}
