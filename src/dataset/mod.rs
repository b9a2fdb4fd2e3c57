//! Datasets on disk: the native format, importers for the formats traders already have, and
//! detection of a file's format from its content.

use std::path::{Path, PathBuf};

use crate::model::Dataset;

/// A file that could not be read, written or understood.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DatasetError {
    /// The file concerned.
    pub path: PathBuf,
    /// What is wrong, with the line or row where known.
    pub message: String,
}

/// Loads a native dataset, or imports a single klines file of any supported format.
pub fn load(path: &Path) -> Result<Dataset, DatasetError> {
    Err(DatasetError {
        path: path.to_path_buf(),
        message: "not implemented yet".into(),
    })
}

/// The bundled default sample (HYPEUSDT 5m with open interest).
pub fn sample() -> Result<Dataset, DatasetError> {
    load(Path::new("assets/sample.json"))
}

/// Saves a dataset in the native format, atomically (temporary file, then rename).
pub fn save(_dataset: &Dataset, path: &Path) -> Result<(), DatasetError> {
    Err(DatasetError {
        path: path.to_path_buf(),
        message: "not implemented yet".into(),
    })
}
