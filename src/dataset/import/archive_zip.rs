//! Zip files as Binance's public archive publishes them (one CSV inside, see
//! docs/dataset-format.md): recognised by content (the zip signature), not by name, and read as
//! the CSV they hold, so every importer and the viewer's Open take them like the CSV itself.

use std::io::Read;
use std::path::Path;

use crate::dataset::{DatasetError, DatasetErrorKind};

/// The local-file signature every zip starts with.
const ZIP_SIGNATURE: &[u8] = b"PK\x03\x04";
/// Largest CSV read out of a zip: a month of 1-minute klines is about 4 MB, so this leaves
/// room for any archive file while keeping a hostile zip (a "zip bomb") from filling memory.
const MAX_UNZIPPED_BYTES: u64 = 512 * 1024 * 1024;

/// The bytes of the one file inside `bytes` when they are a zip; `bytes` unchanged otherwise.
pub(crate) fn unzip_if_zip(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>, DatasetError> {
    if !bytes.starts_with(ZIP_SIGNATURE) {
        return Ok(bytes);
    }
    let fail = |problem: String| DatasetError::new(path, DatasetErrorKind::Zip(problem));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| fail(format!("it cannot be read: {e}")))?;
    let files: Vec<usize> = (0..archive.len())
        .filter(|&i| archive.by_index(i).is_ok_and(|f| f.is_file()))
        .collect();
    let [only] = files.as_slice() else {
        return Err(fail(format!(
            "it holds {} files; an archive file holds one CSV",
            files.len()
        )));
    };
    let mut inner = archive
        .by_index(*only)
        .map_err(|e| fail(format!("its file cannot be read: {e}")))?;
    let name = inner
        .name()
        .map_or_else(|_| "the file".to_string(), |n| n.to_string());
    let mut out = Vec::new();
    (&mut inner)
        .take(MAX_UNZIPPED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| fail(format!("{name} inside it is damaged: {e}")))?;
    if out.len() as u64 > MAX_UNZIPPED_BYTES {
        return Err(fail(format!(
            "{name} inside it is larger than {} MB unpacked",
            MAX_UNZIPPED_BYTES / (1024 * 1024)
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, content) in files {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_reads_as_the_csv_inside_and_other_files_pass_through() {
        let path = Path::new("x.zip");
        let csv = b"open_time,open\n1,2\n";
        assert_eq!(
            unzip_if_zip(path, zip_of(&[("x.csv", csv)])).unwrap(),
            csv.to_vec()
        );
        assert_eq!(unzip_if_zip(path, csv.to_vec()).unwrap(), csv.to_vec());
        let two = unzip_if_zip(path, zip_of(&[("a.csv", csv), ("b.csv", csv)])).unwrap_err();
        assert!(two.to_string().contains("holds 2 files"), "{two}");
        let mut cut = zip_of(&[("x.csv", csv)]);
        cut.truncate(cut.len() / 2);
        let cut = unzip_if_zip(path, cut).unwrap_err();
        assert!(
            cut.to_string().starts_with("x.zip: a zip file, but"),
            "{cut}"
        );
    }
}
