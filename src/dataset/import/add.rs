//! Adding a file of open interest or liquidations to a dataset already built (the viewer's
//! "Add open interest / liquidations to this dataset"): the file gets the checks an import with
//! `--open-interest` or `--liquidations` gives it, against the dataset's symbol and bars.

use std::path::Path;

use super::read_files::ReadFiles;
use super::several::{liquidations_of, open_interest_of};
use crate::dataset::detect::FormatKind;
use crate::dataset::merge::{merge_liquidations, merge_open_interest};
use crate::dataset::{DatasetError, DatasetErrorKind, validate};
use crate::model::Dataset;

/// What a file added to a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Added {
    /// The kind of data the file held.
    pub kind: FormatKind,
    /// Rows new to the dataset.
    pub added: usize,
    /// Rows the dataset held already.
    pub unchanged: usize,
}

/// Adds the open interest or liquidations of `path` to `dataset`; a klines file or a dataset is
/// refused (open it instead). On error the dataset is unchanged.
pub fn add_file(dataset: &mut Dataset, path: &Path) -> Result<Added, DatasetError> {
    add_read_file(dataset, path, &mut ReadFiles::default())
}

/// [`add_file`], taking the file from `files` when it was read already (read once to tell its
/// kind, then parsed from that text).
pub fn add_read_file(
    dataset: &mut Dataset,
    path: &Path,
    files: &mut ReadFiles,
) -> Result<Added, DatasetError> {
    let kind = files.read_kind(path)?;
    let merged = match kind {
        FormatKind::OpenInterest => {
            let samples = open_interest_of(path, dataset, files)?;
            let span = dataset.time_range_ms().ok_or_else(|| {
                DatasetError::new(path, DatasetErrorKind::NoRows("no bars to add to"))
            })?;
            validate::open_interest_overlaps(&samples, span).map_err(|i| i.in_file(path))?;
            merge_open_interest(&mut dataset.open_interest, &samples)
        }
        FormatKind::Liquidations => {
            let events = liquidations_of(path, &dataset.symbol, files)?;
            merge_liquidations(&mut dataset.liquidations, &events)
        }
        FormatKind::Klines | FormatKind::Dataset => {
            return Err(DatasetError::new(path, DatasetErrorKind::NotSeries(kind)));
        }
    };
    Ok(Added {
        kind,
        added: merged.added,
        unchanged: merged.unchanged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{ImportRequest, import};
    use crate::test_support::test_data as data;

    #[test]
    fn open_interest_added_later_equals_an_import_of_both_files() {
        let klines = data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv");
        let oi = data("hypeusdt-metrics-openinterest-5m-20251010-crash.csv");
        let mut dataset = import(&ImportRequest::klines_only(&klines)).unwrap();
        assert!(dataset.open_interest.is_empty());
        let added = add_file(&mut dataset, &oi).unwrap();
        let both = import(&ImportRequest {
            klines,
            open_interest: Some(oi.clone()),
            ..ImportRequest::default()
        })
        .unwrap();
        assert_eq!(added.kind, FormatKind::OpenInterest);
        // The README's fixture holds the same 31 timestamps as the klines.
        assert_eq!(added.added, 31);
        assert_eq!(dataset, both);
        // Added twice: nothing new.
        let again = add_file(&mut dataset, &oi).unwrap();
        assert_eq!((again.added, again.unchanged), (0, 31));
    }

    #[test]
    fn a_klines_file_is_not_added_and_the_dataset_stays() {
        let klines = data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv");
        let mut dataset = import(&ImportRequest::klines_only(&klines)).unwrap();
        let before = dataset.clone();
        let err = add_file(&mut dataset, &klines).unwrap_err();
        assert!(err.to_string().contains("open it on its own"), "{err}");
        assert!(err.to_string().contains("hypeusdt-klines"), "{err}");
        assert_eq!(dataset, before);
    }
}
