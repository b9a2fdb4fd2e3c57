//! Binance `/futures/data/openInterestHist` JSON: an array of `{symbol, sumOpenInterest,
//! sumOpenInterestValue, timestamp}` with numbers as strings.

use serde::Deserialize;

use super::cells::Cell;
use super::{OpenInterest, Tagged, parse_json};
use crate::dataset::error::{AtRow, DatasetErrorKind, Issue};
use crate::dataset::location::{Located, Location};
use crate::model::OpenInterestSample;

#[derive(Deserialize)]
struct Row {
    #[serde(default)]
    symbol: Option<String>,
    #[serde(rename = "sumOpenInterest")]
    sum_open_interest: Cell,
    #[serde(rename = "sumOpenInterestValue", default)]
    sum_open_interest_value: Option<Cell>,
    timestamp: Cell,
}

/// Parses the rows.
pub fn parse(text: &str) -> Result<OpenInterest, Issue> {
    let rows: Vec<Row> = parse_json(text)?;
    if rows.is_empty() {
        return Err(DatasetErrorKind::NoRows("the JSON array is empty: no rows").into());
    }
    let mut samples = Located::default();
    for (index, row) in rows.into_iter().enumerate() {
        let at = Location::Row(index + 1);
        let sample = (|| -> Result<OpenInterestSample, DatasetErrorKind> {
            Ok(OpenInterestSample {
                time_ms: row.timestamp.time_ms("timestamp")?,
                open_interest: row.sum_open_interest.number("sumOpenInterest")?,
                value_usd: match &row.sum_open_interest_value {
                    Some(cell) => Some(cell.number("sumOpenInterestValue")?),
                    None => None,
                },
            })
        })()
        .at_row(at)?;
        samples.push(
            at,
            Tagged {
                symbol: row.symbol,
                value: sample,
            },
        );
    }
    Ok(OpenInterest {
        samples,
        exchange: None,
    })
}
