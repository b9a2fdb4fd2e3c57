//! Bybit v5 `/v5/market/open-interest` JSON: `result.list` of `{openInterest, timestamp}`
//! strings, newest first.

use serde::Deserialize;

use super::bybit_klines::{EXCHANGE, Response};
use super::cells::Cell;
use super::{OpenInterest, Tagged, parse_json, reverse_if_newest_first};
use crate::dataset::error::Issue;
use crate::dataset::location::Located;
use crate::model::OpenInterestSample;

#[derive(Deserialize)]
struct Row {
    #[serde(rename = "openInterest")]
    open_interest: Cell,
    timestamp: Cell,
}

/// Parses the answer.
pub fn parse(text: &str) -> Result<OpenInterest, Issue> {
    let response: Response<Row> = parse_json(text)?;
    let (symbol, rows) = response.into_parts()?;
    let mut samples = Located::from_rows(&rows, Some("result.list"), |row| {
        Ok(Tagged {
            symbol: symbol.clone(),
            value: OpenInterestSample {
                time_ms: row.timestamp.time_ms("timestamp")?,
                open_interest: row.open_interest.number("openInterest")?,
                value_usd: None,
            },
        })
    })?;
    reverse_if_newest_first(&mut samples, |s| s.value.time_ms);
    Ok(OpenInterest {
        samples,
        exchange: Some(EXCHANGE),
    })
}
