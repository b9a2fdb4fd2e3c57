//! Liquidations CSV with a header naming time, symbol, side, price and quantity columns, such as
//! `timestamp,symbol,side,avg_price,filled_qty,usd_value` written by forceOrder collectors. Times
//! are epoch milliseconds or naive UTC ISO-8601; side is `SELL`/`BUY` or `long`/`short`.

use super::csv_table::{self, Table, Wanted};
use super::{Liquidations, Tagged, side_from_word};
use crate::dataset::error::{AtRow, DatasetErrorKind, Issue};
use crate::dataset::location::{Located, Location};
use crate::dataset::text;
use crate::model::Liquidation;

const REQUIRED: [Wanted; 4] = [
    (
        "time",
        &["timestamp", "time", "time_ms", "datetime", "date", "ts"],
    ),
    ("side", &["side"]),
    (
        "price",
        &["avg_price", "average_price", "price", "fill_price", "ap"],
    ),
    (
        "quantity",
        &[
            "filled_qty",
            "filled_quantity",
            "quantity",
            "qty",
            "size",
            "amount",
        ],
    ),
];

/// Parses the file.
pub fn parse(text: &str) -> Result<Liquidations, Issue> {
    let table = Table::read(text, None)?;
    let columns = table.require(&REQUIRED)?;
    let &[time, side, price, quantity] = columns.as_slice() else {
        unreachable!("require returns one index per wanted column");
    };
    let symbol = table.column(&["symbol"]);
    let mut events = Located::default();
    for (line, record) in &table.records {
        let at = Location::Line(*line);
        let field = |index: usize| csv_table::get(record, index);
        let event = (|| -> Result<Liquidation, DatasetErrorKind> {
            Ok(Liquidation {
                time_ms: text::parse_time(field(time), "time")?,
                side: side_from_word(field(side))?,
                price: text::parse_number(field(price), "price")?,
                quantity: text::parse_number(field(quantity), "quantity")?,
            })
        })()
        .at_row(at)?;
        events.push(
            at,
            Tagged {
                symbol: symbol.map(|i| field(i).to_string()),
                value: event,
            },
        );
    }
    Ok(Liquidations { events })
}
