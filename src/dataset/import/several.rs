//! Importing several files of each kind at once (a folder of daily archive files, or
//! `--klines a.zip --klines b.zip`): every klines file is imported on its own and the results
//! merged; the open-interest and liquidation files are then checked against the merged bars and
//! merged in. Every file keeps the checks a single import gives it, and errors name the file.

use std::path::{Path, PathBuf};

use super::read_files::ReadFiles;
use super::{ImportRequest, import_read, keep_symbol, parse_liquidations, parse_open_interest};
use crate::dataset::merge::{self, merge_liquidations, merge_open_interest};
use crate::dataset::{DatasetError, DatasetErrorKind, validate};
use crate::model::{Dataset, Liquidation, OpenInterestSample};

/// What to import: each option's files, in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeveralRequest {
    /// Klines files (at least one).
    pub klines: Vec<PathBuf>,
    /// Open-interest files.
    pub open_interest: Vec<PathBuf>,
    /// Liquidation files.
    pub liquidations: Vec<PathBuf>,
    /// Venue name, overriding the detected one.
    pub exchange: Option<String>,
    /// Symbol, for data that does not name one.
    pub symbol: Option<String>,
}

/// Builds one dataset from all the files of `request`.
pub fn import_several(request: &SeveralRequest) -> Result<Dataset, DatasetError> {
    import_several_read(request, &mut ReadFiles::default())
}

/// [`import_several`], taking the files `files` has read already from it instead of reading
/// them again.
pub fn import_several_read(
    request: &SeveralRequest,
    files: &mut ReadFiles,
) -> Result<Dataset, DatasetError> {
    let Some((first, rest)) = request.klines.split_first() else {
        return Err(DatasetError::new(
            Path::new("--klines"),
            DatasetErrorKind::NoKlinesGiven,
        ));
    };
    if rest.is_empty() && request.open_interest.len() <= 1 && request.liquidations.len() <= 1 {
        return import_read(
            &ImportRequest {
                klines: first.clone(),
                open_interest: request.open_interest.first().cloned(),
                liquidations: request.liquidations.first().cloned(),
                exchange: request.exchange.clone(),
                symbol: request.symbol.clone(),
            },
            files,
        );
    }
    let one = |path: &PathBuf| ImportRequest {
        klines: path.clone(),
        exchange: request.exchange.clone(),
        symbol: request.symbol.clone(),
        ..ImportRequest::default()
    };
    let mut dataset = import_read(&one(first), files)?;
    for path in rest {
        let more = import_read(&one(path), files)?;
        merge::merge(&mut dataset, &more).map_err(|e| {
            DatasetError::new(
                path,
                DatasetErrorKind::CannotMerge {
                    reason: e.to_string(),
                    first: first.clone(),
                },
            )
        })?;
    }
    let span = match (dataset.bars.first(), dataset.bars.last()) {
        (Some(a), Some(b)) => (a.open_time_ms, b.open_time_ms + dataset.interval_ms),
        _ => {
            return Err(DatasetError::new(
                first,
                DatasetErrorKind::NoRows("no bars"),
            ));
        }
    };
    for path in &request.open_interest {
        let samples = open_interest_of(path, &dataset, files)?;
        validate::open_interest_overlaps(&samples, span).map_err(|issue| issue.in_file(path))?;
        merge_open_interest(&mut dataset.open_interest, &samples);
    }
    for path in &request.liquidations {
        let events = liquidations_of(path, &dataset.symbol, files)?;
        merge_liquidations(&mut dataset.liquidations, &events);
    }
    Ok(dataset)
}

/// The open interest of `path` for the dataset's symbol, checked as a single import checks it.
pub(super) fn open_interest_of(
    path: &Path,
    dataset: &Dataset,
    files: &mut ReadFiles,
) -> Result<Vec<OpenInterestSample>, DatasetError> {
    let mut parsed = parse_open_interest(path, files)?;
    keep_symbol(&mut parsed.samples, &dataset.symbol, path, "open interest")?;
    let values: Vec<OpenInterestSample> = parsed.samples.values.iter().map(|t| t.value).collect();
    let at = |i: usize| parsed.samples.describe(i);
    validate::open_interest(&values, &at).map_err(|issue| issue.in_file(path))?;
    validate::open_interest_prices(&values, &dataset.bars, &at)
        .map_err(|issue| issue.in_file(path))?;
    Ok(values)
}

/// The liquidations of `path` for `symbol`, checked as a single import checks them.
pub(super) fn liquidations_of(
    path: &Path,
    symbol: &str,
    files: &mut ReadFiles,
) -> Result<Vec<Liquidation>, DatasetError> {
    let mut parsed = parse_liquidations(path, files)?;
    keep_symbol(&mut parsed.events, symbol, path, "liquidations")?;
    let values: Vec<Liquidation> = parsed.events.values.iter().map(|t| t.value).collect();
    let at = |i: usize| parsed.events.describe(i);
    validate::liquidations(&values, &at).map_err(|issue| issue.in_file(path))?;
    Ok(values)
}
