//! Saving a coin view: a view file (`dataset::view`) naming each venue's dataset file, with the
//! venues' ticks, weights and reference. A dataset read from a file is named where it is; one that
//! exists only in memory (fetched) is first saved beside the view file as a native dataset. Every
//! file is written to a temporary file and renamed, so a failed save leaves what was there. No
//! egui here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dataset::view::{View, ViewEntry, save_view};
use crate::engine::venues::VenueSettings;
use crate::model::Dataset;

use super::state::ViewerError;

/// One venue as saved.
#[derive(Debug, Clone)]
pub struct VenueToSave {
    /// The venue's name (the dataset's exchange, made unique).
    pub name: String,
    /// Its data.
    pub dataset: Arc<Dataset>,
    /// The file it was read from; `None` for data only in memory.
    pub path: Option<PathBuf>,
    /// Ticked and weight.
    pub settings: VenueSettings,
}

/// What a save wrote: the dataset file of each venue, in venue order, and how many of them were
/// written now (the others were already files).
#[derive(Debug, Clone, PartialEq)]
pub struct SavedView {
    /// The view file.
    pub path: PathBuf,
    /// Each venue's dataset file.
    pub dataset_paths: Vec<PathBuf>,
    /// Datasets written beside the view file.
    pub written: usize,
}

/// The file beside `view_path` for a venue's dataset: `coin.view.json` and `bybit-linear` give
/// `coin-bybit-linear.json`.
pub fn dataset_path_beside(view_path: &Path, venue: &str) -> PathBuf {
    let file = view_path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = file.strip_suffix(".json").unwrap_or(&file);
    let stem = stem.strip_suffix(".view").unwrap_or(stem);
    let stem = if stem.is_empty() { "view" } else { stem };
    let venue = crate::format::path_safe(venue, '-');
    view_path.with_file_name(format!("{stem}-{venue}.json"))
}

/// Saves the venues' datasets that are only in memory beside `path`, then the view file naming
/// every dataset; `reference` is the reference venue's index.
pub fn save_coin_view(
    venues: &[VenueToSave],
    reference: usize,
    path: &Path,
) -> Result<SavedView, ViewerError> {
    let mut dataset_paths = Vec::with_capacity(venues.len());
    let mut written = 0;
    for venue in venues {
        let file = match &venue.path {
            Some(file) => file.clone(),
            None => {
                let file = dataset_path_beside(path, &venue.name);
                crate::dataset::save(&venue.dataset, &file)?;
                written += 1;
                file
            }
        };
        dataset_paths.push(file);
    }
    let view = View {
        datasets: venues
            .iter()
            .zip(&dataset_paths)
            .map(|(venue, file)| ViewEntry {
                path: file.clone(),
                enabled: venue.settings.enabled,
                weight: venue.settings.weight,
            })
            .collect(),
        reference: Some(reference),
    };
    save_view(&view, path)?;
    Ok(SavedView {
        path: path.to_path_buf(),
        dataset_paths,
        written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datasets_beside_a_view_take_its_name_and_the_venue() {
        let view = Path::new("/data/hype.view.json");
        assert_eq!(
            dataset_path_beside(view, "bybit-linear"),
            PathBuf::from("/data/hype-bybit-linear.json")
        );
        assert_eq!(
            dataset_path_beside(view, "binance-usdm#2"),
            PathBuf::from("/data/hype-binance-usdm-2.json")
        );
        assert_eq!(
            dataset_path_beside(Path::new("coin"), "okx-swap"),
            PathBuf::from("coin-okx-swap.json")
        );
    }
}
