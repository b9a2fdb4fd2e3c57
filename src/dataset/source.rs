//! Reading a source file as text, with the errors every format shares.

use std::path::Path;

use super::{DatasetError, DatasetErrorKind};

/// Reads the whole file as UTF-8 text without a byte-order mark; an empty file is an error.
pub fn read_text(path: &Path) -> Result<String, DatasetError> {
    into_text(path, read_bytes(path)?)
}

/// Reads the whole file's bytes (unzipped, for a zip archive of one file).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, DatasetError> {
    let bytes = read_file(path).map_err(|e| DatasetError::new(path, DatasetErrorKind::Read(e)))?;
    super::import::archive_zip::unzip_if_zip(path, bytes)
}

/// Files from this size are read in pieces on every core.
const PARALLEL_MIN_BYTES: u64 = 8 << 20;

/// Bytes of one piece read on its own.
const PIECE_BYTES: usize = 4 << 20;

/// The file's bytes. A big file is read in pieces on every core: copying the page cache into
/// fresh memory (a page fault per 4 KB page) was a tenth of `liqmap info`'s time on the year.
fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    // Opened once: a named pipe can be opened and read only once.
    let mut file = std::fs::File::open(path)?;
    #[cfg(unix)]
    if let Some(bytes) = read_in_pieces(&file)? {
        return Ok(bytes);
    }
    // Pieces are read at offsets, which leaves the file's position at its start.
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The bytes of a big regular file read in pieces, `None` for a small file, anything but a
/// regular file, or one whose length changed while it was read (read whole then).
#[cfg(unix)]
fn read_in_pieces(file: &std::fs::File) -> std::io::Result<Option<Vec<u8>>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Ok(None);
    }
    let len = metadata.len();
    let Ok(size) = usize::try_from(len) else {
        return Ok(None);
    };
    if len < PARALLEL_MIN_BYTES {
        return Ok(None);
    }
    let mut bytes = super::huge_pages::zeroed_bytes(size);
    let read = bytes
        .par_chunks_mut(PIECE_BYTES)
        .enumerate()
        .try_for_each(|(i, piece)| {
            let offset = u64::try_from(i * PIECE_BYTES).unwrap_or(u64::MAX);
            file.read_exact_at(piece, offset)
        });
    match read {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    let mut more = [0; 1];
    Ok((file.read_at(&mut more, len)? == 0).then_some(bytes))
}

/// The bytes read from `path` as UTF-8 text without a byte-order mark; empty text is an error.
pub fn into_text(path: &Path, bytes: Vec<u8>) -> Result<String, DatasetError> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        DatasetError::new(
            path,
            DatasetErrorKind::NotText {
                valid_up_to: e.utf8_error().valid_up_to(),
            },
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    if text.trim().is_empty() {
        return Err(DatasetError::new(path, DatasetErrorKind::Empty));
    }
    Ok(text)
}
