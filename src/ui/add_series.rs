//! "Add open interest / liquidations to this dataset": reads the file in the background,
//! merges it into a copy of the dataset shown, and shows the copy where the chart was. The
//! dataset shown stays when the file is refused.

use std::path::PathBuf;
use std::sync::Arc;

use crate::dataset::FormatKind;
use crate::dataset::import::add::add_file;
use crate::dataset::import::several::{SeveralRequest, import_several, kind_of};
use crate::model::Dataset;

use super::data::{Loaded, Origin};
use super::reducer::{self, Effects};
use super::state::{ViewerError, ViewerState};
use super::view::PendingView;
use super::worker::{LatestJob, Wake};

/// The dataset with the file added, and a line saying what was added.
type Added = Result<(Loaded, String), ViewerError>;

/// Several files opened at once (dropped on the window): klines, open interest and
/// liquidations, told apart by their content, make one dataset; without klines, the others are
/// added to `shown`. Several native datasets are refused with `SeveralDatasets`, which the
/// scheduler opens as venues of one coin; one native dataset among other files is opened alone.
pub fn open_several(paths: &[PathBuf], shown: Option<&Loaded>) -> Result<Loaded, ViewerError> {
    let kinds = paths
        .iter()
        .map(|p| kind_of(p))
        .collect::<Result<Vec<_>, _>>()?;
    // Several whole datasets are one coin across venues: the scheduler hands them on.
    if paths.len() > 1 && kinds.iter().all(|k| *k == FormatKind::Dataset) {
        return Err(ViewerError::SeveralDatasets(paths.to_vec()));
    }
    let mut request = SeveralRequest::default();
    for (path, kind) in paths.iter().zip(kinds) {
        match kind {
            FormatKind::Klines => request.klines.push(path.clone()),
            FormatKind::OpenInterest => request.open_interest.push(path.clone()),
            FormatKind::Liquidations => request.liquidations.push(path.clone()),
            FormatKind::Dataset => {
                return Ok(Loaded {
                    dataset: Arc::new(crate::dataset::load(path)?),
                    origin: Origin::File(path.clone()),
                });
            }
        }
    }
    if !request.klines.is_empty() {
        return Ok(Loaded {
            dataset: Arc::new(import_several(&request)?),
            origin: Origin::Memory,
        });
    }
    let Some(shown) = shown else {
        // No bars anywhere: the import says so, naming what is missing.
        return Ok(Loaded {
            dataset: Arc::new(import_several(&request)?),
            origin: Origin::Memory,
        });
    };
    let mut dataset: Dataset = (*shown.dataset).clone();
    for path in request.open_interest.iter().chain(&request.liquidations) {
        add_file(&mut dataset, path)?;
    }
    Ok(Loaded {
        dataset: Arc::new(dataset),
        origin: Origin::Memory,
    })
}

/// The background job that adds a file to the dataset shown.
pub struct AddSeriesJob {
    job: LatestJob<Added>,
}

impl AddSeriesJob {
    /// A worker that wakes the UI when done.
    pub fn new(wake: &Wake) -> Self {
        let wake = Arc::clone(wake);
        AddSeriesJob {
            job: LatestJob::new("add-series", move || wake()),
        }
    }

    /// Whether a file is being added.
    pub fn is_busy(&self) -> bool {
        self.job.is_busy()
    }

    /// Starts adding `path` to the dataset shown.
    pub fn start(&mut self, state: &ViewerState, path: PathBuf) {
        let Some(loaded) = state.data.loaded.clone() else {
            return;
        };
        self.job.submit(move || {
            let mut dataset = (*loaded.dataset).clone();
            let added = add_file(&mut dataset, &path)?;
            let what = match added.kind {
                FormatKind::OpenInterest => "open-interest samples",
                _ => "liquidations",
            };
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into(),
            );
            let note = format!(
                "added {} {what} from {name} ({} held already); not saved: File > Save dataset \
                 as… keeps them",
                added.added, added.unchanged
            );
            // Live mode can go on with a fetched dataset; a file's copy is a new dataset.
            let origin = match loaded.origin {
                Origin::Fetched(source) => Origin::Fetched(source),
                _ => Origin::Memory,
            };
            Ok((
                Loaded {
                    dataset: Arc::new(dataset),
                    origin,
                },
                note,
            ))
        });
    }

    /// Shows the dataset with the file added, at the view shown now.
    pub fn poll(&mut self, state: &mut ViewerState, effects: &mut Effects) {
        let Some(result) = self.job.poll() else {
            return;
        };
        match result {
            Ok((loaded, note)) => {
                let bounds = state.view.bounds();
                reducer::show(state, loaded, effects);
                if let Some(bounds) = bounds {
                    state.view.request(PendingView::Bounds(bounds));
                }
                state.status = note;
            }
            Err(err) => state.errors.push(err),
        }
    }
}
