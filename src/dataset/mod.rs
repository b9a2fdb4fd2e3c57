//! Datasets on disk: the native format, importers for the formats traders already have, and
//! detection of a file's format from its content.
//!
//! Every failure reaches the caller as a [`DatasetError`] naming the file and, where it can, the
//! line or row and what is wrong with it.

pub mod detect;
pub mod error;
pub mod import;
pub mod native;
pub mod summary;
pub mod view;

mod location;
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

/// Loads a native dataset, or imports a single klines file of any supported format.
pub fn load(path: &Path) -> Result<Dataset, DatasetError> {
    let text = source::read_text(path)?;
    // The prefix check spares big native files a second scan; the full detection still finds
    // native files whose keys were reordered by hand.
    if detect::looks_native(&text) {
        return native::from_str(&text).map_err(|issue| issue.in_file(path));
    }
    match detect::detect(&text).map_err(|kind| DatasetError::new(path, kind))? {
        Format::Native => native::from_str(&text).map_err(|issue| issue.in_file(path)),
        format => import::import_klines_text(path, &text, format),
    }
}

/// Saves a dataset in the native format, atomically: a reader sees the old file or the new one.
pub fn save(dataset: &Dataset, path: &Path) -> Result<(), DatasetError> {
    let text = native::to_string(dataset).map_err(|kind| DatasetError::new(path, kind))?;
    crate::atomic_write::write_atomic(path, text.as_bytes())
        .map_err(|e| DatasetError::new(path, DatasetErrorKind::Write(e)))
}
