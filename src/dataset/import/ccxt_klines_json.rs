//! ccxt / freqtrade JSON: rows of `[open_ms, open, high, low, close, volume]` as numbers.

use super::cells::{self, Cell};
use super::{Klines, json_rows};
use crate::dataset::error::{DatasetErrorKind, Issue};
use crate::dataset::location::Located;
use crate::model::Bar;

/// Parses the rows.
pub fn parse(text: &str) -> Result<Klines, Issue> {
    let rows: Vec<Vec<Cell>> = json_rows(text)?;
    let bars = Located::from_rows(&rows, None, |row| bar(row))?;
    Ok(Klines {
        bars,
        symbol: None,
        exchange: None,
    })
}

fn bar(row: &[Cell]) -> Result<Bar, DatasetErrorKind> {
    if row.len() != 6 {
        return Err(DatasetErrorKind::FieldCount {
            found: row.len(),
            expected: 6,
        });
    }
    Ok(Bar {
        open_time_ms: cells::time_ms(row, 0, "open time")?,
        open: cells::number(row, 1, "open")?,
        high: cells::number(row, 2, "high")?,
        low: cells::number(row, 3, "low")?,
        close: cells::number(row, 4, "close")?,
        volume: cells::number(row, 5, "volume")?,
        taker_buy_volume: None,
        quote_volume: None,
    })
}
