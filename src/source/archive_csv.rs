//! Reading the files of Binance's public archive: the one CSV inside each zip, in the
//! archive's klines layout (`open_time,open,high,low,close,volume,close_time,quote_volume,count,
//! taker_buy_volume,…`, with or without a header line) or its metrics layout (`create_time,symbol,
//! sum_open_interest,sum_open_interest_value,…`, UTC times).

use std::io::Read;

use chrono::NaiveDateTime;

use crate::model::{Bar, OpenInterestSample};

/// A file of the archive that is not in its documented layout.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LayoutError {
    /// The zip cannot be read.
    #[error("not a zip holding one CSV: {0}")]
    Zip(String),
    /// A row is not in the layout.
    #[error("row {row}: {problem}")]
    Row {
        /// The line, from 1.
        row: usize,
        /// What is wrong with it.
        problem: String,
    },
}

/// The text of the one CSV inside the zip.
pub(crate) fn read_zip(bytes: &[u8]) -> Result<String, LayoutError> {
    let zip_error = |e: zip::result::ZipError| LayoutError::Zip(e.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_error)?;
    let mut inner = archive.by_index(0).map_err(zip_error)?;
    let mut text = String::new();
    inner
        .read_to_string(&mut text)
        .map_err(|e| LayoutError::Zip(e.to_string()))?;
    Ok(text)
}

/// The rows of a CSV, numbered from 1, without a header line (files from 2022 on have one,
/// older ones none) and blank lines.
fn csv_rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .map(|(i, line)| (i, line.split(',').map(str::trim).collect::<Vec<_>>()))
        .filter(|(_, cells)| {
            cells
                .first()
                .is_some_and(|c| c.bytes().next().is_some_and(|b| b.is_ascii_digit()))
        })
}

fn cell<'a>(
    cells: &[&'a str],
    row: usize,
    index: usize,
    name: &str,
) -> Result<&'a str, LayoutError> {
    cells.get(index).copied().ok_or_else(|| LayoutError::Row {
        row,
        problem: format!("no {name} column"),
    })
}

fn decimal(cells: &[&str], row: usize, index: usize, name: &str) -> Result<f64, LayoutError> {
    let text = cell(cells, row, index, name)?;
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(LayoutError::Row {
            row,
            problem: format!("{name} '{text}' is not a number"),
        }),
    }
}

/// `open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,…`.
pub(crate) fn parse_klines(text: &str) -> Result<Vec<Bar>, LayoutError> {
    csv_rows(text)
        .map(|(row, c)| {
            let open_time = cell(&c, row, 0, "open_time")?;
            Ok(Bar {
                open_time_ms: open_time.parse().map_err(|_| LayoutError::Row {
                    row,
                    problem: format!("open_time '{open_time}' is not epoch milliseconds"),
                })?,
                open: decimal(&c, row, 1, "open")?,
                high: decimal(&c, row, 2, "high")?,
                low: decimal(&c, row, 3, "low")?,
                close: decimal(&c, row, 4, "close")?,
                volume: decimal(&c, row, 5, "volume")?,
                quote_volume: Some(decimal(&c, row, 7, "quote_volume")?),
                taker_buy_volume: Some(decimal(&c, row, 9, "taker_buy_volume")?),
            })
        })
        .collect()
}

/// `create_time,symbol,sum_open_interest,sum_open_interest_value,…`, times in UTC.
pub(crate) fn parse_metrics(text: &str) -> Result<Vec<OpenInterestSample>, LayoutError> {
    csv_rows(text)
        .map(|(row, c)| {
            let time = cell(&c, row, 0, "create_time")?;
            let time_ms = NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S")
                .map_err(|_| LayoutError::Row {
                    row,
                    problem: format!("create_time '{time}' is not YYYY-MM-DD HH:MM:SS"),
                })?
                .and_utc()
                .timestamp_millis();
            Ok(OpenInterestSample {
                time_ms,
                open_interest: decimal(&c, row, 2, "sum_open_interest")?,
                value_usd: Some(decimal(&c, row, 3, "sum_open_interest_value")?),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn klines_with_or_without_header_and_metrics_read_the_same() {
        // The first row of tests/data/hypeusdt-klines-5m-binance-archive.csv.
        let row = "1760130900000,35.89100,36.40200,27.91300,29.50200,2351922.84,1760131199999,69386427.6257,0,1180636.43,36848877.7321900,0";
        let header = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";
        let with = parse_klines(&format!("{header}\n{row}\n")).unwrap();
        let without = parse_klines(&format!("{row}\n")).unwrap();
        assert_eq!(with, without);
        assert_eq!(with[0].open_time_ms, 1_760_130_900_000);
        assert_eq!((with[0].low, with[0].close), (27.913, 29.502));
        assert_eq!(with[0].taker_buy_volume, Some(1_180_636.43));
        // A metrics row, repeated as early files do: both rows are read; the caller keeps one a time.
        let metrics = "2025-10-08 00:00:00,HYPEUSDT,5759013.08,260537751.7392,2.3,1.4,2.5,1.2";
        let samples = parse_metrics(&format!("{metrics}\n{metrics}\n")).unwrap();
        assert_eq!(samples.len(), 2);
        assert_eq!(samples[0].time_ms, 1_759_881_600_000);
        assert_eq!(samples[0].open_interest, 5_759_013.08);
        let bad = parse_klines("1760130900000,35.8,x,1,1,1,1,1,0,1,1,0\n").unwrap_err();
        assert_eq!(bad.to_string(), "row 1: high 'x' is not a number");
    }
}
