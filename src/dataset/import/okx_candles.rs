//! OKX `/api/v5/market/candles` JSON: `data` of `[ts, o, h, l, c, vol, volCcy, volCcyQuote,
//! confirm]` strings, newest first. For SWAP instruments `vol` counts contracts, so the base
//! volume is `volCcy` and the quote volume `volCcyQuote`.

use serde::Deserialize;

use super::cells::{self, Cell};
use super::{Klines, parse_json, reverse_if_newest_first};
use crate::dataset::error::{AtRow, DatasetErrorKind, Issue};
use crate::dataset::location::{Located, Location};
use crate::model::Bar;

/// Venue name given to OKX datasets.
pub const EXCHANGE: &str = "okx";

#[derive(Deserialize)]
struct Response {
    code: Cell,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    data: Vec<Vec<Cell>>,
}

/// Parses the answer.
pub fn parse(text: &str) -> Result<Klines, Issue> {
    let response: Response = parse_json(text)?;
    let code = response.code.as_text();
    if code != "0" {
        return Err(DatasetErrorKind::ErrorAnswer {
            venue: "OKX",
            code: format!("code {code}"),
            message: response.msg,
        }
        .into());
    }
    if response.data.is_empty() {
        return Err(DatasetErrorKind::NoRows("the OKX answer has no rows (data is empty)").into());
    }
    let mut bars = Located::default();
    for (index, row) in response.data.iter().enumerate() {
        let at = Location::ListRow {
            list: "data",
            row: index + 1,
        };
        let bar = bar(row).at_row(at)?;
        bars.push(at, bar);
    }
    reverse_if_newest_first(&mut bars, |b| b.open_time_ms);
    Ok(Klines {
        bars,
        symbol: None,
        exchange: Some(EXCHANGE),
    })
}

fn bar(row: &[Cell]) -> Result<Bar, DatasetErrorKind> {
    let quote_volume = match row.get(7) {
        Some(cell) => Some(cell.number("volCcyQuote")?),
        None => None,
    };
    Ok(Bar {
        open_time_ms: cells::time_ms(row, 0, "ts")?,
        open: cells::number(row, 1, "open")?,
        high: cells::number(row, 2, "high")?,
        low: cells::number(row, 3, "low")?,
        close: cells::number(row, 4, "close")?,
        volume: cells::number(row, 6, "volCcy")?,
        taker_buy_volume: None,
        quote_volume,
    })
}
