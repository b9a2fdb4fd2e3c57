//! Binance REST `/fapi/v1/klines` JSON: rows of `[openTime, "open", "high", "low", "close",
//! "volume", closeTime, "quoteVolume", trades, "takerBuyBase", "takerBuyQuote", "ignore"]`.

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
    if row.len() != 12 {
        return Err(DatasetErrorKind::FieldCount {
            found: row.len(),
            expected: 12,
        });
    }
    Ok(Bar {
        open_time_ms: cells::time_ms(row, 0, "open time")?,
        open: cells::number(row, 1, "open")?,
        high: cells::number(row, 2, "high")?,
        low: cells::number(row, 3, "low")?,
        close: cells::number(row, 4, "close")?,
        volume: cells::number(row, 5, "volume")?,
        quote_volume: Some(cells::number(row, 7, "quote volume")?),
        taker_buy_volume: Some(cells::number(row, 9, "taker-buy volume")?),
    })
}
