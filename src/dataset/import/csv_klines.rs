//! Klines CSV: the Binance archive files (12 columns, with or without the header line) and the
//! reduced forms with a header naming open time, OHLC, volume and optionally taker-buy and quote
//! volume (e.g. `open_time,open,high,low,close,volume,taker_buy_base,taker_buy_quote`).

use super::Klines;
use super::csv_table::{self, Table, Wanted};
use crate::dataset::error::{AtRow, DatasetErrorKind, Issue};
use crate::dataset::location::{Located, Location};
use crate::dataset::text;
use crate::model::Bar;

/// The Binance archive header, used when the file has none.
const ARCHIVE_HEADER: [&str; 12] = [
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
];

const REQUIRED: [Wanted; 6] = [
    (
        "open time",
        &[
            "open_time",
            "open_time_ms",
            "timestamp",
            "time",
            "date",
            "datetime",
        ],
    ),
    ("open", &["open"]),
    ("high", &["high"]),
    ("low", &["low"]),
    ("close", &["close"]),
    ("volume", &["volume", "base_volume", "vol"]),
];

const TAKER_BUY: &[&str] = &[
    "taker_buy_volume",
    "taker_buy_base",
    "taker_buy_base_volume",
    "taker_buy_base_asset_volume",
];

const QUOTE: &[&str] = &["quote_volume", "quote_asset_volume", "turnover"];

/// Parses a klines CSV; `has_header` is false for headerless Binance archive files.
pub fn parse(text: &str, has_header: bool) -> Result<Klines, Issue> {
    let table = Table::read(text, (!has_header).then_some(&ARCHIVE_HEADER[..]))?;
    let columns = table.require(&REQUIRED)?;
    let &[time, open, high, low, close, volume] = columns.as_slice() else {
        unreachable!("require returns one index per wanted column");
    };
    let taker = table.column(TAKER_BUY);
    let quote = table.column(QUOTE);
    let mut bars = Located::default();
    for (line, record) in &table.records {
        let at = Location::Line(*line);
        let field = |index: usize| csv_table::get(record, index);
        let bar = (|| -> Result<Bar, DatasetErrorKind> {
            Ok(Bar {
                open_time_ms: text::parse_time(field(time), "open time")?,
                open: text::parse_number(field(open), "open")?,
                high: text::parse_number(field(high), "high")?,
                low: text::parse_number(field(low), "low")?,
                close: text::parse_number(field(close), "close")?,
                volume: text::parse_number(field(volume), "volume")?,
                taker_buy_volume: csv_table::optional_number(record, taker, "taker-buy volume")?,
                quote_volume: csv_table::optional_number(record, quote, "quote volume")?,
            })
        })()
        .at_row(at)?;
        bars.push(at, bar);
    }
    Ok(Klines {
        bars,
        symbol: None,
        exchange: None,
    })
}
