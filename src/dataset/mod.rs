//! Datasets on disk: the native format, importers for the formats traders already have, and
//! detection of a file's format from its content.
//!
//! Every failure reaches the caller as a [`DatasetError`] naming the file and, where it can, the
//! line or row and what is wrong with it.

pub mod detect;
pub mod error;
pub mod import;
pub mod merge;
pub mod native;
pub mod parquet;
pub mod summary;
pub mod view;

mod huge_pages;
mod location;
mod native_numbers;
mod native_read;
mod native_rows;
mod parquet_read;
mod sample;
mod shape;
mod source;
mod symbol;
mod text;
mod validate;

use std::path::Path;

use crate::model::Dataset;

pub use detect::{Format, FormatKind};
pub use error::{DatasetError, DatasetErrorKind, Series, ValueProblem};
pub use import::{ImportRequest, import};
pub use location::Location;
pub use sample::{SAMPLE_NAME, sample};
pub use summary::open_interest_coverage;

/// Loads a native dataset (JSON, or Parquet by the `.parquet` extension), or imports a single
/// klines file of any supported format.
pub fn load(path: &Path) -> Result<Dataset, DatasetError> {
    load_staged(path, || {})
}

/// [`load`], calling `on_read` once the file's bytes are read and its rows are about to be
/// parsed and checked (the viewer's progress bar shows the two stages).
pub fn load_staged(path: &Path, on_read: impl FnOnce()) -> Result<Dataset, DatasetError> {
    if parquet::is_parquet(path) {
        return parquet::load(path);
    }
    let bytes = source::read_bytes(path)?;
    on_read();
    // The fast reader declines anything but the plain native layout at once (a CSV at its first
    // byte), and spares the files it reads a pass checking the whole text as UTF-8.
    if let Some(read) = native_read::from_bytes(&bytes) {
        return read.map_err(|issue| issue.in_file(path));
    }
    let text = source::into_text(path, bytes)?;
    match detect::detect(&text).map_err(|kind| DatasetError::new(path, kind))? {
        Format::Native => native::from_str(&text).map_err(|issue| issue.in_file(path)),
        format => import::import_klines_text(path, &text, format),
    }
}

/// Saves a dataset in the native format (Parquet by the `.parquet` extension), atomically: a
/// reader sees the old file or the new one.
pub fn save(dataset: &Dataset, path: &Path) -> Result<(), DatasetError> {
    if parquet::is_parquet(path) {
        return parquet::save(dataset, path);
    }
    let text = native::to_string(dataset).map_err(|kind| DatasetError::new(path, kind))?;
    crate::atomic_write::write_atomic(path, text.as_bytes())
        .map_err(|e| DatasetError::new(path, DatasetErrorKind::Write(e)))
}
