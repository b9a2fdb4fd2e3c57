//! Binance `forceOrder` stream messages, one JSON a line or a JSON array, plain
//! (`{"e":"forceOrder","o":{..}}`) or in the combined-stream wrapper (`{"stream":..,"data":{..}}`).
//!
//! `o.S` = `SELL` liquidates a long; price is `o.ap` (else `o.p`), quantity `o.z` (else `o.q`),
//! time `o.T`.

use serde::Deserialize;

use super::cells::Cell;
use super::{Liquidations, Tagged, parse_json, side_from_word};
use crate::dataset::error::{AtRow, DatasetErrorKind, Issue};
use crate::dataset::location::{Located, Location};
use crate::model::Liquidation;

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    data: Option<Event>,
    #[serde(default)]
    o: Option<Order>,
}

#[derive(Deserialize)]
struct Event {
    o: Order,
}

#[derive(Deserialize)]
struct Order {
    #[serde(default)]
    s: Option<String>,
    #[serde(rename = "S")]
    side: String,
    #[serde(default)]
    q: Option<Cell>,
    #[serde(default)]
    p: Option<Cell>,
    #[serde(default)]
    ap: Option<Cell>,
    #[serde(default)]
    z: Option<Cell>,
    #[serde(rename = "T")]
    time: Cell,
}

/// Parses the messages.
pub fn parse(text: &str) -> Result<Liquidations, Issue> {
    let mut events = Located::default();
    if text.trim_start().starts_with('[') {
        let messages: Vec<Message> = parse_json(text)?;
        for (index, message) in messages.into_iter().enumerate() {
            let at = Location::Row(index + 1);
            let event = event(message).at_row(at)?;
            events.push(at, event);
        }
    } else {
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = Location::Line(index as u64 + 1);
            let message: Message = serde_json::from_str(line)
                .map_err(|e| {
                    if e.is_eof() {
                        DatasetErrorKind::TruncatedMessage
                    } else {
                        DatasetErrorKind::NotExpected {
                            expected: "a forceOrder message",
                            reason: e.to_string(),
                        }
                    }
                })
                .at_row(at)?;
            let event = event(message).at_row(at)?;
            events.push(at, event);
        }
    }
    if events.values.is_empty() {
        return Err(DatasetErrorKind::NoRows("no liquidation messages").into());
    }
    Ok(Liquidations { events })
}

/// The first of `cells` that holds a number above 0, or the first error.
fn first_positive(cells: [(&Option<Cell>, &'static str); 2]) -> Result<f64, DatasetErrorKind> {
    let [(_, first_name), (_, second_name)] = cells;
    let mut fallback = None;
    for (cell, what) in cells {
        if let Some(cell) = cell {
            let value = cell.number(what)?;
            if value > 0.0 {
                return Ok(value);
            }
            fallback.get_or_insert(value);
        }
    }
    fallback.ok_or(DatasetErrorKind::NeitherGiven {
        first: first_name,
        second: second_name,
    })
}

fn event(message: Message) -> Result<Tagged<Liquidation>, DatasetErrorKind> {
    let order = match (message.data, message.o) {
        (Some(event), _) => event.o,
        (None, Some(order)) => order,
        (None, None) => {
            return Err(DatasetErrorKind::NotExpected {
                expected: "a forceOrder message",
                reason: "it has no order (no `o` field)".to_string(),
            });
        }
    };
    let side = side_from_word(&order.side)?;
    // `ap` (average fill price) is 0 on rare partial messages; `p` is the order price then.
    let price = first_positive([(&order.ap, "o.ap"), (&order.p, "o.p")])?;
    let quantity = first_positive([(&order.z, "o.z"), (&order.q, "o.q")])?;
    Ok(Tagged {
        symbol: order.s,
        value: Liquidation {
            time_ms: order.time.time_ms("o.T")?,
            side,
            price,
            quantity,
        },
    })
}
