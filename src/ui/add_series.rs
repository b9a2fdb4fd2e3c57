//! "Add open interest / liquidations to this dataset": reads the file in the background,
//! merges it into a copy of the dataset shown, and shows the copy where the chart was. The
//! dataset shown stays when the file is refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dataset::import::add::{Added, add_file, add_read_file};
use crate::dataset::import::read_files::ReadFiles;
use crate::dataset::import::several::{SeveralRequest, import_several_read};
use crate::dataset::merge;
use crate::dataset::{DatasetError, DatasetErrorKind, FormatKind};
use crate::model::Dataset;

use super::data::{Loaded, Origin};
use super::opening::{OpenParams, Opened, open_in_background, show_opened};
use super::progress::{Opening, Stage, StageCell};
use super::reducer::Effects;
use super::state::{ViewerError, ViewerState};
use super::view::PendingView;
use super::worker::{LatestJob, Wake};

/// The dataset with the file added (with its levels and first grid), and a line saying what was
/// added.
type AddedOutcome = Result<(Opened, String), ViewerError>;

/// Several files opened at once (dropped on the window): klines, open interest and
/// liquidations, told apart by their content, make one dataset; without klines, the others are
/// added to `shown`. Several native datasets are refused with `SeveralDatasets`, which the
/// scheduler opens as venues of one coin. One native dataset among raw files is their base: its
/// klines are merged in (same venue, symbol and interval) and the open interest and liquidations
/// added with an import's checks, as "Add to this dataset" adds them; two datasets or more among
/// raw files are refused. Each file is read once: the text read to tell its kind is parsed.
pub fn open_several(paths: &[PathBuf], shown: Option<&Loaded>) -> Result<Loaded, ViewerError> {
    let mut files = ReadFiles::default();
    let kinds = paths
        .iter()
        .map(|p| files.read_kind(p))
        .collect::<Result<Vec<_>, _>>()?;
    let datasets: Vec<PathBuf> = paths
        .iter()
        .zip(&kinds)
        .filter(|(_, kind)| **kind == FormatKind::Dataset)
        .map(|(path, _)| path.clone())
        .collect();
    // Several whole datasets are one coin across venues: the scheduler hands them on.
    if datasets.len() > 1 {
        return Err(if datasets.len() == paths.len() {
            ViewerError::SeveralDatasets(datasets)
        } else {
            ViewerError::DatasetsAmongFiles(datasets)
        });
    }
    let mut request = SeveralRequest::default();
    for (path, kind) in paths.iter().zip(kinds) {
        match kind {
            FormatKind::Klines => request.klines.push(path.clone()),
            FormatKind::OpenInterest => request.open_interest.push(path.clone()),
            FormatKind::Liquidations => request.liquidations.push(path.clone()),
            FormatKind::Dataset => {}
        }
    }
    if let Some(path) = datasets.first() {
        let mut dataset = files.dataset(path)?;
        add_files_to(&mut dataset, path, request, &mut files)?;
        return Ok(Loaded {
            dataset: Arc::new(dataset),
            origin: if paths.len() == 1 {
                Origin::File(path.clone())
            } else {
                Origin::Memory
            },
        });
    }
    if !request.klines.is_empty() {
        return Ok(Loaded {
            dataset: Arc::new(import_several_read(&request, &mut files)?),
            origin: Origin::Memory,
        });
    }
    let Some(shown) = shown else {
        // No bars anywhere: the import says so, naming what is missing.
        return Ok(Loaded {
            dataset: Arc::new(import_several_read(&request, &mut files)?),
            origin: Origin::Memory,
        });
    };
    let mut dataset: Dataset = (*shown.dataset).clone();
    for path in request.open_interest.iter().chain(&request.liquidations) {
        add_read_file(&mut dataset, path, &mut files)?;
    }
    Ok(Loaded {
        dataset: Arc::new(dataset),
        origin: Origin::Memory,
    })
}

/// Merges the raw files of `request` into the native dataset read from `base`: the klines
/// (imported as the dataset's venue and symbol, and merged), then the open interest and the
/// liquidations, checked against the merged bars.
fn add_files_to(
    dataset: &mut Dataset,
    base: &Path,
    mut request: SeveralRequest,
    files: &mut ReadFiles,
) -> Result<(), ViewerError> {
    if !request.klines.is_empty() {
        let klines = SeveralRequest {
            klines: std::mem::take(&mut request.klines),
            exchange: Some(dataset.exchange.clone()),
            symbol: Some(dataset.symbol.clone()),
            ..SeveralRequest::default()
        };
        let more = import_several_read(&klines, files)?;
        merge::merge(dataset, &more).map_err(|err| {
            DatasetError::new(
                klines.klines.first().map_or(base, PathBuf::as_path),
                DatasetErrorKind::CannotMerge {
                    reason: err.to_string(),
                    first: base.to_path_buf(),
                },
            )
        })?;
    }
    for path in request.open_interest.iter().chain(&request.liquidations) {
        add_read_file(dataset, path, files)?;
    }
    Ok(())
}

/// The background job that adds a file to the dataset shown.
pub struct AddSeriesJob {
    job: LatestJob<AddedOutcome>,
    /// The stage of the job asked for last, which the progress bar shows.
    stage: Option<StageCell>,
}

impl AddSeriesJob {
    /// A worker that wakes the UI when done.
    pub fn new(wake: &Wake) -> Self {
        let wake = Arc::clone(wake);
        AddSeriesJob {
            job: LatestJob::new("add-series", move || wake()),
            stage: None,
        }
    }

    /// Whether a file is being added.
    pub fn is_busy(&self) -> bool {
        self.job.is_busy()
    }

    /// Starts adding `path` to the dataset shown; the levels and the first grid of the result
    /// are computed in the same job, as when a file is opened (see `opening`), with the same
    /// progress bar over the picture shown, which stays until the result is whole.
    pub fn start(&mut self, state: &mut ViewerState, path: PathBuf) {
        let Some(loaded) = state.data.loaded.clone() else {
            return;
        };
        let params = OpenParams::of(state);
        let shown = Opening::adding(&path);
        let stage = shown.stage.clone();
        self.stage = Some(stage.clone());
        state.opening = Some(shown);
        self.job.submit(move || {
            let mut note = String::new();
            let opened = open_in_background(
                |stage| {
                    let mut dataset = (*loaded.dataset).clone();
                    // The file is small beside the dataset: read and checked in one step.
                    stage.set(Stage::Checking);
                    let added = add_file(&mut dataset, &path)?;
                    note = added_note(&path, &added);
                    // Live mode can go on with a fetched dataset; a file's copy is a new
                    // dataset.
                    let origin = match loaded.origin {
                        Origin::Fetched(source) => Origin::Fetched(source),
                        _ => Origin::Memory,
                    };
                    Ok::<_, ViewerError>(Loaded {
                        dataset: Arc::new(dataset),
                        origin,
                    })
                },
                &params,
                &stage,
            )?;
            Ok((opened, note))
        });
    }

    /// The dataset with the file added, once it is ready, and a line saying what was added;
    /// a refused file is an error in the banner (the dataset shown stays). The progress bar
    /// goes when its job is done.
    pub fn poll(&mut self, state: &mut ViewerState) -> Option<(Opened, String)> {
        let result = self.job.poll()?;
        if let Some(stage) = self.stage.take()
            && state.opening.as_ref().is_some_and(|o| o.stage.is(&stage))
        {
            state.opening = None;
        }
        match result {
            Ok(added) => Some(added),
            Err(err) => {
                state.errors.push(err);
                None
            }
        }
    }
}

/// What the status line says of a file added.
fn added_note(path: &Path, added: &Added) -> String {
    let what = match added.kind {
        FormatKind::OpenInterest => "open-interest samples",
        _ => "liquidations",
    };
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    format!(
        "added {} {what} from {name} ({} held already); not saved: File > Save dataset as… \
         keeps them",
        added.added, added.unchanged
    )
}

/// Shows the dataset with a file added, levels and heatmap at once, at the view shown now.
pub fn show_added(
    state: &mut ViewerState,
    (opened, note): (Opened, String),
    effects: &mut Effects,
) {
    let bounds = state.view.bounds();
    show_opened(state, opened, effects);
    if let Some(bounds) = bounds {
        state.view.request(PendingView::Bounds(bounds));
    }
    state.status = note;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{ImportRequest, import};
    use crate::test_support::test_data as data;

    const BTC_KLINES: &str = "btcusdt-klines-5m-freqtrade-20251022.json";
    const LIQUIDATIONS: &str = "all-liquidations-forceorder-20251022-0940.csv";

    /// The BTC klines with the CSV's BTCUSDT liquidations, as `liqmap import` builds them.
    fn btc_with_liquidations() -> Dataset {
        import(&ImportRequest {
            klines: data(BTC_KLINES),
            liquidations: Some(data(LIQUIDATIONS)),
            ..ImportRequest::default()
        })
        .unwrap()
    }

    #[test]
    fn a_dataset_among_raw_files_takes_their_bars_and_liquidations() {
        // A native dataset of the first half of the BTC bars, dropped with the whole klines
        // file and the liquidations: the dataset grows to all the bars, with the liquidations.
        let whole = btc_with_liquidations();
        let mut half = import(&ImportRequest::klines_only(&data(BTC_KLINES))).unwrap();
        half.bars.truncate(half.bars.len() / 2);
        let dir = tempfile::tempdir().unwrap();
        let native = dir.path().join("btc-half.json");
        crate::dataset::save(&half, &native).unwrap();
        let paths = [data(LIQUIDATIONS), native.clone(), data(BTC_KLINES)];
        let opened = open_several(&paths, None).unwrap();
        assert_eq!(*opened.dataset, whole);
        assert_eq!(opened.origin, Origin::Memory);
    }

    #[test]
    fn two_datasets_among_raw_files_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let dataset = import(&ImportRequest::klines_only(&data(BTC_KLINES))).unwrap();
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        crate::dataset::save(&dataset, &a).unwrap();
        crate::dataset::save(&dataset, &b).unwrap();
        let err = open_several(&[a.clone(), data(LIQUIDATIONS), b.clone()], None).unwrap_err();
        assert!(matches!(&err, ViewerError::DatasetsAmongFiles(p) if *p == [a.clone(), b.clone()]));
        let message = err.to_string();
        assert!(message.contains("a.json, b.json"), "{message}");
        // The datasets alone are one coin across venues.
        assert!(matches!(
            open_several(&[a, b], None),
            Err(ViewerError::SeveralDatasets(_))
        ));
    }

    /// A named pipe holding `text`, which can be read once only: a second read would wait for a
    /// writer that never comes.
    #[cfg(unix)]
    fn read_once_pipe(dir: &std::path::Path, name: &str, text: Vec<u8>) -> PathBuf {
        let path = dir.join(name);
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        let writer = path.clone();
        std::thread::spawn(move || std::fs::write(writer, text));
        path
    }

    #[cfg(unix)]
    #[test]
    fn each_dropped_file_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let klines = std::fs::read(data(BTC_KLINES)).unwrap();
        let pipe = read_once_pipe(dir.path(), BTC_KLINES, klines);
        let (sender, received) = std::sync::mpsc::channel();
        let liquidations = data(LIQUIDATIONS);
        std::thread::spawn(move || {
            let _ = sender.send(open_several(&[pipe, liquidations], None));
        });
        let opened = received
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the klines were read twice: the second read waits for ever")
            .unwrap();
        // The same data as the files imported from disk (the name gives the symbol).
        assert_eq!(*opened.dataset, btc_with_liquidations());
    }
}
