//! liqmap's own dataset file: versioned JSON with columnar arrays, small and fast to load.
//!
//! The schema is described in `docs/dataset-format.md`.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::detect::json_error;
use super::error::{DatasetErrorKind as Kind, Issue, MAX_INTERVAL_MS};
use super::location::Location;
use super::validate;
use crate::model::{Bar, Dataset, Liquidation, OpenInterestSample, Side};

/// Value of the `format` field.
pub const FORMAT_TAG: &str = "liqmap-dataset";

/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The whole file, as written.
#[derive(Serialize, Deserialize)]
pub(super) struct File {
    pub(super) format: String,
    pub(super) version: u32,
    pub(super) exchange: String,
    pub(super) symbol: String,
    pub(super) interval_ms: i64,
    pub(super) bars: BarColumns,
    #[serde(default)]
    pub(super) open_interest: OpenInterestColumns,
    #[serde(default)]
    pub(super) liquidations: LiquidationColumns,
}

/// `bars`: one array per field of [`Bar`].
#[derive(Default, Serialize, Deserialize)]
pub(super) struct BarColumns {
    pub(super) open_time_ms: Vec<i64>,
    pub(super) open: Vec<f64>,
    pub(super) high: Vec<f64>,
    pub(super) low: Vec<f64>,
    pub(super) close: Vec<f64>,
    pub(super) volume: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) taker_buy_volume: Option<Vec<Option<f64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) quote_volume: Option<Vec<Option<f64>>>,
}

/// `open_interest`: one array per field of [`OpenInterestSample`].
#[derive(Default, Serialize, Deserialize)]
pub(super) struct OpenInterestColumns {
    pub(super) time_ms: Vec<i64>,
    pub(super) open_interest: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) value_usd: Option<Vec<Option<f64>>>,
}

/// `liquidations`: one array per field of [`Liquidation`].
#[derive(Default, Serialize, Deserialize)]
pub(super) struct LiquidationColumns {
    pub(super) time_ms: Vec<i64>,
    pub(super) side: Vec<Side>,
    pub(super) price: Vec<f64>,
    pub(super) quantity: Vec<f64>,
}

/// Only the tag and version, read when the full file does not parse, so that a file from a newer
/// liqmap gets a message about its version rather than about a field this build does not know.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u64>,
}

/// A column that is absent, or present with one entry per row.
fn optional_column(column: Option<Vec<Option<f64>>>) -> Vec<Option<f64>> {
    column.unwrap_or_default()
}

/// Writes `dataset` as native JSON (compact: the columns of a year of minute bars stay small).
pub fn to_string(dataset: &Dataset) -> Result<String, Kind> {
    let bars = &dataset.bars;
    let column = |f: fn(&Bar) -> Option<f64>| -> Option<Vec<Option<f64>>> {
        let values: Vec<Option<f64>> = bars.iter().map(f).collect();
        values.iter().any(Option::is_some).then_some(values)
    };
    let oi = &dataset.open_interest;
    let oi_values: Vec<Option<f64>> = oi.iter().map(|s| s.value_usd).collect();
    let liquidations = &dataset.liquidations;
    let file = File {
        format: FORMAT_TAG.to_string(),
        version: VERSION,
        exchange: dataset.exchange.clone(),
        symbol: dataset.symbol.clone(),
        interval_ms: dataset.interval_ms,
        bars: BarColumns {
            open_time_ms: bars.iter().map(|b| b.open_time_ms).collect(),
            open: bars.iter().map(|b| b.open).collect(),
            high: bars.iter().map(|b| b.high).collect(),
            low: bars.iter().map(|b| b.low).collect(),
            close: bars.iter().map(|b| b.close).collect(),
            volume: bars.iter().map(|b| b.volume).collect(),
            taker_buy_volume: column(|b| b.taker_buy_volume),
            quote_volume: column(|b| b.quote_volume),
        },
        open_interest: OpenInterestColumns {
            time_ms: oi.iter().map(|s| s.time_ms).collect(),
            open_interest: oi.iter().map(|s| s.open_interest).collect(),
            value_usd: oi_values.iter().any(Option::is_some).then_some(oi_values),
        },
        liquidations: LiquidationColumns {
            time_ms: liquidations.iter().map(|l| l.time_ms).collect(),
            side: liquidations.iter().map(|l| l.side).collect(),
            price: liquidations.iter().map(|l| l.price).collect(),
            quantity: liquidations.iter().map(|l| l.quantity).collect(),
        },
    };
    serde_json::to_string(&file).map_err(|e| Kind::Encode(e.to_string()))
}

/// Reads native JSON and checks it like an import.
pub fn from_str(text: &str) -> Result<Dataset, Issue> {
    let file: File = match serde_json::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            check_header(text)?;
            return Err(if e.is_eof() {
                json_error(&e)
            } else {
                Kind::Schema(e.to_string())
            }
            .into());
        }
    };
    finish(file)
}

/// Checks a parsed file's tag and version, gathers its columns into rows and checks them like
/// an import (shared with the Parquet reader).
pub(super) fn finish(file: File) -> Result<Dataset, Issue> {
    check_tag_and_version(&file.format, file.version)?;
    let dataset = into_dataset(file)?;
    check(&dataset)?;
    Ok(dataset)
}

/// Checks the tag and version of a file read into rows, and its rows like an import (the end of
/// the fast reader in `native_read`, and of [`finish`]).
pub(super) fn finish_rows(format: &str, version: u32, dataset: Dataset) -> Result<Dataset, Issue> {
    check_tag_and_version(format, version)?;
    check(&dataset)?;
    Ok(dataset)
}

fn check_tag_and_version(format: &str, version: u32) -> Result<(), Kind> {
    if format != FORMAT_TAG {
        return Err(Kind::NotNative(format.to_string()));
    }
    check_version(u64::from(version))
}

fn check_version(version: u64) -> Result<(), Kind> {
    if version > u64::from(VERSION) {
        Err(Kind::NewerVersion {
            found: version,
            reads: VERSION,
        })
    } else if version == 0 {
        Err(Kind::VersionZero)
    } else {
        Ok(())
    }
}

fn check_header(text: &str) -> Result<(), Kind> {
    let Ok(header) = serde_json::from_str::<Header>(text) else {
        return Ok(());
    };
    if header.format.as_deref() == Some(FORMAT_TAG)
        && let Some(version) = header.version
    {
        check_version(version)?;
    }
    Ok(())
}

fn same_length(column: &'static str, len: usize, rows: usize) -> Result<(), Kind> {
    if len == rows {
        Ok(())
    } else {
        Err(Kind::ColumnLength { column, len, rows })
    }
}

fn into_dataset(file: File) -> Result<Dataset, Kind> {
    let b = file.bars;
    let n = b.open_time_ms.len();
    for (name, len) in [
        ("bars.open", b.open.len()),
        ("bars.high", b.high.len()),
        ("bars.low", b.low.len()),
        ("bars.close", b.close.len()),
        ("bars.volume", b.volume.len()),
    ] {
        same_length(name, len, n)?;
    }
    let taker = optional_column(b.taker_buy_volume);
    let quote = optional_column(b.quote_volume);
    if !taker.is_empty() {
        same_length("bars.taker_buy_volume", taker.len(), n)?;
    }
    if !quote.is_empty() {
        same_length("bars.quote_volume", quote.len(), n)?;
    }
    let mut bars = Vec::with_capacity(n);
    for (i, &open_time_ms) in b.open_time_ms.iter().enumerate() {
        let (Some(&open), Some(&high), Some(&low), Some(&close), Some(&volume)) = (
            b.open.get(i),
            b.high.get(i),
            b.low.get(i),
            b.close.get(i),
            b.volume.get(i),
        ) else {
            unreachable!("every bars column was checked to have {n} entries");
        };
        bars.push(Bar {
            open_time_ms,
            open,
            high,
            low,
            close,
            volume,
            taker_buy_volume: taker.get(i).copied().flatten(),
            quote_volume: quote.get(i).copied().flatten(),
        });
    }

    let o = file.open_interest;
    let m = o.time_ms.len();
    same_length("open_interest.open_interest", o.open_interest.len(), m)?;
    let values = optional_column(o.value_usd);
    if !values.is_empty() {
        same_length("open_interest.value_usd", values.len(), m)?;
    }
    let open_interest = o
        .time_ms
        .iter()
        .zip(&o.open_interest)
        .enumerate()
        .map(|(i, (&time_ms, &open_interest))| OpenInterestSample {
            time_ms,
            open_interest,
            value_usd: values.get(i).copied().flatten(),
        })
        .collect();

    let l = file.liquidations;
    let k = l.time_ms.len();
    same_length("liquidations.side", l.side.len(), k)?;
    same_length("liquidations.price", l.price.len(), k)?;
    same_length("liquidations.quantity", l.quantity.len(), k)?;
    let liquidations = l
        .time_ms
        .iter()
        .zip(&l.side)
        .zip(l.price.iter().zip(&l.quantity))
        .map(|((&time_ms, &side), (&price, &quantity))| Liquidation {
            time_ms,
            side,
            price,
            quantity,
        })
        .collect();

    Ok(Dataset {
        exchange: file.exchange,
        symbol: file.symbol,
        interval_ms: file.interval_ms,
        bars,
        open_interest,
        liquidations,
    })
}

/// The checks an import makes, so a hand-edited file cannot feed the engine bad data.
fn check(dataset: &Dataset) -> Result<(), Issue> {
    if !(1..=MAX_INTERVAL_MS).contains(&dataset.interval_ms) {
        return Err(Kind::BadInterval {
            interval_ms: dataset.interval_ms,
        }
        .into());
    }
    let entry = |group: &'static str| {
        move |i: usize| Location::Entry {
            group,
            entry: i + 1,
        }
    };
    let top = check_bars(&dataset.bars)?;
    let oi_at = entry("open_interest");
    validate::open_interest(&dataset.open_interest, &oi_at)?;
    validate::open_interest_usd_at(&dataset.open_interest, top, &oi_at)?;
    let at = entry("liquidations");
    validate::liquidations(&dataset.liquidations, &at)?;
    validate::liquidations_sorted(&dataset.liquidations, &at)?;
    Ok(())
}

/// Bars checked per job: the year's half million are checked on every core.
const CHECK_CHUNK_BARS: usize = 1 << 16;

/// [`validate::bars`] over chunks of bars on every core. Each chunk is checked with the bar
/// before it, so the order across chunks is checked too, and the error of the earliest chunk
/// with one is the error a single pass finds first. Gives the highest high (found in the same
/// pass while the chunk is in the cache: a pass of its own over the year's rows took 5 ms).
fn check_bars(bars: &[Bar]) -> Result<f64, Issue> {
    let starts: Vec<usize> = (0..bars.len().max(1)).step_by(CHECK_CHUNK_BARS).collect();
    let results: Vec<Result<f64, Issue>> = starts
        .par_iter()
        .map(|&start| {
            let from = start.saturating_sub(1);
            let end = bars.len().min(start + CHECK_CHUNK_BARS);
            let at = |i: usize| Location::Entry {
                group: "bars",
                entry: from + i + 1,
            };
            let chunk = bars.get(from..end).unwrap_or_default();
            validate::bars(chunk, &at).map(|()| validate::highest_high(chunk))
        })
        .collect();
    // The maximum of maxima is the maximum: no order of a sum to keep.
    results
        .into_iter()
        .try_fold(0.0, |top: f64, chunk| chunk.map(|high| top.max(high)))
}
