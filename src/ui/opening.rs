//! Opening a dataset in one background job: read the file, check it, compute the levels and
//! grid the first view, so that the old picture is swapped for a complete new one at once (the
//! previous dataset stays on screen until then, with a progress bar over it; see
//! [`super::progress`]). Before, the viewer showed the new data in steps: an empty chart, then
//! candles, then seconds later the heatmap. Files, the bundled sample, several files dropped
//! together, fetched data and datasets built in memory all open this way (a file added to the
//! dataset shown too, in its own job); only live updates, which keep the view, extend the engine
//! in place.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::{Engine, EngineError, Grid};
use crate::settings::ModelSettings;

use super::action::Work;
use super::data::{Loaded, Origin};
use super::progress::{Stage, StageCell};
use super::reducer::{self, Effects};
use super::settings::RowHeight;
use super::state::{ViewerError, ViewerState};
use super::view::{ViewBounds, grid_request};

/// The plot's size before the chart was first drawn, points: a typical window's. The chart asks
/// for its own grid at its first frame when its size differs.
const FIRST_PLOT_SIZE_PT: [f32; 2] = [1000.0, 600.0];

/// A dataset read, with its engine and the grid of its first view.
#[derive(Debug)]
pub struct Opened {
    /// The data and where it came from.
    pub loaded: Loaded,
    /// The engine, or why the model settings could not build one.
    pub engine: Result<Arc<Engine>, EngineError>,
    /// The grid of the whole dataset at the chart's size, when the engine was built.
    pub grid: Option<Arc<Grid>>,
    /// The model settings the engine was built with.
    pub model: ModelSettings,
}

/// What the job needs to know of the viewer: the model and how the first view is gridded.
#[derive(Debug, Clone)]
pub struct OpenParams {
    /// The model settings at the time of the request.
    pub model: ModelSettings,
    /// The price row height.
    pub row_height: RowHeight,
    /// The plot's size at the last frame, points.
    pub plot_size_pt: [f32; 2],
}

impl OpenParams {
    /// The parameters of the state now.
    pub fn of(state: &ViewerState) -> Self {
        OpenParams {
            model: state.settings.model.clone(),
            row_height: state.settings.row_height,
            plot_size_pt: state
                .view
                .frame
                .map_or(FIRST_PLOT_SIZE_PT, |frame| frame.size_pt()),
        }
    }
}

/// Runs in the background: `load` reads the data (and moves `stage` from reading to checking),
/// then the engine is built and the grid of the whole dataset computed. A failed read is an
/// error (the old picture stays); a model that fails still shows the data, with the error.
pub fn open_in_background<E>(
    load: impl FnOnce(&StageCell) -> Result<Loaded, E>,
    params: &OpenParams,
    stage: &StageCell,
) -> Result<Opened, E> {
    stage.set(Stage::Reading);
    let loaded = load(stage)?;
    stage.set(Stage::ComputingLevels);
    let engine = match Engine::new(&loaded.dataset, &params.model) {
        Ok(engine) => Arc::new(engine),
        Err(err) => {
            return Ok(Opened {
                loaded,
                engine: Err(err),
                grid: None,
                model: params.model.clone(),
            });
        }
    };
    stage.set(Stage::Drawing);
    // A grid that fails here is asked for again by the chart, which reports its error.
    let grid = ViewBounds::of_dataset(&loaded.dataset)
        .and_then(|bounds| grid_request(&bounds, params.plot_size_pt, params.row_height))
        .and_then(|request| engine.grid(&request).ok())
        .map(Arc::new);
    Ok(Opened {
        loaded,
        engine: Ok(engine),
        grid,
        model: params.model.clone(),
    })
}

/// Reads a file for [`open_in_background`], reporting when reading ends and checking starts. A
/// view file (several venues of one coin) is refused with [`ViewerError::ViewFile`], which the
/// scheduler opens as venues: told here, off the UI thread.
pub fn load_file(path: PathBuf, stage: &StageCell) -> Result<Loaded, ViewerError> {
    if is_view_file(&path) {
        return Err(ViewerError::ViewFile(path));
    }
    let dataset = crate::dataset::load_staged(&path, || stage.set(Stage::Checking))?;
    Ok(Loaded {
        dataset: Arc::new(dataset),
        origin: Origin::File(path),
    })
}

/// Whether `path` is a view file: its first bytes name the view format (in any key order: a
/// view written by hand or by a JSON library may put `datasets` first).
fn is_view_file(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 256];
    let Ok(read) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    String::from_utf8_lossy(head.get(..read).unwrap_or_default()).contains("\"liqmap-view\"")
}

/// Reads the bundled sample for [`open_in_background`].
pub fn load_sample(stage: &StageCell) -> Result<Loaded, ViewerError> {
    stage.set(Stage::Checking);
    let dataset = crate::dataset::sample().map_err(ViewerError::Sample)?;
    Ok(Loaded {
        dataset: Arc::new(dataset),
        origin: Origin::Sample,
    })
}

/// What the progress bar calls a dataset held in memory: `BTCUSDT fetched from binance-usdm`,
/// or `BTCUSDT (in memory)`.
pub fn describe_in_memory(loaded: &Loaded) -> String {
    let symbol = &loaded.dataset.symbol;
    match &loaded.origin {
        Origin::Fetched(source) => format!("{symbol} fetched from {}", source.venue),
        _ => format!("{symbol} (in memory)"),
    }
}

/// Shows a dataset opened in the background together with its engine and first grid, so the
/// first frame that shows it has the heatmap too.
pub fn show_opened(state: &mut ViewerState, opened: Opened, effects: &mut Effects) {
    let Opened {
        loaded,
        engine,
        grid,
        model,
    } = opened;
    reducer::show(state, loaded, effects);
    match engine {
        // The model did not change while the file was read: the levels are ready, so `show`'s
        // request to compute them is dropped (this poll's effects held nothing else of it).
        Ok(engine) if model == state.settings.model => {
            effects.work.retain(|work| *work != Work::Engine);
            state.view.requested_grid = grid.as_ref().map(|g| g.request);
            state.data.engine = Some(engine);
            state.data.grid = grid;
            state.data.compose(&state.settings.selection());
        }
        // The model changed meanwhile: `show` asked for the levels again.
        Ok(_) => {}
        Err(err) => {
            effects.work.retain(|work| *work != Work::Engine);
            state.errors.push(ViewerError::Model(err));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> OpenParams {
        OpenParams {
            model: ModelSettings::default(),
            row_height: RowHeight::Automatic,
            plot_size_pt: [640.0, 320.0],
        }
    }

    #[test]
    fn opening_the_sample_ends_drawing_with_a_grid_of_the_whole_dataset() {
        let stage = StageCell::default();
        let opened = open_in_background(load_sample, &params(), &stage).unwrap();
        assert_eq!(stage.get(), Stage::Drawing);
        assert!(opened.engine.is_ok());
        let grid = opened.grid.expect("a grid");
        let (start_ms, end_ms) = opened.loaded.dataset.time_range_ms().unwrap();
        assert!(grid.request.start_ms <= start_ms && end_ms <= grid.request.end_ms);
        // 640 points wide: one column per 16-point step as the chart asks (see grid_request).
        assert_eq!(grid.request.columns, 640);
        assert!(grid.layers.iter().flatten().any(|v| *v > 0.0));
    }

    #[test]
    fn a_file_that_cannot_be_read_is_an_error_naming_it_and_stops_at_reading() {
        let stage = StageCell::default();
        let missing = PathBuf::from("/nonexistent/year.json");
        let result = open_in_background(|s| load_file(missing.clone(), s), &params(), &stage);
        let Err(err) = result else {
            panic!("a missing file was read");
        };
        assert!(err.to_string().contains("/nonexistent/year.json"), "{err}");
        assert_eq!(stage.get(), Stage::Reading);
    }

    #[test]
    fn a_view_file_is_told_by_the_job_and_handed_on_as_venues() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hype.view.json");
        std::fs::write(
            &path,
            "{\n  \"format\": \"liqmap-view\",\n  \"datasets\": [{\"path\": \"a.json\"}]\n}\n",
        )
        .unwrap();
        let stage = StageCell::default();
        let result = open_in_background(|s| load_file(path.clone(), s), &params(), &stage);
        match result {
            Err(ViewerError::ViewFile(told)) => assert_eq!(told, path),
            other => panic!("a view file was not told: {other:?}"),
        }
        // Keys in another order (serde_json sorts them): still a view.
        let sorted = dir.path().join("sorted.view.json");
        std::fs::write(
            &sorted,
            r#"{"datasets":[{"path":"a.json"}],"format":"liqmap-view","version":1}"#,
        )
        .unwrap();
        assert!(is_view_file(&sorted));
        // A dataset is no view.
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.json");
        assert!(!is_view_file(&sample));
    }

    #[test]
    fn a_file_with_a_bad_row_fails_at_checking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.csv");
        std::fs::write(
            &path,
            "open_time,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,10\n1700000060000,1,x,0.5,1.5,10\n",
        )
        .unwrap();
        let stage = StageCell::default();
        let result = open_in_background(|s| load_file(path.clone(), s), &params(), &stage);
        assert!(result.is_err());
        assert_eq!(stage.get(), Stage::Checking);
    }
}
