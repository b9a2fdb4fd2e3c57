//! Files read once: files told apart by their content (several dropped on the viewer) are
//! imported from the text read to tell them, not read again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::dataset::detect::{self, Format, FormatKind};
use crate::dataset::{DatasetError, DatasetErrorKind, native, native_read, parquet, source};
use crate::model::Dataset;

/// Text kept for imports at most: past it a file's kind is remembered but its text dropped, and
/// read again when imported (a folder of a year of one-second klines is gigabytes of text).
const KEEP_MAX_BYTES: usize = 512 << 20;

/// Texts read and detected, by path, waiting for the import that parses them. Each is handed
/// over once (the import takes it), so a file's text is held once.
#[derive(Debug, Default)]
pub struct ReadFiles {
    /// The format of each file read, with its text while kept.
    read: HashMap<PathBuf, (Option<String>, Format)>,
    /// Bytes of the texts kept.
    kept_bytes: usize,
}

impl ReadFiles {
    /// Reads and detects `path` (a zip by the CSV inside), unless read already, and keeps its
    /// text for the import that follows; returns the kind of data it holds. A Parquet dataset
    /// is told by its name and read when loaded.
    pub fn read_kind(&mut self, path: &Path) -> Result<FormatKind, DatasetError> {
        if parquet::is_parquet(path) {
            return Ok(FormatKind::Dataset);
        }
        if let Some((_, format)) = self.read.get(path) {
            return Ok(format.kind());
        }
        let (text, format) = read_detected(path)?;
        let kept = (self.kept_bytes + text.len() <= KEEP_MAX_BYTES).then_some(text);
        self.kept_bytes += kept.as_ref().map_or(0, String::len);
        self.read.insert(path.to_path_buf(), (kept, format));
        Ok(format.kind())
    }

    /// The text and format of `path`: the ones kept by [`ReadFiles::read_kind`], or read now.
    pub(super) fn take(&mut self, path: &Path) -> Result<(String, Format), DatasetError> {
        match self.read.remove(path) {
            Some((Some(text), format)) => {
                self.kept_bytes -= text.len();
                Ok((text, format))
            }
            _ => read_detected(path),
        }
    }

    /// The native dataset at `path` (JSON, or Parquet by its name), from the text kept if any.
    pub fn dataset(&mut self, path: &Path) -> Result<Dataset, DatasetError> {
        if parquet::is_parquet(path) {
            return parquet::load(path);
        }
        match self.take(path)? {
            (text, Format::Native) => {
                let read = native_read::from_bytes(text.as_bytes())
                    .unwrap_or_else(|| native::from_str(&text));
                read.map_err(|issue| issue.in_file(path))
            }
            (_, found) => Err(DatasetError::new(
                path,
                DatasetErrorKind::WrongKind {
                    found,
                    expected: FormatKind::Dataset,
                },
            )),
        }
    }
}

/// Reads and detects a file.
fn read_detected(path: &Path) -> Result<(String, Format), DatasetError> {
    let text = source::read_text(path)?;
    let format = detect::detect(&text).map_err(|kind| DatasetError::new(path, kind))?;
    Ok((text, format))
}
