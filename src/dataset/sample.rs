//! The default sample, built into the binary so that it works from any directory.

use std::path::Path;

use super::{DatasetError, native};
use crate::model::Dataset;

/// How errors and `info` name the bundled sample.
pub const SAMPLE_NAME: &str = "assets/sample.json (bundled)";

/// HYPEUSDT 5m, 2025-10-08..12, with open interest: see `assets/SOURCES.md`.
const SAMPLE_JSON: &str = include_str!("../../assets/sample.json");

/// The bundled default sample (HYPEUSDT 5m with open interest and taker-buy volume).
pub fn sample() -> Result<Dataset, DatasetError> {
    native::from_str(SAMPLE_JSON).map_err(|issue| issue.in_file(Path::new(SAMPLE_NAME)))
}
