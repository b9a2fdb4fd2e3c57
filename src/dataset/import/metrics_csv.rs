//! Binance archive `metrics` CSV: `create_time` (naive UTC, `2025-10-08 00:00:00`), `symbol`,
//! `sum_open_interest` (base units) and `sum_open_interest_value` (USD), among other columns.

use super::csv_table::{self, Table, Wanted};
use super::{OpenInterest, Tagged};
use crate::dataset::error::{AtRow, DatasetErrorKind, Issue};
use crate::dataset::location::{Located, Location};
use crate::dataset::text;
use crate::model::OpenInterestSample;

const REQUIRED: [Wanted; 2] = [
    ("create_time", &["create_time"]),
    ("sum_open_interest", &["sum_open_interest"]),
];

/// Parses the file.
pub fn parse(text: &str) -> Result<OpenInterest, Issue> {
    let table = Table::read(text, None)?;
    let columns = table.require(&REQUIRED)?;
    let &[time, oi] = columns.as_slice() else {
        unreachable!("require returns one index per wanted column");
    };
    let value = table.column(&["sum_open_interest_value"]);
    let symbol = table.column(&["symbol"]);
    let mut samples = Located::default();
    for (line, record) in &table.records {
        let at = Location::Line(*line);
        let sample = (|| -> Result<OpenInterestSample, DatasetErrorKind> {
            Ok(OpenInterestSample {
                time_ms: text::parse_time(csv_table::get(record, time), "create_time")?,
                open_interest: text::parse_number(csv_table::get(record, oi), "sum_open_interest")?,
                value_usd: csv_table::optional_number(record, value, "sum_open_interest_value")?,
            })
        })()
        .at_row(at)?;
        samples.push(
            at,
            Tagged {
                symbol: symbol.map(|i| csv_table::get(record, i).to_string()),
                value: sample,
            },
        );
    }
    Ok(OpenInterest {
        samples,
        exchange: None,
    })
}
