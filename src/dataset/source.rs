//! Reading a source file as text, with the errors every format shares.

use std::path::Path;

use super::{DatasetError, DatasetErrorKind};

/// Reads the whole file as UTF-8 text without a byte-order mark; an empty file is an error.
pub fn read_text(path: &Path) -> Result<String, DatasetError> {
    let bytes =
        std::fs::read(path).map_err(|e| DatasetError::new(path, DatasetErrorKind::Read(e)))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        DatasetError::new(
            path,
            DatasetErrorKind::NotText {
                valid_up_to: e.utf8_error().valid_up_to(),
            },
        )
    })?;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if text.trim().is_empty() {
        return Err(DatasetError::new(path, DatasetErrorKind::Empty));
    }
    Ok(text)
}
