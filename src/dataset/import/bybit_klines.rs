//! Bybit v5 `/v5/market/kline` JSON: `result.list` of `[startTime, open, high, low, close,
//! volume, turnover]` strings, newest first; turnover is the quote volume.

use serde::Deserialize;

use super::cells::{self, Cell};
use super::{Klines, parse_json, reverse_if_newest_first};
use crate::dataset::error::{DatasetErrorKind, Issue};
use crate::dataset::location::Located;
use crate::model::Bar;

/// Venue name given to Bybit datasets.
pub const EXCHANGE: &str = "bybit";

/// A Bybit v5 answer.
#[derive(Deserialize)]
pub struct Response<T> {
    /// 0 on success.
    #[serde(rename = "retCode")]
    pub ret_code: Cell,
    /// The error text when `ret_code` is not 0.
    #[serde(rename = "retMsg", default)]
    pub ret_msg: String,
    /// The payload.
    pub result: Option<ResultBody<T>>,
}

/// `result` of a Bybit v5 answer.
#[derive(Deserialize)]
pub struct ResultBody<T> {
    /// The symbol asked for.
    #[serde(default)]
    pub symbol: Option<String>,
    /// The rows, newest first.
    #[serde(default = "Vec::new")]
    pub list: Vec<T>,
}

impl<T> Response<T> {
    /// The symbol and the rows, or the venue's error.
    pub fn into_parts(self) -> Result<(Option<String>, Vec<T>), DatasetErrorKind> {
        let code = self.ret_code.as_text();
        if code != "0" {
            return Err(DatasetErrorKind::ErrorAnswer {
                venue: "Bybit",
                code: format!("retCode {code}"),
                message: self.ret_msg,
            });
        }
        let Some(result) = self.result else {
            return Err(DatasetErrorKind::NoRows("the Bybit answer has no result"));
        };
        if result.list.is_empty() {
            return Err(DatasetErrorKind::NoRows(
                "the Bybit answer has no rows (result.list is empty)",
            ));
        }
        Ok((result.symbol.filter(|s| !s.is_empty()), result.list))
    }
}

/// Parses the answer.
pub fn parse(text: &str) -> Result<Klines, Issue> {
    let response: Response<Vec<Cell>> = parse_json(text)?;
    let (symbol, rows) = response.into_parts()?;
    let mut bars = Located::from_rows(&rows, Some("result.list"), |row| bar(row))?;
    reverse_if_newest_first(&mut bars, |b| b.open_time_ms);
    Ok(Klines {
        bars,
        symbol,
        exchange: Some(EXCHANGE),
    })
}

fn bar(row: &[Cell]) -> Result<Bar, DatasetErrorKind> {
    Ok(Bar {
        open_time_ms: cells::time_ms(row, 0, "start time")?,
        open: cells::number(row, 1, "open")?,
        high: cells::number(row, 2, "high")?,
        low: cells::number(row, 3, "low")?,
        close: cells::number(row, 4, "close")?,
        volume: cells::number(row, 5, "volume")?,
        taker_buy_volume: None,
        quote_volume: Some(cells::number(row, 6, "turnover")?),
    })
}
